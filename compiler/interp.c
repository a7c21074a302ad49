/* interp.c: evaluates IR rules over events (see interp.h). Values during evaluation are `val`s:
 * a type, a null flag and the payload; strings computed per event (tolower, strcat...) live in a
 * scratch buffer reset for every event. */
#include "interp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct val {
    rp_type t;        /* STRING, BOOL, LONG, REAL, DATETIME, TIMESPAN, GUID, DYNAMIC */
    int null;         /* never set for strings */
    int64_t i;
    double r;
    rp_str s;
} val;

/* A compiled regex for one REGEX expression. */
typedef struct rx_entry {
    const rp_ir_expr *e;
    rp_regex re;
} rx_entry;

typedef struct irule {
    const rp_ir_rule *ir;
    int *src_table;         /* per source: index in layout tables */
    int **src_cols;         /* per source, per input: layout column */
    const rp_ir_stage *summarize; /* the tail, when the rule has one */
    rp_groups groups;
    rp_kind *key_kinds;
    rp_agg_spec *aggs;
    rp_kind **extra_kinds;
    const char **key_names, **agg_names;
    const char *const **extra_names;
    uint64_t *suppressed;
    const char **excl_names;
} irule;

struct rp_interp {
    int64_t now;
    FILE *alerts, *suppressed;
    irule *rules;
    size_t nrules;
    /* layout */
    const char **cols;
    size_t ncols;
    const char **tables;
    size_t ntables;
    unsigned char *kinds;
    rp_layout layout;
    rp_reader reader;
    int reader_ready;
    const char *table_opt;
    rp_stats stats;
    rp_rule_stats *rstats;
    /* per event */
    val *row;
    size_t row_cap;
    char *scratch;
    size_t scratch_len, scratch_cap;
    char **old_scratch;
    size_t nold;
    rx_entry *rx;
    size_t nrx;
    rp_jw w, w2;
    int write_error;
};

/* {====================================================================
 * Scratch memory (per event)
 * ===================================================================== */

static char *scratch_alloc(rp_interp *in, size_t n)
{
    if (in->scratch_len + n + 1 > in->scratch_cap) {
        /* keep the old block alive until the event ends: strings may point into it */
        if (in->scratch) {
            in->old_scratch = rp_xrealloc(in->old_scratch, (in->nold + 1) * sizeof *in->old_scratch);
            in->old_scratch[in->nold++] = in->scratch;
        }
        size_t cap = in->scratch_cap ? in->scratch_cap * 2 : 4096;
        while (cap < n + 1) cap *= 2;
        in->scratch = rp_xmalloc(cap);
        in->scratch_cap = cap;
        in->scratch_len = 0;
    }
    char *p = in->scratch + in->scratch_len;
    in->scratch_len += n + 1;
    return p;
}

static void scratch_reset(rp_interp *in)
{
    for (size_t i = 0; i < in->nold; i++) free(in->old_scratch[i]);
    in->nold = 0;
    in->scratch_len = 0;
}

/* {====================================================================
 * Values
 * ===================================================================== */

static val v_null(rp_type t)
{
    val v = {0};
    v.t = t;
    v.s.ptr = "";
    if (t != RP_TYPE_STRING) v.null = 1;
    return v;
}

static val v_bool_tv(rp_tv tv)
{
    val v = v_null(RP_TYPE_BOOL);
    if (tv != RP_N) {
        v.null = 0;
        v.i = tv == RP_T;
    }
    return v;
}

static val v_long(rp_type t, int64_t i)
{
    val v = v_null(t);
    v.null = 0;
    v.i = i;
    return v;
}

static val v_real(double r)
{
    val v = v_null(RP_TYPE_REAL);
    v.null = 0;
    v.r = r;
    return v;
}

static val v_str(rp_str s)
{
    val v = v_null(RP_TYPE_STRING);
    v.s = s;
    return v;
}

static rp_tv tv_of(val v) { return v.null ? RP_N : (v.i ? RP_T : RP_F); }

static rp_type norm_type(rp_type t)
{
    if (t == RP_TYPE_INT) return RP_TYPE_LONG;
    if (t == RP_TYPE_DECIMAL) return RP_TYPE_REAL;
    return t;
}

static rp_kind kind_of(rp_type t)
{
    switch (norm_type(t)) {
    case RP_TYPE_STRING: return RP_K_STRING;
    case RP_TYPE_BOOL: return RP_K_BOOL;
    case RP_TYPE_LONG: return RP_K_LONG;
    case RP_TYPE_REAL: return RP_K_REAL;
    case RP_TYPE_DATETIME: return RP_K_DATETIME;
    case RP_TYPE_TIMESPAN: return RP_K_TIMESPAN;
    case RP_TYPE_GUID: return RP_K_GUID;
    case RP_TYPE_DYNAMIC: return RP_K_DYNAMIC;
    default: return RP_K_STRING;
    }
}

static val from_rp(const rp_val *rv, rp_type t)
{
    val v = {0};
    v.t = norm_type(t);
    v.s = rv->s.ptr ? rv->s : rp_str_c("");
    v.i = rv->i;
    v.r = rv->r;
    v.null = v.t == RP_TYPE_STRING ? 0 : rv->null;
    return v;
}

static rp_val to_rp(val v)
{
    rp_val rv;
    memset(&rv, 0, sizeof rv);
    rv.s = v.s.ptr ? v.s : rp_str_c("");
    rv.i = v.i;
    rv.r = v.r;
    rv.null = (unsigned char)(v.t == RP_TYPE_STRING ? 0 : v.null);
    return rv;
}

