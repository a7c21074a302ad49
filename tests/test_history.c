/* test_history.c: `check --base REV` (history.c). Each test builds a git repository in /tmp with
 * `git init`, commits rule files as the base, changes them (committed like a pull request's head,
 * or only in the working tree) and checks them against the base. */
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "test_util.h"

#define ID_A "7306e156-49a7-4ff6-9d8f-d6e6d531e426"
#define ID_B "0b5a2c3d-1e2f-4a5b-8c7d-9e0f1a2b3c4d"
#define ID_C "c0ffee00-1234-4abc-9def-0123456789ab"

/* Runs `git -C repo ARGS` quietly; returns its exit status. */
static int git(const char *repo, const char *args)
{
    char command[2048];
    snprintf(command, sizeof command, "git -C '%s' -c user.name=rulepack -c user.email=rulepack@example.invalid "
                                      "-c commit.gpgsign=false %s >/dev/null 2>&1",
             repo, args);
    return system(command);
}

static void make_repo(char *dir)
{
    strcpy(dir, "/tmp/rp-history-XXXXXX");
    if (!mkdtemp(dir)) abort();
    CU_ASSERT_EQUAL(git(dir, "init -q"), 0);
}

static void remove_repo(const char *dir)
{
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(command), 0);
}

static void write_text(const char *repo, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", repo, rel);
    for (char *slash = strchr(path + strlen(repo) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    FILE *file = fopen(path, "wb");
    if (!file) abort();
    fputs(text, file);
    fclose(file);
}

/* A clean Scheduled rule: id on line 1 (column 5), version (when given) on line 25 (column 10). */
static void write_rule(const char *repo, const char *rel, const char *id, const char *word, const char *version)
{
    char text[2048], version_line[64] = "";
    if (version) snprintf(version_line, sizeof version_line, "version: %s\n", version);
    snprintf(text, sizeof text,
             "id: %s\n"
             "name: Process %s\n"
             "description: A process named %s started.\n"
             "severity: Medium\n"
             "requiredDataConnectors:\n"
             "  - connectorId: MicrosoftThreatProtection\n"
             "    dataTypes:\n"
             "      - DeviceProcessEvents\n"
             "queryFrequency: 1h\n"
             "queryPeriod: 1h\n"
             "triggerOperator: gt\n"
             "triggerThreshold: 0\n"
             "tactics:\n"
             "  - CommandAndControl\n"
             "relevantTechniques:\n"
             "  - T1219\n"
             "query: |\n"
             "  DeviceProcessEvents\n"
             "  | where FileName has '%s'\n"
             "entityMappings:\n"
             "  - entityType: Host\n"
             "    fieldMappings:\n"
             "      - identifier: HostName\n"
             "        columnName: DeviceName\n"
             "%s"
             "kind: Scheduled\n",
             id, word, word, word, version_line);
    write_text(repo, rel, text);
}

/* A hunting query (no kind): id on line 1. */
static void write_hunting(const char *repo, const char *rel, const char *id, const char *word)
{
    char text[1024];
    snprintf(text, sizeof text,
             "id: %s\n"
             "name: Hunt %s\n"
             "description: Looks for %s.\n"
             "requiredDataConnectors:\n"
             "  - connectorId: MicrosoftThreatProtection\n"
             "    dataTypes:\n"
             "      - DeviceProcessEvents\n"
             "tactics:\n"
             "  - CommandAndControl\n"
             "relevantTechniques:\n"
             "  - T1219\n"
             "query: |\n"
             "  DeviceProcessEvents\n"
             "  | where FileName has '%s'\n",
             id, word, word, word);
    write_text(repo, rel, text);
}

/* Checks the files (relative to repo; NULL-terminated) as `rulepack check --base rev` does; rev
 * NULL checks without --base. */
static void check_files(rp_test_run *run, const char *repo, const char *rev, const char *const *rels)
{
    rp_diag_sink_init(&run->diags);
    rp_pack *pack = rp_pack_new();
    rp_history *history = rev ? rp_history_new(rev) : NULL;
    for (size_t i = 0; rels[i]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", repo, rels[i]);
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &run->diags;
        ctx.schema = rp_test_schema();
        rp_diag_begin_file(&run->diags);
        rp_rule *rule = rp_check_file(&ctx, pack, path);
        rp_history_check_rule(history, &ctx, rule);
        rp_diag_end_file(&run->diags, path);
        rp_arena_free(ctx.arena);
    }
    rp_history_free(history);
    rp_pack_finish(pack, &run->diags);
    rp_pack_free(pack);
    rp_diag_sort(&run->diags);
}

static const rp_diag *find_in(const rp_test_run *run, const char *code, const char *file_suffix)
{
    for (size_t i = 0; i < run->diags.count; i++) {
        const rp_diag *d = &run->diags.items[i];
        if (strcmp(rp_diag_info_of(d->code)->code, code) != 0) continue;
        if (!file_suffix) return d;
        size_t n = d->file ? strlen(d->file) : 0, m = strlen(file_suffix);
        if (n >= m && strcmp(d->file + n - m, file_suffix) == 0) return d;
    }
    return NULL;
}

static int message_has(const rp_diag *d, const char *text)
{
    int found = d && strstr(d->message, text) != NULL;
    if (!found) fprintf(stderr, "\nmessage lacks '%s': %s\n", text, d ? d->message : "(no diagnostic)");
    return found;
}

static void commit_all(const char *repo, const char *message)
{
    char args[256];
    snprintf(args, sizeof args, "add -A && git -C '%s' -c user.name=r -c user.email=r@example.invalid "
                                "-c commit.gpgsign=false commit -q -m '%s'", repo, message);
    CU_ASSERT_EQUAL(git(repo, args), 0);
}

/* The id of a rule that existed at the base changed (working tree), the other file did not. */
static void test_id_changed(void)
{
    char repo[64];
    make_repo(repo);
    write_rule(repo, "Detections/a.yaml", ID_A, "alpha", "1.0.0");
    write_rule(repo, "Detections/b.yaml", ID_B, "beta", "1.0.0");
    commit_all(repo, "base");
    write_rule(repo, "Detections/a.yaml", ID_C, "alpha", "1.0.0");
    const char *files[] = {"Detections/a.yaml", "Detections/b.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "HEAD", files);
    const rp_diag *d = find_in(&run, "RP0162", "a.yaml");
    CU_ASSERT_PTR_NOT_NULL(d);
    if (d) {
        CU_ASSERT_EQUAL(d->line, 1);
        CU_ASSERT_EQUAL(d->column, 5);
        CU_ASSERT_EQUAL(d->severity, RP_SEV_ERROR);
        CU_ASSERT(message_has(d, ID_A) && message_has(d, ID_C));
        CU_ASSERT(d->hint && strstr(d->hint, "twice"));
    }
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0162"), 1);
    /* the id is content too: the version, still 1.0.0, gets its warning */
    RP_ASSERT_DIAG_AT(&run, "RP0164", 25, 10);
    CU_ASSERT_EQUAL(run.diags.errors, 1);
    rp_test_run_free(&run);

    /* Without --base nothing is compared. */
    check_files(&run, repo, NULL, files);
    RP_ASSERT_NO_DIAG(&run, "RP0162");
    RP_ASSERT_NO_DIAG(&run, "RP0164");
    CU_ASSERT_EQUAL(run.diags.errors + run.diags.warnings, 0);
    rp_test_run_free(&run);
    remove_repo(repo);
}

/* A pull request's head: the file renamed (git mv) and its id changed; and a file deleted and
 * added again at the same path with a new id. Azure-Sentinel's check 26 sees neither. */
static void test_renamed_and_readded(void)
{
    char repo[64];
    make_repo(repo);
    write_rule(repo, "Detections/old name.yaml", ID_A, "alpha", "1.0.0");
    write_rule(repo, "Detections/b.yaml", ID_B, "beta", "1.0.0");
    commit_all(repo, "base");
    CU_ASSERT_EQUAL(git(repo, "tag base"), 0);
    CU_ASSERT_EQUAL(git(repo, "mv 'Detections/old name.yaml' Detections/new.yaml"), 0);
    write_rule(repo, "Detections/new.yaml", ID_C, "alpha", "1.0.1");
    CU_ASSERT_EQUAL(git(repo, "rm -q Detections/b.yaml"), 0);
    commit_all(repo, "rename, delete");
    write_rule(repo, "Detections/b.yaml", "d1d2d3d4-0000-4000-8000-000000000001", "beta", "1.0.1");
    commit_all(repo, "add again");
    const char *files[] = {"Detections/new.yaml", "Detections/b.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "base", files);
    const rp_diag *renamed = find_in(&run, "RP0162", "new.yaml");
    CU_ASSERT_PTR_NOT_NULL(renamed);
    if (renamed) {
        CU_ASSERT_EQUAL(renamed->line, 1);
        CU_ASSERT_EQUAL(renamed->column, 5);
        CU_ASSERT(message_has(renamed, "renamed from Detections/old name.yaml") && message_has(renamed, ID_A));
    }
    const rp_diag *readded = find_in(&run, "RP0162", "b.yaml");
    CU_ASSERT_PTR_NOT_NULL(readded);
    if (readded) CU_ASSERT(message_has(readded, ID_B));
    RP_ASSERT_NO_DIAG(&run, "RP0164"); /* both bumped to 1.0.1 */
    rp_test_run_free(&run);
    remove_repo(repo);
}

/* A copied rule file that kept its source's id; and a rule moved so much that git sees no rename
 * (its old file is gone): that one is its old self, checked for its version. */
static void test_id_taken_over(void)
{
    char repo[64];
    make_repo(repo);
    write_rule(repo, "Detections/a.yaml", ID_A, "alpha", "1.0.0");
    write_hunting(repo, "Hunting/h.yaml", ID_B, "beta");
    commit_all(repo, "base");
    write_rule(repo, "Detections/copy.yaml", ID_A, "gamma", "1.0.0");
    CU_ASSERT_EQUAL(git(repo, "rm -q Hunting/h.yaml"), 0);
    write_text(repo, "Hunting/moved.yaml",
               "id: " ID_B "\n"
               "name: Something else entirely\n"
               "description: Rewritten from scratch.\n"
               "requiredDataConnectors: []\n"
               "query: SecurityEvent | take 1\n");
    const char *files[] = {"Detections/copy.yaml", "Hunting/moved.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "HEAD", files);
    const rp_diag *d = find_in(&run, "RP0163", "copy.yaml");
    CU_ASSERT_PTR_NOT_NULL(d);
    if (d) {
        CU_ASSERT_EQUAL(d->line, 1);
        CU_ASSERT_EQUAL(d->column, 5);
        CU_ASSERT(message_has(d, "Detections/a.yaml"));
    }
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0163"), 1);
    RP_ASSERT_NO_DIAG(&run, "RP0162");
    /* moved.yaml is h.yaml's hunting query (same id, h.yaml gone), rewritten: it needs a version,
     * which a file that is merely new would not */
    const rp_diag *moved = find_in(&run, "RP0164", "moved.yaml");
    CU_ASSERT_PTR_NOT_NULL(moved);
    if (moved) CU_ASSERT_EQUAL(moved->line, 1);
    rp_test_run_free(&run);
    remove_repo(repo);
}

/* Version discipline: not bumped (warning), bumped (nothing), gone down (error), compared by
 * number (1.0.10 > 1.0.9), removed (warning); a change of layout or key order is no change. */
static void test_versions(void)
{
    char repo[64];
    make_repo(repo);
    write_rule(repo, "same.yaml", ID_A, "alpha", "1.0.2");
    write_rule(repo, "bumped.yaml", ID_B, "beta", "1.0.9");
    write_rule(repo, "down.yaml", ID_C, "gamma", "1.2.0");
    write_rule(repo, "layout.yaml", "d1d2d3d4-0000-4000-8000-000000000002", "delta", "1.0.0");
    write_rule(repo, "removed.yaml", "d1d2d3d4-0000-4000-8000-000000000003", "eps", "2.0.0");
    commit_all(repo, "base");
    write_rule(repo, "same.yaml", ID_A, "alpha2", "1.0.2");
    write_rule(repo, "bumped.yaml", ID_B, "beta2", "1.0.10");
    write_rule(repo, "down.yaml", ID_C, "gamma", "1.1.99");
    /* same content: keys reordered, a string quoted, a comment added */
    write_text(repo, "layout.yaml",
               "# reviewed\n"
               "kind: Scheduled\n"
               "version: 1.0.0\n"
               "id: 'd1d2d3d4-0000-4000-8000-000000000002'\n"
               "name: \"Process delta\"\n"
               "description: A process named delta started.\n"
               "severity: Medium\n"
               "requiredDataConnectors:\n"
               "  - connectorId: MicrosoftThreatProtection\n"
               "    dataTypes: [DeviceProcessEvents]\n"
               "queryFrequency: 1h\n"
               "queryPeriod: 1h\n"
               "triggerOperator: gt\n"
               "triggerThreshold: 0\n"
               "tactics:\n"
               "  - CommandAndControl\n"
               "relevantTechniques:\n"
               "  - T1219\n"
               "query: |\n"
               "  DeviceProcessEvents\n"
               "  | where FileName has 'delta'\n"
               "entityMappings:\n"
               "  - fieldMappings:\n"
               "      - columnName: DeviceName\n"
               "        identifier: HostName\n"
               "    entityType: Host\n");
    write_rule(repo, "removed.yaml", "d1d2d3d4-0000-4000-8000-000000000003", "eps", NULL);
    const char *files[] = {"same.yaml", "bumped.yaml", "down.yaml", "layout.yaml", "removed.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "HEAD", files);
    const rp_diag *same = find_in(&run, "RP0164", "same.yaml");
    CU_ASSERT_PTR_NOT_NULL(same);
    if (same) {
        CU_ASSERT_EQUAL(same->line, 25);
        CU_ASSERT_EQUAL(same->column, 10);
        CU_ASSERT_EQUAL(same->severity, RP_SEV_WARNING);
        CU_ASSERT(same->hint && strstr(same->hint, "1.0.3"));
    }
    CU_ASSERT_PTR_NULL(find_in(&run, "RP0164", "bumped.yaml"));
    CU_ASSERT_PTR_NULL(find_in(&run, "RP0165", "bumped.yaml"));
    const rp_diag *down = find_in(&run, "RP0165", "down.yaml");
    CU_ASSERT_PTR_NOT_NULL(down);
    if (down) {
        CU_ASSERT_EQUAL(down->line, 25);
        CU_ASSERT_EQUAL(down->column, 10);
        CU_ASSERT_EQUAL(down->severity, RP_SEV_ERROR);
        CU_ASSERT(message_has(down, "1.2.0") && message_has(down, "1.1.99"));
    }
    CU_ASSERT_PTR_NULL(find_in(&run, "RP0164", "layout.yaml"));
    const rp_diag *removed = find_in(&run, "RP0164", "removed.yaml");
    CU_ASSERT_PTR_NOT_NULL(removed);
    if (removed) {
        CU_ASSERT_EQUAL(removed->line, 1);
        CU_ASSERT(message_has(removed, "2.0.0"));
    }
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0164"), 2);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0165"), 1);
    rp_test_run_free(&run);
    remove_repo(repo);
}

/* Hunting queries: an id change is an error too (the suite does not look at them); a change of
 * letter case only is a warning. */
static void test_hunting_id(void)
{
    char repo[64];
    make_repo(repo);
    write_hunting(repo, "Hunting Queries/h.yaml", ID_A, "alpha");
    write_hunting(repo, "Hunting Queries/case.yaml", ID_C, "gamma");
    commit_all(repo, "base");
    write_hunting(repo, "Hunting Queries/h.yaml", ID_B, "alpha");
    write_hunting(repo, "Hunting Queries/case.yaml", "C0FFEE00-1234-4ABC-9DEF-0123456789AB", "gamma");
    const char *files[] = {"Hunting Queries/h.yaml", "Hunting Queries/case.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "HEAD", files);
    const rp_diag *d = find_in(&run, "RP0162", "h.yaml");
    CU_ASSERT_PTR_NOT_NULL(d);
    if (d) {
        CU_ASSERT_EQUAL(d->line, 1);
        CU_ASSERT_EQUAL(d->column, 5);
        CU_ASSERT(message_has(d, "hunting query") && message_has(d, ID_A));
    }
    const rp_diag *c = find_in(&run, "RP0166", "case.yaml");
    CU_ASSERT_PTR_NOT_NULL(c);
    if (c) CU_ASSERT_EQUAL(c->severity, RP_SEV_WARNING);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0162"), 1);
    rp_test_run_free(&run);
    remove_repo(repo);
}

/* A REV that is not a commit: one RP0160 for the run, and every other check still runs. A file
 * outside any work tree: one RP0161. */
static void test_bad_base(void)
{
    char repo[64];
    make_repo(repo);
    write_rule(repo, "a.yaml", ID_A, "alpha", "1.0.0");
    write_rule(repo, "b.yaml", ID_B, "beta", "1.0.0");
    commit_all(repo, "base");
    write_text(repo, "bad.yaml", "id: " ID_C "\nname: x\nseverity: Extreme\n");
    const char *files[] = {"a.yaml", "b.yaml", "bad.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "no-such-revision", files);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0160"), 1);
    const rp_diag *d = rp_test_find(&run, "RP0160");
    if (d) {
        CU_ASSERT_PTR_NULL(d->file);
        CU_ASSERT(message_has(d, "no-such-revision"));
    }
    RP_ASSERT_DIAG_AT(&run, "RP0109", 3, 11); /* the rule checks ran */
    rp_test_run_free(&run);

    /* an option-like REV is refused, never passed to git as an option */
    check_files(&run, repo, "--output=/tmp/rp-history-pwned", files);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0160"), 1);
    CU_ASSERT_NOT_EQUAL(access("/tmp/rp-history-pwned", F_OK), 0);
    rp_test_run_free(&run);

    char outside[] = "/tmp/rp-history-outside-XXXXXX";
    if (!mkdtemp(outside)) abort();
    write_rule(outside, "x.yaml", ID_A, "alpha", "1.0.0");
    write_rule(outside, "y.yaml", ID_B, "beta", "1.0.0");
    const char *outside_files[] = {"x.yaml", "y.yaml", NULL};
    check_files(&run, outside, "HEAD", outside_files);
    CU_ASSERT_EQUAL(rp_test_count(&run, "RP0161"), 1);
    const rp_diag *o = rp_test_find(&run, "RP0161");
    if (o) CU_ASSERT(o->file && strstr(o->file, "x.yaml"));
    CU_ASSERT_EQUAL(run.diags.errors, 1);
    rp_test_run_free(&run);
    remove_repo(outside);
    remove_repo(repo);
}

/* Folders are placed in their repository without git once its root is known, but a repository
 * nested in another (its own .git) is its own. */
static void test_nested_repository(void)
{
    char repo[64];
    make_repo(repo);
    write_rule(repo, "a.yaml", ID_A, "alpha", "1.0.0");
    write_rule(repo, "x/y/c.yaml", ID_C, "gamma", "1.0.0");
    commit_all(repo, "outer base");
    char inner[128];
    snprintf(inner, sizeof inner, "%s/inner", repo);
    mkdir(inner, 0755);
    CU_ASSERT_EQUAL(git(inner, "init -q"), 0);
    write_rule(inner, "sub/b.yaml", ID_B, "beta", "1.0.0");
    commit_all(inner, "inner base");
    write_rule(inner, "sub/b.yaml", "d1d2d3d4-0000-4000-8000-000000000004", "beta", "1.0.1");
    write_rule(repo, "x/y/c.yaml", "d1d2d3d4-0000-4000-8000-000000000005", "gamma", "1.0.1");
    const char *files[] = {"a.yaml", "x/y/c.yaml", "inner/sub/b.yaml", NULL};
    rp_test_run run;
    check_files(&run, repo, "HEAD", files);
    const rp_diag *outer = find_in(&run, "RP0162", "x/y/c.yaml");
    CU_ASSERT_PTR_NOT_NULL(outer);
    if (outer) CU_ASSERT(message_has(outer, ID_C));
    const rp_diag *nested = find_in(&run, "RP0162", "inner/sub/b.yaml");
    CU_ASSERT_PTR_NOT_NULL(nested);
    if (nested) CU_ASSERT(message_has(nested, ID_B));
    CU_ASSERT_EQUAL(run.diags.errors, 2);
    rp_test_run_free(&run);
    remove_repo(repo);
}

static void test_version_compare(void)
{
    CU_ASSERT_EQUAL(rp_history_version_compare("1.0.10", "1.0.9"), 1);
    CU_ASSERT_EQUAL(rp_history_version_compare("1.0.9", "1.0.10"), -1);
    CU_ASSERT_EQUAL(rp_history_version_compare("1.0", "1.0.0"), 0);
    CU_ASSERT_EQUAL(rp_history_version_compare("01.002.3", "1.2.3"), 0);
    CU_ASSERT_EQUAL(rp_history_version_compare("2.0.0", "10.0.0"), -1);
    CU_ASSERT_EQUAL(rp_history_version_compare("1.0.0.1", "1.0.0"), 1);
    CU_ASSERT_EQUAL(rp_history_version_compare("99999999999999999999999.0", "99999999999999999999998.9"), 1);
    CU_ASSERT_EQUAL(rp_history_version_compare("1.x", "1.0"), 2);
    CU_ASSERT_EQUAL(rp_history_version_compare("1.0", "1..0"), 2);
    CU_ASSERT_EQUAL(rp_history_version_compare("", "1"), 2);
    CU_ASSERT_EQUAL(rp_history_version_compare("1.0.", "1.0"), 2);
}

static CU_TestInfo tests[] = {
    {"id changed since the base; nothing without --base", test_id_changed},
    {"renamed file with a new id; deleted and added again", test_renamed_and_readded},
    {"id taken over from another file; a move git does not pair", test_id_taken_over},
    {"version not bumped, bumped, gone down, removed; layout only", test_versions},
    {"hunting query id change; case-only change", test_hunting_id},
    {"bad REV and files outside git", test_bad_base},
    {"nested repository", test_nested_repository},
    {"version order", test_version_compare},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("history", tests)
