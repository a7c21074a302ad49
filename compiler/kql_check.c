/* kql_check.c: the query stage of `rulepack check` (check.h): parse the rule's query
 * (kql_parse.c), analyse it (kql_analyze.c), store it in rule->kql, then the checks that need
 * the query:
 *   - needles where the docs are silent (KQL-SEMANTICS.md "uncertain"), empty needles, and the
 *     lints of SENTINEL-CI.md 5.17 (contains vs has, search * / union *);
 *   - tables read vs requiredDataConnectors dataTypes, both directions (SENTINEL-CI.md 5.2);
 *   - entityMappings / customDetails / alertDetailsOverride columns in the output (5.3);
 *   - the threat-intelligence "latest indicator" pattern (check 32, done right);
 *   - a look-back longer than queryPeriod (5.4). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "kql_analyze.h"
#include "kql_parse.h"
#include "suggest.h"

typedef struct kc {
    rp_ctx *ctx;
    rp_rule *rule;
    rp_kql_query *q;
    rp_kql_analysis *a;
    int64_t lookback;               /* longest look-back found (ticks) */
    const rp_kql_node *lookback_at;
    unsigned ti_best;               /* best TI pattern state over the pipelines reading it */
    const rp_kql_node *ti_at;       /* first read of ThreatIntelligenceIndicator */
} kc;

#define TICKS_PER_SECOND INT64_C(10000000)
#define TI_TABLE "ThreatIntelligenceIndicator"

static rp_span nspan(kc *k, const rp_kql_node *n) { return rp_kql_node_span(k->q, n); }

/* ---- needles ---- */

