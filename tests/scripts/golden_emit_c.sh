#!/bin/sh
# Golden generated C: `rulepack build tests/cases/emit_c` must write exactly the files under
# tests/golden/emit_c/ (rules.c, rules.h, rules_rt.h, matcher.c, Makefile, manifest.json), and
# the generated code compiles with -Werror -pedantic under gcc and clang.
# UPDATE_GOLDEN=1 regenerates the golden files (review the diff before committing).
set -e
BUILD=${BUILD:-build}
G=tests/golden/emit_c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/rulepack" build -o "$tmp/out" tests/cases/emit_c > /dev/null 2> "$tmp/log" || { tail -20 "$tmp/log"; exit 1; }
for f in c/rules.c c/rules.h c/rules_rt.h c/matcher.c c/Makefile manifest.json; do
  name=$(echo "$f" | tr / _)
  if [ -n "$UPDATE_GOLDEN" ]; then
    mkdir -p "$G"
    cp "$tmp/out/$f" "$G/$name"
  else
    diff -u "$G/$name" "$tmp/out/$f" || { echo "golden $G/$name differs (UPDATE_GOLDEN=1 to regenerate)"; exit 1; }
  fi
done
for cc in gcc clang; do
  make -s -B -C "$tmp/out/c" CC=$cc > "$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; exit 1; }
done
echo ok
