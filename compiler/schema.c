/* schema.c: loads the schema (the YAML files of schema/, embedded at build time) and --schema DIR extensions
 * with libcyaml into typed structures, then indexes them for the checks (see schema.h).
 *
 * Speed: this runs at every start. Measured on the build machine (2 shared cores): libyaml alone
 * parses the five files (about 860 KB; 26,000 table columns) in about 19 ms. libcyaml with its
 * default allocator took 40-60 ms, 160 ms with a naive arena realloc: it reallocs a sequence once
 * per entry and mallocs every string. With the bump allocator below (in-place growth, doubling on
 * a move, no frees) the whole load is 18-26 ms, so libcyaml costs little over the parse itself.
 * tables.yaml writes each column as one "Name:type" scalar (split here in place); a mapping per
 * column would triple the event count. Lookups are open-addressing hash tables (FNV-1a), exact
 * and case-insensitive; a table's columns are found by binary search over a sorted index.
 * rp_schema_load_ms reports the measured time. */
#include "schema.h"

#include <cyaml/cyaml.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "embedded.h"
#include "rp_limits.h"
#include "source.h"
#include "yaml_doc.h"

/* ------------------------------------------------------------------ cyaml target structures */

/* tables.yaml, and `tables:` of an extension file */
typedef struct y_table {
    char *name;
    bool xdr;
    char **columns; /* "Name:type" */
    unsigned columns_count;
} y_table;

/* asim.yaml */
typedef struct y_asim_schema {
    char *name;
    char **columns;
    unsigned columns_count;
} y_asim_schema;

typedef struct y_parser {
    char **names;
    unsigned names_count;
    char **filtering;
    unsigned filtering_count;
    char *schema;
    char **params; /* "name:type" or "name:type=" (has a default) */
    unsigned params_count;
} y_parser;

typedef struct y_asim {
    y_asim_schema *schemas;
    unsigned schemas_count;
    y_parser *parsers;
    unsigned parsers_count;
} y_asim;

/* attack.yaml */
typedef struct y_tactic {
    char *id, *name, *sentinel;
} y_tactic;

typedef struct y_attack {
    char *version;
    y_tactic *tactics;
    unsigned tactics_count;
    rp_schema_technique *techniques;
    unsigned techniques_count;
} y_attack;

/* sentinel.yaml */
typedef struct y_killchain {
    char *id;
    char **tactics;
    unsigned tactics_count;
} y_killchain;

typedef struct y_connector {
    char *id;
    char **tables;
    unsigned tables_count;
} y_connector;

typedef struct y_sentinel {
    char **tactics;
    unsigned tactics_count;
    char **legacy_tactics;
    unsigned legacy_tactics_count;
    y_killchain *killchain;
    unsigned killchain_count;
    y_connector *connectors;
    unsigned connectors_count;
    rp_schema_entity *entities;
    unsigned entities_count;
    rp_schema_entity_limits *entity_limits;
} y_sentinel;

/* rule-fields.yaml */
typedef struct y_rule_fields {
    rp_schema_rule_limits *limits;
    rp_schema_field *fields;
    unsigned fields_count;
} y_rule_fields;

/* an --schema extension file: any of the three lists */
typedef struct y_function {
    char *name;
    char **params;
    unsigned params_count;
    char **columns;
    unsigned columns_count;
} y_function;

typedef struct y_extension {
    y_table *tables;
    unsigned tables_count;
    y_function *functions;
    unsigned functions_count;
    y_connector *connectors;
    unsigned connectors_count;
} y_extension;

/* ------------------------------------------------------------------ cyaml schemas */

static const cyaml_schema_value_t string_entry = {CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};

#define STR_FIELD(key, flags, type, member) CYAML_FIELD_STRING_PTR(key, flags, type, member, 0, CYAML_UNLIMITED)
#define STR_LIST(key, flags, type, member) \
    CYAML_FIELD_SEQUENCE(key, (flags) | CYAML_FLAG_POINTER, type, member, &string_entry, 0, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_field_t table_fields[] = {
    STR_FIELD("name", CYAML_FLAG_DEFAULT, y_table, name),
    CYAML_FIELD_BOOL("xdr", OPT, y_table, xdr),
    STR_LIST("columns", OPT, y_table, columns),
    CYAML_FIELD_END};
static const cyaml_schema_value_t table_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_table, table_fields)};

typedef struct y_tables {
    y_table *tables;
    unsigned tables_count;
} y_tables;
static const cyaml_schema_field_t tables_fields[] = {
    CYAML_FIELD_SEQUENCE("tables", CYAML_FLAG_POINTER, y_tables, tables, &table_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t tables_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_tables, tables_fields)};

static const cyaml_schema_field_t asim_schema_fields[] = {
    STR_FIELD("name", CYAML_FLAG_DEFAULT, y_asim_schema, name),
    STR_LIST("columns", CYAML_FLAG_DEFAULT, y_asim_schema, columns), CYAML_FIELD_END};
static const cyaml_schema_value_t asim_schema_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_asim_schema, asim_schema_fields)};
static const cyaml_schema_field_t parser_fields[] = {
    STR_LIST("names", CYAML_FLAG_DEFAULT, y_parser, names),
    STR_LIST("filtering", OPT, y_parser, filtering),
    STR_FIELD("schema", CYAML_FLAG_DEFAULT, y_parser, schema),
    STR_LIST("params", OPT, y_parser, params), CYAML_FIELD_END};
