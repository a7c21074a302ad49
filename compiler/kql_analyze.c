/* kql_analyze.c: the KQL binder (see kql_analyze.h). One recursive walk: tabular expressions
 * yield rows, scalar expressions yield types; names resolve against the current row, then the
 * let scopes, then the schema. Problems are reported once at the name and never cascade: an
 * unknown table or function yields an open row, an unknown column the unknown type. */
#include "kql_analyze.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "rp_limits.h"
#include "suggest.h"

typedef struct az {
    rp_ctx *ctx;
    rp_kql_query *query;
    rp_kql_analysis *out;
    rp_kql_let *scope;           /* innermost first */
    const rp_kql_row *left;      /* join/lookup: rows $left and $right refer to */
    const rp_kql_row *right;
    int depth;
    size_t union_work;           /* columns merged by unions so far (RP_MAX_KQL_UNION_COLUMNS) */
    int union_capped;            /* RP0319 reported */
    /* Top-level lets (a query may hold tens of thousands): out->lets grows by doubling
     * (lets_cap), `top_names` indexes their names (cols[i].name = out->lets[i]->name) for the
     * duplicate check, and `top` maps each name to its latest top-level binding, so a lookup
     * walks only the nested scope (function parameters and body lets) above `top_head`. */
    size_t lets_cap;
    struct rowb *top_names;
    struct rowb *top;
    rp_kql_let **top_lets;       /* parallel to top->cols: the binding of each name */
    size_t top_lets_cap;
    rp_kql_let *top_head;        /* the latest top-level binding: the chain below is indexed */
    int nested;                  /* inside a function definition */
} az;

static const rp_kql_row open_row = {NULL, 0, 1, NULL};

/* ---- small helpers ---- */

static rp_kql_sema *sema(az *z, rp_kql_node *node)
{
    if (!node->sema) node->sema = RP_NEW(z->ctx->arena, rp_kql_sema);
    return node->sema;
}

static rp_type set_type(az *z, rp_kql_node *node, rp_type type)
{
    sema(z, node)->type = type;
    return type;
}

static const rp_kql_row *set_row(az *z, rp_kql_node *node, const rp_kql_row *row)
{
    sema(z, node)->row = row;
    return row;
}

static rp_span span_of(az *z, const rp_kql_node *node) { return rp_kql_node_span(z->query, node); }

static rp_diag *report(az *z, rp_diag_code code, const rp_kql_node *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rp_diag *report(az *z, rp_diag_code code, const rp_kql_node *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_diag *d = rp_diag_vreport(z->ctx->diags, code, span_of(z, node), z->ctx->rule_id, fmt, ap);
    va_end(ap);
    if (rp_diag_info_of(code)->severity == RP_SEV_ERROR) z->out->errors++;
    return d;
}

/* Charges `columns` to the query's union budget (RP_MAX_KQL_UNION_COLUMNS). Returns 0 when it is
 * spent: the caller yields an open row (nothing checked after it), reported once per query. */
static int union_budget(az *z, const rp_kql_node *at, size_t columns)
{
    if (z->union_work + columns <= RP_MAX_KQL_UNION_COLUMNS) {
        z->union_work += columns;
        return 1;
    }
    if (!z->union_capped)
        report(z, RP0319, at, "the unions of this query merge more than %u columns (each 'union *' merges the %s): "
               "from here on their columns are not checked; name the tables",
               (unsigned)RP_MAX_KQL_UNION_COLUMNS, "columns of every table");
    z->union_capped = 1;
    z->out->flags |= RP_KQL_A_OPEN;
    return 0;
}

static int is_stringish(rp_type t) { return t == RP_TYPE_STRING || t == RP_TYPE_DYNAMIC || t == RP_TYPE_UNKNOWN; }
static int is_numeric(rp_type t)
{
    return t == RP_TYPE_INT || t == RP_TYPE_LONG || t == RP_TYPE_REAL || t == RP_TYPE_DECIMAL;
}

/* Wildcard match for project-away/keep and union Device*: '*' matches any run. Iterative, with
 * backtracking only to the last '*' (the classic greedy matcher): O(len(pat) * len(s)) and no
 * recursion, so a pattern like *a*a*a*...*b or 100,000 stars costs neither time nor stack. */
static int wild_match(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*pat == '*') pat++;
    return *pat == '\0';
}

const rp_kql_column *rp_kql_row_find(const rp_kql_row *row, const char *name)
{
    if (!row || !name) return NULL;
    if (row->table) return rp_schema_column_find(row->table, name);
    for (size_t i = 0; i < row->count; i++)
        if (strcmp(row->cols[i].name, name) == 0) return &row->cols[i];
    return NULL;
}

/* ---- row building: a small growable column list in the arena ---- */

/* Rows of a `union *` hold every column of the schema (thousands): past RB_HASH_AT columns a row
 * under construction keeps an open-addressing index of its names (slot = column index + 1, the
 * lowest index of a name), so finding a column is O(1) and building a row linear. */
#define RB_HASH_AT 16

typedef struct rowb {
    rp_kql_column *cols;
    size_t count, cap;
    int open;
    uint32_t *slots; /* NULL until count reaches RB_HASH_AT */
    size_t nslots;   /* a power of two */
    size_t used;     /* occupied slots (stale ones included) */
} rowb;

static void rb_init(rowb *b, const rp_kql_row *from)
{
    memset(b, 0, sizeof *b);
    (void)from;
}

static size_t name_hash(const char *name)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *name; name++) h = (h ^ (unsigned char)*name) * 1099511628211u;
    return h;
}

/* Enters column i under its name, keeping the lowest index of a name (what a scan finds first). */
static void rb_hash_put(rowb *b, size_t i)
{
    size_t mask = b->nslots - 1;
    for (size_t h = name_hash(b->cols[i].name) & mask;; h = (h + 1) & mask) {
        uint32_t at = b->slots[h];
        if (!at) {
            b->slots[h] = (uint32_t)(i + 1);
            b->used++;
            return;
        }
        if (strcmp(b->cols[at - 1].name, b->cols[i].name) == 0) {
            if (i < at - 1) b->slots[h] = (uint32_t)(i + 1);
            return;
        }
    }
}

/* (Re)builds the index with room for twice the columns. */
static void rb_rehash(az *z, rowb *b)
{
    size_t n = 64;
    while (n < 4 * (b->count + 1)) n *= 2;
    b->slots = rp_arena_alloc(z->ctx->arena, n * sizeof *b->slots);
    memset(b->slots, 0, n * sizeof *b->slots);
    b->nslots = n;
    b->used = 0;
    for (size_t i = 0; i < b->count; i++) rb_hash_put(b, i);
}

static long rb_index(const rowb *b, const char *name)
{
    if (!name) return -1; /* a nameless item (after a syntax error) names no column */
    if (b->slots) {
        size_t mask = b->nslots - 1;
        for (size_t h = name_hash(name) & mask; b->slots[h]; h = (h + 1) & mask)
            if (strcmp(b->cols[b->slots[h] - 1].name, name) == 0) return (long)b->slots[h] - 1;
        return -1;
    }
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->cols[i].name, name) == 0) return (long)i;
    return -1;
}

static void rb_push(az *z, rowb *b, const char *name, rp_type type)
{
    if (!name) return; /* never a nameless column (tests/regress/kql-rename-without-name) */
    b->cols = rp_arena_grow(z->ctx->arena, b->cols, sizeof *b->cols, &b->cap, b->count + 1);
    b->cols[b->count].name = name;
    b->cols[b->count].type = type;
    b->count++;
    if (b->slots && 2 * (b->used + 1) <= b->nslots) rb_hash_put(b, b->count - 1);
    else if (b->count >= RB_HASH_AT) rb_rehash(z, b);
}

/* Renames column i (project-rename). The index is rebuilt: a later column of the old name (rows
 * can repeat a name) must become findable. Renames are few; rows are rebuilt once per operator. */
static void rb_rename(az *z, rowb *b, size_t i, const char *name)
{
    if (!name) return;
    b->cols[i].name = name;
    if (b->slots) rb_rehash(z, b);
}

/* `let` becomes the top-level binding of its name (the chain below it is the indexed part). */
static void top_bind(az *z, rp_kql_let *let)
{
    if (!z->top) {
        z->top = RP_NEW(z->ctx->arena, rowb);
        rb_init(z->top, NULL);
    }
    long i = rb_index(z->top, let->name);
    if (i < 0) {
        rb_push(z, z->top, let->name, RP_TYPE_UNKNOWN);
        z->top_lets = rp_arena_grow(z->ctx->arena, z->top_lets, sizeof *z->top_lets, &z->top_lets_cap, z->top->count);
        i = (long)z->top->count - 1;
    }
    z->top_lets[i] = let;
    z->top_head = let;
}

/* Adds or replaces (extend semantics). */
static void rb_set(az *z, rowb *b, const char *name, rp_type type)
{
    long i = rb_index(b, name);
    if (i >= 0) b->cols[i].type = type;
    else rb_push(z, b, name, type);
}

static void rb_copy(az *z, rowb *b, const rp_kql_row *row)
{
    if (!row) return;
    b->open |= row->open;
    for (size_t i = 0; i < row->count; i++) rb_push(z, b, row->cols[i].name, row->cols[i].type);
}

static const rp_kql_row *rb_done(az *z, rowb *b)
{
    rp_kql_row *row = RP_NEW(z->ctx->arena, rp_kql_row);
    row->cols = b->cols;
    row->count = b->count;
    row->open = b->open;
    return row;
}

