/* PLACEHOLDER until the schema stage lands. */
#include <stdlib.h>
#include "check.h"
struct rp_pack { int unused; };
rp_pack *rp_pack_new(void) { return calloc(1, sizeof(rp_pack)); }
void rp_pack_free(rp_pack *pack) { free(pack); }
void rp_pack_add_rule(rp_pack *pack, rp_ctx *ctx, const rp_rule *rule) { (void)pack; (void)ctx; (void)rule; }
void rp_pack_finish(rp_pack *pack, rp_diag_sink *diags) { (void)pack; (void)diags; }
