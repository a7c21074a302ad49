#!/bin/sh
# Crafted events through the seed rule give the same verdict (alert / suppressed by which exclusion
# / no alert) in the IR interpreter (`rulepack run --suppressed`), in an independent evaluation of
# the emitted Sigma (tests/sigma_eval.py on the golden, which test_emit_sigma keeps byte-equal to
# the emitter's output) and, when `rulepack build` produces it, in the generated C matcher. Each
# event also has its expected verdict written here, so the three cannot agree on a wrong answer.
BUILD=${BUILD:-build}
RULE=rules/meshcentral.yaml
SIGMA=tests/golden/sigma/7306e156-49a7-4ff6-9d8f-d6e6d531e426.json
NOW=2026-11-28T00:00:00Z
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -x "$BUILD/rulepack" ] || { echo "FAIL: $BUILD/rulepack is not built"; exit 1; }

# name|expected|event
cat > "$tmp/cases" <<'CASES'
renamed MeshCentral binary|suppressed:IT Admin Deploys MeshCentral for Remote Access|{"FileName":"svch0st.exe","ProcessVersionInfoProductName":"MeshCentral Agent","InitiatingProcessFileName":"services.exe","ProcessCommandLine":"svch0st.exe -connect"}
admin PowerShell New-Item|suppressed:IT Admin Deploys MeshCentral for Remote Access|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"powershell.exe","ProcessCommandLine":"powershell -c New-Item -Path C:\\mc"}
New-Item in lower case (contains is case-insensitive)|suppressed:IT Admin Deploys MeshCentral for Remote Access|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"powershell.exe","ProcessCommandLine":"new-item x"}
scheduled task launch|suppressed:Scheduled Job to Generate Reports via MeshCentral|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"taskeng.exe","ProcessCommandLine":"meshcentral.exe --run"}
msiexec child|suppressed:MeshCentral Used for Patch Management|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"msiexec.exe","ProcessCommandLine":"meshcentral.exe --run"}
explorer child|suppressed:Admin Uses MeshCentral to Monitor System Health|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"explorer.exe","ProcessCommandLine":"meshcentral.exe"}
lsass child|suppressed:MeshCentral Integration with Active Directory for User Management|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"lsass.exe","ProcessCommandLine":"meshcentral.exe"}
attacker-chosen command line|suppressed:Scheduled Job to Generate Reports via MeshCentral|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"cmd.exe","ProcessCommandLine":"meshcentral.exe --evil generateReport"}
plain MeshCentral process|alert|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"cmd.exe","ProcessCommandLine":"meshcentral.exe --run"}
parent name in another case (== is case-sensitive)|alert|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"LSASS.EXE","ProcessCommandLine":"meshcentral.exe"}
binary name in another case (!= is case-sensitive)|suppressed:IT Admin Deploys MeshCentral for Remote Access|{"FileName":"MeshCentral.exe","ProcessVersionInfoProductName":"MeshCentral","InitiatingProcessFileName":"cmd.exe","ProcessCommandLine":"x"}
near miss MeshCentralRouter|no-alert|{"FileName":"MeshCentralRouter.exe","ProcessVersionInfoProductName":"MeshCentralRouter","InitiatingProcessFileName":"explorer.exe","ProcessCommandLine":"MeshCentralRouter.exe"}
product name as one term among others|alert|{"FileName":"meshcentral.exe","ProcessVersionInfoProductName":"Acme/MeshCentral-agent","InitiatingProcessFileName":"cmd.exe","ProcessCommandLine":"meshcentral.exe"}
CASES

# A C matcher, when the build makes one.
MATCHER=
if "$BUILD/rulepack" build -o "$tmp/out" "$RULE" > "$tmp/build.log" 2>&1 && [ -f "$tmp/out/c/Makefile" ] \
   && make -s -C "$tmp/out/c" > "$tmp/make.log" 2>&1 && [ -x "$tmp/out/c/matcher" ]; then
  MATCHER="$tmp/out/c/matcher"
else
  echo "note: no C matcher (rulepack build / make -C out/c did not produce one); comparing interpreter and Sigma only"
fi

# verdict of one tool: alert if it printed an alert, suppressed:<scenario> if it wrote the event
# to its suppressed file, else no-alert
verdict() { # alerts-file suppressed-file
  if [ -s "$1" ]; then echo alert
  elif [ -s "$2" ]; then printf 'suppressed:%s\n' "$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["exclusion"])' < "$2")"
  else echo no-alert; fi
}

fail=0; n=0
while IFS='|' read -r name expected fields; do
  n=$((n+1))
  ev=$(printf '%s' "$fields" | /usr/bin/python3 -c 'import json,sys; e=json.load(sys.stdin); b={"Type":"DeviceProcessEvents","Timestamp":"2026-11-27T10:00:00Z","DeviceId":"dev-1","DeviceName":"host-1","ReportId":7}; b.update(e); print(json.dumps(b))')
  printf '%s\n' "$ev" > "$tmp/ev"
  rm -f "$tmp/sup"; : > "$tmp/sup"
  "$BUILD/rulepack" run --now "$NOW" --suppressed "$tmp/sup" "$RULE" < "$tmp/ev" > "$tmp/alerts" 2>/dev/null
  interp=$(verdict "$tmp/alerts" "$tmp/sup")
  sig=$(/usr/bin/python3 tests/sigma_eval.py --rule "$RULE" "$SIGMA" < "$tmp/ev" | /usr/bin/python3 -c 'import json,sys; v=json.loads(sys.stdin.readline()); print(v["verdict"] + (":" + v["exclusion"] if v.get("exclusion") else ""))')
  line="$n. $name: expected $expected | interpreter $interp | sigma $sig"
  ok=1
  [ "$interp" = "$expected" ] || ok=0
  [ "$sig" = "$expected" ] || ok=0
  if [ -n "$MATCHER" ]; then
    : > "$tmp/csup"
    "$MATCHER" --now "$NOW" --suppressed "$tmp/csup" < "$tmp/ev" > "$tmp/calerts" 2>/dev/null
    c=$(verdict "$tmp/calerts" "$tmp/csup")
    line="$line | C $c"
    [ "$c" = "$expected" ] || ok=0
  fi
  if [ $ok = 1 ]; then echo "ok   $line"; else echo "FAIL $line"; fail=1; fi
done < "$tmp/cases"
[ $n -ge 13 ] || { echo "FAIL: only $n cases ran"; exit 1; }
exit $fail