/* A name not yet in b: base, base1, base2... (join's right-side duplicates). */
static const char *rb_unique(az *z, const rowb *b, const char *base)
{
    if (rb_index(b, base) < 0) return base;
    for (int n = 1;; n++) {
        char *name = rp_arena_printf(z->ctx->arena, "%s%d", base, n);
        if (rb_index(b, name) < 0) return name;
    }
}

static const rp_kql_row *table_row(az *z, const rp_schema_table *table)
{
    rp_kql_row *row = RP_NEW(z->ctx->arena, rp_kql_row);
    row->cols = table->columns;
    row->count = table->column_count;
    row->table = table;
    return row;
}

/* ---- scopes ---- */

static rp_kql_let *scope_find(az *z, const char *name)
{
    rp_kql_let *l = z->scope;
    for (; l && l != z->top_head; l = l->outer)
        if (strcmp(l->name, name) == 0) return l;
    if (!l) return NULL;
    long i = rb_index(z->top, name);
    return i >= 0 ? z->top_lets[i] : NULL;
}

static rp_kql_let *scope_push(az *z, const char *name, rp_kql_let_kind kind, const rp_kql_node *node)
{
    rp_kql_let *let = RP_NEW(z->ctx->arena, rp_kql_let);
    let->name = name;
    let->kind = kind;
    let->node = node;
    let->outer = z->scope;
    z->scope = let;
    if (!z->nested) top_bind(z, let); /* declare query_parameters(...) at the top level */
    return let;
}

/* ---- tables read ---- */

static void note_table(az *z, const char *name, const rp_schema_table *table,
                       const rp_schema_function *function, const rp_kql_node *node)
{
    rp_kql_analysis *a = z->out;
    for (size_t i = 0; i < a->table_count; i++)
        if (strcmp(a->tables[i].name, name) == 0) return;
    size_t cap = a->table_count; /* grow exactly: tables are few */
    rp_kql_table_ref *t = RP_NEW_ARRAY(z->ctx->arena, rp_kql_table_ref, cap + 1);
    if (a->table_count) memcpy(t, a->tables, a->table_count * sizeof *t);
    t[a->table_count].name = name;
    t[a->table_count].table = table;
    t[a->table_count].function = function;
    t[a->table_count].node = node;
    a->tables = t;
    a->table_count++;
}

/* ---- did-you-mean ---- */

/* Did-you-mean candidates among the lets in scope: the nearest 1,000 (a query with tens of
 * thousands of lets would otherwise cost that many edit distances per unknown name). */
#define SUGGEST_SCOPE_MAX 1000

static void suggest_scope(az *z, rp_suggest *s, int tabular)
{
    size_t seen = 0;
    for (rp_kql_let *l = z->scope; l && seen++ < SUGGEST_SCOPE_MAX; l = l->outer) {
        int is_tab = l->kind == RP_KQL_LET_TABULAR || (l->kind == RP_KQL_LET_PARAM && l->row);
        if (tabular == is_tab || (tabular < 0)) rp_suggest_consider(s, l->name);
    }
}

static const char *suggest_table(az *z, const char *name)
{
    rp_suggest s;
    rp_suggest_init(&s, name);
    suggest_scope(z, &s, 1);
    if (z->ctx->schema) {
        const rp_schema_table *ci = rp_schema_table_find_ci(z->ctx->schema, name);
        if (ci) return ci->name;
        size_t n = rp_schema_table_count(z->ctx->schema);
        for (size_t i = 0; i < n; i++) rp_suggest_consider(&s, rp_schema_table_at(z->ctx->schema, i)->name);
    }
    return rp_suggest_result(&s);
}

static const char *suggest_column(az *z, const rp_kql_row *row, const char *name)
{
    rp_suggest s;
    rp_suggest_init(&s, name);
    if (row) {
        /* A column whose name ends with the word (AccountUpn -> InitiatingProcessAccountUpn) is
         * the likelier meaning than an edit-distance neighbour: Defender renames columns that
         * way. Prefer the shortest such column. */
        size_t n = strlen(name);
        const char *best_suffix = NULL;
        for (size_t i = 0; i < row->count; i++) {
            const char *c = row->cols[i].name;
            size_t m = strlen(c);
            if (m > n && strcmp(c + m - n, name) == 0 && (!best_suffix || strlen(best_suffix) > m))
                best_suffix = c;
            rp_suggest_consider(&s, c);
        }
        const char *close = rp_suggest_result(&s);
        if (close && rp_edit_distance(close, name, 1, 0) == 0) return close; /* case only */
        if (best_suffix) return best_suffix;
        if (close) return close;
    }
    suggest_scope(z, &s, 0);
    return rp_suggest_result(&s);
}

/* ---- forward declarations ---- */

static rp_type expr(az *z, rp_kql_node *node, const rp_kql_row *row);
static const rp_kql_row *tabular(az *z, rp_kql_node *node, const rp_kql_row *input);
static void stmt_let(az *z, rp_kql_node *let, int top);

/* ---- column names of unnamed expressions (Kusto.Language's rules, checked with the oracle) ---- */

static const char *expr_name(az *z, const rp_kql_node *node)
{
    if (!node) return NULL;
    switch (node->kind) {
    case RP_KQL_NAME:
        return node->name;
    case RP_KQL_NAMED:
        return node->name;
    case RP_KQL_MEMBER: {
        const char *base = expr_name(z, node->a);
        if (!base || !node->name) return NULL;
        if (node->a->kind == RP_KQL_NAME && node->a->name[0] == '$') return node->name;
        return rp_arena_printf(z->ctx->arena, "%s_%s", base, node->name);
    }
    case RP_KQL_INDEX: {
        const char *base = expr_name(z, node->a);
        if (!base || !node->b) return NULL;
        if (node->b->kind == RP_KQL_STRING) return rp_arena_printf(z->ctx->arena, "%s_%s", base, node->b->text);
        return NULL;
    }
    case RP_KQL_CALL: {
        const rp_kql_builtin *b = node->name ? rp_kql_builtin_find(node->name) : NULL;
        if (b && b->naming == RP_KQL_NAME_ARG0 && node->items.count) return expr_name(z, node->items.items[0]);
        return NULL;
    }
    default:
        return NULL;
    }
}

/* Kusto.Language names a computed column after its expression (tostring(x) -> x, count() -> count_)
 * and, when the name is taken, makes it unique (x1, x2, ...) instead of reporting KS171: only a
 * plain column, an explicit name, or a conversion to the type its column already has (tostring
 * of a string, bound as the column itself) clashes. */
static int computed_name(const rp_kql_node *it)
{
    if (!it || it->kind == RP_KQL_NAME || it->kind == RP_KQL_NAMED) return 0;
    if (it->kind == RP_KQL_CALL && it->name && it->items.count == 1 && it->items.items[0] &&
        it->items.items[0]->kind == RP_KQL_NAME) {
        const rp_kql_builtin *b = rp_kql_builtin_find(it->name);
        const rp_kql_sema *as = rp_kql_sema_of(it->items.items[0]);
        if (b && b->result == RP_KQL_RES_FIXED && b->naming == RP_KQL_NAME_ARG0 && as && as->type == b->type) return 0;
    }
    return 1;
}

/* name1, name2, ...: the first not yet used in b. */
static const char *unique_name(az *z, rowb *b, const char *name)
{
    for (int i = 1;; i++) {
        char *n = rp_arena_printf(z->ctx->arena, "%s%d", name, i);
        if (rb_index(b, n) < 0) return n;
    }
}

/* ColumnN not yet used in b. */
static const char *column_n(az *z, rowb *b, int *counter)
{
    for (;;) {
        char *name = rp_arena_printf(z->ctx->arena, "Column%d", ++*counter);
        if (rb_index(b, name) < 0) return name;
    }
}

/* ---- names ---- */

static rp_type resolve_column(az *z, rp_kql_node *node, const rp_kql_row *row)
{
    rp_kql_sema *s = sema(z, node);
    const char *name = node->name;
    if (!name) return RP_TYPE_UNKNOWN;
    const rp_kql_column *col = rp_kql_row_find(row, name);
    if (col) {
        s->sym = RP_KQL_SYM_COLUMN;
        s->ref = col;
        s->row_of_ref = row;
        return s->type = col->type;
    }
    rp_kql_let *let = scope_find(z, name);
    if (let) {
        let->used = 1;
        s->sym = RP_KQL_SYM_LET;
        s->ref = let;
        if (let->kind == RP_KQL_LET_TABULAR || (let->kind == RP_KQL_LET_PARAM && let->row)) {
            s->row = let->row;
            return s->type = RP_TYPE_UNKNOWN;
        }
        return s->type = let->type;
    }
    if (row && row->open) {
        s->sym = RP_KQL_SYM_COLUMN;
        s->row_of_ref = row;
        return s->type = RP_TYPE_UNKNOWN;
    }
    if (strcmp(name, "$left") == 0 || strcmp(name, "$right") == 0) return s->type = RP_TYPE_UNKNOWN;
    /* A table name in scalar position (x in (T)) is legal. */
    if (z->ctx->schema && rp_schema_table_find(z->ctx->schema, name)) {
        s->sym = RP_KQL_SYM_TABLE;
        s->ref = rp_schema_table_find(z->ctx->schema, name);
        return s->type = RP_TYPE_UNKNOWN;
    }
    const char *dym = suggest_column(z, row, name);
    if (dym)
        report(z, RP0301, node, "unknown column '%s': did you mean '%s'?", name, dym);
    else if (row)
        report(z, RP0301, node, "unknown column '%s': the row at this point has no such column and no let declares it", name);
    else
        report(z, RP0301, node, "unknown name '%s': no let or parameter declares it", name);
    return s->type = RP_TYPE_UNKNOWN;
}

/* ---- scalar expressions ---- */