static val from_const(const rp_ir_value *c)
{
    val v = v_null(norm_type(c->type));
    if (v.t == RP_TYPE_STRING || v.t == RP_TYPE_GUID || v.t == RP_TYPE_DYNAMIC) {
        v.s.ptr = c->s ? c->s : "";
        v.s.len = c->s ? c->len : 0;
    }
    if (c->null && v.t != RP_TYPE_STRING) return v;
    v.null = 0;
    v.i = c->i;
    v.r = c->r;
    return v;
}

static int is_num(rp_type t) { return t == RP_TYPE_LONG || t == RP_TYPE_REAL; }
static double as_real(val v) { return v.t == RP_TYPE_REAL ? v.r : (double)v.i; }

/* tostring(): KQL's text of a value (null -> ""). */
static rp_str to_text(rp_interp *in, val v)
{
    if (v.t == RP_TYPE_STRING || v.t == RP_TYPE_GUID || v.t == RP_TYPE_DYNAMIC) return v.s;
    if (v.null) return rp_str_c("");
    char *buf = scratch_alloc(in, 48);
    size_t n = 0;
    switch (v.t) {
    case RP_TYPE_BOOL: n = (size_t)snprintf(buf, 48, "%s", v.i ? "true" : "false"); break;
    case RP_TYPE_LONG: n = (size_t)snprintf(buf, 48, "%lld", (long long)v.i); break;
    case RP_TYPE_REAL: n = rp_real_format(v.r, buf); break;
    case RP_TYPE_DATETIME: n = rp_datetime_format(v.i, buf); break;
    case RP_TYPE_TIMESPAN: n = rp_timespan_format(v.i, buf); break;
    default: break;
    }
    rp_str s = {buf, n};
    return s;
}

static rp_needle needle_of(rp_interp *in, rp_str s)
{
    rp_needle n;
    char *lower = scratch_alloc(in, s.len);
    rp_needle_make(&n, s.ptr, s.len, lower);
    return n;
}

/* {====================================================================
 * Expressions
 * ===================================================================== */

static val eval(rp_interp *in, const rp_ir_expr *e);

static const rp_regex *regex_of(rp_interp *in, const rp_ir_expr *e)
{
    for (size_t i = 0; i < in->nrx; i++)
        if (in->rx[i].e == e) return &in->rx[i].re;
    return NULL;
}

/* Three-valued comparison of two values (KQL-SEMANTICS.md §5). */
static rp_tv compare(rp_ir_cmp cmp, val a, val b)
{
    int an = a.t != RP_TYPE_STRING && a.null, bn = b.t != RP_TYPE_STRING && b.null;
    if (an || bn) {
        if (cmp == RP_IR_EQ) return an && bn ? RP_N : RP_F;
        if (cmp == RP_IR_NE) return an && bn ? RP_N : RP_T;
        return RP_N;
    }
    int c;
    if (is_num(a.t) && is_num(b.t) && (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL)) {
        double x = as_real(a), y = as_real(b);
        c = x < y ? -1 : x > y ? 1 : 0;
        if (x != x || y != y) return cmp == RP_IR_NE ? RP_T : RP_F;
    } else if (a.t == RP_TYPE_STRING || a.t == RP_TYPE_GUID || a.t == RP_TYPE_DYNAMIC) {
        size_t n = a.s.len < b.s.len ? a.s.len : b.s.len;
        c = n ? memcmp(a.s.ptr, b.s.ptr, n) : 0;
        if (c == 0) c = a.s.len < b.s.len ? -1 : a.s.len > b.s.len ? 1 : 0;
    } else {
        c = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    }
    switch (cmp) {
    case RP_IR_EQ: return rp_tv_of(c == 0);
    case RP_IR_NE: return rp_tv_of(c != 0);
    case RP_IR_LT: return rp_tv_of(c < 0);
    case RP_IR_LE: return rp_tv_of(c <= 0);
    case RP_IR_GT: return rp_tv_of(c > 0);
    case RP_IR_GE: return rp_tv_of(c >= 0);
    }
    return RP_N;
}

static int str_op(rp_ir_strop sop, rp_str h, const rp_needle *n, rp_case cs)
{
    switch (sop) {
    case RP_IR_S_EQ: return rp_eq(h, n, cs);
    case RP_IR_S_CONTAINS: return rp_contains(h, n, cs);
    case RP_IR_S_STARTSWITH: return rp_startswith(h, n, cs);
    case RP_IR_S_ENDSWITH: return rp_endswith(h, n, cs);
    case RP_IR_S_HAS: return rp_has(h, n, cs);
    case RP_IR_S_HASPREFIX: return rp_hasprefix(h, n, cs);
    case RP_IR_S_HASSUFFIX: return rp_hassuffix(h, n, cs);
    }
    return 0;
}

static val eval_in(rp_interp *in, const rp_ir_expr *e)
{
    val a = eval(in, e->args[0]);
    if (e->setop != RP_IR_SET_IN) {
        rp_str h = to_text(in, a);
        int all = e->setop == RP_IR_SET_HAS_ALL, hit = all;
        for (size_t i = 0; i < e->nset; i++) {
            val k = from_const(&e->set[i]);
            rp_needle n = needle_of(in, to_text(in, k));
            int h1 = rp_has(h, &n, RP_CI);
            if (all && !h1) { hit = 0; break; }
            if (!all && h1) { hit = 1; break; }
        }
        return v_bool_tv(rp_tv_of(hit));
    }
    /* in = OR of ==, !in = AND of != (null value: in false, !in true) */
    int found = 0;
    if (a.t == RP_TYPE_STRING || a.t == RP_TYPE_GUID) {
        for (size_t i = 0; i < e->nset && !found; i++) {
            val k = from_const(&e->set[i]);
            rp_needle n = needle_of(in, to_text(in, k));
            found = rp_eq(a.s, &n, e->ci ? RP_CI : RP_CS);
        }
    } else {
        if (a.null) return v_bool_tv(rp_tv_of(e->negated));
        for (size_t i = 0; i < e->nset && !found; i++) {
            val k = from_const(&e->set[i]);
            found = compare(RP_IR_EQ, a, k) == RP_T;
        }
    }
    return v_bool_tv(rp_tv_of(e->negated ? !found : found));
}

