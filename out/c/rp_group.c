/* rp_group.c: summarize support: a group table keyed by the `by` values (strings copied, since
 * line buffers are reused), with per-group aggregate states. Memory grows with the number of
 * groups and distinct set members only. Output in first-seen group order (deterministic). */
#include "rp_runtime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_SIZE ((size_t)1048576)

/* A distinct-value set (dcount, make_set) or list (make_list): items in insertion order plus an
 * index for the set case. */
typedef struct vset {
    rp_val *items;
    uint64_t *hashes;
    size_t count, cap;
    uint32_t *index; /* 1-based item numbers, 0 = empty */
    size_t mask;
} vset;

typedef struct agg_state {
    int64_t n;
    int64_t isum;
    double rsum;
    bool has;
    rp_val best;
    rp_val *extra;
    vset set;
} agg_state;

struct rp_group {
    rp_group *hnext, *onext;
    uint64_t hash;
    uint8_t *key;
    size_t keylen;
    rp_val *keys;
    agg_state *aggs;
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++) h = (h ^ u[i]) * 1099511628211u;
    return h;
}

static bool is_text(rp_kind k) { return k == RP_K_STRING || k == RP_K_GUID || k == RP_K_DYNAMIC || k == RP_K_ABSENT; }

/* Copies a value, owning its text. */
static bool own(rp_val *dst, const rp_val *src)
{
    *dst = *src;
    if (src->s.len) {
        char *p = malloc(src->s.len);
        if (!p) return false;
        memcpy(p, src->s.ptr, src->s.len);
        dst->s.ptr = p;
    } else dst->s.ptr = "";
    return true;
}

static void disown(rp_val *v)
{
    if (v->s.len) free((void *)v->s.ptr);
    v->s.ptr = "";
    v->s.len = 0;
}

static uint64_t val_hash(const rp_val *v, rp_kind k)
{
    uint64_t h = 1469598103934665603u;
    if (v->null && !is_text(k)) return h;
    if (is_text(k)) return hash_bytes(v->s.ptr, v->s.len, h);
    if (k == RP_K_REAL) {
        double r = v->r == 0 ? 0 : v->r;
        return hash_bytes(&r, sizeof r, h);
    }
    return hash_bytes(&v->i, sizeof v->i, h);
}

static bool val_eq(const rp_val *a, const rp_val *b, rp_kind k)
{
    if (is_text(k)) return a->s.len == b->s.len && memcmp(a->s.ptr, b->s.ptr, a->s.len) == 0;
    if (a->null || b->null) return a->null && b->null;
    if (k == RP_K_REAL) return a->r == b->r || (isnan(a->r) && isnan(b->r));
    return a->i == b->i;
}

/* <0, 0, >0 ; only for non-null values */
static int val_cmp(const rp_val *a, const rp_val *b, rp_kind k)
{
    if (is_text(k)) {
        size_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
        int c = n ? memcmp(a->s.ptr, b->s.ptr, n) : 0;
        return c ? c : (a->s.len < b->s.len ? -1 : a->s.len > b->s.len);
    }
    if (k == RP_K_REAL) return a->r < b->r ? -1 : a->r > b->r;
    return a->i < b->i ? -1 : a->i > b->i;
}

