/* fuzz_util.h: the entry points shared by the libFuzzer targets (tests/fuzz/fuzz_*.c) and the
 * regression replay (tests/test_regress.c), so a crash input replays through exactly the code
 * that found it. Each entry point takes arbitrary bytes, runs one stage, then checks invariants
 * that must hold for every input (spans inside the file, every diagnostic renderable in all four
 * formats, JSON and SARIF output that parses, GitHub annotations that stay one line each, event
 * accounting that adds up, emitted Sigma/KQL that parses again, generated C that rule text cannot
 * break out of) and calls abort() when one does not: the fuzzer reports it as a crash.
 *
 * Stages that have not landed yet are compiled out (__has_include); rp_fuzz_target_available()
 * says which are in, so the regression test fails loudly on an input for a missing target. */
#ifndef RP_FUZZ_UTIL_H
#define RP_FUZZ_UTIL_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "rp_limits.h"
#include "schema.h"
#include "yaml_doc.h"

#if __has_include("excl_parse.h")
#include "excl_parse.h"
#define RP_FUZZ_HAVE_EXCL 1
#endif
#if __has_include("kql_parse.h")
#include "kql_parse.h"
#define RP_FUZZ_HAVE_KQL_PARSE 1
#endif
#if __has_include("kql_analyze.h")
#include "kql_analyze.h"
#define RP_FUZZ_HAVE_KQL_ANALYZE 1
#endif
#if __has_include("kql_lex.h")
#include "kql_lex.h"
#define RP_FUZZ_HAVE_KQL_LEX 1
#endif
#if __has_include("ir_lower.h")
#include "ir_lower.h"
#define RP_FUZZ_HAVE_IR_LOWER 1
#endif
#if __has_include("emit_c.h") && __has_include("emit_sigma.h") && __has_include("emit_kql.h") && \
    defined(RP_FUZZ_HAVE_IR_LOWER) && defined(RP_FUZZ_HAVE_KQL_PARSE)
#include "emit_c.h"
#include "emit_kql.h"
#include "emit_sigma.h"
#define RP_FUZZ_HAVE_EMIT 1
#endif
#if __has_include("runtime/rp_runtime.h")
#include "runtime/rp_runtime.h"
#define RP_FUZZ_HAVE_READER 1
#endif

/* An invariant that holds for every input; a violation is a bug the fuzzer must report. */
#define RP_FUZZ_REQUIRE(cond)                                                                    \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* The embedded schema, loaded once per process (read-only afterwards). */
static inline rp_schema *rp_fuzz_schema(void)
{
    static rp_schema *schema;
    static rp_diag_sink sink;
    if (!schema) {
        rp_diag_sink_init(&sink);
        schema = rp_schema_load(NULL, 0, &sink);
    }
    return schema;
}

/* A fresh sink and a file context (own arena, the embedded schema), one file begun. */
static inline void rp_fuzz_begin(rp_diag_sink *sink, rp_ctx *ctx)
{
    rp_diag_sink_init(sink);
    memset(ctx, 0, sizeof *ctx);
    ctx->arena = rp_arena_new();
    ctx->diags = sink;
    ctx->schema = rp_fuzz_schema();
    rp_diag_begin_file(sink);
}

/* ---- invariants of the diagnostics ---- */

static inline char *rp_fuzz_render(const rp_diag_sink *sink, rp_diag_format format, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    RP_FUZZ_REQUIRE(out != NULL);
    rp_diag_render(sink, format, out, 0);
    fclose(out);
    return text;
}

