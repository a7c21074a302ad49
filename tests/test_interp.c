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

/* FileName <sop> "needle" (ci: case-insensitive, neg: negated). */
static rp_ir_expr *file_str(fixture *f, rp_ir_strop sop, int ci, int neg, const char *needle)
{
    return rp_ir_str(f->A, sop, ci, neg, col(f, "FileName", RP_TYPE_STRING), str(f, needle), nospan);
}

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
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 1, 0, "Explorer"),
                             EV(",\"FileName\":\"KustoExplorerQueryRun\"")), 0);
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_CONTAINS, 1, 0, "Explorer"),
                             EV(",\"FileName\":\"KustoExplorerQueryRun\"")), 1);
    /* no minimum term length: "B A" has "b" true, "BA" has "b" false */
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 1, 0, "b"), EV(",\"FileName\":\"B A\"")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 1, 0, "b"), EV(",\"FileName\":\"BA\"")), 0);
    /* underscore separates terms; has_cs is case-sensitive */
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 1, 0, "hello"), EV(",\"FileName\":\"_Hello_World_\"")), 1);
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 0, 0, "hello"), EV(",\"FileName\":\"_Hello_World_\"")), 0);
    /* !has on a missing string: "" has nothing, so !has holds */
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 1, 1, "x"), EV("")), 1);
    /* a \u escape in the event is decoded before matching */
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_HAS, 1, 0, "meshcentral"),
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
    CU_ASSERT_EQUAL(run_pred(&f, file_str(&f, RP_IR_S_EQ, 0, 0, ""), EV("")), 1);
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
    f.ir->excls[0].pred = file_str(&f, RP_IR_S_EQ, 1, 0, "SVCHOST.EXE");
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

/* {====================================================================
 * Tails, parse, mv-expand, regex functions: several lines in, the "event" objects out
 * ===================================================================== */

/* The visible columns `names` (space-separated; "*" first for event_star). */
static rp_ir_cols mkcols(fixture *f, const char *names)
{
    rp_ir_cols c = {0};
    c.cols = RP_NEW_ARRAY(f->A, rp_ir_col, 16);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        if (strcmp(tok, "*") == 0) {
            c.event_star = 1;
            continue;
        }
        int slot = rp_ir_slot_find(f->ir, tok);
        CU_ASSERT_FATAL(slot >= 0);
        c.cols[c.count].name = f->ir->slots[slot].name;
        c.cols[c.count].slot = slot;
        c.cols[c.count].type = f->ir->slots[slot].type;
        c.count++;
    }
    return c;
}

static rp_ir_stage *tail_stage(fixture *f, rp_ir_stage_kind kind, const char *out)
{
    rp_ir_stage *st = rp_ir_add_stage(f->A, &f->ir->tail, &f->ir->ntail, kind, nospan);
    if (out) st->out = mkcols(f, out);
    return st;
}

static rp_ir_stage *src_stage(fixture *f, rp_ir_stage_kind kind)
{
    return rp_ir_add_stage(f->A, &f->src->stages, &f->src->nstages, kind, nospan);
}

static rp_ir_assign *assigns(fixture *f, rp_ir_stage *st, size_t n)
{
    st->assigns = RP_NEW_ARRAY(f->A, rp_ir_assign, n);
    st->nassigns = n;
    return st->assigns;
}

static void set_assign(fixture *f, rp_ir_assign *a, const char *name, rp_ir_expr *e)
{
    a->name = name;
    a->expr = e;
    a->slot = rp_ir_slot_of(f->A, f->ir, name, e->type);
}

/* Runs the rule over `lines` (NULL-terminated); returns the "event" objects of the alerts, one
 * per line, in a static buffer. The rule's `out` is the last tail stage's, else the source's. */
static const char *run_rows(fixture *f, const char *const *lines)
{
    static char result[8192];
    f->ir->out = f->ir->ntail ? f->ir->tail[f->ir->ntail - 1].out : f->src->out;
    FILE *out = tmpfile();
    rp_interp *in = rp_interp_new(0, out, NULL);
    const char *why = NULL;
    int ok = rp_interp_add_rule(in, f->ir, &why);
    if (!ok) printf("\nnot run: %s\n", why ? why : "?");
    CU_ASSERT_FATAL(ok);
    for (size_t i = 0; lines[i]; i++) rp_interp_feed_line(in, lines[i], strlen(lines[i]));
    CU_ASSERT_EQUAL(rp_interp_finish(in), 0);
    /* also for a tail that emits rows on empty input (count, summarize without by) */
    CU_ASSERT(rp_stats_consistent(rp_interp_stats(in)));
    rewind(out);
    char line[2048];
    size_t at = 0;
    result[0] = '\0';
    const char *head = "{\"rule_id\":\"r1\",\"rule\":\"test rule\",\"table\":\"DeviceProcessEvents\",\"event\":";
    while (fgets(line, sizeof line, out)) {
        size_t n = strlen(line);
        CU_ASSERT_FATAL(strncmp(line, head, strlen(head)) == 0);
        CU_ASSERT_FATAL(n >= strlen(head) + 2 && line[n - 1] == '\n' && line[n - 2] == '}');
        at += (size_t)snprintf(result + at, sizeof result - at, "%.*s\n", (int)(n - 2 - strlen(head)), line + strlen(head));
    }
    rp_interp_free(in);
    fclose(out);
    rp_arena_free(f->A);
    fx_init(f);
    return result;
}

#define P(id) EV(",\"FileName\":\"f" #id "\",\"ProcessId\":" #id)

