/* rule_model.c: YAML tree -> rule model (see rule.h). Reads shapes leniently; judging them is
 * rule_check.c's job, so nothing is reported here. */
#include "rule.h"

#include <string.h>

static rp_rule_text text_field(const rp_ynode *map, const char *key)
{
    rp_rule_text field = {NULL, NULL};
    const rp_ynode *value = rp_ymap_get(map, key, NULL);
    if (!value) return field;
    field.node = value;
    if (value->kind == RP_Y_SCALAR && !rp_yscalar_is_null(value)) field.text = value->value;
    return field;
}

/* A list of scalars; a lone scalar is read as a one-item list (rule_check reports the shape). */
static rp_rule_text *text_list(rp_ctx *ctx, const rp_ynode *map, const char *key, size_t *count)
{
    *count = 0;
    const rp_ynode *value = rp_ymap_get(map, key, NULL);
    if (!value) return NULL;
    if (value->kind == RP_Y_SCALAR) {
        if (rp_yscalar_is_null(value)) return NULL;
        rp_rule_text *items = RP_NEW(ctx->arena, rp_rule_text);
        items->text = value->value;
        items->node = value;
        *count = 1;
        return items;
    }
    if (value->kind != RP_Y_SEQUENCE) return NULL;
    rp_rule_text *items = RP_NEW_ARRAY(ctx->arena, rp_rule_text, value->count + 1);
    for (size_t i = 0; i < value->count; i++) {
        const rp_ynode *item = rp_ynode_resolve(value->items[i]);
        items[*count].node = item ? item : value->items[i];
        items[*count].text = item && item->kind == RP_Y_SCALAR ? item->value : NULL;
        (*count)++;
    }
    return items;
}

static const rp_ynode *sequence_items(const rp_ynode *map, const char *key, size_t *count)
{
    const rp_ynode *value = rp_ymap_get(map, key, NULL);
    *count = value && value->kind == RP_Y_SEQUENCE ? value->count : 0;
    return *count ? value : NULL;
}

static rp_test_expect expect_of(const char *text)
{
    if (!text) return RP_EXPECT_UNSET;
    if (strcmp(text, "alert") == 0) return RP_EXPECT_ALERT;
    if (strcmp(text, "no-alert") == 0) return RP_EXPECT_NO_ALERT;
    if (strcmp(text, "suppressed") == 0) return RP_EXPECT_SUPPRESSED;
    return RP_EXPECT_UNSET;
}

