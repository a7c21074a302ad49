#!/bin/sh
# `rulepack build .` in a rule repository writes out/ inside the folder it reads: the next run must
# not read out/kql/*.kql back as bare queries (a folder holding rulepack's manifest.json is its own
# output and is skipped while walking), so the second build is the same rules and the same bytes.
# Named explicitly, the generated KQL is still checked.
set -e
RP=$(pwd)/${BUILD:-build}/rulepack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/repo"
cp rules/meshcentral.yaml "$tmp/repo/"
cd "$tmp/repo"
"$RP" build . > /dev/null 2> "$tmp/first.log" || { cat "$tmp/first.log"; exit 1; }
cp -r out "$tmp/first"
"$RP" build . > /dev/null 2> "$tmp/second.log" || { cat "$tmp/second.log"; exit 1; }
grep -q '^rulepack build: 1 rule: 1 compiled fully' "$tmp/second.log" || { cat "$tmp/second.log"; exit 1; }
diff -r "$tmp/first" out
"$RP" check --format json . > "$tmp/check.json" || true
if grep -q '"file": *"[^"]*out/' "$tmp/check.json"; then echo "check read the build output"; exit 1; fi
"$RP" check --format json out/kql > "$tmp/explicit.json" || { cat "$tmp/explicit.json"; exit 1; }
grep -q '"file": *"out/kql/' "$tmp/explicit.json" || { cat "$tmp/explicit.json"; exit 1; }
echo ok