static void test_take(void)
{
    fixture f;
    fx_init(&f);
    const char *lines[] = {P(3), P(1), P(2), NULL};
    /* take keeps input order and the whole event (event_star) */
    col(&f, "ProcessId", RP_TYPE_LONG);
    tail_stage(&f, RP_IR_TAKE, "*")->limit = 2;
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), P(3) "\n" P(1) "\n");
    /* take 0: nothing */
    col(&f, "ProcessId", RP_TYPE_LONG);
    tail_stage(&f, RP_IR_TAKE, "*")->limit = 0;
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "");
    /* take more than there is: all, and a where after it filters its output */
    rp_ir_expr *pid = col(&f, "ProcessId", RP_TYPE_LONG);
    tail_stage(&f, RP_IR_TAKE, "*")->limit = 10;
    rp_ir_stage *w = tail_stage(&f, RP_IR_FILTER, "*");
    w->pred = rp_ir_cmp_new(f.A, RP_IR_GE, pid, rp_ir_const_long(f.A, 2, nospan), nospan);
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), P(3) "\n" P(2) "\n");
    rp_arena_free(f.A);
}

static void sortkey(fixture *f, rp_ir_stage *st, rp_ir_expr *e, int desc, int nulls_first)
{
    st->keys = RP_NEW_ARRAY(f->A, rp_ir_sortkey, 1);
    st->nkeys = 1;
    st->keys[0].expr = e;
    st->keys[0].desc = desc;
    st->keys[0].nulls_first = nulls_first;
}

static void test_sort_top(void)
{
    fixture f;
    fx_init(&f);
    /* ties (two 2s) keep input order; a null and a missing ProcessId sort together */
    const char *lines[] = {EV(",\"FileName\":\"a\",\"ProcessId\":2"), EV(",\"FileName\":\"b\",\"ProcessId\":null"),
                           EV(",\"FileName\":\"c\",\"ProcessId\":5"), EV(",\"FileName\":\"d\",\"ProcessId\":2"),
                           EV(",\"FileName\":\"e\""), NULL};
#define SORT_CASE(kind, n, desc, nf, expect)                                                          \
    do {                                                                                              \
        rp_ir_expr *pid = col(&f, "ProcessId", RP_TYPE_LONG);                                         \
        col(&f, "FileName", RP_TYPE_STRING);                                                          \
        rp_ir_stage *st = tail_stage(&f, kind, "FileName ProcessId");                                 \
        st->limit = n;                                                                                \
        sortkey(&f, st, pid, desc, nf);                                                               \
        CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), expect);                                          \
    } while (0)
    /* sort default: desc, nulls last */
    SORT_CASE(RP_IR_SORT, 0, 1, 0,
              "{\"FileName\":\"c\",\"ProcessId\":5}\n{\"FileName\":\"a\",\"ProcessId\":2}\n{\"FileName\":\"d\",\"ProcessId\":2}\n"
              "{\"FileName\":\"b\",\"ProcessId\":null}\n{\"FileName\":\"e\",\"ProcessId\":null}\n");
    /* asc: nulls first */
    SORT_CASE(RP_IR_SORT, 0, 0, 1,
              "{\"FileName\":\"b\",\"ProcessId\":null}\n{\"FileName\":\"e\",\"ProcessId\":null}\n{\"FileName\":\"a\",\"ProcessId\":2}\n"
              "{\"FileName\":\"d\",\"ProcessId\":2}\n{\"FileName\":\"c\",\"ProcessId\":5}\n");
    /* desc nulls first */
    SORT_CASE(RP_IR_SORT, 0, 1, 1,
              "{\"FileName\":\"b\",\"ProcessId\":null}\n{\"FileName\":\"e\",\"ProcessId\":null}\n{\"FileName\":\"c\",\"ProcessId\":5}\n"
              "{\"FileName\":\"a\",\"ProcessId\":2}\n{\"FileName\":\"d\",\"ProcessId\":2}\n");
    /* top 2 desc: the tie at the cut goes to the earlier row */
    SORT_CASE(RP_IR_TOP, 2, 1, 0, "{\"FileName\":\"c\",\"ProcessId\":5}\n{\"FileName\":\"a\",\"ProcessId\":2}\n");
    SORT_CASE(RP_IR_TOP, 3, 1, 0,
              "{\"FileName\":\"c\",\"ProcessId\":5}\n{\"FileName\":\"a\",\"ProcessId\":2}\n{\"FileName\":\"d\",\"ProcessId\":2}\n");
    /* top asc (nulls first): the nulls are the top */
    SORT_CASE(RP_IR_TOP, 1, 0, 1, "{\"FileName\":\"b\",\"ProcessId\":null}\n");
    /* top asc nulls last */
    SORT_CASE(RP_IR_TOP, 2, 0, 0, "{\"FileName\":\"a\",\"ProcessId\":2}\n{\"FileName\":\"d\",\"ProcessId\":2}\n");
    SORT_CASE(RP_IR_TOP, 0, 1, 0, "");
#undef SORT_CASE
    /* strings: ordinal, "" smallest, case-sensitive ("B" < "a") */
    const char *names[] = {EV(",\"FileName\":\"a\""), EV(",\"FileName\":\"B\""), EV(""), EV(",\"FileName\":\"ab\""), NULL};
    rp_ir_expr *fn = col(&f, "FileName", RP_TYPE_STRING);
    rp_ir_stage *st = tail_stage(&f, RP_IR_SORT, "FileName");
    sortkey(&f, st, fn, 0, 1);
    CU_ASSERT_STRING_EQUAL(run_rows(&f, names), "{\"FileName\":\"\"}\n{\"FileName\":\"B\"}\n{\"FileName\":\"a\"}\n{\"FileName\":\"ab\"}\n");
    /* many rows through a small heap: top 3 of 200 */
    static char evs[200][96];
    const char *many[201];
    for (int i = 0; i < 200; i++) {
        snprintf(evs[i], sizeof evs[i], "{\"Type\":\"DeviceProcessEvents\",\"ProcessId\":%d}", (i * 37) % 200);
        many[i] = evs[i];
    }
    many[200] = NULL;
    rp_ir_expr *pid = col(&f, "ProcessId", RP_TYPE_LONG);
    st = tail_stage(&f, RP_IR_TOP, "ProcessId");
    st->limit = 3;
    sortkey(&f, st, pid, 1, 0);
    CU_ASSERT_STRING_EQUAL(run_rows(&f, many), "{\"ProcessId\":199}\n{\"ProcessId\":198}\n{\"ProcessId\":197}\n");
    rp_arena_free(f.A);
}

