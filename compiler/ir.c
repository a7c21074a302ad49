/* ir.c: IR constructors, names, and the normalised printer (see ir.h). */
#include "ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rp_runtime.h"

static const char *const expr_names[] = {
#define RP_IR_NAME(e, s) s,
    RP_IR_EXPR_KINDS(RP_IR_NAME)
#undef RP_IR_NAME
};

static const struct {
    const char *name;
    int stateful;
} stage_info[] = {
#define RP_IR_STAGE_INFO(e, s, st) {s, st},
    RP_IR_STAGE_KINDS(RP_IR_STAGE_INFO)
#undef RP_IR_STAGE_INFO
};

static const struct {
    const char *name;
    int min, max;
} fn_info[] = {
#define RP_IR_FN_INFO(e, s, lo, hi) {s, lo, hi},
    RP_IR_FUNCS(RP_IR_FN_INFO)
#undef RP_IR_FN_INFO
};

static const struct {
    const char *name;
    int min, max;
} agg_info[] = {
#define RP_IR_AGG_INFO(e, s, lo, hi) {s, lo, hi},
    RP_IR_AGGS(RP_IR_AGG_INFO)
#undef RP_IR_AGG_INFO
};

/* {====================================================================
 * Construction
 * ===================================================================== */

rp_ir_expr *rp_ir_new(rp_arena *arena, rp_ir_expr_kind kind, rp_type type, rp_span span)
{
    rp_ir_expr *e = RP_NEW(arena, rp_ir_expr);
    e->kind = kind;
    e->type = type;
    e->span = span;
    e->slot = -1;
    return e;
}

rp_ir_expr *rp_ir_const_string(rp_arena *arena, const char *s, size_t len, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CONST, RP_TYPE_STRING, span);
    e->value.type = RP_TYPE_STRING;
    e->value.s = rp_arena_strndup(arena, s, len);
    e->value.len = len;
    return e;
}

rp_ir_expr *rp_ir_const_long(rp_arena *arena, int64_t i, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CONST, RP_TYPE_LONG, span);
    e->value.type = RP_TYPE_LONG;
    e->value.i = i;
    return e;
}

rp_ir_expr *rp_ir_const_real(rp_arena *arena, double r, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CONST, RP_TYPE_REAL, span);
    e->value.type = RP_TYPE_REAL;
    e->value.r = r;
    return e;
}

rp_ir_expr *rp_ir_const_bool(rp_arena *arena, int b, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CONST, RP_TYPE_BOOL, span);
    e->value.type = RP_TYPE_BOOL;
    e->value.i = b != 0;
    return e;
}

rp_ir_expr *rp_ir_const_typed(rp_arena *arena, rp_type type, int64_t i, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CONST, type, span);
    e->value.type = type;
    e->value.i = i;
    return e;
}

rp_ir_expr *rp_ir_const_null(rp_arena *arena, rp_type type, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CONST, type, span);
    e->value.type = type;
    if (type == RP_TYPE_STRING) {
        e->value.s = "";
    } else {
        e->value.null = 1;
    }
    return e;
}

rp_ir_expr *rp_ir_colref(rp_arena *arena, const char *name, int slot, rp_type type, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_COL, type, span);
    e->name = name;
    e->slot = slot;
    return e;
}

rp_ir_expr *rp_ir_now(rp_arena *arena, int64_t offset, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_NOW, RP_TYPE_DATETIME, span);
    e->value.type = RP_TYPE_TIMESPAN;
    e->value.i = offset;
    return e;
}

void rp_ir_push_arg(rp_arena *arena, rp_ir_expr *e, rp_ir_expr *arg)
{
    /* Grows geometrically: a flattened and/or of thousands of terms stays linear (the arena frees
     * the abandoned arrays with the rule). */
    if (e->nargs >= e->args_capacity) {
        size_t capacity = e->args_capacity ? e->args_capacity * 2 : 4;
        rp_ir_expr **args = RP_NEW_ARRAY(arena, rp_ir_expr *, capacity);
        if (e->nargs) memcpy(args, e->args, e->nargs * sizeof *args);
        e->args = args;
        e->args_capacity = capacity;
    }
    e->args[e->nargs++] = arg;
}

