/* rp_tail.c: what generated matchers need beyond filters: per-event strings (tolower, strcat,
 * replace_string, trim), parse kind=simple, mv-expand and the rows kept by take / sort / top.
 * Each function implements the rule of interp.c's "Tail semantics" block; the interpreter calls
 * the string, parse and mv-expand ones too (its rows keep typed values and have their own sort),
 * and the differential test (tests/scripts/differential.sh) compares the two. */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>

/* {====================================================================
 * Scratch
 * ===================================================================== */

char *rp_scratch_alloc(rp_scratch *sc, size_t n)
{
    if (sc->len + n + 1 > sc->cap) {
        /* the old block stays alive until reset: strings of this event may point into it */
        if (sc->buf) {
            if (sc->nold == sc->oldcap) {
                size_t cap = sc->oldcap ? sc->oldcap * 2 : 8;
                char **o = realloc(sc->old, cap * sizeof *o);
                if (!o) {
                    sc->oom = true;
                    return NULL;
                }
                sc->old = o;
                sc->oldcap = cap;
            }
            sc->old[sc->nold++] = sc->buf;
            sc->buf = NULL;
        }
        size_t cap = sc->cap ? sc->cap * 2 : 4096;
        while (cap < n + 1) cap *= 2;
        sc->buf = malloc(cap);
        if (!sc->buf) {
            sc->cap = sc->len = 0;
            sc->oom = true;
            return NULL;
        }
        sc->cap = cap;
        sc->len = 0;
    }
    char *p = sc->buf + sc->len;
    sc->len += n + 1;
    return p;
}

void rp_scratch_reset(rp_scratch *sc)
{
    for (size_t i = 0; i < sc->nold; i++) free(sc->old[i]);
    sc->nold = 0;
    sc->len = 0;
}

void rp_scratch_free(rp_scratch *sc)
{
    rp_scratch_reset(sc);
    free(sc->old);
    free(sc->buf);
    memset(sc, 0, sizeof *sc);
}

static const rp_str empty_str = {"", 0};

rp_str rp_str_copy(rp_scratch *sc, rp_str s)
{
    char *o = rp_scratch_alloc(sc, s.len);
    if (!o) return empty_str;
    if (s.len) memcpy(o, s.ptr, s.len);
    rp_str r = {o, s.len};
    return r;
}

rp_str rp_str_case(rp_scratch *sc, rp_str s, bool upper)
{
    char *o = rp_scratch_alloc(sc, s.len);
    if (!o) return empty_str;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (!upper) c = rp_lower(c);
        else if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
        o[i] = (char)c;
    }
    rp_str r = {o, s.len};
    return r;
}

rp_str rp_str_concat(rp_scratch *sc, const rp_str *parts, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += parts[i].len;
    char *o = rp_scratch_alloc(sc, total);
    if (!o) return empty_str;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len) memcpy(o + at, parts[i].ptr, parts[i].len);
        at += parts[i].len;
    }
    rp_str r = {o, total};
    return r;
}

rp_str rp_str_replace(rp_scratch *sc, rp_str s, rp_str from, rp_str to)
{
    if (!from.len) return s;
    rp_needle n = {from.ptr, from.ptr, from.len}; /* case-sensitive search reads `s` only */
    size_t count = 0;
    for (size_t at = 0; (at = rp_find(s.ptr, s.len, &n, RP_CS, at)) != (size_t)-1; at += from.len) count++;
    size_t total = s.len + count * to.len - count * from.len;
    char *o = rp_scratch_alloc(sc, total);
    if (!o) return empty_str;
    size_t w = 0, prev = 0;
    for (size_t at = 0; (at = rp_find(s.ptr, s.len, &n, RP_CS, at)) != (size_t)-1; at += from.len) {
        memcpy(o + w, s.ptr + prev, at - prev);
        w += at - prev;
        if (to.len) memcpy(o + w, to.ptr, to.len);
        w += to.len;
        prev = at + from.len;
    }
    if (s.len > prev) memcpy(o + w, s.ptr + prev, s.len - prev);
    rp_str r = {o, total};
    return r;
}

rp_needle rp_needle_scratch(rp_scratch *sc, rp_str s)
{
    rp_needle n = {"", "", 0};
    char *lower = rp_scratch_alloc(sc, s.len);
    if (!lower) return n;
    rp_needle_make(&n, s.ptr, s.len, lower);
    return n;
}

