/* rp_reader.c: the event reader (the hot path). Reads JSON lines into one reused buffer, parses
 * each line as one JSON object, keeps only the pack's columns (zero-copy slices when a string has
 * no escapes, decoded into a reused scratch buffer when it has), routes the event to a table by
 * its "Type" (else --table) and types each value by the column's declared kind. The prefilter
 * skips lines that cannot contain any required literal. Every line lands in one stats bucket. */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CHUNK ((size_t)4 << 20)

enum { TOK_NONE = 0, TOK_STRING, TOK_NUMBER, TOK_TRUE, TOK_FALSE, TOK_NULL, TOK_OBJECT, TOK_ARRAY };

const char *rp_reject_name(rp_reject why)
{
    static const char *const names[RP_REJ_COUNT] = {"invalid_json", "too_long", "no_table", "bad_type"};
    return (unsigned)why < RP_REJ_COUNT ? names[why] : "?";
}

/* ------------------------------------------------------------------ key table */

static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u ^ n;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h ^ (h >> 29);
}

static int key_lookup(const rp_reader *r, const char *k, size_t n)
{
    if (!((r->lenmask >> (n & 63)) & 1)) return -1;
    size_t i = (size_t)key_hash(k, n) & r->hmask;
    for (;;) {
        int32_t c = r->hslots[i];
        if (c < 0) return -1;
        const char *name = r->layout->cols[c];
        if (strlen(name) == n && memcmp(name, k, n) == 0) return c;
        i = (i + 1) & r->hmask;
    }
}

bool rp_reader_init(rp_reader *r, const rp_layout *layout, FILE *in, rp_stats *stats)
{
    memset(r, 0, sizeof *r);
    r->layout = layout;
    r->stats = stats;
    r->in = in;
    r->default_table = -1;
    size_t n = layout->ncols ? layout->ncols : 1;
    r->vals = calloc(n, sizeof *r->vals);
    r->raw = calloc(n, sizeof *r->raw);
    r->rawlen = calloc(n, sizeof *r->rawlen);
    r->rawkind = calloc(n, 1);
    r->escaped = calloc(n, 1);
    r->gen = calloc(n, sizeof *r->gen);
    size_t hs = 16;
    while (hs < n * 4) hs *= 2;
    r->hslots = malloc(hs * sizeof *r->hslots);
    r->hmask = hs - 1;
    if (!r->vals || !r->raw || !r->rawlen || !r->rawkind || !r->escaped || !r->gen || !r->hslots) {
        rp_reader_free(r);
        return false;
    }
    for (size_t i = 0; i < hs; i++) r->hslots[i] = -1;
    for (size_t c = 0; c < layout->ncols; c++) {
        size_t len = strlen(layout->cols[c]);
        if (key_lookup(r, layout->cols[c], len) >= 0) continue; /* duplicate name: first wins */
        r->lenmask |= (uint64_t)1 << (len & 63);
        size_t i = (size_t)key_hash(layout->cols[c], len) & r->hmask;
        while (r->hslots[i] >= 0) i = (i + 1) & r->hmask;
        r->hslots[i] = (int32_t)c;
    }
    return true;
}

void rp_reader_free(rp_reader *r)
{
    free(r->vals);
    free(r->raw);
    free(r->rawlen);
    free(r->rawkind);
    free(r->escaped);
    free(r->gen);
    free(r->hslots);
    free(r->buf);
    free(r->scratch);
    free(r->pf.lits);
    rp_multi_free(r->pf.multi);
    memset(r, 0, sizeof *r);
}

bool rp_reader_set_table(rp_reader *r, const char *name)
{
    for (size_t t = 0; t < r->layout->ntables; t++)
        if (strcmp(r->layout->tables[t], name) == 0) {
            r->default_table = (int)t;
            return true;
        }
    r->default_table = -2; /* a table the pack does not read: events are other_table */
    return false;
}

/* ------------------------------------------------------------------ prefilter */

