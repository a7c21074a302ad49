/* run_cmd.c: `rulepack run` (evaluate rules on JSON-lines events with the IR interpreter) and
 * `rulepack test` (run the `tests:` examples that rules carry). DESIGN.md "Command line":
 *   run [--now ISO8601] [--table NAME] [--stats] [--suppressed FILE] PATH... < events > alerts
 *   test [--now ISO8601] PATH...
 * Diagnostics go to stderr for run (stdout carries alerts), to stdout for test. Each rule file's
 * arena stays alive until the interpreter is done with its IR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "interp.h"
#include "ir_lower.h"
#include "kql_parse.h"
#include "session.h"

typedef struct loaded {
    rp_arena **arenas;
    size_t count;
} loaded;

static void loaded_free(loaded *l)
{
    for (size_t i = 0; i < l->count; i++) rp_arena_free(l->arenas[i]);
    free(l->arenas);
}

static int64_t clock_ticks(void)
{
    return RP_TICKS_UNIX_EPOCH + (int64_t)time(NULL) * RP_TICKS_PER_SECOND;
}

/* Checks one file and lowers its rule (NULL when there is none). The arena is kept in `l`. */
static rp_ir_rule *load_rule(rp_session *session, loaded *l, const char *path, rp_rule **rule_out)
{
    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = &session->diags;
    ctx.schema = session->schema;
    ctx.config = session->config;
    l->arenas = rp_xrealloc(l->arenas, (l->count + 1) * sizeof *l->arenas);
    l->arenas[l->count++] = ctx.arena;
    rp_diag_begin_file(&session->diags);
    rp_rule *rule = rp_check_file(&ctx, session->pack, path);
    rp_ir_rule *ir = NULL;
    if (rule) {
        /* the front end fills rule->kql; parse here when it has not */
        if (!rule->kql && rule->query.text) rule->kql = rp_kql_parse_rule(&ctx, rule);
        ir = rp_ir_lower_rule(&ctx, rule);
    }
    rp_diag_end_file(&session->diags, path);
    if (rule_out) *rule_out = rule;
    return ir;
}

static int parse_now(const char *text, int64_t *now)
{
    return rp_datetime_parse(text, strlen(text), now);
}

static const char run_usage[] =
    "usage: rulepack run [--now ISO8601] [--table NAME] [--stats] [--suppressed FILE] [--schema DIR]\n"
    "                    [--config FILE] PATH... < events.jsonl > alerts.jsonl\n"
    "Evaluates the rules on JSON-lines events with the IR interpreter; one alert per line on stdout.\n"
    "--stats prints the counts to stderr; --suppressed FILE writes the events exclusions suppressed.\n"
    "exit 0 clean, 1 rule errors, 2 usage or I/O error.\n";

int rp_cmd_run(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            return 0;
        }
    rp_session session;
    rp_session_init(&session);
    const char *config_path = NULL;
    const char **schema_dirs = NULL;
    size_t schema_dir_count = 0;
    argc = rp_session_parse_options(&session, argc, argv, &config_path, &schema_dirs, &schema_dir_count);
    const char *now_text = NULL, *table = NULL, *suppressed_path = NULL;
    int want_stats = 0, npaths = 0, usage = argc < 0;
    char **paths = rp_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *paths);
    for (int i = 1; i < argc && !usage; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--now") == 0 || strcmp(a, "--table") == 0 || strcmp(a, "--suppressed") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rulepack run: %s needs a value\n", a);
                usage = 1;
                break;
            }
            const char **slot = a[2] == 'n' ? &now_text : a[2] == 't' ? &table : &suppressed_path;
            *slot = argv[++i];
        } else if (strcmp(a, "--stats") == 0) {
            want_stats = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "rulepack run: unknown option '%s' (see --help)\n", a);
            usage = 1;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    int64_t now = clock_ticks();
    if (!usage && now_text && !parse_now(now_text, &now)) {
        fprintf(stderr, "rulepack run: --now takes an ISO 8601 instant such as 2026-11-28T00:00:00Z, not '%s'\n", now_text);
        usage = 1;
    }
    if (!usage && npaths == 0) {
        fputs("rulepack run: no PATH given (see --help)\n", stderr);
        usage = 1;
    }
    if (usage) {
        free(paths);
        free(schema_dirs);
        rp_session_close(&session);
        return 2;
    }
    rp_session_open(&session, config_path, schema_dirs, schema_dir_count);
    free(schema_dirs);
    rp_session_add_paths(&session, paths, npaths);
    free(paths);
    FILE *sup = NULL;
    if (suppressed_path && !(sup = fopen(suppressed_path, "w"))) {
        fprintf(stderr, "rulepack run: cannot write %s\n", suppressed_path);
        rp_session_close(&session);
        return 2;
    }
    rp_interp *in = rp_interp_new(now, stdout, sup);
    if (table) rp_interp_set_table(in, table);
    loaded l = {0};
    for (size_t i = 0; i < session.file_count; i++) {
        rp_ir_rule *ir = load_rule(&session, &l, session.files[i], NULL);
        if (!ir) continue;
        const char *why = NULL;
        if (!rp_interp_add_rule(in, ir, &why))
            rp_diag_report_at(&session.diags, RP0412, session.files[i], 0, 0, "rule %s is not run: %s%s%s",
                              ir->rule_id ? ir->rule_id : session.files[i], why ? why : "not compiled",
                              ir->why ? ": " : "", ir->why ? ir->why : "");
    }
    rp_pack_finish(session.pack, &session.diags);
    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stderr, 0);
    int status = 0;
    if (rp_interp_run(in, stdin) != 0) {
        fputs("rulepack run: error reading events\n", stderr);
        status = 2;
    }
    if (rp_interp_finish(in) != 0 || fflush(stdout) != 0) {
        fputs("rulepack run: error writing alerts\n", stderr);
        status = 2;
    }
    if (want_stats) rp_stats_print_json(rp_interp_stats(in), stderr);
    rp_interp_free(in);
    if (sup && fclose(sup) != 0) status = 2;
    loaded_free(&l);
    if (!status) status = rp_session_exit_status(&session);
    rp_session_close(&session);
    return status;
}

