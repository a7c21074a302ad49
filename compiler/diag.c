/* diag.c: collecting diagnostics and rendering them (see diag.h). */
#include "diag.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "rp_limits.h"
#include "version.h"

static const rp_diag_info diag_table[RP_DIAG_COUNT] = {
#define RP_DIAG(code, sev, slug, summary) {#code, RP_SEV_##sev, slug, summary},
#include "diag_codes.def"
#undef RP_DIAG
};

const rp_diag_info *rp_diag_info_of(rp_diag_code code) { return &diag_table[code]; }

rp_diag_code rp_diag_code_from_text(const char *text)
{
    for (int i = 0; i < RP_DIAG_COUNT; i++)
        if (strcmp(diag_table[i].code, text) == 0 || strcmp(diag_table[i].slug, text) == 0)
            return (rp_diag_code)i;
    return RP_DIAG_COUNT;
}

const char *rp_severity_name(rp_severity severity)
{
    switch (severity) {
    case RP_SEV_NOTE: return "note";
    case RP_SEV_WARNING: return "warning";
    case RP_SEV_ERROR: return "error";
    default: return "off";
    }
}

void rp_diag_sink_init(rp_diag_sink *sink)
{
    memset(sink, 0, sizeof *sink);
    for (int i = 0; i < RP_DIAG_COUNT; i++) sink->override[i] = diag_table[i].severity;
}

void rp_diag_sink_free(rp_diag_sink *sink)
{
    for (size_t i = 0; i < sink->count; i++) {
        rp_diag *d = &sink->items[i];
        free(d->file);
        free(d->message);
        free(d->hint);
        free(d->rule_id);
        free(d->source_line);
        free(d->related_message);
    }
    free(sink->items);
    memset(sink, 0, sizeof *sink);
}

void rp_diag_begin_file(rp_diag_sink *sink)
{
    sink->per_file_count = 0;
    sink->per_file_dropped = 0;
}

void rp_diag_end_file(rp_diag_sink *sink, const char *path)
{
    if (sink->per_file_dropped) {
        size_t dropped = sink->per_file_dropped;
        sink->per_file_count = 0; /* let the summary itself through */
        sink->per_file_dropped = 0;
        rp_diag_report_at(sink, RP0008, path, 0, 0,
                          "%zu more diagnostics in this file were not shown (limit %d per file)",
                          dropped, RP_MAX_DIAGS_PER_FILE);
    }
}

static rp_diag *new_diag(rp_diag_sink *sink, rp_diag_code code)
{
    rp_severity severity = sink->override[code];
    if (severity == RP_SEV_OFF) return NULL;
    if (sink->per_file_count >= RP_MAX_DIAGS_PER_FILE) {
        sink->per_file_dropped++;
        return NULL;
    }
    sink->per_file_count++;
    if (sink->count == sink->capacity) {
        sink->capacity = sink->capacity ? sink->capacity * 2 : 64;
        sink->items = rp_xrealloc(sink->items, sink->capacity * sizeof(rp_diag));
    }
    rp_diag *d = &sink->items[sink->count];
    memset(d, 0, sizeof *d);
    d->code = code;
    d->severity = severity;
    d->sequence = sink->count++;
    if (severity == RP_SEV_ERROR)
        sink->errors++;
    else if (severity == RP_SEV_WARNING)
        sink->warnings++;
    else
        sink->notes++;
    return d;
}

/* Length of a character that must never reach a terminal raw although it is valid UTF-8: C1
 * controls (U+0080-U+009F, e.g. CSI) and the bidirectional overrides and isolates that can make
 * source text read differently from what it is (U+061C, U+200E-U+200F, U+202A-U+202E,
 * U+2066-U+2069). Returns 0 for anything else. */
static size_t unsafe_unicode(const unsigned char *p, size_t rem)
{
    if (rem >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) return 2;
    if (rem >= 2 && p[0] == 0xD8 && p[1] == 0x9C) return 2;
    if (rem >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE)))
        return 3;
    if (rem >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9) return 3;
    return 0;
}

/* The source line shown under a diagnostic: control characters (other than tab) and the
 * characters unsafe_unicode names become one '?' each (one column, so the caret still lines up),
 * so a diagnostic cannot rewrite a terminal. */
