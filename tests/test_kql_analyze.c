/* test_kql_analyze.c: the KQL analysis (kql_analyze.c) and the query checks (kql_check.c).
 * tests/cases/kql_analyze.txt: query -> expected code at line:col (or no RP03xx at all); below,
 * the rule-level checks on whole YAML rules and the analysis API the IR lowering reads. */
#include "kql_analyze.h"
#include "kql_builtins.h"
#include "kql_parse.h"
#include "test_util.h"

#define CASES "tests/cases/kql_analyze.txt"

static size_t count_rp03(const rp_test_run *run)
{
    size_t n = 0;
    for (size_t i = 0; i < run->diags.count; i++) n += strncmp(rp_diag_info_of(run->diags.items[i].code)->code, "RP03", 4) == 0;
    return n;
}

static void test_cases(void)
{
    FILE *f = fopen(CASES, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[4096];
    size_t cases = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        char code[16];
        int l = 0, c = 0, used = 0;
        if (sscanf(line, "%15s %d:%d %n", code, &l, &c, &used) != 3 || !used) {
            fprintf(stderr, "%s:%zu: malformed case\n", CASES, lineno);
            CU_FAIL("malformed case");
            continue;
        }
        char query[4096];
        size_t q = 0;
        for (const char *p = line + used; *p && q + 2 < sizeof query; p++) {
            if (p[0] == '\\' && p[1] == 'n') {
                query[q++] = '\n';
                p++;
            } else
                query[q++] = *p;
        }
        query[q++] = '\n';
        query[q] = '\0';
        rp_test_run run;
        rp_test_check_text(&run, "case.kql", query);
        cases++;
        if (strcmp(code, "-") == 0) {
            if (count_rp03(&run)) {
                fprintf(stderr, "\n%s:%zu: expected no RP03xx for: %s\n", CASES, lineno, query);
                rp_test_dump(&run);
            }
            CU_ASSERT_EQUAL(count_rp03(&run), 0);
        } else {
            int found = 0;
            for (size_t i = 0; i < run.diags.count; i++) {
                const rp_diag *d = &run.diags.items[i];
                if (strcmp(rp_diag_info_of(d->code)->code, code) == 0 && (int)d->line == l && (int)d->column == c) found = 1;
            }
            if (!found) {
                fprintf(stderr, "\n%s:%zu: expected %s at %d:%d for: %s", CASES, lineno, code, l, c, query);
                rp_test_dump(&run);
            }
            CU_ASSERT(found);
        }
        rp_test_run_free(&run);
    }
    fclose(f);
    CU_ASSERT(cases >= 50);
}

static void test_did_you_mean_netconn(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "q.kql", "DeviceNetworkEvents\n| summarize by DeviceId, AccountUpn\n");
    const rp_diag *d = rp_test_find(&run, "RP0301");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_NULL(strstr(d->message, "did you mean 'InitiatingProcessAccountUpn'"));
    rp_test_run_free(&run);
}

static void test_undeclared_hint(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "q.kql", "MyFunc(1) | where x == 1\n");
    const rp_diag *d = rp_test_find(&run, "RP0302");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->severity, RP_SEV_WARNING);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d->hint);
    CU_ASSERT_PTR_NOT_NULL(strstr(d->hint, "--schema"));
    CU_ASSERT_PTR_NOT_NULL(strstr(d->hint, "\"name\": \"MyFunc\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(d->hint, "\"columns\""));
    RP_ASSERT_NO_DIAG(&run, "RP0301"); /* the row is open: nothing downstream is reported */
    rp_test_run_free(&run);
}