static int64_t floor_div(int64_t x, int64_t d)
{
    int64_t q = x / d;
    if ((x % d) != 0 && ((x < 0) != (d < 0))) q--;
    return q;
}

static val eval_arith(rp_interp *in, const rp_ir_expr *e)
{
    (void)in;
    val a = eval(in, e->args[0]);
    if (e->arith == RP_IR_NEG) {
        if (a.null) return a;
        if (a.t == RP_TYPE_REAL) return v_real(-a.r);
        return v_long(a.t, -a.i);
    }
    val b = eval(in, e->args[1]);
    rp_type rt = norm_type(e->type);
    if (a.null || b.null || a.t == RP_TYPE_STRING || b.t == RP_TYPE_STRING) return v_null(rt == RP_TYPE_UNKNOWN ? RP_TYPE_LONG : rt);
    if (rt == RP_TYPE_REAL || (is_num(a.t) && is_num(b.t) && (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL))) {
        double x = a.t == RP_TYPE_REAL ? a.r : (double)a.i, y = b.t == RP_TYPE_REAL ? b.r : (double)b.i;
        switch (e->arith) {
        case RP_IR_ADD: return v_real(x + y);
        case RP_IR_SUB: return v_real(x - y);
        case RP_IR_MUL: return v_real(x * y);
        case RP_IR_DIV: return v_real(x / y);
        default: return v_null(RP_TYPE_REAL);
        }
    }
    rp_type t = rt == RP_TYPE_UNKNOWN ? RP_TYPE_LONG : rt;
    switch (e->arith) {
    case RP_IR_ADD: return v_long(t, (int64_t)((uint64_t)a.i + (uint64_t)b.i));
    case RP_IR_SUB: return v_long(t, (int64_t)((uint64_t)a.i - (uint64_t)b.i));
    case RP_IR_MUL: return v_long(t, (int64_t)((uint64_t)a.i * (uint64_t)b.i));
    case RP_IR_DIV:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return v_null(t);
        return v_long(t, a.i / b.i);
    case RP_IR_MOD:
        if (b.i == 0 || b.i == -1) return b.i == 0 ? v_null(t) : v_long(t, 0);
        return v_long(t, a.i % b.i);
    default: break;
    }
    return v_null(t);
}