/* One literal: the SSE2 first/last-byte scan below (memmem class). Several: one pass of
 * rp_multi (sampled 4-byte windows, rp_multi.c) plus one SSE2 pass for backslash-u, instead of
 * one pass per literal. MB/s per CPU second on the 500 MB `make bench` data (3.8 KB lines, 1% of
 * them hold a literal; pack of tests/bench/prefilter_bench.c, lengths 3..24, minimum long
 * length 4 so every byte is sampled; AMD EPYC 2.6 GHz shared VM, gcc -O2):
 *   literals                    1      10     100   1,000
 *   before (a pass each), alone 6621   715     55       9   (100: first 50 MB, 1,000: 10 MB)
 *   after, prefilter alone      9230  1580    862     600
 *   after, reader + prefilter   3494  1361    764     513
 * 1,000 literals stay below the 1 GB/s goal: the scalar probe of every 4-byte window costs
 * ~4 cycles a byte; packs whose literals are all >= 5 bytes sample every 2nd+ byte. */
bool rp_reader_set_prefilter(rp_reader *r, const rp_needle *lits, size_t nlits, bool ci)
{
    rp_prefilter *pf = &r->pf;
    free(pf->lits);
    rp_multi_free(pf->multi);
    memset(pf, 0, sizeof *pf);
    if (nlits == 0) return false;
    for (size_t i = 0; i < nlits; i++)
        if (rp_needle_flags(lits[i].s, lits[i].len) & RP_NF_NO_PREFILTER) return false;
    pf->lits = malloc(nlits * sizeof *pf->lits);
    pf->multi = rp_multi_new(lits, nlits);
    if (!pf->lits || !pf->multi) {
        free(pf->lits);
        rp_multi_free(pf->multi);
        memset(pf, 0, sizeof *pf);
        return false;
    }
    for (size_t i = 0; i < nlits; i++) {
        /* case-sensitive literals are searched folded too: a superset, still sound */
        pf->lits[i] = (rp_needle){lits[i].s, rp_multi_lower(pf->multi, i), lits[i].len};
    }
    (void)ci;
    pf->nlits = nlits;
    pf->enabled = true;
    return true;
}

/* Is the backslash at p (inside [line, p]) an escape introducer, not an escaped backslash? */
static bool real_escape(const char *line, const char *p)
{
    size_t n = 0;
    while (p > line && p[-1] == '\\') {
        p--;
        n++;
    }
    return (n & 1) == 0;
}

/* First position >= 0 where the folded line has the folded literal, or a real backslash-u
 * escape begins; true when either exists. */
static bool scan_lit(const char *line, size_t len, const rp_needle *n)
{
    size_t m = n->len;
    const unsigned char *u = (const unsigned char *)line;
    unsigned char c0 = (unsigned char)n->lower[0], c1 = (unsigned char)n->lower[m - 1];
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i f20 = _mm_set1_epi8(0x20), v0 = _mm_set1_epi8((char)(c0 | 0x20)), v1 = _mm_set1_epi8((char)(c1 | 0x20));
    const __m128i bs = _mm_set1_epi8('\\'), vu = _mm_set1_epi8('u');
    size_t span = m > 2 ? m : 2; /* bytes that must follow a start in the block */
    while (i + 16 + span - 1 <= len) {
        __m128i a = _mm_loadu_si128((const __m128i *)(u + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(u + i + m - 1));
        __m128i a1 = _mm_loadu_si128((const __m128i *)(u + i + 1));
        __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, f20), v0), _mm_cmpeq_epi8(_mm_or_si128(b, f20), v1));
        __m128i esc = _mm_and_si128(_mm_cmpeq_epi8(a, bs), _mm_cmpeq_epi8(a1, vu));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(hit, esc));
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            size_t at = i + bit;
            if (u[at] == '\\') {
                if (u[at + 1] == 'u' && real_escape(line, line + at)) return true;
            }
            if (at + m <= len) {
                size_t k = 0;
                while (k < m && rp_lower(u[at + k]) == (unsigned char)n->lower[k]) k++;
                if (k == m) return true;
            }
            mask &= mask - 1;
        }
        i += 16;
    }
#endif
    for (; i < len; i++) {
        if (u[i] == '\\' && i + 1 < len && u[i + 1] == 'u' && real_escape(line, line + i)) return true;
        if (i + m <= len && rp_lower(u[i]) == c0) {
            size_t k = 1;
            while (k < m && rp_lower(u[i + k]) == (unsigned char)n->lower[k]) k++;
            if (k == m) return true;
        }
    }
    return false;
}

