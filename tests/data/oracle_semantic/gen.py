#!/usr/bin/env python3
"""Regenerates the oracle expectations of tests/test_kql_semantic.c (needs node; the test does not).

  cp -r ../shared/tools/kql-oracle /tmp/kql-oracle && (cd /tmp/kql-oracle && npm ci)
  python3 tests/data/oracle_semantic/gen.py /tmp/kql-oracle

The schema given to Microsoft's binder is the one rulepack embeds (schema/tables.yaml), written as
the oracle's {"table", "columns"} JSON files. RMM queries are taken out of their (malformed) YAML
by the oracle and stored here as .kql files; Bert-JanP queries are read from ../shared/corpus.
expected.tsv: one line per query: path, the unknown tables (T:) and unknown names (C:)
Kusto.Language reports (KS204 / KS142), sorted, comma-separated, then ok / syntax-error (the
agreement is measured on the queries the oracle parses; RMM queries with syntax errors are kept
for the netconn AccountUpn check)."""
import json, os, re, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, '..', '..', '..'))
oracle = sys.argv[1]
schema_dir = tempfile.mkdtemp()
text = open(os.path.join(root, 'schema', 'tables.yaml'), encoding='utf-8').read()
for m in re.finditer(r'^- \{name: ([^,]+), xdr: \w+, columns: \[(.*)\]\}\s*$', text, re.M):
    cols = [dict(zip(('name', 'type'), c.rsplit(':', 1))) for c in re.findall(r'"([^"]*)"', m.group(2))]
    json.dump({'table': m.group(1), 'columns': cols}, open(os.path.join(schema_dir, m.group(1) + '.json'), 'w'))

def run(path):
    out = subprocess.run(['node', os.path.join(oracle, 'kql-oracle.js'), '--schema', schema_dir, '--include-query', path],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]

corpus = os.path.join(os.path.dirname(root), 'shared', 'corpus')
lines = []
os.makedirs(os.path.join(here, 'rmm'), exist_ok=True)
for o in run(os.path.join(corpus, 'rmm')):
    if o.get('parse_ok') is None:
        continue
    name = os.path.basename(o['file']).replace('.yaml', '.kql')
    with open(os.path.join(here, 'rmm', name), 'w', encoding='utf-8') as f:
        f.write(o['query'])
    lines.append(('tests/data/oracle_semantic/rmm/' + name, o))
for o in run(os.path.join(corpus, 'kql', 'bertjanp')):
    if o.get('parse_ok') is not True:
        continue
    lines.append(('../shared/corpus/kql/bertjanp/' + os.path.basename(o['file']), o))

def names(o):
    out = set()
    for e in o.get('semantic_errors') or []:
        m = re.match(r"The name '([^']*)'", e['message'])
        if e['code'] == 'KS204' and m:
            out.add('T:' + m.group(1))
        elif e['code'] == 'KS142' and m:
            out.add('C:' + m.group(1))
    return ','.join(sorted(out))

with open(os.path.join(here, 'expected.tsv'), 'w', encoding='utf-8') as f:
    f.write('# path\tunknown tables (T:) and columns (C:) per Kusto.Language 12.4.1\tparse; gen.py regenerates\n')
    for path, o in sorted(lines):
        f.write('%s\t%s\t%s\n' % (path, names(o), 'ok' if o['parse_ok'] else 'syntax-error'))
print(len(lines), 'queries')
