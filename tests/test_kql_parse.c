/* test_kql_parse.c: the KQL parser. Runs the data-driven cases of tests/cases/kql_parse.txt (query
 * -> s-expression, or expected diagnostics with positions), then targeted checks: the depth guard
 * on 10,000 nested parentheses, several errors per query, span mapping through a mapper, and
 * node spans. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kql_parse.h"
#include "rp_limits.h"
#include "test_util.h"

typedef struct parsed {
    rp_diag_sink sink;
    rp_ctx ctx;
    rp_kql_query *query;
} parsed;

static void parse_text(parsed *out, const char *text, size_t len, rp_kql_span_mapper map, void *map_data)
{
    rp_diag_sink_init(&out->sink);
    memset(&out->ctx, 0, sizeof out->ctx);
    out->ctx.arena = rp_arena_new();
    out->ctx.diags = &out->sink;
    out->query = rp_kql_parse(&out->ctx, text, len, map, map_data);
}

static void parsed_free(parsed *out)
{
    rp_arena_free(out->ctx.arena);
    rp_diag_sink_free(&out->sink);
}

/* "RP0203 2:1, RP0206 3:11" for the diagnostics of a parse. */
static void diag_summary(const parsed *run, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < run->sink.count; i++) {
        const rp_diag *d = &run->sink.items[i];
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s %u:%u", i ? ", " : "", rp_diag_info_of(d->code)->code, d->line,
                 d->column);
    }
}

