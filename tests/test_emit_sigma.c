/* test_emit_sigma.c: the Sigma and KQL emitters on the seed rule and on small rules made for
 * one translation each: goldens (tests/golden/sigma/), operator mapping, allow-list filters,
 * fidelity notes, correlation, determinism, escaping, and the emitted KQL re-parsed by
 * rulepack's own parser (never skipped).
 *
 * RP_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing. */
#include <sys/stat.h>
#include <unistd.h>

#include "emit_kql.h"
#include "emit_sigma.h"
#include "excl_ast.h"
#include "ir_lower.h"
#include "kql_parse.h"
#include "test_util.h"

#ifndef RP_SRCDIR
#define RP_SRCDIR "."
#endif

/* One rule file run through the whole pipeline, then both emitters. */
typedef struct emitted {
    rp_diag_sink diags;
    rp_ctx ctx;
    rp_rule *rule;
    rp_ir_rule *ir;
    char *sigma;
    char *corr;
    char *kql;
} emitted;

static void emit_path(emitted *em, const char *path)
{
    memset(em, 0, sizeof *em);
    rp_diag_sink_init(&em->diags);
    em->ctx.arena = rp_arena_new();
    em->ctx.diags = &em->diags;
    em->ctx.schema = rp_test_schema();
    rp_diag_begin_file(&em->diags);
    em->rule = rp_check_file(&em->ctx, NULL, path);
    if (em->rule) {
        em->ctx.rule_id = em->rule->id.text;
        em->ir = rp_ir_lower_rule(&em->ctx, em->rule);
        em->sigma = rp_emit_sigma_text(&em->ctx, em->rule, em->ir, &em->corr);
        em->kql = rp_emit_kql_text(&em->ctx, em->rule);
    }
    rp_diag_end_file(&em->diags, path);
}

static char tmpdir[64];

static void emit_text(emitted *em, const char *yaml)
{
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/rp-emit-XXXXXX");
        if (!mkdtemp(tmpdir)) abort();
    }
    char path[128];
    snprintf(path, sizeof path, "%s/rule.yaml", tmpdir);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fputs(yaml, f);
    fclose(f);
    emit_path(em, path);
    remove(path);
}

static void emitted_free(emitted *em)
{
    rp_arena_free(em->ctx.arena);
    rp_diag_sink_free(&em->diags);
}

static size_t count_code(const emitted *em, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < em->diags.count; i++) n += strcmp(rp_diag_info_of(em->diags.items[i].code)->code, code) == 0;
    return n;
}

static void dump(const emitted *em)
{
    for (size_t i = 0; i < em->diags.count; i++)
        fprintf(stderr, "  %u:%u %s %s\n", em->diags.items[i].line, em->diags.items[i].column,
                rp_diag_info_of(em->diags.items[i].code)->code, em->diags.items[i].message);
    fprintf(stderr, "sigma:\n%s\nkql:\n%s\n", em->sigma ? em->sigma : "(none)", em->kql ? em->kql : "(none)");
}

#define HAS(text, needle)                                                                          \
    do {                                                                                           \
        const char *t_ = (text);                                                                   \
        int ok_ = t_ && strstr(t_, (needle)) != NULL;                                              \
        if (!ok_) fprintf(stderr, "\nmissing %s in:\n%s\n", (needle), t_ ? t_ : "(null)");         \
        CU_ASSERT(ok_);                                                                            \
    } while (0)
#define HASNT(text, needle)                                                                        \
    do {                                                                                           \
        const char *t_ = (text);                                                                   \
        int ok_ = t_ && strstr(t_, (needle)) == NULL;                                              \
        if (!ok_) fprintf(stderr, "\nunexpected %s in:\n%s\n", (needle), t_ ? t_ : "(null)");     \
        CU_ASSERT(ok_);                                                                            \
    } while (0)

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    s[n] = 0;
    fclose(f);
    return s;
}