rp_str rp_trim_regex(const rp_regex *start, const rp_regex *end, rp_str s)
{
    rp_str m;
    if (start && rp_regex_group(start, s, 0, &m)) {
        size_t cut = (size_t)(m.ptr - s.ptr) + m.len;
        s.ptr += cut;
        s.len -= cut;
    }
    if (end && rp_regex_group(end, s, 0, &m)) s.len = (size_t)(m.ptr - s.ptr);
    return s;
}

/* {====================================================================
 * parse kind=simple
 * ===================================================================== */

static bool is_guid_text(rp_str s)
{
    if (s.len != 36) return false;
    for (size_t i = 0; i < 36; i++) {
        char c = s.ptr[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

static bool capture(rp_str s, rp_kind kind, rp_val *out)
{
    memset(out, 0, sizeof *out);
    out->s = empty_str;
    switch (kind) {
    case RP_K_LONG: return rp_long_parse(s.ptr, s.len, &out->i);
    case RP_K_REAL: return rp_real_parse(s.ptr, s.len, &out->r);
    case RP_K_DATETIME: return rp_datetime_parse(s.ptr, s.len, &out->i);
    case RP_K_TIMESPAN: return rp_timespan_parse(s.ptr, s.len, &out->i);
    case RP_K_BOOL: return rp_bool_parse(s.ptr, s.len, &out->i);
    case RP_K_GUID:
        if (!is_guid_text(s)) return false;
        out->s = s;
        return true;
    default: out->s = s; return true;
    }
}

bool rp_parse_simple(const rp_parse_piece *pieces, size_t n, rp_str s, rp_val *out)
{
    size_t pos = 0, pending = (size_t)-1, pend_start = 0;
    for (size_t i = 0; i < n; i++) {
        const rp_parse_piece *p = &pieces[i];
        if (p->text) {
            size_t at;
            if (pending == (size_t)-1) {
                at = pos;
                if (s.len - pos < p->len || (p->len && memcmp(s.ptr + pos, p->text, p->len) != 0)) return false;
            } else if (p->len == 0) {
                at = pos;
            } else {
                rp_needle k = {p->text, p->text, p->len};
                at = rp_find(s.ptr, s.len, &k, RP_CS, pos);
                if (at == (size_t)-1) return false;
            }
            if (pending != (size_t)-1) {
                const rp_parse_piece *c = &pieces[pending];
                rp_str t = {s.ptr + pend_start, at - pend_start};
                if (c->named && !capture(t, c->kind, &out[pending])) return false;
                pending = (size_t)-1;
            }
            pos = at + p->len;
        } else {
            if (pending != (size_t)-1) {
                /* two captures in a row: the first is non-greedy, so empty */
                const rp_parse_piece *c = &pieces[pending];
                rp_str t = {s.ptr + pos, 0};
                if (c->named && !capture(t, c->kind, &out[pending])) return false;
            }
            pending = i;
            pend_start = pos;
        }
    }
    if (pending != (size_t)-1) {
        const rp_parse_piece *c = &pieces[pending];
        rp_str t = {s.ptr + pend_start, s.len - pend_start};
        if (c->named && !capture(t, c->kind, &out[pending])) return false;
    }
    return true;
}

/* {====================================================================
 * mv-expand
 * ===================================================================== */

static size_t json_ws(rp_str s, size_t i)
{
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == '\n' || s.ptr[i] == '\r')) i++;
    return i;
}

static const rp_val dyn_null = {{"", 0}, 0, 0.0, 1, 0};

/* One element from x->i: false at the end (or on malformed text). Sets the element's byte
 * ranges: [b, e) for an array element; key [b, e) and value [vb, ve) for an object member. */
static bool step(rp_expand *x, size_t *b, size_t *e, size_t *vb, size_t *ve)
{
    rp_str s = x->s;
    size_t i = x->i;
    if (i >= s.len || s.ptr[i] == (x->open == '[' ? ']' : '}')) return false;
    *b = i;
    *e = rp_json_skip(s, i);
    if (*e <= *b) return false;
    size_t end = *e;
    if (x->open == '{') {
        i = json_ws(s, *e);
        if (i >= s.len || s.ptr[i] != ':') return false;
        i = json_ws(s, i + 1);
        *vb = i;
        *ve = rp_json_skip(s, i);
        if (*ve <= *vb) return false;
        end = *ve;
    }
    i = json_ws(s, end);
    if (i < s.len && s.ptr[i] == ',') i = json_ws(s, i + 1);
    x->i = i;
    return true;
}

size_t rp_expand_begin(rp_expand *x, const rp_val *v, rp_kind kind)
{
    memset(x, 0, sizeof *x);
    x->single = *v;
    rp_str s = v->s;
    size_t i = kind == RP_K_DYNAMIC && !v->null ? json_ws(s, 0) : s.len;
    if (kind != RP_K_DYNAMIC || v->null || i >= s.len ||
        (s.len - i >= 4 && memcmp(s.ptr + i, "null", 4) == 0 && json_ws(s, i + 4) == s.len)) {
        if (kind == RP_K_DYNAMIC) x->single = dyn_null;
        return 1;
    }
    char open = s.ptr[i];
    if (open != '[' && open != '{') return 1;
    x->s = s;
    x->open = open;
    x->i = json_ws(s, i + 1);
    rp_expand probe = *x;
    size_t n = 0, b, e, vb, ve;
    while (step(&probe, &b, &e, &vb, &ve)) n++;
    return n;
}

rp_val rp_expand_next(rp_expand *x, rp_scratch *sc)
{
    if (!x->open) return x->single;
    size_t b, e, vb = 0, ve = 0;
    if (!step(x, &b, &e, &vb, &ve)) return dyn_null;
    rp_val el = dyn_null;
    if (x->open == '{') {
        size_t len = 1 + (e - b) + 1 + (ve - vb) + 1;
        char *p = rp_scratch_alloc(sc, len);
        if (!p) return dyn_null;
        p[0] = '{';
        memcpy(p + 1, x->s.ptr + b, e - b);
        p[1 + e - b] = ':';
        memcpy(p + 2 + e - b, x->s.ptr + vb, ve - vb);
        p[len - 1] = '}';
        el.null = 0;
        el.s.ptr = p;
        el.s.len = len;
    } else if (!(e - b == 4 && memcmp(x->s.ptr + b, "null", 4) == 0)) {
        el.null = 0;
        el.s.ptr = x->s.ptr + b;
        el.s.len = e - b;
    }
    return el;
}

/* {====================================================================
 * Rows: take, sort, top
 * ===================================================================== */

static bool is_text_kind(rp_kind k) { return k == RP_K_STRING || k == RP_K_GUID || k == RP_K_DYNAMIC; }

static bool nullish(const rp_val *v, rp_kind k)
{
    return !is_text_kind(k) && (v->null || (k == RP_K_REAL && v->r != v->r));
}

static int order_cmp(const rp_val *a, const rp_val *b, rp_kind k)
{
    if (k == RP_K_REAL) return a->r < b->r ? -1 : a->r > b->r;
    if (is_text_kind(k)) {
        size_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
        int c = n ? memcmp(a->s.ptr, b->s.ptr, n) : 0;
        if (c) return c < 0 ? -1 : 1;
        return a->s.len < b->s.len ? -1 : a->s.len > b->s.len;
    }
    return a->i < b->i ? -1 : a->i > b->i;
}

/* <0 when row a is output before row b. */
static int row_cmp(const rp_rows *r, const rp_val *ka, uint64_t sa, const rp_val *kb, uint64_t sb)
{
    for (size_t k = 0; k < r->nkeys; k++) {
        const rp_sortkey *key = &r->keys[k];
        int xn = nullish(&ka[k], key->kind), yn = nullish(&kb[k], key->kind), c;
        if (xn || yn) {
            if (xn && yn) continue;
            c = xn ? -1 : 1;
            return key->nulls_first ? c : -c;
        }
        c = order_cmp(&ka[k], &kb[k], key->kind);
        if (c) return key->desc ? -c : c;
    }
    return sa < sb ? -1 : sa > sb;
}

static int rcmp(const rp_rows *r, const rp_row *a, const rp_row *b)
{
    return row_cmp(r, a->v + r->nslots, a->seq, b->v + r->nslots, b->seq);
}

void rp_rows_init(rp_rows *r, int mode, int64_t limit, size_t nslots, const rp_sortkey *keys, size_t nkeys)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    r->limit = limit;
    r->nslots = nslots;
    r->keys = keys;
    r->nkeys = nkeys;
}

