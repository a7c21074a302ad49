/* fuzz_yaml_load.c: libFuzzer target for rule-file loading (rp_yaml_load) on one in-memory file.
 * The work and the invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("yaml_load", data, size));
    return 0;
}
