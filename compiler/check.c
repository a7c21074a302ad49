/* check.c: one file through the checking pipeline (see check.h). */
#include "check.h"

#include <string.h>

#include "rp_limits.h"

static int has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
}

/* Offset of the first byte of text[0, len) that is not part of well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or len when all is. OUT: why, a phrase
 * that follows "byte 0xNN at offset N". */
static size_t utf8_invalid_at(const unsigned char *text, size_t len, const char **why)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = text[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the first continuation byte */
        const char *narrow = NULL;     /* what a first continuation byte outside [lo, hi] means */
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0, narrow = "starts an overlong encoding";
            else if (c == 0xED) hi = 0x9F, narrow = "starts a UTF-16 surrogate (U+D800..U+DFFF)";
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90, narrow = "starts an overlong encoding";
            else if (c == 0xF4) hi = 0x8F, narrow = "starts a code point above U+10FFFF";
        } else {
            *why = c <= 0xBF                ? "is a continuation byte with no lead byte"
                   : c == 0xC0 || c == 0xC1 ? "starts an overlong encoding"
                                            : "never occurs in UTF-8";
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || text[i + k] < 0x80 || text[i + k] > 0xBF) {
                *why = "starts a multi-byte sequence that is cut short";
                return i;
            }
            if (k == 1 && (text[i + 1] < lo || text[i + 1] > hi)) {
                *why = narrow;
                return i;
            }
        }
        i += need + 1;
    }
    return len;
}

rp_rule *rp_check_file(rp_ctx *ctx, rp_pack *pack, const char *path)
{
    char error[256];
    int too_large = 0;
    rp_source *src = rp_source_read_file(ctx->arena, path, &too_large, error, sizeof error);
    if (!src) {
        rp_diag_report_at(ctx->diags, too_large ? RP0002 : RP0001, path, 0, 0, "%s", error);
        return NULL;
    }
    ctx->src = src;
    ctx->rule_id = NULL;
    rp_rule *rule = NULL;
    if (has_suffix(path, ".kql")) {
        /* the YAML loader rejects invalid UTF-8 (libyaml's reader); a bare query has no loader, so
         * the same check is here. The query is still checked: the lexer copes with any byte. */
        const char *why = NULL;
        size_t bad = src->body_start +
                     utf8_invalid_at((const unsigned char *)src->text + src->body_start, src->len - src->body_start, &why);
        if (bad < src->len) {
            rp_diag *d = rp_report(ctx, RP0005, rp_span_make(src, bad, bad + 1),
                                   "the file is not valid UTF-8: byte 0x%02X at offset %zu %s",
                                   (unsigned)(unsigned char)src->text[bad], bad, why);
            rp_diag_set_hint(d, "save the file as UTF-8");
        }
        rule = rp_rule_from_query_file(ctx, src);
    } else {
        rp_ydoc *doc = rp_yaml_load(ctx, src);
        if (!doc->root) {
            if (ctx->diags->per_file_count == 0)
                rp_report(ctx, RP0006, rp_span_make(src, src->body_start, src->body_start),
                          "the file is empty: no rule in it");
            return NULL;
        }
        const rp_ynode *root = rp_ynode_resolve(doc->root);
        if (!root || root->kind != RP_Y_MAPPING) {
            rp_report(ctx, RP0006, doc->root->span, "a rule file must be a mapping of fields, found %s",
                      rp_ynode_kind_name(doc->root));
            return NULL;
        }
        rule = rp_rule_from_yaml(ctx, doc);
        if (rule->id.text) ctx->rule_id = rule->id.text;
        rp_rule_check(ctx, rule);
    }
    rp_kql_check_rule(ctx, rule);
    rp_excl_check_rule(ctx, rule);
    if (pack) rp_pack_add_rule(pack, ctx, rule);
    return rule;
}
