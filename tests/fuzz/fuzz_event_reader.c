/* fuzz_event_reader.c: libFuzzer target for the JSON-lines event reader and its accounting (rp_reader_next).
 * The work and the invariants are in fuzz_util.h (shared with tests/test_regress.c). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RP_FUZZ_REQUIRE(rp_fuzz_run_target("event_reader", data, size));
    return 0;
}
