/* rp_str.c: KQL string operators (KQL-SEMANTICS.md §2-§4) over byte strings: equality, substring,
 * prefix/suffix, the has family (terms = maximal runs of term characters, phrase rule for needles
 * with separators), in sets, has_any/has_all. ASCII case folding; no allocation. */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>

#define T1 1
/* Term characters: ASCII letters and digits, and bytes >= 0x80 (see rp_runtime.h). */
const unsigned char rp_term_table[256] = {
    ['0'] = T1, ['1'] = T1, ['2'] = T1, ['3'] = T1, ['4'] = T1, ['5'] = T1, ['6'] = T1, ['7'] = T1, ['8'] = T1,
    ['9'] = T1, ['A'] = T1, ['B'] = T1, ['C'] = T1, ['D'] = T1, ['E'] = T1, ['F'] = T1, ['G'] = T1, ['H'] = T1,
    ['I'] = T1, ['J'] = T1, ['K'] = T1, ['L'] = T1, ['M'] = T1, ['N'] = T1, ['O'] = T1, ['P'] = T1, ['Q'] = T1,
    ['R'] = T1, ['S'] = T1, ['T'] = T1, ['U'] = T1, ['V'] = T1, ['W'] = T1, ['X'] = T1, ['Y'] = T1, ['Z'] = T1,
    ['a'] = T1, ['b'] = T1, ['c'] = T1, ['d'] = T1, ['e'] = T1, ['f'] = T1, ['g'] = T1, ['h'] = T1, ['i'] = T1,
    ['j'] = T1, ['k'] = T1, ['l'] = T1, ['m'] = T1, ['n'] = T1, ['o'] = T1, ['p'] = T1, ['q'] = T1, ['r'] = T1,
    ['s'] = T1, ['t'] = T1, ['u'] = T1, ['v'] = T1, ['w'] = T1, ['x'] = T1, ['y'] = T1, ['z'] = T1,
    [0x80] = T1, [0x81] = T1, [0x82] = T1, [0x83] = T1, [0x84] = T1, [0x85] = T1, [0x86] = T1, [0x87] = T1,
    [0x88] = T1, [0x89] = T1, [0x8a] = T1, [0x8b] = T1, [0x8c] = T1, [0x8d] = T1, [0x8e] = T1, [0x8f] = T1,
    [0x90] = T1, [0x91] = T1, [0x92] = T1, [0x93] = T1, [0x94] = T1, [0x95] = T1, [0x96] = T1, [0x97] = T1,
    [0x98] = T1, [0x99] = T1, [0x9a] = T1, [0x9b] = T1, [0x9c] = T1, [0x9d] = T1, [0x9e] = T1, [0x9f] = T1,
    [0xa0] = T1, [0xa1] = T1, [0xa2] = T1, [0xa3] = T1, [0xa4] = T1, [0xa5] = T1, [0xa6] = T1, [0xa7] = T1,
    [0xa8] = T1, [0xa9] = T1, [0xaa] = T1, [0xab] = T1, [0xac] = T1, [0xad] = T1, [0xae] = T1, [0xaf] = T1,
    [0xb0] = T1, [0xb1] = T1, [0xb2] = T1, [0xb3] = T1, [0xb4] = T1, [0xb5] = T1, [0xb6] = T1, [0xb7] = T1,
    [0xb8] = T1, [0xb9] = T1, [0xba] = T1, [0xbb] = T1, [0xbc] = T1, [0xbd] = T1, [0xbe] = T1, [0xbf] = T1,
    [0xc0] = T1, [0xc1] = T1, [0xc2] = T1, [0xc3] = T1, [0xc4] = T1, [0xc5] = T1, [0xc6] = T1, [0xc7] = T1,
    [0xc8] = T1, [0xc9] = T1, [0xca] = T1, [0xcb] = T1, [0xcc] = T1, [0xcd] = T1, [0xce] = T1, [0xcf] = T1,
    [0xd0] = T1, [0xd1] = T1, [0xd2] = T1, [0xd3] = T1, [0xd4] = T1, [0xd5] = T1, [0xd6] = T1, [0xd7] = T1,
    [0xd8] = T1, [0xd9] = T1, [0xda] = T1, [0xdb] = T1, [0xdc] = T1, [0xdd] = T1, [0xde] = T1, [0xdf] = T1,
    [0xe0] = T1, [0xe1] = T1, [0xe2] = T1, [0xe3] = T1, [0xe4] = T1, [0xe5] = T1, [0xe6] = T1, [0xe7] = T1,
    [0xe8] = T1, [0xe9] = T1, [0xea] = T1, [0xeb] = T1, [0xec] = T1, [0xed] = T1, [0xee] = T1, [0xef] = T1,
    [0xf0] = T1, [0xf1] = T1, [0xf2] = T1, [0xf3] = T1, [0xf4] = T1, [0xf5] = T1, [0xf6] = T1, [0xf7] = T1,
    [0xf8] = T1, [0xf9] = T1, [0xfa] = T1, [0xfb] = T1, [0xfc] = T1, [0xfd] = T1, [0xfe] = T1, [0xff] = T1,
};

