/* fuzz_kql_parse.c: libFuzzer target for the KQL parser and analysis (rp_kql_parse, rp_kql_analyze).
 * The work and the invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("kql_parse", data, size));
    return 0;
}
