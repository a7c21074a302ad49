/* test_util.h: helpers shared by the CUnit suites. Each tests/test_<stage>.c is its own
 * executable: it defines `static CU_TestInfo tests[]` and calls RP_TEST_MAIN("suite", tests). */
#ifndef RP_TEST_UTIL_H
#define RP_TEST_UTIL_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schema.h"

/* A checked in-memory file: its diagnostics stay in `diags` after the arena is gone. */
typedef struct rp_test_run {
    rp_diag_sink diags;
    rp_schema *schema;
} rp_test_run;

/* Loads the embedded schema once per process (it is read-only). */
static inline rp_schema *rp_test_schema(void)
{
    static rp_schema *schema;
    if (!schema) {
        static rp_diag_sink sink;
        rp_diag_sink_init(&sink);
        schema = rp_schema_load(NULL, 0, &sink);
    }
    return schema;
}

/* Writes `text` to a temporary file named like `name` (extension matters) and checks it through
 * the whole pipeline (rp_check_file), then the pack's cross-file checks. */
static inline void rp_test_check_text(rp_test_run *run, const char *name, const char *text)
{
    rp_diag_sink_init(&run->diags);
    char dir[] = "/tmp/rp-test-XXXXXX";
    if (!mkdtemp(dir)) abort();
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    if (!file) abort();
    fwrite(text, 1, strlen(text), file);
    fclose(file);
    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = &run->diags;
    ctx.schema = rp_test_schema();
    rp_pack *pack = rp_pack_new();
    rp_diag_begin_file(&run->diags);
    rp_check_file(&ctx, pack, path);
    rp_diag_end_file(&run->diags, path);
    rp_pack_finish(pack, &run->diags);
    rp_pack_free(pack);
    rp_arena_free(ctx.arena);
    remove(path);
    remove(dir);
    rp_diag_sort(&run->diags);
}

static inline void rp_test_run_free(rp_test_run *run) { rp_diag_sink_free(&run->diags); }

/* Finds a diagnostic with this code ("RP0003"); NULL when none. */
static inline const rp_diag *rp_test_find(const rp_test_run *run, const char *code)
{
    for (size_t i = 0; i < run->diags.count; i++)
        if (strcmp(rp_diag_info_of(run->diags.items[i].code)->code, code) == 0) return &run->diags.items[i];
    return NULL;
}

static inline size_t rp_test_count(const rp_test_run *run, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < run->diags.count; i++)
        n += strcmp(rp_diag_info_of(run->diags.items[i].code)->code, code) == 0;
    return n;
}

/* Prints every diagnostic (for a failing test's context). */
static inline void rp_test_dump(const rp_test_run *run)
{
    for (size_t i = 0; i < run->diags.count; i++) {
        const rp_diag *d = &run->diags.items[i];
        fprintf(stderr, "  %u:%u %s %s\n", d->line, d->column, rp_diag_info_of(d->code)->code, d->message);
    }
}

/* Asserts a diagnostic with `code` at line:column exists (column 0: any column). */
#define RP_ASSERT_DIAG_AT(run, code_text, line_, column_)                                           \
    do {                                                                                       \
        int found_ = 0;                                                                        \
        for (size_t i_ = 0; i_ < (run)->diags.count; i_++) {                                   \
            const rp_diag *d_ = &(run)->diags.items[i_];                                       \
            if (strcmp(rp_diag_info_of(d_->code)->code, (code_text)) == 0 && d_->line == (line_) &&   \
                ((column_) == 0 || d_->column == (unsigned)(column_)))                         \
                found_ = 1;                                                                    \
        }                                                                                      \
        if (!found_) {                                                                         \
            fprintf(stderr, "\nexpected %s at %d:%d, got:\n", (code_text), line_, column_);           \
            rp_test_dump(run);                                                                 \
        }                                                                                      \
        CU_ASSERT(found_);                                                                     \
    } while (0)

#define RP_ASSERT_NO_DIAG(run, code_text)                                                           \
    do {                                                                                       \
        if (rp_test_find(run, (code_text))) {                                                         \
            fprintf(stderr, "\nunexpected %s:\n", (code_text));                                       \
            rp_test_dump(run);                                                                 \
        }                                                                                      \
        CU_ASSERT_PTR_NULL(rp_test_find(run, (code_text)));                                           \
    } while (0)

#define RP_TEST_MAIN(suite_name, tests)                                                        \
    int main(void)                                                                             \
    {                                                                                          \
        if (CU_initialize_registry() != CUE_SUCCESS) return 2;                                 \
        CU_SuiteInfo suites[] = {{suite_name, NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL}; \
        if (CU_register_suites(suites) != CUE_SUCCESS) return 2;                               \
        CU_basic_set_mode(CU_BRM_NORMAL);                                                      \
        CU_basic_run_tests();                                                                  \
        unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();       \
        CU_cleanup_registry();                                                                 \
        return failed ? 1 : 0;                                                                 \
    }

#endif
