/* check.h: the pipeline of `rulepack check` for one file, and the seams where each stage plugs in.
 * main.c walks the paths; for each file check.c loads it, builds the rule model and calls:
 *   rp_rule_check      (rule_check.c, schema and Sentinel CI checks; RP01xx)
 *   rp_kql_check_rule  (kql_check.c, parse and analyse the query; RP02xx/RP03xx)
 *   rp_excl_check_rule (excl_check.c, parse and lint exclusions; RP06xx)
 * and registers the rule with the pack for cross-file checks (duplicate ids, file names). */
#ifndef RP_CHECK_H
#define RP_CHECK_H

#include "rule.h"

struct rp_pack;
struct rp_schema;

/* Per-rule stage entry points. Each reports through ctx and never stops the others. */
void rp_rule_check(rp_ctx *ctx, const rp_rule *rule);
void rp_kql_check_rule(rp_ctx *ctx, rp_rule *rule);
void rp_excl_check_rule(rp_ctx *ctx, rp_rule *rule);

/* Cross-file state of one run (pack.c). */
typedef struct rp_pack rp_pack;
rp_pack *rp_pack_new(void);
void rp_pack_free(rp_pack *pack);
/* Records a rule's id, kind and file name (copied: the file's arena will be freed). */
void rp_pack_add_rule(rp_pack *pack, rp_ctx *ctx, const rp_rule *rule);
/* Reports duplicate ids (analytic rules and hunting queries together) and duplicate file names. */
void rp_pack_finish(rp_pack *pack, rp_diag_sink *diags);

/* Loads and checks one file. Returns the rule (in ctx->arena) when the file could be read as a
 * rule or query, else NULL. */
rp_rule *rp_check_file(rp_ctx *ctx, rp_pack *pack, const char *path);

#endif
