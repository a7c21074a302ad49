/* test_config.c: .rulepack.yaml loading (config.c): keys, codes and levels checked with
 * positions; ignore patterns; severity overrides reach the sink. */
#include "config.h"
#include "test_util.h"

static char *write_config(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/rp-config-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    FILE *file = fdopen(fd, "w");
    fputs(text, file);
    fclose(file);
    return path;
}

static void test_valid_config(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    char *path = write_config("ignore: [_Templates/, \"*.draft.yaml\"]\n"
                              "severity: {RP0009: off, RP0003: warning}\n"
                              "schema: [extra, /abs/dir]\n");
    rp_config *config = rp_config_load(path, &sink);
    CU_ASSERT_EQUAL(sink.count, 0);
    CU_ASSERT_EQUAL(config->ignore_count, 2);
    CU_ASSERT_EQUAL(config->schema_dir_count, 2);
    CU_ASSERT_STRING_EQUAL(config->schema_dirs[0], "/tmp/extra");
    CU_ASSERT_STRING_EQUAL(config->schema_dirs[1], "/abs/dir");
    CU_ASSERT_EQUAL(sink.override[RP0009], RP_SEV_OFF);
    CU_ASSERT_EQUAL(sink.override[RP0003], RP_SEV_WARNING);
    CU_ASSERT_EQUAL(sink.override[RP0004], RP_SEV_ERROR);
    CU_ASSERT_TRUE(rp_config_is_ignored(config, "../corpus/rmm/_Templates/x.yaml"));
    CU_ASSERT_TRUE(rp_config_is_ignored(config, "_Templates"));
    CU_ASSERT_TRUE(rp_config_is_ignored(config, "rules/a.draft.yaml"));
    CU_ASSERT_FALSE(rp_config_is_ignored(config, "rules/My_Templates/x.yaml"));
    CU_ASSERT_FALSE(rp_config_is_ignored(config, "rules/a.yaml"));
    rp_config_free(config);
    remove(path);
    rp_diag_sink_free(&sink);
}

static void expect_error(const char *text, rp_diag_code code, unsigned line, unsigned column)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    char *path = write_config(text);
    rp_config *config = rp_config_load(path, &sink);
    int found = 0;
    for (size_t i = 0; i < sink.count; i++)
        if (sink.items[i].code == code && sink.items[i].line == line && sink.items[i].column == column) found = 1;
    if (!found) {
        fprintf(stderr, "\nexpected %s at %u:%u for:\n%s\ngot:\n", rp_diag_info_of(code)->code, line, column, text);
        for (size_t i = 0; i < sink.count; i++)
            fprintf(stderr, "  %s %u:%u %s\n", rp_diag_info_of(sink.items[i].code)->code, sink.items[i].line,
                    sink.items[i].column, sink.items[i].message);
    }
    CU_ASSERT_TRUE(found);
    /* an invalid configuration changes nothing */
    CU_ASSERT_EQUAL(config->ignore_count, 0);
    rp_config_free(config);
    remove(path);
    rp_diag_sink_free(&sink);
}

static void test_unknown_key_with_suggestion(void)
{
    expect_error("ignore: [a/]\nsevertiy: {RP0003: off}\n", RP0701, 2, 1);
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    char *path = write_config("ignroe: [a/]\n");
    rp_config *config = rp_config_load(path, &sink);
    CU_ASSERT_EQUAL_FATAL(sink.count, 1);
    CU_ASSERT_TRUE(sink.items[0].hint && strstr(sink.items[0].hint, "'ignore'"));
    rp_config_free(config);
    remove(path);
    rp_diag_sink_free(&sink);
}

static void test_bad_values(void)
{
    expect_error("ignore: [a/]\nseverity: {RP9999: off}\n", RP0703, 2, 12);
    expect_error("ignore: [a/]\nseverity: {RP0003: loud}\n", RP0704, 2, 20);
    expect_error("ignore: _Templates/\n", RP0702, 1, 9);
    expect_error("ignore: [a/]\nseverity: [RP0003]\n", RP0702, 2, 11);
    expect_error("ignore: [a/\n", RP0003, 2, 1);
}

static void test_missing_file(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_config *config = rp_config_load("/nonexistent/.rulepack.yaml", &sink);
    CU_ASSERT_EQUAL(sink.count, 1);
    CU_ASSERT_EQUAL(sink.items[0].code, RP0705);
    rp_config_free(config);
    rp_diag_sink_free(&sink);
}

static CU_TestInfo tests[] = {
    {"valid configuration", test_valid_config},
    {"unknown key with did-you-mean", test_unknown_key_with_suggestion},
    {"bad codes, levels and shapes", test_bad_values},
    {"missing file", test_missing_file},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("config", tests)
