/* test_excl.c: the exclusion stage: parser (positions, errors, did-you-mean), field resolution,
 * each lint (a test that fails when the lint is removed, and one that it stays quiet), the seed
 * rule's five scenarios, the cancellation check, the rendered form and rule->excl. */
#include "test_util.h"

#include "excl_fields.h"
#include "excl_lint.h"
#include "excl_parse.h"

/* ---------------------------------------------------------------- helpers */

/* A rule reading `table` with the given exclusion filters, written as `    filter: <f>` lines.
 * The first filter is on line FIRST_FILTER_LINE, each next one 3 lines further; the value starts
 * at column 13. */
#define FIRST_FILTER_LINE 19
static char *rule_text(const char *table, const char *const *filters, size_t count)
{
    size_t cap = 4096;
    for (size_t i = 0; i < count; i++) cap += strlen(filters[i]) + 64;
    char *out = malloc(cap);
    int n = snprintf(out, cap,
                     "id: 7306e156-49a7-4ff6-9d8f-d6e6d531e426\n"              /* 1 */
                     "name: Remote Management and Monitoring tool - MeshCentral - Create Process\n"
                     "description: Remote Monitoring and Management tools abused for C2.\n"
                     "severity: Medium\n"
                     "requiredDataConnectors:\n"                               /* 5 */
                     "  - connectorId: MicrosoftThreatProtection\n"
                     "    dataTypes:\n"
                     "      - %s\n"
                     "queryFrequency: 1d\n"
                     "queryPeriod: 5d\n"                                       /* 10 */
                     "triggerOperator: gt\n"
                     "triggerThreshold: 0\n"
                     "tactics: [CommandAndControl]\n"
                     "relevantTechniques: [T1219]\n"
                     "query: \"%s\\n| where ProcessVersionInfoProductName has 'meshcentral'\"\n" /* 15 */
                     "kind: Scheduled\n"
                     "version: 1.0.0\n"
                     "exclusions:\n",
                     table, table);
    for (size_t i = 0; i < count; i++)
        n += snprintf(out + n, cap - (size_t)n,
                      "  - scenario: Scenario %zu\n"                           /* 19, 22, ... */
                      "    description: A benign case.\n"
                      "    filter: %s\n",
                      i + 1, filters[i]);
    return out;
}

static void check_filters(rp_test_run *run, const char *table, const char *const *filters, size_t count)
{
    char *text = rule_text(table, filters, count);
    rp_test_check_text(run, "rule.yaml", text);
    free(text);
}

static void check_one(rp_test_run *run, const char *table, const char *filter)
{
    check_filters(run, table, &filter, 1);
}

#define LINE(i) (FIRST_FILTER_LINE + 2 + 3 * (i))

/* Every RP06xx diagnostic, as "CODE@line:col" joined by spaces, in report order after sorting. */
static void excl_codes(const rp_test_run *run, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < run->diags.count; i++) {
        const rp_diag *d = &run->diags.items[i];
        const char *code = rp_diag_info_of(d->code)->code;
        if (strncmp(code, "RP06", 4) != 0) continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%s@%u:%u", n ? " " : "", code, d->line, d->column);
    }
}

#define ASSERT_EXCL_CODES(run, expected)                                                   \
    do {                                                                                   \
        char got_[2048];                                                                   \
        excl_codes(run, got_, sizeof got_);                                                \
        if (strcmp(got_, expected) != 0) {                                                 \
            fprintf(stderr, "\nexpected: %s\n     got: %s\n", expected, got_);             \
            rp_test_dump(run);                                                             \
        }                                                                                  \
        CU_ASSERT_STRING_EQUAL(got_, expected);                                            \
    } while (0)

static const rp_diag *find_code(const rp_test_run *run, const char *code)
{
    return rp_test_find(run, code);
}

/* ---------------------------------------------------------------- the seed rule */

