#!/bin/sh
# Every Sigma file rulepack emits validates against the official Sigma JSON schemas (draft 2020-12,
# copied from the Sigma specification into tests/data/sigma-schema/) with python3-jsonschema:
# the goldens of test_emit_sigma (byte-equal to the emitter's output) and, when `rulepack build`
# works, a fresh build of rules/ (built twice: the outputs must be byte-identical) and of
# ../shared/corpus.
BUILD=${BUILD:-build}
set -e
if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  echo "FAIL: python3-jsonschema is missing (apt-get install python3-jsonschema)"; exit 1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=$(ls tests/golden/sigma/*.json)
if "$BUILD/rulepack" build -o "$tmp/a" rules/ >"$tmp/log" 2>&1 && [ -d "$tmp/a/sigma" ]; then
  "$BUILD/rulepack" build -o "$tmp/b" rules/ >/dev/null 2>&1
  diff -r "$tmp/a/sigma" "$tmp/b/sigma" || { echo "FAIL: Sigma output differs across two builds"; exit 1; }
  diff -r "$tmp/a/kql" "$tmp/b/kql" || { echo "FAIL: KQL output differs across two builds"; exit 1; }
  files="$files $(ls "$tmp"/a/sigma/*.json)"
  # and what the corpus of real rules and queries gives (several hundred Sigma rules)
  "$BUILD/rulepack" build -o "$tmp/corpus" ../shared/corpus >/dev/null 2>&1 || true
  n=$(ls "$tmp"/corpus/sigma/*.json 2>/dev/null | wc -l)
  [ "$n" -ge 300 ] || { echo "FAIL: only $n Sigma files from ../shared/corpus"; exit 1; }
  files="$files $(ls "$tmp"/corpus/sigma/*.json)"
else
  echo "note: rulepack build did not produce sigma/ (not built yet?); validating the goldens only"
fi
/usr/bin/python3 - tests/data/sigma-schema $files <<'PY'
import json, sys
from jsonschema import Draft202012Validator, FormatChecker
d = sys.argv[1]
det = json.load(open(d + "/sigma-detection-rule-schema.json"))
cor = json.load(open(d + "/sigma-correlation-rules-schema.json"))
vd = Draft202012Validator(det, format_checker=FormatChecker())
vc = Draft202012Validator(cor, format_checker=FormatChecker())
# the validator itself must reject a broken rule, or the test proves nothing
assert list(vd.iter_errors({"title": "x", "logsource": {}, "detection": {}})), "schema accepts a rule without condition"
assert list(vd.iter_errors({"title": "x", "logsource": {}, "detection": {"condition": "a"}, "tags": ["attack.T1219"]}))
bad = 0
for f in sys.argv[2:]:
    doc = json.load(open(f))
    v = vc if f.endswith(".correlation.json") else vd
    errs = list(v.iter_errors(doc))
    for e in errs:
        print("%s: %s at %s" % (f, e.message, "/".join(map(str, e.path))))
    bad += bool(errs)
    # not in the schema, but Sigma's own rules: every identifier used and defined
    if "detection" in doc:
        import re
        cond = doc["detection"]["condition"]
        names = [k for k in doc["detection"] if k != "condition"]
        used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*\*?", cond)) - {"and", "or", "not", "of", "1", "all", "them"}
        for n in names:
            if not any(n == u or (u.endswith("*") and n.startswith(u[:-1])) for u in used):
                print("%s: selection %s is not used by the condition" % (f, n)); bad += 1
        for u in used:
            if not any(n == u or (u.endswith("*") and n.startswith(u[:-1])) for n in names):
                print("%s: condition names %s, which is not defined" % (f, u)); bad += 1
print("%d files checked, %d invalid" % (len(sys.argv) - 2, bad))
sys.exit(1 if bad else 0)
PY