static void test_distinct_count(void)
{
    fixture f;
    fx_init(&f);
    const char *lines[] = {EV(",\"FileName\":\"A.exe\""), EV(",\"FileName\":\"a.exe\""), EV(",\"FileName\":\"A.exe\""), EV(""), NULL};
    /* distinct: case-sensitive, first-seen order, missing is "" */
    rp_ir_stage *st = tail_stage(&f, RP_IR_DISTINCT, NULL);
    set_assign(&f, &assigns(&f, st, 1)[0], "FileName", col(&f, "FileName", RP_TYPE_STRING));
    st->out = mkcols(&f, "FileName");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "{\"FileName\":\"A.exe\"}\n{\"FileName\":\"a.exe\"}\n{\"FileName\":\"\"}\n");
    /* distinct on a long: nulls are one row */
    const char *nums[] = {EV(",\"ProcessId\":1"), EV(""), EV(",\"ProcessId\":null"), EV(",\"ProcessId\":1"), NULL};
    st = tail_stage(&f, RP_IR_DISTINCT, NULL);
    set_assign(&f, &assigns(&f, st, 1)[0], "ProcessId", col(&f, "ProcessId", RP_TYPE_LONG));
    st->out = mkcols(&f, "ProcessId");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, nums), "{\"ProcessId\":1}\n{\"ProcessId\":null}\n");
    /* count, then a where on Count */
    col(&f, "FileName", RP_TYPE_STRING);
    rp_ir_rule *ir = f.ir;
    rp_ir_slot_of(f.A, ir, "Count", RP_TYPE_LONG);
    tail_stage(&f, RP_IR_COUNT, "Count");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "{\"Count\":4}\n");
    /* count on no input: one row, 0 */
    const char *none[] = {NULL};
    col(&f, "FileName", RP_TYPE_STRING);
    rp_ir_slot_of(f.A, f.ir, "Count", RP_TYPE_LONG);
    tail_stage(&f, RP_IR_COUNT, "Count");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, none), "{\"Count\":0}\n");
    /* distinct then count: counts distinct rows */
    st = tail_stage(&f, RP_IR_DISTINCT, NULL);
    set_assign(&f, &assigns(&f, st, 1)[0], "FileName", col(&f, "FileName", RP_TYPE_STRING));
    st->out = mkcols(&f, "FileName");
    rp_ir_slot_of(f.A, f.ir, "Count", RP_TYPE_LONG);
    tail_stage(&f, RP_IR_COUNT, "Count");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "{\"Count\":3}\n");
    rp_arena_free(f.A);
}

static rp_ir_agg *aggs(fixture *f, rp_ir_stage *st, size_t n)
{
    st->aggs = RP_NEW_ARRAY(f->A, rp_ir_agg, n);
    st->naggs = n;
    return st->aggs;
}

static void set_agg(fixture *f, rp_ir_agg *a, rp_ir_agg_kind kind, const char *name, rp_ir_expr *arg, rp_type type)
{
    a->kind = kind;
    a->name = name;
    a->arg = arg;
    a->type = type;
    a->slot = rp_ir_slot_of(f->A, f->ir, name, type);
}