/* Is there a real backslash-u escape in the line? */
static bool has_u_escape(const char *line, size_t len)
{
    const unsigned char *u = (const unsigned char *)line;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i bs = _mm_set1_epi8('\\'), vu = _mm_set1_epi8('u');
    for (; i + 17 <= len; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(u + i)), a1 = _mm_loadu_si128((const __m128i *)(u + i + 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, bs), _mm_cmpeq_epi8(a1, vu)));
        for (; mask; mask &= mask - 1)
            if (real_escape(line, line + i + (unsigned)__builtin_ctz(mask))) return true;
    }
#endif
    for (; i + 1 < len; i++)
        if (u[i] == '\\' && u[i + 1] == 'u' && real_escape(line, line + i)) return true;
    return false;
}

bool rp_prefilter_may_match(const rp_prefilter *pf, const char *line, size_t len)
{
    if (!pf->enabled) return true;
    if (pf->nlits > 1 && pf->multi) return rp_multi_find(pf->multi, line, len) || has_u_escape(line, len);
    for (size_t i = 0; i < pf->nlits; i++)
        if (scan_lit(line, len, &pf->lits[i])) return true;
    return false;
}

/* ------------------------------------------------------------------ JSON scanning */

typedef struct pstate {
    const char *p, *end, *line;
    bool fail;
} pstate;

static void ws(pstate *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Scans a string body after its opening quote; leaves p after the closing quote. Sets *esc
 * when it has escapes. Validates escapes and rejects raw control characters. */
static bool scan_string(pstate *s, bool *esc)
{
    const unsigned char *p = (const unsigned char *)s->p, *end = (const unsigned char *)s->end;
    *esc = false;
    for (;;) {
#if defined(__SSE2__)
        const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
        while (p + 16 <= end) {
            __m128i x = _mm_loadu_si128((const __m128i *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b)),
                                     _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) {
                p += __builtin_ctz(mask);
                goto special;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '"' && *p != '\\' && *p >= 0x20) p++;
#if defined(__SSE2__)
    special:
#endif
        if (p >= end) return false;
        if (*p == '"') {
            s->p = (const char *)p + 1;
            return true;
        }
        if (*p < 0x20) return false;
        /* backslash */
        *esc = true;
        if (p + 1 >= end) return false;
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': p += 2; break;
        case 'u':
            if (p + 6 > end || hexval((char)p[2]) < 0 || hexval((char)p[3]) < 0 || hexval((char)p[4]) < 0 || hexval((char)p[5]) < 0)
                return false;
            p += 6;
            break;
        default: return false;
        }
    }
}

static bool scan_number(pstate *s)
{
    const char *p = s->p, *e = s->end;
    if (p < e && *p == '-') p++;
    if (p >= e) return false;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9')
        while (p < e && *p >= '0' && *p <= '9') p++;
    else return false;
    if (p < e && *p == '.') {
        const char *k = ++p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        if (p == k) return false;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        const char *k = p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        if (p == k) return false;
    }
    s->p = p;
    return true;
}

static bool lit(pstate *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0) return false;
    s->p += n;
    return true;
}

/* Scans any value; returns its token kind (TOK_NONE on error). */
static int scan_value(pstate *s, int depth)
{
    if (s->p >= s->end) return TOK_NONE;
    bool esc;
    switch (*s->p) {
    case '"': s->p++; return scan_string(s, &esc) ? TOK_STRING : TOK_NONE;
    case 't': return lit(s, "true", 4) ? TOK_TRUE : TOK_NONE;
    case 'f': return lit(s, "false", 5) ? TOK_FALSE : TOK_NONE;
    case 'n': return lit(s, "null", 4) ? TOK_NULL : TOK_NONE;
    case '{':
    case '[': {
        char close = *s->p == '{' ? '}' : ']';
        bool obj = close == '}';
        if (depth >= RP_MAX_JSON_DEPTH) return TOK_NONE;
        s->p++;
        ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return obj ? TOK_OBJECT : TOK_ARRAY;
        }
        for (;;) {
            if (obj) {
                if (s->p >= s->end || *s->p != '"') return TOK_NONE;
                s->p++;
                if (!scan_string(s, &esc)) return TOK_NONE;
                ws(s);
                if (s->p >= s->end || *s->p != ':') return TOK_NONE;
                s->p++;
                ws(s);
            }
            if (scan_value(s, depth + 1) == TOK_NONE) return TOK_NONE;
            ws(s);
            if (s->p >= s->end) return TOK_NONE;
            if (*s->p == ',') {
                s->p++;
                ws(s);
                continue;
            }
            if (*s->p != close) return TOK_NONE;
            s->p++;
            return obj ? TOK_OBJECT : TOK_ARRAY;
        }
    }
    default: return scan_number(s) ? TOK_NUMBER : TOK_NONE;
    }
}