/* Renders every format and checks what a consumer relies on. */
static inline void rp_fuzz_check_diags(const rp_diag_sink *sink)
{
    size_t len;
    for (size_t i = 0; i < sink->count; i++) {
        const rp_diag *d = &sink->items[i];
        RP_FUZZ_REQUIRE(d->code < RP_DIAG_COUNT);
        RP_FUZZ_REQUIRE(d->message != NULL);
        /* A position is either absent or 1-based and ordered. */
        RP_FUZZ_REQUIRE((d->line == 0) == (d->column == 0));
        if (d->line && d->end_line) RP_FUZZ_REQUIRE(d->end_line >= d->line);
    }

    /* text: no control character but newline and tab (a diagnostic cannot drive a terminal). */
    char *text = rp_fuzz_render(sink, RP_FMT_TEXT, &len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        RP_FUZZ_REQUIRE(c >= 0x20 || c == '\n' || c == '\t');
        RP_FUZZ_REQUIRE(c != 0x7F);
    }
    free(text);

    /* github: one workflow command per diagnostic, one line each (no command injection). */
    text = rp_fuzz_render(sink, RP_FMT_GITHUB, &len);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || text[i - 1] == '\n') {
            RP_FUZZ_REQUIRE(strncmp(text + i, "::error ", 8) == 0 || strncmp(text + i, "::warning ", 10) == 0 ||
                            strncmp(text + i, "::notice ", 9) == 0);
            lines++;
        }
        RP_FUZZ_REQUIRE(text[i] != '\r' && text[i] != '\0');
    }
    RP_FUZZ_REQUIRE(lines == sink->count);
    free(text);

    /* json: parses; one complete object per diagnostic (a field jansson refused would vanish). */
    text = rp_fuzz_render(sink, RP_FMT_JSON, &len);
    json_error_t error;
    json_t *root = json_loadb(text, len, 0, &error);
    if (!root) fprintf(stderr, "json output does not parse: %s\n", error.text);
    RP_FUZZ_REQUIRE(root && json_is_array(root) && json_array_size(root) == sink->count);
    for (size_t i = 0; i < sink->count; i++) {
        json_t *obj = json_array_get(root, i);
        static const char *const keys[] = {"file", "line", "column", "end_line", "end_column",
                                           "severity", "code", "message"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            if (!json_object_get(obj, keys[k])) fprintf(stderr, "json diagnostic %zu lacks '%s'\n", i, keys[k]);
            RP_FUZZ_REQUIRE(json_object_get(obj, keys[k]) != NULL);
        }
        if (sink->items[i].file) RP_FUZZ_REQUIRE(json_is_string(json_object_get(obj, "file")));
        if (sink->items[i].rule_id) RP_FUZZ_REQUIRE(json_is_string(json_object_get(obj, "rule_id")));
        if (sink->items[i].hint) RP_FUZZ_REQUIRE(json_is_string(json_object_get(obj, "hint")));
    }
    json_decref(root);
    free(text);

    /* sarif: parses; every result has its message text and, with a file, its location. */
    text = rp_fuzz_render(sink, RP_FMT_SARIF, &len);
    root = json_loadb(text, len, 0, &error);
    if (!root) fprintf(stderr, "sarif output does not parse: %s\n", error.text);
    RP_FUZZ_REQUIRE(root != NULL);
    json_t *results = json_object_get(json_array_get(json_object_get(root, "runs"), 0), "results");
    RP_FUZZ_REQUIRE(json_is_array(results) && json_array_size(results) == sink->count);
    for (size_t i = 0; i < sink->count; i++) {
        json_t *result = json_array_get(results, i);
        if (!json_is_string(json_object_get(json_object_get(result, "message"), "text")))
            fprintf(stderr, "sarif result %zu lacks message.text\n", i);
        RP_FUZZ_REQUIRE(json_is_string(json_object_get(json_object_get(result, "message"), "text")));
        if (sink->items[i].file) RP_FUZZ_REQUIRE(json_is_array(json_object_get(result, "locations")));
    }
    json_decref(root);
    free(text);
}

/* ---- rule-file loading: rp_yaml_load on the bytes as one in-memory file ---- */

static inline void rp_fuzz_span_ok(const rp_source *src, rp_span span)
{
    RP_FUZZ_REQUIRE(span.src == src);
    RP_FUZZ_REQUIRE(span.start <= span.end && span.end <= src->len);
    unsigned line, column;
    rp_source_locate(src, span.start, &line, &column);
    RP_FUZZ_REQUIRE(line >= 1 && line <= src->line_count && column >= 1);
}

/* Visits every node once (aliases are not followed, so alias bombs stay linear). OUT: seen,
 * nodes visited; dangling, aliases without a target (an undefined anchor). */
static inline void rp_fuzz_walk(const rp_source *src, const rp_ynode *node, size_t depth, size_t *seen,
                                size_t *dangling)
{
    RP_FUZZ_REQUIRE(node != NULL);
    RP_FUZZ_REQUIRE(depth <= RP_MAX_YAML_DEPTH + 1);
    (*seen)++;
    rp_fuzz_span_ok(src, node->span);
    switch (node->kind) {
    case RP_Y_SCALAR:
        RP_FUZZ_REQUIRE(node->value != NULL && node->value[node->value_len] == '\0');
        /* Every offset of the decoded value maps back into the file. */
        for (size_t k = 0; k <= node->value_len; k += node->value_len / 4 + 1) {
            size_t offset = rp_yscalar_file_offset(node, k);
            RP_FUZZ_REQUIRE(offset <= src->len);
            rp_fuzz_span_ok(src, rp_yscalar_span(node, 0, k));
        }
        (void)rp_yscalar_is_null(node);
        break;
    case RP_Y_SEQUENCE:
        for (size_t i = 0; i < node->count; i++) rp_fuzz_walk(src, node->items[i], depth + 1, seen, dangling);
        break;
    case RP_Y_MAPPING:
        for (size_t i = 0; i < node->count; i++) {
            rp_fuzz_walk(src, node->pairs[i].key, depth + 1, seen, dangling);
            rp_fuzz_walk(src, node->pairs[i].value, depth + 1, seen, dangling);
        }
        if (node->count) (void)rp_ymap_get(node, "query", NULL);
        break;
    case RP_Y_ALIAS:
        if (!node->target) (*dangling)++;
        (void)rp_ynode_resolve(node);
        break;
    }
    (void)rp_ynode_kind_name(node);
}

