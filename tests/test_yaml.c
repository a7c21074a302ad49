/* test_yaml.c: the positioned YAML loader (yaml_doc.c) and the file-level diagnostics RP00xx. */
#include "test_util.h"
#include "yaml_doc.h"

static rp_ydoc *load_text(rp_ctx *ctx, rp_diag_sink *sink, const char *text, size_t len)
{
    rp_diag_sink_init(sink);
    ctx->arena = rp_arena_new();
    ctx->diags = sink;
    ctx->src = rp_source_from_memory(ctx->arena, "mem.yaml", text, len);
    return rp_yaml_load(ctx, ctx->src);
}

static void done(rp_ctx *ctx, rp_diag_sink *sink)
{
    rp_arena_free(ctx->arena);
    rp_diag_sink_free(sink);
}

static void test_misindented_list_key(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "r.yaml",
                       "id: f413b02c-92da-4243-82e6-b9bbe8e89a35\r\n"
                       "requiredDataConnectors:\r\n"
                       "    - connectorId: MicrosoftThreatProtection\r\n"
                       "    dataTypes:\r\n"
                       "        - DeviceNetworkEvents\r\n");
    RP_ASSERT_DIAG_AT(&run, "RP0003", 4, 5);
    const rp_diag *d = rp_test_find(&run, "RP0003");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_NULL(strstr(d->message, "'dataTypes' is at the indentation of the list item on line 3"));
    CU_ASSERT_PTR_NOT_NULL(d->hint);
    CU_ASSERT_EQUAL(d->end_column, 14); /* the key is underlined */
    CU_ASSERT_EQUAL(run.diags.count, 1);
    rp_test_run_free(&run);
}

static void test_template_placeholder(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "t.yaml", "id: %%GUID%%\nname: x\n");
    RP_ASSERT_DIAG_AT(&run, "RP0003", 1, 5);
    const rp_diag *d = rp_test_find(&run, "RP0003");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_TRUE(d->hint && strstr(d->hint, "template placeholder"));
    CU_ASSERT_EQUAL(d->related_line, 1); /* libyaml's context mark is kept */
    rp_test_run_free(&run);
}

static void test_tab_indentation(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "t.yaml", "id: x\ntactics:\n\t- Execution\n");
    const rp_diag *d = rp_test_find(&run, "RP0003");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->line, 3);
    CU_ASSERT_TRUE(d->hint && strstr(d->hint, "tabs"));
    rp_test_run_free(&run);
}

static void test_duplicate_key(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "d.yaml", "id: a\nname: x\nid: b\n");
    RP_ASSERT_DIAG_AT(&run, "RP0004", 3, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(rp_test_find(&run, "RP0004")->message, "first at 1:1"));
    rp_test_run_free(&run);
}

static void test_multiple_documents(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "m.yaml", "id: a\n---\nid: b\n");
    RP_ASSERT_DIAG_AT(&run, "RP0010", 2, 1);
    rp_test_run_free(&run);
}

static void test_not_a_mapping_and_empty(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "l.yaml", "- a\n- b\n");
    RP_ASSERT_DIAG_AT(&run, "RP0006", 1, 1);
    rp_test_run_free(&run);
    rp_test_check_text(&run, "e.yaml", "# only a comment\n");
    CU_ASSERT_PTR_NOT_NULL(rp_test_find(&run, "RP0006"));
    rp_test_run_free(&run);
}

static void test_invalid_utf8_and_nul(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "u.yaml", "id: a\nname: caf\xC3\x28\n");
    const rp_diag *d = rp_test_find(&run, "RP0005");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->line, 2);
    rp_test_run_free(&run);

    rp_ctx ctx = {0};
    rp_diag_sink sink;
    static const char with_nul[] = "id: a\nname: x\0y\n";
    rp_ydoc *doc = load_text(&ctx, &sink, with_nul, sizeof with_nul - 1);
    CU_ASSERT_PTR_NULL(doc->root);
    CU_ASSERT_EQUAL(sink.errors, 1);
    CU_ASSERT_EQUAL(sink.items[0].line, 2);
    CU_ASSERT_TRUE(sink.items[0].hint && strstr(sink.items[0].hint, "NUL"));
    done(&ctx, &sink);
}