static int is_term_char(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int has_family(rp_kql_op op) { return op >= RP_KQL_OP_HAS && op <= RP_KQL_OP_NOT_HASSUFFIX_CS; }

static int case_insensitive(rp_kql_op op)
{
    switch (op) {
    case RP_KQL_OP_HAS: case RP_KQL_OP_NOT_HAS: case RP_KQL_OP_HASPREFIX: case RP_KQL_OP_NOT_HASPREFIX:
    case RP_KQL_OP_HASSUFFIX: case RP_KQL_OP_NOT_HASSUFFIX: case RP_KQL_OP_CONTAINS: case RP_KQL_OP_NOT_CONTAINS:
    case RP_KQL_OP_STARTSWITH: case RP_KQL_OP_NOT_STARTSWITH: case RP_KQL_OP_ENDSWITH: case RP_KQL_OP_NOT_ENDSWITH:
    case RP_KQL_OP_EQ_CI: case RP_KQL_OP_NE_CI: case RP_KQL_OP_IN_CI: case RP_KQL_OP_NOT_IN_CI:
    case RP_KQL_OP_HAS_ANY: case RP_KQL_OP_HAS_ALL: case RP_KQL_OP_LIKE: case RP_KQL_OP_NOT_LIKE:
        return 1;
    default:
        return 0;
    }
}

/* Needle of a string operator or list element. */
static void needle(kc *k, rp_kql_op op, const rp_kql_node *s)
{
    if (!s || s->kind != RP_KQL_STRING) return;
    const char *opn = rp_kql_op_name(op);
    int substring_op = (op >= RP_KQL_OP_HAS && op <= RP_KQL_OP_NOT_ENDSWITH_CS) || op == RP_KQL_OP_HAS_ANY ||
                       op == RP_KQL_OP_HAS_ALL;
    if (s->text_len == 0) {
        if (substring_op)
            rp_report(k->ctx, RP0308, nspan(k, s), "'%s' with an empty needle: its result is undocumented "
                      "(use isempty()/isnotempty() to test for empty values)", opn);
        return;
    }
    int non_ascii = 0, separator = 0;
    for (size_t i = 0; i < s->text_len; i++) {
        unsigned char c = (unsigned char)s->text[i];
        if (c >= 0x80) non_ascii = 1;
        else if (!is_term_char(c)) separator = 1;
    }
    if ((has_family(op) || op == RP_KQL_OP_HAS_ANY || op == RP_KQL_OP_HAS_ALL) && (separator || non_ascii))
        rp_report(k->ctx, RP0309, nspan(k, s),
                  "'%s' needle \"%.*s\" is not one term (%s): the docs define terms only for the left side, so "
                  "what it matches is unverified; split it into terms joined with 'and', or use contains",
                  opn, (int)(s->text_len > 60 ? 60 : s->text_len), s->text,
                  separator ? "it contains punctuation or spaces" : "it has non-ASCII letters");
    if (case_insensitive(op) && non_ascii)
        rp_report(k->ctx, RP0310, nspan(k, s),
                  "case-insensitive '%s' with non-ASCII letters in \"%.*s\": Kusto's case folding beyond ASCII is "
                  "undocumented; use the _cs operator with the exact case, or tolower() on both sides",
                  opn, (int)(s->text_len > 60 ? 60 : s->text_len), s->text);
    if ((op == RP_KQL_OP_CONTAINS || op == RP_KQL_OP_NOT_CONTAINS || op == RP_KQL_OP_CONTAINS_CS ||
         op == RP_KQL_OP_NOT_CONTAINS_CS) && !separator && !non_ascii && s->text_len >= 3) {
        const char *alt = op == RP_KQL_OP_CONTAINS ? "has" : op == RP_KQL_OP_NOT_CONTAINS ? "!has"
                        : op == RP_KQL_OP_CONTAINS_CS ? "has_cs" : "!has_cs";
        rp_report(k->ctx, RP0311, nspan(k, s),
                  "'%s \"%.*s\"' scans every value; if \"%.*s\" is a whole term in the data, '%s' uses the term "
                  "index and is faster", opn, (int)s->text_len, s->text, (int)s->text_len, s->text, alt);
    }
}

static void list_needles(kc *k, rp_kql_op op, const rp_kql_node *n)
{
    if (!n) return;
    if (n->kind == RP_KQL_STRING) needle(k, op, n);
    else if (n->kind == RP_KQL_DYNAMIC) list_needles(k, op, n->a);
    else if (n->kind == RP_KQL_JSON_ARRAY)
        for (size_t i = 0; i < n->items.count; i++) list_needles(k, op, n->items.items[i]);
}

/* ---- look-back ---- */

static int is_time_column(const rp_kql_node *n)
{
    return n && n->kind == RP_KQL_NAME && n->name &&
           (strcmp(n->name, "TimeGenerated") == 0 || strcmp(n->name, "Timestamp") == 0);
}

static int timespan_of(const rp_kql_node *n, int64_t *out)
{
    if (!n) return 0;
    if (n->kind == RP_KQL_TIMESPAN || (n->kind == RP_KQL_TYPED && (n->flags & RP_KQL_F_HAS_TICKS) && n->name &&
                                       strcmp(n->name, "timespan") == 0)) {
        *out = n->ival;
        return 1;
    }
    if (n->kind == RP_KQL_UNARY && n->op == RP_KQL_OP_NEG && timespan_of(n->a, out)) {
        *out = -*out;
        return 1;
    }
    return 0;
}

/* How far back an instant expression lies (ticks), for ago(x), now(-x), now() - x, let names
 * bound to those, and startofday(...)-like wrappers. */
static int age_of(kc *k, const rp_kql_node *n, int64_t *out, int depth)
{
    if (!n || depth > 8) return 0;
    int64_t t;
    if (n->kind == RP_KQL_CALL && n->name) {
        if (strcmp(n->name, "ago") == 0 && n->items.count == 1 && timespan_of(n->items.items[0], &t)) {
            *out = t;
            return 1;
        }
        if (strcmp(n->name, "now") == 0) {
            if (n->items.count == 0) { *out = 0; return 1; }
            if (n->items.count == 1 && timespan_of(n->items.items[0], &t)) { *out = -t; return 1; }
            return 0;
        }
        if (strncmp(n->name, "startof", 7) == 0 && n->items.count >= 1) return age_of(k, n->items.items[0], out, depth + 1);
        return 0;
    }
    if (n->kind == RP_KQL_BINARY && (n->op == RP_KQL_OP_SUB || n->op == RP_KQL_OP_ADD) && timespan_of(n->b, &t) &&
        age_of(k, n->a, out, depth + 1)) {
        *out += n->op == RP_KQL_OP_SUB ? t : -t;
        return 1;
    }
    if (n->kind == RP_KQL_NAME) {
        const rp_kql_sema *s = rp_kql_sema_of(n);
        if (s && s->sym == RP_KQL_SYM_LET) {
            const rp_kql_let *let = s->ref;
            if (let->kind == RP_KQL_LET_SCALAR) return age_of(k, let->value, out, depth + 1);
        }
    }
    return 0;
}

static void note_age(kc *k, const rp_kql_node *bound)
{
    int64_t age;
    if (age_of(k, bound, &age, 0) && age > k->lookback) {
        k->lookback = age;
        k->lookback_at = bound;
    }
}

static void lookback_pred(kc *k, const rp_kql_node *p)
{
    if (!p) return;
    if (p->kind == RP_KQL_BINARY) {
        if (p->op == RP_KQL_OP_AND || p->op == RP_KQL_OP_OR) {
            lookback_pred(k, p->a);
            lookback_pred(k, p->b);
        } else if ((p->op == RP_KQL_OP_GT || p->op == RP_KQL_OP_GE) && is_time_column(p->a))
            note_age(k, p->b);
        else if ((p->op == RP_KQL_OP_LT || p->op == RP_KQL_OP_LE) && is_time_column(p->b))
            note_age(k, p->a);
    } else if (p->kind == RP_KQL_BETWEEN && p->op == RP_KQL_OP_BETWEEN && is_time_column(p->a)) {
        note_age(k, p->b);
    }
}

/* queryPeriod: "14d", "5h", "30m" (Sentinel's form) or ISO 8601 "P14D", "PT5H". */
static int parse_period(const char *s, int64_t *ticks)
{
    if (!s || !*s) return 0;
    int iso = 0;
    if (*s == 'P' || *s == 'p') {
        iso = 1;
        s++;
        if (*s == 'T' || *s == 't') s++;
    }
    int64_t v = 0;
    const char *d = s;
    while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
    if (s == d || s[0] == '\0' || s[1] != '\0') return 0;
    switch (*s) {
    case 'd': case 'D': *ticks = v * 86400 * TICKS_PER_SECOND; return 1;
    case 'h': case 'H': *ticks = v * 3600 * TICKS_PER_SECOND; return 1;
    case 'm': case 'M': *ticks = v * 60 * TICKS_PER_SECOND; return 1;
    case 's': case 'S': *ticks = v * TICKS_PER_SECOND; return 1;
    default: (void)iso; return 0;
    }
}

static void format_ticks(char *buf, size_t n, int64_t t)
{
    int64_t s = t / TICKS_PER_SECOND;
    if (s % 86400 == 0) snprintf(buf, n, "%lldd", (long long)(s / 86400));
    else if (s % 3600 == 0) snprintf(buf, n, "%lldh", (long long)(s / 3600));
    else if (s % 60 == 0) snprintf(buf, n, "%lldm", (long long)(s / 60));
    else snprintf(buf, n, "%llds", (long long)s);
}

/* ---- threat intelligence (check 32 done right) ---- */

enum { TI_READS = 1, TI_TIME = 2, TI_ARGMAX = 4, TI_ACTIVE = 8 };

static int mentions(const rp_kql_node *n, const char *name)
{
    if (!n) return 0;
    if (n->kind == RP_KQL_NAME && n->name && strcmp(n->name, name) == 0) return 1;
    if (mentions(n->a, name) || mentions(n->b, name) || mentions(n->c, name)) return 1;
    for (size_t i = 0; i < n->items.count; i++)
        if (mentions(n->items.items[i], name)) return 1;
    return 0;
}

static int calls(const rp_kql_node *n, const char *fn)
{
    if (!n) return 0;
    if (n->kind == RP_KQL_CALL && n->name && strcmp(n->name, fn) == 0) return 1;
    if (calls(n->a, fn) || calls(n->b, fn) || calls(n->c, fn)) return 1;
    for (size_t i = 0; i < n->items.count; i++)
        if (calls(n->items.items[i], fn)) return 1;
    return 0;
}

static unsigned ti_source_state(const rp_kql_node *src)
{
    const rp_kql_sema *s = rp_kql_sema_of(src);
    if (!s) return 0;
    if (s->sym == RP_KQL_SYM_TABLE && strcmp(((const rp_schema_table *)s->ref)->name, TI_TABLE) == 0) return TI_READS;
    if (s->sym == RP_KQL_SYM_LET) return (unsigned)((const rp_kql_let *)s->ref)->is_ti;
    return 0;
}

static unsigned ti_pipe(kc *k, const rp_kql_node *pipe)
{
    if (!pipe->items.count || !pipe->items.items[0]) return 0;
    const rp_kql_node *src = pipe->items.items[0];
    unsigned st = src->kind == RP_KQL_PIPE ? ti_pipe(k, src) : ti_source_state(src);
    if (!st) return 0;
    if (src->kind == RP_KQL_NAME && rp_kql_sema_of(src) && rp_kql_sema_of(src)->sym == RP_KQL_SYM_TABLE && !k->ti_at)
        k->ti_at = src;
    for (size_t i = 1; i < pipe->items.count; i++) {
        const rp_kql_node *op = pipe->items.items[i];
        if (!op) continue;
        if (op->kind == RP_KQL_Q_WHERE) {
            if (mentions(op->a, "TimeGenerated") && calls(op->a, "ago")) st |= TI_TIME;
            if ((st & TI_ARGMAX) && mentions(op->a, "ExpirationDateTime") && mentions(op->a, "Active") && calls(op->a, "now"))
                st |= TI_ACTIVE;
        } else if (op->kind == RP_KQL_Q_SUMMARIZE) {
            /* once the latest version is kept, later aggregations (after a join, say) do not undo it */
            if (st & TI_ARGMAX) continue;
            int argmax = 0, by_id = 0;
            for (size_t j = 0; j < op->items.count; j++) {
                const rp_kql_node *it = op->items.items[j];
                const rp_kql_node *c = it && it->kind == RP_KQL_NAMED ? it->a : it;
                if (c && c->kind == RP_KQL_CALL && c->name && strcmp(c->name, "arg_max") == 0 && c->items.count >= 2 &&
                    c->items.items[0] && c->items.items[0]->kind == RP_KQL_NAME &&
                    strcmp(c->items.items[0]->name, "TimeGenerated") == 0 && c->items.items[1] &&
                    c->items.items[1]->kind == RP_KQL_STAR)
                    argmax = 1;
            }
            for (size_t j = 0; j < op->aux.count; j++)
                if (op->aux.items[j] && mentions(op->aux.items[j], "IndicatorId")) by_id = 1;
            st &= ~(unsigned)TI_ACTIVE; /* filters before the latest version do not count */
            if (argmax && by_id) st |= TI_ARGMAX;
            else st &= ~(unsigned)TI_ARGMAX;
        }
    }
    return st;
}

/* ---- the walk ---- */

static void walk(kc *k, const rp_kql_node *n)
{
    if (!n) return;
    switch (n->kind) {
    case RP_KQL_BINARY:
        if (n->op >= RP_KQL_OP_HAS && n->op <= RP_KQL_OP_NOT_LIKE_CS) needle(k, n->op, n->b);
        else if (n->op == RP_KQL_OP_EQ_CI || n->op == RP_KQL_OP_NE_CI) needle(k, n->op, n->b);
        break;
    case RP_KQL_IN:
        for (size_t i = 0; i < n->items.count; i++) list_needles(k, n->op, n->items.items[i]);
        break;
    case RP_KQL_Q_WHERE:
        lookback_pred(k, n->a);
        break;
    case RP_KQL_Q_SEARCH:
    case RP_KQL_Q_FIND:
        if (n->aux.count == 0 && !(k->a->flags & RP_KQL_A_SEARCH_STAR)) break;
        if (n->aux.count == 0)
            rp_report(k->ctx, RP0312, nspan(k, n), "'%s' without 'in (Table)' reads every table of the workspace: "
                      "name the tables it should search", n->kind == RP_KQL_Q_SEARCH ? "search" : "find");
        break;
    case RP_KQL_Q_UNION:
        for (size_t i = 0; i < n->items.count; i++) {
            const rp_kql_node *it = n->items.items[i];
            if (it && (it->kind == RP_KQL_STAR || (it->kind == RP_KQL_NAME && it->name && strcmp(it->name, "*") == 0)))
                rp_report(k->ctx, RP0312, nspan(k, it), "'union *' reads every table of the workspace: name the tables");
        }
        break;
    case RP_KQL_PIPE: {
        unsigned st = ti_pipe(k, n);
        if (st) k->ti_best |= st == (TI_READS | TI_TIME | TI_ARGMAX | TI_ACTIVE) ? 0x100u : st;
        break;
    }
    case RP_KQL_LET:
        if (n->a && n->a->kind == RP_KQL_PIPE) {
            const rp_kql_let *let = rp_kql_analysis_let(k->a, n->name);
            unsigned st = ti_pipe(k, n->a);
            if (let && let->node == n) ((rp_kql_let *)let)->is_ti = (int)st;
        }
        break;
    default:
        break;
    }
    walk(k, n->a);
    walk(k, n->b);
    walk(k, n->c);
    for (size_t i = 0; i < n->items.count; i++) walk(k, n->items.items[i]);
    for (size_t i = 0; i < n->aux.count; i++) walk(k, n->aux.items[i]);
}

/* ---- rule-level checks ---- */

static int name_eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y) return 0;
    }
    /* "SecurityAlert (ASC)": the table name is the first word */
    return (*a == '\0' || *a == ' ') && (*b == '\0' || *b == ' ');
}

