/* prefilter_bench.c: cost of the reader's prefilter as the number of required literals grows
 * (issue 4 "Compiled matchers", Speed). For packs of 1, 10, 100 and 1,000 has-needles it times
 *   - the prefilter alone (rp_prefilter_may_match over every line of the file held in memory),
 *   - reader + prefilter (rp_reader_next over the file, the way generated code drives it),
 * and prints MB/s (MiB of input per CPU second; best of 3 for the prefilter alone) and how
 * many lines passed. The pack is realistic:
 * process, tool and RMM names, LOLBins and domains of the kind hunting rules look for; the
 * first one is the seed's "meshcentral" and a few others occur in the generated data (about 1%
 * of its lines), most never do.
 * Usage: prefilter_bench [--mb LIMIT] [--counts 1,10,100,1000] [--no-reader] DATA.jsonl
 *   --mb LIMIT times only the first LIMIT MiB (whole lines) of DATA. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "rp_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Real names first (the first ten include all that occur in the data), then variants. */
static const char *const base[] = {
    "meshcentral", "mimikatz", "psexec", "anydesk", "rclone", "meshagent", "ngrok", "procdump", "teamviewer", "cobaltstrike",
    "bloodhound", "sharphound", "rubeus", "lazagne", "certutil", "bitsadmin", "mshta", "regsvr32", "rundll32", "wmic",
    "cscript", "wscript", "msiexec", "installutil", "regasm", "regsvcs", "msbuild", "cmstp", "odbcconf", "forfiles",
    "atera", "splashtop", "screenconnect", "connectwise", "logmein", "remoteutilities", "netsupport", "dameware", "radmin", "ultravnc",
    "tightvnc", "realvnc", "tigervnc", "supremo", "ammyy", "aeroadmin", "rustdesk", "zoho assist", "kaseya", "ninjarmm",
    "pdq deploy", "syncro", "level.io", "tacticalrmm", "simplehelp", "bomgar", "beyondtrust", "gotoassist", "showmypc", "fleetdeck",
    "plink", "putty", "winscp", "filezilla", "megasync", "megacmd", "restic", "cyberduck", "dropbox uploader", "pcloud",
    "xmrig", "nicehash", "minerd", "cgminer", "ethminer", "nanominer", "phoenixminer", "t-rex", "lolminer", "gminer",
    "nltest", "dsquery", "adfind", "adexplorer", "ldapsearch", "sharpview", "powerview", "seatbelt", "winpeas", "linpeas",
    "lsassy", "nanodump", "pypykatz", "secretsdump", "wmiexec", "smbexec", "dcomexec", "atexec", "crackmapexec", "netexec",
    "impacket", "evil-winrm", "chisel", "ligolo", "frpc", "sliver", "havoc", "bruteratel", "mythic", "covenant",
    "metasploit", "meterpreter", "empire", "starkiller", "poshc2", "pupy", "quasar", "njrat", "asyncrat", "remcos",
    "darkcomet", "nanocore", "agenttesla", "formbook", "lokibot", "raccoon", "redline", "vidar", "lumma", "stealc",
    "emotet", "trickbot", "qakbot", "icedid", "bumblebee", "gootloader", "socgholish", "smokeloader", "amadey", "systembc",
    "lockbit", "blackcat", "alphv", "conti", "ryuk", "revil", "akira", "royal", "playcrypt", "blacksuit",
    "vssadmin", "wbadmin", "bcdedit", "cipher.exe", "fsutil", "diskshadow", "ntdsutil", "esentutl", "reg save", "sdelete",
    "transfer.sh", "temp.sh", "file.io", "gofile.io", "anonfiles", "pastebin.com", "paste.ee", "ghostbin", "hastebin", "termbin",
    "duckdns.org", "no-ip.com", "ddns.net", "hopto.org", "serveo.net", "localtunnel", "trycloudflare.com", "pinggy.io", "portmap.io", "playit.gg",
    "discordapp.com", "cdn.discord", "telegram.org", "api.telegram", "tor2web", "onion.ly", "torproject", "tor.exe", "i2p", "freenet",
    "raw.githubusercontent", "gist.github", "bitbucket.org", "gitlab.io", "ipfs.io", "dweb.link", "4shared", "mediafire", "sendspace", "zippyshare",
};
/* Made-up tool and domain names for the rest: word1 + word2 + one of two suffixes, so that no
 * literal contains another one (a pack the prefilter cannot shrink by dropping supersets). */
static const char *const w1[] = {"cloud", "sync", "remote", "secure", "fast", "net", "data", "win", "sys", "host",
                                 "micro", "smart", "pro", "one", "zero", "dark", "ghost", "shadow", "red", "blue"};
static const char *const w2[] = {"agent", "helper", "update", "loader", "service", "drop", "shell", "view", "link", "tunnel",
                                 "proxy", "miner", "bot", "kit", "hub", "box", "desk", "guard", "watch", "spy"};
static const char *const suffix[] = {".exe", "64.exe", ".top", ".xyz", "-c2.ru", ".dll", "_x64", ".duckdns.org"};

