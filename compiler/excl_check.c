/* PLACEHOLDER until the exclusion stage lands. */
#include "check.h"
void rp_excl_check_rule(rp_ctx *ctx, rp_rule *rule) { (void)ctx; (void)rule; }