static void golden(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, RP_SRCDIR "/tests/golden/sigma/%s", name);
    if (getenv("RP_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    char *want = slurp(path);
    if (!want) fprintf(stderr, "\nno golden %s (RP_UPDATE_GOLDEN=1 writes it)\n", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    if (strcmp(want, text) != 0) fprintf(stderr, "\n%s differs; got:\n%s\n", path, text);
    CU_ASSERT_STRING_EQUAL(text, want);
    free(want);
}

/* A rule around a query and exclusions, DeviceProcessEvents. */
static char *rule_yaml(const char *query, const char *exclusions)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "id: 11111111-2222-4333-8444-555555555555\n"
             "name: Test rule\n"
             "description: Test. See https://example.org/a(b) and https://example.org/x.\n"
             "kind: Scheduled\n"
             "severity: High\n"
             "requiredDataConnectors:\n"
             "  - connectorId: MicrosoftThreatProtection\n"
             "    dataTypes:\n"
             "      - DeviceProcessEvents\n"
             "queryFrequency: 1h\n"
             "queryPeriod: 1h\n"
             "triggerOperator: gt\n"
             "triggerThreshold: 0\n"
             "tactics:\n"
             "  - Execution\n"
             "relevantTechniques:\n"
             "  - T1059.001\n"
             "query: |\n"
             "  %s\n"
             "version: 1.0.0\n"
             "%s",
             query, exclusions ? exclusions : "");
    return buf;
}

/* ---------------------------------------------------------------- the seed */

static void test_seed_golden(void)
{
    emitted em;
    emit_path(&em, RP_SRCDIR "/rules/meshcentral.yaml");
    CU_ASSERT_PTR_NOT_NULL_FATAL(em.sigma);
    CU_ASSERT_PTR_NOT_NULL_FATAL(em.kql);
    golden("7306e156-49a7-4ff6-9d8f-d6e6d531e426.json", em.sigma);
    golden("7306e156-49a7-4ff6-9d8f-d6e6d531e426.kql", em.kql);
    CU_ASSERT_PTR_NULL(em.corr); /* no threshold: a note, not a correlation */
    emitted_free(&em);
}

static void test_seed_content(void)
{
    emitted em;
    emit_path(&em, RP_SRCDIR "/rules/meshcentral.yaml");
    const char *s = em.sigma;
    HAS(s, "\"Product|re|i\": \"(^|[^A-Za-z0-9])meshcentral([^A-Za-z0-9]|$)\"");
    HAS(s, "\"condition\": \"selection and not 1 of filter_*\"");
    /* scenario 1: two arms, the negation through |neq|cased, the AND arm as one map */
    HAS(s, "\"filter_it_admin_deploys_meshcentral_for_remote_access_1\": {\n      \"FileName|neq|cased\": \"meshcentral.exe\"");
    HAS(s, "\"filter_it_admin_deploys_meshcentral_for_remote_access_2\": {\n      \"CommandLine|contains\": \"New-Item\",\n"
           "      \"InitiatingProcessFileName|cased\": \"powershell.exe\"");
    HAS(s, "\"InitiatingProcessFileName|cased\": \"taskeng.exe\"");
    HAS(s, "\"InitiatingProcessFileName|cased\": \"lsass.exe\"");
    HAS(s, "\"attack.command-and-control\"");
    HAS(s, "\"attack.t1219\"");
    HAS(s, "\"category\": \"process_creation\"");
    HAS(s, "\"product\": \"windows\"");
    HAS(s, "\"level\": \"medium\"");
    HAS(s, "\"https://github.com/jischell-msft/RemoteManagementMonitoringTools\"");
    HAS(s, "\"IT Admin Deploys MeshCentral for Remote Access\"");
    HAS(s, "time window");
    HAS(s, "summarize by DeviceId, DeviceName");
    CU_ASSERT(count_code(&em, "RP0500") >= 2);
    CU_ASSERT_EQUAL(count_code(&em, "RP0501"), 0); /* every seed exclusion is said exactly */
    /* KQL: five `where not(...)` after the filters, before summarize, columns mapped */
    const char *k = em.kql;
    const char *w = strstr(k, "| where not(FileName != \"meshcentral.exe\" or (InitiatingProcessFileName == \"powershell.exe\" and ProcessCommandLine contains \"New-Item\"))");
    const char *sum = strstr(k, "| summarize");
    const char *has = strstr(k, "has 'meshcentral'");
    if (!w) dump(&em);
    CU_ASSERT(w && sum && has && has < w && w < sum);
    emitted_free(&em);
}

static void test_deterministic(void)
{
    emitted a, b;
    emit_path(&a, RP_SRCDIR "/rules/meshcentral.yaml");
    emit_path(&b, RP_SRCDIR "/rules/meshcentral.yaml");
    CU_ASSERT_STRING_EQUAL(a.sigma, b.sigma);
    CU_ASSERT_STRING_EQUAL(a.kql, b.kql);
    emitted_free(&a);
    emitted_free(&b);
}

