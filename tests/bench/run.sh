#!/bin/sh
# Benchmark (not a test): `make bench` = sh tests/bench/run.sh BUILD_DIR.
# Generates BENCH_MB (default 500) MB of DeviceProcessEvents JSON lines into BUILD_DIR/bench/
# (never the repo), then times the seed MeshCentral rule: the hand-written C matcher on the
# runtime (with and without the prefilter), a jansson loop and a python3 json.loads loop.
# Figures go to stdout. All implementations must report the same number of matching events.
set -e
BUILD=${1:-build}
MB=${BENCH_MB:-500}
NOW=2026-11-28T00:00:00Z
DIR="$BUILD/bench"
mkdir -p "$DIR"
CC=${CC:-cc}
RT="compiler/runtime"
$CC -std=c11 -O2 -Wall -Wextra -Werror -o "$DIR/gen_events" tests/bench/gen_events.c
$CC -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I$RT -Icompiler -o "$DIR/match_seed" tests/bench/match_seed.c $RT/*.c -lpcre2-8 -lm
$CC -std=c11 -O2 -Wall -Wextra -Werror -I$RT -Icompiler -o "$DIR/jansson_seed" tests/bench/jansson_seed.c $RT/*.c -ljansson -lpcre2-8 -lm
DATA="$DIR/events-${MB}mb.jsonl"
if [ ! -s "$DATA" ]; then
  echo "generating $MB MB into $DATA ..."
  "$DIR/gen_events" "$MB" > "$DATA.tmp" && mv "$DATA.tmp" "$DATA"
fi
BYTES=$(wc -c < "$DATA")
LINES=$(wc -l < "$DATA")
echo "data: $DATA, $BYTES bytes, $LINES events, $((BYTES / LINES)) bytes/event"
cat "$DATA" > /dev/null  # warm the page cache so every run reads from memory

now_ns() { date +%s%N; }
report() { # name start_ns end_ns matched
  awk -v n="$1" -v s="$2" -v e="$3" -v b="$BYTES" -v l="$LINES" -v m="$4" 'BEGIN {
    t = (e - s) / 1e9; printf "%-44s %8.1f MB/s %11.0f events/s  %6.2f s  matched=%s\n", n, b / 1048576 / t, l / t, t, m }'
}

echo "note: 'C matcher' is hand-written against rp_runtime.h (tests/bench/match_seed.c); 'generated' rows are rulepack build output"
s=$(now_ns); "$DIR/match_seed" "$NOW" < "$DATA" > "$DIR/groups.jsonl" 2> "$DIR/stats.json"; e=$(now_ns)
m=$(sed -n 's/.*"matched":\([0-9]*\),"alerts".*/\1/p' "$DIR/stats.json" | head -1)
report "C matcher + prefilter (runtime reader)" "$s" "$e" "$m"
s=$(now_ns); "$DIR/match_seed" --no-prefilter "$NOW" < "$DATA" > "$DIR/groups-nopf.jsonl" 2> "$DIR/stats-nopf.json"; e=$(now_ns)
m2=$(sed -n 's/.*"matched":\([0-9]*\),"alerts".*/\1/p' "$DIR/stats-nopf.json" | head -1)
report "C matcher, full parse of every line" "$s" "$e" "$m2"
cmp -s "$DIR/groups.jsonl" "$DIR/groups-nopf.jsonl" || echo "MISMATCH: prefilter changed the groups"
s=$(now_ns); m3=$("$DIR/jansson_seed" "$NOW" < "$DATA" 2>/dev/null); e=$(now_ns)
report "jansson json_loadb loop" "$s" "$e" "$m3"
if command -v python3 > /dev/null; then
  s=$(now_ns); m4=$(python3 tests/bench/python_seed.py "$NOW" < "$DATA"); e=$(now_ns)
  report "python3 json.loads loop" "$s" "$e" "$m4"
