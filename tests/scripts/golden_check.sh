#!/bin/sh
# Golden files pin the exact text of `rulepack check` on a representative set of rule files
# (tests/cases/golden/: a broken Scheduled rule, a hunting query, a bare .kql query) in all four
# formats. After an intended change: UPDATE_GOLDEN=1 sh tests/scripts/golden_check.sh
BUILD=${BUILD:-build}
fail=0
for f in tests/cases/golden/*.yaml tests/cases/golden/*.kql; do
  name=$(basename "$f")
  for fmt in text json sarif github; do
    golden="tests/golden/check/$name.$fmt"
    "$BUILD/rulepack" check --format "$fmt" "$f" > /tmp/rp-golden.$$ 2>&1
    rc=$?
    echo "exit $rc" >> /tmp/rp-golden.$$
    if [ -n "$UPDATE_GOLDEN" ]; then mkdir -p tests/golden/check; cp /tmp/rp-golden.$$ "$golden"; fi
    if ! diff -u "$golden" /tmp/rp-golden.$$; then echo "golden mismatch: $golden"; fail=1; fi
  done
done
rm -f /tmp/rp-golden.$$
exit $fail
