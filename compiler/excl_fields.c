/* excl_fields.c: the exclusion stage's schema files (libcyaml typed load of the embedded YAML)
 * and field resolution (see excl_fields.h). */
#include "excl_fields.h"

#include <cyaml/cyaml.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "embedded.h"
#include "excl_parse.h"
#include "schema.h"
#include "suggest.h"

/* ---------------------------------------------------------------- the YAML, typed */

typedef struct y_field {
    char *ecs;
    char *column;
} y_field;

typedef struct y_table {
    char *table;
    char *parent_prefix;
    y_field *fields;
    unsigned fields_count;
} y_table;

typedef struct y_column {
    char *column;
    unsigned roles;
} y_column;

typedef struct y_fields_doc {
    y_table *tables;
    unsigned tables_count;
    y_column *columns;
    unsigned columns_count;
} y_fields_doc;

typedef struct y_parent {
    char *name;
    char *why;
} y_parent;

typedef struct y_parents_doc {
    y_parent *parents;
    unsigned parents_count;
} y_parents_doc;

static const cyaml_schema_field_t field_fields[] = {
    CYAML_FIELD_STRING_PTR("ecs", CYAML_FLAG_POINTER, y_field, ecs, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("column", CYAML_FLAG_POINTER, y_field, column, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t field_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_field, field_fields)};

static const cyaml_schema_field_t table_fields[] = {
    CYAML_FIELD_STRING_PTR("table", CYAML_FLAG_POINTER, y_table, table, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("parent_prefix", CYAML_FLAG_POINTER, y_table, parent_prefix, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("fields", CYAML_FLAG_POINTER, y_table, fields, &field_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t table_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_table, table_fields)};

static const cyaml_strval_t role_names[] = {
    {"parent", RP_EXCL_ROLE_PARENT},
    {"command-line", RP_EXCL_ROLE_COMMAND_LINE},
    {"attacker", RP_EXCL_ROLE_ATTACKER},
    {"file-name", RP_EXCL_ROLE_FILE_NAME},
    {"process-name", RP_EXCL_ROLE_PROCESS_NAME},
};

static const cyaml_schema_field_t column_fields[] = {
    CYAML_FIELD_STRING_PTR("column", CYAML_FLAG_POINTER, y_column, column, 1, CYAML_UNLIMITED),
    CYAML_FIELD_FLAGS("roles", CYAML_FLAG_DEFAULT | CYAML_FLAG_STRICT, y_column, roles, role_names,
                      sizeof role_names / sizeof role_names[0]),
    CYAML_FIELD_END};
static const cyaml_schema_value_t column_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_column, column_fields)};

static const cyaml_schema_field_t fields_doc_fields[] = {
    CYAML_FIELD_SEQUENCE("tables", CYAML_FLAG_POINTER, y_fields_doc, tables, &table_entry, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("columns", CYAML_FLAG_POINTER, y_fields_doc, columns, &column_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t fields_doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_fields_doc, fields_doc_fields)};

static const cyaml_schema_field_t parent_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, y_parent, name, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("why", CYAML_FLAG_POINTER, y_parent, why, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t parent_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_parent, parent_fields)};
static const cyaml_schema_field_t parents_doc_fields[] = {
    CYAML_FIELD_SEQUENCE("parents", CYAML_FLAG_POINTER, y_parents_doc, parents, &parent_entry, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t parents_doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_parents_doc, parents_doc_fields)};

static const cyaml_config_t yaml_config = {
    .log_fn = NULL, /* problems become RP0610 */
    .mem_fn = cyaml_mem,
    .log_level = CYAML_LOG_ERROR,
    .flags = CYAML_CFG_DEFAULT,
};

struct rp_excl_fields {
    y_fields_doc *map;
    y_parents_doc *parents;
};

static const rp_embedded_file *embedded(const char *name)
{
    for (size_t i = 0; i < rp_embedded_schema_count; i++)
        if (rp_embedded_schema[i].name && strcmp(rp_embedded_schema[i].name, name) == 0) return &rp_embedded_schema[i];
    return NULL;
}

static void *load_one(rp_diag_sink *diags, const char *name, const cyaml_schema_value_t *schema)
{
    const rp_embedded_file *file = embedded(name);
    if (!file) {
        rp_diag_report(diags, RP0610, (rp_span){0}, NULL, "schema/%s is not embedded in this build", name);
        return NULL;
    }
    cyaml_data_t *data = NULL;
    cyaml_err_t err = cyaml_load_data((const uint8_t *)file->data, file->size, &yaml_config, schema, &data, NULL);
    if (err != CYAML_OK) {
        rp_diag_report(diags, RP0610, (rp_span){0}, NULL, "schema/%s does not load: %s", name, cyaml_strerror(err));
        return NULL;
    }
    return data;
}

rp_excl_fields *rp_excl_fields_load(rp_diag_sink *diags)
{
    y_fields_doc *map = load_one(diags, "excl-ecs-fields.yaml", &fields_doc_schema);
    y_parents_doc *parents = load_one(diags, "excl-abused-parents.yaml", &parents_doc_schema);
    if (!map || !parents) {
        if (map) cyaml_free(&yaml_config, &fields_doc_schema, map, 0);
        if (parents) cyaml_free(&yaml_config, &parents_doc_schema, parents, 0);
        return NULL;
    }
    rp_excl_fields *fields = rp_xcalloc(1, sizeof *fields);
    fields->map = map;
    fields->parents = parents;
    return fields;
}

void rp_excl_fields_free(rp_excl_fields *fields)
{
    if (!fields) return;
    cyaml_free(&yaml_config, &fields_doc_schema, fields->map, 0);
    cyaml_free(&yaml_config, &parents_doc_schema, fields->parents, 0);
    free(fields);
}

/* ---------------------------------------------------------------- lookups */

static const y_table *find_table(const rp_excl_fields *fields, const char *table)
{
    if (!table) return NULL;
    for (unsigned i = 0; i < fields->map->tables_count; i++)
        if (strcmp(fields->map->tables[i].table, table) == 0) return &fields->map->tables[i];
    return NULL;
}

int rp_excl_fields_has_table(const rp_excl_fields *fields, const char *table)
{
    return find_table(fields, table) != NULL;
}

const char *rp_excl_fields_column(const rp_excl_fields *fields, const char *table, const char *ecs)
{
    const y_table *t = find_table(fields, table);
    if (!t) return NULL;
    for (unsigned i = 0; i < t->fields_count; i++)
        if (strcmp(t->fields[i].ecs, ecs) == 0) return t->fields[i].column;
    return NULL;
}

static int ecs_known_anywhere(const rp_excl_fields *fields, const char *ecs)
{
    for (unsigned i = 0; i < fields->map->tables_count; i++)
        if (rp_excl_fields_column(fields, fields->map->tables[i].table, ecs)) return 1;
    return 0;
}

unsigned rp_excl_fields_roles(const rp_excl_fields *fields, const char *table, const char *column)
{
    unsigned roles = 0;
    for (unsigned i = 0; i < fields->map->columns_count; i++)
        if (strcmp(fields->map->columns[i].column, column) == 0) roles |= fields->map->columns[i].roles;
    const y_table *t = find_table(fields, table);
    if (t && strncmp(column, t->parent_prefix, strlen(t->parent_prefix)) == 0) {
        roles |= RP_EXCL_ROLE_PARENT;
        /* the parent's own command line and image are not what the created process chose */
        roles &= ~(unsigned)RP_EXCL_ROLE_ATTACKER;
    }
    return roles;
}

const char *rp_excl_fields_abused_parent(const rp_excl_fields *fields, const char *name, size_t len)
{
    /* last path component: `C:\Windows\System32\lsass.exe` names lsass.exe */
    size_t start = 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '\\' || name[i] == '/') start = i + 1;
    for (unsigned i = 0; i < fields->parents->parents_count; i++) {
        const y_parent *p = &fields->parents->parents[i];
        if (strlen(p->name) == len - start && strncasecmp(p->name, name + start, len - start) == 0) return p->why;
    }
    return NULL;
}

