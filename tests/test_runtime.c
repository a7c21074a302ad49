/* test_runtime.c: the matcher runtime against KQL-SEMANTICS.md: terms and the has family,
 * case folding, in sets, three-valued logic, between, datetimes, the event reader (escapes,
 * surrogates, routing, rejections, accounting, prefilter soundness), the JSON writer, regex
 * syntax checks and summarize groups. */
#include "rp_runtime.h"
#include "test_util.h"

#include <math.h>

/* Needle from a C literal (static storage for the folded copy, enough for these tests). */
static rp_needle N(const char *s)
{
    static char pool[1 << 16];
    static size_t used;
    size_t n = strlen(s);
    if (used + n > sizeof pool) used = 0;
    rp_needle k;
    rp_needle_make(&k, s, n, pool + used);
    used += n;
    return k;
}

static rp_str S(const char *s) { return rp_str_c(s); }

static bool has(const char *h, const char *n) { rp_needle k = N(n); return rp_has(S(h), &k, RP_CI); }
static bool has_cs(const char *h, const char *n) { rp_needle k = N(n); return rp_has(S(h), &k, RP_CS); }
static bool hasprefix(const char *h, const char *n) { rp_needle k = N(n); return rp_hasprefix(S(h), &k, RP_CI); }
static bool hassuffix(const char *h, const char *n) { rp_needle k = N(n); return rp_hassuffix(S(h), &k, RP_CI); }
static bool contains(const char *h, const char *n, rp_case c) { rp_needle k = N(n); return rp_contains(S(h), &k, c); }

static void test_has_terms(void)
{
    CU_ASSERT_TRUE(has("B A", "b"));
    CU_ASSERT_FALSE(has("BA", "b"));
    CU_ASSERT_TRUE(has("_Hello_World_", "hello"));      /* _ separates */
    CU_ASSERT_TRUE(has("abc123 x", "abc123"));           /* digits are term characters */
    CU_ASSERT_FALSE(has("abc123 x", "abc"));
    CU_ASSERT_FALSE(has("KustoExplorerQueryRun", "Explorer"));
    CU_ASSERT_TRUE(has("Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun", "c1db"));
    CU_ASSERT_TRUE(has("MeshCentral Agent", "meshcentral"));
    CU_ASSERT_FALSE(has("MeshCentralRouter", "meshcentral"));
    CU_ASSERT_TRUE(has("x.MESHCENTRAL.y", "meshcentral"));
    CU_ASSERT_TRUE(has("a\\b/c:d;e@f", "d"));
    CU_ASSERT_FALSE(has("", "a"));
    CU_ASSERT_TRUE(has("a", "A"));
    CU_ASSERT_FALSE(has_cs("a", "A"));
    CU_ASSERT_TRUE(has_cs("x MeshCentral", "MeshCentral"));
    CU_ASSERT_FALSE(has_cs("x meshcentral", "MeshCentral"));
    /* a later occurrence may be a whole term even when the first is not */
    CU_ASSERT_TRUE(has("meshcentralx meshcentral", "meshcentral"));
    CU_ASSERT_TRUE(has("xab ab", "ab"));
    /* bytes >= 0x80 are term characters (documented choice) */
    CU_ASSERT_FALSE(has("caf\xc3\xa9", "caf"));
    CU_ASSERT_TRUE(has("caf\xc3\xa9 bar", "caf\xc3\xa9"));
    /* ASCII-only folding: \xc3\x9c (U+00DC) is not folded to \xc3\xbc */
    CU_ASSERT_FALSE(has("DWSNET O\xc3\x9c", "dwsnet o\xc3\xbc"));
}

static void test_has_prefix_suffix(void)
{
    CU_ASSERT_TRUE(hasprefix("LAKE MICHIGAN", "la"));
    CU_ASSERT_TRUE(hasprefix("x LAKE", "la"));
    CU_ASSERT_FALSE(hasprefix("ALAKE", "la"));
    CU_ASSERT_TRUE(hassuffix("NORTH CAROLINA", "th"));       /* any term, not only the last */
    CU_ASSERT_FALSE(hassuffix("NORTHS", "th"));
    CU_ASSERT_TRUE(hassuffix("a_bath_c", "TH"));
    rp_needle p = N("P");
    CU_ASSERT_TRUE(rp_hasprefix(S("E PACIFIC"), &p, RP_CS));
    CU_ASSERT_FALSE(rp_hasprefix(S("E pACIFIC"), &p, RP_CS));
}

static void test_has_phrase(void)
{
    CU_ASSERT_TRUE(has("x.meshcentral.com/y", "meshcentral.com"));
    CU_ASSERT_FALSE(has("meshcentral.community", "meshcentral.com"));
    CU_ASSERT_FALSE(has("New Item", "New-Item"));
    CU_ASSERT_TRUE(has("powershell New-Item -Path", "new-item"));
    CU_ASSERT_TRUE(has("North America", "North America"));
    CU_ASSERT_TRUE(has("/resourcegroups/test.rg000001?api-version=1", "resourcegroups/test.rg000001"));
    CU_ASSERT_TRUE(has("/resourcegroups/test.rg000001?api-version=1", "/resourcegroups/test.rg000001?"));
    CU_ASSERT_FALSE(has("xresourcegroups/test.rg000001?", "resourcegroups/test.rg000001"));
    CU_ASSERT_TRUE(has("Zoho Assist", "zoho assist"));
    CU_ASSERT_FALSE(has("Zoho Assistant", "zoho assist"));
    CU_ASSERT_TRUE(hasprefix("Zoho Assistant", "zoho assist"));
    unsigned f = rp_needle_flags("meshcentral.com", 15);
    CU_ASSERT(f & RP_NF_PHRASE);
    CU_ASSERT_FALSE(rp_needle_flags("meshcentral", 11) & (RP_NF_PHRASE | RP_NF_NONASCII | RP_NF_EMPTY));
    CU_ASSERT(rp_needle_flags("O\xc3\x9c", 3) & RP_NF_NONASCII);
    CU_ASSERT(rp_needle_flags("", 0) & RP_NF_EMPTY);
    CU_ASSERT(rp_needle_flags("a/b", 3) & RP_NF_NO_PREFILTER);
}

static void test_other_ops(void)
{
    CU_ASSERT_TRUE(contains("KustoExplorerQueryRun", "explorer", RP_CI));
    CU_ASSERT_FALSE(contains("KustoExplorerQueryRun", "explorer", RP_CS));
    CU_ASSERT_TRUE(contains("KustoExplorerQueryRun", "Explorer", RP_CS));
    CU_ASSERT_TRUE(contains("aaab", "aab", RP_CI));
    CU_ASSERT_FALSE(contains("", "a", RP_CI));
    rp_needle a = N("MeshAgent.exe"), b = N("meshagent.EXE"), c = N("mesh"), d = N(".exe");
    CU_ASSERT_TRUE(rp_eq(S("MeshAgent.exe"), &a, RP_CS));
    CU_ASSERT_FALSE(rp_eq(S("MeshAgent.exe"), &b, RP_CS));
    CU_ASSERT_TRUE(rp_eq(S("MeshAgent.exe"), &b, RP_CI));
    CU_ASSERT_FALSE(rp_eq(S("MeshAgent.exe "), &b, RP_CI));
    CU_ASSERT_TRUE(rp_startswith(S("MeshAgent.exe"), &c, RP_CI));
    CU_ASSERT_FALSE(rp_startswith(S("MeshAgent.exe"), &c, RP_CS));
    CU_ASSERT_TRUE(rp_endswith(S("MeshAgent.EXE"), &d, RP_CI));
    CU_ASSERT_FALSE(rp_endswith(S("MeshAgent.EXE"), &d, RP_CS));
    CU_ASSERT_FALSE(rp_endswith(S("exe"), &d, RP_CI));
    rp_needle e = N("");
    CU_ASSERT_TRUE(rp_eq(S(""), &e, RP_CS)); /* "" == "" */
}