static const cyaml_schema_value_t parser_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_parser, parser_fields)};
static const cyaml_schema_field_t asim_fields[] = {
    CYAML_FIELD_SEQUENCE("schemas", CYAML_FLAG_POINTER, y_asim, schemas, &asim_schema_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("parsers", CYAML_FLAG_POINTER, y_asim, parsers, &parser_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t asim_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_asim, asim_fields)};

static const cyaml_schema_field_t tactic_fields[] = {
    STR_FIELD("id", CYAML_FLAG_DEFAULT, y_tactic, id), STR_FIELD("name", CYAML_FLAG_DEFAULT, y_tactic, name),
    STR_FIELD("sentinel", CYAML_FLAG_DEFAULT, y_tactic, sentinel), CYAML_FIELD_END};
static const cyaml_schema_value_t tactic_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_tactic, tactic_fields)};
static const cyaml_strval_t status_strings[] = {
    {"active", RP_TECH_ACTIVE}, {"deprecated", RP_TECH_DEPRECATED}, {"revoked", RP_TECH_REVOKED}};
static const cyaml_schema_field_t technique_fields[] = {
    STR_FIELD("id", CYAML_FLAG_DEFAULT, rp_schema_technique, id),
    STR_FIELD("name", CYAML_FLAG_DEFAULT, rp_schema_technique, name),
    CYAML_FIELD_ENUM("status", CYAML_FLAG_DEFAULT, rp_schema_technique, status, status_strings, 3),
    STR_LIST("tactics", CYAML_FLAG_DEFAULT, rp_schema_technique, tactics),
    STR_FIELD("revoked_by", OPT, rp_schema_technique, revoked_by), CYAML_FIELD_END};
static const cyaml_schema_value_t technique_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, rp_schema_technique, technique_fields)};
static const cyaml_schema_field_t attack_fields[] = {
    STR_FIELD("version", CYAML_FLAG_DEFAULT, y_attack, version),
    CYAML_FIELD_SEQUENCE("tactics", CYAML_FLAG_POINTER, y_attack, tactics, &tactic_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("techniques", CYAML_FLAG_POINTER, y_attack, techniques, &technique_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t attack_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_attack, attack_fields)};

static const cyaml_schema_field_t killchain_fields[] = {
    STR_FIELD("id", CYAML_FLAG_DEFAULT, y_killchain, id), STR_LIST("tactics", CYAML_FLAG_DEFAULT, y_killchain, tactics),
    CYAML_FIELD_END};
static const cyaml_schema_value_t killchain_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_killchain, killchain_fields)};
static const cyaml_schema_field_t connector_fields[] = {
    STR_FIELD("id", CYAML_FLAG_DEFAULT, y_connector, id), STR_LIST("tables", OPT, y_connector, tables),
    CYAML_FIELD_END};
static const cyaml_schema_value_t connector_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_connector, connector_fields)};
static const cyaml_schema_field_t entitrp_schema_fields[] = {
    STR_FIELD("type", CYAML_FLAG_DEFAULT, rp_schema_entity, type),
    STR_LIST("identifiers", CYAML_FLAG_DEFAULT, rp_schema_entity, identifiers),
    STR_LIST("required_one_of", CYAML_FLAG_DEFAULT, rp_schema_entity, required_one_of), CYAML_FIELD_END};
static const cyaml_schema_value_t entity_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, rp_schema_entity, entitrp_schema_fields)};
static const cyaml_schema_field_t entity_limit_fields[] = {
    CYAML_FIELD_UINT("mappings_min", CYAML_FLAG_DEFAULT, rp_schema_entity_limits, mappings_min),
    CYAML_FIELD_UINT("mappings_max", CYAML_FLAG_DEFAULT, rp_schema_entity_limits, mappings_max),
    CYAML_FIELD_UINT("fields_min", CYAML_FLAG_DEFAULT, rp_schema_entity_limits, fields_min),
    CYAML_FIELD_UINT("fields_max", CYAML_FLAG_DEFAULT, rp_schema_entity_limits, fields_max),
    CYAML_FIELD_UINT("column_max", CYAML_FLAG_DEFAULT, rp_schema_entity_limits, column_max), CYAML_FIELD_END};
static const cyaml_schema_field_t sentinel_fields[] = {
    STR_LIST("tactics", CYAML_FLAG_DEFAULT, y_sentinel, tactics),
    STR_LIST("legacy_tactics", OPT, y_sentinel, legacy_tactics),
    CYAML_FIELD_SEQUENCE("killchain", CYAML_FLAG_POINTER, y_sentinel, killchain, &killchain_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("connectors", CYAML_FLAG_POINTER, y_sentinel, connectors, &connector_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("entities", CYAML_FLAG_POINTER, y_sentinel, entities, &entity_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("entity_limits", CYAML_FLAG_POINTER, y_sentinel, entity_limits, entity_limit_fields),
    CYAML_FIELD_END};
static const cyaml_schema_value_t sentinel_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_sentinel, sentinel_fields)};

static const cyaml_strval_t type_strings[] = {
    {"string", RP_FT_STRING}, {"guid", RP_FT_GUID},   {"enum", RP_FT_ENUM},         {"duration", RP_FT_DURATION},
    {"int", RP_FT_INT},       {"bool", RP_FT_BOOL},   {"list", RP_FT_LIST},         {"mappings", RP_FT_MAPPINGS},
    {"mapping", RP_FT_MAPPING}, {"any", RP_FT_ANY}};
static const cyaml_strval_t need_strings[] = {
    {"optional", RP_NEED_OPTIONAL}, {"required", RP_NEED_REQUIRED}, {"ignored", RP_NEED_IGNORED}};
static const cyaml_schema_field_t field_fields[] = {
    STR_FIELD("key", CYAML_FLAG_DEFAULT, rp_schema_field, key),
    STR_FIELD("parent", OPT, rp_schema_field, parent),
    CYAML_FIELD_ENUM("type", CYAML_FLAG_DEFAULT, rp_schema_field, type, type_strings, 10),
    CYAML_FIELD_ENUM("scheduled", CYAML_FLAG_DEFAULT, rp_schema_field, scheduled, need_strings, 3),
    CYAML_FIELD_ENUM("nrt", CYAML_FLAG_DEFAULT, rp_schema_field, nrt, need_strings, 3),
    CYAML_FIELD_ENUM("hunting", CYAML_FLAG_DEFAULT, rp_schema_field, hunting, need_strings, 3),
    CYAML_FIELD_INT("min", OPT, rp_schema_field, min),
    CYAML_FIELD_INT("max", OPT, rp_schema_field, max),
    STR_LIST("values", OPT, rp_schema_field, values), CYAML_FIELD_END};
static const cyaml_schema_value_t field_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, rp_schema_field, field_fields)};
static const cyaml_schema_field_t limit_fields[] = {
    CYAML_FIELD_INT("long_period_minutes", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, long_period_minutes),
    CYAML_FIELD_INT("long_period_min_frequency", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, long_period_min_frequency),
    CYAML_FIELD_INT("custom_details_max", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, custom_details_max),
    CYAML_FIELD_INT("custom_details_key_max", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, custom_details_key_max),
    CYAML_FIELD_INT("custom_details_value_max", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, custom_details_value_max),
    CYAML_FIELD_INT("placeholders_max", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, placeholders_max),
    CYAML_FIELD_INT("version_max", CYAML_FLAG_DEFAULT, rp_schema_rule_limits, version_max), CYAML_FIELD_END};
