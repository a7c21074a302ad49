/* check.c: one file through the checking pipeline (see check.h). */
#include "check.h"

#include <string.h>

#include "rp_limits.h"

static int has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
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