static void test_in_sets(void)
{
    rp_str ci_items[] = {S("meshagent.exe"), S("a"), S(""), S("meshcentral.exe")};
    rp_strset_sort(ci_items, 4);
    rp_strset ci = {ci_items, 4, RP_CI};
    CU_ASSERT_TRUE(rp_in(S("MeshAgent.EXE"), &ci));
    CU_ASSERT_TRUE(rp_in(S(""), &ci));  /* "" in ("a","") */
    CU_ASSERT_TRUE(rp_in(S("A"), &ci));
    CU_ASSERT_FALSE(rp_in(S("MeshAgent"), &ci)); /* whole value, not terms */
    rp_str cs_items[] = {S("MeshAgent.exe"), S("b")};
    rp_strset_sort(cs_items, 2);
    rp_strset cs = {cs_items, 2, RP_CS};
    CU_ASSERT_TRUE(rp_in(S("MeshAgent.exe"), &cs));
    CU_ASSERT_FALSE(rp_in(S("meshagent.exe"), &cs));
    CU_ASSERT_FALSE(rp_in(S("meshagent"), &cs));
    int64_t longs[] = {1, 5, 9};
    rp_longset ls = {longs, 3};
    rp_val v = {.i = 5}, nv = {.null = 1};
    CU_ASSERT_EQUAL(rp_in_i(&v, &ls), RP_T);
    v.i = 4;
    CU_ASSERT_EQUAL(rp_in_i(&v, &ls), RP_F);
    CU_ASSERT_EQUAL(rp_in_i(&nv, &ls), RP_F);     /* long(null) in (1,2) is false */
    CU_ASSERT_EQUAL(rp_notin_i(&nv, &ls), RP_T);  /* long(null) !in (1,2) is true */
}

static void test_has_any_all(void)
{
    rp_str terms[] = {S("anydesk"), S("meshcentral"), S("b")};
    rp_strset_sort(terms, 3);
    rp_needle phr = N("zoho assist");
    rp_hasany set = {terms, 3, &phr, 1};
    CU_ASSERT_TRUE(rp_has_any(S("MeshCentral Agent"), &set));
    CU_ASSERT_TRUE(rp_has_any(S("B A"), &set));
    CU_ASSERT_FALSE(rp_has_any(S("BA"), &set));
    CU_ASSERT_TRUE(rp_has_any(S("x Zoho Assist y"), &set));
    CU_ASSERT_FALSE(rp_has_any(S("MeshCentralRouter AnyDesk2"), &set));
    rp_needle all[] = {N("mesh"), N("agent")};
    CU_ASSERT_TRUE(rp_has_all(S("Agent of MESH"), all, 2));
    CU_ASSERT_FALSE(rp_has_all(S("MeshAgent"), all, 2));
}

static void test_three_valued(void)
{
    rp_val n = {.null = 1}, v = {.i = 5};
    CU_ASSERT_EQUAL(rp_eq_i(&n, 5), RP_F);
    CU_ASSERT_EQUAL(rp_ne_i(&n, 5), RP_T);   /* where ival != 5 keeps the null row */
    CU_ASSERT_EQUAL(rp_lt_i(&n, 5), RP_N);
    CU_ASSERT_EQUAL(rp_tv_not(RP_N), RP_N);
    CU_ASSERT_EQUAL(rp_tv_and(RP_N, RP_F), RP_F);
    CU_ASSERT_EQUAL(rp_tv_and(RP_N, RP_T), RP_N);
    CU_ASSERT_EQUAL(rp_tv_or(RP_N, RP_T), RP_T);
    CU_ASSERT_EQUAL(rp_tv_or(RP_N, RP_F), RP_N);
    CU_ASSERT_FALSE(rp_tv_where(RP_N));
    CU_ASSERT_EQUAL(rp_between_i(&v, 5, 9), RP_T);  /* inclusive */
    CU_ASSERT_EQUAL(rp_between_i(&v, 1, 5), RP_T);
    CU_ASSERT_EQUAL(rp_between_i(&v, 6, 9), RP_F);
    CU_ASSERT_EQUAL(rp_between_i(&n, 1, 9), RP_N);
    CU_ASSERT_EQUAL(rp_tv_not(rp_between_i(&n, 1, 9)), RP_N); /* !between of null drops the row */
    rp_val r = {.r = 2.5};
    CU_ASSERT_EQUAL(rp_between_r(&r, 2.5, 2.5), RP_T);
    CU_ASSERT_EQUAL(rp_bin_i(-1, 10), -10);
    CU_ASSERT_EQUAL(rp_bin_i(19, 10), 10);
}

static void test_datetime(void)
{
    int64_t t;
    char buf[48];
    CU_ASSERT_TRUE(rp_datetime_parse("0001-01-01T00:00:00Z", 20, &t));
    CU_ASSERT_EQUAL(t, 0);
    CU_ASSERT_TRUE(rp_datetime_parse("1970-01-01", 10, &t));
    CU_ASSERT_EQUAL(t, RP_TICKS_UNIX_EPOCH);
    const char *s = "2014-05-25T08:20:03.1234567Z";
    CU_ASSERT_TRUE(rp_datetime_parse(s, strlen(s), &t));
    rp_datetime_format(t, buf);
    CU_ASSERT_STRING_EQUAL(buf, "2014-05-25T08:20:03.1234567Z");
    s = "2015-12-31 23:59:59.9";
    CU_ASSERT_TRUE(rp_datetime_parse(s, strlen(s), &t));
    rp_datetime_format(t, buf);
    CU_ASSERT_STRING_EQUAL(buf, "2015-12-31T23:59:59.9Z");
    s = "2026-11-27T12:00:00+02:00";
    CU_ASSERT_TRUE(rp_datetime_parse(s, strlen(s), &t));
    rp_datetime_format(t, buf);
    CU_ASSERT_STRING_EQUAL(buf, "2026-11-27T10:00:00Z");
    s = "2024-02-29T00:00";
    CU_ASSERT_TRUE(rp_datetime_parse(s, strlen(s), &t));
    CU_ASSERT_FALSE(rp_datetime_parse("2023-02-29", 10, &t));
    CU_ASSERT_FALSE(rp_datetime_parse("2023-13-01", 10, &t));
    CU_ASSERT_FALSE(rp_datetime_parse("2023-01-01T25:00", 16, &t));
    CU_ASSERT_FALSE(rp_datetime_parse("2023-01-01x", 11, &t));
    CU_ASSERT_FALSE(rp_datetime_parse("2023-01-01T10:00:00.", 20, &t));
    /* 8 fraction digits: the 8th is below a tick and dropped */
    s = "2023-01-01T00:00:00.12345678Z";
    CU_ASSERT_TRUE(rp_datetime_parse(s, strlen(s), &t));
    rp_datetime_format(t, buf);
    CU_ASSERT_STRING_EQUAL(buf, "2023-01-01T00:00:00.1234567Z");
    CU_ASSERT_TRUE(rp_timespan_parse("1.02:03:04.5", 12, &t));
    CU_ASSERT_EQUAL(t, RP_TICKS_PER_DAY + 2 * RP_TICKS_PER_HOUR + 3 * RP_TICKS_PER_MINUTE + 4 * RP_TICKS_PER_SECOND + 5000000);
    rp_timespan_format(t, buf);
    CU_ASSERT_STRING_EQUAL(buf, "1.02:03:04.5000000");
    rp_timespan_format(-5 * RP_TICKS_PER_MINUTE, buf);
    CU_ASSERT_STRING_EQUAL(buf, "-00:05:00");
}

