/* excl_check.c: the exclusion stage of `rulepack check` (the seam rp_excl_check_rule in
 * check.h): parse each rule->exclusions[i].filter, resolve its fields for the rule's table,
 * lint it against what the detection matches, and leave the result in rule->excl
 * (excl_ast.h, struct rp_excl_list) for the lowering and the emitters.
 *
 * The table: the source table of the parsed query (rule->kql) when there is one, else the first
 * requiredDataConnectors data type the field map knows, else the first data type at all.
 * The detection: the query's leading `where`s, translated into the exclusion AST's predicate
 * shape (kql_to_excl below); anything it cannot express is replaced by TRUE where it stands
 * positively and FALSE under a not(), so the detection used is never narrower than the real one
 * and the cancellation check (RP0625) stays sound. */
#include <string.h>

#include "check.h"
#include "excl_fields.h"
#include "excl_lint.h"
#include "excl_parse.h"
#include "kql_ast.h"
#include "schema.h"

typedef struct conv {
    rp_ctx *ctx;
    const rp_excl_fields *fields;
    const rp_kql_query *query;
    const char *table;
    const rp_schema_table *schema_table;
    const char **lets;       /* names bound by let: not columns */
    size_t let_count, let_cap;
    const char **columns;    /* every column the detection's filters name */
    size_t column_count, column_cap;
} conv;

static int is_let(const conv *cv, const char *name)
{
    for (size_t i = 0; i < cv->let_count; i++)
        if (strcmp(cv->lets[i], name) == 0) return 1;
    return 0;
}

static void note_columns(conv *cv, const rp_kql_node *n)
{
    if (!n) return;
    if (n->kind == RP_KQL_NAME && n->name && !is_let(cv, n->name) && !(n->flags & RP_KQL_F_WILDCARD)) {
        for (size_t i = 0; i < cv->column_count; i++)
            if (strcmp(cv->columns[i], n->name) == 0) return;
        cv->columns = rp_arena_grow(cv->ctx->arena, cv->columns, sizeof *cv->columns, &cv->column_cap, cv->column_count + 1);
        cv->columns[cv->column_count++] = n->name;
        return;
    }
    if (n->kind == RP_KQL_CALL) { /* the callee's name is not a column */
        for (size_t i = 0; i < n->items.count; i++) note_columns(cv, n->items.items[i]);
        return;
    }
    note_columns(cv, n->a);
    note_columns(cv, n->b);
    note_columns(cv, n->c);
    for (size_t i = 0; i < n->items.count; i++) note_columns(cv, n->items.items[i]);
}

/* KQL operator -> exclusion operator. Returns 0 when it has no counterpart. */
static int map_op(rp_kql_op k, rp_excl_op *op, int *negated, int *cs)
{
    static const struct {
        rp_kql_op kql;
        rp_excl_op op;
        int negated, cs;
    } table[] = {
        {RP_KQL_OP_EQ, RP_EXCL_OP_EQ, 0, 1}, {RP_KQL_OP_NE, RP_EXCL_OP_EQ, 1, 1},
        {RP_KQL_OP_EQ_CI, RP_EXCL_OP_EQ, 0, 0}, {RP_KQL_OP_NE_CI, RP_EXCL_OP_EQ, 1, 0},
        {RP_KQL_OP_HAS, RP_EXCL_OP_HAS, 0, 0}, {RP_KQL_OP_NOT_HAS, RP_EXCL_OP_HAS, 1, 0},
        {RP_KQL_OP_HAS_CS, RP_EXCL_OP_HAS, 0, 1}, {RP_KQL_OP_NOT_HAS_CS, RP_EXCL_OP_HAS, 1, 1},
        {RP_KQL_OP_CONTAINS, RP_EXCL_OP_CONTAINS, 0, 0}, {RP_KQL_OP_NOT_CONTAINS, RP_EXCL_OP_CONTAINS, 1, 0},
        {RP_KQL_OP_CONTAINS_CS, RP_EXCL_OP_CONTAINS, 0, 1}, {RP_KQL_OP_NOT_CONTAINS_CS, RP_EXCL_OP_CONTAINS, 1, 1},
        {RP_KQL_OP_STARTSWITH, RP_EXCL_OP_STARTSWITH, 0, 0}, {RP_KQL_OP_NOT_STARTSWITH, RP_EXCL_OP_STARTSWITH, 1, 0},
        {RP_KQL_OP_STARTSWITH_CS, RP_EXCL_OP_STARTSWITH, 0, 1},
        {RP_KQL_OP_NOT_STARTSWITH_CS, RP_EXCL_OP_STARTSWITH, 1, 1},
        {RP_KQL_OP_ENDSWITH, RP_EXCL_OP_ENDSWITH, 0, 0}, {RP_KQL_OP_NOT_ENDSWITH, RP_EXCL_OP_ENDSWITH, 1, 0},
        {RP_KQL_OP_ENDSWITH_CS, RP_EXCL_OP_ENDSWITH, 0, 1}, {RP_KQL_OP_NOT_ENDSWITH_CS, RP_EXCL_OP_ENDSWITH, 1, 1},
        {RP_KQL_OP_IN, RP_EXCL_OP_IN, 0, 1}, {RP_KQL_OP_NOT_IN, RP_EXCL_OP_IN, 1, 1},
        {RP_KQL_OP_IN_CI, RP_EXCL_OP_IN, 0, 0}, {RP_KQL_OP_NOT_IN_CI, RP_EXCL_OP_IN, 1, 0},
        {RP_KQL_OP_MATCHES_REGEX, RP_EXCL_OP_REGEX, 0, 1},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].kql == k) {
            *op = table[i].op;
            *negated = table[i].negated;
            *cs = table[i].cs;
            return 1;
        }
    return 0;
}