static const cyaml_schema_field_t rule_fields_fields[] = {
    CYAML_FIELD_MAPPING_PTR("limits", CYAML_FLAG_POINTER, y_rule_fields, limits, limit_fields),
    CYAML_FIELD_SEQUENCE("fields", CYAML_FLAG_POINTER, y_rule_fields, fields, &field_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t rule_fields_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_rule_fields, rule_fields_fields)};

static const cyaml_schema_field_t function_fields[] = {
    STR_FIELD("name", CYAML_FLAG_DEFAULT, y_function, name), STR_LIST("params", OPT, y_function, params),
    STR_LIST("columns", OPT, y_function, columns), CYAML_FIELD_END};
static const cyaml_schema_value_t function_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_function, function_fields)};
static const cyaml_schema_field_t extension_fields[] = {
    CYAML_FIELD_SEQUENCE("tables", CYAML_FLAG_POINTER | OPT, y_extension, tables, &table_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("functions", CYAML_FLAG_POINTER | OPT, y_extension, functions, &function_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("connectors", CYAML_FLAG_POINTER | OPT, y_extension, connectors, &connector_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t extension_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_extension, extension_fields)};

/* ------------------------------------------------------------------ hash index */

/* Open addressing, linear probing; stores index+1 (0 = empty). Power-of-two capacity. */
typedef struct rp_index {
    uint32_t *slots;
    size_t mask;
    int ci; /* case-insensitive keys */
} rp_index;

static uint32_t hash_name(const char *s, int ci)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (ci && c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        h = (h ^ c) * 16777619u;
    }
    return h;
}

static void index_init(rp_arena *arena, rp_index *index, size_t expected, int ci)
{
    size_t cap = 16;
    while (cap < expected * 2 + 1) cap <<= 1;
    index->slots = RP_NEW_ARRAY(arena, uint32_t, cap);
    index->mask = cap - 1;
    index->ci = ci;
}

/* Inserts name -> item; an existing equal key is replaced (later definitions override).
 * name_of returns the key of an item index. */
typedef const char *(*rp_name_of)(const void *items, size_t i);

static void index_put(rp_index *index, const void *items, rp_name_of name_of, size_t item)
{
    const char *name = name_of(items, item);
    size_t at = hash_name(name, index->ci) & index->mask;
    for (;;) {
        uint32_t slot = index->slots[at];
        if (!slot) {
            index->slots[at] = (uint32_t)item + 1;
            return;
        }
        const char *other = name_of(items, slot - 1);
        if (index->ci ? strcasecmp(other, name) == 0 : strcmp(other, name) == 0) {
            if (!index->ci) index->slots[at] = (uint32_t)item + 1; /* ci keeps the first (did-you-mean) */
            return;
        }
        at = (at + 1) & index->mask;
    }
}

static long index_get(const rp_index *index, const void *items, rp_name_of name_of, const char *name)
{
    if (!index->slots || !name) return -1;
    size_t at = hash_name(name, index->ci) & index->mask;
    for (;;) {
        uint32_t slot = index->slots[at];
        if (!slot) return -1;
        const char *other = name_of(items, slot - 1);
        if (index->ci ? strcasecmp(other, name) == 0 : strcmp(other, name) == 0) return (long)slot - 1;
        at = (at + 1) & index->mask;
    }
}

/* libcyaml's allocator: a bump allocator owned by the schema. libcyaml grows a sequence by one
 * realloc per entry, so growing the newest block in place keeps that linear; each block carries
 * its size for the copy when it cannot grow. free is a no-op: everything goes at rp_schema_free. */
typedef struct rp_bump_chunk {
    struct rp_bump_chunk *next;
    size_t used, cap;
    max_align_t data[];
} rp_bump_chunk;

typedef struct rp_bump {
    rp_bump_chunk *chunks;
    char *last; /* newest block, the one realloc can grow in place */
} rp_bump;

#define RP_BUMP_HEADER ((size_t)16)
#define RP_BUMP_ALIGN(n) (((n) + 15) & ~(size_t)15)

/* Each block has a header: [capacity][size]. */
static void *bump_alloc(rp_bump *bump, size_t size, size_t capacity)
{
    size_t need = RP_BUMP_HEADER + RP_BUMP_ALIGN(capacity);
    rp_bump_chunk *c = bump->chunks;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > ((size_t)1 << 20) ? need : ((size_t)1 << 20);
        c = rp_xmalloc(sizeof *c + cap);
        c->next = bump->chunks;
        c->used = 0;
        c->cap = cap;
        bump->chunks = c;
    }
    size_t *block = (size_t *)(void *)((char *)c->data + c->used);
    c->used += need;
    block[0] = RP_BUMP_ALIGN(capacity);
    block[1] = size;
    bump->last = (char *)block + RP_BUMP_HEADER;
    return bump->last;
}