static void test_builtins_sorted(void)
{
    size_t n = rp_kql_builtin_count();
    CU_ASSERT(n > 200);
    for (size_t i = 1; i < n; i++) CU_ASSERT(strcmp(rp_kql_builtin_at(i - 1)->name, rp_kql_builtin_at(i)->name) < 0);
    for (size_t i = 0; i < n; i++) CU_ASSERT_PTR_EQUAL(rp_kql_builtin_find(rp_kql_builtin_at(i)->name), rp_kql_builtin_at(i));
    CU_ASSERT_PTR_NULL(rp_kql_builtin_find("no_such_function"));
    /* the functions the corpora use */
    const char *used[] = {"ago", "arg_max", "bin", "count", "dcount", "extract", "iff", "make_set", "now", "parse_json",
                          "split", "strcat", "tolower", "tostring", "trim_start", "percentiles", "countif"};
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) CU_ASSERT_PTR_NOT_NULL(rp_kql_builtin_find(used[i]));
}

/* The API the IR lowering reads: types per node, output row, tables, lets. */
static void test_api(void)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = &sink;
    ctx.schema = rp_test_schema();
    const char *text = "let Time_start = now(-5d);\nDeviceProcessEvents\n| where Timestamp between (Time_start .. now())\n"
                       "| where ProcessVersionInfoProductName has 'meshcentral'\n"
                       "| summarize FirstSeen=min(Timestamp), Report=make_set(ReportId), Count=count() by DeviceId\n";
    rp_kql_query *q = rp_kql_parse(&ctx, text, strlen(text), NULL, NULL);
    rp_kql_analysis *a = rp_kql_analyze(&ctx, q);
    CU_ASSERT_PTR_EQUAL(q->analysis, a);
    CU_ASSERT_EQUAL(a->errors, 0);
    CU_ASSERT_EQUAL_FATAL(a->table_count, 1);
    CU_ASSERT_STRING_EQUAL(a->tables[0].name, "DeviceProcessEvents");
    CU_ASSERT_PTR_NOT_NULL(a->tables[0].table);
    CU_ASSERT_EQUAL_FATAL(a->let_count, 1);
    CU_ASSERT_EQUAL(a->lets[0]->kind, RP_KQL_LET_SCALAR);
    CU_ASSERT_EQUAL(a->lets[0]->type, RP_TYPE_DATETIME);
    CU_ASSERT_PTR_EQUAL(rp_kql_analysis_let(a, "Time_start"), a->lets[0]);
    const rp_kql_row *out = a->output;
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_FALSE(out->open);
    CU_ASSERT_EQUAL_FATAL(out->count, 4);
    CU_ASSERT_STRING_EQUAL(out->cols[0].name, "DeviceId");
    CU_ASSERT_EQUAL(rp_kql_row_find(out, "FirstSeen")->type, RP_TYPE_DATETIME);
    CU_ASSERT_EQUAL(rp_kql_row_find(out, "Report")->type, RP_TYPE_DYNAMIC);
    CU_ASSERT_EQUAL(rp_kql_row_find(out, "Count")->type, RP_TYPE_LONG);
    /* the has predicate: bool, its column resolved to the table's string column */
    const rp_kql_node *pipe = a->result;
    CU_ASSERT_EQUAL_FATAL(pipe->kind, RP_KQL_PIPE);
    const rp_kql_node *has = pipe->items.items[2]->a;
    CU_ASSERT_EQUAL(rp_kql_sema_of(has)->type, RP_TYPE_BOOL);
    const rp_kql_sema *col = rp_kql_sema_of(has->a);
    CU_ASSERT_EQUAL(col->sym, RP_KQL_SYM_COLUMN);
    CU_ASSERT_EQUAL(col->type, RP_TYPE_STRING);
    CU_ASSERT_STRING_EQUAL(((const rp_kql_column *)col->ref)->name, "ProcessVersionInfoProductName");
    const rp_kql_sema *tname = rp_kql_sema_of(pipe->items.items[1]->a->b);
    CU_ASSERT_EQUAL(tname->sym, RP_KQL_SYM_LET);
    CU_ASSERT_EQUAL(rp_kql_sema_of(pipe->items.items[3])->row, out);
    rp_arena_free(ctx.arena);
    rp_diag_sink_free(&sink);
}

