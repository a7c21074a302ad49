/* emit_c.c: IR -> C (see emit_c.h). The generated code mirrors interp.c value for value: the
 * interpreter is the reference, and tests/scripts/differential.sh compares the two. Expressions
 * compile to one of four C classes: bool (string predicates: never null), rp_tv (three-valued),
 * rp_str (string values) and rp_val (every other value, with its kind known statically). The
 * common shapes (column op constant) go straight to the runtime's typed helpers; the rest go
 * through small rpx_* helpers emitted into rules.c that repeat interp.c's rules. */
#include "emit_c.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rp_runtime.h"
#include "version.h"

/* {====================================================================
 * Output buffer with indentation (protobuf-c's Printer, in C)
 * ===================================================================== */

typedef struct cbuf {
    char *p;
    size_t len, cap;
    int indent;
} cbuf;

static void cb_put(cbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = rp_xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Appends formatted text; every line started gets the current indentation (4 spaces a level). */
static void cb_printf(cbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cb_printf(cbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    text = rp_xmalloc((size_t)n + 1);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    for (int i = 0; i < n; i++) {
        int at_line_start = b->len == 0 || b->p[b->len - 1] == '\n';
        if (at_line_start && text[i] != '\n')
            for (int k = 0; k < b->indent; k++) cb_put(b, "    ", 4);
        cb_put(b, &text[i], 1);
    }
    free(text);
}

static char *cb_take(rp_arena *arena, cbuf *b)
{
    char *s = rp_arena_strndup(arena, b->p ? b->p : "", b->len);
    free(b->p);
    memset(b, 0, sizeof *b);
    return s;
}

/* {====================================================================
 * Escaping: rule text never escapes a literal or a comment
 * ===================================================================== */

char *rp_emit_c_literal(rp_arena *arena, const char *s, size_t len)
{
    cbuf b = {0};
    cb_put(&b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c == '"' || c == '\\' || c == '?') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            cb_put(&b, tmp, 2);
        } else if (c >= 0x20 && c < 0x7f) {
            cb_put(&b, (const char *)&s[i], 1);
        } else {
            snprintf(tmp, sizeof tmp, "\\%03o", c);
            cb_put(&b, tmp, 4);
        }
    }
    cb_put(&b, "\"", 1);
    return cb_take(arena, &b);
}

char *rp_emit_c_comment(rp_arena *arena, const char *s, size_t len)
{
    cbuf b = {0};
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char next = i + 1 < len ? (unsigned char)s[i + 1] : 0;
        if ((c == '*' && next == '/') || (c == '/' && next == '*')) {
            cb_put(&b, (const char *)&s[i], 1);
            cb_put(&b, " ", 1);
        } else if (c == '?' && next == '?') {
            cb_put(&b, "?-", 2);
        } else if (c == '\\' && i + 1 == len) {
            cb_put(&b, "\\x5c", 4);
        } else if (c >= 0x20 && c < 0x7f) {
            cb_put(&b, (const char *)&s[i], 1);
        } else {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            cb_put(&b, tmp, 4);
        }
    }
    return cb_take(arena, &b);
}

char *rp_emit_c_ident(rp_arena *arena, rp_emit_c_names *names, const char *prefix, const char *base)
{
    char core[49];
    size_t n = 0;
    int pending = 0;
    for (const char *p = base ? base : ""; *p && n < 48; p++) {
        unsigned char c = (unsigned char)*p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!ok) {
            pending = n > 0;
            continue;
        }
        if (pending && n < 47) core[n++] = '_';
        pending = 0;
        core[n++] = (char)c;
    }
    core[n] = 0;
    if (n == 0) strcpy(core, "rule");
    char *name = rp_arena_printf(arena, "%s%s", prefix, core);
    for (unsigned k = 2;; k++) {
        int taken = 0;
        for (size_t i = 0; i < names->count && !taken; i++) taken = strcmp(names->names[i], name) == 0;
        if (!taken) break;
        name = rp_arena_printf(arena, "%s%s_%u", prefix, core, k);
    }
    names->names = rp_arena_grow(arena, names->names, sizeof *names->names, &names->cap, names->count + 1);
    names->names[names->count++] = name;
    return name;
}

/* {====================================================================
 * Fixed text of the generated files
 * ===================================================================== */

/* rpx_* helpers: interp.c's value rules for the shapes that have no direct runtime call. Kinds
 * are rp_kind; "text" kinds are string, guid and dynamic (guid/dynamic carry a null flag). */
static const char helpers_text[] =
    "/* --- helpers (interp.c's value rules) --- */\n"
    "\n"
    "enum { RPX_EQ, RPX_NE, RPX_LT, RPX_LE, RPX_GT, RPX_GE };\n"
    "enum { RPX_ADD, RPX_SUB, RPX_MUL, RPX_DIV, RPX_MOD };\n"
    "static const rp_val rpx_missing = {{\"\", 0}, 0, 0.0, 1, 0};\n"
    "static inline rp_val rpx_i(int64_t i)\n"
    "{\n"
    "    rp_val v = {{\"\", 0}, i, 0.0, 0, 0};\n"
    "    return v;\n"
    "}\n"
    "static inline rp_val rpx_r(double r)\n"
    "{\n"
    "    rp_val v = {{\"\", 0}, 0, r, 0, 0};\n"
    "    return v;\n"
    "}\n"
    "static inline rp_val rpx_sval(rp_str s)\n"
    "{\n"
    "    rp_val v = {{\"\", 0}, 0, 0.0, 0, 0};\n"
    "    v.s = s;\n"
    "    return v;\n"
    "}\n"
    "static inline rp_str rpx_kstr(const rp_needle *k)\n"
    "{\n"
    "    rp_str s = {k->s, k->len};\n"
    "    return s;\n"
    "}\n"
    "/* A value as the group table and the writer take it (no `bad` flag). */\n"
    "static inline rp_val rpx_rp(rp_val v)\n"
    "{\n"
    "    v.bad = 0;\n"
    "    return v;\n"
    "}\n"
    "static inline rp_tv rpx_tv(rp_val v) { return v.null ? RP_N : (v.i ? RP_T : RP_F); }\n"
    "static inline rp_val rpx_tvval(rp_tv t)\n"
    "{\n"
    "    rp_val v = rpx_missing;\n"
    "    if (t != RP_N) v.null = 0, v.i = t == RP_T;\n"
    "    return v;\n"
    "}\n"
    "static inline bool rpx_text_kind(rp_kind k) { return k == RP_K_STRING || k == RP_K_GUID || k == RP_K_DYNAMIC; }\n"
    "static inline bool rpx_num_kind(rp_kind k) { return k == RP_K_LONG || k == RP_K_REAL; }\n"
    "/* tostring(): null -> \"\"; buf holds 48 bytes. */\n"
    "static inline rp_str rpx_text(rp_val v, rp_kind k, char *buf)\n"
    "{\n"
    "    rp_str s = {\"\", 0};\n"
    "    if (rpx_text_kind(k)) return v.s;\n"
    "    if (v.null) return s;\n"
    "    size_t n = 0;\n"
    "    switch (k) {\n"
    "    case RP_K_BOOL: n = (size_t)snprintf(buf, 48, \"%s\", v.i ? \"true\" : \"false\"); break;\n"
    "    case RP_K_LONG: n = (size_t)snprintf(buf, 48, \"%lld\", (long long)v.i); break;\n"
    "    case RP_K_REAL: n = rp_real_format(v.r, buf); break;\n"
    "    case RP_K_DATETIME: n = rp_datetime_format(v.i, buf); break;\n"
    "    case RP_K_TIMESPAN: n = rp_timespan_format(v.i, buf); break;\n"
    "    default: return s;\n"
    "    }\n"
    "    s.ptr = buf;\n"
    "    s.len = n;\n"
    "    return s;\n"
    "}\n"
    "/* Three-valued comparison (KQL-SEMANTICS.md section 5). */\n"
    "static inline rp_tv rpx_cmp(int op, rp_val a, rp_kind ka, rp_val b, rp_kind kb)\n"
    "{\n"
    "    int an = ka != RP_K_STRING && a.null, bn = kb != RP_K_STRING && b.null, c;\n"
    "    if (an || bn) {\n"
    "        if (op == RPX_EQ) return an && bn ? RP_N : RP_F;\n"
    "        if (op == RPX_NE) return an && bn ? RP_N : RP_T;\n"
    "        return RP_N;\n"
    "    }\n"
    "    if (rpx_num_kind(ka) && rpx_num_kind(kb) && (ka == RP_K_REAL || kb == RP_K_REAL)) {\n"
    "        double x = ka == RP_K_REAL ? a.r : (double)a.i, y = kb == RP_K_REAL ? b.r : (double)b.i;\n"
    "        if (x != x || y != y) return op == RPX_NE ? RP_T : RP_F;\n"
    "        c = x < y ? -1 : x > y ? 1 : 0;\n"
    "    } else if (rpx_text_kind(ka)) {\n"
    "        size_t n = a.s.len < b.s.len ? a.s.len : b.s.len;\n"
    "        c = n ? memcmp(a.s.ptr, b.s.ptr, n) : 0;\n"
    "        if (c == 0) c = a.s.len < b.s.len ? -1 : a.s.len > b.s.len ? 1 : 0;\n"
    "    } else {\n"
    "        c = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;\n"
    "    }\n"
    "    switch (op) {\n"
    "    case RPX_EQ: return rp_tv_of(c == 0);\n"
    "    case RPX_NE: return rp_tv_of(c != 0);\n"
    "    case RPX_LT: return rp_tv_of(c < 0);\n"
    "    case RPX_LE: return rp_tv_of(c <= 0);\n"
    "    case RPX_GT: return rp_tv_of(c > 0);\n"
    "    default: return rp_tv_of(c >= 0);\n"
    "    }\n"
    "}\n"
    "/* in / !in over non-string values: null value -> in false, !in true. */\n"
    "static inline bool rpx_in(rp_val a, rp_kind ka, const rp_val *items, const unsigned char *kinds, size_t n, bool neg)\n"
    "{\n"
    "    if (a.null) return neg;\n"
    "    bool found = false;\n"
    "    for (size_t i = 0; i < n && !found; i++) found = rpx_cmp(RPX_EQ, a, ka, items[i], (rp_kind)kinds[i]) == RP_T;\n"
    "    return neg ? !found : found;\n"
    "}\n"
    "static inline int64_t rpx_floor_div(int64_t x, int64_t d)\n"
    "{\n"
    "    int64_t q = x / d;\n"
    "    if ((x % d) != 0 && ((x < 0) != (d < 0))) q--;\n"
    "    return q;\n"
    "}\n"
    "/* Arithmetic: null in, null out; long / 0 is null; wrapping long arithmetic. */\n"
    "static inline rp_val rpx_arith(int op, rp_val a, rp_kind ka, rp_val b, rp_kind kb, bool real_result)\n"
    "{\n"
    "    if (a.null || b.null || ka == RP_K_STRING || kb == RP_K_STRING) return rpx_missing;\n"
    "    if (real_result || (rpx_num_kind(ka) && rpx_num_kind(kb) && (ka == RP_K_REAL || kb == RP_K_REAL))) {\n"
    "        double x = ka == RP_K_REAL ? a.r : (double)a.i, y = kb == RP_K_REAL ? b.r : (double)b.i;\n"
    "        switch (op) {\n"
    "        case RPX_ADD: return rpx_r(x + y);\n"
    "        case RPX_SUB: return rpx_r(x - y);\n"
    "        case RPX_MUL: return rpx_r(x * y);\n"
    "        case RPX_DIV: return rpx_r(x / y);\n"
    "        default: return rpx_missing;\n"
    "        }\n"
    "    }\n"
    "    switch (op) {\n"
    "    case RPX_ADD: return rpx_i((int64_t)((uint64_t)a.i + (uint64_t)b.i));\n"
    "    case RPX_SUB: return rpx_i((int64_t)((uint64_t)a.i - (uint64_t)b.i));\n"
    "    case RPX_MUL: return rpx_i((int64_t)((uint64_t)a.i * (uint64_t)b.i));\n"
    "    case RPX_DIV: return (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) ? rpx_missing : rpx_i(a.i / b.i);\n"
    "    default: return b.i == 0 ? rpx_missing : b.i == -1 ? rpx_i(0) : rpx_i(a.i % b.i);\n"
    "    }\n"
    "}\n"
    "static inline rp_val rpx_neg(rp_val a, rp_kind ka)\n"
    "{\n"
    "    if (a.null) return a;\n"
    "    return ka == RP_K_REAL ? rpx_r(-a.r) : rpx_i((int64_t)(0u - (uint64_t)a.i));\n"
    "}\n"
    "static inline bool rpx_isempty(rp_val a, rp_kind ka)\n"
    "{\n"
    "    if (ka == RP_K_DYNAMIC) return rp_dyn_isempty(a);\n"
    "    return rpx_text_kind(ka) ? a.s.len == 0 : a.null != 0;\n"
    "}\n"
    "static inline int64_t rpx_utf8_chars(rp_str s)\n"
    "{\n"
    "    int64_t n = 0;\n"
    "    for (size_t i = 0; i < s.len; i++) n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;\n"
    "    return n;\n"
    "}\n"
    "static inline size_t rpx_utf8_offset(rp_str s, size_t ch)\n"
    "{\n"
    "    size_t n = 0;\n"
    "    for (size_t i = 0; i < s.len; i++)\n"
    "        if (((unsigned char)s.ptr[i] & 0xC0) != 0x80) {\n"
    "            if (n == ch) return i;\n"
    "            n++;\n"
    "        }\n"
    "    return s.len;\n"
    "}\n"
    "static inline rp_val rpx_tolong(rp_val a, rp_kind ka)\n"
    "{\n"
    "    int64_t v;\n"
    "    double r;\n"
    "    if (a.null && ka != RP_K_STRING) return rpx_missing;\n"
    "    if (ka == RP_K_REAL) return a.r != a.r ? rpx_missing : rpx_i((int64_t)a.r);\n"
    "    if (ka != RP_K_STRING && ka != RP_K_DYNAMIC) return rpx_i(a.i);\n"
    "    if (rp_long_parse(a.s.ptr, a.s.len, &v)) return rpx_i(v);\n"
    "    if (rp_real_parse(a.s.ptr, a.s.len, &r) && r == r) return rpx_i((int64_t)r);\n"
    "    return rpx_missing;\n"
    "}\n"
    "static inline rp_val rpx_toreal(rp_val a, rp_kind ka)\n"
    "{\n"
    "    double r;\n"
    "    if (a.null && ka != RP_K_STRING) return rpx_missing;\n"
    "    if (ka == RP_K_REAL) return a;\n"
    "    if (ka != RP_K_STRING && ka != RP_K_DYNAMIC) return rpx_r((double)a.i);\n"
    "    return rp_real_parse(a.s.ptr, a.s.len, &r) ? rpx_r(r) : rpx_missing;\n"
    "}\n"
    "/* todatetime / totimespan (to: RP_K_DATETIME or RP_K_TIMESPAN). */\n"
    "static inline rp_val rpx_toticks(rp_val a, rp_kind ka, rp_kind to)\n"
    "{\n"
    "    int64_t t;\n"
    "    if (ka == to) return a;\n"
    "    if (ka != RP_K_STRING && ka != RP_K_DYNAMIC) return rpx_missing;\n"
    "    bool ok = to == RP_K_DATETIME ? rp_datetime_parse(a.s.ptr, a.s.len, &t) : rp_timespan_parse(a.s.ptr, a.s.len, &t);\n"
    "    return ok ? rpx_i(t) : rpx_missing;\n"
    "}\n"
    "static inline bool rpx_ieq(rp_str s, const char *w, size_t n)\n"
    "{\n"
    "    if (s.len != n) return false;\n"
    "    for (size_t i = 0; i < n; i++)\n"
    "        if (rp_lower((unsigned char)s.ptr[i]) != (unsigned char)w[i]) return false;\n"
    "    return true;\n"
    "}\n"
    "static inline rp_val rpx_tobool(rp_val a, rp_kind ka)\n"
    "{\n"
    "    if (ka == RP_K_BOOL) return a;\n"
    "    if (ka == RP_K_LONG) return a.null ? rpx_missing : rpx_i(a.i != 0);\n"
    "    if (ka == RP_K_STRING && rpx_ieq(a.s, \"true\", 4)) return rpx_i(1);\n"
    "    if (ka == RP_K_STRING && rpx_ieq(a.s, \"false\", 5)) return rpx_i(0);\n"
    "    return rpx_missing;\n"
    "}\n"
    "static inline rp_val rpx_bin(rp_val a, rp_kind ka, rp_val b, rp_kind kb)\n"
    "{\n"
    "    if (a.null || b.null) return rpx_missing;\n"
    "    if (ka == RP_K_REAL || kb == RP_K_REAL) {\n"
    "        double x = ka == RP_K_REAL ? a.r : (double)a.i, y = kb == RP_K_REAL ? b.r : (double)b.i;\n"
    "        if (y <= 0) return rpx_missing;\n"
    "        double q = x / y, f = (double)(int64_t)q;\n"
    "        if (f > q) f -= 1;\n"
    "        return rpx_r(f * y);\n"
    "    }\n"
    "    if (b.i <= 0) return rpx_missing;\n"
    "    return rpx_i(rpx_floor_div(a.i, b.i) * b.i);\n"
    "}\n"
    "static inline rp_str rpx_substring(rp_str s, rp_val start, rp_val len, bool has_len)\n"
    "{\n"
    "    int64_t st = start.null ? 0 : start.i, n = -1;\n"
    "    if (has_len && !len.null) n = len.i < 0 ? 0 : len.i;\n"
    "    if (st < 0) st = 0;\n"
    "    size_t b0 = rpx_utf8_offset(s, (size_t)st);\n"
    "    rp_str rest = {s.ptr + b0, s.len - b0};\n"
    "    rest.len = n < 0 ? rest.len : rpx_utf8_offset(rest, (size_t)n);\n"
    "    return rest;\n"
    "}\n"
    "static inline rp_val rpx_indexof(rp_str s, const rp_needle *k)\n"
    "{\n"
    "    size_t at = rp_find(s.ptr, s.len, k, RP_CS, 0);\n"
    "    rp_str pre = {s.ptr, at};\n"
    "    return at == (size_t)-1 ? rpx_i(-1) : rpx_i(rpx_utf8_chars(pre));\n"
    "}\n"
    "static inline rp_val rpx_abs(rp_val a, rp_kind ka)\n"
    "{\n"
    "    if (a.null) return a;\n"
    "    if (ka == RP_K_REAL) return rpx_r(a.r < 0 ? -a.r : a.r);\n"
    "    return rpx_i(a.i < 0 ? -a.i : a.i);\n"
    "}\n"
    "/* which: 0 startofday, 1 hourofday, 2 dayofweek (0001-01-01 was a Monday). */\n"
    "static inline rp_val rpx_dayfn(rp_val a, rp_kind ka, int which)\n"
    "{\n"
    "    if (a.null || ka != RP_K_DATETIME) return rpx_missing;\n"
    "    int64_t day = rpx_floor_div(a.i, RP_TICKS_PER_DAY);\n"
    "    if (which == 0) return rpx_i(day * RP_TICKS_PER_DAY);\n"
    "    if (which == 1) return rpx_i((a.i - day * RP_TICKS_PER_DAY) / RP_TICKS_PER_HOUR);\n"
    "    return rpx_i(((day + 1) % 7) * RP_TICKS_PER_DAY);\n"
    "}\n"
    "static inline rp_str rpx_coalesce_s(rp_str a, rp_str b) { return a.len ? a : b; }\n"
    "/* extract(re, g, s): \"\" when g is null or the group did not match. */\n"
    "static inline rp_str rpx_extract(const rp_regex *re, rp_val g, rp_kind gk, rp_str s)\n"
    "{\n"
    "    rp_str out = {\"\", 0};\n"
    "    if (gk != RP_K_STRING && g.null) return out;\n"
    "    if (!rp_regex_group(re, s, gk == RP_K_REAL ? (int64_t)g.r : gk == RP_K_STRING ? 0 : g.i, &out)) out = rp_str_c(\"\");\n"
    "    return out;\n"
    "}\n"
    "static inline void rpx_row_reset(rp_val *r, size_t n)\n"
    "{\n"
    "    for (size_t i = 0; i < n; i++) r[i] = rpx_missing;\n"
    "}\n"
    "static inline rp_val rpx_coalesce_v(rp_val a, rp_val b) { return a.null ? b : a; }\n";

