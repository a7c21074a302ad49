/* PLACEHOLDER until the schema stage lands. */
#include <stdlib.h>
#include "schema.h"
struct rp_schema { int unused; };
rp_schema *rp_schema_load(const char *const *extra_dirs, size_t extra_count, rp_diag_sink *diags)
{ (void)extra_dirs; (void)extra_count; (void)diags; return calloc(1, sizeof(rp_schema)); }
void rp_schema_free(rp_schema *schema) { free(schema); }
