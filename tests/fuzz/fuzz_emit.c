/* fuzz_emit.c: libFuzzer target for the emitters: one rule file (fuzz.yaml) checked, lowered and
 * emitted as Sigma JSON, KQL and the C matcher, as `rulepack build` does it. The work and the
 * invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("emit", data, size));
    return 0;
}
