/* session.c: shared state of one command run (see session.h). */
#include "session.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ir_lower.h"
#include "kql_parse.h"
#include "rp_limits.h"

void rp_session_init(rp_session *session)
{
    memset(session, 0, sizeof *session);
    rp_diag_sink_init(&session->diags);
    session->format = RP_FMT_TEXT;
}

/* --NAME=VALUE or --NAME VALUE at argv[*i]: returns 1 with *value (NULL when it is missing)
 * and *i on the last argument used; 0 when the argument is not --NAME. */
static int long_option(const char *name, int argc, char **argv, int *i, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0 || (arg[n] != '=' && arg[n] != 0)) return 0;
    *value = arg[n] == '=' ? arg + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    return 1;
}

int rp_session_parse_options(rp_session *session, int argc, char **argv, const char **config_path,
                             const char ***schema_dirs, size_t *schema_dir_count)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--") == 0) {
            for (i++; i < argc; i++) argv[out++] = argv[i];
            break;
        }
        if (long_option("--format", argc, argv, &i, &value)) {
            if (!value || !rp_diag_format_from_text(value, &session->format)) {
                fprintf(stderr, "rulepack: --format takes text, json, sarif or github\n");
                return -1;
            }
        } else if (strcmp(argv[i], "--strict") == 0) {
            session->strict = 1;
        } else if (long_option("--schema", argc, argv, &i, &value)) {
            if (!value) {
                fprintf(stderr, "rulepack: --schema takes a directory\n");
                return -1;
            }
            *schema_dirs = rp_xrealloc((void *)*schema_dirs, (*schema_dir_count + 1) * sizeof(char *));
            (*schema_dirs)[(*schema_dir_count)++] = value;
        } else if (long_option("--config", argc, argv, &i, &value)) {
            if (!value) {
                fprintf(stderr, "rulepack: --config takes a file\n");
                return -1;
            }
            *config_path = value;
        } else {
            argv[out++] = argv[i];
        }
    }
    return out;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
    return 0;
}

static const rp_cmd_option *find_option(const rp_cmd *cmd, const char *arg)
{
    for (size_t o = 0; o < cmd->noptions; o++)
        if (strcmp(arg, cmd->options[o].name) == 0 || (cmd->options[o].alias && strcmp(arg, cmd->options[o].alias) == 0))
            return &cmd->options[o];
    return NULL;
}

int rp_session_start(rp_session *session, const rp_cmd *cmd, int argc, char **argv, int *status)
{
    if (wants_help(argc, argv)) {
        fputs(cmd->usage, stdout);
        *status = 0;
        return 0;
    }
    rp_session_init(session);
    const char *config_path = NULL;
    const char **schema_dirs = NULL;
    size_t schema_dir_count = 0;
    argc = rp_session_parse_options(session, argc, argv, &config_path, &schema_dirs, &schema_dir_count);
    int npaths = 0, usage = argc < 0;
    char **paths = rp_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *paths);
    for (int i = 1; i < argc && !usage; i++) {
        const rp_cmd_option *opt = find_option(cmd, argv[i]);
        if (opt && opt->value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rulepack %s: %s needs %s\n", cmd->name, opt->name, opt->needs ? opt->needs : "a value");
                usage = 1;
            } else {
                *opt->value = argv[++i];
            }
        } else if (opt) {
            *opt->flag = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rulepack %s: unknown option '%s' (see --help)\n", cmd->name, argv[i]);
            usage = 1;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (!usage && cmd->check && !cmd->check(cmd->user)) usage = 1;
    if (!usage && npaths == 0) {
        fprintf(stderr, "rulepack %s: no PATH given (see --help)\n", cmd->name);
        usage = 1;
    }
    if (!usage) {
        rp_session_open(session, config_path, schema_dirs, schema_dir_count);
        rp_session_add_paths(session, paths, npaths);
    }
    free(paths);
    free(schema_dirs);
    if (usage) {
        rp_session_close(session);
        *status = 2;
        return 0;
    }
    return 1;
}

rp_session_file *rp_session_lower(rp_session *session, rp_session_each each, void *user)
{
    rp_session_file *files = rp_xcalloc(session->file_count + 1, sizeof *files);
    for (size_t i = 0; i < session->file_count; i++) {
        rp_session_file *f = &files[i];
        f->index = i;
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &session->diags;
        ctx.schema = session->schema;
        ctx.config = session->config;
        f->path = session->files[i];
        f->arena = ctx.arena;
        rp_diag_begin_file(&session->diags);
        f->rule = rp_check_file(&ctx, session->pack, f->path);
        if (f->rule) {
            /* the front end fills rule->kql; parse here when it has not */
            if (!f->rule->kql && f->rule->query.text) f->rule->kql = rp_kql_parse_rule(&ctx, f->rule);
            ctx.rule_id = f->rule->id.text;
            f->ir = rp_ir_lower_rule(&ctx, f->rule);
        }
        if (each) each(&ctx, f, user);
        rp_diag_end_file(&session->diags, f->path);
    }
    return files;
}