static void put_utf8(char **o, uint32_t cp)
{
    unsigned char *u = (unsigned char *)*o;
    if (cp < 0x80) *u++ = (unsigned char)cp;
    else if (cp < 0x800) {
        *u++ = (unsigned char)(0xC0 | (cp >> 6));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *u++ = (unsigned char)(0xE0 | (cp >> 12));
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *u++ = (unsigned char)(0xF0 | (cp >> 18));
        *u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *o = (char *)u;
}

static uint32_t hex4(const char *p) { return (uint32_t)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3])); }

/* Decodes an already validated string body [p, e) into out; returns the length written
 * (never more than e - p). Lone surrogates become U+FFFD. */
static size_t decode_string(const char *p, const char *e, char *out)
{
    char *o = out;
    while (p < e) {
        const char *b = memchr(p, '\\', (size_t)(e - p));
        if (!b) b = e;
        memcpy(o, p, (size_t)(b - p));
        o += b - p;
        p = b;
        if (p >= e) break;
        char c = p[1];
        p += 2;
        switch (c) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            uint32_t cp = hex4(p);
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                    uint32_t lo = hex4(p + 2);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    } else cp = 0xFFFD;
                } else cp = 0xFFFD;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) cp = 0xFFFD;
            put_utf8(&o, cp);
            break;
        }
        default: *o++ = c; break; /* " \ / */
        }
    }
    return (size_t)(o - out);
}

size_t rp_json_unescape(const char *body, size_t len, char *out) { return decode_string(body, body + len, out); }

/* Text of a captured string token (between the quotes), decoded when it has escapes. */
static rp_str string_text(rp_reader *r, const char *raw, size_t rawlen, bool escaped)
{
    rp_str s = {raw + 1, rawlen - 2};
    if (escaped) {
        char *o = r->scratch + r->scratch_len;
        s.len = decode_string(raw + 1, raw + rawlen - 1, o);
        s.ptr = o;
        r->scratch_len += s.len;
    }
    return s;
}

/* Types one captured value by its column kind. */
static void convert(rp_reader *r, size_t c, rp_kind kind)
{
    rp_val *v = &r->vals[c];
    const char *raw = r->raw[c];
    size_t rawlen = r->rawlen[c];
    int tok = r->rawkind[c];
    v->i = 0;
    v->r = 0;
    v->bad = 0;
    v->null = 0;
    rp_str text = {raw, rawlen};
    if (tok == TOK_STRING) text = string_text(r, raw, rawlen, r->escaped[c] != 0);
    v->s = text;
    switch (kind) {
    case RP_K_STRING:
    case RP_K_ABSENT:
        if (tok == TOK_NULL) v->s = (rp_str){"", 0};
        return;
    case RP_K_DYNAMIC:
        v->s = (rp_str){raw, rawlen};
        v->null = tok == TOK_NULL;
        return;
    default: break;
    }
    if (tok == TOK_NULL || (tok == TOK_STRING && text.len == 0)) {
        v->null = 1;
        return;
    }
    bool ok = false;
    switch (kind) {
    case RP_K_LONG: ok = (tok == TOK_NUMBER || tok == TOK_STRING) && rp_long_parse(text.ptr, text.len, &v->i); break;
    case RP_K_REAL: ok = (tok == TOK_NUMBER || tok == TOK_STRING) && rp_real_parse(text.ptr, text.len, &v->r); break;
    case RP_K_BOOL:
        if (tok == TOK_TRUE || tok == TOK_FALSE) {
            v->i = tok == TOK_TRUE;
            ok = true;
        } else if (tok == TOK_STRING && rp_bool_parse(text.ptr, text.len, &v->i)) {
            ok = true;
        } else if (tok == TOK_NUMBER && text.len == 1 && (text.ptr[0] == '0' || text.ptr[0] == '1')) {
            v->i = text.ptr[0] == '1';
            ok = true;
        }
        break;
    case RP_K_DATETIME: ok = tok == TOK_STRING && rp_datetime_parse(text.ptr, text.len, &v->i); break;
    case RP_K_TIMESPAN: ok = tok == TOK_STRING && rp_timespan_parse(text.ptr, text.len, &v->i); break;
    case RP_K_GUID: ok = tok == TOK_STRING; break;
    default: break;
    }
    if (!ok) {
        v->null = 1;
        v->bad = 1;
        v->i = 0;
        v->r = 0;
        if (r->stats) r->stats->bad_values++;
    }
}