static void *cyaml_bump_mem(void *ctx, void *ptr, size_t size)
{
    rp_bump *bump = ctx;
    if (size == 0) return NULL;
    if (!ptr) return bump_alloc(bump, size, size);
    size_t *header = (size_t *)(void *)((char *)ptr - RP_BUMP_HEADER);
    if (size <= header[0]) { /* within the block's reserve */
        header[1] = size;
        return ptr;
    }
    rp_bump_chunk *c = bump->chunks;
    if (ptr == bump->last) {
        /* the newest block ends at c->used: grow it there when the chunk has room */
        size_t start = (size_t)((char *)ptr - (char *)c->data);
        if (start + RP_BUMP_ALIGN(size) <= c->cap) {
            c->used = start + RP_BUMP_ALIGN(size);
            header[0] = RP_BUMP_ALIGN(size);
            header[1] = size;
            return ptr;
        }
    }
    /* moving: reserve double, so a sequence grown one entry at a time is copied log(n) times */
    void *fresh = bump_alloc(bump, size, size * 2);
    memcpy(fresh, ptr, header[1]);
    return fresh;
}

static void bump_free(rp_bump *bump)
{
    while (bump->chunks) {
        rp_bump_chunk *next = bump->chunks->next;
        free(bump->chunks);
        bump->chunks = next;
    }
}

/* ------------------------------------------------------------------ the schema */

/* A table as the checks see it; pub is first so an rp_schema_table* converts back. */
typedef struct rp_table_entry {
    rp_schema_table pub;
    const rp_schema_column **sorted; /* columns sorted by name, for binary search */
    size_t sorted_count;
} rp_table_entry;

typedef struct rp_vec {
    void *items;
    size_t count, capacity;
} rp_vec;

struct rp_schema {
    rp_arena *arena; /* indexes and tables built here */
    rp_bump bump;    /* what libcyaml loaded */
    rp_diag_sink *diags;
    rp_vec tables;     /* rp_table_entry* */
    rp_vec functions;  /* rp_schema_function */
    rp_vec connectors; /* rp_schema_connector */
    rp_index table_index, table_index_ci, function_index, function_index_ci, connector_index;
    y_attack *attack;
    rp_index technique_index;
    y_sentinel *sentinel;
    rp_index killchain_index;
    y_rule_fields *rule_fields;
    rp_schema_rule_limits default_limits;
    rp_schema_entity_limits default_entity_limits;
    double load_ms;
};

static void *vec_push(rp_arena *arena, rp_vec *vec, size_t size)
{
    vec->items = rp_arena_grow(arena, vec->items, size, &vec->capacity, vec->count + 1);
    return (char *)vec->items + size * vec->count++;
}

static const char *table_name_of(const void *items, size_t i)
{
    return ((rp_table_entry *const *)items)[i]->pub.name;
}
static const char *function_name_of(const void *items, size_t i)
{
    return ((const rp_schema_function *)items)[i].name;
}
static const char *connector_name_of(const void *items, size_t i)
{
    return ((const rp_schema_connector *)items)[i].id;
}
static const char *technique_name_of(const void *items, size_t i)
{
    return ((const rp_schema_technique *)items)[i].id;
}
static const char *killchain_name_of(const void *items, size_t i)
{
    return ((const y_killchain *)items)[i].id;
}

typedef struct rp_cyaml_log {
    char text[512];
    unsigned line, column; /* of the innermost backtrace frame (libcyaml prints them 1-based); 0: none */
} rp_cyaml_log;

static void cyaml_capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    rp_cyaml_log *log = ctx;
    if (level < CYAML_LOG_ERROR) return;
    if (log->text[0]) {
        /* the first frame after the message is the innermost: "  in ... (line: L, column: C)" */
        char frame[256];
        unsigned l, c;
        vsnprintf(frame, sizeof frame, fmt, args);
        const char *at = strstr(frame, "(line: ");
        if (!log->line && at && sscanf(at, "(line: %u, column: %u)", &l, &c) == 2) log->line = l, log->column = c;
        return; /* keep the first error line */
    }
    vsnprintf(log->text, sizeof log->text, fmt, args);
    size_t n = strlen(log->text);
    while (n && (log->text[n - 1] == '\n' || log->text[n - 1] == ' ')) log->text[--n] = 0;
    /* "Load: " prefixes lines; "Backtrace:" and its "  in ... (line: L, column: C)" frames (0-based)
     * are left out: the diagnostic's own position comes from locate_cyaml_error */
    if (strncmp(log->text, "Load: ", 6) == 0) memmove(log->text, log->text + 6, strlen(log->text + 6) + 1);
    if (strcmp(log->text, "Backtrace:") == 0 || strncmp(log->text, "  in ", 5) == 0) log->text[0] = 0;
}

/* The first node of `kind` (an alias, or a mapping key equal to `key`) in document order. */
static const rp_ynode *find_node(const rp_ynode *n, int want_alias, const char *key, size_t depth)
{
    if (!n || depth > RP_MAX_YAML_DEPTH) return NULL;
    if (want_alias && n->kind == RP_Y_ALIAS) return n;
    if (n->kind == RP_Y_SEQUENCE)
        for (size_t i = 0; i < n->count; i++) {
            const rp_ynode *hit = find_node(n->items[i], want_alias, key, depth + 1);
            if (hit) return hit;
        }
    if (n->kind == RP_Y_MAPPING)
        for (size_t i = 0; i < n->count; i++) {
            if (key && rp_yscalar_is(n->pairs[i].key, key)) return n->pairs[i].key;
            const rp_ynode *hit = find_node(n->pairs[i].key, want_alias, key, depth + 1);
            if (!hit) hit = find_node(n->pairs[i].value, want_alias, key, depth + 1);
            if (hit) return hit;
        }
    return NULL;
}