static bool vset_add(vset *s, const rp_val *v, rp_kind k, bool distinct, size_t max)
{
    uint64_t h = val_hash(v, k);
    if (distinct && s->index) {
        for (size_t i = (size_t)h & s->mask; s->index[i]; i = (i + 1) & s->mask) {
            size_t it = s->index[i] - 1;
            if (s->hashes[it] == h && val_eq(&s->items[it], v, k)) return true;
        }
    }
    if (s->count >= max) return true; /* capped: later values are dropped (Kusto: unspecified) */
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        rp_val *items = realloc(s->items, cap * sizeof *items);
        if (!items) return false;
        s->items = items;
        uint64_t *hs = realloc(s->hashes, cap * sizeof *hs);
        if (!hs) return false;
        s->hashes = hs;
        s->cap = cap;
    }
    if (!own(&s->items[s->count], v)) return false;
    s->hashes[s->count] = h;
    s->count++;
    if (!distinct) return true;
    if (s->count * 2 > s->mask) {
        size_t size = s->mask ? (s->mask + 1) * 2 : 16;
        uint32_t *idx = calloc(size, sizeof *idx);
        if (!idx) return false;
        free(s->index);
        s->index = idx;
        s->mask = size - 1;
        for (size_t it = 0; it < s->count; it++) {
            size_t i = (size_t)s->hashes[it] & s->mask;
            while (idx[i]) i = (i + 1) & s->mask;
            idx[i] = (uint32_t)(it + 1);
        }
    } else {
        size_t i = (size_t)h & s->mask;
        while (s->index[i]) i = (i + 1) & s->mask;
        s->index[i] = (uint32_t)s->count;
    }
    return true;
}

static void vset_free(vset *s)
{
    for (size_t i = 0; i < s->count; i++) disown(&s->items[i]);
    free(s->items);
    free(s->hashes);
    free(s->index);
}

bool rp_groups_init(rp_groups *g, const rp_kind *key_kinds, size_t nkeys, const rp_agg_spec *aggs, size_t naggs)
{
    memset(g, 0, sizeof *g);
    g->key_kinds = key_kinds;
    g->nkeys = nkeys;
    g->aggs = aggs;
    g->naggs = naggs;
    g->mask = 63;
    g->slots = calloc(g->mask + 1, sizeof *g->slots);
    return g->slots != NULL;
}

static void group_free(const rp_groups *g, rp_group *gr)
{
    for (size_t k = 0; k < g->nkeys; k++) disown(&gr->keys[k]);
    for (size_t a = 0; a < g->naggs; a++) {
        agg_state *st = &gr->aggs[a];
        disown(&st->best);
        if (st->extra) {
            for (size_t e = 0; e < g->aggs[a].nextra; e++) disown(&st->extra[e]);
            free(st->extra);
        }
        vset_free(&st->set);
    }
    free(gr->keys);
    free(gr->aggs);
    free(gr->key);
    free(gr);
}

void rp_groups_free(rp_groups *g)
{
    rp_group *gr = g->first;
    while (gr) {
        rp_group *n = gr->onext;
        group_free(g, gr);
        gr = n;
    }
    free(g->slots);
    free(g->keybuf);
    memset(g, 0, sizeof *g);
}

/* Serializes the key tuple into g->keybuf; returns its length. */
static size_t key_bytes(rp_groups *g, const rp_val *keys)
{
    size_t need = 0;
    for (size_t k = 0; k < g->nkeys; k++) need += 10 + (is_text(g->key_kinds[k]) ? keys[k].s.len : 8);
    if (need > g->keycap) {
        uint8_t *b = realloc(g->keybuf, need);
        if (!b) return (size_t)-1;
        g->keybuf = b;
        g->keycap = need;
    }
    size_t o = 0;
    for (size_t k = 0; k < g->nkeys; k++) {
        rp_kind kind = g->key_kinds[k];
        const rp_val *v = &keys[k];
        if (is_text(kind)) {
            uint64_t n = v->s.len;
            memcpy(g->keybuf + o, &n, 8);
            o += 8;
            if (n) memcpy(g->keybuf + o, v->s.ptr, v->s.len);
            o += v->s.len;
        } else {
            /* null keys of a kind form one group together (KQL-SEMANTICS §10, uncertain) */
            g->keybuf[o++] = v->null ? 1 : 0;
            if (!v->null) {
                if (kind == RP_K_REAL) {
                    double r = v->r == 0 ? 0 : v->r;
                    memcpy(g->keybuf + o, &r, 8);
                } else memcpy(g->keybuf + o, &v->i, 8);
                o += 8;
            }
        }
    }
    return o;
}

