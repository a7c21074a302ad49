/* rp_dyn.c: dynamic values as raw JSON text: member and index access, parse_json, tostring,
 * array_length (see rp_runtime.h; interp.c's "Dynamic values" gives the semantics and the pages
 * they rest on). Inputs are valid JSON (the event reader validated the line; parse_json
 * validates its result), so navigation only skips; nothing is allocated except decoded text in
 * the per-event scratch. */
#include "rp_runtime.h"

#include <stdio.h>
#include <string.h>

static const rp_val dnull = {{"", 0}, 0, 0.0, 1, 0};

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t ws(rp_str s, size_t i)
{
    while (i < s.len && is_ws(s.ptr[i])) i++;
    return i;
}

static rp_str trim(rp_str s)
{
    size_t b = ws(s, 0), e = s.len;
    while (e > b && is_ws(s.ptr[e - 1])) e--;
    rp_str t = {s.ptr + b, e - b};
    return t;
}

size_t rp_json_skip(rp_str s, size_t i)
{
    int depth = 0;
    while (i < s.len) {
        char c = s.ptr[i];
        if (c == '"') {
            for (i++; i < s.len && s.ptr[i] != '"'; i++)
                if (s.ptr[i] == '\\') i++;
            i++;
            if (depth == 0) return i < s.len ? i : s.len;
            continue;
        }
        if (c == '[' || c == '{') depth++;
        else if (c == ']' || c == '}') {
            if (depth == 0) return i;
            if (--depth == 0) return i + 1;
        } else if (depth == 0 && (c == ',' || c == ':' || is_ws(c))) {
            return i;
        }
        i++;
    }
    return s.len;
}

static rp_val slice(rp_str s, size_t b, size_t e)
{
    rp_val v = dnull;
    if (e - b == 4 && memcmp(s.ptr + b, "null", 4) == 0) return v;
    v.null = 0;
    v.s.ptr = s.ptr + b;
    v.s.len = e - b;
    return v;
}

/* Does the JSON string token [b, e) (with its quotes) spell key? */
static bool key_is(rp_str s, size_t b, size_t e, rp_str key, rp_scratch *sc)
{
    const char *body = s.ptr + b + 1;
    size_t n = e - b - 2;
    if (!memchr(body, '\\', n)) return n == key.len && (n == 0 || memcmp(body, key.ptr, n) == 0);
    if (key.len > n) return false; /* escapes only shorten */
    char *o = rp_scratch_alloc(sc, n);
    if (!o) return false;
    size_t m = rp_json_unescape(body, n, o);
    return m == key.len && (m == 0 || memcmp(o, key.ptr, m) == 0);
}

rp_val rp_dyn_member(rp_val d, rp_str key, rp_scratch *sc)
{
    rp_str s = trim(d.s);
    if (d.null || s.len < 2 || s.ptr[0] != '{') return dnull;
    rp_val found = dnull;
    size_t i = ws(s, 1);
    while (i < s.len && s.ptr[i] == '"') {
        size_t kb = i, ke = rp_json_skip(s, i);
        i = ws(s, ke);
        if (ke <= kb + 1 || i >= s.len || s.ptr[i] != ':') break;
        size_t vb = ws(s, i + 1), ve = rp_json_skip(s, vb);
        if (ve <= vb) break;
        if (key_is(s, kb, ke, key, sc)) found = slice(s, vb, ve); /* last occurrence wins */
        i = ws(s, ve);
        if (i < s.len && s.ptr[i] == ',') i = ws(s, i + 1);
    }
    return found;
}

/* Calls back nothing: counts the elements of an array starting at s[0] == '[' (or finds
 * element `want`'s range when want >= 0). */
static size_t elements(rp_str s, int64_t want, size_t *b, size_t *e)
{
    size_t n = 0, i = ws(s, 1);
    while (i < s.len && s.ptr[i] != ']') {
        size_t vb = i, ve = rp_json_skip(s, i);
        if (ve <= vb) break;
        if (want >= 0 && (int64_t)n == want) {
            *b = vb;
            *e = ve;
            return n + 1;
        }
        n++;
        i = ws(s, ve);
        if (i < s.len && s.ptr[i] == ',') i = ws(s, i + 1);
    }
    return n;
}

