#!/bin/sh
# build/rulepack run on crafted DeviceProcessEvents for rules/meshcentral.yaml must give exactly the
# groups Sentinel would: DeviceId, DeviceName, FirstSeen, LastSeen, Report, Count, in first-seen
# order; exclusions suppress (counted in --stats); the 5-day window and the `has` term rule hold.
set -e
BUILD=${BUILD:-build}
RP=$BUILD/rulepack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/events.jsonl" <<'JSON'
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T10:00:00Z","DeviceId":"dev-1","DeviceName":"host-1","ReportId":11,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"cmd.exe","ProcessCommandLine":"meshcentral.exe --run"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-26T09:30:00.5Z","DeviceId":"dev-2","DeviceName":"host-2","ReportId":21,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"Mesh Central? no: MeshCentral-Agent","InitiatingProcessFileName":"cmd.exe"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T11:00:00Z","DeviceId":"dev-1","DeviceName":"host-1","ReportId":12,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"\u004deshCentral","InitiatingProcessFileName":"cmd.exe"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T12:00:00Z","DeviceId":"dev-1","DeviceName":"host-1","ReportId":11,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MESHCENTRAL","InitiatingProcessFileName":"cmd.exe"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T11:00:00Z","DeviceId":"dev-3","DeviceName":"host-3","ReportId":31,"FileName":"MeshCentralRouter.exe","ProcessVersionInfoProductName":"MeshCentralRouter"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-20T11:00:00Z","DeviceId":"dev-4","DeviceName":"host-4","ReportId":41,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T13:00:00Z","DeviceId":"dev-5","DeviceName":"host-5","ReportId":51,"FileName":"svch0st.exe","ProcessVersionInfoProductName":"MeshCentral"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T13:00:00Z","DeviceId":"dev-6","DeviceName":"host-6","ReportId":61,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"taskeng.exe"}
{"Type":"DeviceNetworkEvents","Timestamp":"2026-11-27T13:00:00Z","DeviceId":"dev-7","DeviceName":"host-7","ProcessVersionInfoProductName":"MeshCentral"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-28T00:00:00Z","DeviceId":"dev-8","DeviceName":"host-8","ReportId":81,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"meshcentral"}
{"Type":"DeviceProcessEvents","Timestamp":"2026-11-28T00:00:00.0000001Z","DeviceId":"dev-9","DeviceName":"host-9","ReportId":91,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"meshcentral"}
{"Type":"DeviceProcessEvents","Timestamp":null,"DeviceId":"dev-10","DeviceName":"host-10","ReportId":101,"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"meshcentral"}
{broken
JSON
cat > "$tmp/expected.jsonl" <<'JSON'
{"rule_id":"7306e156-49a7-4ff6-9d8f-d6e6d531e426","rule":"Remote Management and Monitoring tool - MeshCentral - Create Process","table":"DeviceProcessEvents","event":{"DeviceId":"dev-1","DeviceName":"host-1","FirstSeen":"2026-11-27T10:00:00Z","LastSeen":"2026-11-27T12:00:00Z","Report":[11,12],"Count":3}}
{"rule_id":"7306e156-49a7-4ff6-9d8f-d6e6d531e426","rule":"Remote Management and Monitoring tool - MeshCentral - Create Process","table":"DeviceProcessEvents","event":{"DeviceId":"dev-2","DeviceName":"host-2","FirstSeen":"2026-11-26T09:30:00.5Z","LastSeen":"2026-11-26T09:30:00.5Z","Report":[21],"Count":1}}
{"rule_id":"7306e156-49a7-4ff6-9d8f-d6e6d531e426","rule":"Remote Management and Monitoring tool - MeshCentral - Create Process","table":"DeviceProcessEvents","event":{"DeviceId":"dev-8","DeviceName":"host-8","FirstSeen":"2026-11-28T00:00:00Z","LastSeen":"2026-11-28T00:00:00Z","Report":[81],"Count":1}}
JSON
"$RP" run --now 2026-11-28T00:00:00Z --stats --suppressed "$tmp/sup.jsonl" rules/meshcentral.yaml \
  < "$tmp/events.jsonl" > "$tmp/alerts.jsonl" 2> "$tmp/stderr"
diff -u "$tmp/expected.jsonl" "$tmp/alerts.jsonl"
stats=$(tail -1 "$tmp/stderr")
# the counts add up: 13 lines = 1 rejected + 1 other table... (DeviceNetworkEvents is not read) + 11 evaluated
echo "$stats" | grep -q '"lines_read":13' || { echo "bad stats: $stats"; exit 1; }
echo "$stats" | grep -q '"rejected":1,' || { echo "bad stats: $stats"; exit 1; }
echo "$stats" | grep -q '"consistent":true' || { echo "bad stats: $stats"; exit 1; }
echo "$stats" | grep -q '"matched":7,"aggregated":5,"alerts":3' || { echo "bad rule stats: $stats"; exit 1; }
echo "$stats" | grep -q '{"exclusion":"IT Admin Deploys MeshCentral for Remote Access","count":1}' || { echo "bad exclusion count: $stats"; exit 1; }
echo "$stats" | grep -q '{"exclusion":"Scheduled Job to Generate Reports via MeshCentral","count":1}' || { echo "bad exclusion count: $stats"; exit 1; }
# the suppressed events are written, with the exclusion that matched
[ "$(wc -l < "$tmp/sup.jsonl")" -eq 2 ] || { cat "$tmp/sup.jsonl"; exit 1; }
grep -q '"exclusion":"IT Admin Deploys MeshCentral for Remote Access","event":{"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T13:00:00Z","DeviceId":"dev-5"' "$tmp/sup.jsonl"
# rulepack test runs the rule's own examples
"$RP" test rules/meshcentral.yaml > "$tmp/test.out"
grep -q "0 failed" "$tmp/test.out"
echo ok
