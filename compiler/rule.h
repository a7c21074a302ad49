/* rule.h: the rule model, read from the YAML tree by rule_model.c. Tolerant: a field that is
 * missing or of the wrong shape is left NULL/empty here, and the schema checks (rule_check.c)
 * say what is wrong with it. Every string points into the file's arena; every field keeps its
 * node so later stages can report positions. */
#ifndef RP_RULE_H
#define RP_RULE_H

#include <stddef.h>

#include "yaml_doc.h"

struct rp_kql_query;
struct rp_excl_list;

typedef enum rp_rule_kind {
    RP_RULE_UNKNOWN,   /* kind present but not recognised */
    RP_RULE_SCHEDULED, /* kind: Scheduled */
    RP_RULE_NRT,       /* kind: NRT */
    RP_RULE_HUNTING,   /* no kind: a hunting query */
    RP_RULE_QUERY_FILE /* a bare .kql file: only the query */
} rp_rule_kind;

/* A string field with its node (NULL node: absent; text NULL: present but not a scalar). */
typedef struct rp_rule_text {
    const char *text;
    const rp_ynode *node;
} rp_rule_text;

typedef struct rp_rule_connector {
    rp_rule_text connector_id;
    rp_rule_text *data_types;
    size_t data_type_count;
    const rp_ynode *node;
} rp_rule_connector;

typedef struct rp_rule_exclusion {
    rp_rule_text scenario;
    rp_rule_text description;
    rp_rule_text filter; /* the filter expression; positions through rp_yscalar_span */
    const rp_ynode *node;
} rp_rule_exclusion;

typedef enum rp_test_expect {
    RP_EXPECT_UNSET,
    RP_EXPECT_ALERT,
    RP_EXPECT_NO_ALERT,
    RP_EXPECT_SUPPRESSED
} rp_test_expect;

typedef struct rp_rule_test {
    rp_rule_text name;
    rp_rule_text now;         /* optional ISO-8601 instant for now() */
    const rp_ynode *event;    /* mapping: column -> value */
    rp_test_expect expect;
    const rp_ynode *expect_node;
    const rp_ynode *node;
} rp_rule_test;

typedef struct rp_rule {
    const rp_source *src;
    const rp_ynode *root;      /* NULL for a bare query file */
    rp_rule_kind kind;
    rp_rule_text kind_text;
    rp_rule_text id, name, description, severity, version, status;
    rp_rule_text query;        /* for a bare query file: node NULL, text is the whole file */
    rp_rule_text query_frequency, query_period, trigger_operator, trigger_threshold;
    rp_rule_text *tactics;     /* list items (or the one scalar, which rule_check reports) */
    size_t tactic_count;
    rp_rule_text *techniques;
    size_t technique_count;
    rp_rule_connector *connectors;
    size_t connector_count;
    rp_rule_exclusion *exclusions;
    size_t exclusion_count;
    rp_rule_test *tests;
    size_t test_count;
    const rp_ynode *entity_mappings;       /* raw nodes: checked by rule_check.c */
    const rp_ynode *custom_details;
    const rp_ynode *alert_details_override;
    /* Filled by later stages of the pipeline (check.h): */
    struct rp_kql_query *kql;        /* parsed and analysed query (kql_check.c), or NULL */
    struct rp_excl_list *excl;       /* parsed exclusion filters (excl_check.c), or NULL */
} rp_rule;

/* Builds the model of a parsed rule file (doc->root must be a mapping). */
rp_rule *rp_rule_from_yaml(rp_ctx *ctx, const rp_ydoc *doc);
/* Wraps a bare query file as a rule with only a query. */
rp_rule *rp_rule_from_query_file(rp_ctx *ctx, const rp_source *src);

/* Span of part of the query text [start, end) in its file, whatever the rule's form. */
rp_span rp_rule_query_span(const rp_rule *rule, size_t start, size_t end);
/* Span of a whole field, or of the rule's first line when absent. */
rp_span rp_rule_text_span(const rp_rule *rule, const rp_rule_text *field);

const char *rp_rule_kind_name(rp_rule_kind kind);

#endif