static void test_case_file(void)
{
    FILE *file = fopen("tests/cases/kql_parse.txt", "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    static char data[1 << 18];
    size_t len = fread(data, 1, sizeof data - 1, file);
    fclose(file);
    data[len] = '\0';
    size_t cases = 0, failures = 0;
    char *cursor = data;
    while ((cursor = strstr(cursor, "\n=== ")) != NULL) {
        char *id = cursor + 5;
        char *id_end = strchr(id, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(id_end);
        char *query = id_end + 1;
        char *sep = strstr(query, "\n--- ");
        CU_ASSERT_PTR_NOT_NULL_FATAL(sep);
        char *expect = sep + 5;
        char *expect_end = strchr(expect, '\n');
        if (!expect_end) expect_end = expect + strlen(expect);
        char case_id[64], expected[8192];
        snprintf(case_id, sizeof case_id, "%.*s", (int)(id_end - id), id);
        snprintf(expected, sizeof expected, "%.*s", (int)(expect_end - expect), expect);
        size_t query_len = (size_t)(sep - query);
        cases++;

        parsed run;
        parse_text(&run, query, query_len, NULL, NULL);
        char actual[8192];
        if (strncmp(expected, "FAIL ", 5) == 0) {
            diag_summary(&run, actual, sizeof actual);
            if (strcmp(actual, expected + 5) != 0 || run.query->syntax_errors == 0) {
                failures++;
                fprintf(stderr, "\n%s: expected diagnostics %s\n   got %s\n", case_id, expected + 5, actual);
            }
        } else {
            const char *sexpr = rp_kql_query_sexpr(run.ctx.arena, run.query);
            if (run.sink.count || strcmp(sexpr, expected) != 0) {
                failures++;
                diag_summary(&run, actual, sizeof actual);
                fprintf(stderr, "\n%s: expected %s\n   got %s [%s]\n", case_id, expected, sexpr, actual);
            }
        }
        parsed_free(&run);
        cursor = expect_end;
    }
    CU_ASSERT(cases >= 90);
    CU_ASSERT_EQUAL(failures, 0);
}

/* 10,000 nested parentheses: one clean RP0205, no stack overflow (runs under ASan too). */
static void test_depth_guard(void)
{
    size_t depth = 10000;
    size_t len = 6 + depth * 2 + 1;
    char *text = malloc(len + 1);
    memcpy(text, "print ", 6);
    memset(text + 6, '(', depth);
    text[6 + depth] = '1';
    memset(text + 7 + depth, ')', depth);
    text[len] = '\0';
    parsed run;
    parse_text(&run, text, len, NULL, NULL);
    CU_ASSERT_EQUAL(run.sink.count, 1);
    CU_ASSERT(run.sink.count >= 1 && run.sink.items[0].code == RP0205);
    parsed_free(&run);
    /* unary minus chains and nested pipes hit the same guard */
    memset(text + 6, '-', depth);
    text[6 + depth] = '1';
    text[7 + depth] = '\0';
    parse_text(&run, text, 7 + depth, NULL, NULL);
    CU_ASSERT(run.sink.count == 1 && run.sink.items[0].code == RP0205);
    parsed_free(&run);
    /* at a nesting well below the limit nothing is reported */
    snprintf(text, len, "print ((((((((((1))))))))))");
    parse_text(&run, text, strlen(text), NULL, NULL);
    CU_ASSERT_EQUAL(run.sink.count, 0);
    parsed_free(&run);
    free(text);
}

/* Several independent errors in one query are all reported (recovery at '|' and ';'). */
static void test_multiple_errors(void)
{
    const char *text = "T | where a ==\n| frobnicate\n| where !b;\nlet x = (1;\nU | take 1";
    parsed run;
    parse_text(&run, text, strlen(text), NULL, NULL);
    char summary[512];
    diag_summary(&run, summary, sizeof summary);
    CU_ASSERT_STRING_EQUAL(summary, "RP0200 2:1, RP0209 2:3, RP0206 3:9, RP0203 4:11");
    /* the last statement still parsed */
    CU_ASSERT_EQUAL(run.query->stmts.count, 3);
    CU_ASSERT_STRING_EQUAL(rp_kql_sexpr(run.ctx.arena, run.query->stmts.items[2]),
                           "(query (pipe (name U) (take take (long 1))))");
    parsed_free(&run);
}

/* Lua-style message naming where the bracket was opened. */
static void test_unclosed_message(void)
{
    const char *text = "T\n| where f(a,\n  b";
    parsed run;
    parse_text(&run, text, strlen(text), NULL, NULL);
    CU_ASSERT_EQUAL_FATAL(run.sink.count, 1);
    CU_ASSERT_STRING_EQUAL(run.sink.items[0].message, "')' expected (to close '(' at 2:10) near end of query");
    CU_ASSERT_EQUAL(run.sink.items[0].line, 3);
    parsed_free(&run);
}

/* A mapper shifts positions, as a YAML block scalar does (here: query starts at line 11). */
typedef struct shift_map {
    const rp_source *src;
    size_t base;
} shift_map;

static rp_span shift(void *data, size_t start, size_t end)
{
    shift_map *map = data;
    return rp_span_make(map->src, map->base + start, map->base + end);
}

static void test_span_mapping(void)
{
    rp_arena *arena = rp_arena_new();
    const char *file = "a: 1\nb: 2\nquery: |\n  T | where !x\n";
    const rp_source *src = rp_source_from_memory(arena, "rule.yaml", file, strlen(file));
    shift_map map = {src, 21}; /* offset of "T" */
    const char *query = "T | where !x\n";
    parsed run;
    parse_text(&run, query, strlen(query), shift, &map);
    CU_ASSERT_EQUAL_FATAL(run.sink.count, 1);
    CU_ASSERT_STRING_EQUAL(run.sink.items[0].file, "rule.yaml");
    CU_ASSERT_EQUAL(run.sink.items[0].line, 4);
    CU_ASSERT_EQUAL(run.sink.items[0].column, 13);
    CU_ASSERT_EQUAL(run.sink.items[0].code, RP0206);
    parsed_free(&run);
    rp_arena_free(arena);
}

/* Node spans cover their source text. */
static void test_node_spans(void)
{
    const char *text = "T | where Name has 'x'";
    parsed run;
    parse_text(&run, text, strlen(text), NULL, NULL);
    const rp_kql_node *pipe = run.query->stmts.items[0]->a;
    CU_ASSERT_EQUAL_FATAL(pipe->kind, RP_KQL_PIPE);
    const rp_kql_node *where = pipe->items.items[1];
    CU_ASSERT_EQUAL(where->kind, RP_KQL_Q_WHERE);
    CU_ASSERT_EQUAL(where->span.start, 4);
    CU_ASSERT_EQUAL(where->span.end, strlen(text));
    const rp_kql_node *has = where->a;
    CU_ASSERT_EQUAL(has->op, RP_KQL_OP_HAS);
    CU_ASSERT_EQUAL(has->span.start, 10);
    CU_ASSERT_EQUAL(has->b->span.start, 19);
    CU_ASSERT_EQUAL(has->b->span.end, 22);
    CU_ASSERT_EQUAL(has->a->span.end, 14);
    parsed_free(&run);
}

/* ---- tree height: chains built by loops (issue 6, tests/regress/kql-*-chain*) ---- */

/* Height of a tree (recursive: the trees here are bounded by the parser). */
static size_t height(const rp_kql_node *n)
{
    if (!n) return 0;
    size_t h = 0, k;
    const rp_kql_node *kids[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++)
        if ((k = height(kids[i])) > h) h = k;
    const rp_kql_list *lists[3] = {&n->items, &n->aux, &n->options};
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < lists[l]->count; i++)
            if ((k = height(lists[l]->items[i])) > h) h = k;
    return h + 1;
}

static size_t query_height(const rp_kql_query *q)
{
    size_t h = 0;
    for (size_t i = 0; i < q->stmts.count; i++)
        if (height(q->stmts.items[i]) > h) h = height(q->stmts.items[i]);
    return h;
}

/* "print x = 0" + `count` copies of `link` (+1, .a, [0]): a chain of `count` operators. */
static char *chain_text(const char *head, const char *link, size_t count, size_t *len)
{
    size_t hl = strlen(head), ll = strlen(link);
    char *text = malloc(hl + ll * count + 1);
    memcpy(text, head, hl);
    for (size_t i = 0; i < count; i++) memcpy(text + hl + i * ll, link, ll);
    *len = hl + ll * count;
    text[*len] = '\0';
    return text;
}

static int reported(const parsed *run, rp_diag_code code, const char *fragment)
{
    for (size_t i = 0; i < run->sink.count; i++)
        if (run->sink.items[i].code == code && strstr(run->sink.items[i].message, fragment)) return 1;
    return 0;
}

/* One chain: RP_MAX_KQL_CHAIN operators parse, one more is RP0205 and no deeper tree. */
static void test_chain_limit(void)
{
    static const struct {
        const char *head, *link, *what;
    } chains[] = {{"print x = 0", "+1", "operators"},
                  {"print x = 0", "-1", "operators"},
                  {"print x = 1", "*2", "operators"},
                  {"print x = d", ".a", "member accesses"},
                  {"print x = d", "[0]", "member accesses"}};
    for (size_t c = 0; c < sizeof chains / sizeof chains[0]; c++) {
        size_t len;
        char *text = chain_text(chains[c].head, chains[c].link, RP_MAX_KQL_CHAIN, &len);
        parsed run;
        parse_text(&run, text, len, NULL, NULL);
        if (run.sink.count) fprintf(stderr, "\n%s: %s\n", chains[c].link, run.sink.items[0].message);
        CU_ASSERT_EQUAL(run.sink.count, 0);
        CU_ASSERT(query_height(run.query) > RP_MAX_KQL_CHAIN);
        parsed_free(&run);
        free(text);
        text = chain_text(chains[c].head, chains[c].link, RP_MAX_KQL_CHAIN + 1, &len);
        parse_text(&run, text, len, NULL, NULL);
        CU_ASSERT_EQUAL(run.sink.count, 1);
        CU_ASSERT(reported(&run, RP0205, chains[c].what));
        CU_ASSERT(query_height(run.query) <= RP_MAX_KQL_HEIGHT);
        parsed_free(&run);
        free(text);
    }
    /* 200,000 operators: stopped at the limit, one message */
    size_t len;
    char *text = chain_text("T | where ProcessId == 0", " + 1", 200000, &len);
    parsed run;
    parse_text(&run, text, len, NULL, NULL);
    CU_ASSERT_EQUAL(run.sink.count, 1);
    CU_ASSERT(reported(&run, RP0205, "more than 4096 operators in one chain"));
    CU_ASSERT(query_height(run.query) <= RP_MAX_KQL_HEIGHT);
    parsed_free(&run);
    free(text);
}

/* Chains below the chain limit nested in parentheses add up: the statement's height is bounded. */
static void test_height_limit(void)
{
    size_t levels = 3, links = 2000;
    char *text = malloc(64 + levels * (links * 2 + 2));
    size_t n = (size_t)sprintf(text, "T | where x == ");
    for (size_t l = 0; l < levels; l++) text[n++] = '(';
    text[n++] = '0';
    for (size_t l = 0; l < levels; l++) {
        for (size_t i = 0; i < links; i++) text[n++] = '+', text[n++] = '1';
        text[n++] = ')';
    }
    text[n] = '\0';
    parsed run;
    parse_text(&run, text, n, NULL, NULL);
    CU_ASSERT_EQUAL(run.sink.count, 1);
    CU_ASSERT(reported(&run, RP0205, "more than 5000 levels"));
    CU_ASSERT(query_height(run.query) <= RP_MAX_KQL_HEIGHT);
    CU_ASSERT(run.query->syntax_errors == 1);
    /* the statement is kept, its too-deep part is an error node */
    CU_ASSERT_EQUAL_FATAL(run.query->stmts.count, 1);
    CU_ASSERT(run.query->stmts.items[0]->a && run.query->stmts.items[0]->a->kind == RP_KQL_ERROR);
    parsed_free(&run);
    /* two levels (4,000 deep) are fine */
    n = (size_t)sprintf(text, "T | where x == ((0");
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < links; i++) text[n++] = '+', text[n++] = '1';
        text[n++] = ')';
    }
    text[n] = '\0';
    parse_text(&run, text, n, NULL, NULL);
    CU_ASSERT_EQUAL(run.sink.count, 0);
    CU_ASSERT(query_height(run.query) > 2 * links);
    parsed_free(&run);
    free(text);
}