static size_t utf8_chars(rp_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset of character number `ch` (clamped to the end). */
static size_t utf8_offset(rp_str s, size_t ch)
{
    size_t i = 0, n = 0;
    while (i < s.len) {
        if (((unsigned char)s.ptr[i] & 0xC0) != 0x80) {
            if (n == ch) return i;
            n++;
        }
        i++;
    }
    return s.len;
}

static val eval_call(rp_interp *in, const rp_ir_expr *e)
{
    val a = e->nargs ? eval(in, e->args[0]) : v_null(RP_TYPE_STRING);
    switch (e->fn) {
    case RP_IR_F_TOLOWER:
    case RP_IR_F_TOUPPER: {
        rp_str s = to_text(in, a);
        char *o = scratch_alloc(in, s.len);
        for (size_t i = 0; i < s.len; i++) {
            unsigned char c = (unsigned char)s.ptr[i];
            if (e->fn == RP_IR_F_TOLOWER) c = rp_lower(c);
            else if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
            o[i] = (char)c;
        }
        rp_str r = {o, s.len};
        return v_str(r);
    }
    case RP_IR_F_ISEMPTY:
    case RP_IR_F_ISNOTEMPTY: {
        int empty = (a.t == RP_TYPE_STRING || a.t == RP_TYPE_GUID || a.t == RP_TYPE_DYNAMIC) ? a.s.len == 0 : a.null;
        if (a.t == RP_TYPE_DYNAMIC && a.s.len == 4 && memcmp(a.s.ptr, "null", 4) == 0) empty = 1;
        return v_bool_tv(rp_tv_of(e->fn == RP_IR_F_ISEMPTY ? empty : !empty));
    }
    case RP_IR_F_ISNULL:
    case RP_IR_F_ISNOTNULL: {
        int null = a.t == RP_TYPE_STRING ? 0 : a.null;
        return v_bool_tv(rp_tv_of(e->fn == RP_IR_F_ISNULL ? null : !null));
    }
    case RP_IR_F_STRLEN: return v_long(RP_TYPE_LONG, (int64_t)utf8_chars(to_text(in, a)));
    case RP_IR_F_TOSTRING: return v_str(to_text(in, a));
    case RP_IR_F_TOLONG: {
        if (a.null && a.t != RP_TYPE_STRING) return v_null(RP_TYPE_LONG);
        if (a.t == RP_TYPE_REAL) return a.r != a.r ? v_null(RP_TYPE_LONG) : v_long(RP_TYPE_LONG, (int64_t)a.r);
        if (a.t != RP_TYPE_STRING && a.t != RP_TYPE_DYNAMIC) return v_long(RP_TYPE_LONG, a.i);
        int64_t v;
        double r;
        if (rp_long_parse(a.s.ptr, a.s.len, &v)) return v_long(RP_TYPE_LONG, v);
        if (rp_real_parse(a.s.ptr, a.s.len, &r) && r == r) return v_long(RP_TYPE_LONG, (int64_t)r);
        return v_null(RP_TYPE_LONG);
    }
    case RP_IR_F_TOREAL: {
        if (a.null && a.t != RP_TYPE_STRING) return v_null(RP_TYPE_REAL);
        if (a.t == RP_TYPE_REAL) return a;
        if (a.t != RP_TYPE_STRING && a.t != RP_TYPE_DYNAMIC) return v_real((double)a.i);
        double r;
        return rp_real_parse(a.s.ptr, a.s.len, &r) ? v_real(r) : v_null(RP_TYPE_REAL);
    }
    case RP_IR_F_TODATETIME:
    case RP_IR_F_TOTIMESPAN: {
        rp_type t = e->fn == RP_IR_F_TODATETIME ? RP_TYPE_DATETIME : RP_TYPE_TIMESPAN;
        if (a.t == t) return a;
        if (a.t != RP_TYPE_STRING && a.t != RP_TYPE_DYNAMIC) return v_null(t);
        int64_t ticks;
        int ok = t == RP_TYPE_DATETIME ? rp_datetime_parse(a.s.ptr, a.s.len, &ticks)
                                       : rp_timespan_parse(a.s.ptr, a.s.len, &ticks);
        return ok ? v_long(t, ticks) : v_null(t);
    }
    case RP_IR_F_TOBOOL: {
        if (a.t == RP_TYPE_BOOL) return a;
        if (a.t == RP_TYPE_LONG) return a.null ? v_null(RP_TYPE_BOOL) : v_long(RP_TYPE_BOOL, a.i != 0);
        if (a.t == RP_TYPE_STRING) {
            if (a.s.len == 4 && strncasecmp(a.s.ptr, "true", 4) == 0) return v_long(RP_TYPE_BOOL, 1);
            if (a.s.len == 5 && strncasecmp(a.s.ptr, "false", 5) == 0) return v_long(RP_TYPE_BOOL, 0);
        }
        return v_null(RP_TYPE_BOOL);
    }
    case RP_IR_F_BIN: {
        val b = eval(in, e->args[1]);
        if (a.null || b.null) return v_null(a.t);
        if (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL) {
            double x = as_real(a), y = as_real(b);
            if (y <= 0) return v_null(RP_TYPE_REAL);
            double q = x / y;
            double f = (double)(int64_t)q;
            if (f > q) f -= 1;
            return v_real(f * y);
        }
        if (b.i <= 0) return v_null(a.t);
        return v_long(a.t, floor_div(a.i, b.i) * b.i);
    }
    case RP_IR_F_IFF: {
        val c = a;
        return (!c.null && c.i) ? eval(in, e->args[1]) : eval(in, e->args[2]);
    }
    case RP_IR_F_CASE: {
        size_t i = 0;
        for (; i + 1 < e->nargs; i += 2) {
            val c = i ? eval(in, e->args[i]) : a;
            if (!c.null && c.i) return eval(in, e->args[i + 1]);
        }
        return eval(in, e->args[e->nargs - 1]);
    }
    case RP_IR_F_COALESCE: {
        for (size_t i = 0; i < e->nargs; i++) {
            val v = i ? eval(in, e->args[i]) : a;
            if (v.t == RP_TYPE_STRING ? v.s.len != 0 : !v.null) return v;
        }
        return a.t == RP_TYPE_STRING ? v_str(rp_str_c("")) : v_null(a.t);
    }
    case RP_IR_F_STRCAT: {
        rp_str parts[64];
        size_t total = 0;
        for (size_t i = 0; i < e->nargs && i < 64; i++) {
            parts[i] = to_text(in, i ? eval(in, e->args[i]) : a);
            total += parts[i].len;
        }
        char *o = scratch_alloc(in, total);
        size_t at = 0;
        for (size_t i = 0; i < e->nargs && i < 64; i++) {
            if (parts[i].len) memcpy(o + at, parts[i].ptr, parts[i].len);
            at += parts[i].len;
        }
        rp_str r = {o, total};
        return v_str(r);
    }
    case RP_IR_F_SUBSTRING: {
        rp_str s = to_text(in, a);
        val st = eval(in, e->args[1]);
        int64_t start = st.null ? 0 : st.i, len = -1;
        if (e->nargs > 2) {
            val l = eval(in, e->args[2]);
            if (!l.null) len = l.i < 0 ? 0 : l.i;
        }
        if (start < 0) start = 0;
        size_t b0 = utf8_offset(s, (size_t)start);
        rp_str rest = {s.ptr + b0, s.len - b0};
        size_t b1 = len < 0 ? rest.len : utf8_offset(rest, (size_t)len);
        rp_str r = {rest.ptr, b1};
        return v_str(r);
    }
    case RP_IR_F_INDEXOF: {
        rp_str s = to_text(in, a);
        rp_needle n = needle_of(in, to_text(in, eval(in, e->args[1])));
        size_t at = rp_find(s.ptr, s.len, &n, RP_CS, 0);
        if (at == (size_t)-1) return v_long(RP_TYPE_LONG, -1);
        rp_str pre = {s.ptr, at};
        return v_long(RP_TYPE_LONG, (int64_t)utf8_chars(pre));
    }
    case RP_IR_F_REPLACE_STRING: {
        rp_str s = to_text(in, a);
        rp_str from = to_text(in, eval(in, e->args[1])), to = to_text(in, eval(in, e->args[2]));
        if (!from.len) return v_str(s);
        rp_needle n = needle_of(in, from);
        size_t count = 0;
        for (size_t at = 0; (at = rp_find(s.ptr, s.len, &n, RP_CS, at)) != (size_t)-1; at += from.len) count++;
        size_t total = s.len + count * to.len - count * from.len;
        char *o = scratch_alloc(in, total);
        size_t w = 0, prev = 0;
        for (size_t at = 0; (at = rp_find(s.ptr, s.len, &n, RP_CS, at)) != (size_t)-1; at += from.len) {
            memcpy(o + w, s.ptr + prev, at - prev);
            w += at - prev;
            if (to.len) memcpy(o + w, to.ptr, to.len);
            w += to.len;
            prev = at + from.len;
        }
        memcpy(o + w, s.ptr + prev, s.len - prev);
        rp_str r = {o, total};
        return v_str(r);
    }
    case RP_IR_F_ABS:
        if (a.null) return a;
        if (a.t == RP_TYPE_REAL) return v_real(a.r < 0 ? -a.r : a.r);
        return v_long(a.t, a.i < 0 ? -a.i : a.i);
    case RP_IR_F_STARTOFDAY:
        if (a.null || a.t != RP_TYPE_DATETIME) return v_null(RP_TYPE_DATETIME);
        return v_long(RP_TYPE_DATETIME, floor_div(a.i, RP_TICKS_PER_DAY) * RP_TICKS_PER_DAY);
    case RP_IR_F_HOUROFDAY:
        if (a.null || a.t != RP_TYPE_DATETIME) return v_null(RP_TYPE_LONG);
        return v_long(RP_TYPE_LONG, (a.i - floor_div(a.i, RP_TICKS_PER_DAY) * RP_TICKS_PER_DAY) / RP_TICKS_PER_HOUR);
    case RP_IR_F_DAYOFWEEK:
        /* 0001-01-01 was a Monday: day 0 -> 1 day since Sunday */
        if (a.null || a.t != RP_TYPE_DATETIME) return v_null(RP_TYPE_TIMESPAN);
        return v_long(RP_TYPE_TIMESPAN, ((floor_div(a.i, RP_TICKS_PER_DAY) + 1) % 7) * RP_TICKS_PER_DAY);
    default: break;
    }
    return v_null(norm_type(e->type)); /* unreachable: rp_interp_add_rule rejects the rest */
}

static val eval(rp_interp *in, const rp_ir_expr *e)
{
    switch (e->kind) {
    case RP_IR_CONST: return from_const(&e->value);
    case RP_IR_COL: return in->row[e->slot];
    case RP_IR_NOW: return v_long(RP_TYPE_DATETIME, in->now + e->value.i);
    case RP_IR_AND: {
        rp_tv acc = RP_T;
        for (size_t i = 0; i < e->nargs && acc != RP_F; i++) acc = rp_tv_and(acc, tv_of(eval(in, e->args[i])));
        return v_bool_tv(acc);
    }
    case RP_IR_OR: {
        rp_tv acc = RP_F;
        for (size_t i = 0; i < e->nargs && acc != RP_T; i++) acc = rp_tv_or(acc, tv_of(eval(in, e->args[i])));
        return v_bool_tv(acc);
    }
    case RP_IR_NOT: return v_bool_tv(rp_tv_not(tv_of(eval(in, e->args[0]))));
    case RP_IR_CMP: return v_bool_tv(compare(e->cmp, eval(in, e->args[0]), eval(in, e->args[1])));
    case RP_IR_STR: {
        rp_str h = to_text(in, eval(in, e->args[0]));
        rp_needle n = needle_of(in, to_text(in, eval(in, e->args[1])));
        int r = str_op(e->sop, h, &n, e->ci ? RP_CI : RP_CS);
        return v_bool_tv(rp_tv_of(e->negated ? !r : r));
    }
    case RP_IR_IN: return eval_in(in, e);
    case RP_IR_BETWEEN: {
        val a = eval(in, e->args[0]), lo = eval(in, e->args[1]), hi = eval(in, e->args[2]);
        rp_tv t = rp_tv_and(compare(RP_IR_GE, a, lo), compare(RP_IR_LE, a, hi));
        return v_bool_tv(e->negated ? rp_tv_not(t) : t);
    }
    case RP_IR_REGEX: {
        const rp_regex *re = regex_of(in, e);
        rp_str h = to_text(in, eval(in, e->args[0]));
        return v_bool_tv(rp_tv_of(re && rp_regex_match(re, h)));
    }
    case RP_IR_ARITH: return eval_arith(in, e);
    case RP_IR_CALL: return eval_call(in, e);
    case RP_IR_EXPR_KIND_COUNT: break;
    }
    return v_null(RP_TYPE_BOOL);
}

/* {====================================================================
 * Rules
 * ===================================================================== */

static int expr_supported(rp_interp *in, const rp_ir_expr *e, const char **why)
{
    if (!e) return 1;
    if (e->kind == RP_IR_CALL &&
        (e->fn == RP_IR_F_TRIM || e->fn == RP_IR_F_TRIM_START || e->fn == RP_IR_F_TRIM_END || e->fn == RP_IR_F_EXTRACT)) {
        *why = "the interpreter does not evaluate trim/extract yet";
        return 0;
    }
    if (e->kind == RP_IR_REGEX && !regex_of(in, e)) {
        char err[256];
        in->rx = rp_xrealloc(in->rx, (in->nrx + 1) * sizeof *in->rx);
        if (!rp_regex_init(&in->rx[in->nrx].re, e->value.s, e->value.len, err, sizeof err)) {
            *why = "a regular expression does not compile";
            return 0;
        }
        in->rx[in->nrx++].e = e;
    }
    for (size_t i = 0; i < e->nargs; i++)
        if (!expr_supported(in, e->args[i], why)) return 0;
    return 1;
}

static int intern(const char ***list, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], name) == 0) return (int)i;
    *list = rp_xrealloc((void *)*list, (*n + 1) * sizeof **list);
    (*list)[*n] = name;
    return (int)(*n)++;
}

