/* rule_check.c: the schema checks of one rule file (RP01xx): SENTINEL-CI.md checks 1-29 for
 * Scheduled and NRT rules, the lighter set for hunting queries (no kind), and the gaps of its §5:
 * misspelled keys, scalar tactics, ATT&CK v18.1 techniques, tactic/technique consistency for every
 * kind, connectors vs dataTypes, empty texts. Field shapes, required-ness per kind, limits and enums
 * come from schema/rule-fields.yaml; the rules between fields are written here. Query checks are
 * kql_check.c's (the seam: rule->kql), exclusion filters excl_check.c's. */
#include "check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema.h"
#include "suggest.h"

/* Which column of rule-fields.yaml applies. */
typedef enum rp_kind_sel { RP_SEL_SCHEDULED, RP_SEL_NRT, RP_SEL_HUNTING } rp_kind_sel;

typedef struct rp_rcheck {
    rp_ctx *ctx;
    const rp_rule *rule;
    const rp_schema *schema;
    rp_kind_sel sel;
} rp_rcheck;

static rp_field_need need_of(const rp_rcheck *rc, const rp_schema_field *f)
{
    return rc->sel == RP_SEL_SCHEDULED ? f->scheduled : rc->sel == RP_SEL_NRT ? f->nrt : f->hunting;
}

static const char *kind_label(const rp_rcheck *rc)
{
    return rc->sel == RP_SEL_SCHEDULED ? "a Scheduled rule" : rc->sel == RP_SEL_NRT ? "an NRT rule" : "a hunting query";
}

static const char *scalar_text(const rp_ynode *node)
{
    node = rp_ynode_resolve(node);
    return node && node->kind == RP_Y_SCALAR ? node->value : NULL;
}

/* The span at the start of a node (for "missing field" reports inside it). */
static rp_span node_start(const rp_ynode *node)
{
    return rp_span_make(node->span.src, node->span.start, node->span.start);
}

static int is_blank(const char *text)
{
    for (; *text; text++)
        if (!isspace((unsigned char)*text)) return 0;
    return 1;
}

/* Characters (UTF-8 code points) of a string: Sentinel's limits count characters. */
static size_t char_length(const char *text, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++) n += ((unsigned char)text[i] & 0xC0) != 0x80;
    return n;
}

/* ---------------------------------------------------------------- value parsers */

static int hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* .NET Guid.Parse formats N, D, B and P (Newtonsoft accepts them all; check 1). */
static int is_guid(const char *s)
{
    size_t n = strlen(s);
    if (n == 32) return hex_run(s, 32);
    if (n == 38 && ((s[0] == '{' && s[37] == '}') || (s[0] == '(' && s[37] == ')'))) {
        s++;
        n = 36;
    }
    if (n != 36) return 0;
    return hex_run(s, 8) && s[8] == '-' && hex_run(s + 9, 4) && s[13] == '-' && hex_run(s + 14, 4) && s[18] == '-' &&
           hex_run(s + 19, 4) && s[23] == '-' && hex_run(s + 24, 12);
}

static int parse_uint(const char **p, long long *out, int max_digits)
{
    const char *s = *p;
    long long v = 0;
    int digits = 0;
    while (isdigit((unsigned char)*s) && digits < 12) {
        v = v * 10 + (*s - '0');
        s++;
        digits++;
    }
    if (!digits || (max_digits && digits > max_digits)) return 0;
    *p = s;
    *out = v;
    return 1;
}

/* queryFrequency/queryPeriod (check 11): .NET TimeSpan ("d", "[d.]hh:mm[:ss[.fffffff]]"), else an
 * integer with one lower-case unit m, h or d. Returns seconds, or -1. */
static long long parse_duration(const char *s)
{
    const char *p = s;
    long long a, b, c = 0, d;
    if (!parse_uint(&p, &a, 0)) return -1;
    if (*p == 0) return a * 86400; /* TimeSpan "d": whole days */
    if (p[1] == 0) {
        if (*p == 'm') return a * 60;
        if (*p == 'h') return a * 3600;
        if (*p == 'd') return a * 86400;
        return -1;
    }
    long long days = 0, hours = a;
    if (*p == '.') { /* d.hh:mm */
        p++;
        days = a;
        if (!parse_uint(&p, &hours, 2)) return -1;
    }
    if (*p != ':' || hours > 23) return -1;
    p++;
    if (!parse_uint(&p, &b, 2) || b > 59) return -1;
    if (*p == ':') {
        p++;
        if (!parse_uint(&p, &c, 2) || c > 59) return -1;
        if (*p == '.') {
            p++;
            if (!parse_uint(&p, &d, 7)) return -1;
        }
    }
    if (*p) return -1;
    return days * 86400 + hours * 3600 + b * 60 + c;
}

static void format_minutes(char *buf, size_t len, long long seconds)
{
    if (seconds % 86400 == 0) snprintf(buf, len, "%lld day%s", seconds / 86400, seconds == 86400 ? "" : "s");
    else if (seconds % 3600 == 0) snprintf(buf, len, "%lld hour%s", seconds / 3600, seconds == 3600 ? "" : "s");
    else if (seconds % 60 == 0) snprintf(buf, len, "%lld minute%s", seconds / 60, seconds == 60 ? "" : "s");
    else snprintf(buf, len, "%lld seconds", seconds);
}