/* Where libcyaml's complaint is in the file: libcyaml (1.3) gives no position, so the file is
 * read again with the positioned loader and the alias, the unexpected key or the YAML syntax
 * error is looked up there. 0 when nothing fits. */
static void locate_cyaml_error(const rp_source *src, cyaml_err_t err, const char *log, unsigned *line,
                               unsigned *column)
{
    *line = *column = 0;
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_ctx ctx = {.arena = rp_arena_new(), .diags = &sink, .src = src};
    rp_diag_begin_file(&sink);
    rp_ydoc *doc = rp_yaml_load(&ctx, src);
    const char *unexpected = strstr(log, "Unexpected key: ");
    const rp_ynode *hit = NULL;
    if (doc && doc->root) {
        if (err == CYAML_ERR_ALIAS) hit = find_node(doc->root, 1, NULL, 0);
        else if (unexpected) hit = find_node(doc->root, 0, unexpected + strlen("Unexpected key: "), 0);
    }
    if (hit) rp_source_locate(src, hit->span.start, line, column);
    else if (err == CYAML_ERR_LIBYAML_PARSER && sink.count) *line = sink.items[0].line, *column = sink.items[0].column;
    rp_arena_free(ctx.arena);
    rp_diag_sink_free(&sink);
}

/* Loads one YAML document with libcyaml. Returns NULL (and reports) on failure; `src` (NULL for
 * the built-in files) places the error in the file. */
static void *load_yaml(rp_schema *schema, const char *file, const char *data, size_t size,
                       const cyaml_schema_value_t *top, int builtin, const rp_source *src)
{
    rp_cyaml_log log = {.text = {0}};
    cyaml_config_t config = {
        .log_fn = cyaml_capture_log,
        .log_ctx = &log,
        .mem_fn = cyaml_bump_mem,
        .mem_ctx = &schema->bump,
        .log_level = CYAML_LOG_ERROR,
        .flags = builtin ? CYAML_CFG_DEFAULT : CYAML_CFG_NO_ALIAS,
    };
    void *out = NULL;
    cyaml_err_t err = cyaml_load_data((const uint8_t *)data, size, &config, top, (cyaml_data_t **)&out, NULL);
    if (err != CYAML_OK) {
        unsigned line = 0, column = 0;
        if (src) locate_cyaml_error(src, err, log.text, &line, &column);
        if (src && !line) line = log.line, column = log.column;
        rp_diag *d = rp_diag_report_at(schema->diags, builtin ? RP0150 : RP0151, file, line, column,
                                       "%s schema file '%s' could not be loaded: %s%s%s",
                                       builtin ? "the built-in" : "the", file, cyaml_strerror(err),
                                       log.text[0] ? ": " : "", log.text);
        if (d && !builtin)
            rp_diag_set_hint(d, "see docs/schema-extensions.md for the format of --schema files");
        return NULL;
    }
    return out;
}

/* The KQL type of a normalised type name (the generator writes KQL names). */
static rp_type type_of(const char *name)
{
    switch (name[0]) {
    case 's': if (strcmp(name, "string") == 0) return RP_TYPE_STRING; break;
    case 'd':
        if (strcmp(name, "datetime") == 0) return RP_TYPE_DATETIME;
        if (strcmp(name, "dynamic") == 0) return RP_TYPE_DYNAMIC;
        break;
    case 'l': if (strcmp(name, "long") == 0) return RP_TYPE_LONG; break;
    case 'i': if (strcmp(name, "int") == 0) return RP_TYPE_INT; break;
    case 'r': if (strcmp(name, "real") == 0) return RP_TYPE_REAL; break;
    case 'b': if (strcmp(name, "bool") == 0) return RP_TYPE_BOOL; break;
    default: break;
    }
    return rp_type_from_name(name);
}

static int column_ptr_cmp(const void *a, const void *b)
{
    return strcmp((*(const rp_schema_column *const *)a)->name, (*(const rp_schema_column *const *)b)->name);
}

/* Builds a table from "Name:type" strings (split in place). Returns NULL on a bad entry. */
static rp_table_entry *make_table(rp_schema *schema, const char *name, char **columns, unsigned count,
                                  const char *file, int builtin)
{
    rp_table_entry *entry = RP_NEW(schema->arena, rp_table_entry);
    rp_schema_column *cols = RP_NEW_ARRAY(schema->arena, rp_schema_column, count + 1);
    entry->sorted = RP_NEW_ARRAY(schema->arena, const rp_schema_column *, count + 1);
    size_t n = 0;
    for (unsigned i = 0; i < count; i++) {
        char *text = columns[i];
        char *colon = strchr(text, ':');
        rp_type type = RP_TYPE_UNKNOWN;
        if (colon) {
            *colon = 0;
            type = type_of(colon + 1);
            if (type == RP_TYPE_UNKNOWN && !builtin)
                rp_diag_report_at(schema->diags, RP0152, file, 0, 0,
                                  "column '%s' of '%s' has an unknown type '%s'", text, name, colon + 1);
        } else if (!builtin) {
            rp_diag *d = rp_diag_report_at(schema->diags, RP0152, file, 0, 0,
                                           "column '%s' of '%s' has no type", text, name);
            if (d) rp_diag_set_hint(d, "write columns as \"Name:type\", e.g. \"TimeGenerated:datetime\"");
        }
        cols[n].name = text;
        cols[n].type = type;
        entry->sorted[n] = &cols[n];
        n++;
    }
    qsort(entry->sorted, n, sizeof *entry->sorted, column_ptr_cmp);
    /* a duplicate column: the first declaration wins (the generator writes none; extensions may) */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept && strcmp(entry->sorted[kept - 1]->name, entry->sorted[i]->name) == 0) {
            if (!builtin)
                rp_diag_report_at(schema->diags, RP0152, file, 0, 0, "column '%s' of '%s' is declared twice",
                                  entry->sorted[i]->name, name);
            if (entry->sorted[i] < entry->sorted[kept - 1]) entry->sorted[kept - 1] = entry->sorted[i];
            continue;
        }
        entry->sorted[kept++] = entry->sorted[i];
    }
    entry->sorted_count = kept;
    entry->pub.name = name;
    entry->pub.columns = cols;
    entry->pub.column_count = n;
    return entry;
}