/* ---------------------------------------------------------------- resolution */

typedef struct resolve_state {
    rp_ctx *ctx;
    const rp_excl_fields *fields;
    const char *table;
    const rp_schema_table *schema_table;
    size_t errors;
} resolve_state;

static void report(resolve_state *st, rp_diag_code code, rp_span span, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void report(resolve_state *st, rp_diag_code code, rp_span span, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_diag *d = rp_diag_vreport(st->ctx->diags, code, span, st->ctx->rule_id, fmt, ap);
    va_end(ap);
    if (rp_diag_info_of(code)->severity == RP_SEV_ERROR) st->errors++;
    if (d && hint) rp_diag_set_hint(d, "%s", hint);
}

static int is_numeric(rp_type t)
{
    return t == RP_TYPE_INT || t == RP_TYPE_LONG || t == RP_TYPE_REAL || t == RP_TYPE_DECIMAL;
}

static void check_types(resolve_state *st, rp_excl_node *pred)
{
    rp_type t = pred->field.type;
    if (t == RP_TYPE_UNKNOWN || t == RP_TYPE_DYNAMIC) return;
    const char *optext = rp_excl_op_text(pred->op, pred->negated, pred->case_sensitive);
    int string_op = pred->op != RP_EXCL_OP_EQ && pred->op != RP_EXCL_OP_IN;
    if (t != RP_TYPE_STRING && (string_op || !pred->case_sensitive)) {
        report(st, RP0604, pred->op_span, NULL, "`%s` is a string operator, and %s is a %s column",
               optext, pred->field.column, rp_type_name(t));
        return;
    }
    for (size_t i = 0; i < pred->value_count; i++) {
        const rp_excl_value *v = &pred->values[i];
        if (t == RP_TYPE_STRING && v->kind == RP_EXCL_VAL_NUMBER)
            report(st, RP0604, v->span, NULL, "%s is a string column: compare it with a quoted string, not the number %s",
                   pred->field.column, v->text);
        else if (is_numeric(t) && v->kind == RP_EXCL_VAL_STRING)
            report(st, RP0604, v->span, NULL, "%s is a %s column: compare it with a number, not a string",
                   pred->field.column, rp_type_name(t));
    }
}

static void suggest_field(resolve_state *st, rp_suggest *sg)
{
    const y_table *t = find_table(st->fields, st->table);
    if (t)
        for (unsigned i = 0; i < t->fields_count; i++) rp_suggest_consider(sg, t->fields[i].ecs);
    else
        for (unsigned k = 0; k < st->fields->map->tables_count; k++)
            for (unsigned i = 0; i < st->fields->map->tables[k].fields_count; i++)
                rp_suggest_consider(sg, st->fields->map->tables[k].fields[i].ecs);
    if (st->schema_table)
        for (size_t i = 0; i < st->schema_table->column_count; i++)
            rp_suggest_consider(sg, st->schema_table->columns[i].name);
}

static void resolve_pred(rp_excl_node *pred, void *data)
{
    resolve_state *st = data;
    rp_excl_field *f = &pred->field;
    const char *name = f->written;
    const char *column = NULL;
    if (st->table && (column = rp_excl_fields_column(st->fields, st->table, name))) {
        f->ecs = name;
    } else if (st->schema_table && rp_schema_column_find(st->schema_table, name)) {
        column = name;
    } else if (!strchr(name, '.') && !(st->schema_table) && name[0] != '@') {
        column = name; /* no table schema to check against: take it as a column, type unknown */
    } else if (ecs_known_anywhere(st->fields, name)) {
        f->ecs = name;
        if (st->table)
            report(st, RP0608, pred->field_span, NULL, "`%s` has no column in %s", name, st->table);
        return;
    } else {
        rp_suggest sg;
        rp_suggest_init(&sg, name);
        suggest_field(st, &sg);
        const char *meant = rp_suggest_result(&sg);
        char hint[256];
        if (meant)
            snprintf(hint, sizeof hint, "did you mean `%s`?", meant);
        else
            snprintf(hint, sizeof hint, "write an ECS field mapped for %s (schema/excl-ecs-fields.yaml) or one of its columns",
                     st->table ? st->table : "the rule's table");
        if (st->table)
            report(st, RP0602, pred->field_span, hint, "unknown field `%s`: neither an ECS field mapped for %s nor a column of it",
                   name, st->table);
        else
            report(st, RP0602, pred->field_span, hint, "unknown field `%s`", name);
        return;
    }
    f->column = rp_arena_strdup(st->ctx->arena, column);
    f->type = RP_TYPE_UNKNOWN;
    if (st->schema_table) {
        const rp_schema_column *c = rp_schema_column_find(st->schema_table, column);
        if (c) f->type = c->type;
    }
    f->roles = rp_excl_fields_roles(st->fields, st->table, column);
    check_types(st, pred);
}

size_t rp_excl_fields_resolve(rp_ctx *ctx, const rp_excl_fields *fields, const char *table, rp_excl_node *root)
{
    resolve_state st = {0};
    st.ctx = ctx;
    st.fields = fields;
    st.table = table;
    st.schema_table = ctx->schema && table ? rp_schema_table_find(ctx->schema, table) : NULL;
    rp_excl_foreach_pred(root, resolve_pred, &st);
    return st.errors;
}