static char *printable_copy(const char *text, size_t len)
{
    char *copy = rp_xmalloc(len + 1), *o = copy;
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        size_t unsafe = unsafe_unicode(p + i, len - i);
        if (unsafe) {
            *o++ = '?';
            i += unsafe;
        } else {
            *o++ = ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F) ? '?' : (char)p[i];
            i++;
        }
    }
    *o = '\0';
    return copy;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t rem)
{
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!n || rem < n) return 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < n; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    return n;
}

/* Diagnostic text quotes the user's bytes, which need not be UTF-8 (a .kql file, a path); JSON
 * and SARIF writers (jansson) refuse such strings and would drop the field. Every byte that does
 * not start a well-formed sequence becomes U+FFFD. Takes ownership of text. */
static char *utf8_clean(char *text)
{
    if (!text) return NULL;
    size_t len = strlen(text), bad = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence((const unsigned char *)text + i, len - i);
        if (n) i += n;
        else bad++, i++;
    }
    if (!bad) return text;
    char *out = rp_xmalloc(len + 2 * bad + 1), *o = out;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence((const unsigned char *)text + i, len - i);
        if (n) {
            memcpy(o, text + i, n);
            o += n, i += n;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3, i++;
        }
    }
    *o = '\0';
    free(text);
    return out;
}

rp_diag *rp_diag_vreport(rp_diag_sink *sink, rp_diag_code code, rp_span span, const char *rule_id,
                         const char *fmt, va_list ap)
{
    rp_diag *d = new_diag(sink, code);
    if (!d) return NULL;
    d->message = utf8_clean(rp_xvprintf(fmt, ap));
    if (rule_id && *rule_id) d->rule_id = utf8_clean(rp_xstrdup(rule_id));
    if (span.src) {
        d->file = utf8_clean(rp_xstrdup(span.src->path));
        rp_source_locate(span.src, span.start, &d->line, &d->column);
        rp_source_locate(span.src, span.end, &d->end_line, &d->end_column);
        size_t len;
        const char *text = rp_source_line(span.src, d->line, &len);
        d->source_line = printable_copy(text, len);
    }
    return d;
}

rp_diag *rp_diag_report(rp_diag_sink *sink, rp_diag_code code, rp_span span, const char *rule_id,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_diag *d = rp_diag_vreport(sink, code, span, rule_id, fmt, ap);
    va_end(ap);
    return d;
}

rp_diag *rp_diag_report_at(rp_diag_sink *sink, rp_diag_code code, const char *file, unsigned line,
                           unsigned column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_span none = {0};
    rp_diag *d = rp_diag_vreport(sink, code, none, NULL, fmt, ap);
    va_end(ap);
    if (d) {
        d->file = file ? utf8_clean(rp_xstrdup(file)) : NULL;
        d->line = d->end_line = line;
        d->column = d->end_column = column;
    }
    return d;
}

void rp_diag_set_hint(rp_diag *diag, const char *fmt, ...)
{
    if (!diag) return;
    va_list ap;
    va_start(ap, fmt);
    free(diag->hint);
    diag->hint = utf8_clean(rp_xvprintf(fmt, ap));
    va_end(ap);
}

void rp_diag_set_related(rp_diag *diag, rp_span span, const char *fmt, ...)
{
    if (!diag) return;
    va_list ap;
    va_start(ap, fmt);
    free(diag->related_message);
    diag->related_message = utf8_clean(rp_xvprintf(fmt, ap));
    va_end(ap);
    if (span.src) rp_source_locate(span.src, span.start, &diag->related_line, &diag->related_column);
}