static const char *const seed_filters[] = {
    "process.name != \"meshcentral.exe\" OR process.parent.name == \"powershell.exe\" AND process.command_line contains \"New-Item\"",
    "process.name == \"meshcentral.exe\" AND process.command_line contains \"generateReport\" OR process.parent.name == \"taskeng.exe\"",
    "process.name == \"meshcentral.exe\" AND process.command_line contains \"applyPatch\" OR process.parent.name == \"msiexec.exe\"",
    "process.name == \"meshcentral.exe\" AND process.command_line contains \"monitorSystem\" OR process.parent.name == \"explorer.exe\"",
    "process.name == \"meshcentral.exe\" AND process.command_line contains \"syncAD\" OR process.parent.name == \"lsass.exe\"",
};

static void test_seed_scenarios(void)
{
    rp_test_run run;
    check_filters(&run, "DeviceProcessEvents", seed_filters, 5);
    char expected[2048];
    /* Scenario 1: the negation arm (every renamed binary), the case-sensitive != and ==, the mixed
     * AND/OR at the AND group, and powershell.exe as a trusted parent. */
    int n = snprintf(expected, sizeof expected,
                     "RP0621@%d:13 RP0626@%d:26 RP0620@%d:50 RP0626@%d:70 RP0624@%d:73", LINE(0), LINE(0), LINE(0),
                     LINE(0), LINE(0));
    /* Scenarios 2-5: mixed AND/OR; first arm is a file name + command-line substring an attacker
     * chooses; second arm is the parent alone (an abused one); == on file names. */
    static const int parent_arm[] = {101, 97, 100, 93}, parent_value[] = {124, 120, 123, 116};
    for (int s = 1; s <= 4; s++)
        n += snprintf(expected + n, sizeof expected - (size_t)n,
                      " RP0620@%d:13 RP0623@%d:13 RP0626@%d:26 RP0622@%d:%d RP0626@%d:%d RP0624@%d:%d", LINE(s), LINE(s),
                      LINE(s), LINE(s), parent_arm[s - 1], LINE(s), parent_arm[s - 1] + 20, LINE(s), parent_value[s - 1]);
    ASSERT_EXCL_CODES(&run, expected);
    const rp_diag *d = find_code(&run, "RP0620");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_NULL(strstr(d->message, "groups as `process.name != \"meshcentral.exe\" OR (process.parent.name == "
                                              "\"powershell.exe\" AND process.command_line contains \"New-Item\")`"));
    d = find_code(&run, "RP0624");
    CU_ASSERT_PTR_NOT_NULL(strstr(d->message, "T1059.001"));
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0625"), 0);
    rp_test_run_free(&run);
}

/* ---------------------------------------------------------------- lints, one by one */

static void test_lint_mixed(void)
{
    rp_test_run run;
    check_one(&run, "DeviceProcessEvents",
              "process.name =~ \"a.exe\" OR process.name =~ \"b.exe\" and user.name =~ \"svc\"");
    ASSERT_EXCL_CODES(&run, "RP0620@21:40");
    CU_ASSERT_PTR_NOT_NULL(strstr(find_code(&run, "RP0620")->message,
                                  "groups as `process.name =~ \"a.exe\" OR (process.name =~ \"b.exe\" and user.name =~ \"svc\")`"));
    rp_test_run_free(&run);
    /* parenthesised: quiet */
    check_one(&run, "DeviceProcessEvents",
              "process.name =~ \"a.exe\" OR (process.name =~ \"b.exe\" and user.name =~ \"svc\")");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
}

static void test_lint_negation(void)
{
    rp_test_run run;
    check_one(&run, "DeviceProcessEvents", "process.name !~ \"agent.exe\"");
    ASSERT_EXCL_CODES(&run, "RP0621@21:13");
    rp_test_run_free(&run);
    /* NOT over a conjunction is negation too; the arm is the second one */
    check_one(&run, "DeviceProcessEvents",
              "user.name =~ \"svc\" OR NOT (process.name =~ \"a.exe\" AND process.pe.company =~ \"X\")");
    ASSERT_EXCL_CODES(&run, "RP0621@21:35");
    rp_test_run_free(&run);
    /* double negation is positive: quiet */
    check_one(&run, "DeviceProcessEvents", "not(process.name !~ \"agent.exe\")");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
}

