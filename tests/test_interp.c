/* test_interp.c: KQL-SEMANTICS.md edge cases end to end through the IR interpreter: IR built by
 * hand over DeviceProcessEvents columns, one event line in, alert or not out. */
#include "test_util.h"

#include "interp.h"
#include "ir.h"

static rp_span nospan;

typedef struct fixture {
    rp_arena *A;
    rp_ir_rule *ir;
    rp_ir_source *src;
} fixture;

static void fx_init(fixture *f)
{
    f->A = rp_arena_new();
    f->ir = rp_ir_rule_new(f->A);
    f->ir->rule_id = "r1";
    f->ir->name = "test rule";
    f->ir->table = "DeviceProcessEvents";
    f->src = rp_ir_add_source(f->A, f->ir, "DeviceProcessEvents", nospan);
    f->src->out.event_star = 1;
    f->ir->out = f->src->out;
}

static rp_ir_expr *col(fixture *f, const char *name, rp_type type)
{
    int slot = rp_ir_add_input(f->A, f->ir, f->src, name, type);
    return rp_ir_colref(f->A, name, slot, type, nospan);
}

static rp_ir_expr *str(fixture *f, const char *s) { return rp_ir_const_string(f->A, s, strlen(s), nospan); }

/* Runs `pred` as the rule's only where on one line; returns alerts written (suppressed: -1). */
static int run_pred(fixture *f, rp_ir_expr *pred, const char *line)
{
    rp_ir_stage *st = rp_ir_add_stage(f->A, &f->src->stages, &f->src->nstages, RP_IR_FILTER, nospan);
    st->pred = pred;
    st->out = f->src->out;
    int64_t now;
    rp_datetime_parse("2026-11-28T00:00:00Z", 20, &now);
    FILE *out = tmpfile();
    rp_interp *in = rp_interp_new(now, out, NULL);
    const char *why = NULL;
    CU_ASSERT_FATAL(rp_interp_add_rule(in, f->ir, &why));
    rp_interp_feed_line(in, line, strlen(line));
    rp_interp_finish(in);
    const rp_stats *stats = rp_interp_stats(in);
    int result = (int)stats->rules[0].alerts;
    for (size_t i = 0; i < stats->rules[0].nexcl; i++)
        if (stats->rules[0].suppressed[i]) result = -1;
    CU_ASSERT(rp_stats_consistent(stats));
    rp_interp_free(in);
    fclose(out);
    /* the next call starts from a fresh rule */
    rp_arena_free(f->A);
    fx_init(f);
    return result;
}

#define EV(fields) "{\"Type\":\"DeviceProcessEvents\"" fields "}"

static void test_has_terms(void)
{
    fixture f;
    fx_init(&f);
    /* §2.1: "KustoExplorerQueryRun" has "Explorer" is false, contains is true */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "Explorer"), nospan),
                             EV(",\"FileName\":\"KustoExplorerQueryRun\"")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_CONTAINS, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "Explorer"), nospan),
                             EV(",\"FileName\":\"KustoExplorerQueryRun\"")), 1);
    /* no minimum term length: "B A" has "b" true, "BA" has "b" false */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "b"), nospan),
                             EV(",\"FileName\":\"B A\"")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "b"), nospan),
                             EV(",\"FileName\":\"BA\"")), 0);
    /* underscore separates terms; has_cs is case-sensitive */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "hello"), nospan),
                             EV(",\"FileName\":\"_Hello_World_\"")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 0, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "hello"), nospan),
                             EV(",\"FileName\":\"_Hello_World_\"")), 0);
    /* !has on a missing string: "" has nothing, so !has holds */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 1, col(&f, "FileName", RP_TYPE_STRING), str(&f, "x"), nospan),
                             EV("")), 1);
    /* a \u escape in the event is decoded before matching */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "meshcentral"), nospan),
                             EV(",\"FileName\":\"x \\u004deshCentral y\"")), 1);
    rp_arena_free(f.A);
}