rp_interp *rp_interp_new(int64_t now_ticks, FILE *alerts, FILE *suppressed)
{
    rp_interp *in = rp_xcalloc(1, sizeof *in);
    in->now = now_ticks;
    in->alerts = alerts;
    in->suppressed = suppressed;
    rp_jw_init(&in->w);
    rp_jw_init(&in->w2);
    return in;
}

size_t rp_interp_rule_count(const rp_interp *in) { return in->nrules; }

void rp_interp_set_table(rp_interp *in, const char *table) { in->table_opt = table; }

int rp_interp_add_rule(rp_interp *in, const rp_ir_rule *ir, const char **why)
{
    *why = NULL;
    if (ir->status != RP_IR_FULL) {
        *why = "the rule is not fully compiled";
        return 0;
    }
    if (in->reader_ready) {
        *why = "rules must be added before events";
        return 0;
    }
    for (size_t s = 0; s < ir->nsources; s++)
        for (size_t k = 0; k < ir->sources[s].nstages; k++) {
            const rp_ir_stage *st = &ir->sources[s].stages[k];
            if (st->kind == RP_IR_PARSE || st->kind == RP_IR_MV_EXPAND) {
                *why = st->kind == RP_IR_PARSE ? "the interpreter does not run parse yet" : "the interpreter does not run mv-expand yet";
                return 0;
            }
            if (!expr_supported(in, st->pred, why)) return 0;
            for (size_t a = 0; a < st->nassigns; a++)
                if (!expr_supported(in, st->assigns[a].expr, why)) return 0;
        }
    if (ir->ntail > 1 || (ir->ntail == 1 && ir->tail[0].kind != RP_IR_SUMMARIZE)) {
        *why = "the interpreter runs a tail of one summarize only (not distinct/take/top/sort/count yet)";
        return 0;
    }
    for (size_t i = 0; i < ir->nexcls; i++)
        if (!expr_supported(in, ir->excls[i].pred, why)) return 0;
    const rp_ir_stage *sum = ir->ntail ? &ir->tail[0] : NULL;
    if (sum) {
        for (size_t a = 0; a < sum->nassigns; a++)
            if (!expr_supported(in, sum->assigns[a].expr, why)) return 0;
        for (size_t a = 0; a < sum->naggs; a++) {
            if (!expr_supported(in, sum->aggs[a].arg, why)) return 0;
            for (size_t x = 0; x < sum->aggs[a].nextras; x++)
                if (!expr_supported(in, sum->aggs[a].extras[x].expr, why)) return 0;
        }
    }
    in->rules = rp_xrealloc(in->rules, (in->nrules + 1) * sizeof *in->rules);
    irule *r = &in->rules[in->nrules++];
    memset(r, 0, sizeof *r);
    r->ir = ir;
    r->summarize = sum;
    r->src_table = rp_xcalloc(ir->nsources + 1, sizeof *r->src_table);
    r->src_cols = rp_xcalloc(ir->nsources + 1, sizeof *r->src_cols);
    for (size_t s = 0; s < ir->nsources; s++) {
        r->src_table[s] = intern(&in->tables, &in->ntables, ir->sources[s].table);
        r->src_cols[s] = rp_xcalloc(ir->sources[s].ninputs + 1, sizeof **r->src_cols);
        for (size_t k = 0; k < ir->sources[s].ninputs; k++)
            r->src_cols[s][k] = intern(&in->cols, &in->ncols, ir->sources[s].inputs[k].name);
    }
    r->suppressed = rp_xcalloc(ir->nexcls + 1, sizeof *r->suppressed);
    r->excl_names = rp_xcalloc(ir->nexcls + 1, sizeof *r->excl_names);
    for (size_t i = 0; i < ir->nexcls; i++) r->excl_names[i] = ir->excls[i].scenario;
    if (sum) {
        r->key_kinds = rp_xcalloc(sum->nassigns + 1, sizeof *r->key_kinds);
        r->key_names = rp_xcalloc(sum->nassigns + 1, sizeof *r->key_names);
        for (size_t k = 0; k < sum->nassigns; k++) {
            r->key_kinds[k] = kind_of(sum->assigns[k].expr->type);
            r->key_names[k] = sum->assigns[k].name;
        }
        r->aggs = rp_xcalloc(sum->naggs + 1, sizeof *r->aggs);
        r->agg_names = rp_xcalloc(sum->naggs + 1, sizeof *r->agg_names);
        r->extra_kinds = rp_xcalloc(sum->naggs + 1, sizeof *r->extra_kinds);
        r->extra_names = rp_xcalloc(sum->naggs + 1, sizeof *r->extra_names);
        for (size_t a = 0; a < sum->naggs; a++) {
            const rp_ir_agg *ag = &sum->aggs[a];
            r->aggs[a].kind = (rp_agg_kind)ag->kind; /* same order (ir.h) */
            r->aggs[a].vkind = ag->arg ? kind_of(ag->arg->type) : RP_K_LONG;
            r->aggs[a].max_size = (size_t)ag->size;
            r->agg_names[a] = ag->name;
            r->aggs[a].nextra = ag->nextras;
            r->extra_kinds[a] = rp_xcalloc(ag->nextras + 1, sizeof **r->extra_kinds);
            const char **names = rp_xcalloc(ag->nextras + 1, sizeof *names);
            for (size_t x = 0; x < ag->nextras; x++) {
                r->extra_kinds[a][x] = kind_of(ag->extras[x].expr->type);
                names[x] = ag->extras[x].name;
            }
            r->aggs[a].extra_kinds = r->extra_kinds[a];
            r->extra_names[a] = names;
        }
        if (!rp_groups_init(&r->groups, r->key_kinds, sum->nassigns, r->aggs, sum->naggs)) {
            *why = "out of memory";
            return 0;
        }
    }
    return 1;
}