static rp_excl_node *new_node(conv *cv, rp_excl_kind kind, const rp_kql_node *from)
{
    rp_excl_node *n = RP_NEW(cv->ctx->arena, rp_excl_node);
    n->kind = kind;
    n->start = from->span.start;
    n->end = from->span.end;
    n->span = rp_kql_node_span(cv->query, from);
    return n;
}

/* column OP "string" (or in (...) of strings) as a predicate; NULL when not of that shape. */
static rp_excl_node *leaf_from_kql(conv *cv, const rp_kql_node *k)
{
    const rp_kql_node *col = k->a;
    if (!col || col->kind != RP_KQL_NAME || !col->name || is_let(cv, col->name)) return NULL;
    rp_excl_op op;
    int negated, cs;
    if (!map_op(k->op, &op, &negated, &cs)) return NULL;
    const rp_kql_node *const *vals;
    size_t count;
    if (k->kind == RP_KQL_IN) {
        vals = (const rp_kql_node *const *)k->items.items;
        count = k->items.count;
    } else {
        vals = (const rp_kql_node *const *)&k->b;
        count = 1;
    }
    if (count == 0) return NULL;
    for (size_t i = 0; i < count; i++)
        if (!vals[i] || vals[i]->kind != RP_KQL_STRING) return NULL;
    rp_excl_node *n = new_node(cv, RP_EXCL_PRED, k);
    n->op = op;
    n->negated = negated;
    n->case_sensitive = cs;
    n->field.written = col->name;
    n->field.column = col->name;
    n->field.roles = rp_excl_fields_roles(cv->fields, cv->table, col->name);
    const rp_schema_column *sc = cv->schema_table ? rp_schema_column_find(cv->schema_table, col->name) : NULL;
    n->field.type = sc ? sc->type : RP_TYPE_UNKNOWN;
    n->values = RP_NEW_ARRAY(cv->ctx->arena, rp_excl_value, count);
    n->value_count = count;
    for (size_t i = 0; i < count; i++) {
        n->values[i].kind = RP_EXCL_VAL_STRING;
        n->values[i].text = vals[i]->text ? vals[i]->text : "";
        n->values[i].len = vals[i]->text ? vals[i]->text_len : 0;
        n->values[i].span = rp_kql_node_span(cv->query, vals[i]);
    }
    return n;
}

/* The detection predicate k as an exclusion-shaped tree, at polarity `positive`. NULL stands for
 * "unknown": TRUE at positive polarity, FALSE at negative (see the file comment). */
static rp_excl_node *kql_to_excl(conv *cv, const rp_kql_node *k, int positive)
{
    if (!k) return NULL;
    if (k->kind == RP_KQL_CALL && k->name && strcmp(k->name, "not") == 0 && k->items.count == 1) {
        rp_excl_node *kid = kql_to_excl(cv, k->items.items[0], !positive);
        if (!kid) return NULL;
        rp_excl_node *n = new_node(cv, RP_EXCL_NOT, k);
        n->kids = RP_NEW_ARRAY(cv->ctx->arena, rp_excl_node *, 1);
        n->kids[0] = kid;
        n->kid_count = 1;
        return n;
    }
    if (k->kind == RP_KQL_BINARY && (k->op == RP_KQL_OP_AND || k->op == RP_KQL_OP_OR)) {
        rp_excl_node *l = kql_to_excl(cv, k->a, positive), *r = kql_to_excl(cv, k->b, positive);
        /* An unknown kid is the absorbing element (TRUE in OR+, FALSE in AND-) or the neutral one. */
        int absorbing = (k->op == RP_KQL_OP_OR) == !!positive;
        if (!l || !r) return absorbing ? NULL : (l ? l : r);
        rp_excl_node *n = new_node(cv, k->op == RP_KQL_OP_AND ? RP_EXCL_AND : RP_EXCL_OR, k);
        n->kids = RP_NEW_ARRAY(cv->ctx->arena, rp_excl_node *, 2);
        n->kids[0] = l;
        n->kids[1] = r;
        n->kid_count = 2;
        return n;
    }
    if (k->kind == RP_KQL_BINARY || k->kind == RP_KQL_IN) return leaf_from_kql(cv, k);
    return NULL;
}

/* Fills det from rule->kql: the first query statement `Table | where ... | where ...`. Returns
 * the source table's name, or NULL. */