/* ---------------------------------------------------------------- operators */

static void test_operators(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a*b?.exe' and FolderPath == @'C:\\x' "
                             "and ProcessCommandLine contains_cs 'Enc' and ProcessCommandLine startswith 'x' "
                             "and ProcessCommandLine endswith 'y' and AccountName in ('u1', 'u2') "
                             "and InitiatingProcessFileName in~ ('p1', 'p2') and ProcessCommandLine matches regex '(?i)a.b' "
                             "and ProcessCommandLine has_cs 'cmd.exe' and ProcessId > 4",
                             NULL));
    const char *s = em.sigma;
    if (!s) dump(&em);
    HAS(s, "\"FileName\": \"a\\\\*b\\\\?.exe\"");               /* wildcards escaped */
    HAS(s, "\"Image|cased\": \"C:\\\\\\\\x\"");                 /* == -> cased; \ doubled */
    HAS(s, "\"CommandLine|contains|cased\": \"Enc\"");
    HAS(s, "\"CommandLine|startswith\": \"x\"");
    HAS(s, "\"User|cased\": [\n");
    HAS(s, "\"InitiatingProcessFileName\": [\n");
    HAS(s, "\"CommandLine|re|i\": \"a.b\"");
    HAS(s, "\"CommandLine|re\": \"(^|[^A-Za-z0-9])cmd\\\\.exe([^A-Za-z0-9]|$)\"");
    HAS(s, "\"ProcessId|gt\": 4");
    emitted_free(&em);
}

static void test_negation_in_detection(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe' and ProcessCommandLine !contains 'safe'", NULL));
    HAS(em.sigma, "\"condition\": \"selection_1 and not selection_2\"");
    HAS(em.sigma, "\"CommandLine|contains\": \"safe\"");
    emitted_free(&em);
}

static void test_untranslatable_detection_is_broader(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe' and strlen(ProcessCommandLine) > 100", NULL));
    HAS(em.sigma, "\"FileName\": \"a.exe\"");
    HAS(em.sigma, "\"condition\": \"selection\"");
    HAS(em.sigma, "left out of the Sigma detection");
    CU_ASSERT(count_code(&em, "RP0500") >= 1);
    emitted_free(&em);
}

/* In an allow-list, what Sigma cannot say is dropped (narrower), never widened: the arm
 * `not(cmd contains "x")` has no modifier, so only the other arm stays. */
static void test_filter_never_broader(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe'",
                             "exclusions:\n"
                             "  - scenario: Two arms\n"
                             "    description: d\n"
                             "    filter: process.parent.name =~ \"x.exe\" OR NOT process.command_line contains \"y\"\n"
                             "  - scenario: Only a negation\n"
                             "    description: d\n"
                             "    filter: NOT process.command_line contains \"z\"\n"));
    const char *s = em.sigma;
    if (count_code(&em, "RP0501") != 2) dump(&em);
    HAS(s, "\"filter_two_arms\": {\n      \"InitiatingProcessFileName\": \"x.exe\"");
    HASNT(s, "filter_two_arms_2");
    HASNT(s, "filter_only_a_negation");
    CU_ASSERT_EQUAL(count_code(&em, "RP0501"), 2);
    emitted_free(&em);
}

/* `project Col` copies the event's column into its own slot: exclusions and later filters on it
 * still read the event, so they stay in Sigma; a column the query computes does not. */
static void test_projected_columns(void)
{
    const char *excl = "exclusions:\n"
                       "  - scenario: Parent\n"
                       "    description: d\n"
                       "    filter: process.parent.name =~ \"x.exe\"\n"
                       "  - scenario: Host\n"
                       "    description: d\n"
                       "    filter: DeviceName == \"build-01\"\n";
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe' | project Timestamp, DeviceName, FileName, "
                             "InitiatingProcessFileName | where DeviceName startswith 'srv'",
                             excl));
    if (count_code(&em, "RP0501") != 0) dump(&em);
    CU_ASSERT_EQUAL(count_code(&em, "RP0501"), 0);
    HAS(em.sigma, "\"filter_parent\": {\n      \"InitiatingProcessFileName\": \"x.exe\"");
    HAS(em.sigma, "\"filter_host\": {\n      \"DeviceName|cased\": \"build-01\"");
    HAS(em.sigma, "\"DeviceName|startswith\": \"srv\"");
    emitted_free(&em);
    /* computed into the same name: the slot no longer holds the event's value */
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe' | project FileName, DeviceName = "
                             "toupper(DeviceName), InitiatingProcessFileName",
                             excl));
    if (count_code(&em, "RP0501") != 1) dump(&em);
    CU_ASSERT_EQUAL(count_code(&em, "RP0501"), 1);
    HAS(em.sigma, "filter_parent");
    HASNT(em.sigma, "filter_host");
    emitted_free(&em);
}

