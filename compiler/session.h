/* session.h: what one command run shares across files: diagnostics, configuration, schema, the
 * pack registry, and the list of files to process. Used by every command in main.c and by the
 * build/run/test commands. */
#ifndef RP_SESSION_H
#define RP_SESSION_H

#include "check.h"
#include "config.h"
#include "ir.h"
#include "schema.h"

typedef struct rp_session {
    rp_diag_sink diags;
    rp_config *config;
    rp_schema *schema;
    rp_pack *pack;
    rp_diag_format format;
    int strict;          /* warnings count as errors for the exit status */
    char **files;        /* every file to process, in a stable order */
    size_t file_count, file_capacity;
    char **paths;        /* the PATH arguments as given (rp_session_add_paths) */
    size_t path_count;
} rp_session;

/* Common options: --format F, --strict, --schema DIR (repeatable), --config FILE. Removes the
 * options it knows from argv (returns the new argc); returns -1 on a usage error (printed). */
int rp_session_parse_options(rp_session *session, int argc, char **argv, const char **config_path,
                             const char ***schema_dirs, size_t *schema_dir_count);

void rp_session_init(rp_session *session);
/* Loads configuration and schema. */
void rp_session_open(rp_session *session, const char *config_path, const char *const *schema_dirs,
                     size_t schema_dir_count);
/* Expands PATH arguments into files: a file is taken as named, a folder is searched recursively
 * for *.yaml, *.yml and *.kql (sorted, ignore patterns applied). Missing paths are RP0001. */
void rp_session_add_paths(rp_session *session, char **paths, int count);
/* A command's own option (build, run, test): NAME (or ALIAS) VALUE when `value` is set, else a
 * flag that sets *flag. `needs` names the value for "NAME needs ..." ("a value" when NULL). */
typedef struct rp_cmd_option {
    const char *name, *alias;
    const char **value;
    int *flag;
    const char *needs;
} rp_cmd_option;

/* A command's command line: its name for messages ("rulepack NAME: ..."), the text --help / -h
 * prints, its own options, and `check`, which validates their values once all are read
 * (returns 0 after printing why; may be NULL). */
typedef struct rp_cmd {
    const char *name;
    const char *usage;
    const rp_cmd_option *options;
    size_t noptions;
    int (*check)(void *user);
    void *user;
} rp_cmd;

/* The start every command shares: --help, rp_session_init, the common options, the command's
 * own, then at least one PATH; opens the session (rp_session_open) and adds the paths.
 * Returns 1 when the command goes on with the open session; 0 when it is done (after --help,
 * *status 0; after a usage error, printed, *status 2; the session is then closed). */
int rp_session_start(rp_session *session, const rp_cmd *cmd, int argc, char **argv, int *status);

/* One rule file after rp_session_lower. */
typedef struct rp_session_file {
    size_t index;         /* i */
    const char *path;     /* session->files[i] */
    rp_arena *arena;      /* the file's arena, alive until rp_session_files_free */
    rp_rule *rule;        /* NULL when the file holds no rule */
    rp_ir_rule *ir;       /* the rule lowered into the IR; NULL without a rule */
} rp_session_file;

/* Checks every file of the session in order (rp_check_file, which adds the rule to the pack),
 * parses its query when the front end has not, and lowers the rule into the IR, each file with
 * its own arena, kept alive for the IR. `each` (may be NULL) runs for every file with its
 * context before the file's diagnostics are closed (rp_diag_end_file), so that what it reports
 * counts as the file's. Returns session->file_count entries (rp_session_files_free). */
typedef void (*rp_session_each)(rp_ctx *ctx, rp_session_file *file, void *user);
rp_session_file *rp_session_lower(rp_session *session, rp_session_each each, void *user);
void rp_session_files_free(rp_session_file *files, size_t count);

/* 0 clean, 1 errors (or warnings with --strict). */
int rp_session_exit_status(const rp_session *session);
void rp_session_close(rp_session *session);

#endif
