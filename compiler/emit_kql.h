/* emit_kql.h: the KQL emitter. out_dir/kql/<rule id>.kql is the rule's query with its
 * exclusions applied: `| where not(<filter>)` (one per exclusion, fields mapped to the table's
 * columns, strings re-escaped as KQL) inserted before the first stateful operator of the main
 * pipeline (summarize, distinct, take, top, sort, count), or at its end for a filter rule. The
 * rest of the text is the author's, byte for byte. An exclusion that did not parse or resolve
 * (rp_excl_filter.ok == 0) is left out with an RP05xx note. Deterministic. */
#ifndef RP_EMIT_KQL_H
#define RP_EMIT_KQL_H

#include "ctx.h"
#include "rule.h"

/* The emitted query text (NUL-terminated, in ctx->arena), or NULL when the rule has no query
 * that parsed (rule->kql) (reported). */
char *rp_emit_kql_text(rp_ctx *ctx, const rp_rule *rule);

/* Writes out_dir/kql/<rule id>.kql (directory created when missing; file name as
 * rp_emit_file_stem). Returns 0 on success or nothing to write, -1 on an I/O error (reported). */
int rp_emit_kql_rule(rp_ctx *ctx, const rp_rule *rule, const char *out_dir);

#endif
