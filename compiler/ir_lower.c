/* ir_lower.c: KQL AST + exclusion filters -> IR (see ir_lower.h and ir.h).
 *
 * A tabular expression lowers into a `flow`: the branches (one IR source each, with the scope of
 * columns visible in it) and, once a stateful operator has been seen, the tail scope. Row-local
 * operators are lowered once per branch (each branch resolves names against its own table), or
 * once in the tail. The first operator that cannot be lowered stops the pipeline: what came before
 * is kept (PARTIAL), and RP0400 names the operator and its position. */
#include "ir_lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "excl_ast.h"
#include "runtime/rp_runtime.h"
#include "schema.h"

/* Columns visible at some point of a pipeline. */
typedef struct scope {
    int star;                       /* the tables' own columns are visible (not yet listed) */
    rp_ir_col *cols;                /* explicit columns, in order */
    size_t count;
    rp_ir_source **srcs;            /* the sources whose rows flow here (their tables back `star`) */
    const rp_schema_table **tables;
    size_t nsrcs;
} scope;

typedef struct branch {
    rp_ir_source *src;
    const rp_schema_table *table;
    scope sc;
} branch;

typedef struct flow {
    branch *br;
    size_t nbr;
    int in_tail;     /* a stateful stage was lowered: further stages go to the rule's tail */
    scope tail;
    int stopped;     /* an operator was not compiled: the rest is skipped */
} flow;

/* A `let` binding seen so far (innermost last). */
typedef struct binding {
    const char *name;
    const rp_kql_node *value;
    rp_ir_expr *folded;   /* scalar lets, once lowered */
    int lowering;         /* recursion guard */
} binding;

typedef struct lower {
    rp_ctx *ctx;
    rp_arena *A;
    const rp_kql_query *q;
    rp_ir_rule *ir;
    binding *lets;
    size_t nlets, caplets;
    rp_ir_source **srcs;  /* sources while lowering (stable pointers), copied to ir->sources at the end */
    size_t nsrcs, capsrcs;
    int depth;
} lower;

/* {====================================================================
 * Diagnostics
 * ===================================================================== */

static rp_span node_span(lower *L, const rp_kql_node *n)
{
    rp_span none = {0};
    if (!n || !L->q) return none;
    return rp_kql_node_span(L->q, n);
}

static const char *where_text(lower *L, rp_span span)
{
    if (!span.src) return "?";
    unsigned line, col;
    rp_source_locate(span.src, span.start, &line, &col);
    return rp_arena_printf(L->A, "%u:%u", line, col);
}

/* Reports that `what` at node n is not compiled; the first reason becomes the rule's `why`. */
static void not_compiled(lower *L, const rp_kql_node *n, const char *what)
{
    rp_span span = node_span(L, n);
    const char *at = where_text(L, span);
    rp_report(L->ctx, RP0400, span, "not compiled: %s at %s", what, at);
    if (!L->ir->why) L->ir->why = rp_arena_printf(L->A, "%s at %s", what, at);
    if (L->ir->status == RP_IR_FULL) L->ir->status = RP_IR_PARTIAL;
}

/* {====================================================================
 * Scopes
 * ===================================================================== */

static void scope_push(lower *L, scope *sc, const char *name, int slot, rp_type type)
{
    for (size_t i = 0; i < sc->count; i++)
        if (strcmp(sc->cols[i].name, name) == 0) {
            sc->cols[i].slot = slot;
            sc->cols[i].type = type;
            return;
        }
    rp_ir_col *cols = RP_NEW_ARRAY(L->A, rp_ir_col, sc->count + 1);
    if (sc->count) memcpy(cols, sc->cols, sc->count * sizeof *cols);
    cols[sc->count].name = L->ir->slots[slot].name;
    cols[sc->count].slot = slot;
    cols[sc->count].type = type;
    sc->cols = cols;
    sc->count++;
}

static rp_ir_cols scope_out(lower *L, const scope *sc)
{
    rp_ir_cols out = {0};
    out.event_star = sc->star;
    out.count = sc->count;
    out.cols = RP_NEW_ARRAY(L->A, rp_ir_col, sc->count ? sc->count : 1);
    if (sc->count) memcpy(out.cols, sc->cols, sc->count * sizeof *out.cols);
    return out;
}

/* Is `name` a column of one of the scope's tables? */
static const rp_schema_column *star_column(const scope *sc, const char *name)
{
    for (size_t i = 0; i < sc->nsrcs; i++) {
        const rp_schema_column *c = sc->tables[i] ? rp_schema_column_find(sc->tables[i], name) : NULL;
        if (c) return c;
    }
    return NULL;
}

/* Resolves a column name. OUT: type. Returns the slot or -1. */
static int scope_resolve(lower *L, scope *sc, const char *name, rp_type *type)
{
    for (size_t i = 0; i < sc->count; i++)
        if (strcmp(sc->cols[i].name, name) == 0) {
            *type = sc->cols[i].type;
            return sc->cols[i].slot;
        }
    if (!sc->star) return -1;
    int slot = -1;
    for (size_t i = 0; i < sc->nsrcs; i++) {
        const rp_schema_column *c = sc->tables[i] ? rp_schema_column_find(sc->tables[i], name) : NULL;
        if (!c) continue;
        rp_type t = c->type == RP_TYPE_INT ? RP_TYPE_LONG : c->type == RP_TYPE_DECIMAL ? RP_TYPE_REAL : c->type;
        slot = rp_ir_add_input(L->A, L->ir, sc->srcs[i], c->name, t);
        *type = t;
    }
    return slot;
}

/* Replaces `star` by the explicit list of the tables' columns (schema order, first table first). */
static void scope_expand_star(lower *L, scope *sc)
{
    if (!sc->star) return;
    scope old = *sc;
    sc->star = 0;
    sc->cols = NULL;
    sc->count = 0;
    for (size_t t = 0; t < sc->nsrcs; t++) {
        const rp_schema_table *table = sc->tables[t];
        for (size_t c = 0; table && c < table->column_count; c++) {
            const rp_schema_column *col = &table->columns[c];
            int present = 0;
            for (size_t i = 0; i < old.count; i++) present |= strcmp(old.cols[i].name, col->name) == 0;
            if (present) continue;
            rp_type type;
            old.star = 1;
            int slot = scope_resolve(L, &old, col->name, &type);
            scope_push(L, sc, col->name, slot, type);
        }
    }
    for (size_t i = 0; i < old.count; i++) scope_push(L, sc, old.cols[i].name, old.cols[i].slot, old.cols[i].type);
}

static int glob_match(const char *pat, const char *s)
{
    if (*pat == '\0') return *s == '\0';
    if (*pat == '*') {
        for (;; s++) {
            if (glob_match(pat + 1, s)) return 1;
            if (!*s) return 0;
        }
    }
    return *s && *s == *pat && glob_match(pat + 1, s + 1);
}

/* {====================================================================
 * Constants
 * ===================================================================== */

static int is_const(const rp_ir_expr *e) { return e && e->kind == RP_IR_CONST; }

static int is_numeric(rp_type t) { return t == RP_TYPE_LONG || t == RP_TYPE_INT || t == RP_TYPE_REAL || t == RP_TYPE_DECIMAL; }

/* JSON text of a dynamic(...) literal's value (arena). */
static void json_of(lower *L, const rp_kql_node *n, char **buf)
{
    char *b = *buf;
    switch (n->kind) {
    case RP_KQL_STRING: {
        char tmp[16];
        size_t cap = n->text_len * 6 + 3;
        char *s = RP_NEW_ARRAY(L->A, char, cap);
        size_t o = 0;
        s[o++] = '"';
        for (size_t i = 0; i < n->text_len; i++) {
            unsigned char c = (unsigned char)n->text[i];
            if (c == '"' || c == '\\') {
                s[o++] = '\\';
                s[o++] = (char)c;
            } else if (c < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                memcpy(s + o, tmp, 6);
                o += 6;
            } else {
                s[o++] = (char)c;
            }
        }
        s[o++] = '"';
        s[o] = '\0';
        *buf = rp_arena_printf(L->A, "%s%s", b, s);
        break;
    }
    case RP_KQL_LONG: *buf = rp_arena_printf(L->A, "%s%lld", b, (long long)n->ival); break;
    case RP_KQL_REAL: {
        char tmp[40];
        rp_real_format(n->rval, tmp);
        *buf = rp_arena_printf(L->A, "%s%s", b, tmp);
        break;
    }
    case RP_KQL_BOOL: *buf = rp_arena_printf(L->A, "%s%s", b, n->ival ? "true" : "false"); break;
    case RP_KQL_JSON_ARRAY:
        *buf = rp_arena_printf(L->A, "%s[", b);
        for (size_t i = 0; i < n->items.count; i++) {
            if (i) *buf = rp_arena_printf(L->A, "%s,", *buf);
            json_of(L, n->items.items[i], buf);
        }
        *buf = rp_arena_printf(L->A, "%s]", *buf);
        break;
    case RP_KQL_JSON_OBJECT:
        *buf = rp_arena_printf(L->A, "%s{", b);
        for (size_t i = 0; i < n->items.count; i++) {
            const rp_kql_node *p = n->items.items[i];
            rp_kql_node key = {0};
            key.kind = RP_KQL_STRING;
            key.text = p->name;
            key.text_len = strlen(p->name);
            if (i) *buf = rp_arena_printf(L->A, "%s,", *buf);
            json_of(L, &key, buf);
            *buf = rp_arena_printf(L->A, "%s:", *buf);
            json_of(L, p->a, buf);
        }
        *buf = rp_arena_printf(L->A, "%s}", *buf);
        break;
    default: *buf = rp_arena_printf(L->A, "%snull", b); break;
    }
}

static rp_ir_expr *lower_expr(lower *L, const rp_kql_node *n, scope *sc);
static binding *find_let(lower *L, const char *name);

/* Appends the constant values of a list element to the set (dynamic arrays and datatables are
 * flattened; nested arrays too, KQL-SEMANTICS.md §4). 0 when an element is not constant. */
static int set_add(lower *L, const rp_kql_node *n, rp_ir_value **set, size_t *nset, size_t *cap)
{
    if (!n) return 0;
    switch (n->kind) {
    case RP_KQL_DYNAMIC: return set_add(L, n->a, set, nset, cap);
    case RP_KQL_JSON_ARRAY:
        for (size_t i = 0; i < n->items.count; i++)
            if (!set_add(L, n->items.items[i], set, nset, cap)) return 0;
        return 1;
    case RP_KQL_DATATABLE: {
        size_t ncols = n->items.count ? n->items.count : 1;
        for (size_t i = 0; i < n->aux.count; i += ncols)
            if (!set_add(L, n->aux.items[i], set, nset, cap)) return 0;
        return 1;
    }
    case RP_KQL_CALL:
        /* pack_array(constants): a dynamic array, flattened like dynamic([...]) */
        if (n->name && strcmp(n->name, "pack_array") == 0 && !n->a && n->items.count) {
            for (size_t i = 0; i < n->items.count; i++)
                if (!set_add(L, n->items.items[i], set, nset, cap)) return 0;
            return 1;
        }
        break;
    case RP_KQL_PIPE:
        /* a tabular list: only a bare source (datatable or let) is constant */
        if (n->items.count == 1) return set_add(L, n->items.items[0], set, nset, cap);
        return 0;
    case RP_KQL_NAME: {
        binding *b = find_let(L, n->name);
        if (!b || b->lowering) return 0;
        b->lowering = 1;
        int ok = set_add(L, b->value, set, nset, cap);
        b->lowering = 0;
        return ok;
    }
    default: break;
    }
    scope empty = {0};
    rp_ir_expr *e = lower_expr(L, n, &empty);
    if (!is_const(e)) return 0;
    *set = rp_arena_grow(L->A, *set, sizeof **set, cap, *nset + 1);
    (*set)[(*nset)++] = e->value;
    return 1;
}