static void test_no_exclusions_condition(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe'", NULL));
    HAS(em.sigma, "\"condition\": \"selection\"");
    HASNT(em.sigma, "filter_");
    HAS(em.sigma, "\"Unknown\"");
    HAS(em.sigma, "\"attack.execution\"");
    HAS(em.sigma, "\"attack.t1059.001\"");
    HAS(em.sigma, "\"level\": \"high\"");
    HAS(em.sigma, "\"https://example.org/a\"");
    HAS(em.sigma, "\"https://example.org/x\"");
    emitted_free(&em);
}

static void test_correlation(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe' | summarize n = count() by DeviceName, "
                             "bin(Timestamp, 1h) | where n > 10",
                             NULL));
    if (!em.corr) dump(&em);
    CU_ASSERT_PTR_NOT_NULL_FATAL(em.corr);
    HAS(em.corr, "\"type\": \"event_count\"");
    HAS(em.corr, "\"timespan\": \"1h\"");
    HAS(em.corr, "\"gt\": 10");
    HAS(em.corr, "\"DeviceName\"");
    HAS(em.corr, "\"rp_11111111-2222-4333-8444-555555555555\"");
    HAS(em.sigma, "\"name\": \"rp_11111111-2222-4333-8444-555555555555\"");
    golden("correlation.json", em.sigma);
    golden("correlation.correlation.json", em.corr);
    emitted_free(&em);

    emit_text(&em, rule_yaml("DeviceProcessEvents | where Timestamp > ago(2h) and FileName =~ 'a.exe' "
                             "| summarize d = dcount(ProcessCommandLine) by DeviceName | where d >= 5",
                             NULL));
    CU_ASSERT_PTR_NOT_NULL_FATAL(em.corr);
    HAS(em.corr, "\"type\": \"value_count\"");
    HAS(em.corr, "\"field\": \"CommandLine\"");
    HAS(em.corr, "\"timespan\": \"2h\"");
    emitted_free(&em);
}

/* Rule text never breaks out of the JSON or the KQL: quotes, backslashes, newlines. */
static void test_escaping(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a\"b\\\\c'",
                             "exclusions:\n"
                             "  - scenario: \"Evil\\n| take 1 // \\\"x\"\n"
                             "    description: d\n"
                             "    filter: process.command_line contains \"q\\\"uo\\\\te\\n) or true\"\n"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(em.sigma);
    CU_ASSERT_PTR_NOT_NULL_FATAL(em.kql);
    HAS(em.sigma, "\"FileName\": \"a\\\"b\\\\\\\\c\"");
    HAS(em.kql, "// exclusion 1: Evil | take 1 // \"x\n");
    HAS(em.kql, "| where not(ProcessCommandLine contains \"q\\\"uo\\\\te\\n) or true\")");
    golden("escaping.kql", em.kql); /* also checked by Microsoft's parser (kql_emit_oracle.sh) */
    golden("escaping.json", em.sigma);
    /* the emitted KQL parses */
    rp_kql_query *q = rp_kql_parse(&em.ctx, em.kql, strlen(em.kql), NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(q->syntax_errors, 0);
    emitted_free(&em);
}

/* Every KQL the emitter writes for the project's rules parses with rulepack's own parser. */
static void test_kql_reparses(void)
{
    const char *cases[] = {
        RP_SRCDIR "/rules/meshcentral.yaml",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        emitted em;
        emit_path(&em, cases[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(em.kql);
        size_t before = em.diags.count;
        rp_kql_query *q = rp_kql_parse(&em.ctx, em.kql, strlen(em.kql), NULL, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        if (q->syntax_errors) dump(&em);
        CU_ASSERT_EQUAL(q->syntax_errors, 0);
        CU_ASSERT_EQUAL(em.diags.count, before);
        emitted_free(&em);
    }
}

static void test_nullable_exclusion_kql(void)
{
    emitted em;
    emit_text(&em, rule_yaml("DeviceProcessEvents | where FileName =~ 'a.exe'",
                             "exclusions:\n"
                             "  - scenario: Pid\n"
                             "    description: d\n"
                             "    filter: ProcessId == 4\n"));
    HAS(em.kql, "| where not(coalesce(ProcessId == 4, false))");
    golden("nullable.kql", em.kql);
    HAS(em.sigma, "\"filter_pid\": {\n      \"ProcessId\": 4");
    emitted_free(&em);
}

static void test_file_stem(void)
{
    rp_arena *a = rp_arena_new();
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "../x/y z"), "_2e._2fx_2fy_20z");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, NULL), "_rule");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, ""), "_rule");
    /* one to one: ids that used to share a file no longer do */
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "a b"), "a_20b");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "a_b"), "a_5fb");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "a_20b"), "a_5f20b");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, ".x"), "_2ex");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "x.y"), "x.y");
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "\xc3\xa9"), "_c3_a9");
    /* long ids: a prefix and a hash of the whole, so two that share the prefix differ, and the
     * name stays a valid file name with ".correlation.json" after it */
    char long1[400], long2[400];
    memset(long1, 'x', 399), long1[399] = 0;
    memcpy(long2, long1, sizeof long2), long2[398] = 'y';
    const char *s1 = rp_emit_file_stem(a, long1), *s2 = rp_emit_file_stem(a, long2);
    CU_ASSERT_EQUAL(strlen(s1), 180 + 18);
    CU_ASSERT_STRING_NOT_EQUAL(s1, s2);
    CU_ASSERT_EQUAL(strncmp(s1, s2, 182), 0);
    memset(long1, ' ', 399); /* every byte encoded: 3 characters each */
    s1 = rp_emit_file_stem(a, long1);
    CU_ASSERT(strlen(s1) <= 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(s1, "_h"));
    memset(long1, 'x', 200), long1[200] = 0; /* exactly 200: kept whole */
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, long1), long1);
    CU_ASSERT_STRING_EQUAL(rp_emit_file_stem(a, "7306e156-49a7-4ff6-9d8f-d6e6d531e426"),
                           "7306e156-49a7-4ff6-9d8f-d6e6d531e426");
    rp_arena_free(a);
}

