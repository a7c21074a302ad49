/* test_schema.c: the schema data and lookups (schema.c), the rule checks (rule_check.c) and the
 * pack checks (pack.c). Rule checks are data-driven: each case edits a valid base rule and names
 * the code and position it must produce, so removing a check fails its case. */
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

/* A Scheduled rule with no RP01xx problem. Line numbers matter to the cases below. */
static const char BASE[] =
    "id: 11111111-2222-3333-4444-555555555555\n"          /* 1 */
    "name: Test rule\n"                                   /* 2 */
    "description: A test rule.\n"                         /* 3 */
    "kind: Scheduled\n"                                   /* 4 */
    "severity: Medium\n"                                  /* 5 */
    "requiredDataConnectors:\n"                           /* 6 */
    "  - connectorId: MicrosoftThreatProtection\n"        /* 7 */
    "    dataTypes:\n"                                    /* 8 */
    "      - DeviceProcessEvents\n"                       /* 9 */
    "queryFrequency: 1h\n"                                /* 10 */
    "queryPeriod: 1h\n"                                   /* 11 */
    "triggerOperator: gt\n"                               /* 12 */
    "triggerThreshold: 0\n"                               /* 13 */
    "tactics:\n"                                          /* 14 */
    "  - Execution\n"                                     /* 15 */
    "relevantTechniques:\n"                               /* 16 */
    "  - T1059.001\n"                                     /* 17 */
    "query: |\n"                                          /* 18 */
    "  DeviceProcessEvents\n"                             /* 19 */
    "  | where FileName == \"x.exe\"\n"                   /* 20 */
    "version: 1.0.0\n";                                   /* 21 */

/* text with the first occurrence of `from` replaced by `to` (malloc'd). */
static char *subst(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) {
        fprintf(stderr, "test bug: '%s' not in the base rule\n", from);
        abort();
    }
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static size_t count_prefix(const rp_test_run *run, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < run->diags.count; i++)
        n += strncmp(rp_diag_info_of(run->diags.items[i].code)->code, prefix, strlen(prefix)) == 0;
    return n;
}

/* `text` checks without any RP01xx (schema) diagnostic; prints them when it has some. */
static void assert_no_schema_diags(const char *name, const char *text)
{
    rp_test_run run;
    rp_test_check_text(&run, name, text);
    CU_ASSERT_EQUAL(count_prefix(&run, "RP01"), 0);
    if (count_prefix(&run, "RP01")) rp_test_dump(&run);
    rp_test_run_free(&run);
}

static void test_base_rule_is_clean(void)
{
    assert_no_schema_diags("rule.yaml", BASE);
}

typedef struct rp_case {
    const char *what;
    const char *from, *to; /* edit of BASE (from NULL: `to` is the whole file) */
    const char *code;
    int line, column;
    const char *message_has; /* optional */
} rp_case;

