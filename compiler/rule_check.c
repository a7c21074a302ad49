/* PLACEHOLDER until the schema stage lands: no rule checks yet. */
#include "check.h"
void rp_rule_check(rp_ctx *ctx, const rp_rule *rule) { (void)ctx; (void)rule; }