static void test_write_files(void)
{
    emitted em;
    emit_path(&em, RP_SRCDIR "/rules/meshcentral.yaml");
    char dir[] = "/tmp/rp-emit-out-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    CU_ASSERT_EQUAL(rp_emit_sigma_rule(&em.ctx, em.rule, em.ir, dir), 0);
    CU_ASSERT_EQUAL(rp_emit_kql_rule(&em.ctx, em.rule, dir), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/sigma/7306e156-49a7-4ff6-9d8f-d6e6d531e426.json", dir);
    char *s = slurp(path);
    CU_ASSERT(s && strcmp(s, em.sigma) == 0);
    free(s);
    remove(path);
    snprintf(path, sizeof path, "%s/kql/7306e156-49a7-4ff6-9d8f-d6e6d531e426.kql", dir);
    s = slurp(path);
    CU_ASSERT(s && strcmp(s, em.kql) == 0);
    free(s);
    remove(path);
    snprintf(path, sizeof path, "%s/sigma", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/kql", dir);
    rmdir(path);
    rmdir(dir);
    /* an unwritable directory is an RP0503 error, not a crash */
    CU_ASSERT_EQUAL(rp_emit_sigma_rule(&em.ctx, em.rule, em.ir, "/proc/rp-no-such/dir"), -1);
    CU_ASSERT(count_code(&em, "RP0503") >= 1);
    emitted_free(&em);
}

static CU_TestInfo tests[] = {
    {"seed rule: golden Sigma and KQL", test_seed_golden},
    {"seed rule: mapping, filters, tags, notes", test_seed_content},
    {"byte-identical across runs", test_deterministic},
    {"operators map exactly", test_operators},
    {"negations in the detection", test_negation_in_detection},
    {"untranslatable detection part: broader, with a note", test_untranslatable_detection_is_broader},
    {"allow-list approximations are never broader", test_filter_never_broader},
    {"projected columns stay event columns", test_projected_columns},
    {"no exclusions: plain condition", test_no_exclusions_condition},
    {"summarize with a threshold: correlation", test_correlation},
    {"escaping in JSON and KQL", test_escaping},
    {"emitted KQL re-parses", test_kql_reparses},
    {"nullable exclusion column in KQL", test_nullable_exclusion_kql},
    {"file stems", test_file_stem},
    {"files written", test_write_files},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("emit_sigma", tests)
