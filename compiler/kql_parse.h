/* kql_parse.h: the KQL parser. Takes a query text, yields an rp_kql_query (kql_ast.h) in
 * ctx->arena, and reports syntax problems (RP02xx) through ctx. Never stops at the first error:
 * after one it skips to the next '|' or ';' and goes on, so one run lists every problem. */
#ifndef RP_KQL_PARSE_H
#define RP_KQL_PARSE_H

#include <stddef.h>

#include "kql_ast.h"

struct rp_rule;

/* Parses text[0, len). `map` turns query offsets into file spans for diagnostics; NULL means the
 * text is its own file (a source named "<query>" is made in the arena). Always returns a query
 * (possibly with no statements); query->syntax_errors counts the errors reported. */
rp_kql_query *rp_kql_parse(rp_ctx *ctx, const char *text, size_t len, rp_kql_span_mapper map, void *map_data);

/* Parses a rule's query, mapping positions through the YAML block scalar (rp_rule_query_span).
 * NULL when the rule has no query text. */
rp_kql_query *rp_kql_parse_rule(rp_ctx *ctx, const struct rp_rule *rule);

#endif