static void test_numbers(void)
{
    int64_t i;
    double r;
    char buf[40];
    CU_ASSERT_TRUE(rp_long_parse("-9223372036854775808", 20, &i));
    CU_ASSERT_EQUAL(i, INT64_MIN);
    CU_ASSERT_FALSE(rp_long_parse("9223372036854775808", 19, &i));
    CU_ASSERT_TRUE(rp_long_parse("1e3", 3, &i));
    CU_ASSERT_EQUAL(i, 1000);
    CU_ASSERT_FALSE(rp_long_parse("1.5", 3, &i));
    CU_ASSERT_FALSE(rp_long_parse("12a", 3, &i));
    CU_ASSERT_FALSE(rp_long_parse("012", 3, &i));
    /* bool text: the whole text, any ASCII case */
    CU_ASSERT_TRUE(rp_bool_parse("TRUE", 4, &i));
    CU_ASSERT_EQUAL(i, 1);
    CU_ASSERT_TRUE(rp_bool_parse("fAlSe", 5, &i));
    CU_ASSERT_EQUAL(i, 0);
    CU_ASSERT_FALSE(rp_bool_parse("truex", 5, &i));
    CU_ASSERT_FALSE(rp_bool_parse("tru", 3, &i));
    CU_ASSERT_FALSE(rp_bool_parse("1", 1, &i));
    CU_ASSERT_FALSE(rp_bool_parse("", 0, &i));
    CU_ASSERT_TRUE(rp_real_parse("0.1", 3, &r));
    rp_real_format(r, buf);
    CU_ASSERT_STRING_EQUAL(buf, "0.1");
    rp_real_format(1.0 / 3.0, buf);
    CU_ASSERT_STRING_EQUAL(buf, "0.3333333333333333");
    rp_real_format(NAN, buf);
    CU_ASSERT_STRING_EQUAL(buf, "NaN");
}

/* ---------------------------------------------------------------- reader */

static const char *const cols[] = {"Timestamp", "ProcessVersionInfoProductName", "DeviceName", "ReportId", "Score",
                                   "IsRemote", "AdditionalFields", "Missing"};
static const char *const tables[] = {"DeviceProcessEvents", "DeviceEvents"};
static const unsigned char kinds[] = {
    RP_K_DATETIME, RP_K_STRING, RP_K_STRING, RP_K_LONG, RP_K_REAL, RP_K_BOOL, RP_K_DYNAMIC, RP_K_LONG,
    RP_K_DATETIME, RP_K_STRING, RP_K_STRING, RP_K_LONG, RP_K_ABSENT, RP_K_ABSENT, RP_K_ABSENT, RP_K_ABSENT};
static const rp_layout layout = {cols, 8, tables, 2, kinds};

static int parse(rp_reader *r, const char *line, rp_event *ev) { return rp_reader_parse_line(r, line, strlen(line), ev); }

static bool val_is(const rp_val *v, const char *s) { return v->s.len == strlen(s) && memcmp(v->s.ptr, s, v->s.len) == 0; }

static void test_reader_values(void)
{
    rp_stats st = {0};
    rp_reader r;
    rp_event ev;
    CU_ASSERT_FATAL(rp_reader_init(&r, &layout, NULL, &st));
    const char *line = " { \"Type\" : \"DeviceProcessEvents\" ,\"Timestamp\":\"2026-11-27T10:00:00.5Z\","
                       "\"Other\":{\"a\":[1,2,{\"b\":\"}\"}]},\"ProcessVersionInfoProductName\":\"MeshCentral Agent\","
                       "\"ReportId\":\"123\",\"Score\":1.5e1,\"IsRemote\":true,\"AdditionalFields\":{\"x\": [1]},"
                       "\"DeviceName\":\"pc\\\"1\\\\ \\u00e9\\ud83d\\ude00\\ud800x\"}\t";
    CU_ASSERT_EQUAL_FATAL(parse(&r, line, &ev), RP_READ_EVENT);
    CU_ASSERT_EQUAL(ev.table, 0);
    CU_ASSERT_FALSE(ev.v[0].null);
    char buf[48];
    rp_datetime_format(ev.v[0].i, buf);
    CU_ASSERT_STRING_EQUAL(buf, "2026-11-27T10:00:00.5Z");
    CU_ASSERT_TRUE(val_is(&ev.v[1], "MeshCentral Agent"));
    CU_ASSERT_PTR_EQUAL(ev.v[1].s.ptr, strstr(line, "MeshCentral Agent")); /* zero-copy */
    CU_ASSERT_TRUE(val_is(&ev.v[2], "pc\"1\\ \xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx"));
    CU_ASSERT_EQUAL(ev.v[3].i, 123);            /* "123" in a long column */
    CU_ASSERT_FALSE(ev.v[3].null);
    CU_ASSERT_DOUBLE_EQUAL(ev.v[4].r, 15.0, 0);
    CU_ASSERT_EQUAL(ev.v[5].i, 1);
    CU_ASSERT_TRUE(val_is(&ev.v[6], "{\"x\": [1]}")); /* dynamic: raw JSON */
    CU_ASSERT_TRUE(ev.v[7].null);               /* missing long: null */
    /* missing string is "", never NULL; bad long -> null and counted */
    CU_ASSERT_EQUAL_FATAL(parse(&r, "{\"Type\":\"DeviceProcessEvents\",\"ReportId\":\"12x\",\"Score\":null,\"IsRemote\":\"FALSE\"}", &ev),
                          RP_READ_EVENT);
    CU_ASSERT_FALSE(ev.v[5].null); /* a bool column's string "FALSE" */
    CU_ASSERT_EQUAL(ev.v[5].i, 0);
    CU_ASSERT_PTR_NOT_NULL(ev.v[1].s.ptr);
    CU_ASSERT_EQUAL(ev.v[1].s.len, 0);
    CU_ASSERT_TRUE(ev.v[3].null);
    CU_ASSERT_TRUE(ev.v[3].bad);
    CU_ASSERT_TRUE(ev.v[4].null);
    CU_ASSERT_FALSE(ev.v[4].bad);
    CU_ASSERT_EQUAL(st.bad_values, 1);
    /* escaped key; column absent from the second table reads as missing */
    CU_ASSERT_EQUAL_FATAL(parse(&r, "{\"\\u0054ype\":\"DeviceEvents\",\"\\u0053core\":2,\"Device\\u004eame\":\"x\"}", &ev), RP_READ_EVENT);
    CU_ASSERT_EQUAL(ev.table, 1);
    CU_ASSERT_TRUE(val_is(&ev.v[2], "x"));
    CU_ASSERT_TRUE(ev.v[4].null);
    /* duplicate keys: the last wins */
    CU_ASSERT_EQUAL_FATAL(parse(&r, "{\"Type\":\"DeviceEvents\",\"DeviceName\":\"a\",\"DeviceName\":\"b\"}", &ev), RP_READ_EVENT);
    CU_ASSERT_TRUE(val_is(&ev.v[2], "b"));
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    rp_reader_free(&r);
}

static void test_reader_rejects(void)
{
    rp_stats st = {0};
    rp_reader r;
    rp_event ev;
    CU_ASSERT_FATAL(rp_reader_init(&r, &layout, NULL, &st));
    const char *bad[] = {"[1]", "{", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":tru}", "{\"a\":\"x\ty\"}", "{\"a\":\"\\x\"}",
                         "{\"a\":\"\\u12g4\"}", "{\"a\":1} x", "{\"a\":01}", "{\"a\":-}", "{\"a\":[1,]}", "{\"a\":\"b}",
                         "{'a':1}", "{\"a\":1}{}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = parse(&r, bad[i], &ev);
        if (rc != RP_READ_REJECT || r.last_reject != RP_REJ_INVALID_JSON) fprintf(stderr, "\naccepted: %s\n", bad[i]);
        CU_ASSERT_EQUAL(rc, RP_READ_REJECT);
    }
    CU_ASSERT_EQUAL(st.rejected[RP_REJ_INVALID_JSON], sizeof bad / sizeof *bad);
    CU_ASSERT_EQUAL(parse(&r, "{\"DeviceName\":\"x\"}", &ev), RP_READ_REJECT);
    CU_ASSERT_EQUAL(r.last_reject, RP_REJ_NO_TABLE);
    CU_ASSERT_EQUAL(parse(&r, "{\"Type\":5}", &ev), RP_READ_REJECT);
    CU_ASSERT_EQUAL(r.last_reject, RP_REJ_BAD_TYPE);
    CU_ASSERT_EQUAL(parse(&r, "{\"Type\":\"SigninLogs\"}", &ev), RP_READ_SKIP);
    CU_ASSERT_EQUAL(st.other_table, 1);
    CU_ASSERT_EQUAL(parse(&r, "  \t ", &ev), RP_READ_SKIP);
    CU_ASSERT_EQUAL(st.blank, 1);
    /* nesting beyond the limit is rejected, not a stack overflow */
    char deep[2 * RP_MAX_JSON_DEPTH + 64];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"a\":");
    for (int i = 0; i < RP_MAX_JSON_DEPTH + 5; i++) deep[n++] = '[';
    deep[n] = 0;
    CU_ASSERT_EQUAL(parse(&r, deep, &ev), RP_READ_REJECT);
    /* --table routes events without Type */
    CU_ASSERT_TRUE(rp_reader_set_table(&r, "DeviceEvents"));
    CU_ASSERT_EQUAL(parse(&r, "{\"DeviceName\":\"x\"}", &ev), RP_READ_EVENT);
    CU_ASSERT_EQUAL(ev.table, 1);
    CU_ASSERT_EQUAL(parse(&r, "{\"Type\":\"DeviceProcessEvents\"}", &ev), RP_READ_EVENT); /* Type wins */
    CU_ASSERT_EQUAL(ev.table, 0);
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    CU_ASSERT_EQUAL(st.lines_read, sizeof bad / sizeof *bad + 7);
    st.evaluated++; /* the check must notice a bucket that does not add up */
    CU_ASSERT_FALSE(rp_stats_consistent(&st));
    rp_reader_free(&r);
}