/* ---- rule-level checks on YAML rules ---- */

static char *rule_yaml(const char *query, const char *extra, const char *data_types)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "id: 7306e156-49a7-4ff6-9d8f-d6e6d531e426\n"
             "name: Test rule\n"
             "description: A test rule.\n"
             "severity: Medium\n"
             "requiredDataConnectors:\n"
             "  - connectorId: MicrosoftThreatProtection\n"
             "    dataTypes:\n"
             "%s"
             "queryFrequency: 1h\n"
             "queryPeriod: 1d\n"
             "triggerOperator: gt\n"
             "triggerThreshold: 0\n"
             "tactics:\n"
             "  - Execution\n"
             "relevantTechniques:\n"
             "  - T1059\n"
             "query: |\n"
             "%s"
             "%s"
             "version: 1.0.0\n"
             "kind: Scheduled\n",
             data_types, query, extra);
    return buf;
}

static void test_data_types(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  DeviceProcessEvents\n  | join (DeviceNetworkEvents) on DeviceId\n", "",
                                 "      - DeviceProcessEvents\n      - DeviceFileEvents\n"));
    RP_ASSERT_DIAG_AT(&run, "RP0313", 9, 9);   /* DeviceFileEvents declared, not read */
    RP_ASSERT_DIAG_AT(&run, "RP0314", 20, 11); /* DeviceNetworkEvents read, not declared */
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0313"), 1);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0314"), 1);
    rp_test_run_free(&run);
    /* an ASIM parser reads the sources' tables itself */
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  _Im_WebSession(starttime=ago(1h))\n  | where Url has \"x\"\n", "",
                                 "      - CommonSecurityLog\n"));
    RP_ASSERT_NO_DIAG(&run, "RP0313");
    rp_test_run_free(&run);
    /* table(name) with the name a function parameter: which tables it reads is not known */
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  let f = (t:string) { table(t) | where FileName == \"x\" };\n  f(\"DeviceProcessEvents\")\n", "",
                                 "      - DeviceProcessEvents\n"));
    RP_ASSERT_NO_DIAG(&run, "RP0313");
    RP_ASSERT_NO_DIAG(&run, "RP0302");
    rp_test_run_free(&run);
}

static void test_output_columns(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  DeviceProcessEvents\n  | summarize Count=count() by DeviceName, AccountName\n",
                                 "entityMappings:\n"
                                 "  - entityType: Host\n"
                                 "    fieldMappings:\n"
                                 "      - identifier: HostName\n"
                                 "        columnName: DeviceNam\n"
                                 "  - entityType: Account\n"
                                 "    fieldMappings:\n"
                                 "      - identifier: Name\n"
                                 "        columnName: AccountName\n"
                                 "customDetails:\n"
                                 "  Total: Counts\n"
                                 "alertDetailsOverride:\n"
                                 "  alertDisplayNameFormat: 'Seen on {{DeviceName}} by {{Acount}}'\n",
                                 "      - DeviceProcessEvents\n"));
    RP_ASSERT_DIAG_AT(&run, "RP0315", 24, 21); /* DeviceNam */
    RP_ASSERT_DIAG_AT(&run, "RP0315", 30, 10); /* Counts */
    RP_ASSERT_DIAG_AT(&run, "RP0315", 32, 54); /* {{Acount}} */
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0315"), 3);
    const rp_diag *d = rp_test_find(&run, "RP0315");
    CU_ASSERT_PTR_NOT_NULL(strstr(d->message, "did you mean 'DeviceName'"));
    rp_test_run_free(&run);
    /* a syntax error before the extend that makes the column: only the syntax error is reported */
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  DeviceProcessEvents\n  | extend X = extract(@(\\w+)$, 1, FileName)\n"
                                 "  | extend HostCol = DeviceName\n",
                                 "entityMappings:\n"
                                 "  - entityType: Host\n"
                                 "    fieldMappings:\n"
                                 "      - identifier: HostName\n"
                                 "        columnName: HostCol\n",
                                 "      - DeviceProcessEvents\n"));
    CU_ASSERT_TRUE(run.diags.errors > 0);
    RP_ASSERT_NO_DIAG(&run, "RP0315");
    rp_test_run_free(&run);
}