static rp_group *find_or_add(rp_groups *g, const rp_val *keys)
{
    size_t len = key_bytes(g, keys);
    if (len == (size_t)-1) return NULL;
    uint64_t h = hash_bytes(g->keybuf, len, 1469598103934665603u);
    for (rp_group *gr = g->slots[h & g->mask]; gr; gr = gr->hnext)
        if (gr->hash == h && gr->keylen == len && (len == 0 || memcmp(gr->key, g->keybuf, len) == 0)) return gr;
    rp_group *gr = calloc(1, sizeof *gr);
    if (!gr) return NULL;
    gr->key = malloc(len ? len : 1);
    gr->keys = calloc(g->nkeys ? g->nkeys : 1, sizeof *gr->keys);
    gr->aggs = calloc(g->naggs ? g->naggs : 1, sizeof *gr->aggs);
    if (!gr->key || !gr->keys || !gr->aggs) goto oom;
    if (len) memcpy(gr->key, g->keybuf, len); /* no keys: keybuf may be NULL */
    gr->keylen = len;
    gr->hash = h;
    for (size_t k = 0; k < g->nkeys; k++) {
        gr->keys[k].s.ptr = "";
        if (!own(&gr->keys[k], &keys[k])) goto oom;
    }
    for (size_t a = 0; a < g->naggs; a++) {
        gr->aggs[a].best.s.ptr = "";
        if (g->aggs[a].nextra) {
            gr->aggs[a].extra = calloc(g->aggs[a].nextra, sizeof(rp_val));
            if (!gr->aggs[a].extra) goto oom;
            for (size_t e = 0; e < g->aggs[a].nextra; e++) gr->aggs[a].extra[e].s.ptr = "";
        }
    }
    gr->hnext = g->slots[h & g->mask];
    g->slots[h & g->mask] = gr;
    if (g->last) g->last->onext = gr;
    else g->first = gr;
    g->last = gr;
    g->count++;
    if (g->count > g->mask) {
        size_t size = (g->mask + 1) * 2;
        rp_group **slots = calloc(size, sizeof *slots);
        if (slots) {
            for (rp_group *x = g->first; x; x = x->onext) {
                x->hnext = slots[x->hash & (size - 1)];
                slots[x->hash & (size - 1)] = x;
            }
            free(g->slots);
            g->slots = slots;
            g->mask = size - 1;
        }
    }
    return gr;
oom:
    free(gr->key);
    free(gr->keys);
    free(gr->aggs);
    free(gr);
    return NULL;
}

static bool take(agg_state *st, const rp_agg_spec *sp, const rp_agg_in *in)
{
    disown(&st->best);
    if (!own(&st->best, in->v)) return false;
    for (size_t e = 0; e < sp->nextra; e++) {
        disown(&st->extra[e]);
        if (!own(&st->extra[e], &in->extra[e])) return false;
    }
    st->has = true;
    return true;
}

/* make_set of a dynamic array adds its elements, not the array (the make_set page's "Set from
 * array column" example); null elements are ignored like null values. */
static bool set_add_elements(vset *set, const rp_val *v, size_t max)
{
    rp_expand x;
    size_t n = rp_expand_begin(&x, v, RP_K_DYNAMIC);
    if (x.open != '[') return vset_add(set, v, RP_K_DYNAMIC, true, max);
    for (size_t i = 0; i < n; i++) {
        rp_val el = rp_expand_next(&x, NULL); /* array elements are slices: no scratch needed */
        if (!el.null && !vset_add(set, &el, RP_K_DYNAMIC, true, max)) return false;
    }
    return true;
}