/* {====================================================================
 * Pack-level tables: constants, sets, regexes, columns, tables
 * ===================================================================== */

typedef struct pack {
    rp_arena *arena;
    cbuf consts;             /* static const definitions, in emission order */
    int nconst;              /* K<n>, S<n>, ... counter */
    const char **cols;       /* column names, sorted */
    size_t ncols;
    const char **tables;     /* table names, sorted */
    size_t ntables;
    const char **regexes;    /* regex literals (C text), index = m->rx[i] */
    size_t nrx, rxcap;
    size_t nexcl;            /* exclusion counters handed out so far */
    size_t nstages;          /* stateful tail stages handed out so far (m->groups/rows/count) */
    /* term index: per indexed column x (rpx_ti[x]), the all-term `has` needles and their atoms */
    int *ti_col;             /* pack column of index x */
    size_t nti, ticap;
    uint32_t *ti_natoms;     /* atoms handed out per index */
    size_t natcap;
    struct tentry {
        size_t x;
        rp_str term;         /* ASCII-lowered */
        uint32_t atom;
        int single;          /* a `has` atom (shared by equal needles), not a has_any set's */
    } *te;
    size_t nte, tecap;
    int uses_columns;        /* some rule writes computed columns (rpx_col) */
} pack;

typedef struct rule_out rule_out;

/* Per rule-source function being emitted. */
typedef struct fn {
    pack *pk;
    const rp_ir_rule *ir;
    const rp_ir_source *src;
    cbuf decls;              /* locals of the function */
    int ntmp;
    const char **slot_lv;    /* per slot: the rp_val lvalue that holds it */
    const char *why;         /* first reason the rule cannot be emitted */
    int uses_now;
    rule_out *r;             /* the rule being emitted */
    int in_tail;             /* a tail entry function (void; the row is `r`) */
    const char *line;        /* C expression of the row's event line */
    unsigned char *local;    /* per slot: slot_lv is a local the function may overwrite */
    int loops;               /* mv-expand loops emitted */
    long atom_x, atom_a;     /* the atom the last has_atom() returned (guards) */
} fn;

enum { CL_BOOL, CL_TV, CL_STR, CL_VAL };

typedef struct xr {
    int cl;
    rp_type t;               /* the value's type (CL_VAL / CL_STR) */
    const char *c;           /* C expression */
} xr;

