#!/bin/sh
# The benchmark programs (tests/bench/*.c, run by `make bench`, which CI does not run) still
# compile against the current runtime under -Werror: a runtime change cannot silently break the
# benchmarks. Compiles only; nothing is timed here.
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
RT=compiler/runtime
CC=${CC:-cc}
W="-std=c11 -O1 -Wall -Wextra -Werror"
$CC $W -o "$tmp/gen_events" tests/bench/gen_events.c
$CC $W -pedantic -I$RT -Icompiler -o "$tmp/match_seed" tests/bench/match_seed.c $RT/*.c -lpcre2-8 -lm
$CC $W -I$RT -Icompiler -o "$tmp/jansson_seed" tests/bench/jansson_seed.c $RT/*.c -ljansson -lpcre2-8 -lm
$CC $W -pedantic -I$RT -Icompiler -o "$tmp/prefilter_bench" tests/bench/prefilter_bench.c $RT/*.c -lpcre2-8 -lm
# and the hand-written seed matcher (the seed query without its exclusions) still gives what the
# interpreter gives for that query, with stats that add up
"$tmp/match_seed" 2026-11-28T00:00:00Z < tests/data/seed/events.jsonl > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
grep -q '"consistent":true' "$tmp/err" || { cat "$tmp/err"; exit 1; }
sed '/^exclusions:/,/^tests:/{/^tests:/!d}' rules/meshcentral.yaml | sed '/^tests:/,$d' > "$tmp/seed-noexcl.yaml"
"${BUILD:-build}/rulepack" run --now 2026-11-28T00:00:00Z "$tmp/seed-noexcl.yaml" < tests/data/seed/events.jsonl > "$tmp/interp" 2> /dev/null
python3 - "$tmp/out" "$tmp/interp" <<'PY'
import json, sys
bench = [json.loads(l) for l in open(sys.argv[1])]
interp = [json.loads(l)["event"] for l in open(sys.argv[2])]
if bench != interp or not bench:
    print("match_seed:", bench, "\ninterpreter:", interp); sys.exit(1)
PY
echo ok