/* Builds up to `max` literals into lits[] (strings kept in store). */
static size_t make_pack(rp_needle *lits, size_t max, char *store, size_t storecap)
{
    size_t n = 0, used = 0, nb = sizeof base / sizeof *base;
    for (size_t k = 0; n < max && k < nb + 2 * 400; k++) {
        char tmp[96];
        if (k < nb) snprintf(tmp, sizeof tmp, "%s", base[k]);
        else {
            size_t c = (k - nb) / 2, v = (k - nb) % 2;
            snprintf(tmp, sizeof tmp, "%s%s%s", w1[c % 20], w2[c / 20], suffix[(c + 3 * v) % 8]);
        }
        size_t len = strlen(tmp);
        if (used + 2 * len > storecap) break;
        memcpy(store + used, tmp, len);
        rp_needle_make(&lits[n], store + used, len, store + used + len);
        used += 2 * len;
        n++;
    }
    return n;
}

/* Process CPU time: the machine is shared, wall time would measure the neighbours. */
static double now_s(void) { return (double)clock() / CLOCKS_PER_SEC; }

enum { C_Timestamp, C_ProductName, C_DeviceId, C_DeviceName, C_ReportId, NCOLS };
static const char *const cols[NCOLS] = {"Timestamp", "ProcessVersionInfoProductName", "DeviceId", "DeviceName", "ReportId"};
static const char *const tables[] = {"DeviceProcessEvents"};
static const unsigned char kinds[NCOLS] = {RP_K_DATETIME, RP_K_STRING, RP_K_STRING, RP_K_STRING, RP_K_LONG};
static const rp_layout layout = {cols, NCOLS, tables, 1, kinds};

int main(int argc, char **argv)
{
    double limit_mb = 0;
    const char *counts = "1,10,100,1000", *path = NULL;
    bool reader = true;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--mb") == 0 && a + 1 < argc) limit_mb = atof(argv[++a]);
        else if (strcmp(argv[a], "--counts") == 0 && a + 1 < argc) counts = argv[++a];
        else if (strcmp(argv[a], "--no-reader") == 0) reader = false;
        else path = argv[a];
    }
    if (!path) {
        fprintf(stderr, "usage: prefilter_bench [--mb LIMIT] [--counts 1,10,100,1000] [--no-reader] DATA.jsonl\n");
        return 2;
    }
    FILE *f = fopen(path, "rb");
    if (!f) return perror(path), 2;
    fseek(f, 0, SEEK_END);
    long fsize = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t size = (size_t)fsize;
    if (limit_mb > 0 && (size_t)(limit_mb * 1048576.0) < size) size = (size_t)(limit_mb * 1048576.0);
    char *data = malloc(size + 1);
    if (!data || fread(data, 1, size, f) != size) return fprintf(stderr, "cannot read %s\n", path), 2;
    fclose(f);
    while (size > 0 && data[size - 1] != '\n') size--; /* whole lines only */
    double mib = (double)size / 1048576.0;
    size_t lines = 0;
    for (const char *p = data, *e = data + size; p < e; lines++) p = (const char *)memchr(p, '\n', (size_t)(e - p)) + 1;
    printf("data: %s, %.1f MiB, %zu lines\n", path, mib, lines);

    static rp_needle pack[1000];
    static char store[64 * 1000];
    size_t npack = make_pack(pack, 1000, store, sizeof store);
    size_t minlen = 1000, maxlen = 0;
    for (size_t i = 0; i < npack; i++) {
        if (pack[i].len < minlen) minlen = pack[i].len;
        if (pack[i].len > maxlen) maxlen = pack[i].len;
    }
    printf("pack: %zu literals, lengths %zu..%zu\n", npack, minlen, maxlen);

    for (const char *c = counts; *c;) {
        size_t n = (size_t)strtoul(c, NULL, 10);
        c += strcspn(c, ",");
        if (*c) c++;
        if (n == 0 || n > npack) continue;
        rp_reader r;
        if (!rp_reader_init(&r, &layout, NULL, NULL)) return 2;
        double t0 = now_s();
        if (!rp_reader_set_prefilter(&r, pack, n, true)) return fprintf(stderr, "prefilter refused\n"), 2;
        double tset = now_s() - t0;
        size_t pass = 0;
        double t = 1e30;
        for (int rep = 0; rep < 3; rep++) { /* best of 3 */
            pass = 0;
            t0 = now_s();
            for (const char *p = data, *e = data + size; p < e;) {
                const char *nl = memchr(p, '\n', (size_t)(e - p));
                pass += rp_prefilter_may_match(&r.pf, p, (size_t)(nl - p));
                p = nl + 1;
            }
            double d = now_s() - t0;
            if (d < t) t = d;
        }
        printf("literals=%-5zu prefilter alone      %8.1f MB/s  %6.2f s  passed=%zu/%zu  setup=%.1f ms\n", n, mib / t, t, pass, lines,
               tset * 1e3);
        rp_reader_free(&r);
        fflush(stdout);
        if (!reader) continue;
        /* reader + prefilter over the same bytes, read through stdio as rp_reader_next does */
        FILE *in = fmemopen(data, size, "rb");
        rp_stats st = {0};
        if (!in || !rp_reader_init(&r, &layout, in, &st)) return 2;
        rp_reader_set_prefilter(&r, pack, n, true);
        rp_event ev;
        int rc;
        size_t events = 0;
        t0 = now_s();
        while ((rc = rp_reader_next(&r, &ev)) != RP_READ_EOF) {
            if (rc == RP_READ_IOERR) return 2;
            events += rc == RP_READ_EVENT;
        }
        t = now_s() - t0;
        printf("literals=%-5zu reader + prefilter   %8.1f MB/s  %6.2f s  events=%zu prefiltered=%llu\n", n, mib / t, t, events,
               (unsigned long long)st.prefiltered);
        rp_reader_free(&r);
        fclose(in);
        fflush(stdout);
    }
    free(data);
    return 0;
}