static const rp_case CASES[] = {
    /* 1: id */
    {"missing id", "id: 11111111-2222-3333-4444-555555555555\n", "", "RP0100", 1, 1, "'id'"},
    {"id not a GUID", "11111111-2222-3333-4444-555555555555", "not-a-guid", "RP0105", 1, 5, NULL},
    /* 2: kind */
    {"kind case", "kind: Scheduled", "kind: scheduled", "RP0133", 4, 7, NULL},
    {"kind unknown", "kind: Scheduled", "kind: Batch", "RP0106", 4, 7, "Batch"},
    /* 3, 4, 6: texts */
    {"name empty", "name: Test rule", "name: \"\"", "RP0108", 2, 7, NULL},
    {"name blank", "name: Test rule", "name: \"   \"", "RP0108", 2, 7, NULL},
    {"description missing", "description: A test rule.\n", "", "RP0100", 1, 1, "'description'"},
    {"query missing", "query: |\n  DeviceProcessEvents\n  | where FileName == \"x.exe\"\n", "", "RP0100", 1, 1,
     "'query'"},
    {"name is a list", "name: Test rule", "name: [a, b]", "RP0103", 2, 7, NULL},
    /* 5: severity */
    {"severity unknown", "severity: Medium", "severity: Critical", "RP0109", 5, 11, NULL},
    {"severity case", "severity: Medium", "severity: medium", "RP0137", 5, 11, "'Medium'"},
    {"severity near miss", "severity: Medium", "severity: Meduim", "RP0109", 5, 11, "did you mean 'Medium'"},
    {"tactic case", "  - Execution", "  - execution", "RP0137", 15, 5, "'Execution'"},
    {"key case", "tactics:", "Tactics:", "RP0138", 14, 1, "'tactics'"},
    /* 7: tactics */
    {"tactic misspelled", "  - Execution", "  - Executon", "RP0110", 15, 5, "Execution"},
    {"tactic spaced", "  - Execution", "  - Command and Control", "RP0110", 15, 5, "CommandAndControl"},
    {"tactic legacy", "  - Execution", "  - Execution\n  - PreAttack", "RP0136", 16, 5, NULL},
    {"tactics scalar", "tactics:\n  - Execution", "tactics: Execution", "RP0104", 14, 10, NULL},
    {"techniques scalar", "relevantTechniques:\n  - T1059.001", "relevantTechniques: T1059.001", "RP0104", 16, 21,
     NULL},
    {"tactic twice", "  - Execution", "  - Execution\n  - Execution", "RP0135", 16, 5, NULL},
    /* 8 and gap 6: techniques */
    {"technique format", "  - T1059.001", "  - t1059", "RP0111", 17, 5, NULL},
    {"technique unknown", "  - T1059.001", "  - T9999", "RP0112", 17, 5, NULL},
    {"sub-technique unknown", "  - T1059.001", "  - T1059.999", "RP0112", 17, 5, "not a sub-technique of T1059"},
    {"technique revoked", "  - T1059.001", "  - T1002", "RP0113", 17, 5, "T1560"},
    {"technique deprecated", "tactics:\n  - Execution\nrelevantTechniques:\n  - T1059.001",
     "tactics:\n  - CommandAndControl\nrelevantTechniques:\n  - T1026", "RP0114", 17, 5, NULL},
    {"technique tactic mismatch", "  - T1059.001", "  - T1219", "RP0115", 17, 5, "CommandAndControl"},
    {"technique mismatch NRT", "kind: Scheduled", "kind: NRT", NULL, 0, 0, NULL}, /* placeholder, see below */
    {"technique missing from Sentinel table", "tactics:\n  - Execution\nrelevantTechniques:\n  - T1059.001",
     "tactics:\n  - Persistence\nrelevantTechniques:\n  - T1653", "RP0116", 17, 5, "frozen"},
    {"technique tactic only in ATT&CK", "tactics:\n  - Execution\nrelevantTechniques:\n  - T1059.001",
     "tactics:\n  - PrivilegeEscalation\nrelevantTechniques:\n  - T1098", "RP0116", 17, 5, "Persistence"},
    /* 9, 10 and gap 1: connectors */
    {"connectors missing", "requiredDataConnectors:\n  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n"
                           "      - DeviceProcessEvents\n",
     "", "RP0100", 1, 1, "requiredDataConnectors"},
    {"connector unknown", "connectorId: MicrosoftThreatProtection", "connectorId: MicrosoftThreatProtectio", "RP0117",
     7, 18, "did you mean 'MicrosoftThreatProtection'"},
    {"dataType not fed", "      - DeviceProcessEvents", "      - SecurityEvent", "RP0118", 9, 9, NULL},
    {"alert connector fed only SecurityAlert", "connectorId: MicrosoftThreatProtection",
     "connectorId: MicrosoftDefenderAdvancedThreatProtection", "RP0118", 9, 9, "'DeviceProcessEvents'"},
    {"dataTypes missing", "    dataTypes:\n      - DeviceProcessEvents\n", "", "RP0100", 7, 5, "dataTypes"},
    /* 11-13: schedule */
    {"frequency unit case", "queryFrequency: 1h", "queryFrequency: 1H", "RP0119", 10, 17, NULL},
    {"frequency ISO", "queryFrequency: 1h", "queryFrequency: PT1H", "RP0119", 10, 17, NULL},
    {"frequency too short", "queryFrequency: 1h\nqueryPeriod: 1h", "queryFrequency: 2m\nqueryPeriod: 1h", "RP0120", 10,
     17, NULL},
    {"period too long", "queryPeriod: 1h", "queryPeriod: 15d", "RP0120", 11, 14, NULL},
    {"period shorter than frequency", "queryFrequency: 1h", "queryFrequency: 02:00:00", "RP0121", 11, 14, NULL},
    {"long period fast frequency", "queryFrequency: 1h\nqueryPeriod: 1h", "queryFrequency: 30m\nqueryPeriod: 2d",
     "RP0122", 10, 17, NULL},
    {"frequency missing", "queryFrequency: 1h\n", "", "RP0100", 1, 1, "queryFrequency"},
    /* 14, 15: trigger */
    {"trigger operator", "triggerOperator: gt", "triggerOperator: GreaterOrEqual", "RP0109", 12, 18, NULL},
    {"threshold too big", "triggerThreshold: 0", "triggerThreshold: 10001", "RP0123", 13, 19, NULL},
    {"threshold negative", "triggerThreshold: 0", "triggerThreshold: -1", "RP0123", 13, 19, NULL},
    {"threshold not a number", "triggerThreshold: 0", "triggerThreshold: five", "RP0123", 13, 19, NULL},
    /* 16: event grouping */
    {"aggregation kind", "version: 1.0.0", "version: 1.0.0\neventGroupingSettings:\n  aggregationKind: Single",
     "RP0109", 23, 20, NULL},
    {"aggregation kind missing", "version: 1.0.0", "version: 1.0.0\neventGroupingSettings:\n  other: 1", "RP0100",
     23, 3, "aggregationKind"},
    /* 17: custom details */
    {"custom details key", "version: 1.0.0", "version: 1.0.0\ncustomDetails:\n  1abc: FileName", "RP0124", 23, 3, NULL},
    {"custom details value", "version: 1.0.0", "version: 1.0.0\ncustomDetails:\n  Abc: File Name", "RP0124", 23, 8,
     NULL},
    {"custom details key long", "version: 1.0.0", "version: 1.0.0\ncustomDetails:\n  Abcdefghijklmnopqrstu: X",
     "RP0124", 23, 3, NULL},
    /* 18: entity mappings */
    {"entity type", "version: 1.0.0",
     "version: 1.0.0\nentityMappings:\n  - entityType: Hots\n    fieldMappings:\n      - identifier: HostName\n"
     "        columnName: DeviceName",
     "RP0125", 23, 17, "did you mean 'Host'"},
    {"entity identifier", "version: 1.0.0",
     "version: 1.0.0\nentityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: Hostname\n"
     "        columnName: DeviceName",
     "RP0125", 25, 21, "Hostname"},
    {"entity identifier twice", "version: 1.0.0",
     "version: 1.0.0\nentityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n"
     "        columnName: DeviceName\n      - identifier: HostName\n        columnName: DeviceId",
     "RP0125", 27, 21, "multiple times"},
    {"entity column name", "version: 1.0.0",
     "version: 1.0.0\nentityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n"
     "        columnName: Device-Name",
     "RP0125", 26, 21, NULL},
    {"entity required identifiers", "version: 1.0.0",
     "version: 1.0.0\nentityMappings:\n  - entityType: FileHash\n    fieldMappings:\n      - identifier: Algorithm\n"
     "        columnName: Alg",
     "RP0125", 25, 7, "FileHash"},
    {"field mappings too many", "version: 1.0.0",
     "version: 1.0.0\nentityMappings:\n  - entityType: Account\n    fieldMappings:\n"
     "      - {identifier: Name, columnName: A}\n      - {identifier: Sid, columnName: B}\n"
     "      - {identifier: PUID, columnName: C}\n      - {identifier: UPNSuffix, columnName: D}",
     "RP0134", 25, 7, NULL},
    {"entity mappings empty", "version: 1.0.0", "version: 1.0.0\nentityMappings: []", "RP0134", 22, 17, NULL},
    /* 19: legacy entity columns */
    {"legacy entity", "  | where FileName == \"x.exe\"",
     "  | where FileName == \"x.exe\"\n  | extend AccountCustomEntity = AccountName", "RP0126", 21, 12, NULL},
    /* 20: alert details override */
    {"alert placeholders", "version: 1.0.0",
     "version: 1.0.0\nalertDetailsOverride:\n  alertDisplayNameFormat: \"{{A}} {{B}} {{C}} {{D}}\"", "RP0127", 23, 27,
     NULL},
    {"alert format blank", "version: 1.0.0", "version: 1.0.0\nalertDetailsOverride:\n  alertDisplayNameFormat: \" \"",
     "RP0108", 23, 27, NULL},
    /* 21: version */
    {"version two parts", "version: 1.0.0", "version: \"1.0\"", "RP0128", 21, 10, NULL},
    {"version suffix", "version: 1.0.0", "version: 1.0.0-beta", "RP0128", 21, 10, NULL},
    /* 28: ASCII */
    {"non-ASCII", "A test rule.", "A caf\xc3\xa9 rule.", "RP0129", 3, 19, "U+00E9"},
    /* gap 5: keys */
    {"misspelled entityMappings", "version: 1.0.0", "version: 1.0.0\nentityMapping: []", "RP0102", 22, 1,
     "did you mean 'entityMappings'"},
    {"misspelled relevantTechniques", "relevantTechniques:", "relevantTechnique:", "RP0102", 16, 1,
     "did you mean 'relevantTechniques'"},
    {"unknown key", "version: 1.0.0", "version: 1.0.0\nxyzzyFoo: 1", "RP0101", 22, 1, NULL},
    {"misspelled nested key", "    dataTypes:", "    dataType:", "RP0102", 8, 5, "dataTypes"},
    /* kinds: NRT and hunting */
    {"NRT with frequency", "kind: Scheduled", "kind: NRT", "RP0130", 10, 1, "NRT"},
    {"bool field", "version: 1.0.0", "version: 1.0.0\nsuppressionEnabled: maybe", "RP0103", 22, 21, NULL},
    /* exclusions and tests */
    {"exclusion without filter", "version: 1.0.0", "version: 1.0.0\nexclusions:\n  - scenario: A\n    description: B",
     "RP0131", 23, 5, "filter"},
    {"exclusions scalar", "version: 1.0.0", "version: 1.0.0\nexclusions: none", "RP0131", 22, 13, NULL},
    {"exclusion unknown key", "version: 1.0.0",
     "version: 1.0.0\nexclusions:\n  - scenario: A\n    fliter: y", "RP0102", 24, 5, "did you mean 'filter'"},
    {"test expect", "version: 1.0.0", "version: 1.0.0\ntests:\n  - name: t\n    event: {A: 1}\n    expect: maybe",
     "RP0132", 25, 13, NULL},
    {"test without event", "version: 1.0.0", "version: 1.0.0\ntests:\n  - name: t\n    expect: alert", "RP0132", 23,
     5, "event"},
    {"test now", "version: 1.0.0",
     "version: 1.0.0\ntests:\n  - name: t\n    now: yesterday\n    event: {A: 1}\n    expect: alert", "RP0132", 24, 10,
     NULL},
};

