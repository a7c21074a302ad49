/* test_kql_oracle.c: agreement of rulepack's KQL parser with Microsoft's (Kusto.Language, run once
 * through ../shared/tools/kql-oracle; see tests/data/oracle/regenerate.py). For every corpus query
 * (tests/data/oracle/queries.txt) the verdict "parses / does not" must match
 * tests/data/oracle/parse_verdicts.tsv on at least 99.5% of queries. Every disagreement is printed
 * with our first diagnostic and the oracle's first error. No node needed. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kql_parse.h"
#include "test_util.h"

#define DATA_DIR "tests/data/oracle/"

typedef struct verdict {
    char path[512];
    char parses[8]; /* yes / no / none */
    char where[32]; /* line:col of the first error */
    char code[16];
} verdict;

static char *read_all(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    size_t cap = 1 << 20, n = 0;
    char *data = malloc(cap);
    size_t got;
    while ((got = fread(data + n, 1, cap - n, file)) > 0) {
        n += got;
        if (n == cap) data = realloc(data, cap *= 2);
    }
    fclose(file);
    data[n] = '\0';
    *len = n;
    return data;
}

static verdict *load_verdicts(size_t *count)
{
    FILE *file = fopen(DATA_DIR "parse_verdicts.tsv", "r");
    if (!file) return NULL;
    verdict *items = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    while (fgets(line, sizeof line, file)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        if (n == cap) items = realloc(items, (cap = cap ? cap * 2 : 256) * sizeof *items);
        verdict *v = &items[n];
        memset(v, 0, sizeof *v);
        char *fields[4] = {0};
        char *save = NULL;
        line[strcspn(line, "\n")] = '\0';
        fields[0] = strtok_r(line, "\t", &save);
        for (int i = 1; i < 4 && fields[i - 1]; i++) fields[i] = strtok_r(NULL, "\t", &save);
        if (!fields[3]) continue;
        snprintf(v->path, sizeof v->path, "%s", fields[0]);
        snprintf(v->parses, sizeof v->parses, "%s", fields[1]);
        snprintf(v->where, sizeof v->where, "%s", fields[2]);
        snprintf(v->code, sizeof v->code, "%s", fields[3]);
        n++;
    }
    fclose(file);
    *count = n;
    return items;
}

static const verdict *find_verdict(const verdict *items, size_t count, const char *path)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(items[i].path, path) == 0) return &items[i];
    return NULL;
}

static void test_oracle_agreement(void)
{
    size_t verdict_count = 0, data_len = 0;
    verdict *verdicts = load_verdicts(&verdict_count);
    char *data = read_all(DATA_DIR "queries.txt", &data_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(verdicts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    size_t total = 0, agree = 0, pos = 0;
    while (pos < data_len) {
        /* record: "%% <path> <length>\n<bytes>\n" */
        CU_ASSERT_FATAL(strncmp(data + pos, "%% ", 3) == 0);
        char *eol = memchr(data + pos, '\n', data_len - pos);
        CU_ASSERT_PTR_NOT_NULL_FATAL(eol);
        char header[600];
        size_t header_len = (size_t)(eol - (data + pos));
        CU_ASSERT_FATAL(header_len < sizeof header);
        memcpy(header, data + pos + 3, header_len - 3);
        header[header_len - 3] = '\0';
        char *space = strrchr(header, ' ');
        CU_ASSERT_PTR_NOT_NULL_FATAL(space);
        *space = '\0';
        size_t qlen = strtoul(space + 1, NULL, 10);
        const char *qtext = eol + 1;
        pos = (size_t)(qtext - data) + qlen + 1;
        const verdict *v = find_verdict(verdicts, verdict_count, header);
        if (!v || strcmp(v->parses, "none") == 0) continue;
        total++;

        rp_diag_sink sink;
        rp_diag_sink_init(&sink);
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &sink;
        rp_kql_query *query = rp_kql_parse(&ctx, qtext, qlen, NULL, NULL);
        int ours = query->syntax_errors == 0;
        int theirs = strcmp(v->parses, "yes") == 0;
        if (ours == theirs) {
            agree++;
        } else {
            fprintf(stderr, "\nDISAGREE %s: oracle %s (%s %s), rulepack %s", header, v->parses, v->where, v->code,
                    ours ? "parses" : "rejects");
            if (!ours && sink.count)
                fprintf(stderr, " (%u:%u %s %s)", sink.items[0].line, sink.items[0].column,
                        rp_diag_info_of(sink.items[0].code)->code, sink.items[0].message);
            fprintf(stderr, "\n");
        }
        rp_arena_free(ctx.arena);
        rp_diag_sink_free(&sink);
    }
    double rate = total ? 100.0 * (double)agree / (double)total : 0.0;
    fprintf(stderr, "\nKQL oracle agreement: %zu of %zu queries (%.2f%%)\n", agree, total, rate);
    CU_ASSERT(total >= 700); /* the corpus is all there */
    CU_ASSERT(rate >= 99.5);
    free(verdicts);
    free(data);
}

static CU_TestInfo tests[] = {
    {"parse verdicts agree with Kusto.Language on the corpus", test_oracle_agreement},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("kql_oracle", tests)