static int is_string_op(rp_kql_op op)
{
    return (op >= RP_KQL_OP_HAS && op <= RP_KQL_OP_NOT_LIKE_CS) || op == RP_KQL_OP_EQ_CI || op == RP_KQL_OP_NE_CI;
}

static rp_type arith(rp_kql_op op, rp_type l, rp_type r)
{
    if (l == RP_TYPE_UNKNOWN || r == RP_TYPE_UNKNOWN) return RP_TYPE_UNKNOWN;
    if (l == RP_TYPE_DYNAMIC || r == RP_TYPE_DYNAMIC) return RP_TYPE_DYNAMIC;
    if (l == RP_TYPE_DATETIME && r == RP_TYPE_DATETIME) return op == RP_KQL_OP_SUB ? RP_TYPE_TIMESPAN : RP_TYPE_UNKNOWN;
    if (l == RP_TYPE_DATETIME || r == RP_TYPE_DATETIME) return RP_TYPE_DATETIME;
    if (l == RP_TYPE_TIMESPAN && r == RP_TYPE_TIMESPAN) return op == RP_KQL_OP_DIV ? RP_TYPE_REAL : RP_TYPE_TIMESPAN;
    if (l == RP_TYPE_TIMESPAN || r == RP_TYPE_TIMESPAN) return RP_TYPE_TIMESPAN;
    if (is_numeric(l) && is_numeric(r)) return l > r ? l : r; /* INT < LONG < REAL < DECIMAL */
    return RP_TYPE_UNKNOWN;
}

static int arg_ok(char want, rp_type t)
{
    if (t == RP_TYPE_UNKNOWN || t == RP_TYPE_DYNAMIC) return 1;
    switch (want) {
    case 's': return t == RP_TYPE_STRING;
    case 't': return t == RP_TYPE_TIMESPAN;
    case 'd': return t == RP_TYPE_DATETIME;
    case 'b': return t == RP_TYPE_BOOL;
    case 'n': return is_numeric(t);
    default: return 1;
    }
}

static const char *want_name(char want)
{
    switch (want) {
    case 's': return "string";
    case 't': return "timespan";
    case 'd': return "datetime";
    case 'b': return "bool";
    case 'n': return "number";
    default: return "any";
    }
}

/* The arguments' types (first 8 kept) of a call; tabular arguments analysed as tables. */
static size_t call_args(az *z, rp_kql_node *call, const rp_kql_row *row, rp_type *types)
{
    size_t n = call->items.count;
    for (size_t i = 0; i < n; i++) {
        rp_kql_node *arg = call->items.items[i];
        rp_type t = RP_TYPE_UNKNOWN;
        if (!arg) continue;
        if (arg->kind == RP_KQL_PIPE || arg->kind == RP_KQL_DATATABLE) tabular(z, arg, NULL);
        else if (arg->kind == RP_KQL_STAR) set_type(z, arg, RP_TYPE_UNKNOWN);
        else t = expr(z, arg, row);
        if (i < 8) types[i] = t;
    }
    return n;
}

static void check_arity(az *z, rp_kql_node *call, const char *what, size_t n, size_t min, size_t max)
{
    if (n >= min && (max == RP_KQL_VARIADIC || n <= max)) return;
    if (min == max)
        report(z, RP0303, call, "%s '%s' takes %zu argument%s, not %zu", what, call->name, min, min == 1 ? "" : "s", n);
    else if (max == RP_KQL_VARIADIC || n < min)
        report(z, RP0303, call, "%s '%s' takes at least %zu argument%s, not %zu", what, call->name, min, min == 1 ? "" : "s", n);
    else
        report(z, RP0303, call, "%s '%s' takes %zu to %zu arguments, not %zu", what, call->name, min, max, n);
}

static void undeclared(az *z, rp_kql_node *call, size_t nargs, int tabular_use)
{
    z->out->flags |= RP_KQL_A_UNDECLARED | RP_KQL_A_OPEN;
    rp_diag *d = report(z, RP0302, call, "'%s' is not a built-in function, an ASIM parser or a declared function: %s",
                        call->name, tabular_use ? "its columns are unknown, so nothing after it is checked"
                                                : "its result type is unknown");
    if (d) {
        rp_diag_set_hint(d,
                         "if it is a workspace function, declare it in a --schema directory: a file "
                         "functions/%s.json with {\"name\": \"%s\", \"parameters\": [%s], \"columns\": "
                         "[{\"name\": \"...\", \"type\": \"string\"}]}",
                         call->name, call->name, nargs ? "{\"name\": \"...\", \"type\": \"string\"}" : "");
    }
}

/* A call in scalar position. */
static rp_type call_expr(az *z, rp_kql_node *call, const rp_kql_row *row)
{
    rp_kql_sema *s = sema(z, call);
    rp_type types[8] = {0};
    if (call->a) expr(z, call->a, row);
    const char *name = call->name ? call->name : "";
    /* toscalar / materialize take a tabular argument. */
    if (strcmp(name, "toscalar") == 0 && call->items.count == 1) {
        const rp_kql_row *r = tabular(z, call->items.items[0], NULL);
        s->sym = RP_KQL_SYM_BUILTIN;
        s->ref = rp_kql_builtin_find(name);
        return s->type = (r && r->count == 1 && !r->open) ? r->cols[0].type : RP_TYPE_UNKNOWN;
    }
    rp_kql_let *let = scope_find(z, name);
    if (let && let->kind == RP_KQL_LET_FUNCTION) {
        size_t n = call_args(z, call, row, types);
        let->used = 1;
        s->sym = RP_KQL_SYM_LET;
        s->ref = let;
        check_arity(z, call, "function", n, let->min_args, let->max_args);
        if (let->row) s->row = let->row;
        return s->type = let->type;
    }
    const rp_kql_builtin *b = rp_kql_builtin_find(name);
    if (b) {
        size_t n = call_args(z, call, row, types);
        s->sym = RP_KQL_SYM_BUILTIN;
        s->ref = b;
        check_arity(z, call, b->kind == RP_KQL_FN_AGGREGATE ? "aggregate" : "function", n, b->min_args, b->max_args);
        for (size_t i = 0; b->args && b->args[i] && i < n && i < 8; i++) {
            if (!arg_ok(b->args[i], types[i]))
                report(z, RP0305, call->items.items[i], "argument %zu of '%s' must be %s, not %s", i + 1, name,
                       want_name(b->args[i]), rp_type_name(types[i]));
        }
        switch (b->result) {
        case RP_KQL_RES_ARG0: return s->type = n > 0 ? types[0] : RP_TYPE_UNKNOWN;
        case RP_KQL_RES_ARG1: return s->type = n > 1 ? types[1] : RP_TYPE_UNKNOWN;
        case RP_KQL_RES_SUM: return s->type = (n > 0 && types[0] == RP_TYPE_INT) ? RP_TYPE_LONG : (n > 0 ? types[0] : RP_TYPE_UNKNOWN);
        default: return s->type = b->type;
        }
    }
    const rp_schema_function *f = z->ctx->schema ? rp_schema_function_find(z->ctx->schema, name) : NULL;
    if (f) {
        size_t n = call_args(z, call, row, types);
        size_t min = 0;
        for (size_t i = 0; i < f->param_count; i++) min += !f->params[i].has_default;
        check_arity(z, call, "function", n, min, f->param_count);
        s->sym = RP_KQL_SYM_FUNCTION;
        s->ref = f;
        if (f->output) s->row = table_row(z, f->output);
        return s->type = RP_TYPE_UNKNOWN;
    }
    size_t n = call_args(z, call, row, types);
    if (strcmp(name, "_GetWatchlist") == 0) {
        s->sym = RP_KQL_SYM_WATCHLIST;
        s->row = &open_row;
        return s->type = RP_TYPE_UNKNOWN;
    }
    s->sym = RP_KQL_SYM_UNDECLARED;
    undeclared(z, call, n, 0);
    return s->type = RP_TYPE_UNKNOWN;
}

static int needle_op(rp_kql_op op) { return op >= RP_KQL_OP_HAS && op <= RP_KQL_OP_NOT_ENDSWITH_CS; }

static rp_type binary(az *z, rp_kql_node *node, const rp_kql_row *row)
{
    rp_type l = node->a ? expr(z, node->a, row) : RP_TYPE_UNKNOWN;
    rp_type r = node->b ? expr(z, node->b, row) : RP_TYPE_UNKNOWN;
    rp_kql_op op = node->op;
    switch (op) {
    case RP_KQL_OP_AND:
    case RP_KQL_OP_OR:
        return set_type(z, node, RP_TYPE_BOOL);
    case RP_KQL_OP_ADD:
    case RP_KQL_OP_SUB:
    case RP_KQL_OP_MUL:
    case RP_KQL_OP_DIV:
    case RP_KQL_OP_MOD:
        return set_type(z, node, arith(op, l, r));
    case RP_KQL_OP_EQ:
    case RP_KQL_OP_NE:
    case RP_KQL_OP_LT:
    case RP_KQL_OP_LE:
    case RP_KQL_OP_GT:
    case RP_KQL_OP_GE:
    case RP_KQL_OP_COLON:
        return set_type(z, node, RP_TYPE_BOOL);
    default:
        break;
    }
    if (is_string_op(op) || op == RP_KQL_OP_MATCHES_REGEX) {
        /* Kusto.Language: string operators take (string, string); dynamic passes. */
        if (!is_stringish(l) || !is_stringish(r))
            report(z, RP0304, node, "the operator '%s' is not defined for %s and %s: it needs strings%s",
                   rp_kql_op_name(op), rp_type_name(l), rp_type_name(r),
                   !is_stringish(l) ? " (convert with tostring() if a text match is meant)" : "");
        else if (needle_op(op) && l == RP_TYPE_DYNAMIC)
            report(z, RP0318, node, "'%s' on a dynamic value matches its text form, which is not documented: "
                   "use tostring() or a member (x.key) to say what is matched", rp_kql_op_name(op));
    }
    return set_type(z, node, RP_TYPE_BOOL);
}

