/* schema.h: the data the checks use (schema/ in the repository, embedded at build time, plus
 * --schema DIR extensions). Loaded with libcyaml into typed structures by schema.c.
 * Every lookup is read-only; the schema lives for the whole run. Names compare case-sensitively
 * unless a function says otherwise. */
#ifndef RP_SCHEMA_H
#define RP_SCHEMA_H

#include <stddef.h>

#include "diag.h"
#include "types.h"

typedef struct rp_schema rp_schema;

/* Loads the embedded schema, then each extra directory in order (later ones add or override).
 * Problems in extension files are reported as RP07xx diagnostics. Never returns NULL. */
rp_schema *rp_schema_load(const char *const *extra_dirs, size_t extra_count, rp_diag_sink *diags);
void rp_schema_free(rp_schema *schema);

/* ---- tables and columns (898 Log Analytics / Sentinel / Defender tables, plus extensions) ---- */
typedef struct rp_schema_column {
    const char *name;
    rp_type type;
} rp_schema_column;

typedef struct rp_schema_table {
    const char *name;
    const rp_schema_column *columns;
    size_t column_count;
} rp_schema_table;

const rp_schema_table *rp_schema_table_find(const rp_schema *schema, const char *name);
/* Case-insensitive lookup, for did-you-mean. */
const rp_schema_table *rp_schema_table_find_ci(const rp_schema *schema, const char *name);
size_t rp_schema_table_count(const rp_schema *schema);
const rp_schema_table *rp_schema_table_at(const rp_schema *schema, size_t index);
const rp_schema_column *rp_schema_column_find(const rp_schema_table *table, const char *name);

/* ---- functions: ASIM parsers and workspace functions declared with --schema ---- */
typedef struct rp_schema_param {
    const char *name;
    rp_type type;
    int has_default; /* optional parameter */
} rp_schema_param;

typedef struct rp_schema_function {
    const char *name;               /* "_Im_ProcessCreate", "imNetworkSession", ... */
    const rp_schema_param *params;
    size_t param_count;
    const rp_schema_table *output;  /* columns it returns (an ASIM schema or declared columns) */
} rp_schema_function;

/* ASIM parser names compare case-insensitively, as KQL function names do not, but Sentinel's
 * docs spell them in several casings; exact match is tried first. */
const rp_schema_function *rp_schema_function_find(const rp_schema *schema, const char *name);

#endif
