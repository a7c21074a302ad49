/* suggest.c: edit distance and did-you-mean (see suggest.h). */
#include "suggest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int same_char(char x, char y, int fold_case)
{
    return fold_case ? tolower((unsigned char)x) == tolower((unsigned char)y) : x == y;
}

size_t rp_edit_distance(const char *a, const char *b, int fold_case, size_t limit)
{
    size_t n = strlen(a), m = strlen(b);
    if ((n > m ? n - m : m - n) > limit) return limit + 1;
    if (n > 256 || m > 256) return limit + 1; /* names are short; keep the table small */
    size_t rows[3][257];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++) prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= m; j++) {
            size_t cost = same_char(a[i - 1], b[j - 1], fold_case) ? 0 : 1;
            size_t best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            if (prev[j - 1] + cost < best) best = prev[j - 1] + cost;
            if (i > 1 && j > 1 && same_char(a[i - 1], b[j - 2], fold_case) &&
                same_char(a[i - 2], b[j - 1], fold_case) && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
            if (best < row_min) row_min = best;
        }
        if (row_min > limit) return limit + 1;
        size_t *tmp = prev2;
        prev2 = prev;
        prev = cur;
        cur = tmp;
    }
    return prev[m] > limit ? limit + 1 : prev[m];
}

void rp_suggest_init(rp_suggest *suggest, const char *word)
{
    suggest->word = word;
    suggest->best = NULL;
    suggest->best_distance = (size_t)-1;
}

void rp_suggest_consider(rp_suggest *suggest, const char *candidate)
{
    if (!candidate || !suggest->word) return;
    size_t limit = strlen(suggest->word) / 3;
    if (limit < 1) limit = 1;
    if (limit > 4) limit = 4;
    size_t distance = strcasecmp(candidate, suggest->word) == 0 ? 0 : rp_edit_distance(suggest->word, candidate, 1, limit);
    /* Prefix relations ("relevantTechnique" vs "relevantTechniques") count as close. */
    if (distance < suggest->best_distance) {
        suggest->best_distance = distance;
        suggest->best = candidate;
    }
}

const char *rp_suggest_result(const rp_suggest *suggest)
{
    if (!suggest->best || !suggest->word) return NULL;
    size_t limit = strlen(suggest->word) / 3;
    if (limit < 1) limit = 1;
    if (limit > 4) limit = 4;
    return suggest->best_distance <= limit ? suggest->best : NULL;
}
