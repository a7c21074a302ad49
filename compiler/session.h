/* session.h: what one command run shares across files: diagnostics, configuration, schema, the
 * pack registry, and the list of files to process. Used by every command in main.c and by the
 * build/run/test commands. */
#ifndef RP_SESSION_H
#define RP_SESSION_H

#include "check.h"
#include "config.h"
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
/* 0 clean, 1 errors (or warnings with --strict). */
int rp_session_exit_status(const rp_session *session);
void rp_session_close(rp_session *session);

#endif