static void test_bom_and_crlf_positions(void)
{
    rp_ctx ctx = {0};
    rp_diag_sink sink;
    const char *text = "\xEF\xBB\xBFid: a\r\nquery: |\r\n  T\r\n  | where x == 1\r\n";
    rp_ydoc *doc = load_text(&ctx, &sink, text, strlen(text));
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc->root);
    CU_ASSERT_EQUAL(sink.count, 0);
    const rp_ynode *key = NULL;
    const rp_ynode *id = rp_ymap_get(doc->root, "id", &key);
    unsigned line, column;
    rp_source_locate(ctx.src, key->span.start, &line, &column);
    CU_ASSERT_EQUAL(line, 1);
    CU_ASSERT_EQUAL(column, 1); /* the BOM is not a column */
    CU_ASSERT_TRUE(rp_yscalar_is(id, "a"));
    const rp_ynode *query = rp_ymap_get(doc->root, "query", NULL);
    CU_ASSERT_STRING_EQUAL(query->value, "T\n| where x == 1\n");
    /* "x" is at value offset 10: file line 4, column 11 */
    rp_span span = rp_yscalar_span(query, 10, 11);
    rp_source_locate(ctx.src, span.start, &line, &column);
    CU_ASSERT_EQUAL(line, 4);
    CU_ASSERT_EQUAL(column, 11);
    done(&ctx, &sink);
}

static void test_quoted_scalar_offsets(void)
{
    rp_ctx ctx = {0};
    rp_diag_sink sink;
    const char *text = "filter: 'process.name == ''a'' OR x'\nother: \"t\\tab x\"\n";
    rp_ydoc *doc = load_text(&ctx, &sink, text, strlen(text));
    const rp_ynode *filter = rp_ymap_get(doc->root, "filter", NULL);
    CU_ASSERT_STRING_EQUAL(filter->value, "process.name == 'a' OR x");
    unsigned line, column;
    /* "OR" at value offset 20 stands at file column 32 (after the doubled quotes) */
    rp_source_locate(ctx.src, rp_yscalar_file_offset(filter, 20), &line, &column);
    CU_ASSERT_EQUAL(column, 32);
    const rp_ynode *other = rp_ymap_get(doc->root, "other", NULL);
    /* "x" is value offset 5, file column 15 (the escape took two characters) */
    rp_source_locate(ctx.src, rp_yscalar_file_offset(other, 5), &line, &column);
    CU_ASSERT_EQUAL(line, 2);
    CU_ASSERT_EQUAL(column, 15);
    done(&ctx, &sink);
}

static void test_alias_not_expanded(void)
{
    rp_ctx ctx = {0};
    rp_diag_sink sink;
    /* A billion-laughs shape: nine levels of nine aliases each. Not expanded: a few dozen nodes. */
    const char *text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    rp_ydoc *doc = load_text(&ctx, &sink, text, strlen(text));
    CU_ASSERT_PTR_NOT_NULL(doc->root);
    CU_ASSERT_TRUE(doc->node_count < 100);
    CU_ASSERT_EQUAL(sink.warnings, 1); /* RP0009, once */
    const rp_ynode *b = rp_ymap_get(doc->root, "b", NULL);
    CU_ASSERT_EQUAL(rp_ynode_resolve(b->items[0])->count, 9);
    done(&ctx, &sink);
}

static void test_depth_limit(void)
{
    rp_ctx ctx = {0};
    rp_diag_sink sink;
    size_t depth = 10000;
    char *text = malloc(depth * 2 + 1);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[depth * 2] = '\0';
    rp_ydoc *doc = load_text(&ctx, &sink, text, depth * 2);
    CU_ASSERT_PTR_NULL(doc->root);
    CU_ASSERT_EQUAL(sink.count, 1);
    CU_ASSERT_EQUAL(sink.items[0].code, RP0007);
    free(text);
    done(&ctx, &sink);
}

static void test_missing_file(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = &sink;
    CU_ASSERT_PTR_NULL(rp_check_file(&ctx, NULL, "/nonexistent/rule.yaml"));
    CU_ASSERT_EQUAL(sink.count, 1);
    CU_ASSERT_EQUAL(sink.items[0].code, RP0001);
    rp_arena_free(ctx.arena);
    rp_diag_sink_free(&sink);
}

static CU_TestInfo tests[] = {
    {"mis-indented key under a list item", test_misindented_list_key},
    {"template placeholder", test_template_placeholder},
    {"tab indentation", test_tab_indentation},
    {"duplicate key", test_duplicate_key},
    {"multiple documents", test_multiple_documents},
    {"not a mapping, empty file", test_not_a_mapping_and_empty},
    {"invalid UTF-8 and NUL", test_invalid_utf8_and_nul},
    {"BOM and CRLF positions", test_bom_and_crlf_positions},
    {"quoted scalar offsets", test_quoted_scalar_offsets},
    {"aliases are not expanded", test_alias_not_expanded},
    {"depth limit", test_depth_limit},
    {"missing file", test_missing_file},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("yaml", tests)