static int compare_diags(const void *a, const void *b)
{
    const rp_diag *x = a, *y = b;
    /* Files keep check order: compare by first appearance, which is the sequence of the
     * file's first diagnostic; within a file, by position. Run-level ones (no file) go last. */
    if (!x->file != !y->file) return x->file ? -1 : 1;
    int same_file = x->file && y->file && strcmp(x->file, y->file) == 0;
    if (same_file) {
        if (x->line != y->line) return x->line < y->line ? -1 : 1;
        if (x->column != y->column) return x->column < y->column ? -1 : 1;
    }
    return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

void rp_diag_sort(rp_diag_sink *sink)
{
    /* Group by file in order of first appearance, then sort each group by position. */
    size_t start = 0;
    while (start < sink->count) {
        size_t end = start + 1;
        const char *file = sink->items[start].file;
        while (end < sink->count &&
               ((file == NULL && sink->items[end].file == NULL) ||
                (file && sink->items[end].file && strcmp(file, sink->items[end].file) == 0)))
            end++;
        qsort(sink->items + start, end - start, sizeof(rp_diag), compare_diags);
        start = end;
    }
}

int rp_diag_format_from_text(const char *text, rp_diag_format *out)
{
    static const struct { const char *name; rp_diag_format format; } names[] = {
        {"text", RP_FMT_TEXT}, {"json", RP_FMT_JSON}, {"sarif", RP_FMT_SARIF},
        {"github", RP_FMT_GITHUB}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].format;
            return 1;
        }
    return 0;
}

/* ---- text ---- */

/* Message text on a terminal or CI log: control characters are escaped, so rule text quoted in
 * a message can never start a new line that looks like another diagnostic. */
static void put_text(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t rem = strlen(text);
    while (rem) {
        size_t unsafe = unsafe_unicode(p, rem);
        if (unsafe) {
            unsigned cp = unsafe == 2 ? ((p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu))
                                      : ((p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu));
            fprintf(out, "\\u%04X", cp);
            p += unsafe;
            rem -= unsafe;
            continue;
        }
        if (*p == '\n') fputs("\\n", out);
        else if (*p == '\r') fputs("\\r", out);
        else if (*p < 0x20 && *p != '\t') fprintf(out, "\\x%02X", *p);
        else if (*p == 0x7F) fputs("\\x7F", out);
        else fputc(*p, out);
        p++;
        rem--;
    }
}

static void render_text(const rp_diag_sink *sink, FILE *out, int color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    for (size_t i = 0; i < sink->count; i++) {
        const rp_diag *d = &sink->items[i];
        const char *sev_color = !color ? ""
                                : d->severity == RP_SEV_ERROR   ? "\033[1;31m"
                                : d->severity == RP_SEV_WARNING ? "\033[1;35m"
                                                                : "\033[1;36m";
        if (d->file && d->line)
            fprintf(out, "%s%s:%u:%u:%s ", bold, d->file, d->line, d->column, reset);
        else if (d->file)
            fprintf(out, "%s%s:%s ", bold, d->file, reset);
        fprintf(out, "%s%s[%s]%s: ", sev_color, rp_severity_name(d->severity),
                diag_table[d->code].code, reset);
        put_text(out, d->message);
        fputc('\n', out);
        if (d->source_line && d->line) {
            fprintf(out, "%5u | %s\n      | ", d->line, d->source_line);
            /* Caret under the column; tabs copied so the caret lines up. */
            const char *p = d->source_line;
            for (unsigned col = 1; col < d->column && *p; col++) {
                fputc(*p == '\t' ? '\t' : ' ', out);
                p++;
                while (((unsigned char)*p & 0xC0) == 0x80) p++;
            }
            unsigned width = 1;
            if (d->end_line == d->line && d->end_column > d->column)
                width = d->end_column - d->column;
            fputs(color ? "\033[1;32m" : "", out);
            for (unsigned k = 0; k < width; k++) fputc(k == 0 ? '^' : '~', out);
            fprintf(out, "%s\n", reset);
        }
        if (d->related_message) {
            if (d->file && d->related_line)
                fprintf(out, "%s:%u:%u: note: ", d->file, d->related_line, d->related_column);
            else
                fputs("      = note: ", out);
            put_text(out, d->related_message);
            fputc('\n', out);
        }
        if (d->hint) {
            fputs("      = hint: ", out);
            put_text(out, d->hint);
            fputc('\n', out);
        }
    }
    if (sink->count)
        fprintf(out, "%zu error%s, %zu warning%s, %zu note%s\n", sink->errors,
                sink->errors == 1 ? "" : "s", sink->warnings, sink->warnings == 1 ? "" : "s",
                sink->notes, sink->notes == 1 ? "" : "s");
}

