/* test_kql_lex.c: the KQL tokenizer: token kinds and ranges, numbers and timespans, every string
 * literal form and its decoding, comments, Unicode blanks and lexical errors. */
#include <CUnit/Basic.h>
#include <string.h>

#include "kql_lex.h"
#include "test_util.h"

/* Tokenizes text; writes kinds into out (up to max), returns the count (EOF excluded). */
static size_t lex_all(const char *text, rp_kql_token *out, size_t max)
{
    size_t n = 0, off = 0, len = strlen(text);
    for (;;) {
        rp_kql_token tok;
        off = rp_kql_next(text, len, off, &tok);
        if (tok.kind == RP_KQL_T_EOF) return n;
        if (n < max) out[n] = tok;
        n++;
    }
}

static void test_operators(void)
{
    rp_kql_token t[64];
    const char *text = "== != <> =~ !~ < <= > >= + - * / % .. . => = ( ) [ ] { } , ; | : ? ! @ ~";
    static const rp_kql_tok want[] = {
        RP_KQL_T_EQ, RP_KQL_T_NE, RP_KQL_T_LTGT, RP_KQL_T_EQ_CI, RP_KQL_T_NE_CI, RP_KQL_T_LT, RP_KQL_T_LE,
        RP_KQL_T_GT, RP_KQL_T_GE, RP_KQL_T_PLUS, RP_KQL_T_MINUS, RP_KQL_T_STAR, RP_KQL_T_SLASH, RP_KQL_T_PERCENT,
        RP_KQL_T_DOTDOT, RP_KQL_T_DOT, RP_KQL_T_ARROW, RP_KQL_T_ASSIGN, RP_KQL_T_LPAREN, RP_KQL_T_RPAREN,
        RP_KQL_T_LBRACKET, RP_KQL_T_RBRACKET, RP_KQL_T_LBRACE, RP_KQL_T_RBRACE, RP_KQL_T_COMMA, RP_KQL_T_SEMI,
        RP_KQL_T_PIPE, RP_KQL_T_COLON, RP_KQL_T_QUESTION, RP_KQL_T_BANG, RP_KQL_T_AT, RP_KQL_T_TILDE};
    size_t n = lex_all(text, t, 64);
    CU_ASSERT_EQUAL_FATAL(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) CU_ASSERT_EQUAL(t[i].kind, want[i]);
    CU_ASSERT_EQUAL(t[0].start, 0);
    CU_ASSERT_EQUAL(t[0].end, 2);
}

static void test_words(void)
{
    rp_kql_token t[16];
    const char *text = "in~ !in~ !has !contains_cs $left project-away _x1 1w";
    size_t n = lex_all(text, t, 16);
    CU_ASSERT_EQUAL_FATAL(n, 10);
    CU_ASSERT(t[0].kind == RP_KQL_T_IDENT && t[0].end - t[0].start == 3);   /* in~ */
    CU_ASSERT(t[1].kind == RP_KQL_T_BANGWORD && t[1].end - t[1].start == 4); /* !in~ */
    CU_ASSERT(t[2].kind == RP_KQL_T_BANGWORD && t[2].end - t[2].start == 4);
    CU_ASSERT(t[3].kind == RP_KQL_T_BANGWORD && t[3].end - t[3].start == 12);
    CU_ASSERT(t[4].kind == RP_KQL_T_IDENT && t[4].end - t[4].start == 5);   /* $left */
    CU_ASSERT(t[5].kind == RP_KQL_T_IDENT && t[6].kind == RP_KQL_T_MINUS && t[7].kind == RP_KQL_T_IDENT);
    CU_ASSERT_EQUAL(t[6].start, t[5].end); /* adjacency lets the parser join project-away */
    CU_ASSERT_EQUAL(t[8].kind, RP_KQL_T_IDENT);
    CU_ASSERT_EQUAL(t[9].kind, RP_KQL_T_IDENT); /* 1w: not a unit, a name (as Kusto.Language) */
}

static void test_numbers(void)
{
    rp_kql_token t[16];
    size_t n = lex_all("42 0x1F 2.5 1e3 1.5e-2 1. 1..10 9223372036854775807", t, 16);
    CU_ASSERT_EQUAL_FATAL(n, 10);
    CU_ASSERT(t[0].kind == RP_KQL_T_LONG && t[0].ival == 42);
    CU_ASSERT(t[1].kind == RP_KQL_T_LONG && t[1].ival == 31);
    CU_ASSERT(t[2].kind == RP_KQL_T_REAL && t[2].rval == 2.5);
    CU_ASSERT(t[3].kind == RP_KQL_T_REAL && t[3].rval == 1000.0);
    CU_ASSERT(t[4].kind == RP_KQL_T_REAL && t[4].rval == 1.5e-2);
    CU_ASSERT(t[5].kind == RP_KQL_T_REAL && t[5].rval == 1.0);
    CU_ASSERT(t[6].kind == RP_KQL_T_LONG && t[6].ival == 1); /* 1..10 is a range, not 1. */
    CU_ASSERT_EQUAL(t[7].kind, RP_KQL_T_DOTDOT);
    CU_ASSERT(t[8].kind == RP_KQL_T_LONG && t[8].ival == 10);
    CU_ASSERT(t[9].kind == RP_KQL_T_LONG && t[9].ival == INT64_MAX);
}