rp_rule *rp_rule_from_yaml(rp_ctx *ctx, const rp_ydoc *doc)
{
    const rp_ynode *root = rp_ynode_resolve(doc->root);
    rp_rule *rule = RP_NEW(ctx->arena, rp_rule);
    rule->src = doc->src;
    rule->root = root;
    rule->id = text_field(root, "id");
    rule->name = text_field(root, "name");
    rule->description = text_field(root, "description");
    rule->severity = text_field(root, "severity");
    rule->version = text_field(root, "version");
    rule->status = text_field(root, "status");
    rule->query = text_field(root, "query");
    rule->query_frequency = text_field(root, "queryFrequency");
    rule->query_period = text_field(root, "queryPeriod");
    rule->trigger_operator = text_field(root, "triggerOperator");
    rule->trigger_threshold = text_field(root, "triggerThreshold");
    rule->kind_text = text_field(root, "kind");
    if (!rule->kind_text.node)
        rule->kind = RP_RULE_HUNTING;
    else if (rule->kind_text.text && strcmp(rule->kind_text.text, "Scheduled") == 0)
        rule->kind = RP_RULE_SCHEDULED;
    else if (rule->kind_text.text && strcmp(rule->kind_text.text, "NRT") == 0)
        rule->kind = RP_RULE_NRT;
    else
        rule->kind = RP_RULE_UNKNOWN;
    rule->tactics = text_list(ctx, root, "tactics", &rule->tactic_count);
    rule->techniques = text_list(ctx, root, "relevantTechniques", &rule->technique_count);
    rule->entity_mappings = rp_ymap_get(root, "entityMappings", NULL);
    rule->custom_details = rp_ymap_get(root, "customDetails", NULL);
    rule->alert_details_override = rp_ymap_get(root, "alertDetailsOverride", NULL);

    size_t count;
    const rp_ynode *list = sequence_items(root, "requiredDataConnectors", &count);
    rule->connectors = RP_NEW_ARRAY(ctx->arena, rp_rule_connector, count + 1);
    for (size_t i = 0; i < count; i++) {
        const rp_ynode *item = rp_ynode_resolve(list->items[i]);
        rp_rule_connector *c = &rule->connectors[rule->connector_count++];
        c->node = item;
        if (!item || item->kind != RP_Y_MAPPING) continue;
        c->connector_id = text_field(item, "connectorId");
        c->data_types = text_list(ctx, item, "dataTypes", &c->data_type_count);
    }
    list = sequence_items(root, "exclusions", &count);
    rule->exclusions = RP_NEW_ARRAY(ctx->arena, rp_rule_exclusion, count + 1);
    for (size_t i = 0; i < count; i++) {
        const rp_ynode *item = rp_ynode_resolve(list->items[i]);
        rp_rule_exclusion *e = &rule->exclusions[rule->exclusion_count++];
        e->node = item;
        if (!item || item->kind != RP_Y_MAPPING) continue;
        e->scenario = text_field(item, "scenario");
        e->description = text_field(item, "description");
        e->filter = text_field(item, "filter");
    }
    list = sequence_items(root, "tests", &count);
    rule->tests = RP_NEW_ARRAY(ctx->arena, rp_rule_test, count + 1);
    for (size_t i = 0; i < count; i++) {
        const rp_ynode *item = rp_ynode_resolve(list->items[i]);
        rp_rule_test *t = &rule->tests[rule->test_count++];
        t->node = item;
        if (!item || item->kind != RP_Y_MAPPING) continue;
        t->name = text_field(item, "name");
        t->now = text_field(item, "now");
        t->event = rp_ymap_get(item, "event", NULL);
        rp_rule_text expect = text_field(item, "expect");
        t->expect = expect_of(expect.text);
        t->expect_node = expect.node;
    }
    return rule;
}

rp_rule *rp_rule_from_query_file(rp_ctx *ctx, const rp_source *src)
{
    rp_rule *rule = RP_NEW(ctx->arena, rp_rule);
    rule->src = src;
    rule->kind = RP_RULE_QUERY_FILE;
    rule->query.text = src->text + src->body_start;
    rule->tactics = rule->techniques = NULL;
    rule->connectors = RP_NEW_ARRAY(ctx->arena, rp_rule_connector, 1);
    rule->exclusions = RP_NEW_ARRAY(ctx->arena, rp_rule_exclusion, 1);
    rule->tests = RP_NEW_ARRAY(ctx->arena, rp_rule_test, 1);
    return rule;
}

rp_span rp_rule_query_span(const rp_rule *rule, size_t start, size_t end)
{
    if (rule->query.node && rule->query.node->kind == RP_Y_SCALAR)
        return rp_yscalar_span(rule->query.node, start, end);
    size_t base = rule->src->body_start;
    return rp_span_make(rule->src, base + start, base + end);
}

rp_span rp_rule_text_span(const rp_rule *rule, const rp_rule_text *field)
{
    if (field && field->node) return field->node->span;
    size_t start = rule->src->body_start;
    return rp_span_make(rule->src, start, start);
}

const char *rp_rule_kind_name(rp_rule_kind kind)
{
    switch (kind) {
    case RP_RULE_SCHEDULED: return "Scheduled";
    case RP_RULE_NRT: return "NRT";
    case RP_RULE_HUNTING: return "hunting query";
    case RP_RULE_QUERY_FILE: return "query file";
    default: return "unknown kind";
    }
}
