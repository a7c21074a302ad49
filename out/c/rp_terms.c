/* rp_terms.c: the pack-wide term index (see rp_runtime.h "term index"). A term of a value is a
 * maximal run of term characters (rp_is_term); `has` with an all-term needle holds exactly when
 * some term equals the needle, ASCII case-insensitively (KQL-SEMANTICS.md §2.2), which is what
 * one hash lookup per term decides. */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_lower(const char *s, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++) {
        h ^= rp_lower((unsigned char)s[i]);
        h *= UINT64_C(1099511628211);
    }
    return h ^ (h >> 29);
}

bool rp_termset_init(rp_termset *t, const rp_str *terms, const uint32_t *atoms, size_t n)
{
    memset(t, 0, sizeof *t);
    size_t cap = 16;
    while (cap < n * 2 + 2) cap *= 2;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) return false;
    t->mask = cap - 1;
    t->terms = terms;
    t->atoms = atoms;
    t->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t at = (size_t)hash_lower(terms[i].ptr, terms[i].len) & t->mask;
        while (t->slots[at]) at = (at + 1) & t->mask;
        t->slots[at] = (uint32_t)(i + 1);
        t->lenmask |= UINT64_C(1) << (terms[i].len & 63);
    }
    return true;
}

/* Is the term s[0..len) equal to `lower` (already folded), folding s? */
static bool eq_fold(const char *s, const char *lower, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (rp_lower((unsigned char)s[i]) != (unsigned char)lower[i]) return false;
    return true;
}

void rp_termset_scan(const rp_termset *t, rp_str h, uint64_t *bits)
{
    const unsigned char *u = (const unsigned char *)h.ptr;
    size_t i = 0, n = h.len;
    while (i < n) {
        while (i < n && !rp_term_table[u[i]]) i++;
        size_t b = i;
        while (i < n && rp_term_table[u[i]]) i++;
        size_t len = i - b;
        if (!len || !((t->lenmask >> (len & 63)) & 1)) continue;
        size_t at = (size_t)hash_lower(h.ptr + b, len) & t->mask;
        for (uint32_t e; (e = t->slots[at]) != 0; at = (at + 1) & t->mask) {
            const rp_str *k = &t->terms[e - 1];
            if (k->len == len && eq_fold(h.ptr + b, k->ptr, len)) {
                uint32_t a = t->atoms[e - 1];
                bits[a / 64] |= UINT64_C(1) << (a % 64);
            }
        }
    }
}

void rp_termset_free(rp_termset *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
