/* excl_lint.h: what is dangerous about a parsed, resolved exclusion filter (RP0620-RP0626).
 *
 * An ARM is a top-level disjunct of the filter (the kids of a root OR; the whole filter when the
 * root is not an OR): each arm alone suppresses an event. The lints:
 *   RP0620  AND and OR mixed without parentheses (the message shows the grouping used);
 *   RP0621  an arm built only on negations (every predicate under an odd number of NOTs or a
 *           negated operator): it suppresses everything except a few values;
 *   RP0622  an arm that constrains only parent-process columns and none the detection tests;
 *   RP0623  an arm that relies only on values an attacker chooses (a command-line substring,
 *           plus at most the created binary's own name or path);
 *   RP0624  an allow-listed parent process on schema/excl-abused-parents.yaml;
 *   RP0625  (error) the exclusion cancels the rule: detection AND NOT exclusion is unsatisfiable;
 *   RP0626  (note) a case-sensitive comparison on a Windows file-name column.
 *
 * RP0625 is decided by rp_excl_cancels: a sound check (it says "cancels" only when that is
 * proved) over per-column string constraints in disjunctive normal form, giving up silently past
 * a size cap. */
#ifndef RP_EXCL_LINT_H
#define RP_EXCL_LINT_H

#include "excl_fields.h"

/* What the linter knows about the detection. pred: the detection's filter predicates as a tree of
 * the same shape (excl_ast.h; lowered from the query's leading `where`s, parts it cannot express
 * replaced by TRUE), or NULL when unknown. columns: every column those filters test (known: the
 * list is meaningful; when not known, RP0622 treats no column as tested by the detection). */
typedef struct rp_excl_detection {
    const rp_excl_node *pred;
    const char **columns;
    size_t column_count;
    int known;
} rp_excl_detection;

/* Runs every lint on one filter (root non-NULL). Sets filter->cancels_rule when RP0625 fires. */
void rp_excl_lint(rp_ctx *ctx, const rp_excl_fields *fields, rp_excl_filter *filter, const rp_excl_detection *det);

typedef enum rp_excl_verdict {
    RP_EXCL_UNKNOWN,   /* not proved either way (over the cap, or beyond what the check models) */
    RP_EXCL_CANCELS    /* proved: every row the detection keeps satisfies the exclusion */
} rp_excl_verdict;

/* Whether detection AND NOT exclusion is unsatisfiable (detection NULL: TRUE, i.e. whether the
 * exclusion is always true). Only predicates on resolved string columns with string values are
 * reasoned about; any other predicate is treated as unconstrained, which keeps the answer sound. */
rp_excl_verdict rp_excl_cancels(const rp_excl_node *detection, const rp_excl_node *exclusion);

#endif