/* {====================================================================
 * Expressions
 * ===================================================================== */

static binding *find_let(lower *L, const char *name)
{
    for (size_t i = L->nlets; i-- > 0;)
        if (strcmp(L->lets[i].name, name) == 0) return &L->lets[i];
    return NULL;
}

static int is_tabular_value(const rp_kql_node *v)
{
    return v && (v->kind == RP_KQL_PIPE || v->kind == RP_KQL_DATATABLE || v->kind == RP_KQL_EXTERNALDATA ||
                 v->kind == RP_KQL_FUNC);
}

/* Folds constant arithmetic: now() +- timespan, datetime +- timespan, numbers. */
static rp_ir_expr *fold_arith(lower *L, rp_ir_expr *e)
{
    if (e->arith == RP_IR_NEG) {
        rp_ir_expr *a = e->args[0];
        if (is_const(a) && !a->value.null) {
            if (a->value.type == RP_TYPE_REAL) return rp_ir_const_real(L->A, -a->value.r, e->span);
            if (a->value.type == RP_TYPE_LONG || a->value.type == RP_TYPE_TIMESPAN)
                return rp_ir_const_typed(L->A, a->value.type, -a->value.i, e->span);
        }
        return e;
    }
    rp_ir_expr *a = e->args[0], *b = e->args[1];
    if (a->kind == RP_IR_NOW && is_const(b) && b->value.type == RP_TYPE_TIMESPAN && !b->value.null &&
        (e->arith == RP_IR_ADD || e->arith == RP_IR_SUB))
        return rp_ir_now(L->A, a->value.i + (e->arith == RP_IR_ADD ? b->value.i : -b->value.i), e->span);
    if (!is_const(a) || !is_const(b) || a->value.null || b->value.null) return e;
    rp_type ta = a->value.type, tb = b->value.type;
    if ((ta == RP_TYPE_LONG || ta == RP_TYPE_TIMESPAN || ta == RP_TYPE_DATETIME) && ta == tb && e->type == ta &&
        e->arith != RP_IR_DIV && e->arith != RP_IR_MOD) {
        int64_t x = a->value.i, y = b->value.i;
        int64_t r = e->arith == RP_IR_ADD ? x + y : e->arith == RP_IR_SUB ? x - y : x * y;
        return rp_ir_const_typed(L->A, ta, r, e->span);
    }
    if (ta == RP_TYPE_DATETIME && tb == RP_TYPE_TIMESPAN && (e->arith == RP_IR_ADD || e->arith == RP_IR_SUB))
        return rp_ir_const_typed(L->A, RP_TYPE_DATETIME,
                                 a->value.i + (e->arith == RP_IR_ADD ? b->value.i : -b->value.i), e->span);
    if (ta == RP_TYPE_DATETIME && tb == RP_TYPE_DATETIME && e->arith == RP_IR_SUB)
        return rp_ir_const_typed(L->A, RP_TYPE_TIMESPAN, a->value.i - b->value.i, e->span);
    if (ta == RP_TYPE_LONG && tb == RP_TYPE_TIMESPAN && e->arith == RP_IR_MUL)
        return rp_ir_const_typed(L->A, RP_TYPE_TIMESPAN, a->value.i * b->value.i, e->span);
    if (ta == RP_TYPE_TIMESPAN && tb == RP_TYPE_LONG && e->arith == RP_IR_MUL)
        return rp_ir_const_typed(L->A, RP_TYPE_TIMESPAN, a->value.i * b->value.i, e->span);
    return e;
}

/* Result type of a + - * / % b (datetime-timespan arithmetic, KQL-SEMANTICS.md §8). */
static rp_type arith_type(rp_ir_arith op, rp_type a, rp_type b)
{
    if (a == RP_TYPE_DATETIME && b == RP_TYPE_DATETIME && op == RP_IR_SUB) return RP_TYPE_TIMESPAN;
    if (a == RP_TYPE_DATETIME && b == RP_TYPE_TIMESPAN) return RP_TYPE_DATETIME;
    if (a == RP_TYPE_TIMESPAN && b == RP_TYPE_DATETIME && op == RP_IR_ADD) return RP_TYPE_DATETIME;
    if (a == RP_TYPE_TIMESPAN && b == RP_TYPE_TIMESPAN) return op == RP_IR_DIV ? RP_TYPE_REAL : RP_TYPE_TIMESPAN;
    if ((a == RP_TYPE_TIMESPAN && is_numeric(b)) || (is_numeric(a) && b == RP_TYPE_TIMESPAN)) return RP_TYPE_TIMESPAN;
    if (a == RP_TYPE_REAL || b == RP_TYPE_REAL) return RP_TYPE_REAL;
    if (is_numeric(a) && is_numeric(b)) return RP_TYPE_LONG;
    return RP_TYPE_UNKNOWN;
}

static int strop_of(rp_kql_op op, rp_ir_strop *sop, int *ci, int *neg)
{
    static const struct { rp_kql_op op; rp_ir_strop sop; int ci, neg; } map[] = {
        {RP_KQL_OP_EQ_CI, RP_IR_S_EQ, 1, 0},
        {RP_KQL_OP_NE_CI, RP_IR_S_EQ, 1, 1},
        {RP_KQL_OP_HAS, RP_IR_S_HAS, 1, 0},
        {RP_KQL_OP_NOT_HAS, RP_IR_S_HAS, 1, 1},
        {RP_KQL_OP_HAS_CS, RP_IR_S_HAS, 0, 0},
        {RP_KQL_OP_NOT_HAS_CS, RP_IR_S_HAS, 0, 1},
        {RP_KQL_OP_HASPREFIX, RP_IR_S_HASPREFIX, 1, 0},
        {RP_KQL_OP_NOT_HASPREFIX, RP_IR_S_HASPREFIX, 1, 1},
        {RP_KQL_OP_HASPREFIX_CS, RP_IR_S_HASPREFIX, 0, 0},
        {RP_KQL_OP_NOT_HASPREFIX_CS, RP_IR_S_HASPREFIX, 0, 1},
        {RP_KQL_OP_HASSUFFIX, RP_IR_S_HASSUFFIX, 1, 0},
        {RP_KQL_OP_NOT_HASSUFFIX, RP_IR_S_HASSUFFIX, 1, 1},
        {RP_KQL_OP_HASSUFFIX_CS, RP_IR_S_HASSUFFIX, 0, 0},
        {RP_KQL_OP_NOT_HASSUFFIX_CS, RP_IR_S_HASSUFFIX, 0, 1},
        {RP_KQL_OP_CONTAINS, RP_IR_S_CONTAINS, 1, 0},
        {RP_KQL_OP_NOT_CONTAINS, RP_IR_S_CONTAINS, 1, 1},
        {RP_KQL_OP_CONTAINS_CS, RP_IR_S_CONTAINS, 0, 0},
        {RP_KQL_OP_NOT_CONTAINS_CS, RP_IR_S_CONTAINS, 0, 1},
        {RP_KQL_OP_STARTSWITH, RP_IR_S_STARTSWITH, 1, 0},
        {RP_KQL_OP_NOT_STARTSWITH, RP_IR_S_STARTSWITH, 1, 1},
        {RP_KQL_OP_STARTSWITH_CS, RP_IR_S_STARTSWITH, 0, 0},
        {RP_KQL_OP_NOT_STARTSWITH_CS, RP_IR_S_STARTSWITH, 0, 1},
        {RP_KQL_OP_ENDSWITH, RP_IR_S_ENDSWITH, 1, 0},
        {RP_KQL_OP_NOT_ENDSWITH, RP_IR_S_ENDSWITH, 1, 1},
        {RP_KQL_OP_ENDSWITH_CS, RP_IR_S_ENDSWITH, 0, 0},
        {RP_KQL_OP_NOT_ENDSWITH_CS, RP_IR_S_ENDSWITH, 0, 1},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].op == op) {
            *sop = map[i].sop;
            *ci = map[i].ci;
            *neg = map[i].neg;
            return 1;
        }
    return 0;
}

static rp_type fn_type(rp_ir_fn fn, rp_ir_expr **args, size_t nargs)
{
    switch (fn) {
    case RP_IR_F_TOLOWER:
    case RP_IR_F_TOUPPER:
    case RP_IR_F_TOSTRING:
    case RP_IR_F_STRCAT:
    case RP_IR_F_SUBSTRING:
    case RP_IR_F_TRIM:
    case RP_IR_F_TRIM_START:
    case RP_IR_F_TRIM_END:
    case RP_IR_F_EXTRACT:
    case RP_IR_F_REPLACE_STRING: return RP_TYPE_STRING;
    case RP_IR_F_ISEMPTY:
    case RP_IR_F_ISNOTEMPTY:
    case RP_IR_F_ISNULL:
    case RP_IR_F_ISNOTNULL:
    case RP_IR_F_TOBOOL: return RP_TYPE_BOOL;
    case RP_IR_F_STRLEN:
    case RP_IR_F_TOLONG:
    case RP_IR_F_INDEXOF:
    case RP_IR_F_HOUROFDAY: return RP_TYPE_LONG;
    case RP_IR_F_TOREAL: return RP_TYPE_REAL;
    case RP_IR_F_MEMBER:
    case RP_IR_F_INDEX:
    case RP_IR_F_PARSE_JSON: return RP_TYPE_DYNAMIC;
    case RP_IR_F_ARRAY_LENGTH: return RP_TYPE_LONG;
    case RP_IR_F_SPLIT:
    case RP_IR_F_PACK_ARRAY: return RP_TYPE_DYNAMIC;
    case RP_IR_F_IPV4_IS_PRIVATE: return RP_TYPE_BOOL;
    case RP_IR_F_TODATETIME:
    case RP_IR_F_STARTOFDAY: return RP_TYPE_DATETIME;
    case RP_IR_F_TOTIMESPAN:
    case RP_IR_F_DAYOFWEEK: return RP_TYPE_TIMESPAN;
    case RP_IR_F_BIN:
    case RP_IR_F_ABS:
    case RP_IR_F_COALESCE: return nargs ? args[0]->type : RP_TYPE_UNKNOWN;
    case RP_IR_F_IFF: return nargs > 1 ? args[1]->type : RP_TYPE_UNKNOWN;
    case RP_IR_F_CASE: return nargs > 1 ? args[1]->type : RP_TYPE_UNKNOWN;
    case RP_IR_FN_COUNT: break;
    }
    return RP_TYPE_UNKNOWN;
}

static int check_regex(lower *L, const rp_kql_node *at, const char *pat, size_t len)
{
    char err[256];
    size_t off = 0;
    if (rp_regex_check(pat, len, err, sizeof err, &off)) return 1;
    rp_report(L->ctx, RP0402, node_span(L, at), "regular expression not supported: %s (at byte %zu of the pattern)",
              err, off);
    return 0;
}