static void test_lookback(void)
{
    rp_test_run run;
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  let start = ago(14d);\n  DeviceProcessEvents\n  | where Timestamp > start\n", "",
                                 "      - DeviceProcessEvents\n"));
    RP_ASSERT_DIAG_AT(&run, "RP0317", 20, 23);
    rp_test_run_free(&run);
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  DeviceProcessEvents\n  | where Timestamp > ago(1d)\n", "", "      - DeviceProcessEvents\n"));
    RP_ASSERT_NO_DIAG(&run, "RP0317");
    rp_test_run_free(&run);
}

static void test_threat_intelligence(void)
{
    rp_test_run run;
    /* SENTINEL-CI's regex passes this (its top-level '|'), but it keeps stale, expired indicators. */
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  ThreatIntelligenceIndicator\n  | where TimeGenerated >= ago(1d)\n"
                                 "  | where Active == true\n",
                                 "", "      - ThreatIntelligenceIndicator\n"));
    RP_ASSERT_DIAG_AT(&run, "RP0316", 18, 3);
    rp_test_run_free(&run);
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  let ti = ThreatIntelligenceIndicator\n  | where TimeGenerated >= ago(1d);\n"
                                 "  ti\n  | summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId\n"
                                 "  | where ExpirationDateTime > now() and Active == true\n",
                                 "", "      - ThreatIntelligenceIndicator\n"));
    RP_ASSERT_NO_DIAG(&run, "RP0316");
    rp_test_run_free(&run);
    /* an aggregation after the join does not undo the latest-version selection before it */
    rp_test_check_text(&run, "r.yaml",
                       rule_yaml("  ThreatIntelligenceIndicator\n  | where TimeGenerated >= ago(1d)\n"
                                 "  | summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId\n"
                                 "  | where ExpirationDateTime > now() and Active == true\n"
                                 "  | join kind=innerunique (SecurityEvent) on $left.NetworkIP == $right.IpAddress\n"
                                 "  | summarize N = count() by IndicatorId, Computer\n",
                                 "", "      - ThreatIntelligenceIndicator\n      - SecurityEvent\n"));
    RP_ASSERT_NO_DIAG(&run, "RP0316");
    rp_test_run_free(&run);
}

/* The unions of one query merge at most RP_MAX_KQL_UNION_COLUMNS columns (issue 6, denial of
 * service; tests/regress/kql-union-star-chain): past it one RP0319 and an open row. */
static void test_union_budget(void)
{
    char query[2048];
    size_t n = (size_t)snprintf(query, sizeof query, "union *\n");
    for (int i = 1; i < 8; i++) n += (size_t)snprintf(query + n, sizeof query - n, "| union *\n");
    snprintf(query + n, sizeof query - n, "| project NoSuchColumn\n");
    rp_test_run run;
    rp_test_check_text(&run, "u.kql", query);
    /* eight are within the budget: the row is still checked */
    RP_ASSERT_NO_DIAG(&run, "RP0319");
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0301"), 1);
    rp_test_run_free(&run);
    for (int i = 8; i < 60; i++) n += (size_t)snprintf(query + n, sizeof query - n, "| union *\n");
    snprintf(query + n, sizeof query - n, "| project NoSuchColumn\n");
    rp_test_check_text(&run, "u.kql", query);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0319"), 1);
    RP_ASSERT_NO_DIAG(&run, "RP0301"); /* open row after the budget: nothing to check against */
    rp_test_run_free(&run);
}