static int reject(rp_reader *r, rp_reject why, size_t off)
{
    r->last_reject = why;
    r->reject_offset = off;
    if (r->stats) r->stats->rejected[why]++;
    return RP_READ_REJECT;
}

/* Parses one line; counts it (except lines_read/bytes, counted by the caller). */
static int parse_line(rp_reader *r, const char *line, size_t len, rp_event *ev)
{
    pstate s = {line, line + len, line, false};
    ws(&s);
    if (s.p == s.end) {
        if (r->stats) r->stats->blank++;
        return RP_READ_SKIP;
    }
    if (r->pf.enabled && !rp_prefilter_may_match(&r->pf, line, len)) {
        if (r->stats) r->stats->prefiltered++;
        return RP_READ_SKIP;
    }
    if (r->scratch_cap < len + 16) {
        size_t cap = r->scratch_cap ? r->scratch_cap : 4096;
        while (cap < len + 16) cap *= 2;
        char *n = realloc(r->scratch, cap);
        if (!n) return RP_READ_IOERR;
        /* PCRE2's JIT loads whole SIMD words, past a subject's end but inside the buffer; zero
         * the new bytes once so that read is of defined memory (valgrind memcheck is clean) */
        memset(n + r->scratch_cap, 0, cap - r->scratch_cap);
        r->scratch = n;
        r->scratch_cap = cap;
    }
    r->scratch_len = 0;
    if (++r->cur_gen == 0) {
        memset(r->gen, 0, r->layout->ncols * sizeof *r->gen);
        r->cur_gen = 1;
    }
    const char *type_raw = NULL;
    size_t type_len = 0;
    int type_tok = TOK_NONE;
    bool type_esc = false;
    if (*s.p != '{') return reject(r, RP_REJ_INVALID_JSON, (size_t)(s.p - line));
    s.p++;
    ws(&s);
    if (s.p < s.end && *s.p == '}') s.p++;
    else
        for (;;) {
            if (s.p >= s.end || *s.p != '"') return reject(r, RP_REJ_INVALID_JSON, (size_t)(s.p - line));
            const char *k = ++s.p;
            bool kesc;
            if (!scan_string(&s, &kesc)) return reject(r, RP_REJ_INVALID_JSON, (size_t)(k - line));
            rp_str key = {k, (size_t)(s.p - 1 - k)};
            char kbuf[256];
            if (kesc) {
                if (key.len > sizeof kbuf) key.len = 0; /* longer than any column name: no match */
                else key.len = decode_string(k, s.p - 1, kbuf), key.ptr = kbuf;
            }
            ws(&s);
            if (s.p >= s.end || *s.p != ':') return reject(r, RP_REJ_INVALID_JSON, (size_t)(s.p - line));
            s.p++;
            ws(&s);
            const char *vstart = s.p;
            bool vesc = false;
            int tok;
            if (s.p < s.end && *s.p == '"') {
                s.p++;
                tok = scan_string(&s, &vesc) ? TOK_STRING : TOK_NONE;
            } else tok = scan_value(&s, 1);
            if (tok == TOK_NONE) return reject(r, RP_REJ_INVALID_JSON, (size_t)(s.p - line));
            int c = key_lookup(r, key.ptr, key.len);
            if (c >= 0) {
                r->raw[c] = vstart;
                r->rawlen[c] = (size_t)(s.p - vstart);
                r->rawkind[c] = (unsigned char)tok;
                r->escaped[c] = vesc;
                r->gen[c] = r->cur_gen;
            }
            if (key.len == 4 && memcmp(key.ptr, "Type", 4) == 0) {
                type_raw = vstart;
                type_len = (size_t)(s.p - vstart);
                type_tok = tok;
                type_esc = vesc;
            }
            ws(&s);
            if (s.p < s.end && *s.p == ',') {
                s.p++;
                ws(&s);
                continue;
            }
            if (s.p < s.end && *s.p == '}') {
                s.p++;
                break;
            }
            return reject(r, RP_REJ_INVALID_JSON, (size_t)(s.p - line));
        }
    ws(&s);
    if (s.p != s.end) return reject(r, RP_REJ_INVALID_JSON, (size_t)(s.p - line));
    /* route */
    int table;
    if (type_raw) {
        if (type_tok != TOK_STRING) return reject(r, RP_REJ_BAD_TYPE, (size_t)(type_raw - line));
        rp_str t = string_text(r, type_raw, type_len, type_esc);
        table = -2;
        for (size_t i = 0; i < r->layout->ntables; i++) {
            const char *name = r->layout->tables[i];
            if (strlen(name) == t.len && memcmp(name, t.ptr, t.len) == 0) {
                table = (int)i;
                break;
            }
        }
    } else {
        table = r->default_table;
        if (table == -1) return reject(r, RP_REJ_NO_TABLE, 0);
    }
    if (table < 0) {
        if (r->stats) r->stats->other_table++;
        return RP_READ_SKIP;
    }
    const unsigned char *kinds = r->layout->kinds + (size_t)table * r->layout->ncols;
    for (size_t c = 0; c < r->layout->ncols; c++) {
        rp_val *v = &r->vals[c];
        if (r->gen[c] == r->cur_gen && kinds[c] != RP_K_ABSENT) convert(r, c, (rp_kind)kinds[c]);
        else {
            v->s = (rp_str){"", 0};
            v->i = 0;
            v->r = 0;
            v->bad = 0;
            v->null = kinds[c] != RP_K_STRING;
        }
    }
    if (r->stats) r->stats->evaluated++;
    ev->table = table;
    ev->v = r->vals;
    ev->line = (rp_str){line, len};
    ev->lineno = r->lineno;
    return RP_READ_EVENT;
}