/* Builds the layout and reader on first use. */
static void ensure_reader(rp_interp *in)
{
    if (in->reader_ready) return;
    in->reader_ready = 1;
    in->kinds = rp_xcalloc(in->ntables * in->ncols + 1, 1);
    for (size_t i = 0; i < in->nrules; i++) {
        const rp_ir_rule *ir = in->rules[i].ir;
        for (size_t s = 0; s < ir->nsources; s++)
            for (size_t k = 0; k < ir->sources[s].ninputs; k++)
                in->kinds[(size_t)in->rules[i].src_table[s] * in->ncols + (size_t)in->rules[i].src_cols[s][k]] =
                    (unsigned char)kind_of(ir->sources[s].inputs[k].type);
    }
    in->layout.cols = in->cols;
    in->layout.ncols = in->ncols;
    in->layout.tables = in->tables;
    in->layout.ntables = in->ntables;
    in->layout.kinds = in->kinds;
    in->rstats = rp_xcalloc(in->nrules + 1, sizeof *in->rstats);
    for (size_t i = 0; i < in->nrules; i++) {
        in->rstats[i].rule_id = in->rules[i].ir->rule_id ? in->rules[i].ir->rule_id : in->rules[i].ir->name;
        in->rstats[i].suppressed = in->rules[i].suppressed;
        in->rstats[i].excl_names = in->rules[i].excl_names;
        in->rstats[i].nexcl = in->rules[i].ir->nexcls;
    }
    in->stats.rules = in->rstats;
    in->stats.nrules = in->nrules;
    rp_reader_init(&in->reader, &in->layout, NULL, &in->stats);
    if (in->table_opt) rp_reader_set_table(&in->reader, in->table_opt);
}

