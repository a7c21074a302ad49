#!/bin/sh
# docs/diagnostics.md is generated from the code table; fails when it is stale (run `make docs`).
BUILD=${BUILD:-build}
"$BUILD/rulepack" codes --markdown | diff -u docs/diagnostics.md - || { echo "docs/diagnostics.md is stale: run make docs"; exit 1; }
