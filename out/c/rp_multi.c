/* rp_multi.c: one-pass, ASCII case-folded search for any of many literals (the reader's
 * prefilter when a pack requires more than one literal).
 *
 * Hand-written: no Debian library does case-folded multi-literal search as part of a JSON line
 * filter (PCRE2 alternations are backtracking per position; libc memmem is one literal and case
 * sensitive). Measured on 500 MB of DeviceProcessEvents (tests/bench/prefilter_bench.c, `make
 * bench`): one SSE2 pass per literal did 9 MB/s with 1,000 literals, this filter 600 MB/s (table
 * in the comment of rp_reader_set_prefilter).
 *
 * Method: sampled q-gram fingerprints (the q-gram / Wu-Manber family). Literals are grouped by
 * length: "long" ones (>= 4 bytes) use q = 4 byte windows, short ones q = their minimum length.
 * When every literal of a group is at least m bytes long, any occurrence covers S = m - q + 1
 * consecutive window starts, so the text is sampled only every S bytes and each literal
 * registers S consecutive windows, at offsets chosen to be rare and unshared. A sampled window
 * is folded (byte | 0x20, a superset of ASCII case folding) and hashed into a byte table (up to
 * 128 KB: larger measured faster than an L1-sized one, fewer false hits); blocks of 8 samples
 * cost one branch. On a hit, a second 32 KB bitmap, then an open-addressing table keyed by the
 * exact folded window list the (literal, offset) pairs to verify with exact ASCII folding. Up
 * to 4 literals of 1-3 bytes get an SSE2 scan each; more are probed at every byte. Literals that contain another literal are dropped
 * at set-up (any line holding them holds the shorter one). Everything is built once; the
 * search allocates nothing and writes nothing.
 * Worst case: many literals sharing a window, on text full of that window, verify each of them
 * at each sample (a prefilter that is slow there, never wrong). */
#include "rp_runtime.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { MAX_STRIDE = 8, MIN_HIT_LOG = 10, MAX_HIT_LOG = 17, MAX_FEW = 4 };

typedef struct mentry {
    uint32_t lit;
    uint32_t off; /* where the window starts in the literal */
} mentry;

struct rp_multi {
    size_t nlits;
    char *lower;             /* folded literal bytes, literal i at lower + at[i] */
    size_t *at, *len;
    unsigned stride;         /* sample step S; 0: no literal to search */
    bool has_short;          /* literals of 1-3 bytes: also probe the first sq bytes of each window */
    size_t nfew, few[MAX_FEW]; /* or, when there are few of them, one SSE2 scan each */
    uint32_t smask;          /* keeps the first sq bytes of a 4-byte window */
    uint32_t hmask;          /* hit table size - 1 */
    uint8_t *hit;            /* 1 where some registered window hashes (a byte each: no bit shifts) */
    uint64_t *hit2;          /* second filter on a hit: 2^18-bit bitmap over another hash */
    uint32_t *keys;          /* window table: folded (masked) window, 0 = empty slot */
    uint32_t *first, *count; /* its entries: ents[first .. first + count) */
    uint32_t tmask;
    mentry *ents;
};

/* Folded 4-byte window at p (as stored in memory; only ever compared with windows made the
 * same way, so the byte order does not matter). Every byte of it is >= 0x20, never 0. */
static inline uint32_t win4(const unsigned char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w | 0x20202020u;
}

/* Window of the first q (< 4) bytes at p, when fewer than 4 bytes may be readable. */
static inline uint32_t win_short(const unsigned char *p, size_t q, uint32_t qmask)
{
    unsigned char b[4] = {0, 0, 0, 0};
    memcpy(b, p, q);
    return win4(b) & qmask;
}

static inline uint32_t whash(uint32_t w) { return w * 0x9E3779B1u; }
static inline uint32_t whash2(uint32_t w) { return (w * 0x85EBCA77u) >> 14; }
/* Index in the hit table: the high bits of the hash (a constant shift, then a mask). */
static inline uint32_t hslot(uint32_t w, uint32_t hmask) { return (whash(w) >> (32 - MAX_HIT_LOG)) & hmask; }

static bool folded_eq(const unsigned char *t, const char *lower, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (rp_lower(t[k]) != (unsigned char)lower[k]) return false;
    return true;
}

/* Does `hay` (folded) contain `nee` (folded)? Set-up only. */
static bool folded_contains(const char *hay, size_t hn, const char *nee, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (hay[i] == nee[0] && memcmp(hay + i, nee, nn) == 0) return true;
    return false;
}