static void add_table(rp_schema *schema, rp_table_entry *entry)
{
    *(rp_table_entry **)vec_push(schema->arena, &schema->tables, sizeof(rp_table_entry *)) = entry;
}

/* "name:type" or "name:type=" (optional). */
static rp_schema_param *make_params(rp_schema *schema, char **params, unsigned count, int extra_time)
{
    rp_schema_param *out = RP_NEW_ARRAY(schema->arena, rp_schema_param, count + 3);
    size_t n = 0;
    for (unsigned i = 0; i < count; i++) {
        char *text = rp_arena_strdup(schema->arena, params[i]); /* shared by several names */
        char *colon = strchr(text, ':');
        rp_type type = RP_TYPE_UNKNOWN;
        int has_default = 0;
        if (colon) {
            *colon = 0;
            char *eq = strchr(colon + 1, '=');
            if (eq) {
                *eq = 0;
                has_default = 1;
            }
            type = type_of(colon + 1);
        }
        out[n++] = (rp_schema_param){text, type, has_default};
    }
    /* Filtering ASIM parsers all take starttime/endtime (ASIM docs); their other, schema-specific
     * filter parameters are not in the reference data. */
    if (extra_time) {
        out[n++] = (rp_schema_param){"starttime", RP_TYPE_DATETIME, 1};
        out[n++] = (rp_schema_param){"endtime", RP_TYPE_DATETIME, 1};
    }
    return out;
}

static void add_function(rp_schema *schema, const char *name, rp_schema_param *params, size_t param_count,
                         const rp_schema_table *output)
{
    rp_schema_function *f = vec_push(schema->arena, &schema->functions, sizeof *f);
    f->name = name;
    f->params = params;
    f->param_count = param_count;
    f->output = output;
}

static void add_connector(rp_schema *schema, const char *id, char **tables, unsigned count, int extension)
{
    rp_schema_connector *c = vec_push(schema->arena, &schema->connectors, sizeof *c);
    c->id = id;
    c->tables = tables;
    c->tables_count = count;
    c->extension = extension;
}

static void load_builtin(rp_schema *schema, const rp_embedded_file *file)
{
    const char *name = file->name;
    if (strcmp(name, "tables.yaml") == 0) {
        y_tables *t = load_yaml(schema, name, file->data, file->size, &tables_schema, 1, NULL);
        if (!t) return;
        for (unsigned i = 0; i < t->tables_count; i++)
            add_table(schema, make_table(schema, t->tables[i].name, t->tables[i].columns,
                                         t->tables[i].columns_count, name, 1));
    } else if (strcmp(name, "asim.yaml") == 0) {
        y_asim *a = load_yaml(schema, name, file->data, file->size, &asim_schema, 1, NULL);
        if (!a) return;
        rp_table_entry **outputs = RP_NEW_ARRAY(schema->arena, rp_table_entry *, a->schemas_count + 1);
        for (unsigned i = 0; i < a->schemas_count; i++)
            outputs[i] = make_table(schema, a->schemas[i].name, a->schemas[i].columns, a->schemas[i].columns_count,
                                    name, 1);
        for (unsigned i = 0; i < a->parsers_count; i++) {
            const y_parser *p = &a->parsers[i];
            const rp_schema_table *output = NULL;
            for (unsigned k = 0; k < a->schemas_count && !output; k++)
                if (strcmp(a->schemas[k].name, p->schema) == 0) output = &outputs[k]->pub;
            rp_schema_param *params = make_params(schema, p->params, p->params_count, 0);
            for (unsigned k = 0; k < p->names_count; k++)
                add_function(schema, p->names[k], params, p->params_count, output);
            if (p->filtering_count) {
                rp_schema_param *fparams = make_params(schema, p->params, p->params_count, 1);
                for (unsigned k = 0; k < p->filtering_count; k++)
                    add_function(schema, p->filtering[k], fparams, p->params_count + 2, output);
            }
        }
    } else if (strcmp(name, "attack.yaml") == 0) {
        schema->attack = load_yaml(schema, name, file->data, file->size, &attack_schema, 1, NULL);
    } else if (strcmp(name, "sentinel.yaml") == 0) {
        y_sentinel *s = load_yaml(schema, name, file->data, file->size, &sentinel_schema, 1, NULL);
        if (!s) return;
        schema->sentinel = s;
        for (unsigned i = 0; i < s->connectors_count; i++)
            add_connector(schema, s->connectors[i].id, s->connectors[i].tables, s->connectors[i].tables_count, 0);
    } else if (strcmp(name, "rule-fields.yaml") == 0) {
        schema->rule_fields = load_yaml(schema, name, file->data, file->size, &rule_fields_schema, 1, NULL);
        if (!schema->rule_fields) return;
        for (unsigned i = 0; i < schema->rule_fields->fields_count; i++)
            if (!schema->rule_fields->fields[i].parent) schema->rule_fields->fields[i].parent = "";
    }
    /* other embedded files belong to other stages (field maps, ...) */
}

