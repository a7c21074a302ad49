/* jansson_seed.c: the same seed rule with a full jansson parse of every line (the baseline the
 * issue quotes). Prints the number of matching events. Usage: jansson_seed NOW_ISO8601 */
#include "rp_runtime.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int64_t now, ts;
    if (argc < 2 || !rp_datetime_parse(argv[1], strlen(argv[1]), &now)) return 2;
    static const rp_needle k = {"meshcentral", "meshcentral", 11};
    char *line = NULL;
    size_t cap = 0;
    long n;
    unsigned long long matched = 0, lines = 0;
    /* getline is POSIX; a plain fgets loop with a growing buffer keeps this C11 */
    cap = 1 << 20;
    line = malloc(cap);
    while (fgets(line, (int)cap, stdin)) {
        n = (long)strlen(line);
        lines++;
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)n, 0, &err);
        if (!o) continue;
        json_t *t = json_object_get(o, "Timestamp"), *p = json_object_get(o, "ProcessVersionInfoProductName");
        const char *tv = json_string_value(t), *pv = json_string_value(p);
        if (tv && pv && rp_datetime_parse(tv, strlen(tv), &ts) && ts >= now - 5 * RP_TICKS_PER_DAY && ts <= now &&
            rp_has((rp_str){pv, strlen(pv)}, &k, RP_CI))
            matched++;
        json_decref(o);
    }
    free(line);
    printf("%llu\n", matched);
    fprintf(stderr, "lines %llu\n", lines);
    return 0;
}