fi
s=$(now_ns); grep -c -i meshcentral "$DATA" > "$DIR/grep.out" || true; e=$(now_ns)
report "(reference) grep -ci meshcentral" "$s" "$e" "-"
# the GENERATED matcher (rulepack build rules/ -> make) and the interpreter on the same data
RP="$BUILD/rulepack"
if [ -x "$RP" ]; then
  rm -rf "$DIR/gen" && "$RP" build -o "$DIR/gen" rules/ > /dev/null 2>&1 || true
  make -s -C "$DIR/gen/c" > /dev/null
  s=$(now_ns); "$DIR/gen/c/matcher" --now "$NOW" --stats < "$DATA" > "$DIR/gen-groups.jsonl" 2> "$DIR/gen-stats.json"; e=$(now_ns)
  m5=$(sed -n 's/.*"matched":\([0-9]*\),"alerts".*/\1/p' "$DIR/gen-stats.json" | head -1)
  report "generated matcher (rulepack build rules/)" "$s" "$e" "$m5"
  [ "$m5" = "$m" ] || echo "MISMATCH: generated matcher matched $m5, hand-written $m"
  s=$(now_ns); "$RP" run --now "$NOW" --stats rules/ < "$DATA" > "$DIR/run-groups.jsonl" 2> "$DIR/run-stats.json"; e=$(now_ns)
  m6=$(tail -1 "$DIR/run-stats.json" | sed -n 's/.*"matched":\([0-9]*\),"alerts".*/\1/p' | head -1)
  report "interpreter (rulepack run rules/)" "$s" "$e" "$m6"
  cmp -s "$DIR/gen-groups.jsonl" "$DIR/run-groups.jsonl" || echo "MISMATCH: generated matcher and interpreter differ"
  # a pack of N `has`-filter rules: how cost grows with the rule count
  for n in ${BENCH_PACKS:-1 10 100 1000}; do
    rm -rf "$DIR/pack$n" "$DIR/pack$n-out" && mkdir -p "$DIR/pack$n"
    i=0
    while [ $i -lt $n ]; do
      # mostly terms that never occur, a few that do (every 97th rule: a real process name)
      if [ $((i % 97)) -eq 5 ]; then t=powershell; else t="zq${i}x"; fi
      printf 'DeviceProcessEvents\n| where ProcessCommandLine has "%s"\n' "$t" > "$DIR/pack$n/r$(printf %04d $i).kql"
      i=$((i + 1))
    done
    "$RP" build -o "$DIR/pack$n-out" "$DIR/pack$n" > /dev/null 2>&1 || true
    make -s -C "$DIR/pack$n-out/c" > /dev/null
    s=$(now_ns); "$DIR/pack$n-out/c/matcher" --now "$NOW" --stats < "$DATA" > /dev/null 2> "$DIR/pack$n-stats.json"; e=$(now_ns)
    report "generated, $n has-rule pack" "$s" "$e" "$(sed -n 's/.*"alerts":\([0-9]*\),"bad_values".*/\1/p' "$DIR/pack$n-stats.json")"
    s=$(now_ns); "$DIR/pack$n-out/c/matcher" --no-prefilter --now "$NOW" < "$DATA" > /dev/null 2>&1; e=$(now_ns)
    report "generated, $n has-rule pack, no prefilter" "$s" "$e" "-"
  done
fi
# ---- prefilter scaling (helper-11): 1, 10, 100, 1,000 has-literals, prefilter alone and
# reader + prefilter (tests/bench/prefilter_bench.c; MB/s per CPU second)
$CC -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I$RT -Icompiler -o "$DIR/prefilter_bench" tests/bench/prefilter_bench.c $RT/*.c -lpcre2-8 -lm
"$DIR/prefilter_bench" "$DATA"
# ---- end prefilter scaling
echo "groups: $(wc -l < "$DIR/groups.jsonl") (in $DIR/groups.jsonl); stats in $DIR/stats.json"
[ "$m" = "$m2" ] && [ "$m" = "$m3" ] || { echo "MISMATCH in matched counts: $m $m2 $m3"; exit 1; }