static void run_case(const rp_case *c)
{
    if (!c->code) return;
    char *text = c->from ? subst(BASE, c->from, c->to) : strdup(c->to);
    rp_test_run run;
    rp_test_check_text(&run, "rule.yaml", text);
    int found = 0;
    for (size_t i = 0; i < run.diags.count; i++) {
        const rp_diag *d = &run.diags.items[i];
        if (strcmp(rp_diag_info_of(d->code)->code, c->code) == 0 && d->line == (unsigned)c->line &&
            d->column == (unsigned)c->column && (!c->message_has || strstr(d->message, c->message_has)))
            found = 1;
    }
    if (!found) {
        fprintf(stderr, "\ncase '%s': expected %s at %d:%d%s%s, got:\n", c->what, c->code, c->line, c->column,
                c->message_has ? " with " : "", c->message_has ? c->message_has : "");
        rp_test_dump(&run);
    }
    CU_ASSERT(found);
    rp_test_run_free(&run);
    free(text);
}

static void test_rule_cases(void)
{
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) run_case(&CASES[i]);
}

/* Tactic/technique consistency runs for NRT and hunting queries too (the CI's cast bug skips NRT). */
static void test_consistency_all_kinds(void)
{
    char *nrt = subst(BASE, "kind: Scheduled", "kind: NRT");
    char *nrt2 = subst(nrt, "  - T1059.001", "  - T1219");
    rp_test_run run;
    rp_test_check_text(&run, "rule.yaml", nrt2);
    RP_ASSERT_DIAG_AT(&run, "RP0115", 17, 5);
    rp_test_run_free(&run);
    const char *hunting = "id: 11111111-2222-3333-4444-555555555555\nname: h\nquery: DeviceProcessEvents\n"
                          "tactics:\n  - Execution\nrelevantTechniques:\n  - T1219\n";
    rp_test_check_text(&run, "hunt.yaml", hunting);
    RP_ASSERT_DIAG_AT(&run, "RP0115", 7, 5);
    RP_ASSERT_NO_DIAG(&run, "RP0100"); /* no severity, schedule or connectors needed */
    rp_test_run_free(&run);
    free(nrt);
    free(nrt2);
}