int rp_reader_parse_line(rp_reader *r, const char *line, size_t len, rp_event *ev)
{
    r->lineno++;
    if (r->stats) {
        r->stats->lines_read++;
        r->stats->bytes_read += len;
    }
    if (len > RP_MAX_EVENT_LINE) return reject(r, RP_REJ_TOO_LONG, RP_MAX_EVENT_LINE);
    return parse_line(r, line, len, ev);
}

/* Makes sure the buffer holds more input; false at end of input. */
static bool fill(rp_reader *r)
{
    if (r->eof || !r->in) return false;
    if (r->start > 0 && (r->start == r->end || r->cap - r->end < CHUNK)) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cap - r->end < CHUNK) {
        size_t cap = r->cap ? r->cap * 2 : CHUNK * 2;
        char *n = realloc(r->buf, cap + 1);
        if (!n) return false;
        r->buf = n;
        r->cap = cap;
    }
    size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->in);
    r->end += got;
    if (got == 0) r->eof = true;
    return got > 0;
}

int rp_reader_next(rp_reader *r, rp_event *ev)
{
    for (;;) {
        char *nl = r->start < r->end ? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
        size_t avail = r->end - r->start;
        if (!nl) {
            if (avail > RP_MAX_EVENT_LINE) {
                /* too long: count it, then drop bytes up to its newline (memory stays flat) */
                r->lineno++;
                uint64_t skipped = avail;
                r->start = r->end = 0;
                for (;;) {
                    if (!fill(r)) break;
                    nl = memchr(r->buf, '\n', r->end);
                    if (nl) {
                        skipped += (size_t)(nl - r->buf);
                        r->start = (size_t)(nl - r->buf) + 1;
                        break;
                    }
                    skipped += r->end;
                    r->start = r->end = 0;
                }
                if (r->stats) {
                    r->stats->lines_read++;
                    r->stats->bytes_read += skipped;
                }
                return reject(r, RP_REJ_TOO_LONG, RP_MAX_EVENT_LINE);
            }
            if (fill(r)) continue;
            if (r->in && ferror(r->in)) return RP_READ_IOERR;
            if (avail == 0) return RP_READ_EOF;
            nl = r->buf + r->end; /* last line without a newline */
        }
        char *line = r->buf + r->start;
        size_t len = (size_t)(nl - line);
        r->start = nl < r->buf + r->end ? (size_t)(nl - r->buf) + 1 : r->end;
        int rc = rp_reader_parse_line(r, line, len, ev);
        if (rc != RP_READ_SKIP) return rc;
    }
}

