/* history.h: `rulepack check --base REV`, the checks that need git history (SENTINEL-CI.md check 26
 * and gaps 11, 12; RP0160-RP0169). Each checked rule file is compared with its version at REV, the
 * pull request's base, read with git run as a child process (`git -C ROOT show REV:PATH`):
 *   - the id of a rule or hunting query that existed at REV must not change, also across a rename
 *     (`git diff --name-status -M REV`) or a delete and re-add at the same path (RP0162, RP0166);
 *   - a new id must not be another rule file's id at REV (a copied file keeps its source's id) (RP0163);
 *   - when anything but `version` changed, `version` must be present and greater (RP0164); a version
 *     that went down is an error (RP0165).
 * Files are compared with the working tree as it is on disk; a file git does not know at REV counts
 * as added. A REV that is not a commit, or a file outside a git work tree, gets one diagnostic
 * (RP0160, RP0161) and the other checks run as without --base. */
#ifndef RP_HISTORY_H
#define RP_HISTORY_H

#include "rule.h"

/* The run's view of REV: one entry per repository met (root, REV's commit, the paths at REV and the
 * changes since), one per folder (its repository). Heap memory of the run, not of a file's arena. */
typedef struct rp_history rp_history;

/* rev is kept by pointer (argv). Runs nothing until the first rule. */
rp_history *rp_history_new(const char *rev);
void rp_history_free(rp_history *history);

/* Compares one checked rule (rp_check_file's result, in ctx->arena) with its version at REV and
 * reports through ctx. A bare query file has no id or version: nothing to compare. */
void rp_history_check_rule(rp_history *history, rp_ctx *ctx, const rp_rule *rule);

/* Orders two versions X.Y.Z numerically (any number of parts, missing parts are 0, no overflow).
 * Returns -1, 0 or 1; 2 when either is not dot-separated digits. */
int rp_history_version_compare(const char *a, const char *b);

#endif