rp_str rp_str_c(const char *s)
{
    rp_str r = {s ? s : "", s ? strlen(s) : 0};
    return r;
}

void rp_needle_make(rp_needle *n, const char *s, size_t len, char *lower_buf)
{
    for (size_t i = 0; i < len; i++) lower_buf[i] = (char)rp_lower((unsigned char)s[i]);
    n->s = s;
    n->lower = lower_buf;
    n->len = len;
}

unsigned rp_needle_flags(const char *s, size_t len)
{
    unsigned f = 0;
    if (len == 0) f |= RP_NF_EMPTY | RP_NF_NO_PREFILTER;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) f |= RP_NF_NONASCII;
        if (!rp_is_term(c)) f |= RP_NF_PHRASE;
        if (c < 0x20 || c == '"' || c == '\\' || c == '/') f |= RP_NF_NO_PREFILTER;
    }
    return f;
}

/* Compares n bytes of h with the folded needle `lower`. */
static bool eq_ci(const char *h, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rp_lower((unsigned char)h[i]) != (unsigned char)lower[i]) return false;
    return true;
}

bool rp_eq(rp_str h, const rp_needle *n, rp_case cs)
{
    if (h.len != n->len) return false;
    return cs == RP_CI ? eq_ci(h.ptr, n->lower, n->len) : memcmp(h.ptr, n->s, n->len) == 0;
}

size_t rp_find(const char *h, size_t hlen, const rp_needle *n, rp_case cs, size_t from)
{
    size_t m = n->len;
    if (m == 0) return from <= hlen ? from : (size_t)-1;
    if (hlen < m || from > hlen - m) return (size_t)-1;
    size_t last = hlen - m; /* last possible start */
    if (cs == RP_CS) {
        unsigned char c0 = (unsigned char)n->s[0];
        const char *p = h + from;
        while (p <= h + last) {
            p = memchr(p, c0, (size_t)(h + last - p) + 1);
            if (!p) return (size_t)-1;
            if (memcmp(p + 1, n->s + 1, m - 1) == 0) return (size_t)(p - h);
            p++;
        }
        return (size_t)-1;
    }
    unsigned char l0 = (unsigned char)n->lower[0];
    unsigned char u0 = (l0 >= 'a' && l0 <= 'z') ? (unsigned char)(l0 - 32) : l0;
    for (size_t i = from; i <= last; i++) {
        unsigned char c = (unsigned char)h[i];
        if ((c == l0 || c == u0) && eq_ci(h + i + 1, n->lower + 1, m - 1)) return i;
    }
    return (size_t)-1;
}

bool rp_contains(rp_str h, const rp_needle *n, rp_case cs) { return rp_find(h.ptr, h.len, n, cs, 0) != (size_t)-1; }

bool rp_startswith(rp_str h, const rp_needle *n, rp_case cs)
{
    if (h.len < n->len) return false;
    return cs == RP_CI ? eq_ci(h.ptr, n->lower, n->len) : memcmp(h.ptr, n->s, n->len) == 0;
}

bool rp_endswith(rp_str h, const rp_needle *n, rp_case cs)
{
    if (h.len < n->len) return false;
    const char *p = h.ptr + h.len - n->len;
    return cs == RP_CI ? eq_ci(p, n->lower, n->len) : memcmp(p, n->s, n->len) == 0;
}

