/* main.c: the rulepack command line (DESIGN.md "Command line"): check, build, run, test; plus
 * `codes --markdown`, which writes docs/diagnostics.md from the code table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "history.h"
#include "session.h"
#include "version.h"

static const char usage_text[] =
    "usage: rulepack <command> [options] PATH...\n"
    "\n"
    "commands:\n"
    "  check [--format text|json|sarif|github] [--strict] [--schema DIR] [--config FILE] [--base REV] PATH...\n"
    "        validate rule files (*.yaml, *.yml), bare queries (*.kql) and folders of them;\n"
    "        with --base, also compare each rule with its version at git revision REV\n"
    "  build [-o DIR] PATH...      check, then compile into DIR (default out/): c/, sigma/, kql/\n"
    "  run [--now ISO8601] [--table NAME] [--stats] [--suppressed FILE] PATH... < events.jsonl\n"
    "        evaluate the rules on JSON-lines events with the interpreter\n"
    "  test PATH...                run the example events that rules carry under tests:\n"
    "  codes [--markdown]          list every diagnostic code\n"
    "\n"
    "exit status: 0 clean, 1 at least one error (with --strict, warnings count), 2 usage or I/O error\n";

/* check's own --base REV / --base=REV (history.h), taken out of argv before the common options.
 * Returns the new argc, or -1 after printing a usage error. */
static int take_base_option(int argc, char **argv, const char **rev)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc) argv[out++] = argv[i++];
            break;
        }
        if (strncmp(argv[i], "--base=", 7) == 0 || strcmp(argv[i], "--base") == 0) {
            *rev = argv[i][6] == '=' ? argv[i] + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!*rev || !**rev) {
                fputs("rulepack check: --base takes a git revision (the pull request's base)\n", stderr);
                return -1;
            }
        } else {
            argv[out++] = argv[i];
        }
    }
    return out;
}

int rp_cmd_check(int argc, char **argv)
{
    const rp_cmd cmd = {"check",
                        "usage: rulepack check [--format text|json|sarif|github] [--strict] [--schema DIR]\n"
                        "                      [--config FILE] [--base REV] PATH...\n"
                        "Validates rule files and bare queries; prints diagnostics; exit 0 clean, 1 errors, 2 usage.\n"
                        "--base REV compares each rule with its version at git revision REV (a pull request's\n"
                        "base): ids must not change nor be taken from another rule file, and a changed rule\n"
                        "needs a greater version.\n",
                        NULL, 0, NULL, NULL};
    const char *base = NULL;
    argc = take_base_option(argc, argv, &base);
    if (argc < 0) return 2;
    rp_session session;
    int status;
    if (!rp_session_start(&session, &cmd, argc, argv, &status)) return status;
    int io_error = session.diags.errors > 0 && session.file_count == 0;
    rp_history *history = base ? rp_history_new(base) : NULL;
    for (size_t i = 0; i < session.file_count; i++) {
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &session.diags;
        ctx.schema = session.schema;
        ctx.config = session.config;
        rp_diag_begin_file(&session.diags);
        rp_rule *rule = rp_check_file(&ctx, session.pack, session.files[i]);
        if (history) rp_history_check_rule(history, &ctx, rule);
        rp_diag_end_file(&session.diags, session.files[i]);
        rp_arena_free(ctx.arena);
    }
    rp_history_free(history);
    rp_pack_finish(session.pack, &session.diags);
    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stdout, session.format == RP_FMT_TEXT && isatty(1));
    status = io_error ? 2 : rp_session_exit_status(&session);
    rp_session_close(&session);
    return status;
}

static int cmd_codes(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--markdown") == 0) {
        rp_diag_write_markdown(stdout);
        return 0;
    }
    for (int i = 0; i < RP_DIAG_COUNT; i++) {
        const rp_diag_info *info = rp_diag_info_of((rp_diag_code)i);
        printf("%s  %-7s  %-32s %s\n", info->code, rp_severity_name(info->severity), info->slug, info->summary);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("rulepack %s\n", RP_VERSION);
        return 0;
    }
    const char *command = argv[1];
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--version") == 0) {
            printf("rulepack %s\n", RP_VERSION);
            return 0;
        }
    if (strcmp(command, "check") == 0) return rp_cmd_check(argc - 1, argv + 1);
    if (strcmp(command, "build") == 0) return rp_cmd_build(argc - 1, argv + 1);
    if (strcmp(command, "run") == 0) return rp_cmd_run(argc - 1, argv + 1);
    if (strcmp(command, "test") == 0) return rp_cmd_test(argc - 1, argv + 1);
    if (strcmp(command, "codes") == 0) return cmd_codes(argc - 1, argv + 1);
    fprintf(stderr, "rulepack: unknown command '%s'\n\n%s", command, usage_text);
    return 2;
}
