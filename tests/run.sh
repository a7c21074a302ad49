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
for s in $(ls tests/scripts/*.sh 2>/dev/null | sort); do
  name=$(basename "$s" .sh)
  if sh "$s" > "$BUILD/tests/script-$name.log" 2>&1; then
    passed=$((passed+1)); echo "[script $name] ok"
  else
    failed=$((failed+1)); failures="$failures script:$name"; echo "[script $name] FAILED"; tail -40 "$BUILD/tests/script-$name.log"
  fi
done
# Under VALGRIND=1, also the binaries users run: rulepack's commands and a generated matcher.
if [ -n "$VALGRIND" ]; then
  for s in $(ls tests/valgrind/*.sh 2>/dev/null | sort); do
    name=$(basename "$s" .sh)
    if sh "$s" > "$BUILD/tests/valgrind-$name.log" 2>&1; then
      passed=$((passed+1)); echo "[valgrind $name] ok"
    else
      failed=$((failed+1)); failures="$failures valgrind:$name"; echo "[valgrind $name] FAILED"; tail -60 "$BUILD/tests/valgrind-$name.log"
    fi
  done
fi
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