static void test_in_whole_value(void)
{
    fixture f;
    fx_init(&f);
    rp_ir_value set[1] = {{.type = RP_TYPE_STRING, .s = "meshagent", .len = 9}};
    /* §4: in~ is whole-value equality, not terms */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 1, 0, col(&f, "FileName", RP_TYPE_STRING), set, 1, nospan),
                             EV(",\"FileName\":\"MeshAgent.exe\"")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 1, 0, col(&f, "FileName", RP_TYPE_STRING), set, 1, nospan),
                             EV(",\"FileName\":\"MeshAgent\"")), 1);
    /* in (case-sensitive) */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 0, col(&f, "FileName", RP_TYPE_STRING), set, 1, nospan),
                             EV(",\"FileName\":\"MeshAgent\"")), 0);
    /* long(null) in (1,2) is false, !in is true */
    rp_ir_value longs[2] = {{.type = RP_TYPE_LONG, .i = 1}, {.type = RP_TYPE_LONG, .i = 2}};
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 0, col(&f, "ProcessId", RP_TYPE_LONG), longs, 2, nospan), EV("")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 1, col(&f, "ProcessId", RP_TYPE_LONG), longs, 2, nospan), EV("")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 0, col(&f, "ProcessId", RP_TYPE_LONG), longs, 2, nospan),
                             EV(",\"ProcessId\":2")), 1);
    rp_arena_free(f.A);
}

static void test_nulls(void)
{
    fixture f;
    fx_init(&f);
    /* §5: null != 5 is true (the row stays), null == 5 false, not(null > 5) is null (dropped) */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_cmp_new(f.A, RP_IR_NE, col(&f, "ProcessId", RP_TYPE_LONG), rp_ir_const_long(f.A, 5, nospan), nospan),
                             EV(",\"ProcessId\":null")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_cmp_new(f.A, RP_IR_EQ, col(&f, "ProcessId", RP_TYPE_LONG), rp_ir_const_long(f.A, 5, nospan), nospan),
                             EV("")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_not(f.A, rp_ir_cmp_new(f.A, RP_IR_GT, col(&f, "ProcessId", RP_TYPE_LONG), rp_ir_const_long(f.A, 5, nospan), nospan), nospan),
                             EV("")), 0);
    /* null or true is true; null and true is null (dropped) */
    rp_ir_expr *gt = rp_ir_cmp_new(f.A, RP_IR_GT, col(&f, "ProcessId", RP_TYPE_LONG), rp_ir_const_long(f.A, 5, nospan), nospan);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_logic(f.A, RP_IR_OR, gt, rp_ir_const_bool(f.A, 1, nospan)), EV("")), 1);
    gt = rp_ir_cmp_new(f.A, RP_IR_GT, col(&f, "ProcessId", RP_TYPE_LONG), rp_ir_const_long(f.A, 5, nospan), nospan);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_logic(f.A, RP_IR_AND, gt, rp_ir_const_bool(f.A, 1, nospan)), EV("")), 0);
    /* a missing string is "": == "" holds, isempty holds */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 0, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, ""), nospan), EV("")), 1);
    rp_ir_expr *arg = col(&f, "FileName", RP_TYPE_STRING);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_call(f.A, RP_IR_F_ISEMPTY, RP_TYPE_BOOL, &arg, 1, nospan), EV(",\"FileName\":null")), 1);
    rp_arena_free(f.A);
}

static void test_between_now(void)
{
    fixture f;
    fx_init(&f);
    /* §7/§8: inclusive bounds over one now(); null timestamp dropped */
#define BETWEEN rp_ir_between(f.A, 0, col(&f, "Timestamp", RP_TYPE_DATETIME), rp_ir_now(f.A, -5 * RP_TICKS_PER_DAY, nospan), rp_ir_now(f.A, 0, nospan), nospan)
    CU_ASSERT_EQUAL(run_pred(&f, BETWEEN, EV(",\"Timestamp\":\"2026-11-28T00:00:00Z\"")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, BETWEEN, EV(",\"Timestamp\":\"2026-11-23T00:00:00Z\"")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, BETWEEN, EV(",\"Timestamp\":\"2026-11-22T23:59:59.9999999Z\"")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, BETWEEN, EV(",\"Timestamp\":\"2026-11-28T00:00:00.0000001Z\"")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, BETWEEN, EV(",\"Timestamp\":null")), 0);
    /* !between on null stays null: dropped */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_between(f.A, 1, col(&f, "Timestamp", RP_TYPE_DATETIME), rp_ir_now(f.A, -RP_TICKS_PER_DAY, nospan), rp_ir_now(f.A, 0, nospan), nospan), EV("")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_between(f.A, 1, col(&f, "Timestamp", RP_TYPE_DATETIME), rp_ir_now(f.A, -RP_TICKS_PER_DAY, nospan), rp_ir_now(f.A, 0, nospan), nospan),
                             EV(",\"Timestamp\":\"2020-01-01T00:00:00Z\"")), 1);