static void test_hunting_light(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "hunt.yaml",
                       "id: 11111111-2222-3333-4444-555555555555\nname: h\nquery: DeviceProcessEvents\n"
                       "triggerOperator: gt\n");
    RP_ASSERT_DIAG_AT(&run, "RP0130", 4, 1);
    CU_ASSERT_EQUAL(run.diags.errors, 0);
    rp_test_run_free(&run);
    rp_test_check_text(&run, "hunt.yaml", "name: h\nquery: DeviceProcessEvents\n");
    RP_ASSERT_DIAG_AT(&run, "RP0100", 1, 1);
    rp_test_run_free(&run);
    /* Defender hunting queries' spellings: warnings, as nothing rejects them in a hunting query */
    rp_test_check_text(&run, "hunt.yaml",
                       "id: 11111111-2222-3333-4444-555555555555\nname: h\nquery: DeviceProcessEvents\n"
                       "requiredDataConnectors:\n- connectorId: Microsoft365Defender\n  dataTypes:\n"
                       "  - DeviceProcessEvents\ntactics:\n- Credential Access\n");
    RP_ASSERT_DIAG_AT(&run, "RP0144", 5, 16);
    RP_ASSERT_DIAG_AT(&run, "RP0143", 9, 3);
    CU_ASSERT_EQUAL(run.diags.errors, 0);
    rp_test_run_free(&run);
    /* a misspelled tactic stays an error */
    rp_test_check_text(&run, "hunt.yaml",
                       "id: 11111111-2222-3333-4444-555555555555\nname: h\nquery: DeviceProcessEvents\n"
                       "tactics:\n- Executoin\n");
    RP_ASSERT_DIAG_AT(&run, "RP0110", 5, 3);
    rp_test_run_free(&run);
}