static void load_extension_file(rp_schema *schema, const char *path)
{
    /* read as rule files are, with the same size limit: a schema directory can come with the
     * pull request under check */
    int too_large = 0;
    char why[256];
    const rp_source *src = rp_source_read_file(schema->arena, path, &too_large, why, sizeof why);
    if (!src) {
        rp_diag_report_at(schema->diags, RP0151, path, 0, 0, "the schema file '%s' could not be read: %s", path, why);
        return;
    }
    const char *path_copy = rp_arena_strdup(schema->arena, path);
    y_extension *ext = load_yaml(schema, path_copy, src->text, src->len, &extension_schema, 0, src);
    if (!ext) return;
    for (unsigned i = 0; i < ext->tables_count; i++)
        add_table(schema, make_table(schema, ext->tables[i].name, ext->tables[i].columns,
                                     ext->tables[i].columns_count, path_copy, 0));
    for (unsigned i = 0; i < ext->functions_count; i++) {
        const y_function *f = &ext->functions[i];
        rp_table_entry *out = make_table(schema, f->name, f->columns, f->columns_count, path_copy, 0);
        add_function(schema, f->name, make_params(schema, f->params, f->params_count, 0), f->params_count,
                     &out->pub);
    }
    for (unsigned i = 0; i < ext->connectors_count; i++)
        add_connector(schema, ext->connectors[i].id, ext->connectors[i].tables, ext->connectors[i].tables_count, 1);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yaml / *.yml file of a directory, in name order. */
static void load_extension_dir(rp_schema *schema, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        rp_diag_report_at(schema->diags, RP0151, dir, 0, 0, "the schema directory '%s' could not be opened", dir);
        return;
    }
    rp_vec names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.') continue;
        if ((n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) || (n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0))
            *(char **)vec_push(schema->arena, &names, sizeof(char *)) = rp_arena_strdup(schema->arena, e->d_name);
    }
    closedir(d);
    qsort(names.items, names.count, sizeof(char *), name_cmp);
    for (size_t i = 0; i < names.count; i++) {
        char *path = rp_xprintf("%s/%s", dir, ((char **)names.items)[i]);
        load_extension_file(schema, path);
        free(path);
    }
}

static void build_indexes(rp_schema *schema)
{
    rp_arena *a = schema->arena;
    index_init(a, &schema->table_index, schema->tables.count, 0);
    index_init(a, &schema->table_index_ci, schema->tables.count, 1);
    for (size_t i = 0; i < schema->tables.count; i++) {
        index_put(&schema->table_index, schema->tables.items, table_name_of, i);
        index_put(&schema->table_index_ci, schema->tables.items, table_name_of, i);
    }
    index_init(a, &schema->function_index, schema->functions.count, 0);
    index_init(a, &schema->function_index_ci, schema->functions.count, 1);
    for (size_t i = 0; i < schema->functions.count; i++) {
        index_put(&schema->function_index, schema->functions.items, function_name_of, i);
        index_put(&schema->function_index_ci, schema->functions.items, function_name_of, i);
    }
    index_init(a, &schema->connector_index, schema->connectors.count, 0);
    for (size_t i = 0; i < schema->connectors.count; i++)
        index_put(&schema->connector_index, schema->connectors.items, connector_name_of, i);
    if (schema->attack) {
        index_init(a, &schema->technique_index, schema->attack->techniques_count, 0);
        for (size_t i = 0; i < schema->attack->techniques_count; i++)
            index_put(&schema->technique_index, schema->attack->techniques, technique_name_of, i);
    }
    if (schema->sentinel) {
        index_init(a, &schema->killchain_index, schema->sentinel->killchain_count, 0);
        for (size_t i = 0; i < schema->sentinel->killchain_count; i++)
            index_put(&schema->killchain_index, schema->sentinel->killchain, killchain_name_of, i);
    }
}

