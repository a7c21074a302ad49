#!/bin/sh
# Runs every test executable given, then the script tests (tests/scripts/*.sh), and ends with
# one summary line "N passed, N failed". Exit 1 when anything failed.
# VALGRIND=1 runs the executables under valgrind memcheck (errors and leaks fail), then
# tests/valgrind/*.sh (the rulepack binary and a generated matcher under memcheck).
BUILD=${BUILD:-build}
export BUILD
passed=0; failed=0; failures=""
for t in "$@"; do
  name=$(basename "$t")
  if [ -n "$VALGRIND" ]; then
    valgrind --quiet --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect "$t" > "$BUILD/tests/$name.log" 2>&1
  else
    "$t" > "$BUILD/tests/$name.log" 2>&1
  fi
  rc=$?
  sed -n '/Run Summary/,$p' "$BUILD/tests/$name.log" | sed "s/^/[$name] /"
  if [ $rc -eq 0 ]; then passed=$((passed+1)); else failed=$((failed+1)); failures="$failures $name"; cat "$BUILD/tests/$name.log" | tail -40; fi
done
# run_scripts KIND DIR: every DIR/*.sh, counted, its log in $BUILD/tests/KIND-NAME.log.
run_scripts() {
  for s in $(ls "$2"/*.sh 2>/dev/null | sort); do
    name=$(basename "$s" .sh)
    if sh "$s" > "$BUILD/tests/$1-$name.log" 2>&1; then
      passed=$((passed+1)); echo "[$1 $name] ok"
    else
      failed=$((failed+1)); failures="$failures $1:$name"; echo "[$1 $name] FAILED"; tail -60 "$BUILD/tests/$1-$name.log"
    fi
  done
}
run_scripts script tests/scripts
# Under VALGRIND=1, also the binaries users run: rulepack's commands and a generated matcher.
[ -n "$VALGRIND" ] && run_scripts valgrind tests/valgrind
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