/* Connector and dataTypes forms of real Azure-Sentinel rules that must not get RP0118: a table
 * qualified with its workload, the legacy TI table of the TI connectors, SecurityAlert of the
 * alert-only connectors. */
static void test_real_connector_forms(void)
{
    static const char *const forms[][2] = {
        {"  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n      - DeviceProcessEvents",
         "  - connectorId: Office365\n    dataTypes:\n      - OfficeActivity (Exchange)"},
        {"  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n      - DeviceProcessEvents",
         "  - connectorId: ThreatIntelligenceTaxii\n    dataTypes:\n      - ThreatIntelligenceIndicator"},
        {"  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n      - DeviceProcessEvents",
         "  - connectorId: MicrosoftDefenderAdvancedThreatProtection\n    dataTypes:\n      - SecurityAlert"},
        {"      - DeviceProcessEvents", "      - AlertInfo\n      - AlertEvidence"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *text = subst(BASE, forms[i][0], forms[i][1]);
        rp_test_run run;
        rp_test_check_text(&run, "rule.yaml", text);
        RP_ASSERT_NO_DIAG(&run, "RP0118");
        rp_test_run_free(&run);
        free(text);
    }
    /* the workload qualifier does not hide a wrong table */
    char *text = subst(BASE, "  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n      - DeviceProcessEvents",
                       "  - connectorId: Office365\n    dataTypes:\n      - SigninLogs (Exchange)");
    rp_test_run run;
    rp_test_check_text(&run, "rule.yaml", text);
    RP_ASSERT_DIAG_AT(&run, "RP0118", 9, 9);
    rp_test_run_free(&run);
    free(text);
}

static void test_guid_forms(void)
{
    static const char *const ok[] = {"111111112222333344445555555555AB", "\"{11111111-2222-3333-4444-555555555555}\"",
                                     "(11111111-2222-3333-4444-555555555555)"};
    for (size_t i = 0; i < 3; i++) {
        char *text = subst(BASE, "11111111-2222-3333-4444-555555555555", ok[i]);
        assert_no_schema_diags("rule.yaml", text);
        free(text);
    }
}

static void test_timespan_forms(void)
{
    static const char *const ok[] = {"queryFrequency: 01:00:00", "queryFrequency: 0.01:00", "queryFrequency: 60m"};
    for (size_t i = 0; i < 3; i++) {
        char *text = subst(BASE, "queryFrequency: 1h", ok[i]);
        assert_no_schema_diags("rule.yaml", text);
        free(text);
    }
}

/* Pack: several files through one pack. */
static void check_files(rp_test_run *run, const char *const *names, const char *const *texts, size_t n)
{
    rp_diag_sink_init(&run->diags);
    char dir[] = "/tmp/rp-pack-XXXXXX";
    if (!mkdtemp(dir)) abort();
    rp_pack *pack = rp_pack_new();
    char paths[8][512];
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, names[i]);
        char *slash = strrchr(paths[i], '/');
        *slash = 0;
        mkdir(paths[i], 0700);
        *slash = '/';
        FILE *f = fopen(paths[i], "wb");
        fputs(texts[i], f);
        fclose(f);
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &run->diags;
        ctx.schema = rp_test_schema();
        rp_diag_begin_file(&run->diags);
        rp_check_file(&ctx, pack, paths[i]);
        rp_diag_end_file(&run->diags, paths[i]);
        rp_arena_free(ctx.arena);
    }
    rp_pack_finish(pack, &run->diags);
    rp_pack_free(pack);
    for (size_t i = n; i-- > 0;) {
        remove(paths[i]);
        char *slash = strrchr(paths[i], '/');
        *slash = 0;
        rmdir(paths[i]);
    }
    rmdir(dir);
    rp_diag_sort(&run->diags);
}

static void test_pack_duplicate_ids(void)
{
    const char *hunting = "name: h\nquery: DeviceProcessEvents\nid: 11111111-2222-3333-4444-555555555555\n";
    const char *names[] = {"a/rule.yaml", "b/hunt.yaml"};
    const char *texts[] = {BASE, hunting};
    rp_test_run run;
    check_files(&run, names, texts, 2);
    RP_ASSERT_DIAG_AT(&run, "RP0140", 3, 5);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0140"), 1);
    rp_test_run_free(&run);
    /* the same GUID in another letter case and without dashes is the same id */
    char *upper = subst(BASE, "11111111-2222-3333-4444-555555555555", "\"{11111111-2222-3333-4444-555555555555}\"");
    const char *texts2[] = {BASE, upper};
    const char *names2[] = {"a/one.yaml", "a/two.yaml"};
    check_files(&run, names2, texts2, 2);
    if (rp_test_count(&run, "RP0140") != 1) rp_test_dump(&run);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0140"), 1);
    rp_test_run_free(&run);
    free(upper);
}