static void test_lint_parent_only(void)
{
    rp_test_run run;
    check_one(&run, "DeviceProcessEvents", "process.parent.name =~ \"ccmexec.exe\"");
    ASSERT_EXCL_CODES(&run, "RP0622@21:13");
    rp_test_run_free(&run);
    /* the parent AND the process itself: quiet */
    check_one(&run, "DeviceProcessEvents", "process.parent.name =~ \"ccmexec.exe\" and process.pe.company =~ \"Contoso\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    /* in DeviceNetworkEvents process.* is the initiating process: not "only the parent" */
    check_one(&run, "DeviceNetworkEvents", "process.name =~ \"ccmexec.exe\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    /* ... and process.parent.* is its parent there */
    check_one(&run, "DeviceNetworkEvents", "process.parent.name =~ \"ccmexec.exe\"");
    ASSERT_EXCL_CODES(&run, "RP0622@21:13");
    rp_test_run_free(&run);
}

static void test_lint_attacker_controlled(void)
{
    rp_test_run run;
    check_one(&run, "DeviceProcessEvents", "process.command_line contains \"--report\"");
    ASSERT_EXCL_CODES(&run, "RP0623@21:13");
    rp_test_run_free(&run);
    check_one(&run, "DeviceProcessEvents", "process.executable =~ \"C:\\\\Tools\\\\x.exe\" and process.command_line has \"sync\"");
    ASSERT_EXCL_CODES(&run, "RP0623@21:13");
    rp_test_run_free(&run);
    /* an account the attacker does not pick: quiet */
    check_one(&run, "DeviceProcessEvents", "process.command_line contains \"--report\" and user.name =~ \"svc_mesh\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    /* the file name alone is not a command-line substring: quiet for RP0623 */
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"meshcentral.exe\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
}

static void test_lint_abused_parent(void)
{
    rp_test_run run;
    /* a path: the last component is compared, case-insensitively; the value's own column */
    check_one(&run, "DeviceProcessEvents",
              "'process.parent.executable in~ (\"C:\\\\Tools\\\\a.exe\", \"C:\\\\Windows\\\\System32\\\\LSASS.EXE\") and process.name =~ \"x.exe\"'");
    ASSERT_EXCL_CODES(&run, "RP0624@21:65");
    CU_ASSERT_PTR_NOT_NULL(strstr(find_code(&run, "RP0624")->message, "T1134.004"));
    rp_test_run_free(&run);
    check_one(&run, "DeviceProcessEvents", "process.parent.name =~ \"ccmexec.exe\" and process.name =~ \"x.exe\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    /* negated: not trusting it */
    check_one(&run, "DeviceProcessEvents", "process.parent.name !~ \"lsass.exe\" and process.name =~ \"x.exe\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    /* DeviceNetworkEvents: process.name is the actor, not a parent */
    check_one(&run, "DeviceNetworkEvents", "process.name =~ \"powershell.exe\" and destination.domain =~ \"x.example\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
}

static void test_lint_case_sensitive_name(void)
{
    rp_test_run run;
    check_one(&run, "DeviceProcessEvents", "process.name in (\"a.exe\", \"b.exe\") and user.name =~ \"svc\"");
    ASSERT_EXCL_CODES(&run, "RP0626@21:26");
    const rp_diag *d = find_code(&run, "RP0626");
    CU_ASSERT_EQUAL(d->severity, RP_SEV_NOTE);
    CU_ASSERT_TRUE(d->hint && strstr(d->hint, "in~") != NULL);
    rp_test_run_free(&run);
    /* == on an account name is not a file name: quiet */
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"a.exe\" and user.name == \"svc\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
}

static void test_lint_cancels_rule(void)
{
    rp_test_run run;
    /* always true whatever the detection: an error on the whole filter */
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"a.exe\" OR (process.name !~ \"A.EXE\" and user.name =~ \"x\") OR user.name !~ \"x\"");
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0625"), 1);
    RP_ASSERT_DIAG_AT(&run, "RP0625", 21, 13);
    CU_ASSERT_EQUAL(find_code(&run, "RP0625")->severity, RP_SEV_ERROR);
    rp_test_run_free(&run);
    /* almost: the case-sensitive != leaves "A.exe"-like spellings... still covered by =~ "a.exe",
     * but a different user with another name survives */
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"a.exe\" OR user.name !~ \"x\"");
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0625"), 0);
    rp_test_run_free(&run);
}

/* ---------------------------------------------------------------- the cancellation check */

typedef struct expr_env {
    rp_ctx ctx;
    rp_diag_sink diags;
    rp_excl_fields *fields;
} expr_env;

static void env_open(expr_env *env)
{
    memset(env, 0, sizeof *env);
    rp_diag_sink_init(&env->diags);
    env->ctx.arena = rp_arena_new();
    env->ctx.diags = &env->diags;
    env->ctx.schema = rp_test_schema();
    env->fields = rp_excl_fields_load(&env->diags);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env->fields);
}

static void env_close(expr_env *env)
{
    rp_excl_fields_free(env->fields);
    rp_arena_free(env->ctx.arena);
    rp_diag_sink_free(&env->diags);
}

/* Parses and resolves an expression over DeviceProcessEvents (columns or ECS names). */
static rp_excl_node *expr(expr_env *env, const char *text)
{
    env->ctx.src = rp_source_from_memory(env->ctx.arena, "expr", text, strlen(text));
    size_t errors = 0;
    rp_excl_node *n = rp_excl_parse(&env->ctx, env->ctx.src->text, env->ctx.src->len, NULL, 0, &errors);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    errors += rp_excl_fields_resolve(&env->ctx, env->fields, "DeviceProcessEvents", n);
    CU_ASSERT_EQUAL(errors, 0);
    return n;
}

static int cancels(expr_env *env, const char *detection, const char *exclusion)
{
    rp_excl_node *d = detection ? expr(env, detection) : NULL;
    return rp_excl_cancels(d, expr(env, exclusion)) == RP_EXCL_CANCELS;
}

static void test_cancels_reasoning(void)
{
    expr_env env;
    env_open(&env);
    const char *mesh = "ProcessVersionInfoProductName has \"meshcentral\"";
    /* has meshcentral implies contains mesh / central, and has meshcentral itself */
    CU_ASSERT_TRUE(cancels(&env, mesh, "process.pe.product contains \"mesh\""));
    CU_ASSERT_TRUE(cancels(&env, mesh, "ProcessVersionInfoProductName contains \"CENTRAL\""));
    CU_ASSERT_TRUE(cancels(&env, mesh, "ProcessVersionInfoProductName has \"MeshCentral\""));
    /* ... but not has "mesh" (not a term of it), nor a case-sensitive needle, nor equality */
    CU_ASSERT_FALSE(cancels(&env, mesh, "ProcessVersionInfoProductName has \"mesh\""));
    CU_ASSERT_FALSE(cancels(&env, mesh, "ProcessVersionInfoProductName contains_cs \"mesh\""));
    CU_ASSERT_FALSE(cancels(&env, mesh, "ProcessVersionInfoProductName =~ \"meshcentral\""));
    /* a disjunction with the implied arm cancels; a conjunction with another column does not */
    CU_ASSERT_TRUE(cancels(&env, mesh, "FileName =~ \"x.exe\" or ProcessVersionInfoProductName contains \"mesh\""));
    CU_ASSERT_FALSE(cancels(&env, mesh, "FileName =~ \"x.exe\" and ProcessVersionInfoProductName contains \"mesh\""));
    /* the seed's five exclusions do not cancel the seed's detection */
    for (size_t i = 0; i < 5; i++) CU_ASSERT_FALSE(cancels(&env, mesh, seed_filters[i]));
    /* a pinned value is evaluated exactly, with KQL's case rules and term rules */
    CU_ASSERT_TRUE(cancels(&env, "FileName =~ \"a.exe\"", "FileName endswith \".EXE\""));
    CU_ASSERT_FALSE(cancels(&env, "FileName =~ \"a.exe\"", "FileName endswith_cs \".EXE\""));
    CU_ASSERT_TRUE(cancels(&env, "FileName == \"a.exe\"", "FileName endswith_cs \".exe\""));
    CU_ASSERT_TRUE(cancels(&env, "FileName in (\"a.exe\", \"b.exe\")", "FileName in~ (\"B.EXE\", \"A.EXE\", \"c\")"));
    CU_ASSERT_FALSE(cancels(&env, "FileName in (\"a.exe\", \"b.exe\")", "FileName in~ (\"B.EXE\", \"c\")"));
    CU_ASSERT_TRUE(cancels(&env, "ProcessCommandLine == \"Mesh Central Agent\"", "ProcessCommandLine has \"central\""));
    CU_ASSERT_FALSE(cancels(&env, "ProcessCommandLine == \"MeshCentralAgent\"", "ProcessCommandLine has \"central\""));
    /* anchors: startswith "ab" implies startswith "a"; two different prefixes cannot both hold */
    CU_ASSERT_TRUE(cancels(&env, "FolderPath startswith \"C:\\\\Program\"", "FolderPath startswith \"c:\\\\\""));
    CU_ASSERT_TRUE(cancels(&env, "FolderPath startswith \"C:\\\\\"", "FolderPath !startswith \"D:\\\\\""));
    CU_ASSERT_FALSE(cancels(&env, "FolderPath startswith \"C:\\\\\"", "FolderPath !startswith \"C:\\\\Windows\""));
    /* a tautology cancels any rule, even without a detection */
    CU_ASSERT_TRUE(cancels(&env, NULL, "FileName == \"a\" or not(FileName == \"a\")"));
    CU_ASSERT_TRUE(cancels(&env, NULL, "FileName contains \"b\" or FileName !contains \"ab\""));
    CU_ASSERT_FALSE(cancels(&env, NULL, "FileName contains \"ab\" or FileName !contains \"b\""));
    CU_ASSERT_FALSE(cancels(&env, NULL, "FileName contains \"b\" or FileName !contains \"ab\" and FileName == \"q\""));
    /* regexes and hasprefix are not modelled: never claimed */
    CU_ASSERT_FALSE(cancels(&env, NULL, "FileName matches regex \"a\" or not(FileName matches regex \"a\")"));
    /* past the size cap the check says nothing, even for a tautology */
    char big[4096] = "(FileName == \"q\" or FileName != \"q\")";
    for (int i = 0; i < 10; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), " or (AccountName == \"u%d\" and AccountDomain == \"d%d\")", i, i);
    CU_ASSERT_FALSE(cancels(&env, NULL, big));
    CU_ASSERT_TRUE(cancels(&env, NULL, "(FileName == \"q\" or FileName != \"q\") or (AccountName == \"u\" and AccountDomain == \"d\")"));
    env_close(&env);
}

/* ---------------------------------------------------------------- parser errors */

static void test_parse_errors(void)
{
    rp_test_run run;
    /* unterminated string: at the opening quote */
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"a.exe");
    ASSERT_EXCL_CODES(&run, "RP0601@21:29");
    rp_test_run_free(&run);
    /* unknown operators, with did-you-mean, both reported */
    check_one(&run, "DeviceProcessEvents", "process.name = \"a.exe\" and process.command_line containz \"x\"");
    ASSERT_EXCL_CODES(&run, "RP0603@21:26 RP0603@21:61");
    CU_ASSERT_STRING_EQUAL(run.diags.items[0].hint, "did you mean `==`?");
    CU_ASSERT_STRING_EQUAL(run.diags.items[1].hint, "did you mean `contains`?");
    rp_test_run_free(&run);
    /* unknown field: did-you-mean among the ECS fields and the table's columns */
    check_one(&run, "DeviceProcessEvents", "process.nmae =~ \"a.exe\" or FileNme =~ \"b.exe\"");
    ASSERT_EXCL_CODES(&run, "RP0602@21:13 RP0602@21:40");
    CU_ASSERT_STRING_EQUAL(run.diags.items[0].hint, "did you mean `process.name`?");
    CU_ASSERT_STRING_EQUAL(run.diags.items[1].hint, "did you mean `FileName`?");
    rp_test_run_free(&run);
    /* an ECS field with no column in this table */
    check_one(&run, "DeviceNetworkEvents", "process.parent.command_line contains \"x\" and destination.domain =~ \"a\"");
    ASSERT_EXCL_CODES(&run, "RP0608@21:13");
    rp_test_run_free(&run);
    /* unbalanced parentheses, dangling operator, trailing tokens */
    check_one(&run, "DeviceProcessEvents", "(process.name =~ \"a.exe\" or user.name =~ \"b\"");
    ASSERT_EXCL_CODES(&run, "RP0601@21:57");
    rp_test_run_free(&run);
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"a.exe\" and");
    ASSERT_EXCL_CODES(&run, "RP0601@21:40");
    rp_test_run_free(&run);
    check_one(&run, "DeviceProcessEvents", "process.name =~ \"a.exe\" && user.name =~ \"b\"");
    ASSERT_EXCL_CODES(&run, "RP0601@21:37");
    CU_ASSERT_PTR_NOT_NULL(strstr(run.diags.items[0].message, "write AND / OR"));
    rp_test_run_free(&run);
    /* types: a string operator on a long column; a number against a string column */
    check_one(&run, "DeviceProcessEvents", "process.pid contains \"12\" or process.name == 12");
    ASSERT_EXCL_CODES(&run, "RP0604@21:25 RP0604@21:58");
    rp_test_run_free(&run);
    /* regex that does not compile; look-around; empty needle */
    check_one(&run, "DeviceProcessEvents",
              "process.name matches regex \"a(b\" or process.name matches regex \"(?=x)\" or user.name contains \"\"");
    ASSERT_EXCL_CODES(&run, "RP0605@21:40 RP0605@21:76 RP0606@21:106");
    rp_test_run_free(&run);
    /* has with a separator: semantics unverified (warning) */
    check_one(&run, "DeviceProcessEvents", "process.command_line has \"New-Item\" and user.name =~ \"admin\"");
    ASSERT_EXCL_CODES(&run, "RP0611@21:38");
    rp_test_run_free(&run);
}