/* Per-rule accounting: a filter rule adds `alerts`, a tail rule `aggregated`, also when the tail
 * emits a row on empty input (count, summarize without by) and nothing matched. */
static void test_rule_accounting(void)
{
    uint64_t supp[2] = {0, 0};
    const char *names[2] = {"a", "b"};
    rp_rule_stats rules[2] = {{.rule_id = "filter", .suppressed = supp, .excl_names = names, .nexcl = 1},
                              {.rule_id = "count", .suppressed = supp + 1, .excl_names = names + 1, .nexcl = 1, .has_tail = true}};
    rp_stats st = {.lines_read = 3, .evaluated = 3, .rules = rules, .nrules = 2};
    rules[1].alerts = 1; /* `count` on no match: one row, Count = 0 */
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    rules[1].has_tail = false; /* read as a filter rule, one alert from nothing matched is wrong */
    CU_ASSERT_FALSE(rp_stats_consistent(&st));
    rules[1].has_tail = true;
    rules[0].matched = 2, rules[0].alerts = 1, supp[0] = 1; /* one alert, one suppressed */
    rules[1].matched = 3, rules[1].aggregated = 2, supp[1] = 1;
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    supp[1] = 0; /* a suppressed event not counted */
    CU_ASSERT_FALSE(rp_stats_consistent(&st));
}

static void test_reader_stream(void)
{
    rp_stats st = {0};
    rp_reader r;
    rp_event ev;
    FILE *f = tmpfile();
    CU_ASSERT_FATAL(f != NULL);
    fputs("{\"Type\":\"DeviceEvents\",\"DeviceName\":\"one\"}\n\n", f);
    fputc('{', f);
    fputs("\"DeviceName\":\"", f);
    for (size_t i = 0; i < RP_MAX_EVENT_LINE; i += 64) fputs("0123456789012345678901234567890123456789012345678901234567890123", f);
    fputs("\"}\nnot json\r\n{\"Type\":\"DeviceEvents\",\"DeviceName\":\"two\"}", f); /* no final newline */
    rewind(f);
    CU_ASSERT_FATAL(rp_reader_init(&r, &layout, f, &st));
    CU_ASSERT_EQUAL(rp_reader_next(&r, &ev), RP_READ_EVENT);
    CU_ASSERT_TRUE(val_is(&ev.v[2], "one"));
    CU_ASSERT_EQUAL(rp_reader_next(&r, &ev), RP_READ_REJECT);
    CU_ASSERT_EQUAL(r.last_reject, RP_REJ_TOO_LONG);
    CU_ASSERT_EQUAL(r.lineno, 3);
    CU_ASSERT_EQUAL(rp_reader_next(&r, &ev), RP_READ_REJECT);
    CU_ASSERT_EQUAL(r.last_reject, RP_REJ_INVALID_JSON);
    CU_ASSERT_EQUAL(rp_reader_next(&r, &ev), RP_READ_EVENT);
    CU_ASSERT_TRUE(val_is(&ev.v[2], "two"));
    CU_ASSERT_EQUAL(ev.lineno, 5);
    CU_ASSERT_EQUAL(rp_reader_next(&r, &ev), RP_READ_EOF);
    CU_ASSERT_EQUAL(st.lines_read, 5);
    CU_ASSERT_EQUAL(st.blank, 1);
    CU_ASSERT_EQUAL(st.rejected[RP_REJ_TOO_LONG], 1);
    CU_ASSERT_EQUAL(st.evaluated, 2);
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    CU_ASSERT(r.cap <= 2 * (size_t)RP_MAX_EVENT_LINE + ((size_t)16 << 20)); /* memory stays bounded */
    rp_reader_free(&r);
    fclose(f);
}

static void test_prefilter(void)
{
    rp_stats st = {0};
    rp_reader r;
    rp_event ev;
    CU_ASSERT_FATAL(rp_reader_init(&r, &layout, NULL, &st));
    rp_needle lit = N("meshcentral");
    CU_ASSERT_TRUE(rp_reader_set_prefilter(&r, &lit, 1, true));
    const char *miss = "{\"Type\":\"DeviceProcessEvents\",\"ProcessVersionInfoProductName\":\"Chrome browser with a long name to cover SIMD blocks\"}";
    CU_ASSERT_EQUAL(parse(&r, miss, &ev), RP_READ_SKIP);
    CU_ASSERT_EQUAL(st.prefiltered, 1);
    CU_ASSERT_EQUAL(parse(&r, "{\"Type\":\"DeviceProcessEvents\",\"ProcessVersionInfoProductName\":\"x MESHCENTRAL Agent padding padding\"}", &ev), RP_READ_EVENT);
    CU_ASSERT_EQUAL(parse(&r, "{\"Type\":\"DeviceProcessEvents\",\"ProcessVersionInfoProductName\":\"MeshCentral\"}", &ev), RP_READ_EVENT);
    /* the literal spelled with \u escapes must reach the rule */
    const char *esc = "{\"Type\":\"DeviceProcessEvents\",\"ProcessVersionInfoProductName\":\"\\u004deshCentral Agent and more padding\"}";
    CU_ASSERT_EQUAL_FATAL(parse(&r, esc, &ev), RP_READ_EVENT);
    rp_needle k = N("meshcentral");
    CU_ASSERT_TRUE(rp_has(ev.v[1].s, &k, RP_CI));
    /* an escaped backslash followed by u is not an escape: still prefiltered */
    const char *path = "{\"Type\":\"DeviceProcessEvents\",\"FolderPath\":\"c:\\\\users\\\\x and enough text to fill blocks\"}";
    CU_ASSERT_EQUAL(parse(&r, path, &ev), RP_READ_SKIP);
    const char *path2 = "{\"Type\":\"DeviceProcessEvents\",\"FolderPath\":\"c:\\\\\\u0075sers and enough text to fill blocks\"}";
    CU_ASSERT_EQUAL(parse(&r, path2, &ev), RP_READ_EVENT);
    /* literals with characters JSON may escape cannot prefilter */
    rp_needle bad = N("a/b");
    CU_ASSERT_FALSE(rp_reader_set_prefilter(&r, &bad, 1, true));
    CU_ASSERT_EQUAL(parse(&r, miss, &ev), RP_READ_EVENT);
    /* literal at every offset of a long line, across SIMD block edges */
    char line[256];
    for (int off = 0; off < 150; off++) {
        memset(line, 'x', sizeof line);
        memcpy(line + off, "mEsHcEnTrAl", 11);
        CU_ASSERT_TRUE(rp_prefilter_may_match(&(rp_prefilter){&lit, 1, true, NULL}, line, 200));
        CU_ASSERT_FALSE(rp_prefilter_may_match(&(rp_prefilter){&lit, 1, true, NULL}, line, (size_t)off + 10));
    }
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    rp_reader_free(&r);
}

