/* test_prefilter.c: the reader's prefilter (rp_reader_set_prefilter / rp_prefilter_may_match)
 * and its one-pass multi-literal search (rp_multi) agree exactly with a naive reference: a line
 * may match iff it contains one of the literals (ASCII case-insensitive) or a real backslash-u
 * escape. Random lines and literal sets over small alphabets (so literals overlap and share
 * windows), literals at line start and end and at every offset, 1-byte literals, few and many
 * short literals, literals containing others, non-ASCII bytes that differ only in bit 0x20. */
#include "rp_runtime.h"
#include "test_util.h"

#include <ctype.h>

static uint64_t rng = 0x243F6A8885A308D3u;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static bool ref_lit(const char *line, size_t len, const rp_needle *lits, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i + lits[k].len <= len; i++) {
            size_t j = 0;
            while (j < lits[k].len && rp_lower((unsigned char)line[i + j]) == rp_lower((unsigned char)lits[k].s[j])) j++;
            if (j == lits[k].len) return true;
        }
    return false;
}

static bool ref_escape(const char *line, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (line[i] != '\\' || line[i + 1] != 'u') continue;
        size_t b = 0;
        while (b < i && line[i - 1 - b] == '\\') b++;
        if (b % 2 == 0) return true;
    }
    return false;
}

/* Literal alphabet: letters of both cases, a digit, punctuation, and bytes that equal others
 * under | 0x20 but not under ASCII folding ('@' '`', '[' '{', 0xC1 0xE1). */
static const char lit_abc[] = "abcABCe1.-@`[{\xC1\xE1";
/* Lines also hold the characters the prefilter must reason about. */
static const char line_abc[] = "abcABCe1.-@`[{\xC1\xE1\\u\"/ x";

static void random_text(char *out, size_t n, const char *abc)
{
    size_t na = strlen(abc);
    for (size_t i = 0; i < n; i++) out[i] = abc[rnd((unsigned)na)];
}

/* n literals; `shorts` of them 1-3 bytes long, the rest 4..maxlen. */
static void random_set(rp_needle *lits, char *store, size_t n, size_t shorts, size_t minlong, size_t maxlen)
{
    for (size_t k = 0; k < n; k++) {
        size_t len = k < shorts ? 1 + rnd(3) : minlong + rnd((unsigned)(maxlen - minlong + 1));
        char *s = store + k * 32;
        random_text(s, len, lit_abc);
        rp_needle_make(&lits[k], s, len, s + 16);
    }
}

/* Checks one line against the reader's prefilter and rp_multi directly; returns mismatches. */
static int check_line(const rp_reader *r, const rp_multi *m, const rp_needle *lits, size_t n, const char *line, size_t len)
{
    bool lit = ref_lit(line, len, lits, n), want = lit || ref_escape(line, len);
    int bad = 0;
    if (rp_prefilter_may_match(&r->pf, line, len) != want) bad++;
    if (m && rp_multi_find(m, line, len) != lit) bad++;
    if (bad && bad < 3) {
        fprintf(stderr, "mismatch (want %d, literal %d) n=%zu line=\"%.*s\"\n", want, lit, n, (int)len, line);
        bad = 3; /* print once */
    }
    return bad;
}

