/* gen_events.c: writes Defender-shaped DeviceProcessEvents JSON lines (the 75 columns of
 * shared/reference/tables/DeviceProcessEvents.json, about 3 KB an event) for the benchmark.
 * Deterministic (fixed xorshift seed). About 0.5% are MeshCentral agent processes and 0.5% near
 * misses (MeshCentralRouter, "meshcentral.com" in a path...). Timestamps spread over the 10 days
 * before 2026-11-28T00:00:00Z. Usage: gen_events SIZE_MB > file */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }
#define PICK(a) a[pick(sizeof a / sizeof *a)]

static void hex(char *out, int n)
{
    static const char h[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) out[i] = h[pick(16)];
    out[n] = 0;
}
static void guid(char *out)
{
    hex(out, 32);
    char t[37];
    snprintf(t, sizeof t, "%.8s-%.4s-%.4s-%.4s-%.12s", out, out + 8, out + 12, out + 16, out + 20);
    strcpy(out, t);
}
/* 2026-11-28T00:00:00Z minus up to 10 days */
static void stamp(char *out, int64_t back_s)
{
    int64_t t = 1795824000 - back_s; /* unix seconds of 2026-11-28 */
    int64_t days = t / 86400, rem = t % 86400;
    /* civil from days */
    int64_t z = days + 719468, era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097), yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    sprintf(out, "%04d-%02u-%02uT%02d:%02d:%02d.%07uZ", (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (unsigned)pick(10000000));
}

static const char *devices[] = {"wks-0001.contoso.local", "wks-0002.contoso.local", "srv-sql-01.contoso.local", "lap-jdoe.contoso.local",
                                "srv-dc-02.contoso.local", "wks-fin-17.contoso.local", "lap-asmith.contoso.local", "kiosk-03.contoso.local"};
static const char *accounts[] = {"jdoe", "asmith", "system", "svc_backup", "local service", "network service", "bwayne", "ckent"};
struct proc { const char *file, *folder, *cmd, *product, *company, *desc; };
static const struct proc procs[] = {
    {"chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "\"chrome.exe\" --type=renderer --display-capture-permissions-policy-allowed --event-path-policy=0 --video-capture-use-gpu-memory-buffer --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=7 --time-ticks-at-unix-epoch=-1700000000000000 --launch-time-ticks=512345678 --field-trial-handle=1896,i,123456789,987654321,262144 --variations-seed-version /prefetch:1", "Google Chrome", "Google LLC", "Google Chrome"},
    {"svchost.exe", "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule", "Microsoft\u00ae Windows\u00ae Operating System", "Microsoft Corporation", "Host Process for Windows Services"},
    {"powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\scripts\\inventory.ps1 -Output C:\\Users\\Public\\inv.json", "Microsoft\u00ae Windows\u00ae Operating System", "Microsoft Corporation", "Windows PowerShell"},
    {"msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "\"msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2236 /prefetch:3", "Microsoft Edge", "Microsoft Corporation", "Microsoft Edge"},
    {"cmd.exe", "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c \"echo %DATE% %TIME% >> c:\\users\\jdoe\\appdata\\local\\temp\\log.txt\"", "Microsoft\u00ae Windows\u00ae Operating System", "Microsoft Corporation", "Windows Command Processor"},
    {"OneDrive.exe", "C:\\Users\\jdoe\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe", "\"OneDrive.exe\" /background", "Microsoft OneDrive", "Microsoft Corporation", "Microsoft OneDrive"},
    {"MsMpEng.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe", "\"MsMpEng.exe\"", "Microsoft\u00ae Windows\u00ae Operating System", "Microsoft Corporation", "Antimalware Service Executable"},
    {"Teams.exe", "C:\\Users\\asmith\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "\"Teams.exe\" --type=gpu-process --field-trial-handle=1720,4460925372287418745,13434417411466446208,131072 --enable-features=WinUseBrowserSpellChecker --disable-features=SpareRendererForSitePerProcess", "Microsoft Teams", "Microsoft Corporation", "Microsoft Teams"},
};
static const struct proc mesh = {"meshagent.exe", "C:\\Program Files\\Mesh Agent\\MeshAgent.exe", "\"C:\\Program Files\\Mesh Agent\\MeshAgent.exe\" -connect", "MeshCentral Agent", "MeshCentral", "MeshCentral Background Service Agent"};
static const struct proc near_miss[] = {
    {"MeshCentralRouter.exe", "C:\\Users\\jdoe\\Downloads\\MeshCentralRouter.exe", "\"MeshCentralRouter.exe\" -map", "MeshCentralRouter", "MeshCentralRouter", "MeshCentral Router"},
    {"curl.exe", "C:\\Windows\\System32\\curl.exe", "curl.exe -o agent.exe https://meshcentral.com/meshagents?id=4", "curl", "curl", "The curl executable"},
};

