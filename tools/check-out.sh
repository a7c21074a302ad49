#!/bin/sh
# make check-out: fails when out/ is not what `rulepack build rules/` generates now, so a change
# to a rule always shows its generated code in review. Builds into a temporary folder and
# compares byte for byte.
set -u
RULEPACK=${1:-build/rulepack}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$RULEPACK" build -o "$tmp/out" rules/ > "$tmp/build.log" 2>&1
status=$?
if [ $status -gt 1 ]; then cat "$tmp/build.log"; echo "check-out: rulepack build failed"; exit 1; fi
# build products of `make -C out/c` (the matcher, objects) are not generated sources
if diff -r -u -x matcher -x "*.o" out "$tmp/out" > "$tmp/diff" 2>&1; then
  echo "check-out: out/ is up to date"
  exit 0
fi
head -60 "$tmp/diff"
echo "check-out: out/ is stale; run 'make run' (or build/rulepack build -o out rules/) and commit out/"
exit 1