static rp_ir_expr *lower_call(lower *L, const rp_kql_node *n, scope *sc)
{
    rp_span span = node_span(L, n);
    const char *name = n->name ? n->name : "";
    size_t nargs = n->items.count;
    if (n->a) {
        not_compiled(L, n, rp_arena_printf(L->A, "call of %s through an expression", name));
        return NULL;
    }
    if (strcmp(name, "not") == 0 && nargs == 1) {
        rp_ir_expr *a = lower_expr(L, n->items.items[0], sc);
        return a ? rp_ir_not(L->A, a, span) : NULL;
    }
    if ((strcmp(name, "now") == 0 && nargs <= 1) || (strcmp(name, "ago") == 0 && nargs == 1)) {
        int64_t off = 0;
        if (nargs) {
            rp_ir_expr *a = lower_expr(L, n->items.items[0], sc);
            if (!a) return NULL;
            if (!is_const(a) || a->value.type != RP_TYPE_TIMESPAN || a->value.null) {
                not_compiled(L, n, rp_arena_printf(L->A, "%s() with a non-constant offset", name));
                return NULL;
            }
            off = name[0] == 'a' ? -a->value.i : a->value.i;
        }
        L->ir->now_used = 1;
        return rp_ir_now(L->A, off, span);
    }
    rp_ir_fn fn = name[0] == '$' ? RP_IR_FN_COUNT : rp_ir_fn_find(name);
    if (fn == RP_IR_FN_COUNT) {
        not_compiled(L, n, rp_arena_printf(L->A, "function %s()", name));
        return NULL;
    }
    int lo, hi;
    rp_ir_fn_arity(fn, &lo, &hi);
    if ((int)nargs < lo || (int)nargs > hi) {
        not_compiled(L, n, rp_arena_printf(L->A, "%s() with %zu arguments", name, nargs));
        return NULL;
    }
    rp_ir_expr **args = RP_NEW_ARRAY(L->A, rp_ir_expr *, nargs ? nargs : 1);
    for (size_t i = 0; i < nargs; i++) {
        args[i] = lower_expr(L, n->items.items[i], sc);
        if (!args[i]) return NULL;
    }
    if ((fn == RP_IR_F_EXTRACT || fn == RP_IR_F_TRIM || fn == RP_IR_F_TRIM_START || fn == RP_IR_F_TRIM_END)) {
        if (!is_const(args[0]) || args[0]->value.type != RP_TYPE_STRING) {
            not_compiled(L, n, rp_arena_printf(L->A, "%s() with a non-constant pattern", name));
            return NULL;
        }
        if (!check_regex(L, n->items.items[0], args[0]->value.s, args[0]->value.len)) return NULL;
    }
    if (fn == RP_IR_F_PARSE_JSON) {
        /* parse-json-function: a dynamic argument is used as it is */
        if (args[0]->type == RP_TYPE_DYNAMIC) return args[0];
        if (args[0]->type != RP_TYPE_STRING) {
            not_compiled(L, n, rp_arena_printf(L->A, "%s() of a %s value", name, rp_type_name(args[0]->type)));
            return NULL;
        }
    }
    if (fn == RP_IR_F_ARRAY_LENGTH && args[0]->type != RP_TYPE_DYNAMIC) {
        not_compiled(L, n, rp_arena_printf(L->A, "array_length() of a %s value", rp_type_name(args[0]->type)));
        return NULL;
    }
    if (fn == RP_IR_F_SPLIT) {
        /* split-function: the source is a string; the page shows no empty delimiter and no
         * negative index, so those (and non-constant ones, which could be either) are refused */
        if (args[0]->type != RP_TYPE_STRING) {
            not_compiled(L, n, rp_arena_printf(L->A, "split() of a %s value", rp_type_name(args[0]->type)));
            return NULL;
        }
        if (!is_const(args[1]) || args[1]->value.type != RP_TYPE_STRING || args[1]->value.len == 0) {
            not_compiled(L, n, "split() with a delimiter that is not a constant non-empty string");
            return NULL;
        }
        if (nargs > 2 && (!is_const(args[2]) || args[2]->value.type != RP_TYPE_LONG || args[2]->value.null ||
                          args[2]->value.i < 0)) {
            not_compiled(L, n, "split() with a requestedIndex that is not a constant >= 0");
            return NULL;
        }
    }
    if (fn == RP_IR_F_PACK_ARRAY) {
        /* elements whose JSON form is exact: real and datetime forms in a dynamic are not
         * documented (Kusto writes datetimes with 7 fraction digits there, unlike tostring) */
        for (size_t i = 0; i < nargs; i++) {
            rp_type t = args[i]->type;
            if (t != RP_TYPE_STRING && t != RP_TYPE_LONG && t != RP_TYPE_INT && t != RP_TYPE_BOOL &&
                t != RP_TYPE_TIMESPAN && t != RP_TYPE_DYNAMIC) {
                not_compiled(L, n, rp_arena_printf(L->A, "pack_array() of a %s value", rp_type_name(t)));
                return NULL;
            }
        }
    }
    if (fn == RP_IR_F_IPV4_IS_PRIVATE && args[0]->type != RP_TYPE_STRING) {
        not_compiled(L, n, rp_arena_printf(L->A, "ipv4_is_private() of a %s value", rp_type_name(args[0]->type)));
        return NULL;
    }
    if (fn == RP_IR_F_BIN || fn == RP_IR_F_ABS || fn == RP_IR_F_STARTOFDAY || fn == RP_IR_F_DAYOFWEEK ||
        fn == RP_IR_F_HOUROFDAY) {
        for (size_t i = 0; i < nargs; i++)
            if (args[i]->type == RP_TYPE_DYNAMIC) {
                not_compiled(L, n, rp_arena_printf(L->A, "%s() of a dynamic value", name));
                return NULL;
            }
    }
    if (fn == RP_IR_F_BIN && strcmp(name, "floor") != 0 && is_const(args[1]) && !args[1]->value.null &&
        ((args[1]->value.type == RP_TYPE_LONG || args[1]->value.type == RP_TYPE_TIMESPAN) && args[1]->value.i <= 0)) {
        rp_report(L->ctx, RP0404, span, "bin() needs a positive size");
        return NULL;
    }
    return rp_ir_call(L->A, fn, fn_type(fn, args, nargs), args, nargs, span);
}

static rp_ir_expr *lower_typed(lower *L, const rp_kql_node *n)
{
    rp_span span = node_span(L, n);
    rp_type type = rp_type_from_name(n->name);
    if (type == RP_TYPE_INT) type = RP_TYPE_LONG;
    if (type == RP_TYPE_DECIMAL) type = RP_TYPE_REAL;
    if (n->flags & RP_KQL_F_NULL) return rp_ir_const_null(L->A, type, span);
    const char *t = n->text ? n->text : "";
    size_t len = n->text ? n->text_len : 0;
    switch (type) {
    case RP_TYPE_DATETIME: {
        int64_t ticks;
        if (n->flags & RP_KQL_F_HAS_TICKS) return rp_ir_const_typed(L->A, type, n->ival, span);
        if (len == 0) { /* datetime() is now */
            L->ir->now_used = 1;
            return rp_ir_now(L->A, 0, span);
        }
        if (rp_datetime_parse(t, len, &ticks)) return rp_ir_const_typed(L->A, type, ticks, span);
        break;
    }
    case RP_TYPE_TIMESPAN: {
        int64_t ticks;
        if (n->flags & RP_KQL_F_HAS_TICKS) return rp_ir_const_typed(L->A, type, n->ival, span);
        if (rp_timespan_parse(t, len, &ticks)) return rp_ir_const_typed(L->A, type, ticks, span);
        break;
    }
    case RP_TYPE_LONG: {
        int64_t v;
        if (rp_long_parse(t, len, &v)) return rp_ir_const_long(L->A, v, span);
        break;
    }
    case RP_TYPE_REAL: {
        double v;
        if (rp_real_parse(t, len, &v)) return rp_ir_const_real(L->A, v, span);
        break;
    }
    case RP_TYPE_BOOL:
        if (len == 4 && strncmp(t, "true", 4) == 0) return rp_ir_const_bool(L->A, 1, span);
        if (len == 5 && strncmp(t, "false", 5) == 0) return rp_ir_const_bool(L->A, 0, span);
        break;
    case RP_TYPE_GUID: {
        rp_ir_expr *e = rp_ir_const_string(L->A, t, len, span);
        e->type = e->value.type = RP_TYPE_GUID;
        return e;
    }
    case RP_TYPE_STRING: return rp_ir_const_string(L->A, t, len, span);
    default: break;
    }
    rp_report(L->ctx, RP0404, span, "invalid %s literal '%.*s'", n->name ? n->name : "typed", (int)len, t);
    return NULL;
}

/* A dynamic operand of a binary operator (interp.c "Dynamic values"): string operators and
 * ==, != against a constant string apply to tostring() of the value, except a null dynamic, which is
 * never == to a string (so comparing with "" would differ from tostring's "": refused);
 * dynamic against dynamic compares the JSON text. Anything else has no implicit conversion
 * we can make exact: numbers, ordering, arithmetic, regexes on a dynamic are refused. */
static int dynamic_operands_ok(lower *L, const rp_kql_node *n, rp_kql_op op, const rp_ir_expr *a, const rp_ir_expr *b)
{
    int da = a->type == RP_TYPE_DYNAMIC, db = b->type == RP_TYPE_DYNAMIC;
    if (!da && !db) return 1;
    if (da && db && (op == RP_KQL_OP_EQ || op == RP_KQL_OP_NE)) return 1;
    const rp_ir_expr *other = da ? b : a;
    rp_ir_strop sop;
    int ci, neg;
    int strop = op == RP_KQL_OP_EQ || op == RP_KQL_OP_NE || strop_of(op, &sop, &ci, &neg);
    if (!strop || other->type != RP_TYPE_STRING || !is_const(other) || (!da && op != RP_KQL_OP_EQ && op != RP_KQL_OP_NE &&
                                                    op != RP_KQL_OP_EQ_CI && op != RP_KQL_OP_NE_CI)) {
        not_compiled(L, n, rp_arena_printf(L->A, "%s between %s and %s (no exact implicit conversion)", rp_kql_op_name(op),
                                           rp_type_name(a->type), rp_type_name(b->type)));
        return 0;
    }
    if (is_const(other) && other->value.len == 0 &&
        (op == RP_KQL_OP_EQ || op == RP_KQL_OP_NE || op == RP_KQL_OP_EQ_CI || op == RP_KQL_OP_NE_CI)) {
        not_compiled(L, n, "comparison of a dynamic value with \"\" (a null dynamic is not \"\")");
        return 0;
    }
    return 1;
}