/* And/or runs: left-deep as written up to 64 operands, balanced beyond (any length, log2 height),
 * operands in source order, spans as a left-deep tree would have them. */
static void collect_leaves(const rp_kql_node *n, rp_kql_op op, const rp_kql_node **out, size_t *count)
{
    if (n->kind == RP_KQL_BINARY && n->op == op) {
        CU_ASSERT(n->a->span.start >= n->span.start && n->b->span.end <= n->span.end);
        collect_leaves(n->a, op, out, count);
        collect_leaves(n->b, op, out, count);
        return;
    }
    out[(*count)++] = n;
}

static void test_logic_runs(void)
{
    static const size_t sizes[] = {2, 64, 65, 1000, 60000};
    static const char *const words[] = {" or ", " and "};
    for (size_t w = 0; w < 2; w++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t terms = sizes[s];
            char *text = malloc(32 + terms * 24);
            size_t n = (size_t)sprintf(text, "T | where (a == 0");
            for (size_t i = 1; i < terms; i++) n += (size_t)sprintf(text + n, "%sa == %zu", words[w], i);
            n += (size_t)sprintf(text + n, ")");
            parsed run;
            parse_text(&run, text, n, NULL, NULL);
            CU_ASSERT_EQUAL(run.sink.count, 0);
            const rp_kql_node *root = run.query->stmts.items[0]->a->items.items[1]->a;
            rp_kql_op op = w == 0 ? RP_KQL_OP_OR : RP_KQL_OP_AND;
            CU_ASSERT_EQUAL_FATAL(root->op, op);
            /* the run spans its text, without the closing parenthesis (as before) */
            CU_ASSERT_EQUAL(root->span.start, 11);
            CU_ASSERT_EQUAL(root->span.end, n - 1);
            const rp_kql_node **leaves = malloc(terms * sizeof *leaves);
            size_t count = 0;
            collect_leaves(root, op, leaves, &count);
            CU_ASSERT_EQUAL(count, terms);
            for (size_t i = 0; i < count; i++) {
                CU_ASSERT(leaves[i]->kind == RP_KQL_BINARY && leaves[i]->op == RP_KQL_OP_EQ);
                CU_ASSERT(leaves[i]->b->kind == RP_KQL_LONG && leaves[i]->b->ival == (int64_t)i);
            }
            size_t h = height(root);
            if (terms <= 64) {
                CU_ASSERT_EQUAL(h, terms + 1); /* left-deep: terms - 1 operators over an `==` of 2 levels */
            } else {
                CU_ASSERT(h <= 2 + 20); /* balanced: about log2(terms) */
            }
            free(leaves);
            parsed_free(&run);
            free(text);
        }
    /* precedence is untouched: a or b and c or d = or(or(a, and(b, c)), d) */
    const char *text = "print a or b and c or d";
    parsed run;
    parse_text(&run, text, strlen(text), NULL, NULL);
    CU_ASSERT_STRING_EQUAL(rp_kql_query_sexpr(run.ctx.arena, run.query),
                           "(query (print (or (or (name a) (and (name b) (name c))) (name d))))");
    parsed_free(&run);
}