#undef BETWEEN
    rp_arena_free(f.A);
}

static void test_exclusion_and_output(void)
{
    fixture f;
    fx_init(&f);
    /* an exclusion that holds suppresses the alert and is counted */
    f.ir->excls = RP_NEW(f.A, rp_ir_excl);
    f.ir->nexcls = 1;
    f.ir->excls[0].scenario = "allow svchost";
    f.ir->excls[0].pred = rp_ir_str(f.A, RP_IR_S_EQ, 1, 0, col(&f, "FileName", RP_TYPE_STRING), str(&f, "SVCHOST.EXE"), nospan);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_const_bool(f.A, 1, nospan), EV(",\"FileName\":\"svchost.exe\"")), -1);
    /* an extend's column is appended to the event's own members */
    rp_ir_stage *st = rp_ir_add_stage(f.A, &f.src->stages, &f.src->nstages, RP_IR_EXTEND, nospan);
    st->assigns = RP_NEW(f.A, rp_ir_assign);
    st->nassigns = 1;
    st->assigns[0].name = "Lower";
    st->assigns[0].slot = rp_ir_slot_of(f.A, f.ir, "Lower", RP_TYPE_STRING);
    rp_ir_expr *arg = col(&f, "FileName", RP_TYPE_STRING);
    st->assigns[0].expr = rp_ir_call(f.A, RP_IR_F_TOLOWER, RP_TYPE_STRING, &arg, 1, nospan);
    f.ir->out.count = 1;
    f.ir->out.cols = RP_NEW(f.A, rp_ir_col);
    f.ir->out.cols[0] = (rp_ir_col){"Lower", st->assigns[0].slot, RP_TYPE_STRING};
    FILE *out = tmpfile();
    rp_interp *in = rp_interp_new(0, out, NULL);
    const char *why;
    CU_ASSERT_FATAL(rp_interp_add_rule(in, f.ir, &why));
    const char *line = "{\"Type\":\"DeviceProcessEvents\",\"FileName\":\"A.EXE\"}";
    rp_interp_feed_line(in, line, strlen(line));
    rp_interp_finish(in);
    rewind(out);
    char buf[512] = {0};
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, out));
    CU_ASSERT_STRING_EQUAL(buf, "{\"rule_id\":\"r1\",\"rule\":\"test rule\",\"table\":\"DeviceProcessEvents\",\"event\":"
                                "{\"Type\":\"DeviceProcessEvents\",\"FileName\":\"A.EXE\",\"Lower\":\"a.exe\"}}\n");
    fclose(out);
    rp_interp_free(in);
    rp_arena_free(f.A);
}

static void test_not_full_rejected(void)
{
    fixture f;
    fx_init(&f);
    f.ir->status = RP_IR_PARTIAL;
    rp_interp *in = rp_interp_new(0, NULL, NULL);
    const char *why = NULL;
    CU_ASSERT_FALSE(rp_interp_add_rule(in, f.ir, &why));
    CU_ASSERT_PTR_NOT_NULL(why);
    rp_interp_free(in);
    rp_arena_free(f.A);
}

static CU_TestInfo tests[] = {
    {"has: terms, no minimum length, escapes", test_has_terms},
    {"in / in~: whole value; nulls", test_in_whole_value},
    {"three-valued logic and missing values", test_nulls},
    {"between is inclusive; one now()", test_between_now},
    {"exclusions suppress; extend output", test_exclusion_and_output},
    {"only fully compiled rules run", test_not_full_rejected},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("interp", tests)