static rp_type in_expr(az *z, rp_kql_node *node, const rp_kql_row *row)
{
    rp_type l = node->a ? expr(z, node->a, row) : RP_TYPE_UNKNOWN;
    for (size_t i = 0; i < node->items.count; i++) {
        rp_kql_node *item = node->items.items[i];
        if (!item) continue;
        if (item->kind == RP_KQL_PIPE || item->kind == RP_KQL_DATATABLE) {
            tabular(z, item, NULL);
            continue;
        }
        rp_type t = expr(z, item, row);
        if ((node->op == RP_KQL_OP_HAS_ANY || node->op == RP_KQL_OP_HAS_ALL || node->op == RP_KQL_OP_IN_CI ||
             node->op == RP_KQL_OP_NOT_IN_CI) && !is_stringish(t))
            report(z, RP0305, item, "'%s' takes strings: this element is %s", rp_kql_op_name(node->op), rp_type_name(t));
    }
    if ((node->op == RP_KQL_OP_HAS_ANY || node->op == RP_KQL_OP_HAS_ALL || node->op == RP_KQL_OP_IN_CI ||
         node->op == RP_KQL_OP_NOT_IN_CI) && !is_stringish(l))
        report(z, RP0305, node->a, "'%s' needs a string or dynamic value on its left, not %s", rp_kql_op_name(node->op),
               rp_type_name(l));
    return set_type(z, node, RP_TYPE_BOOL);
}

static rp_type between(az *z, rp_kql_node *node, const rp_kql_row *row)
{
    rp_type l = node->a ? expr(z, node->a, row) : RP_TYPE_UNKNOWN;
    rp_type lo = node->b ? expr(z, node->b, row) : RP_TYPE_UNKNOWN;
    rp_type hi = node->c ? expr(z, node->c, row) : RP_TYPE_UNKNOWN;
    if (l != RP_TYPE_UNKNOWN && l != RP_TYPE_DYNAMIC && !is_numeric(l) && l != RP_TYPE_DATETIME && l != RP_TYPE_TIMESPAN)
        report(z, RP0304, node, "'%s' is defined for numbers, datetimes and timespans, not %s", rp_kql_op_name(node->op),
               rp_type_name(l));
    else if (l == RP_TYPE_DATETIME) {
        if (node->b && !arg_ok('d', lo))
            report(z, RP0305, node->b, "the lower bound must be a datetime, not %s", rp_type_name(lo));
        if (node->c && hi != RP_TYPE_TIMESPAN && !arg_ok('d', hi))
            report(z, RP0305, node->c, "the upper bound must be a datetime or a timespan, not %s", rp_type_name(hi));
    }
    return set_type(z, node, RP_TYPE_BOOL);
}

static rp_type typed_literal(const char *name)
{
    if (!name) return RP_TYPE_UNKNOWN;
    if (strcmp(name, "date") == 0) return RP_TYPE_DATETIME;
    if (strcmp(name, "time") == 0) return RP_TYPE_TIMESPAN;
    return rp_type_from_name(name);
}

static rp_type expr(az *z, rp_kql_node *node, const rp_kql_row *row)
{
    if (!node) return RP_TYPE_UNKNOWN;
    /* the parser bounds the tree (RP_MAX_KQL_HEIGHT): this only guards hand-built trees */
    if (++z->depth > RP_MAX_KQL_HEIGHT + 64) {
        z->depth--;
        return RP_TYPE_UNKNOWN;
    }
    rp_type t = RP_TYPE_UNKNOWN;
    switch (node->kind) {
    case RP_KQL_NAME: t = resolve_column(z, node, row); break;
    case RP_KQL_STRING: t = set_type(z, node, RP_TYPE_STRING); break;
    case RP_KQL_LONG: t = set_type(z, node, RP_TYPE_LONG); break;
    case RP_KQL_REAL: t = set_type(z, node, RP_TYPE_REAL); break;
    case RP_KQL_BOOL: t = set_type(z, node, RP_TYPE_BOOL); break;
    case RP_KQL_TIMESPAN: t = set_type(z, node, RP_TYPE_TIMESPAN); break;
    case RP_KQL_TYPED: t = set_type(z, node, typed_literal(node->name)); break;
    case RP_KQL_DYNAMIC:
    case RP_KQL_JSON_ARRAY:
    case RP_KQL_JSON_OBJECT:
    case RP_KQL_NULL: t = set_type(z, node, RP_TYPE_DYNAMIC); break;
    case RP_KQL_BINARY: t = binary(z, node, row); break;
    case RP_KQL_UNARY: t = set_type(z, node, expr(z, node->a, row)); break;
    case RP_KQL_IN: t = in_expr(z, node, row); break;
    case RP_KQL_BETWEEN: t = between(z, node, row); break;
    case RP_KQL_RANGE:
        expr(z, node->a, row);
        t = set_type(z, node, expr(z, node->b, row));
        break;
    case RP_KQL_CALL: t = call_expr(z, node, row); break;
    case RP_KQL_MEMBER:
        if (node->a && node->a->kind == RP_KQL_NAME && node->a->name &&
            (strcmp(node->a->name, "$left") == 0 || strcmp(node->a->name, "$right") == 0)) {
            const rp_kql_row *side = node->a->name[1] == 'l' ? z->left : z->right;
            rp_kql_node tmp = *node;
            tmp.kind = RP_KQL_NAME;
            tmp.sema = NULL;
            t = resolve_column(z, &tmp, side ? side : &open_row);
            node->sema = tmp.sema;
        } else {
            rp_type ot = expr(z, node->a, row);
            /* only a dynamic has members: Kusto.Language reads s.x on a string (or any other
             * scalar) as an unknown name x, so Sentinel's CI fails such a query */
            if (ot != RP_TYPE_UNKNOWN && ot != RP_TYPE_DYNAMIC && node->name) {
                const char *base = expr_name(z, node->a);
                rp_diag *d = report(z, RP0301, node, "unknown column '%s': %s%s%s is a %s, and only a dynamic value has members",
                                    node->name, base ? "'" : "", base ? base : "the value", base ? "'" : "", rp_type_name(ot));
                if (d && ot == RP_TYPE_STRING && base)
                    rp_diag_set_hint(d, "to read it as JSON: parse_json(%s).%s", base, node->name);
                t = set_type(z, node, RP_TYPE_UNKNOWN);
                break;
            }
            t = set_type(z, node, ot == RP_TYPE_UNKNOWN ? RP_TYPE_UNKNOWN : RP_TYPE_DYNAMIC);
        }
        break;
    case RP_KQL_INDEX: {
        rp_type ot = expr(z, node->a, row);
        expr(z, node->b, row);
        t = set_type(z, node, ot == RP_TYPE_UNKNOWN ? RP_TYPE_UNKNOWN : (ot == RP_TYPE_STRING ? RP_TYPE_STRING : RP_TYPE_DYNAMIC));
        break;
    }
    case RP_KQL_NAMED:
        t = set_type(z, node, expr(z, node->a, row));
        break;
    case RP_KQL_STAR:
    case RP_KQL_TYPEOF:
    case RP_KQL_ERROR:
        t = set_type(z, node, RP_TYPE_UNKNOWN);
        break;
    case RP_KQL_SORTKEY:
        t = set_type(z, node, expr(z, node->a, row));
        break;
    case RP_KQL_PIPE:
    case RP_KQL_DATATABLE:
        tabular(z, node, NULL);
        t = set_type(z, node, RP_TYPE_UNKNOWN);
        break;
    default:
        t = set_type(z, node, RP_TYPE_UNKNOWN);
        break;
    }
    z->depth--;
    return t;
}

/* ---- tabular sources ---- */

static const rp_kql_row *coldecl_row(az *z, const rp_kql_list *decls, int open_on_star)
{
    rowb b;
    rb_init(&b, NULL);
    for (size_t i = 0; i < decls->count; i++) {
        const rp_kql_node *d = decls->items[i];
        if (!d) continue;
        if (d->kind == RP_KQL_STAR) {
            b.open |= open_on_star;
            continue;
        }
        if (d->kind != RP_KQL_COLDECL || !d->name) continue;
        rb_set(z, &b, d->name, d->text ? typed_literal(d->text) : RP_TYPE_STRING);
    }
    return rb_done(z, &b);
}