/* A NUL byte is reported where it is (RP0212), inside a literal of any form or outside; the rest
 * of the query is still read (it used to end the text: "unterminated string"). */
static void test_nul_byte(void)
{
    static const struct {
        const char *text;
        size_t len, at;
    } cases[] = {
#define NUL_CASE(text, at) {text, sizeof text - 1, at}
        NUL_CASE("print x = \"a\0b\", y = 1", 12), NUL_CASE("print x = 'a\0b'", 12),
        NUL_CASE("print x = @\"a\0b\"", 13),       NUL_CASE("print x = h'\0'", 12),
        NUL_CASE("print x = ```a\0b```", 14),      NUL_CASE("print x = 1 \0+ 2", 12),
#undef NUL_CASE
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed run;
        parse_text(&run, cases[i].text, cases[i].len, NULL, NULL);
        char got[256];
        diag_summary(&run, got, sizeof got);
        char want[64];
        snprintf(want, sizeof want, "RP0212 1:%zu", cases[i].at + 1);
        if (strcmp(got, want) != 0) fprintf(stderr, "\ncase %zu: want %s, got %s\n", i, want, got);
        CU_ASSERT_STRING_EQUAL(got, want);
        parsed_free(&run);
    }
    /* the literal keeps its value, NUL included */
    parsed run;
    parse_text(&run, cases[0].text, cases[0].len, NULL, NULL);
    const rp_kql_node *print = run.query->stmts.items[0]->a;
    CU_ASSERT_EQUAL_FATAL(print->kind, RP_KQL_Q_PRINT);
    const rp_kql_node *value = print->items.items[0]->a;
    CU_ASSERT(value->kind == RP_KQL_STRING && value->text_len == 3 && memcmp(value->text, "a\0b", 3) == 0);
    CU_ASSERT_EQUAL(print->items.count, 2);
    parsed_free(&run);
    /* through a rule: a YAML "\u0000" decodes to a NUL; the whole query is parsed, the NUL is
     * reported at its escape in the file */
    rp_test_run rule;
    rp_test_check_text(&rule, "nul.yaml",
                       "id: 1a2b3c4d-0000-4000-8000-0000000000b2\nname: n\n"
                       "query: \"DeviceProcessEvents | where FileName == \\\"a\\u0000b\\\" | project FileName\"\n");
    RP_ASSERT_DIAG_AT(&rule, "RP0212", 3, 52);
    RP_ASSERT_NO_DIAG(&rule, "RP0201");
    rp_test_run_free(&rule);
}