/* ---- json ---- */

static json_t *diag_to_json(const rp_diag *d)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "file", d->file ? json_string(d->file) : json_null());
    json_object_set_new(obj, "line", json_integer(d->line));
    json_object_set_new(obj, "column", json_integer(d->column));
    json_object_set_new(obj, "end_line", json_integer(d->end_line));
    json_object_set_new(obj, "end_column", json_integer(d->end_column));
    json_object_set_new(obj, "severity", json_string(rp_severity_name(d->severity)));
    json_object_set_new(obj, "code", json_string(diag_table[d->code].code));
    json_object_set_new(obj, "message", json_string(d->message));
    if (d->hint) json_object_set_new(obj, "hint", json_string(d->hint));
    if (d->rule_id) json_object_set_new(obj, "rule_id", json_string(d->rule_id));
    return obj;
}

static void dump_json(json_t *value, FILE *out)
{
    /* JSON_ENSURE_ASCII is off: messages quote the rule's own UTF-8; jansson escapes controls. */
    json_dumpf(value, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
}

static void render_json(const rp_diag_sink *sink, FILE *out)
{
    json_t *array = json_array();
    for (size_t i = 0; i < sink->count; i++) json_array_append_new(array, diag_to_json(&sink->items[i]));
    dump_json(array, out);
    json_decref(array);
}

/* ---- sarif ---- */

/* A file path as a SARIF URI: relative paths stay relative references, absolute ones become
 * file:// URIs; RFC 3986 unreserved characters and '/' pass, the rest is percent-encoded (rule
 * folders have spaces). */
static char *path_to_uri(const char *path)
{
    size_t len = strlen(path);
    char *uri = rp_xmalloc(len * 3 + 8), *o = uri;
    if (path[0] == '/') o += sprintf(o, "file://"); /* absolute path: an absolute file URI */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return uri;
}

static const char *sarif_level(rp_severity severity)
{
    return severity == RP_SEV_ERROR ? "error" : severity == RP_SEV_WARNING ? "warning" : "note";
}

static void render_sarif(const rp_diag_sink *sink, FILE *out)
{
    /* Only the codes that occur are listed as rules, in code order (deterministic). */
    int rule_index[RP_DIAG_COUNT];
    for (int i = 0; i < RP_DIAG_COUNT; i++) rule_index[i] = -1;
    for (size_t i = 0; i < sink->count; i++) rule_index[sink->items[i].code] = 0;
    json_t *rules = json_array();
    int next = 0;
    for (int i = 0; i < RP_DIAG_COUNT; i++) {
        if (rule_index[i] < 0) continue;
        rule_index[i] = next++;
        json_t *rule = json_object();
        json_object_set_new(rule, "id", json_string(diag_table[i].code));
        json_object_set_new(rule, "name", json_string(diag_table[i].slug));
        json_object_set_new(rule, "shortDescription",
                            json_pack("{s:s}", "text", diag_table[i].summary));
        json_object_set_new(rule, "helpUri",
                            json_sprintf("https://github.com/rulepack/rulepack/blob/main/docs/diagnostics.md#%s", diag_table[i].code));
        json_object_set_new(rule, "defaultConfiguration",
                            json_pack("{s:s}", "level", sarif_level(diag_table[i].severity)));
        json_array_append_new(rules, rule);
    }
    json_t *results = json_array();
    for (size_t i = 0; i < sink->count; i++) {
        const rp_diag *d = &sink->items[i];
        json_t *result = json_object();
        json_object_set_new(result, "ruleId", json_string(diag_table[d->code].code));
        json_object_set_new(result, "ruleIndex", json_integer(rule_index[d->code]));
        json_object_set_new(result, "level", json_string(sarif_level(d->severity)));
        char *text = d->hint ? rp_xprintf("%s (hint: %s)", d->message, d->hint) : rp_xstrdup(d->message);
        json_object_set_new(result, "message", json_pack("{s:s}", "text", text));
        free(text);
        if (d->file) {
            char *uri = path_to_uri(d->file);
            json_t *physical = json_object();
            json_object_set_new(physical, "artifactLocation", json_pack("{s:s}", "uri", uri));
            free(uri);
            if (d->line) {
                json_t *region = json_object();
                json_object_set_new(region, "startLine", json_integer(d->line));
                json_object_set_new(region, "startColumn", json_integer(d->column ? d->column : 1));
                unsigned end_line = d->end_line >= d->line ? d->end_line : d->line;
                unsigned end_column = d->end_column;
                if (end_line == d->line && end_column <= d->column) end_column = d->column + 1;
                json_object_set_new(region, "endLine", json_integer(end_line));
                json_object_set_new(region, "endColumn", json_integer(end_column));
                json_object_set_new(physical, "region", region);
            }
            json_t *location = json_object();
            json_object_set_new(location, "physicalLocation", physical);
            json_object_set_new(result, "locations", json_pack("[o]", location));
        }
        if (d->rule_id)
            json_object_set_new(result, "properties", json_pack("{s:s}", "ruleId", d->rule_id));
        json_array_append_new(results, result);
    }
    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("rulepack"));
    json_object_set_new(driver, "version", json_string(RP_VERSION));
    json_object_set_new(driver, "informationUri", json_string("https://github.com/rulepack/rulepack"));
    json_object_set_new(driver, "rules", rules);
    json_t *run = json_object();
    json_object_set_new(run, "tool", json_pack("{s:o}", "driver", driver));
    json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));
    json_object_set_new(run, "results", results);
    json_t *log = json_object();
    json_object_set_new(log, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
    json_object_set_new(log, "version", json_string("2.1.0"));
    json_object_set_new(log, "runs", json_pack("[o]", run));
    dump_json(log, out);
    json_decref(log);
}