/* Positions inside block scalars and quoted scalars map to the right line and column. */
static void test_positions_multiline(void)
{
    const char *filters[] = {"|\n      process.name =~ \"a.exe\"\n      and user.name =~ \"b\" and process.parnt.name =~ \"c\""};
    rp_test_run run;
    check_filters(&run, "DeviceProcessEvents", filters, 1);
    ASSERT_EXCL_CODES(&run, "RP0602@23:32");
    CU_ASSERT_STRING_EQUAL(run.diags.items[0].hint, "did you mean `process.parent.name`?");
    rp_test_run_free(&run);
    const char *quoted[] = {"\"process.name =~ \\\"a.exe\\\" or process.parent.name =~ \\\"lsass.exe\\\"\""};
    check_filters(&run, "DeviceProcessEvents", quoted, 1);
    /* in a double-quoted YAML scalar, each \" is two characters in the file: the arm starts at
     * column 14 + 26 + 2 */
    RP_ASSERT_DIAG_AT(&run, "RP0622", 21, 0);
    RP_ASSERT_DIAG_AT(&run, "RP0624", 21, 0);
    rp_test_run_free(&run);
}

/* ---------------------------------------------------------------- rendering and rule->excl */

static void test_render(void)
{
    expr_env env;
    env_open(&env);
    rp_excl_node *n = expr(&env, "NOT (process.name == \"a\\\"b\" or FileName In~ ('x', \"y\")) And process.command_line "
                                 "CONTAINS_CS \"q\\\\z\" OR process.parent.name !startswith \"c\" and not user.name has \"d\"");
    CU_ASSERT_STRING_EQUAL(rp_excl_render(env.ctx.arena, n, 0),
                           "(not(process.name == \"a\\\"b\" or FileName in~ (\"x\", \"y\")) and process.command_line "
                           "contains_cs \"q\\\\z\") or (process.parent.name !startswith \"c\" and not(user.name has \"d\"))");
    CU_ASSERT_STRING_EQUAL(rp_excl_render(env.ctx.arena, n, 1),
                           "(not(FileName == \"a\\\"b\" or FileName in~ (\"x\", \"y\")) and ProcessCommandLine "
                           "contains_cs \"q\\\\z\") or (InitiatingProcessFileName !startswith \"c\" and not(AccountName has \"d\"))");
    /* the tree's shape: OR of two ANDs; a written-parenthesised same-kind chain stays one kid */
    CU_ASSERT_EQUAL(n->kind, RP_EXCL_OR);
    CU_ASSERT_EQUAL(n->kid_count, 2);
    CU_ASSERT_EQUAL(n->kids[0]->kind, RP_EXCL_AND);
    CU_ASSERT_EQUAL(n->kids[0]->kids[0]->kind, RP_EXCL_NOT);
    CU_ASSERT_TRUE(n->kids[0]->kids[0]->kids[0]->parenthesized);
    const rp_excl_node *in = n->kids[0]->kids[0]->kids[0]->kids[1];
    CU_ASSERT_EQUAL(in->op, RP_EXCL_OP_IN);
    CU_ASSERT_FALSE(in->case_sensitive);
    CU_ASSERT_EQUAL(in->value_count, 2);
    n = expr(&env, "(FileName =~ \"a\" or FileName =~ \"b\") or FileName =~ \"c\"");
    CU_ASSERT_STRING_EQUAL(rp_excl_render(env.ctx.arena, n, 0), "FileName =~ \"a\" or FileName =~ \"b\" or FileName =~ \"c\"");
    env_close(&env);
}