/* One block: the values, then their text, then the line. */
static bool row_make(rp_rows *r, const rp_val *slots, const rp_val *keys, rp_str line, uint64_t seq, rp_row *out)
{
    size_t nv = r->nslots + r->nkeys, bytes = nv * sizeof(rp_val) + line.len + 1;
    for (size_t i = 0; i < r->nslots; i++) bytes += slots[i].s.len;
    for (size_t i = 0; i < r->nkeys; i++) bytes += keys[i].s.len;
    char *mem = malloc(bytes);
    if (!mem) return false;
    rp_val *v = (rp_val *)(void *)mem;
    if (r->nslots) memcpy(v, slots, r->nslots * sizeof *v);
    if (r->nkeys) memcpy(v + r->nslots, keys, r->nkeys * sizeof *v);
    char *p = mem + nv * sizeof(rp_val);
    for (size_t i = 0; i < nv; i++) {
        if (v[i].s.len) memcpy(p, v[i].s.ptr, v[i].s.len);
        v[i].s.ptr = p;
        v[i].bad = 0;
        p += v[i].s.len;
    }
    if (line.len) memcpy(p, line.ptr, line.len);
    out->v = v;
    out->line.ptr = p;
    out->line.len = line.len;
    out->seq = seq;
    return true;
}