static void check_data_types(kc *k)
{
    rp_rule *r = k->rule;
    if (!r->connector_count) return;
    int reads_anything =
        (k->a->flags & (RP_KQL_A_UNION_STAR | RP_KQL_A_SEARCH_STAR | RP_KQL_A_UNDECLARED | RP_KQL_A_TABLE_VAR)) != 0;
    /* an ASIM parser or workspace function reads tables of its own (_Im_WebSession reads
     * SquidProxy_CL, CommonSecurityLog...): the data types a rule declares for it are not unread */
    for (size_t t = 0; t < k->a->table_count; t++)
        if (k->a->tables[t].function) reads_anything = 1;
    size_t declared = 0;
    for (size_t c = 0; c < r->connector_count; c++)
        for (size_t d = 0; d < r->connectors[c].data_type_count; d++) {
            const rp_rule_text *dt = &r->connectors[c].data_types[d];
            if (!dt->text) continue;
            declared++;
            int read = 0;
            for (size_t t = 0; t < k->a->table_count; t++)
                if (name_eq_ci(k->a->tables[t].name, dt->text)) read = 1;
            if (!read && !reads_anything)
                rp_report(k->ctx, RP0313, rp_rule_text_span(r, dt),
                          "requiredDataConnectors declares the data type '%s', but the query does not read it", dt->text);
        }
    if (!declared) return;
    for (size_t t = 0; t < k->a->table_count; t++) {
        const rp_kql_table_ref *ref = &k->a->tables[t];
        if (!ref->table) continue; /* unknown (reported) or a function: no table to declare */
        int found = 0;
        for (size_t c = 0; c < r->connector_count && !found; c++)
            for (size_t d = 0; d < r->connectors[c].data_type_count; d++)
                if (r->connectors[c].data_types[d].text && name_eq_ci(ref->name, r->connectors[c].data_types[d].text))
                    found = 1;
        if (!found)
            rp_report(k->ctx, RP0314, nspan(k, ref->node),
                      "the query reads '%s', which no requiredDataConnectors dataTypes entry declares", ref->name);
    }
}

