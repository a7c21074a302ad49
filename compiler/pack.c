/* pack.c: checks across the files of one run (RP014x): duplicate ids among analytic rules and
 * hunting queries together (SENTINEL-CI.md check 23, which covers analytic rules only, and gap 12),
 * duplicate file names among analytic rules (check 24: the CI finds files by name), and analytic
 * rules in .yml files (check 22). Everything a rule contributes is copied: its arena is freed
 * before rp_pack_finish runs. */
#include "check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct rp_pack_entry {
    char *id;          /* normalised: lower-case, no braces (GUIDs compare by value) */
    char *id_text;     /* as written */
    char *file;
    char *base;        /* file name without folders */
    unsigned line, column;
    rp_rule_kind kind;
    size_t order;
} rp_pack_entry;

struct rp_pack {
    rp_pack_entry *items;
    size_t count, capacity;
};

rp_pack *rp_pack_new(void) { return rp_xcalloc(1, sizeof(rp_pack)); }

void rp_pack_free(rp_pack *pack)
{
    if (!pack) return;
    for (size_t i = 0; i < pack->count; i++) {
        free(pack->items[i].id);
        free(pack->items[i].id_text);
        free(pack->items[i].file);
    }
    free(pack->items);
    free(pack);
}

static int is_analytic(rp_rule_kind kind)
{
    return kind == RP_RULE_SCHEDULED || kind == RP_RULE_NRT || kind == RP_RULE_UNKNOWN;
}

void rp_pack_add_rule(rp_pack *pack, rp_ctx *ctx, const rp_rule *rule)
{
    if (!pack || !rule || rule->kind == RP_RULE_QUERY_FILE || !rule->src) return;
    if (pack->count == pack->capacity) {
        pack->capacity = pack->capacity ? pack->capacity * 2 : 64;
        pack->items = rp_xrealloc(pack->items, pack->capacity * sizeof *pack->items);
    }
    rp_pack_entry *e = &pack->items[pack->count];
    memset(e, 0, sizeof *e);
    e->order = pack->count++;
    e->kind = rule->kind;
    e->file = rp_xstrdup(rule->src->path);
    const char *slash = strrchr(e->file, '/');
    e->base = slash ? (char *)slash + 1 : e->file;
    if (rule->id.text && rule->id.node) {
        const char *t = rule->id.text;
        e->id_text = rp_xstrdup(t);
        size_t n = strlen(t);
        if (n >= 2 && (t[0] == '{' || t[0] == '(')) {
            t++;
            n -= 2;
        }
        e->id = rp_xstrndup(t, n);
        for (char *p = e->id; *p; p++) {
            if (*p == '-') { /* 32-digit and dashed forms of a GUID are the same id */
                memmove(p, p + 1, strlen(p));
                p--;
                continue;
            }
            *p = (char)tolower((unsigned char)*p);
        }
        rp_source_locate(rule->src, rule->id.node->span.start, &e->line, &e->column);
    }
    /* check 22: Azure-Sentinel's CI accepts analytic rules only as .yaml */
    size_t len = strlen(e->file);
    if (is_analytic(rule->kind) && len > 4 && strcmp(e->file + len - 4, ".yml") == 0) {
        rp_diag *d = rp_report(ctx, RP0142, rp_span_make(rule->src, rule->src->body_start, rule->src->body_start),
                               "analytic rule in a .yml file: Azure-Sentinel's CI accepts only .yaml");
        if (d) rp_diag_set_hint(d, "rename it to %.*s.yaml", (int)(len - 4), e->file);
    }
}

static int by_id(const void *a, const void *b)
{
    const rp_pack_entry *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_base(const void *a, const void *b)
{
    const rp_pack_entry *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

void rp_pack_finish(rp_pack *pack, rp_diag_sink *diags)
{
    if (!pack || !pack->count) return;
    rp_pack_entry *sorted = rp_xmalloc(pack->count * sizeof *sorted);
    size_t n = 0;
    for (size_t i = 0; i < pack->count; i++)
        if (pack->items[i].id) sorted[n++] = pack->items[i];
    qsort(sorted, n, sizeof *sorted, by_id);
    /* every later occurrence is reported, pointing at the first */
    for (size_t i = 1; i < n; i++) {
        size_t first = i;
        while (first > 0 && strcmp(sorted[first - 1].id, sorted[i].id) == 0) first--;
        if (first == i) continue;
        const rp_pack_entry *a = &sorted[first], *b = &sorted[i];
        rp_diag *d = rp_diag_report_at(diags, RP0140, b->file, b->line, b->column,
                                       "id %s is also used by %s:%u:%u (%s)", b->id_text, a->file, a->line, a->column,
                                       rp_rule_kind_name(a->kind));
        if (d) rp_diag_set_hint(d, "every analytic rule and hunting query needs its own id; generate a new GUID");
    }
    n = 0;
    for (size_t i = 0; i < pack->count; i++)
        if (is_analytic(pack->items[i].kind)) sorted[n++] = pack->items[i];
    qsort(sorted, n, sizeof *sorted, by_base);
    for (size_t i = 1; i < n; i++) {
        size_t first = i;
        while (first > 0 && strcmp(sorted[first - 1].base, sorted[i].base) == 0) first--;
        if (first == i) continue;
        rp_diag *d = rp_diag_report_at(diags, RP0141, sorted[i].file, 1, 1,
                                       "another analytic rule has the file name '%s': %s", sorted[i].base,
                                       sorted[first].file);
        if (d) rp_diag_set_hint(d, "Azure-Sentinel's CI locates templates by file name; rename one of them");
    }
    free(sorted);
}