/* Top-level lets are indexed (tests/regress/kql-many-lets): lookups, shadowing and duplicates
 * give what a walk of the scope chain gives, on 20,000 lets. */
static void test_many_lets(void)
{
    size_t n = 20000, cap = n * 40 + 512, len = 0;
    char *q = malloc(cap);
    len += (size_t)snprintf(q + len, cap - len, "declare query_parameters(p:string = \"x\");\nlet x0 = 1;\n");
    for (size_t i = 1; i < n; i++) len += (size_t)snprintf(q + len, cap - len, "let x%zu = x%zu + 1;\n", i, i - 1);
    /* a function sees its parameter before the top-level let of the same name, and the lets
     * declared before it only (y comes later: unknown inside f) */
    len += (size_t)snprintf(q + len, cap - len,
                            "let f = (x5:string) { x5 has p and y == 1 };\nlet y = 2;\nlet x7 = \"s\";\n"
                            "DeviceProcessEvents | where ProcessId == x%zu and FileName has x7 and f(FileName)\n", n - 1);
    rp_test_run run;
    rp_test_check_text(&run, "lets.kql", q);
    /* x7 declared twice: one RP0306 at the second, related to the first */
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0306"), 1);
    RP_ASSERT_DIAG_AT(&run, "RP0306", (unsigned)n + 4, 1);
    const rp_diag *d = rp_test_find(&run, "RP0306");
    CU_ASSERT(d && d->related_message && d->related_line == 9); /* declare, x0, x1 .. x7 */
    /* y inside f is unknown (declared after f); nothing else is */
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0301"), 1);
    RP_ASSERT_DIAG_AT(&run, "RP0301", (unsigned)n + 2, 36);
    /* x7 is the string (the latest binding): `has` on it is no type error; x5 the parameter */
    RP_ASSERT_NO_DIAG(&run, "RP0304");
    RP_ASSERT_NO_DIAG(&run, "RP0305");
    rp_test_run_free(&run);
    free(q);
}

/* The analysis descends as deep as the parser lets a tree grow (RP_MAX_KQL_HEIGHT): a column at
 * the bottom of a 4,000-operator chain is still checked (it was skipped past 400 levels). */
static void test_deep_chain_analysed(void)
{
    size_t links = 4000, len = 0;
    char *q = malloc(64 + 2 * links);
    len += (size_t)sprintf(q, "DeviceProcessEvents | where ProcessId == Nope");
    for (size_t i = 0; i < links; i++) q[len++] = '+', q[len++] = '1';
    q[len++] = '\n';
    q[len] = '\0';
    rp_test_run run;
    rp_test_check_text(&run, "deep.kql", q);
    RP_ASSERT_DIAG_AT(&run, "RP0301", 1, 42);
    RP_ASSERT_NO_DIAG(&run, "RP0205");
    rp_test_run_free(&run);
    free(q);
}

static CU_TestInfo tests[] = {
    {"data-driven cases (tests/cases/kql_analyze.txt)", test_cases},
    {"AccountUpn on DeviceNetworkEvents: did you mean InitiatingProcessAccountUpn", test_did_you_mean_netconn},
    {"undeclared function: warning with a --schema declaration hint, open row", test_undeclared_hint},
    {"built-in table sorted and complete for the corpora", test_builtins_sorted},
    {"analysis API: types, output row, tables, lets", test_api},
    {"requiredDataConnectors dataTypes vs tables read, both directions", test_data_types},
    {"entityMappings, customDetails, alertDetailsOverride columns in the output", test_output_columns},
    {"look-back longer than queryPeriod", test_lookback},
    {"threat-intelligence latest-indicator pattern", test_threat_intelligence},
    {"union budget: RP0319 once, then an open row", test_union_budget},
    {"20,000 top-level lets: indexed lookups, shadowing, duplicates", test_many_lets},
    {"a column at the bottom of a 4,000-operator chain is checked", test_deep_chain_analysed},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("kql_analyze", tests)
