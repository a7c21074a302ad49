/* A program using the generated matcher as a library (rules.h), as a tool embedding rulepack's
 * output would: rp_reader for the events, rp_matcher_eval for the verdicts. Prints one line per
 * event and rule, "event rule matched exclusion", and checks the contract of rules.h: a rule that
 * did not match is not suppressed (exclusion -1), an exclusion index is below the rule's nexcl,
 * and the return value counts the rules that would alert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int main(void)
{
    char err[256];
    const char *now_text = "2026-11-28T00:00:00Z"; /* the seed events' day, as in run_seed.sh */
    int64_t now;
    if (!rp_datetime_parse(now_text, strlen(now_text), &now)) return 2;
    rp_matcher *m = rp_matcher_new(now, err, sizeof err);
    if (!m) {
        fprintf(stderr, "rp_matcher_new: %s\n", err);
        return 2;
    }
    rp_reader reader;
    if (!rp_reader_init(&reader, rp_matcher_layout(), stdin, NULL)) return 2;
    rp_verdict verdicts[RP_MATCHER_NRULES + 1];
    rp_event ev;
    int rc, bad = 0;
    unsigned n = 0;
    while ((rc = rp_reader_next(&reader, &ev)) != RP_READ_EOF) {
        if (rc == RP_READ_IOERR) return 2;
        if (rc != RP_READ_EVENT) continue;
        size_t alerting = rp_matcher_eval(m, &ev, verdicts), counted = 0;
        for (size_t r = 0; r < RP_MATCHER_NRULES; r++) {
            const rp_verdict *v = &verdicts[r];
            printf("%u %zu %d %d\n", n, r, v->matched, v->exclusion);
            if (!v->matched && v->exclusion != -1) bad = 1;
            if (v->exclusion < -1 || (v->exclusion >= 0 && (size_t)v->exclusion >= rp_matcher_rules[r].nexcl)) bad = 1;
            counted += v->matched && v->exclusion == -1;
        }
        if (counted != alerting) bad = 1;
        n++;
    }
    rp_reader_free(&reader);
    rp_matcher_free(m);
    if (bad) fprintf(stderr, "a verdict breaks the contract of rules.h\n");
    return bad;
}