/* A stray closer in a function body is consumed (it looped forever, allocating). */
static void test_func_body_progress(void)
{
    static const char *const texts[] = {"print (a: {1]}", "print (a: {1)}", "let f = () { T | where x ] ; y };\nf()",
                                        "print (a:int) { ] ] ] }"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        parsed run;
        parse_text(&run, texts[i], strlen(texts[i]), NULL, NULL);
        CU_ASSERT(run.sink.count >= 1 && run.sink.count <= 8); /* bounded: about two per stray closer */
        CU_ASSERT(run.query->syntax_errors >= 1);
        parsed_free(&run);
    }
}

static CU_TestInfo tests[] = {
    {"data-driven cases (tests/cases/kql_parse.txt)", test_case_file},
    {"10,000 nested parentheses give RP0205, no overflow", test_depth_guard},
    {"several errors per query with recovery", test_multiple_errors},
    {"unclosed bracket message names the opening position", test_unclosed_message},
    {"diagnostics map through the span mapper", test_span_mapping},
    {"node spans", test_node_spans},
    {"one chain: RP_MAX_KQL_CHAIN operators, then RP0205", test_chain_limit},
    {"nested chains: statement height bounded, RP0205", test_height_limit},
    {"and/or runs: left-deep up to 64, balanced beyond", test_logic_runs},
    {"a NUL byte: RP0212 where it is, in and out of literals and rules", test_nul_byte},
    {"a stray closer in a function body is consumed", test_func_body_progress},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("kql_parse", tests)
