/* test_kql_parse.c: the KQL parser. Runs the data-driven cases of tests/cases/kql_parse.txt (query
 * -> s-expression, or expected diagnostics with positions), then targeted checks: the depth guard
 * on 10,000 nested parentheses, several errors per query, span mapping through a mapper, and
 * node spans. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kql_parse.h"
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

static CU_TestInfo tests[] = {
    {"data-driven cases (tests/cases/kql_parse.txt)", test_case_file},
    {"10,000 nested parentheses give RP0205, no overflow", test_depth_guard},
    {"several errors per query with recovery", test_multiple_errors},
    {"unclosed bracket message names the opening position", test_unclosed_message},
    {"diagnostics map through the span mapper", test_span_mapping},
    {"node spans", test_node_spans},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("kql_parse", tests)