/* ---------------------------------------------------------------- writer, regex, groups */

static void test_json_writer(void)
{
    rp_jw w;
    rp_jw_init(&w);
    rp_jw_obj_begin(&w);
    rp_jw_key(&w, "a");
    rp_jw_str(&w, (rp_str){"q\"b\\c\n\x01\xe2\x80\xa8\xff\xc3\xa9", 13});
    rp_jw_key(&w, "n");
    rp_jw_long(&w, -5);
    rp_jw_key(&w, "arr");
    rp_jw_arr_begin(&w);
    rp_jw_bool(&w, true);
    rp_jw_null(&w);
    rp_jw_real(&w, 0.5);
    rp_jw_arr_end(&w);
    rp_val dt = {.i = RP_TICKS_UNIX_EPOCH};
    rp_jw_key(&w, "t");
    rp_jw_val(&w, &dt, RP_K_DATETIME);
    rp_jw_obj_end(&w);
    CU_ASSERT_EQUAL_FATAL(w.len, strlen("{\"a\":\"q\\\"b\\\\c\\n\\u0001\\u2028\\ufffd\xc3\xa9\",\"n\":-5,\"arr\":[true,null,0.5],\"t\":\"1970-01-01T00:00:00Z\"}"));
    CU_ASSERT_EQUAL(memcmp(w.buf, "{\"a\":\"q\\\"b\\\\c\\n\\u0001\\u2028\\ufffd\xc3\xa9\",\"n\":-5,\"arr\":[true,null,0.5],\"t\":\"1970-01-01T00:00:00Z\"}", w.len), 0);
    rp_jw_free(&w);
    char out[16];
    CU_ASSERT_EQUAL(rp_json_escape((rp_str){"\xc0\xaf", 2}, out, sizeof out), 12); /* overlong: 2 x \ufffd */
    CU_ASSERT_EQUAL(rp_json_escape((rp_str){"\xed\xa0\x80", 3}, out, sizeof out), 18); /* surrogate encoded */
}

static void test_regex(void)
{
    char err[200];
    size_t off;
    const char *ok[] = {"K.*S", "(?i)mesh", "^a[0-9]+$", "\\d+\\.\\w", "(?P<n>a)|b", "[[:alpha:]]x", "a{2,3}", "\\x{41}", "[^]a]", "\\bx\\b"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        bool r = rp_regex_check(ok[i], strlen(ok[i]), err, sizeof err, &off);
        if (!r) fprintf(stderr, "\nrejected %s: %s\n", ok[i], err);
        CU_ASSERT_TRUE(r);
    }
    struct { const char *pat; size_t off; } bad[] = {{"(a)\\1", 3}, {"a(?=b)", 1}, {"(?<!a)b", 0}, {"(?>a)", 0}, {"a*+", 2}, {"\\C", 0},
                                                     {"(?R)", 0}, {"(?C1)a", 0}, {"(?(1)a|b)", 0}, {"(*FAIL)", 0}, {"a\\Kb", 1},
                                                     {"\\k<n>", 0}, {"(?#c)", 0}, {"a(", 2}, {"[a-z&&b]", 4}, {"\\u0041", 0}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bool r = rp_regex_check(bad[i].pat, strlen(bad[i].pat), err, sizeof err, &off);
        if (r) fprintf(stderr, "\naccepted %s\n", bad[i].pat);
        CU_ASSERT_FALSE(r);
        CU_ASSERT_EQUAL(off, bad[i].off);
        CU_ASSERT(strlen(err) > 0);
    }
    rp_regex re;
    CU_ASSERT_FATAL(rp_regex_init(&re, "K.*S", 4, err, sizeof err));
    CU_ASSERT_TRUE(rp_regex_match(&re, S("ARKANSAS")));
    CU_ASSERT_FALSE(rp_regex_match(&re, S("arkansas")));
    CU_ASSERT_TRUE(rp_regex_match(&re, (rp_str){"x\xff" "KAS", 5})); /* invalid UTF-8 tolerated */
    rp_regex_free(&re);
    CU_ASSERT_FATAL(rp_regex_init(&re, "a$", 2, err, sizeof err));
    CU_ASSERT_FALSE(rp_regex_match(&re, S("a\n"))); /* $ only at the very end, as in Rust */
    rp_regex_free(&re);
}

static void test_groups(void)
{
    rp_kind keyk[] = {RP_K_STRING};
    rp_kind extra_k[] = {RP_K_STRING};
    rp_agg_spec aggs[] = {{RP_AGG_MIN, RP_K_DATETIME, 0, NULL, 0}, {RP_AGG_MAX, RP_K_DATETIME, 0, NULL, 0},
                          {RP_AGG_MAKE_SET, RP_K_LONG, 0, NULL, 0},  {RP_AGG_COUNT, RP_K_ABSENT, 0, NULL, 0},
                          {RP_AGG_DCOUNT, RP_K_LONG, 0, NULL, 0},    {RP_AGG_ARG_MAX, RP_K_LONG, 1, extra_k, 0},
                          {RP_AGG_AVG, RP_K_LONG, 0, NULL, 0},       {RP_AGG_MAKE_LIST, RP_K_STRING, 0, NULL, 2}};
    rp_groups g;
    CU_ASSERT_FATAL(rp_groups_init(&g, keyk, 1, aggs, 8));
    struct { const char *dev; int64_t t; int64_t rep; bool repnull; const char *name; } rows[] = {
        {"d1", 30, 7, false, "a"}, {"d2", 5, 1, false, "b"}, {"d1", 10, 7, false, "c"}, {"d1", 20, 9, false, "d"}, {"d1", 40, 0, true, "e"}};
    for (size_t i = 0; i < 5; i++) {
        char keybuf[8];
        strcpy(keybuf, rows[i].dev); /* reused buffer: the table must copy */
        rp_val key = {.s = S(keybuf)};
        rp_val t = {.i = rows[i].t}, rep = {.i = rows[i].rep, .null = rows[i].repnull}, name = {.s = S(rows[i].name)};
        rp_agg_in in[8] = {{&t, 0, NULL}, {&t, 0, NULL}, {&rep, 0, NULL}, {NULL, 0, NULL}, {&rep, 0, NULL}, {&rep, 0, &name}, {&rep, 0, NULL}, {&name, 0, NULL}};
        CU_ASSERT_TRUE(rp_groups_feed(&g, &key, in));
        memset(keybuf, 'Z', 2);
    }
    const char *names[] = {"FirstSeen", "LastSeen", "Report", "Count", "D", "M", "Avg", "L"};
    const char *keyn[] = {"DeviceId"};
    const char *extra1[] = {"Name"};
    const char *const *extra[] = {NULL, NULL, NULL, NULL, NULL, extra1, NULL, NULL};
    rp_group_iter it;
    rp_groups_iter(&g, &it);
    rp_jw w;
    rp_jw_init(&w);
    const char *expect[] = {"{\"DeviceId\":\"d1\",\"FirstSeen\":\"0001-01-01T00:00:00.000001Z\",\"LastSeen\":\"0001-01-01T00:00:00.000004Z\","
                            "\"Report\":[7,9],\"Count\":4,\"D\":2,\"M\":9,\"Name\":\"d\",\"Avg\":7.666666666666667,\"L\":[\"a\",\"c\"]}",
                            "{\"DeviceId\":\"d2\",\"FirstSeen\":\"0001-01-01T00:00:00.0000005Z\",\"LastSeen\":\"0001-01-01T00:00:00.0000005Z\","
                            "\"Report\":[1],\"Count\":1,\"D\":1,\"M\":1,\"Name\":\"b\",\"Avg\":1,\"L\":[\"b\"]}"};
    size_t k = 0;
    while (rp_groups_next(&it)) {
        rp_jw_obj_begin(&w);
        rp_groups_write(&g, &it, &w, keyn, names, extra);
        rp_jw_obj_end(&w);
        CU_ASSERT_FATAL(k < 2);
        if (w.len != strlen(expect[k]) || memcmp(w.buf, expect[k], w.len) != 0) fprintf(stderr, "\ngot %.*s\n", (int)w.len, w.buf);
        CU_ASSERT(w.len == strlen(expect[k]) && memcmp(w.buf, expect[k], w.len) == 0);
        rp_jw_reset(&w);
        k++;
    }
    CU_ASSERT_EQUAL(k, 2);
    rp_jw_free(&w);
    rp_groups_free(&g);
}