static void test_pack_file_names(void)
{
    char *other = subst(BASE, "11111111-2222-3333-4444-555555555555", "21111111-2222-3333-4444-555555555555");
    const char *names[] = {"a/rule.yaml", "b/rule.yaml"};
    const char *texts[] = {BASE, other};
    rp_test_run run;
    check_files(&run, names, texts, 2);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0141"), 1);
    RP_ASSERT_NO_DIAG(&run, "RP0140");
    rp_test_run_free(&run);
    const char *names2[] = {"a/rule.yml"};
    check_files(&run, names2, texts, 1);
    RP_ASSERT_DIAG_AT(&run, "RP0142", 1, 1);
    rp_test_run_free(&run);
    free(other);
}

/* The data and the lookup API. */
static void test_schema_lookups(void)
{
    const rp_schema *s = rp_test_schema();
    CU_ASSERT(rp_schema_table_count(s) >= 898);
    const rp_schema_table *t = rp_schema_table_find(s, "DeviceProcessEvents");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const rp_schema_column *c = rp_schema_column_find(t, "ProcessVersionInfoProductName");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->type, RP_TYPE_STRING);
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "Timestamp")->type, RP_TYPE_DATETIME);
    CU_ASSERT_PTR_NULL(rp_schema_column_find(t, "RemoteUrl"));
    CU_ASSERT_PTR_NULL(rp_schema_table_find(s, "deviceprocessevents"));
    CU_ASSERT_PTR_EQUAL(rp_schema_table_find_ci(s, "deviceprocessevents"), t);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_table_find(s, "SecurityEvent"));
    CU_ASSERT_EQUAL(rp_schema_column_find(rp_schema_table_find(s, "SecurityEvent"), "EventID")->type, RP_TYPE_INT);
    /* TenantId is a standard column of every Log Analytics table, also where sentinelninja lacks it
     * (nrt_FirstAppOrServicePrincipalCredential.yaml: AuditLogs | project-reorder ..., TenantId) */
    static const char *const la[] = {"AuditLogs", "SigninLogs", "Syslog", "Event", "DnsEvents", "Heartbeat"};
    for (size_t i = 0; i < sizeof la / sizeof *la; i++) {
        const rp_schema_column *tc = rp_schema_column_find(rp_schema_table_find(s, la[i]), "TenantId");
        CU_ASSERT_PTR_NOT_NULL(tc);
        if (tc) CU_ASSERT_EQUAL(tc->type, RP_TYPE_STRING);
    }
    CU_ASSERT_PTR_NULL(rp_schema_column_find(rp_schema_table_find(s, "AADSignInEventsBeta"), "TenantId"));
    /* every column of every table is found by its name */
    for (size_t i = 0; i < rp_schema_table_count(s); i++) {
        const rp_schema_table *tb = rp_schema_table_at(s, i);
        for (size_t k = 0; k < tb->column_count; k++)
            if (rp_schema_column_find(tb, tb->columns[k].name) != &tb->columns[k]) {
                CU_FAIL("column lookup");
                break;
            }
    }
    const rp_schema_function *f = rp_schema_function_find(s, "_Im_ProcessCreate");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->output);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_column_find(f->output, "TargetProcessName"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_column_find(f->output, "EventProduct")); /* Common fields */
    CU_ASSERT_PTR_NOT_NULL(rp_schema_function_find(s, "imNetworkSession"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_function_find(s, "_im_processcreate"));
    const rp_schema_technique *tech = rp_schema_technique_find(s, "T1002");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tech);
    CU_ASSERT_EQUAL(tech->status, RP_TECH_REVOKED);
    CU_ASSERT_STRING_EQUAL(tech->revoked_by, "T1560");
    CU_ASSERT_STRING_EQUAL(rp_schema_attack_version(s), "18.1");
    CU_ASSERT(rp_schema_tactic_valid(s, "CommandAndControl"));
    CU_ASSERT(!rp_schema_tactic_valid(s, "commandandcontrol"));
    size_t n;
    CU_ASSERT_PTR_NOT_NULL(rp_schema_killchain_find(s, "T1219", &n));
    CU_ASSERT_PTR_NULL(rp_schema_killchain_find(s, "T1653", &n));
    CU_ASSERT_EQUAL(rp_schema_connector_count(s), 285);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_connector_find(s, "MicrosoftThreatProtection"));
    CU_ASSERT_EQUAL(rp_schema_entity_count(s), 19);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_field_find(s, "", "queryFrequency"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_field_find(s, "requiredDataConnectors", "dataTypes"));
    fprintf(stderr, "schema load: %.1f ms\n", rp_schema_load_ms(s));
}

