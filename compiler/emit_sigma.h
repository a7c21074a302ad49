/* emit_sigma.h: the Sigma emitter. One Sentinel rule becomes one Sigma rule in JSON
 * (out_dir/sigma/<rule id>.json): title, id, status, description, references, tags (ATT&CK in
 * Sigma 2 form), logsource from the table, detection with named selections, the exclusions as
 * `filter_<slug>` selections (`selection and not 1 of filter_*`), falsepositives from the
 * scenarios, level from severity. A summarize with a threshold on count/dcount/sum/avg becomes a
 * Sigma correlation rule in a second file, out_dir/sigma/<rule id>.correlation.json (each file
 * stays one JSON document; the correlation names the base rule through its `name`).
 *
 * Where Sigma cannot say exactly what the KQL says, the rule carries a fidelity note (custom
 * field `x_rulepack_fidelity`, and an RP05xx note); an approximation is never broader inside a
 * filter than the exclusion it stands for (an allow-list that cannot be said exactly is left
 * out, so the Sigma rule alerts at least as often as the query).
 *
 * Output is deterministic: keys sorted (jansson JSON_SORT_KEYS), two-space indent, newline at
 * the end; byte-identical across runs. */
#ifndef RP_EMIT_SIGMA_H
#define RP_EMIT_SIGMA_H

#include <stddef.h>

#include "ctx.h"
#include "rule.h"

struct rp_ir_rule;

/* Builds the Sigma detection rule of one rule as JSON text (NUL-terminated, in ctx->arena), and
 * when the query ends in a thresholded summarize the correlation rule in *correlation (NULL
 * otherwise; correlation may be NULL when the caller does not want it). ir NULL, of status NONE
 * or reading several tables: NULL is returned with RP0502. Used by rp_emit_sigma_rule and tests. */
char *rp_emit_sigma_text(rp_ctx *ctx, const rp_rule *rule, const struct rp_ir_rule *ir, char **correlation);

/* Writes out_dir/sigma/<rule id>.json (and <rule id>.correlation.json when there is one; a stale
 * correlation file from an earlier build is removed) (the directory is created when missing; the file name is
 * the rule id with every character outside [A-Za-z0-9._-] replaced by '_'). Returns 0 on success
 * or when nothing was emitted for a reason already reported, -1 on an I/O error (reported). */
int rp_emit_sigma_rule(rp_ctx *ctx, const rp_rule *rule, const struct rp_ir_rule *ir, const char *out_dir);

/* The file-name form of a rule id (shared with emit_kql.c), one to one so that two ids never
 * share a file: [A-Za-z0-9.-] kept (a GUID is unchanged), every other byte and '_' as _xx (hex),
 * a leading '.' too; past 200 characters, the first 180 and "_h" + a 64-bit hash of the whole id;
 * "_rule" for an empty or missing id. In arena. */
char *rp_emit_file_stem(rp_arena *arena, const char *rule_id);
/* The output file stem of a rule: its id made safe, or for a bare query (no id)
 * "query-<file name>-<hash of its path>", unique per path. */
char *rp_emit_rule_stem(rp_arena *arena, const rp_rule *rule);

#endif
