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
#include "session.h"

static int64_t clock_ticks(void)
{
    return RP_TICKS_UNIX_EPOCH + (int64_t)time(NULL) * RP_TICKS_PER_SECOND;
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

/* --now: the instant now() stands for (default: the clock). */
typedef struct now_option {
    const char *command, *text, *example;
    int64_t ticks;
} now_option;

static int check_now(void *user)
{
    now_option *now = user;
    now->ticks = clock_ticks();
    if (!now->text || parse_now(now->text, &now->ticks)) return 1;
    fprintf(stderr, "rulepack %s: --now takes an ISO 8601 instant%s, not '%s'\n", now->command, now->example, now->text);
    return 0;
}

/* Adds each rule to the interpreter as it is lowered; RP0412 when it cannot run it. */
static void add_to_interp(rp_ctx *ctx, rp_session_file *f, void *user)
{
    const char *why = NULL;
    if (f->ir && !rp_interp_add_rule(user, f->ir, &why))
        rp_diag_report_at(ctx->diags, RP0412, f->path, 0, 0, "rule %s is not run: %s%s%s", f->ir->rule_id ? f->ir->rule_id : f->path,
                          why ? why : "not compiled", f->ir->why ? ": " : "", f->ir->why ? f->ir->why : "");
}

int rp_cmd_run(int argc, char **argv)
{
    const char *table = NULL, *suppressed_path = NULL;
    int want_stats = 0, status = 0;
    now_option now = {"run", NULL, " such as 2026-11-28T00:00:00Z", 0};
    const rp_cmd_option options[] = {
        {"--now", NULL, &now.text, NULL, NULL},
        {"--table", NULL, &table, NULL, NULL},
        {"--suppressed", NULL, &suppressed_path, NULL, NULL},
        {"--stats", NULL, NULL, &want_stats, NULL},
    };
    const rp_cmd cmd = {"run", run_usage, options, sizeof options / sizeof *options, check_now, &now};
    rp_session session;
    if (!rp_session_start(&session, &cmd, argc, argv, &status)) return status;
    FILE *sup = NULL;
    if (suppressed_path && !(sup = fopen(suppressed_path, "w"))) {
        fprintf(stderr, "rulepack run: cannot write %s\n", suppressed_path);
        rp_session_close(&session);
        return 2;
    }
    rp_interp *in = rp_interp_new(now.ticks, stdout, sup);
    if (table) rp_interp_set_table(in, table);
    rp_session_file *files = rp_session_lower(&session, add_to_interp, in);
    rp_pack_finish(session.pack, &session.diags);
    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stderr, 0);
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
    rp_session_files_free(files, session.file_count);
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

typedef struct test_run {
    int64_t now;              /* --now: the default for examples without now: */
    size_t passed, failed;
} test_run;

/* Runs the examples of one rule file as it is lowered (their diagnostics are the file's). */
static void run_tests(rp_ctx *ctx, rp_session_file *f, void *user)
{
    test_run *run = user;
    const rp_rule *rule = f->rule;
    const rp_ir_rule *ir = f->ir;
    if (!rule || !ir) return;
    for (size_t i = 0; i < rule->test_count; i++) {
        const rp_rule_test *t = &rule->tests[i];
        rp_span span = t->node ? t->node->span : rp_rule_text_span(rule, &rule->id);
        unsigned line = 0, col = 0;
        if (span.src) rp_source_locate(span.src, span.start, &line, &col);
        const char *name = t->name.text ? t->name.text : "(unnamed)";
        const char *why = NULL;
        int64_t now = run->now;
        rp_test_expect got = RP_EXPECT_UNSET;
        if (t->now.text && !parse_now(t->now.text, &now))
            why = "now is not an ISO 8601 instant";
        else if (t->expect == RP_EXPECT_UNSET)
            why = "expect must be alert, no-alert or suppressed";
        else
            got = run_example(ir, t, now, &why);
        if (got == RP_EXPECT_UNSET) {
            run->failed++;
            rp_diag_report(ctx->diags, RP0411, span, rule->id.text, "test '%s' cannot run: %s%s%s", name,
                           why ? why : "unknown reason", ir->why ? ": " : "", ir->why ? ir->why : "");
            printf("FAIL %s:%u: %s (cannot run)\n", f->path, line, name);
        } else if (got != t->expect) {
            run->failed++;
            rp_diag_report(ctx->diags, RP0410, t->expect_node ? t->expect_node->span : span, rule->id.text,
                           "test '%s' expected %s, got %s", name, expect_name(t->expect), expect_name(got));
            printf("FAIL %s:%u: %s (expected %s, got %s)\n", f->path, line, name, expect_name(t->expect), expect_name(got));
        } else {
            run->passed++;
            printf("ok   %s:%u: %s\n", f->path, line, name);
        }
    }
}

int rp_cmd_test(int argc, char **argv)
{
    now_option now = {"test", NULL, "", 0};
    const rp_cmd_option options[] = {{"--now", NULL, &now.text, NULL, NULL}};
    const rp_cmd cmd = {"test",
                        "usage: rulepack test [--now ISO8601] [--format F] [--schema DIR] PATH...\n"
                        "Runs the example events under each rule's tests: through the interpreter and\n"
                        "reports pass/fail per test; exit 1 when a test fails.\n",
                        options, 1, check_now, &now};
    rp_session session;
    int status;
    if (!rp_session_start(&session, &cmd, argc, argv, &status)) return status;
    test_run run = {now.ticks, 0, 0};
    rp_session_file *files = rp_session_lower(&session, run_tests, &run);
    rp_pack_finish(session.pack, &session.diags);
    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stdout, session.format == RP_FMT_TEXT && isatty(1));
    printf("%zu passed, %zu failed\n", run.passed, run.failed);
    rp_session_files_free(files, session.file_count);
    status = run.failed ? 1 : rp_session_exit_status(&session);
    rp_session_close(&session);
    return status;
}
