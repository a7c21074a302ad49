/* fuzz_check.c: libFuzzer target for the whole check of one rule file (rp_check_file on fuzz.yaml).
 * The work and the invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("check", data, size));
    return 0;
}
