/* fuzz_excl_parse.c: libFuzzer target for the exclusion-filter parser (rp_excl_parse).
 * The work and the invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("excl_parse", data, size));
    return 0;
}