/* A NAME where a table is expected. */
static const rp_kql_row *table_name(az *z, rp_kql_node *node, int fuzzy)
{
    rp_kql_sema *s = sema(z, node);
    const char *name = node->name ? node->name : "";
    rp_kql_let *let = scope_find(z, name);
    if (let) {
        let->used = 1;
        s->sym = RP_KQL_SYM_LET;
        s->ref = let;
        if (let->kind == RP_KQL_LET_TABULAR || (let->kind == RP_KQL_LET_PARAM && let->row)) return set_row(z, node, let->row);
        if (let->kind == RP_KQL_LET_FUNCTION && let->max_args == 0) return set_row(z, node, let->row ? let->row : &open_row);
        report(z, RP0307, node, "'%s' is a scalar let, not a table", name);
        return set_row(z, node, &open_row);
    }
    if (node->flags & RP_KQL_F_WILDCARD) {
        rowb b;
        rb_init(&b, NULL);
        size_t matched = 0;
        if (z->ctx->schema) {
            size_t n = rp_schema_table_count(z->ctx->schema);
            for (size_t i = 0; i < n; i++) {
                const rp_schema_table *t = rp_schema_table_at(z->ctx->schema, i);
                if (!wild_match(name, t->name)) continue;
                matched++;
                note_table(z, t->name, t, NULL, node);
                if (!union_budget(z, node, t->column_count)) b.open = 1;
                if (b.open) continue;
                for (size_t c = 0; c < t->column_count; c++)
                    if (rb_index(&b, t->columns[c].name) < 0) rb_push(z, &b, t->columns[c].name, t->columns[c].type);
            }
        }
        z->out->flags |= RP_KQL_A_UNION_STAR;
        if (!matched) {
            z->out->flags |= RP_KQL_A_OPEN;
            return set_row(z, node, &open_row);
        }
        return set_row(z, node, rb_done(z, &b));
    }
    const rp_schema_table *t = z->ctx->schema ? rp_schema_table_find(z->ctx->schema, name) : NULL;
    if (t) {
        s->sym = RP_KQL_SYM_TABLE;
        s->ref = t;
        note_table(z, t->name, t, NULL, node);
        return set_row(z, node, table_row(z, t));
    }
    const rp_schema_function *f = z->ctx->schema ? rp_schema_function_find(z->ctx->schema, name) : NULL;
    if (f) { /* an ASIM parser used without parentheses */
        s->sym = RP_KQL_SYM_FUNCTION;
        s->ref = f;
        note_table(z, f->name, NULL, f, node);
        return set_row(z, node, f->output ? table_row(z, f->output) : &open_row);
    }
    note_table(z, name, NULL, NULL, node);
    z->out->flags |= RP_KQL_A_OPEN;
    if (!fuzzy && z->ctx->schema) {
        const char *dym = suggest_table(z, name);
        if (dym)
            report(z, RP0300, node, "unknown table '%s': did you mean '%s'?", name, dym);
        else
            report(z, RP0300, node, "unknown table '%s': not a table of the schema, nor a tabular let or declared function "
                   "(declare custom tables with --schema)", name);
    }
    return set_row(z, node, &open_row);
}

/* A CALL where a table is expected. */
static const rp_kql_row *table_call(az *z, rp_kql_node *call, const rp_kql_row *input)
{
    rp_kql_sema *s = sema(z, call);
    const char *name = call->name ? call->name : "";
    rp_type types[8];
    if ((strcmp(name, "materialize") == 0 || strcmp(name, "view") == 0) && call->items.count == 1)
        return set_row(z, call, tabular(z, call->items.items[0], input));
    if (strcmp(name, "table") == 0 && call->items.count >= 1 && call->items.items[0] &&
        call->items.items[0]->kind == RP_KQL_STRING) {
        rp_kql_node tmp = *call->items.items[0];
        tmp.kind = RP_KQL_NAME;
        tmp.name = tmp.text;
        tmp.sema = NULL;
        const rp_kql_row *r = table_name(z, &tmp, 0);
        return set_row(z, call, r);
    }
    if (strcmp(name, "table") == 0 && call->items.count >= 1) {
        /* table(name) with a name known only at run time (a function parameter): the built-in
         * is fine, its columns are unknown */
        call_args(z, call, input, types);
        z->out->flags |= RP_KQL_A_OPEN | RP_KQL_A_TABLE_VAR;
        return set_row(z, call, &open_row);
    }
    rp_kql_let *let = scope_find(z, name);
    if (let && let->kind == RP_KQL_LET_FUNCTION) {
        size_t n = call_args(z, call, input, types);
        let->used = 1;
        s->sym = RP_KQL_SYM_LET;
        s->ref = let;
        check_arity(z, call, "function", n, let->min_args, let->max_args);
        if (!let->row) {
            report(z, RP0307, call, "function '%s' returns a scalar, not a table", name);
            return set_row(z, call, &open_row);
        }
        return set_row(z, call, let->row);
    }
    const rp_schema_function *f = z->ctx->schema ? rp_schema_function_find(z->ctx->schema, name) : NULL;
    if (f) {
        size_t n = call_args(z, call, input, types);
        size_t min = 0;
        for (size_t i = 0; i < f->param_count; i++) min += !f->params[i].has_default;
        check_arity(z, call, "function", n, min, f->param_count);
        s->sym = RP_KQL_SYM_FUNCTION;
        s->ref = f;
        note_table(z, f->name, NULL, f, call);
        if (!f->output) z->out->flags |= RP_KQL_A_OPEN;
        return set_row(z, call, f->output ? table_row(z, f->output) : &open_row);
    }
    size_t n = call_args(z, call, input, types);
    if (strcmp(name, "_GetWatchlist") == 0) {
        s->sym = RP_KQL_SYM_WATCHLIST;
        z->out->flags |= RP_KQL_A_OPEN;
        return set_row(z, call, &open_row);
    }
    const rp_kql_builtin *b = rp_kql_builtin_find(name);
    if (b) {
        s->sym = RP_KQL_SYM_BUILTIN;
        s->ref = b;
        if (b->kind != RP_KQL_FN_TABULAR) report(z, RP0307, call, "'%s' returns a scalar, not a table", name);
        z->out->flags |= RP_KQL_A_OPEN;
        return set_row(z, call, &open_row);
    }
    s->sym = RP_KQL_SYM_UNDECLARED;
    undeclared(z, call, n, 1);
    return set_row(z, call, &open_row);
}

/* ---- tabular operators ---- */

/* Adds the columns of an extend/project-like list. replace: extend semantics (a name may be
 * redefined); else a name produced twice is an error. */
static void add_items(az *z, rowb *b, rp_kql_list *items, const rp_kql_row *row, int replace, const char *opname)
{
    int counter = 0;
    /* names this operator gave computed items: a plain column arriving later under such a name is
     * the one renamed (by tostring(EventID), EventID -> EventID, EventID1; checked with the
     * oracle), where two explicit names clash (KS171) */
    const char **implicit = rp_arena_alloc(z->ctx->arena, (items->count + 1) * sizeof *implicit);
    size_t nimplicit = 0;
    for (size_t i = 0; i < items->count; i++) {
        rp_kql_node *it = items->items[i];
        if (!it) continue;
        if (it->kind == RP_KQL_NAMED && !it->name) { /* (a, b) = f() */
            expr(z, it->a, row);
            for (size_t k = 0; k < it->items.count; k++)
                if (it->items.items[k] && it->items.items[k]->name) rb_set(z, b, it->items.items[k]->name, RP_TYPE_UNKNOWN);
            continue;
        }
        rp_type t = expr(z, it, row);
        const char *name = expr_name(z, it);
        if (!name) name = column_n(z, b, &counter);
        int computed = computed_name(it);
        if (!replace && rb_index(b, name) >= 0) {
            int taken_implicitly = 0;
            for (size_t k = 0; k < nimplicit; k++) taken_implicitly |= strcmp(implicit[k], name) == 0;
            if (computed || taken_implicitly)
                name = unique_name(z, b, name);
            else
                report(z, RP0306, it, "%s produces the column '%s' twice", opname, name);
        }
        if (computed && !replace) implicit[nimplicit++] = name;
        rb_set(z, b, name, t);
    }
}

static const rp_kql_row *op_extend(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    rb_copy(z, &b, row);
    add_items(z, &b, &op->items, row, 1, "extend");
    return rb_done(z, &b);
}

static const rp_kql_row *op_project(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    b.open = row->open; /* an unknown source stays unknown: no errors cascade from it */
    add_items(z, &b, &op->items, row, 0, "project");
    return rb_done(z, &b);
}

/* A NAME in project-away/keep/reorder/rename: must exist unless it is a wildcard. */
static int check_listed(az *z, rp_kql_node *n, const rp_kql_row *row)
{
    if (!n || n->kind != RP_KQL_NAME || !n->name) {
        if (n) expr(z, n, row);
        return 0;
    }
    if (n->flags & RP_KQL_F_WILDCARD) return 1;
    resolve_column(z, n, row);
    return 0;
}

static const rp_kql_row *op_project_filter(az *z, rp_kql_node *op, const rp_kql_row *row, int keep)
{
    for (size_t i = 0; i < op->items.count; i++) check_listed(z, op->items.items[i], row);
    rowb b;
    rb_init(&b, row);
    b.open = row->open;
    for (size_t c = 0; c < row->count; c++) {
        int listed = 0;
        for (size_t i = 0; i < op->items.count; i++) {
            const rp_kql_node *n = op->items.items[i];
            if (n && n->kind == RP_KQL_NAME && n->name && wild_match(n->name, row->cols[c].name)) listed = 1;
        }
        if (listed == keep) rb_push(z, &b, row->cols[c].name, row->cols[c].type);
    }
    return rb_done(z, &b);
}

static const rp_kql_row *op_rename(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    rb_copy(z, &b, row);
    for (size_t i = 0; i < op->items.count; i++) {
        rp_kql_node *it = op->items.items[i];
        if (!it || it->kind != RP_KQL_NAMED || !it->a) continue;
        rp_type t = expr(z, it->a, row);
        if (it->a->kind == RP_KQL_NAME && it->a->name) {
            long k = rb_index(&b, it->a->name);
            if (k >= 0) {
                rb_rename(z, &b, (size_t)k, it->name);
                continue;
            }
        }
        rb_set(z, &b, it->name, t);
    }
    return rb_done(z, &b);
}