static void test_rule_excl_model(void)
{
    char *text = rule_text("DeviceProcessEvents", seed_filters, 2);
    char dir[] = "/tmp/rp-excl-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/rule.yaml", dir);
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    free(text);
    rp_diag_sink diags;
    rp_diag_sink_init(&diags);
    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = &diags;
    ctx.schema = rp_test_schema();
    rp_rule *rule = rp_check_file(&ctx, NULL, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rule);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rule->excl);
    CU_ASSERT_STRING_EQUAL(rule->excl->table, "DeviceProcessEvents");
    CU_ASSERT_EQUAL(rule->excl->count, 2);
    const rp_excl_filter *x = &rule->excl->items[0];
    CU_ASSERT_TRUE(x->ok);
    CU_ASSERT_FALSE(x->cancels_rule);
    CU_ASSERT_PTR_EQUAL(x->source, &rule->exclusions[0]);
    CU_ASSERT_EQUAL(x->root->kind, RP_EXCL_OR);
    const rp_excl_node *name = x->root->kids[0];
    CU_ASSERT_STRING_EQUAL(name->field.written, "process.name");
    CU_ASSERT_STRING_EQUAL(name->field.ecs, "process.name");
    CU_ASSERT_STRING_EQUAL(name->field.column, "FileName");
    CU_ASSERT_EQUAL(name->field.type, RP_TYPE_STRING);
    CU_ASSERT_TRUE(name->negated);
    CU_ASSERT_TRUE(name->case_sensitive);
    CU_ASSERT_STRING_EQUAL(name->values[0].text, "meshcentral.exe");
    const rp_excl_node *parent = x->root->kids[1]->kids[0];
    CU_ASSERT_STRING_EQUAL(parent->field.column, "InitiatingProcessFileName");
    CU_ASSERT_TRUE(parent->field.roles & RP_EXCL_ROLE_PARENT);
    CU_ASSERT_STRING_EQUAL(x->root->kids[1]->kids[1]->field.column, "ProcessCommandLine");
    CU_ASSERT_STRING_EQUAL(rp_excl_render(ctx.arena, rule->excl->items[1].root, 1),
                           "(FileName == \"meshcentral.exe\" and ProcessCommandLine contains \"generateReport\") or "
                           "InitiatingProcessFileName == \"taskeng.exe\"");
    rp_arena_free(ctx.arena);
    rp_diag_sink_free(&diags);
    remove(path);
    remove(dir);
}