rp_schema *rp_schema_load(const char *const *extra_dirs, size_t extra_count, rp_diag_sink *diags)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rp_schema *schema = rp_xcalloc(1, sizeof *schema);
    schema->arena = rp_arena_new();
    schema->diags = diags;
    /* defaults, used if rule-fields.yaml lacks limits (SENTINEL-CI.md checks 13, 17, 20, 21) */
    schema->default_limits = (rp_schema_rule_limits){2880, 60, 20, 20, 500, 3, 20};
    schema->default_entity_limits = (rp_schema_entity_limits){1, 10, 1, 3, 500};
    for (size_t i = 0; i < rp_embedded_schema_count; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        load_builtin(schema, &rp_embedded_schema[i]);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (getenv("RULEPACK_SCHEMA_TIMING"))
            fprintf(stderr, "  %s %.1f ms\n", rp_embedded_schema[i].name,
                    (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    }
    for (size_t i = 0; i < extra_count; i++) load_extension_dir(schema, extra_dirs[i]);
    build_indexes(schema);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    schema->load_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (getenv("RULEPACK_SCHEMA_TIMING"))
        fprintf(stderr, "rulepack: schema loaded in %.1f ms (%zu tables, %zu functions, %zu connectors)\n",
                schema->load_ms, schema->tables.count, schema->functions.count, schema->connectors.count);
    return schema;
}

void rp_schema_free(rp_schema *schema)
{
    if (!schema) return;
    rp_arena_free(schema->arena);
    bump_free(&schema->bump);
    free(schema);
}

double rp_schema_load_ms(const rp_schema *schema) { return schema->load_ms; }

/* ---- tables ---- */

const rp_schema_table *rp_schema_table_find(const rp_schema *schema, const char *name)
{
    long i = index_get(&schema->table_index, schema->tables.items, table_name_of, name);
    return i < 0 ? NULL : &((rp_table_entry **)schema->tables.items)[i]->pub;
}

const rp_schema_table *rp_schema_table_find_ci(const rp_schema *schema, const char *name)
{
    const rp_schema_table *exact = rp_schema_table_find(schema, name);
    if (exact) return exact;
    long i = index_get(&schema->table_index_ci, schema->tables.items, table_name_of, name);
    return i < 0 ? NULL : &((rp_table_entry **)schema->tables.items)[i]->pub;
}

size_t rp_schema_table_count(const rp_schema *schema) { return schema->tables.count; }

const rp_schema_table *rp_schema_table_at(const rp_schema *schema, size_t index)
{
    return index < schema->tables.count ? &((rp_table_entry **)schema->tables.items)[index]->pub : NULL;
}

const rp_schema_column *rp_schema_column_find(const rp_schema_table *table, const char *name)
{
    if (!table || !name) return NULL;
    const rp_table_entry *entry = (const rp_table_entry *)table;
    size_t lo = 0, hi = entry->sorted_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const rp_schema_column *c = entry->sorted[mid];
        int cmp = strcmp(c->name, name);
        if (cmp == 0) return c;
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* ---- functions ---- */

const rp_schema_function *rp_schema_function_find(const rp_schema *schema, const char *name)
{
    long i = index_get(&schema->function_index, schema->functions.items, function_name_of, name);
    if (i < 0) i = index_get(&schema->function_index_ci, schema->functions.items, function_name_of, name);
    return i < 0 ? NULL : &((const rp_schema_function *)schema->functions.items)[i];
}

/* ---- ATT&CK ---- */

const char *rp_schema_attack_version(const rp_schema *schema)
{
    return schema->attack ? schema->attack->version : "?";
}

const rp_schema_technique *rp_schema_technique_find(const rp_schema *schema, const char *id)
{
    if (!schema->attack) return NULL;
    long i = index_get(&schema->technique_index, schema->attack->techniques, technique_name_of, id);
    return i < 0 ? NULL : &schema->attack->techniques[i];
}

/* ---- Sentinel ---- */

static int in_list(char *const *list, unsigned count, const char *name)
{
    for (unsigned i = 0; i < count; i++)
        if (strcmp(list[i], name) == 0) return 1;
    return 0;
}

int rp_schema_tactic_valid(const rp_schema *schema, const char *name)
{
    return schema->sentinel && name && in_list(schema->sentinel->tactics, schema->sentinel->tactics_count, name);
}

int rp_schema_tactic_legacy(const rp_schema *schema, const char *name)
{
    return schema->sentinel && name &&
           in_list(schema->sentinel->legacy_tactics, schema->sentinel->legacy_tactics_count, name);
}

size_t rp_schema_tactic_count(const rp_schema *schema)
{
    return schema->sentinel ? schema->sentinel->tactics_count : 0;
}

const char *rp_schema_tactic_at(const rp_schema *schema, size_t index)
{
    return index < rp_schema_tactic_count(schema) ? schema->sentinel->tactics[index] : NULL;
}

char *const *rp_schema_killchain_find(const rp_schema *schema, const char *id, size_t *count)
{
    *count = 0;
    if (!schema->sentinel) return NULL;
    long i = index_get(&schema->killchain_index, schema->sentinel->killchain, killchain_name_of, id);
    if (i < 0) return NULL;
    *count = schema->sentinel->killchain[i].tactics_count;
    return schema->sentinel->killchain[i].tactics;
}

const rp_schema_connector *rp_schema_connector_find(const rp_schema *schema, const char *id)
{
    long i = index_get(&schema->connector_index, schema->connectors.items, connector_name_of, id);
    return i < 0 ? NULL : &((const rp_schema_connector *)schema->connectors.items)[i];
}

size_t rp_schema_connector_count(const rp_schema *schema) { return schema->connectors.count; }

const rp_schema_connector *rp_schema_connector_at(const rp_schema *schema, size_t index)
{
    return index < schema->connectors.count ? &((const rp_schema_connector *)schema->connectors.items)[index] : NULL;
}

const rp_schema_entity *rp_schema_entity_find(const rp_schema *schema, const char *type)
{
    if (!schema->sentinel || !type) return NULL;
    for (unsigned i = 0; i < schema->sentinel->entities_count; i++)
        if (strcmp(schema->sentinel->entities[i].type, type) == 0) return &schema->sentinel->entities[i];
    return NULL;
}

size_t rp_schema_entity_count(const rp_schema *schema)
{
    return schema->sentinel ? schema->sentinel->entities_count : 0;
}

const rp_schema_entity *rp_schema_entity_at(const rp_schema *schema, size_t index)
{
    return index < rp_schema_entity_count(schema) ? &schema->sentinel->entities[index] : NULL;
}

const rp_schema_entity_limits *rp_schema_entity_limits_get(const rp_schema *schema)
{
    return schema->sentinel && schema->sentinel->entity_limits ? schema->sentinel->entity_limits
                                                               : &schema->default_entity_limits;
}

/* ---- rule fields ---- */

const rp_schema_field *rp_schema_field_find(const rp_schema *schema, const char *parent, const char *key)
{
    if (!schema->rule_fields || !key) return NULL;
    if (!parent) parent = "";
    for (unsigned i = 0; i < schema->rule_fields->fields_count; i++) {
        const rp_schema_field *f = &schema->rule_fields->fields[i];
        if (strcmp(f->key, key) == 0 && strcmp(f->parent, parent) == 0) return f;
    }
    return NULL;
}

size_t rp_schema_field_count(const rp_schema *schema)
{
    return schema->rule_fields ? schema->rule_fields->fields_count : 0;
}

const rp_schema_field *rp_schema_field_at(const rp_schema *schema, size_t index)
{
    if (index >= rp_schema_field_count(schema)) return NULL;
    return &schema->rule_fields->fields[index];
}

const rp_schema_rule_limits *rp_schema_rule_limits_get(const rp_schema *schema)
{
    return schema->rule_fields && schema->rule_fields->limits ? schema->rule_fields->limits
                                                              : &schema->default_limits;
}
