#!/bin/sh
# cli.sh: the rulepack binary and a generated matcher under valgrind memcheck (part of
# `make test-valgrind`; the unit tests run under it in tests/run.sh). Every command a user runs,
# on the seed, the hostile pack (without the generated giants: valgrind is ~50x slower), the
# injection pack, the RMM corpus as published and the differential pack: check in four formats,
# check --base, build, test, run with --stats/--suppressed, and the matcher built from the
# differential pack on partly broken events. Any memcheck error or definite/indirect leak fails.
set -u
BUILD=${BUILD:-build}
RP="$BUILD/rulepack"
[ -x "$RP" ] || { echo "no $RP (run make)"; exit 1; }
command -v valgrind > /dev/null || { echo "valgrind is not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
runs=0
NOW=2026-11-28T00:00:00Z
# vg NAME CMD...: runs CMD under memcheck (stdin passed on); exit 99 marks memcheck's findings,
# any other status is the command's own (checked by the caller where it matters).
vg() {
  name=$1
  shift
  runs=$((runs + 1))
  valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --log-file="$tmp/vg-$runs.log" "$@" > "$tmp/out-$runs" 2> "$tmp/err-$runs"
  rc=$?
  if [ $rc = 99 ] || [ -s "$tmp/vg-$runs.log" ] || [ $rc -ge 128 ]; then
    failed=$((failed + 1))
    echo "FAILED under memcheck (exit $rc): $name"
    head -60 "$tmp/vg-$runs.log"
    tail -5 "$tmp/err-$runs"
  fi
  return 0
}

hostile="$tmp/hostile"
mkdir "$hostile"
cp tests/hostile/*.yaml tests/hostile/*.kql "$hostile/"
cp rules/meshcentral.yaml "$hostile/good.yaml"

for fmt in text json sarif github; do
  vg "check --format $fmt rules/" "$RP" check --format $fmt rules/
  vg "check --format $fmt hostile pack" "$RP" check --format $fmt "$hostile"
done
vg "check --strict injection pack" "$RP" check --strict tests/injection
vg "check RMM corpus as published" "$RP" check ../shared/corpus/rmm
vg "check --base HEAD rules/" "$RP" check --base HEAD rules/
vg "codes --markdown" "$RP" codes --markdown
vg "test rules/" "$RP" test rules/
vg "build rules/" "$RP" build -o "$tmp/seed-out" rules/
vg "build injection pack" "$RP" build -o "$tmp/inj-out" tests/injection
vg "build differential pack" "$RP" build -o "$tmp/diff-out" tests/cases/diff
vg "run rules/ on the seed events" "$RP" run --now $NOW --stats --suppressed "$tmp/sup.jsonl" rules/ < tests/data/seed/events.jsonl
awk -v n=400 -v seed=7 -f tests/cases/diff/gen_events.awk > "$tmp/events.jsonl"
vg "run differential pack" "$RP" run --now $NOW --table DeviceProcessEvents --stats --suppressed "$tmp/sup2.jsonl" tests/cases/diff < "$tmp/events.jsonl"
make -s -C "$tmp/diff-out/c" CFLAGS="-O1 -g" > "$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; failed=$((failed + 1)); }
if [ -x "$tmp/diff-out/c/matcher" ]; then
  vg "generated matcher (differential pack)" "$tmp/diff-out/c/matcher" --no-prefilter --now $NOW --table DeviceProcessEvents --stats --suppressed "$tmp/sup3.jsonl" < "$tmp/events.jsonl"
  vg "generated matcher (prefilter)" "$tmp/diff-out/c/matcher" --prefilter --now $NOW --table DeviceProcessEvents --stats < "$tmp/events.jsonl"
fi
echo "valgrind cli: $runs runs, $failed failed"
[ $failed = 0 ]