static void test_after_summarize(void)
{
    fixture f;
    fx_init(&f);
    const char *lines[] = {P(1), EV(",\"FileName\":\"f2\",\"ProcessId\":7"), P(3), P(1), EV(",\"FileName\":\"f2\",\"ProcessId\":8"),
                           P(1), NULL};
    /* summarize Count=count(), Ids=make_set(ProcessId) by FileName | where Count > 1 | sort by Count asc */
    rp_ir_stage *st = tail_stage(&f, RP_IR_SUMMARIZE, NULL);
    set_assign(&f, &assigns(&f, st, 1)[0], "FileName", col(&f, "FileName", RP_TYPE_STRING));
    rp_ir_agg *ag = aggs(&f, st, 2);
    set_agg(&f, &ag[0], RP_IR_AGG_COUNT, "Count", NULL, RP_TYPE_LONG);
    set_agg(&f, &ag[1], RP_IR_AGG_MAKE_SET, "Ids", col(&f, "ProcessId", RP_TYPE_LONG), RP_TYPE_DYNAMIC);
    st->out = mkcols(&f, "FileName Count Ids");
    rp_ir_expr *cnt = rp_ir_colref(f.A, "Count", ag[0].slot, RP_TYPE_LONG, nospan);
    rp_ir_stage *w = tail_stage(&f, RP_IR_FILTER, "FileName Count Ids");
    w->pred = rp_ir_cmp_new(f.A, RP_IR_GT, cnt, rp_ir_const_long(f.A, 1, nospan), nospan);
    rp_ir_stage *so = tail_stage(&f, RP_IR_SORT, "FileName Count Ids");
    sortkey(&f, so, rp_ir_colref(f.A, "Count", ag[0].slot, RP_TYPE_LONG, nospan), 0, 1);
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "{\"FileName\":\"f2\",\"Count\":2,\"Ids\":[7,8]}\n"
                                                "{\"FileName\":\"f1\",\"Count\":3,\"Ids\":[1]}\n");
    /* summarize ... | extend Twice = Count * 2 | project FileName, Twice */
    st = tail_stage(&f, RP_IR_SUMMARIZE, NULL);
    set_assign(&f, &assigns(&f, st, 1)[0], "FileName", col(&f, "FileName", RP_TYPE_STRING));
    ag = aggs(&f, st, 1);
    set_agg(&f, &ag[0], RP_IR_AGG_COUNT, "Count", NULL, RP_TYPE_LONG);
    st->out = mkcols(&f, "FileName Count");
    rp_ir_stage *ex = tail_stage(&f, RP_IR_EXTEND, NULL);
    set_assign(&f, &assigns(&f, ex, 1)[0], "Twice",
               rp_ir_arith_new(f.A, RP_IR_MUL, RP_TYPE_LONG, rp_ir_colref(f.A, "Count", ag[0].slot, RP_TYPE_LONG, nospan),
                               rp_ir_const_long(f.A, 2, nospan), nospan));
    ex->out = mkcols(&f, "FileName Count Twice");
    tail_stage(&f, RP_IR_PROJECT, "FileName Twice");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "{\"FileName\":\"f1\",\"Twice\":6}\n{\"FileName\":\"f2\",\"Twice\":4}\n"
                                                "{\"FileName\":\"f3\",\"Twice\":2}\n");
    /* summarize without by on no input: one row of defaults */
    const char *none[] = {NULL};
    st = tail_stage(&f, RP_IR_SUMMARIZE, NULL);
    ag = aggs(&f, st, 4);
    set_agg(&f, &ag[0], RP_IR_AGG_COUNT, "count_", NULL, RP_TYPE_LONG);
    set_agg(&f, &ag[1], RP_IR_AGG_MAKE_SET, "set_", col(&f, "ProcessId", RP_TYPE_LONG), RP_TYPE_DYNAMIC);
    set_agg(&f, &ag[2], RP_IR_AGG_MAX, "max_", col(&f, "ProcessId", RP_TYPE_LONG), RP_TYPE_LONG);
    set_agg(&f, &ag[3], RP_IR_AGG_SUM, "sum_", col(&f, "ProcessId", RP_TYPE_LONG), RP_TYPE_LONG);
    st->out = mkcols(&f, "count_ set_ max_ sum_");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, none), "{\"count_\":0,\"set_\":[],\"max_\":null,\"sum_\":0}\n");
    /* with by: no input, no rows */
    st = tail_stage(&f, RP_IR_SUMMARIZE, NULL);
    set_assign(&f, &assigns(&f, st, 1)[0], "FileName", col(&f, "FileName", RP_TYPE_STRING));
    ag = aggs(&f, st, 1);
    set_agg(&f, &ag[0], RP_IR_AGG_COUNT, "count_", NULL, RP_TYPE_LONG);
    st->out = mkcols(&f, "FileName count_");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, none), "");
    /* summarize make_list | mv-expand: the list's elements come back one per row */
    st = tail_stage(&f, RP_IR_SUMMARIZE, NULL);
    ag = aggs(&f, st, 1);
    set_agg(&f, &ag[0], RP_IR_AGG_MAKE_LIST, "L", col(&f, "ProcessId", RP_TYPE_LONG), RP_TYPE_DYNAMIC);
    st->out = mkcols(&f, "L");
    rp_ir_stage *mv = tail_stage(&f, RP_IR_MV_EXPAND, NULL);
    set_assign(&f, &assigns(&f, mv, 1)[0], "L", rp_ir_colref(f.A, "L", ag[0].slot, RP_TYPE_DYNAMIC, nospan));
    mv->out = mkcols(&f, "L");
    rp_ir_stage *tk = tail_stage(&f, RP_IR_TAKE, "L");
    tk->limit = 4;
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), "{\"L\":1}\n{\"L\":7}\n{\"L\":3}\n{\"L\":1}\n");
    rp_arena_free(f.A);
}

/* parse FileName with <pieces>: "c:" constant, "n:" string capture, "l:" long capture, "*". */
static rp_ir_stage *parse_stage(fixture *f, const char *const *pieces)
{
    rp_ir_stage *st = src_stage(f, RP_IR_PARSE);
    st->source = col(f, "FileName", RP_TYPE_STRING);
    size_t n = 0;
    while (pieces[n]) n++;
    st->pieces = RP_NEW_ARRAY(f->A, rp_ir_parse_piece, n);
    st->npieces = n;
    for (size_t i = 0; i < n; i++) {
        rp_ir_parse_piece *p = &st->pieces[i];
        p->slot = -1;
        if (pieces[i][0] == 'c') {
            p->text = pieces[i] + 2;
            p->len = strlen(p->text);
        } else if (pieces[i][0] != '*') {
            p->type = pieces[i][0] == 'l' ? RP_TYPE_LONG : RP_TYPE_STRING;
            p->name = pieces[i] + 2;
            p->slot = rp_ir_slot_of(f->A, f->ir, p->name, p->type);
        }
    }
    return st;
}