static void output_column(kc *k, const rp_ynode *node, const char *name, size_t start, size_t end, const char *what)
{
    const rp_kql_row *out = k->a->output;
    if (!out || out->open || rp_kql_row_find(out, name)) return;
    rp_suggest s;
    rp_suggest_init(&s, name);
    for (size_t i = 0; i < out->count; i++) rp_suggest_consider(&s, out->cols[i].name);
    const char *dym = rp_suggest_result(&s);
    rp_span sp = end > start ? rp_yscalar_span(node, start, end) : node->span;
    if (dym)
        rp_report(k->ctx, RP0315, sp, "%s '%s' is not an output column of the query: did you mean '%s'?", what, name, dym);
    else
        rp_report(k->ctx, RP0315, sp, "%s '%s' is not an output column of the query (it ends with %zu column%s)", what,
                  name, out->count, out->count == 1 ? "" : "s");
}

static const rp_ynode *scalar_at(const rp_ynode *map, const char *key)
{
    const rp_ynode *v = rp_ynode_resolve(rp_ymap_get(rp_ynode_resolve(map), key, NULL));
    return v && v->kind == RP_Y_SCALAR ? v : NULL;
}

static void placeholders(kc *k, const rp_ynode *v, const char *what)
{
    if (!v) return;
    const char *s = v->value;
    for (size_t i = 0; i + 1 < v->value_len; i++) {
        if (s[i] != '{' || s[i + 1] != '{') continue;
        size_t b = i + 2, e = b;
        while (e + 1 < v->value_len && !(s[e] == '}' && s[e + 1] == '}')) e++;
        if (e + 1 >= v->value_len) break;
        char name[256];
        size_t n = e - b < sizeof name - 1 ? e - b : sizeof name - 1;
        memcpy(name, s + b, n);
        name[n] = '\0';
        output_column(k, v, name, i, e + 2, what);
        i = e + 1;
    }
}

