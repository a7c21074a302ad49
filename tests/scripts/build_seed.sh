#!/bin/sh
# rulepack build rules/ into a temporary folder; `make -C tmp/c` under gcc AND clang with -Werror
# -pedantic; the matcher on crafted DeviceProcessEvents prints exactly the seed query's groups
# (DeviceId, DeviceName, FirstSeen, LastSeen, Report, Count), the same lines and counts as
# `rulepack run`; a second build is byte-identical (cmp -r).
set -e
BUILD=${BUILD:-build}
RP=$BUILD/rulepack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$RP" build -o "$tmp/a" rules/ 2> "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
"$RP" build -o "$tmp/b" rules/ 2> /dev/null
diff -r "$tmp/a" "$tmp/b"
grep -q '1 compiled fully, 0 partly, 0 not at all; 1 in the C matcher' "$tmp/build.log" || { tail -5 "$tmp/build.log"; exit 1; }
# no timestamps or absolute paths in what was generated
if grep -rq "$tmp\|$(pwd)" "$tmp/a"; then echo "absolute path in the output"; exit 1; fi
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
for cc in gcc clang; do
  command -v $cc > /dev/null || { echo "$cc is not installed"; exit 1; }
  rm -f "$tmp/a/c/matcher"
  make -s -C "$tmp/a/c" CC=$cc > "$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; exit 1; }
  "$tmp/a/c/matcher" --now 2026-11-28T00:00:00Z --stats --suppressed "$tmp/sup-c.jsonl" \
    < "$tmp/events.jsonl" > "$tmp/alerts-c.jsonl" 2> "$tmp/stats-c"
  diff -u "$tmp/expected.jsonl" "$tmp/alerts-c.jsonl"
  # the interpreter gives the same alerts, the same suppressed events and (without the
  # prefilter) the same counts
  "$RP" run --now 2026-11-28T00:00:00Z --stats --suppressed "$tmp/sup-i.jsonl" rules/ \
    < "$tmp/events.jsonl" > "$tmp/alerts-i.jsonl" 2> "$tmp/stats-i"
  cmp "$tmp/alerts-c.jsonl" "$tmp/alerts-i.jsonl"
  cmp "$tmp/sup-c.jsonl" "$tmp/sup-i.jsonl"
  "$tmp/a/c/matcher" --no-prefilter --now 2026-11-28T00:00:00Z --stats < "$tmp/events.jsonl" 2> "$tmp/stats-np" > /dev/null
  tail -1 "$tmp/stats-i" | cmp - "$tmp/stats-np"
  # with the prefilter the numbers still add up, and the one MeshCentral-free line was skipped
  grep -q '"prefiltered":1,' "$tmp/stats-c" || { cat "$tmp/stats-c"; exit 1; }
  grep -q '"consistent":true' "$tmp/stats-c" || { cat "$tmp/stats-c"; exit 1; }
done
echo ok
