/* kql_parse.c: recursive-descent parser for KQL (modelled on lua's lparser.c). Takes the query text,
 * pulls tokens from kql_lex.c one at a time, and builds the tree of kql_ast.h in ctx->arena.
 *
 * Shape: statements (let / set / declare / query) separated by ';'. A query is a tabular
 * expression: a source then `| operator` steps. Expressions use precedence climbing
 * (subexpr + the priority[] table, lua style); tabular expressions and scalar ones share the
 * expression grammar, because KQL lets either appear inside parentheses (`x in (T | project a)`,
 * `toscalar(T | count)`).
 *
 * Errors: the first error in a statement part puts the parser in "panic": later errors are not
 * reported until it resynchronises at a '|' or ';' (skipping balanced brackets), so one mistake
 * gives one message. Depth is guarded three ways, all RP0205 (rp_limits.h): enter_level/leave_level
 * bound the recursion (RP_MAX_KQL_DEPTH); a chain built by a loop (a + b + c, a.b.c, a[0][1])
 * adds one tree level per operator without recursing, so each chain is counted (RP_MAX_KQL_CHAIN);
 * and chains nested in one another add up, so the finished tree of every statement is measured
 * (RP_MAX_KQL_HEIGHT, iteratively) before any recursive walker sees it. Long and/or runs are the
 * exception that real content needs (generated rules OR thousands of terms): a run of more than
 * BALANCE_RUN operands is built as a balanced tree (and/or are associative, the IR flattens them
 * anyway), so its height grows with log2 of its length and it has no chain limit. */
#include "kql_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kql_lex.h"
#include "rp_limits.h"
#include "rule.h"

typedef struct parser {
    rp_ctx *ctx;
    rp_arena *arena;
    rp_kql_query *query;
    const char *text;
    size_t len;
    rp_kql_token tok;    /* current token */
    uint32_t prev_end;   /* end of the previous token (for node spans) */
    int depth;           /* nesting, guarded by RP_MAX_KQL_DEPTH */
    int panic;           /* an error was reported; quiet until the next sync point */
    int aborted;         /* too deep: unwind the whole statement */
} parser;

/* {====================================================================
 * Tokens and diagnostics
 * ===================================================================== */

static void advance(parser *p)
{
    p->prev_end = p->tok.end;
    rp_kql_next(p->text, p->len, p->tok.end, &p->tok);
}

/* The token after the current one (no state change). */
static rp_kql_token peek(const parser *p)
{
    rp_kql_token next;
    rp_kql_next(p->text, p->len, p->tok.end, &next);
    return next;
}

static rp_kql_token peek2(const parser *p)
{
    rp_kql_token next;
    size_t off = rp_kql_next(p->text, p->len, p->tok.end, &next);
    rp_kql_next(p->text, p->len, off, &next);
    return next;
}

static int tok_is(const parser *p, const rp_kql_token *tok, const char *word)
{
    size_t n = strlen(word);
    return (tok->kind == RP_KQL_T_IDENT || tok->kind == RP_KQL_T_BANGWORD) && tok->end - tok->start == n &&
           memcmp(p->text + tok->start, word, n) == 0;
}

/* Is the current token the word `word`? */
static int is_word(const parser *p, const char *word) { return tok_is(p, &p->tok, word); }

/* 1 for true/True/TRUE, 0 for false/False/FALSE (Kusto's bool literals; tRue is a name), else -1. */
static int bool_word(const char *w, size_t n)
{
    if (n == 4 && (memcmp(w, "true", 4) == 0 || memcmp(w, "True", 4) == 0 || memcmp(w, "TRUE", 4) == 0)) return 1;
    if (n == 5 && (memcmp(w, "false", 5) == 0 || memcmp(w, "False", 5) == 0 || memcmp(w, "FALSE", 5) == 0)) return 0;
    return -1;
}
static int tok_bool(const parser *p) { return bool_word(p->text + p->tok.start, p->tok.end - p->tok.start); }

static int accept_word(parser *p, const char *word)
{
    if (!is_word(p, word)) return 0;
    advance(p);
    return 1;
}

static int accept(parser *p, rp_kql_tok kind)
{
    if (p->tok.kind != kind) return 0;
    advance(p);
    return 1;
}

static char *tok_text(parser *p, const rp_kql_token *tok)
{
    return rp_arena_strndup(p->arena, p->text + tok->start, tok->end - tok->start);
}

/* "near 'x'" text for messages: the token, shortened. */
static const char *near_text(parser *p)
{
    if (p->tok.kind == RP_KQL_T_EOF) return "near end of query";
    size_t n = p->tok.end - p->tok.start;
    const char *s = p->text + p->tok.start;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n' || s[i] == '\r') n = i;
    if (n > 40) return rp_arena_printf(p->arena, "near '%.40s...'", s);
    return rp_arena_printf(p->arena, "near '%.*s'", (int)n, s);
}

static rp_diag *vreport(parser *p, rp_diag_code code, uint32_t start, uint32_t end, const char *fmt, va_list ap)
{
    p->query->syntax_errors++;
    rp_span span = rp_kql_query_span(p->query, start, end);
    return rp_diag_vreport(p->ctx->diags, code, span, p->ctx->rule_id, fmt, ap);
}

/* Reports at [start, end) unless in panic; enters panic. */
static rp_diag *error_at(parser *p, rp_diag_code code, uint32_t start, uint32_t end, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static rp_diag *error_at(parser *p, rp_diag_code code, uint32_t start, uint32_t end, const char *fmt, ...)
{
    if (p->panic) return NULL;
    p->panic = 1;
    va_list ap;
    va_start(ap, fmt);
    rp_diag *diag = vreport(p, code, start, end, fmt, ap);
    va_end(ap);
    return diag;
}

/* Lexical errors are reported even in panic: they are independent of the grammar. */
static void lex_error(parser *p, const rp_kql_token *tok)
{
    rp_diag_code code = RP0202;
    if (tok->error && strstr(tok->error, "unterminated")) code = RP0201;
    if (tok->error && strstr(tok->error, "range")) code = RP0207;
    if (tok->error && strstr(tok->error, "NUL byte")) code = RP0212;
    p->query->syntax_errors++;
    rp_span span = rp_kql_query_span(p->query, tok->start, tok->end > tok->start ? tok->end : tok->start + 1);
    rp_diag_report(p->ctx->diags, code, span, p->ctx->rule_id, "%s", tok->error ? tok->error : "invalid token");
}

static rp_kql_node *error_node(parser *p)
{
    return rp_kql_node_new(p->arena, RP_KQL_ERROR, p->tok.start, p->tok.start);
}

/* Reports "X expected near 'y'" at the current token. */
static void error_expected(parser *p, const char *what)
{
    if (p->tok.kind == RP_KQL_T_ERROR) {
        if (!p->panic) lex_error(p, &p->tok);
        p->panic = 1;
        return;
    }
    error_at(p, RP0200, p->tok.start, p->tok.end > p->tok.start ? p->tok.end : p->tok.start, "%s expected %s",
             what, near_text(p));
}

static int expect(parser *p, rp_kql_tok kind, const char *what)
{
    if (accept(p, kind)) return 1;
    error_expected(p, what);
    return 0;
}

/* Closes a bracket opened at `open_at` (lua check_match): "')' expected (to close '(' at 3:14)". */
static int expect_match(parser *p, rp_kql_tok close, const char *close_text, const char *open_text, uint32_t open_at)
{
    if (accept(p, close)) return 1;
    if (p->tok.kind == RP_KQL_T_ERROR) {
        error_expected(p, close_text);
        return 0;
    }
    rp_span open_span = rp_kql_query_span(p->query, open_at, open_at + 1);
    unsigned line = 0, column = 0;
    if (open_span.src) rp_source_locate(open_span.src, open_span.start, &line, &column);
    error_at(p, RP0203, p->tok.start, p->tok.end > p->tok.start ? p->tok.end : p->tok.start,
             "%s expected (to close %s at %u:%u) %s", close_text, open_text, line, column, near_text(p));
    return 0;
}

/* Depth guard (lua enterlevel). Returns 0 when too deep: the caller returns an ERROR node. */
static int enter_level(parser *p)
{
    if (p->aborted) return 0;
    if (++p->depth > RP_MAX_KQL_DEPTH) {
        p->panic = 0;
        error_at(p, RP0205, p->tok.start, p->tok.end, "query nests more than %d levels deep %s", RP_MAX_KQL_DEPTH,
                 near_text(p));
        p->aborted = 1;
        return 0;
    }
    return 1;
}

static void leave_level(parser *p) { p->depth--; }

/* Chain guard: the `links`-th operator of one loop-built chain (binary operators of one priority
 * level, member/index/call suffixes). Returns 0, reported and aborted, past RP_MAX_KQL_CHAIN. */
static int chain_link(parser *p, size_t links, const char *what)
{
    if (links <= RP_MAX_KQL_CHAIN) return 1;
    p->panic = 0;
    error_at(p, RP0205, p->tok.start, p->tok.end,
             "more than %d %s in one chain %s: the tree would be that deep; split the expression (e.g. with let)",
             RP_MAX_KQL_CHAIN, what, near_text(p));
    p->aborted = 1;
    return 0;
}

/* Skips to a sync point: '|' or ';' at this bracket level, an unmatched closer, or the end.
 * Brackets inside are skipped balanced. Clears panic. */
static void skip_to_sync(parser *p)
{
    int level = 0;
    for (;;) {
        switch (p->tok.kind) {
        case RP_KQL_T_EOF: p->panic = 0; return;
        case RP_KQL_T_PIPE:
        case RP_KQL_T_SEMI:
            if (level == 0) {
                p->panic = 0;
                return;
            }
            break;
        case RP_KQL_T_LPAREN:
        case RP_KQL_T_LBRACKET:
        case RP_KQL_T_LBRACE: level++; break;
        case RP_KQL_T_RPAREN:
        case RP_KQL_T_RBRACKET:
        case RP_KQL_T_RBRACE:
            if (level == 0) {
                p->panic = 0;
                return;
            }
            level--;
            break;
        case RP_KQL_T_ERROR: lex_error(p, &p->tok); break;
        default: break;
        }
        advance(p);
    }
}

/* Ends a node at the previous token. */
static rp_kql_node *finish(parser *p, rp_kql_node *node)
{
    if (p->prev_end > node->span.start) node->span.end = p->prev_end;
    return node;
}

static rp_kql_node *new_node(parser *p, rp_kql_kind kind, uint32_t start)
{
    return rp_kql_node_new(p->arena, kind, start, start);
}

static void push(parser *p, rp_kql_list *list, rp_kql_node *node) { rp_kql_list_push(p->arena, list, node); }

/* Two tokens touch (no blank or comment between): used to join project-away, hint.strategy. */
static int adjacent(const rp_kql_token *a, const rp_kql_token *b) { return a->end == b->start; }

/* }==================================================================== */

/* {====================================================================
 * Literals
 * ===================================================================== */

/* string -> STRING {STRING}  (adjacent literals concatenate, even across comments) */
static rp_kql_node *parse_string(parser *p)
{
    rp_kql_node *node = new_node(p, RP_KQL_STRING, p->tok.start);
    if (p->tok.flags & RP_KQL_STR_VERBATIM) node->flags |= RP_KQL_F_VERBATIM;
    if (p->tok.flags & RP_KQL_STR_OBFUSCATED) node->flags |= RP_KQL_F_OBFUSCATED;
    if (p->tok.flags & RP_KQL_STR_MULTILINE) node->flags |= RP_KQL_F_MULTILINE;
    char *value = NULL;
    size_t value_len = 0;
    while (p->tok.kind == RP_KQL_T_STRING) {
        size_t piece_len, bad;
        /* a raw NUL (a query from a YAML "\u0000", a binary file): where it is, not "unterminated" */
        const char *nul = memchr(p->text + p->tok.start, '\0', p->tok.end - p->tok.start);
        if (nul) {
            p->query->syntax_errors++;
            size_t at = (size_t)(nul - p->text);
            rp_diag *diag = rp_diag_report(p->ctx->diags, RP0212, rp_kql_query_span(p->query, at, at + 1),
                                           p->ctx->rule_id, "a NUL byte (U+0000) inside a string literal");
            if (diag) rp_diag_set_hint(diag, "write the escape \\0 if a NUL character is meant");
        }
        char *piece = rp_kql_string_decode(p->arena, p->text, &p->tok, &piece_len, &bad);
        if (bad != (size_t)-1) {
            p->query->syntax_errors++;
            rp_span span = rp_kql_query_span(p->query, bad, bad + 2);
            rp_diag *diag = rp_diag_report(p->ctx->diags, RP0204, span, p->ctx->rule_id,
                                           "invalid escape sequence '\\%c' in string literal",
                                           bad + 1 < p->len ? p->text[bad + 1] : ' ');
            if (diag) rp_diag_set_hint(diag, "write a verbatim string @'...' to keep backslashes as they are");
        }
        if (!value) {
            value = piece;
            value_len = piece_len;
        } else {
            char *joined = rp_arena_alloc(p->arena, value_len + piece_len + 1);
            memcpy(joined, value, value_len);
            memcpy(joined + value_len, piece, piece_len);
            value = joined;
            value_len += piece_len;
        }
        advance(p);
    }
    node->text = value;
    node->text_len = value_len;
    return finish(p, node);
}

/* Days from 0001-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* H. Hinnant's days_from_civil gives days since 1970-01-01; 719162 days separate that from 0001-01-01 */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468 + 719162;
}