static void push_flat(rp_arena *arena, rp_ir_expr *into, rp_ir_expr *part)
{
    if (part->kind == into->kind) {
        for (size_t i = 0; i < part->nargs; i++) rp_ir_push_arg(arena, into, part->args[i]);
    } else {
        rp_ir_push_arg(arena, into, part);
    }
}

rp_ir_expr *rp_ir_logic(rp_arena *arena, rp_ir_expr_kind kind, rp_ir_expr *a, rp_ir_expr *b)
{
    if (!a) return b;
    if (!b) return a;
    rp_span span = a->span;
    if (a->span.src && b->span.src == a->span.src) {
        span.start = a->span.start < b->span.start ? a->span.start : b->span.start;
        span.end = a->span.end > b->span.end ? a->span.end : b->span.end;
    }
    rp_ir_expr *e = rp_ir_new(arena, kind, RP_TYPE_BOOL, span);
    push_flat(arena, e, a);
    push_flat(arena, e, b);
    return e;
}

rp_ir_expr *rp_ir_not(rp_arena *arena, rp_ir_expr *a, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_NOT, RP_TYPE_BOOL, span);
    rp_ir_push_arg(arena, e, a);
    return e;
}

rp_ir_expr *rp_ir_cmp_new(rp_arena *arena, rp_ir_cmp cmp, rp_ir_expr *a, rp_ir_expr *b, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CMP, RP_TYPE_BOOL, span);
    e->cmp = cmp;
    rp_ir_push_arg(arena, e, a);
    rp_ir_push_arg(arena, e, b);
    return e;
}

rp_ir_expr *rp_ir_str(rp_arena *arena, rp_ir_strop sop, int ci, int negated, rp_ir_expr *a, rp_ir_expr *needle,
                      rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_STR, RP_TYPE_BOOL, span);
    e->sop = sop;
    e->ci = ci;
    e->negated = negated;
    rp_ir_push_arg(arena, e, a);
    rp_ir_push_arg(arena, e, needle);
    return e;
}

rp_ir_expr *rp_ir_in(rp_arena *arena, rp_ir_setop setop, int ci, int negated, rp_ir_expr *a, rp_ir_value *set,
                     size_t nset, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_IN, RP_TYPE_BOOL, span);
    e->setop = setop;
    e->ci = ci;
    e->negated = negated;
    rp_ir_push_arg(arena, e, a);
    e->set = set;
    e->nset = nset;
    return e;
}

rp_ir_expr *rp_ir_between(rp_arena *arena, int negated, rp_ir_expr *a, rp_ir_expr *lo, rp_ir_expr *hi, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_BETWEEN, RP_TYPE_BOOL, span);
    e->negated = negated;
    rp_ir_push_arg(arena, e, a);
    rp_ir_push_arg(arena, e, lo);
    rp_ir_push_arg(arena, e, hi);
    return e;
}

rp_ir_expr *rp_ir_regex(rp_arena *arena, rp_ir_expr *a, const char *pattern, size_t len, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_REGEX, RP_TYPE_BOOL, span);
    e->value.type = RP_TYPE_STRING;
    e->value.s = rp_arena_strndup(arena, pattern, len);
    e->value.len = len;
    rp_ir_push_arg(arena, e, a);
    return e;
}

rp_ir_expr *rp_ir_arith_new(rp_arena *arena, rp_ir_arith op, rp_type type, rp_ir_expr *a, rp_ir_expr *b, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_ARITH, type, span);
    e->arith = op;
    rp_ir_push_arg(arena, e, a);
    if (b) rp_ir_push_arg(arena, e, b);
    return e;
}