rp_val rp_dyn_index(rp_val d, int64_t i)
{
    rp_str s = trim(d.s);
    if (d.null || s.len < 2 || s.ptr[0] != '[') return dnull;
    size_t b = 0, e = 0;
    if (i < 0) {
        size_t n = elements(s, -1, &b, &e);
        if ((uint64_t)(-(i + 1)) >= n) return dnull; /* -(i+1) cannot overflow */
        i += (int64_t)n;
    }
    if (elements(s, i, &b, &e) != (size_t)i + 1 || e <= b) return dnull;
    return slice(s, b, e);
}

rp_val rp_dyn_array_length(rp_val d)
{
    rp_str s = trim(d.s);
    if (d.null || s.len < 2 || s.ptr[0] != '[') return dnull;
    size_t b, e;
    rp_val v = dnull;
    v.null = 0;
    v.i = (int64_t)elements(s, -1, &b, &e);
    return v;
}

bool rp_dyn_is_null(rp_val d)
{
    rp_str s = trim(d.s);
    return d.null || (s.len == 4 && memcmp(s.ptr, "null", 4) == 0);
}

bool rp_dyn_isempty(rp_val d)
{
    rp_str s = trim(d.s);
    return rp_dyn_is_null(d) || (s.len == 2 && s.ptr[0] == '"' && s.ptr[1] == '"');
}

/* An array or object without the whitespace between tokens: Kusto prints a dynamic compactly
 * ({"a":1}), whatever spacing the event had. Unchanged text is returned as is (no copy). */
static rp_str compact(rp_scratch *sc, rp_str s)
{
    size_t spaces = 0;
    bool in_str = false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            spaces++;
        }
    }
    if (!spaces) return s;
    char *o = rp_scratch_alloc(sc, s.len - spaces);
    if (!o) return s;
    size_t n = 0;
    in_str = false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (in_str) {
            o[n++] = c;
            if (c == '\\' && i + 1 < s.len) o[n++] = s.ptr[++i];
            else if (c == '"') in_str = false;
        } else if (c == '"') {
            in_str = true;
            o[n++] = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            o[n++] = c;
        }
    }
    rp_str r = {o, n};
    return r;
}

rp_str rp_dyn_text(rp_scratch *sc, rp_val d)
{
    static const rp_str empty = {"", 0};
    rp_str s = trim(d.s);
    if (d.null || s.len == 0) return empty;
    char c = s.ptr[0];
    if (c == '"') {
        rp_str body = {s.ptr + 1, s.len >= 2 ? s.len - 2 : 0};
        if (!memchr(body.ptr, '\\', body.len)) return body;
        char *o = rp_scratch_alloc(sc, body.len);
        if (!o) return empty;
        rp_str r = {o, rp_json_unescape(body.ptr, body.len, o)};
        return r;
    }
    if (c == 'n') return empty;
    if (c == '-' || (c >= '0' && c <= '9')) {
        int64_t i;
        double r;
        char *o = rp_scratch_alloc(sc, 40);
        if (!o) return empty;
        bool integral = !memchr(s.ptr, '.', s.len) && !memchr(s.ptr, 'e', s.len) && !memchr(s.ptr, 'E', s.len);
        size_t n;
        if (integral && rp_long_parse(s.ptr, s.len, &i)) n = (size_t)snprintf(o, 40, "%lld", (long long)i);
        else if (rp_real_parse(s.ptr, s.len, &r)) n = rp_real_format(r, o);
        else return s;
        rp_str t = {o, n};
        return t;
    }
    if (c != '[' && c != '{') return s; /* true, false */
    return compact(sc, s);
}

/* {====================================================================
 * parse_json: a strict RFC 8259 check
 * ===================================================================== */