/* A rule without a table: ECS names cannot be mapped (one warning), typos still found. */
static void test_no_table(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "rule.yaml",
                       "id: 7306e156-49a7-4ff6-9d8f-d6e6d531e427\n"
                       "name: No table\n"
                       "query: print 1\n"
                       "exclusions:\n"
                       "  - scenario: s\n"
                       "    filter: process.name =~ \"a\" and process.nam =~ \"b\"\n");
    ASSERT_EXCL_CODES(&run, "RP0607@6:13 RP0602@6:37");
    rp_test_run_free(&run);
}

/* With the query parsed (rule->kql), the detection's own predicates drive RP0622 and RP0625. */
static void test_detection_from_query(void)
{
    rp_test_run run;
    /* the template's query is `DeviceProcessEvents | where ProcessVersionInfoProductName has 'meshcentral'` */
    check_one(&run, "DeviceProcessEvents", "process.pe.product contains \"mesh\"");
    ASSERT_EXCL_CODES(&run, "RP0625@21:13");
    CU_ASSERT_PTR_NOT_NULL(strstr(find_code(&run, "RP0625")->message, "ProcessVersionInfoProductName has \"meshcentral\""));
    rp_test_run_free(&run);
    check_one(&run, "DeviceProcessEvents", "process.pe.product has \"mesh\"");
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    /* a detection that tests the parent itself: an arm on the parent constrains what it matches */
    const char *head = "id: 7306e156-49a7-4ff6-9d8f-d6e6d531e428\n"
                       "name: Child of services\n"
                       "query: |\n"
                       "  let x = 1;\n"
                       "  DeviceProcessEvents\n"
                       "  | where InitiatingProcessFileName =~ \"services.exe\" and not(FileName in~ (\"a.exe\", \"b.exe\"))\n"
                       "  | summarize count() by DeviceId\n"
                       "exclusions:\n"
                       "  - scenario: s\n";
    char text[1024];
    snprintf(text, sizeof text, "%s    filter: process.parent.name =~ \"svchost.exe\"\n", head);
    rp_test_check_text(&run, "rule.yaml", text);
    ASSERT_EXCL_CODES(&run, "RP0624@10:36");
    rp_test_run_free(&run);
    snprintf(text, sizeof text, "%s    filter: process.parent.name =~ \"SERVICES.EXE\" or process.name =~ \"c.exe\"\n", head);
    rp_test_check_text(&run, "rule.yaml", text);
    ASSERT_EXCL_CODES(&run, "RP0625@10:13 RP0624@10:36");
    rp_test_run_free(&run);
    /* not(FileName in~ (...)) is modelled: excluding a.exe leaves nothing the rule would not
     * have dropped anyway, but excluding everything but a.exe cancels it */
    snprintf(text, sizeof text, "%s    filter: process.name !in~ (\"a.exe\") and process.name =~ \"c.exe\"\n", head);
    rp_test_check_text(&run, "rule.yaml", text);
    ASSERT_EXCL_CODES(&run, "");
    rp_test_run_free(&run);
    snprintf(text, sizeof text, "%s    filter: process.name !in~ (\"A.EXE\")\n", head);
    rp_test_check_text(&run, "rule.yaml", text);
    ASSERT_EXCL_CODES(&run, "RP0621@10:13 RP0625@10:13");
    CU_ASSERT_PTR_NOT_NULL(strstr(find_code(&run, "RP0621")->message, "`process.name !in~ (\"A.EXE\")`"));
    rp_test_run_free(&run);
}

static CU_TestInfo tests[] = {
    {"seed rule: the five scenarios", test_seed_scenarios},
    {"lint: AND/OR mixed", test_lint_mixed},
    {"lint: negation-only arm", test_lint_negation},
    {"lint: parent-only arm", test_lint_parent_only},
    {"lint: attacker-controlled arm", test_lint_attacker_controlled},
    {"lint: abused parent", test_lint_abused_parent},
    {"lint: case-sensitive file name", test_lint_case_sensitive_name},
    {"lint: cancels the rule", test_lint_cancels_rule},
    {"cancellation reasoning", test_cancels_reasoning},
    {"parse and resolve errors", test_parse_errors},
    {"positions in block and quoted scalars", test_positions_multiline},
    {"render", test_render},
    {"rule->excl", test_rule_excl_model},
    {"no table", test_no_table},
    {"detection from the parsed query", test_detection_from_query},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("excl", tests)