void rp_multi_free(rp_multi *m)
{
    if (!m) return;
    free(m->lower);
    free(m->at);
    free(m->len);
    free(m->hit);
    free(m->hit2);
    free(m->keys);
    free(m->first);
    free(m->count);
    free(m->ents);
    free(m);
}

/* Slot of window w in the table (its own slot or the empty one where it would go). */
static size_t slot_of(const rp_multi *m, uint32_t w)
{
    size_t i = (whash(w) >> 7) & m->tmask;
    while (m->keys[i] != 0 && m->keys[i] != w) i = (i + 1) & m->tmask;
    return i;
}

/* How often a window is expected in event text (set-up heuristic, lower is rarer): windows
 * inside words that fill Windows security telemetry (column names, paths, vendors) cost most,
 * then frequent letters and digits. Each window hit in the text costs a table probe and the
 * verification of every literal registered under it. */
static unsigned window_cost(const unsigned char *w)
{
    static const char *const common[] = {
        "process", "initiating", "microsoft", "windows", "system32", "service", "program", "files", "version", "remote",
        "session", "account", "device", "name", "local", "users", "appdata", "roaming", ".exe", ".dll", "http", "www.",
        ".com", "command", "line", "folder", "path", "token", "elevation", "type", "default", "integrity", "level",
        "medium", "high", "sha256", "time", "creation", "report", "signer", "signature", "status", "valid", "company",
        "corporation", "product", "description", "original", "internal", "domain", "tenant", "source", "logon",
        "machine", "group", "action", "created", "event", "info", "true", "false", "null", "temp", "data", "host",
        "network", "user", "admin", "update", "google", "chrome", "edge", "office", "powershell", "agent", "client",
        "server", "security", "registry", "software", "current", "control", "config", "application", "download"};
    unsigned cost = 0;
    for (size_t k = 0; k < sizeof common / sizeof *common; k++) {
        const char *c = common[k];
        for (size_t i = 0; c[i] && c[i + 1] && c[i + 2] && c[i + 3]; i++)
            if (memcmp(c + i, w, 4) == 0) cost += 40;
    }
    for (int k = 0; k < 4; k++) {
        unsigned char b = w[k];
        cost += b == 0 ? 1 : strchr("eisontacr", b) ? 4 : (b >= '0' && b <= '9') || strchr("pdmflgu\":,-.", b) ? 3 : strchr("bv\\ ", b) ? 2 : 1;
    }
    return cost;
}