static inline void rp_fuzz_yaml_load(const uint8_t *data, size_t size)
{
    rp_diag_sink sink;
    rp_diag_sink_init(&sink);
    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = &sink;
    rp_diag_begin_file(&sink);
    ctx.src = rp_source_from_memory(ctx.arena, "fuzz.yaml", (const char *)data, size);
    rp_ydoc *doc = rp_yaml_load(&ctx, ctx.src);
    RP_FUZZ_REQUIRE(doc != NULL);
    RP_FUZZ_REQUIRE(doc->node_count <= RP_MAX_YAML_NODES);
    if (doc->root) {
        size_t seen = 0, dangling = 0;
        rp_fuzz_walk(ctx.src, doc->root, 0, &seen, &dangling);
        RP_FUZZ_REQUIRE(seen <= doc->node_count);
        /* An alias to an anchor that does not exist is an error (YAML 1.2 §7.1), not a warning. */
        if (dangling) RP_FUZZ_REQUIRE(sink.errors > 0);
    }
    rp_diag_end_file(&sink, "fuzz.yaml");
    rp_arena_free(ctx.arena);
    rp_diag_sort(&sink);
    rp_fuzz_check_diags(&sink);
    rp_diag_sink_free(&sink);
}

/* ---- the whole check of one file, as `rulepack check FILE` does it ---- */

/* Checks one file as `rulepack check FILE` does; `per_rule` (may be NULL) then works on the rule
 * it read, in the file's context (the emit target lowers and emits it there). Diagnostics of the
 * whole run must render in every format. */
static inline void rp_fuzz_check_path_with(const char *path, void (*per_rule)(rp_ctx *, rp_rule *))
{
    rp_diag_sink sink;
    rp_ctx ctx;
    rp_fuzz_begin(&sink, &ctx);
    rp_pack *pack = rp_pack_new();
    rp_rule *rule = rp_check_file(&ctx, pack, path);
    if (rule && per_rule) per_rule(&ctx, rule);
    rp_diag_end_file(&sink, path);
    rp_arena_free(ctx.arena);
    rp_pack_finish(pack, &sink);
    rp_pack_free(pack);
    rp_diag_sort(&sink);
    RP_FUZZ_REQUIRE(sink.errors + sink.warnings + sink.notes >= sink.count);
    rp_fuzz_check_diags(&sink);
    rp_diag_sink_free(&sink);
}

static inline void rp_fuzz_check_path(const char *path) { rp_fuzz_check_path_with(path, NULL); }

/* The bytes as a file named fuzz.<ext> in a private temporary folder, given to run (rp_check_file reads
 * paths: going through the file system keeps the fuzzed path identical to the CLI's). */
static inline void rp_fuzz_write_temp(const uint8_t *data, size_t size, const char *ext, void (*run)(const char *path))
{
    static char dir[64];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/rp-fuzz-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        RP_FUZZ_REQUIRE(mkdtemp(dir) != NULL);
    }
    char path[96];
    snprintf(path, sizeof path, "%s/fuzz.%s", dir, ext);
    FILE *file = fopen(path, "wb");
    RP_FUZZ_REQUIRE(file != NULL);
    RP_FUZZ_REQUIRE(fwrite(data, 1, size, file) == size);
    fclose(file);
    run(path);
    remove(path);
}

static inline void rp_fuzz_check_bytes(const uint8_t *data, size_t size, const char *ext)
{
    rp_fuzz_write_temp(data, size, ext, rp_fuzz_check_path);
}

/* ---- the emitters: one rule file through `rulepack build`'s pipeline ---- */