/* ^[A-Za-z]+\w*$ (letter_first) or ^[A-Za-z_]+\w*$ */
static int is_identifier(const char *s, int letter_first)
{
    if (!*s) return 0;
    if (!(isalpha((unsigned char)*s) || (!letter_first && *s == '_'))) return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

/* ---------------------------------------------------------------- generic field walk */

static int has_children(const rp_schema *schema, const char *key)
{
    size_t n = rp_schema_field_count(schema);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rp_schema_field_at(schema, i)->parent, key) == 0) return 1;
    return 0;
}

/* Codes for the rule-file additions, so their problems read as theirs. */
static rp_diag_code shape_code(const char *container, rp_diag_code otherwise)
{
    if (strcmp(container, "exclusions") == 0) return RP0131;
    if (strcmp(container, "tests") == 0) return RP0132;
    return otherwise;
}

static void check_mapping(rp_rcheck *rc, const rp_ynode *map, const char *parent, const char *container);

static const char *shape_name(const rp_ynode *node)
{
    node = rp_ynode_resolve(node);
    if (!node) return "nothing";
    if (node->kind == RP_Y_SEQUENCE) return "a list";
    if (node->kind == RP_Y_MAPPING) return "a mapping";
    if (rp_yscalar_is_null(node)) return "an empty value";
    return "a scalar";
}

static void check_string(rp_rcheck *rc, const rp_schema_field *f, const rp_ynode *value, const char *container)
{
    const char *text = value->value;
    if (f->min > 0 && is_blank(text)) {
        rp_report(rc->ctx, shape_code(container, RP0108), value->span, "'%s' is %s", f->key,
                  value->value_len ? "blank" : "empty");
        return;
    }
    size_t chars = char_length(text, value->value_len);
    if (f->max > 0 && chars > (size_t)f->max)
        rp_report(rc->ctx, RP0107, value->span, "'%s' is %zu characters long; the limit is %lld", f->key, chars, f->max);
}