static rp_ir_expr *lower_binary(lower *L, const rp_kql_node *n, scope *sc)
{
    rp_span span = node_span(L, n);
    rp_kql_op op = n->op;
    if (op == RP_KQL_OP_LIKE || op == RP_KQL_OP_NOT_LIKE || op == RP_KQL_OP_LIKE_CS || op == RP_KQL_OP_NOT_LIKE_CS) {
        not_compiled(L, n, rp_kql_op_name(op));
        return NULL;
    }
    rp_ir_expr *a = lower_expr(L, n->a, sc);
    if (!a) return NULL;
    rp_ir_expr *b = lower_expr(L, n->b, sc);
    if (!b) return NULL;
    if (op != RP_KQL_OP_AND && op != RP_KQL_OP_OR && !dynamic_operands_ok(L, n, op, a, b)) return NULL;
    switch (op) {
    case RP_KQL_OP_AND: return rp_ir_logic(L->A, RP_IR_AND, a, b);
    case RP_KQL_OP_OR: return rp_ir_logic(L->A, RP_IR_OR, a, b);
    case RP_KQL_OP_EQ:
    case RP_KQL_OP_NE:
        if (a->type == RP_TYPE_STRING || b->type == RP_TYPE_STRING) {
            if (is_const(a) && !is_const(b)) {
                rp_ir_expr *t = a;
                a = b;
                b = t;
            }
            return rp_ir_str(L->A, RP_IR_S_EQ, 0, op == RP_KQL_OP_NE, a, b, span);
        }
        return rp_ir_cmp_new(L->A, op == RP_KQL_OP_EQ ? RP_IR_EQ : RP_IR_NE, a, b, span);
    case RP_KQL_OP_LT: return rp_ir_cmp_new(L->A, RP_IR_LT, a, b, span);
    case RP_KQL_OP_LE: return rp_ir_cmp_new(L->A, RP_IR_LE, a, b, span);
    case RP_KQL_OP_GT: return rp_ir_cmp_new(L->A, RP_IR_GT, a, b, span);
    case RP_KQL_OP_GE: return rp_ir_cmp_new(L->A, RP_IR_GE, a, b, span);
    case RP_KQL_OP_ADD:
    case RP_KQL_OP_SUB:
    case RP_KQL_OP_MUL:
    case RP_KQL_OP_DIV:
    case RP_KQL_OP_MOD: {
        rp_ir_arith ar = op == RP_KQL_OP_ADD ? RP_IR_ADD : op == RP_KQL_OP_SUB ? RP_IR_SUB
                       : op == RP_KQL_OP_MUL ? RP_IR_MUL : op == RP_KQL_OP_DIV ? RP_IR_DIV : RP_IR_MOD;
        return fold_arith(L, rp_ir_arith_new(L->A, ar, arith_type(ar, a->type, b->type), a, b, span));
    }
    case RP_KQL_OP_MATCHES_REGEX:
        if (!is_const(b) || b->value.type != RP_TYPE_STRING) {
            not_compiled(L, n, "matches regex with a non-constant pattern");
            return NULL;
        }
        if (!check_regex(L, n->b, b->value.s, b->value.len)) return NULL;
        return rp_ir_regex(L->A, a, b->value.s, b->value.len, span);
    default: break;
    }
    rp_ir_strop sop;
    int ci, neg;
    if (strop_of(op, &sop, &ci, &neg)) return rp_ir_str(L->A, sop, ci, neg, a, b, span);
    not_compiled(L, n, rp_arena_printf(L->A, "operator %s", rp_kql_op_name(op)));
    return NULL;
}

static rp_ir_expr *lower_in(lower *L, const rp_kql_node *n, scope *sc)
{
    rp_span span = node_span(L, n);
    rp_ir_expr *a = lower_expr(L, n->a, sc);
    if (!a) return NULL;
    rp_ir_value *set = NULL;
    size_t nset = 0, cap = 0;
    for (size_t i = 0; i < n->items.count; i++)
        if (!set_add(L, n->items.items[i], &set, &nset, &cap)) {
            not_compiled(L, n->items.items[i], rp_arena_printf(L->A, "%s with a non-constant list", rp_kql_op_name(n->op)));
            return NULL;
        }
    if (a->type == RP_TYPE_DYNAMIC) {
        /* as == on tostring(): string elements only, and no "" (a null dynamic is in nothing) */
        for (size_t i = 0; i < nset; i++)
            if (set[i].type != RP_TYPE_STRING || (set[i].len == 0 && n->op != RP_KQL_OP_HAS_ANY && n->op != RP_KQL_OP_HAS_ALL)) {
                not_compiled(L, n, rp_arena_printf(L->A, "%s on a dynamic value with a %s element", rp_kql_op_name(n->op),
                                                   set[i].type != RP_TYPE_STRING ? rp_type_name(set[i].type) : "\"\""));
                return NULL;
            }
    }
    switch (n->op) {
    case RP_KQL_OP_IN: return rp_ir_in(L->A, RP_IR_SET_IN, 0, 0, a, set, nset, span);
    case RP_KQL_OP_NOT_IN: return rp_ir_in(L->A, RP_IR_SET_IN, 0, 1, a, set, nset, span);
    case RP_KQL_OP_IN_CI: return rp_ir_in(L->A, RP_IR_SET_IN, 1, 0, a, set, nset, span);
    case RP_KQL_OP_NOT_IN_CI: return rp_ir_in(L->A, RP_IR_SET_IN, 1, 1, a, set, nset, span);
    case RP_KQL_OP_HAS_ANY: return rp_ir_in(L->A, RP_IR_SET_HAS_ANY, 1, 0, a, set, nset, span);
    case RP_KQL_OP_HAS_ALL: return rp_ir_in(L->A, RP_IR_SET_HAS_ALL, 1, 0, a, set, nset, span);
    default: break;
    }
    not_compiled(L, n, rp_kql_op_name(n->op));
    return NULL;
}

/* d.key, d["key"], d[i] (constant subscripts only) on a dynamic value. */
static rp_ir_expr *lower_access(lower *L, const rp_kql_node *n, scope *sc)
{
    rp_span span = node_span(L, n);
    rp_ir_expr *d = lower_expr(L, n->a, sc);
    if (!d) return NULL;
    if (d->type != RP_TYPE_DYNAMIC) {
        not_compiled(L, n, rp_arena_printf(L->A, "%s access on a %s value", n->kind == RP_KQL_MEMBER ? "member" : "index",
                                           rp_type_name(d->type)));
        return NULL;
    }
    rp_ir_expr *k;
    if (n->kind == RP_KQL_MEMBER) {
        k = rp_ir_const_string(L->A, n->name ? n->name : "", n->name ? strlen(n->name) : 0, span);
    } else {
        scope empty = {0};
        k = lower_expr(L, n->b, &empty);
        if (!k) return NULL;
        if (!is_const(k) || k->value.null || (k->value.type != RP_TYPE_STRING && k->value.type != RP_TYPE_LONG)) {
            not_compiled(L, n, "index with a subscript that is not a constant string or integer");
            return NULL;
        }
    }
    rp_ir_expr *args[2] = {d, k};
    rp_ir_fn fn = k->value.type == RP_TYPE_STRING ? RP_IR_F_MEMBER : RP_IR_F_INDEX;
    return rp_ir_call(L->A, fn, RP_TYPE_DYNAMIC, args, 2, span);
}

static rp_ir_expr *lower_expr(lower *L, const rp_kql_node *n, scope *sc)
{
    if (!n) return NULL;
    if (++L->depth > 400) {
        L->depth--;
        not_compiled(L, n, "expression nested too deeply");
        return NULL;
    }
    rp_span span = node_span(L, n);
    rp_ir_expr *e = NULL;
    switch (n->kind) {
    case RP_KQL_STRING: e = rp_ir_const_string(L->A, n->text ? n->text : "", n->text ? n->text_len : 0, span); break;
    case RP_KQL_LONG: e = rp_ir_const_long(L->A, n->ival, span); break;
    case RP_KQL_REAL: e = rp_ir_const_real(L->A, n->rval, span); break;
    case RP_KQL_BOOL: e = rp_ir_const_bool(L->A, (int)n->ival, span); break;
    case RP_KQL_TIMESPAN: e = rp_ir_const_typed(L->A, RP_TYPE_TIMESPAN, n->ival, span); break;
    case RP_KQL_TYPED: e = lower_typed(L, n); break;
    case RP_KQL_DYNAMIC: {
        char *json = "";
        json_of(L, n->a, &json);
        e = rp_ir_new(L->A, RP_IR_CONST, RP_TYPE_DYNAMIC, span);
        e->value.type = RP_TYPE_DYNAMIC;
        e->value.s = json;
        e->value.len = strlen(json);
        break;
    }
    case RP_KQL_NAME: {
        binding *b = find_let(L, n->name);
        if (b && !is_tabular_value(b->value)) {
            if (!b->folded) {
                if (b->lowering) {
                    rp_report(L->ctx, RP0404, span, "let %s refers to itself", n->name);
                    break;
                }
                b->lowering = 1;
                scope empty = {0};
                b->folded = lower_expr(L, b->value, &empty);
                b->lowering = 0;
            }
            e = b->folded;
            break;
        }
        rp_type type = RP_TYPE_UNKNOWN;
        int slot = scope_resolve(L, sc, n->name, &type);
        if (slot < 0) {
            rp_report(L->ctx, RP0401, span, "'%s' is not a column here; the rule is not compiled", n->name);
            if (!L->ir->why) L->ir->why = rp_arena_printf(L->A, "unknown name %s at %s", n->name, where_text(L, span));
            L->ir->status = RP_IR_NONE;
            break;
        }
        e = rp_ir_colref(L->A, L->ir->slots[slot].name, slot, type, span);
        break;
    }
    case RP_KQL_BINARY: e = lower_binary(L, n, sc); break;
    case RP_KQL_UNARY: {
        rp_ir_expr *a = lower_expr(L, n->a, sc);
        if (!a) break;
        e = n->op == RP_KQL_OP_NEG ? fold_arith(L, rp_ir_arith_new(L->A, RP_IR_NEG, a->type, a, NULL, span)) : a;
        break;
    }
    case RP_KQL_IN: e = lower_in(L, n, sc); break;
    case RP_KQL_BETWEEN: {
        rp_ir_expr *a = lower_expr(L, n->a, sc), *lo = a ? lower_expr(L, n->b, sc) : NULL;
        rp_ir_expr *hi = lo ? lower_expr(L, n->c, sc) : NULL;
        if (!hi) break;
        if (a->type == RP_TYPE_DYNAMIC || lo->type == RP_TYPE_DYNAMIC || hi->type == RP_TYPE_DYNAMIC) {
            not_compiled(L, n, "between on a dynamic value");
            break;
        }
        if (a->type == RP_TYPE_DATETIME && hi->type == RP_TYPE_TIMESPAN)
            hi = fold_arith(L, rp_ir_arith_new(L->A, RP_IR_ADD, RP_TYPE_DATETIME, lo, hi, hi->span));
        e = rp_ir_between(L->A, n->op == RP_KQL_OP_NOT_BETWEEN, a, lo, hi, span);
        break;
    }
    case RP_KQL_CALL: e = lower_call(L, n, sc); break;
    case RP_KQL_MEMBER:
    case RP_KQL_INDEX: e = lower_access(L, n, sc); break;
    default: not_compiled(L, n, rp_arena_printf(L->A, "%s expression", rp_kql_kind_name(n->kind))); break;
    }
    L->depth--;
    return e;
}

/* {====================================================================
 * Tabular operators
 * ===================================================================== */

/* The name KQL gives an unnamed column expression: a column keeps its name, f(col) for the
 * functions that pass names through, else Column1, Column2... */
