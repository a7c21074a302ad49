/* schema.h: the data the checks use (schema/ in the repository, embedded at build time, plus
 * --schema DIR extensions). Loaded with libcyaml into typed structures by schema.c.
 * Every lookup is read-only; the schema lives for the whole run. Names compare case-sensitively
 * unless a function says otherwise. */
#ifndef RP_SCHEMA_H
#define RP_SCHEMA_H

#include <stddef.h>

#include "diag.h"
#include "types.h"

typedef struct rp_schema rp_schema;

/* Loads the embedded schema, then each extra directory in order (later ones add or override).
 * Problems in extension files are reported as RP015x diagnostics (schema-extension). Never
 * returns NULL. The directory format is in docs/schema-extensions.md. */
rp_schema *rp_schema_load(const char *const *extra_dirs, size_t extra_count, rp_diag_sink *diags);
void rp_schema_free(rp_schema *schema);

/* ---- tables and columns (898 Log Analytics / Sentinel / Defender tables, plus extensions) ---- */
typedef struct rp_schema_column {
    const char *name;
    rp_type type;
} rp_schema_column;

typedef struct rp_schema_table {
    const char *name;
    const rp_schema_column *columns;
    size_t column_count;
} rp_schema_table;

const rp_schema_table *rp_schema_table_find(const rp_schema *schema, const char *name);
/* Case-insensitive lookup, for did-you-mean. */
const rp_schema_table *rp_schema_table_find_ci(const rp_schema *schema, const char *name);
size_t rp_schema_table_count(const rp_schema *schema);
const rp_schema_table *rp_schema_table_at(const rp_schema *schema, size_t index);
const rp_schema_column *rp_schema_column_find(const rp_schema_table *table, const char *name);

/* ---- functions: ASIM parsers and workspace functions declared with --schema ---- */
typedef struct rp_schema_param {
    const char *name;
    rp_type type;
    int has_default; /* optional parameter */
} rp_schema_param;

typedef struct rp_schema_function {
    const char *name;               /* "_Im_ProcessCreate", "imNetworkSession", ... */
    const rp_schema_param *params;
    size_t param_count;
    const rp_schema_table *output;  /* columns it returns (an ASIM schema or declared columns) */
} rp_schema_function;

/* ASIM parser names compare case-insensitively, as KQL function names do not, but Sentinel's
 * docs spell them in several casings; exact match is tried first. */
const rp_schema_function *rp_schema_function_find(const rp_schema *schema, const char *name);

/* ---- MITRE ATT&CK Enterprise (schema/attack.yaml) ---- */
typedef enum rp_technique_status {
    RP_TECH_ACTIVE,
    RP_TECH_DEPRECATED,
    RP_TECH_REVOKED
} rp_technique_status;

typedef struct rp_schema_technique {
    const char *id;                /* "T1059", "T1059.001" */
    const char *name;
    rp_technique_status status;
    const char *revoked_by;        /* replacement of a revoked technique, or NULL */
    char **tactics;                /* Sentinel spelling ("CommandAndControl") */
    unsigned tactics_count;
} rp_schema_technique;

const char *rp_schema_attack_version(const rp_schema *schema);
const rp_schema_technique *rp_schema_technique_find(const rp_schema *schema, const char *id);

/* ---- what Azure-Sentinel's CI accepts (schema/sentinel.yaml) ---- */
/* Tactic names of Sentinel's enum (exact case). legacy: PreAttack, accepted by the API only. */
int rp_schema_tactic_valid(const rp_schema *schema, const char *name);
int rp_schema_tactic_legacy(const rp_schema *schema, const char *name);
size_t rp_schema_tactic_count(const rp_schema *schema);
const char *rp_schema_tactic_at(const rp_schema *schema, size_t index);

/* Sentinel CI's frozen technique -> tactics table (about ATT&CK v13); top-level ids only.
 * Returns NULL when the technique is not in it. OUT: count. */
char *const *rp_schema_killchain_find(const rp_schema *schema, const char *id, size_t *count);

typedef struct rp_schema_connector {
    const char *id;
    char **tables;            /* tables it feeds; none known when tables_count is 0 */
    unsigned tables_count;
    int extension;            /* declared with --schema */
} rp_schema_connector;

const rp_schema_connector *rp_schema_connector_find(const rp_schema *schema, const char *id);
size_t rp_schema_connector_count(const rp_schema *schema);
const rp_schema_connector *rp_schema_connector_at(const rp_schema *schema, size_t index);

typedef struct rp_schema_entity {
    const char *type;              /* "Account" */
    char **identifiers;
    unsigned identifiers_count;
    char **required_one_of;        /* combinations; "Algorithm+Value" means both */
    unsigned required_one_of_count;
} rp_schema_entity;

typedef struct rp_schema_entity_limits {
    unsigned mappings_min, mappings_max, fields_min, fields_max, column_max;
} rp_schema_entity_limits;

const rp_schema_entity *rp_schema_entity_find(const rp_schema *schema, const char *type);
size_t rp_schema_entity_count(const rp_schema *schema);
const rp_schema_entity *rp_schema_entity_at(const rp_schema *schema, size_t index);
const rp_schema_entity_limits *rp_schema_entity_limits_get(const rp_schema *schema);

/* ---- rule fields (schema/rule-fields.yaml) ---- */
typedef enum rp_field_need {
    RP_NEED_OPTIONAL,
    RP_NEED_REQUIRED,
    RP_NEED_IGNORED /* the kind does not use the field */
} rp_field_need;

typedef enum rp_field_type {
    RP_FT_STRING,
    RP_FT_GUID,
    RP_FT_ENUM,
    RP_FT_DURATION,
    RP_FT_INT,
    RP_FT_BOOL,
    RP_FT_LIST,     /* list of scalars */
    RP_FT_MAPPINGS, /* list of mappings */
    RP_FT_MAPPING,
    RP_FT_ANY
} rp_field_type;

typedef struct rp_schema_field {
    const char *key;
    const char *parent;         /* "" at top level */
    rp_field_type type;
    rp_field_need scheduled, nrt, hunting;
    long long min, max;         /* 0 = no limit (see rule-fields.yaml) */
    char **values;              /* enum spellings */
    unsigned values_count;
} rp_schema_field;

typedef struct rp_schema_rule_limits {
    long long long_period_minutes, long_period_min_frequency;
    long long custom_details_max, custom_details_key_max, custom_details_value_max;
    long long placeholders_max, version_max;
} rp_schema_rule_limits;

/* The field `key` under `parent` ("" for top level), or NULL. */
const rp_schema_field *rp_schema_field_find(const rp_schema *schema, const char *parent, const char *key);
size_t rp_schema_field_count(const rp_schema *schema);
const rp_schema_field *rp_schema_field_at(const rp_schema *schema, size_t index);
const rp_schema_rule_limits *rp_schema_rule_limits_get(const rp_schema *schema);

/* Load time of the embedded schema in milliseconds (for `--version -v` and the benchmark). */
double rp_schema_load_ms(const rp_schema *schema);

#endif