rp_ir_expr *rp_ir_call(rp_arena *arena, rp_ir_fn fn, rp_type type, rp_ir_expr **args, size_t nargs, rp_span span)
{
    rp_ir_expr *e = rp_ir_new(arena, RP_IR_CALL, type, span);
    e->fn = fn;
    for (size_t i = 0; i < nargs; i++) rp_ir_push_arg(arena, e, args[i]);
    return e;
}

rp_ir_rule *rp_ir_rule_new(rp_arena *arena)
{
    rp_ir_rule *rule = RP_NEW(arena, rp_ir_rule);
    rule->status = RP_IR_FULL;
    return rule;
}

int rp_ir_slot_find(const rp_ir_rule *rule, const char *name)
{
    for (size_t i = 0; i < rule->nslots; i++)
        if (strcmp(rule->slots[i].name, name) == 0) return (int)i;
    return -1;
}

int rp_ir_slot_of(rp_arena *arena, rp_ir_rule *rule, const char *name, rp_type type)
{
    int slot = rp_ir_slot_find(rule, name);
    if (slot >= 0) {
        if (rule->slots[slot].type != type) rule->slots[slot].type = RP_TYPE_UNKNOWN;
        return slot;
    }
    rp_ir_slot *slots = RP_NEW_ARRAY(arena, rp_ir_slot, rule->nslots + 1);
    if (rule->nslots) memcpy(slots, rule->slots, rule->nslots * sizeof *slots);
    slots[rule->nslots].name = rp_arena_strdup(arena, name);
    slots[rule->nslots].type = type;
    rule->slots = slots;
    return (int)rule->nslots++;
}

rp_ir_source *rp_ir_add_source(rp_arena *arena, rp_ir_rule *rule, const char *table, rp_span span)
{
    rp_ir_source *sources = RP_NEW_ARRAY(arena, rp_ir_source, rule->nsources + 1);
    if (rule->nsources) memcpy(sources, rule->sources, rule->nsources * sizeof *sources);
    rule->sources = sources;
    rp_ir_source *src = &sources[rule->nsources++];
    src->table = rp_arena_strdup(arena, table);
    src->span = span;
    return src;
}

int rp_ir_add_input(rp_arena *arena, rp_ir_rule *rule, rp_ir_source *src, const char *name, rp_type type)
{
    for (size_t i = 0; i < src->ninputs; i++)
        if (strcmp(src->inputs[i].name, name) == 0) return src->inputs[i].slot;
    int slot = rp_ir_slot_of(arena, rule, name, type);
    rp_ir_input *inputs = RP_NEW_ARRAY(arena, rp_ir_input, src->ninputs + 1);
    if (src->ninputs) memcpy(inputs, src->inputs, src->ninputs * sizeof *inputs);
    inputs[src->ninputs].name = rule->slots[slot].name;
    inputs[src->ninputs].slot = slot;
    inputs[src->ninputs].type = type;
    src->inputs = inputs;
    src->ninputs++;
    return slot;
}

rp_ir_stage *rp_ir_add_stage(rp_arena *arena, rp_ir_stage **stages, size_t *count, rp_ir_stage_kind kind,
                             rp_span span)
{
    rp_ir_stage *list = RP_NEW_ARRAY(arena, rp_ir_stage, *count + 1);
    if (*count) memcpy(list, *stages, *count * sizeof *list);
    *stages = list;
    rp_ir_stage *st = &list[(*count)++];
    st->kind = kind;
    st->span = span;
    return st;
}

/* {====================================================================
 * Names
 * ===================================================================== */

const char *rp_ir_expr_kind_name(rp_ir_expr_kind kind)
{
    return (unsigned)kind < RP_IR_EXPR_KIND_COUNT ? expr_names[kind] : "?";
}