static const char *expr_name(lower *L, const rp_kql_node *n, int *column_no)
{
    if (n->kind == RP_KQL_NAME) return n->name;
    if (n->kind == RP_KQL_CALL && n->items.count && n->items.items[0]->kind == RP_KQL_NAME) {
        static const char *const pass[] = {"tostring", "tolower", "toupper", "bin", "floor", "tolong", "toint",
                                           "todatetime", "toreal", "todouble", "trim", "startofday"};
        for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
            if (strcmp(n->name, pass[i]) == 0) {
                if ((strcmp(n->name, "trim") == 0) && n->items.count > 1) return n->items.items[1]->kind == RP_KQL_NAME ? n->items.items[1]->name : rp_arena_printf(L->A, "Column%d", ++*column_no);
                return n->items.items[0]->name;
            }
    }
    return rp_arena_printf(L->A, "Column%d", ++*column_no);
}

static int lower_assign(lower *L, const rp_kql_node *item, scope *eval, rp_ir_assign *out, int *column_no)
{
    const rp_kql_node *value = item;
    const char *name;
    if (item->kind == RP_KQL_NAMED) {
        if (!item->name) {
            not_compiled(L, item, "tuple assignment");
            return 0;
        }
        name = item->name;
        value = item->a;
    } else {
        if (item->kind == RP_KQL_MEMBER || item->kind == RP_KQL_INDEX) {
            /* Kusto derives a name from the path (d.a -> d_a); not pinned down here: refuse */
            not_compiled(L, item, "member or index expression without a column name");
            return 0;
        }
        name = expr_name(L, item, column_no);
    }
    rp_ir_expr *e = lower_expr(L, value, eval);
    if (!e) return 0;
    out->name = name;
    out->expr = e;
    out->span = node_span(L, item);
    out->slot = rp_ir_slot_of(L->A, L->ir, name, e->type);
    out->name = L->ir->slots[out->slot].name;
    return 1;
}

/* Two output columns of one project/summarize under one name: Kusto renames one of them (which
 * one depends on how each was named; kql_analyze.c follows it), the slots here would merge them
 * into one column. Refused rather than guessed. 1 when `name` is already among names[0..n). */
static int duplicate_output(lower *L, const rp_kql_node *at, const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) {
            not_compiled(L, at, rp_arena_printf(L->A, "two output columns named %s (Kusto renames one)", name));
            return 1;
        }
    return 0;
}

static rp_ir_stage *new_stage(lower *L, flow *f, branch *br, rp_ir_stage_kind kind, const rp_kql_node *op)
{
    rp_span span = node_span(L, op);
    if (br) return rp_ir_add_stage(L->A, &br->src->stages, &br->src->nstages, kind, span);
    (void)f;
    return rp_ir_add_stage(L->A, &L->ir->tail, &L->ir->ntail, kind, span);
}

/* Lowers one row-local operator in scope sc (a branch, or the tail when br is NULL). */
static int lower_rowop(lower *L, flow *f, branch *br, scope *sc, const rp_kql_node *op)
{
    int column_no = 0;
    switch (op->kind) {
    case RP_KQL_Q_WHERE: {
        rp_ir_expr *p = lower_expr(L, op->a, sc);
        if (!p) return 0;
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_FILTER, op);
        st->pred = p;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_EXTEND: {
        rp_ir_assign *as = RP_NEW_ARRAY(L->A, rp_ir_assign, op->items.count + 1);
        scope cur = *sc;
        for (size_t i = 0; i < op->items.count; i++) {
            if (!lower_assign(L, op->items.items[i], &cur, &as[i], &column_no)) return 0;
            /* overwriting a table column while the event is passed through: list columns explicitly */
            rp_type t;
            int present = 0;
            for (size_t k = 0; k < cur.count; k++) present |= strcmp(cur.cols[k].name, as[i].name) == 0;
            if (!present && cur.star && star_column(&cur, as[i].name)) {
                (void)t;
                scope_expand_star(L, &cur);
            }
            scope_push(L, &cur, as[i].name, as[i].slot, as[i].expr->type);
        }
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_EXTEND, op);
        st->assigns = as;
        st->nassigns = op->items.count;
        *sc = cur;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_PROJECT: {
        rp_ir_assign *as = RP_NEW_ARRAY(L->A, rp_ir_assign, op->items.count + 1);
        scope next = *sc;
        next.star = 0;
        next.cols = NULL;
        next.count = 0;
        for (size_t i = 0; i < op->items.count; i++) {
            const rp_kql_node *it = op->items.items[i];
            if (it->kind == RP_KQL_NAME && (it->flags & RP_KQL_F_WILDCARD)) {
                not_compiled(L, it, "project with a wildcard");
                return 0;
            }
            if (!lower_assign(L, it, sc, &as[i], &column_no)) return 0;
            for (size_t k = 0; k < i; k++)
                if (duplicate_output(L, it, &as[k].name, 1, as[i].name)) return 0;
            scope_push(L, &next, as[i].name, as[i].slot, as[i].expr->type);
        }
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_PROJECT, op);
        st->assigns = as;
        st->nassigns = op->items.count;
        *sc = next;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_PROJECT_AWAY:
    case RP_KQL_Q_PROJECT_KEEP:
    case RP_KQL_Q_PROJECT_REORDER: {
        scope_expand_star(L, sc);
        scope next = *sc;
        next.cols = NULL;
        next.count = 0;
        int keep = op->kind == RP_KQL_Q_PROJECT_KEEP, reorder = op->kind == RP_KQL_Q_PROJECT_REORDER;
        if (reorder) {
            for (size_t i = 0; i < op->items.count; i++) {
                const rp_kql_node *it = op->items.items[i];
                const char *pat = it->kind == RP_KQL_SORTKEY && it->a ? it->a->name : it->name;
                if (!pat) continue;
                for (size_t k = 0; k < sc->count; k++)
                    if (glob_match(pat, sc->cols[k].name))
                        scope_push(L, &next, sc->cols[k].name, sc->cols[k].slot, sc->cols[k].type);
            }
        }
        for (size_t k = 0; k < sc->count; k++) {
            int hit = 0;
            for (size_t i = 0; i < op->items.count; i++) {
                const rp_kql_node *it = op->items.items[i];
                const char *pat = it->kind == RP_KQL_SORTKEY && it->a ? it->a->name : it->name;
                hit |= pat && glob_match(pat, sc->cols[k].name);
            }
            if (reorder || (keep ? hit : !hit)) scope_push(L, &next, sc->cols[k].name, sc->cols[k].slot, sc->cols[k].type);
        }
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_PROJECT, op);
        *sc = next;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_PROJECT_RENAME: {
        scope_expand_star(L, sc);
        rp_ir_assign *as = RP_NEW_ARRAY(L->A, rp_ir_assign, op->items.count + 1);
        scope next = *sc;
        next.cols = RP_NEW_ARRAY(L->A, rp_ir_col, sc->count + 1);
        memcpy(next.cols, sc->cols, sc->count * sizeof *next.cols);
        for (size_t i = 0; i < op->items.count; i++) {
            const rp_kql_node *it = op->items.items[i];
            if (it->kind != RP_KQL_NAMED || !it->name || !it->a || it->a->kind != RP_KQL_NAME) {
                not_compiled(L, it, "project-rename of an expression");
                return 0;
            }
            size_t k = 0;
            while (k < next.count && strcmp(next.cols[k].name, it->a->name) != 0) k++;
            if (k == next.count) {
                rp_report(L->ctx, RP0401, node_span(L, it->a), "'%s' is not a column here; the rule is not compiled",
                          it->a->name);
                L->ir->status = RP_IR_NONE;
                return 0;
            }
            as[i].name = it->name;
            as[i].expr = rp_ir_colref(L->A, next.cols[k].name, next.cols[k].slot, next.cols[k].type, node_span(L, it->a));
            as[i].slot = rp_ir_slot_of(L->A, L->ir, it->name, next.cols[k].type);
            as[i].name = L->ir->slots[as[i].slot].name;
            as[i].span = node_span(L, it);
            next.cols[k].name = as[i].name;
            next.cols[k].slot = as[i].slot;
        }
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_PROJECT, op);
        st->assigns = as;
        st->nassigns = op->items.count;
        *sc = next;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_PARSE: {
        for (size_t i = 0; i < op->options.count; i++) {
            const rp_kql_node *o = op->options.items[i];
            if (o->name && strcmp(o->name, "kind") == 0 && !(o->a && o->a->name && strcmp(o->a->name, "simple") == 0)) {
                not_compiled(L, o, "parse kind other than simple");
                return 0;
            }
        }
        rp_ir_expr *src = lower_expr(L, op->a, sc);
        if (!src) return 0;
        rp_ir_parse_piece *pieces = RP_NEW_ARRAY(L->A, rp_ir_parse_piece, op->items.count + 1);
        for (size_t i = 0; i < op->items.count; i++) {
            const rp_kql_node *it = op->items.items[i];
            rp_ir_parse_piece *p = &pieces[i];
            p->slot = -1;
            if (it->kind == RP_KQL_STRING) {
                p->text = it->text;
                p->len = it->text_len;
            } else if (it->kind == RP_KQL_COLDECL) {
                p->type = it->text ? rp_type_from_name(it->text) : RP_TYPE_STRING;
                if (p->type == RP_TYPE_INT) p->type = RP_TYPE_LONG;
                if (p->type == RP_TYPE_DECIMAL) p->type = RP_TYPE_REAL;
                if (p->type == RP_TYPE_UNKNOWN || p->type == RP_TYPE_DYNAMIC) {
                    not_compiled(L, it, rp_arena_printf(L->A, "parse capture of type %s", it->text));
                    return 0;
                }
                p->slot = rp_ir_slot_of(L->A, L->ir, it->name, p->type);
                p->name = L->ir->slots[p->slot].name;
            } else if (it->kind != RP_KQL_STAR) {
                not_compiled(L, it, "parse pattern element");
                return 0;
            }
        }
        for (size_t i = 0; i < op->items.count; i++)
            if (pieces[i].name) {
                if (sc->star && star_column(sc, pieces[i].name)) scope_expand_star(L, sc);
                scope_push(L, sc, pieces[i].name, pieces[i].slot, pieces[i].type);
            }
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_PARSE, op);
        st->source = src;
        st->pieces = pieces;
        st->npieces = op->items.count;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_MV_EXPAND: {
        if (op->options.count) {
            not_compiled(L, op, "mv-expand with options");
            return 0;
        }
        rp_ir_assign *as = RP_NEW_ARRAY(L->A, rp_ir_assign, op->items.count + 1);
        for (size_t i = 0; i < op->items.count; i++) {
            if (op->aux.count > i && op->aux.items[i]) {
                not_compiled(L, op->aux.items[i], "mv-expand ... to typeof()");
                return 0;
            }
            if (!lower_assign(L, op->items.items[i], sc, &as[i], &column_no)) return 0;
            as[i].expr->type = as[i].expr->type; /* elements stay dynamic */
        }
        for (size_t i = 0; i < op->items.count; i++) {
            if (sc->star && star_column(sc, as[i].name)) scope_expand_star(L, sc);
            scope_push(L, sc, as[i].name, as[i].slot, RP_TYPE_DYNAMIC);
        }
        rp_ir_stage *st = new_stage(L, f, br, RP_IR_MV_EXPAND, op);
        st->assigns = as;
        st->nassigns = op->items.count;
        if (op->b) {
            scope empty = {0};
            rp_ir_expr *lim = lower_expr(L, op->b, &empty);
            if (!is_const(lim) || lim->value.type != RP_TYPE_LONG) {
                not_compiled(L, op->b, "mv-expand limit that is not a constant");
                return 0;
            }
            st->limit = lim->value.i;
        }
        st->out = scope_out(L, sc);
        return 1;
    }
    default: break;
    }
    not_compiled(L, op, rp_kql_kind_name(op->kind));
    return 0;
}

