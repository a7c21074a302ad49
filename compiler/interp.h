/* interp.h: the IR interpreter behind `rulepack run` and `rulepack test`. It evaluates rules
 * (ir.h) over JSON-lines events read by the runtime's reader (runtime/rp_runtime.h), with the
 * runtime's string operators, group table, JSON writer and accounting, so it agrees with the
 * generated C by construction. Exact KQL semantics (KQL-SEMANTICS.md): strings never null
 * (missing is ""), three-valued logic elsewhere, `where` keeps true only, inclusive between,
 * one now() per run.
 *
 * Usage: rp_interp_new, rp_interp_add_rule for each FULL rule (the rule's arena must outlive the
 * interpreter), rp_interp_run (or rp_interp_feed_line for tests), rp_interp_finish (flushes the
 * tails: their output rows are the alerts; see "Tail semantics" in interp.c), rp_interp_free. Alerts: one JSON line each, {"rule_id","rule","table",
 * "event":{...}} (DESIGN.md). Suppressed events (matched a rule and one of its exclusions) are
 * written to `suppressed` when given: {"rule_id","rule","table","exclusion","event":<the line>}. */
#ifndef RP_INTERP_H
#define RP_INTERP_H

#include <stdint.h>
#include <stdio.h>

#include "ir.h"
#include "runtime/rp_runtime.h"

typedef struct rp_interp rp_interp;

/* now_ticks: the instant now() stands for. alerts: where alert lines go (NULL: discarded). */
rp_interp *rp_interp_new(int64_t now_ticks, FILE *alerts, FILE *suppressed);
void rp_interp_free(rp_interp *in);

/* Adds a rule; returns 1, or 0 when the interpreter cannot run it (why: a static message). Only
 * FULL rules are accepted. All rules must be added before the first event. */
int rp_interp_add_rule(rp_interp *in, const rp_ir_rule *rule, const char **why);

/* --table NAME for events without a Type. Call before rp_interp_run / feed. */
void rp_interp_set_table(rp_interp *in, const char *table);

/* Reads every line of `events`. Returns 0, or -1 on a read error. */
int rp_interp_run(rp_interp *in, FILE *events);
/* Evaluates one line (no newline), with the same accounting as rp_interp_run. */
void rp_interp_feed_line(rp_interp *in, const char *line, size_t len);
/* End of input: writes the rules' group rows. Call once. Returns 0, -1 on a write error. */
int rp_interp_finish(rp_interp *in);

/* Counts (lines, per rule matched/alerts/suppressed per exclusion); valid after finish. */
const rp_stats *rp_interp_stats(const rp_interp *in);

#endif
