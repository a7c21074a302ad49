#!/bin/sh
# What `rulepack build -o DIR` leaves in DIR is exactly what the rules generate: a renamed or
# deleted rule's Sigma, correlation and KQL from the previous build are removed (they are listed in
# the previous manifest.json, with the correlation), files rulepack did not write stay, and a
# manifest edited to name paths outside DIR (or hidden ones) removes nothing. Distinct ids get
# distinct files (the id's file-name form is one to one).
set -e
RP=$(pwd)/${BUILD:-build}/rulepack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/rules"
cp rules/meshcentral.yaml "$tmp/rules/seed.yaml"
# a rule with a count threshold: its Sigma gets a correlation file
sed -e 's/^id: .*/id: 11111111-2222-4333-8444-555555555555/' \
    -e 's/^  Report=make_set(ReportId), Count=count() by DeviceId, DeviceName$/  Count=count() by DeviceId, DeviceName, bin(Timestamp, 1h) | where Count > 10/' \
    -e 's/^  | summarize FirstSeen=min(Timestamp), LastSeen=max(Timestamp),$/  | summarize/' \
    rules/meshcentral.yaml > "$tmp/rules/threshold.yaml"
cd "$tmp"
"$RP" build -o out rules > /dev/null 2> build1.log || { cat build1.log; exit 1; }
T=11111111-2222-4333-8444-555555555555
S=7306e156-49a7-4ff6-9d8f-d6e6d531e426
for f in sigma/$T.json sigma/$T.correlation.json kql/$T.kql sigma/$S.json kql/$S.kql; do
  test -f out/$f || { echo "missing out/$f"; ls -R out; exit 1; }
done
grep -q "\"sigma/$T.correlation.json\"" out/manifest.json || { echo "correlation not in the manifest"; exit 1; }
echo keep > out/sigma/mine.json
echo keep > out/notes.txt
# the threshold rule gets a new id; the seed rule is deleted
sed -i 's/^id: .*/id: 22222222-2222-4333-8444-555555555555/' rules/threshold.yaml
rm rules/seed.yaml
"$RP" build -o out rules > /dev/null 2> build2.log || { cat build2.log; exit 1; }
for f in sigma/$T.json sigma/$T.correlation.json kql/$T.kql sigma/$S.json kql/$S.kql; do
  if test -e out/$f; then echo "stale out/$f left behind"; exit 1; fi
done
test -f out/sigma/22222222-2222-4333-8444-555555555555.correlation.json
test -f out/sigma/mine.json && test -f out/notes.txt
# a hostile manifest: nothing outside out/, nothing hidden, nothing outside c/ sigma/ kql/
echo victim > victim.txt
mkdir -p out/kql/.git && echo victim > out/kql/.git/HEAD
echo victim > out/kql/.hidden
python3 - <<'PY'
import json
m = json.load(open("out/manifest.json"))
m["outputs"] += ["../victim.txt", "c/../../victim.txt", "/etc/hostname", "notes.txt", "kql/.hidden", "kql/.git/HEAD", "sigma/"]
m["rules"][0]["outputs"] += ["sigma/../../victim.txt", "kql/..", ""]
json.dump(m, open("out/manifest.json", "w"))
PY
"$RP" build -o out rules > /dev/null 2> build3.log || { cat build3.log; exit 1; }
test -f victim.txt && test -f out/notes.txt && test -f out/kql/.hidden && test -f out/kql/.git/HEAD
test -f /etc/hostname
# ids that are not GUIDs (an error, but build still writes) never share an output file
mkdir ids
for id in "a b" "a_b" "a/b" "A_20b"; do sed "s|^id: .*|id: \"$id\"|" rules/threshold.yaml > "ids/r$(ls ids | wc -l).yaml"; done
"$RP" build -o ids-out ids > /dev/null 2>&1 || true
n=$(ls ids-out/kql | wc -l)
[ "$n" = 4 ] || { echo "4 rules, $n KQL files:"; ls ids-out/kql; exit 1; }
[ "$(ls ids-out/sigma | grep -vc correlation)" = 4 ] || { ls ids-out/sigma; exit 1; }
echo ok