#ifdef RP_FUZZ_HAVE_EMIT
/* A lexical walk of generated C (code, string literal, char literal, line comment, block
 * comment). Returns NULL when the text is safe, else what is wrong; *at is the offset. Safe
 * means rule text cannot escape a literal or comment: literals hold no raw newline and close on
 * their line, every escape is complete and valid, literals and block comments end before the
 * text does, no "/" "*" opens inside a block comment (it would look nested), no "??" inside a
 * literal and no trigraph anywhere (-std=c11 translates them first: "??/" is a backslash), and
 * no backslash-newline splices lines anywhere. */
static inline const char *rp_fuzz_c_lex_problem(const char *text, size_t len, size_t *at)
{
    enum { CODE, STR, CHR, LINE, BLOCK } state = CODE;
    size_t open = 0; /* where the current literal or comment began */
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        *at = i;
        if (c == '\0') return "NUL byte";
        if (c == '\\' && (i + 1 < len && (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < len && text[i + 2] == '\n'))))
            return "backslash-newline line splice";
        if (c == '?' && i + 2 < len && text[i + 1] == '?' && strchr("=/'()!<>-", text[i + 2]) && text[i + 2])
            return "trigraph";
        switch (state) {
        case CODE:
            if (c == '"') state = STR, open = i;
            else if (c == '\'') state = CHR, open = i;
            else if (c == '/' && i + 1 < len && text[i + 1] == '/') state = LINE, open = i, i++;
            else if (c == '/' && i + 1 < len && text[i + 1] == '*') state = BLOCK, open = i, i++;
            break;
        case STR:
        case CHR:
            if (c == '\n' || c == '\r') return state == STR ? "raw newline in a string literal" : "raw newline in a char literal";
            if (state == STR && c == '?' && i + 1 < len && text[i + 1] == '?') return "\"??\" in a string literal";
            if (c == '\\') {
                if (i + 1 >= len) return "escape cut short by the end of the text";
                char e = text[++i];
                if (e == 'x') {
                    if (i + 1 >= len || !strchr("0123456789abcdefABCDEF", text[i + 1]) || !text[i + 1])
                        return "\\x escape without a hex digit";
                } else if (e == 'u' || e == 'U') {
                    size_t need = e == 'u' ? 4 : 8;
                    for (size_t k = 1; k <= need; k++)
                        if (i + k >= len || !text[i + k] || !strchr("0123456789abcdefABCDEF", text[i + k]))
                            return "universal character name cut short";
                } else if (!e || !strchr("'\"?\\abfnrtv01234567", e)) {
                    return "invalid escape sequence";
                }
            } else if (c == (state == STR ? '"' : '\'')) {
                state = CODE;
            }
            break;
        case LINE:
            if (c == '\n') state = CODE;
            break;
        case BLOCK:
            if (c == '*' && i + 1 < len && text[i + 1] == '/') state = CODE, i++;
            else if (c == '/' && i + 1 < len && text[i + 1] == '*') return "\"/*\" inside a block comment";
            break;
        }
    }
    *at = open;
    if (state == STR) return "string literal not closed";
    if (state == CHR) return "char literal not closed";
    if (state == BLOCK) return "block comment not closed";
    return NULL;
}

/* Requires one generated C file to be lexically safe (the offending line printed first). */
static inline void rp_fuzz_c_safe(const char *name, const char *text)
{
    RP_FUZZ_REQUIRE(text != NULL);
    size_t at = 0;
    const char *problem = rp_fuzz_c_lex_problem(text, strlen(text), &at);
    if (problem) {
        size_t start = at, end = at;
        while (start > 0 && text[start - 1] != '\n') start--;
        while (text[end] && text[end] != '\n') end++;
        fprintf(stderr, "generated %s, offset %zu: %s in:\n%.*s\n", name, at, problem, (int)(end - start), text + start);
    }
    RP_FUZZ_REQUIRE(problem == NULL);
}

/* The text parses as one JSON object (the caller decrefs it). JSON_ALLOW_NUL: "\u0000" is valid
 * JSON (RFC 8259) and a needle may hold NUL (tests/injection); jansson refuses it by default. */
static inline json_t *rp_fuzz_json_object(const char *what, const char *text)
{
    json_error_t error;
    json_t *root = json_loads(text, JSON_ALLOW_NUL, &error);
    if (!root) fprintf(stderr, "%s does not parse (%s at %d:%d):\n%s\n", what, error.text, error.line, error.column, text);
    RP_FUZZ_REQUIRE(root != NULL && json_is_object(root));
    return root;
}

/* A Sigma rule is whole: a title, a logsource, a detection whose every selection is non-empty
 * and whose condition names only selections that exist (a value jansson refused, such as a
 * string that is not UTF-8, would vanish silently and leave the rule broader than the query). */