const char *rp_ir_stage_kind_name(rp_ir_stage_kind kind)
{
    return (unsigned)kind < RP_IR_STAGE_KIND_COUNT ? stage_info[kind].name : "?";
}

int rp_ir_stage_is_stateful(rp_ir_stage_kind kind)
{
    return (unsigned)kind < RP_IR_STAGE_KIND_COUNT && stage_info[kind].stateful;
}

const char *rp_ir_fn_name(rp_ir_fn fn) { return (unsigned)fn < RP_IR_FN_COUNT ? fn_info[fn].name : "?"; }

rp_ir_fn rp_ir_fn_find(const char *name)
{
    static const struct { const char *alias; rp_ir_fn fn; } aliases[] = {
        {"iif", RP_IR_F_IFF},      {"todouble", RP_IR_F_TOREAL}, {"toint", RP_IR_F_TOLONG},
        {"floor", RP_IR_F_BIN},    {"todate", RP_IR_F_TODATETIME}, {"totime", RP_IR_F_TOTIMESPAN},
        {"toboolean", RP_IR_F_TOBOOL}, {"todynamic", RP_IR_F_PARSE_JSON}, {"parsejson", RP_IR_F_PARSE_JSON},
        {"toobject", RP_IR_F_PARSE_JSON}};
    for (int i = 0; i < RP_IR_FN_COUNT; i++)
        if (strcmp(fn_info[i].name, name) == 0) return (rp_ir_fn)i;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].alias, name) == 0) return aliases[i].fn;
    return RP_IR_FN_COUNT;
}

void rp_ir_fn_arity(rp_ir_fn fn, int *min, int *max)
{
    *min = fn_info[fn].min;
    *max = fn_info[fn].max;
}

const char *rp_ir_agg_name(rp_ir_agg_kind kind)
{
    return (unsigned)kind < RP_IR_AGG_COUNT_KINDS ? agg_info[kind].name : "?";
}

rp_ir_agg_kind rp_ir_agg_find(const char *name)
{
    static const struct { const char *alias; rp_ir_agg_kind kind; } aliases[] = {
        {"any", RP_IR_AGG_ANY},           {"makeset", RP_IR_AGG_MAKE_SET}, {"makelist", RP_IR_AGG_MAKE_LIST},
        {"make_set_if", RP_IR_AGG_COUNT_KINDS}};
    for (int i = 0; i < RP_IR_AGG_COUNT_KINDS; i++)
        if (strcmp(agg_info[i].name, name) == 0) return (rp_ir_agg_kind)i;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].alias, name) == 0) return aliases[i].kind;
    return RP_IR_AGG_COUNT_KINDS;
}

void rp_ir_agg_arity(rp_ir_agg_kind kind, int *min, int *max)
{
    *min = agg_info[kind].min;
    *max = agg_info[kind].max;
}

const char *rp_ir_strop_text(rp_ir_strop sop, int ci, int negated)
{
    static const char *const names[][2][2] = {
        /* [sop][ci][negated] */
        {{"==", "!="}, {"=~", "!~"}},
        {{"contains_cs", "!contains_cs"}, {"contains", "!contains"}},
        {{"startswith_cs", "!startswith_cs"}, {"startswith", "!startswith"}},
        {{"endswith_cs", "!endswith_cs"}, {"endswith", "!endswith"}},
        {{"has_cs", "!has_cs"}, {"has", "!has"}},
        {{"hasprefix_cs", "!hasprefix_cs"}, {"hasprefix", "!hasprefix"}},
        {{"hassuffix_cs", "!hassuffix_cs"}, {"hassuffix", "!hassuffix"}},
    };
    if ((unsigned)sop > RP_IR_S_HASSUFFIX) return "?";
    return names[sop][ci != 0][negated != 0];
}

const char *rp_ir_cmp_text(rp_ir_cmp cmp)
{
    static const char *const names[] = {"==", "!=", "<", "<=", ">", ">="};
    return (unsigned)cmp <= RP_IR_GE ? names[cmp] : "?";
}