/* The has family as one scan: occurrences of the needle whose start is a term start (when
 * need_start and the needle starts with a term char) and whose end is a term end (when need_end
 * and the needle ends with a term char). For all-term needles this is "some term equals /
 * starts with / ends with N" (§2.2); otherwise it is the phrase rule (§2.3). */
static bool has_scan(rp_str h, const rp_needle *n, rp_case cs, bool need_start, bool need_end)
{
    if (n->len == 0) return true; /* rejected at compile time; defined for totality */
    const unsigned char *u = (const unsigned char *)h.ptr;
    bool start_term = need_start && rp_is_term((unsigned char)n->s[0]);
    bool end_term = need_end && rp_is_term((unsigned char)n->s[n->len - 1]);
    size_t at = 0;
    for (;;) {
        size_t i = rp_find(h.ptr, h.len, n, cs, at);
        if (i == (size_t)-1) return false;
        size_t e = i + n->len;
        bool ok = (!start_term || i == 0 || !rp_is_term(u[i - 1])) && (!end_term || e == h.len || !rp_is_term(u[e]));
        if (ok) return true;
        at = i + 1;
        /* Skip to the next term start when the needle must start one: no match inside this run. */
        if (start_term)
            while (at < h.len && rp_is_term(u[at]) && rp_is_term(u[at - 1])) at++;
    }
}

bool rp_has(rp_str h, const rp_needle *n, rp_case cs) { return has_scan(h, n, cs, true, true); }
bool rp_hasprefix(rp_str h, const rp_needle *n, rp_case cs) { return has_scan(h, n, cs, true, false); }
bool rp_hassuffix(rp_str h, const rp_needle *n, rp_case cs) { return has_scan(h, n, cs, false, true); }

int rp_strset_cmp(rp_str a, rp_str b)
{
    if (a.len != b.len) return a.len < b.len ? -1 : 1;
    return a.len ? memcmp(a.ptr, b.ptr, a.len) : 0;
}

static int strset_qcmp(const void *a, const void *b) { return rp_strset_cmp(*(const rp_str *)a, *(const rp_str *)b); }

void rp_strset_sort(rp_str *items, size_t count)
{
    if (count > 1) qsort(items, count, sizeof *items, strset_qcmp);
}

/* Same order as rp_strset_cmp, with h folded on the fly (items of a ci set are lowered). */
static int cmp_folded(rp_str h, rp_str item)
{
    if (h.len != item.len) return h.len < item.len ? -1 : 1;
    for (size_t i = 0; i < h.len; i++) {
        unsigned char a = rp_lower((unsigned char)h.ptr[i]), b = (unsigned char)item.ptr[i];
        if (a != b) return a < b ? -1 : 1;
    }
    return 0;
}

static bool set_lookup(rp_str h, const rp_str *items, size_t count, rp_case cs)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cs == RP_CI ? cmp_folded(h, items[mid]) : rp_strset_cmp(h, items[mid]);
        if (c == 0) return true;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return false;
}

bool rp_in(rp_str h, const rp_strset *set) { return set_lookup(h, set->items, set->count, set->cs); }

rp_tv rp_in_i(const rp_val *v, const rp_longset *set)
{
    if (v->null) return RP_F;
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->items[mid] == v->i) return RP_T;
        if (v->i < set->items[mid]) hi = mid;
        else lo = mid + 1;
    }
    return RP_F;
}

bool rp_has_any(rp_str h, const rp_hasany *set)
{
    if (set->nterms) {
        const unsigned char *u = (const unsigned char *)h.ptr;
        size_t i = 0;
        while (i < h.len) {
            while (i < h.len && !rp_is_term(u[i])) i++;
            size_t s = i;
            while (i < h.len && rp_is_term(u[i])) i++;
            if (i > s) {
                rp_str t = {h.ptr + s, i - s};
                if (set_lookup(t, set->terms, set->nterms, RP_CI)) return true;
            }
        }
    }
    for (size_t k = 0; k < set->nphrases; k++)
        if (rp_has(h, &set->phrases[k], RP_CI)) return true;
    return false;
}

bool rp_has_all(rp_str h, const rp_needle *needles, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (!rp_has(h, &needles[k], RP_CI)) return false;
    return true;
}