bool rp_groups_feed(rp_groups *g, const rp_val *keys, const rp_agg_in *ins)
{
    rp_group *gr = find_or_add(g, keys);
    if (!gr) {
        g->oom = true;
        return false;
    }
    for (size_t a = 0; a < g->naggs; a++) {
        const rp_agg_spec *sp = &g->aggs[a];
        const rp_agg_in *in = &ins[a];
        agg_state *st = &gr->aggs[a];
        /* nulls are ignored by every aggregate but count/countif/take_any; strings have none, a
         * dynamic's is its null or the JSON null (KQL-SEMANTICS.md section 10) */
        bool null = in->v && (sp->vkind == RP_K_DYNAMIC ? rp_dyn_is_null(*in->v) : in->v->null && !is_text(sp->vkind));
        size_t max = sp->max_size ? sp->max_size : DEFAULT_MAX_SIZE;
        bool ok = true;
        switch (sp->kind) {
        case RP_AGG_COUNT: st->n++; break;
        case RP_AGG_COUNTIF: st->n += in->cond; break;
        case RP_AGG_DCOUNT:
        case RP_AGG_MAKE_SET:
            if (null) break;
            if (sp->kind == RP_AGG_MAKE_SET && sp->vkind == RP_K_DYNAMIC) ok = set_add_elements(&st->set, in->v, max);
            else ok = vset_add(&st->set, in->v, sp->vkind, true, sp->kind == RP_AGG_DCOUNT ? SIZE_MAX : max);
            break;
        case RP_AGG_MAKE_LIST:
            if (!null) ok = vset_add(&st->set, in->v, sp->vkind, false, max);
            break;
        case RP_AGG_SUM:
        case RP_AGG_AVG:
            if (!null) {
                st->n++;
                if (sp->vkind == RP_K_REAL) st->rsum += in->v->r;
                else st->isum = (int64_t)((uint64_t)st->isum + (uint64_t)in->v->i);
                st->rsum += sp->vkind == RP_K_REAL ? 0 : (double)in->v->i;
            }
            break;
        case RP_AGG_MIN:
        case RP_AGG_MAX:
        case RP_AGG_ARG_MIN:
        case RP_AGG_ARG_MAX: {
            if (null) break;
            int want = (sp->kind == RP_AGG_MIN || sp->kind == RP_AGG_ARG_MIN) ? -1 : 1;
            /* strictly better replaces: the first seen wins ties */
            if (!st->has || val_cmp(in->v, &st->best, sp->vkind) * want > 0) ok = take(st, sp, in);
            break;
        }
        case RP_AGG_ANY:
            if (!st->has) ok = take(st, sp, in);
            break;
        }
        if (!ok) {
            g->oom = true;
            return false;
        }
    }
    return true;
}

void rp_groups_iter(const rp_groups *g, rp_group_iter *it)
{
    it->cur = NULL;
    it->next = g->first;
}

bool rp_groups_next(rp_group_iter *it)
{
    it->cur = it->next;
    if (!it->cur) return false;
    it->next = it->cur->onext;
    return true;
}

static void write_items(rp_jw *w, const vset *s, rp_kind k)
{
    rp_jw_arr_begin(w);
    for (size_t i = 0; i < s->count; i++) rp_jw_val(w, &s->items[i], k);
    rp_jw_arr_end(w);
}

void rp_groups_write(const rp_groups *g, const rp_group_iter *it, rp_jw *w, const char *const *key_names,
                     const char *const *agg_names, const char *const *const *extra_names)
{
    const rp_group *gr = it->cur;
    if (!gr) return;
    for (size_t k = 0; k < g->nkeys; k++) {
        rp_jw_key(w, key_names[k]);
        rp_jw_val(w, &gr->keys[k], g->key_kinds[k]);
    }
    for (size_t a = 0; a < g->naggs; a++) {
        const rp_agg_spec *sp = &g->aggs[a];
        const agg_state *st = &gr->aggs[a];
        rp_jw_key(w, agg_names[a]);
        switch (sp->kind) {
        case RP_AGG_COUNT:
        case RP_AGG_COUNTIF: rp_jw_long(w, st->n); break;
        case RP_AGG_DCOUNT: rp_jw_long(w, (int64_t)st->set.count); break;
        case RP_AGG_MAKE_SET:
        case RP_AGG_MAKE_LIST: write_items(w, &st->set, sp->vkind); break;
        case RP_AGG_SUM:
            if (sp->vkind == RP_K_REAL) rp_jw_real(w, st->rsum);
            else rp_jw_long(w, st->isum);
            break;
        case RP_AGG_AVG:
            if (st->n) rp_jw_real(w, st->rsum / (double)st->n);
            else rp_jw_null(w);
            break;
        default:
            if (st->has) rp_jw_val(w, &st->best, sp->vkind);
            else if (is_text(sp->vkind)) rp_jw_cstr(w, "");
            else rp_jw_null(w);
            for (size_t e = 0; e < sp->nextra; e++) {
                rp_jw_key(w, extra_names && extra_names[a] ? extra_names[a][e] : "");
                if (st->has) rp_jw_val(w, &st->extra[e], sp->extra_kinds[e]);
                else if (is_text(sp->extra_kinds[e])) rp_jw_cstr(w, "");
                else rp_jw_null(w);
            }
            break;
        }
    }
}

