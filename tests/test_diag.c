/* test_diag.c: the diagnostic sink and its four renderers, pinned by golden files
 * (tests/golden/diag.*). UPDATE_GOLDEN=1 rewrites them after an intended change. */
#include <stdio.h>

#include "test_util.h"

static void fill(rp_diag_sink *sink, rp_arena *arena)
{
    const char *text = "id: x\r\nname: caf\xC3\xA9 \"quoted\", 100%\n\tquery: |\n";
    rp_source *src = rp_source_from_memory(arena, "rules/My Rule,v1.yaml", text, strlen(text));
    rp_diag *d = rp_diag_report(sink, RP0004, rp_span_make(src, 7, 11), "7306e156",
                                "duplicate key 'name' (first at %u:%u)", 1u, 1u);
    rp_diag_set_hint(d, "keep one: a line\nbreak and 100%% stay escaped");
    d = rp_diag_report(sink, RP0003, rp_span_make(src, 38, 39), NULL, "YAML: found a tab");
    rp_diag_set_related(d, rp_span_make(src, 0, 0), "while scanning for the next token");
    rp_diag_report_at(sink, RP0001, "missing dir", 0, 0, "no such file or folder");
    rp_diag_report(sink, RP0009, rp_span_make(src, 13, 17), NULL, "a warning after the first one");
}

static char *render(rp_diag_format format)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_arena *arena = rp_arena_new();
    fill(&sink, arena);
    rp_diag_sort(&sink);
    char *buffer = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buffer, &size);
    rp_diag_render(&sink, format, out, 0);
    fclose(out);
    rp_arena_free(arena);
    rp_diag_sink_free(&sink);
    return buffer;
}

static void compare_golden(const char *name, rp_diag_format format)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s", name);
    char *actual = render(format);
    if (getenv("UPDATE_GOLDEN")) {
        FILE *file = fopen(path, "wb");
        fputs(actual, file);
        fclose(file);
    }
    FILE *file = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    static char expected[65536];
    size_t n = fread(expected, 1, sizeof expected - 1, file);
    expected[n] = '\0';
    fclose(file);
    if (strcmp(expected, actual) != 0) fprintf(stderr, "\n%s differs; got:\n%s\n", path, actual);
    CU_ASSERT_STRING_EQUAL(actual, expected);
    free(actual);
}

static void test_text(void) { compare_golden("diag.txt", RP_FMT_TEXT); }
static void test_json(void) { compare_golden("diag.json", RP_FMT_JSON); }
static void test_sarif(void) { compare_golden("diag.sarif", RP_FMT_SARIF); }
static void test_github(void) { compare_golden("diag.github", RP_FMT_GITHUB); }

static void test_positions_and_counts(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_arena *arena = rp_arena_new();
    fill(&sink, arena);
    CU_ASSERT_EQUAL(sink.errors, 3);
    CU_ASSERT_EQUAL(sink.warnings, 1);
    /* CRLF ends line 1; "name" starts line 2 column 1; the é counts as one column */
    CU_ASSERT_EQUAL(sink.items[0].line, 2);
    CU_ASSERT_EQUAL(sink.items[0].column, 1);
    CU_ASSERT_EQUAL(sink.items[0].end_column, 5);
    CU_ASSERT_EQUAL(sink.items[3].column, 7);
    CU_ASSERT_EQUAL(sink.items[3].end_column, 11);
    rp_arena_free(arena);
    rp_diag_sink_free(&sink);
}

static void test_severity_override_and_limit(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    sink.override[RP0009] = RP_SEV_OFF;
    sink.override[RP0003] = RP_SEV_WARNING;
    rp_span none = {0};
    CU_ASSERT_PTR_NULL(rp_diag_report(&sink, RP0009, none, NULL, "off"));
    rp_diag_report(&sink, RP0003, none, NULL, "now a warning");
    CU_ASSERT_EQUAL(sink.errors, 0);
    CU_ASSERT_EQUAL(sink.warnings, 1);
    rp_diag_begin_file(&sink);
    for (int i = 0; i < 600; i++) rp_diag_report(&sink, RP0004, none, NULL, "many");
    rp_diag_end_file(&sink, "big.yaml");
    CU_ASSERT_EQUAL(sink.count, 1 + 500 + 1); /* the limit, then one RP0008 note */
    CU_ASSERT_EQUAL(sink.items[sink.count - 1].code, RP0008);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink.items[sink.count - 1].message, "100 more"));
    rp_diag_sink_free(&sink);
}

static void test_code_lookup(void)
{
    CU_ASSERT_EQUAL(rp_diag_code_from_text("RP0003"), RP0003);
    CU_ASSERT_EQUAL(rp_diag_code_from_text("yaml-syntax"), RP0003);
    CU_ASSERT_EQUAL(rp_diag_code_from_text("RP9999"), RP_DIAG_COUNT);
    /* every code is unique and well-formed */
    for (int i = 0; i < RP_DIAG_COUNT; i++) {
        const char *code = rp_diag_info_of((rp_diag_code)i)->code;
        CU_ASSERT_EQUAL(strlen(code), 6);
        for (int j = 0; j < i; j++) CU_ASSERT_STRING_NOT_EQUAL(code, rp_diag_info_of((rp_diag_code)j)->code);
    }
}

/* Terminal safety: C1 controls (CSI is U+009B) and bidi overrides (U+202E) in rule text reach the
 * text renderer escaped, and the caret line shows each as one '?'. */
static void test_unsafe_unicode_escaped(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_arena *arena = rp_arena_new();
    const char *text = "name: a\xE2\x80\xAE" "b\xC2\x9B" "2Jc\n";
    rp_source *src = rp_source_from_memory(arena, "u.yaml", text, strlen(text));
    rp_diag_report(&sink, RP0004, rp_span_make(src, 14, 15), NULL, "x\xE2\x80\xAEy\xC2\x9Bz");
    char *buffer = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buffer, &size);
    rp_diag_render(&sink, RP_FMT_TEXT, out, 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(buffer, "x\\u202Ey\\u009Bz"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buffer, "name: a?b?2Jc"));
    CU_ASSERT_PTR_NULL(strstr(buffer, "\xC2\x9B"));
    CU_ASSERT_PTR_NULL(strstr(buffer, "\xE2\x80\xAE"));
    CU_ASSERT_EQUAL(sink.items[0].column, 12); /* columns count characters */
    CU_ASSERT_PTR_NOT_NULL(strstr(buffer, "           ^")); /* caret under column 12 */
    free(buffer);
    rp_arena_free(arena);
    rp_diag_sink_free(&sink);
}

static CU_TestInfo tests[] = {
    {"unsafe unicode escaped in text output", test_unsafe_unicode_escaped},
    {"text renderer (golden)", test_text},
    {"json renderer (golden)", test_json},
    {"sarif renderer (golden)", test_sarif},
    {"github renderer (golden)", test_github},
    {"positions and counts", test_positions_and_counts},
    {"severity override and per-file limit", test_severity_override_and_limit},
    {"code lookup and uniqueness", test_code_lookup},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("diag", tests)
