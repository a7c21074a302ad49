/* kql_lex.h: the KQL tokenizer. A pure function (modelled on sqlite's sqlite3GetToken): given the
 * query text and an offset it skips blanks and // comments and returns the next token with its
 * byte range. No state, no allocation; the parser (and the exclusion parser) call it in a loop.
 *
 * Words are all RP_KQL_T_IDENT: KQL's keywords are contextual (a column may be named `count` or
 * `kind`), so the parser decides what a word means. Three lexical joins happen here because they
 * cannot be split by spaces in KQL: `in~` (one IDENT), `!has`/`!in~`/`!contains_cs`... (one
 * BANGWORD), and `$left`/`$right` (one IDENT). Dashed operator names (`project-away`) and dotted
 * options (`hint.strategy`) are joined by the parser from adjacent tokens. */
#ifndef RP_KQL_LEX_H
#define RP_KQL_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* ORDER KQL_TOK: rp_kql_token_name indexes by it. */
typedef enum rp_kql_tok {
    RP_KQL_T_EOF,       /* end of text */
    RP_KQL_T_ERROR,     /* a lexical error: token.error says what; the range covers the bad text */
    RP_KQL_T_IDENT,     /* word: letters, digits, _; also `in~`, `$left`, and digit-led words like 1w */
    RP_KQL_T_BANGWORD,  /* `!` directly followed by a word: !has, !in~, !between ... */
    RP_KQL_T_STRING,    /* any string literal form; decode with rp_kql_string_decode */
    RP_KQL_T_LONG,      /* integer (decimal or 0x hex): token.ival */
    RP_KQL_T_REAL,      /* 1.5, 1e3: token.rval */
    RP_KQL_T_TIMESPAN,  /* 5m, 1.5h, 10sec: token.ival = ticks (100 ns) */
    RP_KQL_T_LPAREN,    /* ( */
    RP_KQL_T_RPAREN,    /* ) */
    RP_KQL_T_LBRACKET,  /* [ */
    RP_KQL_T_RBRACKET,  /* ] */
    RP_KQL_T_LBRACE,    /* { */
    RP_KQL_T_RBRACE,    /* } */
    RP_KQL_T_COMMA,     /* , */
    RP_KQL_T_SEMI,      /* ; */
    RP_KQL_T_PIPE,      /* | */
    RP_KQL_T_DOT,       /* . */
    RP_KQL_T_DOTDOT,    /* .. */
    RP_KQL_T_COLON,     /* : */
    RP_KQL_T_ASSIGN,    /* = */
    RP_KQL_T_EQ,        /* == */
    RP_KQL_T_NE,        /* != */
    RP_KQL_T_LTGT,      /* <> (not-equal, accepted by Kusto.Language) */
    RP_KQL_T_EQ_CI,     /* =~ */
    RP_KQL_T_NE_CI,     /* !~ */
    RP_KQL_T_LT,        /* < */
    RP_KQL_T_LE,        /* <= */
    RP_KQL_T_GT,        /* > */
    RP_KQL_T_GE,        /* >= */
    RP_KQL_T_PLUS,      /* + */
    RP_KQL_T_MINUS,     /* - */
    RP_KQL_T_STAR,      /* * */
    RP_KQL_T_SLASH,     /* / */
    RP_KQL_T_PERCENT,   /* % */
    RP_KQL_T_ARROW,     /* => */
    RP_KQL_T_BANG,      /* a lone ! (not valid KQL: the parser says so) */
    RP_KQL_T_QUESTION,  /* ? */
    RP_KQL_T_AT,        /* a lone @ */
    RP_KQL_T_TILDE,     /* a lone ~ */
    RP_KQL_T_COUNT
} rp_kql_tok;

/* String literal forms (token.flags for RP_KQL_T_STRING). */
enum {
    RP_KQL_STR_VERBATIM = 1u << 0,   /* @"..." / @'...': no escapes, doubled quote */
    RP_KQL_STR_OBFUSCATED = 1u << 1, /* h"..." / H'...' */
    RP_KQL_STR_MULTILINE = 1u << 2   /* ```...``` or ~~~...~~~ */
};

typedef struct rp_kql_token {
    rp_kql_tok kind;
    uint32_t start, end;  /* byte range in the text */
    unsigned flags;       /* RP_KQL_STR_* */
    int64_t ival;         /* LONG value, TIMESPAN ticks */
    double rval;          /* REAL value */
    const char *error;    /* ERROR: static message ("unterminated string literal", ...) */
} rp_kql_token;

/* Scans the token at or after `offset` (blanks and comments skipped). OUT: token. Returns the
 * offset just past it (token->end). At the end of the text returns EOF repeatedly. */
size_t rp_kql_next(const char *text, size_t len, size_t offset, rp_kql_token *token);

/* Decodes a STRING token's value into the arena (escapes resolved, quotes removed). OUT: out_len.
 * On a bad escape sequence returns the value decoded so far with the bad part kept literally and
 * sets *bad_offset to the offending byte's offset (else (size_t)-1). */
char *rp_kql_string_decode(rp_arena *arena, const char *text, const rp_kql_token *token, size_t *out_len,
                           size_t *bad_offset);

/* "identifier", "'('", ... for messages. */
const char *rp_kql_token_name(rp_kql_tok kind);

/* Ticks (100 ns) per unit for a timespan suffix (d, h, m, s, ms, min, sec, tick, ...), or 0 when
 * the word is not a unit. */
int64_t rp_kql_timespan_unit(const char *word, size_t len);

#endif