static void alert_head(rp_interp *in, const irule *r, const char *table)
{
    rp_jw *w = &in->w;
    rp_jw_reset(w);
    rp_jw_obj_begin(w);
    rp_jw_key(w, "rule_id");
    if (r->ir->rule_id) rp_jw_cstr(w, r->ir->rule_id);
    else rp_jw_null(w);
    rp_jw_key(w, "rule");
    rp_jw_cstr(w, r->ir->name ? r->ir->name : "");
    rp_jw_key(w, "table");
    rp_jw_cstr(w, table);
}

static void flush(rp_interp *in, FILE *out)
{
    if (!out) {
        rp_jw_reset(&in->w);
        return;
    }
    if (!rp_jw_flush_line(&in->w, out)) in->write_error = 1;
}

/* The visible columns of a row as the "event" object. */
static void write_event(rp_interp *in, const rp_ir_cols *cols, const rp_event *ev)
{
    rp_jw *w = &in->w;
    rp_jw_key(w, "event");
    if (cols->event_star && cols->count == 0) {
        rp_jw_raw(w, ev->line);
        return;
    }
    rp_jw *w2 = &in->w2;
    rp_jw_reset(w2);
    rp_jw_obj_begin(w2);
    for (size_t i = 0; i < cols->count; i++) {
        val v = in->row[cols->cols[i].slot];
        rp_val rv = to_rp(v);
        rp_jw_key(w2, cols->cols[i].name);
        rp_jw_val(w2, &rv, kind_of(v.t));
    }
    rp_jw_obj_end(w2);
    if (!cols->event_star) {
        rp_str s = {w2->buf, w2->len};
        rp_jw_raw(w, s);
        return;
    }
    /* the event's own members, then the computed ones: splice the two objects */
    rp_str line = ev->line;
    size_t end = line.len;
    while (end && line.ptr[end - 1] != '}') end--;
    size_t body_end = end ? end - 1 : 0;
    size_t k = body_end;
    while (k > 0 && (line.ptr[k - 1] == ' ' || line.ptr[k - 1] == '\t' || line.ptr[k - 1] == '\r' || line.ptr[k - 1] == '\n')) k--;
    int empty = k > 0 && line.ptr[k - 1] == '{';
    size_t total = k + 1 + (w2->len - 1);
    char *buf = scratch_alloc(in, total);
    memcpy(buf, line.ptr, k);
    size_t at = k;
    if (!empty) buf[at++] = ',';
    memcpy(buf + at, w2->buf + 1, w2->len - 1);
    at += w2->len - 1;
    rp_str s = {buf, at};
    rp_jw_raw(w, s);
}