void rp_session_files_free(rp_session_file *files, size_t count)
{
    for (size_t i = 0; files && i < count; i++) rp_arena_free(files[i].arena);
    free(files);
}

void rp_session_open(rp_session *session, const char *config_path, const char *const *schema_dirs,
                     size_t schema_dir_count)
{
    session->config = rp_config_load(config_path, &session->diags);
    /* Configuration schema dirs first, then the command line's (which win). */
    size_t total = session->config->schema_dir_count + schema_dir_count;
    const char **dirs = rp_xcalloc(total + 1, sizeof(char *));
    size_t n = 0;
    for (unsigned i = 0; i < session->config->schema_dir_count; i++) dirs[n++] = session->config->schema_dirs[i];
    for (size_t i = 0; i < schema_dir_count; i++) dirs[n++] = schema_dirs[i];
    session->schema = rp_schema_load(dirs, n, &session->diags);
    free(dirs);
    session->pack = rp_pack_new();
}

static void add_file(rp_session *session, const char *path)
{
    if (session->file_count == session->file_capacity) {
        session->file_capacity = session->file_capacity ? session->file_capacity * 2 : 64;
        session->files = rp_xrealloc(session->files, session->file_capacity * sizeof(char *));
    }
    session->files[session->file_count++] = rp_xstrdup(path);
}

static int is_rule_file_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 || strcmp(dot, ".kql") == 0);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return n && dir[n - 1] == '/' ? rp_xprintf("%s%s", dir, name) : rp_xprintf("%s/%s", dir, name);
}

/* A folder `rulepack build` wrote: its manifest.json opens with our generator line. Walking into
 * it would read the .kql files in its kql/ back as bare queries (`rulepack build .` with the default out/
 * would then compile its own output again, under a new name each run). */
static int is_build_output(const char *dir)
{
    char *manifest = join_path(dir, "manifest.json");
    FILE *f = fopen(manifest, "rb");
    free(manifest);
    if (!f) return 0;
    char head[128];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return strstr(head, "\"generator\": \"rulepack ") != NULL;
}

static void walk_folder(rp_session *session, const char *dir, int depth, size_t *found)
{
    if (depth > RP_MAX_DIR_DEPTH) {
        rp_diag_report_at(&session->diags, RP0001, dir, 0, 0,
                          "folder nesting deeper than %d levels: not searched further", RP_MAX_DIR_DEPTH);
        return;
    }
    DIR *handle = opendir(dir);
    if (!handle) {
        rp_diag_report_at(&session->diags, RP0001, dir, 0, 0, "cannot open folder");
        return;
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(handle))) {
        if (entry->d_name[0] == '.') continue; /* ., .., .git, hidden files */
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 32;
            names = rp_xrealloc(names, capacity * sizeof(char *));
        }
        names[count++] = rp_xstrdup(entry->d_name);
    }
    closedir(handle);
    qsort(names, count, sizeof(char *), compare_names);
    for (size_t i = 0; i < count; i++) {
        char *path = join_path(dir, names[i]);
        struct stat info;
        if (!rp_config_is_ignored(session->config, path) && stat(path, &info) == 0) {
            if (S_ISDIR(info.st_mode)) {
                if (!is_build_output(path)) walk_folder(session, path, depth + 1, found);
            }
            else if (S_ISREG(info.st_mode) && is_rule_file_name(names[i])) {
                add_file(session, path);
                (*found)++;
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

void rp_session_add_paths(rp_session *session, char **paths, int count)
{
    session->paths = rp_xrealloc(session->paths, (session->path_count + (size_t)count + 1) * sizeof *session->paths);
    for (int i = 0; i < count; i++) session->paths[session->path_count++] = rp_xstrdup(paths[i]);
    for (int i = 0; i < count; i++) {
        struct stat info;
        if (stat(paths[i], &info) != 0) {
            rp_diag_report_at(&session->diags, RP0001, paths[i], 0, 0, "no such file or folder");
            continue;
        }
        if (S_ISDIR(info.st_mode)) {
            size_t found = 0;
            walk_folder(session, paths[i], 0, &found);
            if (!found)
                rp_diag_report_at(&session->diags, RP0011, paths[i], 0, 0,
                                  "no *.yaml, *.yml or *.kql files in this folder");
        } else {
            add_file(session, paths[i]);
        }
    }
}

int rp_session_exit_status(const rp_session *session)
{
    if (session->diags.errors) return 1;
    if (session->strict && session->diags.warnings) return 1;
    return 0;
}

void rp_session_close(rp_session *session)
{
    for (size_t i = 0; i < session->file_count; i++) free(session->files[i]);
    free(session->files);
    for (size_t i = 0; i < session->path_count; i++) free(session->paths[i]);
    free(session->paths);
    rp_pack_free(session->pack);
    rp_schema_free(session->schema);
    rp_config_free(session->config);
    rp_diag_sink_free(&session->diags);
    memset(session, 0, sizeof *session);
}