static void test_parse(void)
{
    fixture f;
    fx_init(&f);
    const char *line[] = {EV(",\"FileName\":\"user=bob id=42 host=h1.x\""), NULL};
    const char *p1[] = {"*", "c:user=", "n:User", "c: id=", "l:Id", "c: host=", "n:Host", NULL};
#define PARSE_CASE(pieces, lines, outcols, expect)                                  \
    do {                                                                            \
        parse_stage(&f, pieces);                                                    \
        f.src->out = mkcols(&f, outcols);                                           \
        CU_ASSERT_STRING_EQUAL(run_rows(&f, lines), expect);                        \
    } while (0)
    /* the last capture takes the rest of the text */
    PARSE_CASE(p1, line, "User Id Host", "{\"User\":\"bob\",\"Id\":42,\"Host\":\"h1.x\"}\n");
    /* a missing delimiter: every capture empty / null, the row stays */
    const char *p2[] = {"*", "c:user=", "n:User", "c: id=", "l:Id", "c: port=", "n:Port", NULL};
    PARSE_CASE(p2, line, "User Id Port", "{\"User\":\"\",\"Id\":null,\"Port\":\"\"}\n");
    /* a typed capture that does not convert fails the whole parse */
    const char *p3[] = {"c:user=", "l:Id", "c: ", "*", NULL};
    PARSE_CASE(p3, line, "Id", "{\"Id\":null}\n");
    /* a leading constant must be a prefix (no `*` before it) */
    const char *p4[] = {"c:id=", "l:Id", "c: ", "*", NULL};
    PARSE_CASE(p4, line, "Id", "{\"Id\":null}\n");
    /* the first occurrence of a delimiter ends a capture; text after a final constant is ignored */
    const char *p5[] = {"*", "c:=", "n:A", "c:=", NULL};
    PARSE_CASE(p5, line, "A", "{\"A\":\"bob id\"}\n");
    /* two captures in a row: the first is empty */
    const char *p6[] = {"c:user=", "n:A", "n:B", NULL};
    PARSE_CASE(p6, line, "A B", "{\"A\":\"\",\"B\":\"bob id=42 host=h1.x\"}\n");
    /* a missing source string: a pattern of one capture takes "", one with a constant fails */
    const char *empty[] = {EV(""), NULL};
    const char *p7[] = {"n:All", NULL};
    PARSE_CASE(p7, empty, "All", "{\"All\":\"\"}\n");
    PARSE_CASE(p2, empty, "User Id", "{\"User\":\"\",\"Id\":null}\n");
#undef PARSE_CASE
    rp_arena_free(f.A);
}

static void test_mv_expand(void)
{
    fixture f;
    fx_init(&f);
    const char *lines[] = {EV(",\"FileName\":\"a\",\"Arr\":[1, \"x\" ,{\"k\":[2]},null]"), EV(",\"FileName\":\"b\",\"Arr\":[]"),
                           EV(",\"FileName\":\"c\",\"Arr\":null"), EV(",\"FileName\":\"d\",\"Arr\":5"),
                           EV(",\"FileName\":\"e\",\"Arr\":{\"p\":1,\"q\":\"s\"}"), EV(",\"FileName\":\"f\""), NULL};
#define MV(lim)                                                                                                  \
    do {                                                                                                         \
        col(&f, "FileName", RP_TYPE_STRING);                                                                     \
        rp_ir_stage *st = src_stage(&f, RP_IR_MV_EXPAND);                                                        \
        set_assign(&f, &assigns(&f, st, 1)[0], "Arr", col(&f, "Arr", RP_TYPE_DYNAMIC));                         \
        st->limit = lim;                                                                                         \
        f.src->out = mkcols(&f, "FileName Arr");                                                                 \
    } while (0)
    /* elements in order, raw; empty array: row dropped; null and missing: one null; scalar: itself;
     * object: one single-member object per member */
    MV(0);
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines),
                           "{\"FileName\":\"a\",\"Arr\":1}\n{\"FileName\":\"a\",\"Arr\":\"x\"}\n{\"FileName\":\"a\",\"Arr\":{\"k\":[2]}}\n"
                           "{\"FileName\":\"a\",\"Arr\":null}\n{\"FileName\":\"c\",\"Arr\":null}\n{\"FileName\":\"d\",\"Arr\":5}\n"
                           "{\"FileName\":\"e\",\"Arr\":{\"p\":1}}\n{\"FileName\":\"e\",\"Arr\":{\"q\":\"s\"}}\n"
                           "{\"FileName\":\"f\",\"Arr\":null}\n");
    /* limit 1 row per input row */
    MV(1);
    CU_ASSERT_STRING_EQUAL(run_rows(&f, lines),
                           "{\"FileName\":\"a\",\"Arr\":1}\n{\"FileName\":\"c\",\"Arr\":null}\n{\"FileName\":\"d\",\"Arr\":5}\n"
                           "{\"FileName\":\"e\",\"Arr\":{\"p\":1}}\n{\"FileName\":\"f\",\"Arr\":null}\n");
#undef MV
    /* two columns expand in parallel; the shorter pads with null; a where after it sees each row */
    const char *two[] = {EV(",\"Arr\":[1,2,3],\"Brr\":[\"a\"]"), NULL};
    rp_ir_stage *st = src_stage(&f, RP_IR_MV_EXPAND);
    rp_ir_assign *as = assigns(&f, st, 2);
    set_assign(&f, &as[0], "Arr", col(&f, "Arr", RP_TYPE_DYNAMIC));
    set_assign(&f, &as[1], "Brr", col(&f, "Brr", RP_TYPE_DYNAMIC));
    rp_ir_stage *w = src_stage(&f, RP_IR_FILTER);
    w->pred = rp_ir_str(f.A, RP_IR_S_EQ, 0, 1, rp_ir_call(f.A, RP_IR_F_TOSTRING, RP_TYPE_STRING,
                                                          (rp_ir_expr *[]){rp_ir_colref(f.A, "Arr", as[0].slot, RP_TYPE_DYNAMIC, nospan)}, 1, nospan),
                        str(&f, "2"), nospan);
    f.src->out = mkcols(&f, "Arr Brr");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, two), "{\"Arr\":1,\"Brr\":\"a\"}\n{\"Arr\":3,\"Brr\":null}\n");
    /* every column empty: dropped */
    const char *empties[] = {EV(",\"Arr\":[],\"Brr\":{}"), NULL};
    st = src_stage(&f, RP_IR_MV_EXPAND);
    as = assigns(&f, st, 2);
    set_assign(&f, &as[0], "Arr", col(&f, "Arr", RP_TYPE_DYNAMIC));
    set_assign(&f, &as[1], "Brr", col(&f, "Brr", RP_TYPE_DYNAMIC));
    f.src->out = mkcols(&f, "Arr Brr");
    CU_ASSERT_STRING_EQUAL(run_rows(&f, empties), "");
    rp_arena_free(f.A);
}