rp_multi *rp_multi_new(const rp_needle *lits, size_t n)
{
    rp_multi *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += lits[i].len;
    m->nlits = n;
    m->lower = malloc(total ? total : 1);
    m->at = malloc((n ? n : 1) * sizeof *m->at);
    m->len = malloc((n ? n : 1) * sizeof *m->len);
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx), *woff = malloc((n ? n : 1) * sizeof *woff);
    if (!m->lower || !m->at || !m->len || !idx || !woff) goto fail;
    total = 0;
    for (size_t i = 0; i < n; i++) {
        m->at[i] = total;
        m->len[i] = lits[i].len;
        for (size_t k = 0; k < lits[i].len; k++) m->lower[total + k] = (char)rp_lower((unsigned char)lits[i].s[k]);
        total += lits[i].len;
    }
    /* keep literal i unless a literal (or an identical earlier one) occurs in it */
    size_t nkeep = 0, minlong = SIZE_MAX, minshort = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        bool redundant = m->len[i] == 0;
        for (size_t j = 0; j < n && !redundant; j++) {
            if (j == i || m->len[j] == 0 || m->len[j] > m->len[i] || (m->len[j] == m->len[i] && j > i)) continue;
            redundant = folded_contains(m->lower + m->at[i], m->len[i], m->lower + m->at[j], m->len[j]);
        }
        if (redundant) continue;
        idx[nkeep++] = (uint32_t)i;
        if (m->len[i] >= 4) {
            if (m->len[i] < minlong) minlong = m->len[i];
        } else if (m->len[i] < minshort) minshort = m->len[i];
    }
    if (nkeep == 0) goto done;
    /* shortest first: they have the fewest windows to choose from */
    for (size_t a = 1; a < nkeep; a++)
        for (size_t b = a; b > 0 && m->len[idx[b]] < m->len[idx[b - 1]]; b--) {
            uint32_t t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    /* A few short literals are cheaper as SSE2 scans than as a second probe at every byte. */
    size_t nshort = 0;
    for (size_t k = 0; k < nkeep; k++) nshort += m->len[idx[k]] < 4;
    if (nshort > 0 && nshort <= MAX_FEW && nshort < nkeep) {
        for (size_t k = 0; k < nshort; k++) m->few[m->nfew++] = idx[k]; /* shortest first: they lead idx */
        memmove(idx, idx + nshort, (nkeep - nshort) * sizeof *idx);
        nkeep -= nshort;
        minshort = SIZE_MAX;
    }
    m->has_short = minshort != SIZE_MAX;
    if (m->has_short) {
        unsigned char ones[4] = {0, 0, 0, 0};
        memset(ones, 0xff, minshort);
        memcpy(&m->smask, ones, 4);
    }
    /* short literals force sampling every byte; otherwise every (minlong - 3)th */
    size_t st = m->has_short ? 1 : minlong - 3;
    m->stride = (unsigned)(st < MAX_STRIDE ? st : MAX_STRIDE);
    size_t nent = 0;
    for (size_t k = 0; k < nkeep; k++) nent += m->len[idx[k]] >= 4 ? m->stride : 1;
    unsigned lb = MIN_HIT_LOG;
    while (lb < MAX_HIT_LOG && ((size_t)1 << lb) < nent * 128) lb++;
    m->hmask = ((uint32_t)1 << lb) - 1;
    size_t ts = 16;
    while (ts < nent * 2) ts *= 2;
    m->tmask = (uint32_t)(ts - 1);
    m->hit = calloc((size_t)1 << lb, 1);
    m->hit2 = calloc(((size_t)1 << 18) / 64, sizeof *m->hit2);
    m->keys = calloc(ts, sizeof *m->keys);
    m->first = calloc(ts, sizeof *m->first);
    m->count = calloc(ts, sizeof *m->count);
    m->ents = malloc(nent * sizeof *m->ents);
    if (!m->hit || !m->hit2 || !m->keys || !m->first || !m->count || !m->ents) goto fail;
    /* Each long literal registers the windows at o .. o+S-1 (an occurrence always puts one of
     * them at a sampled position); o is chosen to keep windows rare and unshared. */
    for (size_t k = 0; k < nkeep; k++) {
        size_t i = idx[k], n_win = m->len[i] >= 4 ? m->stride : 1;
        const unsigned char *lit = (const unsigned char *)m->lower + m->at[i];
        woff[k] = 0;
        if (m->len[i] < 4) {
            uint32_t w = win_short(lit, minshort, m->smask);
            m->keys[slot_of(m, w)] = w;
            m->count[slot_of(m, w)]++;
            continue;
        }
        unsigned best = UINT32_MAX;
        for (size_t o = 0; o + n_win + 3 <= m->len[i]; o++) {
            unsigned cost = 0;
            for (size_t d = 0; d < n_win; d++) {
                uint32_t w = win4(lit + o + d);
                size_t s = slot_of(m, w);
                cost += window_cost(lit + o + d) + (m->keys[s] ? 24 * m->count[s] : 0);
            }
            if (cost < best) best = cost, woff[k] = (uint32_t)o;
        }
        for (size_t d = 0; d < n_win; d++) {
            uint32_t w = win4(lit + woff[k] + d);
            size_t s = slot_of(m, w);
            m->keys[s] = w;
            m->count[s]++;
        }
    }
    /* entries of one window are contiguous */
    uint32_t sum = 0;
    for (size_t i = 0; i < ts; i++) {
        m->first[i] = sum;
        sum += m->count[i];
        m->count[i] = 0;
        if (m->keys[i]) {
            m->hit[hslot(m->keys[i], m->hmask)] = 1;
            m->hit2[whash2(m->keys[i]) >> 6] |= (uint64_t)1 << (whash2(m->keys[i]) & 63);
        }
    }
    for (size_t k = 0; k < nkeep; k++) {
        size_t i = idx[k], n_win = m->len[i] >= 4 ? m->stride : 1;
        const unsigned char *lit = (const unsigned char *)m->lower + m->at[i];
        for (size_t d = 0; d < n_win; d++) {
            uint32_t w = m->len[i] < 4 ? win_short(lit, minshort, m->smask) : win4(lit + woff[k] + d);
            size_t s = slot_of(m, w);
            m->ents[m->first[s] + m->count[s]++] = (mentry){(uint32_t)i, woff[k] + (uint32_t)d};
        }
    }
done:
    free(idx);
    free(woff);
    return m;
fail:
    free(idx);
    free(woff);
    rp_multi_free(m);
    return NULL;
}