static void run_sets(size_t nsets, size_t n, size_t shorts, size_t minlong, size_t maxlen)
{
    static rp_needle lits[400];
    static char store[400 * 32];
    int bad = 0;
    for (size_t t = 0; t < nsets && !bad; t++) {
        random_set(lits, store, n, shorts, minlong, maxlen);
        rp_reader r;
        CU_ASSERT_FATAL(rp_reader_init(&r, &(rp_layout){NULL, 0, NULL, 0, NULL}, NULL, NULL));
        CU_ASSERT_FATAL(rp_reader_set_prefilter(&r, lits, n, true));
        if (n > 1) CU_ASSERT_PTR_NOT_NULL(r.pf.multi);
        rp_multi *m = rp_multi_new(lits, n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        char line[300];
        for (int l = 0; l < 60 && !bad; l++) {
            size_t len = rnd(l < 10 ? 8 : 200);
            random_text(line, len, line_abc);
            /* half the lines hold a literal, in random case, often at the start or the end */
            if (rnd(2) && len > 0) {
                const rp_needle *k = &lits[rnd((unsigned)n)];
                if (k->len <= len) {
                    unsigned where = rnd(4);
                    size_t at = where == 0 ? 0 : where == 1 ? len - k->len : rnd((unsigned)(len - k->len + 1));
                    for (size_t i = 0; i < k->len; i++) {
                        char c = k->s[i];
                        line[at + i] = rnd(2) && c >= 'a' && c <= 'z' ? (char)(c - 32) : rnd(2) && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
                    }
                }
            }
            bad += check_line(&r, m, lits, n, line, len);
            /* every prefix: literals cut at the line end must not count */
            for (size_t p = 0; p < len && !bad; p += 1 + rnd(7)) bad += check_line(&r, m, lits, n, line, p);
        }
        rp_multi_free(m);
        rp_reader_free(&r);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_random_long(void)
{
    run_sets(300, 2, 0, 4, 6);    /* stride 1 */
    run_sets(300, 5, 0, 7, 12);   /* stride 4 */
    run_sets(200, 40, 0, 11, 14); /* stride 8 (capped) */
    run_sets(12, 400, 0, 4, 9);   /* many literals sharing windows */
}

static void test_random_short(void)
{
    run_sets(300, 3, 1, 4, 8);    /* one short literal: its own SSE2 scan */
    run_sets(300, 8, 4, 5, 10);   /* four short ones */
    run_sets(200, 12, 6, 4, 10);  /* many short ones: probed at every byte */
    run_sets(200, 5, 5, 4, 4);    /* only short ones */
    run_sets(12, 300, 30, 4, 12);
}

static void test_single_literal_path(void) { run_sets(400, 1, 0, 1, 9); }

/* A literal planted at every offset of a long line, across sample blocks and SIMD edges. */
static void test_every_offset(void)
{
    static const char *const words[] = {"MeshCentral", "psexec", "ngrok.io", "wmic", "nc", "x", "cobaltstrike-c2.top"};
    rp_needle lits[7];
    for (int i = 0; i < 7; i++) rp_needle_make(&lits[i], words[i], strlen(words[i]), (char *)malloc(strlen(words[i])));
    for (size_t n = 2; n <= 7; n++) {
        /* n == 7 adds "x": filler must not contain it then */
        rp_reader r;
        CU_ASSERT_FATAL(rp_reader_init(&r, &(rp_layout){NULL, 0, NULL, 0, NULL}, NULL, NULL));
        CU_ASSERT_FATAL(rp_reader_set_prefilter(&r, lits, n, true));
        char line[300];
        for (size_t k = 0; k < n; k++)
            for (size_t off = 0; off + lits[k].len <= 180; off++) {
                memset(line, 'q', sizeof line);
                memcpy(line + off, lits[k].s, lits[k].len);
                for (size_t i = 0; i < lits[k].len; i++)
                    if (off % 2) line[off + i] = (char)toupper((unsigned char)line[off + i]);
                CU_ASSERT_TRUE(rp_prefilter_may_match(&r.pf, line, 180));
                CU_ASSERT_TRUE(rp_prefilter_may_match(&r.pf, line, off + lits[k].len));
                CU_ASSERT_FALSE(rp_prefilter_may_match(&r.pf, line, off + lits[k].len - 1) &&
                                !ref_lit(line, off + lits[k].len - 1, lits, n));
                CU_ASSERT_FALSE(rp_prefilter_may_match(&r.pf, line + off + 1, 180 - off - 1) &&
                                !ref_lit(line + off + 1, 180 - off - 1, lits, n));
            }
        memset(line, 'q', sizeof line);
        CU_ASSERT_FALSE(rp_prefilter_may_match(&r.pf, line, 250));
        rp_reader_free(&r);
    }
    for (int i = 0; i < 7; i++) free((char *)lits[i].lower);
}

static void test_escape_fallback(void)
{
    rp_needle lits[3];
    char buf[64];
    rp_needle_make(&lits[0], "meshcentral", 11, buf);
    rp_needle_make(&lits[1], "anydesk", 7, buf + 11);
    rp_needle_make(&lits[2], "rclone", 6, buf + 18);
    rp_reader r;
    CU_ASSERT_FATAL(rp_reader_init(&r, &(rp_layout){NULL, 0, NULL, 0, NULL}, NULL, NULL));
    CU_ASSERT_FATAL(rp_reader_set_prefilter(&r, lits, 3, true));
    CU_ASSERT_PTR_NOT_NULL(r.pf.multi);
    const char *esc = "{\"P\":\"\\u004deshCentral Agent and more padding to fill a block or two\"}";
    CU_ASSERT_TRUE(rp_prefilter_may_match(&r.pf, esc, strlen(esc)));
    const char *path = "{\"P\":\"c:\\\\users\\\\x and enough text to fill blocks of sixteen\"}";
    CU_ASSERT_FALSE(rp_prefilter_may_match(&r.pf, path, strlen(path)));
    const char *path2 = "{\"P\":\"c:\\\\\\u0075sers and enough text to fill blocks of sixteen\"}";
    CU_ASSERT_TRUE(rp_prefilter_may_match(&r.pf, path2, strlen(path2)));
    CU_ASSERT_TRUE(rp_prefilter_may_match(&r.pf, "\\u", 2));
    CU_ASSERT_FALSE(rp_prefilter_may_match(&r.pf, "\\\\u", 3));
    CU_ASSERT_FALSE(rp_prefilter_may_match(&r.pf, "\\", 1));
    /* a literal JSON may escape turns the prefilter off; so does an empty one */
    rp_needle bad[2] = {lits[0], {"a/b", "a/b", 3}};
    CU_ASSERT_FALSE(rp_reader_set_prefilter(&r, bad, 2, true));
    CU_ASSERT_TRUE(rp_prefilter_may_match(&r.pf, "nothing", 7));
    bad[1] = (rp_needle){"", "", 0};
    CU_ASSERT_FALSE(rp_reader_set_prefilter(&r, bad, 2, true));
    rp_reader_free(&r);
}

/* Literals containing others are dropped, the shorter one still finds both. */
static void test_superset_literals(void)
{
    rp_needle lits[4];
    char buf[64];
    rp_needle_make(&lits[0], "psexesvc.exe", 12, buf);
    rp_needle_make(&lits[1], "PsExec", 6, buf + 12);
    rp_needle_make(&lits[2], "psexec", 6, buf + 18);
    rp_needle_make(&lits[3], "xpsexecx", 8, buf + 24);
    rp_multi *m = rp_multi_new(lits, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_TRUE(rp_multi_find(m, "run xPSEXECx now", 16));
    CU_ASSERT_TRUE(rp_multi_find(m, "run psexec now", 14));
    CU_ASSERT_TRUE(rp_multi_find(m, "PSEXESVC.EXE", 12));
    CU_ASSERT_FALSE(rp_multi_find(m, "psexesvc.ex", 11));
    CU_ASSERT_FALSE(rp_multi_find(m, "ps exec psexe", 13));
    CU_ASSERT_EQUAL(memcmp(rp_multi_lower(m, 1), "psexec", 6), 0);
    rp_multi_free(m);
}

/* Through the reader: a 1,000-literal pack prefilters and counts like the reference. */
static void test_reader_big_pack(void)
{
    static rp_needle lits[1000];
    static char store[1000 * 32];
    for (size_t k = 0; k < 1000; k++) {
        char *s = store + k * 32;
        int len = snprintf(s, 16, "tool%zu.exe", k * 7919 % 100000);
        rp_needle_make(&lits[k], s, (size_t)len, s + 16);
    }
    static const char *const cols[] = {"P"};
    static const char *const tables[] = {"T"};
    static const unsigned char kinds[] = {RP_K_STRING};
    rp_layout layout = {cols, 1, tables, 1, kinds};
    rp_stats st = {0};
    rp_reader r;
    CU_ASSERT_FATAL(rp_reader_init(&r, &layout, NULL, &st));
    CU_ASSERT_FATAL(rp_reader_set_prefilter(&r, lits, 1000, true));
    rp_event ev;
    char line[200];
    int events = 0, want = 0;
    for (int i = 0; i < 600; i++) {
        unsigned v = rnd(100000);
        int len = snprintf(line, sizeof line, "{\"Type\":\"T\",\"P\":\"C:\\\\Tools\\\\TOOL%u.EXE -x\"}", v);
        want += ref_lit(line, (size_t)len, lits, 1000);
        events += rp_reader_parse_line(&r, line, (size_t)len, &ev) == RP_READ_EVENT;
    }
    CU_ASSERT(want > 0);
    CU_ASSERT_EQUAL(events, want);
    CU_ASSERT_EQUAL(st.prefiltered, 600u - (unsigned)want);
    CU_ASSERT_TRUE(rp_stats_consistent(&st));
    rp_reader_free(&r);
}

static CU_TestInfo tests[] = {
    {"one literal (SSE2 scan) equals the reference", test_single_literal_path},
    {"long literals, strides 1-8, equal the reference", test_random_long},
    {"short literals (few and many) equal the reference", test_random_short},
    {"literal at every offset, start and end", test_every_offset},
    {"backslash-u fallback, unusable literals", test_escape_fallback},
    {"literals containing others", test_superset_literals},
    {"reader with a 1,000-literal pack", test_reader_big_pack},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("prefilter", tests)
