#!/bin/sh
# SARIF output is accepted by Microsoft's validator (npm @microsoft/sarif-multitool) without
# errors, on the RMM corpus (171 diagnostics) and on a pack with absolute paths.
# The validator is installed once into $BUILD/tools/sarif (npm registry). Without npm the test
# fails in CI and is skipped (with a message) on a developer machine.
set -u
BUILD=${BUILD:-build}
TOOL_DIR="$BUILD/tools/sarif"
if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then echo "npm is required in CI for the SARIF validator"; exit 1; fi
  echo "SKIP: npm not installed"; exit 0
fi
MT="$TOOL_DIR/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$MT" ]; then
  mkdir -p "$TOOL_DIR"
  (cd "$TOOL_DIR" && npm install --no-audit --no-fund --silent @microsoft/sarif-multitool@5.7.0 >/dev/null 2>&1) || { echo "npm install failed"; exit 1; }
  chmod u+x "$MT"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$BUILD/rulepack" check --format sarif ../shared/corpus/rmm > "$tmp/rel.sarif"
"$BUILD/rulepack" check --format sarif "$(cd ../shared/corpus/rmm && pwd)" > "$tmp/abs.sarif"
"$BUILD/rulepack" check --format sarif rules > "$tmp/rules.sarif"
for f in rel abs rules; do
  "$MT" validate "$tmp/$f.sarif" -o "$tmp/$f.out.sarif" > "$tmp/$f.log" 2>&1
  errors=$(grep -c ': error ' "$tmp/$f.log")
  results=$(grep -c '"ruleId"' "$tmp/$f.sarif")
  echo "$f: $results results, validator errors: $errors"
  if [ "$errors" != 0 ]; then cat "$tmp/$f.log" | head -20; fail=1; fi
done
[ "$(grep -c '"ruleId": "RP0003"' "$tmp/rel.sarif")" -eq 171 ] || { echo "expected 171 RP0003 results"; fail=1; }
exit $fail
