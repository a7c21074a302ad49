/* PLACEHOLDER until the KQL front end lands. */
#include "check.h"
void rp_kql_check_rule(rp_ctx *ctx, rp_rule *rule) { (void)ctx; (void)rule; }
