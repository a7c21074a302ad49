# Deterministic DeviceProcessEvents generator for tests/scripts/differential.sh:
#   awk -v n=4000 -v seed=7 -f gen_events.awk
# Values come from small pools full of KQL-SEMANTICS.md edge cases: case variants, \u escapes,
# non-ASCII, empty strings, missing members, JSON nulls, numbers as strings, unparseable
# datetimes, the ends of the 5-day window, other tables and broken lines. Park-Miller LCG (exact
# in doubles, so every awk gives the same stream).
function rnd(k) { seed = (seed * 16807) % 2147483647; return int(seed / 2147483647 * k) }
function pick(arr, n) { return arr[rnd(n) + 1] }
# fields added later draw from their own stream, so the older fields keep their values
function rnd2(k) { seed2 = (seed2 * 16807) % 2147483647; return int(seed2 / 2147483647 * k) }
function pick2(arr, n) { return arr[rnd2(n) + 1] }
function member(key, v) { if (v == "MISSING") return ""; return sprintf(",\"%s\":%s", key, v) }
BEGIN {
    if (!n) n = 4000
    if (!seed) seed = 7
    nf = split("\"cmd.exe\"|\"CMD.EXE\"|\"Cmd.exe\"|\"a.exe\"|\"B.exe\"|\"svchost.exe\"|\"svc_host.exe\"|\"x.dll\"|\"powershell.exe\"|\"\"|MISSING|null|\"\\u0063md.exe\"|\"\303\274ber.exe\"|\"zz.exe\"|\"c.exe\"", FN, "|")
    nc = split("\"cmd /c whoami\"|\"net user admin\"|\"net  localgroup\"|\"powershell -enc AAA\"|\"PowerShell.exe  -Enc x\"|\"mimikatz sekurlsa::logonpasswords\"|\"a-b c\"|\"C:\\\\Windows\\\\x\"|\"Invoke-Expression\"|\"invoke x\"|\"xyz\"|\"\303\274n\303\257code \303\274n\303\257\"|\"\"|MISSING|\"encoded enc\"|\"whoami/all\"|\"NET USER\"|\"\\u006eet user\"|\"ab\\\"cd\"", CL, "|")
    nfp = split("\"C:\\\\Windows\\\\System32\"|\"c:\\\\windows\"|\"D:\\\\x\"|MISSING|\"\"", FP, "|")
    ni = split("\"x.exe\"|\"\"|\"explorer.exe\"|MISSING|null", IP, "|")
    na = split("\"\"|\"admin\"|\"123\"|MISSING|null|\"-7\"", AN, "|")
    np = split("4|8|150|600|1500|-1|null|MISSING|\"77\"|100|200|1001", PI, "|")
    ns = split("0|10|12345678901|-5|null|MISSING|7", SZ, "|")
    nt = split("\"2026-11-27T10:00:00Z\"|\"2026-11-27T23:59:59.9999999Z\"|\"2026-11-21T00:00:00Z\"|\"2026-11-19T00:00:00Z\"|\"2026-11-28T00:00:00Z\"|\"bad\"|null|MISSING|\"2026-11-27 13:30:00\"|\"2026-11-20T00:00:00Z\"", TS, "|")
    nd = split("\"h1\"|\"h2\"|\"H1\"|MISSING|\"h\\u0031\"", DN, "|")
    nr = split("true|false|null|MISSING", RM, "|")
    nad = split("[1,\"a\",null,{\"k\":2}]|[]|{}|{\"a\":1,\"b\":[2,3]}|\"str\"|5|null|MISSING|[ \"x\" , \"y\" ]|[[1,2],[3]]|true|[3]|{ \"q\" : \"r,s\" }|{\"Cmd\":\"whoami /all\",\"n\":5,\"b\":true,\"arr\":[1,\"two\",null],\"o\":{\"p\":{\"q\":\"deep\"}}}|{\"Cmd\":\"net user\",\"Cmd\":\"mimikatz\",\"b\":\"False\"}|{\"k\\\"ey\":\"esc\",\"Cmd\":\"a\\u0041b\",\"n\":-0}|\"{\\\"Cmd\\\":\\\"json in string\\\"}\"|{\"Cmd\":null,\"n\":\"12\",\"arr\":[]}|{\"n\":1.50,\"Cmd\":\"\",\"b\":1}|[{\"Cmd\":\"x\"},{\"Cmd\":\"whoami\"}]|{\"o\":{\"p\":{\"q\":\"DEEP\"}},\"arr\":[\"a\",\"two\"],\"n\":1e3}", AD, "|")
    # InitiatingProcessCommandLine: JSON text inside a string column (parse_json), or not JSON
    njs = split("\"{\\\"Cmd\\\":\\\"whoami\\\",\\\"list\\\":[\\\"a\\\",2,{\\\"z\\\":null}]}\"|\"not json\"|\"[1,2,3]\"|\"\"|MISSING|\"{\\\"Cmd\\\":\\\"C:\\\\\\\\x\\\"}\"|\"null\"|\"  {\\\"n\\\": 7 }  \"|\"{\\\"list\\\":[],\\\"Cmd\\\":\\\"\\\\u0077hoami\\\"}\"|null", JS, "|")
    # RemoteIP: ipv4_is_private edge cases (prefixes, out-of-range parts, IPv6, not IPv4)
    seed2 = seed + 12345
    nip = split("\"10.1.2.3\"|\"192.168.1.1/24\"|\"127.0.0.1\"|\"202.1.2.3\"|\"172.16.0.1\"|\"172.32.0.1\"|\"172.31.255.255\"|\"10.1.2.3/24\"|\"11.0.0.1/7\"|\"256.1.1.1\"|\"1.2.3\"|\"::1\"|\"\"|MISSING|null|\"010.0.0.1\"|\"10.0.0.1/33\"|\" 10.0.0.1\"|\"192.168.0.1/0\"|\"8.8.8.8\"", RIP, "|")
    for (i = 0; i < n; i++) {
        r = rnd(100)
        if (r < 2) { print "{broken"; continue }
        if (r < 4) { print ""; continue }
        type = r < 10 ? "\"DeviceNetworkEvents\"" : (r < 14 ? "MISSING" : "\"DeviceProcessEvents\"")
        line = "{\"ReportId\":" i
        line = line member("Type", type)
        line = line member("Timestamp", pick(TS, nt))
        line = line member("DeviceName", pick(DN, nd))
        line = line member("FileName", pick(FN, nf))
        line = line member("ProcessCommandLine", pick(CL, nc))
        line = line member("FolderPath", pick(FP, nfp))
        line = line member("InitiatingProcessFileName", pick(IP, ni))
        line = line member("AccountName", pick(AN, na))
        line = line member("ProcessId", pick(PI, np))
        line = line member("FileSize", pick(SZ, ns))
        line = line member("IsProcessRemoteSession", pick(RM, nr))
        line = line member("AdditionalFields", pick(AD, nad))
        line = line member("InitiatingProcessCommandLine", pick(JS, njs))
        line = line member("RemoteIP", pick2(RIP, nip))
        print line "}"
    }
}
