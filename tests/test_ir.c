/* test_ir.c: lowering KQL into the IR (through the real parser and schema) and the normalised
 * printer: lets folded, now() offsets, has/between, summarize names, not-compiled diagnostics. */
#include "test_util.h"

#include "ir_lower.h"
#include "kql_parse.h"

typedef struct lowered {
    rp_diag_sink diags;
    rp_ctx ctx;
    rp_ir_rule *ir;
} lowered;

static void lower_text(lowered *l, const char *text)
{
    rp_diag_sink_init(&l->diags);
    memset(&l->ctx, 0, sizeof l->ctx);
    l->ctx.arena = rp_arena_new();
    l->ctx.diags = &l->diags;
    l->ctx.schema = rp_test_schema();
    rp_kql_query *q = rp_kql_parse(&l->ctx, text, strlen(text), NULL, NULL);
    l->ir = rp_ir_lower_query(&l->ctx, q);
}

static void lowered_free(lowered *l)
{
    rp_arena_free(l->ctx.arena);
    rp_diag_sink_free(&l->diags);
}

static const char *pred_text(lowered *l, size_t stage)
{
    CU_ASSERT_FATAL(l->ir->nsources >= 1 && l->ir->sources[0].nstages > stage);
    return rp_ir_expr_print(l->ctx.arena, l->ir->sources[0].stages[stage].pred);
}

static void test_seed_query(void)
{
    lowered l;
    lower_text(&l, "let Time_start = now(-5d);\nlet Time_end = now();\n//\nDeviceProcessEvents\n"
                   "| where Timestamp between (Time_start..Time_end)\n"
                   "| where ProcessVersionInfoProductName has 'meshcentral'\n"
                   "| summarize FirstSeen=min(Timestamp), LastSeen=max(Timestamp),\n"
                   "Report=make_set(ReportId), Count=count() by DeviceId, DeviceName\n");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_EQUAL(l.ir->nsources, 1);
    CU_ASSERT_STRING_EQUAL(l.ir->sources[0].table, "DeviceProcessEvents");
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 0), "Timestamp between (now-5d .. now)");
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 1), "ProcessVersionInfoProductName has \"meshcentral\"");
    CU_ASSERT_EQUAL(l.ir->ntail, 1);
    CU_ASSERT_EQUAL(l.ir->tail[0].kind, RP_IR_SUMMARIZE);
    CU_ASSERT_EQUAL(l.ir->out.count, 6);
    const char *names[] = {"DeviceId", "DeviceName", "FirstSeen", "LastSeen", "Report", "Count"};
    for (size_t i = 0; i < 6 && i < l.ir->out.count; i++) CU_ASSERT_STRING_EQUAL(l.ir->out.cols[i].name, names[i]);
    CU_ASSERT_EQUAL(l.ir->tail[0].aggs[2].kind, RP_IR_AGG_MAKE_SET);
    CU_ASSERT_TRUE(l.ir->now_used);
    lowered_free(&l);
}

static void test_operators_and_printing(void)
{
    lowered l;
    lower_text(&l, "DeviceProcessEvents | where FileName =~ \"a.exe\" or (FileName !has_cs 'X' and not(ProcessCommandLine contains \"y\"))"
                   " | where FileName in~ ('a', 'b') and ProcessCommandLine has_any (dynamic(['c', ['d']]))"
                   " | where Timestamp > ago(1h) and Timestamp <= datetime(2026-01-02) + 1d");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 0),
                           "FileName =~ \"a.exe\" or (FileName !has_cs \"X\" and not(ProcessCommandLine contains \"y\"))");
    /* nested dynamic arrays are flattened into the set */
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 1), "FileName in~ (\"a\", \"b\") and ProcessCommandLine has_any (\"c\", \"d\")");
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 2), "Timestamp > now-1h and Timestamp <= datetime(2026-01-03T00:00:00Z)");
    lowered_free(&l);
}

static void test_extend_project_union(void)
{
    lowered l;
    lower_text(&l, "union DeviceProcessEvents, (DeviceFileEvents | where FileName has 'x')"
                   " | extend Lower = tolower(FileName) | project DeviceName, Lower | take 5");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_EQUAL(l.ir->nsources, 2);
    /* the where of the second branch stays in it; extend/project are copied into both */
    CU_ASSERT_EQUAL(l.ir->sources[0].nstages, 2);
    CU_ASSERT_EQUAL(l.ir->sources[1].nstages, 3);
    CU_ASSERT_EQUAL(l.ir->ntail, 1);
    CU_ASSERT_EQUAL(l.ir->out.count, 2);
    CU_ASSERT_FALSE(l.ir->out.event_star);
    CU_ASSERT_STRING_EQUAL(l.ir->table, "DeviceProcessEvents,DeviceFileEvents");
    lowered_free(&l);
}