/* Parses an ISO-8601 instant (2024-01-02, 2024-01-02 03:04:05.678, ...T...Z). OUT: ticks since
 * 0001-01-01. Returns 0 when the text is not of that form (other accepted forms stay raw). */
static int parse_iso_datetime(const char *s, size_t n, int64_t *ticks)
{
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    size_t i = 0;
    int digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) year = year * 10 + (unsigned)(s[i++] - '0'), digits++;
    if (digits != 4 || i >= n || s[i] != '-') return 0;
    i++;
    if (i + 2 > n || s[i] < '0' || s[i] > '9' || s[i + 1] < '0' || s[i + 1] > '9') return 0;
    month = (unsigned)(s[i] - '0') * 10 + (unsigned)(s[i + 1] - '0');
    i += 2;
    if (i >= n || s[i] != '-') return 0;
    i++;
    if (i + 2 > n || s[i] < '0' || s[i] > '9' || s[i + 1] < '0' || s[i + 1] > '9') return 0;
    day = (unsigned)(s[i] - '0') * 10 + (unsigned)(s[i + 1] - '0');
    i += 2;
    int64_t frac = 0;
    if (i < n && (s[i] == 'T' || s[i] == ' ')) {
        i++;
        unsigned *parts[3] = {&hour, &minute, &second};
        for (int k = 0; k < 3; k++) {
            if (k > 0) {
                if (i >= n || s[i] != ':') {
                    if (k == 2) break;
                    return 0;
                }
                i++;
            }
            if (i + 2 > n || s[i] < '0' || s[i] > '9' || s[i + 1] < '0' || s[i + 1] > '9') return 0;
            *parts[k] = (unsigned)(s[i] - '0') * 10 + (unsigned)(s[i + 1] - '0');
            i += 2;
        }
        if (i < n && s[i] == '.') {
            i++;
            int64_t scale = 1000000;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (scale > 0) frac += (s[i] - '0') * scale;
                scale /= 10;
                i++;
            }
        }
    }
    if (i < n && s[i] == 'Z') i++;
    if (i != n) return 0;
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1] || hour > 23 || minute > 59 || second > 59)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap) return 0;
    int64_t days = days_from_civil(year, month, day);
    *ticks = ((days * 86400 + hour * 3600 + minute * 60 + second) * 10000000LL) + frac;
    return 1;
}

/* Parses a timespan's raw text: a literal (1d, 1.5h), a number of days, or [d.]hh:mm[:ss[.f]].
 * OUT: ticks. Returns 0 when not understood. */
static int parse_timespan_text(const char *s, size_t n, int64_t *ticks)
{
    rp_kql_token tok;
    size_t end = rp_kql_next(s, n, 0, &tok);
    int negative = 0;
    if (tok.kind == RP_KQL_T_MINUS) {
        negative = 1;
        end = rp_kql_next(s, n, end, &tok);
    }
    rp_kql_token rest;
    rp_kql_next(s, n, end, &rest);
    if (rest.kind == RP_KQL_T_EOF) {
        if (tok.kind == RP_KQL_T_TIMESPAN) *ticks = tok.ival;
        else if (tok.kind == RP_KQL_T_LONG) *ticks = tok.ival * 864000000000LL;
        else if (tok.kind == RP_KQL_T_REAL) *ticks = (int64_t)(tok.rval * 864000000000.0);
        else return 0;
        if (negative) *ticks = -*ticks;
        return 1;
    }
    /* [d.]hh:mm[:ss[.fffffff]] */
    unsigned long days = 0, h = 0, m = 0, sec = 0;
    size_t i = 0;
    if (i < n && s[i] == '-') negative = 1, i++;
    unsigned long first = 0;
    int digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 9) first = first * 10 + (unsigned long)(s[i++] - '0'), digits++;
    if (!digits) return 0;
    if (i < n && s[i] == '.') {
        days = first;
        i++;
        digits = 0;
        first = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 3) first = first * 10 + (unsigned long)(s[i++] - '0'), digits++;
        if (!digits) return 0;
    }
    h = first;
    if (i >= n || s[i] != ':') return 0;
    i++;
    digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 3) m = m * 10 + (unsigned long)(s[i++] - '0'), digits++;
    if (!digits) return 0;
    int64_t frac = 0;
    if (i < n && s[i] == ':') {
        i++;
        digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 3) sec = sec * 10 + (unsigned long)(s[i++] - '0'), digits++;
        if (!digits) return 0;
        if (i < n && s[i] == '.') {
            i++;
            int64_t scale = 1000000;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (scale > 0) frac += (s[i] - '0') * scale;
                scale /= 10;
                i++;
            }
        }
    }
    if (i != n) return 0;
    *ticks = (int64_t)(((days * 24 + h) * 60 + m) * 60 + sec) * 10000000LL + frac;
    if (negative) *ticks = -*ticks;
    return 1;
}

static int is_typed_literal_word(const char *w, size_t n)
{
    static const char *const words[] = {"datetime", "date", "timespan", "time", "guid", "uuid", "uniqueid", "int",
                                        "long", "real", "double", "bool", "boolean", "decimal"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0) return 1;
    return 0;
}

/* typed_literal -> TYPE '(' raw text ')'  (datetime(2024-01-01 10:00), guid(...), long(null), ...)
 * The text between the parentheses is taken raw: it is not KQL tokens. */