static void check_output_columns(kc *k)
{
    rp_rule *r = k->rule;
    const rp_kql_row *out = k->a->output;
    if (!out || out->open) return;
    const rp_ynode *em = rp_ynode_resolve(r->entity_mappings);
    if (em && em->kind == RP_Y_SEQUENCE)
        for (size_t i = 0; i < em->count; i++) {
            const rp_ynode *fm = rp_ynode_resolve(rp_ymap_get(rp_ynode_resolve(em->items[i]), "fieldMappings", NULL));
            if (!fm || fm->kind != RP_Y_SEQUENCE) continue;
            for (size_t j = 0; j < fm->count; j++) {
                const rp_ynode *col = scalar_at(fm->items[j], "columnName");
                if (col && col->value_len) output_column(k, col, col->value, 0, 0, "entityMappings columnName");
            }
        }
    const rp_ynode *cd = rp_ynode_resolve(r->custom_details);
    if (cd && cd->kind == RP_Y_MAPPING)
        for (size_t i = 0; i < cd->count; i++) {
            const rp_ynode *v = rp_ynode_resolve(cd->pairs[i].value);
            if (v && v->kind == RP_Y_SCALAR && v->value_len) output_column(k, v, v->value, 0, 0, "customDetails value");
        }
    const rp_ynode *ad = rp_ynode_resolve(r->alert_details_override);
    if (ad && ad->kind == RP_Y_MAPPING) {
        placeholders(k, scalar_at(ad, "alertDisplayNameFormat"), "alertDisplayNameFormat placeholder");
        placeholders(k, scalar_at(ad, "alertDescriptionFormat"), "alertDescriptionFormat placeholder");
        const char *cols[] = {"alertTacticsColumnName", "alertSeverityColumnName"};
        for (size_t i = 0; i < 2; i++) {
            const rp_ynode *v = scalar_at(ad, cols[i]);
            if (v && v->value_len) output_column(k, v, v->value, 0, 0, cols[i]);
        }
        const rp_ynode *dp = rp_ynode_resolve(rp_ymap_get(ad, "alertDynamicProperties", NULL));
        if (dp && dp->kind == RP_Y_SEQUENCE)
            for (size_t i = 0; i < dp->count; i++) {
                const rp_ynode *v = scalar_at(dp->items[i], "value");
                if (v && v->value_len) output_column(k, v, v->value, 0, 0, "alertDynamicProperties value");
            }
    }
}

