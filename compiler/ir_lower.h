/* ir_lower.h: lowering of an analysed rule into the IR (ir.h): the KQL AST (rule->kql) becomes
 * sources with row-local stages plus a tail, and the exclusion filters (rule->excl) become
 * allow-list predicates. Scalar `let`s are folded, tabular `let`s inlined, dynamic()/datatable
 * lists become constant sets, now()/ago() become one instant per run (RP_IR_NOW).
 *
 * What the IR cannot express yet (join, evaluate, externaldata, make-series, ...) is reported as
 * RP0400 "not compiled: join at 14:3" (a warning: the rule stays valid KQL; only its compiled
 * outputs are partial) and sets the rule's status to PARTIAL or NONE. Column names resolve
 * against the schema's table columns (ctx->schema); unknown names are the analysis' errors, so
 * the lowering only notes them (RP0401) and marks the rule NONE. */
#ifndef RP_IR_LOWER_H
#define RP_IR_LOWER_H

#include "ir.h"
#include "kql_ast.h"
#include "rule.h"

/* Lowers a rule (its kql and excl, as check.c left them). Never NULL: a rule without a usable
 * query comes back with status NONE and `why` set. All in ctx->arena. */
rp_ir_rule *rp_ir_lower_rule(rp_ctx *ctx, const rp_rule *rule);

/* Lowers a parsed query alone (no exclusions): for bare .kql files and tests. */
rp_ir_rule *rp_ir_lower_query(rp_ctx *ctx, const rp_kql_query *query);

#endif