/* ---- github workflow commands ---- */

static void github_escape(FILE *out, const char *text, int property)
{
    for (const char *p = text; *p; p++) {
        if (*p == '%') fputs("%25", out);
        else if (*p == '\r') fputs("%0D", out);
        else if (*p == '\n') fputs("%0A", out);
        else if (property && *p == ':') fputs("%3A", out);
        else if (property && *p == ',') fputs("%2C", out);
        else fputc(*p, out);
    }
}

static void render_github(const rp_diag_sink *sink, FILE *out)
{
    for (size_t i = 0; i < sink->count; i++) {
        const rp_diag *d = &sink->items[i];
        const char *command = d->severity == RP_SEV_ERROR ? "error" : d->severity == RP_SEV_WARNING ? "warning" : "notice";
        fprintf(out, "::%s ", command);
        if (d->file) {
            fputs("file=", out);
            github_escape(out, d->file, 1);
            if (d->line) {
                fprintf(out, ",line=%u,col=%u", d->line, d->column);
                if (d->end_line) fprintf(out, ",endLine=%u,endColumn=%u", d->end_line, d->end_column);
            }
            fputc(',', out);
        }
        fprintf(out, "title=%s::", diag_table[d->code].code);
        github_escape(out, d->message, 0);
        if (d->hint) {
            fputs(" (hint: ", out);
            github_escape(out, d->hint, 0);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

void rp_diag_render(const rp_diag_sink *sink, rp_diag_format format, FILE *out, int color)
{
    switch (format) {
    case RP_FMT_TEXT: render_text(sink, out, color); break;
    case RP_FMT_JSON: render_json(sink, out); break;
    case RP_FMT_SARIF: render_sarif(sink, out); break;
    case RP_FMT_GITHUB: render_github(sink, out); break;
    }
}

void rp_diag_write_markdown(FILE *out)
{
    fputs("# rulepack diagnostics\n\n"
          "Generated from `compiler/diag_codes*.def` by `build/rulepack codes --markdown`; do not edit.\n"
          "Codes are stable: never renumbered or reused. Severities are defaults; `.rulepack.yaml`\n"
          "can change them per code (`severity: {RP0123: warning}`) or switch a code `off`.\n\n"
          "| code | default | name | meaning |\n|---|---|---|---|\n", out);
    for (int i = 0; i < RP_DIAG_COUNT; i++)
        fprintf(out, "| <a id=\"%s\"></a>%s | %s | `%s` | %s |\n", diag_table[i].code,
                diag_table[i].code, rp_severity_name(diag_table[i].severity), diag_table[i].slug,
                diag_table[i].summary);
}