static void str(const char *key, const char *val, int *first)
{
    /* values here need only quote and backslash escaping */
    printf("%s\"%s\":\"", *first ? "" : ",", key);
    *first = 0;
    for (const char *p = val; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar(*p);
    }
    putchar('"');
}
static void num(const char *key, long long v, int *first)
{
    printf("%s\"%s\":%lld", *first ? "" : ",", key, v);
    *first = 0;
}

int main(int argc, char **argv)
{
    double mb = argc > 1 ? atof(argv[1]) : 500;
    unsigned long long target = (unsigned long long)(mb * 1048576.0), written = 0;
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    long long report = 1000;
    while (written < target) {
        unsigned r = pick(1000);
        const struct proc *p = r < 5 ? &mesh : r < 10 ? &near_miss[r % 2] : &PICK(procs);
        const struct proc *parent = &PICK(procs);
        char ts[40], ts2[40], ts3[40], ts4[40], g1[40], g2[40], g3[40], md5[33], sha1[41], sha256[65], pmd5[33], psha1[41], psha256[65];
        stamp(ts, (int64_t)pick(10 * 86400));
        stamp(ts2, (int64_t)pick(10 * 86400));
        stamp(ts3, (int64_t)pick(20 * 86400));
        stamp(ts4, (int64_t)pick(20 * 86400));
        guid(g1), guid(g2), guid(g3);
        hex(md5, 32), hex(sha1, 40), hex(sha256, 64), hex(pmd5, 32), hex(psha1, 40), hex(psha256, 64);
        const char *dev = PICK(devices), *acct = PICK(accounts), *pacct = PICK(accounts);
        char devid[41], sid[64], psid[64], upn[80], addl[600];
        hex(devid, 40);
        memcpy(devid, dev, 3); /* the device id follows the name: stable groups */
        for (unsigned k = 0; k < sizeof devices / sizeof *devices; k++)
            if (devices[k] == dev) snprintf(devid, sizeof devid, "%08x%032x", k * 2654435761u, k);
        snprintf(sid, sizeof sid, "S-1-5-21-%u-%u-%u-%u", 1000000000 + pick(9), 200000000 + pick(9), 300000000 + pick(9), 1000 + pick(500));
        snprintf(psid, sizeof psid, "S-1-5-21-%u-%u-%u-%u", 1000000000 + pick(9), 200000000 + pick(9), 300000000 + pick(9), 1000 + pick(500));
        snprintf(upn, sizeof upn, "%s@contoso.com", acct);
        snprintf(addl, sizeof addl, "{\"ProcessStartKey\":%u,\"TokenElevationType\":\"Default\",\"ParentProcessName\":\"%s\",\"ImageFileSize\":%u,\"Signer\":\"%s\",\"SessionId\":%u,\"IsProtected\":false,\"Tags\":[\"a\",\"b\"]}",
                 (unsigned)pick(1u << 30), parent->file, (unsigned)pick(1u << 24), p->company, pick(8));
        int f = 1;
        putchar('{');
        str("TenantId", "3f2a1b9c-5d4e-4f6a-8b7c-1d2e3f4a5b6c", &f);
        str("AccountDomain", "contoso", &f);
        str("AccountName", acct, &f);
        str("AccountObjectId", g1, &f);
        str("AccountSid", sid, &f);
        str("AccountUpn", upn, &f);
        str("ActionType", "ProcessCreated", &f);
        printf(",\"AdditionalFields\":%s", addl);
        str("AppGuardContainerId", "", &f);
        str("DeviceId", devid, &f);
        str("DeviceName", dev, &f);
        str("FileName", p->file, &f);
        str("FolderPath", p->folder, &f);
        str("InitiatingProcessAccountDomain", "contoso", &f);
        str("InitiatingProcessAccountName", pacct, &f);
        str("InitiatingProcessAccountObjectId", g2, &f);
        str("InitiatingProcessAccountSid", psid, &f);
        str("InitiatingProcessAccountUpn", upn, &f);
        str("InitiatingProcessCommandLine", parent->cmd, &f);
        str("InitiatingProcessFileName", parent->file, &f);
        str("InitiatingProcessFolderPath", parent->folder, &f);
        num("InitiatingProcessId", 1000 + pick(60000), &f);
        str("InitiatingProcessIntegrityLevel", pick(2) ? "Medium" : "High", &f);
        num("InitiatingProcessLogonId", 100000 + pick(900000), &f);
        str("InitiatingProcessMD5", pmd5, &f);
        str("InitiatingProcessParentFileName", "explorer.exe", &f);
        num("InitiatingProcessParentId", 1000 + pick(60000), &f);
        str("InitiatingProcessSHA1", psha1, &f);
        str("InitiatingProcessSHA256", psha256, &f);
        str("InitiatingProcessTokenElevation", "TokenElevationTypeDefault", &f);
        num("LogonId", 100000 + pick(900000), &f);
        str("MD5", md5, &f);
        str("MachineGroup", "Workstations", &f);
        str("ProcessCommandLine", p->cmd, &f);
        str("ProcessCreationTime", ts2, &f);
        num("ProcessId", 1000 + pick(60000), &f);
        str("ProcessIntegrityLevel", pick(3) ? "Medium" : "System", &f);
        str("ProcessTokenElevation", "TokenElevationTypeDefault", &f);
        num("ReportId", report++, &f);
        str("SHA1", sha1, &f);
        str("SHA256", sha256, &f);
        str("TimeGenerated", ts, &f);
        str("Timestamp", ts, &f);
        str("InitiatingProcessParentCreationTime", ts3, &f);
        str("InitiatingProcessCreationTime", ts4, &f);
        str("SourceSystem", "", &f);
        str("Type", "DeviceProcessEvents", &f);
        printf(",\"_BilledSize\":%u.%u", 2000 + pick(2000), pick(100));
        num("CreatedProcessSessionId", pick(8), &f);
        num("FileSize", 10000 + pick(5000000), &f);
        num("InitiatingProcessFileSize", 10000 + pick(5000000), &f);
        str("InitiatingProcessRemoteSessionDeviceName", "", &f);
        str("InitiatingProcessRemoteSessionIP", "", &f);
        num("InitiatingProcessSessionId", pick(8), &f);
        str("InitiatingProcessSignatureStatus", "Valid", &f);
        str("InitiatingProcessSignerType", "OsVendor", &f);
        num("InitiatingProcessUniqueId", (long long)(rnd() >> 12), &f);
        str("InitiatingProcessVersionInfoCompanyName", parent->company, &f);
        str("InitiatingProcessVersionInfoFileDescription", parent->desc, &f);
        str("InitiatingProcessVersionInfoInternalFileName", parent->file, &f);
        str("InitiatingProcessVersionInfoOriginalFileName", parent->file, &f);
        str("InitiatingProcessVersionInfoProductName", parent->product, &f);
        str("InitiatingProcessVersionInfoProductVersion", "10.0.22621.1", &f);
        str("_IsBillable", "true", &f);
        printf(",\"IsInitiatingProcessRemoteSession\":false,\"IsProcessRemoteSession\":%s", pick(50) ? "false" : "true");
        str("ProcessRemoteSessionDeviceName", "", &f);
        str("ProcessRemoteSessionIP", "", &f);
        num("ProcessUniqueId", (long long)(rnd() >> 12), &f);
        str("ProcessVersionInfoCompanyName", p->company, &f);
        str("ProcessVersionInfoFileDescription", p->desc, &f);
        str("ProcessVersionInfoInternalFileName", p->file, &f);
        str("ProcessVersionInfoOriginalFileName", p->file, &f);
        str("ProcessVersionInfoProductName", p->product, &f);
        str("ProcessVersionInfoProductVersion", "1.1.0.0", &f);
        fputs("}\n", stdout);
        written = (unsigned long long)ftell(stdout) > 0 ? (unsigned long long)ftell(stdout) : written + 3000;
    }
    return 0;
}