/* Runs one rule's source on the event. */
static void run_source(rp_interp *in, irule *r, size_t ri, size_t s, const rp_event *ev)
{
    const rp_ir_rule *ir = r->ir;
    const rp_ir_source *src = &ir->sources[s];
    if (in->row_cap < ir->nslots) {
        in->row = rp_xrealloc(in->row, (ir->nslots + 1) * sizeof *in->row);
        in->row_cap = ir->nslots;
    }
    for (size_t i = 0; i < ir->nslots; i++) in->row[i] = v_null(norm_type(ir->slots[i].type == RP_TYPE_UNKNOWN ? RP_TYPE_STRING : ir->slots[i].type));
    for (size_t k = 0; k < src->ninputs; k++)
        in->row[src->inputs[k].slot] = from_rp(&ev->v[r->src_cols[s][k]], src->inputs[k].type);
    for (size_t k = 0; k < src->nstages; k++) {
        const rp_ir_stage *st = &src->stages[k];
        switch (st->kind) {
        case RP_IR_FILTER:
            if (!rp_tv_where(tv_of(eval(in, st->pred)))) return;
            break;
        case RP_IR_EXTEND:
            for (size_t a = 0; a < st->nassigns; a++) in->row[st->assigns[a].slot] = eval(in, st->assigns[a].expr);
            break;
        case RP_IR_PROJECT: {
            val tmp[64];
            val *vals = st->nassigns <= 64 ? tmp : rp_xmalloc(st->nassigns * sizeof *vals);
            for (size_t a = 0; a < st->nassigns; a++) vals[a] = eval(in, st->assigns[a].expr);
            for (size_t a = 0; a < st->nassigns; a++) in->row[st->assigns[a].slot] = vals[a];
            if (vals != tmp) free(vals);
            break;
        }
        default: return; /* rejected by rp_interp_add_rule */
        }
    }
    in->stats.matched++;
    in->rstats[ri].matched++;
    for (size_t x = 0; x < ir->nexcls; x++) {
        if (!ir->excls[x].pred || !rp_tv_where(tv_of(eval(in, ir->excls[x].pred)))) continue;
        r->suppressed[x]++;
        if (in->suppressed) {
            alert_head(in, r, src->table);
            rp_jw_key(&in->w, "exclusion");
            rp_jw_cstr(&in->w, ir->excls[x].scenario);
            rp_jw_key(&in->w, "event");
            rp_jw_raw(&in->w, ev->line);
            rp_jw_obj_end(&in->w);
            flush(in, in->suppressed);
        }
        return;
    }
    if (r->summarize) {
        const rp_ir_stage *st = r->summarize;
        rp_val keys[64], extras[64 * 4];
        rp_agg_in ins[64];
        size_t nextra = 0;
        if (st->nassigns > 64 || st->naggs > 64) return;
        for (size_t k = 0; k < st->nassigns; k++) keys[k] = to_rp(eval(in, st->assigns[k].expr));
        for (size_t a = 0; a < st->naggs; a++) {
            const rp_ir_agg *ag = &st->aggs[a];
            rp_val *v = &extras[nextra++ % 256];
            memset(&ins[a], 0, sizeof ins[a]);
            if (ag->arg) {
                val av = eval(in, ag->arg);
                *v = to_rp(av);
                ins[a].cond = ag->kind == RP_IR_AGG_COUNTIF ? (!av.null && av.i) : true;
            } else {
                memset(v, 0, sizeof *v);
                v->s = rp_str_c("");
                ins[a].cond = true;
            }
            ins[a].v = v;
            if (ag->nextras) {
                rp_val *ex = rp_xmalloc(ag->nextras * sizeof *ex);
                for (size_t x = 0; x < ag->nextras; x++) ex[x] = to_rp(eval(in, ag->extras[x].expr));
                ins[a].extra = ex;
            }
        }
        rp_groups_feed(&r->groups, keys, ins);
        for (size_t a = 0; a < st->naggs; a++) free((void *)ins[a].extra);
        in->rstats[ri].aggregated++;
        return;
    }
    alert_head(in, r, src->table);
    write_event(in, &ir->out, ev);
    rp_jw_obj_end(&in->w);
    flush(in, in->alerts);
    in->rstats[ri].alerts++;
    in->stats.alerts++;
}

static void evaluate(rp_interp *in, const rp_event *ev)
{
    for (size_t i = 0; i < in->nrules; i++) {
        irule *r = &in->rules[i];
        for (size_t s = 0; s < r->ir->nsources; s++)
            if (r->src_table[s] == ev->table) run_source(in, r, i, s, ev);
        scratch_reset(in);
    }
}

void rp_interp_feed_line(rp_interp *in, const char *line, size_t len)
{
    ensure_reader(in);
    rp_event ev;
    if (rp_reader_parse_line(&in->reader, line, len, &ev) == RP_READ_EVENT) evaluate(in, &ev);
}

int rp_interp_run(rp_interp *in, FILE *events)
{
    ensure_reader(in);
    in->reader.in = events;
    rp_event ev;
    int rc;
    while ((rc = rp_reader_next(&in->reader, &ev)) != RP_READ_EOF) {
        if (rc == RP_READ_IOERR) return -1;
        if (rc == RP_READ_EVENT) evaluate(in, &ev);
    }
    return 0;
}

int rp_interp_finish(rp_interp *in)
{
    ensure_reader(in);
    for (size_t i = 0; i < in->nrules; i++) {
        irule *r = &in->rules[i];
        if (!r->summarize) continue;
        rp_group_iter it;
        rp_groups_iter(&r->groups, &it);
        while (rp_groups_next(&it)) {
            alert_head(in, r, r->ir->table ? r->ir->table : "");
            rp_jw_key(&in->w, "event");
            rp_jw_obj_begin(&in->w);
            rp_groups_write(&r->groups, &it, &in->w, r->key_names, r->agg_names, r->extra_names);
            rp_jw_obj_end(&in->w);
            rp_jw_obj_end(&in->w);
            flush(in, in->alerts);
            in->rstats[i].alerts++;
            in->stats.alerts++;
        }
    }
    return in->write_error ? -1 : 0;
}

const rp_stats *rp_interp_stats(const rp_interp *in) { return &in->stats; }

void rp_interp_free(rp_interp *in)
{
    if (!in) return;
    for (size_t i = 0; i < in->nrules; i++) {
        irule *r = &in->rules[i];
        for (size_t s = 0; s < r->ir->nsources; s++) free(r->src_cols[s]);
        free(r->src_cols);
        free(r->src_table);
        free(r->suppressed);
        free(r->excl_names);
        if (r->summarize) {
            rp_groups_free(&r->groups);
            for (size_t a = 0; a < r->summarize->naggs; a++) {
                free(r->extra_kinds[a]);
                free((void *)r->extra_names[a]);
            }
            free(r->extra_kinds);
            free((void *)r->extra_names);
            free(r->key_kinds);
            free(r->key_names);
            free(r->aggs);
            free(r->agg_names);
        }
    }
    for (size_t i = 0; i < in->nrx; i++) rp_regex_free(&in->rx[i].re);
    free(in->rx);
    free(in->rules);
    if (in->reader_ready) rp_reader_free(&in->reader);
    free(in->cols);
    free(in->tables);
    free(in->kinds);
    free(in->rstats);
    free(in->row);
    scratch_reset(in);
    free(in->scratch);
    free(in->old_scratch);
    rp_jw_free(&in->w);
    rp_jw_free(&in->w2);
    free(in);
}
