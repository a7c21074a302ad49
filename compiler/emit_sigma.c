/* emit_sigma.c: the IR of a rule as a Sigma rule in JSON (see emit_sigma.h).
 *
 * The detection is the AND of the source's `where` predicates, the allow-list the rule's
 * exclusions. Both are first put in negation normal form (NOT pushed down to the comparisons),
 * then each literal is translated into a Sigma key (`Field|modifiers`) and value:
 *
 *     =~ "v"        Field: 'v'                    == "v"       Field|cased: 'v'
 *     in~ (..)      Field: [..]                   in (..)      Field|cased: [..]
 *     contains      Field|contains                contains_cs  Field|contains|cased (same for
 *                                                               startswith, endswith)
 *     has "w"       Field|re|i: '(^|[^A-Za-z0-9])w([^A-Za-z0-9]|$)'   (has_cs: |re)
 *     matches regex Field|re                      < <= > >=    Field|lt|lte|gt|gte
 *     != / !~ / !in Field|neq (+|cased)           other negations: `not selection_N`
 *
 * What cannot be translated is replaced by TRUE in the detection (the Sigma rule alerts at
 * least as often as the query) and by FALSE in an allow-list (it suppresses at most what the
 * exclusion suppresses): NNF makes both replacements monotone. Every replacement leaves a
 * fidelity note in the rule (`x_rulepack_fidelity`) and a diagnostic. */
#include "emit_sigma.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "embedded.h"
#include "ir.h"

/* ---------------------------------------------------------------- schema/sigma-map.yaml */

typedef struct y_tactic {
    char *sentinel;
    char *tag;
} y_tactic;

typedef struct y_colmap {
    char *column;
    char *sigma;
} y_colmap;

typedef struct y_stable {
    char *table;
    char *product;
    char *category;
    char *service;
    y_colmap *fields;
    unsigned fields_count;
} y_stable;

typedef struct y_sigma_doc {
    y_tactic *tactics;
    unsigned tactics_count;
    y_stable *tables;
    unsigned tables_count;
} y_sigma_doc;

