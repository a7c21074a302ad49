#!/bin/sh
# build/rulepack run on crafted DeviceProcessEvents for rules/meshcentral.yaml must give exactly the
# groups Sentinel would: DeviceId, DeviceName, FirstSeen, LastSeen, Report, Count, in first-seen
# order; exclusions suppress (counted in --stats); the 5-day window and the `has` term rule hold.
set -e
BUILD=${BUILD:-build}
RP=$BUILD/rulepack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# crafted events and the groups Sentinel gives for them (shared with the other seed script)
EVENTS=tests/data/seed/events.jsonl
EXPECTED=tests/data/seed/expected.jsonl
"$RP" run --now 2026-11-28T00:00:00Z --stats --suppressed "$tmp/sup.jsonl" rules/meshcentral.yaml \
  < "$EVENTS" > "$tmp/alerts.jsonl" 2> "$tmp/stderr"
diff -u "$EXPECTED" "$tmp/alerts.jsonl"
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