static const rp_kql_row *op_reorder(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    b.open = row->open;
    for (size_t i = 0; i < op->items.count; i++) {
        rp_kql_node *k = op->items.items[i];
        rp_kql_node *n = k && k->kind == RP_KQL_SORTKEY ? k->a : k;
        check_listed(z, n, row);
        if (!n || n->kind != RP_KQL_NAME || !n->name) continue;
        for (size_t c = 0; c < row->count; c++)
            if (wild_match(n->name, row->cols[c].name) && rb_index(&b, row->cols[c].name) < 0)
                rb_push(z, &b, row->cols[c].name, row->cols[c].type);
    }
    for (size_t c = 0; c < row->count; c++)
        if (rb_index(&b, row->cols[c].name) < 0) rb_push(z, &b, row->cols[c].name, row->cols[c].type);
    return rb_done(z, &b);
}

/* One aggregate of summarize / make-series: its output columns. */
static void aggregate(az *z, rowb *b, rp_kql_node *it, const rp_kql_row *row, int *counter, int series)
{
    rp_kql_node *call = it->kind == RP_KQL_NAMED ? it->a : it;
    if (it->kind == RP_KQL_NAMED && !it->name) { /* (a, b) = arg_max(...) */
        expr(z, it->a, row);
        for (size_t k = 0; k < it->items.count; k++)
            if (it->items.items[k] && it->items.items[k]->name) rb_set(z, b, it->items.items[k]->name, RP_TYPE_UNKNOWN);
        return;
    }
    rp_type t = expr(z, it, row);
    if (series) t = RP_TYPE_DYNAMIC;
    const rp_kql_builtin *bi = call && call->kind == RP_KQL_CALL && call->name ? rp_kql_builtin_find(call->name) : NULL;
    if (it->kind == RP_KQL_NAMED && !(bi && bi->naming == RP_KQL_NAME_ARGMAX)) {
        if (rb_index(b, it->name) >= 0) report(z, RP0306, it, "summarize produces the column '%s' twice", it->name);
        rb_set(z, b, it->name, t);
        return;
    }
    if (bi && bi->naming == RP_KQL_NAME_ARGMAX) {
        /* arg_max(x, *): x and every column; arg_max(x, a, b): x, a, b. */
        for (size_t i = 0; i < call->items.count; i++) {
            rp_kql_node *arg = call->items.items[i];
            if (!arg) continue;
            if (arg->kind == RP_KQL_STAR) {
                b->open |= row->open;
                for (size_t c = 0; c < row->count; c++)
                    if (rb_index(b, row->cols[c].name) < 0) rb_push(z, b, row->cols[c].name, row->cols[c].type);
                continue;
            }
            /* T = arg_max(x, ...) names the first column T. */
            const char *name = (i == 0 && it->kind == RP_KQL_NAMED) ? it->name : expr_name(z, arg);
            if (!name) name = column_n(z, b, counter);
            const rp_kql_sema *as = rp_kql_sema_of(arg);
            rb_set(z, b, name, as ? as->type : RP_TYPE_UNKNOWN);
        }
        return;
    }
    if (bi && bi->naming == RP_KQL_NAME_PERCENTILES && call->items.count >= 2) {
        const char *base = expr_name(z, call->items.items[0]);
        for (size_t i = 1; i < call->items.count; i++) {
            const rp_kql_node *p = call->items.items[i];
            char *name;
            if (p && p->kind == RP_KQL_LONG)
                name = rp_arena_printf(z->ctx->arena, "%s_%s_%lld", bi->prefix, base ? base : "", (long long)p->ival);
            else if (p && p->kind == RP_KQL_REAL) {
                name = rp_arena_printf(z->ctx->arena, "%s_%s_%g", bi->prefix, base ? base : "", p->rval);
                for (char *c = name; *c; c++)
                    if (*c == '.') *c = '_';
            } else
                name = (char *)column_n(z, b, counter);
            rb_set(z, b, name, t);
        }
        return;
    }
    const char *name = NULL;
    if (bi && bi->naming == RP_KQL_NAME_PREFIX) name = rp_arena_printf(z->ctx->arena, "%s_", bi->prefix);
    else if (bi && bi->naming == RP_KQL_NAME_PREFIX_ARG0) {
        const char *base = call->items.count ? expr_name(z, call->items.items[0]) : NULL;
        name = rp_arena_printf(z->ctx->arena, "%s_%s", bi->prefix, base ? base : "");
    } else
        name = expr_name(z, it);
    if (!name) name = column_n(z, b, counter);
    if (rb_index(b, name) >= 0) name = unique_name(z, b, name); /* count(), count(): count_, count_1 */
    rb_set(z, b, name, t);
}

static const rp_kql_row *op_summarize(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    b.open = row->open;
    int counter = 0;
    add_items(z, &b, &op->aux, row, 0, "summarize by");
    for (size_t i = 0; i < op->items.count; i++)
        if (op->items.items[i]) aggregate(z, &b, op->items.items[i], row, &counter, 0);
    return rb_done(z, &b);
}

static const rp_kql_row *op_make_series(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    int counter = 0;
    for (size_t i = 0; i < op->options.count; i++)
        if (op->options.items[i] && op->options.items[i]->a) expr(z, op->options.items[i]->a, row);
    if (op->b) expr(z, op->b, row);
    if (op->c) expr(z, op->c, row);
    add_items(z, &b, &op->aux, row, 0, "make-series by");
    for (size_t i = 0; i < op->items.count; i++)
        if (op->items.items[i]) aggregate(z, &b, op->items.items[i], row, &counter, 1);
    if (op->a) {
        expr(z, op->a, row);
        const char *axis = expr_name(z, op->a);
        if (axis) rb_set(z, &b, axis, RP_TYPE_DYNAMIC);
    }
    return rb_done(z, &b);
}

static const char *option_word(const rp_kql_node *op, const char *name)
{
    for (size_t i = 0; i < op->options.count; i++) {
        const rp_kql_node *o = op->options.items[i];
        if (o && o->name && strcmp(o->name, name) == 0 && o->a) {
            if (o->a->kind == RP_KQL_NAME) return o->a->name;
            if (o->a->kind == RP_KQL_STRING) return o->a->text;
            if (o->a->kind == RP_KQL_BOOL) return o->a->ival ? "true" : "false";
        }
    }
    return NULL;
}

/* An on-condition of join/lookup. */
static void join_condition(az *z, rp_kql_node *c, const rp_kql_row *left, const rp_kql_row *right)
{
    if (!c) return;
    if (c->kind == RP_KQL_NAME) { /* on X: X in both */
        resolve_column(z, c, left);
        rp_kql_node tmp = *c;
        tmp.sema = NULL;
        resolve_column(z, &tmp, right);
        return;
    }
    if (c->kind == RP_KQL_BINARY && c->op == RP_KQL_OP_AND) {
        join_condition(z, c->a, left, right);
        join_condition(z, c->b, left, right);
        set_type(z, c, RP_TYPE_BOOL);
        return;
    }
    const rp_kql_row *sl = z->left, *sr = z->right;
    z->left = left;
    z->right = right;
    expr(z, c, left);
    z->left = sl;
    z->right = sr;
}

static int is_key(const rp_kql_list *on, const char *name)
{
    for (size_t i = 0; i < on->count; i++) {
        const rp_kql_node *c = on->items[i];
        if (c && c->kind == RP_KQL_NAME && c->name && strcmp(c->name, name) == 0) return 1;
    }
    return 0;
}

static const rp_kql_row *op_join(az *z, rp_kql_node *op, const rp_kql_row *row, int lookup)
{
    const rp_kql_row *right = op->a ? tabular(z, op->a, NULL) : &open_row;
    for (size_t i = 0; i < op->items.count; i++) join_condition(z, op->items.items[i], row, right);
    const char *kind = option_word(op, "kind");
    if (!lookup && kind) {
        if (strcmp(kind, "leftsemi") == 0 || strcmp(kind, "leftanti") == 0 || strcmp(kind, "leftantisemi") == 0 ||
            strcmp(kind, "anti") == 0)
            return row;
        if (strcmp(kind, "rightsemi") == 0 || strcmp(kind, "rightanti") == 0 || strcmp(kind, "rightantisemi") == 0)
            return right;
    }
    rowb b;
    rb_init(&b, row);
    rb_copy(z, &b, row);
    b.open |= right->open;
    for (size_t c = 0; c < right->count; c++) {
        const char *name = right->cols[c].name;
        if (lookup && is_key(&op->items, name)) continue;
        rb_push(z, &b, rb_unique(z, &b, name), right->cols[c].type);
    }
    return rb_done(z, &b);
}

/* A column of union's output: one per name, except that a name seen with two known types
 * becomes one column per type, named Name_type (Kusto's rule: SigninLogs.LocationDetails is
 * dynamic, AADNonInteractiveUserSignInLogs' a string, and their union has LocationDetails_dynamic
 * and LocationDetails_string). An unknown type could be either, so it renames nothing. */
/* Linear in the columns: `seen` holds each name once with its first known type, `mixed` marks
 * the names seen with two known types (those split). */
static void union_merge(az *z, rowb *b, const rp_kql_row **rows, size_t nrows)
{
    rowb seen;
    rb_init(&seen, NULL);
    unsigned char *mixed = NULL;
    size_t mixed_cap = 0;
    for (size_t i = 0; i < nrows; i++)
        for (size_t c = 0; c < rows[i]->count; c++) {
            const rp_kql_column *col = &rows[i]->cols[c];
            long k = rb_index(&seen, col->name);
            if (k < 0) {
                rb_push(z, &seen, col->name, col->type);
                mixed = rp_arena_grow(z->ctx->arena, mixed, 1, &mixed_cap, seen.count);
                mixed[seen.count - 1] = 0;
            } else if (col->type != RP_TYPE_UNKNOWN) {
                if (seen.cols[k].type == RP_TYPE_UNKNOWN) seen.cols[k].type = col->type;
                else if (seen.cols[k].type != col->type) mixed[k] = 1;
            }
        }
    for (size_t i = 0; i < nrows; i++) {
        b->open |= rows[i]->open;
        for (size_t c = 0; c < rows[i]->count; c++) {
            const rp_kql_column *col = &rows[i]->cols[c];
            int split = col->type != RP_TYPE_UNKNOWN && mixed[rb_index(&seen, col->name)];
            const char *name = split ? rp_arena_printf(z->ctx->arena, "%s_%s", col->name, rp_type_name(col->type))
                                     : col->name;
            if (rb_index(b, name) < 0) rb_push(z, b, name, col->type);
        }
    }
}