static bool vstring(rp_str s, size_t *i)
{
    size_t k = *i + 1;
    while (k < s.len) {
        unsigned char c = (unsigned char)s.ptr[k];
        if (c == '"') {
            *i = k + 1;
            return true;
        }
        if (c < 0x20) return false;
        if (c == '\\') {
            if (k + 1 >= s.len) return false;
            char e = s.ptr[k + 1];
            if (e == 'u') {
                if (k + 6 > s.len) return false;
                for (size_t h = k + 2; h < k + 6; h++) {
                    char x = s.ptr[h];
                    if (!((x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') || (x >= 'A' && x <= 'F'))) return false;
                }
                k += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == '\0') return false;
            k += 2;
            continue;
        }
        k++;
    }
    return false;
}

static bool digits(rp_str s, size_t *i)
{
    size_t b = *i;
    while (*i < s.len && s.ptr[*i] >= '0' && s.ptr[*i] <= '9') (*i)++;
    return *i > b;
}

static bool vnumber(rp_str s, size_t *i)
{
    if (*i < s.len && s.ptr[*i] == '-') (*i)++;
    if (*i < s.len && s.ptr[*i] == '0') (*i)++;
    else if (!digits(s, i)) return false;
    if (*i < s.len && s.ptr[*i] == '.') {
        (*i)++;
        if (!digits(s, i)) return false;
    }
    if (*i < s.len && (s.ptr[*i] == 'e' || s.ptr[*i] == 'E')) {
        (*i)++;
        if (*i < s.len && (s.ptr[*i] == '+' || s.ptr[*i] == '-')) (*i)++;
        if (!digits(s, i)) return false;
    }
    return true;
}

static bool word(rp_str s, size_t *i, const char *w, size_t n)
{
    if (s.len - *i < n || memcmp(s.ptr + *i, w, n) != 0) return false;
    *i += n;
    return true;
}

static bool vvalue(rp_str s, size_t *i, int depth)
{
    *i = ws(s, *i);
    if (*i >= s.len) return false;
    char c = s.ptr[*i];
    if (c == '{' || c == '[') {
        if (depth >= RP_MAX_JSON_DEPTH) return false;
        char close = c == '{' ? '}' : ']';
        *i = ws(s, *i + 1);
        if (*i < s.len && s.ptr[*i] == close) {
            (*i)++;
            return true;
        }
        for (;;) {
            if (c == '{') {
                *i = ws(s, *i);
                if (*i >= s.len || s.ptr[*i] != '"' || !vstring(s, i)) return false;
                *i = ws(s, *i);
                if (*i >= s.len || s.ptr[*i] != ':') return false;
                (*i)++;
            }
            if (!vvalue(s, i, depth + 1)) return false;
            *i = ws(s, *i);
            if (*i >= s.len) return false;
            if (s.ptr[*i] == close) {
                (*i)++;
                return true;
            }
            if (s.ptr[*i] != ',') return false;
            (*i)++;
        }
    }
    if (c == '"') return vstring(s, i);
    if (c == 't') return word(s, i, "true", 4);
    if (c == 'f') return word(s, i, "false", 5);
    if (c == 'n') return word(s, i, "null", 4);
    return vnumber(s, i);
}

rp_val rp_dyn_parse(rp_scratch *sc, rp_str s)
{
    size_t i = 0;
    rp_val v = dnull;
    if (vvalue(s, &i, 0) && ws(s, i) == s.len) {
        rp_str t = trim(s);
        if (t.len == 4 && memcmp(t.ptr, "null", 4) == 0) return v;
        if (memchr(t.ptr, '\n', t.len) || memchr(t.ptr, '\r', t.len)) {
            char *o = rp_scratch_alloc(sc, t.len);
            if (!o) return v;
            for (size_t k = 0; k < t.len; k++) o[k] = t.ptr[k] == '\n' || t.ptr[k] == '\r' ? ' ' : t.ptr[k];
            t.ptr = o;
        }
        v.null = 0;
        v.s = t;
        return v;
    }
    /* not JSON: a dynamic string holding s (parse-json-function page) */
    size_t n = rp_json_escape(s, NULL, 0);
    char *o = rp_scratch_alloc(sc, n + 2);
    if (!o) return v;
    o[0] = '"';
    rp_json_escape(s, o + 1, n);
    o[n + 1] = '"';
    v.null = 0;
    v.s.ptr = o;
    v.s.len = n + 2;
    return v;
}

/* {====================================================================
 * split, pack_array (arrays built as JSON text in the scratch)
 * ===================================================================== */

/* Byte offset of the first occurrence of d in s at or after `from`; s.len when none. */
static size_t find_from(rp_str s, size_t from, rp_str d)
{
    for (size_t i = from; i + d.len <= s.len; i++)
        if (s.ptr[i] == d.ptr[0] && memcmp(s.ptr + i, d.ptr, d.len) == 0) return i;
    return s.len;
}

/* Appends the JSON string of t at o (o NULL: only counts). */
static size_t put_json_str(char *o, rp_str t)
{
    size_t n = rp_json_escape(t, NULL, 0);
    if (o) {
        o[0] = '"';
        rp_json_escape(t, o + 1, n);
        o[n + 1] = '"';
    }
    return n + 2;
}

/* One pass of split: counts (out NULL) or writes the array. */
static size_t split_pass(rp_str s, rp_str d, int64_t index, char *out)
{
    size_t o = 0, from = 0;
    int64_t k = 0;
    bool first = true;
    if (out) out[o] = '[';
    o++;
    for (;;) {
        size_t at = find_from(s, from, d);
        if (index < 0 || k == index) {
            rp_str part = {s.ptr + from, at - from};
            if (!first) {
                if (out) out[o] = ',';
                o++;
            }
            o += put_json_str(out ? out + o : NULL, part);
            first = false;
        }
        if (at >= s.len || (index >= 0 && k >= index)) break;
        from = at + d.len;
        k++;
    }
    if (out) out[o] = ']';
    return o + 1;
}

rp_val rp_dyn_split(rp_scratch *sc, rp_str s, rp_str delim, int64_t index)
{
    rp_val v = dnull;
    if (delim.len == 0) return v; /* refused by the lowering: undocumented */
    size_t n = split_pass(s, delim, index, NULL);
    char *o = rp_scratch_alloc(sc, n);
    if (!o) return v;
    split_pass(s, delim, index, o);
    v.null = 0;
    v.s.ptr = o;
    v.s.len = n;
    return v;
}

/* The JSON form of one pack_array element (o NULL: only counts). */
static size_t pack_elem(char *o, const rp_val *v, rp_kind k)
{
    char tmp[48];
    size_t n;
    if (k == RP_K_STRING) return put_json_str(o, v->s);
    if (v->null || (k != RP_K_LONG && k != RP_K_BOOL && k != RP_K_TIMESPAN && k != RP_K_DYNAMIC)) {
        n = 4;
        memcpy(tmp, "null", 4);
    } else if (k == RP_K_DYNAMIC) {
        rp_str t = trim(v->s);
        if (o && t.len) memcpy(o, t.ptr, t.len);
        return t.len;
    } else if (k == RP_K_LONG) {
        n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v->i);
    } else if (k == RP_K_BOOL) {
        n = v->i ? 4 : 5;
        memcpy(tmp, v->i ? "true" : "false", n);
    } else {
        /* a timespan is its text, as a JSON string (pack-array-function's second example) */
        n = rp_timespan_format(v->i, tmp + 1);
        tmp[0] = '"';
        tmp[n + 1] = '"';
        n += 2;
    }
    if (o) memcpy(o, tmp, n);
    return n;
}

rp_val rp_dyn_pack(rp_scratch *sc, const rp_val *vals, const rp_kind *kinds, size_t n)
{
    rp_val v = dnull;
    size_t len = 2 + (n ? n - 1 : 0);
    for (size_t i = 0; i < n; i++) len += pack_elem(NULL, &vals[i], kinds[i]);
    char *o = rp_scratch_alloc(sc, len);
    if (!o) return v;
    size_t w = 0;
    o[w++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (i) o[w++] = ',';
        w += pack_elem(o + w, &vals[i], kinds[i]);
    }
    o[w++] = ']';
    v.null = 0;
    v.s.ptr = o;
    v.s.len = w;
    return v;
}

/* {====================================================================
 * ipv4_is_private
 * ===================================================================== */

/* "a.b.c.d" with an optional "/p": each part 1-3 decimal digits <= 255, p 1-2 digits <= 32. */
bool rp_ipv4_parse(rp_str s, uint32_t *addr, int *prefix)
{
    uint32_t a = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= s.len || s.ptr[i] != '.') return false;
            i++;
        }
        size_t b = i;
        unsigned x = 0;
        while (i < s.len && i - b < 3 && s.ptr[i] >= '0' && s.ptr[i] <= '9') x = x * 10 + (unsigned)(s.ptr[i++] - '0');
        if (i == b || x > 255) return false;
        a = a << 8 | x;
    }
    int p = 32;
    if (i < s.len && s.ptr[i] == '/') {
        size_t b = ++i;
        p = 0;
        while (i < s.len && i - b < 2 && s.ptr[i] >= '0' && s.ptr[i] <= '9') p = p * 10 + (s.ptr[i++] - '0');
        if (i == b || p > 32) return false;
    }
    if (i != s.len) return false;
    *addr = a;
    *prefix = p;
    return true;
}

rp_val rp_ipv4_is_private(rp_str s)
{
    rp_val v = dnull;
    uint32_t a;
    int p;
    if (!rp_ipv4_parse(s, &a, &p)) return v;
    if (p < 32) a &= p ? ~(uint32_t)0 << (32 - p) : 0; /* the prefix masks the address */
    v.null = 0;
    v.i = (a >> 24) == 10 || (a >> 20) == 0xAC1 || (a >> 16) == 0xC0A8;
    return v;
}