static const cyaml_schema_field_t tactic_fields[] = {
    CYAML_FIELD_STRING_PTR("sentinel", CYAML_FLAG_POINTER, y_tactic, sentinel, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("tag", CYAML_FLAG_POINTER, y_tactic, tag, 1, CYAML_UNLIMITED), CYAML_FIELD_END};
static const cyaml_schema_value_t tactic_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_tactic, tactic_fields)};
static const cyaml_schema_field_t colmap_fields[] = {
    CYAML_FIELD_STRING_PTR("column", CYAML_FLAG_POINTER, y_colmap, column, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("sigma", CYAML_FLAG_POINTER, y_colmap, sigma, 1, CYAML_UNLIMITED), CYAML_FIELD_END};
static const cyaml_schema_value_t colmap_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_colmap, colmap_fields)};
static const cyaml_schema_field_t stable_fields[] = {
    CYAML_FIELD_STRING_PTR("table", CYAML_FLAG_POINTER, y_stable, table, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("product", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_stable, product, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("category", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_stable, category, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("service", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_stable, service, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("fields", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, y_stable, fields, &colmap_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t stable_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_stable, stable_fields)};
static const cyaml_schema_field_t sigma_doc_fields[] = {
    CYAML_FIELD_SEQUENCE("tactics", CYAML_FLAG_POINTER, y_sigma_doc, tactics, &tactic_entry, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("tables", CYAML_FLAG_POINTER, y_sigma_doc, tables, &stable_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t sigma_doc_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_sigma_doc, sigma_doc_fields)};
static const cyaml_config_t yaml_config = {
    .log_fn = NULL, .mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR, .flags = CYAML_CFG_DEFAULT};

static y_sigma_doc *map_load(rp_ctx *ctx)
{
    for (size_t i = 0; i < rp_embedded_schema_count; i++) {
        const rp_embedded_file *f = &rp_embedded_schema[i];
        if (!f->name || strcmp(f->name, "sigma-map.yaml") != 0) continue;
        cyaml_data_t *data = NULL;
        cyaml_err_t err = cyaml_load_data((const uint8_t *)f->data, f->size, &yaml_config, &sigma_doc_schema, &data, NULL);
        if (err == CYAML_OK) return data;
        rp_report(ctx, RP0502, (rp_span){0}, "schema/sigma-map.yaml does not load: %s", cyaml_strerror(err));
        return NULL;
    }
    rp_report(ctx, RP0502, (rp_span){0}, "schema/sigma-map.yaml is not embedded in this build");
    return NULL;
}

/* ---------------------------------------------------------------- the emitter's state */

typedef struct emitter {
    rp_ctx *ctx;
    const rp_rule *rule;
    const rp_ir_rule *ir;
    const rp_ir_source *src;
    const y_stable *table;     /* NULL: no Sigma mapping for the table */
    json_t *notes;             /* fidelity notes (array of unique strings) */
    json_t *pool;              /* owns every translated value (maps take their own references) */
    unsigned char *dirty;      /* slots written by a row-local stage (not the event's column) */
    int64_t window;            /* ticks of the query's own time window (0: none seen) */
    /* the detection being built */
    json_t *detection;
    int nsel;                  /* selections made so far */
    int single;                /* exactly one selection: call it `selection` */
} emitter;

static void note(emitter *em, rp_diag_code code, rp_span span, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(emitter *em, rp_diag_code code, rp_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = rp_arena_vprintf(em->ctx->arena, fmt, ap);
    va_end(ap);
    size_t i;
    json_t *v;
    json_array_foreach(em->notes, i, v) if (strcmp(json_string_value(v), text) == 0) return;
    json_array_append_new(em->notes, json_string(text));
    rp_report(em->ctx, code, span, "%s", text);
}

static const char *sigma_field(const emitter *em, const char *column)
{
    if (em->table)
        for (unsigned i = 0; i < em->table->fields_count; i++)
            if (strcmp(em->table->fields[i].column, column) == 0) return em->table->fields[i].sigma;
    return column;
}

/* ---------------------------------------------------------------- values */

/* A Sigma plain value: `*`, `?` and `\` escaped with `\` (SIGMA-NOTES.md 5: `\\` is always one
 * literal backslash, so doubling every backslash is unambiguous). */
static json_t *plain_value(rp_arena *arena, const char *s, size_t len)
{
    char *out = rp_arena_alloc(arena, len * 2 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '*' || s[i] == '?' || s[i] == '\\') out[n++] = '\\';
        out[n++] = s[i];
    }
    return json_stringn(out, n);
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Regex for the has family (KQL-SEMANTICS.md 2.2-2.3, the runtime's phrase rule): the needle
 * literally, with a term boundary before it when it starts with a term character (has,
 * hasprefix) and after it when it ends with one (has, hassuffix). */
static char *has_regex(rp_arena *arena, const char *s, size_t len, int before, int after)
{
    static const char boundary_l[] = "(^|[^A-Za-z0-9])";
    static const char boundary_r[] = "([^A-Za-z0-9]|$)";
    char *out = rp_arena_alloc(arena, len * 2 + sizeof boundary_l + sizeof boundary_r + 1);
    size_t n = 0;
    if (before && len && is_alnum((unsigned char)s[0])) {
        memcpy(out, boundary_l, sizeof boundary_l - 1);
        n = sizeof boundary_l - 1;
    }
    for (size_t i = 0; i < len; i++) {
        if (strchr(".^$*+?()[]{}|\\/-", s[i]) && s[i]) out[n++] = '\\';
        out[n++] = s[i];
    }
    if (after && len && is_alnum((unsigned char)s[len - 1])) {
        memcpy(out + n, boundary_r, sizeof boundary_r - 1);
        n += sizeof boundary_r - 1;
    }
    out[n] = 0;
    return out;
}

static int has_non_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80) return 1;
    return 0;
}

static json_t *const_json(const rp_ir_value *v)
{
    if (v->type == RP_TYPE_STRING) return json_stringn(v->s, v->len);
    if (v->null) return json_null();
    if (v->type == RP_TYPE_LONG) return json_integer((json_int_t)v->i);
    if (v->type == RP_TYPE_REAL) return json_real(v->r);
    if (v->type == RP_TYPE_BOOL) return json_boolean(v->i);
    return NULL;
}

/* ---------------------------------------------------------------- literals */

/* One translated literal: an AND of key/value pairs (one pair, or two for between). */
typedef struct pair {
    char *key;
    json_t *value;
} pair;

typedef struct trans {
    int ok;         /* translated */
    int time;       /* a comparison with now(): the query's time window */
    int needs_not;  /* negated and Sigma has no negated modifier for it: `not selection` */
    pair pairs[2];
    size_t npairs;
} trans;

/* The input column an expression reads, or NULL. */
static const char *input_col(const emitter *em, const rp_ir_expr *e)
{
    if (!e || e->kind != RP_IR_COL || !e->name) return NULL;
    if (e->slot >= 0 && (size_t)e->slot < em->ir->nslots && em->dirty[e->slot]) return NULL;
    for (size_t i = 0; i < em->src->ninputs; i++)
        if (strcmp(em->src->inputs[i].name, e->name) == 0) return e->name;
    return NULL;
}

static int mentions_now(const rp_ir_expr *e)
{
    if (!e) return 0;
    if (e->kind == RP_IR_NOW) return 1;
    for (size_t i = 0; i < e->nargs; i++)
        if (mentions_now(e->args[i])) return 1;
    return 0;
}

static void set_pair(emitter *em, trans *t, const char *field, const char *mods, json_t *value)
{
    t->pairs[t->npairs].key = rp_arena_printf(em->ctx->arena, "%s%s", sigma_field(em, field), mods);
    t->pairs[t->npairs].value = value;
    json_array_append_new(em->pool, value);
    t->npairs++;
    t->ok = 1;
}

static const char *cmp_mod(rp_ir_cmp c)
{
    switch (c) {
    case RP_IR_LT: return "|lt";
    case RP_IR_LE: return "|lte";
    case RP_IR_GT: return "|gt";
    case RP_IR_GE: return "|gte";
    default: return "";
    }
}

/* Translates literal e (negated when neg) into t. Free of side effects except notes. */
static void translate(emitter *em, const rp_ir_expr *e, int neg, trans *t)
{
    memset(t, 0, sizeof *t);
    rp_arena *arena = em->ctx->arena;
    if (mentions_now(e)) {
        t->time = 1;
        /* `T between (now-X .. now)` or `T > now-X`: remember X for the correlation timespan */
        const rp_ir_expr *lo = NULL;
        if (e->kind == RP_IR_BETWEEN && e->nargs == 3) lo = e->args[1];
        if (e->kind == RP_IR_CMP && e->nargs == 2 && (e->cmp == RP_IR_GT || e->cmp == RP_IR_GE)) lo = e->args[1];
        if (!neg && lo && lo->kind == RP_IR_NOW && lo->value.i < 0) em->window = -lo->value.i;
        return;
    }
    const char *col = e->nargs ? input_col(em, e->args[0]) : NULL;
    if (!col) return;
    if (e->kind == RP_IR_STR) {
        const rp_ir_expr *needle = e->args[1];
        if (!needle || needle->kind != RP_IR_CONST || needle->value.type != RP_TYPE_STRING) return;
        const char *s = needle->value.s;
        size_t len = needle->value.len;
        int n = neg ^ e->negated;
        const char *cased = e->ci ? "" : "|cased";
        if (e->ci && has_non_ascii(s, len)) return; /* KQL folds ASCII only, Sigma all of Unicode */
        switch (e->sop) {
        case RP_IR_S_EQ:
            set_pair(em, t, col, rp_arena_printf(arena, "%s%s", n ? "|neq" : "", cased), plain_value(arena, s, len));
            return;
        case RP_IR_S_CONTAINS:
        case RP_IR_S_STARTSWITH:
        case RP_IR_S_ENDSWITH: {
            if (len == 0) return; /* empty needle: KQL leaves it open */
            const char *m = e->sop == RP_IR_S_CONTAINS ? "|contains" : e->sop == RP_IR_S_STARTSWITH ? "|startswith" : "|endswith";
            set_pair(em, t, col, rp_arena_printf(arena, "%s%s", m, cased), plain_value(arena, s, len));
            t->needs_not = n;
            return;
        }
        case RP_IR_S_HAS:
        case RP_IR_S_HASPREFIX:
        case RP_IR_S_HASSUFFIX: {
            if (len == 0) return;
            int before = e->sop != RP_IR_S_HASSUFFIX, after = e->sop != RP_IR_S_HASPREFIX;
            char *re = has_regex(arena, s, len, before, after);
            set_pair(em, t, col, e->ci ? "|re|i" : "|re", json_string(re));
            t->needs_not = n;
            if (!is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[len - 1]))
                note(em, RP0500, e->span,
                     "`%s` with a needle that begins or ends with a separator: the Sigma regex follows rulepack's "
                     "phrase reading, which KQL's documentation leaves open",
                     rp_ir_strop_text(e->sop, e->ci, 0));
            note(em, RP0500, e->span,
                 "`%s` is a term match: written as a boundary regex, exact for ASCII text (non-ASCII letters are "
                 "term characters in KQL, separators in the regex)",
                 rp_ir_strop_text(e->sop, e->ci, 0));
            return;
        }
        }
        return;
    }
    if (e->kind == RP_IR_IN) {
        int n = neg ^ e->negated;
        json_t *list = json_array();
        for (size_t i = 0; i < e->nset; i++) {
            const rp_ir_value *v = &e->set[i];
            if (v->type != RP_TYPE_STRING) {
                json_t *j = const_json(v);
                if (!j || e->setop != RP_IR_SET_IN) {
                    json_decref(j);
                    json_decref(list);
                    return;
                }
                json_array_append_new(list, j);
                continue;
            }
            if (e->ci && has_non_ascii(v->s, v->len)) {
                json_decref(list);
                return;
            }
            if (e->setop == RP_IR_SET_IN) {
                json_array_append_new(list, plain_value(arena, v->s, v->len));
            } else {
                if (v->len == 0) {
                    json_decref(list);
                    return;
                }
                json_array_append_new(list, json_string(has_regex(arena, v->s, v->len, 1, 1)));
            }
        }
        if (json_array_size(list) == 0) {
            json_decref(list);
            return;
        }
        if (e->setop == RP_IR_SET_IN) {
            int strings = e->nset && e->set[0].type == RP_TYPE_STRING;
            set_pair(em, t, col, rp_arena_printf(arena, "%s%s", n ? "|neq" : "", strings && !e->ci ? "|cased" : ""), list);
        } else {
            set_pair(em, t, col, e->setop == RP_IR_SET_HAS_ALL ? "|re|i|all" : "|re|i", list);
            t->needs_not = n;
            note(em, RP0500, e->span, "`%s` is a term match: written as boundary regexes, exact for ASCII text",
                 e->setop == RP_IR_SET_HAS_ALL ? "has_all" : "has_any");
        }
        return;
    }
    if (e->kind == RP_IR_REGEX) {
        const char *p = e->value.s;
        size_t len = e->value.len;
        const char *mods = "|re";
        if (len >= 4 && memcmp(p, "(?i)", 4) == 0) {
            p += 4;
            len -= 4;
            mods = "|re|i";
        }
        set_pair(em, t, col, mods, json_stringn(p, len));
        t->needs_not = neg;
        note(em, RP0500, e->span, "matches regex: KQL uses RE2, Sigma a PCRE subset; the pattern is copied as written");
        return;
    }
    if (e->kind == RP_IR_CMP && e->nargs == 2 && e->args[1]->kind == RP_IR_CONST) {
        const rp_ir_value *v = &e->args[1]->value;
        if (v->null) return;
        if (v->type == RP_TYPE_STRING) {
            if (e->cmp != RP_IR_EQ && e->cmp != RP_IR_NE) return;
            int n = neg ^ (e->cmp == RP_IR_NE);
            set_pair(em, t, col, n ? "|neq|cased" : "|cased", plain_value(arena, v->s, v->len));
            return;
        }
        if (v->type != RP_TYPE_LONG && v->type != RP_TYPE_REAL) return;
        json_t *j = const_json(v);
        if (e->cmp == RP_IR_EQ || e->cmp == RP_IR_NE) {
            set_pair(em, t, col, (neg ^ (e->cmp == RP_IR_NE)) ? "|neq" : "", j);
        } else {
            set_pair(em, t, col, cmp_mod(e->cmp), j);
            t->needs_not = neg;
        }
        return;
    }
    if (e->kind == RP_IR_BETWEEN && e->nargs == 3 && e->args[1]->kind == RP_IR_CONST && e->args[2]->kind == RP_IR_CONST) {
        const rp_ir_value *lo = &e->args[1]->value, *hi = &e->args[2]->value;
        if (lo->null || hi->null || (lo->type != RP_TYPE_LONG && lo->type != RP_TYPE_REAL) ||
            (hi->type != RP_TYPE_LONG && hi->type != RP_TYPE_REAL))
            return;
        set_pair(em, t, col, "|gte", const_json(lo));
        set_pair(em, t, col, "|lte", const_json(hi));
        t->needs_not = neg ^ e->negated;
        return;
    }
    if (e->kind == RP_IR_CALL && (e->fn == RP_IR_F_ISEMPTY || e->fn == RP_IR_F_ISNOTEMPTY) &&
        e->args[0]->type == RP_TYPE_STRING) {
        /* strings are never null: isempty is == "" */
        int n = neg ^ (e->fn == RP_IR_F_ISNOTEMPTY);
        set_pair(em, t, col, n ? "|neq" : "", json_string(""));
        return;
    }
}

/* ---------------------------------------------------------------- negation normal form */

typedef enum nkind { N_TRUE, N_FALSE, N_AND, N_OR, N_LIT } nkind;

typedef struct nnode nnode;
struct nnode {
    nkind kind;
    nnode **kids;
    size_t n;
    const rp_ir_expr *e;
    int neg;
    trans t;
};

static nnode *nn_new(rp_arena *arena, nkind kind)
{
    nnode *n = rp_arena_alloc(arena, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return n;
}

/* NNF of e (negated when neg), each literal translated; untranslatable literals become `dflt`
 * (N_TRUE in the detection, N_FALSE in an allow-list); constants folded. */
static nnode *nnf(emitter *em, const rp_ir_expr *e, int neg, nkind dflt, int in_filter)
{
    rp_arena *arena = em->ctx->arena;
    if (e->kind == RP_IR_NOT && e->nargs == 1) return nnf(em, e->args[0], !neg, dflt, in_filter);
    if (e->kind == RP_IR_AND || e->kind == RP_IR_OR) {
        nkind k = (e->kind == RP_IR_AND) != neg ? N_AND : N_OR;
        nkind absorb = k == N_AND ? N_FALSE : N_TRUE, unit = k == N_AND ? N_TRUE : N_FALSE;
        nnode *out = nn_new(arena, k);
        out->kids = rp_arena_alloc(arena, sizeof *out->kids * (e->nargs + 1));
        for (size_t i = 0; i < e->nargs; i++) {
            nnode *kid = nnf(em, e->args[i], neg, dflt, in_filter);
            if (kid->kind == absorb) return kid;
            if (kid->kind == unit) continue;
            if (kid->kind == k) { /* flatten */
                nnode **grown = rp_arena_alloc(arena, sizeof *grown * (out->n + kid->n + e->nargs));
                memcpy(grown, out->kids, sizeof *grown * out->n);
                memcpy(grown + out->n, kid->kids, sizeof *grown * kid->n);
                out->kids = grown;
                out->n += kid->n;
                continue;
            }
            out->kids[out->n++] = kid;
        }
        if (out->n == 0) return nn_new(arena, unit);
        if (out->n == 1) return out->kids[0];
        return out;
    }
    if (e->kind == RP_IR_CONST && e->value.type == RP_TYPE_BOOL && !e->value.null)
        return nn_new(arena, (e->value.i != 0) != neg ? N_TRUE : N_FALSE);
    nnode *lit = nn_new(arena, N_LIT);
    lit->e = e;
    lit->neg = neg;
    translate(em, e, neg, &lit->t);
    const char *text = rp_ir_expr_print(arena, e);
    if (lit->t.time) {
        if (in_filter)
            note(em, RP0501, e->span, "an exclusion compares with now() (%s): left out of the Sigma allow-list", text);
        else
            note(em, RP0500, e->span, "time window `%s`: Sigma leaves the searched time range to the backend's schedule", text);
        return nn_new(arena, dflt);
    }
    if (!lit->t.ok) {
        if (in_filter)
            note(em, RP0501, e->span, "`%s%s` has no exact Sigma form: left out of the Sigma allow-list", neg ? "not " : "", text);
        else
            note(em, RP0500, e->span, "`%s%s` has no exact Sigma form: left out of the Sigma detection, which matches more",
                 neg ? "not " : "", text);
        return nn_new(arena, dflt);
    }
    if (in_filter && lit->t.needs_not) {
        note(em, RP0501, e->span, "`not %s` has no Sigma modifier: left out of the Sigma allow-list", text);
        return nn_new(arena, dflt);
    }
    return lit;
}

/* ---------------------------------------------------------------- detection */

static char *sel_name(emitter *em)
{
    em->nsel++;
    if (em->single) return rp_arena_strdup(em->ctx->arena, "selection");
    return rp_arena_printf(em->ctx->arena, "selection_%d", em->nsel);
}

static json_t *lit_map(const nnode *lit)
{
    json_t *m = json_object();
    for (size_t i = 0; i < lit->t.npairs; i++) json_object_set(m, lit->t.pairs[i].key, lit->t.pairs[i].value);
    return m;
}

static int map_can_take(json_t *m, const nnode *lit)
{
    for (size_t i = 0; i < lit->t.npairs; i++)
        if (json_object_get(m, lit->t.pairs[i].key)) return 0;
    return 1;
}

static int is_pos_lit(const nnode *n) { return n->kind == N_LIT && !n->t.needs_not; }

/* Condition text of n; *composite set when it is an and/or of several parts. */
static char *emit_cond(emitter *em, const nnode *n, int *composite)
{
    rp_arena *arena = em->ctx->arena;
    *composite = 0;
    if (n->kind == N_LIT) {
        char *name = sel_name(em);
        json_object_set_new(em->detection, name, lit_map(n));
        return n->t.needs_not ? rp_arena_printf(arena, "not %s", name) : name;
    }
    const char *op = n->kind == N_AND ? " and " : " or ";
    char *out = NULL;
    size_t parts = 0;
    /* the positive literals: an AND shares maps (a map is AND of its keys), an OR shares one
     * selection that is a list of maps (a list is OR) */
    json_t *group = NULL;
    if (n->kind == N_AND) {
        json_t *maps = json_array();
        for (size_t i = 0; i < n->n; i++) {
            if (!is_pos_lit(n->kids[i])) continue;
            size_t j;
            json_t *m;
            int placed = 0;
            json_array_foreach(maps, j, m) if (map_can_take(m, n->kids[i])) {
                for (size_t k = 0; k < n->kids[i]->t.npairs; k++)
                    json_object_set(m, n->kids[i]->t.pairs[k].key, n->kids[i]->t.pairs[k].value);
                placed = 1;
                break;
            }
            if (!placed) json_array_append_new(maps, lit_map(n->kids[i]));
        }
        size_t j;
        json_t *m;
        json_array_foreach(maps, j, m) {
            char *name = sel_name(em);
            json_object_set(em->detection, name, m);
            out = out ? rp_arena_printf(arena, "%s%s%s", out, op, name) : name;
            parts++;
        }
        json_decref(maps);
    } else {
        for (size_t i = 0; i < n->n; i++) {
            if (!is_pos_lit(n->kids[i])) continue;
            if (!group) group = json_array();
            json_array_append_new(group, lit_map(n->kids[i]));
        }
        if (group) {
            char *name = sel_name(em);
            json_object_set_new(em->detection, name, json_array_size(group) == 1 ? json_incref(json_array_get(group, 0)) : group);
            if (json_array_size(group) == 1) json_decref(group);
            out = name;
            parts++;
        }
    }
    for (size_t i = 0; i < n->n; i++) {
        if (is_pos_lit(n->kids[i])) continue;
        int comp;
        char *kid = emit_cond(em, n->kids[i], &comp);
        if (comp) kid = rp_arena_printf(arena, "(%s)", kid);
        out = out ? rp_arena_printf(arena, "%s%s%s", out, op, kid) : kid;
        parts++;
    }
    *composite = parts > 1;
    return out;
}

/* ---------------------------------------------------------------- allow-lists */

/* Disjunctive normal form of an NNF tree: a list of conjunctions (arrays of literals). NULL when
 * it would exceed `cap` conjunctions. */
typedef struct conj {
    const nnode **lits;
    size_t n;
} conj;

typedef struct dnf {
    conj *c;
    size_t n;
} dnf;

static int to_dnf(rp_arena *arena, const nnode *n, dnf *out, size_t cap)
{
    out->c = NULL;
    out->n = 0;
    if (n->kind == N_FALSE) return 1;
    if (n->kind == N_TRUE) { /* one empty conjunction: matches everything (cannot happen in a filter) */
        out->c = rp_arena_alloc(arena, sizeof *out->c);
        out->c[0] = (conj){NULL, 0};
        out->n = 1;
        return 1;
    }
    if (n->kind == N_LIT) {
        out->c = rp_arena_alloc(arena, sizeof *out->c);
        out->c[0].lits = rp_arena_alloc(arena, sizeof *out->c[0].lits);
        out->c[0].lits[0] = n;
        out->c[0].n = 1;
        out->n = 1;
        return 1;
    }
    if (n->kind == N_OR) {
        for (size_t i = 0; i < n->n; i++) {
            dnf kid;
            if (!to_dnf(arena, n->kids[i], &kid, cap)) return 0;
            if (out->n + kid.n > cap) return 0;
            conj *grown = rp_arena_alloc(arena, sizeof *grown * (out->n + kid.n + 1));
            if (out->n) memcpy(grown, out->c, sizeof *grown * out->n);
            if (kid.n) memcpy(grown + out->n, kid.c, sizeof *grown * kid.n);
            out->c = grown;
            out->n += kid.n;
        }
        return 1;
    }
    /* AND: cross product */
    out->c = rp_arena_alloc(arena, sizeof *out->c);
    out->c[0] = (conj){NULL, 0};
    out->n = 1;
    for (size_t i = 0; i < n->n; i++) {
        dnf kid;
        if (!to_dnf(arena, n->kids[i], &kid, cap)) return 0;
        if (out->n * kid.n > cap) return 0;
        conj *prod = rp_arena_alloc(arena, sizeof *prod * (out->n * kid.n + 1));
        size_t k = 0;
        for (size_t a = 0; a < out->n; a++)
            for (size_t b = 0; b < kid.n; b++) {
                prod[k].n = out->c[a].n + kid.c[b].n;
                prod[k].lits = rp_arena_alloc(arena, sizeof *prod[k].lits * (prod[k].n + 1));
                if (out->c[a].n) memcpy(prod[k].lits, out->c[a].lits, sizeof *prod[k].lits * out->c[a].n);
                if (kid.c[b].n) memcpy(prod[k].lits + out->c[a].n, kid.c[b].lits, sizeof *prod[k].lits * kid.c[b].n);
                k++;
            }
        out->c = prod;
        out->n = k;
    }
    return 1;
}

/* The Sigma search identifier of one allow-list arm (a map, or a list of maps), or NULL when
 * nothing of it can be said exactly. */
static json_t *arm_selection(emitter *em, const nnode *arm)
{
    dnf d;
    if (!to_dnf(em->ctx->arena, arm, &d, 64)) {
        note(em, RP0501, arm->kind == N_LIT ? arm->e->span : (rp_span){0},
             "an exclusion arm expands to more than 64 alternatives: left out of the Sigma allow-list");
        return NULL;
    }
    json_t *maps = json_array();
    for (size_t i = 0; i < d.n; i++) {
        json_t *m = json_object();
        int ok = d.c[i].n > 0;
        for (size_t j = 0; j < d.c[i].n && ok; j++) {
            if (!map_can_take(m, d.c[i].lits[j])) {
                note(em, RP0501, d.c[i].lits[j]->e->span,
                     "an exclusion tests `%s` twice in one alternative: that alternative is left out of the Sigma allow-list",
                     d.c[i].lits[j]->t.pairs[0].key);
                ok = 0;
                break;
            }
            for (size_t k = 0; k < d.c[i].lits[j]->t.npairs; k++)
                json_object_set(m, d.c[i].lits[j]->t.pairs[k].key, d.c[i].lits[j]->t.pairs[k].value);
        }
        if (ok) json_array_append_new(maps, m);
        else json_decref(m);
    }
    if (json_array_size(maps) == 0) {
        json_decref(maps);
        return NULL;
    }
    if (json_array_size(maps) == 1) {
        json_t *m = json_incref(json_array_get(maps, 0));
        json_decref(maps);
        return m;
    }
    return maps;
}

static char *slug(rp_arena *arena, const char *text, size_t index)
{
    char buf[72];
    size_t n = 0;
    int sep = 0;
    for (const char *p = text ? text : ""; *p && n < 64; p++) {
        unsigned char c = (unsigned char)*p;
        if (is_alnum(c)) {
            if (sep && n) buf[n++] = '_';
            sep = 0;
            buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        } else {
            sep = 1;
        }
    }
    buf[n] = 0;
    if (n == 0) return rp_arena_printf(arena, "exclusion_%zu", index + 1);
    return rp_arena_strdup(arena, buf);
}

/* Adds filter_<slug>[_<k>] selections for every exclusion; returns how many. */
static int emit_filters(emitter *em)
{
    rp_arena *arena = em->ctx->arena;
    int count = 0;
    for (size_t i = 0; i < em->ir->nexcls; i++) {
        const rp_ir_excl *x = &em->ir->excls[i];
        if (!x->pred) {
            note(em, RP0501, x->span, "exclusion %zu (%s) did not compile: left out of the Sigma allow-list", i + 1,
                 x->scenario ? x->scenario : "unnamed");
            continue;
        }
        nnode *root = nnf(em, x->pred, 0, N_FALSE, 1);
        if (root->kind == N_TRUE) { /* cannot be, but an allow-list of everything is never emitted */
            note(em, RP0501, x->span, "exclusion %zu suppresses everything: left out of the Sigma allow-list", i + 1);
            continue;
        }
        if (root->kind == N_FALSE) continue;
        const nnode **arms = NULL;
        size_t narms = 1;
        if (root->kind == N_OR) {
            arms = (const nnode **)root->kids;
            narms = root->n;
        } else {
            arms = rp_arena_alloc(arena, sizeof *arms);
            arms[0] = root;
        }
        char *base = slug(arena, x->scenario, i);
        /* unique among the rule's exclusions */
        char *name = rp_arena_printf(arena, "filter_%s", base);
        int clash = 0;
        for (size_t k = 0; k < i; k++)
            if (strcmp(slug(arena, em->ir->excls[k].scenario, k), base) == 0) clash = 1;
        if (clash) name = rp_arena_printf(arena, "filter_%s_x%zu", base, i + 1);
        size_t k = 0;
        for (size_t a = 0; a < narms; a++) {
            json_t *sel = arm_selection(em, arms[a]);
            if (!sel) continue;
            k++;
            char *id = narms > 1 ? rp_arena_printf(arena, "%s_%zu", name, a + 1) : name;
            json_object_set_new(em->detection, id, sel);
            count++;
        }
    }
    return count;
}

/* ---------------------------------------------------------------- correlation */

static char *timespan_text(rp_arena *arena, int64_t ticks)
{
    static const struct { int64_t ticks; char unit; } units[] = {
        {864000000000LL, 'd'}, {36000000000LL, 'h'}, {600000000LL, 'm'}, {10000000LL, 's'}};
    if (ticks <= 0) return NULL;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ticks % units[i].ticks == 0) return rp_arena_printf(arena, "%lld%c", (long long)(ticks / units[i].ticks), units[i].unit);
    return NULL;
}

/* Sentinel queryPeriod ("5d", "1h", "30m", or ISO "P5D"/"PT1H") in ticks; 0 when not read. */
static int64_t period_ticks(const char *p)
{
    if (!p) return 0;
    char *end;
    if (p[0] == 'P' || p[0] == 'p') {
        int t = 0;
        int64_t total = 0;
        for (p++; *p;) {
            if (*p == 'T' || *p == 't') {
                t = 1;
                p++;
                continue;
            }
            long long v = strtoll(p, &end, 10);
            if (end == p || v < 0) return 0;
            char u = *end;
            int64_t mul = u == 'D' ? 864000000000LL : u == 'H' && t ? 36000000000LL : u == 'M' && t ? 600000000LL
                        : u == 'S' && t ? 10000000LL : 0;
            if (!mul) return 0;
            total += v * mul;
            p = end + 1;
        }
        return total;
    }
    long long v = strtoll(p, &end, 10);
    if (end == p || v <= 0) return 0;
    switch (*end) {
    case 'd': return v * 864000000000LL;
    case 'h': return v * 36000000000LL;
    case 'm': return v * 600000000LL;
    case 's': return v * 10000000LL;
    default: return 0;
    }
}

static const rp_ir_agg *agg_of_slot(const rp_ir_stage *st, int slot)
{
    for (size_t i = 0; i < st->naggs; i++)
        if (st->aggs[i].slot == slot) return &st->aggs[i];
    return NULL;
}

/* The correlation document of a `summarize ... by ... | where agg OP n` tail, or NULL (with a
 * note saying why the grouping is not part of the Sigma rule). */
static json_t *correlation(emitter *em, const char *base_name, json_t *meta)
{
    const rp_ir_rule *ir = em->ir;
    rp_arena *arena = em->ctx->arena;
    if (ir->ntail == 0) return NULL;
    const rp_ir_stage *sum = &ir->tail[0];
    if (sum->kind != RP_IR_SUMMARIZE) {
        note(em, RP0500, sum->span, "`%s` after the filters: Sigma alerts on each matching event", rp_ir_stage_kind_name(sum->kind));
        return NULL;
    }
    /* group-by: input columns; bin(Timestamp, X) sets the timespan */
    json_t *group = json_array();
    int64_t span = 0;
    int ok = 1;
    for (size_t i = 0; i < sum->nassigns && ok; i++) {
        const rp_ir_expr *k = sum->assigns[i].expr;
        const char *col = input_col(em, k);
        if (col) {
            json_array_append_new(group, json_string(sigma_field(em, col)));
        } else if (k && k->kind == RP_IR_CALL && k->fn == RP_IR_F_BIN && k->nargs == 2 && k->args[1]->kind == RP_IR_CONST &&
                   k->args[1]->value.type == RP_TYPE_TIMESPAN) {
            span = k->args[1]->value.i;
        } else {
            ok = 0;
        }
    }
    const rp_ir_stage *thr = ir->ntail >= 2 && ir->tail[1].kind == RP_IR_FILTER ? &ir->tail[1] : NULL;
    const rp_ir_expr *p = thr ? thr->pred : NULL;
    const rp_ir_agg *agg = NULL;
    if (p && p->kind == RP_IR_CMP && p->nargs == 2 && p->args[0]->kind == RP_IR_COL && p->args[1]->kind == RP_IR_CONST &&
        (p->args[1]->value.type == RP_TYPE_LONG || p->args[1]->value.type == RP_TYPE_REAL) && !p->args[1]->value.null)
        agg = agg_of_slot(sum, p->args[0]->slot);
    char *by = NULL;
    for (size_t i = 0; i < sum->nassigns; i++)
        by = by ? rp_arena_printf(arena, "%s, %s", by, sum->assigns[i].name) : rp_arena_strdup(arena, sum->assigns[i].name);
    if (!agg || !ok || ir->ntail > 2) {
        note(em, RP0500, sum->span,
             "summarize%s%s without a count threshold Sigma can say: the query alerts once per group, Sigma on each matching event",
             by ? " by " : "", by ? by : "");
        json_decref(group);
        return NULL;
    }
    const char *type = NULL, *field = NULL;
    switch (agg->kind) {
    case RP_IR_AGG_COUNT: type = "event_count"; break;
    case RP_IR_AGG_DCOUNT: type = "value_count"; break;
    case RP_IR_AGG_SUM: type = "value_sum"; break;
    case RP_IR_AGG_AVG: type = "value_avg"; break;
    default: break;
    }
    if (type && agg->kind != RP_IR_AGG_COUNT) {
        const char *col = input_col(em, agg->arg);
        if (!col) type = NULL;
        else field = sigma_field(em, col);
    }
    if (!type) {
        note(em, RP0500, agg->span, "a threshold on %s has no Sigma correlation type: Sigma alerts on each matching event",
             rp_ir_agg_name(agg->kind));
        json_decref(group);
        return NULL;
    }
    if (!span) span = em->window;
    if (!span) span = period_ticks(em->rule->query_period.text);
    char *ts = timespan_text(arena, span);
    if (!ts) {
        note(em, RP0500, sum->span, "no time window for the correlation (no bin(), time filter or queryPeriod)");
        json_decref(group);
        return NULL;
    }
    const rp_ir_value *v = &p->args[1]->value;
    double num = v->type == RP_TYPE_LONG ? (double)v->i : v->r;
    const char *op = NULL;
    json_int_t n = (json_int_t)num;
    if ((double)n != num) { /* a real threshold: the integer bound with the same meaning on counts */
        if (p->cmp == RP_IR_GT || p->cmp == RP_IR_GE) {
            n = (json_int_t)ceil(num);
            op = "gte";
        } else if (p->cmp == RP_IR_LT || p->cmp == RP_IR_LE) {
            n = (json_int_t)floor(num);
            op = "lte";
        } else {
            note(em, RP0500, thr->span, "an equality with a fractional threshold: Sigma alerts on each matching event");
            json_decref(group);
            return NULL;
        }
    }
    if (!op) {
        switch (p->cmp) {
        case RP_IR_GT: op = "gt"; break;
        case RP_IR_GE: op = "gte"; break;
        case RP_IR_LT: op = "lt"; break;
        case RP_IR_LE: op = "lte"; break;
        case RP_IR_EQ: op = "eq"; break;
        case RP_IR_NE: op = "neq"; break;
        }
    }
    json_t *cond = json_object();
    json_object_set_new(cond, op, json_integer(n));
    if (field) json_object_set_new(cond, "field", json_string(field));
    json_t *c = json_object();
    json_object_set_new(c, "type", json_string(type));
    json_t *rules = json_array();
    json_array_append_new(rules, json_string(base_name));
    json_object_set_new(c, "rules", rules);
    json_object_set_new(c, "group-by", group);
    json_object_set_new(c, "timespan", json_string(ts));
    json_object_set_new(c, "condition", cond);
    json_t *doc = json_object();
    json_object_set_new(doc, "correlation", c);
    const char *keys[] = {"title", "status", "description", "references", "level", "falsepositives", "author"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *val = json_object_get(meta, keys[i]);
        if (val) json_object_set(doc, keys[i], val);
    }
    return doc;
}

/* ---------------------------------------------------------------- metadata */

static int is_uuid(const char *s)
{
    if (!s || strlen(s) != 36) return 0;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

/* A string cut to at most max bytes on a UTF-8 boundary. */
/* A JSON string of s[0..len) cut at max bytes on a character boundary (NUL bytes kept). */
static json_t *bounded_n(const char *s, size_t len, size_t max)
{
    if (len > max) {
        len = max;
        while (len && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
    }
    return json_stringn(s, len);
}

static json_t *bounded(const char *s, size_t max) { return bounded_n(s, strlen(s), max); }

static void add_unique(json_t *arr, const char *s, size_t len)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_string_length(v) == len && memcmp(json_string_value(v), s, len) == 0) return;
    json_array_append_new(arr, json_stringn(s, len));
}

/* URLs in a text: http(s):// up to white space or a quote/bracket, trailing punctuation dropped. */
static json_t *references(const char *text)
{
    json_t *refs = json_array();
    for (const char *p = text; p && *p; p++) {
        if (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0) continue;
        if (p != text && (is_alnum((unsigned char)p[-1]))) continue;
        const char *e = p;
        while (*e && (unsigned char)*e > ' ' && !strchr("\"'<>()[]{}`", *e)) e++;
        while (e > p && strchr(".,;:!?", e[-1])) e--;
        if ((size_t)(e - p) > 8) add_unique(refs, p, (size_t)(e - p));
        p = e - 1 > p ? e - 1 : p;
    }
    return refs;
}

static json_t *tags(emitter *em, const y_sigma_doc *map)
{
    json_t *out = json_array();
    const rp_rule *r = em->rule;
    for (size_t i = 0; i < r->tactic_count; i++) {
        const char *t = r->tactics[i].text;
        if (!t) continue;
        const char *tag = NULL;
        for (unsigned k = 0; map && k < map->tactics_count; k++)
            if (strcmp(map->tactics[k].sentinel, t) == 0) tag = map->tactics[k].tag;
        if (tag) add_unique(out, tag, strlen(tag));
        else note(em, RP0500, rp_rule_text_span(r, &r->tactics[i]), "tactic %s has no ATT&CK Enterprise tag in Sigma", t);
    }
    for (size_t i = 0; i < r->technique_count; i++) {
        const char *t = r->techniques[i].text;
        if (!t) continue;
        size_t len = strlen(t);
        int ok = (len == 5 || (len == 9 && t[5] == '.')) && (t[0] == 'T' || t[0] == 't');
        for (size_t k = 1; ok && k < len; k++)
            if (k != 5 && !(t[k] >= '0' && t[k] <= '9')) ok = 0;
        if (!ok) continue; /* rule_check reports malformed ids */
        char *tag = rp_arena_printf(em->ctx->arena, "attack.t%s", t + 1);
        add_unique(out, tag, strlen(tag));
    }
    return out;
}

static const char *level_of(const char *severity)
{
    static const char *levels[] = {"informational", "low", "medium", "high", "critical"};
    if (!severity) return NULL;
    for (size_t i = 0; i < 5; i++)
        if (strcasecmp(severity, levels[i]) == 0) return levels[i];
    return NULL;
}

/* ---------------------------------------------------------------- the rule */

char *rp_emit_file_stem(rp_arena *arena, const char *rule_id)
{
    if (!rule_id || !*rule_id) return rp_arena_strdup(arena, "_rule"); /* no id encodes to it */
    /* One to one, so two ids never share an output file: [A-Za-z0-9.-] kept, every other byte
     * (and '_' itself) as _xx, a leading '.' too (no hidden files); a GUID comes out unchanged.
     * An encoding longer than 200 characters (file names stop at 255 bytes, and ".correlation.json"
     * follows) keeps its first 180 and "_h" + a 64-bit hash of the whole id: "_h" never appears in
     * an encoding, so such a stem cannot equal an unhashed one. */
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(rule_id);
    char *out = rp_arena_alloc(arena, 3 * len + 1);
    size_t o = 0, cut = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)rule_id[i];
        if ((is_alnum(c) || c == '-' || c == '.') && !(i == 0 && c == '.')) {
            out[o++] = (char)c;
        } else {
            out[o++] = '_';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        if (o <= 180) cut = o;
    }
    if (o > 200) {
        uint64_t h = 14695981039346656037u;
        for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)rule_id[i]) * 1099511628211u;
        o = cut;
        out[o++] = '_';
        out[o++] = 'h';
        for (int k = 15; k >= 0; k--) out[o++] = hex[(h >> (4 * k)) & 15];
    }
    out[o] = '\0';
    return out;
}

/* FNV-1a: a short, stable fingerprint of a path. */
static uint32_t path_hash(const char *text)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) h = (h ^ *p) * 16777619u;
    return h;
}