/* {====================================================================
 * Reading groups back (tail stages after summarize; distinct)
 * ===================================================================== */

static void val_empty(rp_val *out, rp_kind k)
{
    memset(out, 0, sizeof *out);
    out->s.ptr = "";
    out->null = (unsigned char)!is_text(k);
}

rp_kind rp_groups_agg_kind(const rp_groups *g, size_t a)
{
    const rp_agg_spec *sp = &g->aggs[a];
    switch (sp->kind) {
    case RP_AGG_COUNT:
    case RP_AGG_COUNTIF:
    case RP_AGG_DCOUNT: return RP_K_LONG;
    case RP_AGG_AVG: return RP_K_REAL;
    case RP_AGG_MAKE_SET:
    case RP_AGG_MAKE_LIST: return RP_K_DYNAMIC;
    case RP_AGG_SUM: return sp->vkind == RP_K_REAL ? RP_K_REAL : RP_K_LONG;
    default: return sp->vkind;
    }
}

const rp_val *rp_groups_key(const rp_groups *g, const rp_group_iter *it, size_t k)
{
    (void)g;
    return &it->cur->keys[k];
}

void rp_groups_agg(const rp_groups *g, const rp_group_iter *it, size_t a, rp_jw *w, rp_val *out)
{
    const rp_agg_spec *sp = &g->aggs[a];
    const agg_state *st = it->cur ? &it->cur->aggs[a] : NULL;
    rp_kind k = rp_groups_agg_kind(g, a);
    val_empty(out, k);
    switch (sp->kind) {
    case RP_AGG_COUNT:
    case RP_AGG_COUNTIF:
        out->null = 0;
        out->i = st ? st->n : 0;
        break;
    case RP_AGG_DCOUNT:
        out->null = 0;
        out->i = st ? (int64_t)st->set.count : 0;
        break;
    case RP_AGG_MAKE_SET:
    case RP_AGG_MAKE_LIST: {
        static const vset none;
        rp_jw_reset(w);
        write_items(w, st ? &st->set : &none, sp->vkind);
        out->s.ptr = w->buf ? w->buf : "[]";
        out->s.len = w->buf ? w->len : 2;
        out->null = 0;
        break;
    }
    case RP_AGG_SUM:
        out->null = 0;
        if (sp->vkind == RP_K_REAL) out->r = st ? st->rsum : 0;
        else out->i = st ? st->isum : 0;
        break;
    case RP_AGG_AVG:
        if (st && st->n) {
            out->null = 0;
            out->r = st->rsum / (double)st->n;
        }
        break;
    default:
        if (st && st->has) *out = st->best;
        break;
    }
}

void rp_groups_extra(const rp_groups *g, const rp_group_iter *it, size_t a, size_t e, rp_val *out)
{
    const rp_agg_spec *sp = &g->aggs[a];
    const agg_state *st = it->cur ? &it->cur->aggs[a] : NULL;
    val_empty(out, sp->extra_kinds[e]);
    if (st && st->has) *out = st->extra[e];
}