static void test_timespans(void)
{
    static const struct { const char *text; int64_t ticks; } cases[] = {
        {"1d", 864000000000LL}, {"5m", 3000000000LL}, {"10sec", 100000000LL}, {"1.5h", 54000000000LL},
        {"100ms", 1000000LL}, {"10microsecond", 100LL}, {"1tick", 1LL}, {"2hours", 72000000000LL},
        {"3min", 1800000000LL}, {"1day", 864000000000LL}, {"7days", 6048000000000LL}, {"30s", 300000000LL},
        {"200nanoseconds", 2LL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rp_kql_token tok;
        rp_kql_next(cases[i].text, strlen(cases[i].text), 0, &tok);
        CU_ASSERT_EQUAL(tok.kind, RP_KQL_T_TIMESPAN);
        CU_ASSERT_EQUAL(tok.ival, cases[i].ticks);
        if (tok.ival != cases[i].ticks) fprintf(stderr, "\n%s: %lld\n", cases[i].text, (long long)tok.ival);
    }
}

/* Decodes the first token of text as a string. */
static char *decode(rp_arena *arena, const char *text, size_t *len, size_t *bad, unsigned *flags)
{
    rp_kql_token tok;
    rp_kql_next(text, strlen(text), 0, &tok);
    CU_ASSERT_EQUAL(tok.kind, RP_KQL_T_STRING);
    if (tok.kind != RP_KQL_T_STRING) return "";
    *flags = tok.flags;
    return rp_kql_string_decode(arena, text, &tok, len, bad);
}

static void test_strings(void)
{
    rp_arena *arena = rp_arena_new();
    size_t len, bad;
    unsigned flags;
    CU_ASSERT_STRING_EQUAL(decode(arena, "'it\\'s'", &len, &bad, &flags), "it's");
    CU_ASSERT_STRING_EQUAL(decode(arena, "\"a\\tb\\n\\\\\\\"\"", &len, &bad, &flags), "a\tb\n\\\"");
    CU_ASSERT_STRING_EQUAL(decode(arena, "\"\\u00e9\\x41\"", &len, &bad, &flags), "\xc3\xa9" "A");
    CU_ASSERT_EQUAL(bad, (size_t)-1);
    CU_ASSERT_STRING_EQUAL(decode(arena, "@'C:\\Program Files\\'", &len, &bad, &flags), "C:\\Program Files\\");
    CU_ASSERT(flags & RP_KQL_STR_VERBATIM);
    CU_ASSERT_STRING_EQUAL(decode(arena, "@\"say \"\"hi\"\"\"", &len, &bad, &flags), "say \"hi\"");
    CU_ASSERT_STRING_EQUAL(decode(arena, "h'secret'", &len, &bad, &flags), "secret");
    CU_ASSERT(flags & RP_KQL_STR_OBFUSCATED);
    CU_ASSERT_STRING_EQUAL(decode(arena, "H@'a\\b'", &len, &bad, &flags), "a\\b");
    CU_ASSERT_STRING_EQUAL(decode(arena, "```two\nlines```", &len, &bad, &flags), "two\nlines");
    CU_ASSERT(flags & RP_KQL_STR_MULTILINE);
    CU_ASSERT_STRING_EQUAL(decode(arena, "~~~x~~~", &len, &bad, &flags), "x");
    CU_ASSERT_STRING_EQUAL(decode(arena, "'a\\0b'", &len, &bad, &flags), "a");
    CU_ASSERT_EQUAL(len, 3); /* embedded NUL kept: the length rules */
    decode(arena, "'a\\qb'", &len, &bad, &flags);
    CU_ASSERT_EQUAL(bad, 2); /* offset of the bad backslash */
    rp_arena_free(arena);
}

static void test_comments_and_blanks(void)
{
    rp_kql_token t[8];
    /* U+00A0 and U+202F between words are blanks, as in Kusto.Language */
    size_t n = lex_all("a // c1\n\xc2\xa0" "b\xe2\x80\xaf" "c // end", t, 8);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_EQUAL(t[1].start, 10);
    CU_ASSERT_EQUAL(t[1].end, 11);
    CU_ASSERT_EQUAL(t[2].start, 14);
}

static void test_errors(void)
{
    rp_kql_token t[8];
    size_t n = lex_all("'open\n\"also", t, 8);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT(t[0].kind == RP_KQL_T_ERROR && strstr(t[0].error, "unterminated"));
    CU_ASSERT_EQUAL(t[0].end, 5); /* stops at the line end */
    CU_ASSERT_EQUAL(t[1].kind, RP_KQL_T_ERROR);
    n = lex_all("#", t, 8);
    CU_ASSERT(n == 1 && t[0].kind == RP_KQL_T_ERROR);
    n = lex_all("```never closed", t, 8);
    CU_ASSERT(n == 1 && t[0].kind == RP_KQL_T_ERROR);
    n = lex_all("0xFFFFFFFFFFFFFFFFFF", t, 8);
    CU_ASSERT(n == 1 && t[0].kind == RP_KQL_T_ERROR);
}

static CU_TestInfo tests[] = {
    {"operators and punctuation", test_operators},
    {"words: in~, !has, $left, dashed names", test_words},
    {"numbers", test_numbers},
    {"timespan literals", test_timespans},
    {"string literal forms and decoding", test_strings},
    {"comments and Unicode blanks", test_comments_and_blanks},
    {"lexical errors", test_errors},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("kql_lex", tests)