static inline void rp_fuzz_sigma_rule(const char *text, json_t *doc)
{
    json_t *detection = json_object_get(doc, "detection");
    int ok = json_is_string(json_object_get(doc, "title")) && json_is_object(json_object_get(doc, "logsource")) &&
             json_is_object(detection) && json_is_string(json_object_get(detection, "condition"));
    const char *key;
    json_t *value;
    size_t selections = 0;
    json_object_foreach(detection, key, value) {
        if (strcmp(key, "condition") == 0) continue;
        selections++;
        if (!(json_is_object(value) || json_is_array(value)) || (json_is_object(value) ? json_object_size(value) : json_array_size(value)) == 0) {
            fprintf(stderr, "Sigma selection '%s' is empty or not a map/list\n", key);
            ok = 0;
        }
    }
    if (!selections) ok = 0;
    /* every name in the condition (a trailing * matches a prefix) is a selection */
    const char *cond = ok ? json_string_value(json_object_get(detection, "condition")) : "";
    for (const char *p = cond; *p;) {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_*");
        if (!n) {
            p++;
            continue;
        }
        static const char *const words[] = {"and", "or", "not", "of", "1", "all", "them"};
        int word = 0;
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) word |= strlen(words[w]) == n && strncmp(p, words[w], n) == 0;
        if (!word) {
            int found = 0;
            json_object_foreach(detection, key, value) {
                if (p[n - 1] == '*' ? strncmp(key, p, n - 1) == 0 : (strlen(key) == n && strncmp(key, p, n) == 0)) found = 1;
            }
            if (!found) fprintf(stderr, "Sigma condition names '%.*s', not in the detection\n", (int)n, p);
            ok &= found;
        }
        p += n;
    }
    if (!ok) fprintf(stderr, "incomplete Sigma rule:\n%s\n", text);
    RP_FUZZ_REQUIRE(ok);
}

/* A correlation names its base rule (by the base's `name`) and says its type. */
static inline void rp_fuzz_sigma_correlation(const char *text, json_t *corr, json_t *base)
{
    json_t *c = json_object_get(corr, "correlation");
    json_t *rules = json_object_get(c, "rules");
    int ok = json_is_string(json_object_get(c, "type")) && json_is_array(rules) && json_array_size(rules) == 1 &&
             json_is_string(json_object_get(base, "name")) && json_equal(json_array_get(rules, 0), json_object_get(base, "name")) &&
             json_is_object(json_object_get(c, "condition")) && json_is_string(json_object_get(corr, "title"));
    if (!ok) fprintf(stderr, "incomplete Sigma correlation:\n%s\n", text);
    RP_FUZZ_REQUIRE(ok);
}

/* The emitted KQL parses again (its own context: the rule file's diagnostics stay the CLI's).
 * Returns the number of syntax errors. */
static inline size_t rp_fuzz_kql_reparse(const char *text)
{
    rp_diag_sink sink;
    rp_ctx ctx;
    rp_fuzz_begin(&sink, &ctx);
    rp_kql_query *query = rp_kql_parse(&ctx, text, strlen(text), NULL, NULL);
    RP_FUZZ_REQUIRE(query != NULL);
    size_t errors = query->syntax_errors;
    if (errors) {
        for (size_t i = 0; i < sink.count; i++)
            fprintf(stderr, "  %u:%u %s\n", sink.items[i].line, sink.items[i].column, sink.items[i].message);
        fprintf(stderr, "emitted KQL does not parse again:\n%s\n", text);
    }
    rp_diag_end_file(&sink, "<query>");
    rp_arena_free(ctx.arena);
    rp_diag_sink_free(&sink);
    return errors;
}

/* As rp_session_lower and build_cmd.c do for one file: check, lower, Sigma, KQL, and the C pack
 * of the one rule when it compiled fully. */