/* {====================================================================
 * rulepack test
 * ===================================================================== */

/* Writes a YAML node as JSON: mappings -> objects, sequences -> arrays, scalars -> strings
 * (the reader converts a string to the column's type), YAML null -> null. */
static void yaml_to_json(rp_jw *w, const rp_ynode *n, int depth)
{
    n = rp_ynode_resolve(n);
    if (!n || depth > 64) {
        rp_jw_null(w);
        return;
    }
    switch (n->kind) {
    case RP_Y_MAPPING:
        rp_jw_obj_begin(w);
        for (size_t i = 0; i < n->count; i++) {
            const rp_ynode *k = rp_ynode_resolve(n->pairs[i].key);
            rp_jw_key(w, k && k->kind == RP_Y_SCALAR ? k->value : "");
            yaml_to_json(w, n->pairs[i].value, depth + 1);
        }
        rp_jw_obj_end(w);
        break;
    case RP_Y_SEQUENCE:
        rp_jw_arr_begin(w);
        for (size_t i = 0; i < n->count; i++) yaml_to_json(w, n->items[i], depth + 1);
        rp_jw_arr_end(w);
        break;
    case RP_Y_SCALAR:
        if (n->style == RP_YS_PLAIN && rp_yscalar_is_null(n)) {
            rp_jw_null(w);
        } else {
            rp_str s = {n->value, n->value_len};
            rp_jw_str(w, s);
        }
        break;
    default: rp_jw_null(w); break;
    }
}

static const char *expect_name(rp_test_expect e)
{
    switch (e) {
    case RP_EXPECT_ALERT: return "alert";
    case RP_EXPECT_NO_ALERT: return "no-alert";
    case RP_EXPECT_SUPPRESSED: return "suppressed";
    default: return "?";
    }
}

/* Runs one example through a fresh interpreter. Returns the outcome, or UNSET with *why. */
static rp_test_expect run_example(const rp_ir_rule *ir, const rp_rule_test *t, int64_t now, const char **why)
{
    const rp_ynode *ev = rp_ynode_resolve(t->event);
    if (!ev || ev->kind != RP_Y_MAPPING) {
        *why = "the test has no event mapping";
        return RP_EXPECT_UNSET;
    }
    rp_interp *in = rp_interp_new(now, NULL, NULL);
    if (!rp_interp_add_rule(in, ir, why)) {
        rp_interp_free(in);
        return RP_EXPECT_UNSET;
    }
    if (ir->nsources) rp_interp_set_table(in, ir->sources[0].table);
    rp_jw w;
    rp_jw_init(&w);
    yaml_to_json(&w, ev, 0);
    rp_interp_feed_line(in, w.buf, w.len);
    rp_interp_finish(in);
    const rp_stats *st = rp_interp_stats(in);
    rp_test_expect out = RP_EXPECT_NO_ALERT;
    if (st->nrules && st->rules[0].alerts) out = RP_EXPECT_ALERT;
    for (size_t i = 0; st->nrules && i < st->rules[0].nexcl; i++)
        if (st->rules[0].suppressed[i]) out = RP_EXPECT_SUPPRESSED;
    if (st->evaluated == 0) {
        *why = "the event was not evaluated (invalid JSON or another table)";
        out = RP_EXPECT_UNSET;
    }
    rp_jw_free(&w);
    rp_interp_free(in);
    return out;
}