static rp_ir_expr *call3(fixture *f, rp_ir_fn fn, rp_ir_expr *a, rp_ir_expr *b, rp_ir_expr *c)
{
    rp_ir_expr **args = RP_NEW_ARRAY(f->A, rp_ir_expr *, 3);
    args[0] = a;
    args[1] = b;
    args[2] = c;
    return rp_ir_call(f->A, fn, RP_TYPE_STRING, args, c ? 3 : 2, nospan);
}

/* extend X = e; the X of one line. */
static const char *fn_on(fixture *f, rp_ir_expr *e, const char *line)
{
    rp_ir_stage *st = src_stage(f, RP_IR_EXTEND);
    set_assign(f, &assigns(f, st, 1)[0], "X", e);
    f->src->out = mkcols(f, "X");
    const char *lines[] = {line, NULL};
    return run_rows(f, lines);
}

static void test_regex_functions(void)
{
    fixture f;
    fx_init(&f);
    const char *line = EV(",\"FileName\":\"--a-b.exe--\",\"ProcessCommandLine\":\"port=8080 user=Bob\"");
#define FN(fn, pat, arg) fn_on(&f, call3(&f, fn, str(&f, pat), arg, NULL), line)
    CU_ASSERT_STRING_EQUAL(FN(RP_IR_F_TRIM, "-", col(&f, "FileName", RP_TYPE_STRING)), "{\"X\":\"a-b.exe\"}\n");
    CU_ASSERT_STRING_EQUAL(FN(RP_IR_F_TRIM_START, "-", col(&f, "FileName", RP_TYPE_STRING)), "{\"X\":\"a-b.exe--\"}\n");
    CU_ASSERT_STRING_EQUAL(FN(RP_IR_F_TRIM_END, "-", col(&f, "FileName", RP_TYPE_STRING)), "{\"X\":\"--a-b.exe\"}\n");
    /* an alternation is one unit: (?:\.exe|-)+ at the end */
    CU_ASSERT_STRING_EQUAL(FN(RP_IR_F_TRIM_END, "\\.exe|-", col(&f, "FileName", RP_TYPE_STRING)), "{\"X\":\"--a-b\"}\n");
    /* no match: unchanged; missing string: "" */
    CU_ASSERT_STRING_EQUAL(FN(RP_IR_F_TRIM, "x", col(&f, "FileName", RP_TYPE_STRING)), "{\"X\":\"--a-b.exe--\"}\n");
    CU_ASSERT_STRING_EQUAL(FN(RP_IR_F_TRIM, "-", col(&f, "InitiatingProcessFileName", RP_TYPE_STRING)), "{\"X\":\"\"}\n");
#undef FN
#define EXTRACT(pat, g, arg) fn_on(&f, call3(&f, RP_IR_F_EXTRACT, str(&f, pat), g, arg), line)
    rp_ir_expr *one = rp_ir_const_long(f.A, 1, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("port=(\\d+)", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"8080\"}\n");
    one = rp_ir_const_long(f.A, 0, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("user=\\w+", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"user=Bob\"}\n");
    /* no match, a group above the pattern's, a group that did not take part, a null group: "" */
    one = rp_ir_const_long(f.A, 1, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("pid=(\\d+)", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"\"}\n");
    one = rp_ir_const_long(f.A, 2, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("port=(\\d+)", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"\"}\n");
    one = rp_ir_const_long(f.A, 2, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("port=(\\d+)|(x)", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"\"}\n");
    CU_ASSERT_STRING_EQUAL(EXTRACT("port=(\\d+)", rp_ir_const_null(f.A, RP_TYPE_LONG, nospan), col(&f, "ProcessCommandLine", RP_TYPE_STRING)),
                           "{\"X\":\"\"}\n");
    /* case-sensitive unless (?i) */
    one = rp_ir_const_long(f.A, 1, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("USER=(\\w+)", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"\"}\n");
    one = rp_ir_const_long(f.A, 1, nospan);
    CU_ASSERT_STRING_EQUAL(EXTRACT("(?i)USER=(\\w+)", one, col(&f, "ProcessCommandLine", RP_TYPE_STRING)), "{\"X\":\"Bob\"}\n");
#undef EXTRACT
    rp_arena_free(f.A);
}


/* Dynamic values (interp.c "Dynamic values"): member/index access, parse_json, tostring of each
 * JSON type, comparisons through tostring(). Expected results written by hand. */
static rp_ir_expr *dcall(fixture *f, rp_ir_fn fn, rp_type t, rp_ir_expr *a, rp_ir_expr *b)
{
    rp_ir_expr *args[2] = {a, b};
    return rp_ir_call(f->A, fn, t, args, b ? 2 : 1, nospan);
}
static rp_ir_expr *mem(fixture *f, rp_ir_expr *d, const char *key) { return dcall(f, RP_IR_F_MEMBER, RP_TYPE_DYNAMIC, d, str(f, key)); }
static rp_ir_expr *idx(fixture *f, rp_ir_expr *d, int64_t i)
{
    return dcall(f, RP_IR_F_INDEX, RP_TYPE_DYNAMIC, d, rp_ir_const_long(f->A, i, nospan));
}
static rp_ir_expr *af(fixture *f) { return col(f, "AdditionalFields", RP_TYPE_DYNAMIC); }
static rp_ir_expr *ts(fixture *f, rp_ir_expr *d) { return dcall(f, RP_IR_F_TOSTRING, RP_TYPE_STRING, d, NULL); }

static void test_dynamic(void)
{
    fixture f;
    fx_init(&f);
    const char *line = EV(",\"AdditionalFields\":{\"Cmd\":\"a\\\"b\\u0041\",\"dup\":1,\"dup\":2,\"n\":-0,\"r\":1.50,\"big\":1e3,"
                          "\"o\":{\"k\\\"ey\":[1,2,{\"z\":3}]},\"nul\":null,\"t\":true,\"e\":\"\"}"
                          ",\"InitiatingProcessCommandLine\":\"{\\\"a\\\":{\\\"b\\\":\\\"c\\\"}}\",\"FileName\":\"not json\"");
    /* tostring of each JSON type: string unescaped, numbers normalised, bool, object as written, null "" */
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "Cmd")), line), "{\"X\":\"a\\\"bA\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "n")), line), "{\"X\":\"0\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "r")), line), "{\"X\":\"1.5\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "big")), line), "{\"X\":\"1000\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "t")), line), "{\"X\":\"true\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "o")), line), "{\"X\":\"{\\\"k\\\\\\\"ey\\\":[1,2,{\\\"z\\\":3}]}\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "nul")), line), "{\"X\":\"\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, af(&f), "missing")), line), "{\"X\":\"\"}\n");
    /* duplicate key: the last one; escaped key names; negative index; out of range; wrong type */
    CU_ASSERT_STRING_EQUAL(fn_on(&f, mem(&f, af(&f), "dup"), line), "{\"X\":2}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, idx(&f, mem(&f, af(&f), "o"), 0), line), "{\"X\":null}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, mem(&f, idx(&f, mem(&f, mem(&f, af(&f), "o"), "k\"ey"), -1), "z"), line), "{\"X\":3}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, idx(&f, mem(&f, mem(&f, af(&f), "o"), "k\"ey"), -3), line), "{\"X\":1}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, idx(&f, mem(&f, mem(&f, af(&f), "o"), "k\"ey"), -4), line), "{\"X\":null}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, idx(&f, mem(&f, mem(&f, af(&f), "o"), "k\"ey"), 3), line), "{\"X\":null}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, mem(&f, mem(&f, af(&f), "Cmd"), "x"), line), "{\"X\":null}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, mem(&f, af(&f), "nul"), line), "{\"X\":null}\n");
    /* parse_json: JSON in a string becomes navigable; not JSON: a dynamic string holding it */
    rp_ir_expr *p = dcall(&f, RP_IR_F_PARSE_JSON, RP_TYPE_DYNAMIC, col(&f, "InitiatingProcessCommandLine", RP_TYPE_STRING), NULL);
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, mem(&f, mem(&f, p, "a"), "b")), line), "{\"X\":\"c\"}\n");
    p = dcall(&f, RP_IR_F_PARSE_JSON, RP_TYPE_DYNAMIC, col(&f, "FileName", RP_TYPE_STRING), NULL);
    CU_ASSERT_STRING_EQUAL(fn_on(&f, p, line), "{\"X\":\"not json\"}\n");
    p = dcall(&f, RP_IR_F_PARSE_JSON, RP_TYPE_DYNAMIC, col(&f, "FileName", RP_TYPE_STRING), NULL);
    CU_ASSERT_STRING_EQUAL(fn_on(&f, mem(&f, p, "a"), line), "{\"X\":null}\n");
    /* array_length, conversions */
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ARRAY_LENGTH, RP_TYPE_LONG, mem(&f, mem(&f, af(&f), "o"), "k\"ey"), NULL), line),
                           "{\"X\":3}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ARRAY_LENGTH, RP_TYPE_LONG, mem(&f, af(&f), "o"), NULL), line), "{\"X\":null}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_TOLONG, RP_TYPE_LONG, mem(&f, af(&f), "r"), NULL), line), "{\"X\":1}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_TOBOOL, RP_TYPE_BOOL, mem(&f, af(&f), "t"), NULL), line), "{\"X\":true}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_TOREAL, RP_TYPE_REAL, mem(&f, af(&f), "nul"), NULL), line), "{\"X\":null}\n");
    /* isempty: null, missing and the JSON string "" are empty; isnull: only null / missing */
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ISEMPTY, RP_TYPE_BOOL, mem(&f, af(&f), "e"), NULL), line), "{\"X\":true}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ISNULL, RP_TYPE_BOOL, mem(&f, af(&f), "e"), NULL), line), "{\"X\":false}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ISEMPTY, RP_TYPE_BOOL, mem(&f, af(&f), "missing"), NULL), line), "{\"X\":true}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ISEMPTY, RP_TYPE_BOOL, mem(&f, af(&f), "t"), NULL), line), "{\"X\":false}\n");
    /* comparisons with a string: through tostring(); a null is never == and always != */
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 0, 0, mem(&f, af(&f), "Cmd"), str(&f, "a\"bA"), nospan), line), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 1, 0, mem(&f, af(&f), "Cmd"), str(&f, "A\"BA"), nospan), line), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 0, 0, mem(&f, af(&f), "dup"), str(&f, "2"), nospan), line), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 0, 0, mem(&f, af(&f), "dup"), str(&f, "1"), nospan), line), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 0, 0, mem(&f, af(&f), "nul"), str(&f, "x"), nospan), line), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_EQ, 0, 1, mem(&f, af(&f), "nul"), str(&f, "x"), nospan), line), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_HAS, 1, 0, mem(&f, af(&f), "Cmd"), str(&f, "ba"), nospan), line), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_str(f.A, RP_IR_S_CONTAINS, 1, 0, mem(&f, af(&f), "o"), str(&f, "k\\\"ey"), nospan), line), 1);
    rp_ir_value set[2] = {{RP_TYPE_STRING, 0, 0, 0, "zz", 2}, {RP_TYPE_STRING, 0, 0, 0, "1000", 4}};
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 0, mem(&f, af(&f), "big"), set, 2, nospan), line), 1);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 0, mem(&f, af(&f), "nul"), set, 2, nospan), line), 0);
    CU_ASSERT_EQUAL(run_pred(&f, rp_ir_in(f.A, RP_IR_SET_IN, 0, 1, mem(&f, af(&f), "nul"), set, 2, nospan), line), 1);
    rp_arena_free(f.A);
}