static inline void rp_fuzz_emit_rule(rp_ctx *ctx, rp_rule *rule)
{
    if (!rule->kql && rule->query.text) rule->kql = rp_kql_parse_rule(ctx, rule);
    ctx->rule_id = rule->id.text;
    rp_ir_rule *ir = rp_ir_lower_rule(ctx, rule);
    RP_FUZZ_REQUIRE(ir != NULL);
    char *correlation = NULL;
    char *sigma = rp_emit_sigma_text(ctx, rule, ir, &correlation);
    if (sigma) {
        json_t *doc = rp_fuzz_json_object("Sigma rule", sigma);
        rp_fuzz_sigma_rule(sigma, doc);
        if (correlation) {
            json_t *corr = rp_fuzz_json_object("Sigma correlation", correlation);
            rp_fuzz_sigma_correlation(correlation, corr, doc);
            json_decref(corr);
        }
        json_decref(doc);
    }
    RP_FUZZ_REQUIRE(sigma != NULL || correlation == NULL);
    char *kql = rp_emit_kql_text(ctx, rule);
    /* KQL comes out only for a query without syntax errors, and must stay so. */
    if (kql) {
        RP_FUZZ_REQUIRE(rule->kql != NULL && rule->kql->syntax_errors == 0);
        RP_FUZZ_REQUIRE(rp_fuzz_kql_reparse(kql) == 0);
    }
    if (ir->status == RP_IR_FULL) {
        rp_emit_c_input in = {0};
        in.ir = ir;
        in.file = "fuzz.yaml";
        unsigned line = 0, column = 0;
        if (ir->span.src) rp_source_locate(ir->span.src, ir->span.start, &line, &column);
        in.line = line;
        in.id = ir->rule_id;
        in.name = ir->name;
        in.severity = rule->severity.text;
        rp_emit_c_output out;
        rp_emit_c_pack(ctx->arena, &in, 1, "fuzz.yaml", &out);
        RP_FUZZ_REQUIRE(out.compiled <= 1 && (out.compiled == 1) == (out.why[0] == NULL));
        rp_fuzz_c_safe("rules.c", out.rules_c);
        rp_fuzz_c_safe("rules.h", out.rules_h);
        rp_fuzz_c_safe("rules_rt.h", out.rules_rt_h);
        rp_fuzz_c_safe("matcher.c", out.matcher_c);
    }
}

static inline void rp_fuzz_emit_path(const char *path) { rp_fuzz_check_path_with(path, rp_fuzz_emit_rule); }

static inline void rp_fuzz_emit(const uint8_t *data, size_t size)
{
    rp_fuzz_write_temp(data, size, "yaml", rp_fuzz_emit_path);
}
#endif

/* ---- the exclusion parser on the bytes as one filter ---- */

#ifdef RP_FUZZ_HAVE_EXCL
static inline void rp_fuzz_count_pred(rp_excl_node *pred, void *data)
{
    (void)pred;
    (*(size_t *)data)++;
}

static inline void rp_fuzz_excl_parse(const uint8_t *data, size_t size)
{
    rp_diag_sink sink;
    rp_ctx ctx;
    rp_fuzz_begin(&sink, &ctx);
    ctx.src = rp_source_from_memory(ctx.arena, "fuzz.filter", (const char *)data, size);
    size_t errors = 0;
    rp_excl_node *tree = rp_excl_parse(&ctx, ctx.src->text, ctx.src->len, NULL, 0, &errors);
    /* No tree means the filter did not parse: that must have been said. */
    if (!tree) RP_FUZZ_REQUIRE(errors > 0 && sink.errors > 0);
    if (errors) RP_FUZZ_REQUIRE(sink.errors > 0 || sink.per_file_dropped > 0);
    size_t preds = 0;
    if (tree) rp_excl_foreach_pred(tree, rp_fuzz_count_pred, &preds);
    if (tree && errors == 0) RP_FUZZ_REQUIRE(preds > 0);
    rp_diag_end_file(&sink, "fuzz.filter");
    rp_arena_free(ctx.arena);
    rp_diag_sort(&sink);
    rp_fuzz_check_diags(&sink);
    rp_diag_sink_free(&sink);
}
#endif

/* ---- the KQL lexer: every token lies inside the text, and the scan always advances ---- */

#ifdef RP_FUZZ_HAVE_KQL_LEX
static inline void rp_fuzz_kql_lex(const uint8_t *data, size_t size)
{
    /* A private NUL-terminated copy so reading past `size` is caught by ASan. */
    char *text = malloc(size + 1);
    RP_FUZZ_REQUIRE(text != NULL);
    if (size) memcpy(text, data, size);
    text[size] = '\0';
    rp_arena *arena = rp_arena_new();
    size_t offset = 0, tokens = 0;
    for (;;) {
        rp_kql_token token;
        size_t next = rp_kql_next(text, size, offset, &token);
        RP_FUZZ_REQUIRE(token.kind < RP_KQL_T_COUNT);
        RP_FUZZ_REQUIRE(token.start <= token.end && token.end <= size && next == token.end);
        RP_FUZZ_REQUIRE(token.start >= offset || token.kind == RP_KQL_T_EOF);
        (void)rp_kql_token_name(token.kind);
        if (token.kind == RP_KQL_T_EOF) break;
        RP_FUZZ_REQUIRE(next > offset); /* progress: no token is empty */
        if (token.kind == RP_KQL_T_ERROR) RP_FUZZ_REQUIRE(token.error != NULL);
        if (token.kind == RP_KQL_T_STRING) {
            size_t out_len, bad;
            char *value = rp_kql_string_decode(arena, text, &token, &out_len, &bad);
            RP_FUZZ_REQUIRE(value != NULL && value[out_len] == '\0');
            RP_FUZZ_REQUIRE(bad == (size_t)-1 || (bad >= token.start && bad < token.end));
        }
        if (token.kind == RP_KQL_T_IDENT) (void)rp_kql_timespan_unit(text + token.start, token.end - token.start);
        offset = next;
        tokens++;
        RP_FUZZ_REQUIRE(tokens <= size);
    }
    rp_arena_free(arena);
    free(text);
}
#endif

