/* rp_value.c: typed scalar values: ISO-8601 datetimes and timespans as 100 ns ticks, longs and
 * reals, parsed from event text and formatted for output deterministically. */
#include "rp_runtime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Reads exactly n digits at s[*i]. */
static bool digits(const char *s, size_t len, size_t *i, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9') return false;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return true;
}

/* Fraction ".f{1,}" -> ticks (first 7 digits; more are truncated). */
static bool fraction(const char *s, size_t len, size_t *i, int64_t *ticks)
{
    if (*i >= len || s[*i] != '.') return true;
    (*i)++;
    int64_t f = 0;
    int n = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if (n < 7) f = f * 10 + (s[*i] - '0');
        n++;
        (*i)++;
    }
    if (n == 0) return false;
    for (int k = n; k < 7; k++) f *= 10;
    *ticks = f;
    return true;
}

bool rp_datetime_parse(const char *s, size_t len, int64_t *ticks)
{
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0, offset = 0;
    if (!digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' || !digits(s, len, &i, 2, &mo) || i >= len ||
        s[i++] != '-' || !digits(s, len, &i, 2, &d))
        return false;
    if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d > mdays[mo - 1] + (mo == 2 && is_leap(y))) return false;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        if (!digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' || !digits(s, len, &i, 2, &mi)) return false;
        if (i < len && s[i] == ':') {
            i++;
            if (!digits(s, len, &i, 2, &sec) || !fraction(s, len, &i, &frac)) return false;
        }
        if (h > 23 || mi > 59 || sec > 59) return false;
    }
    if (i < len) {
        if (s[i] == 'Z' || s[i] == 'z') i++;
        else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
            if (!digits(s, len, &i, 2, &oh)) return false;
            if (i < len && s[i] == ':') i++;
            if (i < len && !digits(s, len, &i, 2, &om)) return false;
            if (oh > 23 || om > 59) return false;
            offset = sign * ((int64_t)oh * 3600 + om * 60);
        }
    }
    if (i != len) return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset;
    *ticks = secs * RP_TICKS_PER_SECOND + frac + RP_TICKS_UNIX_EPOCH;
    return true;
}

/* Writes ".fffffff" with trailing zeros removed (nothing when f == 0). */
static size_t put_fraction(int64_t f, char *buf, bool trim)
{
    if (f == 0) return 0;
    char d[8];
    for (int k = 6; k >= 0; k--) {
        d[k] = (char)('0' + f % 10);
        f /= 10;
    }
    int n = 7;
    if (trim)
        while (n > 1 && d[n - 1] == '0') n--;
    buf[0] = '.';
    memcpy(buf + 1, d, (size_t)n);
    return (size_t)n + 1;
}