static void test_not_compiled(void)
{
    lowered l;
    lower_text(&l, "DeviceProcessEvents\n| where FileName has 'x'\n| join kind=inner (DeviceFileEvents) on DeviceId\n| where 1 == 1");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_PARTIAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l.ir->why);
    CU_ASSERT_STRING_EQUAL(l.ir->why, "join at 3:3");
    /* the prefix before the join is kept, nothing after it */
    CU_ASSERT_EQUAL(l.ir->sources[0].nstages, 1);
    int found = 0;
    for (size_t i = 0; i < l.diags.count; i++)
        found |= strcmp(rp_diag_info_of(l.diags.items[i].code)->code, "RP0400") == 0 && l.diags.items[i].line == 3 &&
                 strstr(l.diags.items[i].message, "not compiled: join at 3:3") != NULL;
    CU_ASSERT_TRUE(found);
    lowered_free(&l);

    lower_text(&l, "NoSuchTable | where x == 1");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_NONE);
    lowered_free(&l);

    lower_text(&l, "DeviceProcessEvents | where FileName matches regex @'(a)\\1'");
    CU_ASSERT_NOT_EQUAL(l.ir->status, RP_IR_FULL);
    found = 0;
    for (size_t i = 0; i < l.diags.count; i++) found |= strcmp(rp_diag_info_of(l.diags.items[i].code)->code, "RP0402") == 0;
    CU_ASSERT_TRUE(found);
    lowered_free(&l);
}

static void test_let_tabular_and_lists(void)
{
    lowered l;
    lower_text(&l, "let names = datatable(n:string)['a.exe', 'b.exe'];\nlet base = DeviceProcessEvents | where FileName in (names);\n"
                   "base | summarize count() by bin(Timestamp, 1h)");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 0), "FileName in (\"a.exe\", \"b.exe\")");
    CU_ASSERT_EQUAL(l.ir->out.count, 2);
    if (l.ir->out.count == 2) {
        CU_ASSERT_STRING_EQUAL(l.ir->out.cols[0].name, "Timestamp");
        CU_ASSERT_STRING_EQUAL(l.ir->out.cols[1].name, "count_");
    }
    lowered_free(&l);
}

/* The first RP0400 message, or "" when none. */
static const char *first_refusal(lowered *l)
{
    for (size_t i = 0; i < l->diags.count; i++)
        if (strcmp(rp_diag_info_of(l->diags.items[i].code)->code, "RP0400") == 0) return l->diags.items[i].message;
    return "";
}

/* The query is not fully compiled, and its first refusal names `why`. */
static void expect_refused(const char *query, const char *why)
{
    lowered l;
    lower_text(&l, query);
    CU_ASSERT_NOT_EQUAL(l.ir->status, RP_IR_FULL);
    if (!strstr(first_refusal(&l), why)) fprintf(stderr, "%s: %s\n", query, first_refusal(&l));
    CU_ASSERT_PTR_NOT_NULL(strstr(first_refusal(&l), why));
    lowered_free(&l);
}

/* split, pack_array, ipv4_is_private: what compiles, what is refused (interp.c "Dynamic values"). */
static void test_split_pack_ipv4_lowering(void)
{
    lowered l;
    lower_text(&l, "DeviceProcessEvents | extend P = split(FolderPath, @'\\'), S = tostring(split(FileName, '.', 1)[0])"
                   " | where array_length(P) > 2 and ipv4_is_private(DeviceName) == false");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    lowered_free(&l);
    /* a constant pack_array in a let is flattened into in / has_any sets */
    lower_text(&l, "let L = pack_array('a.exe', 'b.exe');\nlet W = pack_array(\"x\", dynamic(['y']));\n"
                   "DeviceProcessEvents | where FileName in (L) and ProcessCommandLine has_any (W)");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_STRING_EQUAL(pred_text(&l, 0), "FileName in (\"a.exe\", \"b.exe\") and ProcessCommandLine has_any (\"x\", \"y\")");
    lowered_free(&l);
    lower_text(&l, "DeviceProcessEvents | extend P = pack_array(FileName, ProcessId, 1s, true, AdditionalFields, long(null))");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    lowered_free(&l);
    /* refused: what the pages do not define */
    static const struct { const char *q, *why; } no[] = {
        {"DeviceProcessEvents | extend P = split(FileName, '')", "delimiter that is not a constant non-empty string"},
        {"DeviceProcessEvents | extend P = split(FileName, FolderPath)", "delimiter that is not a constant non-empty string"},
        {"DeviceProcessEvents | extend P = split(FileName, '.', -1)", "requestedIndex that is not a constant >= 0"},
        {"DeviceProcessEvents | extend P = split(FileName, '.', ProcessId)", "requestedIndex that is not a constant >= 0"},
        {"DeviceProcessEvents | extend P = split(AdditionalFields, '.')", "split() of a dynamic value"},
        {"DeviceProcessEvents | extend P = pack_array(FileName, Timestamp)", "pack_array() of a datetime value"},
        {"DeviceProcessEvents | extend P = pack_array(1.5)", "pack_array() of a real value"},
        {"DeviceProcessEvents | where ipv4_is_private(AdditionalFields)", "ipv4_is_private() of a dynamic value"},
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) expect_refused(no[i].q, no[i].why);
}

