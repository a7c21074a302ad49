#!/bin/sh
# The whole corpus (../shared/corpus: 736 rule files and queries written by others) compiled into
# one C matcher: the generated C must build under gcc and clang with -Werror -pedantic (real
# queries reach shapes the hand-made packs do not), and on the differential events plus the seed
# events the matcher and the interpreter give identical alerts, suppressed events and --stats,
# which add up.
set -e
BUILD=${BUILD:-build}
RP=$BUILD/rulepack
C=../shared/corpus
[ -d "$C" ] || { echo "no $C"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NOW=2026-11-28T00:00:00Z
"$RP" build -o "$tmp/out" "$C" > /dev/null 2> "$tmp/build.log" || true
grep '^rulepack build: [0-9]* rules' "$tmp/build.log"
n=$(sed -n 's/^rulepack build: .*; \([0-9]*\) in the C matcher$/\1/p' "$tmp/build.log")
[ "${n:-0}" -ge 250 ] || { echo "only ${n:-0} rules in the C matcher"; tail -5 "$tmp/build.log"; exit 1; }
awk -v n=2000 -v seed=7 -f tests/cases/diff/gen_events.awk > "$tmp/events.jsonl"
cat tests/data/seed/events.jsonl >> "$tmp/events.jsonl"
"$RP" run --now $NOW --stats --suppressed "$tmp/is.jsonl" "$C" < "$tmp/events.jsonl" > "$tmp/i.jsonl" 2> "$tmp/i.err" || true # exit 1: corpus rules have errors
for cc in gcc clang; do
  rm -f "$tmp/out/c/matcher"
  make -s -C "$tmp/out/c" CC=$cc CFLAGS=-O0 > "$tmp/make.log" 2>&1 || { head -20 "$tmp/make.log"; exit 1; }
  "$tmp/out/c/matcher" --no-prefilter --now $NOW --stats --suppressed "$tmp/cs.jsonl" < "$tmp/events.jsonl" > "$tmp/c.jsonl" 2> "$tmp/c.err"
  cmp "$tmp/i.jsonl" "$tmp/c.jsonl" || { diff "$tmp/i.jsonl" "$tmp/c.jsonl" | head -10; exit 1; }
  cmp "$tmp/is.jsonl" "$tmp/cs.jsonl" || { diff "$tmp/is.jsonl" "$tmp/cs.jsonl" | head -10; exit 1; }
  tail -1 "$tmp/i.err" | cmp - "$tmp/c.err" || { tail -1 "$tmp/i.err" | cut -c1-300; cut -c1-300 "$tmp/c.err"; exit 1; }
  grep -q '"consistent":true' "$tmp/c.err" || { cut -c1-300 "$tmp/c.err"; exit 1; }
done
test -s "$tmp/i.jsonl"
echo "ok: $n rules in C, $(wc -l < "$tmp/i.jsonl") alerts identical under gcc and clang"