size_t rp_datetime_format(int64_t ticks, char *buf)
{
    int64_t t = ticks - RP_TICKS_UNIX_EPOCH;
    int64_t secs = t / RP_TICKS_PER_SECOND, frac = t % RP_TICKS_PER_SECOND;
    if (frac < 0) {
        frac += RP_TICKS_PER_SECOND;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int n = snprintf(buf, 32, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d, (int)(rem / 3600),
                     (int)(rem / 60 % 60), (int)(rem % 60));
    size_t len = n > 0 ? (size_t)n : 0;
    len += put_fraction(frac, buf + len, true);
    buf[len++] = 'Z';
    buf[len] = 0;
    return len;
}

bool rp_timespan_parse(const char *s, size_t len, int64_t *ticks)
{
    size_t i = 0;
    int64_t sign = 1, days = 0;
    if (i < len && s[i] == '-') {
        sign = -1;
        i++;
    }
    /* optional "d." : digits followed by '.' before the first ':' */
    size_t j = i;
    while (j < len && s[j] >= '0' && s[j] <= '9') j++;
    if (j < len && s[j] == '.' && j > i) {
        for (size_t k = i; k < j; k++) {
            if (days > INT64_C(10675199)) return false;
            days = days * 10 + (s[k] - '0');
        }
        i = j + 1;
    }
    int h, mi, sec = 0;
    int64_t frac = 0;
    if (!digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' || !digits(s, len, &i, 2, &mi)) return false;
    if (i < len && s[i] == ':') {
        i++;
        if (!digits(s, len, &i, 2, &sec) || !fraction(s, len, &i, &frac)) return false;
    }
    if (i != len || h > 23 || mi > 59 || sec > 59) return false;
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec;
    *ticks = sign * (secs * RP_TICKS_PER_SECOND + frac);
    return true;
}

size_t rp_timespan_format(int64_t ticks, char *buf)
{
    size_t len = 0;
    uint64_t t = ticks < 0 ? (uint64_t)0 - (uint64_t)ticks : (uint64_t)ticks;
    if (ticks < 0) buf[len++] = '-';
    uint64_t secs = t / (uint64_t)RP_TICKS_PER_SECOND, frac = t % (uint64_t)RP_TICKS_PER_SECOND;
    uint64_t days = secs / 86400, rem = secs % 86400;
    int n;
    if (days) n = snprintf(buf + len, 40, "%llu.%02u:%02u:%02u", (unsigned long long)days, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    else n = snprintf(buf + len, 40, "%02u:%02u:%02u", (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    len += n > 0 ? (size_t)n : 0;
    len += put_fraction((int64_t)frac, buf + len, false);
    buf[len] = 0;
    return len;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; sets *integral. */
static bool json_number(const char *s, size_t len, bool *integral)
{
    size_t i = 0;
    *integral = true;
    if (i < len && s[i] == '-') i++;
    if (i >= len) return false;
    if (s[i] == '0') i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    else return false;
    if (i < len && s[i] == '.') {
        *integral = false;
        size_t k = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == k) return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        *integral = false;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t k = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == k) return false;
    }
    return i == len;
}

bool rp_real_parse(const char *s, size_t len, double *out)
{
    bool integral;
    if (len == 3 && memcmp(s, "NaN", 3) == 0) {
        *out = NAN;
        return true;
    }
    if (len == 8 && memcmp(s, "Infinity", 8) == 0) {
        *out = INFINITY;
        return true;
    }
    if (len == 9 && memcmp(s, "-Infinity", 9) == 0) {
        *out = -INFINITY;
        return true;
    }
    if (!json_number(s, len, &integral) || len >= 400) return false;
    char tmp[400];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    *out = strtod(tmp, NULL);
    return true;
}

bool rp_long_parse(const char *s, size_t len, int64_t *out)
{
    bool integral;
    if (!json_number(s, len, &integral)) return false;
    if (!integral) {
        double r;
        if (!rp_real_parse(s, len, &r) || r != floor(r) || r < -9.2233720368547758e18 || r >= 9.2233720368547758e18)
            return false;
        *out = (int64_t)r;
        return true;
    }
    size_t i = 0;
    bool neg = s[0] == '-';
    if (neg) i++;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (lim - dgt) / 10) return false;
        v = v * 10 + dgt;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool rp_bool_parse(const char *s, size_t len, int64_t *out)
{
    static const char *const words[2] = {"false", "true"};
    for (int b = 0; b < 2; b++) {
        size_t n = strlen(words[b]), i = 0;
        if (len != n) continue;
        while (i < n && rp_lower((unsigned char)s[i]) == (unsigned char)words[b][i]) i++;
        if (i == n) {
            *out = b;
            return true;
        }
    }
    return false;
}

size_t rp_real_format(double r, char *buf)
{
    if (isnan(r)) return (size_t)snprintf(buf, 32, "NaN");
    if (isinf(r)) return (size_t)snprintf(buf, 32, r < 0 ? "-Infinity" : "Infinity");
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, r);
        if (strtod(buf, NULL) == r) break;
    }
    return n > 0 ? (size_t)n : 0;
}
