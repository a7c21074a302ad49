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
$CC -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I$RT -o "$DIR/match_seed" tests/bench/match_seed.c $RT/*.c -lpcre2-8 -lm
$CC -std=c11 -O2 -Wall -Wextra -Werror -I$RT -o "$DIR/jansson_seed" tests/bench/jansson_seed.c $RT/*.c -ljansson -lpcre2-8 -lm
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

echo "note: the C matcher is hand-written against rp_runtime.h (tests/bench/match_seed.c) until the emitter generates it"
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
echo "groups: $(wc -l < "$DIR/groups.jsonl") (in $DIR/groups.jsonl); stats in $DIR/stats.json"
[ "$m" = "$m2" ] && [ "$m" = "$m3" ] || { echo "MISMATCH in matched counts: $m $m2 $m3"; exit 1; }