/* The getters read back exactly what rp_groups_write prints; a NULL group gives the defaults. */
/* Aggregates over dynamic values (the make_set/make_list pages): nulls (no value or JSON null)
 * are ignored; make_set of an array adds its elements ("Set from array column"), one level;
 * make_list keeps an array as one element; an object is one element. */
static void test_groups_dynamic(void)
{
    rp_kind keyk[] = {RP_K_STRING};
    rp_agg_spec aggs[] = {{RP_AGG_MAKE_SET, RP_K_DYNAMIC, 0, NULL, 0},
                          {RP_AGG_MAKE_LIST, RP_K_DYNAMIC, 0, NULL, 0},
                          {RP_AGG_DCOUNT, RP_K_DYNAMIC, 0, NULL, 0}};
    rp_groups g;
    CU_ASSERT_FATAL(rp_groups_init(&g, keyk, 1, aggs, 3));
    const char *vals[] = {"[1,\"two\",null]", "null", " null ", NULL, "{\"a\":[1]}", "[1,[3]]", "\"two\"", "[]"};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        rp_val key = {.s = S("k")};
        rp_val v = vals[i] ? (rp_val){.s = S(vals[i])} : (rp_val){.s = S(""), .null = 1};
        rp_agg_in in[3] = {{&v, 0, NULL}, {&v, 0, NULL}, {&v, 0, NULL}};
        CU_ASSERT_TRUE(rp_groups_feed(&g, &key, in));
    }
    rp_jw w;
    rp_jw_init(&w);
    rp_group_iter it;
    rp_groups_iter(&g, &it);
    CU_ASSERT_TRUE_FATAL(rp_groups_next(&it));
    const char *keyn[] = {"K"}, *names[] = {"set", "list", "dc"};
    const char *const *extra[3] = {NULL, NULL, NULL};
    rp_jw_obj_begin(&w);
    rp_groups_write(&g, &it, &w, keyn, names, extra);
    rp_jw_obj_end(&w);
    const char *want = "{\"K\":\"k\",\"set\":[1,\"two\",{\"a\":[1]},[3]],"
                       "\"list\":[[1,\"two\",null],{\"a\":[1]},[1,[3]],\"two\",[]],\"dc\":5}";
    if (w.len != strlen(want) || memcmp(w.buf, want, w.len) != 0) fprintf(stderr, "\ngot  %.*s\nwant %s\n", (int)w.len, w.buf, want);
    CU_ASSERT(w.len == strlen(want) && memcmp(w.buf, want, w.len) == 0);
    rp_jw_free(&w);
    rp_groups_free(&g);
}

static void test_groups_read(void)
{
    rp_kind keyk[] = {RP_K_STRING, RP_K_LONG};
    rp_kind extra_k[] = {RP_K_STRING};
    rp_agg_spec aggs[] = {{RP_AGG_COUNT, RP_K_ABSENT, 0, NULL, 0}, {RP_AGG_SUM, RP_K_REAL, 0, NULL, 0},
                          {RP_AGG_SUM, RP_K_LONG, 0, NULL, 0},     {RP_AGG_AVG, RP_K_LONG, 0, NULL, 0},
                          {RP_AGG_MAX, RP_K_STRING, 0, NULL, 0},   {RP_AGG_MIN, RP_K_LONG, 0, NULL, 0},
                          {RP_AGG_MAKE_SET, RP_K_LONG, 0, NULL, 0}, {RP_AGG_ARG_MIN, RP_K_LONG, 1, extra_k, 0},
                          {RP_AGG_DCOUNT, RP_K_LONG, 0, NULL, 0},  {RP_AGG_COUNTIF, RP_K_BOOL, 0, NULL, 0}};
    enum { NA = 10 };
    rp_groups g;
    CU_ASSERT_FATAL(rp_groups_init(&g, keyk, 2, aggs, NA));
    struct { const char *k; int64_t n; bool nnull; double r; const char *name; } rows[] = {
        {"a", 3, false, 1.5, "x"}, {"b", 0, true, 2, "y"}, {"a", 1, false, -0.5, "z"}, {"a", 3, false, 0, "w"}};
    for (size_t i = 0; i < 4; i++) {
        rp_val keys[2] = {{.s = S(rows[i].k)}, {.i = 1, .null = i == 1}};
        rp_val n = {.i = rows[i].n, .null = rows[i].nnull}, r = {.r = rows[i].r}, name = {.s = S(rows[i].name)};
        rp_agg_in in[NA] = {{NULL, 0, NULL}, {&r, 0, NULL},  {&n, 0, NULL}, {&n, 0, NULL}, {&name, 0, NULL},
                            {&n, 0, NULL},   {&n, 0, NULL},  {&n, 0, &name}, {&n, 0, NULL}, {&n, i != 2, NULL}};
        CU_ASSERT_TRUE(rp_groups_feed(&g, keys, in));
    }
    const char *names[NA] = {"c", "sr", "sl", "avg", "mx", "mn", "set", "am", "dc", "ci"};
    const char *keyn[] = {"K", "N"};
    const char *extra1[] = {"Name"};
    const char *const *extra[NA] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, extra1, NULL, NULL};
    rp_kind kinds[NA] = {RP_K_LONG, RP_K_REAL, RP_K_LONG, RP_K_REAL, RP_K_STRING, RP_K_LONG, RP_K_DYNAMIC, RP_K_LONG, RP_K_LONG, RP_K_LONG};
    for (size_t a = 0; a < NA; a++) CU_ASSERT_EQUAL(rp_groups_agg_kind(&g, a), kinds[a]);
    rp_jw w, v, tmp;
    rp_jw_init(&w);
    rp_jw_init(&v);
    rp_jw_init(&tmp);
    rp_group_iter it;
    rp_groups_iter(&g, &it);
    size_t ngroups = 0;
    /* the last pass has cur == NULL: the empty-input row (no keys written then) */
    for (int last = 0; !last;) {
        if (!rp_groups_next(&it)) last = 1;
        rp_jw_obj_begin(&w);
        rp_jw_obj_begin(&v);
        if (!last) {
            rp_groups_write(&g, &it, &w, keyn, names, extra);
            for (size_t k = 0; k < 2; k++) {
                rp_jw_key(&v, keyn[k]);
                rp_jw_val(&v, rp_groups_key(&g, &it, k), keyk[k]);
            }
        } else {
            for (size_t a = 0; a < NA; a++) {
                rp_jw_key(&w, names[a]);
                const char *d[NA] = {"0", "0", "0", "null", "\"\"", "null", "[]", "null", "0", "0"};
                rp_jw_raw(&w, (rp_str){d[a], strlen(d[a])});
                if (extra[a]) {
                    rp_jw_key(&w, extra[a][0]);
                    rp_jw_cstr(&w, "");
                }
            }
        }
        for (size_t a = 0; a < NA; a++) {
            rp_val out;
            rp_groups_agg(&g, &it, a, &tmp, &out);
            rp_jw_key(&v, names[a]);
            rp_jw_val(&v, &out, rp_groups_agg_kind(&g, a));
            for (size_t e = 0; e < aggs[a].nextra; e++) {
                rp_groups_extra(&g, &it, a, e, &out);
                rp_jw_key(&v, extra[a][e]);
                rp_jw_val(&v, &out, aggs[a].extra_kinds[e]);
            }
        }
        rp_jw_obj_end(&w);
        rp_jw_obj_end(&v);
        if (w.len != v.len || memcmp(w.buf, v.buf, w.len) != 0) fprintf(stderr, "\nwrite %.*s\nread  %.*s\n", (int)w.len, w.buf, (int)v.len, v.buf);
        CU_ASSERT(w.len == v.len && memcmp(w.buf, v.buf, w.len) == 0);
        rp_jw_reset(&w);
        rp_jw_reset(&v);
        ngroups += !last;
    }
    CU_ASSERT_EQUAL(ngroups, 2);
    /* explicit values of the first group ("a", 1): 3 rows */
    rp_groups_iter(&g, &it);
    CU_ASSERT_FATAL(rp_groups_next(&it));
    rp_val out;
    CU_ASSERT_EQUAL(rp_groups_key(&g, &it, 0)->s.len, 1);
    rp_groups_agg(&g, &it, 0, &tmp, &out);
    CU_ASSERT(!out.null && out.i == 3);
    rp_groups_agg(&g, &it, 1, &tmp, &out);
    CU_ASSERT(!out.null && out.r == 1.0);
    rp_groups_agg(&g, &it, 4, &tmp, &out);
    CU_ASSERT(out.s.len == 1 && out.s.ptr[0] == 'z');
    rp_groups_agg(&g, &it, 6, &tmp, &out);
    CU_ASSERT(out.s.len == 5 && memcmp(out.s.ptr, "[3,1]", 5) == 0);
    rp_groups_agg(&g, &it, 7, &tmp, &out);
    CU_ASSERT(!out.null && out.i == 1);
    rp_groups_extra(&g, &it, 7, 0, &out);
    CU_ASSERT(out.s.len == 1 && out.s.ptr[0] == 'z');
    rp_groups_agg(&g, &it, 9, &tmp, &out);
    CU_ASSERT(!out.null && out.i == 2);
    /* the second group ("b", null key) saw only a null value: avg and min are null, sum 0 */
    CU_ASSERT_FATAL(rp_groups_next(&it));
    CU_ASSERT(rp_groups_key(&g, &it, 1)->null);
    rp_groups_agg(&g, &it, 3, &tmp, &out);
    CU_ASSERT(out.null);
    rp_groups_agg(&g, &it, 5, &tmp, &out);
    CU_ASSERT(out.null);
    rp_groups_agg(&g, &it, 2, &tmp, &out);
    CU_ASSERT(!out.null && out.i == 0);
    rp_jw_free(&w);
    rp_jw_free(&v);
    rp_jw_free(&tmp);
    rp_groups_free(&g);
}


