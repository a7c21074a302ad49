/* emit_kql.c: the rule's query with its exclusions applied (see emit_kql.h).
 *
 * The `where not(...)` lines go after the source of the main pipeline and the `where`s that
 * directly follow it: the columns there are the table's own (the exclusions name table
 * columns), and no summarize, project or join has run yet. An exclusion over a column that
 * is not a string is wrapped in coalesce(..., false): in KQL `not(null)` is null and `where`
 * would drop the row, while the allow-list suppresses only what the filter holds TRUE for. */
#include "emit_kql.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emit_sigma.h"
#include "excl_ast.h"
#include "kql_ast.h"

/* Does the filter read a column that can be null (every type but string)? */
static int reads_nullable(const rp_excl_node *n)
{
    if (!n) return 0;
    if (n->kind == RP_EXCL_PRED) return n->field.type != RP_TYPE_STRING;
    for (size_t i = 0; i < n->kid_count; i++)
        if (reads_nullable(n->kids[i])) return 1;
    return 0;
}

/* The query statement whose result is the rule's output: the last QUERY statement. */
static const rp_kql_node *main_query(const rp_kql_query *q)
{
    const rp_kql_node *last = NULL;
    for (size_t i = 0; i < q->stmts.count; i++)
        if (q->stmts.items[i] && q->stmts.items[i]->kind == RP_KQL_QUERY) last = q->stmts.items[i];
    return last ? last->a : NULL;
}

/* Offset in the query text where the exclusions go, or -1. */
static long insertion_point(const rp_kql_query *q)
{
    const rp_kql_node *e = main_query(q);
    if (!e) return -1;
    if (e->kind != RP_KQL_PIPE) return (long)e->span.end;
    if (e->items.count == 0 || !e->items.items[0]) return -1;
    uint32_t at = e->items.items[0]->span.end;
    for (size_t i = 1; i < e->items.count; i++) {
        const rp_kql_node *op = e->items.items[i];
        if (!op || op->kind != RP_KQL_Q_WHERE) break;
        at = op->span.end;
    }
    return (long)at;
}

/* A scenario name as one comment line: control characters become spaces. */
static char *comment_text(rp_arena *arena, const char *s)
{
    char *out = rp_arena_strdup(arena, s ? s : "");
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F) *p = ' ';
    return out;
}

char *rp_emit_kql_text(rp_ctx *ctx, const rp_rule *rule)
{
    const rp_kql_query *q = rule->kql;
    rp_span span = rp_rule_text_span(rule, &rule->query);
    if (!q || !q->text || q->syntax_errors) {
        rp_report(ctx, RP0505, span, "no KQL output for this rule: %s", q ? "its query has syntax errors" : "it has no query");
        return NULL;
    }
    long at = insertion_point(q);
    if (at < 0 || (size_t)at > q->len) {
        rp_report(ctx, RP0505, span, "no KQL output for this rule: its query has no tabular result to filter");
        return NULL;
    }
    rp_arena *arena = ctx->arena;
    char *lines = rp_arena_strdup(arena, "");
    const rp_excl_list *x = rule->excl;
    for (size_t i = 0; x && i < x->count; i++) {
        const rp_excl_filter *f = &x->items[i];
        const char *scenario = f->source ? f->source->scenario.text : NULL;
        if (!f->ok || !f->root) {
            rp_report(ctx, RP0504, f->source ? rp_rule_text_span(rule, &f->source->filter) : span,
                      "exclusion %zu (%s) did not parse or resolve: left out of the emitted KQL", i + 1,
                      scenario ? scenario : "unnamed");
            continue;
        }
        char *pred = rp_excl_render(arena, f->root, 1);
        if (reads_nullable(f->root)) pred = rp_arena_printf(arena, "coalesce(%s, false)", pred);
        lines = rp_arena_printf(arena, "%s\n// exclusion %zu: %s\n| where not(%s)", lines, i + 1, comment_text(arena, scenario), pred);
    }
    /* the author's text around the inserted lines, byte for byte; one newline at the end */
    size_t tail = q->len - (size_t)at;
    char *out = rp_arena_printf(arena, "%.*s%s%.*s", (int)at, q->text, lines, (int)tail, q->text + at);
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\r' || out[n - 1] == '\t')) n--;
    out[n] = 0;
    return rp_arena_printf(arena, "%s\n", out);
}

int rp_emit_kql_rule(rp_ctx *ctx, const rp_rule *rule, const char *out_dir)
{
    char *text = rp_emit_kql_text(ctx, rule);
    if (!text) return 0;
    char *dir = rp_arena_printf(ctx->arena, "%s/kql", out_dir);
    if ((mkdir(out_dir, 0777) != 0 && errno != EEXIST) || (mkdir(dir, 0777) != 0 && errno != EEXIST)) {
        rp_report(ctx, RP0503, (rp_span){0}, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char *path = rp_arena_printf(ctx->arena, "%s/%s.kql", dir, rp_emit_rule_stem(ctx->arena, rule));
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        rp_report(ctx, RP0503, (rp_span){0}, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
