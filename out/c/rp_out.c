/* rp_out.c: the JSON writer for alerts, summaries and stats: one buffered line at a time,
 * deterministic (keys in the order written), strings escaped so that any byte sequence yields
 * valid JSON (control characters, quote, backslash, U+2028/U+2029 as \u escapes; invalid UTF-8
 * as \ufffd). */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>

void rp_jw_init(rp_jw *w)
{
    memset(w, 0, sizeof *w);
    w->first[0] = true;
}

void rp_jw_free(rp_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

void rp_jw_reset(rp_jw *w)
{
    w->len = 0;
    w->depth = 0;
    w->first[0] = true;
}

static bool reserve(rp_jw *w, size_t n)
{
    if (w->len + n <= w->cap) return true;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n) cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->oom = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static void put(rp_jw *w, const char *s, size_t n)
{
    if (!reserve(w, n)) return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* Separator before a value in an array (keys handle objects). */
static void sep(rp_jw *w)
{
    if (w->depth < 0 || w->depth >= 64) return;
    if (!w->first[w->depth]) put(w, ",", 1);
    w->first[w->depth] = false;
}

static void open_(rp_jw *w, char c)
{
    sep(w);
    put(w, &c, 1);
    if (w->depth < 63) w->depth++;
    w->first[w->depth] = true;
}

static void close_(rp_jw *w, char c)
{
    put(w, &c, 1);
    if (w->depth > 0) w->depth--;
}

void rp_jw_obj_begin(rp_jw *w) { open_(w, '{'); }
void rp_jw_obj_end(rp_jw *w) { close_(w, '}'); }
void rp_jw_arr_begin(rp_jw *w) { open_(w, '['); }
void rp_jw_arr_end(rp_jw *w) { close_(w, ']'); }

/* Length of a valid UTF-8 sequence at p (1..4), 0 when invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;
        if (c == 0xED && p[1] >= 0xA0) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

/* Escapes the body of s (no quotes); returns the escaped length. Writes to `out` only what fits
 * in `cap` (pass NULL to measure). */
size_t rp_json_escape(rp_str s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = s.len, o = 0;
    char tmp[8];
#define EMIT(str, k)                                                                                               \
    do {                                                                                                           \
        if (out && o + (k) <= cap) memcpy(out + o, (str), (k));                                                    \
        o += (k);                                                                                                  \
    } while (0)
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') run++;
        if (run > i) {
            EMIT(p + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        const char *e2 = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                       : c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
        if (e2) {
            EMIT(e2, 2);
            i++;
        }
        else if (c < 0x20) {
            memcpy(tmp, "\\u00", 4);
            tmp[4] = hex[c >> 4];
            tmp[5] = hex[c & 15];
            EMIT(tmp, 6);
            i++;
        } else {
            size_t k = utf8_len(p + i, n - i);
            if (k == 0) {
                EMIT("\\ufffd", 6);
                i++;
            } else if (k == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
                EMIT(p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                i += 3;
            } else {
                EMIT(p + i, k);
                i += k;
            }
        }
    }
#undef EMIT
    return o;
}

void rp_jw_str(rp_jw *w, rp_str s)
{
    sep(w);
    size_t n = rp_json_escape(s, NULL, 0);
    if (!reserve(w, n + 2)) return;
    w->buf[w->len++] = '"';
    rp_json_escape(s, w->buf + w->len, n);
    w->len += n;
    w->buf[w->len++] = '"';
}

void rp_jw_key(rp_jw *w, const char *key)
{
    rp_jw_str(w, rp_str_c(key));
    put(w, ":", 1);
    /* the value that follows must not get a comma */
    if (w->depth >= 0 && w->depth < 64) w->first[w->depth] = true;
}

/* After a key the value follows directly; `first` was set by rp_jw_key, and the next key must
 * then get a comma: values clear it through sep(). */
void rp_jw_cstr(rp_jw *w, const char *s) { rp_jw_str(w, rp_str_c(s)); }

void rp_jw_long(rp_jw *w, int64_t i)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)i);
    sep(w);
    put(w, b, (size_t)n);
}

void rp_jw_real(rp_jw *w, double r)
{
    char b[40];
    size_t n = rp_real_format(r, b);
    if (b[0] == 'N' || b[0] == 'I' || (b[0] == '-' && b[1] == 'I')) {
        rp_jw_str(w, (rp_str){b, n});
        return;
    }
    sep(w);
    put(w, b, n);
}

void rp_jw_bool(rp_jw *w, bool b)
{
    sep(w);
    put(w, b ? "true" : "false", b ? 4 : 5);
}

void rp_jw_null(rp_jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void rp_jw_raw(rp_jw *w, rp_str json)
{
    sep(w);
    put(w, json.ptr, json.len);
}

void rp_jw_val(rp_jw *w, const rp_val *v, rp_kind kind)
{
    char b[48];
    if (kind != RP_K_STRING && kind != RP_K_ABSENT && v->null) {
        rp_jw_null(w);
        return;
    }
    switch (kind) {
    case RP_K_LONG: rp_jw_long(w, v->i); break;
    case RP_K_REAL: rp_jw_real(w, v->r); break;
    case RP_K_BOOL: rp_jw_bool(w, v->i != 0); break;
    case RP_K_DATETIME: rp_jw_str(w, (rp_str){b, rp_datetime_format(v->i, b)}); break;
    case RP_K_TIMESPAN: rp_jw_str(w, (rp_str){b, rp_timespan_format(v->i, b)}); break;
    case RP_K_DYNAMIC: rp_jw_raw(w, v->s); break;
    default: rp_jw_str(w, v->s); break;
    }
}

bool rp_jw_flush_line(rp_jw *w, FILE *out)
{
    put(w, "\n", 1);
    bool ok = !w->oom && fwrite(w->buf, 1, w->len, out) == w->len;
    rp_jw_reset(w);
    w->oom = false;
    return ok;
}