/* split / pack_array / ipv4_is_private through the interpreter (expected results by hand, the
 * pages' examples first). fn_on starts a new fixture, so every call builds its own nodes. */
static void test_split_pack_ipv4(void)
{
    fixture f;
    fx_init(&f);
    const char *line = EV(",\"FileName\":\"aaa_bbb_ccc\",\"FolderPath\":\"C:\\\\Win\\\\x.exe\",\"ProcessId\":7,"
                          "\"DeviceName\":\"192.168.1.1/24\",\"AccountName\":\"1.2.3\"");
#define FNAME col(&f, "FileName", RP_TYPE_STRING)
#define SPLIT2(s, d) dcall(&f, RP_IR_F_SPLIT, RP_TYPE_DYNAMIC, s, str(&f, d))
#define SPLIT3(s, d, i) call3(&f, RP_IR_F_SPLIT, s, str(&f, d), rp_ir_const_long(f.A, i, nospan))
#define PRIV(e) dcall(&f, RP_IR_F_IPV4_IS_PRIVATE, RP_TYPE_BOOL, e, NULL)
    CU_ASSERT_STRING_EQUAL(fn_on(&f, SPLIT2(FNAME, "_"), line), "{\"X\":[\"aaa\",\"bbb\",\"ccc\"]}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, SPLIT3(FNAME, "_", 1), line), "{\"X\":[\"bbb\"]}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, SPLIT3(FNAME, "_", 3), line), "{\"X\":[]}\n");
    /* tostring(split(FolderPath, "\\")[1]), array_length, a missing string splits into [""] */
    CU_ASSERT_STRING_EQUAL(fn_on(&f, ts(&f, idx(&f, SPLIT2(col(&f, "FolderPath", RP_TYPE_STRING), "\\"), 1)), line),
                           "{\"X\":\"Win\"}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, dcall(&f, RP_IR_F_ARRAY_LENGTH, RP_TYPE_LONG,
                                           SPLIT2(col(&f, "FolderPath", RP_TYPE_STRING), "\\"), NULL), line),
                           "{\"X\":3}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, SPLIT2(col(&f, "SHA1", RP_TYPE_STRING), "_"), line), "{\"X\":[\"\"]}\n");
    /* pack_array(FileName, ProcessId, 2s, missing long) */
    rp_ir_expr *pa = rp_ir_call(f.A, RP_IR_F_PACK_ARRAY, RP_TYPE_DYNAMIC, NULL, 0, nospan);
    rp_ir_push_arg(f.A, pa, FNAME);
    rp_ir_push_arg(f.A, pa, col(&f, "ProcessId", RP_TYPE_LONG));
    rp_ir_push_arg(f.A, pa, rp_ir_const_typed(f.A, RP_TYPE_TIMESPAN, 2 * RP_TICKS_PER_SECOND, nospan));
    rp_ir_push_arg(f.A, pa, col(&f, "FileSize", RP_TYPE_LONG));
    CU_ASSERT_STRING_EQUAL(fn_on(&f, pa, line), "{\"X\":[\"aaa_bbb_ccc\",7,\"00:00:02\",null]}\n");
    /* ipv4_is_private: true, false, null */
    CU_ASSERT_STRING_EQUAL(fn_on(&f, PRIV(col(&f, "DeviceName", RP_TYPE_STRING)), line), "{\"X\":true}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, PRIV(str(&f, "202.1.2.3")), line), "{\"X\":false}\n");
    CU_ASSERT_STRING_EQUAL(fn_on(&f, PRIV(col(&f, "AccountName", RP_TYPE_STRING)), line), "{\"X\":null}\n");
#undef FNAME
#undef SPLIT2
#undef SPLIT3
#undef PRIV
    rp_arena_free(f.A);
}

static void test_rejected_shapes(void)
{
    fixture f;
    fx_init(&f);
    const char *why = NULL;
    /* a trim whose pattern is not a constant string cannot run */
    rp_ir_stage *st = src_stage(&f, RP_IR_EXTEND);
    set_assign(&f, &assigns(&f, st, 1)[0], "X",
               call3(&f, RP_IR_F_TRIM, col(&f, "FileName", RP_TYPE_STRING), col(&f, "FileName", RP_TYPE_STRING), NULL));
    rp_interp *in = rp_interp_new(0, NULL, NULL);
    CU_ASSERT_FALSE(rp_interp_add_rule(in, f.ir, &why));
    CU_ASSERT_PTR_NOT_NULL(why);
    rp_interp_free(in);
    rp_arena_free(f.A);
    /* a tail must start with a stateful stage */
    fx_init(&f);
    rp_ir_stage *w = tail_stage(&f, RP_IR_FILTER, "*");
    w->pred = rp_ir_const_bool(f.A, 1, nospan);
    in = rp_interp_new(0, NULL, NULL);
    why = NULL;
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
    {"take: input order, take 0, where after it", test_take},
    {"sort / top: direction, nulls first/last, ties, bounded heap", test_sort_top},
    {"distinct (case-sensitive, null keys) and count", test_distinct_count},
    {"stages after summarize; summarize defaults on empty input", test_after_summarize},
    {"parse kind=simple: captures, missing delimiters, typed captures", test_parse},
    {"mv-expand: arrays, empty, null, scalars, objects, parallel, limit", test_mv_expand},
    {"trim, trim_start, trim_end, extract", test_regex_functions},
    {"shapes the interpreter refuses", test_rejected_shapes},
    {"dynamic: member, index, parse_json, tostring, comparisons", test_dynamic},
    {"split, pack_array, ipv4_is_private", test_split_pack_ipv4},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("interp", tests)