/* Defender XDR tables from Azure-Sentinel's KQL-validation CustomTables (schema/src/customtables-xdr.json):
 * known with the types of those files, and a query over them checks without unknown-table/column errors. */
static void test_customtables_xdr_tables(void)
{
    const rp_schema *s = rp_test_schema();
    const rp_schema_table *t = rp_schema_table_find(s, "AADSignInEventsBeta");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->column_count, 44);
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "Timestamp")->type, RP_TYPE_DATETIME);
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "IsGuestUser")->type, RP_TYPE_BOOL); /* "boolean" */
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "IsExternalUser")->type, RP_TYPE_INT);
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "AccountUpn")->type, RP_TYPE_STRING);
    const rp_schema_table *a = rp_schema_table_find(s, "AIAgentsInfo");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(rp_schema_column_find(a, "AgentToolsDetails")->type, RP_TYPE_DYNAMIC); /* "Dynamic" */
    CU_ASSERT_EQUAL(rp_schema_column_find(a, "AgentCreationTime")->type, RP_TYPE_DATETIME); /* "DateTime" */
    const rp_schema_table *e = rp_schema_table_find(s, "EntraIdSignInEvents");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(rp_schema_column_find(e, "ErrorCode")->type, RP_TYPE_REAL);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_column_find(e, "EntraIdDeviceId"));
    CU_ASSERT_PTR_NULL(rp_schema_column_find(e, "AadDeviceId")); /* AADSignInEventsBeta's name for it */
    CU_ASSERT_PTR_NOT_NULL(rp_schema_table_find(s, "AADSpnSignInEventsBeta"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_table_find(s, "EntraIdSpnSignInEvents"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_table_find(s, "DeviceTvmInfoGathering"));
    rp_test_run run;
    rp_test_check_text(&run, "q.kql",
                       "AADSignInEventsBeta\n"
                       "| where Timestamp > ago(1d) and IsGuestUser == true\n"
                       "| join kind=inner (EntraIdSpnSignInEvents | where IsManagedIdentity) on ApplicationId\n"
                       "| project Timestamp, AccountUpn, IPAddress, ServicePrincipalName\n");
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0300"), 0);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0301"), 0);
    if (rp_test_count(&run, "RP0300") + rp_test_count(&run, "RP0301")) rp_test_dump(&run);
    rp_test_run_free(&run);
}