static rp_val dv(const char *json)
{
    rp_val v = {{json, strlen(json)}, 0, 0.0, 0, 0};
    if (strcmp(json, "null") == 0) v.null = 1;
    return v;
}
static int dtext_is(rp_scratch *sc, rp_val v, const char *want)
{
    rp_str t = rp_dyn_text(sc, v);
    return t.len == strlen(want) && memcmp(t.ptr, want, t.len) == 0;
}

static void test_dynamic(void)
{
    rp_scratch sc = {0};
    rp_val o = dv(" { \"a\" : [1, \"x\\\"y\", null, {\"b\":false}], \"k\\u0065y\":\"v\", \"d\":1, \"d\":\"2\", \"s\":\"{\\\"in\\\":1}\" } ");
    /* member: raw text zero-copy; escaped key names; the last duplicate; missing / non-object: null */
    rp_val a = rp_dyn_member(o, rp_str_c("a"), &sc);
    CU_ASSERT(!a.null && a.s.len == 30 && a.s.ptr[0] == '[');
    CU_ASSERT(dtext_is(&sc, rp_dyn_member(o, rp_str_c("key"), &sc), "v"));
    CU_ASSERT(dtext_is(&sc, rp_dyn_member(o, rp_str_c("d"), &sc), "2"));
    CU_ASSERT(rp_dyn_member(o, rp_str_c("zz"), &sc).null);
    CU_ASSERT(rp_dyn_member(a, rp_str_c("a"), &sc).null);
    CU_ASSERT(rp_dyn_member(dv("null"), rp_str_c("a"), &sc).null);
    CU_ASSERT(rp_dyn_member(dv("\"str\""), rp_str_c("a"), &sc).null);
    /* a JSON string holding JSON is a string: not navigable until parse_json */
    rp_val s = rp_dyn_member(o, rp_str_c("s"), &sc);
    CU_ASSERT(rp_dyn_member(s, rp_str_c("in"), &sc).null);
    rp_val ps = rp_dyn_parse(&sc, rp_dyn_text(&sc, s));
    CU_ASSERT(dtext_is(&sc, rp_dyn_member(ps, rp_str_c("in"), &sc), "1"));
    /* index: from the start, from the end, out of range, element null, not an array */
    CU_ASSERT(dtext_is(&sc, rp_dyn_index(a, 0), "1"));
    CU_ASSERT(dtext_is(&sc, rp_dyn_index(a, 1), "x\"y"));
    CU_ASSERT(rp_dyn_index(a, 2).null);
    CU_ASSERT(dtext_is(&sc, rp_dyn_member(rp_dyn_index(a, -1), rp_str_c("b"), &sc), "false"));
    CU_ASSERT(dtext_is(&sc, rp_dyn_index(a, -4), "1"));
    CU_ASSERT(rp_dyn_index(a, -5).null);
    CU_ASSERT(rp_dyn_index(a, 4).null);
    CU_ASSERT(rp_dyn_index(o, 0).null);
    CU_ASSERT(rp_dyn_index(a, INT64_MIN).null);
    /* array_length */
    CU_ASSERT(rp_dyn_array_length(a).i == 4 && !rp_dyn_array_length(a).null);
    CU_ASSERT(rp_dyn_array_length(dv("[ ]")).i == 0 && !rp_dyn_array_length(dv("[ ]")).null);
    CU_ASSERT(rp_dyn_array_length(o).null);
    /* tostring of each JSON type */
    CU_ASSERT(dtext_is(&sc, dv("null"), ""));
    CU_ASSERT(dtext_is(&sc, dv("\"a\\u00e9\\n\""), "a\xc3\xa9\n"));
    CU_ASSERT(dtext_is(&sc, dv("-0"), "0"));
    CU_ASSERT(dtext_is(&sc, dv("120"), "120"));
    CU_ASSERT(dtext_is(&sc, dv("118.0"), "118"));
    CU_ASSERT(dtext_is(&sc, dv("1.5e1"), "15"));
    CU_ASSERT(dtext_is(&sc, dv("0.1"), "0.1"));
    CU_ASSERT(dtext_is(&sc, dv("true"), "true"));
    /* arrays and objects print compactly (spacing in strings kept, escapes untouched) */
    CU_ASSERT(dtext_is(&sc, dv("[1, 2]"), "[1,2]"));
    CU_ASSERT(dtext_is(&sc, dv("[1,2]"), "[1,2]"));
    CU_ASSERT(dtext_is(&sc, dv(" {\n\t\"a b\" : [ \"x \\\" y\" , null ] } "), "{\"a b\":[\"x \\\" y\",null]}"));
    /* isempty: null and "" only */
    CU_ASSERT(rp_dyn_isempty(dv("null")) && rp_dyn_isempty(dv("\"\"")));
    CU_ASSERT(!rp_dyn_isempty(dv("[]")) && !rp_dyn_isempty(dv("0")) && !rp_dyn_isempty(dv("\" \"")));
    /* parse_json: valid JSON (whitespace trimmed, CR/LF inside made spaces), null, and not JSON */
    rp_val p = rp_dyn_parse(&sc, rp_str_c(" {\"a\":\n1} "));
    CU_ASSERT(!p.null && p.s.len == 8 && memcmp(p.s.ptr, "{\"a\": 1}", 8) == 0);
    CU_ASSERT(rp_dyn_parse(&sc, rp_str_c("null")).null);
    const char *bad[] = {"", "{", "{\"a\"}", "[1,]", "01", "1.", "tru", "\"\\x\"", "{\"a\":1} x", "'a'", "\"a\tb\"", NULL};
    for (size_t i = 0; bad[i]; i++) {
        rp_val b = rp_dyn_parse(&sc, rp_str_c(bad[i]));
        CU_ASSERT(!b.null && b.s.ptr[0] == '"');
        CU_ASSERT(dtext_is(&sc, b, bad[i])); /* tostring gives the original string back */
    }
    CU_ASSERT(dtext_is(&sc, rp_dyn_parse(&sc, rp_str_c("\"q\"")), "q"));
    CU_ASSERT(!sc.oom);
    rp_scratch_free(&sc);
}