static const char *agg_default_name(lower *L, rp_ir_agg_kind kind, const rp_kql_node *call)
{
    const char *arg = call->items.count && call->items.items[0]->kind == RP_KQL_NAME ? call->items.items[0]->name : NULL;
    switch (kind) {
    case RP_IR_AGG_COUNT: return "count_";
    case RP_IR_AGG_COUNTIF: return "countif_";
    case RP_IR_AGG_DCOUNT: return arg ? rp_arena_printf(L->A, "dcount_%s", arg) : "dcount_";
    case RP_IR_AGG_MIN: return arg ? rp_arena_printf(L->A, "min_%s", arg) : "min_";
    case RP_IR_AGG_MAX: return arg ? rp_arena_printf(L->A, "max_%s", arg) : "max_";
    case RP_IR_AGG_SUM: return arg ? rp_arena_printf(L->A, "sum_%s", arg) : "sum_";
    case RP_IR_AGG_AVG: return arg ? rp_arena_printf(L->A, "avg_%s", arg) : "avg_";
    case RP_IR_AGG_MAKE_SET: return arg ? rp_arena_printf(L->A, "set_%s", arg) : "set_";
    case RP_IR_AGG_MAKE_LIST: return arg ? rp_arena_printf(L->A, "list_%s", arg) : "list_";
    case RP_IR_AGG_ARG_MAX:
    case RP_IR_AGG_ARG_MIN:
    case RP_IR_AGG_ANY: return arg ? arg : "Column1";
    case RP_IR_AGG_COUNT_KINDS: break;
    }
    return "Column1";
}

static rp_type agg_type(rp_ir_agg_kind kind, const rp_ir_expr *arg)
{
    switch (kind) {
    case RP_IR_AGG_COUNT:
    case RP_IR_AGG_COUNTIF:
    case RP_IR_AGG_DCOUNT: return RP_TYPE_LONG;
    case RP_IR_AGG_AVG: return RP_TYPE_REAL;
    case RP_IR_AGG_MAKE_SET:
    case RP_IR_AGG_MAKE_LIST: return RP_TYPE_DYNAMIC;
    default: return arg ? arg->type : RP_TYPE_UNKNOWN;
    }
}

static int lower_summarize(lower *L, flow *f, scope *sc, const rp_kql_node *op)
{
    for (size_t i = 0; i < op->options.count; i++)
        if (op->options.items[i]->name && strncmp(op->options.items[i]->name, "hint.", 5) != 0) {
            not_compiled(L, op->options.items[i], rp_arena_printf(L->A, "summarize option %s", op->options.items[i]->name));
            return 0;
        }
    int column_no = 0;
    rp_ir_assign *keys = RP_NEW_ARRAY(L->A, rp_ir_assign, op->aux.count + 1);
    const char **outs = RP_NEW_ARRAY(L->A, const char *, op->aux.count + op->items.count + 1);
    size_t nouts = 0;
    for (size_t i = 0; i < op->aux.count; i++) {
        if (!lower_assign(L, op->aux.items[i], sc, &keys[i], &column_no)) return 0;
        if (duplicate_output(L, op->aux.items[i], outs, nouts, keys[i].name)) return 0;
        outs[nouts++] = keys[i].name;
    }
    rp_ir_agg *aggs = RP_NEW_ARRAY(L->A, rp_ir_agg, op->items.count + 1);
    size_t naggs = 0;
    for (size_t i = 0; i < op->items.count; i++) {
        const rp_kql_node *it = op->items.items[i], *call = it;
        const char *name = NULL;
        if (it->kind == RP_KQL_NAMED) {
            if (!it->name) {
                not_compiled(L, it, "tuple assignment of an aggregate");
                return 0;
            }
            name = it->name;
            call = it->a;
        }
        if (!call || call->kind != RP_KQL_CALL || !call->name) {
            not_compiled(L, it, "aggregate that is not a plain call");
            return 0;
        }
        rp_ir_agg_kind kind = rp_ir_agg_find(call->name);
        if (kind == RP_IR_AGG_COUNT_KINDS) {
            not_compiled(L, call, rp_arena_printf(L->A, "aggregate %s()", call->name));
            return 0;
        }
        int lo, hi;
        rp_ir_agg_arity(kind, &lo, &hi);
        size_t nargs = call->items.count;
        if (kind == RP_IR_AGG_COUNT && nargs == 1 && call->items.items[0]->kind == RP_KQL_STAR) nargs = 0;
        if ((int)nargs < lo || (int)nargs > hi) {
            not_compiled(L, call, rp_arena_printf(L->A, "%s() with %zu arguments", call->name, nargs));
            return 0;
        }
        rp_ir_agg *ag = &aggs[naggs++];
        ag->kind = kind;
        ag->span = node_span(L, it);
        if (nargs) {
            ag->arg = lower_expr(L, call->items.items[0], sc);
            if (!ag->arg) return 0;
        }
        if ((kind == RP_IR_AGG_MAKE_SET || kind == RP_IR_AGG_MAKE_LIST || kind == RP_IR_AGG_DCOUNT) && nargs == 2) {
            scope empty = {0};
            rp_ir_expr *size = lower_expr(L, call->items.items[1], &empty);
            if (!is_const(size) || size->value.type != RP_TYPE_LONG) {
                not_compiled(L, call->items.items[1], "aggregate size that is not a constant");
                return 0;
            }
            if (kind != RP_IR_AGG_DCOUNT) ag->size = size->value.i;
        }
        if (kind == RP_IR_AGG_ARG_MAX || kind == RP_IR_AGG_ARG_MIN || kind == RP_IR_AGG_ANY) {
            size_t first = kind == RP_IR_AGG_ANY ? 0 : 1;
            rp_ir_assign *ex = NULL;
            size_t nex = 0, cap = 0;
            for (size_t k = first; k < call->items.count; k++) {
                const rp_kql_node *x = call->items.items[k];
                if (x->kind == RP_KQL_STAR) {
                    scope_expand_star(L, sc);
                    for (size_t c = 0; c < sc->count; c++) {
                        ex = rp_arena_grow(L->A, ex, sizeof *ex, &cap, nex + 1);
                        ex[nex].name = sc->cols[c].name;
                        ex[nex].slot = sc->cols[c].slot;
                        ex[nex].expr = rp_ir_colref(L->A, sc->cols[c].name, sc->cols[c].slot, sc->cols[c].type, ag->span);
                        nex++;
                    }
                    continue;
                }
                ex = rp_arena_grow(L->A, ex, sizeof *ex, &cap, nex + 1);
                if (!lower_assign(L, x, sc, &ex[nex], &column_no)) return 0;
                nex++;
            }
            if (kind == RP_IR_AGG_ANY) {
                /* take_any(a, b): the first row's a and b; arg is the first, extras the rest */
                ag->arg = ex[0].expr;
                if (!name) name = ex[0].name;
                ex++;
                nex--;
            }
            ag->extras = ex;
            ag->nextras = nex;
        }
        if (!name) name = agg_default_name(L, kind, call);
        if (duplicate_output(L, it, outs, nouts, name)) return 0;
        outs[nouts++] = name;
        ag->type = agg_type(kind, ag->arg);
        ag->slot = rp_ir_slot_of(L->A, L->ir, name, ag->type);
        ag->name = L->ir->slots[ag->slot].name;
    }
    rp_ir_stage *st = new_stage(L, f, NULL, RP_IR_SUMMARIZE, op);
    st->assigns = keys;
    st->nassigns = op->aux.count;
    st->aggs = aggs;
    st->naggs = naggs;
    scope next = *sc;
    next.star = 0;
    next.cols = NULL;
    next.count = 0;
    for (size_t i = 0; i < st->nassigns; i++) scope_push(L, &next, keys[i].name, keys[i].slot, keys[i].expr->type);
    for (size_t i = 0; i < naggs; i++) {
        if (aggs[i].kind == RP_IR_AGG_ARG_MAX || aggs[i].kind == RP_IR_AGG_ARG_MIN) {
            scope_push(L, &next, aggs[i].name, aggs[i].slot, aggs[i].type);
            for (size_t k = 0; k < aggs[i].nextras; k++)
                scope_push(L, &next, aggs[i].extras[k].name, aggs[i].extras[k].slot, aggs[i].extras[k].expr->type);
        } else {
            scope_push(L, &next, aggs[i].name, aggs[i].slot, aggs[i].type);
            for (size_t k = 0; k < aggs[i].nextras; k++)
                scope_push(L, &next, aggs[i].extras[k].name, aggs[i].extras[k].slot, aggs[i].extras[k].expr->type);
        }
    }
    *sc = next;
    st->out = scope_out(L, sc);
    return 1;
}

static int lower_sortkeys(lower *L, scope *sc, const rp_kql_list *items, rp_ir_stage *st)
{
    st->keys = RP_NEW_ARRAY(L->A, rp_ir_sortkey, items->count + 1);
    for (size_t i = 0; i < items->count; i++) {
        const rp_kql_node *k = items->items[i];
        const rp_kql_node *x = k->kind == RP_KQL_SORTKEY ? k->a : k;
        rp_ir_expr *e = lower_expr(L, x, sc);
        if (!e) return 0;
        st->keys[i].expr = e;
        st->keys[i].desc = !(k->flags & RP_KQL_F_ASC);
        st->keys[i].nulls_first = (k->flags & RP_KQL_F_NULLS_FIRST) ? 1
                                : (k->flags & RP_KQL_F_NULLS_LAST) ? 0 : !st->keys[i].desc;
    }
    st->nkeys = items->count;
    return 1;
}

static int const_count(lower *L, const rp_kql_node *n, int64_t *out)
{
    scope empty = {0};
    rp_ir_expr *e = lower_expr(L, n, &empty);
    if (!is_const(e) || e->value.type != RP_TYPE_LONG || e->value.i < 0) {
        if (e) rp_report(L->ctx, RP0404, node_span(L, n), "the count must be a non-negative long constant");
        return 0;
    }
    *out = e->value.i;
    return 1;
}

