/* fuzz_matcher.c: libFuzzer target for the GENERATED matcher (issue 6): arbitrary bytes are read
 * as JSON lines by the pack's own reader (rp_reader over rp_matcher_layout()) and every event goes
 * through the generated rules twice, as rp_matcher_eval (verdicts only) and rp_matcher_feed
 * (counting, alert and suppressed output, summarize state), then rp_matcher_finish writes the
 * tails. Built against a pack generated at build time (tests/fuzz/Makefile: `rulepack build` of
 * tests/cases/diff/, every operator and tail the C emitter compiles), compiled with the pack's
 * rules.c and runtime copies, so what is fuzzed is exactly what a user compiles.
 *
 * Invariants (abort = a crash the fuzzer reports):
 * - every line read lands in exactly one --stats bucket (lines_read = the input's lines =
 *   blank + rejected + other table + prefiltered + evaluated), evaluated = the events the reader
 *   returned, and per rule matched = suppressed + alerts (filter) or + aggregated (tail);
 * - verdicts are well-formed: a rule that did not match is not suppressed, an exclusion index is
 *   one of the rule's, and rp_matcher_eval's count is the rules matched and not suppressed;
 * - rp_matcher_finish succeeds (no write error, no out of memory on 16 KB of input);
 * - ASan/UBSan: no out-of-bounds read of a value, no leak (a fresh matcher per input).
 * The first byte picks the options (default table, prefilter on or forced), as in
 * fuzz_event_reader, so the corpus explores them all. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* 2026-11-28T00:00:00Z, the differential test's --now (time rules then match its events). */
static int64_t fixed_now(void)
{
    int64_t now = 0;
    REQUIRE(rp_datetime_parse("2026-11-28T00:00:00Z", 20, &now));
    return now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    REQUIRE(sink != NULL);
    char err[256];
    rp_matcher *m = rp_matcher_new(fixed_now(), err, sizeof err);
    if (!m) fprintf(stderr, "rp_matcher_new: %s\n", err);
    REQUIRE(m != NULL);
    rp_matcher_set_output(m, sink, sink);
    const rp_layout *layout = rp_matcher_layout();
    REQUIRE(layout && layout->ncols == RP_MATCHER_NCOLS && layout->ntables == RP_MATCHER_NTABLES);

    unsigned mode = size ? data[0] : 0;
    rp_reader reader;
    FILE *in = size ? fmemopen((void *)data, size, "rb") : NULL;
    REQUIRE(size == 0 || in != NULL);
    REQUIRE(rp_reader_init(&reader, layout, in, rp_matcher_stats(m)));
    if (mode & 1) rp_reader_set_table(&reader, layout->tables[0]);
    const rp_needle *lits;
    size_t nlits = rp_matcher_prefilter(&lits);
    if ((mode & 2) && nlits) rp_reader_set_prefilter(&reader, lits, nlits, (mode & 4) != 0);

    uint64_t events = 0;
    rp_verdict verdicts[RP_MATCHER_NRULES + 1];
    if (in) {
        for (;;) {
            rp_event ev;
            int rc = rp_reader_next(&reader, &ev);
            REQUIRE(rc != RP_READ_IOERR);
            if (rc == RP_READ_EOF) break;
            if (rc != RP_READ_EVENT) continue;
            events++;
            REQUIRE(ev.table >= 0 && (size_t)ev.table < layout->ntables);
            size_t alerting = rp_matcher_eval(m, &ev, verdicts);
            size_t counted = 0;
            for (size_t r = 0; r < RP_MATCHER_NRULES; r++) {
                const rp_verdict *v = &verdicts[r];
                /* rules.h: -1 is "not suppressed", also for a rule that did not match */
                if (!v->matched) REQUIRE(v->exclusion == -1);
                else REQUIRE(v->exclusion >= -1 && (v->exclusion < 0 || (size_t)v->exclusion < rp_matcher_rules[r].nexcl));
                counted += v->matched && v->exclusion < 0;
            }
            REQUIRE(alerting == counted);
            rp_matcher_feed(m, &ev);
        }
    }
    REQUIRE(rp_matcher_finish(m) == 0);

    const rp_stats *st = rp_matcher_stats(m);
    if (in) {
        size_t lines = 0;
        for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
        if (size && data[size - 1] != '\n') lines++;
        if (st->lines_read != lines)
            fprintf(stderr, "lines_read %llu, input has %zu lines\n", (unsigned long long)st->lines_read, lines);
        REQUIRE(st->lines_read == lines);
        REQUIRE(st->evaluated == events);
    }
    /* The line buckets add up. Per rule: what matched is suppressed, or alerted (a filter rule),
     * or aggregated (a rule with a tail). Not rp_stats_consistent: it tells the two kinds apart by
     * `aggregated != 0`, so a summarize/count rule that writes its one group on an input where
     * nothing matched (alerts 1, aggregated 0) reads as inconsistent - the driver's --stats then
     * says "consistent": false on an empty input (reported; compiler/runtime/rp_reader.c). */
    REQUIRE(st->lines_read == st->blank + rp_stats_rejected_total(st) + st->other_table + st->prefiltered + st->evaluated);
    REQUIRE(st->nrules == RP_MATCHER_NRULES);
    for (size_t r = 0; r < st->nrules; r++) {
        const rp_rule_stats *rs = &st->rules[r];
        uint64_t sup = 0;
        for (size_t k = 0; k < rs->nexcl; k++) sup += rs->suppressed[k];
        int ok = rs->matched == sup + rs->alerts || rs->matched == sup + rs->aggregated;
        if (!ok) rp_stats_print_json(st, stderr);
        REQUIRE(ok);
    }

    rp_reader_free(&reader);
    if (in) fclose(in);
    rp_matcher_free(m);
    return 0;
}