/* --schema DIR: tables, functions, connectors; a broken file is reported, the rest still loads. */
static void test_schema_extensions(void)
{
    char dir[] = "/tmp/rp-schema-XXXXXX";
    if (!mkdtemp(dir)) abort();
    char path[512], bad[512];
    snprintf(path, sizeof path, "%s/custom.yaml", dir);
    snprintf(bad, sizeof bad, "%s/broken.yaml", dir);
    FILE *f = fopen(path, "wb");
    fputs("tables:\n  - name: MyApp_CL\n    columns: [\"TimeGenerated:datetime\", \"User:string\", \"Odd:wat\"]\n"
          "functions:\n  - name: MyParser\n    params: [\"starttime:datetime=\", \"user:string\"]\n"
          "    columns: [\"User:string\"]\n"
          "connectors:\n  - id: MyPrivateConnector\n    tables: [MyApp_CL]\n",
          f);
    fclose(f);
    f = fopen(bad, "wb");
    fputs("tabels: []\n", f);
    fclose(f);
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    const char *dirs[] = {dir};
    rp_schema *s = rp_schema_load(dirs, 1, &sink);
    const rp_schema_table *t = rp_schema_table_find(s, "MyApp_CL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "User")->type, RP_TYPE_STRING);
    CU_ASSERT_EQUAL(rp_schema_column_find(t, "Odd")->type, RP_TYPE_UNKNOWN);
    const rp_schema_function *fn = rp_schema_function_find(s, "MyParser");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
    CU_ASSERT_EQUAL(fn->param_count, 2);
    CU_ASSERT(fn->params[0].has_default);
    CU_ASSERT(!fn->params[1].has_default);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_column_find(fn->output, "User"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_connector_find(s, "MyPrivateConnector"));
    CU_ASSERT_PTR_NOT_NULL(rp_schema_table_find(s, "DeviceProcessEvents")); /* built-ins stay */
    size_t broken = 0, odd = 0;
    for (size_t i = 0; i < sink.count; i++) {
        broken += sink.items[i].code == RP0151 && strstr(sink.items[i].file, "broken.yaml") != NULL;
        odd += sink.items[i].code == RP0152;
    }
    CU_ASSERT_EQUAL(broken, 1);
    CU_ASSERT_EQUAL(odd, 1);

    /* a rule naming the private connector passes with the extension, fails without */
    char *text = subst(BASE, "connectorId: MicrosoftThreatProtection\n    dataTypes:\n      - DeviceProcessEvents",
                       "connectorId: MyPrivateConnector\n    dataTypes:\n      - MyApp_CL");
    char rule_path[512];
    snprintf(rule_path, sizeof rule_path, "%s/rule.yaml", dir);
    f = fopen(rule_path, "wb");
    fputs(text, f);
    fclose(f);
    for (int with = 0; with < 2; with++) {
        rp_diag_sink d;
        rp_diag_sink_init(&d);
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &d;
        ctx.schema = with ? s : rp_test_schema();
        rp_check_file(&ctx, NULL, rule_path);
        size_t unknown = 0;
        for (size_t i = 0; i < d.count; i++) unknown += d.items[i].code == RP0117;
        CU_ASSERT_EQUAL(unknown, with ? 0 : 1);
        rp_arena_free(ctx.arena);
        rp_diag_sink_free(&d);
    }
    free(text);
    remove(rule_path);
    remove(path);
    remove(bad);
    rmdir(dir);
    rp_schema_free(s);
    rp_diag_sink_free(&sink);
}

/* A schema file libcyaml refuses gets RP0151 at the line:col of what is wrong: an alias, an
 * unexpected key, a value of the wrong shape, a YAML syntax error; the good file still loads. */
static void test_schema_extension_errors(void)
{
    char dir[] = "/tmp/rp-schema-XXXXXX";
    if (!mkdtemp(dir)) abort();
    static const struct {
        const char *name, *text;
        unsigned line, column;
        const char *says;
    } cases[] = {
        {"a_alias.yaml", "tables:\n  - &t {name: A_CL, columns: [\"x:string\"]}\n  - *t\n", 3, 5, "alias"},
        {"b_key.yaml", "tables:\n  - name: B_CL\n    columns: [\"x:string\"]\n  - name: C_CL\n    colums: []\n", 5, 5,
         "colums"},
        {"c_shape.yaml", "tables:\n  - name: D_CL\n    columns: notalist\n", 3, 14, "SEQUENCE"},
        {"d_syntax.yaml", "tables:\n  - name: E_CL\n\tcolumns: []\n", 3, 1, "libyaml"},
        {"e_good.yaml", "tables:\n  - name: Good_CL\n    columns: [\"x:string\"]\n", 0, 0, NULL},
    };
    const size_t n = sizeof cases / sizeof *cases;
    char path[512];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        FILE *f = fopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(cases[i].text, f);
        fclose(f);
    }
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    const char *dirs[] = {dir};
    rp_schema *s = rp_schema_load(dirs, 1, &sink);
    CU_ASSERT_PTR_NOT_NULL(rp_schema_table_find(s, "Good_CL"));
    for (size_t i = 0; i + 1 < n; i++) {
        size_t hits = 0;
        for (size_t k = 0; k < sink.count; k++) {
            const rp_diag *d = &sink.items[k];
            if (d->code != RP0151 || !d->file || !strstr(d->file, cases[i].name)) continue;
            hits++;
            if (d->line != cases[i].line || d->column != cases[i].column || !strstr(d->message, cases[i].says))
                fprintf(stderr, "\n%s: %u:%u %s\n", cases[i].name, d->line, d->column, d->message);
            CU_ASSERT_EQUAL(d->line, cases[i].line);
            CU_ASSERT_EQUAL(d->column, cases[i].column);
            CU_ASSERT_PTR_NOT_NULL(strstr(d->message, cases[i].says));
        }
        CU_ASSERT_EQUAL(hits, 1);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        remove(path);
    }
    rmdir(dir);
    rp_schema_free(s);
    rp_diag_sink_free(&sink);
}

/* The seed rule is clean of schema errors. */
static void test_seed_rule(void)
{
    FILE *f = fopen("rules/meshcentral.yaml", "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_no_schema_diags("meshcentral.yaml", buf);
}

static CU_TestInfo tests[] = {
    {"base rule is clean", test_base_rule_is_clean},
    {"rule checks (data-driven cases)", test_rule_cases},
    {"tactic/technique consistency for NRT and hunting", test_consistency_all_kinds},
    {"hunting queries: lighter rules", test_hunting_light},
    {"connector forms of real rules", test_real_connector_forms},
    {"GUID forms", test_guid_forms},
    {"TimeSpan forms", test_timespan_forms},
    {"pack: duplicate ids across kinds", test_pack_duplicate_ids},
    {"pack: file names and .yml", test_pack_file_names},
    {"schema lookups", test_schema_lookups},
    {"CustomTables Defender XDR tables", test_customtables_xdr_tables},
    {"schema extension errors have positions", test_schema_extension_errors},
    {"schema extensions", test_schema_extensions},
    {"seed rule", test_seed_rule},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("schema", tests)
