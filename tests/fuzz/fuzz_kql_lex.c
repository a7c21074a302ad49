/* fuzz_kql_lex.c: libFuzzer target for the KQL tokenizer (rp_kql_next, rp_kql_string_decode).
 * The work and the invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("kql_lex", data, size));
    return 0;
}