static void swap_rows(rp_row *a, rp_row *b)
{
    rp_row t = *a;
    *a = *b;
    *b = t;
}

/* TOP's heap: the root is the row output last among those kept. */
static void heap_up(const rp_rows *r, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (rcmp(r, &r->rows[p], &r->rows[i]) >= 0) break;
        swap_rows(&r->rows[p], &r->rows[i]);
        i = p;
    }
}

static void heap_down(const rp_rows *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, c = l + 1, m = i;
        if (l < r->n && rcmp(r, &r->rows[l], &r->rows[m]) > 0) m = l;
        if (c < r->n && rcmp(r, &r->rows[c], &r->rows[m]) > 0) m = c;
        if (m == i) return;
        swap_rows(&r->rows[m], &r->rows[i]);
        i = m;
    }
}

void rp_rows_add(rp_rows *r, const rp_val *slots, const rp_val *keys, rp_str line)
{
    uint64_t seq = r->seq++;
    if (r->mode != RP_ROWS_SORT && (r->limit <= 0 || (r->mode == RP_ROWS_TAKE && (int64_t)r->n >= r->limit))) return;
    rp_row row;
    if (r->mode == RP_ROWS_TOP && (int64_t)r->n >= r->limit) {
        if (row_cmp(r, keys, seq, r->rows[0].v + r->nslots, r->rows[0].seq) >= 0) return;
        if (!row_make(r, slots, keys, line, seq, &row)) {
            r->oom = true;
            return;
        }
        free(r->rows[0].v);
        r->rows[0] = row;
        heap_down(r, 0);
        return;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        rp_row *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows) {
            r->oom = true;
            return;
        }
        r->rows = rows;
        r->cap = cap;
    }
    if (!row_make(r, slots, keys, line, seq, &row)) {
        r->oom = true;
        return;
    }
    r->rows[r->n++] = row;
    if (r->mode == RP_ROWS_TOP) heap_up(r, r->n - 1);
}

/* Stable merge sort (row_cmp is total through seq anyway). */
void rp_rows_sort(rp_rows *r)
{
    if (r->mode == RP_ROWS_TAKE || r->n < 2) return;
    rp_row *tmp = malloc(r->n * sizeof *tmp);
    if (!tmp) {
        r->oom = true;
        return;
    }
    size_t n = r->n;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) tmp[o++] = rcmp(r, &r->rows[j], &r->rows[i]) < 0 ? r->rows[j++] : r->rows[i++];
            while (i < mid) tmp[o++] = r->rows[i++];
            while (j < hi) tmp[o++] = r->rows[j++];
        }
        memcpy(r->rows, tmp, n * sizeof *tmp);
    }
    free(tmp);
}

void rp_rows_clear(rp_rows *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->rows[i].v);
    r->n = 0;
}

void rp_rows_free(rp_rows *r)
{
    rp_rows_clear(r);
    free(r->rows);
    r->rows = NULL;
    r->cap = 0;
}