/* ---- the KQL parser, the analysis and the IR lowering on the bytes as one query ---- */

#ifdef RP_FUZZ_HAVE_KQL_PARSE
/* Every node lies inside the query text. Depth-bounded: a tree deeper than the limit is a bug of
 * the parser's height guard (left-deep operator chains count too). */
static inline void rp_fuzz_kql_walk(const rp_kql_node *node, size_t len, size_t depth)
{
    if (!node) return;
    RP_FUZZ_REQUIRE(depth <= RP_MAX_KQL_HEIGHT);
    RP_FUZZ_REQUIRE(node->span.start <= node->span.end && node->span.end <= len);
    (void)rp_kql_kind_name(node->kind);
    rp_fuzz_kql_walk(node->a, len, depth + 1);
    rp_fuzz_kql_walk(node->b, len, depth + 1);
    rp_fuzz_kql_walk(node->c, len, depth + 1);
    for (size_t i = 0; i < node->items.count; i++) rp_fuzz_kql_walk(node->items.items[i], len, depth + 1);
    for (size_t i = 0; i < node->aux.count; i++) rp_fuzz_kql_walk(node->aux.items[i], len, depth + 1);
    for (size_t i = 0; i < node->options.count; i++) rp_fuzz_kql_walk(node->options.items[i], len, depth + 1);
}

static inline void rp_fuzz_kql_parse(const uint8_t *data, size_t size)
{
    rp_diag_sink sink;
    rp_ctx ctx;
    rp_fuzz_begin(&sink, &ctx);
    /* A private copy: reading past `size` is caught by ASan. */
    char *text = malloc(size + 1);
    RP_FUZZ_REQUIRE(text != NULL);
    if (size) memcpy(text, data, size);
    text[size] = '\0';
    rp_kql_query *query = rp_kql_parse(&ctx, text, size, NULL, NULL);
    RP_FUZZ_REQUIRE(query != NULL);
    if (query->syntax_errors) RP_FUZZ_REQUIRE(sink.errors > 0 || sink.per_file_dropped > 0);
    for (size_t i = 0; i < query->stmts.count; i++) rp_fuzz_kql_walk(query->stmts.items[i], size, 0);
    RP_FUZZ_REQUIRE(rp_kql_query_sexpr(ctx.arena, query) != NULL);
#ifdef RP_FUZZ_HAVE_KQL_ANALYZE
    rp_kql_analysis *analysis = rp_kql_analyze(&ctx, query);
    RP_FUZZ_REQUIRE(analysis != NULL);
    if (analysis->errors) RP_FUZZ_REQUIRE(sink.errors > 0 || sink.per_file_dropped > 0);
#ifdef RP_FUZZ_HAVE_IR_LOWER
    /* and the lowering into the IR, as `rulepack build/run` does for a bare query */
    RP_FUZZ_REQUIRE(rp_ir_lower_query(&ctx, query) != NULL);
#endif
#endif
    rp_diag_end_file(&sink, "<query>");
    rp_arena_free(ctx.arena);
    free(text);
    rp_diag_sort(&sink);
    rp_fuzz_check_diags(&sink);
    rp_diag_sink_free(&sink);
}
#endif

/* ---- the event reader: every line lands in exactly one bucket ---- */

