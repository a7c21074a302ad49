#!/bin/sh
# hostile.sh: the hostile-input pack (issue 6). Every file of tests/hostile/ plus generated giants
# (10,000-level YAML and KQL nesting, a 1 MB line, a 1,000,001-node list, a 100 MB file) goes
# through build/rulepack check, alone and all together in one folder with a known-good rule, in
# all four formats, under `ulimit -v` and `timeout`; also the costly shapes (200 `union *`, a
# 100,000-star wildcard, 100,000 lets) that must stay cheap. Required: never a crash (exit >= 128) or a
# timeout, the exit status and codes of tests/hostile/EXPECT, output that stays well-formed
# (JSON and SARIF parse, GitHub annotations one per line, text free of control characters),
# and the good rule still checked (its diagnostics present) next to the hostile ones.
set -u
BUILD=${BUILD:-build}
RP="$BUILD/rulepack"
MEM_KB=${HOSTILE_MEM_KB:-1048576}   # 1 GB of address space per run
SECONDS_PER_RUN=${HOSTILE_TIMEOUT:-60}
[ -x "$RP" ] || { echo "no $RP (run make)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pack="$tmp/pack"
mkdir -p "$pack"
cp tests/hostile/*.yaml tests/hostile/*.kql "$pack/"
cp rules/meshcentral.yaml "$pack/good.yaml"

# The giants, generated here (never committed).
python3 - "$pack" <<'PY'
import sys, os
d = sys.argv[1]
def w(name, text):
    with open(os.path.join(d, name), 'w') as f: f.write(text)
n = 10000
w('deep_yaml.yaml', 'id: x\nname: ' + '[' * n + ']' * n + '\n')
w('deep_map.yaml', 'id: x\nname: ' + '{a: ' * n + '1' + '}' * n + '\n')
w('deep_parens.kql', 'DeviceProcessEvents | where ' + '(' * n + 'FileName == "a"' + ')' * n + '\n')
w('deep_parens_open.kql', 'DeviceProcessEvents | where ' + '(' * n + 'FileName == "a"\n')
w('deep_query.yaml', 'id: x\nquery: |\n  DeviceProcessEvents\n  | where ' + '(' * n + 'FileName == "a"' + ')' * n + '\n')
w('not_chain.kql', 'DeviceProcessEvents | where ' + 'not(' * n + 'true' + ')' * n + '\n')
w('deep_dynamic.kql', 'print x = dynamic(' + '[' * n + ']' * n + ')\n')
w('width_bomb.yaml', 'id: x\nname: [' + ','.join(['1'] * 1000001) + ']\n')
w('long_line.yaml', 'id: x\nname: long\ndescription: ' + 'a' * (1 << 20) + '\n')
w('long_line.kql', 'DeviceProcessEvents | where FileName in (' + ','.join(['"abcdefgh"'] * 95000) + ')\n')
w('long_or.kql', 'DeviceProcessEvents | where ' + ' or '.join(['FileName == "a"'] * 60000) + '\n')
w('long_chain.kql', 'DeviceProcessEvents | where ProcessId == 0' + ' + 1' * 250000 + '\n')
w('member_chain.kql', 'DeviceProcessEvents | where AdditionalFields' + '.a' * 250000 + ' == 1\n')
w('nested_chains.kql', 'DeviceProcessEvents | where ProcessId == ' + '(' * 60 + '0' + ('+1' * 4000 + ')') * 60 + '\n')
w('union_stars.kql', 'union *\n' + '| union *\n' * 199 + '| take 1\n')
w('wildcard_stars.kql', 'union ' + '*' * 100000 + 'z\n| take 1\n')
w('many_lets.kql', ''.join('let x%d = %d;\n' % (i, i) for i in range(100000)) + 'print x99999\n')
PY
head -c 100000000 /dev/zero | tr '\0' 'a' > "$pack/huge.yaml"

# Runs rulepack bounded; prints the exit status (124: timeout). AddressSanitizer reserves
# terabytes of shadow address space, so under a sanitizer build the memory bound is
# ASan's own (allocator_may_return_null off: an unbounded allocation aborts and fails the test).
if nm "$RP" 2>/dev/null | grep -q __asan_init; then
  SANITIZED=1
else
  SANITIZED=
fi
bounded() {
  if [ -n "$SANITIZED" ]; then
    ( exec timeout "$SECONDS_PER_RUN" "$RP" "$@" )
  else
    ( ulimit -v "$MEM_KB"; exec timeout "$SECONDS_PER_RUN" "$RP" "$@" )
  fi
}

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. Each file alone: the expected exit status and codes.
grep -v '^#' tests/hostile/EXPECT | while read -r file status codes; do
  [ -n "$file" ] || continue
  [ -f "$pack/$file" ] || continue
  bounded check --format json "$pack/$file" > "$tmp/one.json" 2> "$tmp/one.err"
  rc=$?
  if [ $rc -ge 124 ]; then echo "FAIL: $file: exit $rc (crash or timeout)"; tail -3 "$tmp/one.err"; echo x >> "$tmp/failed"; continue; fi
  [ "$rc" = "$status" ] || { echo "FAIL: $file: exit $rc, expected $status"; echo x >> "$tmp/failed"; }
  python3 - "$tmp/one.json" "$file" "$codes" <<'PY' || echo x >> "$tmp/failed"
import json, sys
diags = json.load(open(sys.argv[1]))
got = {d["code"] for d in diags}
want = set() if sys.argv[3] == "-" else set(sys.argv[3].split(","))
missing = want - got
for d in diags:
    for key in ("file", "line", "column", "severity", "code", "message"):
        if key not in d:
            print("FAIL: %s: a diagnostic lacks %r: %r" % (sys.argv[2], key, d)); sys.exit(1)
if missing:
    print("FAIL: %s: expected %s, got %s" % (sys.argv[2], sorted(missing), sorted(got))); sys.exit(1)
print("ok   %-22s %s" % (sys.argv[2], " ".join(sorted(got)) or "(clean)"))
PY
done
[ -f "$tmp/failed" ] && fail=1

# 2. The whole folder at once, in every format: hostile files do not stop the others.
expected_files=$(grep -v '^#' tests/hostile/EXPECT | awk 'NF && $2 == 1 {print $1}' | while read -r f; do [ -f "$pack/$f" ] && echo "$f"; done)
for format in text json sarif github; do
  bounded check --format "$format" "$pack" > "$tmp/all.$format" 2> "$tmp/all.err"
  rc=$?
  [ "$rc" = 1 ] || { bad "folder, --format $format: exit $rc, expected 1"; tail -3 "$tmp/all.err"; continue; }
  python3 - "$tmp/all.$format" "$format" "$pack" $expected_files <<'PY' || fail=1
import json, os, sys
path, fmt, pack, want = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
data = open(path, 'rb').read()
# Machine formats are valid UTF-8; text shows the offending source line as it is.
text = data.decode('utf-8', errors='replace' if fmt == 'text' else 'strict')
def die(msg):
    print("FAIL: folder, --format %s: %s" % (fmt, msg)); sys.exit(1)
if fmt == 'json':
    files = [d['file'] for d in json.loads(text)]
elif fmt == 'sarif':
    log = json.loads(text)
    files = [r['locations'][0]['physicalLocation']['artifactLocation']['uri']
             for r in log['runs'][0]['results'] if 'locations' in r]
elif fmt == 'github':
    lines = text.rstrip('\n').split('\n')   # the runner splits on LF only (U+2028 is text)
    for l in lines:
        if not l.startswith(('::error ', '::warning ', '::notice ')): die('not an annotation: %r' % l[:80])
    files = [l.split('file=', 1)[1].split(',', 1)[0] for l in lines if 'file=' in l]
else:
    for ch in text:
        if ord(ch) < 32 and ch not in '\n\t': die('control character %r in text output' % ch)
    files = [l.split(':', 1)[0] for l in text.split('\n') if l.startswith(pack)]
names = {os.path.basename(f) for f in files}
missing = [f for f in want + ['good.yaml'] if f not in names]
if missing: die('no diagnostics for %s' % missing)
print("ok   folder --format %-6s %d diagnostics over %d files" % (fmt, len(files), len(names)))
PY
done

# 3. A schema directory (--schema, or listed in a pull request's .rulepack.yaml) is input too: a
#    100 MB schema file is refused with RP0151 in bounded memory, an alias-bomb one too, and the
#    rules are still checked.
mkdir "$tmp/schema"
cp "$pack/huge.yaml" "$tmp/schema/huge.yaml"
cp tests/hostile/alias_bomb.yaml "$tmp/schema/bomb.yaml"
bounded check --format json --schema "$tmp/schema" rules/ > "$tmp/schema.json" 2> "$tmp/schema.err"
rc=$?
[ "$rc" = 1 ] || { bad "--schema with a 100 MB file: exit $rc, expected 1"; tail -3 "$tmp/schema.err"; }
python3 - "$tmp/schema.json" <<'PY' || fail=1
import json, sys
diags = json.load(open(sys.argv[1]))
refused = sorted(d["file"].rsplit("/", 1)[1] for d in diags if d["code"] == "RP0151")
if refused != ["bomb.yaml", "huge.yaml"]: print("FAIL: --schema: RP0151 for %s" % refused); sys.exit(1)
if not any(d["code"] == "RP0151" and "larger than the limit" in d["message"] for d in diags):
    print("FAIL: --schema: the 100 MB file was read, not refused by size"); sys.exit(1)
if not any(d["file"] == "rules/meshcentral.yaml" for d in diags): print("FAIL: --schema: the rules were not checked"); sys.exit(1)
print("ok   --schema with a 100 MB file and an alias bomb: refused, rules still checked")
PY

[ $fail = 0 ] && echo "hostile: all files handled" || echo "hostile: FAILED"
exit $fail
