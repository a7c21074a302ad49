/* suggest.h: "did you mean" for misspelled keys, tables, columns, fields and functions. */
#ifndef RP_SUGGEST_H
#define RP_SUGGEST_H

#include <stddef.h>

/* Optimal string alignment distance (adjacent transpositions count 1), ASCII case-insensitive
 * when fold_case. Stops counting above `limit` and returns limit + 1. */
size_t rp_edit_distance(const char *a, const char *b, int fold_case, size_t limit);

/* Tracks the best candidate seen so far. */
typedef struct rp_suggest {
    const char *word;      /* what the user wrote */
    const char *best;      /* best candidate, or NULL */
    size_t best_distance;
} rp_suggest;

void rp_suggest_init(rp_suggest *suggest, const char *word);
void rp_suggest_consider(rp_suggest *suggest, const char *candidate);
/* The best candidate when close enough to be a likely typo (distance at most a third of the
 * word's length, at least 1; or equal ignoring case), else NULL. */
const char *rp_suggest_result(const rp_suggest *suggest);

#endif