const char *rp_ir_status_name(rp_ir_status status)
{
    switch (status) {
    case RP_IR_FULL: return "full";
    case RP_IR_PARTIAL: return "partial";
    case RP_IR_NONE: return "none";
    }
    return "?";
}

/* {====================================================================
 * Printer: a heap buffer, copied into the arena at the end.
 * ===================================================================== */

typedef struct pbuf {
    char *data;
    size_t len, cap;
} pbuf;

static void putn(pbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = rp_xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void puts_(pbuf *b, const char *s) { putn(b, s, strlen(s)); }

static void printf_(pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(pbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char *finish(rp_arena *arena, pbuf *b)
{
    char *out = rp_arena_strndup(arena, b->data ? b->data : "", b->len);
    free(b->data);
    return out;
}

static void put_string(pbuf *b, const char *s, size_t len)
{
    putn(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': puts_(b, "\\\""); break;
        case '\\': puts_(b, "\\\\"); break;
        case '\n': puts_(b, "\\n"); break;
        case '\t': puts_(b, "\\t"); break;
        case '\r': puts_(b, "\\r"); break;
        default:
            if (c < 0x20)
                printf_(b, "\\u%04x", c);
            else
                putn(b, (const char *)&c, 1);
        }
    }
    putn(b, "\"", 1);
}

/* 5d, 3h, 10m, 30s, 100ms, else ticks; negative with a leading '-'. */
static void put_timespan(pbuf *b, int64_t ticks)
{
    static const struct { int64_t unit; const char *suffix; } units[] = {
        {RP_TICKS_PER_DAY, "d"},        {RP_TICKS_PER_HOUR, "h"},  {RP_TICKS_PER_MINUTE, "m"},
        {RP_TICKS_PER_SECOND, "s"},     {10000, "ms"},             {10, "microsecond"}};
    uint64_t mag = ticks < 0 ? (uint64_t)0 - (uint64_t)ticks : (uint64_t)ticks;
    if (ticks < 0) puts_(b, "-");
    if (mag == 0) {
        puts_(b, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (mag % (uint64_t)units[i].unit == 0) {
            printf_(b, "%llu%s", (unsigned long long)(mag / (uint64_t)units[i].unit), units[i].suffix);
            return;
        }
    printf_(b, "%llutick", (unsigned long long)mag);
}

static void put_real(pbuf *b, double r)
{
    char tmp[40];
    rp_real_format(r, tmp);
    puts_(b, tmp);
    if (!strpbrk(tmp, ".eEIN")) puts_(b, ".0");
}

static void put_value(pbuf *b, const rp_ir_value *v)
{
    if (v->null && v->type != RP_TYPE_STRING) {
        printf_(b, "%s(null)", rp_type_name(v->type));
        return;
    }
    char tmp[48];
    switch (v->type) {
    case RP_TYPE_STRING: put_string(b, v->s ? v->s : "", v->len); break;
    case RP_TYPE_BOOL: puts_(b, v->i ? "true" : "false"); break;
    case RP_TYPE_INT:
    case RP_TYPE_LONG: printf_(b, "%lld", (long long)v->i); break;
    case RP_TYPE_REAL:
    case RP_TYPE_DECIMAL: put_real(b, v->r); break;
    case RP_TYPE_DATETIME:
        rp_datetime_format(v->i, tmp);
        printf_(b, "datetime(%s)", tmp);
        break;
    case RP_TYPE_TIMESPAN: put_timespan(b, v->i); break;
    case RP_TYPE_GUID:
        puts_(b, "guid(");
        putn(b, v->s ? v->s : "", v->len);
        puts_(b, ")");
        break;
    case RP_TYPE_DYNAMIC:
        puts_(b, "dynamic(");
        putn(b, v->s ? v->s : "null", v->s ? v->len : 4);
        puts_(b, ")");
        break;
    case RP_TYPE_UNKNOWN: puts_(b, "?"); break;
    }
}

/* Precedence levels for parenthesising: or 1, and 2, comparisons 3, + - 4, * / % 5, unary 6,
 * primaries 7. */
static int prec(const rp_ir_expr *e)
{
    switch (e->kind) {
    case RP_IR_OR: return 1;
    case RP_IR_AND: return 2;
    case RP_IR_CMP:
    case RP_IR_STR:
    case RP_IR_IN:
    case RP_IR_BETWEEN:
    case RP_IR_REGEX: return 3;
    case RP_IR_ARITH:
        if (e->arith == RP_IR_NEG) return 6;
        return e->arith == RP_IR_ADD || e->arith == RP_IR_SUB ? 4 : 5;
    case RP_IR_NOW: return e->value.i ? 4 : 7;
    default: return 7;
    }
}

static void put_expr(pbuf *b, const rp_ir_expr *e, int min_prec);

static void put_sub(pbuf *b, const rp_ir_expr *e, int min_prec)
{
    if (prec(e) < min_prec) {
        puts_(b, "(");
        put_expr(b, e, 0);
        puts_(b, ")");
    } else {
        put_expr(b, e, min_prec);
    }
}

static void put_name(pbuf *b, const char *name)
{
    int plain = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            plain = 0;
    if (plain) {
        puts_(b, name);
    } else {
        puts_(b, "['");
        for (const char *p = name; *p; p++) {
            if (*p == '\'' || *p == '\\') puts_(b, "\\");
            putn(b, p, 1);
        }
        puts_(b, "']");
    }
}

static void put_expr(pbuf *b, const rp_ir_expr *e, int min_prec)
{
    (void)min_prec;
    switch (e->kind) {
    case RP_IR_CONST: put_value(b, &e->value); break;
    case RP_IR_COL: put_name(b, e->name ? e->name : "?"); break;
    case RP_IR_NOW:
        puts_(b, "now");
        if (e->value.i > 0) {
            puts_(b, "+");
            put_timespan(b, e->value.i);
        } else if (e->value.i < 0) {
            put_timespan(b, e->value.i);
        }
        break;
    case RP_IR_AND:
    case RP_IR_OR:
        for (size_t i = 0; i < e->nargs; i++) {
            if (i) puts_(b, e->kind == RP_IR_AND ? " and " : " or ");
            /* an `and` inside an `or` needs no parentheses, but they show the grouping */
            put_sub(b, e->args[i], e->kind == RP_IR_OR ? 3 : 3);
        }
        break;
    case RP_IR_NOT:
        puts_(b, "not(");
        put_expr(b, e->args[0], 0);
        puts_(b, ")");
        break;
    case RP_IR_CMP:
        put_sub(b, e->args[0], 4);
        printf_(b, " %s ", rp_ir_cmp_text(e->cmp));
        put_sub(b, e->args[1], 4);
        break;
    case RP_IR_STR:
        put_sub(b, e->args[0], 4);
        printf_(b, " %s ", rp_ir_strop_text(e->sop, e->ci, e->negated));
        put_sub(b, e->args[1], 4);
        break;
    case RP_IR_IN:
        put_sub(b, e->args[0], 4);
        if (e->setop == RP_IR_SET_IN)
            printf_(b, " %s%s (", e->negated ? "!in" : "in", e->ci ? "~" : "");
        else
            printf_(b, " %s (", e->setop == RP_IR_SET_HAS_ANY ? "has_any" : "has_all");
        for (size_t i = 0; i < e->nset; i++) {
            if (i) puts_(b, ", ");
            put_value(b, &e->set[i]);
        }
        puts_(b, ")");
        break;
    case RP_IR_BETWEEN:
        put_sub(b, e->args[0], 4);
        puts_(b, e->negated ? " !between (" : " between (");
        put_expr(b, e->args[1], 0);
        puts_(b, " .. ");
        put_expr(b, e->args[2], 0);
        puts_(b, ")");
        break;
    case RP_IR_REGEX:
        put_sub(b, e->args[0], 4);
        puts_(b, " matches regex ");
        put_string(b, e->value.s, e->value.len);
        break;
    case RP_IR_ARITH:
        if (e->arith == RP_IR_NEG) {
            puts_(b, "-");
            put_sub(b, e->args[0], 6);
        } else {
            static const char *const ops[] = {"+", "-", "*", "/", "%"};
            int p = prec(e);
            put_sub(b, e->args[0], p);
            printf_(b, " %s ", ops[e->arith]);
            put_sub(b, e->args[1], p + 1);
        }
        break;
    case RP_IR_CALL:
        if ((e->fn == RP_IR_F_MEMBER || e->fn == RP_IR_F_INDEX) && e->nargs == 2 && e->args[1]->kind == RP_IR_CONST) {
            /* d.key, d["k-ey"], d[0] as KQL writes them */
            put_sub(b, e->args[0], 7);
            const rp_ir_value *k = &e->args[1]->value;
            int ident = e->fn == RP_IR_F_MEMBER && k->len > 0 && !(k->s[0] >= '0' && k->s[0] <= '9');
            for (size_t i = 0; ident && i < k->len; i++) {
                char c = k->s[i];
                ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            }
            if (ident) {
                puts_(b, ".");
                putn(b, k->s, k->len);
            } else {
                puts_(b, "[");
                if (e->fn == RP_IR_F_MEMBER) put_string(b, k->s, k->len);
                else printf_(b, "%lld", (long long)k->i);
                puts_(b, "]");
            }
            break;
        }
        puts_(b, rp_ir_fn_name(e->fn));
        puts_(b, "(");
        for (size_t i = 0; i < e->nargs; i++) {
            if (i) puts_(b, ", ");
            put_expr(b, e->args[i], 0);
        }
        puts_(b, ")");
        break;
    case RP_IR_EXPR_KIND_COUNT: break;
    }
}

char *rp_ir_expr_print(rp_arena *arena, const rp_ir_expr *e)
{
    pbuf b = {0};
    if (e) put_expr(&b, e, 0);
    return finish(arena, &b);
}

char *rp_ir_value_print(rp_arena *arena, const rp_ir_value *v)
{
    pbuf b = {0};
    put_value(&b, v);
    return finish(arena, &b);
}

static void put_assigns(pbuf *b, const rp_ir_assign *as, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) puts_(b, ", ");
        if (as[i].expr && as[i].expr->kind == RP_IR_COL && as[i].expr->name && strcmp(as[i].expr->name, as[i].name) == 0) {
            put_name(b, as[i].name);
            continue;
        }
        put_name(b, as[i].name);
        if (as[i].expr) {
            puts_(b, " = ");
            put_expr(b, as[i].expr, 0);
        }
    }
}

static void put_cols(pbuf *b, const rp_ir_cols *cols)
{
    if (cols->event_star) puts_(b, cols->count ? "*, " : "*");
    for (size_t i = 0; i < cols->count; i++) {
        if (i) puts_(b, ", ");
        put_name(b, cols->cols[i].name);
    }
}

static void put_stage(pbuf *b, const rp_ir_stage *st)
{
    puts_(b, rp_ir_stage_kind_name(st->kind));
    switch (st->kind) {
    case RP_IR_FILTER:
        puts_(b, " ");
        put_expr(b, st->pred, 0);
        break;
    case RP_IR_EXTEND:
    case RP_IR_MV_EXPAND:
    case RP_IR_DISTINCT:
        puts_(b, " ");
        put_assigns(b, st->assigns, st->nassigns);
        if (st->kind == RP_IR_MV_EXPAND && st->limit) printf_(b, " limit %lld", (long long)st->limit);
        break;
    case RP_IR_PROJECT:
        puts_(b, " ");
        put_cols(b, &st->out);
        if (st->nassigns) {
            puts_(b, " <- ");
            put_assigns(b, st->assigns, st->nassigns);
        }
        break;
    case RP_IR_PARSE:
        puts_(b, " ");
        put_expr(b, st->source, 0);
        puts_(b, " with");
        for (size_t i = 0; i < st->npieces; i++) {
            puts_(b, " ");
            if (st->pieces[i].text)
                put_string(b, st->pieces[i].text, st->pieces[i].len);
            else if (st->pieces[i].name) {
                put_name(b, st->pieces[i].name);
                printf_(b, ":%s", rp_type_name(st->pieces[i].type));
            } else
                puts_(b, "*");
        }
        break;
    case RP_IR_SUMMARIZE:
        puts_(b, " ");
        for (size_t i = 0; i < st->naggs; i++) {
            const rp_ir_agg *a = &st->aggs[i];
            if (i) puts_(b, ", ");
            put_name(b, a->name);
            printf_(b, " = %s(", rp_ir_agg_name(a->kind));
            if (a->arg) put_expr(b, a->arg, 0);
            for (size_t j = 0; j < a->nextras; j++) {
                puts_(b, ", ");
                put_name(b, a->extras[j].name);
            }
            if (a->size) printf_(b, ", %lld", (long long)a->size);
            puts_(b, ")");
        }
        if (st->nassigns) {
            puts_(b, " by ");
            put_assigns(b, st->assigns, st->nassigns);
        }
        break;
    case RP_IR_TAKE: printf_(b, " %lld", (long long)st->limit); break;
    case RP_IR_TOP:
    case RP_IR_SORT:
        if (st->kind == RP_IR_TOP) printf_(b, " %lld", (long long)st->limit);
        puts_(b, " by ");
        for (size_t i = 0; i < st->nkeys; i++) {
            if (i) puts_(b, ", ");
            put_expr(b, st->keys[i].expr, 0);
            puts_(b, st->keys[i].desc ? " desc" : " asc");
            puts_(b, st->keys[i].nulls_first ? " nulls first" : " nulls last");
        }
        break;
    case RP_IR_COUNT:
    case RP_IR_STAGE_KIND_COUNT: break;
    }
}

char *rp_ir_stage_print(rp_arena *arena, const rp_ir_stage *st)
{
    pbuf b = {0};
    put_stage(&b, st);
    return finish(arena, &b);
}

char *rp_ir_rule_print(rp_arena *arena, const rp_ir_rule *rule)
{
    pbuf b = {0};
    printf_(&b, "// %s\n", rp_ir_status_name(rule->status));
    if (rule->why) {
        puts_(&b, "// not compiled: ");
        puts_(&b, rule->why);
        puts_(&b, "\n");
    }
    for (size_t s = 0; s < rule->nsources; s++) {
        const rp_ir_source *src = &rule->sources[s];
        if (rule->nsources > 1) puts_(&b, s == 0 ? "union (" : ", (");
        put_name(&b, src->table);
        for (size_t i = 0; i < src->nstages; i++) {
            puts_(&b, "\n| ");
            put_stage(&b, &src->stages[i]);
        }
        if (rule->nsources > 1) puts_(&b, ")");
    }
    for (size_t i = 0; i < rule->nexcls; i++) {
        puts_(&b, "\n| except ");
        if (rule->excls[i].pred)
            put_expr(&b, rule->excls[i].pred, 0);
        else
            puts_(&b, "(not compiled)");
    }
    for (size_t i = 0; i < rule->ntail; i++) {
        puts_(&b, "\n| ");
        put_stage(&b, &rule->tail[i]);
    }
    puts_(&b, "\n// output: ");
    put_cols(&b, &rule->out);
    puts_(&b, "\n");
    return finish(arena, &b);
}
