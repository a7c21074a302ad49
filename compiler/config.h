/* config.h: the optional .rulepack.yaml at the repository root (libcyaml, typed):
 *     ignore: [_Templates/, drafts]   # paths skipped when walking folders
 *     severity: {RP0123: warning, RP0456: off}     # per-code severity
 *     schema: [schema-extra/]                      # extra --schema directories
 * An unknown key is an error (RP07xx). */
#ifndef RP_CONFIG_H
#define RP_CONFIG_H

#include "diag.h"

typedef struct rp_config {
    char *path;            /* the file read, or NULL when there is none */
    char *root_dir;        /* its directory: ignore patterns are relative to it */
    char **ignore;
    unsigned ignore_count;
    char **schema_dirs;    /* resolved against root_dir */
    unsigned schema_dir_count;
} rp_config;

/* Reads `path`, or when NULL looks for .rulepack.yaml in the current directory and its parents
 * (stopping at a directory holding .git). Applies severity overrides to diags. Never NULL. */
rp_config *rp_config_load(const char *path, rp_diag_sink *diags);
/* True when a path found while walking a folder matches an ignore pattern. */
int rp_config_is_ignored(const rp_config *config, const char *path);
void rp_config_free(rp_config *config);

#endif
