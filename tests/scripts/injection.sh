#!/bin/sh
# injection.sh: the injection-proof output pack (issue 6, tests/injection/README.md). Rules whose
# names, ids, descriptions, needles and exclusion values hold C, JSON and KQL metacharacters go
# through `rulepack build`; required:
#  1. the pack checks without errors and its own tests pass in the interpreter (`rulepack test`);
#  2. every rule is compiled fully into the C matcher, and the generated C compiles with
#     -std=c11 -Wall -Wextra -Werror -pedantic -Wtrigraphs under gcc AND clang (a needle that
#     broke out of its literal, an unescaped trigraph or a colliding identifier fails here);
#  3. each rule's test events give the expected verdict in both matchers (exact needle: alert;
#     one byte off: no alert; exact exclusion value: suppressed, by that rule), and both matchers
#     write byte-identical alerts;
#  4. every Sigma JSON file parses, its strings hold no raw control character, the Sigma rule
#     gives the same verdicts (tests/sigma_eval.py) and the needles round-trip (json.loads);
#  5. every emitted KQL file parses again with rulepack's own parser (no RP02xx).
set -u
BUILD=${BUILD:-build}
RP="$BUILD/rulepack"
PACK=tests/injection
[ -x "$RP" ] || { echo "no $RP (run make)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required"; exit 1; }
python3 -c 'import yaml' 2>/dev/null || { echo "python3-yaml is required"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. check and the interpreter's own tests
"$RP" check --format json "$PACK" > "$tmp/check.json" 2> "$tmp/check.err"
rc=$?
[ $rc = 0 ] || { bad "rulepack check $PACK: exit $rc"; python3 -c 'import json,sys; [print(d["file"], d["code"], d["message"]) for d in json.load(open(sys.argv[1])) if d["severity"] == "error"]' "$tmp/check.json"; }
"$RP" test "$PACK" > "$tmp/test.out" 2>&1 || { bad "rulepack test $PACK"; grep -v '^ok' "$tmp/test.out" | head; }
tail -1 "$tmp/test.out"

# 2. build; compile the C under both compilers
"$RP" build -o "$tmp/out" "$PACK" > /dev/null 2> "$tmp/build.log" || { bad "rulepack build"; tail -5 "$tmp/build.log"; }
n=$(ls "$PACK"/*.yaml "$PACK"/*.kql | wc -l)
grep -q "$n rules: $n compiled fully.*; $n in the C matcher" "$tmp/build.log" || { bad "not every rule compiled into C"; grep 'rulepack build' "$tmp/build.log"; }
for cc in gcc clang; do
  if ! command -v $cc > /dev/null; then bad "$cc is not installed"; continue; fi
  cp -r "$tmp/out/c" "$tmp/c-$cc"
  if make -s -C "$tmp/c-$cc" CC=$cc CFLAGS="-O1 -Wtrigraphs" > "$tmp/make-$cc.log" 2>&1; then
    echo "ok   generated C compiles under $cc -std=c11 -Wall -Wextra -Werror -pedantic -Wtrigraphs"
  else
    bad "generated C does not compile under $cc"; head -20 "$tmp/make-$cc.log"
  fi
done

# 3-5. verdicts in both matchers and in Sigma, Sigma JSON, the KQL round trip
python3 - "$tmp" "$PACK" "$RP" <<'PY' || fail=1
import glob, json, os, subprocess, sys, yaml
tmp, pack, rp = sys.argv[1:4]
NOW = "2026-11-28T00:00:00Z"
failed = False
def bad(msg):
    global failed
    failed = True
    print("FAIL: " + msg)

def run_matcher(cc, event_line):
    exe = os.path.join(tmp, "c-" + cc, "matcher")
    sup = os.path.join(tmp, "sup.jsonl")
    p = subprocess.run([exe, "--now", NOW, "--suppressed", sup], input=event_line, capture_output=True)
    if p.returncode != 0:
        bad("%s matcher exit %d: %s" % (cc, p.returncode, p.stderr[:200]))
    return p.stdout, open(sup, "rb").read()

def verdict(alerts, suppressed, rule_id):
    def mine(blob):
        out = []
        for line in blob.decode("utf-8").split("\n"):   # not splitlines(): U+2028 is text here
            if not line: continue
            obj = json.loads(line)          # alert lines are valid JSON
            if obj.get("rule_id") == rule_id: out.append(obj)
        return out
    if mine(alerts): return "alert"
    if mine(suppressed): return "suppressed"
    return "no-alert"

sigma_files = {}
manifest = json.load(open(os.path.join(tmp, "out", "manifest.json")))
checked = 0
for path in sorted(glob.glob(os.path.join(pack, "*.yaml"))):
    rule = yaml.safe_load(open(path, encoding="utf-8"))
    rid = str(rule["id"])
    sig_path = os.path.join(tmp, "out", "sigma", rid + ".json")
    for t in rule.get("tests", []):
        ev = dict(t["event"])
        line = (json.dumps(ev, ensure_ascii=False) + "\n").encode("utf-8")
        results = {}
        for cc in ("gcc", "clang"):
            if os.path.exists(os.path.join(tmp, "c-" + cc, "matcher")):
                results[cc] = run_matcher(cc, line)
        if len(results) == 2 and results["gcc"] != results["clang"]:
            bad("%s: %s: gcc and clang matchers disagree" % (path, t["name"]))
        for cc, (alerts, sup) in results.items():
            v = verdict(alerts, sup, rid)
            if v != t["expect"]:
                bad("%s: %s: %s matcher says %s, expected %s" % (path, t["name"], cc, v, t["expect"]))
        if os.path.exists(sig_path):
            p = subprocess.run(["python3", "tests/sigma_eval.py", "--rule", path, sig_path], input=line, capture_output=True)
            sv = json.loads(p.stdout.decode().split("\n")[0])["verdict"] if p.returncode == 0 and p.stdout else "error: " + p.stderr.decode()[-200:]
            if sv != t["expect"]:
                bad("%s: %s: Sigma says %s, expected %s" % (path, t["name"], sv, t["expect"]))
        checked += 1
# bare query files whose names collide once sanitised: each alerts on its own needle, alone
for stem, needle in (("collide-a", "dash"), ("collide_a", "underscore"), ("collide.a", "dot"), ("int", "keyword")):
    line = (json.dumps({"Type": "DeviceProcessEvents", "DeviceName": "h", "FileName": needle + ".exe"}) + "\n").encode()
    for cc in ("gcc", "clang"):
        if not os.path.exists(os.path.join(tmp, "c-" + cc, "matcher")): continue
        alerts, _ = run_matcher(cc, line)
        rules = [json.loads(l).get("rule", "") for l in alerts.decode().split("\n") if l]
        if len(rules) != 1 or not rules[0].endswith("/" + stem + ".kql"):
            bad("%s.kql: %s matcher alerts %r for %s.exe" % (stem, cc, rules, needle))
    checked += 1
if not failed: print("ok   %d test events: both C matchers and Sigma give the expected verdicts" % checked)

# Sigma: strict JSON, no raw control characters in strings, the needles round-trip
def strings(x):
    if isinstance(x, str): yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield k
            yield from strings(v)
    elif isinstance(x, list):
        for v in x: yield from strings(v)
def sigma_unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in "*?\\":
            out.append(s[i + 1]); i += 2
        else:
            out.append(s[i]); i += 1
    return "".join(out)
needles = {
    "11111111-1111-4111-8111-111111111111": ['a"b\\c*/d??/e%sf', 'x"y\\z\\\\\\\\w*/??/%n', 'ad"m\\in*/??/%s'],
    "22222222-2222-4222-8222-222222222222": ["a\0b"],
    "33333333-3333-4333-8333-333333333333": ["\u2028%s%n??/", "C:\\" + "\\" * 150],
}
for f in sorted(glob.glob(os.path.join(tmp, "out", "sigma", "*.json"))):
    raw = open(f, "rb").read()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as e:
        bad("%s does not parse: %s" % (os.path.basename(f), e)); continue
    values = set()
    for s in strings(doc):
        if any(ord(c) < 0x20 and c not in "\n\t" for c in s if c != "\0"):
            bad("%s: a raw control character in %r" % (os.path.basename(f), s[:60]))
        values.add(sigma_unescape(s))
    rid = os.path.basename(f)[:-5]
    for n in needles.get(rid, []):
        if not any(n in v for v in values):
            bad("%s: needle %r does not round-trip" % (os.path.basename(f), n))
for rid in needles:
    if not os.path.exists(os.path.join(tmp, "out", "sigma", rid + ".json")):
        bad("no Sigma rule for %s" % rid)
print("ok   Sigma JSON parses; needles round-trip through json.loads")

# Known open defects of the emitters (owned elsewhere): a file tests/injection/open-<name> says
# the check below still fails; it is reported, not failed, and once fixed the marker must go.
def known(name, ok, what):
    marker = os.path.exists(os.path.join(pack, "open-" + name))
    if ok and marker: bad("%s passes now: remove %s/open-%s" % (what, pack, name))
    elif not ok and marker: print("known open (%s/open-%s): %s" % (pack, name, what))
    elif not ok: bad(what)

# Sigma says what the rule says: title = name, description whole (NUL and all), scenarios kept
for path in sorted(glob.glob(os.path.join(pack, "*.yaml"))):
    rule = yaml.safe_load(open(path, encoding="utf-8"))
    f = os.path.join(tmp, "out", "sigma", str(rule["id"]) + ".json")
    if not os.path.exists(f): continue
    doc = json.load(open(f, encoding="utf-8"))
    if doc.get("title") != rule["name"]: bad("%s: Sigma title %r is not the name %r" % (path, doc.get("title"), rule["name"]))
    if "\0" in rule["description"]:
        known("sigma-description-nul", doc.get("description") == rule["description"],
              "%s: Sigma description %r is not the rule's %r (cut at the NUL)" % (path, doc.get("description"), rule["description"]))
    elif doc.get("description") != rule["description"]:
        bad("%s: Sigma description %r is not the rule's" % (path, doc.get("description")))
    for x in rule.get("exclusions", []):
        if x["scenario"] not in doc.get("falsepositives", []): bad("%s: scenario %r not in falsepositives" % (path, x["scenario"]))

# one KQL and one Sigma file per rule: bare query files have no id, and each needs its own name
nrules = len(glob.glob(os.path.join(pack, "*.yaml"))) + len(glob.glob(os.path.join(pack, "*.kql")))
kql = sorted(glob.glob(os.path.join(tmp, "out", "kql", "*.kql")))
sig = sorted(glob.glob(os.path.join(tmp, "out", "sigma", "*.json")))
known("bare-query-output-names", len(kql) == nrules and len(sig) == nrules,
      "one KQL and one Sigma file per rule: %d rules, %d KQL files, %d Sigma files (%s)" % (nrules, len(kql), len(sig), " ".join(os.path.basename(k) for k in kql)))

# the emitted KQL parses with rulepack's own parser
p = subprocess.run([rp, "check", "--format", "json"] + kql, capture_output=True)
diags = json.loads(p.stdout.decode() or "[]")
syntax = [d for d in diags if d["code"].startswith("RP02")]
for d in syntax:
    bad("emitted KQL %s:%s: %s %s" % (d["file"], d["line"], d["code"], d["message"]))
if not syntax: print("ok   %d emitted KQL files parse again (no RP02xx)" % len(kql))
sys.exit(1 if failed else 0)
PY

# the bare query files whose names collide once sanitised are distinct rules in the manifest
python3 - "$tmp/out/manifest.json" <<'PY' || fail=1
import json, sys
m = json.load(open(sys.argv[1]))
text = json.dumps(m)
missing = [f for f in ("collide-a.kql", "collide_a.kql", "collide.a.kql", "int.kql") if f not in text]
if missing:
    print("FAIL: manifest lacks %s" % missing); sys.exit(1)
print("ok   colliding file names are distinct rules")
PY

[ $fail = 0 ] && echo "injection: all checks passed" || echo "injection: FAILED"
exit $fail