int rp_cmd_test(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: rulepack test [--now ISO8601] [--format F] [--schema DIR] PATH...\n"
                  "Runs the example events under each rule's tests: through the interpreter and\n"
                  "reports pass/fail per test; exit 1 when a test fails.\n",
                  stdout);
            return 0;
        }
    rp_session session;
    rp_session_init(&session);
    const char *config_path = NULL;
    const char **schema_dirs = NULL;
    size_t schema_dir_count = 0;
    argc = rp_session_parse_options(&session, argc, argv, &config_path, &schema_dirs, &schema_dir_count);
    const char *now_text = NULL;
    int npaths = 0, usage = argc < 0;
    char **paths = rp_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *paths);
    for (int i = 1; i < argc && !usage; i++) {
        if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
            now_text = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rulepack test: unknown option '%s' (see --help)\n", argv[i]);
            usage = 1;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    int64_t default_now = clock_ticks();
    if (!usage && now_text && !parse_now(now_text, &default_now)) {
        fprintf(stderr, "rulepack test: --now takes an ISO 8601 instant, not '%s'\n", now_text);
        usage = 1;
    }
    if (!usage && !npaths) {
        fputs("rulepack test: no PATH given (see --help)\n", stderr);
        usage = 1;
    }
    if (usage) {
        free(paths);
        free(schema_dirs);
        rp_session_close(&session);
        return 2;
    }
    rp_session_open(&session, config_path, schema_dirs, schema_dir_count);
    free(schema_dirs);
    rp_session_add_paths(&session, paths, npaths);
    free(paths);
    loaded l = {0};
    size_t passed = 0, failed = 0;
    for (size_t f = 0; f < session.file_count; f++) {
        rp_rule *rule = NULL;
        rp_ir_rule *ir = load_rule(&session, &l, session.files[f], &rule);
        if (!rule || !ir) continue;
        for (size_t i = 0; i < rule->test_count; i++) {
            const rp_rule_test *t = &rule->tests[i];
            rp_span span = t->node ? t->node->span : rp_rule_text_span(rule, &rule->id);
            unsigned line = 0, col = 0;
            if (span.src) rp_source_locate(span.src, span.start, &line, &col);
            const char *name = t->name.text ? t->name.text : "(unnamed)";
            const char *why = NULL;
            int64_t now = default_now;
            rp_test_expect got = RP_EXPECT_UNSET;
            if (t->now.text && !parse_now(t->now.text, &now))
                why = "now is not an ISO 8601 instant";
            else if (t->expect == RP_EXPECT_UNSET)
                why = "expect must be alert, no-alert or suppressed";
            else
                got = run_example(ir, t, now, &why);
            if (got == RP_EXPECT_UNSET) {
                failed++;
                rp_diag_report(&session.diags, RP0411, span, rule->id.text, "test '%s' cannot run: %s%s%s", name,
                               why ? why : "unknown reason", ir->why ? ": " : "", ir->why ? ir->why : "");
                printf("FAIL %s:%u: %s (cannot run)\n", session.files[f], line, name);
            } else if (got != t->expect) {
                failed++;
                rp_diag_report(&session.diags, RP0410, t->expect_node ? t->expect_node->span : span, rule->id.text,
                               "test '%s' expected %s, got %s", name, expect_name(t->expect), expect_name(got));
                printf("FAIL %s:%u: %s (expected %s, got %s)\n", session.files[f], line, name,
                       expect_name(t->expect), expect_name(got));
            } else {
                passed++;
                printf("ok   %s:%u: %s\n", session.files[f], line, name);
            }
        }
    }
    rp_pack_finish(session.pack, &session.diags);
    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stdout, session.format == RP_FMT_TEXT && isatty(1));
    printf("%zu passed, %zu failed\n", passed, failed);
    loaded_free(&l);
    int status = failed ? 1 : rp_session_exit_status(&session);
    rp_session_close(&session);
    return status;
}
