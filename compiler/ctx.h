/* ctx.h: the explicit context passed to every stage (no global state). One ctx per rule file:
 * its arena is that file's and is freed when the file is done; the diagnostic sink, schema and
 * configuration belong to the run. */
#ifndef RP_CTX_H
#define RP_CTX_H

#include "arena.h"
#include "diag.h"

struct rp_schema;
struct rp_config;

typedef struct rp_ctx {
    rp_arena *arena;                 /* this file's arena */
    rp_diag_sink *diags;             /* the run's diagnostics */
    const struct rp_schema *schema;  /* schema/ data plus --schema extensions; may be NULL in unit tests */
    const struct rp_config *config;  /* .rulepack.yaml; may be NULL */
    const rp_source *src;            /* file being processed */
    const char *rule_id;             /* id of the rule being processed, for diagnostics */
} rp_ctx;

/* Reports through ctx->diags with ctx->rule_id. */
rp_diag *rp_report(rp_ctx *ctx, rp_diag_code code, rp_span span, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