static int find_name(const char *const *names, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(names[mid], name);
        if (c == 0) return (int)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static rp_type norm(rp_type t)
{
    if (t == RP_TYPE_INT) return RP_TYPE_LONG;
    if (t == RP_TYPE_DECIMAL) return RP_TYPE_REAL;
    return t;
}

static const char *kind_c(rp_type t)
{
    switch (norm(t)) {
    case RP_TYPE_STRING: return "RP_K_STRING";
    case RP_TYPE_BOOL: return "RP_K_BOOL";
    case RP_TYPE_LONG: return "RP_K_LONG";
    case RP_TYPE_REAL: return "RP_K_REAL";
    case RP_TYPE_DATETIME: return "RP_K_DATETIME";
    case RP_TYPE_TIMESPAN: return "RP_K_TIMESPAN";
    case RP_TYPE_GUID: return "RP_K_GUID";
    case RP_TYPE_DYNAMIC: return "RP_K_DYNAMIC";
    default: return "RP_K_STRING"; /* interp.c's kind_of default */
    }
}

static int is_text(rp_type t)
{
    t = norm(t);
    return t == RP_TYPE_STRING || t == RP_TYPE_GUID || t == RP_TYPE_DYNAMIC;
}

/* Integer-compared kinds (long, datetime, timespan, bool): the runtime's *_i helpers apply. */
static int is_ticklike(rp_type t)
{
    t = norm(t);
    return t == RP_TYPE_LONG || t == RP_TYPE_DATETIME || t == RP_TYPE_TIMESPAN || t == RP_TYPE_BOOL;
}

static void fail(fn *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(fn *f, const char *fmt, ...)
{
    if (f->why) return;
    va_list ap;
    va_start(ap, fmt);
    f->why = rp_arena_vprintf(f->pk->arena, fmt, ap);
    va_end(ap);
}

/* KQL's text of a constant (tostring), computed at build time with the runtime's formatters. */
static rp_str const_text(rp_arena *arena, const rp_ir_value *v)
{
    rp_str s = {"", 0};
    rp_type t = norm(v->type);
    if (is_text(t)) {
        s.ptr = v->s ? v->s : "";
        s.len = v->s ? v->len : 0;
        return s;
    }
    if (v->null) return s;
    char *buf = rp_arena_alloc(arena, 48);
    size_t n = 0;
    switch (t) {
    case RP_TYPE_BOOL: n = (size_t)snprintf(buf, 48, "%s", v->i ? "true" : "false"); break;
    case RP_TYPE_LONG: n = (size_t)snprintf(buf, 48, "%lld", (long long)v->i); break;
    case RP_TYPE_REAL: n = rp_real_format(v->r, buf); break;
    case RP_TYPE_DATETIME: n = rp_datetime_format(v->i, buf); break;
    case RP_TYPE_TIMESPAN: n = rp_timespan_format(v->i, buf); break;
    default: break;
    }
    s.ptr = buf;
    s.len = n;
    return s;
}

/* static const rp_needle K<n> = {"as written", "lowered", len}; returns "K<n>". */
static const char *needle_const(pack *pk, rp_str s)
{
    char *lower = rp_arena_alloc(pk->arena, s.len + 1);
    for (size_t i = 0; i < s.len; i++) lower[i] = (char)rp_lower((unsigned char)s.ptr[i]);
    const char *name = rp_arena_printf(pk->arena, "K%d", pk->nconst++);
    cb_printf(&pk->consts, "static const rp_needle %s = {%s, %s, %zu};\n", name, rp_emit_c_literal(pk->arena, s.ptr, s.len),
              rp_emit_c_literal(pk->arena, lower, s.len), s.len);
    return name;
}

static char *long_c(rp_arena *arena, int64_t i)
{
    if (i == INT64_MIN) return rp_arena_strdup(arena, "INT64_MIN");
    return rp_arena_printf(arena, "INT64_C(%lld)", (long long)i);
}

static char *real_c(rp_arena *arena, double r)
{
    char buf[64];
    if (r != r) return rp_arena_strdup(arena, "NAN");
    if (isinf(r)) return rp_arena_strdup(arena, r < 0 ? "-INFINITY" : "INFINITY");
    snprintf(buf, sizeof buf, "%.17g", r);
    if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
    return rp_arena_strdup(arena, buf);
}

/* An rp_val initializer for a constant (sets of non-string values). */
static char *val_init(pack *pk, const rp_ir_value *v)
{
    rp_type t = norm(v->type);
    rp_str s = is_text(t) ? const_text(pk->arena, v) : (rp_str){"", 0};
    return rp_arena_printf(pk->arena, "{{%s, %zu}, %s, %s, %d, 0}", rp_emit_c_literal(pk->arena, s.ptr, s.len), s.len,
                           long_c(pk->arena, v->i), real_c(pk->arena, v->r),
                           (!is_text(t) || t != RP_TYPE_STRING) && v->null ? 1 : 0);
}

/* {====================================================================
 * Expressions
 * ===================================================================== */

static xr compile(fn *f, const rp_ir_expr *e);

static xr mk(fn *f, int cl, rp_type t, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static xr mk(fn *f, int cl, rp_type t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xr x = {cl, norm(t), rp_arena_vprintf(f->pk->arena, fmt, ap)};
    va_end(ap);
    return x;
}

static const char *kind_of_x(fn *f, xr x)
{
    if (x.cl == CL_STR) return "RP_K_STRING";
    if (x.cl == CL_BOOL || x.cl == CL_TV) return "RP_K_BOOL";
    if (x.t == RP_TYPE_UNKNOWN) fail(f, "a value of unknown type");
    return kind_c(x.t);
}

static const char *as_tv(fn *f, xr x)
{
    rp_arena *a = f->pk->arena;
    switch (x.cl) {
    case CL_BOOL: return rp_arena_printf(a, "rp_tv_of(%s)", x.c);
    case CL_TV: return x.c;
    case CL_VAL: return rp_arena_printf(a, "rpx_tv(%s)", x.c);
    default: fail(f, "a string used as a condition"); return "RP_F";
    }
}

/* The condition of `where` (null is false). */
static const char *as_where(fn *f, xr x)
{
    if (x.cl == CL_BOOL) return x.c;
    if (x.cl == CL_TV) return rp_arena_printf(f->pk->arena, "rp_tv_where(%s)", x.c);
    return rp_arena_printf(f->pk->arena, "rp_tv_where(%s)", as_tv(f, x));
}

static const char *as_val(fn *f, xr x)
{
    rp_arena *a = f->pk->arena;
    switch (x.cl) {
    case CL_BOOL: return rp_arena_printf(a, "rpx_tvval(rp_tv_of(%s))", x.c);
    case CL_TV: return rp_arena_printf(a, "rpx_tvval(%s)", x.c);
    case CL_STR: return rp_arena_printf(a, "rpx_sval(%s)", x.c);
    default: return x.c;
    }
}

/* tostring() of a value; non-text values are formatted into a 48-byte local buffer. */
static const char *as_text(fn *f, xr x)
{
    rp_arena *a = f->pk->arena;
    if (x.cl == CL_STR) return x.c;
    if (x.cl == CL_VAL && x.t == RP_TYPE_DYNAMIC) return rp_arena_printf(a, "rp_dyn_text(&m->sc, %s)", x.c);
    if (x.cl == CL_VAL && is_text(x.t)) return rp_arena_printf(a, "(%s).s", x.c);
    int n = f->ntmp++;
    cb_printf(&f->decls, "char tb%d[48];\n", n);
    return rp_arena_printf(a, "rpx_text(%s, %s, tb%d)", as_val(f, x), kind_of_x(f, x), n);
}

static const char *cmp_suffix(rp_ir_cmp c)
{
    static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    return names[c];
}

static const char *cmp_enum(rp_ir_cmp c)
{
    static const char *const names[] = {"RPX_EQ", "RPX_NE", "RPX_LT", "RPX_LE", "RPX_GT", "RPX_GE"};
    return names[c];
}

/* An integer C expression for a non-null tick-like constant or now(): NULL when e is neither. */
static const char *tick_const(fn *f, const rp_ir_expr *e)
{
    if (e->kind == RP_IR_NOW) {
        f->uses_now = 1;
        if (e->value.i < 0 && e->value.i != INT64_MIN) return rp_arena_printf(f->pk->arena, "now - %s", long_c(f->pk->arena, -e->value.i));
        return e->value.i ? rp_arena_printf(f->pk->arena, "now + %s", long_c(f->pk->arena, e->value.i)) : "now";
    }
    if (e->kind == RP_IR_CONST && !e->value.null && is_ticklike(e->value.type) && is_ticklike(e->type))
        return long_c(f->pk->arena, e->value.i);
    return NULL;
}

static const char *strop_fn(rp_ir_strop sop)
{
    static const char *const names[] = {"rp_eq", "rp_contains", "rp_startswith", "rp_endswith",
                                        "rp_has", "rp_hasprefix", "rp_hassuffix"};
    return names[sop];
}

static int cmp_str_item(const void *a, const void *b) { return rp_strset_cmp(*(const rp_str *)a, *(const rp_str *)b); }

/* The pack column of a plain input string column read straight from the event (not written by
 * any stage, not in a tail, not a union), which the term index can serve; -1 otherwise. */
static int atom_col(const fn *f, const rp_ir_expr *h)
{
    if (f->in_tail || h->kind != RP_IR_COL || norm(h->type) != RP_TYPE_STRING || h->slot < 0 || (size_t)h->slot >= f->ir->nslots ||
        f->local[h->slot] || !f->src)
        return -1;
    for (size_t k = 0; k < f->src->ninputs; k++)
        if (f->src->inputs[k].slot == h->slot) return find_name(f->pk->cols, f->pk->ncols, f->src->inputs[k].name);
    return -1;
}

static int all_term(rp_str s)
{
    if (!s.len) return 0;
    for (size_t k = 0; k < s.len; k++)
        if (!rp_is_term((unsigned char)s.ptr[k])) return 0;
    return 1;
}

static size_t ti_index(pack *pk, int col)
{
    for (size_t x = 0; x < pk->nti; x++)
        if (pk->ti_col[x] == col) return x;
    pk->ti_col = rp_arena_grow(pk->arena, pk->ti_col, sizeof *pk->ti_col, &pk->ticap, pk->nti + 1);
    size_t cap = pk->natcap;
    pk->ti_natoms = rp_arena_grow(pk->arena, pk->ti_natoms, sizeof *pk->ti_natoms, &pk->natcap, pk->nti + 1);
    (void)cap;
    pk->ti_col[pk->nti] = col;
    pk->ti_natoms[pk->nti] = 0;
    return pk->nti++;
}

static void term_add(pack *pk, size_t x, rp_str lower, uint32_t atom, int single)
{
    pk->te = rp_arena_grow(pk->arena, pk->te, sizeof *pk->te, &pk->tecap, pk->nte + 1);
    pk->te[pk->nte].x = x;
    pk->te[pk->nte].term = lower;
    pk->te[pk->nte].atom = atom;
    pk->te[pk->nte++].single = single;
}

static rp_str lowered(rp_arena *ar, rp_str s)
{
    char *l = rp_arena_strndup(ar, s.ptr, s.len);
    for (size_t k = 0; k < s.len; k++) l[k] = (char)rp_lower((unsigned char)l[k]);
    rp_str r = {l, s.len};
    return r;
}

/* The atom of `col has needle` (all-term needle): equal needles share one. */
static const char *has_atom(fn *f, int col, rp_str needle)
{
    pack *pk = f->pk;
    size_t x = ti_index(pk, col);
    rp_str l = lowered(pk->arena, needle);
    for (size_t i = 0; i < pk->nte; i++)
        if (pk->te[i].single && pk->te[i].x == x && pk->te[i].term.len == l.len && memcmp(pk->te[i].term.ptr, l.ptr, l.len) == 0)
        {
            f->atom_x = (long)x;
            f->atom_a = (long)pk->te[i].atom;
            return rp_arena_printf(pk->arena, "rpx_atom(m, ev, %zu, %u)", x, (unsigned)pk->te[i].atom);
        }
    uint32_t a = pk->ti_natoms[x]++;
    f->atom_x = (long)x;
    f->atom_a = (long)a;
    term_add(pk, x, l, a, 1);
    return rp_arena_printf(pk->arena, "rpx_atom(m, ev, %zu, %u)", x, (unsigned)a);
}

static xr compile_in(fn *f, const rp_ir_expr *e)
{
    pack *pk = f->pk;
    rp_arena *ar = pk->arena;
    xr a = compile(f, e->args[0]);
    int n = pk->nconst++;
    if (e->setop == RP_IR_SET_HAS_ANY || e->setop == RP_IR_SET_HAS_ALL) {
        const char *h = as_text(f, a);
        if (e->setop == RP_IR_SET_HAS_ALL) {
            cb_printf(&pk->consts, "static const rp_needle A%d[] = {", n);
            for (size_t i = 0; i < e->nset; i++) {
                rp_str s = const_text(ar, &e->set[i]);
                char *lower = rp_arena_strndup(ar, s.ptr, s.len);
                for (size_t k = 0; k < s.len; k++) lower[k] = (char)rp_lower((unsigned char)lower[k]);
                cb_printf(&pk->consts, "%s{%s, %s, %zu}", i ? ", " : "", rp_emit_c_literal(ar, s.ptr, s.len),
                          rp_emit_c_literal(ar, lower, s.len), s.len);
            }
            cb_printf(&pk->consts, "%s};\n", e->nset ? "" : "{\"\", \"\", 0}");
            return mk(f, CL_BOOL, RP_TYPE_BOOL, "rp_has_all(%s, A%d, %zu)", h, n, e->nset);
        }
        /* has_any: all-term needles are looked up per haystack term; the others are phrases */
        rp_str *terms = rp_arena_alloc(ar, (e->nset + 1) * sizeof *terms);
        size_t nterms = 0, nphr = 0;
        cbuf phr = {0};
        for (size_t i = 0; i < e->nset; i++) {
            rp_str s = const_text(ar, &e->set[i]);
            int all_term = s.len > 0;
            for (size_t k = 0; k < s.len && all_term; k++) all_term = rp_is_term((unsigned char)s.ptr[k]);
            char *lower = rp_arena_strndup(ar, s.ptr, s.len);
            for (size_t k = 0; k < s.len; k++) lower[k] = (char)rp_lower((unsigned char)lower[k]);
            if (all_term) {
                terms[nterms].ptr = lower;
                terms[nterms++].len = s.len;
            } else {
                cb_printf(&phr, "%s{%s, %s, %zu}", nphr++ ? ", " : "", rp_emit_c_literal(ar, s.ptr, s.len),
                          rp_emit_c_literal(ar, lower, s.len), s.len);
            }
        }
        qsort(terms, nterms, sizeof *terms, cmp_str_item);
        const char *atom = NULL;
        int col = nterms ? atom_col(f, e->args[0]) : -1;
        if (col >= 0) {
            /* the all-term needles: one atom for the set in the term index */
            size_t x = ti_index(pk, col);
            uint32_t at = pk->ti_natoms[x]++;
            for (size_t i = 0; i < nterms; i++) term_add(pk, x, terms[i], at, 0);
            atom = rp_arena_printf(ar, "rpx_atom(m, ev, %zu, %u)", x, (unsigned)at);
            nterms = 0;
            if (!nphr) {
                free(phr.p);
                return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s", atom);
            }
        }
        cb_printf(&pk->consts, "static const rp_str H%d_terms[] = {", n);
        for (size_t i = 0; i < nterms; i++)
            cb_printf(&pk->consts, "%s{%s, %zu}", i ? ", " : "", rp_emit_c_literal(ar, terms[i].ptr, terms[i].len), terms[i].len);
        cb_printf(&pk->consts, "%s};\n", nterms ? "" : "{\"\", 0}");
        cb_printf(&pk->consts, "static const rp_needle H%d_phrases[] = {%s};\n", n, nphr ? phr.p : "{\"\", \"\", 0}");
        free(phr.p);
        cb_printf(&pk->consts, "static const rp_hasany H%d = {H%d_terms, %zu, H%d_phrases, %zu};\n", n, n, nterms, n, nphr);
        if (atom) return mk(f, CL_BOOL, RP_TYPE_BOOL, "(%s || rp_has_any(%s, &H%d))", atom, h, n);
        return mk(f, CL_BOOL, RP_TYPE_BOOL, "rp_has_any(%s, &H%d)", h, n);
    }
    rp_type ta = a.cl == CL_STR ? RP_TYPE_STRING : a.t;
    const char *dyn = NULL; /* a dynamic value: null is in nothing, else its tostring() text */
    xr orig = a;
    if (ta == RP_TYPE_DYNAMIC) {
        int t = f->ntmp++;
        cb_printf(&f->decls, "rp_val dv%d;\n", t);
        dyn = rp_arena_printf(ar, "dv%d", t);
        a = mk(f, CL_VAL, RP_TYPE_DYNAMIC, "%s", dyn);
        ta = RP_TYPE_STRING;
    }
    if (ta == RP_TYPE_STRING || ta == RP_TYPE_GUID) {
        /* whole-value equality with each element's text (in~: ASCII-folded) */
        rp_str *items = rp_arena_alloc(ar, (e->nset + 1) * sizeof *items);
        for (size_t i = 0; i < e->nset; i++) {
            rp_str s = const_text(ar, &e->set[i]);
            if (e->ci) {
                char *lower = rp_arena_strndup(ar, s.ptr, s.len);
                for (size_t k = 0; k < s.len; k++) lower[k] = (char)rp_lower((unsigned char)lower[k]);
                s.ptr = lower;
            }
            items[i] = s;
        }
        qsort(items, e->nset, sizeof *items, cmp_str_item);
        cb_printf(&pk->consts, "static const rp_str S%d_items[] = {", n);
        for (size_t i = 0; i < e->nset; i++)
            cb_printf(&pk->consts, "%s{%s, %zu}", i ? ", " : "", rp_emit_c_literal(ar, items[i].ptr, items[i].len), items[i].len);
        cb_printf(&pk->consts, "%s};\n", e->nset ? "" : "{\"\", 0}");
        cb_printf(&pk->consts, "static const rp_strset S%d = {S%d_items, %zu, %s};\n", n, n, e->nset, e->ci ? "RP_CI" : "RP_CS");
        if (dyn)
            return mk(f, CL_BOOL, RP_TYPE_BOOL, "(%s = %s, %s.null ? %s : %srp_in(%s, &S%d))", dyn, as_val(f, orig),
                      dyn, e->negated ? "true" : "false", e->negated ? "!" : "", as_text(f, a), n);
        return mk(f, CL_BOOL, RP_TYPE_BOOL, "%srp_in(%s, &S%d)", e->negated ? "!" : "", as_text(f, a), n);
    }
    cb_printf(&pk->consts, "static const rp_val V%d[] = {", n);
    for (size_t i = 0; i < e->nset; i++) cb_printf(&pk->consts, "%s%s", i ? ", " : "", val_init(pk, &e->set[i]));
    cb_printf(&pk->consts, "%s};\n", e->nset ? "" : "{{\"\", 0}, 0, 0.0, 1, 0}");
    cb_printf(&pk->consts, "static const unsigned char V%d_kinds[] = {", n);
    for (size_t i = 0; i < e->nset; i++) cb_printf(&pk->consts, "%s%s", i ? ", " : "", kind_c(e->set[i].type));
    cb_printf(&pk->consts, "%s};\n", e->nset ? "" : "0");
    return mk(f, CL_BOOL, RP_TYPE_BOOL, "rpx_in(%s, %s, V%d, V%d_kinds, %zu, %s)", as_val(f, a), kind_of_x(f, a), n, n,
              e->nset, e->negated ? "true" : "false");
}

/* Index of a regex in the pack table. variant 0: the pattern as written; 1: \\A(?:p)+ (trim
 * start); 2: (?:p)+\\z (trim end), as interp.c's add_regex builds them. */
static int regex_index(fn *f, const char *pat, size_t len, int variant)
{
    pack *pk = f->pk;
    char err[256];
    size_t off = 0;
    pat = pat ? pat : "";
    if (!rp_regex_check(pat, len, err, sizeof err, &off)) {
        fail(f, "a regular expression outside RE2 syntax: %s", err);
        return 0;
    }
    const char *pre = variant == 1 ? "\\A(?:" : variant == 2 ? "(?:" : "";
    const char *post = variant == 1 ? ")+" : variant == 2 ? ")+\\z" : "";
    size_t n = strlen(pre) + len + strlen(post);
    char *text = rp_arena_alloc(pk->arena, n + 1);
    memcpy(text, pre, strlen(pre));
    memcpy(text + strlen(pre), pat, len);
    memcpy(text + strlen(pre) + len, post, strlen(post));
    const char *lit = rp_emit_c_literal(pk->arena, text, n);
    const char *entry = rp_arena_printf(pk->arena, "{%s, %zu}", lit, n);
    for (size_t i = 0; i < pk->nrx; i++)
        if (strcmp(pk->regexes[i], entry) == 0) return (int)i;
    pk->regexes = rp_arena_grow(pk->arena, pk->regexes, sizeof *pk->regexes, &pk->rxcap, pk->nrx + 1);
    pk->regexes[pk->nrx] = entry;
    return (int)pk->nrx++;
}

/* Both branches of iff/case/coalesce must have the result's type (else the interpreter's
 * output type would depend on the row). */
static const char *branch(fn *f, const rp_ir_expr *e, rp_type want)
{
    xr x = compile(f, e);
    rp_type got = x.cl == CL_STR ? RP_TYPE_STRING : (x.cl == CL_VAL ? x.t : RP_TYPE_BOOL);
    if (norm(got) != norm(want)) fail(f, "branches of different types in iff/case/coalesce");
    return norm(want) == RP_TYPE_STRING ? as_text(f, x) : as_val(f, x);
}

static xr compile_call(fn *f, const rp_ir_expr *e)
{
    rp_arena *ar = f->pk->arena;
    rp_type rt = norm(e->type);
    /* the first argument of trim/extract is the pattern: a table entry, not a value */
    int pattern_first = e->fn == RP_IR_F_EXTRACT || e->fn == RP_IR_F_TRIM || e->fn == RP_IR_F_TRIM_START || e->fn == RP_IR_F_TRIM_END;
    xr a = e->nargs && !pattern_first ? compile(f, e->args[0]) : mk(f, CL_STR, RP_TYPE_STRING, "rp_str_c(\"\")");
    if (a.cl == CL_VAL && a.t == RP_TYPE_DYNAMIC &&
        (e->fn == RP_IR_F_TOLONG || e->fn == RP_IR_F_TOREAL || e->fn == RP_IR_F_TODATETIME || e->fn == RP_IR_F_TOTIMESPAN ||
         e->fn == RP_IR_F_TOBOOL))
        a = mk(f, CL_STR, RP_TYPE_STRING, "%s", as_text(f, a)); /* conversions read tostring() (interp.c) */
    switch (e->fn) {
    case RP_IR_F_MEMBER: {
        const rp_ir_value *k = &e->args[1]->value;
        return mk(f, CL_VAL, RP_TYPE_DYNAMIC, "rp_dyn_member(%s, rpx_kstr(&%s), &m->sc)", as_val(f, a),
                  needle_const(f->pk, (rp_str){k->s, k->len}));
    }
    case RP_IR_F_INDEX:
        return mk(f, CL_VAL, RP_TYPE_DYNAMIC, "rp_dyn_index(%s, %s)", as_val(f, a), long_c(ar, e->args[1]->value.i));
    case RP_IR_F_PARSE_JSON: return mk(f, CL_VAL, RP_TYPE_DYNAMIC, "rp_dyn_parse(&m->sc, %s)", as_text(f, a));
    case RP_IR_F_ARRAY_LENGTH: return mk(f, CL_VAL, RP_TYPE_LONG, "rp_dyn_array_length(%s)", as_val(f, a));
    case RP_IR_F_SPLIT: {
        const rp_ir_value *d = &e->args[1]->value;
        return mk(f, CL_VAL, RP_TYPE_DYNAMIC, "rp_dyn_split(&m->sc, %s, rpx_kstr(&%s), %s)", as_text(f, a),
                  needle_const(f->pk, (rp_str){d->s, d->len}), long_c(ar, e->nargs > 2 ? e->args[2]->value.i : -1));
    }
    case RP_IR_F_PACK_ARRAY: {
        cbuf v = {0}, k = {0};
        size_t n = e->nargs < 64 ? e->nargs : 64;
        for (size_t i = 0; i < n; i++) {
            xr x = i ? compile(f, e->args[i]) : a;
            cb_printf(&v, "%s%s", i ? ", " : "", as_val(f, x));
            cb_printf(&k, "%s%s", i ? ", " : "", kind_of_x(f, x));
        }
        return mk(f, CL_VAL, RP_TYPE_DYNAMIC, "rp_dyn_pack(&m->sc, (const rp_val[]){%s}, (const rp_kind[]){%s}, %zu)",
                  cb_take(ar, &v), cb_take(ar, &k), n);
    }
    case RP_IR_F_IPV4_IS_PRIVATE: return mk(f, CL_VAL, RP_TYPE_BOOL, "rp_ipv4_is_private(%s)", as_text(f, a));
    case RP_IR_F_ISEMPTY:
    case RP_IR_F_ISNOTEMPTY: {
        const char *neg = e->fn == RP_IR_F_ISNOTEMPTY ? "!" : "";
        if (a.cl == CL_STR) return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s(%s.len == 0)", neg, a.c);
        return mk(f, CL_BOOL, RP_TYPE_BOOL, "%srpx_isempty(%s, %s)", neg, as_val(f, a), kind_of_x(f, a));
    }
    case RP_IR_F_ISNULL:
    case RP_IR_F_ISNOTNULL: {
        int isnull = e->fn == RP_IR_F_ISNULL;
        if (a.cl == CL_STR) return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s", isnull ? "false" : "true");
        return mk(f, CL_BOOL, RP_TYPE_BOOL, "((%s).null %s 0)", as_val(f, a), isnull ? "!=" : "==");
    }
    case RP_IR_F_STRLEN: return mk(f, CL_VAL, RP_TYPE_LONG, "rpx_i(rpx_utf8_chars(%s))", as_text(f, a));
    case RP_IR_F_TOSTRING: return mk(f, CL_STR, RP_TYPE_STRING, "%s", as_text(f, a));
    case RP_IR_F_TOLONG: return mk(f, CL_VAL, RP_TYPE_LONG, "rpx_tolong(%s, %s)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_TOREAL: return mk(f, CL_VAL, RP_TYPE_REAL, "rpx_toreal(%s, %s)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_TODATETIME:
    case RP_IR_F_TOTIMESPAN: {
        int dt = e->fn == RP_IR_F_TODATETIME;
        return mk(f, CL_VAL, dt ? RP_TYPE_DATETIME : RP_TYPE_TIMESPAN, "rpx_toticks(%s, %s, %s)", as_val(f, a),
                  kind_of_x(f, a), dt ? "RP_K_DATETIME" : "RP_K_TIMESPAN");
    }
    case RP_IR_F_TOBOOL: return mk(f, CL_VAL, RP_TYPE_BOOL, "rpx_tobool(%s, %s)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_BIN: {
        xr b = compile(f, e->args[1]);
        rp_type t = a.cl == CL_VAL && b.cl == CL_VAL && (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL) ? RP_TYPE_REAL : a.t;
        if (rt != RP_TYPE_UNKNOWN && rt != t) fail(f, "bin() of mixed types");
        return mk(f, CL_VAL, t, "rpx_bin(%s, %s, %s, %s)", as_val(f, a), kind_of_x(f, a), as_val(f, b), kind_of_x(f, b));
    }
    case RP_IR_F_IFF:
    case RP_IR_F_CASE: {
        if (rt == RP_TYPE_UNKNOWN) fail(f, "iff/case of unknown type");
        cbuf b = {0};
        size_t i = 0, open = 0;
        for (; i + 1 < e->nargs; i += 2, open++) {
            const char *cond = i ? as_tv(f, compile(f, e->args[i])) : as_tv(f, a);
            cb_printf(&b, "(%s == RP_T ? %s : ", cond, branch(f, e->args[i + 1], rt));
        }
        cb_printf(&b, "%s", branch(f, e->args[e->nargs - 1], rt));
        for (size_t k = 0; k < open; k++) cb_printf(&b, ")");
        return mk(f, rt == RP_TYPE_STRING ? CL_STR : CL_VAL, rt, "%s", cb_take(ar, &b));
    }
    case RP_IR_F_COALESCE: {
        if (rt == RP_TYPE_UNKNOWN) fail(f, "coalesce of unknown type");
        const char *acc = branch(f, e->args[e->nargs - 1], rt);
        for (size_t i = e->nargs - 1; i-- > 0;)
            acc = rp_arena_printf(ar, "%s(%s, %s)", rt == RP_TYPE_STRING ? "rpx_coalesce_s" : "rpx_coalesce_v",
                                  branch(f, e->args[i], rt), acc);
        return mk(f, rt == RP_TYPE_STRING ? CL_STR : CL_VAL, rt, "%s", acc);
    }
    case RP_IR_F_SUBSTRING: {
        const char *start = as_val(f, compile(f, e->args[1]));
        const char *len = e->nargs > 2 ? as_val(f, compile(f, e->args[2])) : "rpx_missing";
        return mk(f, CL_STR, RP_TYPE_STRING, "rpx_substring(%s, %s, %s, %s)", as_text(f, a), start, len,
                  e->nargs > 2 ? "true" : "false");
    }
    case RP_IR_F_INDEXOF: {
        if (e->args[1]->kind != RP_IR_CONST) {
            const char *hs = as_text(f, a), *ns = as_text(f, compile(f, e->args[1]));
            int n = f->ntmp++;
            cb_printf(&f->decls, "rp_needle dn%d;\n", n);
            return mk(f, CL_VAL, RP_TYPE_LONG, "rpx_indexof(%s, (dn%d = rp_needle_scratch(&m->sc, %s), &dn%d))", hs, n, ns, n);
        }
        const char *k = needle_const(f->pk, const_text(ar, &e->args[1]->value));
        return mk(f, CL_VAL, RP_TYPE_LONG, "rpx_indexof(%s, &%s)", as_text(f, a), k);
    }
    case RP_IR_F_ABS: return mk(f, CL_VAL, a.t, "rpx_abs(%s, %s)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_STARTOFDAY: return mk(f, CL_VAL, RP_TYPE_DATETIME, "rpx_dayfn(%s, %s, 0)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_HOUROFDAY: return mk(f, CL_VAL, RP_TYPE_LONG, "rpx_dayfn(%s, %s, 1)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_DAYOFWEEK: return mk(f, CL_VAL, RP_TYPE_TIMESPAN, "rpx_dayfn(%s, %s, 2)", as_val(f, a), kind_of_x(f, a));
    case RP_IR_F_TOLOWER:
    case RP_IR_F_TOUPPER:
        return mk(f, CL_STR, RP_TYPE_STRING, "rp_str_case(&m->sc, %s, %s)", as_text(f, a),
                  e->fn == RP_IR_F_TOUPPER ? "true" : "false");
    case RP_IR_F_STRCAT: {
        cbuf b = {0};
        size_t n = e->nargs < 64 ? e->nargs : 64;
        for (size_t i = 0; i < n; i++) cb_printf(&b, "%s%s", i ? ", " : "", i ? as_text(f, compile(f, e->args[i])) : as_text(f, a));
        return mk(f, CL_STR, RP_TYPE_STRING, "rp_str_concat(&m->sc, (const rp_str[]){%s}, %zu)", cb_take(ar, &b), n);
    }
    case RP_IR_F_REPLACE_STRING: {
        const char *s = as_text(f, a);
        const char *from = as_text(f, compile(f, e->args[1])), *to = as_text(f, compile(f, e->args[2]));
        return mk(f, CL_STR, RP_TYPE_STRING, "rp_str_replace(&m->sc, %s, %s, %s)", s, from, to);
    }
    case RP_IR_F_EXTRACT:
    case RP_IR_F_TRIM:
    case RP_IR_F_TRIM_START:
    case RP_IR_F_TRIM_END: {
        const rp_ir_expr *p = e->args[0];
        if (p->kind != RP_IR_CONST || norm(p->value.type) != RP_TYPE_STRING) {
            fail(f, "trim/extract with a pattern that is not a constant string");
            return mk(f, CL_STR, RP_TYPE_STRING, "rp_str_c(\"\")");
        }
        if (e->fn == RP_IR_F_EXTRACT) {
            int i = regex_index(f, p->value.s, p->value.len, 0);
            xr g = compile(f, e->args[1]);
            const char *s = as_text(f, compile(f, e->args[2]));
            return mk(f, CL_STR, RP_TYPE_STRING, "rpx_extract(&m->rx[%d], %s, %s, %s)", i, as_val(f, g), kind_of_x(f, g), s);
        }
        const char *st = "NULL", *en = "NULL";
        if (e->fn != RP_IR_F_TRIM_END) st = rp_arena_printf(ar, "&m->rx[%d]", regex_index(f, p->value.s, p->value.len, 1));
        if (e->fn != RP_IR_F_TRIM_START) en = rp_arena_printf(ar, "&m->rx[%d]", regex_index(f, p->value.s, p->value.len, 2));
        return mk(f, CL_STR, RP_TYPE_STRING, "rp_trim_regex(%s, %s, %s)", st, en, as_text(f, compile(f, e->args[1])));
    }
    default:
        fail(f, "%s() is not compiled to C yet", rp_ir_fn_name(e->fn));
        return mk(f, CL_VAL, rt, "rpx_missing");
    }
}

static xr compile(fn *f, const rp_ir_expr *e)
{
    pack *pk = f->pk;
    rp_arena *ar = pk->arena;
    switch (e->kind) {
    case RP_IR_CONST: {
        rp_type t = norm(e->value.type);
        if (t == RP_TYPE_STRING) return mk(f, CL_STR, t, "rpx_kstr(&%s)", needle_const(pk, const_text(ar, &e->value)));
        if (t == RP_TYPE_UNKNOWN) t = norm(e->type);
        int n = pk->nconst++;
        cb_printf(&pk->consts, "static const rp_val V%d = %s;\n", n, val_init(pk, &e->value));
        return mk(f, CL_VAL, t, "V%d", n);
    }
    case RP_IR_COL: {
        rp_type t = norm(e->type);
        const char *lv = e->slot >= 0 && (size_t)e->slot < f->ir->nslots ? f->slot_lv[e->slot] : NULL;
        if (!lv) {
            fail(f, "a column without a slot");
            return mk(f, CL_VAL, t, "rpx_missing");
        }
        if (t == RP_TYPE_UNKNOWN) fail(f, "column %s of unknown type", e->name ? e->name : "?");
        if (t == RP_TYPE_STRING) return mk(f, CL_STR, t, "%s.s", lv);
        return mk(f, CL_VAL, t, "%s", lv);
    }
    case RP_IR_NOW:
        f->uses_now = 1;
        return mk(f, CL_VAL, RP_TYPE_DATETIME, "rpx_i(%s)", tick_const(f, e));
    case RP_IR_AND:
    case RP_IR_OR: {
        int all_bool = 1;
        xr *xs = rp_arena_alloc(ar, (e->nargs + 1) * sizeof *xs);
        for (size_t i = 0; i < e->nargs; i++) {
            xs[i] = compile(f, e->args[i]);
            all_bool &= xs[i].cl == CL_BOOL;
        }
        cbuf b = {0};
        if (all_bool) {
            for (size_t i = 0; i < e->nargs; i++)
                cb_printf(&b, "%s%s", i ? (e->kind == RP_IR_AND ? " && " : " || ") : "(", xs[i].c);
            cb_printf(&b, ")");
            return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s", cb_take(ar, &b));
        }
        const char *op = e->kind == RP_IR_AND ? "rp_tv_and" : "rp_tv_or";
        for (size_t i = 0; i + 1 < e->nargs; i++) cb_printf(&b, "%s(%s, ", op, as_tv(f, xs[i]));
        cb_printf(&b, "%s", as_tv(f, xs[e->nargs - 1]));
        for (size_t i = 0; i + 1 < e->nargs; i++) cb_printf(&b, ")");
        return mk(f, CL_TV, RP_TYPE_BOOL, "%s", cb_take(ar, &b));
    }
    case RP_IR_NOT: {
        xr a = compile(f, e->args[0]);
        if (a.cl == CL_BOOL) return mk(f, CL_BOOL, RP_TYPE_BOOL, "!%s", a.c);
        return mk(f, CL_TV, RP_TYPE_BOOL, "rp_tv_not(%s)", as_tv(f, a));
    }
    case RP_IR_CMP: {
        const rp_ir_expr *l = e->args[0], *r = e->args[1];
        rp_type lt = norm(l->type);
        /* column op constant: straight to the runtime */
        if (l->kind == RP_IR_COL && l->slot >= 0 && (size_t)l->slot < f->ir->nslots) {
            const char *lv = f->slot_lv[l->slot];
            const char *k = tick_const(f, r);
            if (k && is_ticklike(lt))
                return mk(f, CL_TV, RP_TYPE_BOOL, "rp_%s_i(&%s, %s)", cmp_suffix(e->cmp), lv, k);
            if (lt == RP_TYPE_REAL && r->kind == RP_IR_CONST && !r->value.null &&
                (norm(r->value.type) == RP_TYPE_REAL || norm(r->value.type) == RP_TYPE_LONG)) {
                const char *kc = norm(r->value.type) == RP_TYPE_REAL ? real_c(ar, r->value.r) : rp_arena_printf(ar, "(double)%s", long_c(ar, r->value.i));
                return mk(f, CL_TV, RP_TYPE_BOOL, "rp_%s_r(&%s, %s)", cmp_suffix(e->cmp), lv, kc);
            }
            if (lt == RP_TYPE_STRING && r->kind == RP_IR_CONST && norm(r->value.type) == RP_TYPE_STRING &&
                (e->cmp == RP_IR_EQ || e->cmp == RP_IR_NE))
                return mk(f, CL_BOOL, RP_TYPE_BOOL, "%srp_eq(%s.s, &%s, RP_CS)", e->cmp == RP_IR_NE ? "!" : "", lv,
                          needle_const(pk, const_text(ar, &r->value)));
        }
        xr a = compile(f, l), b = compile(f, r);
        return mk(f, CL_TV, RP_TYPE_BOOL, "rpx_cmp(%s, %s, %s, %s, %s)", cmp_enum(e->cmp), as_val(f, a), kind_of_x(f, a),
                  as_val(f, b), kind_of_x(f, b));
    }
    case RP_IR_STR: {
        const rp_ir_expr *needle = e->args[1];
        xr h = compile(f, e->args[0]);
        if (needle->kind != RP_IR_CONST) {
            /* a needle computed per event: folded into the scratch */
            const char *hs = as_text(f, h), *ns = as_text(f, compile(f, needle));
            int n = f->ntmp++;
            cb_printf(&f->decls, "rp_needle dn%d;\n", n);
            return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s%s(%s, (dn%d = rp_needle_scratch(&m->sc, %s), &dn%d), %s)",
                      e->negated ? "!" : "", strop_fn(e->sop), hs, n, ns, n, e->ci ? "RP_CI" : "RP_CS");
        }
        rp_str ns = const_text(ar, &needle->value);
        int col = e->sop == RP_IR_S_HAS && e->ci && all_term(ns) ? atom_col(f, e->args[0]) : -1;
        if (col >= 0) return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s%s", e->negated ? "!" : "", has_atom(f, col, ns));
        const char *k = needle_const(pk, ns);
        return mk(f, CL_BOOL, RP_TYPE_BOOL, "%s%s(%s, &%s, %s)", e->negated ? "!" : "", strop_fn(e->sop), as_text(f, h), k,
                  e->ci ? "RP_CI" : "RP_CS");
    }
    case RP_IR_IN: return compile_in(f, e);
    case RP_IR_BETWEEN: {
        const rp_ir_expr *v = e->args[0];
        const char *lo = tick_const(f, e->args[1]), *hi = tick_const(f, e->args[2]);
        const char *t;
        if (v->kind == RP_IR_COL && v->slot >= 0 && (size_t)v->slot < f->ir->nslots && is_ticklike(v->type) && lo && hi) {
            t = rp_arena_printf(ar, "rp_between_i(&%s, %s, %s)", f->slot_lv[v->slot], lo, hi);
        } else {
            xr a = compile(f, v), l = compile(f, e->args[1]), h = compile(f, e->args[2]);
            const char *av = as_val(f, a), *ak = kind_of_x(f, a);
            t = rp_arena_printf(ar, "rp_tv_and(rpx_cmp(RPX_GE, %s, %s, %s, %s), rpx_cmp(RPX_LE, %s, %s, %s, %s))", av, ak,
                                as_val(f, l), kind_of_x(f, l), av, ak, as_val(f, h), kind_of_x(f, h));
        }
        return mk(f, CL_TV, RP_TYPE_BOOL, e->negated ? "rp_tv_not(%s)" : "%s", t);
    }
    case RP_IR_REGEX: {
        xr h = compile(f, e->args[0]);
        int i = regex_index(f, e->value.s, e->value.len, 0);
        return mk(f, CL_BOOL, RP_TYPE_BOOL, "rp_regex_match(&m->rx[%d], %s)", i, as_text(f, h));
    }
    case RP_IR_ARITH: {
        rp_type rt = norm(e->type);
        if (rt == RP_TYPE_UNKNOWN) fail(f, "arithmetic of unknown type");
        xr a = compile(f, e->args[0]);
        if (e->arith == RP_IR_NEG) return mk(f, CL_VAL, rt, "rpx_neg(%s, %s)", as_val(f, a), kind_of_x(f, a));
        xr b = compile(f, e->args[1]);
        static const char *const ops[] = {"RPX_ADD", "RPX_SUB", "RPX_MUL", "RPX_DIV", "RPX_MOD"};
        return mk(f, CL_VAL, rt, "rpx_arith(%s, %s, %s, %s, %s, %s)", ops[e->arith], as_val(f, a), kind_of_x(f, a),
                  as_val(f, b), kind_of_x(f, b), rt == RP_TYPE_REAL ? "true" : "false");
    }
    case RP_IR_CALL: return compile_call(f, e);
    case RP_IR_EXPR_KIND_COUNT: break;
    }
    fail(f, "an expression the emitter does not know");
    return mk(f, CL_BOOL, RP_TYPE_BOOL, "false");
}

/* {====================================================================
 * Prefilter: literals every matching line must contain
 * ===================================================================== */

typedef struct lits {
    rp_str *v;
    size_t n, cap;
} lits;

static int lit_usable(rp_str s)
{
    return s.len > 0 && !(rp_needle_flags(s.ptr, s.len) & (RP_NF_EMPTY | RP_NF_NO_PREFILTER));
}

static void lits_add(rp_arena *ar, lits *l, rp_str s)
{
    l->v = rp_arena_grow(ar, l->v, sizeof *l->v, &l->cap, l->n + 1);
    l->v[l->n++] = s;
}

static int shortest(const lits *l)
{
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].len < m) m = l->v[i].len;
    return (int)(m > 1000 ? 1000 : m);
}

/* A plain input column of the source (never written by a stage): its text is in the line. */
static int plain_string_col(const fn *f, const rp_ir_expr *e, const unsigned char *written)
{
    if (e->kind != RP_IR_COL || norm(e->type) != RP_TYPE_STRING || e->slot < 0 || written[e->slot]) return 0;
    for (size_t k = 0; k < f->src->ninputs; k++)
        if (f->src->inputs[k].slot == e->slot) return 1;
    return 0;
}

/* 1 with `out` filled when every row that satisfies e has one of the literals in a plain column. */
static int required(const fn *f, const rp_ir_expr *e, const unsigned char *written, lits *out)
{
    rp_arena *ar = f->pk->arena;
    switch (e->kind) {
    case RP_IR_AND: {
        lits best = {0};
        int found = 0;
        for (size_t i = 0; i < e->nargs; i++) {
            lits c = {0};
            if (required(f, e->args[i], written, &c) && (!found || shortest(&c) > shortest(&best))) {
                best = c;
                found = 1;
            }
        }
        if (found)
            for (size_t i = 0; i < best.n; i++) lits_add(ar, out, best.v[i]);
        return found;
    }
    case RP_IR_OR:
        for (size_t i = 0; i < e->nargs; i++)
            if (!required(f, e->args[i], written, out)) return 0;
        return 1;
    case RP_IR_STR: {
        if (e->negated || !plain_string_col(f, e->args[0], written) || e->args[1]->kind != RP_IR_CONST) return 0;
        rp_str s = const_text(ar, &e->args[1]->value);
        if (!lit_usable(s)) return 0;
        lits_add(ar, out, s);
        return 1;
    }
    case RP_IR_CMP: {
        if (e->cmp != RP_IR_EQ || !plain_string_col(f, e->args[0], written) || e->args[1]->kind != RP_IR_CONST ||
            norm(e->args[1]->value.type) != RP_TYPE_STRING)
            return 0;
        rp_str s = const_text(ar, &e->args[1]->value);
        if (!lit_usable(s)) return 0;
        lits_add(ar, out, s);
        return 1;
    }
    case RP_IR_IN: {
        if (e->negated || !plain_string_col(f, e->args[0], written) || e->nset == 0) return 0;
        if (e->setop == RP_IR_SET_HAS_ALL) {
            for (size_t i = 0; i < e->nset; i++) {
                rp_str s = const_text(ar, &e->set[i]);
                if (lit_usable(s)) {
                    lits_add(ar, out, s);
                    return 1;
                }
            }
            return 0;
        }
        for (size_t i = 0; i < e->nset; i++) {
            rp_str s = const_text(ar, &e->set[i]);
            if (!lit_usable(s)) return 0;
            lits_add(ar, out, s);
        }
        return 1;
    }
    default: return 0;
    }
}

/* {====================================================================
 * Rules
 * ===================================================================== */

const char *rp_emit_c_unsupported(rp_arena *arena, const rp_ir_rule *ir)
{
    if (!ir) return "no query";
    if (ir->status != RP_IR_FULL)
        return rp_arena_printf(arena, "the query is %s compiled%s%s", ir->status == RP_IR_PARTIAL ? "only partly" : "not",
                               ir->why ? ": " : "", ir->why ? ir->why : "");
    if (ir->nsources == 0) return "the query reads no table";
    return NULL;
}

static const char *agg_enum(rp_ir_agg_kind k)
{
    static const char *const names[] = {"RP_AGG_COUNT",   "RP_AGG_COUNTIF",   "RP_AGG_DCOUNT",  "RP_AGG_MIN",
                                        "RP_AGG_MAX",     "RP_AGG_SUM",       "RP_AGG_AVG",     "RP_AGG_MAKE_SET",
                                        "RP_AGG_MAKE_LIST", "RP_AGG_ARG_MAX", "RP_AGG_ARG_MIN", "RP_AGG_ANY"};
    return names[k];
}

/* A multi-line comment: each line of text escaped, prefixed " * ". */
static void comment_lines(cbuf *b, rp_arena *ar, const char *text)
{
    const char *p = text ? text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        cb_printf(b, " * %s\n", rp_emit_c_comment(ar, p, n));
        p += n + (nl ? 1 : 0);
    }
}

struct rule_out {
    const rp_emit_c_input *in;
    const char *ident;        /* rp_rule_<...> */
    const char *why;
    cbuf code;                /* its functions */
    cbuf tabs;                /* its tail stage tables (rpx_stages entries go to `stages`) */
    cbuf stages;
    const char **fnames;      /* per source */
    size_t *stage_g;          /* per tail stage: its index in rpx_stages (stateful ones) */
    const char *finish;       /* its finish function, or NULL */
    long guard_x, guard_a;    /* an atom without which the rule matches nothing (-1: none) */
    size_t excl_off;
    lits lits;
    int lits_ok;
    size_t index;             /* in the sorted table */
};

static const char *lit_of(rp_arena *ar, const char *s) { return rp_emit_c_literal(ar, s ? s : "", s ? strlen(s) : 0); }

static const char *reject_stmt(const fn *f, int depth) { return depth ? "continue;" : (f->in_tail ? "return;" : "return -1;"); }

/* The alert of one row: head, the visible columns, counts. */
static void emit_alert(fn *f, cbuf *b, const char *table)
{
    pack *pk = f->pk;
    rp_arena *ar = pk->arena;
    const rp_ir_rule *ir = f->ir;
    const rp_ir_cols *out = &ir->out;
    cb_printf(b, "rpx_head(m, %zu, %s);\nrp_jw_key(&m->w, \"event\");\n", f->r->index, lit_of(ar, table));
    if (out->event_star && out->count == 0) {
        if (f->in_tail) cb_printf(b, "rp_jw_raw(&m->w, %s.len ? %s : rp_str_c(\"{}\"));\n", f->line, f->line);
        else cb_printf(b, "rp_jw_raw(&m->w, %s);\n", f->line);
    } else {
        pk->uses_columns = 1;
        cb_printf(b, "rp_jw_reset(&m->w2);\nrp_jw_obj_begin(&m->w2);\n");
        for (size_t i = 0; i < out->count; i++) {
            const rp_ir_col *c = &out->cols[i];
            rp_type t = norm(c->type);
            if (c->slot < 0 || (size_t)c->slot >= ir->nslots) {
                fail(f, "an output column without a slot");
                continue;
            }
            if (t == RP_TYPE_UNKNOWN) t = norm(ir->slots[c->slot].type);
            if (t == RP_TYPE_UNKNOWN) fail(f, "output column %s of unknown type", c->name);
            const char *lv = f->slot_lv[c->slot];
            cb_printf(b, "rp_jw_key(&m->w2, %s);\n", lit_of(ar, c->name));
            if (t == RP_TYPE_STRING) cb_printf(b, "rpx_col(m, rpx_sval(%s.s), RP_K_STRING);\n", lv);
            else cb_printf(b, "rpx_col(m, rpx_rp(%s), %s);\n", lv, kind_c(t));
        }
        cb_printf(b, "rpx_event_end(m, %s, %s);\n", f->line, out->event_star ? "true" : "false");
    }
    cb_printf(b, "rp_jw_obj_end(&m->w);\nrpx_flush(m, m->alerts);\n");
    cb_printf(b, "m->rstats[%zu].alerts++;\nm->stats.alerts++;\n", f->r->index);
}

/* A row leaves its source's stages: counted as matched, exclusions, then the tail or an alert. */
static void emit_source_done(fn *f, cbuf *b, int depth)
{
    rp_arena *ar = f->pk->arena;
    const rp_ir_rule *ir = f->ir;
    size_t ri = f->r->index;
    cb_printf(b, "if (emit) {\n    if (!m->counted) {\n        m->counted = true;\n        m->stats.matched++;\n    }\n"
                 "    m->rstats[%zu].matched++;\n}\n", ri);
    for (size_t x = 0; x < ir->nexcls; x++) {
        const rp_ir_excl *e = &ir->excls[x];
        if (!e->pred) continue;
        xr c = compile(f, e->pred);
        const char *text = rp_ir_expr_print(ar, e->pred);
        cb_printf(b, "/* exclusion [%zu] %s: %s */\n", x, rp_emit_c_comment(ar, e->scenario, strlen(e->scenario)),
                  rp_emit_c_comment(ar, text, strlen(text)));
        cb_printf(b, "if (%s) {\n    if (!emit) return %zu;\n", as_where(f, c), x + 1);
        cb_printf(b, "    rpx_suppress(m, %zu, %zu, %s, ev);\n", ri, f->r->excl_off + x, lit_of(ar, f->src->table));
        if (depth) cb_printf(b, "    continue;\n}\n");
        else cb_printf(b, "    return %zu;\n}\n", x + 1);
    }
    cb_printf(b, "if (!emit) return 0;\n");
    if (ir->ntail) {
        int n = f->ntmp++;
        cb_printf(b, "m->rstats[%zu].aggregated++;\n{\n    rp_val row%d[%zu] = {", ri, n, ir->nslots + 1);
        for (size_t i = 0; i < ir->nslots; i++) cb_printf(b, "%s%s", i ? ", " : "", f->slot_lv[i]);
        cb_printf(b, "%srpx_missing};\n    %s_t0(m, row%d, ev->line);\n}\n", ir->nslots ? ", " : "", f->r->ident, n);
    } else {
        emit_alert(f, b, f->src->table);
    }
    if (!depth) cb_printf(b, "return 0;\n");
}

/* Stateful tail stage k consumes the row `r`. */
static void emit_consume(fn *f, cbuf *b, const rp_ir_stage *st, size_t k)
{
    rp_arena *ar = f->pk->arena;
    size_t g = f->r->stage_g[k];
    int n = f->ntmp++;
    cb_printf(b, "/* %s */\n", rp_ir_stage_kind_name(st->kind));
    switch (st->kind) {
    case RP_IR_SUMMARIZE:
    case RP_IR_DISTINCT: {
        size_t na = st->kind == RP_IR_SUMMARIZE ? st->naggs : 0;
        cb_printf(b, "{\n");
        b->indent++;
        cb_printf(b, "rp_val k%d[%zu] = {", n, st->nassigns + 1);
        for (size_t a = 0; a < st->nassigns; a++) {
            xr x = compile(f, st->assigns[a].expr);
            cb_printf(b, "%srpx_rp(%s)", a ? ", " : "", as_val(f, x));
        }
        cb_printf(b, "%s};\n", st->nassigns ? "" : "rpx_missing");
        for (size_t a = 0; a < na; a++) {
            const rp_ir_agg *ag = &st->aggs[a];
            if (ag->arg) {
                xr x = compile(f, ag->arg);
                cb_printf(b, "rp_val a%d_%zu = rpx_rp(%s);\n", n, a, as_val(f, x));
            } else {
                cb_printf(b, "rp_val a%d_%zu = rpx_sval(rp_str_c(\"\"));\n", n, a);
            }
            if (ag->nextras) {
                cb_printf(b, "rp_val x%d_%zu[%zu] = {", n, a, ag->nextras);
                for (size_t e = 0; e < ag->nextras; e++) {
                    xr x = compile(f, ag->extras[e].expr);
                    cb_printf(b, "%srpx_rp(%s)", e ? ", " : "", as_val(f, x));
                }
                cb_printf(b, "};\n");
            }
        }
        cb_printf(b, "rp_agg_in in%d[%zu] = {", n, na + 1);
        for (size_t a = 0; a < na; a++) {
            const rp_ir_agg *ag = &st->aggs[a];
            const char *cond = ag->kind == RP_IR_AGG_COUNTIF && ag->arg ? rp_arena_printf(ar, "!a%d_%zu.null && a%d_%zu.i", n, a, n, a) : "true";
            const char *extra = ag->nextras ? rp_arena_printf(ar, "x%d_%zu", n, a) : "NULL";
            cb_printf(b, "%s{&a%d_%zu, %s, %s}", a ? ", " : "", n, a, cond, extra);
        }
        cb_printf(b, "%s};\n", na ? "" : "{NULL, false, NULL}");
        cb_printf(b, "if (!rp_groups_feed(&m->groups[%zu], k%d, in%d)) m->oom = true;\n", g, n, n);
        b->indent--;
        cb_printf(b, "}\n");
        break;
    }
    case RP_IR_TAKE:
    case RP_IR_SORT:
    case RP_IR_TOP: {
        cb_printf(b, "{\n");
        b->indent++;
        cb_printf(b, "rp_val q%d[%zu] = {", n, st->nkeys + 1);
        for (size_t i = 0; i < st->nkeys; i++) cb_printf(b, "%s%s", i ? ", " : "", as_val(f, compile(f, st->keys[i].expr)));
        cb_printf(b, "%srpx_missing};\n", st->nkeys ? ", " : "");
        cb_printf(b, "rp_rows_add(&m->rows[%zu], r, q%d, line);\n", g, n);
        b->indent--;
        cb_printf(b, "}\n");
        break;
    }
    case RP_IR_COUNT: cb_printf(b, "m->count[%zu]++;\n", g); break;
    default: fail(f, "%s in the tail", rp_ir_stage_kind_name(st->kind)); break;
    }
}

static void emit_stages(fn *f, cbuf *b, const rp_ir_stage *stages, size_t n, size_t k, int depth);

static void emit_parse(fn *f, cbuf *b, const rp_ir_stage *st)
{
    pack *pk = f->pk;
    rp_arena *ar = pk->arena;
    int id = pk->nconst++, n = f->ntmp++;
    cb_printf(&pk->consts, "static const rp_parse_piece P%d[] = {", id);
    for (size_t i = 0; i < st->npieces; i++) {
        const rp_ir_parse_piece *p = &st->pieces[i];
        cb_printf(&pk->consts, "%s{%s, %zu, %s, %s}", i ? ", " : "", p->text ? rp_emit_c_literal(ar, p->text, p->len) : "NULL",
                  p->text ? p->len : 0, p->name ? "true" : "false", kind_c(p->type));
    }
    cb_printf(&pk->consts, "%s};\n", st->npieces ? "" : "{NULL, 0, false, RP_K_STRING}");
    const char *text = as_text(f, compile(f, st->source));
    cb_printf(b, "{ /* parse */\n");
    b->indent++;
    cb_printf(b, "rp_val pv%d[%zu];\nmemset(pv%d, 0, sizeof pv%d);\n", n, st->npieces + 1, n, n);
    cb_printf(b, "if (rp_parse_simple(P%d, %zu, %s, pv%d)) {\n", id, st->npieces, text, n);
    for (size_t i = 0; i < st->npieces; i++)
        if (st->pieces[i].name && st->pieces[i].slot >= 0) {
            if (!f->local[st->pieces[i].slot]) fail(f, "a parse capture into a column that cannot be written");
            cb_printf(b, "    %s = pv%d[%zu];\n", f->slot_lv[st->pieces[i].slot], n, i);
        }
    cb_printf(b, "} else {\n");
    for (size_t i = 0; i < st->npieces; i++)
        if (st->pieces[i].name && st->pieces[i].slot >= 0) cb_printf(b, "    %s = rpx_missing;\n", f->slot_lv[st->pieces[i].slot]);
    cb_printf(b, "}\n");
    b->indent--;
    cb_printf(b, "}\n");
}

/* mv-expand: the rest of the stages run once per element, as a loop body; every local slot is
 * restored before each element (later stages may overwrite them). */
static void emit_mv_expand(fn *f, cbuf *b, const rp_ir_stage *stages, size_t n, size_t k, int depth)
{
    const rp_ir_stage *st = &stages[k];
    const rp_ir_rule *ir = f->ir;
    int id = f->ntmp++;
    f->loops++;
    cb_printf(b, "{ /* mv-expand */\n");
    b->indent++;
    cb_printf(b, "size_t xr%d = 0;\n", id);
    for (size_t c = 0; c < st->nassigns; c++) {
        xr x = compile(f, st->assigns[c].expr);
        if (x.cl != CL_VAL || norm(x.t) != RP_TYPE_DYNAMIC) fail(f, "mv-expand of a value that is not dynamic");
        cb_printf(b, "rp_val xv%d_%zu = %s;\nrp_expand xe%d_%zu;\n", id, c, as_val(f, x), id, c);
        cb_printf(b, "size_t xn%d_%zu = rp_expand_begin(&xe%d_%zu, &xv%d_%zu, RP_K_DYNAMIC);\n", id, c, id, c, id, c);
        cb_printf(b, "if (xn%d_%zu > xr%d) xr%d = xn%d_%zu;\n", id, c, id, id, id, c);
    }
    if (st->limit > 0) cb_printf(b, "if (xr%d > (size_t)%lld) xr%d = (size_t)%lld;\n", id, (long long)st->limit, id, (long long)st->limit);
    for (size_t i = 0; i < ir->nslots; i++)
        if (f->local[i]) cb_printf(b, "rp_val xs%d_%zu = %s;\n", id, i, f->slot_lv[i]);
    cb_printf(b, "for (size_t xi%d = 0; xi%d < xr%d; xi%d++) {\n", id, id, id, id);
    b->indent++;
    for (size_t i = 0; i < ir->nslots; i++)
        if (f->local[i]) cb_printf(b, "%s = xs%d_%zu;\n", f->slot_lv[i], id, i);
    for (size_t c = 0; c < st->nassigns; c++) {
        int slot = st->assigns[c].slot;
        if (slot < 0 || !f->local[slot]) {
            fail(f, "mv-expand into a column that cannot be written");
            continue;
        }
        cb_printf(b, "%s = xi%d < xn%d_%zu ? rp_expand_next(&xe%d_%zu, &m->sc) : rpx_missing;\n", f->slot_lv[slot], id, id, c, id, c);
    }
    emit_stages(f, b, stages, n, k + 1, depth + 1);
    b->indent--;
    cb_printf(b, "}\n");
    b->indent--;
    cb_printf(b, "}\n");
}

/* Stages k.. of a source (then the row is done) or of the tail (up to the next stateful stage,
 * which consumes the row, or the end: an alert). */
static void emit_stages(fn *f, cbuf *b, const rp_ir_stage *stages, size_t n, size_t k, int depth)
{
    rp_arena *ar = f->pk->arena;
    for (; k < n; k++) {
        const rp_ir_stage *st = &stages[k];
        switch (st->kind) {
        case RP_IR_FILTER: {
            const rp_ir_expr *p = st->pred;
            size_t np = p->kind == RP_IR_AND ? p->nargs : 1;
            for (size_t i = 0; i < np; i++) {
                const rp_ir_expr *c = p->kind == RP_IR_AND ? p->args[i] : p;
                f->atom_x = -1;
                xr x = compile(f, c);
                /* a conjunct that is one atom, which every row must pass: the rule's guard */
                if (!f->in_tail && depth == 0 && f->atom_x >= 0 && strncmp(x.c, "rpx_atom(", 9) == 0 && f->r->guard_x < 0) {
                    f->r->guard_x = f->atom_x;
                    f->r->guard_a = f->atom_a;
                }
                cb_printf(b, "if (!%s) %s\n", as_where(f, x), reject_stmt(f, depth));
            }
            break;
        }
        case RP_IR_EXTEND:
            for (size_t a = 0; a < st->nassigns; a++) {
                xr x = compile(f, st->assigns[a].expr);
                if (!f->local[st->assigns[a].slot]) fail(f, "extend of a column that cannot be written");
                cb_printf(b, "%s = %s; /* extend %s */\n", f->slot_lv[st->assigns[a].slot], as_val(f, x),
                          rp_emit_c_comment(ar, st->assigns[a].name, strlen(st->assigns[a].name)));
            }
            break;
        case RP_IR_PROJECT: {
            int base = f->ntmp;
            f->ntmp += (int)st->nassigns;
            for (size_t a = 0; a < st->nassigns; a++) {
                xr x = compile(f, st->assigns[a].expr);
                cb_printf(&f->decls, "rp_val p%zu;\n", (size_t)base + a);
                cb_printf(b, "p%zu = %s;\n", (size_t)base + a, as_val(f, x));
            }
            for (size_t a = 0; a < st->nassigns; a++) {
                if (!f->local[st->assigns[a].slot]) fail(f, "project into a column that cannot be written");
                cb_printf(b, "%s = p%zu; /* project %s */\n", f->slot_lv[st->assigns[a].slot], (size_t)base + a,
                          rp_emit_c_comment(ar, st->assigns[a].name, strlen(st->assigns[a].name)));
            }
            break;
        }
        case RP_IR_PARSE: emit_parse(f, b, st); break;
        case RP_IR_MV_EXPAND: emit_mv_expand(f, b, stages, n, k, depth); return;
        default:
            if (!f->in_tail) fail(f, "%s in a source", rp_ir_stage_kind_name(st->kind));
            else emit_consume(f, b, st, k);
            return;
        }
    }
    if (f->in_tail) emit_alert(f, b, f->ir->table ? f->ir->table : "");
    else emit_source_done(f, b, depth);
}

/* Appends a finished function (its locals first) to r->code. */
static void emit_function(rule_out *r, fn *f, const char *head, const char *init, const char *body)
{
    cb_printf(&r->code, "%s\n{\n", head);
    if (f->uses_now) cb_printf(&r->code, "    const int64_t now = m->now;\n");
    if (f->decls.p) {
        const char *p = f->decls.p;
        while (*p) {
            const char *nl = strchr(p, '\n');
            cb_printf(&r->code, "    %.*s\n", (int)(nl - p), p);
            p = nl + 1;
        }
    }
    cb_printf(&r->code, "%s%s}\n", init ? init : "", body ? body : "");
}

/* Emits the function of one source of a rule into r->code. */
static void emit_source(pack *pk, rule_out *r, size_t s, const char *const *col_enum, const char *const *table_enum)
{
    const rp_ir_rule *ir = r->in->ir;
    const rp_ir_source *src = &ir->sources[s];
    rp_arena *ar = pk->arena;
    fn f = {0};
    f.pk = pk;
    f.ir = ir;
    f.src = src;
    f.r = r;
    f.line = "ev->line";
    f.slot_lv = rp_arena_alloc(ar, (ir->nslots + 1) * sizeof *f.slot_lv);
    f.local = rp_arena_alloc(ar, ir->nslots + 1);
    unsigned char *written = rp_arena_alloc(ar, ir->nslots + 1);
    for (size_t k = 0; k < src->nstages; k++) {
        const rp_ir_stage *st = &src->stages[k];
        for (size_t a = 0; a < st->nassigns; a++)
            if (st->assigns[a].slot >= 0) written[st->assigns[a].slot] = 1;
        for (size_t p = 0; p < st->npieces; p++)
            if (st->pieces[p].name && st->pieces[p].slot >= 0) written[st->pieces[p].slot] = 1;
    }
    cbuf init = {0}, body = {0};
    init.indent = body.indent = 1;
    for (size_t i = 0; i < ir->nslots; i++) {
        const char *input = NULL;
        for (size_t k = 0; k < src->ninputs; k++)
            if (src->inputs[k].slot == (int)i) {
                int c = find_name(pk->cols, pk->ncols, src->inputs[k].name);
                input = rp_arena_printf(ar, "ev->v[%s]", col_enum[c]);
            }
        if (written[i] || ir->nsources > 1) {
            f.slot_lv[i] = rp_arena_printf(ar, "s%zu", i);
            f.local[i] = 1;
            /* (void): a slot may be set and never read (a union branch that never reads a slot
             * the others use; an extend whose column a later project drops), which gcc and clang
             * -Werror reject as set-but-unused */
            cb_printf(&init, "rp_val s%zu = %s; /* %s */\n(void)s%zu;\n", i, input ? input : "rpx_missing",
                      rp_emit_c_comment(ar, ir->slots[i].name, strlen(ir->slots[i].name)), i);
        } else {
            f.slot_lv[i] = input ? input : "rpx_missing";
        }
    }
    emit_stages(&f, &body, src->stages, src->nstages, 0, 0);
    if (f.loops) cb_printf(&body, "return -1;\n");
    /* the literals this source needs */
    lits l = {0};
    int ok = 0;
    for (size_t k = 0; k < src->nstages && !ok; k++)
        if (src->stages[k].kind == RP_IR_FILTER) ok = required(&f, src->stages[k].pred, written, &l);
    if (!ok) r->lits_ok = 0;
    for (size_t i = 0; i < l.n; i++) lits_add(ar, &r->lits, l.v[i]);
    if (f.why && !r->why) r->why = f.why;
    const char *fname = ir->nsources > 1 ? rp_arena_printf(ar, "%s_s%zu", r->ident, s) : r->ident;
    r->fnames[s] = fname;
    (void)table_enum;
    f.decls.indent = 0;
    cb_printf(&f.decls, "(void)ev;\n");
    emit_function(r, &f, rp_arena_printf(ar, "static int %s(rp_matcher *m, const rp_event *ev, bool emit)", fname), init.p, body.p);
    free(init.p);
    free(body.p);
    free(f.decls.p);
}

/* The tail of a rule: its stage tables, one entry function per point where rows enter (the
 * start, and after each stateful stage), and the finish function that flushes the stateful
 * stages in order at end of input. */
static void emit_tail(pack *pk, rule_out *r)
{
    const rp_ir_rule *ir = r->in->ir;
    rp_arena *ar = pk->arena;
    size_t N = ir->nslots;
    if (!ir->ntail) return;
    if (!rp_ir_stage_is_stateful(ir->tail[0].kind)) {
        r->why = r->why ? r->why : "a tail that does not start with a stateful stage";
        return;
    }
    r->stage_g = rp_arena_alloc(ar, (ir->ntail + 1) * sizeof *r->stage_g);
    /* tables */
    for (size_t k = 0; k < ir->ntail; k++) {
        const rp_ir_stage *st = &ir->tail[k];
        if (!rp_ir_stage_is_stateful(st->kind)) continue;
        size_t g = r->stage_g[k] = pk->nstages++;
        cbuf *t = &r->tabs;
        switch (st->kind) {
        case RP_IR_SUMMARIZE:
        case RP_IR_DISTINCT: {
            size_t na = st->kind == RP_IR_SUMMARIZE ? st->naggs : 0;
            cb_printf(t, "static const rp_kind G%zu_keys[] = {", g);
            for (size_t a = 0; a < st->nassigns; a++) cb_printf(t, "%s%s", a ? ", " : "", kind_c(st->assigns[a].expr->type));
            cb_printf(t, "%s};\n", st->nassigns ? "" : "RP_K_ABSENT");
            for (size_t a = 0; a < na; a++) {
                const rp_ir_agg *ag = &st->aggs[a];
                if (!ag->nextras) continue;
                cb_printf(t, "static const rp_kind G%zu_x%zu_kinds[] = {", g, a);
                for (size_t x = 0; x < ag->nextras; x++) cb_printf(t, "%s%s", x ? ", " : "", kind_c(ag->extras[x].expr->type));
                cb_printf(t, "};\n");
            }
            cb_printf(t, "static const rp_agg_spec G%zu_aggs[] = {", g);
            for (size_t a = 0; a < na; a++) {
                const rp_ir_agg *ag = &st->aggs[a];
                cb_printf(t, "%s\n    {%s, %s, %zu, %s, %zu}", a ? "," : "", agg_enum(ag->kind), ag->arg ? kind_c(ag->arg->type) : "RP_K_LONG",
                          ag->nextras, ag->nextras ? rp_arena_printf(ar, "G%zu_x%zu_kinds", g, a) : "NULL", ag->size > 0 ? (size_t)ag->size : 0);
            }
            cb_printf(t, "%s};\n", na ? "" : "{RP_AGG_COUNT, RP_K_LONG, 0, NULL, 0}");
            cb_printf(&r->stages, "    {1, G%zu_keys, %zu, G%zu_aggs, %zu, 0, 0, NULL, 0, 0}, /* [%zu] %s */\n", g, st->nassigns, g, na, g,
                      rp_ir_stage_kind_name(st->kind));
            break;
        }
        case RP_IR_TAKE:
        case RP_IR_SORT:
        case RP_IR_TOP: {
            fn kf = {0};
            kf.pk = pk;
            kf.ir = ir;
            cb_printf(t, "static const rp_sortkey Q%zu[] = {", g);
            for (size_t i = 0; i < st->nkeys; i++) {
                rp_type kt = norm(st->keys[i].expr->type);
                if (kt == RP_TYPE_UNKNOWN) fail(&kf, "a sort key of unknown type");
                cb_printf(t, "%s{%s, %s, %s}", i ? ", " : "", kind_c(kt), st->keys[i].desc ? "true" : "false",
                          st->keys[i].nulls_first ? "true" : "false");
            }
            cb_printf(t, "%s};\n", st->nkeys ? "" : "{RP_K_ABSENT, false, false}");
            if (kf.why && !r->why) r->why = kf.why;
            const char *mode = st->kind == RP_IR_TAKE ? "RP_ROWS_TAKE" : st->kind == RP_IR_SORT ? "RP_ROWS_SORT" : "RP_ROWS_TOP";
            cb_printf(&r->stages, "    {2, NULL, 0, NULL, 0, %s, %s, Q%zu, %zu, %zu}, /* [%zu] %s */\n", mode, long_c(ar, st->limit), g, st->nkeys, N, g,
                      rp_ir_stage_kind_name(st->kind));
            break;
        }
        default: cb_printf(&r->stages, "    {0, NULL, 0, NULL, 0, 0, 0, NULL, 0, 0}, /* [%zu] count */\n", g); break;
        }
    }
    /* entry functions */
    for (size_t e = 0; e < ir->ntail + 1; e++) {
        if (e > 0 && !rp_ir_stage_is_stateful(ir->tail[e - 1].kind)) continue;
        fn f = {0};
        f.pk = pk;
        f.ir = ir;
        f.src = &ir->sources[0];
        f.r = r;
        f.in_tail = 1;
        f.line = "line";
        f.slot_lv = rp_arena_alloc(ar, (N + 1) * sizeof *f.slot_lv);
        f.local = rp_arena_alloc(ar, N + 1);
        for (size_t i = 0; i < N; i++) {
            f.slot_lv[i] = rp_arena_printf(ar, "r[%zu]", i);
            f.local[i] = 1;
        }
        cbuf body = {0};
        body.indent = 1;
        emit_stages(&f, &body, ir->tail, ir->ntail, e, 0);
        if (f.why && !r->why) r->why = f.why;
        f.decls.indent = 0;
        cb_printf(&f.decls, "(void)m;\n(void)r;\n(void)line;\n");
        emit_function(r, &f, rp_arena_printf(ar, "static void %s_t%zu(rp_matcher *m, rp_val *r, rp_str line)", r->ident, e), NULL, body.p);
        free(body.p);
        free(f.decls.p);
    }
    /* finish */
    r->finish = rp_arena_printf(ar, "%s_finish", r->ident);
    cbuf b = {0};
    cb_printf(&b, "static void %s(rp_matcher *m)\n{\n", r->finish);
    b.indent = 1;
    cb_printf(&b, "rp_val r[%zu];\nconst rp_str none = {\"\", 0};\n(void)none;\n", N + 1);
    for (size_t k = 0; k < ir->ntail; k++) {
        const rp_ir_stage *st = &ir->tail[k];
        if (!rp_ir_stage_is_stateful(st->kind)) continue;
        size_t g = r->stage_g[k];
        cb_printf(&b, "{ /* %s */\n", rp_ir_stage_kind_name(st->kind));
        b.indent++;
        switch (st->kind) {
        case RP_IR_SUMMARIZE:
        case RP_IR_DISTINCT: {
            size_t na = st->kind == RP_IR_SUMMARIZE ? st->naggs : 0;
            int empty_row = st->kind == RP_IR_SUMMARIZE && st->nassigns == 0;
            cb_printf(&b, "rp_group_iter it;\nrp_groups_iter(&m->groups[%zu], &it);\n", g);
            cb_printf(&b, "bool empty = %s;\n", empty_row ? rp_arena_printf(ar, "m->groups[%zu].count == 0", g) : "false");
            cb_printf(&b, "while (rp_groups_next(&it) || empty) {\n");
            b.indent++;
            cb_printf(&b, "empty = false;\nrpx_row_reset(r, %zu);\n", N);
            for (size_t a = 0; a < st->nassigns; a++) cb_printf(&b, "r[%d] = *rp_groups_key(&m->groups[%zu], &it, %zu);\n", st->assigns[a].slot, g, a);
            for (size_t a = 0; a < na; a++) {
                const rp_ir_agg *ag = &st->aggs[a];
                cb_printf(&b, "rp_groups_agg(&m->groups[%zu], &it, %zu, &m->w3, &r[%d]);\n", g, a, ag->slot);
                if (ag->kind == RP_IR_AGG_MAKE_SET || ag->kind == RP_IR_AGG_MAKE_LIST)
                    cb_printf(&b, "if (!r[%d].null) r[%d].s = rp_str_copy(&m->sc, r[%d].s);\n", ag->slot, ag->slot, ag->slot);
                for (size_t x = 0; x < ag->nextras; x++)
                    cb_printf(&b, "rp_groups_extra(&m->groups[%zu], &it, %zu, %zu, &r[%d]);\n", g, a, x, ag->extras[x].slot);
            }
            cb_printf(&b, "%s_t%zu(m, r, none);\nrp_scratch_reset(&m->sc);\n", r->ident, k + 1);
            b.indent--;
            cb_printf(&b, "}\n");
            break;
        }
        case RP_IR_TAKE:
        case RP_IR_SORT:
        case RP_IR_TOP:
            cb_printf(&b, "rp_rows *rs = &m->rows[%zu];\nrp_rows_sort(rs);\n", g);
            cb_printf(&b, "for (size_t i = 0; i < rs->n; i++) {\n");
            if (N) cb_printf(&b, "    memcpy(r, rs->rows[i].v, %zu * sizeof *r);\n", N);
            cb_printf(&b, "    %s_t%zu(m, r, rs->rows[i].line);\n    rp_scratch_reset(&m->sc);\n}\nrp_rows_clear(rs);\n", r->ident, k + 1);
            break;
        default:
            if (st->out.count != 1 || st->out.cols[0].slot < 0) {
                r->why = r->why ? r->why : "count without its Count column";
                break;
            }
            cb_printf(&b, "rpx_row_reset(r, %zu);\nr[%d] = rpx_i(m->count[%zu]);\n", N, st->out.cols[0].slot, g);
            cb_printf(&b, "%s_t%zu(m, r, none);\nrp_scratch_reset(&m->sc);\n", r->ident, k + 1);
            break;
        }
        b.indent--;
        cb_printf(&b, "}\n");
    }
    b.indent = 0;
    cb_printf(&b, "}\n");
    cb_printf(&r->code, "%s", b.p);
    free(b.p);
}

/* {====================================================================
 * The pack: rules.c, rules.h, matcher.c, Makefile
 * ===================================================================== */

/* The matcher's state and output helpers (after the rule table types, before the rules). */
static const char state_text[] =
    "/* --- matcher state and output --- */\n"
    "\n"
    "struct rp_matcher {\n"
    "    int64_t now;\n"
    "    rp_stats stats;\n"
    "    rp_rule_stats rstats[RP_MATCHER_NRULES + 1];\n"
    "    rp_rule_stats rstats_eval[RP_MATCHER_NRULES + 1]; /* copy in evaluation order (rp_matcher_stats) */\n"
    "    uint64_t supp[RPX_NEXCL + 1];          /* per exclusion, all rules */\n"
    "    rp_groups groups[RPX_NSTAGES + 1];    /* per stateful tail stage (rpx_stages) */\n"
    "    rp_rows rows[RPX_NSTAGES + 1];\n"
    "    int64_t count[RPX_NSTAGES + 1];\n"
    "    rp_scratch sc;                          /* strings computed for the current rule and event */\n"
    "    bool counted;                           /* the event already counted as matched for this rule */\n"
    "    rp_termset ts[RPX_NTI + 1];             /* term index per column */\n"
    "    uint32_t gen, ti_gen[RPX_NTI + 1];      /* event number; the event each index was filled for */\n"
    "    uint64_t ti_bits[RPX_NTIWORDS + 1];     /* atoms satisfied by the current event */\n"
    "    uint32_t cand[RP_MATCHER_NRULES + 1];   /* rules to evaluate for the current event */\n"
    "    rp_regex rx[RPX_NREGEX + 1];\n"
    "    size_t nrx;\n"
    "    rp_jw w, w2, w3;\n"
    "    char *splice;\n"
    "    size_t splice_cap;\n"
    "    FILE *alerts, *suppressed;\n"
    "    bool write_error, oom;\n"
    "};\n"
    "\n"
    "static inline void rpx_head(rp_matcher *m, size_t r, const char *table)\n"
    "{\n"
    "    const rp_rule_info *info = &rp_matcher_rules[r];\n"
    "    rp_jw_reset(&m->w);\n"
    "    rp_jw_obj_begin(&m->w);\n"
    "    rp_jw_key(&m->w, \"rule_id\");\n"
    "    if (info->id) rp_jw_cstr(&m->w, info->id);\n"
    "    else rp_jw_null(&m->w);\n"
    "    rp_jw_key(&m->w, \"rule\");\n"
    "    rp_jw_cstr(&m->w, info->name);\n"
    "    rp_jw_key(&m->w, \"table\");\n"
    "    rp_jw_cstr(&m->w, table);\n"
    "}\n"
    "\n"
    "static inline void rpx_flush(rp_matcher *m, FILE *out)\n"
    "{\n"
    "    if (!out) rp_jw_reset(&m->w);\n"
    "    else if (!rp_jw_flush_line(&m->w, out)) m->write_error = true;\n"
    "}\n"
    "\n"
    "\n";

/* Only when a rule writes computed columns (an unused static function is a warning). */
static const char columns_text[] =
    "static inline void rpx_col(rp_matcher *m, rp_val v, rp_kind kind) { rp_jw_val(&m->w2, &v, kind); }\n"
    "\n"
    "/* Ends the computed columns; with `star` they follow the event's own members (when there is\n"
    " * an event line: tail rows after summarize have none). */\n"
    "static inline void rpx_event_end(rp_matcher *m, rp_str line, bool star)\n"
    "{\n"
    "    rp_jw_obj_end(&m->w2);\n"
    "    if (!star || !line.len) {\n"
    "        rp_str s = {m->w2.buf, m->w2.len};\n"
    "        rp_jw_raw(&m->w, s);\n"
    "        return;\n"
    "    }\n"
    "    size_t end = line.len;\n"
    "    while (end && line.ptr[end - 1] != '}') end--;\n"
    "    size_t k = end ? end - 1 : 0;\n"
    "    while (k > 0 && (line.ptr[k - 1] == ' ' || line.ptr[k - 1] == '\\t' || line.ptr[k - 1] == '\\r' || line.ptr[k - 1] == '\\n')) k--;\n"
    "    bool empty = k > 0 && line.ptr[k - 1] == '{';\n"
    "    size_t total = k + 1 + (m->w2.len - 1);\n"
    "    if (total + 1 > m->splice_cap) {\n"
    "        char *b = realloc(m->splice, total + 1);\n"
    "        if (!b) {\n"
    "            m->oom = true;\n"
    "            return;\n"
    "        }\n"
    "        m->splice = b;\n"
    "        m->splice_cap = total + 1;\n"
    "    }\n"
    "    memcpy(m->splice, line.ptr, k);\n"
    "    size_t at = k;\n"
    "    if (!empty) m->splice[at++] = ',';\n"
    "    memcpy(m->splice + at, m->w2.buf + 1, m->w2.len - 1);\n"
    "    at += m->w2.len - 1;\n"
    "    rp_str s = {m->splice, at};\n"
    "    rp_jw_raw(&m->w, s);\n"
    "}\n"
    "\n";

/* Only when the pack has a term index. */
static const char atom_text[] =
    "/* Atom a of term index x: the column's terms are looked up on first use for this event. */\n"
    "static inline bool rpx_atom(rp_matcher *m, const rp_event *ev, size_t x, uint32_t a)\n"
    "{\n"
    "    const rpx_tindex *t = &rpx_ti[x];\n"
    "    if (m->ti_gen[x] != m->gen) {\n"
    "        memset(&m->ti_bits[t->word], 0, t->nwords * sizeof m->ti_bits[0]);\n"
    "        rp_termset_scan(&m->ts[x], ev->v[t->col].s, &m->ti_bits[t->word]);\n"
    "        m->ti_gen[x] = m->gen;\n"
    "    }\n"
    "    return (m->ti_bits[t->word + a / 64] >> (a % 64)) & 1;\n"
    "}\n"
    "\n";

static const char suppress_text[] =
    "/* Counts a suppressed event on its exclusion and writes it to --suppressed. */\n"
    "static inline void rpx_suppress(rp_matcher *m, size_t r, size_t x, const char *table, const rp_event *ev)\n"
    "{\n"
    "    m->supp[x]++;\n"
    "    if (!m->suppressed) return;\n"
    "    rpx_head(m, r, table);\n"
    "    rp_jw_key(&m->w, \"exclusion\");\n"
    "    rp_jw_cstr(&m->w, rpx_excl_names[x]);\n"
    "    rp_jw_key(&m->w, \"event\");\n"
    "    rp_jw_raw(&m->w, ev->line);\n"
    "    rp_jw_obj_end(&m->w);\n"
    "    rpx_flush(m, m->suppressed);\n"
    "}\n";

static const char api_text[] =
    "/* --- matcher API (see rules.h) --- */\n"
    "\n"
    "/* counts as variables: a pack may have none (no always-false comparisons) */\n"
    "static const size_t rpx_nrules = RP_MATCHER_NRULES, rpx_nregex = RPX_NREGEX, rpx_nstages = RPX_NSTAGES, rpx_nti = RPX_NTI,\n"
    "                    rpx_ntiwords = RPX_NTIWORDS, rpx_nguarded = RPX_NGUARDED, rpx_nunguarded = RPX_NUNGUARDED;\n"
    "\n"
    "/* Index of the lowest set bit (bits != 0). */\n"
    "static int rpx_ctz64(uint64_t bits)\n"
    "{\n"
    "    int n = 0;\n"
    "    while (!(bits & 0xFFFF)) bits >>= 16, n += 16;\n"
    "    while (!(bits & 1)) bits >>= 1, n++;\n"
    "    return n;\n"
    "}\n"
    "\n"
    "const rp_layout *rp_matcher_layout(void) { return &rpx_layout; }\n"
    "\n"
    "size_t rp_matcher_prefilter(const rp_needle **lits)\n"
    "{\n"
    "    *lits = rpx_prefilter;\n"
    "    return RPX_NPREFILTER;\n"
    "}\n"
    "\n"
    "rp_matcher *rp_matcher_new(int64_t now, char *err, size_t errcap)\n"
    "{\n"
    "    rp_matcher *m = calloc(1, sizeof *m);\n"
    "    if (!m) {\n"
    "        snprintf(err, errcap, \"out of memory\");\n"
    "        return NULL;\n"
    "    }\n"
    "    m->now = now;\n"
    "    rp_jw_init(&m->w);\n"
    "    rp_jw_init(&m->w2);\n"
    "    rp_jw_init(&m->w3);\n"
    "    for (size_t r = 0; r < rpx_nrules; r++) {\n"
    "        const rpx_rule *d = &rpx_rules[r];\n"
    "        m->rstats[r].rule_id = rp_matcher_rules[r].id ? rp_matcher_rules[r].id : rp_matcher_rules[r].name;\n"
    "        m->rstats[r].suppressed = &m->supp[d->excl_off];\n"
    "        m->rstats[r].excl_names = &rpx_excl_names[d->excl_off];\n"
    "        m->rstats[r].nexcl = rp_matcher_rules[r].nexcl;\n"
    "        m->rstats[r].has_tail = d->finish != NULL;\n"
    "    }\n"
    "    for (size_t g = 0; g < rpx_nstages; g++) {\n"
    "        const rpx_stage *st = &rpx_stages[g];\n"
    "        if (st->kind == 2) rp_rows_init(&m->rows[g], st->mode, st->limit, st->nslots, st->sort, st->nsort);\n"
    "        if (st->kind == 1 && !rp_groups_init(&m->groups[g], st->key_kinds, st->nkeys, st->aggs, st->naggs)) {\n"
    "            snprintf(err, errcap, \"out of memory\");\n"
    "            rp_matcher_free(m);\n"
    "            return NULL;\n"
    "        }\n"
    "    }\n"
    "    for (size_t x = 0; x < rpx_nti; x++)\n"
    "        if (!rp_termset_init(&m->ts[x], &rpx_ti_terms[rpx_ti[x].first], &rpx_ti_atoms[rpx_ti[x].first], rpx_ti[x].n)) {\n"
    "            snprintf(err, errcap, \"out of memory\");\n"
    "            rp_matcher_free(m);\n"
    "            return NULL;\n"
    "        }\n"
    "    m->stats.rules = m->rstats;\n"
    "    m->stats.nrules = RP_MATCHER_NRULES;\n"
    "    for (size_t i = 0; i < rpx_nregex; i++) {\n"
    "        if (!rp_regex_init(&m->rx[i], rpx_regex_text[i].ptr, rpx_regex_text[i].len, err, errcap)) {\n"
    "            rp_matcher_free(m);\n"
    "            return NULL;\n"
    "        }\n"
    "        m->nrx = i + 1;\n"
    "    }\n"
    "    return m;\n"
    "}\n"
    "\n"
    "void rp_matcher_set_output(rp_matcher *m, FILE *alerts, FILE *suppressed)\n"
    "{\n"
    "    m->alerts = alerts;\n"
    "    m->suppressed = suppressed;\n"
    "}\n"
    "\n"
    "/* A new event: the term index is stale. */\n"
    "static void rpx_next_event(rp_matcher *m)\n"
    "{\n"
    "    if (++m->gen == 0) {\n"
    "        memset(m->ti_gen, 0, sizeof m->ti_gen);\n"
    "        m->gen = 1;\n"
    "    }\n"
    "}\n"
    "\n"
    "size_t rp_matcher_eval(rp_matcher *m, const rp_event *ev, rp_verdict *verdicts)\n"
    "{\n"
    "    size_t alerts = 0;\n"
    "    rpx_next_event(m);\n"
    "    for (size_t r = 0; r < rpx_nrules; r++) {\n"
    "        const rpx_rule *d = &rpx_rules[r];\n"
    "        int v = -1;\n"
    "        for (size_t s = 0; s < d->nsources && v < 0; s++)\n"
    "            if (d->sources[s].table == ev->table) v = d->sources[s].fn(m, ev, false);\n"
    "        rp_scratch_reset(&m->sc);\n"
    "        verdicts[r].matched = v >= 0;\n"
    "        verdicts[r].exclusion = v > 0 ? v - 1 : -1; /* v: -1 no match, 0 alert, k exclusion k-1 */\n"
    "        alerts += v == 0;\n"
    "    }\n"
    "    return alerts;\n"
    "}\n"
    "\n"
    "static int rpx_cmp_pos(const void *a, const void *b)\n"
    "{\n"
    "    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;\n"
    "    return x < y ? -1 : x > y;\n"
    "}\n"
    "\n"
    "/* The rules (evaluation positions, ascending) that can match the event: the unguarded ones and\n"
    " * those whose guard atom holds, so the cost follows the candidates, not the pack. */\n"
    "static size_t rpx_candidates(rp_matcher *m, const rp_event *ev)\n"
    "{\n"
    "    size_t n = 0;\n"
    "    if (!rpx_nguarded) {\n"
    "        for (size_t i = 0; i < rpx_nrules; i++) m->cand[n++] = (uint32_t)i;\n"
    "        return n;\n"
    "    }\n"
    "    for (size_t x = 0; x < rpx_nti; x++) {\n"
    "        const rpx_tindex *t = &rpx_ti[x];\n"
    "        memset(&m->ti_bits[t->word], 0, t->nwords * sizeof m->ti_bits[0]);\n"
    "        rp_termset_scan(&m->ts[x], ev->v[t->col].s, &m->ti_bits[t->word]);\n"
    "        m->ti_gen[x] = m->gen;\n"
    "    }\n"
    "    for (size_t w = 0; w < rpx_ntiwords; w++)\n"
    "        for (uint64_t bits = m->ti_bits[w]; bits; bits &= bits - 1) {\n"
    "            size_t bit = w * 64 + (size_t)rpx_ctz64(bits);\n"
    "            for (uint32_t p = rpx_guard_first[bit]; p < rpx_guard_first[bit + 1]; p++) m->cand[n++] = rpx_guard_pos[p];\n"
    "        }\n"
    "    for (size_t i = 0; i < rpx_nunguarded; i++) m->cand[n++] = rpx_unguarded[i];\n"
    "    if (n > 1) qsort(m->cand, n, sizeof m->cand[0], rpx_cmp_pos);\n"
    "    return n;\n"
    "}\n"
    "\n"
    "void rp_matcher_feed(rp_matcher *m, const rp_event *ev)\n"
    "{\n"
    "    rpx_next_event(m);\n"
    "    size_t n = rpx_candidates(m, ev);\n"
    "    for (size_t i = 0; i < n; i++) {\n"
    "        const rpx_rule *d = &rpx_rules[rpx_order[m->cand[i]]];\n"
    "        m->counted = false;\n"
    "        for (size_t s = 0; s < d->nsources; s++)\n"
    "            if (d->sources[s].table == ev->table) (void)d->sources[s].fn(m, ev, true);\n"
    "        if (m->sc.len || m->sc.nold) rp_scratch_reset(&m->sc);\n"
    "    }\n"
    "}\n"
    "\n"
    "int rp_matcher_finish(rp_matcher *m)\n"
    "{\n"
    "    for (size_t i = 0; i < rpx_nrules; i++) {\n"
    "        size_t r = rpx_order[i];\n"
    "        const rpx_rule *d = &rpx_rules[r];\n"
    "        if (d->finish) d->finish(m);\n"
    "    }\n"
    "    for (size_t g = 0; g < rpx_nstages; g++)\n"
    "        if (m->rows[g].oom) m->oom = true;\n"
    "    if (m->sc.oom) m->oom = true;\n"
    "    return m->write_error || m->oom ? -1 : 0;\n"
    "}\n"
    "\n"
    "/* Per-rule counts in evaluation order (as `rulepack run` prints them). */\n"
    "rp_stats *rp_matcher_stats(rp_matcher *m)\n"
    "{\n"
    "    for (size_t i = 0; i < rpx_nrules; i++) m->rstats_eval[i] = m->rstats[rpx_order[i]];\n"
    "    m->stats.rules = m->rstats_eval;\n"
    "    return &m->stats;\n"
    "}\n"
    "\n"
    "void rp_matcher_free(rp_matcher *m)\n"
    "{\n"
    "    if (!m) return;\n"
    "    for (size_t g = 0; g < rpx_nstages; g++) {\n"
    "        if (rpx_stages[g].kind == 1) rp_groups_free(&m->groups[g]);\n"
    "        if (rpx_stages[g].kind == 2) rp_rows_free(&m->rows[g]);\n"
    "    }\n"
    "    rp_scratch_free(&m->sc);\n"
    "    for (size_t x = 0; x < rpx_nti; x++) rp_termset_free(&m->ts[x]);\n"
    "    rp_jw_free(&m->w3);\n"
    "    for (size_t i = 0; i < m->nrx; i++) rp_regex_free(&m->rx[i]);\n"
    "    rp_jw_free(&m->w);\n"
    "    rp_jw_free(&m->w2);\n"
    "    free(m->splice);\n"
    "    free(m);\n"
    "}\n";

static const char header_api_text[] =
    "/* Library API: embed the matcher without the driver.\n"
    " *\n"
    " *   char err[256];\n"
    " *   rp_matcher *m = rp_matcher_new(now_ticks, err, sizeof err);   // now(): one instant\n"
    " *   const rp_layout *lay = rp_matcher_layout();   // column names (slots) and tables\n"
    " *   rp_val vals[RP_MATCHER_NCOLS];                // one value per column, by slot:\n"
    " *   //  strings: vals[c].s = (rp_str){ptr, len} (never NULL; missing is \"\", null = 0);\n"
    " *   //  long/bool/datetime/timespan (100 ns ticks since 0001-01-01): vals[c].i, real: vals[c].r,\n"
    " *   //  missing / JSON null: vals[c].null = 1\n"
    " *   rp_event ev = {table_index, vals, line_or_empty, 0};   // table_index into lay->tables\n"
    " *   rp_verdict v[RP_MATCHER_NRULES + 1];\n"
    " *   rp_matcher_eval(m, &ev, v);   // v[i]: rule rp_matcher_rules[i] matched? suppressed by?\n"
    " *   rp_matcher_free(m);\n"
    " *\n"
    " * rp_matcher_eval only decides (no counting, no output, no summarize). The driver instead\n"
    " * reads JSON lines with rp_reader (layout rp_matcher_layout(), prefilter\n"
    " * rp_matcher_prefilter()), calls rp_matcher_feed per event (alerts of filter rules are\n"
    " * written at once, summarize rows at rp_matcher_finish) and prints rp_matcher_stats.\n"
    " * Nothing is allocated while matching; alert output grows its buffers as needed. */\n"
    "\n"
    "typedef struct rp_matcher rp_matcher;\n"
    "\n"
    "/* One rule of the pack, sorted by id. */\n"
    "typedef struct rp_rule_info {\n"
    "    const char *id;           /* NULL for a bare query file */\n"
    "    const char *name;\n"
    "    const char *severity;\n"
    "    const char *file;         /* relative path of the rule file */\n"
    "    unsigned line;            /* line of its query */\n"
    "    size_t nexcl;             /* exclusions (allow-list predicates) */\n"
    "} rp_rule_info;\n"
    "\n"
    "/* Verdict of one rule on one event. */\n"
    "typedef struct rp_verdict {\n"
    "    bool matched;             /* the detection held (before exclusions) */\n"
    "    int exclusion;            /* -1: not suppressed; else the first exclusion that holds */\n"
    "} rp_verdict;\n"
    "\n"
    "extern const rp_rule_info rp_matcher_rules[RP_MATCHER_NRULES + 1];\n"
    "const rp_layout *rp_matcher_layout(void);\n"
    "/* Literals every matching line contains (0: no sound prefilter). */\n"
    "size_t rp_matcher_prefilter(const rp_needle **lits);\n"
    "/* NULL with a message in err when out of memory or a regex does not compile. */\n"
    "rp_matcher *rp_matcher_new(int64_t now, char *err, size_t errcap);\n"
    "/* Where feed/finish write alert lines and suppressed events (either may be NULL). */\n"
    "void rp_matcher_set_output(rp_matcher *m, FILE *alerts, FILE *suppressed);\n"
    "/* Verdicts of every rule on one event; returns how many rules would alert. */\n"
    "size_t rp_matcher_eval(rp_matcher *m, const rp_event *ev, rp_verdict *verdicts);\n"
    "/* Runs every rule on the event, counting and writing as `rulepack run` does. */\n"
    "void rp_matcher_feed(rp_matcher *m, const rp_event *ev);\n"
    "/* End of input: writes the summarize rows. 0, or -1 on a write error / out of memory. */\n"
    "int rp_matcher_finish(rp_matcher *m);\n"
    "rp_stats *rp_matcher_stats(rp_matcher *m);\n"
    "void rp_matcher_free(rp_matcher *m);\n";

static const char driver_text[] =
    "\n"
    "/* The driver: JSON lines in, alerts out, the same lines as `rulepack run`.\n"
    " * usage: matcher [--now ISO8601] [--table NAME] [--stats] [--suppressed FILE] [--no-prefilter | --prefilter]\n"
    " *                < events.jsonl > alerts.jsonl\n"
    " * --no-prefilter: parse every line (the --stats buckets then equal the interpreter's).\n"
    " * The prefilter is used by default only for ONE literal (one SSE2 pass, several GB/s): with\n"
    " * more, scanning the line for any of them costs more than the reader's parse of the few\n"
    " * columns a pack reads (measured: 2 rare literals 0.55 s vs 0.27 s on 500 MB); --prefilter\n"
    " * uses it whatever the number. */\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <time.h>\n"
    "\n"
    "#include \"rules.h\"\n"
    "\n"
    "static const char usage[] =\n"
    "    \"usage: matcher [--now ISO8601] [--table NAME] [--stats] [--suppressed FILE] [--no-prefilter | --prefilter]\\n\"\n"
    "    \"               < events.jsonl > alerts.jsonl\\n\";\n"
    "\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    const char *now_text = NULL, *table = NULL, *sup_path = NULL;\n"
    "    bool stats = false, prefilter = true, force_prefilter = false;\n"
    "    for (int i = 1; i < argc; i++) {\n"
    "        const char *a = argv[i];\n"
    "        if (strcmp(a, \"--help\") == 0 || strcmp(a, \"-h\") == 0) {\n"
    "            fputs(usage, stdout);\n"
    "            return 0;\n"
    "        } else if ((strcmp(a, \"--now\") == 0 || strcmp(a, \"--table\") == 0 || strcmp(a, \"--suppressed\") == 0) && i + 1 < argc) {\n"
    "            const char **slot = a[2] == 'n' ? &now_text : a[2] == 't' ? &table : &sup_path;\n"
    "            *slot = argv[++i];\n"
    "        } else if (strcmp(a, \"--stats\") == 0) {\n"
    "            stats = true;\n"
    "        } else if (strcmp(a, \"--prefilter\") == 0) {\n"
    "            force_prefilter = true;\n"
    "        } else if (strcmp(a, \"--no-prefilter\") == 0) {\n"
    "            prefilter = false;\n"
    "        } else {\n"
    "            fprintf(stderr, \"matcher: unknown or incomplete option '%s'\\n%s\", a, usage);\n"
    "            return 2;\n"
    "        }\n"
    "    }\n"
    "    int64_t now = RP_TICKS_UNIX_EPOCH + (int64_t)time(NULL) * RP_TICKS_PER_SECOND;\n"
    "    if (now_text && !rp_datetime_parse(now_text, strlen(now_text), &now)) {\n"
    "        fprintf(stderr, \"matcher: --now takes an ISO 8601 instant such as 2026-11-28T00:00:00Z, not '%s'\\n\", now_text);\n"
    "        return 2;\n"
    "    }\n"
    "    FILE *sup = NULL;\n"
    "    if (sup_path && !(sup = fopen(sup_path, \"w\"))) {\n"
    "        fprintf(stderr, \"matcher: cannot write %s\\n\", sup_path);\n"
    "        return 2;\n"
    "    }\n"
    "    char err[256];\n"
    "    rp_matcher *m = rp_matcher_new(now, err, sizeof err);\n"
    "    if (!m) {\n"
    "        fprintf(stderr, \"matcher: %s\\n\", err);\n"
    "        return 2;\n"
    "    }\n"
    "    rp_matcher_set_output(m, stdout, sup);\n"
    "    rp_reader r;\n"
    "    if (!rp_reader_init(&r, rp_matcher_layout(), stdin, rp_matcher_stats(m))) {\n"
    "        fputs(\"matcher: out of memory\\n\", stderr);\n"
    "        return 2;\n"
    "    }\n"
    "    if (table) rp_reader_set_table(&r, table);\n"
    "    const rp_needle *lits;\n"
    "    size_t nlits = rp_matcher_prefilter(&lits);\n"
    "    if (prefilter && nlits && (nlits == 1 || force_prefilter)) rp_reader_set_prefilter(&r, lits, nlits, true);\n"
    "    int status = 0, rc;\n"
    "    rp_event ev;\n"
    "    while ((rc = rp_reader_next(&r, &ev)) != RP_READ_EOF) {\n"
    "        if (rc == RP_READ_IOERR) {\n"
    "            fputs(\"matcher: error reading events\\n\", stderr);\n"
    "            status = 2;\n"
    "            break;\n"
    "        }\n"
    "        if (rc == RP_READ_EVENT) rp_matcher_feed(m, &ev);\n"
    "    }\n"
    "    if (rp_matcher_finish(m) != 0 || fflush(stdout) != 0) {\n"
    "        fputs(\"matcher: error writing alerts\\n\", stderr);\n"
    "        status = 2;\n"
    "    }\n"
    "    if (stats) rp_stats_print_json(rp_matcher_stats(m), stderr);\n"
    "    rp_reader_free(&r);\n"
    "    rp_matcher_free(m);\n"
    "    if (sup && fclose(sup) != 0) status = 2;\n"
    "    return status;\n"
    "}\n";

static const char makefile_text[] =
    "# make -C <this folder> builds ./matcher from the generated rules and the runtime beside them.\n"
    "CC      ?= cc\n"
    "CFLAGS  ?= -O2\n"
    "WARN     = -std=c11 -Wall -Wextra -Werror -pedantic\n"
    "SRC      = $(sort $(wildcard *.c))\n"
    "HDR      = $(sort $(wildcard *.h))\n"
    "\n"
    ".PHONY: all clean\n"
    "all: matcher\n"
    "\n"
    "matcher: $(SRC) $(HDR)\n"
    "\t$(CC) $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(CFLAGS) $(SRC) -lpcre2-8 -lm -o $@\n"
    "\n"
    "clean:\n"
    "\trm -f matcher\n";

static const char *rule_key(const rp_emit_c_input *in) { return in->id ? in->id : (in->name ? in->name : ""); }

static int cmp_inputs(const void *a, const void *b)
{
    const rp_emit_c_input *x = *(const rp_emit_c_input *const *)a, *y = *(const rp_emit_c_input *const *)b;
    int c = strcmp(rule_key(x), rule_key(y));
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Sorted, de-duplicated list of names. */
static const char **uniq_sorted(const char **v, size_t *n)
{
    if (*n == 0) return v; /* qsort(NULL, 0) is undefined behaviour (no rule in the C matcher) */
    qsort(v, *n, sizeof *v, cmp_cstr);
    size_t w = 0;
    for (size_t i = 0; i < *n; i++)
        if (w == 0 || strcmp(v[w - 1], v[i]) != 0) v[w++] = v[i];
    *n = w;
    return v;
}

static const char *str_or_null(rp_arena *ar, const char *s)
{
    return s ? rp_emit_c_literal(ar, s, strlen(s)) : "NULL";
}

void rp_emit_c_pack(rp_arena *arena, const rp_emit_c_input *rules, size_t count, const char *origin,
                    rp_emit_c_output *out)
{
    memset(out, 0, sizeof *out);
    out->why = rp_arena_alloc(arena, (count + 1) * sizeof *out->why);
    pack pk = {0};
    pk.arena = arena;
    /* sort by id; decide what can be compiled */
    const rp_emit_c_input **sorted = rp_arena_alloc(arena, (count + 1) * sizeof *sorted);
    for (size_t i = 0; i < count; i++) sorted[i] = &rules[i];
    qsort(sorted, count, sizeof *sorted, cmp_inputs);
    size_t ncols = 0, ntables = 0, capc = 0, capt = 0;
    const char **cols = NULL, **tables = NULL;
    for (size_t i = 0; i < count; i++) {
        const rp_ir_rule *ir = sorted[i]->ir;
        out->why[sorted[i] - rules] = rp_emit_c_unsupported(arena, ir);
        if (out->why[sorted[i] - rules]) continue;
        for (size_t s = 0; s < ir->nsources; s++) {
            tables = rp_arena_grow(arena, tables, sizeof *tables, &capt, ntables + 1);
            tables[ntables++] = ir->sources[s].table;
            for (size_t k = 0; k < ir->sources[s].ninputs; k++) {
                cols = rp_arena_grow(arena, cols, sizeof *cols, &capc, ncols + 1);
                cols[ncols++] = ir->sources[s].inputs[k].name;
            }
        }
    }
    pk.cols = uniq_sorted(cols, &ncols);
    pk.ncols = ncols;
    pk.tables = uniq_sorted(tables, &ntables);
    pk.ntables = ntables;
    rp_emit_c_names names = {0};
    const char **col_enum = rp_arena_alloc(arena, (ncols + 1) * sizeof *col_enum);
    const char **table_enum = rp_arena_alloc(arena, (ntables + 1) * sizeof *table_enum);
    for (size_t i = 0; i < ncols; i++) col_enum[i] = rp_emit_c_ident(arena, &names, "C_", pk.cols[i]);
    for (size_t i = 0; i < ntables; i++) table_enum[i] = rp_emit_c_ident(arena, &names, "T_", pk.tables[i]);
    /* emit each rule; a rule that fails half way is rolled back */
    rule_out *ro = rp_arena_alloc(arena, (count + 1) * sizeof *ro);
    size_t nro = 0;
    for (size_t i = 0; i < count; i++) {
        const rp_emit_c_input *in = sorted[i];
        if (out->why[in - rules]) continue;
        size_t saved_len = pk.consts.len, saved_rx = pk.nrx;
        int saved_const = pk.nconst;
        rule_out *r = &ro[nro];
        memset(r, 0, sizeof *r);
        r->in = in;
        r->index = nro;
        r->excl_off = pk.nexcl;
        r->lits_ok = 1;
        r->guard_x = r->guard_a = -1;
        size_t saved_names = names.count;
        r->ident = rp_emit_c_ident(arena, &names, "rp_rule_", rule_key(in));
        r->fnames = rp_arena_alloc(arena, (in->ir->nsources + 1) * sizeof *r->fnames);
        size_t saved_stages = pk.nstages;
        emit_tail(&pk, r); /* before the sources: they call its entry function */
        for (size_t s = 0; s < in->ir->nsources; s++) emit_source(&pk, r, s, col_enum, table_enum);
        if (r->why) {
            free(r->tabs.p);
            free(r->stages.p);
            pk.nstages = saved_stages;
            out->why[in - rules] = rp_arena_printf(arena, "not compiled to C: %s", r->why);
            free(r->code.p);
            pk.consts.len = saved_len;
            if (pk.consts.p) pk.consts.p[saved_len] = 0;
            pk.nconst = saved_const;
            pk.nrx = saved_rx;
            names.count = saved_names;
            continue;
        }
        pk.nexcl += in->ir->nexcls;
        nro++;
    }
    out->compiled = nro;

    /* tail stage tables */
    cbuf groups = {0}, stages = {0};
    for (size_t i = 0; i < nro; i++) {
        cb_printf(&groups, "%s", ro[i].tabs.p ? ro[i].tabs.p : "");
        cb_printf(&stages, "%s", ro[i].stages.p ? ro[i].stages.p : "");
        free(ro[i].tabs.p);
        free(ro[i].stages.p);
    }

    /* prefilter: only when every compiled rule needs one of its literals */
    lits all = {0};
    int pf_ok = nro > 0;
    for (size_t i = 0; i < nro && pf_ok; i++) {
        pf_ok = ro[i].lits_ok;
        for (size_t k = 0; k < ro[i].lits.n; k++) lits_add(arena, &all, ro[i].lits.v[k]);
    }
    if (!pf_ok) all.n = 0;
    const char **lit_text = rp_arena_alloc(arena, (all.n + 1) * sizeof *lit_text);
    for (size_t i = 0; i < all.n; i++) {
        char *lower = rp_arena_strndup(arena, all.v[i].ptr, all.v[i].len);
        for (size_t k = 0; k < all.v[i].len; k++) lower[k] = (char)rp_lower((unsigned char)lower[k]);
        lit_text[i] = rp_arena_printf(arena, "{%s, %s, %zu}", rp_emit_c_literal(arena, all.v[i].ptr, all.v[i].len),
                                      rp_emit_c_literal(arena, lower, all.v[i].len), all.v[i].len);
    }
    size_t nlit = all.n;
    uniq_sorted(lit_text, &nlit);

    /* ---- rules.h ---- */
    cbuf h = {0};
    cb_printf(&h, "/* Generated by rulepack %s from %s. DO NOT EDIT. */\n", RP_VERSION,
              rp_emit_c_comment(arena, origin, strlen(origin)));
    cb_printf(&h, "#ifndef RP_GENERATED_RULES_H\n#define RP_GENERATED_RULES_H\n\n#include \"rp_runtime.h\"\n\n");
    cb_printf(&h, "#define RP_MATCHER_NRULES %zu\n#define RP_MATCHER_NCOLS %zu\n#define RP_MATCHER_NTABLES %zu\n\n", nro, ncols,
              ntables);
    cb_printf(&h, "%s\n#endif\n", header_api_text);
    out->rules_h = cb_take(arena, &h);

    /* ---- rules.c ---- */
    cbuf c = {0};
    cb_printf(&c, "/* Generated by rulepack %s from %s. DO NOT EDIT. */\n", RP_VERSION,
              rp_emit_c_comment(arena, origin, strlen(origin)));
    cb_printf(&c, "#include <math.h>\n#include <stdlib.h>\n#include <string.h>\n\n#include \"rules.h\"\n#include \"rules_rt.h\"\n\n");
    cb_printf(&c, "#if RP_RUNTIME_ABI != %d\n#error \"rules.c was generated for runtime ABI %d: regenerate it with this rulepack\"\n#endif\n\n",
              RP_RUNTIME_ABI, RP_RUNTIME_ABI);
    cb_printf(&c, "/* the rpx_* value helpers: rules_rt.h */\n\n");
    cb_printf(&c, "/* --- columns and tables --- */\n\n");
    cb_printf(&c, "enum {\n");
    for (size_t i = 0; i < ncols; i++) cb_printf(&c, "    %s = %zu,\n", col_enum[i], i);
    for (size_t i = 0; i < ntables; i++) cb_printf(&c, "    %s = %zu,\n", table_enum[i], i);
    /* term index: entries grouped by index, word-aligned bit ranges */
    size_t *ti_first = rp_arena_alloc(arena, (pk.nti + 1) * sizeof *ti_first), *ti_word = rp_arena_alloc(arena, (pk.nti + 1) * sizeof *ti_word);
    size_t *ti_n = rp_arena_alloc(arena, (pk.nti + 1) * sizeof *ti_n), nwords = 0, nte = 0;
    cbuf tit = {0}, tia = {0};
    for (size_t x = 0; x < pk.nti; x++) {
        ti_first[x] = nte;
        ti_word[x] = nwords;
        nwords += (pk.ti_natoms[x] + 63) / 64;
        for (size_t i = 0; i < pk.nte; i++) {
            if (pk.te[i].x != x) continue;
            cb_printf(&tit, "%s{%s, %zu}", nte ? ", " : "", rp_emit_c_literal(arena, pk.te[i].term.ptr, pk.te[i].term.len), pk.te[i].term.len);
            cb_printf(&tia, "%s%u", nte ? ", " : "", (unsigned)pk.te[i].atom);
            nte++;
        }
        ti_n[x] = nte - ti_first[x];
    }
    cb_printf(&c, "    RPX_NEXCL = %zu,\n    RPX_NREGEX = %zu,\n    RPX_NPREFILTER = %zu,\n    RPX_NSTAGES = %zu,\n", pk.nexcl, pk.nrx,
              nlit, pk.nstages);
    cb_printf(&c, "    RPX_NTI = %zu,\n    RPX_NTE = %zu,\n    RPX_NTIWORDS = %zu\n};\n", pk.nti, nte, nwords);
    cb_printf(&c, "static const char *const rpx_cols[RP_MATCHER_NCOLS + 1] = {");
    for (size_t i = 0; i < ncols; i++) cb_printf(&c, "%s%s", i ? ", " : "", rp_emit_c_literal(arena, pk.cols[i], strlen(pk.cols[i])));
    cb_printf(&c, "%s};\n", ncols ? "" : "NULL");
    cb_printf(&c, "static const char *const rpx_tables[RP_MATCHER_NTABLES + 1] = {");
    for (size_t i = 0; i < ntables; i++)
        cb_printf(&c, "%s%s", i ? ", " : "", rp_emit_c_literal(arena, pk.tables[i], strlen(pk.tables[i])));
    cb_printf(&c, "%s};\n", ntables ? "" : "NULL");
    /* kinds[t * ncols + c] */
    const char **kinds = rp_arena_alloc(arena, (ntables * ncols + 1) * sizeof *kinds);
    for (size_t i = 0; i < nro; i++) {
        const rp_ir_rule *ir = ro[i].in->ir;
        for (size_t s = 0; s < ir->nsources; s++) {
            int t = find_name(pk.tables, ntables, ir->sources[s].table);
            for (size_t k = 0; k < ir->sources[s].ninputs; k++) {
                int col = find_name(pk.cols, ncols, ir->sources[s].inputs[k].name);
                kinds[(size_t)t * ncols + (size_t)col] = kind_c(ir->sources[s].inputs[k].type);
            }
        }
    }
    cb_printf(&c, "static const unsigned char rpx_kinds[RP_MATCHER_NTABLES * RP_MATCHER_NCOLS + 1] = {");
    for (size_t t = 0; t < ntables; t++) {
        cb_printf(&c, "\n    /* %s */", rp_emit_c_comment(arena, pk.tables[t], strlen(pk.tables[t])));
        for (size_t col = 0; col < ncols; col++)
            cb_printf(&c, " %s,", kinds[t * ncols + col] ? kinds[t * ncols + col] : "RP_K_ABSENT");
    }
    cb_printf(&c, "%s};\n", ntables * ncols != 0 ? "\n" : "0");
    cb_printf(&c, "static const rp_layout rpx_layout = {rpx_cols, RP_MATCHER_NCOLS, rpx_tables, RP_MATCHER_NTABLES, rpx_kinds};\n\n");
    cb_printf(&c, "/* --- string tables --- */\n\n");
    cb_printf(&c, "%s", pk.consts.p ? pk.consts.p : "");
    cb_printf(&c, "static const rp_str rpx_regex_text[RPX_NREGEX + 1] = {");
    for (size_t i = 0; i < pk.nrx; i++) cb_printf(&c, "%s%s", i ? ", " : "", pk.regexes[i]);
    cb_printf(&c, "%s};\n", pk.nrx ? "" : "{\"\", 0}");
    cb_printf(&c, "/* term index: per column, the all-term `has` / has_any needles of the pack (ASCII-lowered) and their\n"
                  " * atoms; a value's terms are looked up once per event (rpx_atom) */\n");
    cb_printf(&c, "static const rp_str rpx_ti_terms[RPX_NTE + 1] = {%s%s};\n", tit.p ? tit.p : "", nte ? "" : "{\"\", 0}");
    cb_printf(&c, "static const uint32_t rpx_ti_atoms[RPX_NTE + 1] = {%s%s};\n", tia.p ? tia.p : "", nte ? "" : "0");
    free(tit.p);
    free(tia.p);
    cb_printf(&c, "typedef struct rpx_tindex {\n    int col;\n    size_t first, n, word, nwords;\n} rpx_tindex;\n");
    cb_printf(&c, "static const rpx_tindex rpx_ti[RPX_NTI + 1] = {");
    for (size_t x = 0; x < pk.nti; x++)
        cb_printf(&c, "%s{%s, %zu, %zu, %zu, %zu}", x ? ", " : "", col_enum[pk.ti_col[x]], ti_first[x], ti_n[x], ti_word[x],
                  (size_t)(pk.ti_natoms[x] + 63) / 64);
    cb_printf(&c, "%s};\n", pk.nti ? "" : "{0, 0, 0, 0, 0}");
    cb_printf(&c, "/* prefilter: every line a rule can match contains one of these (ASCII case-insensitively) */\n");
    cb_printf(&c, "static const rp_needle rpx_prefilter[RPX_NPREFILTER + 1] = {");
    for (size_t i = 0; i < nlit; i++) cb_printf(&c, "%s%s", i ? ", " : "", lit_text[i]);
    cb_printf(&c, "%s};\n", nlit ? "" : "{\"\", \"\", 0}");
    cb_printf(&c, "static const char *const rpx_excl_names[RPX_NEXCL + 1] = {");
    size_t ne = 0;
    for (size_t i = 0; i < nro; i++)
        for (size_t x = 0; x < ro[i].in->ir->nexcls; x++, ne++) {
            const char *sc = ro[i].in->ir->excls[x].scenario;
            cb_printf(&c, "%s\n    %s", ne ? "," : "", rp_emit_c_literal(arena, sc ? sc : "", sc ? strlen(sc) : 0));
        }
    cb_printf(&c, "%s};\n", ne ? "\n" : "NULL");
    cb_printf(&c, "%s\n", groups.p ? groups.p : "");
    free(groups.p);
    cb_printf(&c, "/* stateful tail stages: 1 group table (summarize, distinct), 2 rows (take, sort, top), 0 count */\n");
    cb_printf(&c, "typedef struct rpx_stage {\n    int kind;\n    const rp_kind *key_kinds;\n    size_t nkeys;\n    const rp_agg_spec *aggs;\n"
                  "    size_t naggs;\n    int mode;\n    int64_t limit;\n    const rp_sortkey *sort;\n    size_t nsort, nslots;\n} rpx_stage;\n");
    cb_printf(&c, "static const rpx_stage rpx_stages[RPX_NSTAGES + 1] = {\n%s    {0, NULL, 0, NULL, 0, 0, 0, NULL, 0, 0}\n};\n\n",
              stages.p ? stages.p : "");
    free(stages.p);
    /* rule info (public) first: the output helpers read it */
    cb_printf(&c, "const rp_rule_info rp_matcher_rules[RP_MATCHER_NRULES + 1] = {\n");
    for (size_t i = 0; i < nro; i++) {
        const rp_emit_c_input *in = ro[i].in;
        cb_printf(&c, "    /* [%zu] = %s */\n    {%s, %s, %s, %s, %u, %zu},\n", i,
                  rp_emit_c_comment(arena, in->name ? in->name : "", in->name ? strlen(in->name) : 0),
                  str_or_null(arena, in->ir->rule_id), rp_emit_c_literal(arena, in->ir->name ? in->ir->name : "", in->ir->name ? strlen(in->ir->name) : 0),
                  str_or_null(arena, in->severity), str_or_null(arena, in->file), in->line, in->ir->nexcls);
    }
    cb_printf(&c, "    {NULL, NULL, NULL, NULL, 0, 0}\n};\n\n");
    cb_printf(&c, "%s%s%s%s\n", state_text, pk.uses_columns ? columns_text : "", pk.nti ? atom_text : "",
              pk.nexcl ? suppress_text : "");
    cb_printf(&c, "/* --- rules --- */\n\n");
    for (size_t i = 0; i < nro; i++) {
        const rp_emit_c_input *in = ro[i].in;
        cb_printf(&c, "/* %s:%u\n", rp_emit_c_comment(arena, in->file ? in->file : "?", in->file ? strlen(in->file) : 1), in->line);
        cb_printf(&c, " * id: %s\n", rp_emit_c_comment(arena, rule_key(in), strlen(rule_key(in))));
        cb_printf(&c, " * name: %s\n", rp_emit_c_comment(arena, in->name ? in->name : "", in->name ? strlen(in->name) : 0));
        cb_printf(&c, " * severity: %s\n *\n", rp_emit_c_comment(arena, in->severity ? in->severity : "-", in->severity ? strlen(in->severity) : 1));
        comment_lines(&c, arena, rp_ir_rule_print(arena, in->ir));
        cb_printf(&c, " */\n%s\n", ro[i].code.p);
        free(ro[i].code.p);
    }
    cb_printf(&c, "/* --- rule table --- */\n\n");
    cb_printf(&c, "typedef struct rpx_source {\n    int table;\n    int (*fn)(rp_matcher *, const rp_event *, bool);\n} rpx_source;\n");
    cb_printf(&c, "typedef struct rpx_rule {\n    const rpx_source *sources;\n    size_t nsources, excl_off;\n"
                  "    void (*finish)(rp_matcher *); /* tail rules: flushes the tail at end of input */\n} rpx_rule;\n\n");
    for (size_t i = 0; i < nro; i++) {
        const rp_ir_rule *ir = ro[i].in->ir;
        cb_printf(&c, "static const rpx_source %s_sources[] = {", ro[i].ident);
        for (size_t s = 0; s < ir->nsources; s++)
            cb_printf(&c, "%s{%s, %s}", s ? ", " : "", table_enum[find_name(pk.tables, ntables, ir->sources[s].table)], ro[i].fnames[s]);
        cb_printf(&c, "};\n");
    }
    cb_printf(&c, "static const rpx_rule rpx_rules[RP_MATCHER_NRULES + 1] = {\n");
    for (size_t i = 0; i < nro; i++) {
        const rp_ir_rule *ir = ro[i].in->ir;
        cb_printf(&c, "    /* [%zu] = %s */\n", i, rp_emit_c_comment(arena, ro[i].in->name ? ro[i].in->name : "", ro[i].in->name ? strlen(ro[i].in->name) : 0));
        cb_printf(&c, "    {%s_sources, %zu, %zu, %s},\n", ro[i].ident, ir->nsources, ro[i].excl_off, ro[i].finish ? ro[i].finish : "NULL");
    }
    cb_printf(&c, "    {NULL, 0, 0, NULL}\n};\n");
    /* evaluation order: the order `rulepack run` adds rules */
    size_t *order = rp_arena_alloc(arena, (nro + 1) * sizeof *order);
    for (size_t i = 0; i < nro; i++) order[i] = i;
    for (size_t i = 1; i < nro; i++)
        for (size_t j = i; j > 0 && ro[order[j - 1]].in->order > ro[order[j]].in->order; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    cb_printf(&c, "/* evaluation order (file order, as `rulepack run` adds rules) */\n");
    cb_printf(&c, "static const size_t rpx_order[RP_MATCHER_NRULES + 1] = {");
    for (size_t i = 0; i < nro; i++) cb_printf(&c, "%s%zu", i ? ", " : "", order[i]);
    cb_printf(&c, "%s};\n", nro ? "" : "0");
    /* guards: per atom bit (word * 64 + atom of the term index), the evaluation positions of the
     * rules it guards; the other rules are always evaluated */
    size_t nbits = nwords * 64, ng = 0, nu = 0;
    size_t *gfirst = rp_arena_alloc(arena, (nbits + 2) * sizeof *gfirst);
    cbuf gp = {0}, up = {0};
    for (size_t bit = 0; bit < nbits; bit++) {
        gfirst[bit] = ng;
        for (size_t p = 0; p < nro; p++) {
            const rule_out *q = &ro[order[p]];
            if (q->guard_x < 0 || q->in->ir->nsources != 1 || ti_word[q->guard_x] * 64 + (size_t)q->guard_a != bit) continue;
            cb_printf(&gp, "%s%zu", ng ? ", " : "", p);
            ng++;
        }
    }
    gfirst[nbits] = ng;
    for (size_t p = 0; p < nro; p++) {
        const rule_out *q = &ro[order[p]];
        if (q->guard_x >= 0 && q->in->ir->nsources == 1) continue;
        cb_printf(&up, "%s%zu", nu ? ", " : "", p);
        nu++;
    }
    cb_printf(&c, "enum { RPX_NGUARDED = %zu, RPX_NUNGUARDED = %zu };\n", ng, nu);
    cb_printf(&c, "static const uint32_t rpx_guard_pos[RPX_NGUARDED + 1] = {%s%s};\n", gp.p ? gp.p : "", ng ? "" : "0");
    cb_printf(&c, "static const uint32_t rpx_guard_first[RPX_NTIWORDS * 64 + 1] = {");
    for (size_t bit = 0; bit <= nbits; bit++) cb_printf(&c, "%s%zu", bit ? ", " : "", gfirst[bit]);
    cb_printf(&c, "};\n");
    cb_printf(&c, "static const uint32_t rpx_unguarded[RPX_NUNGUARDED + 1] = {%s%s};\n\n", up.p ? up.p : "", nu ? "" : "0");
    free(gp.p);
    free(up.p);
    cb_printf(&c, "%s", api_text);
    free(pk.consts.p);
    out->rules_c = cb_take(arena, &c);

    cbuf hr = {0};
    cb_printf(&hr, "/* Generated by rulepack %s. DO NOT EDIT. */\n#ifndef RP_GENERATED_RULES_RT_H\n#define RP_GENERATED_RULES_RT_H\n\n"
                   "#include <string.h>\n\n#include \"rp_runtime.h\"\n\n%s\n#endif\n", RP_VERSION, helpers_text);
    out->rules_rt_h = cb_take(arena, &hr);
    cbuf d = {0};
    cb_printf(&d, "/* Generated by rulepack %s. DO NOT EDIT. */%s", RP_VERSION, driver_text);
    out->matcher_c = cb_take(arena, &d);
    cbuf mk = {0};
    cb_printf(&mk, "# Generated by rulepack %s. DO NOT EDIT.\n%s", RP_VERSION, makefile_text);
    out->makefile = cb_take(arena, &mk);
}