/* ------------------------------------------------------------------ stats */

uint64_t rp_stats_rejected_total(const rp_stats *st)
{
    uint64_t n = 0;
    for (int i = 0; i < RP_REJ_COUNT; i++) n += st->rejected[i];
    return n;
}

bool rp_stats_consistent(const rp_stats *st)
{
    if (st->lines_read != st->blank + rp_stats_rejected_total(st) + st->other_table + st->prefiltered + st->evaluated)
        return false;
    for (size_t i = 0; i < st->nrules; i++) {
        const rp_rule_stats *rs = &st->rules[i];
        uint64_t sup = 0;
        for (size_t k = 0; k < rs->nexcl; k++) sup += rs->suppressed[k];
        if (rs->matched != sup + (rs->has_tail ? rs->aggregated : rs->alerts)) return false;
    }
    return true;
}

void rp_stats_print_json(const rp_stats *st, FILE *out)
{
    rp_jw w;
    rp_jw_init(&w);
    rp_jw_obj_begin(&w);
    rp_jw_key(&w, "lines_read"), rp_jw_long(&w, (int64_t)st->lines_read);
    rp_jw_key(&w, "bytes_read"), rp_jw_long(&w, (int64_t)st->bytes_read);
    rp_jw_key(&w, "blank"), rp_jw_long(&w, (int64_t)st->blank);
    rp_jw_key(&w, "rejected"), rp_jw_long(&w, (int64_t)rp_stats_rejected_total(st));
    rp_jw_key(&w, "rejected_by_reason");
    rp_jw_obj_begin(&w);
    for (int i = 0; i < RP_REJ_COUNT; i++) rp_jw_key(&w, rp_reject_name((rp_reject)i)), rp_jw_long(&w, (int64_t)st->rejected[i]);
    rp_jw_obj_end(&w);
    rp_jw_key(&w, "other_table"), rp_jw_long(&w, (int64_t)st->other_table);
    rp_jw_key(&w, "prefiltered"), rp_jw_long(&w, (int64_t)st->prefiltered);
    rp_jw_key(&w, "evaluated"), rp_jw_long(&w, (int64_t)st->evaluated);
    rp_jw_key(&w, "matched"), rp_jw_long(&w, (int64_t)st->matched);
    rp_jw_key(&w, "alerts"), rp_jw_long(&w, (int64_t)st->alerts);
    rp_jw_key(&w, "bad_values"), rp_jw_long(&w, (int64_t)st->bad_values);
    rp_jw_key(&w, "consistent"), rp_jw_bool(&w, rp_stats_consistent(st));
    rp_jw_key(&w, "rules");
    rp_jw_arr_begin(&w);
    for (size_t i = 0; i < st->nrules; i++) {
        const rp_rule_stats *rs = &st->rules[i];
        rp_jw_obj_begin(&w);
        rp_jw_key(&w, "rule_id"), rp_jw_cstr(&w, rs->rule_id ? rs->rule_id : "");
        rp_jw_key(&w, "matched"), rp_jw_long(&w, (int64_t)rs->matched);
        rp_jw_key(&w, "aggregated"), rp_jw_long(&w, (int64_t)rs->aggregated);
        rp_jw_key(&w, "alerts"), rp_jw_long(&w, (int64_t)rs->alerts);
        rp_jw_key(&w, "suppressed");
        rp_jw_arr_begin(&w);
        for (size_t k = 0; k < rs->nexcl; k++) {
            rp_jw_obj_begin(&w);
            rp_jw_key(&w, "exclusion"), rp_jw_cstr(&w, rs->excl_names ? rs->excl_names[k] : "");
            rp_jw_key(&w, "count"), rp_jw_long(&w, (int64_t)rs->suppressed[k]);
            rp_jw_obj_end(&w);
        }
        rp_jw_arr_end(&w);
        rp_jw_obj_end(&w);
    }
    rp_jw_arr_end(&w);
    rp_jw_obj_end(&w);
    rp_jw_flush_line(&w, out);
    rp_jw_free(&w);
}