static void check_enum(rp_rcheck *rc, const rp_schema_field *f, const rp_ynode *value, const char *container)
{
    for (unsigned i = 0; i < f->values_count; i++)
        if (strcmp(f->values[i], value->value) == 0) return;
    for (unsigned i = 0; i < f->values_count; i++)
        if (strcasecmp(f->values[i], value->value) == 0 && !*container) {
            rp_report(rc->ctx, RP0137, value->span, "%s '%s' should be written '%s'", f->key, value->value, f->values[i]);
            return;
        }
    rp_suggest s;
    rp_suggest_init(&s, value->value);
    for (unsigned i = 0; i < f->values_count; i++) rp_suggest_consider(&s, f->values[i]);
    const char *best = rp_suggest_result(&s);
    char list[512] = "";
    for (unsigned i = 0; i < f->values_count; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", f->values[i]);
    }
    rp_diag *d = rp_report(rc->ctx, shape_code(container, RP0109), value->span, "'%s' is not a valid %s%s%s%s",
                           value->value, f->key, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
    if (d) rp_diag_set_hint(d, "accepted values (case-sensitive): %s", list);
}

/* Checks one present field against its schema entry. */
static void check_field(rp_rcheck *rc, const rp_schema_field *f, const rp_ynode *key, const rp_ynode *raw,
                        const char *container)
{
    const rp_ynode *value = rp_ynode_resolve(raw);
    if (!value) return;
    if (need_of(rc, f) == RP_NEED_IGNORED && !*f->parent) {
        rp_report(rc->ctx, RP0130, key->span, "'%s' has no effect in %s", f->key, kind_label(rc));
        return;
    }
    int scalar = value->kind == RP_Y_SCALAR;
    int null = scalar && rp_yscalar_is_null(value);
    switch (f->type) {
    case RP_FT_STRING: case RP_FT_GUID: case RP_FT_ENUM: case RP_FT_DURATION: case RP_FT_INT: case RP_FT_BOOL:
        if (!scalar) {
            rp_report(rc->ctx, shape_code(container, RP0103), value->span, "'%s' must be a single value, found %s",
                      f->key, shape_name(value));
            return;
        }
        if (null) {
            if (need_of(rc, f) == RP_NEED_REQUIRED || f->min > 0)
                rp_report(rc->ctx, shape_code(container, f->type == RP_FT_STRING ? RP0108 : RP0100), key->span,
                          "'%s' has no value", f->key);
            return;
        }
        break;
    case RP_FT_LIST:
        if (scalar && !null) {
            /* tactics: X, relevantTechniques: T1234: Sentinel expects a list */
            rp_diag *d = rp_report(rc->ctx, RP0104, value->span, "'%s' must be a list, found the scalar '%s'", f->key,
                                   value->value);
            if (d) rp_diag_set_hint(d, "write it as a list: `%s: [%s]` or `- %s` on the next line", f->key, value->value,
                                    value->value);
            return;
        }
        if (value->kind == RP_Y_MAPPING) {
            rp_report(rc->ctx, shape_code(container, RP0103), value->span, "'%s' must be a list, found a mapping", f->key);
            return;
        }
        if (value->kind == RP_Y_SEQUENCE) {
            for (size_t i = 0; i < value->count; i++) {
                const rp_ynode *item = rp_ynode_resolve(value->items[i]);
                if (item && item->kind != RP_Y_SCALAR)
                    rp_report(rc->ctx, shape_code(container, RP0103), item->span,
                              "items of '%s' must be single values, found %s", f->key, shape_name(item));
            }
        }
        break;
    case RP_FT_MAPPINGS:
        if (null) break;
        if (value->kind != RP_Y_SEQUENCE) {
            rp_report(rc->ctx, shape_code(f->parent[0] ? container : f->key, RP0103), value->span,
                      "'%s' must be a list of mappings, found %s", f->key, shape_name(value));
            return;
        }
        if ((f->min > 0 && value->count < (size_t)f->min) || (f->max > 0 && value->count > (size_t)f->max))
            rp_report(rc->ctx, RP0134, value->span, "'%s' has %zu entries; it must have %lld to %lld", f->key,
                      value->count, f->min, f->max);
        for (size_t i = 0; i < value->count; i++) {
            const rp_ynode *item = rp_ynode_resolve(value->items[i]);
            const char *inner = f->parent[0] ? container : f->key;
            if (!item || item->kind != RP_Y_MAPPING) {
                rp_report(rc->ctx, shape_code(inner, RP0103), item ? item->span : value->span,
                          "entries of '%s' must be mappings, found %s", f->key, shape_name(item));
                continue;
            }
            check_mapping(rc, item, f->key, inner);
        }
        return;
    case RP_FT_MAPPING:
        if (null) break;
        if (value->kind != RP_Y_MAPPING) {
            rp_report(rc->ctx, shape_code(container, RP0103), value->span, "'%s' must be a mapping, found %s", f->key,
                      shape_name(value));
            return;
        }
        if (has_children(rc->schema, f->key)) check_mapping(rc, value, f->key, f->parent[0] ? container : f->key);
        return;
    case RP_FT_ANY:
        return;
    }
    if (!scalar || null) return;
    const char *text = value->value;
    switch (f->type) {
    case RP_FT_STRING: check_string(rc, f, value, container); break;
    case RP_FT_ENUM:
        if (strcmp(f->key, "kind") != 0) check_enum(rc, f, value, container); /* kind: check_kind */
        break;
    case RP_FT_GUID:
        if (!is_guid(text)) rp_report(rc->ctx, RP0105, value->span, "'%s' is not a GUID", text);
        break;
    case RP_FT_DURATION: {
        long long seconds = parse_duration(text);
        if (seconds < 0) {
            rp_diag *d = rp_report(rc->ctx, RP0119, value->span, "'%s' is not a duration: %s", text,
                                   "<number><m|h|d> date format is expected");
            if (d) rp_diag_set_hint(d, "write e.g. 5m, 1h or 14d (lower-case unit), or a TimeSpan such as 01:00:00");
        } else if ((f->min > 0 && seconds < f->min * 60) || (f->max > 0 && seconds > f->max * 60)) {
            char got[64];
            format_minutes(got, sizeof got, seconds);
            rp_report(rc->ctx, RP0120, value->span, "'%s' is %s; it must be from 5 minutes to 14 days", f->key, got);
        }
        break;
    }
    case RP_FT_INT: {
        const char *p = text;
        long long v = 0;
        int neg = *p == '-';
        if (neg || *p == '+') p++;
        if (!parse_uint(&p, &v, 0) || *p || (neg ? -v : v) < f->min || (f->max && v > f->max) || neg)
            rp_report(rc->ctx, RP0123, value->span, "'%s' must be an integer from %lld to %lld, found '%s'", f->key,
                      f->min, f->max, text);
        break;
    }
    case RP_FT_BOOL: {
        static const char *const bools[] = {"true", "false", "True", "False", "TRUE", "FALSE", "yes", "no", "on", "off"};
        int ok = 0;
        for (size_t i = 0; i < sizeof bools / sizeof *bools; i++) ok |= strcmp(bools[i], text) == 0;
        if (!ok) rp_report(rc->ctx, RP0103, value->span, "'%s' must be true or false, found '%s'", f->key, text);
        break;
    }
    default: break;
    }
}

/* Every key of a mapping: known (checked by its schema entry) or unknown (did-you-mean), then the
 * required fields that are missing. */
static void check_mapping(rp_rcheck *rc, const rp_ynode *map, const char *parent, const char *container)
{
    for (size_t i = 0; i < map->count; i++) {
        const rp_ynode *key = rp_ynode_resolve(map->pairs[i].key);
        const char *name = scalar_text(key);
        if (!name) continue;
        const rp_schema_field *f = rp_schema_field_find(rc->schema, parent, name);
        if (f) {
            check_field(rc, f, key, map->pairs[i].value, container);
            continue;
        }
        rp_suggest s;
        rp_suggest_init(&s, name);
        size_t n = rp_schema_field_count(rc->schema);
        for (size_t k = 0; k < n; k++) {
            const rp_schema_field *cand = rp_schema_field_at(rc->schema, k);
            if (strcmp(cand->parent, parent) == 0 && !rp_ymap_get(map, cand->key, NULL))
                rp_suggest_consider(&s, cand->key);
        }
        const char *best = rp_suggest_result(&s);
        if (best && strcasecmp(best, name) == 0) {
            rp_report(rc->ctx, RP0138, key->span, "key '%s' should be written '%s'", name, best);
        } else if (best) {
            rp_diag *d = rp_report(rc->ctx, RP0102, key->span, "unknown key '%s': did you mean '%s'?", name, best);
            if (d) rp_diag_set_hint(d, "Sentinel ignores keys it does not know, so '%s' would be silently dropped", name);
        } else if (*parent) {
            rp_report(rc->ctx, shape_code(container, RP0101), key->span, "unknown key '%s' in '%s'", name, parent);
        } else {
            rp_report(rc->ctx, RP0101, key->span, "unknown key '%s'; Sentinel ignores it", name);
        }
    }
    size_t n = rp_schema_field_count(rc->schema);
    for (size_t k = 0; k < n; k++) {
        const rp_schema_field *f = rp_schema_field_at(rc->schema, k);
        if (strcmp(f->parent, parent) != 0 || need_of(rc, f) != RP_NEED_REQUIRED) continue;
        if (rp_ymap_get(map, f->key, NULL)) continue;
        if (*parent)
            rp_report(rc->ctx, shape_code(container, RP0100), node_start(map), "'%s' is missing '%s'", parent, f->key);
        else
            rp_report(rc->ctx, RP0100, node_start(map), "%s needs '%s'", kind_label(rc), f->key);
    }
}

/* ---------------------------------------------------------------- specific checks */

/* Check 2: kind Scheduled or NRT, exact case. */
static void check_kind(rp_rcheck *rc)
{
    const rp_rule *rule = rc->rule;
    if (rule->kind != RP_RULE_UNKNOWN) return;
    const rp_ynode *node = rule->kind_text.node;
    const char *text = rule->kind_text.text;
    if (text && (strcasecmp(text, "Scheduled") == 0 || strcasecmp(text, "NRT") == 0)) {
        const char *exact = strcasecmp(text, "NRT") == 0 ? "NRT" : "Scheduled";
        rp_report(rc->ctx, RP0133, node->span, "kind '%s' must be written '%s' (Azure-Sentinel's CI is case-sensitive)",
                  text, exact);
        return;
    }
    rp_diag *d = rp_report(rc->ctx, RP0106, rp_ynode_resolve(node)->span,
                           "the provided kind '%s' is not a valid template kind", text ? text : shape_name(node));
    if (d) rp_diag_set_hint(d, "kind is Scheduled or NRT; leave it out for a hunting query");
}

/* Check 7 and gaps: tactic names. */
static void check_tactics(rp_rcheck *rc)
{
    const rp_rule *rule = rc->rule;
    for (size_t i = 0; i < rule->tactic_count; i++) {
        const char *t = rule->tactics[i].text;
        if (!t) continue;
        const rp_ynode *node = rule->tactics[i].node;
        for (size_t k = 0; k < i; k++)
            if (rule->tactics[k].text && strcmp(rule->tactics[k].text, t) == 0) {
                rp_report(rc->ctx, RP0135, node->span, "tactic '%s' is listed twice", t);
                break;
            }
        if (rp_schema_tactic_valid(rc->schema, t)) continue;
        const char *same = NULL;
        for (size_t k = 0; k < rp_schema_tactic_count(rc->schema); k++)
            if (strcasecmp(rp_schema_tactic_at(rc->schema, k), t) == 0) same = rp_schema_tactic_at(rc->schema, k);
        if (same) {
            rp_report(rc->ctx, RP0137, node->span, "tactic '%s' should be written '%s'", t, same);
            continue;
        }
        if (rp_schema_tactic_legacy(rc->schema, t)) {
            rp_report(rc->ctx, RP0136, node->span,
                      "tactic '%s' is accepted by the Sentinel API but not by Azure-Sentinel's CI", t);
            continue;
        }
        /* "Command and Control", "command-and-control", "commandandcontrol" */
        char squeezed[128];
        size_t n = 0;
        for (const char *p = t; *p && n + 1 < sizeof squeezed; p++)
            if (isalnum((unsigned char)*p)) squeezed[n++] = *p;
        squeezed[n] = 0;
        const char *best = NULL;
        rp_suggest s;
        rp_suggest_init(&s, squeezed);
        for (size_t k = 0; k < rp_schema_tactic_count(rc->schema); k++) {
            const char *cand = rp_schema_tactic_at(rc->schema, k);
            if (strcasecmp(cand, squeezed) == 0) best = cand;
            rp_suggest_consider(&s, cand);
        }
        /* A tactic's name with spaces ("Credential Access", as Microsoft's Defender hunting queries
         * write it) in a hunting query: nothing checks or rejects hunting queries' tactics
         * (SENTINEL-CI.md section 4), so a warning there; a misspelling stays an error. */
        int spelling = best != NULL && rc->sel == RP_SEL_HUNTING;
        if (!best) best = rp_suggest_result(&s);
        rp_diag *d = rp_report(rc->ctx, spelling ? RP0143 : RP0110, node->span,
                               "'%s' is not a Sentinel tactic%s%s%s", t,
                               best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
        if (d && !best)
            rp_diag_set_hint(d, "tactics are written as Sentinel spells them, e.g. InitialAccess, CommandAndControl");
    }
}

static int rule_has_tactic(const rp_rule *rule, const char *tactic)
{
    for (size_t i = 0; i < rule->tactic_count; i++)
        if (rule->tactics[i].text && strcmp(rule->tactics[i].text, tactic) == 0) return 1;
    return 0;
}

static void join(char *buf, size_t len, char *const *items, size_t count)
{
    buf[0] = 0;
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", items[i]);
    }
}

/* T1234 or T1234.001 (upper-case T, as ATT&CK and Sentinel write them). */
static int technique_format(const char *t)
{
    size_t n = strlen(t);
    if (n != 5 && n != 9) return 0;
    if (t[0] != 'T') return 0;
    for (int i = 1; i < 5; i++)
        if (!isdigit((unsigned char)t[i])) return 0;
    if (n == 5) return 1;
    return t[5] == '.' && isdigit((unsigned char)t[6]) && isdigit((unsigned char)t[7]) && isdigit((unsigned char)t[8]);
}

/* Check 8 and gap 6: technique ids against ATT&CK v18.1 and Sentinel CI's frozen table; tactic
 * consistency for every kind (the CI skips NRT and hunting queries). */
static void check_techniques(rp_rcheck *rc)
{
    const rp_rule *rule = rc->rule;
    const char *version = rp_schema_attack_version(rc->schema);
    for (size_t i = 0; i < rule->technique_count; i++) {
        const char *t = rule->techniques[i].text;
        if (!t) continue;
        const rp_ynode *node = rule->techniques[i].node;
        for (size_t k = 0; k < i; k++)
            if (rule->techniques[k].text && strcmp(rule->techniques[k].text, t) == 0) {
                rp_report(rc->ctx, RP0135, node->span, "technique '%s' is listed twice", t);
                break;
            }
        if (!technique_format(t)) {
            rp_diag *d = rp_report(rc->ctx, RP0111, node->span, "'%s' is not a technique id", t);
            if (d) {
                char fixed[16];
                if (strlen(t) < sizeof fixed && (t[0] == 't') && (snprintf(fixed, sizeof fixed, "T%s", t + 1), technique_format(fixed)))
                    rp_diag_set_hint(d, "write it with an upper-case T: %s", fixed);
                else
                    rp_diag_set_hint(d, "a technique id is T followed by 4 digits, with .NNN for a sub-technique (T1059.001)");
            }
            continue;
        }
        char parent[6];
        memcpy(parent, t, 5);
        parent[5] = 0;
        size_t kc_count = 0;
        char *const *kc = rp_schema_killchain_find(rc->schema, parent, &kc_count);
        const rp_schema_technique *tech = rp_schema_technique_find(rc->schema, t);
        char *const *tactics = NULL;
        size_t tactic_count = 0;
        if (!tech) {
            if (kc && strlen(t) == 5) {
                /* Not Enterprise ATT&CK but in Sentinel's table (ICS T08xx, Mobile): use that table */
                tactics = kc;
                tactic_count = kc_count;
            } else {
                const rp_schema_technique *p = strlen(t) == 9 ? rp_schema_technique_find(rc->schema, parent) : NULL;
                if (p)
                    rp_report(rc->ctx, RP0112, node->span, "'%s' is not a sub-technique of %s (%s) in ATT&CK v%s", t,
                              parent, p->name, version);
                else
                    rp_report(rc->ctx, RP0112, node->span, "'%s' is not an ATT&CK Enterprise v%s technique", t, version);
                continue;
            }
        } else if (tech->status == RP_TECH_REVOKED) {
            const rp_schema_technique *by = tech->revoked_by ? rp_schema_technique_find(rc->schema, tech->revoked_by) : NULL;
            rp_diag *d = rp_report(rc->ctx, RP0113, node->span, "%s (%s) is revoked in ATT&CK v%s%s%s%s%s%s", t,
                                   tech->name, version, by ? ": use " : "", by ? by->id : "", by ? " (" : "",
                                   by ? by->name : "", by ? ")" : "");
            if (d && by) rp_diag_set_hint(d, "replace it with %s", by->id);
            continue;
        } else {
            if (tech->status == RP_TECH_DEPRECATED)
                rp_report(rc->ctx, RP0114, node->span, "%s (%s) is deprecated in ATT&CK v%s", t, tech->name, version);
            tactics = tech->tactics;
            tactic_count = tech->tactics_count;
        }
        /* consistency with the rule's tactics (ATT&CK's own mapping) */
        int any = 0;
        for (size_t k = 0; k < tactic_count; k++) any |= rule_has_tactic(rule, tactics[k]);
        if (!any && tactic_count) {
            char list[256];
            join(list, sizeof list, tactics, tactic_count);
            rp_diag *d = rp_report(rc->ctx, RP0115, node->span,
                                   "no tactic of technique %s is listed in tactics (it belongs to %s)", t, list);
            if (d) rp_diag_set_hint(d, "add %s to tactics", tactics[0]);
            continue;
        }
        if (!tech) continue;
        /* what Azure-Sentinel's CI would say: its table must know the (parent) technique and map it
         * to one of the rule's tactics */
        if (!kc) {
            rp_report(rc->ctx, RP0116, node->span,
                      "%s is valid ATT&CK v%s but missing from Sentinel CI's frozen technique table: Azure-Sentinel's "
                      "CI would reject this rule",
                      parent, version);
        } else {
            int ok = 0;
            for (size_t k = 0; k < kc_count; k++) ok |= rule_has_tactic(rule, kc[k]);
            if (!ok) {
                char list[256];
                join(list, sizeof list, kc, kc_count);
                rp_report(rc->ctx, RP0116, node->span,
                          "Sentinel CI's frozen technique table maps %s only to %s, which tactics does not list: "
                          "Azure-Sentinel's CI would reject this rule",
                          parent, list);
            }
        }
    }
}

/* Check 10 and gap 1: connector ids and the tables each feeds. */
static void check_connectors(rp_rcheck *rc)
{
    const rp_rule *rule = rc->rule;
    for (size_t i = 0; i < rule->connector_count; i++) {
        const rp_rule_connector *c = &rule->connectors[i];
        if (!c->connector_id.text) continue;
        const char *id = c->connector_id.text;
        const rp_schema_connector *conn = rp_schema_connector_find(rc->schema, id);
        if (!conn) {
            rp_suggest s;
            rp_suggest_init(&s, id);
            for (size_t k = 0; k < rp_schema_connector_count(rc->schema); k++)
                rp_suggest_consider(&s, rp_schema_connector_at(rc->schema, k)->id);
            const char *best = rp_suggest_result(&s);
            rp_diag *d = rp_report(rc->ctx, rc->sel == RP_SEL_HUNTING ? RP0144 : RP0117, c->connector_id.node->span,
                                   "'%s' is not a valid connector id%s%s%s",
                                   id, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
            if (d) rp_diag_set_hint(d, "a private connector can be declared with --schema DIR (docs/schema-extensions.md)");
            continue;
        }
        if (!conn->tables_count) continue;
        for (size_t k = 0; k < c->data_type_count; k++) {
            const char *table = c->data_types[k].text;
            if (!table) continue;
            /* "OfficeActivity (Exchange)": Azure-Sentinel's Office 365 rules qualify the table with
             * the workload, as the connector's own dataTypes do; the table is the part before " (" */
            const char *paren = strstr(table, " (");
            size_t len = paren ? (size_t)(paren - table) : strlen(table);
            int fed = 0;
            for (unsigned j = 0; j < conn->tables_count && !fed; j++)
                fed = strncmp(conn->tables[j], table, len) == 0 && conn->tables[j][len] == '\0';
            if (!fed)
                rp_report(rc->ctx, RP0118, c->data_types[k].node->span, "connector '%s' does not feed '%s'", id, table);
        }
    }
}

/* Checks 12 and 13. */
static void check_schedule(rp_rcheck *rc)
{
    const rp_rule *rule = rc->rule;
    if (rc->sel != RP_SEL_SCHEDULED || !rule->query_frequency.text || !rule->query_period.text) return;
    long long freq = parse_duration(rule->query_frequency.text);
    long long period = parse_duration(rule->query_period.text);
    if (freq < 0 || period < 0) return;
    const rp_schema_rule_limits *lim = rp_schema_rule_limits_get(rc->schema);
    char fs[64], ps[64];
    format_minutes(fs, sizeof fs, freq);
    format_minutes(ps, sizeof ps, period);
    if (period < freq)
        rp_report(rc->ctx, RP0121, rule->query_period.node->span,
                  "queryPeriod (%s) should be greater than or equal to queryFrequency (%s)", ps, fs);
    if (period >= lim->long_period_minutes * 60 && freq < lim->long_period_min_frequency * 60)
        rp_report(rc->ctx, RP0122, rule->query_frequency.node->span,
                  "when queryPeriod (%s) is 2 days or more, queryFrequency (%s) should be at least 1 hour", ps, fs);
}

/* Check 17. */
static void check_custom_details(rp_rcheck *rc)
{
    const rp_ynode *map = rp_ynode_resolve(rc->rule->custom_details);
    if (!map || map->kind != RP_Y_MAPPING) return;
    const rp_schema_rule_limits *lim = rp_schema_rule_limits_get(rc->schema);
    if ((long long)map->count > lim->custom_details_max)
        rp_report(rc->ctx, RP0124, map->span, "customDetails has %zu entries; at most %lld are allowed", map->count,
                  lim->custom_details_max);
    for (size_t i = 0; i < map->count; i++) {
        const rp_ynode *key = rp_ynode_resolve(map->pairs[i].key);
        const rp_ynode *value = rp_ynode_resolve(map->pairs[i].value);
        const char *k = scalar_text(key);
        if (k && (!is_identifier(k, 1) || (long long)strlen(k) > lim->custom_details_key_max))
            rp_report(rc->ctx, RP0124, key->span,
                      "the key '%s' in customDetails is invalid: it must start with a letter, contain only letters, "
                      "digits and _, and have at most %lld characters",
                      k, lim->custom_details_key_max);
        const char *v = scalar_text(value);
        if (!value || value->kind != RP_Y_SCALAR || rp_yscalar_is_null(value)) {
            rp_report(rc->ctx, RP0124, value ? value->span : key->span, "the value of '%s' in customDetails must be a column name",
                      k ? k : "?");
        } else if (!is_identifier(v, 0) || (long long)strlen(v) > lim->custom_details_value_max) {
            rp_report(rc->ctx, RP0124, value->span, "the value '%s' in customDetails is not a column name", v);
        }
    }
}

/* Check 18: entity types, identifiers, column names, required identifier combinations. */
static void check_entity_mappings(rp_rcheck *rc)
{
    const rp_ynode *list = rp_ynode_resolve(rc->rule->entity_mappings);
    if (!list || list->kind != RP_Y_SEQUENCE) return;
    const rp_schema_entity_limits *lim = rp_schema_entity_limits_get(rc->schema);
    for (size_t i = 0; i < list->count; i++) {
        const rp_ynode *m = rp_ynode_resolve(list->items[i]);
        if (!m || m->kind != RP_Y_MAPPING) continue;
        const rp_ynode *type_node = rp_ynode_resolve(rp_ymap_get(m, "entityType", NULL));
        const char *type = scalar_text(type_node);
        const rp_schema_entity *entity = type ? rp_schema_entity_find(rc->schema, type) : NULL;
        if (type && !entity && !rp_yscalar_is_null(type_node)) {
            rp_suggest s;
            rp_suggest_init(&s, type);
            for (size_t k = 0; k < rp_schema_entity_count(rc->schema); k++)
                rp_suggest_consider(&s, rp_schema_entity_at(rc->schema, k)->type);
            const char *best = rp_suggest_result(&s);
            rp_report(rc->ctx, RP0125, type_node->span, "'%s' is not an entity type%s%s%s", type,
                      best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
        }
        const rp_ynode *fields = rp_ynode_resolve(rp_ymap_get(m, "fieldMappings", NULL));
        if (!fields || fields->kind != RP_Y_SEQUENCE) continue;
        const char *seen[64];
        size_t seen_count = 0;
        for (size_t k = 0; k < fields->count; k++) {
            const rp_ynode *fm = rp_ynode_resolve(fields->items[k]);
            if (!fm || fm->kind != RP_Y_MAPPING) continue;
            const rp_ynode *id_node = rp_ynode_resolve(rp_ymap_get(fm, "identifier", NULL));
            const char *id = scalar_text(id_node);
            if (id && entity) {
                int valid = 0;
                for (unsigned j = 0; j < entity->identifiers_count && !valid; j++)
                    valid = strcmp(entity->identifiers[j], id) == 0;
                if (!valid) {
                    char all[512];
                    join(all, sizeof all, entity->identifiers, entity->identifiers_count);
                    rp_diag *d = rp_report(rc->ctx, RP0125, id_node->span,
                                           "invalid identifier '%s' for entity type '%s'", id, entity->type);
                    if (d) rp_diag_set_hint(d, "valid identifiers are: %s", all);
                }
            }
            if (id) {
                for (size_t j = 0; j < seen_count; j++)
                    if (strcmp(seen[j], id) == 0) {
                        rp_report(rc->ctx, RP0125, id_node->span, "identifier '%s' is defined multiple times", id);
                        break;
                    }
                if (seen_count < 64) seen[seen_count++] = id;
            }
            const rp_ynode *col_node = rp_ynode_resolve(rp_ymap_get(fm, "columnName", NULL));
            const char *col = scalar_text(col_node);
            if (col && !rp_yscalar_is_null(col_node) && (!is_identifier(col, 0) || strlen(col) > lim->column_max))
                rp_report(rc->ctx, RP0125, col_node->span,
                          "the columnName '%s' is invalid: it must start with a letter or _, and contain only letters, "
                          "digits and _",
                          col);
        }
        if (!entity || !seen_count) continue;
        /* at least one required combination fully mapped */
        int satisfied = 0;
        for (unsigned r = 0; r < entity->required_one_of_count && !satisfied; r++) {
            const char *combo = entity->required_one_of[r];
            int all = 1;
            while (*combo && all) {
                const char *plus = strchr(combo, '+');
                size_t len = plus ? (size_t)(plus - combo) : strlen(combo);
                int found = 0;
                for (size_t j = 0; j < seen_count && !found; j++)
                    found = strlen(seen[j]) == len && strncmp(seen[j], combo, len) == 0;
                all = found;
                combo += len + (plus ? 1 : 0);
            }
            satisfied = all;
        }
        if (!satisfied) {
            char req[512];
            join(req, sizeof req, entity->required_one_of, entity->required_one_of_count);
            rp_diag *d = rp_report(rc->ctx, RP0125, fields->span, "missing required identifiers for entity type '%s'",
                                   entity->type);
            if (d) rp_diag_set_hint(d, "map one of these (A+B: both): %s", req);
        }
    }
}

/* Check 19: legacy *CustomEntity columns need a new-style mapping (Scheduled). */
static void check_legacy_entities(rp_rcheck *rc)
{
    static const char *const legacy[] = {"AccountCustomEntity", "HostCustomEntity", "IPCustomEntity",
                                         "URLCustomEntity", "ProcessCustomEntity", "FileHashCustomEntity"};
    const rp_rule *rule = rc->rule;
    if (rc->sel != RP_SEL_SCHEDULED || !rule->query.text) return;
    const rp_ynode *list = rp_ynode_resolve(rule->entity_mappings);
    for (size_t i = 0; i < sizeof legacy / sizeof *legacy; i++) {
        const char *at = strstr(rule->query.text, legacy[i]);
        if (!at) continue;
        int mapped = 0;
        for (size_t k = 0; list && list->kind == RP_Y_SEQUENCE && k < list->count && !mapped; k++) {
            const rp_ynode *fields = rp_ynode_resolve(rp_ymap_get(rp_ynode_resolve(list->items[k]), "fieldMappings", NULL));
            for (size_t j = 0; fields && fields->kind == RP_Y_SEQUENCE && j < fields->count && !mapped; j++) {
                const char *col = scalar_text(rp_ymap_get(rp_ynode_resolve(fields->items[j]), "columnName", NULL));
                mapped = col && strcmp(col, legacy[i]) == 0;
            }
        }
        if (!mapped) {
            size_t off = (size_t)(at - rule->query.text);
            rp_diag *d = rp_report(rc->ctx, RP0126, rp_rule_query_span(rule, off, off + strlen(legacy[i])),
                                   "the old mapping for entity '%s' does not have a matching entityMappings entry",
                                   legacy[i]);
            if (d) rp_diag_set_hint(d, "add an entityMappings entry with columnName: %s", legacy[i]);
        }
    }
}

/* Check 20: alertDetailsOverride formats: at most 3 {{placeholders}} each. */
static void check_alert_details(rp_rcheck *rc)
{
    const rp_ynode *map = rp_ynode_resolve(rc->rule->alert_details_override);
    if (!map || map->kind != RP_Y_MAPPING) return;
    const rp_schema_rule_limits *lim = rp_schema_rule_limits_get(rc->schema);
    static const char *const formats[] = {"alertDisplayNameFormat", "alertDescriptionFormat"};
    for (size_t i = 0; i < 2; i++) {
        const rp_ynode *v = rp_ynode_resolve(rp_ymap_get(map, formats[i], NULL));
        const char *text = scalar_text(v);
        if (!text) continue;
        long long n = 0;
        for (const char *p = strstr(text, "{{"); p; p = strstr(p + 2, "{{"))
            if (strstr(p + 2, "}}")) n++;
        if (n > lim->placeholders_max)
            rp_report(rc->ctx, RP0127, v->span, "you have defined %lld parameters in '%s'; the maximum allowed is %lld", n,
                      formats[i], lim->placeholders_max);
    }
}

/* Check 21: version X.Y.Z, all numbers. */
static void check_version(rp_rcheck *rc)
{
    const rp_rule_text *v = &rc->rule->version;
    /* hunting queries: the CI checks no version, and neither do we (lighter rules) */
    if (!v->text || rc->sel == RP_SEL_HUNTING) return;
    const char *p = v->text;
    long long part;
    int ok = 1;
    for (int i = 0; i < 3 && ok; i++) {
        ok = parse_uint(&p, &part, 0);
        if (ok && i < 2) ok = *p++ == '.';
    }
    ok = ok && *p == 0;
    const rp_schema_rule_limits *lim = rp_schema_rule_limits_get(rc->schema);
    if (!ok || (long long)strlen(v->text) > lim->version_max) {
        rp_diag *d = rp_report(rc->ctx, RP0128, v->node->span, "version '%s' should be in format X.Y.Z (all numbers)%s",
                               v->text, ok ? ", at most 20 characters" : "");
        if (d) rp_diag_set_hint(d, "e.g. version: 1.0.0");
    }
}

/* tests: now must be an ISO-8601 instant when given (the run uses it for now()). */
static void check_tests(rp_rcheck *rc)
{
    const rp_rule *rule = rc->rule;
    for (size_t i = 0; i < rule->test_count; i++) {
        const rp_rule_test *t = &rule->tests[i];
        if (!t->now.text) continue;
        const char *s = t->now.text;
        int ok = strlen(s) >= 10 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[3]) && s[4] == '-' &&
                 s[7] == '-' && isdigit((unsigned char)s[8]) && isdigit((unsigned char)s[9]);
        if (ok && s[10]) ok = (s[10] == 'T' || s[10] == ' ') && strlen(s) >= 16 && s[13] == ':';
        if (!ok) {
            rp_diag *d = rp_report(rc->ctx, RP0132, t->now.node->span, "test 'now' '%s' is not an ISO-8601 instant", s);
            if (d) rp_diag_set_hint(d, "e.g. now: \"2026-11-28T00:00:00Z\"");
        }
    }
}

/* Check 28: ASCII only, anywhere in the file. Reports the first non-ASCII character. */
static void check_ascii(rp_rcheck *rc)
{
    const rp_source *src = rc->rule->src;
    for (size_t i = src->body_start; i < src->len; i++) {
        unsigned char c = (unsigned char)src->text[i];
        if (c < 0x80) continue;
        size_t len = 1;
        unsigned cp = c;
        if (c >= 0xF0) len = 4, cp = c & 0x07;
        else if (c >= 0xE0) len = 3, cp = c & 0x0F;
        else if (c >= 0xC0) len = 2, cp = c & 0x1F;
        for (size_t k = 1; k < len && i + k < src->len; k++) cp = (cp << 6) | ((unsigned char)src->text[i + k] & 0x3F);
        if (i + len > src->len) len = src->len - i;
        size_t count = 0;
        for (size_t k = i; k < src->len; k++) count += (unsigned char)src->text[k] >= 0x80 && ((unsigned char)src->text[k] & 0xC0) != 0x80;
        rp_diag *d = rp_report(rc->ctx, RP0129, rp_span_make(src, i, i + len),
                               "non-ASCII character U+%04X '%.*s'%s", cp, (int)len, src->text + i,
                               count > 1 ? " (the first of several)" : "");
        if (d) rp_diag_set_hint(d, "Azure-Sentinel's CI accepts only ASCII in rule files; replace it (e.g. typographic quotes with ' or \")");
        return;
    }
}

void rp_rule_check(rp_ctx *ctx, const rp_rule *rule)
{
    if (!rule || !rule->root || rule->kind == RP_RULE_QUERY_FILE || !ctx->schema) return;
    rp_rcheck rc = {ctx, rule, ctx->schema, RP_SEL_HUNTING};
    if (rule->kind == RP_RULE_SCHEDULED) rc.sel = RP_SEL_SCHEDULED;
    else if (rule->kind == RP_RULE_NRT) rc.sel = RP_SEL_NRT;
    else if (rule->kind == RP_RULE_UNKNOWN)
        rc.sel = rule->kind_text.text && strcasecmp(rule->kind_text.text, "NRT") == 0 ? RP_SEL_NRT : RP_SEL_SCHEDULED;
    check_ascii(&rc);
    check_kind(&rc);
    check_mapping(&rc, rule->root, "", "");
    check_tactics(&rc);
    check_techniques(&rc);
    check_connectors(&rc);
    check_schedule(&rc);
    check_custom_details(&rc);
    check_entity_mappings(&rc);
    check_legacy_entities(&rc);
    check_alert_details(&rc);
    check_version(&rc);
    check_tests(&rc);
}