/* union isfuzzy / kind=outer / withsource (union-operator page). */
static void test_union_options(void)
{
    lowered l;
    lower_text(&l, "union isfuzzy=true DeviceProcessEvents, (DeviceFileEvents | where FileName has 'x')");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_EQUAL(l.ir->nsources, 2);
    lowered_free(&l);
    lower_text(&l, "union withsource=Src kind=outer isfuzzy=false DeviceProcessEvents, DeviceFileEvents | where Src == 'x'");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    CU_ASSERT_EQUAL_FATAL(l.ir->nsources, 2);
    for (size_t s = 0; s < 2; s++) {
        /* the first stage sets Src to the table's name; Src is the first column */
        const rp_ir_source *src = &l.ir->sources[s];
        CU_ASSERT_EQUAL_FATAL(src->nstages, 2);
        CU_ASSERT_EQUAL(src->stages[0].kind, RP_IR_EXTEND);
        CU_ASSERT_STRING_EQUAL(src->stages[0].assigns[0].name, "Src");
        CU_ASSERT_STRING_EQUAL(src->stages[0].assigns[0].expr->value.s, src->table);
        CU_ASSERT_FALSE(src->out.event_star);
        CU_ASSERT_STRING_EQUAL(src->out.cols[0].name, "Src");
    }
    CU_ASSERT_STRING_EQUAL(l.ir->sources[0].table, "DeviceProcessEvents");
    CU_ASSERT_STRING_EQUAL(l.ir->sources[1].table, "DeviceFileEvents");
    lowered_free(&l);
    static const struct { const char *q, *why; } no[] = {
        {"union kind=inner DeviceProcessEvents, DeviceFileEvents", "union option kind"},
        {"union withsource=S DeviceProcessEvents, (DeviceFileEvents | where FileName has 'x')", "not a table"},
        {"let T = DeviceFileEvents; union withsource=S DeviceProcessEvents, T", "not a table"},
        {"DeviceProcessEvents | union withsource=S DeviceFileEvents", "after a pipe"},
        {"union withsource=FileName DeviceProcessEvents, DeviceFileEvents", "naming an existing column"},
        {"union withsource=S *", "table wildcard"},
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) expect_refused(no[i].q, no[i].why);
}

/* Two output columns under one name (Kusto renames one) are refused: one slot would merge them. */
static void test_duplicate_outputs(void)
{
    static const char *const q[] = {
        "DeviceProcessEvents | summarize count() by tostring(ProcessId), ProcessId",
        "DeviceProcessEvents | summarize count(), count() by DeviceId",
        "DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by DeviceId, bin(Timestamp, 1h)",
        "DeviceProcessEvents | project tostring(ProcessId), ProcessId",
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) expect_refused(q[i], "two output columns named");
    lowered l;
    /* distinct names still compile */
    lower_text(&l, "DeviceProcessEvents | summarize n = count(), count() by P = tostring(ProcessId), ProcessId");
    CU_ASSERT_EQUAL(l.ir->status, RP_IR_FULL);
    lowered_free(&l);
}

static CU_TestInfo tests[] = {
    {"the seed query lowers and prints", test_seed_query},
    {"two output columns under one name are refused", test_duplicate_outputs},
    {"operators, sets, time folding", test_operators_and_printing},
    {"extend, project, union, take", test_extend_project_union},
    {"not compiled: diagnostics and status", test_not_compiled},
    {"tabular lets and datatable sets", test_let_tabular_and_lists},
    {"split, pack_array, ipv4_is_private: compiled and refused", test_split_pack_ipv4_lowering},
    {"union isfuzzy, kind=outer, withsource", test_union_options},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("ir", tests)
