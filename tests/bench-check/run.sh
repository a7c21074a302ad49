#!/bin/sh
# Benchmark of `rulepack check` (not a test): a generated pack of 10,000 rules, checked on one
# core (rulepack is single-threaded). Reports rules/second; goal >= 10,000.
BUILD=${1:-build}
N=${BENCH_RULES:-10000}
dir=${BENCH_DIR:-/tmp/rulepack-bench-pack}
if [ ! -f "$dir/.n$N" ]; then
  rm -rf "$dir"; /usr/bin/python3 tests/bench-check/gen_pack.py "$dir" "$N" && touch "$dir/.n$N"
fi
# warm the page cache, then the best of three runs
"$BUILD/rulepack" check --format json "$dir" > /tmp/rulepack-bench-check.json 2>&1
best=""
for i in 1 2 3; do
  start=$(date +%s.%N)
  taskset -c 0 "$BUILD/rulepack" check --format json "$dir" > /tmp/rulepack-bench-check.json 2>&1
  end=$(date +%s.%N)
  t=$(awk "BEGIN{print $end - $start}")
  if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
done
diags=$(grep -c '"code"' /tmp/rulepack-bench-check.json)
printf 'check: %d rules in %.3f s (best of 3, one core): %.0f rules/s; %d diagnostics\n' "$N" "$best" "$(awk "BEGIN{print $N / $best}")" "$diags"