/* split, pack_array, ipv4_is_private: the examples of their KQL pages, then edge cases. */
static int json_is(rp_val v, const char *want)
{
    return !v.null && v.s.len == strlen(want) && memcmp(v.s.ptr, want, v.s.len) == 0;
}

static void test_split_pack_ipv4(void)
{
    rp_scratch sc = {0};
#define SPLIT(s, d, i) rp_dyn_split(&sc, rp_str_c(s), rp_str_c(d), i)
    /* split-function's examples */
    CU_ASSERT(json_is(SPLIT("aa_bb", "_", -1), "[\"aa\",\"bb\"]"));
    CU_ASSERT(json_is(SPLIT("aaa_bbb_ccc", "_", 1), "[\"bbb\"]"));
    CU_ASSERT(json_is(SPLIT("", "_", -1), "[\"\"]"));
    CU_ASSERT(json_is(SPLIT("a__b", "_", -1), "[\"a\",\"\",\"b\"]"));
    CU_ASSERT(json_is(SPLIT("aabbcc", "bb", -1), "[\"aa\",\"cc\"]"));
    /* not found: the whole string; index out of range: []; leading / trailing delimiters */
    CU_ASSERT(json_is(SPLIT("abc", "_", -1), "[\"abc\"]"));
    CU_ASSERT(json_is(SPLIT("abc", "_", 0), "[\"abc\"]"));
    CU_ASSERT(json_is(SPLIT("a_b", "_", 2), "[]"));
    CU_ASSERT(json_is(SPLIT("", "_", 1), "[]"));
    CU_ASSERT(json_is(SPLIT("_a_", "_", -1), "[\"\",\"a\",\"\"]"));
    /* non-overlapping, left to right; non-ASCII delimiter; escapes in the parts */
    CU_ASSERT(json_is(SPLIT("aaa", "aa", -1), "[\"\",\"a\"]"));
    CU_ASSERT(json_is(SPLIT("x\xc3\xbcy\xc3\xbc", "\xc3\xbc", -1), "[\"x\",\"y\",\"\"]"));
    CU_ASSERT(json_is(SPLIT("C:\\a\"b\\c", "\\", 1), "[\"a\\\"b\"]"));
    CU_ASSERT(json_is(SPLIT("a\tb", " ", -1), "[\"a\\tb\"]"));
    /* the result is a dynamic the accessors read */
    CU_ASSERT(dtext_is(&sc, rp_dyn_index(SPLIT("C:\\a\"b\\c", "\\", -1), 1), "a\"b"));
    CU_ASSERT(rp_dyn_array_length(SPLIT("1.2.3.4", ".", -1)).i == 4);
    /* an empty delimiter is refused by the lowering; the runtime gives null */
    CU_ASSERT(SPLIT("abc", "", -1).null);
#undef SPLIT
    /* pack-array-function's examples: [1,2,4] and [1,"2","00:00:02"] */
    rp_val v[4] = {{{"", 0}, 1, 0, 0, 0}, {{"", 0}, 2, 0, 0, 0}, {{"", 0}, 4, 0, 0, 0}, {{"", 0}, 0, 0, 0, 0}};
    rp_kind k[4] = {RP_K_LONG, RP_K_LONG, RP_K_LONG, RP_K_LONG};
    CU_ASSERT(json_is(rp_dyn_pack(&sc, v, k, 3), "[1,2,4]"));
    v[1].s = rp_str_c("2");
    k[1] = RP_K_STRING;
    v[2].i = 2 * RP_TICKS_PER_SECOND;
    k[2] = RP_K_TIMESPAN;
    CU_ASSERT(json_is(rp_dyn_pack(&sc, v, k, 3), "[1,\"2\",\"00:00:02\"]"));
    /* bool, null of any kind, dynamic as it is (a dynamic null is null), escaped string */
    rp_val w[5] = {{{"", 0}, 1, 0, 0, 0}, {{"", 0}, 0, 0, 1, 0}, {{" [1, {\"a\":null}] ", 17}, 0, 0, 0, 0},
                   {{"null", 4}, 0, 0, 1, 0}, {{"q\"\\\n\xc3\xbc", 6}, 0, 0, 0, 0}};
    rp_kind wk[5] = {RP_K_BOOL, RP_K_LONG, RP_K_DYNAMIC, RP_K_DYNAMIC, RP_K_STRING};
    CU_ASSERT(json_is(rp_dyn_pack(&sc, w, wk, 5), "[true,null,[1, {\"a\":null}],null,\"q\\\"\\\\\\n\xc3\xbc\"]"));
    CU_ASSERT(json_is(rp_dyn_pack(&sc, w, wk, 0), "[]"));
    /* ipv4-is-private-function's examples */
#define PRIV(s) rp_ipv4_is_private(rp_str_c(s))
    CU_ASSERT(!PRIV("192.168.1.1/24").null && PRIV("192.168.1.1/24").i == 1);
    CU_ASSERT(!PRIV("10.1.2.3/24").null && PRIV("10.1.2.3/24").i == 1);
    CU_ASSERT(!PRIV("10.1.2.3").null && PRIV("10.1.2.3").i == 1);
    CU_ASSERT(!PRIV("202.1.2.3").null && PRIV("202.1.2.3").i == 0);
    CU_ASSERT(!PRIV("127.0.0.1").null && PRIV("127.0.0.1").i == 0);
    /* the ranges' ends */
    CU_ASSERT(PRIV("172.16.0.0").i == 1 && PRIV("172.31.255.255").i == 1);
    CU_ASSERT(PRIV("172.15.255.255").i == 0 && PRIV("172.32.0.0").i == 0);
    CU_ASSERT(PRIV("10.255.255.255").i == 1 && PRIV("11.0.0.0").i == 0 && PRIV("9.255.255.255").i == 0);
    CU_ASSERT(PRIV("192.168.255.255").i == 1 && PRIV("192.169.0.0").i == 0 && PRIV("192.167.255.255").i == 0);
    /* the prefix masks the address */
    CU_ASSERT(PRIV("11.0.0.1/7").i == 1 && PRIV("192.168.0.1/0").i == 0 && PRIV("172.31.0.1/32").i == 1);
    CU_ASSERT(!PRIV("192.168.0.1/0").null);
    /* not IPv4: null */
    const char *bad[] = {"", "1.2.3", "256.1.1.1", "::1", "10.0.0.1/33", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1/",
                         "10..0.1", "1.2.3.4.5", "1000.1.1.1", "a.b.c.d", "10.0.0.1/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CU_ASSERT(PRIV(bad[i]).null);
    CU_ASSERT(PRIV("010.0.0.1").i == 1); /* [choice] leading zeros are decimal */
#undef PRIV
    CU_ASSERT(!sc.oom);
    rp_scratch_free(&sc);
}

static CU_TestInfo tests[] = {
    {"has: terms, case, digits, underscore", test_has_terms},
    {"hasprefix / hassuffix", test_has_prefix_suffix},
    {"has: phrase needles and flags", test_has_phrase},
    {"==, =~, contains, startswith, endswith", test_other_ops},
    {"in / in~ sets", test_in_sets},
    {"has_any / has_all", test_has_any_all},
    {"three-valued logic and between", test_three_valued},
    {"datetime and timespan", test_datetime},
    {"long and real", test_numbers},
    {"reader: values, escapes, routing", test_reader_values},
    {"reader: rejections and accounting", test_reader_rejects},
    {"reader: stream, long lines", test_reader_stream},
    {"per-rule accounting (filter and tail rules)", test_rule_accounting},
    {"prefilter soundness", test_prefilter},
    {"json writer", test_json_writer},
    {"regex syntax check", test_regex},
    {"summarize groups", test_groups},
    {"summarize over dynamic values (nulls, arrays)", test_groups_dynamic},
    {"summarize groups read back (getters, empty-input defaults)", test_groups_read},
    {"dynamic: member, index, tostring, parse_json", test_dynamic},
    {"split, pack_array, ipv4_is_private (the pages' examples)", test_split_pack_ipv4},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("runtime", tests)
