#!/bin/sh
# The generated matcher used as a library (rules.h), not through its driver: a program
# (tests/data/matcher_api/api_main.c) compiled with the pack's rules.c and runtime under gcc and
# clang -Werror -pedantic calls rp_matcher_eval on the seed events and prints every verdict; they
# must equal tests/data/matcher_api/expected.txt (no match: exclusion -1; alerts; the renamed
# binary suppressed by exclusion 0 (RP0621), the taskeng.exe parent by 1), and the program checks
# the contract of rules.h on each.
set -e
BUILD=${BUILD:-build}
RP=$BUILD/rulepack
D=tests/data/matcher_api
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$RP" build -o "$tmp/out" rules/ > /dev/null 2> "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
src=$(ls "$tmp"/out/c/*.c | grep -v '/matcher\.c$')
for cc in gcc clang; do
  command -v $cc > /dev/null || { echo "$cc is not installed"; exit 1; }
  $cc -std=c11 -Wall -Wextra -Werror -pedantic -D_POSIX_C_SOURCE=200809L -O1 -I"$tmp/out/c" \
    $D/api_main.c $src -lpcre2-8 -lm -o "$tmp/api" 2> "$tmp/cc.log" || { cat "$tmp/cc.log"; exit 1; }
  "$tmp/api" < tests/data/seed/events.jsonl > "$tmp/verdicts.txt"
  diff -u $D/expected.txt "$tmp/verdicts.txt"
done
echo ok
