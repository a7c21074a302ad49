/* match_seed.c: the seed MeshCentral rule written by hand against rp_runtime.h, the way the C
 * emitter is meant to generate it (stands in until generated code exists). Reads JSON lines on
 * stdin, prints one JSON line per group (DeviceId, DeviceName, FirstSeen, LastSeen, Report,
 * Count) to stdout and the stats to stderr. Usage: match_seed [--no-prefilter] NOW_ISO8601 */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>

enum { C_Timestamp, C_ProductName, C_DeviceId, C_DeviceName, C_ReportId, NCOLS };
static const char *const cols[NCOLS] = {"Timestamp", "ProcessVersionInfoProductName", "DeviceId", "DeviceName", "ReportId"};
static const char *const tables[] = {"DeviceProcessEvents"};
static const unsigned char kinds[NCOLS] = {RP_K_DATETIME, RP_K_STRING, RP_K_STRING, RP_K_STRING, RP_K_LONG};
static const rp_layout layout = {cols, NCOLS, tables, 1, kinds};
static const rp_needle K0 = {"meshcentral", "meshcentral", 11};

/* DeviceProcessEvents | where Timestamp between (now(-5d) .. now())
 *                     | where ProcessVersionInfoProductName has 'meshcentral' */
static bool rp_rule_meshcentral(const rp_event *ev, int64_t now)
{
    return rp_tv_where(rp_tv_and(rp_between_i(&ev->v[C_Timestamp], now - 5 * RP_TICKS_PER_DAY, now),
                                 rp_tv_of(rp_has(ev->v[C_ProductName].s, &K0, RP_CI))));
}

int main(int argc, char **argv)
{
    bool prefilter = true;
    int a = 1;
    if (a < argc && strcmp(argv[a], "--no-prefilter") == 0) prefilter = false, a++;
    int64_t now;
    if (a >= argc || !rp_datetime_parse(argv[a], strlen(argv[a]), &now)) {
        fprintf(stderr, "usage: match_seed [--no-prefilter] NOW_ISO8601 < events.jsonl\n");
        return 2;
    }
    static char inbuf[1 << 16];
    setvbuf(stdin, inbuf, _IONBF, 0);
    rp_stats st = {0};
    uint64_t sup = 0;
    rp_rule_stats rs = {.rule_id = "7306e156-49a7-4ff6-9d8f-d6e6d531e426", .suppressed = &sup, .has_tail = true};
    st.rules = &rs;
    st.nrules = 1;
    rp_reader r;
    if (!rp_reader_init(&r, &layout, stdin, &st)) return 2;
    if (prefilter) rp_reader_set_prefilter(&r, &K0, 1, true);
    static const rp_kind key_kinds[] = {RP_K_STRING, RP_K_STRING};
    static const rp_agg_spec aggs[] = {{RP_AGG_MIN, RP_K_DATETIME, 0, NULL, 0}, {RP_AGG_MAX, RP_K_DATETIME, 0, NULL, 0},
                                       {RP_AGG_MAKE_SET, RP_K_LONG, 0, NULL, 0}, {RP_AGG_COUNT, RP_K_ABSENT, 0, NULL, 0}};
    rp_groups g;
    if (!rp_groups_init(&g, key_kinds, 2, aggs, 4)) return 2;
    rp_event ev;
    int rc;
    while ((rc = rp_reader_next(&r, &ev)) != RP_READ_EOF) {
        if (rc == RP_READ_IOERR) return 2;
        if (rc != RP_READ_EVENT || ev.table != 0 || !rp_rule_meshcentral(&ev, now)) continue;
        st.matched++;
        rs.matched++;
        rs.aggregated++;
        rp_val keys[2] = {ev.v[C_DeviceId], ev.v[C_DeviceName]};
        rp_agg_in in[4] = {{&ev.v[C_Timestamp], 0, NULL}, {&ev.v[C_Timestamp], 0, NULL}, {&ev.v[C_ReportId], 0, NULL}, {NULL, 0, NULL}};
        if (!rp_groups_feed(&g, keys, in)) return 2;
    }
    static const char *const key_names[] = {"DeviceId", "DeviceName"};
    static const char *const agg_names[] = {"FirstSeen", "LastSeen", "Report", "Count"};
    rp_jw w;
    rp_jw_init(&w);
    rp_group_iter it;
    rp_groups_iter(&g, &it);
    while (rp_groups_next(&it)) {
        rp_jw_obj_begin(&w);
        rp_groups_write(&g, &it, &w, key_names, agg_names, NULL);
        rp_jw_obj_end(&w);
        rp_jw_flush_line(&w, stdout);
        st.alerts++;
        rs.alerts++;
    }
    rp_stats_print_json(&st, stderr);
    rp_jw_free(&w);
    rp_groups_free(&g);
    rp_reader_free(&r);
    return 0;
}