/* Lowers a stateful operator into the tail. */
static int lower_tailop(lower *L, flow *f, scope *sc, const rp_kql_node *op)
{
    switch (op->kind) {
    case RP_KQL_Q_SUMMARIZE: return lower_summarize(L, f, sc, op);
    case RP_KQL_Q_DISTINCT: {
        int column_no = 0;
        rp_ir_stage *st;
        if (op->items.count == 1 && op->items.items[0]->kind == RP_KQL_STAR) {
            scope_expand_star(L, sc);
            st = new_stage(L, f, NULL, RP_IR_DISTINCT, op);
            st->assigns = RP_NEW_ARRAY(L->A, rp_ir_assign, sc->count + 1);
            for (size_t i = 0; i < sc->count; i++) {
                st->assigns[i].name = sc->cols[i].name;
                st->assigns[i].slot = sc->cols[i].slot;
                st->assigns[i].expr = rp_ir_colref(L->A, sc->cols[i].name, sc->cols[i].slot, sc->cols[i].type, st->span);
            }
            st->nassigns = sc->count;
        } else {
            rp_ir_assign *as = RP_NEW_ARRAY(L->A, rp_ir_assign, op->items.count + 1);
            for (size_t i = 0; i < op->items.count; i++)
                if (!lower_assign(L, op->items.items[i], sc, &as[i], &column_no)) return 0;
            st = new_stage(L, f, NULL, RP_IR_DISTINCT, op);
            st->assigns = as;
            st->nassigns = op->items.count;
            sc->star = 0;
            sc->cols = NULL;
            sc->count = 0;
            for (size_t i = 0; i < st->nassigns; i++) scope_push(L, sc, as[i].name, as[i].slot, as[i].expr->type);
        }
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_TAKE: {
        int64_t n;
        if (!const_count(L, op->a, &n)) return 0;
        rp_ir_stage *st = new_stage(L, f, NULL, RP_IR_TAKE, op);
        st->limit = n;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_TOP:
    case RP_KQL_Q_SORT: {
        int64_t n = 0;
        if (op->kind == RP_KQL_Q_TOP && !const_count(L, op->a, &n)) return 0;
        rp_ir_stage tmp = {0};
        if (!lower_sortkeys(L, sc, &op->items, &tmp)) return 0;
        rp_ir_stage *st = new_stage(L, f, NULL, op->kind == RP_KQL_Q_TOP ? RP_IR_TOP : RP_IR_SORT, op);
        st->keys = tmp.keys;
        st->nkeys = tmp.nkeys;
        st->limit = n;
        st->out = scope_out(L, sc);
        return 1;
    }
    case RP_KQL_Q_COUNT: {
        rp_ir_stage *st = new_stage(L, f, NULL, RP_IR_COUNT, op);
        int slot = rp_ir_slot_of(L->A, L->ir, "Count", RP_TYPE_LONG);
        sc->star = 0;
        sc->cols = NULL;
        sc->count = 0;
        scope_push(L, sc, "Count", slot, RP_TYPE_LONG);
        st->out = scope_out(L, sc);
        return 1;
    }
    default: break;
    }
    not_compiled(L, op, rp_kql_kind_name(op->kind));
    return 0;
}

static int is_stateful_op(rp_kql_kind k)
{
    return k == RP_KQL_Q_SUMMARIZE || k == RP_KQL_Q_DISTINCT || k == RP_KQL_Q_TAKE || k == RP_KQL_Q_TOP ||
           k == RP_KQL_Q_SORT || k == RP_KQL_Q_COUNT;
}

/* Operators that do not change the rows an alert is made of. */
static int is_noop(const rp_kql_node *op)
{
    return op->kind == RP_KQL_Q_RENDER || op->kind == RP_KQL_Q_AS ||
           (op->kind == RP_KQL_Q_SERIALIZE && op->items.count == 0);
}

static void lower_tabular(lower *L, const rp_kql_node *n, flow *f);
static int add_source_column(lower *L, flow *f, branch *br, const char *name, const rp_kql_node *at);

/* Starts the tail: its scope covers every branch. */
static void enter_tail(lower *L, flow *f)
{
    if (f->in_tail) return;
    f->in_tail = 1;
    scope *t = &f->tail;
    memset(t, 0, sizeof *t);
    t->srcs = RP_NEW_ARRAY(L->A, rp_ir_source *, f->nbr + 1);
    t->tables = RP_NEW_ARRAY(L->A, const rp_schema_table *, f->nbr + 1);
    for (size_t i = 0; i < f->nbr; i++) {
        t->srcs[t->nsrcs] = f->br[i].src;
        t->tables[t->nsrcs++] = f->br[i].table;
        t->star |= f->br[i].sc.star;
        for (size_t k = 0; k < f->br[i].sc.count; k++)
            scope_push(L, t, f->br[i].sc.cols[k].name, f->br[i].sc.cols[k].slot, f->br[i].sc.cols[k].type);
    }
}

/* A stage failed (an error was reported, e.g. a bad regex): the rule is compiled up to it. */
static void stage_failed(lower *L, const rp_kql_node *op)
{
    if (L->ir->status == RP_IR_FULL) L->ir->status = RP_IR_PARTIAL;
    if (!L->ir->why)
        L->ir->why = rp_arena_printf(L->A, "%s at %s", rp_kql_kind_name(op->kind), where_text(L, node_span(L, op)));
}

static void lower_op(lower *L, flow *f, const rp_kql_node *op)
{
    if (f->stopped || is_noop(op)) return;
    if (op->kind == RP_KQL_Q_UNION) {
        if (f->in_tail) {
            not_compiled(L, op, "union after summarize/distinct/take");
            f->stopped = 1;
            return;
        }
        const char *withsource = NULL;
        const rp_kql_node *ws_at = NULL;
        for (size_t i = 0; i < op->options.count; i++) {
            const rp_kql_node *o = op->options.items[i];
            const char *v = o->a && o->a->kind == RP_KQL_NAME ? o->a->name : NULL;
            /* union-operator page: isfuzzy only changes how tables that do not exist are resolved;
             * every table here is known to the schema (an unknown one is RP0401), so it is plain union */
            if (strcmp(o->name, "isfuzzy") == 0 && o->a && o->a->kind == RP_KQL_BOOL) continue;
            if (strcmp(o->name, "kind") == 0 && v && strcmp(v, "outer") == 0) continue; /* the default */
            if (strcmp(o->name, "withsource") == 0 && v && !withsource) {
                withsource = v;
                ws_at = o;
                continue;
            }
            not_compiled(L, o, rp_arena_printf(L->A, "union option %s", o->name));
            f->stopped = 1;
            return;
        }
        if (withsource && f->nbr) {
            /* the piped input's source name is not documented */
            not_compiled(L, ws_at, "union withsource after a pipe");
            f->stopped = 1;
            return;
        }
        for (size_t i = 0; i < op->items.count && !f->stopped; i++) {
            size_t before = f->nbr;
            const rp_kql_node *it = op->items.items[i];
            if (withsource && !(it->flags & RP_KQL_F_WILDCARD) && (it->kind != RP_KQL_NAME || find_let(L, it->name))) {
                /* the page gives the value for a table and a `view` let only; not for subqueries */
                not_compiled(L, it, "union withsource of a branch that is not a table");
                f->stopped = 1;
                return;
            }
            lower_tabular(L, it, f);
            for (size_t k = before; withsource && !f->stopped && k < f->nbr; k++)
                if (!add_source_column(L, f, &f->br[k], withsource, ws_at)) f->stopped = 1;
        }
        return;
    }
    if (is_stateful_op(op->kind)) {
        enter_tail(L, f);
        if (!lower_tailop(L, f, &f->tail, op)) {
            stage_failed(L, op);
            f->stopped = 1;
        }
        return;
    }
    if (f->in_tail) {
        if (!lower_rowop(L, f, NULL, &f->tail, op)) {
            stage_failed(L, op);
            f->stopped = 1;
        }
        return;
    }
    for (size_t i = 0; i < f->nbr; i++)
        if (!lower_rowop(L, f, &f->br[i], &f->br[i].sc, op)) {
            stage_failed(L, op);
            f->stopped = 1;
            return;
        }
}

/* union withsource=Name: the branch gets the string column Name = its table's name, first in the
 * row (the union-operator page's examples list it first). */
static int add_source_column(lower *L, flow *f, branch *br, const char *name, const rp_kql_node *at)
{
    rp_type t;
    if (star_column(&br->sc, name) || scope_resolve(L, &br->sc, name, &t) >= 0) {
        not_compiled(L, at, rp_arena_printf(L->A, "union withsource=%s naming an existing column", name));
        return 0;
    }
    rp_ir_stage *st = new_stage(L, f, br, RP_IR_EXTEND, at);
    st->assigns = RP_NEW(L->A, rp_ir_assign);
    st->nassigns = 1;
    const char *table = br->src->table;
    st->assigns[0].expr = rp_ir_const_string(L->A, table, strlen(table), node_span(L, at));
    st->assigns[0].slot = rp_ir_slot_of(L->A, L->ir, name, RP_TYPE_STRING);
    st->assigns[0].name = L->ir->slots[st->assigns[0].slot].name;
    st->assigns[0].span = node_span(L, at);
    scope_expand_star(L, &br->sc);
    scope_push(L, &br->sc, st->assigns[0].name, st->assigns[0].slot, RP_TYPE_STRING);
    /* move it to the front */
    rp_ir_col c = br->sc.cols[br->sc.count - 1];
    memmove(br->sc.cols + 1, br->sc.cols, (br->sc.count - 1) * sizeof *br->sc.cols);
    br->sc.cols[0] = c;
    st->out = scope_out(L, &br->sc);
    return 1;
}

static void add_branch(lower *L, flow *f, const char *table_name, const rp_schema_table *table, const rp_kql_node *at)
{
    branch *br = RP_NEW_ARRAY(L->A, branch, f->nbr + 1);
    if (f->nbr) memcpy(br, f->br, f->nbr * sizeof *br);
    f->br = br;
    branch *b = &br[f->nbr++];
    /* each source is its own allocation while lowering: scopes keep pointers to it */
    b->src = RP_NEW(L->A, rp_ir_source);
    b->src->table = table_name;
    b->src->span = node_span(L, at);
    L->srcs = rp_arena_grow(L->A, L->srcs, sizeof *L->srcs, &L->capsrcs, L->nsrcs + 1);
    L->srcs[L->nsrcs++] = b->src;
    b->table = table;
    b->sc.star = 1;
    b->sc.srcs = RP_NEW(L->A, rp_ir_source *);
    b->sc.srcs[0] = b->src;
    b->sc.tables = RP_NEW(L->A, const rp_schema_table *);
    b->sc.tables[0] = table;
    b->sc.nsrcs = 1;
}

/* A tabular source (or a whole pipe): adds branches to f and lowers its operators. */
static void lower_tabular(lower *L, const rp_kql_node *n, flow *f)
{
    if (!n || f->stopped) return;
    if (++L->depth > 100) {
        L->depth--;
        not_compiled(L, n, "tabular expression nested too deeply");
        f->stopped = 1;
        return;
    }
    switch (n->kind) {
    case RP_KQL_PIPE: {
        if (!n->items.count || !n->items.items[0]) {
            not_compiled(L, n, "pipe without a source");
            f->stopped = 1;
            break;
        }
        if (f->nbr && !f->in_tail && n->items.count > 1) {
            /* a parenthesised branch of a union: its own operators apply to it alone */
            flow sub = {0};
            lower_tabular(L, n, &sub);
            if (sub.in_tail) {
                not_compiled(L, n, "union of a summarized branch");
                f->stopped = 1;
                break;
            }
            for (size_t i = 0; i < sub.nbr; i++) {
                branch *br = RP_NEW_ARRAY(L->A, branch, f->nbr + 1);
                memcpy(br, f->br, f->nbr * sizeof *br);
                br[f->nbr++] = sub.br[i];
                f->br = br;
            }
            f->stopped |= sub.stopped;
            break;
        }
        lower_tabular(L, n->items.items[0], f);
        for (size_t i = 1; i < n->items.count && !f->stopped; i++) lower_op(L, f, n->items.items[i]);
        break;
    }
    case RP_KQL_NAME: {
        binding *b = find_let(L, n->name);
        if (b && is_tabular_value(b->value)) {
            if (b->lowering) {
                not_compiled(L, n, rp_arena_printf(L->A, "recursive let %s", n->name));
                f->stopped = 1;
                break;
            }
            b->lowering = 1;
            lower_tabular(L, b->value, f);
            b->lowering = 0;
            break;
        }
        if (n->flags & RP_KQL_F_WILDCARD) {
            not_compiled(L, n, rp_arena_printf(L->A, "table wildcard %s", n->name));
            f->stopped = 1;
            break;
        }
        const rp_schema_table *table = L->ctx->schema ? rp_schema_table_find(L->ctx->schema, n->name) : NULL;
        if (!table) {
            rp_report(L->ctx, RP0401, node_span(L, n), "'%s' is not a table known to the schema; the rule is not compiled",
                      n->name);
            if (!L->ir->why) L->ir->why = rp_arena_printf(L->A, "unknown table %s", n->name);
            L->ir->status = RP_IR_NONE;
            f->stopped = 1;
            break;
        }
        add_branch(L, f, table->name, table, n);
        break;
    }
    case RP_KQL_CALL: {
        const rp_schema_function *fn = L->ctx->schema && n->name ? rp_schema_function_find(L->ctx->schema, n->name) : NULL;
        if (!fn || !fn->output) {
            not_compiled(L, n, rp_arena_printf(L->A, "call of %s()", n->name ? n->name : "?"));
            f->stopped = 1;
            break;
        }
        if (n->items.count) {
            /* parser parameters filter inside the parser; not lowered yet */
            not_compiled(L, n, rp_arena_printf(L->A, "parameters of %s()", n->name));
            f->stopped = 1;
            break;
        }
        add_branch(L, f, fn->output->name, fn->output, n);
        break;
    }
    case RP_KQL_Q_UNION: lower_op(L, f, n); break;
    default:
        not_compiled(L, n, rp_kql_kind_name(n->kind));
        f->stopped = 1;
        break;
    }
    L->depth--;
}

/* {====================================================================
 * Exclusions
 * ===================================================================== */

static rp_ir_expr *lower_excl(lower *L, const rp_excl_node *x, scope *sc)
{
    switch (x->kind) {
    case RP_EXCL_OR:
    case RP_EXCL_AND: {
        rp_ir_expr *acc = NULL;
        for (size_t i = 0; i < x->kid_count; i++) {
            rp_ir_expr *k = lower_excl(L, x->kids[i], sc);
            if (!k) return NULL;
            acc = rp_ir_logic(L->A, x->kind == RP_EXCL_OR ? RP_IR_OR : RP_IR_AND, acc, k);
        }
        return acc;
    }
    case RP_EXCL_NOT: {
        rp_ir_expr *k = x->kid_count ? lower_excl(L, x->kids[0], sc) : NULL;
        return k ? rp_ir_not(L->A, k, x->span) : NULL;
    }
    case RP_EXCL_PRED: break;
    }
    if (!x->field.column || !x->value_count) return NULL;
    rp_type type;
    int slot = scope_resolve(L, sc, x->field.column, &type);
    if (slot < 0) return NULL;
    rp_ir_expr *col = rp_ir_colref(L->A, x->field.column, slot, type, x->span);
    int ci = !x->case_sensitive;
    if (type != RP_TYPE_STRING) {
        /* numbers: == / != / in against numeric constants */
        if (x->op != RP_EXCL_OP_EQ && x->op != RP_EXCL_OP_IN) return NULL;
        rp_ir_value *set = RP_NEW_ARRAY(L->A, rp_ir_value, x->value_count);
        for (size_t i = 0; i < x->value_count; i++) {
            const rp_excl_value *v = &x->values[i];
            int64_t iv;
            double rv;
            if (rp_long_parse(v->text, v->len, &iv) && type != RP_TYPE_REAL) {
                set[i].type = RP_TYPE_LONG;
                set[i].i = iv;
            } else if (rp_real_parse(v->text, v->len, &rv)) {
                set[i].type = RP_TYPE_REAL;
                set[i].r = rv;
            } else {
                return NULL;
            }
        }
        if (x->op == RP_EXCL_OP_EQ) {
            rp_ir_expr *k = set[0].type == RP_TYPE_LONG ? rp_ir_const_long(L->A, set[0].i, x->values[0].span)
                                                         : rp_ir_const_real(L->A, set[0].r, x->values[0].span);
            return rp_ir_cmp_new(L->A, x->negated ? RP_IR_NE : RP_IR_EQ, col, k, x->span);
        }
        return rp_ir_in(L->A, RP_IR_SET_IN, 0, x->negated, col, set, x->value_count, x->span);
    }
    const rp_excl_value *v = &x->values[0];
    switch (x->op) {
    case RP_EXCL_OP_IN: {
        rp_ir_value *set = RP_NEW_ARRAY(L->A, rp_ir_value, x->value_count);
        for (size_t i = 0; i < x->value_count; i++) {
            set[i].type = RP_TYPE_STRING;
            set[i].s = x->values[i].text;
            set[i].len = x->values[i].len;
        }
        return rp_ir_in(L->A, RP_IR_SET_IN, ci, x->negated, col, set, x->value_count, x->span);
    }
    case RP_EXCL_OP_REGEX: {
        char err[256];
        size_t off;
        if (!rp_regex_check(v->text, v->len, err, sizeof err, &off)) return NULL;
        rp_ir_expr *r = rp_ir_regex(L->A, col, v->text, v->len, x->span);
        return x->negated ? rp_ir_not(L->A, r, x->span) : r;
    }
    default: break;
    }
    static const rp_ir_strop ops[] = {
        [RP_EXCL_OP_EQ] = RP_IR_S_EQ,           [RP_EXCL_OP_CONTAINS] = RP_IR_S_CONTAINS,
        [RP_EXCL_OP_HAS] = RP_IR_S_HAS,         [RP_EXCL_OP_HASPREFIX] = RP_IR_S_HASPREFIX,
        [RP_EXCL_OP_HASSUFFIX] = RP_IR_S_HASSUFFIX, [RP_EXCL_OP_STARTSWITH] = RP_IR_S_STARTSWITH,
        [RP_EXCL_OP_ENDSWITH] = RP_IR_S_ENDSWITH};
    rp_ir_expr *needle = rp_ir_const_string(L->A, v->text, v->len, v->span);
    return rp_ir_str(L->A, ops[x->op], ci, x->negated, col, needle, x->span);
}

static void lower_exclusions(lower *L, const rp_rule *rule)
{
    const rp_excl_list *list = rule->excl;
    if (!list || !list->count || !L->ir->nsources) return;
    scope sc = {0};
    sc.star = 1;
    sc.nsrcs = L->ir->nsources;
    sc.srcs = RP_NEW_ARRAY(L->A, rp_ir_source *, sc.nsrcs);
    sc.tables = RP_NEW_ARRAY(L->A, const rp_schema_table *, sc.nsrcs);
    for (size_t i = 0; i < sc.nsrcs; i++) {
        sc.srcs[i] = &L->ir->sources[i];
        sc.tables[i] = L->ctx->schema ? rp_schema_table_find(L->ctx->schema, L->ir->sources[i].table) : NULL;
    }
    L->ir->excls = RP_NEW_ARRAY(L->A, rp_ir_excl, list->count);
    L->ir->nexcls = list->count;
    for (size_t i = 0; i < list->count; i++) {
        const rp_excl_filter *fl = &list->items[i];
        rp_ir_excl *ex = &L->ir->excls[i];
        ex->scenario = fl->source && fl->source->scenario.text ? fl->source->scenario.text
                                                               : rp_arena_printf(L->A, "exclusion %zu", i + 1);
        ex->span = fl->source && fl->source->filter.node ? fl->source->filter.node->span : (rp_span){0};
        ex->pred = fl->ok && fl->root ? lower_excl(L, fl->root, &sc) : NULL;
        if (!ex->pred)
            rp_report(L->ctx, RP0403, ex->span, "exclusion '%s' is not compiled: it suppresses nothing", ex->scenario);
    }
}

/* {====================================================================
 * Entry points
 * ===================================================================== */

static rp_ir_rule *lower_query(rp_ctx *ctx, const rp_kql_query *query, lower *L)
{
    memset(L, 0, sizeof *L);
    L->ctx = ctx;
    L->A = ctx->arena;
    L->q = query;
    L->ir = rp_ir_rule_new(ctx->arena);
    if (!query || query->syntax_errors) {
        L->ir->status = RP_IR_NONE;
        L->ir->why = query ? "syntax errors in the query" : "no query";
        return L->ir;
    }
    const rp_kql_node *body = NULL;
    for (size_t i = 0; i < query->stmts.count; i++) {
        const rp_kql_node *s = query->stmts.items[i];
        if (s->kind == RP_KQL_LET) {
            if (s->flags & RP_KQL_F_VIEW || (s->a && s->a->kind == RP_KQL_FUNC)) {
                /* functions are inlined only when called, which is not lowered yet */
            }
            L->lets = rp_arena_grow(L->A, L->lets, sizeof *L->lets, &L->caplets, L->nlets + 1);
            memset(&L->lets[L->nlets], 0, sizeof *L->lets);
            L->lets[L->nlets].name = s->name;
            L->lets[L->nlets].value = s->a;
            L->nlets++;
        } else if (s->kind == RP_KQL_QUERY) {
            if (body) {
                not_compiled(L, s, "a second query statement");
                break;
            }
            body = s->a;
        } else if (s->kind == RP_KQL_SET || s->kind == RP_KQL_DECLARE) {
            not_compiled(L, s, rp_kql_kind_name(s->kind));
        }
    }
    if (!body) {
        L->ir->status = RP_IR_NONE;
        if (!L->ir->why) L->ir->why = "no query statement";
        return L->ir;
    }
    flow f = {0};
    lower_tabular(L, body, &f);
    rp_ir_rule *ir = L->ir;
    for (size_t i = 0; i < f.nbr; i++) f.br[i].src->out = scope_out(L, &f.br[i].sc);
    ir->sources = RP_NEW_ARRAY(L->A, rp_ir_source, L->nsrcs + 1);
    for (size_t i = 0; i < L->nsrcs; i++) ir->sources[i] = *L->srcs[i];
    ir->nsources = L->nsrcs;
    if (!ir->nsources) {
        ir->status = RP_IR_NONE;
        if (!ir->why) ir->why = "no table";
        return ir;
    }
    /* the alert's table: the sources' tables, distinct, joined by ',' */
    const char *table = ir->sources[0].table;
    for (size_t i = 1; i < ir->nsources; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++) seen |= strcmp(ir->sources[k].table, ir->sources[i].table) == 0;
        if (!seen) table = rp_arena_printf(L->A, "%s,%s", table, ir->sources[i].table);
    }
    ir->table = table;
    if (f.in_tail)
        ir->out = scope_out(L, &f.tail);
    else
        ir->out = ir->sources[0].out;
    return ir;
}

rp_ir_rule *rp_ir_lower_query(rp_ctx *ctx, const rp_kql_query *query)
{
    lower L;
    return lower_query(ctx, query, &L);
}

rp_ir_rule *rp_ir_lower_rule(rp_ctx *ctx, const rp_rule *rule)
{
    lower L;
    rp_ir_rule *ir = lower_query(ctx, rule->kql, &L);
    ir->rule_id = rule->id.text;
    ir->name = rule->name.text ? rule->name.text : (rule->src ? rule->src->path : NULL);
    ir->path = rule->src ? rule->src->path : NULL;
    ir->span = rp_rule_text_span(rule, &rule->query);
    if (ir->status != RP_IR_NONE) lower_exclusions(&L, rule);
    return ir;
}