char *rp_emit_rule_stem(rp_arena *arena, const rp_rule *rule)
{
    if (rule->id.text && *rule->id.text) return rp_emit_file_stem(arena, rule->id.text);
    /* A bare query has no id: its file name, made safe, plus a hash of its path as given, so two
     * queries never share output files (a.kql and a_b/../a.kql, "a b.kql" and "a_b.kql"). */
    const char *path = rule->src ? rule->src->path : "query";
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".kql") == 0) len -= 4;
    char *name = rp_emit_file_stem(arena, rp_arena_strndup(arena, base, len));
    return rp_arena_printf(arena, "query-%s-%08x", name, path_hash(path));
}

static char *dump(rp_arena *arena, json_t *doc)
{
    char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17));
    if (!text) return NULL;
    char *out = rp_arena_printf(arena, "%s\n", text);
    free(text);
    return out;
}

char *rp_emit_sigma_text(rp_ctx *ctx, const rp_rule *rule, const rp_ir_rule *ir, char **corr_out)
{
    if (corr_out) *corr_out = NULL;
    rp_span rule_span = rp_rule_text_span(rule, &rule->query);
    if (!ir || ir->status == RP_IR_NONE || ir->nsources != 1) {
        rp_report(ctx, RP0502, rule_span, "no Sigma rule for this rule: %s",
                  !ir ? "it was not compiled"
                  : ir->status == RP_IR_NONE ? (ir->why ? ir->why : "its query did not compile")
                                             : "its query reads several tables (a Sigma rule has one log source)");
        return NULL;
    }
    y_sigma_doc *map = map_load(ctx);
    emitter em = {.ctx = ctx, .rule = rule, .ir = ir, .src = &ir->sources[0]};
    em.notes = json_array();
    em.pool = json_array();
    for (unsigned i = 0; map && i < map->tables_count; i++)
        if (strcmp(map->tables[i].table, em.src->table) == 0) em.table = &map->tables[i];
    em.dirty = rp_arena_alloc(ctx->arena, ir->nslots + 1);
    memset(em.dirty, 0, ir->nslots + 1);

    if (ir->status == RP_IR_PARTIAL)
        note(&em, RP0500, rule_span, "the query is compiled only up to %s: the Sigma rule is a prefilter of it",
             ir->why ? ir->why : "an operator the compiler does not handle");

    /* detection: AND of the filters of the source's row-local stages */
    rp_arena *arena = ctx->arena;
    nnode *det = nn_new(arena, N_TRUE);
    for (size_t i = 0; i < em.src->nstages; i++) {
        const rp_ir_stage *st = &em.src->stages[i];
        if (st->kind == RP_IR_FILTER) {
            nnode *n = nnf(&em, st->pred, 0, N_TRUE, 0);
            if (n->kind == N_TRUE) continue;
            if (det->kind == N_TRUE) {
                det = n;
                continue;
            }
            nnode *both = nn_new(arena, N_AND);
            size_t total = (det->kind == N_AND ? det->n : 1) + (n->kind == N_AND ? n->n : 1);
            both->kids = rp_arena_alloc(arena, sizeof *both->kids * total);
            if (det->kind == N_AND) for (size_t k = 0; k < det->n; k++) both->kids[both->n++] = det->kids[k];
            else both->kids[both->n++] = det;
            if (n->kind == N_AND) for (size_t k = 0; k < n->n; k++) both->kids[both->n++] = n->kids[k];
            else both->kids[both->n++] = n;
            det = both;
            if (n->kind == N_FALSE) det = n;
            continue;
        }
        /* later filters may read what this stage computes; `project FileName` (a column copied
         * into its own slot) leaves the event's value there, so it stays an input column */
        for (size_t k = 0; k < st->nassigns; k++) {
            const rp_ir_assign *as = &st->assigns[k];
            if (as->expr && as->expr->kind == RP_IR_COL && as->expr->slot == as->slot) continue;
            if (as->slot >= 0 && (size_t)as->slot < ir->nslots) em.dirty[as->slot] = 1;
        }
        for (size_t k = 0; k < st->npieces; k++)
            if (st->pieces[k].name && st->pieces[k].slot >= 0 && (size_t)st->pieces[k].slot < ir->nslots)
                em.dirty[st->pieces[k].slot] = 1;
    }
    if (det->kind != N_AND && det->kind != N_OR && det->kind != N_LIT) {
        rp_report(ctx, RP0502, rule_span, "no Sigma rule for this rule: %s",
                  det->kind == N_TRUE ? "nothing of its filter can be said in Sigma (it would match every event)"
                                      : "its filter matches no event");
        json_decref(em.notes);
        json_decref(em.pool);
        if (map) cyaml_free(&yaml_config, &sigma_doc_schema, map, 0);
        return NULL;
    }

    /* count the detection's selections first, to call a lone one `selection` */
    em.detection = json_object();
    int comp;
    emit_cond(&em, det, &comp);
    json_decref(em.detection);
    em.single = em.nsel == 1;
    em.nsel = 0;
    em.detection = json_object();
    char *cond = emit_cond(&em, det, &comp);
    int nfilters = emit_filters(&em);
    if (nfilters) cond = rp_arena_printf(arena, comp ? "(%s) and not 1 of filter_*" : "%s and not 1 of filter_*", cond);
    json_object_set_new(em.detection, "condition", json_string(cond));

    /* metadata */
    json_t *doc = json_object();
    const char *title = rule->name.text ? rule->name.text : rule->id.text ? rule->id.text : "untitled rule";
    json_object_set_new(doc, "title", bounded(title, 256));
    if (is_uuid(rule->id.text)) json_object_set_new(doc, "id", json_string(rule->id.text));
    json_object_set_new(doc, "status", json_string(rule->status.text && strcasecmp(rule->status.text, "deprecated") == 0 ? "deprecated" : "experimental"));
    if (rule->description.text) {
        const rp_ynode *node = rule->description.node;
        size_t len = node && node->kind == RP_Y_SCALAR ? node->value_len : strlen(rule->description.text);
        json_object_set_new(doc, "description", bounded_n(rule->description.text, len, 65535));
        json_t *refs = references(rule->description.text);
        if (json_array_size(refs)) json_object_set_new(doc, "references", refs);
        else json_decref(refs);
    }
    json_t *tg = tags(&em, map);
    if (json_array_size(tg)) json_object_set_new(doc, "tags", tg);
    else json_decref(tg);
    json_t *ls = json_object();
    if (em.table) {
        if (em.table->product) json_object_set_new(ls, "product", json_string(em.table->product));
        if (em.table->category) json_object_set_new(ls, "category", json_string(em.table->category));
        if (em.table->service) json_object_set_new(ls, "service", json_string(em.table->service));
    } else {
        char *svc = rp_arena_strdup(arena, em.src->table);
        for (char *p = svc; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : (is_alnum((unsigned char)*p) ? *p : '_'));
        json_object_set_new(ls, "product", json_string("azure"));
        json_object_set_new(ls, "service", json_string(svc));
        json_object_set_new(ls, "definition", json_string(rp_arena_printf(arena, "Microsoft Sentinel table %s", em.src->table)));
    }
    json_object_set_new(doc, "logsource", ls);
    json_object_set_new(doc, "detection", em.detection);
    json_t *fps = json_array();
    for (size_t i = 0; i < rule->exclusion_count; i++) {
        const char *s = rule->exclusions[i].scenario.text;
        if (s && strlen(s) >= 2) add_unique(fps, s, strlen(s));
    }
    if (json_array_size(fps) == 0) json_array_append_new(fps, json_string("Unknown"));
    json_object_set_new(doc, "falsepositives", fps);
    const char *level = level_of(rule->severity.text);
    if (level) json_object_set_new(doc, "level", json_string(level));

    char *name = rp_arena_printf(arena, "rp_%s", rp_emit_rule_stem(arena, rule));
    json_t *corr = correlation(&em, name, doc);
    if (corr) json_object_set_new(doc, "name", json_string(name));
    if (json_array_size(em.notes)) json_object_set(doc, "x_rulepack_fidelity", em.notes);
    char *text = dump(arena, doc);
    if (corr && corr_out) *corr_out = dump(arena, corr);
    json_decref(corr);
    json_decref(doc);
    json_decref(em.notes);
    json_decref(em.pool);
    if (map) cyaml_free(&yaml_config, &sigma_doc_schema, map, 0);
    return text;
}

/* ---------------------------------------------------------------- files */

static int write_file(rp_ctx *ctx, const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        rp_report(ctx, RP0503, (rp_span){0}, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int make_dir(rp_ctx *ctx, const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
    rp_report(ctx, RP0503, (rp_span){0}, "cannot create %s: %s", dir, strerror(errno));
    return -1;
}

int rp_emit_sigma_rule(rp_ctx *ctx, const rp_rule *rule, const rp_ir_rule *ir, const char *out_dir)
{
    char *corr = NULL;
    char *text = rp_emit_sigma_text(ctx, rule, ir, &corr);
    if (!text) return 0;
    char *dir = rp_arena_printf(ctx->arena, "%s/sigma", out_dir);
    if (make_dir(ctx, out_dir) || make_dir(ctx, dir)) return -1;
    char *stem = rp_emit_rule_stem(ctx->arena, rule);
    if (write_file(ctx, rp_arena_printf(ctx->arena, "%s/%s.json", dir, stem), text)) return -1;
    char *cpath = rp_arena_printf(ctx->arena, "%s/%s.correlation.json", dir, stem);
    if (corr) return write_file(ctx, cpath, corr);
    remove(cpath);
    return 0;
}
