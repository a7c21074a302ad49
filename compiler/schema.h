/* schema.h: the data the checks use (schema/ in the repository, embedded at build time, plus
 * --schema DIR extensions). Loaded with libcyaml into typed structures by schema.c. */
#ifndef RP_SCHEMA_H
#define RP_SCHEMA_H

#include <stddef.h>

#include "diag.h"

typedef struct rp_schema rp_schema;

/* Loads the embedded schema, then each extra directory in order (later ones add or override).
 * Problems in extension files are reported as RP07xx diagnostics. Never returns NULL. */
rp_schema *rp_schema_load(const char *const *extra_dirs, size_t extra_count, rp_diag_sink *diags);
void rp_schema_free(rp_schema *schema);

#endif