static const rp_kql_row *op_union(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    const char *fuzzy = option_word(op, "isfuzzy");
    int is_fuzzy = fuzzy && strcasecmp(fuzzy, "true") == 0; /* true, True, TRUE */
    const rp_kql_row **rows = rp_arena_alloc(z->ctx->arena, (op->items.count + 1) * sizeof *rows);
    size_t nrows = 0;
    if (row) rows[nrows++] = row;
    for (size_t i = 0; i < op->items.count; i++) {
        rp_kql_node *it = op->items.items[i];
        if (!it) continue;
        const rp_kql_row *r;
        if (it->kind == RP_KQL_STAR) {
            z->out->flags |= RP_KQL_A_UNION_STAR | RP_KQL_A_OPEN;
            r = set_row(z, it, &open_row);
        } else if (it->kind == RP_KQL_NAME)
            r = table_name(z, it, is_fuzzy);
        else
            r = tabular(z, it, NULL);
        rows[nrows++] = r;
    }
    rowb b;
    rb_init(&b, row);
    size_t columns = 0;
    for (size_t i = 0; i < nrows; i++) columns += rows[i]->count;
    if (union_budget(z, op, columns)) union_merge(z, &b, rows, nrows);
    else b.open = 1;
    const char *source = option_word(op, "withsource");
    if (source) rb_set(z, &b, source, RP_TYPE_STRING);
    return rb_done(z, &b);
}

static const rp_kql_row *op_parse(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    if (op->a) expr(z, op->a, row);
    rowb b;
    rb_init(&b, row);
    rb_copy(z, &b, row);
    for (size_t i = 0; i < op->items.count; i++) {
        const rp_kql_node *p = op->items.items[i];
        if (p && p->kind == RP_KQL_COLDECL && p->name) rb_set(z, &b, p->name, p->text ? typed_literal(p->text) : RP_TYPE_STRING);
    }
    return rb_done(z, &b);
}

static const rp_kql_row *op_mv_expand(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rowb b;
    rb_init(&b, row);
    rb_copy(z, &b, row);
    int counter = 0;
    for (size_t i = 0; i < op->items.count; i++) {
        rp_kql_node *it = op->items.items[i];
        if (!it) continue;
        expr(z, it, row);
        const char *name = expr_name(z, it);
        if (!name) name = column_n(z, &b, &counter);
        rp_type t = RP_TYPE_DYNAMIC;
        const rp_kql_node *to = i < op->aux.count ? op->aux.items[i] : NULL;
        if (to && to->kind == RP_KQL_TYPEOF && to->items.count == 1 && to->items.items[0] && to->items.items[0]->text)
            t = typed_literal(to->items.items[0]->text);
        rb_set(z, &b, name, t);
    }
    if (op->b) expr(z, op->b, row);
    const char *index = option_word(op, "with_itemindex");
    if (index) rb_set(z, &b, index, RP_TYPE_LONG);
    return rb_done(z, &b);
}

static const rp_kql_row *op_evaluate(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    rp_kql_node *call = op->a;
    z->out->flags |= RP_KQL_A_OPEN;
    if (!call) return &open_row;
    rowb b;
    rb_init(&b, row);
    if (row) rb_copy(z, &b, row);
    b.open = 1;
    for (size_t i = 0; i < call->items.count; i++) {
        rp_kql_node *arg = call->items.items[i];
        if (!arg) continue;
        if (arg->kind == RP_KQL_PIPE) tabular(z, arg, NULL);
        else expr(z, arg, row ? row : &open_row);
    }
    sema(z, call)->type = RP_TYPE_UNKNOWN;
    return rb_done(z, &b);
}

static const rp_kql_row *op_print(az *z, rp_kql_node *op)
{
    rowb b;
    rb_init(&b, NULL);
    for (size_t i = 0; i < op->items.count; i++) {
        rp_kql_node *it = op->items.items[i];
        if (!it) continue;
        rp_type t = expr(z, it, NULL);
        const char *name = expr_name(z, it);
        if (!name) name = rp_arena_printf(z->ctx->arena, "print_%zu", i);
        rb_set(z, &b, name, t);
    }
    return rb_done(z, &b);
}

static const rp_kql_row *one_column(az *z, const char *name, rp_type type)
{
    rowb b;
    rb_init(&b, NULL);
    rb_push(z, &b, name, type);
    return rb_done(z, &b);
}

/* A tabular operator applied to `row`. */
static const rp_kql_row *apply_op(az *z, rp_kql_node *op, const rp_kql_row *row)
{
    switch (op->kind) {
    case RP_KQL_Q_WHERE:
        expr(z, op->a, row);
        return row;
    case RP_KQL_Q_EXTEND: return op_extend(z, op, row);
    case RP_KQL_Q_SERIALIZE: return op->items.count ? op_extend(z, op, row) : row;
    case RP_KQL_Q_PROJECT: return op_project(z, op, row);
    case RP_KQL_Q_PROJECT_AWAY: return op_project_filter(z, op, row, 0);
    case RP_KQL_Q_PROJECT_KEEP: return op_project_filter(z, op, row, 1);
    case RP_KQL_Q_PROJECT_RENAME: return op_rename(z, op, row);
    case RP_KQL_Q_PROJECT_REORDER: return op_reorder(z, op, row);
    case RP_KQL_Q_SUMMARIZE: return op_summarize(z, op, row);
    case RP_KQL_Q_MAKE_SERIES: return op_make_series(z, op, row);
    case RP_KQL_Q_DISTINCT:
        if (op->items.count == 1 && op->items.items[0] && op->items.items[0]->kind == RP_KQL_STAR) return row;
        return op_project(z, op, row);
    case RP_KQL_Q_TAKE:
    case RP_KQL_Q_SAMPLE:
        if (op->a) expr(z, op->a, NULL);
        return row;
    case RP_KQL_Q_TOP:
    case RP_KQL_Q_SORT:
        if (op->a) expr(z, op->a, NULL);
        for (size_t i = 0; i < op->items.count; i++) expr(z, op->items.items[i], row);
        return row;
    case RP_KQL_Q_COUNT: return one_column(z, "Count", RP_TYPE_LONG);
    case RP_KQL_Q_JOIN: return op_join(z, op, row, 0);
    case RP_KQL_Q_LOOKUP: return op_join(z, op, row, 1);
    case RP_KQL_Q_UNION: return op_union(z, op, row);
    case RP_KQL_Q_PARSE:
    case RP_KQL_Q_PARSE_WHERE:
    case RP_KQL_Q_PARSE_KV: return op_parse(z, op, row);
    case RP_KQL_Q_MV_EXPAND: return op_mv_expand(z, op, row);
    case RP_KQL_Q_MV_APPLY: {
        /* The subquery runs per row on the expanded columns; its output columns join the row. */
        const rp_kql_row *expanded = op_mv_expand(z, op, row);
        if (!op->a) return expanded;
        const rp_kql_row *sub = tabular(z, op->a, expanded);
        rowb b;
        rb_init(&b, expanded);
        rb_copy(z, &b, expanded);
        b.open |= sub->open;
        for (size_t c = 0; c < sub->count; c++) rb_set(z, &b, sub->cols[c].name, sub->cols[c].type);
        return rb_done(z, &b);
    }
    case RP_KQL_Q_PARTITION: return op->a ? tabular(z, op->a, row) : row;
    case RP_KQL_Q_EVALUATE: return op_evaluate(z, op, row);
    case RP_KQL_Q_INVOKE:
        if (op->a && op->a->kind == RP_KQL_CALL) return table_call(z, op->a, row);
        return &open_row;
    case RP_KQL_Q_SEARCH:
        if (op->a) expr(z, op->a, row);
        return row;
    case RP_KQL_Q_SAMPLE_DISTINCT:
        if (op->a) expr(z, op->a, NULL);
        if (op->b) {
            rp_type t = expr(z, op->b, row);
            const char *name = expr_name(z, op->b);
            return one_column(z, name ? name : "Column1", t);
        }
        return row;
    case RP_KQL_Q_GETSCHEMA: {
        rowb b;
        rb_init(&b, NULL);
        rb_push(z, &b, "ColumnName", RP_TYPE_STRING);
        rb_push(z, &b, "ColumnOrdinal", RP_TYPE_INT);
        rb_push(z, &b, "DataType", RP_TYPE_STRING);
        rb_push(z, &b, "ColumnType", RP_TYPE_STRING);
        return rb_done(z, &b);
    }
    case RP_KQL_Q_AS:
    case RP_KQL_Q_RENDER:
    case RP_KQL_Q_CONSUME:
        return row;
    default:
        /* top-nested, top-hitters, facet, fork, scan, reduce, operators known by name only:
         * their output is not modelled; an open row keeps later checks quiet. */
        z->out->flags |= RP_KQL_A_OPEN;
        return &open_row;
    }
}