static rp_kql_node *parse_typed_literal(parser *p)
{
    rp_kql_node *node = new_node(p, RP_KQL_TYPED, p->tok.start);
    node->name = tok_text(p, &p->tok);
    uint32_t open = (uint32_t)p->tok.end;
    while (open < p->len && p->text[open] != '(') open++; /* skip blanks before '(' */
    size_t close = open + 1;
    while (close < p->len && p->text[close] != ')' && p->text[close] != '\n') close++;
    if (close >= p->len || p->text[close] != ')') {
        advance(p);
        advance(p);
        expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
        return finish(p, node);
    }
    size_t a = open + 1, b = close;
    while (a < b && (p->text[a] == ' ' || p->text[a] == '\t')) a++;
    while (b > a && (p->text[b - 1] == ' ' || p->text[b - 1] == '\t')) b--;
    node->text = rp_arena_strndup(p->arena, p->text + a, b - a);
    node->text_len = b - a;
    /* resume lexing after ')' */
    p->tok.end = (uint32_t)close;
    advance(p);
    advance(p);
    finish(p, node);
    const char *t = node->text;
    size_t n = node->text_len;
    if (n == 4 && memcmp(t, "null", 4) == 0) {
        node->flags |= RP_KQL_F_NULL;
        return node;
    }
    const char *type = node->name;
    if (strcmp(type, "datetime") == 0 || strcmp(type, "date") == 0) {
        if (parse_iso_datetime(t, n, &node->ival)) node->flags |= RP_KQL_F_HAS_TICKS;
        else if (n == 0) { /* datetime() is now */
        }
    } else if (strcmp(type, "timespan") == 0 || strcmp(type, "time") == 0) {
        int64_t ticks;
        if (parse_timespan_text(t, n, &ticks)) {
            node->kind = RP_KQL_TIMESPAN;
            node->ival = ticks;
            node->text = NULL;
            node->text_len = 0;
            node->name = NULL;
        } else {
            error_at(p, RP0207, node->span.start, node->span.end, "'%s' is not a timespan", t);
        }
    } else if (strcmp(type, "guid") == 0 || strcmp(type, "uuid") == 0 || strcmp(type, "uniqueid") == 0) {
        int ok = n == 36;
        for (size_t i = 0; ok && i < n; i++) {
            int dash = i == 8 || i == 13 || i == 18 || i == 23;
            char ch = t[i];
            ok = dash ? ch == '-' : ((ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'));
        }
        if (!ok) error_at(p, RP0207, node->span.start, node->span.end, "'%s' is not a guid", t);
    }
    return node;
}

/* json -> '[' [json {',' json}] ']' | '{' [key ':' json {',' ...}] '}' | STRING | ['-'] number |
 *         true | false | null | typed_literal | TIMESPAN            (inside dynamic(...)) */
static rp_kql_node *parse_json(parser *p)
{
    uint32_t start = p->tok.start;
    rp_kql_node *node;
    if (!enter_level(p)) return error_node(p);
    switch (p->tok.kind) {
    case RP_KQL_T_LBRACKET:
        node = new_node(p, RP_KQL_JSON_ARRAY, start);
        advance(p);
        if (p->tok.kind != RP_KQL_T_RBRACKET) {
            do {
                push(p, &node->items, parse_json(p));
            } while (!p->panic && accept(p, RP_KQL_T_COMMA));
        }
        expect_match(p, RP_KQL_T_RBRACKET, "']'", "'['", start);
        break;
    case RP_KQL_T_LBRACE:
        node = new_node(p, RP_KQL_JSON_OBJECT, start);
        advance(p);
        if (p->tok.kind != RP_KQL_T_RBRACE) {
            do {
                rp_kql_node *pair = new_node(p, RP_KQL_JSON_PAIR, p->tok.start);
                if (p->tok.kind == RP_KQL_T_STRING) {
                    rp_kql_node *key = parse_string(p);
                    pair->name = key->text;
                } else if (p->tok.kind == RP_KQL_T_IDENT) {
                    pair->name = tok_text(p, &p->tok);
                    advance(p);
                } else {
                    error_expected(p, "property name");
                    break;
                }
                expect(p, RP_KQL_T_COLON, "':'");
                pair->a = parse_json(p);
                push(p, &node->items, finish(p, pair));
            } while (!p->panic && accept(p, RP_KQL_T_COMMA));
        }
        expect_match(p, RP_KQL_T_RBRACE, "'}'", "'{'", start);
        break;
    case RP_KQL_T_STRING: node = parse_string(p); break;
    case RP_KQL_T_MINUS:
    case RP_KQL_T_LONG:
    case RP_KQL_T_REAL:
    case RP_KQL_T_TIMESPAN: {
        int negative = accept(p, RP_KQL_T_MINUS);
        node = new_node(p, RP_KQL_LONG, start);
        if (p->tok.kind == RP_KQL_T_LONG) {
            node->ival = negative ? -p->tok.ival : p->tok.ival;
        } else if (p->tok.kind == RP_KQL_T_REAL) {
            node->kind = RP_KQL_REAL;
            node->rval = negative ? -p->tok.rval : p->tok.rval;
        } else if (p->tok.kind == RP_KQL_T_TIMESPAN) {
            node->kind = RP_KQL_TIMESPAN;
            node->ival = negative ? -p->tok.ival : p->tok.ival;
        } else {
            error_expected(p, "number");
            break;
        }
        advance(p);
        break;
    }
    case RP_KQL_T_IDENT:
        if (tok_bool(p) >= 0) {
            node = new_node(p, RP_KQL_BOOL, start);
            node->ival = tok_bool(p);
            advance(p);
            break;
        }
        if (is_word(p, "null")) {
            node = new_node(p, RP_KQL_NULL, start);
            advance(p);
            break;
        }
        if (is_typed_literal_word(p->text + p->tok.start, p->tok.end - p->tok.start) &&
            peek(p).kind == RP_KQL_T_LPAREN) {
            node = parse_typed_literal(p);
            break;
        }
        /* fall through */
    default:
        error_expected(p, "JSON value");
        node = error_node(p);
        break;
    }
    leave_level(p);
    return finish(p, node);
}

/* }==================================================================== */

/* {====================================================================
 * Expressions
 * ===================================================================== */

static rp_kql_node *parse_expr(parser *p);
static rp_kql_node *parse_pipe_expr(parser *p);
static rp_kql_node *subexpr(parser *p, int limit);
static rp_kql_node *parse_pipe_tail(parser *p, rp_kql_node *source);
static rp_kql_node *parse_source_operator(parser *p);
static int is_source_operator(const parser *p);
static void parse_func_body(parser *p, rp_kql_node *func);

/* Binary operators and their priorities (lua's priority[]: left > limit to continue; right is
 * the limit for the right operand, so equal priorities associate to the left). */
enum {
    PRIO_OR = 1,
    PRIO_AND = 2,
    PRIO_EQUALITY = 3, /* == != =~ !~ string operators, in, between, matches regex, like, : */
    PRIO_RELATIONAL = 4,
    PRIO_ADDITIVE = 5,
    PRIO_MULTIPLICATIVE = 6,
    PRIO_UNARY = 7
};

static const struct {
    const char *word;
    rp_kql_op op;
} word_ops[] = {
    {"or", RP_KQL_OP_OR}, {"and", RP_KQL_OP_AND},
    {"has", RP_KQL_OP_HAS}, {"!has", RP_KQL_OP_NOT_HAS}, {"has_cs", RP_KQL_OP_HAS_CS},
    {"!has_cs", RP_KQL_OP_NOT_HAS_CS}, {"hasprefix", RP_KQL_OP_HASPREFIX}, {"!hasprefix", RP_KQL_OP_NOT_HASPREFIX},
    {"hasprefix_cs", RP_KQL_OP_HASPREFIX_CS}, {"!hasprefix_cs", RP_KQL_OP_NOT_HASPREFIX_CS},
    {"hassuffix", RP_KQL_OP_HASSUFFIX}, {"!hassuffix", RP_KQL_OP_NOT_HASSUFFIX},
    {"hassuffix_cs", RP_KQL_OP_HASSUFFIX_CS}, {"!hassuffix_cs", RP_KQL_OP_NOT_HASSUFFIX_CS},
    {"contains", RP_KQL_OP_CONTAINS}, {"!contains", RP_KQL_OP_NOT_CONTAINS}, {"notcontains", RP_KQL_OP_NOT_CONTAINS},
    {"contains_cs", RP_KQL_OP_CONTAINS_CS}, {"containscs", RP_KQL_OP_CONTAINS_CS},
    {"!contains_cs", RP_KQL_OP_NOT_CONTAINS_CS}, {"notcontainscs", RP_KQL_OP_NOT_CONTAINS_CS},
    {"startswith", RP_KQL_OP_STARTSWITH}, {"!startswith", RP_KQL_OP_NOT_STARTSWITH},
    {"startswith_cs", RP_KQL_OP_STARTSWITH_CS}, {"!startswith_cs", RP_KQL_OP_NOT_STARTSWITH_CS},
    {"endswith", RP_KQL_OP_ENDSWITH}, {"!endswith", RP_KQL_OP_NOT_ENDSWITH},
    {"endswith_cs", RP_KQL_OP_ENDSWITH_CS}, {"!endswith_cs", RP_KQL_OP_NOT_ENDSWITH_CS},
    {"like", RP_KQL_OP_LIKE}, {"notlike", RP_KQL_OP_NOT_LIKE}, {"likecs", RP_KQL_OP_LIKE_CS},
    {"notlikecs", RP_KQL_OP_NOT_LIKE_CS},
    {"in", RP_KQL_OP_IN}, {"!in", RP_KQL_OP_NOT_IN}, {"in~", RP_KQL_OP_IN_CI}, {"!in~", RP_KQL_OP_NOT_IN_CI},
    {"has_any", RP_KQL_OP_HAS_ANY}, {"has_all", RP_KQL_OP_HAS_ALL},
    {"between", RP_KQL_OP_BETWEEN}, {"!between", RP_KQL_OP_NOT_BETWEEN},
    {"matches", RP_KQL_OP_MATCHES_REGEX},
};

/* The binary operator at the current token, or NONE. */
static rp_kql_op current_binop(const parser *p)
{
    switch (p->tok.kind) {
    case RP_KQL_T_EQ: return RP_KQL_OP_EQ;
    case RP_KQL_T_NE:
    case RP_KQL_T_LTGT: return RP_KQL_OP_NE;
    case RP_KQL_T_EQ_CI: return RP_KQL_OP_EQ_CI;
    case RP_KQL_T_NE_CI: return RP_KQL_OP_NE_CI;
    case RP_KQL_T_LT: return RP_KQL_OP_LT;
    case RP_KQL_T_LE: return RP_KQL_OP_LE;
    case RP_KQL_T_GT: return RP_KQL_OP_GT;
    case RP_KQL_T_GE: return RP_KQL_OP_GE;
    case RP_KQL_T_PLUS: return RP_KQL_OP_ADD;
    case RP_KQL_T_MINUS: return RP_KQL_OP_SUB;
    case RP_KQL_T_STAR: return RP_KQL_OP_MUL;
    case RP_KQL_T_SLASH: return RP_KQL_OP_DIV;
    case RP_KQL_T_PERCENT: return RP_KQL_OP_MOD;
    case RP_KQL_T_IDENT:
    case RP_KQL_T_BANGWORD:
        for (size_t i = 0; i < sizeof word_ops / sizeof word_ops[0]; i++)
            if (tok_is(p, &p->tok, word_ops[i].word)) return word_ops[i].op;
        return RP_KQL_OP_NONE;
    default: return RP_KQL_OP_NONE;
    }
}

static int priority_of(rp_kql_op op)
{
    switch (op) {
    case RP_KQL_OP_NONE: return 0;
    case RP_KQL_OP_OR: return PRIO_OR;
    case RP_KQL_OP_AND: return PRIO_AND;
    case RP_KQL_OP_LT:
    case RP_KQL_OP_LE:
    case RP_KQL_OP_GT:
    case RP_KQL_OP_GE: return PRIO_RELATIONAL;
    case RP_KQL_OP_ADD:
    case RP_KQL_OP_SUB: return PRIO_ADDITIVE;
    case RP_KQL_OP_MUL:
    case RP_KQL_OP_DIV:
    case RP_KQL_OP_MOD: return PRIO_MULTIPLICATIVE;
    default: return PRIO_EQUALITY;
    }
}

/* A name where a column name is expected: IDENT or ['bracketed'] / ["bracketed"]. NULL when the
 * current token is neither (nothing reported). */
static rp_kql_node *try_parse_name(parser *p)
{
    if (p->tok.kind == RP_KQL_T_IDENT) {
        rp_kql_node *node = new_node(p, RP_KQL_NAME, p->tok.start);
        node->name = tok_text(p, &p->tok);
        advance(p);
        return finish(p, node);
    }
    if (p->tok.kind == RP_KQL_T_LBRACKET && peek(p).kind == RP_KQL_T_STRING) {
        uint32_t start = p->tok.start;
        advance(p);
        rp_kql_node *str = parse_string(p);
        rp_kql_node *node = new_node(p, RP_KQL_NAME, start);
        node->name = str->text;
        node->flags |= RP_KQL_F_BRACKETED;
        expect_match(p, RP_KQL_T_RBRACKET, "']'", "'['", start);
        return finish(p, node);
    }
    return NULL;
}

static rp_kql_node *parse_name(parser *p, const char *what)
{
    rp_kql_node *node = try_parse_name(p);
    if (node) return node;
    error_expected(p, what);
    return error_node(p);
}

/* name_pattern -> (IDENT | '*') {adjacent IDENT | '*'}   (Device*, *Id, Account*Name) */
static rp_kql_node *parse_name_pattern(parser *p, const char *what)
{
    if (p->tok.kind != RP_KQL_T_IDENT && p->tok.kind != RP_KQL_T_STAR) return parse_name(p, what);
    rp_kql_node *node = new_node(p, RP_KQL_NAME, p->tok.start);
    rp_kql_token last = p->tok;
    advance(p);
    while ((p->tok.kind == RP_KQL_T_IDENT || p->tok.kind == RP_KQL_T_STAR) && adjacent(&last, &p->tok) &&
           (p->tok.kind == RP_KQL_T_STAR || last.kind == RP_KQL_T_STAR)) {
        last = p->tok;
        advance(p);
    }
    finish(p, node);
    node->name = rp_arena_strndup(p->arena, p->text + node->span.start, node->span.end - node->span.start);
    if (strchr(node->name, '*')) node->flags |= RP_KQL_F_WILDCARD;
    return node;
}

/* typeref -> IDENT (a scalar type name) */
static const char *parse_type_name(parser *p)
{
    if (p->tok.kind != RP_KQL_T_IDENT) {
        error_expected(p, "type name");
        return NULL;
    }
    const char *name = tok_text(p, &p->tok);
    advance(p);
    return name;
}

/* coldecl -> name ':' type | name ':' '(' schema ')' | '*' ;  schema -> coldecl {',' coldecl} */
static void parse_schema_list(parser *p, rp_kql_list *out, rp_kql_tok close)
{
    if (p->tok.kind == close) return;
    do {
        if (p->tok.kind == close) break; /* a trailing comma is accepted by Kusto.Language */
        rp_kql_node *col = new_node(p, RP_KQL_COLDECL, p->tok.start);
        if (accept(p, RP_KQL_T_STAR)) {
            col->name = "*";
        } else {
            rp_kql_node *name = parse_name(p, "column name");
            col->name = name->name;
            if (expect(p, RP_KQL_T_COLON, "':'")) col->text = parse_type_name(p);
            if (col->text) col->text_len = strlen(col->text);
        }
        push(p, out, finish(p, col));
    } while (!p->panic && accept(p, RP_KQL_T_COMMA));
}

/* typeof -> 'typeof' '(' (type | coldecl {',' coldecl}) ')' */
static rp_kql_node *parse_typeof(parser *p)
{
    rp_kql_node *node = new_node(p, RP_KQL_TYPEOF, p->tok.start);
    advance(p);
    uint32_t open = p->tok.start;
    if (!expect(p, RP_KQL_T_LPAREN, "'('")) return finish(p, node);
    do {
        rp_kql_node *col = new_node(p, RP_KQL_COLDECL, p->tok.start);
        if (p->tok.kind == RP_KQL_T_STAR) {
            advance(p);
            col->name = "*";
        } else if (p->tok.kind == RP_KQL_T_IDENT && peek(p).kind != RP_KQL_T_COLON) {
            col->text = parse_type_name(p);
        } else {
            rp_kql_node *name = parse_name(p, "type or column name");
            col->name = name->name;
            if (expect(p, RP_KQL_T_COLON, "':'")) col->text = parse_type_name(p);
        }
        if (col->text) col->text_len = strlen(col->text);
        push(p, &node->items, finish(p, col));
    } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
    return finish(p, node);
}

/* arglist -> [arg {',' arg}] ;  arg -> '*' | name '=' pipe_expr | pipe_expr
 * Empty elements (a trailing comma) are reported: Kusto.Language rejects them too. */
static void parse_arg_list(parser *p, rp_kql_list *out, rp_kql_tok close, int allow_named)
{
    if (p->tok.kind == close) return;
    uint32_t comma_at = 0;
    for (;;) {
        if (p->tok.kind == RP_KQL_T_COMMA || p->tok.kind == close) {
            /* point at the comma that has nothing after it */
            uint32_t at = p->tok.kind == close && comma_at ? comma_at : p->tok.start;
            error_at(p, RP0208, at, at + 1, "expression expected after ',' %s (a trailing or doubled ','?)",
                     near_text(p));
            return;
        }
        rp_kql_node *arg;
        if (allow_named && p->tok.kind == RP_KQL_T_IDENT && peek(p).kind == RP_KQL_T_ASSIGN) {
            arg = new_node(p, RP_KQL_NAMED, p->tok.start);
            arg->name = tok_text(p, &p->tok);
            advance(p);
            advance(p);
            arg->a = parse_pipe_expr(p);
            finish(p, arg);
        } else if (p->tok.kind == RP_KQL_T_STAR &&
                   (peek(p).kind == RP_KQL_T_COMMA || peek(p).kind == close)) {
            arg = new_node(p, RP_KQL_STAR, p->tok.start);
            advance(p);
            finish(p, arg);
        } else {
            arg = parse_pipe_expr(p);
        }
        push(p, out, arg);
        comma_at = p->tok.start;
        if (p->panic || !accept(p, RP_KQL_T_COMMA)) break;
    }
}

/* datatable -> 'datatable' '(' schema ')' '[' [expr {',' expr}] ']' */
static rp_kql_node *parse_datatable(parser *p)
{
    rp_kql_node *node = new_node(p, RP_KQL_DATATABLE, p->tok.start);
    advance(p);
    uint32_t open = p->tok.start;
    if (!expect(p, RP_KQL_T_LPAREN, "'('")) return finish(p, node);
    parse_schema_list(p, &node->items, RP_KQL_T_RPAREN);
    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
    open = p->tok.start;
    if (!expect(p, RP_KQL_T_LBRACKET, "'['")) return finish(p, node);
    if (p->tok.kind != RP_KQL_T_RBRACKET) {
        do {
            if (p->tok.kind == RP_KQL_T_RBRACKET) break; /* a trailing comma is accepted in values */
            push(p, &node->aux, parse_expr(p));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    }
    expect_match(p, RP_KQL_T_RBRACKET, "']'", "'['", open);
    return finish(p, node);
}

/* A function literal starts here: '(' ')' or '(' name ':' */
static int at_function_literal(const parser *p)
{
    if (p->tok.kind != RP_KQL_T_LPAREN) return 0;
    rp_kql_token next = peek(p);
    if (next.kind == RP_KQL_T_RPAREN) {
        /* ( ) { ... } */
        rp_kql_token after = peek2(p);
        return after.kind == RP_KQL_T_LBRACE;
    }
    if (next.kind != RP_KQL_T_IDENT) return 0;
    return peek2(p).kind == RP_KQL_T_COLON;
}

/* func -> '(' [param {',' param}] ')' '{' body '}'
 * param -> name ':' type ['=' expr] | name ':' '(' schema ')' */
static rp_kql_node *parse_function(parser *p)
{
    rp_kql_node *func = new_node(p, RP_KQL_FUNC, p->tok.start);
    uint32_t open = p->tok.start;
    advance(p);
    if (p->tok.kind != RP_KQL_T_RPAREN) {
        do {
            rp_kql_node *param = new_node(p, RP_KQL_COLDECL, p->tok.start);
            rp_kql_node *name = parse_name(p, "parameter name");
            param->name = name->name;
            if (expect(p, RP_KQL_T_COLON, "':'")) {
                if (p->tok.kind == RP_KQL_T_LPAREN) {
                    uint32_t schema_open = p->tok.start;
                    advance(p);
                    parse_schema_list(p, &param->items, RP_KQL_T_RPAREN);
                    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", schema_open);
                } else {
                    param->text = parse_type_name(p);
                    if (param->text) param->text_len = strlen(param->text);
                }
            }
            if (accept(p, RP_KQL_T_ASSIGN)) param->a = parse_expr(p);
            push(p, &func->items, finish(p, param));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    }
    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
    parse_func_body(p, func);
    return finish(p, func);
}

/* simpleexp -> literal | name | call | typed_literal | dynamic | typeof | '(' pipe_expr ')'
 *            | '[' STRING ']' | '*' | datatable | source_operator */
static rp_kql_node *primary_expr(parser *p)
{
    uint32_t start = p->tok.start;
    rp_kql_node *node;
    switch (p->tok.kind) {
    case RP_KQL_T_STRING: return parse_string(p);
    case RP_KQL_T_LONG:
        node = new_node(p, RP_KQL_LONG, start);
        node->ival = p->tok.ival;
        advance(p);
        return finish(p, node);
    case RP_KQL_T_REAL:
        node = new_node(p, RP_KQL_REAL, start);
        node->rval = p->tok.rval;
        advance(p);
        return finish(p, node);
    case RP_KQL_T_TIMESPAN:
        node = new_node(p, RP_KQL_TIMESPAN, start);
        node->ival = p->tok.ival;
        advance(p);
        return finish(p, node);
    case RP_KQL_T_LPAREN: {
        if (at_function_literal(p)) return parse_function(p);
        advance(p);
        if (p->tok.kind == RP_KQL_T_RPAREN) {
            error_at(p, RP0200, p->tok.start, p->tok.end, "expression expected %s", near_text(p));
            advance(p);
            return error_node(p);
        }
        node = parse_pipe_expr(p);
        /* a tuple (a, b) only appears before '=' in extend; parse it as a list */
        if (p->tok.kind == RP_KQL_T_COMMA && !p->panic) {
            rp_kql_node *tuple = new_node(p, RP_KQL_NAMED, start);
            push(p, &tuple->items, node);
            while (accept(p, RP_KQL_T_COMMA)) push(p, &tuple->items, parse_expr(p));
            node = tuple;
        }
        expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", start);
        return node;
    }
    case RP_KQL_T_LBRACKET:
        if (peek(p).kind == RP_KQL_T_STRING) return try_parse_name(p);
        break;
    case RP_KQL_T_STAR:
        node = new_node(p, RP_KQL_STAR, start);
        advance(p);
        return finish(p, node);
    case RP_KQL_T_BANG:
        error_at(p, RP0206, p->tok.start, p->tok.end,
                 "'!' is not a KQL operator; use not(...) or a negated operator (!has, !in, !=)");
        return error_node(p);
    case RP_KQL_T_BANGWORD:
        error_at(p, RP0206, p->tok.start, p->tok.end,
                 "'!' is not a KQL operator; use not(...) or a negated operator (!has, !in, !=) %s", near_text(p));
        return error_node(p);
    case RP_KQL_T_IDENT: {
        const char *w = p->text + p->tok.start;
        size_t n = p->tok.end - p->tok.start;
        rp_kql_token next = peek(p);
        if (next.kind == RP_KQL_T_LPAREN) {
            if (is_typed_literal_word(w, n)) return parse_typed_literal(p);
            if (n == 7 && memcmp(w, "dynamic", 7) == 0) {
                node = new_node(p, RP_KQL_DYNAMIC, start);
                advance(p);
                uint32_t open = p->tok.start;
                advance(p);
                node->a = parse_json(p);
                expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
                return finish(p, node);
            }
            if (n == 6 && memcmp(w, "typeof", 6) == 0) return parse_typeof(p);
            if (n == 9 && memcmp(w, "datatable", 9) == 0) return parse_datatable(p);
        }
        if (bool_word(w, n) >= 0) {
            node = new_node(p, RP_KQL_BOOL, start);
            node->ival = bool_word(w, n);
            advance(p);
            return finish(p, node);
        }
        if (n == 9 && memcmp(w, "datatable", 9) == 0 && next.kind == RP_KQL_T_LPAREN) return parse_datatable(p);
        if (is_source_operator(p)) return parse_source_operator(p);
        node = new_node(p, RP_KQL_NAME, start);
        node->name = tok_text(p, &p->tok);
        advance(p);
        return finish(p, node);
    }
    case RP_KQL_T_ERROR:
        lex_error(p, &p->tok);
        p->panic = 1;
        advance(p);
        return error_node(p);
    default: break;
    }
    error_expected(p, "expression");
    return error_node(p);
}

/* suffixedexp -> simpleexp { '.' name | '[' expr ']' | '(' arglist ')' } */
static rp_kql_node *suffixed_expr(parser *p)
{
    uint32_t start = p->tok.start;
    rp_kql_node *node = primary_expr(p);
    size_t links = 0;
    for (;;) {
        if (p->panic || p->aborted) return node;
        int is_call = p->tok.kind == RP_KQL_T_LPAREN && (node->kind == RP_KQL_NAME || node->kind == RP_KQL_MEMBER) &&
                   !(node->flags & RP_KQL_F_BRACKETED);
        if (p->tok.kind != RP_KQL_T_DOT && p->tok.kind != RP_KQL_T_LBRACKET && !is_call) return node;
        /* each suffix wraps the node so far: a.b.c... is a chain as deep as it is long */
        if (!chain_link(p, ++links, "member accesses, indexes or calls")) return node;
        if (p->tok.kind == RP_KQL_T_DOT) {
            advance(p);
            rp_kql_node *member = new_node(p, RP_KQL_MEMBER, start);
            member->a = node;
            if (p->tok.kind == RP_KQL_T_IDENT) {
                member->name = tok_text(p, &p->tok);
                advance(p);
            } else if (p->tok.kind == RP_KQL_T_LBRACKET && peek(p).kind == RP_KQL_T_STRING) {
                member->name = try_parse_name(p)->name;
            } else if (p->tok.kind == RP_KQL_T_LBRACKET) {
                /* a.[0]: an index written after a dot (accepted by Kusto.Language) */
                uint32_t open = p->tok.start;
                advance(p);
                member->kind = RP_KQL_INDEX;
                member->b = parse_expr(p);
                expect_match(p, RP_KQL_T_RBRACKET, "']'", "'['", open);
            } else {
                error_expected(p, "name after '.'");
            }
            node = finish(p, member);
        } else if (p->tok.kind == RP_KQL_T_LBRACKET) {
            uint32_t open = p->tok.start;
            advance(p);
            rp_kql_node *index = new_node(p, RP_KQL_INDEX, start);
            index->a = node;
            index->b = parse_expr(p);
            expect_match(p, RP_KQL_T_RBRACKET, "']'", "'['", open);
            node = finish(p, index);
        } else if (is_call) {
            uint32_t open = p->tok.start;
            advance(p);
            rp_kql_node *call = new_node(p, RP_KQL_CALL, start);
            if (node->kind == RP_KQL_NAME) {
                call->name = node->name;
            } else {
                call->name = node->name;
                call->a = node->a;
            }
            parse_arg_list(p, &call->items, RP_KQL_T_RPAREN, 1);
            expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
            node = finish(p, call);
        } else {
            return node;
        }
    }
}

/* in_list -> '(' arg {',' arg} ')'   (after in, !in, in~, !in~, has_any, has_all) */
static void parse_in_list(parser *p, rp_kql_node *node)
{
    uint32_t open = p->tok.start;
    if (!expect(p, RP_KQL_T_LPAREN, "'('")) return;
    if (p->tok.kind == RP_KQL_T_RPAREN) {
        error_at(p, RP0208, p->tok.start, p->tok.end, "expression expected %s (the list is empty)", near_text(p));
        advance(p);
        return;
    }
    parse_arg_list(p, &node->items, RP_KQL_T_RPAREN, 0);
    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
}

/* and/or runs of more operands than this are built balanced (see the top of the file); shorter
 * ones left-deep, as written, which is what every reader of a small tree expects. */
#define BALANCE_RUN 64

/* The balanced tree of operands[lo, hi) joined by op; ends[i] is where the text of operand i ends
 * (after a closing parenthesis), `start` where operand 0's begins (before a unary sign): the
 * spans a left-deep build would give. Recursion depth log2(hi - lo). */
static rp_kql_node *balanced(parser *p, rp_kql_op op, rp_kql_node **operands, const uint32_t *ends, size_t lo,
                             size_t hi, uint32_t start)
{
    if (hi - lo == 1) return operands[lo];
    size_t mid = lo + (hi - lo) / 2;
    rp_kql_node *node =
        rp_kql_node_new(p->arena, RP_KQL_BINARY, lo == 0 ? start : operands[lo]->span.start, ends[hi - 1]);
    node->op = op;
    node->a = balanced(p, op, operands, ends, lo, mid, start);
    node->b = balanced(p, op, operands, ends, mid, hi, start);
    return node;
}

/* logic_run -> subexpr { op subexpr }   at an `and` or `or` (op) whose left operand is `left`:
 * the whole run of that operator, left-deep up to BALANCE_RUN operands, balanced beyond. */
static rp_kql_node *logic_run(parser *p, rp_kql_op op, rp_kql_node *left, uint32_t start)
{
    int prio = priority_of(op);
    rp_kql_list run = {0};
    uint32_t *ends = NULL;
    size_t ends_cap = 0;
    push(p, &run, left);
    ends = rp_arena_grow(p->arena, ends, sizeof *ends, &ends_cap, run.count);
    ends[0] = p->prev_end;
    while (current_binop(p) == op && !p->panic && !p->aborted) {
        advance(p);
        push(p, &run, subexpr(p, prio));
        ends = rp_arena_grow(p->arena, ends, sizeof *ends, &ends_cap, run.count);
        ends[run.count - 1] = p->prev_end;
    }
    if (run.count > BALANCE_RUN) return balanced(p, op, run.items, ends, 0, run.count, start);
    for (size_t i = 1; i < run.count; i++) {
        rp_kql_node *node = rp_kql_node_new(p->arena, RP_KQL_BINARY, start, start);
        node->op = op;
        node->a = left;
        node->b = run.items[i];
        if (ends[i] > start) node->span.end = ends[i];
        left = node;
    }
    return left;
}

/* subexpr -> (simpleexp | unop subexpr) { binop subexpr }
 * where binop is any binary operator with priority > limit. */
static rp_kql_node *subexpr(parser *p, int limit)
{
    uint32_t start = p->tok.start;
    rp_kql_node *left;
    if (!enter_level(p)) return error_node(p);
    if (p->tok.kind == RP_KQL_T_MINUS || p->tok.kind == RP_KQL_T_PLUS) {
        rp_kql_node *unary = new_node(p, RP_KQL_UNARY, start);
        unary->op = p->tok.kind == RP_KQL_T_MINUS ? RP_KQL_OP_NEG : RP_KQL_OP_POS;
        advance(p);
        unary->a = subexpr(p, PRIO_UNARY);
        left = finish(p, unary);
    } else {
        left = suffixed_expr(p);
    }
    size_t links = 0; /* operators stacked on `left` by this loop: one tree level each */
    for (;;) {
        if (p->panic || p->aborted) break;
        rp_kql_op op = current_binop(p);
        int prio = priority_of(op);
        if (prio <= limit) break;
        if (op == RP_KQL_OP_AND || op == RP_KQL_OP_OR) {
            left = logic_run(p, op, left, start);
            links++;
            continue;
        }
        if (!chain_link(p, ++links, "operators")) break;
        rp_kql_token op_tok = p->tok;
        advance(p);
        rp_kql_node *node;
        switch (op) {
        case RP_KQL_OP_IN:
        case RP_KQL_OP_NOT_IN:
        case RP_KQL_OP_IN_CI:
        case RP_KQL_OP_NOT_IN_CI:
        case RP_KQL_OP_HAS_ANY:
        case RP_KQL_OP_HAS_ALL:
            node = new_node(p, RP_KQL_IN, start);
            node->op = op;
            node->a = left;
            parse_in_list(p, node);
            break;
        case RP_KQL_OP_BETWEEN:
        case RP_KQL_OP_NOT_BETWEEN: {
            node = new_node(p, RP_KQL_BETWEEN, start);
            node->op = op;
            node->a = left;
            uint32_t open = p->tok.start;
            if (!expect(p, RP_KQL_T_LPAREN, "'('")) break;
            node->b = subexpr(p, PRIO_OR - 1);
            if (expect(p, RP_KQL_T_DOTDOT, "'..'")) node->c = subexpr(p, PRIO_OR - 1);
            expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
            break;
        }
        case RP_KQL_OP_MATCHES_REGEX:
            node = new_node(p, RP_KQL_BINARY, start);
            node->op = op;
            node->a = left;
            if (!accept_word(p, "regex")) {
                error_expected(p, "'regex' after 'matches'");
                break;
            }
            node->b = subexpr(p, prio);
            break;
        default:
            (void)op_tok;
            node = new_node(p, RP_KQL_BINARY, start);
            node->op = op;
            node->a = left;
            node->b = subexpr(p, prio);
            break;
        }
        left = finish(p, node);
    }
    leave_level(p);
    return left;
}

/* expr -> subexpr(0) */
static rp_kql_node *parse_expr(parser *p) { return subexpr(p, 0); }

/* pipe_expr -> expr { '|' operator }   (a scalar expression, or a tabular one when '|' follows) */
static rp_kql_node *parse_pipe_expr(parser *p)
{
    /* no level of its own: parse_expr's subexpr counts it */
    rp_kql_node *node = parse_expr(p);
    if (p->tok.kind == RP_KQL_T_PIPE && !p->aborted) node = parse_pipe_tail(p, node);
    return node;
}

/* named -> name '=' expr | '(' name {',' name} ')' '=' expr | expr
 * (extend, project, summarize aggregates and by, print, serialize, mv-expand items) */
static rp_kql_node *parse_named_expr(parser *p)
{
    uint32_t start = p->tok.start;
    rp_kql_token next = peek(p);
    if (p->tok.kind == RP_KQL_T_IDENT && next.kind == RP_KQL_T_ASSIGN) {
        rp_kql_node *named = new_node(p, RP_KQL_NAMED, start);
        named->name = tok_text(p, &p->tok);
        advance(p);
        advance(p);
        named->a = parse_expr(p);
        return finish(p, named);
    }
    rp_kql_node *expr = parse_expr(p);
    if ((expr->kind == RP_KQL_NAME && (expr->flags & RP_KQL_F_BRACKETED)) && p->tok.kind == RP_KQL_T_ASSIGN) {
        rp_kql_node *named = new_node(p, RP_KQL_NAMED, start);
        named->name = expr->name;
        advance(p);
        named->a = parse_expr(p);
        return finish(p, named);
    }
    if (expr->kind == RP_KQL_NAMED && !expr->name && p->tok.kind == RP_KQL_T_ASSIGN) {
        /* (a, b) = f(x) */
        advance(p);
        expr->a = parse_expr(p);
        return finish(p, expr);
    }
    return expr;
}

/* named_list -> named {',' named} */
static void parse_named_list(parser *p, rp_kql_list *out)
{
    for (;;) {
        if (p->tok.kind == RP_KQL_T_COMMA || p->tok.kind == RP_KQL_T_PIPE || p->tok.kind == RP_KQL_T_EOF ||
            p->tok.kind == RP_KQL_T_SEMI || p->tok.kind == RP_KQL_T_RPAREN) {
            error_at(p, RP0208, p->tok.start, p->tok.end, "expression expected %s", near_text(p));
            return;
        }
        push(p, out, parse_named_expr(p));
        if (p->panic || !accept(p, RP_KQL_T_COMMA)) return;
    }
}

/* }==================================================================== */

/* {====================================================================
 * Tabular operators
 * ===================================================================== */

/* The operator keyword at the current token, joining dashed names (project-away, mv-expand):
 * consumes the tokens and returns the joined word, or NULL (nothing consumed) if not a word. */
static const char *read_operator_word(parser *p)
{
    if (p->tok.kind != RP_KQL_T_IDENT) return NULL;
    rp_kql_token first = p->tok;
    size_t end = first.end;
    rp_kql_token minus = peek(p);
    if (minus.kind == RP_KQL_T_MINUS && adjacent(&first, &minus)) {
        rp_kql_token second = peek2(p);
        if (second.kind == RP_KQL_T_IDENT && adjacent(&minus, &second)) {
            char joined[64];
            snprintf(joined, sizeof joined, "%.*s-%.*s", (int)(first.end - first.start), p->text + first.start,
                     (int)(second.end - second.start), p->text + second.start);
            static const char *const dashed[] = {"project-away", "project-keep", "project-rename", "project-reorder",
                                                 "project-smart", "mv-expand", "mv-apply", "make-series", "parse-kv",
                                                 "parse-where", "top-nested", "top-hitters", "sample-distinct",
                                                 "make-graph", "graph-match", "graph-merge", "graph-to-table",
                                                 "graph-shortest-paths", "graph-mark-components", "assert-schema",
                                                 "execute-and-cache", "project-by-names", "macro-expand"};
            for (size_t i = 0; i < sizeof dashed / sizeof dashed[0]; i++)
                if (strcmp(dashed[i], joined) == 0) {
                    advance(p);
                    advance(p);
                    advance(p);
                    return rp_arena_strdup(p->arena, joined);
                }
        }
    }
    (void)end;
    char *word = tok_text(p, &first);
    advance(p);
    return word;
}

/* Is the current IDENT followed by '=' (or '.' word '=' for hint.x) an option we accept here? */
static int at_option(const parser *p, const char *const *allowed)
{
    if (p->tok.kind != RP_KQL_T_IDENT) return 0;
    const char *w = p->text + p->tok.start;
    size_t n = p->tok.end - p->tok.start;
    rp_kql_token next = peek(p);
    if (n == 4 && memcmp(w, "hint", 4) == 0 && next.kind == RP_KQL_T_DOT) return 1;
    if (next.kind != RP_KQL_T_ASSIGN) return 0;
    for (size_t i = 0; allowed && allowed[i]; i++)
        if (strlen(allowed[i]) == n && memcmp(allowed[i], w, n) == 0) return 1;
    return 0;
}

/* options -> { optname '=' value }   optname -> IDENT | 'hint' '.' IDENT {'.' IDENT} */
static void parse_options(parser *p, rp_kql_list *out, const char *const *allowed)
{
    while (!p->panic && at_option(p, allowed)) {
        rp_kql_node *opt = new_node(p, RP_KQL_OPTION, p->tok.start);
        uint32_t name_start = p->tok.start;
        advance(p);
        while (accept(p, RP_KQL_T_DOT)) {
            if (p->tok.kind != RP_KQL_T_IDENT) {
                error_expected(p, "option name");
                return;
            }
            advance(p);
        }
        opt->name = rp_arena_strndup(p->arena, p->text + name_start, p->prev_end - name_start);
        expect(p, RP_KQL_T_ASSIGN, "'='");
        if (p->tok.kind == RP_KQL_T_IDENT && tok_bool(p) < 0) {
            rp_kql_node *value = new_node(p, RP_KQL_NAME, p->tok.start);
            value->name = tok_text(p, &p->tok);
            advance(p);
            opt->a = finish(p, value);
        } else {
            opt->a = subexpr(p, PRIO_ADDITIVE);
        }
        push(p, out, finish(p, opt));
    }
}

/* sortkey -> expr ['asc' | 'desc'] ['nulls' ('first' | 'last')] */
static rp_kql_node *parse_sort_key(parser *p)
{
    rp_kql_node *key = new_node(p, RP_KQL_SORTKEY, p->tok.start);
    key->a = parse_expr(p);
    if (accept_word(p, "asc")) key->flags |= RP_KQL_F_ASC;
    else if (accept_word(p, "desc")) key->flags |= RP_KQL_F_DESC;
    else if (accept_word(p, "granny-asc") || accept_word(p, "granny-desc")) {
    }
    if (accept_word(p, "nulls")) {
        if (accept_word(p, "first")) key->flags |= RP_KQL_F_NULLS_FIRST;
        else if (accept_word(p, "last")) key->flags |= RP_KQL_F_NULLS_LAST;
        else error_expected(p, "'first' or 'last'");
    }
    return finish(p, key);
}

static void parse_sort_keys(parser *p, rp_kql_list *out)
{
    do {
        push(p, out, parse_sort_key(p));
    } while (!p->panic && accept(p, RP_KQL_T_COMMA));
}

/* subquery -> '(' [source] { ['|'] operator } ')'   (mv-apply on, partition, fork, facet with):
 * the sub-pipeline may start directly with an operator, applied to the outer rows. */
static rp_kql_node *parse_subquery(parser *p, rp_kql_tok open_kind)
{
    rp_kql_tok close_kind = open_kind == RP_KQL_T_LBRACE ? RP_KQL_T_RBRACE : RP_KQL_T_RPAREN;
    uint32_t open = p->tok.start;
    if (!expect(p, open_kind, open_kind == RP_KQL_T_LBRACE ? "'{'" : "'('")) return error_node(p);
    rp_kql_node *pipe;
    static const char *const op_words[] = {"where", "filter", "summarize", "extend", "project", "project-away",
                                           "project-keep", "project-rename", "project-reorder", "distinct", "take",
                                           "limit", "top", "sort", "order", "count", "join", "lookup", "parse",
                                           "parse-where", "parse-kv", "mv-expand", "mv-apply", "make-series",
                                           "evaluate", "as", "invoke", "sample", "sample-distinct", "serialize",
                                           "top-nested", "top-hitters", "getschema", "facet", "render", "reduce",
                                           "union", "scan", NULL};
    int starts_with_operator = p->tok.kind == RP_KQL_T_PIPE;
    if (p->tok.kind == RP_KQL_T_IDENT) {
        /* a known operator word starts a sub-pipeline (unless it is clearly a table: `T | ...`) */
        rp_kql_token saved = p->tok;
        uint32_t saved_end = p->prev_end;
        const char *word = read_operator_word(p);
        for (size_t i = 0; word && op_words[i]; i++)
            if (strcmp(word, op_words[i]) == 0) starts_with_operator = 1;
        if (starts_with_operator && word && strchr(word, '-') == NULL && p->tok.kind == RP_KQL_T_PIPE) starts_with_operator = 0;
        p->tok = saved;
        p->prev_end = saved_end;
    }
    if (starts_with_operator) {
        /* starts with an operator: a pipe without source (items[0] NULL) */
        accept(p, RP_KQL_T_PIPE);
        pipe = parse_pipe_tail(p, NULL);
    } else {
        pipe = parse_pipe_expr(p);
    }
    expect_match(p, close_kind, close_kind == RP_KQL_T_RBRACE ? "'}'" : "')'",
                 open_kind == RP_KQL_T_LBRACE ? "'{'" : "'('", open);
    return finish(p, pipe);
}

/* Skips an operator's arguments up to the next '|' / ';' at this level (best-effort operators). */
static void skip_operator_body(parser *p)
{
    int saved = p->panic;
    p->panic = 1;
    skip_to_sync(p);
    p->panic = saved;
}

static const char *const opts_join[] = {"kind", "withsource", NULL};
static const char *const opts_union[] = {"kind", "withsource", "isfuzzy", NULL};
static const char *const opts_mv[] = {"kind", "bagexpansion", "with_itemindex", NULL};
static const char *const opts_parse[] = {"kind", "flags", NULL};
static const char *const opts_kind[] = {"kind", NULL};
static const char *const opts_none[] = {NULL};

/* One tabular operator after '|'. Returns its node (never NULL). */
static rp_kql_node *parse_operator(parser *p)
{
    uint32_t start = p->tok.start;
    rp_kql_token word_tok = p->tok;
    const char *word = read_operator_word(p);
    rp_kql_node *node;
    if (!word) {
        error_expected(p, "query operator");
        return error_node(p);
    }
#define IS(w) (strcmp(word, (w)) == 0)
    if (IS("where") || IS("filter")) {
        /* where -> 'where' expr */
        node = new_node(p, RP_KQL_Q_WHERE, start);
        node->a = parse_expr(p);
    } else if (IS("summarize")) {
        /* summarize -> 'summarize' options [named_list] ['by' named_list] */
        node = new_node(p, RP_KQL_Q_SUMMARIZE, start);
        parse_options(p, &node->options, opts_none);
        if (!is_word(p, "by")) parse_named_list(p, &node->items);
        if (accept_word(p, "by")) parse_named_list(p, &node->aux);
    } else if (IS("extend") || IS("project") || IS("print") || IS("serialize")) {
        /* extend -> 'extend' named_list ; project, print, serialize alike */
        node = new_node(p, IS("extend") ? RP_KQL_Q_EXTEND : IS("print") ? RP_KQL_Q_PRINT
                                        : IS("serialize") ? RP_KQL_Q_SERIALIZE : RP_KQL_Q_PROJECT, start);
        if (!IS("serialize") || (p->tok.kind != RP_KQL_T_PIPE && p->tok.kind != RP_KQL_T_EOF &&
                                 p->tok.kind != RP_KQL_T_SEMI && p->tok.kind != RP_KQL_T_RPAREN))
            parse_named_list(p, &node->items);
    } else if (IS("project-away") || IS("project-keep")) {
        /* project-away -> 'project-away' name_pattern {',' name_pattern} */
        node = new_node(p, IS("project-away") ? RP_KQL_Q_PROJECT_AWAY : RP_KQL_Q_PROJECT_KEEP, start);
        do {
            push(p, &node->items, parse_name_pattern(p, "column name"));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    } else if (IS("project-rename")) {
        /* project-rename -> 'project-rename' name '=' name {',' ...} */
        node = new_node(p, RP_KQL_Q_PROJECT_RENAME, start);
        do {
            rp_kql_node *named = new_node(p, RP_KQL_NAMED, p->tok.start);
            rp_kql_node *target = parse_name(p, "new column name");
            named->name = target->name;
            if (expect(p, RP_KQL_T_ASSIGN, "'='")) named->a = parse_name(p, "column name");
            push(p, &node->items, finish(p, named));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    } else if (IS("project-reorder")) {
        /* project-reorder -> 'project-reorder' name_pattern [asc|desc|granny-asc|granny-desc] {',' ...} */
        node = new_node(p, RP_KQL_Q_PROJECT_REORDER, start);
        do {
            rp_kql_node *key = new_node(p, RP_KQL_SORTKEY, p->tok.start);
            key->a = parse_name_pattern(p, "column name");
            if (accept_word(p, "asc")) key->flags |= RP_KQL_F_ASC;
            else if (accept_word(p, "desc")) key->flags |= RP_KQL_F_DESC;
            else if (is_word(p, "granny") && peek(p).kind == RP_KQL_T_MINUS) {
                advance(p);
                advance(p);
                if (is_word(p, "asc")) key->flags |= RP_KQL_F_ASC;
                else key->flags |= RP_KQL_F_DESC;
                advance(p);
            }
            push(p, &node->items, finish(p, key));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    } else if (IS("distinct")) {
        /* distinct -> 'distinct' ('*' | named_list) */
        node = new_node(p, RP_KQL_Q_DISTINCT, start);
        parse_options(p, &node->options, opts_none);
        if (p->tok.kind == RP_KQL_T_STAR) {
            push(p, &node->items, new_node(p, RP_KQL_STAR, p->tok.start));
            advance(p);
        } else {
            parse_named_list(p, &node->items);
        }
    } else if (IS("take") || IS("limit")) {
        /* take -> ('take' | 'limit') expr */
        node = new_node(p, RP_KQL_Q_TAKE, start);
        node->name = word;
        parse_options(p, &node->options, opts_none);
        node->a = parse_expr(p);
    } else if (IS("top")) {
        /* top -> 'top' expr 'by' sortkey {',' sortkey} */
        node = new_node(p, RP_KQL_Q_TOP, start);
        parse_options(p, &node->options, opts_none);
        node->a = parse_expr(p);
        if (!p->panic && !accept_word(p, "by")) error_expected(p, "'by'");
        else if (!p->panic) parse_sort_keys(p, &node->items);
    } else if (IS("sort") || IS("order")) {
        /* sort -> ('sort' | 'order') 'by' sortkey {',' sortkey} */
        node = new_node(p, RP_KQL_Q_SORT, start);
        node->name = word;
        parse_options(p, &node->options, opts_none);
        if (!accept_word(p, "by")) error_expected(p, "'by'");
        else parse_sort_keys(p, &node->items);
    } else if (IS("count")) {
        node = new_node(p, RP_KQL_Q_COUNT, start);
    } else if (IS("join") || IS("lookup")) {
        /* join -> 'join' options (name | '(' pipe_expr ')') ['on' expr {',' expr} | 'where' expr] */
        node = new_node(p, IS("join") ? RP_KQL_Q_JOIN : RP_KQL_Q_LOOKUP, start);
        parse_options(p, &node->options, opts_join);
        node->a = suffixed_expr(p);
        if (accept_word(p, "on")) {
            do {
                push(p, &node->items, parse_expr(p));
            } while (!p->panic && accept(p, RP_KQL_T_COMMA));
        } else if (accept_word(p, "where")) {
            push(p, &node->items, parse_expr(p));
        }
    } else if (IS("union")) {
        node = new_node(p, RP_KQL_Q_UNION, start);
        /* union -> 'union' options table {',' table} ; table -> name_pattern | '(' pipe_expr ')' | call */
        parse_options(p, &node->options, opts_union);
        do {
            if (p->tok.kind == RP_KQL_T_IDENT || p->tok.kind == RP_KQL_T_STAR) {
                rp_kql_token next = peek(p);
                if (p->tok.kind == RP_KQL_T_IDENT && (next.kind == RP_KQL_T_LPAREN || next.kind == RP_KQL_T_DOT))
                    push(p, &node->items, suffixed_expr(p));
                else
                    push(p, &node->items, parse_name_pattern(p, "table"));
            } else {
                push(p, &node->items, suffixed_expr(p));
            }
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    } else if (IS("parse") || IS("parse-where")) {
        /* parse -> 'parse' options expr 'with' { STRING | '*' | name [':' type] } */
        node = new_node(p, IS("parse") ? RP_KQL_Q_PARSE : RP_KQL_Q_PARSE_WHERE, start);
        parse_options(p, &node->options, opts_parse);
        node->a = subexpr(p, PRIO_OR - 1);
        if (!p->panic && !accept_word(p, "with")) {
            error_expected(p, "'with'");
        } else {
            for (;;) {
                if (p->panic) break;
                if (p->tok.kind == RP_KQL_T_STRING) {
                    push(p, &node->items, parse_string(p));
                } else if (p->tok.kind == RP_KQL_T_STAR) {
                    push(p, &node->items, new_node(p, RP_KQL_STAR, p->tok.start));
                    advance(p);
                } else if (p->tok.kind == RP_KQL_T_IDENT || p->tok.kind == RP_KQL_T_LBRACKET) {
                    rp_kql_node *col = new_node(p, RP_KQL_COLDECL, p->tok.start);
                    col->name = parse_name(p, "column name")->name;
                    if (accept(p, RP_KQL_T_COLON)) {
                        col->text = parse_type_name(p);
                        if (col->text) col->text_len = strlen(col->text);
                    }
                    push(p, &node->items, finish(p, col));
                } else {
                    break;
                }
            }
        }
    } else if (IS("parse-kv")) {
        /* parse-kv -> 'parse-kv' expr 'as' '(' schema ')' ['with' '(' options ')'] */
        node = new_node(p, RP_KQL_Q_PARSE_KV, start);
        node->a = subexpr(p, PRIO_OR - 1);
        if (!accept_word(p, "as")) {
            error_expected(p, "'as'");
        } else {
            uint32_t open = p->tok.start;
            if (expect(p, RP_KQL_T_LPAREN, "'('")) {
                parse_schema_list(p, &node->items, RP_KQL_T_RPAREN);
                expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
            }
            if (accept_word(p, "with")) {
                open = p->tok.start;
                if (expect(p, RP_KQL_T_LPAREN, "'('")) {
                    parse_arg_list(p, &node->options, RP_KQL_T_RPAREN, 1);
                    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
                }
            }
        }
    } else if (IS("mv-expand") || IS("mvexpand") || IS("mv-apply") || IS("mvapply")) {
        /* mv-expand -> 'mv-expand' options item {',' item} ['limit' expr]
         * item -> named ['to' 'typeof' '(' type ')'] ;  mv-apply adds 'on' subquery */
        int apply = IS("mv-apply") || IS("mvapply");
        node = new_node(p, apply ? RP_KQL_Q_MV_APPLY : RP_KQL_Q_MV_EXPAND, start);
        parse_options(p, &node->options, opts_mv);
        do {
            push(p, &node->items, parse_named_expr(p));
            if (!p->panic && is_word(p, "to")) {
                rp_kql_token next = peek(p);
                if (tok_is(p, &next, "typeof")) {
                    advance(p);
                    push(p, &node->aux, parse_typeof(p));
                    continue;
                }
            }
            push(p, &node->aux, NULL);
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
        if (!p->panic && accept_word(p, "limit")) node->b = parse_expr(p);
        if (apply && !p->panic) {
            if (!accept_word(p, "on")) error_expected(p, "'on'");
            else node->a = parse_subquery(p, RP_KQL_T_LPAREN);
        }
    } else if (IS("make-series")) {
        /* make-series -> 'make-series' options named ['default' '=' expr] {',' ...} 'on' expr
         *                ('from' expr] ['to' expr] 'step' expr | 'in' 'range' '(' a ',' b ',' step ')')
         *                ['by' named_list] */
        node = new_node(p, RP_KQL_Q_MAKE_SERIES, start);
        parse_options(p, &node->options, opts_kind);
        do {
            rp_kql_node *item = parse_named_expr(p);
            if (is_word(p, "default") && peek(p).kind == RP_KQL_T_ASSIGN) {
                rp_kql_node *opt = new_node(p, RP_KQL_OPTION, p->tok.start);
                opt->name = "default";
                advance(p);
                advance(p);
                opt->a = parse_expr(p);
                push(p, &item->options, finish(p, opt));
            }
            push(p, &node->items, item);
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
        if (!p->panic && !accept_word(p, "on")) error_expected(p, "'on'");
        /* the axis stops before `in range(...)`: `in` is not the in-operator here */
        if (!p->panic) node->a = subexpr(p, PRIO_EQUALITY);
        if (!p->panic && accept_word(p, "in")) {
            if (!accept_word(p, "range")) error_expected(p, "'range'");
            uint32_t open = p->tok.start;
            if (!p->panic && expect(p, RP_KQL_T_LPAREN, "'('")) {
                node->b = parse_expr(p);
                expect(p, RP_KQL_T_COMMA, "','");
                node->c = parse_expr(p);
                expect(p, RP_KQL_T_COMMA, "','");
                rp_kql_node *step = new_node(p, RP_KQL_OPTION, p->tok.start);
                step->name = "step";
                step->a = parse_expr(p);
                push(p, &node->options, finish(p, step));
                expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
            }
        } else if (!p->panic) {
            if (accept_word(p, "from")) node->b = parse_expr(p);
            if (accept_word(p, "to")) node->c = parse_expr(p);
            if (!accept_word(p, "step")) {
                error_expected(p, "'step'");
            } else {
                rp_kql_node *step = new_node(p, RP_KQL_OPTION, p->tok.start);
                step->name = "step";
                step->a = parse_expr(p);
                push(p, &node->options, finish(p, step));
            }
        }
        if (!p->panic && accept_word(p, "by")) parse_named_list(p, &node->aux);
    } else if (IS("evaluate")) {
        /* evaluate -> 'evaluate' options call */
        node = new_node(p, RP_KQL_Q_EVALUATE, start);
        parse_options(p, &node->options, opts_none);
        node->a = suffixed_expr(p);
    } else if (IS("as")) {
        /* as -> 'as' options name */
        node = new_node(p, RP_KQL_Q_AS, start);
        parse_options(p, &node->options, opts_none);
        node->name = parse_name(p, "name")->name;
    } else if (IS("invoke")) {
        node = new_node(p, RP_KQL_Q_INVOKE, start);
        node->a = suffixed_expr(p);
    } else if (IS("render")) {
        /* render -> 'render' IDENT ['with' '(' name '=' expr {',' ...} ')'] */
        node = new_node(p, RP_KQL_Q_RENDER, start);
        node->name = parse_name(p, "visualization")->name;
        if (accept_word(p, "with")) {
            uint32_t open = p->tok.start;
            if (expect(p, RP_KQL_T_LPAREN, "'('")) {
                parse_arg_list(p, &node->options, RP_KQL_T_RPAREN, 1);
                expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
            }
        }
    } else if (IS("sample")) {
        node = new_node(p, RP_KQL_Q_SAMPLE, start);
        node->a = parse_expr(p);
    } else if (IS("sample-distinct")) {
        /* sample-distinct -> 'sample-distinct' expr 'of' expr */
        node = new_node(p, RP_KQL_Q_SAMPLE_DISTINCT, start);
        node->a = parse_expr(p);
        if (!p->panic && !accept_word(p, "of")) error_expected(p, "'of'");
        if (!p->panic) node->b = parse_expr(p);
    } else if (IS("top-nested")) {
        /* top-nested -> clause {',' clause} ;
         * clause -> 'top-nested' [expr] 'of' named ['with' 'others' '=' expr] 'by' named [asc|desc] */
        node = new_node(p, RP_KQL_Q_TOP_NESTED, start);
        for (;;) {
            rp_kql_node *clause = new_node(p, RP_KQL_TOP_NESTED_CLAUSE, p->tok.start);
            if (!is_word(p, "of")) clause->a = parse_expr(p);
            if (!p->panic && !accept_word(p, "of")) error_expected(p, "'of'");
            if (!p->panic) clause->b = parse_named_expr(p);
            if (!p->panic && accept_word(p, "with")) {
                if (!accept_word(p, "others")) error_expected(p, "'others'");
                expect(p, RP_KQL_T_ASSIGN, "'='");
                rp_kql_node *opt = new_node(p, RP_KQL_OPTION, p->tok.start);
                opt->name = "others";
                opt->a = parse_expr(p);
                push(p, &clause->options, finish(p, opt));
            }
            if (!p->panic && !accept_word(p, "by")) error_expected(p, "'by'");
            if (!p->panic) clause->c = parse_named_expr(p);
            if (accept_word(p, "asc")) clause->flags |= RP_KQL_F_ASC;
            else if (accept_word(p, "desc")) clause->flags |= RP_KQL_F_DESC;
            push(p, &node->items, finish(p, clause));
            if (p->panic || !accept(p, RP_KQL_T_COMMA)) break;
            if (!(is_word(p, "top") && peek(p).kind == RP_KQL_T_MINUS)) {
                error_expected(p, "'top-nested'");
                break;
            }
            read_operator_word(p);
        }
    } else if (IS("top-hitters")) {
        /* top-hitters -> 'top-hitters' expr 'of' expr ['by' expr] */
        node = new_node(p, RP_KQL_Q_TOP_HITTERS, start);
        node->a = parse_expr(p);
        if (!p->panic && !accept_word(p, "of")) error_expected(p, "'of'");
        if (!p->panic) node->b = parse_expr(p);
        if (!p->panic && accept_word(p, "by")) node->c = parse_expr(p);
    } else if (IS("getschema")) {
        node = new_node(p, RP_KQL_Q_GETSCHEMA, start);
    } else if (IS("facet")) {
        /* facet -> 'facet' 'by' name {',' name} ['with' subquery] */
        node = new_node(p, RP_KQL_Q_FACET, start);
        if (!accept_word(p, "by")) error_expected(p, "'by'");
        else {
            do {
                push(p, &node->items, parse_name(p, "column name"));
            } while (!p->panic && accept(p, RP_KQL_T_COMMA));
            if (!p->panic && accept_word(p, "with")) node->a = parse_subquery(p, RP_KQL_T_LPAREN);
        }
    } else if (IS("fork")) {
        /* fork -> 'fork' { [name '='] subquery } */
        node = new_node(p, RP_KQL_Q_FORK, start);
        while (!p->panic && (p->tok.kind == RP_KQL_T_LPAREN || p->tok.kind == RP_KQL_T_IDENT)) {
            if (p->tok.kind == RP_KQL_T_IDENT) {
                rp_kql_node *named = new_node(p, RP_KQL_NAMED, p->tok.start);
                named->name = tok_text(p, &p->tok);
                advance(p);
                expect(p, RP_KQL_T_ASSIGN, "'='");
                named->a = parse_subquery(p, RP_KQL_T_LPAREN);
                push(p, &node->items, finish(p, named));
            } else {
                push(p, &node->items, parse_subquery(p, RP_KQL_T_LPAREN));
            }
        }
    } else if (IS("partition")) {
        /* partition -> 'partition' options 'by' name ( subquery | '{' subquery '}' ) */
        node = new_node(p, RP_KQL_Q_PARTITION, start);
        parse_options(p, &node->options, opts_none);
        if (!accept_word(p, "by")) error_expected(p, "'by'");
        else {
            node->name = parse_name(p, "column name")->name;
            parse_options(p, &node->options, opts_none);
            if (!p->panic) node->a = parse_subquery(p, p->tok.kind == RP_KQL_T_LBRACE ? RP_KQL_T_LBRACE : RP_KQL_T_LPAREN);
        }
    } else if (IS("scan")) {
        /* scan: best effort, the body is skipped (its grammar is large and unused in rules) */
        node = new_node(p, RP_KQL_Q_SCAN, start);
        skip_operator_body(p);
    } else if (IS("reduce")) {
        /* reduce -> 'reduce' options 'by' expr ['with' options] */
        node = new_node(p, RP_KQL_Q_REDUCE, start);
        parse_options(p, &node->options, opts_kind);
        if (!accept_word(p, "by")) error_expected(p, "'by'");
        else node->a = parse_expr(p);
        if (!p->panic && accept_word(p, "with")) parse_named_list(p, &node->items);
    } else if (IS("consume")) {
        node = new_node(p, RP_KQL_Q_CONSUME, start);
        parse_options(p, &node->options, opts_kind);
    } else if (IS("search") || IS("find") || IS("range") || IS("externaldata")) {
        /* operators that also start a pipeline: parse them as a source */
        p->tok = word_tok;
        p->tok.end = word_tok.end;
        node = parse_source_operator(p);
        return node;
    } else if (IS("distinct") || IS("project-by-names") || IS("assert-schema") || IS("execute-and-cache") ||
               IS("make-graph") || IS("graph-match") || IS("graph-merge") || IS("graph-to-table") ||
               IS("graph-shortest-paths") || IS("graph-mark-components") || IS("macro-expand") || IS("extend") ||
               IS("project-smart")) {
        node = new_node(p, RP_KQL_Q_OTHER, start);
        node->name = word;
        skip_operator_body(p);
    } else {
        error_at(p, RP0209, word_tok.start, word_tok.end, "'%s' is not a query operator (a missing 'where'?)", word);
        node = error_node(p);
    }
#undef IS
    return finish(p, node);
}

/* pipe_tail -> { '|' operator }   source may be NULL (a sub-pipeline starting with an operator:
 * then the first operator has no '|'). */
static rp_kql_node *parse_pipe_tail(parser *p, rp_kql_node *source)
{
    /* `(T | where x) | count` stays nested: pipe(pipe(T, where), count) */
    uint32_t start = source ? source->span.start : p->tok.start;
    rp_kql_node *pipe = new_node(p, RP_KQL_PIPE, start);
    push(p, &pipe->items, source);
    int first = source == NULL;
    while (first || p->tok.kind == RP_KQL_T_PIPE) {
        if (!first) advance(p);
        first = 0;
        if (!enter_level(p)) break;
        rp_kql_node *op = parse_operator(p);
        leave_level(p);
        push(p, &pipe->items, op);
        if (p->aborted) break;
        if (p->panic || (p->tok.kind != RP_KQL_T_PIPE && p->tok.kind != RP_KQL_T_SEMI &&
                         p->tok.kind != RP_KQL_T_EOF && p->tok.kind != RP_KQL_T_RPAREN &&
                         p->tok.kind != RP_KQL_T_RBRACE)) {
            if (!p->panic && p->tok.kind == RP_KQL_T_ERROR) {
                lex_error(p, &p->tok);
                p->panic = 1;
                advance(p);
            } else if (!p->panic) {
                error_at(p, RP0200, p->tok.start, p->tok.end, "'|' or end of query expected %s", near_text(p));
            }
            skip_to_sync(p);
        }
    }
    return finish(p, pipe);
}

static int is_source_operator(const parser *p)
{
    if (p->tok.kind != RP_KQL_T_IDENT) return 0;
    rp_kql_token next = peek(p);
    if (is_word(p, "union"))
        return next.kind == RP_KQL_T_IDENT || next.kind == RP_KQL_T_LPAREN || next.kind == RP_KQL_T_STAR;
    if (is_word(p, "print")) return next.kind != RP_KQL_T_PIPE && next.kind != RP_KQL_T_COMMA && next.kind != RP_KQL_T_RPAREN && next.kind != RP_KQL_T_DOT;
    if (is_word(p, "range")) return next.kind == RP_KQL_T_IDENT;
    if (is_word(p, "externaldata")) return next.kind == RP_KQL_T_LPAREN;
    if (is_word(p, "search"))
        return next.kind == RP_KQL_T_STRING || next.kind == RP_KQL_T_STAR || next.kind == RP_KQL_T_IDENT ||
               next.kind == RP_KQL_T_LPAREN;
    if (is_word(p, "find")) return next.kind == RP_KQL_T_IDENT || next.kind == RP_KQL_T_LPAREN;
    if (is_word(p, "evaluate")) return next.kind == RP_KQL_T_IDENT;
    return 0;
}

/* The operators that can start a pipeline: union, print, range, externaldata, search, find,
 * evaluate. (datatable is a primary expression.) */
static rp_kql_node *parse_source_operator(parser *p)
{
    uint32_t start = p->tok.start;
    rp_kql_node *node;
    if (is_word(p, "union") || is_word(p, "print") || is_word(p, "evaluate")) {
        return parse_operator(p);
    }
    if (accept_word(p, "range")) {
        /* range -> 'range' name 'from' expr 'to' expr 'step' expr */
        node = new_node(p, RP_KQL_Q_RANGE, start);
        node->name = parse_name(p, "column name")->name;
        if (!p->panic && !accept_word(p, "from")) error_expected(p, "'from'");
        if (!p->panic) node->a = parse_expr(p);
        if (!p->panic && !accept_word(p, "to")) error_expected(p, "'to'");
        if (!p->panic) node->b = parse_expr(p);
        if (!p->panic && !accept_word(p, "step")) error_expected(p, "'step'");
        if (!p->panic) node->c = parse_expr(p);
        return finish(p, node);
    }
    if (accept_word(p, "externaldata")) {
        /* externaldata -> 'externaldata' options '(' schema ')' '[' STRING {',' STRING} ']'
         *                 ['with' '(' options ')'] */
        node = new_node(p, RP_KQL_EXTERNALDATA, start);
        parse_options(p, &node->options, opts_kind);
        uint32_t open = p->tok.start;
        if (expect(p, RP_KQL_T_LPAREN, "'('")) {
            parse_schema_list(p, &node->items, RP_KQL_T_RPAREN);
            expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
        }
        open = p->tok.start;
        if (!p->panic && expect(p, RP_KQL_T_LBRACKET, "'['")) {
            parse_arg_list(p, &node->aux, RP_KQL_T_RBRACKET, 0);
            expect_match(p, RP_KQL_T_RBRACKET, "']'", "'['", open);
        }
        if (!p->panic && accept_word(p, "with")) {
            open = p->tok.start;
            if (expect(p, RP_KQL_T_LPAREN, "'('")) {
                parse_arg_list(p, &node->options, RP_KQL_T_RPAREN, 1);
                expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
            }
        }
        return finish(p, node);
    }
    int find = is_word(p, "find");
    advance(p);
    /* search -> 'search' options ['in' '(' tables ')'] expr
     * find -> 'find' options ['in' '(' tables ')'] 'where' expr ['project' names | 'project-smart'] */
    node = new_node(p, find ? RP_KQL_Q_FIND : RP_KQL_Q_SEARCH, start);
    parse_options(p, &node->options, opts_kind);
    if (is_word(p, "in") && peek(p).kind == RP_KQL_T_LPAREN) {
        advance(p);
        uint32_t open = p->tok.start;
        advance(p);
        do {
            push(p, &node->aux, parse_name_pattern(p, "table"));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
        expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
    }
    if (find && !p->panic && !accept_word(p, "where")) error_expected(p, "'where'");
    if (!p->panic) {
        /* search Column:"term" */
        node->a = parse_expr(p);
        if (!find && !p->panic && p->tok.kind == RP_KQL_T_COLON) {
            rp_kql_node *colon = new_node(p, RP_KQL_BINARY, node->a->span.start);
            colon->op = RP_KQL_OP_COLON;
            colon->a = node->a;
            advance(p);
            colon->b = parse_expr(p);
            node->a = finish(p, colon);
        }
    }
    if (find && !p->panic) {
        rp_kql_token save = p->tok;
        const char *w = p->tok.kind == RP_KQL_T_IDENT ? read_operator_word(p) : NULL;
        if (w && strcmp(w, "project") == 0) {
            parse_named_list(p, &node->items);
        } else if (w && strcmp(w, "project-smart") == 0) {
        } else if (w) {
            p->tok = save; /* not ours: give it back */
        }
    }
    return finish(p, node);
}

/* }==================================================================== */

/* {====================================================================
 * Statements
 * ===================================================================== */

static rp_kql_node *parse_statement(parser *p);

/* body -> '{' { statement ';' } [pipe_expr] '}' */
static void parse_func_body(parser *p, rp_kql_node *func)
{
    uint32_t open = p->tok.start;
    rp_kql_node *block = new_node(p, RP_KQL_BLOCK, open);
    func->a = block;
    if (!expect(p, RP_KQL_T_LBRACE, "'{'")) return;
    while (p->tok.kind != RP_KQL_T_RBRACE && p->tok.kind != RP_KQL_T_EOF && !p->aborted) {
        if (accept(p, RP_KQL_T_SEMI)) continue;
        uint32_t before = p->tok.start;
        rp_kql_node *stmt = parse_statement(p);
        push(p, &block->items, stmt);
        if (p->panic) skip_to_sync(p);
        if (p->tok.kind == RP_KQL_T_SEMI) advance(p);
        else if (p->tok.kind != RP_KQL_T_RBRACE && !p->panic) {
            if (stmt->kind == RP_KQL_LET || stmt->kind == RP_KQL_SET) {
                error_at(p, RP0211, p->tok.start, p->tok.end, "';' expected after the let statement %s", near_text(p));
                skip_to_sync(p);
            } else {
                error_at(p, RP0200, p->tok.start, p->tok.end, "'}' expected %s", near_text(p));
                skip_to_sync(p);
                if (p->tok.kind == RP_KQL_T_SEMI || p->tok.kind == RP_KQL_T_PIPE) advance(p);
            }
        }
        /* always make progress: skip_to_sync stops at a stray closer (`{1]}`), which no
         * statement consumes (tests/regress/kql-func-body-stray-closer) */
        if (p->tok.start == before && p->tok.kind != RP_KQL_T_EOF && p->tok.kind != RP_KQL_T_RBRACE) {
            advance(p);
            p->panic = 1; /* reported once: quiet until the next sync point */
        }
    }
    expect_match(p, RP_KQL_T_RBRACE, "'}'", "'{'", open);
    finish(p, block);
}

/* let -> 'let' name '=' (func | 'view' func | pipe_expr) */
static rp_kql_node *parse_let(parser *p)
{
    rp_kql_node *let = new_node(p, RP_KQL_LET, p->tok.start);
    advance(p);
    rp_kql_node *name = parse_name(p, "name");
    let->name = name->name;
    if (!p->panic && !expect(p, RP_KQL_T_ASSIGN, "'='")) return finish(p, let);
    if (p->panic) return finish(p, let);
    if (is_word(p, "view") && peek(p).kind == RP_KQL_T_LPAREN) {
        advance(p);
        let->flags |= RP_KQL_F_VIEW;
        if (p->tok.kind == RP_KQL_T_LPAREN) {
            let->a = parse_function(p);
            return finish(p, let);
        }
    }
    if (at_function_literal(p)) let->a = parse_function(p);
    else let->a = parse_pipe_expr(p);
    return finish(p, let);
}

/* set -> 'set' name ['=' value] */
static rp_kql_node *parse_set(parser *p)
{
    rp_kql_node *set = new_node(p, RP_KQL_SET, p->tok.start);
    advance(p);
    uint32_t name_start = p->tok.start;
    if (p->tok.kind != RP_KQL_T_IDENT) {
        error_expected(p, "option name");
        return finish(p, set);
    }
    advance(p);
    while (p->tok.kind == RP_KQL_T_DOT || p->tok.kind == RP_KQL_T_MINUS) {
        advance(p);
        if (p->tok.kind == RP_KQL_T_IDENT) advance(p);
    }
    set->name = rp_arena_strndup(p->arena, p->text + name_start, p->prev_end - name_start);
    if (accept(p, RP_KQL_T_ASSIGN)) {
        if (p->tok.kind == RP_KQL_T_IDENT) {
            rp_kql_node *value = new_node(p, RP_KQL_NAME, p->tok.start);
            value->name = tok_text(p, &p->tok);
            advance(p);
            set->a = finish(p, value);
        } else {
            set->a = parse_expr(p);
        }
    }
    return finish(p, set);
}

/* declare -> 'declare' 'query_parameters' '(' param {',' param} ')' */
static rp_kql_node *parse_declare(parser *p)
{
    rp_kql_node *decl = new_node(p, RP_KQL_DECLARE, p->tok.start);
    advance(p);
    if (!accept_word(p, "query_parameters")) {
        error_expected(p, "'query_parameters'");
        return finish(p, decl);
    }
    uint32_t open = p->tok.start;
    if (!expect(p, RP_KQL_T_LPAREN, "'('")) return finish(p, decl);
    if (p->tok.kind != RP_KQL_T_RPAREN) {
        do {
            rp_kql_node *param = new_node(p, RP_KQL_COLDECL, p->tok.start);
            param->name = parse_name(p, "parameter name")->name;
            if (expect(p, RP_KQL_T_COLON, "':'")) param->text = parse_type_name(p);
            if (param->text) param->text_len = strlen(param->text);
            if (accept(p, RP_KQL_T_ASSIGN)) param->a = parse_expr(p);
            push(p, &decl->items, finish(p, param));
        } while (!p->panic && accept(p, RP_KQL_T_COMMA));
    }
    expect_match(p, RP_KQL_T_RPAREN, "')'", "'('", open);
    return finish(p, decl);
}

/* statement -> let | set | declare | pipe_expr */
static rp_kql_node *parse_statement(parser *p)
{
    if (is_word(p, "let") && (peek(p).kind == RP_KQL_T_IDENT || peek(p).kind == RP_KQL_T_LBRACKET)) return parse_let(p);
    if (is_word(p, "set") && peek(p).kind == RP_KQL_T_IDENT) return parse_set(p);
    if (is_word(p, "declare") && peek(p).kind == RP_KQL_T_IDENT)
        return parse_declare(p);
    rp_kql_node *stmt = new_node(p, RP_KQL_QUERY, p->tok.start);
    stmt->a = parse_pipe_expr(p);
    return finish(p, stmt);
}

/* One pending node of bound_height's walk: where its pointer lives, its depth, and the slot of
 * the statement's child it hangs below. */
typedef struct height_item {
    rp_kql_node **slot;
    rp_kql_node **top;
    size_t depth;
} height_item;

static void height_push(height_item **stack, size_t *count, size_t *cap, rp_kql_node **slot, rp_kql_node **top,
                        size_t depth)
{
    if (!*slot) return;
    if (*count == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *stack = rp_xrealloc(*stack, *cap * sizeof **stack);
    }
    (*stack)[(*count)++] = (height_item){slot, top ? top : slot, depth};
}

/* Bounds the height of a statement's tree (RP_MAX_KQL_HEIGHT) without recursing: a child of the
 * statement that holds a deeper node is reported (RP0205, at that node) and replaced by an error
 * node, so no recursive walker ever descends it. */
static void bound_height(parser *p, rp_kql_node *stmt)
{
    height_item *stack = NULL;
    size_t count = 0, cap = 0;
    rp_kql_node *root = stmt;
    height_push(&stack, &count, &cap, &root, NULL, 0);
    while (count) {
        height_item it = stack[--count];
        rp_kql_node *n = *it.slot;
        if (it.depth > RP_MAX_KQL_HEIGHT) {
            p->panic = 0;
            error_at(p, RP0205, n->span.start, n->span.end,
                     "the syntax tree of this statement is more than %d levels deep here (operator chains nested "
                     "in one another add up): split the expression (e.g. with let)",
                     RP_MAX_KQL_HEIGHT);
            rp_kql_node *cut = *it.top;
            *it.top = rp_kql_node_new(p->arena, RP_KQL_ERROR, cut->span.start, cut->span.end);
            /* the rest of the stack may point into the cut subtree: walk the statement again */
            count = 0;
            height_push(&stack, &count, &cap, &root, NULL, 0);
            continue;
        }
        rp_kql_node **top = it.depth == 0 ? NULL : it.top;
        height_push(&stack, &count, &cap, &n->a, top, it.depth + 1);
        height_push(&stack, &count, &cap, &n->b, top, it.depth + 1);
        height_push(&stack, &count, &cap, &n->c, top, it.depth + 1);
        for (size_t i = 0; i < n->items.count; i++) height_push(&stack, &count, &cap, &n->items.items[i], top, it.depth + 1);
        for (size_t i = 0; i < n->aux.count; i++) height_push(&stack, &count, &cap, &n->aux.items[i], top, it.depth + 1);
        for (size_t i = 0; i < n->options.count; i++)
            height_push(&stack, &count, &cap, &n->options.items[i], top, it.depth + 1);
    }
    free(stack);
}

/* query -> [statement {';' statement} [';']] */
static void parse_query(parser *p)
{
    while (p->tok.kind != RP_KQL_T_EOF) {
        if (accept(p, RP_KQL_T_SEMI)) continue;
        p->panic = 0;
        p->aborted = 0;
        p->depth = 0;
        uint32_t before = p->tok.start;
        size_t errors_before = p->query->syntax_errors;
        rp_kql_node *stmt = parse_statement(p);
        bound_height(p, stmt);
        push(p, &p->query->stmts, stmt);
        if (p->aborted) {
            /* too deep: drop the rest of this statement */
            while (p->tok.kind != RP_KQL_T_EOF && p->tok.kind != RP_KQL_T_SEMI) advance(p);
            continue;
        }
        int was_let = stmt->kind == RP_KQL_LET || stmt->kind == RP_KQL_SET || stmt->kind == RP_KQL_DECLARE;
        if (p->tok.kind == RP_KQL_T_SEMI || p->tok.kind == RP_KQL_T_EOF) {
            if (was_let && p->tok.kind == RP_KQL_T_EOF && !p->panic)
                error_at(p, RP0211, p->tok.start, p->tok.start, "';' expected after the %s statement %s",
                         rp_kql_kind_name(stmt->kind), near_text(p));
            continue;
        }
        /* one message per broken statement: what follows an error is usually its echo */
        if (p->query->syntax_errors != errors_before) p->panic = 1;
        if (!p->panic && p->tok.kind == RP_KQL_T_ERROR) {
            lex_error(p, &p->tok);
            p->panic = 1;
            advance(p);
        } else if (!p->panic) {
            if (was_let)
                error_at(p, RP0211, p->prev_end, p->prev_end, "';' expected after the %s statement %s",
                         rp_kql_kind_name(stmt->kind), near_text(p));
            else if (p->tok.kind == RP_KQL_T_RPAREN || p->tok.kind == RP_KQL_T_RBRACKET || p->tok.kind == RP_KQL_T_RBRACE)
                error_at(p, RP0200, p->tok.start, p->tok.end, "unexpected %s (no matching opening bracket)",
                         rp_kql_token_name(p->tok.kind));
            else
                error_at(p, RP0200, p->tok.start, p->tok.end, "'|' or ';' expected %s", near_text(p));
        }
        skip_to_sync(p);
        if (p->tok.kind == RP_KQL_T_PIPE || p->tok.kind == RP_KQL_T_RPAREN || p->tok.kind == RP_KQL_T_RBRACKET ||
            p->tok.kind == RP_KQL_T_RBRACE) {
            /* skip the rest of this statement */
            while (p->tok.kind != RP_KQL_T_EOF && p->tok.kind != RP_KQL_T_SEMI) {
                if (p->tok.kind == RP_KQL_T_ERROR) lex_error(p, &p->tok);
                advance(p);
            }
        }
        if (p->tok.start == before) advance(p); /* always make progress */
    }
}

/* }==================================================================== */

rp_kql_query *rp_kql_parse(rp_ctx *ctx, const char *text, size_t len, rp_kql_span_mapper map, void *map_data)
{
    rp_kql_query *query = RP_NEW(ctx->arena, rp_kql_query);
    query->text = text;
    query->len = len;
    query->map = map;
    query->map_data = map_data;
    if (!map) query->own_src = rp_source_from_memory(ctx->arena, "<query>", text, len);
    parser p = {0};
    p.ctx = ctx;
    p.arena = ctx->arena;
    p.query = query;
    p.text = text;
    p.len = len;
    rp_kql_next(text, len, 0, &p.tok);
    if (p.tok.kind == RP_KQL_T_EOF) {
        p.query->syntax_errors++;
        rp_diag_report(ctx->diags, RP0210, rp_kql_query_span(query, 0, 0), ctx->rule_id,
                       "the query is empty (only blanks or comments)");
        return query;
    }
    parse_query(&p);
    return query;
}

static rp_span rule_mapper(void *data, size_t start, size_t end)
{
    return rp_rule_query_span((const rp_rule *)data, start, end);
}

rp_kql_query *rp_kql_parse_rule(rp_ctx *ctx, const struct rp_rule *rule)
{
    if (!rule->query.text) return NULL;
    /* the whole text, NUL bytes included: strlen would cut the query at the first one (a YAML
     * "\u0000" decodes to one) and report the rest as an unterminated string */
    size_t len;
    const rp_ynode *node = rule->query.node;
    if (node && node->kind == RP_Y_SCALAR && node->value == rule->query.text)
        len = node->value_len;
    else if (rule->kind == RP_RULE_QUERY_FILE && rule->src && rule->query.text == rule->src->text + rule->src->body_start)
        len = rule->src->len - rule->src->body_start;
    else
        len = strlen(rule->query.text);
    return rp_kql_parse(ctx, rule->query.text, len, rule_mapper, (void *)rule);
}