#ifdef RP_FUZZ_HAVE_READER
static inline void rp_fuzz_event_reader(const uint8_t *data, size_t size)
{
    /* Two tables sharing columns of every kind, so every value parser is reached. */
    static const char *const cols[] = {"Timestamp", "FileName", "ProcessId", "Score", "Flag",
                                      "Elapsed", "ReportId", "AdditionalFields", "Type"};
    static const char *const tables[] = {"DeviceProcessEvents", "SigninLogs"};
    static const unsigned char kinds[] = {
        RP_K_DATETIME, RP_K_STRING, RP_K_LONG, RP_K_REAL, RP_K_BOOL, RP_K_TIMESPAN, RP_K_GUID, RP_K_DYNAMIC, RP_K_STRING,
        RP_K_DATETIME, RP_K_STRING, RP_K_ABSENT, RP_K_REAL, RP_K_ABSENT, RP_K_TIMESPAN, RP_K_GUID, RP_K_DYNAMIC, RP_K_STRING};
    const rp_layout layout = {cols, 9, tables, 2, kinds};
    /* The first byte picks the options, so the corpus explores all of them. */
    unsigned mode = size ? data[0] : 0;
    rp_stats stats;
    memset(&stats, 0, sizeof stats);
    rp_reader reader;
    FILE *in = size ? fmemopen((void *)data, size, "rb") : NULL;
    RP_FUZZ_REQUIRE(size == 0 || in != NULL);
    RP_FUZZ_REQUIRE(rp_reader_init(&reader, &layout, in, &stats));
    if (mode & 1) rp_reader_set_table(&reader, "DeviceProcessEvents");
    char lower[16];
    rp_needle needles[2];
    if (mode & 2) {
        rp_needle_make(&needles[0], "meshcentral", 11, lower);
        rp_needle_make(&needles[1], "Evil", 4, lower + 11);
        rp_reader_set_prefilter(&reader, needles, 2, (mode & 4) != 0);
    }
    uint64_t events = 0, rejects = 0;
    if (in) {
        for (;;) {
            rp_event ev;
            int rc = rp_reader_next(&reader, &ev);
            RP_FUZZ_REQUIRE(rc != RP_READ_IOERR && rc != RP_READ_SKIP);
            if (rc == RP_READ_EOF) break;
            if (rc == RP_READ_REJECT) {
                RP_FUZZ_REQUIRE(reader.last_reject < RP_REJ_COUNT);
                rejects++;
                continue;
            }
            events++;
            RP_FUZZ_REQUIRE(ev.table >= 0 && (size_t)ev.table < layout.ntables);
            /* Touch every value: ASan catches a string pointing outside its buffer. */
            volatile unsigned sum = 0;
            for (size_t c = 0; c < layout.ncols; c++) {
                RP_FUZZ_REQUIRE(ev.v[c].s.ptr != NULL);
                for (size_t k = 0; k < ev.v[c].s.len; k++) sum += (unsigned char)ev.v[c].s.ptr[k];
            }
            for (size_t k = 0; k < ev.line.len; k++) sum += (unsigned char)ev.line.ptr[k];
            (void)sum;
        }
        /* Every line read lands in exactly one bucket, and every byte was read. */
        size_t lines = 0;
        for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
        if (size && data[size - 1] != '\n') lines++;
        if (stats.lines_read != lines)
            fprintf(stderr, "lines_read %llu, input has %zu lines\n", (unsigned long long)stats.lines_read, lines);
        RP_FUZZ_REQUIRE(stats.lines_read == lines);
        RP_FUZZ_REQUIRE(rp_stats_consistent(&stats));
        RP_FUZZ_REQUIRE(stats.evaluated == events);
        RP_FUZZ_REQUIRE(rp_stats_rejected_total(&stats) == rejects);
    }
    rp_reader_free(&reader);
    if (in) fclose(in);
}
#endif

/* Names of the entry points compiled in; the regression test maps a folder's `target` to one. */
static inline int rp_fuzz_run_target(const char *target, const uint8_t *data, size_t size)
{
    if (strcmp(target, "yaml_load") == 0) return rp_fuzz_yaml_load(data, size), 1;
    if (strcmp(target, "check") == 0) return rp_fuzz_check_bytes(data, size, "yaml"), 1;
    if (strcmp(target, "check_kql") == 0) return rp_fuzz_check_bytes(data, size, "kql"), 1;
#ifdef RP_FUZZ_HAVE_EXCL
    if (strcmp(target, "excl_parse") == 0) return rp_fuzz_excl_parse(data, size), 1;
#endif
#ifdef RP_FUZZ_HAVE_KQL_PARSE
    if (strcmp(target, "kql_parse") == 0) return rp_fuzz_kql_parse(data, size), 1;
#endif
#ifdef RP_FUZZ_HAVE_KQL_LEX
    if (strcmp(target, "kql_lex") == 0) return rp_fuzz_kql_lex(data, size), 1;
#endif
#ifdef RP_FUZZ_HAVE_EMIT
    if (strcmp(target, "emit") == 0) return rp_fuzz_emit(data, size), 1;
#endif
#ifdef RP_FUZZ_HAVE_READER
    if (strcmp(target, "event_reader") == 0) return rp_fuzz_event_reader(data, size), 1;
#endif
    return 0;
}

#endif
