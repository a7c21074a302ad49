#!/bin/sh
# The rmm corpus (../shared/corpus/rmm, 171 published rule files that do not parse as YAML):
# 1. `rulepack check` reports for every file exactly its YAML defect at the true line:column (168
#    mis-indented `dataTypes:` keys, 3 `%%...%%` template placeholders), in all four formats, exit 1;
# 2. a copy with the indentation fixed reports, from the loading and schema stages (RP00xx, RP01xx),
#    the scalar tactics/relevantTechniques of every rule, the non-ASCII characters that are really
#    there, the placeholders, and nothing else (the query's findings belong to the KQL tests).
# Expected positions are computed from the files themselves, independently of rulepack.
BUILD=${BUILD:-build}
CORPUS=../shared/corpus/rmm
RP="$BUILD/rulepack"
[ -d "$CORPUS" ] || { echo "corpus $CORPUS not found (CI has shared/ beside the checkout)"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for fmt in text json sarif github; do
  "$RP" check --format "$fmt" "$CORPUS" > "$TMP/out.$fmt" 2> "$TMP/err.$fmt"
  rc=$?
  [ $rc -eq 1 ] || { echo "format $fmt: exit $rc, expected 1"; cat "$TMP/err.$fmt"; exit 1; }
done

cp -r "$CORPUS" "$TMP/fixed" && chmod -R u+w "$TMP/fixed"
find "$TMP/fixed" -name '*.yaml' -exec sed -i 's/^    dataTypes:/      dataTypes:/' {} +
"$RP" check --format json "$TMP/fixed" > "$TMP/fixed.json" 2> "$TMP/fixed.err"
rc=$?
[ $rc -eq 1 ] || { echo "fixed copy: exit $rc, expected 1 (scalar tactics are errors)"; exit 1; }

exec /usr/bin/python3 - "$CORPUS" "$TMP" <<'PY'
import json, os, re, sys
from urllib.parse import unquote

corpus, tmp = sys.argv[1], sys.argv[2]
failures = []

def files_of(root):
    out = []
    for d, _, names in os.walk(root):
        out += [os.path.join(d, n) for n in names if n.endswith(('.yaml', '.yml'))]
    return sorted(out)

def expected_defect(path):
    """(line, column) of the YAML defect: the first %% placeholder, else the key that sits at the
    indentation of the list item above it."""
    lines = open(path, encoding='utf-8', newline='').read().replace('\r\n', '\n').split('\n')
    for i, l in enumerate(lines):
        if '%%' in l:
            return i + 1, l.index('%%') + 1
    for i in range(1, len(lines)):
        m = re.match(r'^( *)- ', lines[i - 1])
        k = re.match(r'^( *)[A-Za-z]+:', lines[i])
        if m and k and len(k.group(1)) == len(m.group(1)) and k.group(1):
            return i + 1, len(k.group(1)) + 1
    return None

files = files_of(corpus)
if len(files) != 171:
    failures.append('expected 171 files, found %d' % len(files))
expected = {f: expected_defect(f) for f in files}
for f, pos in expected.items():
    if pos is None:
        failures.append('no defect found by the script in ' + f)

def check(fmt, found):
    """found: list of (file, line, col, code)."""
    per = {}
    for f, l, c, code in found:
        per.setdefault(os.path.normpath(f), []).append((l, c, code))
    for f in files:
        got = per.get(os.path.normpath(f), [])
        want = expected[f]
        if len(got) != 1 or got[0] != (want[0], want[1], 'RP0003'):
            failures.append('%s: %s: expected RP0003 at %s, got %s' % (fmt, f, want, got))
    extra = set(per) - {os.path.normpath(f) for f in files}
    for f in extra:
        failures.append('%s: diagnostics for an unexpected file %s' % (fmt, f))

out = lambda fmt: open(os.path.join(tmp, 'out.' + fmt), encoding='utf-8').read()
check('json', [(d['file'], d['line'], d['column'], d['code']) for d in json.loads(out('json'))])
sarif = json.loads(out('sarif'))
check('sarif', [(unquote(r['locations'][0]['physicalLocation']['artifactLocation']['uri']),
                 r['locations'][0]['physicalLocation']['region']['startLine'],
                 r['locations'][0]['physicalLocation']['region']['startColumn'], r['ruleId'])
                for run in sarif['runs'] for r in run['results']])
check('github', [(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)) for m in
                 re.finditer(r'^::(?:error|warning|notice) file=(.*?),line=(\d+),col=(\d+),.*?title=(RP\d+)::', out('github'), re.M)])
check('text', [(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)) for m in
               re.finditer(r'^(.*?):(\d+):(\d+): (?:error|warning)\[(RP\d+)\]', out('text'), re.M)])

# The fixed copy.
fixed_root = os.path.join(tmp, 'fixed')
diags = json.load(open(os.path.join(tmp, 'fixed.json'), encoding='utf-8'))
per = {}
other = {}
for d in diags:
    per.setdefault(os.path.normpath(d['file']), []).append(d)
for f in files_of(fixed_root):
    text = open(f, encoding='utf-8', newline='').read().replace('\r\n', '\n')
    lines = text.split('\n')
    got = per.pop(os.path.normpath(f), [])
    want = set()
    if '%%' in text:
        l = next(i for i, x in enumerate(lines) if '%%' in x)
        want.add(('RP0003', l + 1, lines[l].index('%%') + 1))
    else:
        for key in ('tactics', 'relevantTechniques'):
            for i, x in enumerate(lines):
                m = re.match(r'^%s: *(\S.*)$' % key, x)
                if m:
                    want.add(('RP0104', i + 1, x.index(m.group(1)) + 1))
        for i, x in enumerate(lines):
            bad = [j for j, ch in enumerate(x) if ord(ch) > 127]
            if bad:
                want.add(('RP0129', i + 1, bad[0] + 1))
                break
    have = set()
    for d in got:
        code = d['code']
        if not code.startswith(('RP00', 'RP01')):
            # the query's and the exclusions' stages judge the KQL (e.g. AccountUpn, which
            # DeviceNetworkEvents lacks); their own tests pin those. Counted here, not judged.
            other[code] = other.get(code, 0) + 1
            continue
        have.add((code, d['line'], d['column']))
    if have != want:
        failures.append('fixed %s: expected %s, got %s' % (f, sorted(want), sorted(have)))
for f, rest in per.items():
    failures.append('fixed: diagnostics for unexpected file %s: %s' % (f, rest))

print('fixed copy, other stages (not judged here): %s' % sorted(other.items()))
for x in failures[:40]:
    print(x)
print('%d files, %d failures' % (len(files), len(failures)))
sys.exit(1 if failures else 0)
PY