/* A source (PIPE items[0], or a tabular expression in any position). */
static const rp_kql_row *source(az *z, rp_kql_node *src, const rp_kql_row *input)
{
    switch (src->kind) {
    case RP_KQL_NAME: return table_name(z, src, 0);
    case RP_KQL_CALL: return table_call(z, src, input);
    case RP_KQL_PIPE: return tabular(z, src, input);
    case RP_KQL_DATATABLE:
        for (size_t i = 0; i < src->aux.count; i++) expr(z, src->aux.items[i], NULL);
        return set_row(z, src, coldecl_row(z, &src->items, 0));
    case RP_KQL_EXTERNALDATA: return set_row(z, src, coldecl_row(z, &src->items, 0));
    case RP_KQL_Q_UNION: return set_row(z, src, op_union(z, src, NULL));
    case RP_KQL_Q_PRINT: return set_row(z, src, op_print(z, src));
    case RP_KQL_Q_RANGE: {
        rp_type t = expr(z, src->a, NULL);
        expr(z, src->b, NULL);
        expr(z, src->c, NULL);
        return set_row(z, src, one_column(z, src->name ? src->name : "Column1", t));
    }
    case RP_KQL_Q_SEARCH:
    case RP_KQL_Q_FIND:
        if (src->aux.count == 0) z->out->flags |= RP_KQL_A_SEARCH_STAR;
        for (size_t i = 0; i < src->aux.count; i++)
            if (src->aux.items[i] && src->aux.items[i]->kind == RP_KQL_NAME) table_name(z, src->aux.items[i], 0);
        if (src->a) expr(z, src->a, &open_row);
        z->out->flags |= RP_KQL_A_OPEN;
        return set_row(z, src, &open_row);
    case RP_KQL_Q_EVALUATE: return set_row(z, src, op_evaluate(z, src, NULL));
    case RP_KQL_ERROR: return set_row(z, src, &open_row);
    default:
        if (src->kind >= RP_KQL_Q_WHERE && src->kind < RP_KQL_LET && input) return set_row(z, src, apply_op(z, src, input));
        expr(z, src, NULL);
        report(z, RP0307, src, "a scalar expression where a table is expected");
        return set_row(z, src, &open_row);
    }
}

static const rp_kql_row *tabular(az *z, rp_kql_node *node, const rp_kql_row *input)
{
    if (!node) return &open_row;
    if (++z->depth > RP_MAX_KQL_HEIGHT + 64) {
        z->depth--;
        return &open_row;
    }
    const rp_kql_row *row;
    if (node->kind == RP_KQL_PIPE) {
        rp_kql_node *first = node->items.count ? node->items.items[0] : NULL;
        row = first ? source(z, first, input) : (input ? input : &open_row);
        for (size_t i = 1; i < node->items.count; i++) {
            rp_kql_node *op = node->items.items[i];
            if (!op) continue;
            row = set_row(z, op, apply_op(z, op, row ? row : &open_row));
        }
        set_row(z, node, row);
    } else {
        row = source(z, node, input);
    }
    z->depth--;
    return row ? row : &open_row;
}

/* ---- statements ---- */

static int value_is_tabular(az *z, const rp_kql_node *v)
{
    if (!v) return 0;
    switch (v->kind) {
    case RP_KQL_PIPE:
    case RP_KQL_DATATABLE:
    case RP_KQL_EXTERNALDATA:
    case RP_KQL_Q_UNION:
    case RP_KQL_Q_PRINT:
    case RP_KQL_Q_RANGE:
    case RP_KQL_Q_SEARCH:
    case RP_KQL_Q_FIND:
    case RP_KQL_Q_EVALUATE:
        return 1;
    case RP_KQL_NAME: {
        const rp_kql_let *l = scope_find(z, v->name ? v->name : "");
        if (l) return l->kind == RP_KQL_LET_TABULAR || (l->kind == RP_KQL_LET_PARAM && l->row) ||
                      (l->kind == RP_KQL_LET_FUNCTION && l->row && l->max_args == 0);
        return z->ctx->schema && v->name && (rp_schema_table_find(z->ctx->schema, v->name) ||
                                            rp_schema_function_find(z->ctx->schema, v->name));
    }
    case RP_KQL_CALL: {
        const char *n = v->name ? v->name : "";
        if (strcmp(n, "materialize") == 0 || strcmp(n, "view") == 0 || strcmp(n, "table") == 0 ||
            strcmp(n, "_GetWatchlist") == 0)
            return 1;
        const rp_kql_let *l = scope_find(z, n);
        if (l) return l->kind == RP_KQL_LET_FUNCTION && l->row != NULL;
        if (rp_kql_builtin_find(n)) return rp_kql_builtin_find(n)->kind == RP_KQL_FN_TABULAR;
        return 1; /* ASIM parsers, workspace functions: tables */
    }
    default:
        return 0;
    }
}

static void function_def(az *z, rp_kql_let *let, rp_kql_node *func)
{
    rp_kql_let *saved = z->scope;
    z->nested++;
    size_t min = 0, max = 0;
    for (size_t i = 0; i < func->items.count; i++) {
        rp_kql_node *p = func->items.items[i];
        if (!p || !p->name) continue;
        max++;
        if (!p->a) min++;
        rp_kql_let *param = scope_push(z, p->name, RP_KQL_LET_PARAM, p);
        param->used = 1;
        if (p->items.count) param->row = coldecl_row(z, &p->items, 1); /* T:(a:string, *) */
        else if (p->text && strcmp(p->text, "*") == 0) param->row = &open_row;
        else param->type = p->text ? typed_literal(p->text) : RP_TYPE_UNKNOWN;
        if (p->a) expr(z, p->a, NULL);
    }
    let->min_args = min;
    let->max_args = max;
    /* The body: lets, then the result expression. */
    rp_kql_node *body = func->a;
    const rp_kql_node *result = NULL;
    if (body) {
        for (size_t i = 0; i < body->items.count; i++) {
            rp_kql_node *s = body->items.items[i];
            if (!s) continue;
            if (s->kind == RP_KQL_LET) stmt_let(z, s, 0);
            else result = s;
        }
    }
    if (result && result->kind == RP_KQL_QUERY) result = result->a;
    if (result && value_is_tabular(z, result)) let->row = tabular(z, (rp_kql_node *)result, NULL);
    else if (result) let->type = expr(z, (rp_kql_node *)result, NULL);
    z->scope = saved;
    z->nested--;
}

static void stmt_let(az *z, rp_kql_node *node, int top)
{
    const char *name = node->name ? node->name : "";
    /* KS201: the same name twice at one level (only the top level is checked here). */
    if (top) {
        long i = z->top_names ? rb_index(z->top_names, name) : -1;
        if (i >= 0) {
            rp_diag *d = report(z, RP0306, node, "'%s' is already declared by a let at this level", name);
            if (d) rp_diag_set_related(d, span_of(z, z->out->lets[i]->node), "first declared here");
        }
    }
    rp_kql_node *v = node->a;
    rp_kql_let *let = RP_NEW(z->ctx->arena, rp_kql_let);
    let->name = name;
    let->node = node;
    let->value = v;
    if (v && v->kind == RP_KQL_FUNC) {
        let->kind = RP_KQL_LET_FUNCTION;
        /* Visible inside its own body only after definition (KQL has no recursion). */
        function_def(z, let, v);
    } else if (value_is_tabular(z, v)) {
        let->kind = RP_KQL_LET_TABULAR;
        let->row = tabular(z, v, NULL);
    } else {
        let->kind = RP_KQL_LET_SCALAR;
        let->type = v ? expr(z, v, NULL) : RP_TYPE_UNKNOWN;
    }
    if (v) sema(z, node)->type = let->type, sema(z, node)->row = let->row;
    let->outer = z->scope;
    z->scope = let;
    if (top) {
        rp_kql_analysis *a = z->out;
        a->lets = rp_arena_grow(z->ctx->arena, a->lets, sizeof *a->lets, &z->lets_cap, a->let_count + 1);
        a->lets[a->let_count++] = let;
        if (!z->top_names) {
            z->top_names = RP_NEW(z->ctx->arena, rowb);
            rb_init(z->top_names, NULL);
        }
        rb_push(z, z->top_names, name, RP_TYPE_UNKNOWN); /* index = position in a->lets */
        top_bind(z, let);
    }
}

rp_kql_analysis *rp_kql_analyze(rp_ctx *ctx, rp_kql_query *query)
{
    az z = {0};
    z.ctx = ctx;
    z.query = query;
    z.out = RP_NEW(ctx->arena, rp_kql_analysis);
    query->analysis = z.out;
    for (size_t i = 0; i < query->stmts.count; i++) {
        rp_kql_node *s = query->stmts.items[i];
        if (!s) continue;
        switch (s->kind) {
        case RP_KQL_LET: stmt_let(&z, s, 1); break;
        case RP_KQL_DECLARE:
            for (size_t k = 0; k < s->items.count; k++) {
                rp_kql_node *p = s->items.items[k];
                if (!p || !p->name) continue;
                rp_kql_let *let = scope_push(&z, p->name, RP_KQL_LET_QUERY_PARAM, p);
                let->type = p->text ? typed_literal(p->text) : RP_TYPE_UNKNOWN;
            }
            break;
        case RP_KQL_QUERY: {
            rp_kql_node *e = s->a;
            if (!e) break;
            z.out->result = e;
            if (value_is_tabular(&z, e) || e->kind == RP_KQL_CALL) {
                z.out->output = tabular(&z, e, NULL);
            } else {
                expr(&z, e, NULL);
                z.out->output = NULL;
            }
            break;
        }
        default: break;
        }
    }
    return z.out;
}

const rp_kql_let *rp_kql_analysis_let(const rp_kql_analysis *analysis, const char *name)
{
    if (!analysis || !name) return NULL;
    for (size_t i = analysis->let_count; i-- > 0;)
        if (strcmp(analysis->lets[i]->name, name) == 0) return analysis->lets[i];
    return NULL;
}
