#!/bin/sh
# The KQL rulepack emits (tests/golden/sigma/*.kql, byte-equal to the emitter's output through
# test_emit_sigma, and a fresh `rulepack build` of rules/ when it works) parses and binds with
# Microsoft's parser (Kusto.Language through ../shared/tools/kql-oracle), with the table schemas:
# no syntax and no semantic errors. Needs node and an installed oracle: KQL_ORACLE=dir, or
# /tmp/kql-oracle (cp -r ../shared/tools/kql-oracle /tmp/kql-oracle && cd /tmp/kql-oracle && npm ci).
# Without them the test SKIPs (exit 0) with a message; rulepack's own parser checks the same files
# in test_emit_sigma, which never skips.
BUILD=${BUILD:-build}
ORACLE=${KQL_ORACLE:-/tmp/kql-oracle}
TABLES=${KQL_TABLES:-../shared/reference/tables}
if ! command -v node >/dev/null 2>&1; then echo "SKIP: node is not installed"; exit 0; fi
if [ ! -f "$ORACLE/kql-oracle.js" ] || [ ! -d "$ORACLE/node_modules/@kusto" ]; then
  echo "SKIP: no installed kql-oracle at $ORACLE (see this script's header)"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=$(ls tests/golden/sigma/*.kql)
if "$BUILD/rulepack" build -o "$tmp/out" rules/ > "$tmp/log" 2>&1 && ls "$tmp"/out/kql/*.kql > /dev/null 2>&1; then
  files="$files $(ls "$tmp"/out/kql/*.kql)"
fi
schema=
[ -d "$TABLES" ] && schema="--schema $TABLES"
# shellcheck disable=SC2086
node "$ORACLE/kql-oracle.js" $schema $files > "$tmp/oracle.jsonl" || { echo "FAIL: kql-oracle did not run"; exit 1; }
/usr/bin/python3 - "$tmp/oracle.jsonl" $files <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
files = sys.argv[2:]
bad = 0
seen = set()
for r in lines:
    seen.add(r["file"])
    errs = (r.get("syntax_errors") or []) + (r.get("semantic_errors") or [])
    if r.get("parse_ok") is not True or errs:
        bad += 1
        print("%s: parse_ok=%s %s" % (r["file"], r.get("parse_ok"), "; ".join(e["code"] + " " + e["message"] for e in errs)))
missing = [f for f in files if f not in seen]
for f in missing:
    print("%s: not analysed by the oracle" % f)
print("%d emitted queries checked with Kusto.Language, %d with errors" % (len(lines), bad))
sys.exit(1 if bad or missing or not lines else 0)
PY