static void check_ti(kc *k)
{
    if (!k->ti_at || (k->ti_best & 0x100u)) return;
    unsigned st = k->ti_best;
    char missing[200] = "";
    if (!(st & TI_TIME)) strcat(missing, " a time window (where TimeGenerated >= ago(14d));");
    if (!(st & TI_ARGMAX)) strcat(missing, " summarize arg_max(TimeGenerated, *) by IndicatorId;");
    if (!(st & TI_ACTIVE)) strcat(missing, " after it, where ExpirationDateTime > now() and Active == true;");
    size_t n = strlen(missing);
    if (n) missing[n - 1] = '\0';
    rp_diag *d = rp_report(k->ctx, RP0316, nspan(k, k->ti_at),
                           "ThreatIntelligenceIndicator is read without keeping only the latest active version of each "
                           "indicator: missing%s", missing);
    if (d)
        rp_diag_set_hint(d, "ThreatIntelligenceIndicator | where TimeGenerated >= ago(14d) | summarize "
                            "LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId | where "
                            "ExpirationDateTime > now() and Active == true");
}

static void check_lookback(kc *k)
{
    rp_rule *r = k->rule;
    if (!k->lookback_at || (r->kind != RP_RULE_SCHEDULED && r->kind != RP_RULE_NRT)) return;
    int64_t period;
    if (!parse_period(r->query_period.text, &period)) return;
    if (k->lookback <= period) return;
    char a[32], b[32];
    format_ticks(a, sizeof a, k->lookback);
    format_ticks(b, sizeof b, period);
    rp_diag *d = rp_report(k->ctx, RP0317, nspan(k, k->lookback_at),
                           "the query looks back %s, but queryPeriod is %s: Sentinel only gives it the last %s of data",
                           a, b, b);
    if (d && r->query_period.node) rp_diag_set_related(d, r->query_period.node->span, "queryPeriod is set here");
}

void rp_kql_check_rule(rp_ctx *ctx, rp_rule *rule)
{
    if (!rule || !rule->query.text) return;
    rp_kql_query *q = rp_kql_parse_rule(ctx, rule);
    if (!q) return;
    rule->kql = q;
    kc k = {0};
    k.ctx = ctx;
    k.rule = rule;
    k.q = q;
    k.a = rp_kql_analyze(ctx, q);
    for (size_t i = 0; i < q->stmts.count; i++) walk(&k, q->stmts.items[i]);
    check_ti(&k);
    check_lookback(&k);
    if (rule->kind == RP_RULE_QUERY_FILE) return;
    check_data_types(&k);
    /* after a syntax error the parser's recovery may have dropped the operators that make the
     * output columns: an entity column "missing" then would only echo that error */
    if (!q->syntax_errors) check_output_columns(&k);
}