/* Verifies the literals registered under window w sampled at position j. */
static bool verify(const rp_multi *m, uint32_t w, size_t j, const unsigned char *u, size_t len)
{
    uint32_t h2 = whash2(w);
    if (!((m->hit2[h2 >> 6] >> (h2 & 63)) & 1)) return false;
    size_t s = slot_of(m, w);
    if (m->keys[s] == 0) return false;
    const mentry *e = m->ents + m->first[s], *end = e + m->count[s];
    for (; e < end; e++) {
        if (e->off > j) continue;
        size_t start = j - e->off, n = m->len[e->lit];
        if (start + n <= len && folded_eq(u + start, m->lower + m->at[e->lit], n)) return true;
    }
    return false;
}

/* One short literal: SSE2 compare of its first and last byte (ASCII-folded by | 0x20 when
 * they are letters), then exact folded verification. */
static bool scan_one(const unsigned char *u, size_t len, const char *lower, size_t n)
{
    unsigned char c0 = (unsigned char)lower[0], c1 = (unsigned char)lower[n - 1];
    size_t i = 0;
#if defined(__SSE2__)
    unsigned char f0 = c0 >= 'a' && c0 <= 'z' ? 0x20 : 0, f1 = c1 >= 'a' && c1 <= 'z' ? 0x20 : 0;
    const __m128i v0 = _mm_set1_epi8((char)c0), v1 = _mm_set1_epi8((char)c1);
    const __m128i m0 = _mm_set1_epi8((char)f0), m1 = _mm_set1_epi8((char)f1);
    for (; i + 16 + n - 1 <= len; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(u + i)), b = _mm_loadu_si128((const __m128i *)(u + i + n - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, m0), v0), _mm_cmpeq_epi8(_mm_or_si128(b, m1), v1)));
        for (; mask; mask &= mask - 1)
            if (folded_eq(u + i + (unsigned)__builtin_ctz(mask), lower, n)) return true;
    }
#endif
    for (; i + n <= len; i++)
        if (folded_eq(u + i, lower, n)) return true;
    return false;
}

bool rp_multi_find(const rp_multi *m, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t k = 0; k < m->nfew; k++)
        if (scan_one(u, len, m->lower + m->at[m->few[k]], m->len[m->few[k]])) return true;
    const size_t step = m->stride;
    if (step == 0) return false;
    const uint32_t hmask = m->hmask, smask = m->has_short ? m->smask : 0;
    const uint8_t *hit = m->hit;
    size_t j = 0;
    /* Blocks of 8 samples: the hit-table bytes (0 or 1) of each sample become one bit of a mask,
     * without branches; one branch per block, and only set bits are verified. */
#define RP_H(k) ((unsigned)hit[hslot(win4(u + j + (k) * step), hmask)] << (k))
#define RP_HS(k) ((unsigned)hit[hslot(win4(u + j + (k)) & smask, hmask)] << ((k) + 8))
    if (!m->has_short) {
        for (; j + 7 * step + 4 <= len; j += 8 * step) {
            unsigned mask = RP_H(0) | RP_H(1) | RP_H(2) | RP_H(3) | RP_H(4) | RP_H(5) | RP_H(6) | RP_H(7);
            for (; mask; mask &= mask - 1) {
                size_t at = j + (unsigned)__builtin_ctz(mask) * step;
                if (verify(m, win4(u + at), at, u, len)) return true;
            }
        }
    } else {
        for (; j + 7 + 4 <= len; j += 8) {
            unsigned mask = RP_H(0) | RP_H(1) | RP_H(2) | RP_H(3) | RP_H(4) | RP_H(5) | RP_H(6) | RP_H(7) | RP_HS(0) | RP_HS(1) |
                            RP_HS(2) | RP_HS(3) | RP_HS(4) | RP_HS(5) | RP_HS(6) | RP_HS(7);
            for (; mask; mask &= mask - 1) {
                unsigned b = (unsigned)__builtin_ctz(mask);
                size_t at = j + (b & 7);
                if (verify(m, b < 8 ? win4(u + at) : win4(u + at) & smask, at, u, len)) return true;
            }
        }
    }
#undef RP_H
#undef RP_HS
    for (; j + 4 <= len; j += step) {
        uint32_t w = win4(u + j);
        if (hit[hslot(w, hmask)] && verify(m, w, j, u, len)) return true;
        if (smask && hit[hslot(w & smask, hmask)] && verify(m, w & smask, j, u, len)) return true;
    }
    if (smask) {
        /* the last 1-3 bytes can still start a short literal */
        size_t sq = (size_t)__builtin_popcount(smask) / 8;
        for (; j + sq <= len; j++) {
            uint32_t w = win_short(u + j, sq, smask);
            if (hit[hslot(w, hmask)] && verify(m, w, j, u, len)) return true;
        }
    }
    return false;
}

const char *rp_multi_lower(const rp_multi *m, size_t i) { return m->lower + m->at[i]; }