static const char *detection_from_kql(conv *cv, const rp_rule *rule, rp_excl_detection *det)
{
    const rp_kql_query *q = rule->kql;
    if (!q) return NULL;
    cv->query = q;
    const rp_kql_node *pipe = NULL;
    for (size_t i = 0; i < q->stmts.count; i++) {
        const rp_kql_node *s = q->stmts.items[i];
        if (!s) continue;
        if (s->kind == RP_KQL_LET && s->name) {
            cv->lets = rp_arena_grow(cv->ctx->arena, cv->lets, sizeof *cv->lets, &cv->let_cap, cv->let_count + 1);
            cv->lets[cv->let_count++] = s->name;
        }
        if (s->kind == RP_KQL_QUERY && !pipe) pipe = s->a;
    }
    if (!pipe || pipe->kind != RP_KQL_PIPE || pipe->items.count == 0) return NULL;
    const rp_kql_node *src = pipe->items.items[0];
    if (!src || src->kind != RP_KQL_NAME || !src->name || (src->flags & RP_KQL_F_WILDCARD) || is_let(cv, src->name))
        return NULL;
    cv->table = src->name;
    cv->schema_table = cv->ctx->schema ? rp_schema_table_find(cv->ctx->schema, src->name) : NULL;
    rp_excl_node *conj = NULL;
    for (size_t i = 1; i < pipe->items.count; i++) {
        const rp_kql_node *stage = pipe->items.items[i];
        if (!stage || stage->kind != RP_KQL_Q_WHERE) break; /* later stages may rename columns */
        note_columns(cv, stage->a);
        rp_excl_node *p = kql_to_excl(cv, stage->a, 1);
        if (!p) continue;
        if (!conj) {
            conj = p;
        } else {
            rp_excl_node *n = RP_NEW(cv->ctx->arena, rp_excl_node);
            n->kind = RP_EXCL_AND;
            n->span = conj->span;
            n->kids = RP_NEW_ARRAY(cv->ctx->arena, rp_excl_node *, 2);
            n->kids[0] = conj;
            n->kids[1] = p;
            n->kid_count = 2;
            conj = n;
        }
    }
    det->pred = conj;
    det->columns = cv->columns;
    det->column_count = cv->column_count;
    det->known = 1;
    return src->name;
}

static const char *table_from_connectors(const rp_rule *rule, const rp_excl_fields *fields)
{
    const char *first = NULL;
    for (size_t i = 0; i < rule->connector_count; i++)
        for (size_t j = 0; j < rule->connectors[i].data_type_count; j++) {
            const char *t = rule->connectors[i].data_types[j].text;
            if (!t) continue;
            if (rp_excl_fields_has_table(fields, t)) return t;
            if (!first) first = t;
        }
    return first;
}

static int all_resolved(rp_excl_node *n)
{
    if (n->kind == RP_EXCL_PRED) return n->field.column != NULL && n->value_count > 0;
    for (size_t i = 0; i < n->kid_count; i++)
        if (!all_resolved(n->kids[i])) return 0;
    return 1;
}

void rp_excl_check_rule(rp_ctx *ctx, rp_rule *rule)
{
    if (!rule || rule->exclusion_count == 0) return;
    rp_excl_fields *fields = rp_excl_fields_load(ctx->diags);
    if (!fields) return;

    conv cv = {0};
    cv.ctx = ctx;
    cv.fields = fields;
    rp_excl_detection det = {0};
    const char *table = detection_from_kql(&cv, rule, &det);
    if (!table) table = table_from_connectors(rule, fields);

    rp_excl_list *list = RP_NEW(ctx->arena, rp_excl_list);
    list->table = table;
    list->items = RP_NEW_ARRAY(ctx->arena, rp_excl_filter, rule->exclusion_count);
    list->count = rule->exclusion_count;
    int no_table_reported = 0;
    for (size_t i = 0; i < rule->exclusion_count; i++) {
        const rp_rule_exclusion *ex = &rule->exclusions[i];
        rp_excl_filter *f = &list->items[i];
        f->source = ex;
        const rp_ynode *node = rp_ynode_resolve(ex->filter.node);
        /* missing, blank or not a string: rule_check.c reports it (RP0131) */
        if (!ex->filter.text || !node || node->kind != RP_Y_SCALAR) continue;
        f->text = node->value;
        f->len = node->value_len;
        size_t k = 0;
        while (k < f->len && (f->text[k] == ' ' || f->text[k] == '\t' || f->text[k] == '\n' || f->text[k] == '\r')) k++;
        if (k == f->len) continue;
        size_t errors = 0;
        f->root = rp_excl_parse(ctx, f->text, f->len, node, 0, &errors);
        if (!f->root) continue;
        errors += rp_excl_fields_resolve(ctx, fields, table, f->root);
        int resolved = all_resolved(f->root);
        if (!table && !resolved && !no_table_reported) {
            no_table_reported = 1;
            rp_report(ctx, RP0607, f->root->span,
                      "cannot map the exclusion's ECS fields: the rule names no table (requiredDataConnectors "
                      "dataTypes) and its query has none");
        }
        f->ok = errors == 0 && resolved;
        rp_excl_lint(ctx, fields, f, det.known ? &det : NULL);
    }
    rule->excl = list;
    rp_excl_fields_free(fields);
}
