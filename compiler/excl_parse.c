/* excl_parse.c: lexer, recursive-descent parser and renderer of exclusion filters (grammar in
 * excl_parse.h, tree in excl_ast.h). */
#include "excl_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rp_limits.h"
#include "suggest.h"


/* ---------------------------------------------------------------- lexer */

typedef enum tok_kind {
    TOK_EOF,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_STRING,
    TOK_NUMBER,
    TOK_WORD,   /* identifiers, keywords, word operators (with a leading ! or trailing ~) */
    TOK_SYMBOL, /* == != =~ !~ and anything else made of = ! < > ~ & | */
    TOK_BAD     /* a character that starts no token, or an unterminated string (reported) */
} tok_kind;

typedef struct token {
    tok_kind kind;
    uint32_t start, end;  /* in the filter text */
    const char *value;    /* STRING: decoded; WORD/SYMBOL/NUMBER: the text */
    size_t value_len;
} token;

typedef struct parser {
    rp_ctx *ctx;
    const char *text;
    size_t len;
    const rp_ynode *node;
    size_t base;
    size_t pos;       /* lexer position */
    token tok;        /* current token */
    size_t errors;
    unsigned depth;
} parser;

static rp_span span_of(const parser *p, size_t a, size_t b)
{
    if (p->node) return rp_yscalar_span(p->node, a, b);
    return rp_span_make(p->ctx->src, p->base + a, p->base + b);
}

static rp_diag *error_at(parser *p, rp_diag_code code, size_t a, size_t b, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static rp_diag *error_at(parser *p, rp_diag_code code, size_t a, size_t b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (rp_diag_info_of(code)->severity == RP_SEV_ERROR) p->errors++;
    rp_diag *d = rp_diag_vreport(p->ctx->diags, code, span_of(p, a, b), p->ctx->rule_id, fmt, ap);
    va_end(ap);
    return d;
}

static int is_word_start(int c) { return isalpha(c) || c == '_' || c == '@'; }
static int is_word_char(int c) { return isalnum(c) || c == '_' || c == '.'; }

static void put_utf8(char *out, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* A quoted string starting at p->pos (the quote, or '@' before it). Decodes into the arena. */
static void lex_string(parser *p, token *t)
{
    size_t i = p->pos;
    int verbatim = p->text[i] == '@';
    if (verbatim) i++;
    char quote = p->text[i++];
    char *out = rp_arena_alloc(p->ctx->arena, p->len - p->pos + 1);
    size_t n = 0;
    for (;;) {
        if (i >= p->len) {
            error_at(p, RP0601, t->start, p->len, "unterminated string: no closing %c", quote);
            t->kind = TOK_BAD;
            p->pos = p->len;
            return;
        }
        char c = p->text[i];
        if (c == quote) {
            if (verbatim && i + 1 < p->len && p->text[i + 1] == quote) {
                out[n++] = quote;
                i += 2;
                continue;
            }
            i++;
            break;
        }
        if (c == '\\' && !verbatim) {
            size_t esc = i;
            char e = i + 1 < p->len ? p->text[i + 1] : '\0';
            i += 2;
            switch (e) {
            case '\\': out[n++] = '\\'; break;
            case '"': out[n++] = '"'; break;
            case '\'': out[n++] = '\''; break;
            case 'n': out[n++] = '\n'; break;
            case 'r': out[n++] = '\r'; break;
            case 't': out[n++] = '\t'; break;
            case '0': out[n++] = '\0'; break;
            case 'u': {
                unsigned cp = 0;
                int ok = i + 4 <= p->len;
                for (int k = 0; ok && k < 4; k++) {
                    int h = p->text[i + k];
                    if (!isxdigit(h)) ok = 0;
                    else cp = cp * 16 + (unsigned)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
                }
                if (!ok) {
                    error_at(p, RP0601, esc, esc + 2, "`\\u` must be followed by four hex digits");
                } else {
                    put_utf8(out, &n, cp);
                    i += 4;
                }
                break;
            }
            default:
                error_at(p, RP0601, esc, esc + 2 <= p->len ? esc + 2 : p->len,
                         "unknown escape `\\%c` in a string", e ? e : ' ');
                if (esc + 1 >= p->len) i = p->len;
                break;
            }
            continue;
        }
        out[n++] = c;
        i++;
    }
    out[n] = '\0';
    t->kind = TOK_STRING;
    t->value = out;
    t->value_len = n;
    p->pos = i;
}

static void next(parser *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->text[p->pos])) p->pos++;
    token *t = &p->tok;
    memset(t, 0, sizeof *t);
    t->start = (uint32_t)p->pos;
    if (p->pos >= p->len) {
        t->kind = TOK_EOF;
        t->end = t->start;
        return;
    }
    const char *s = p->text;
    size_t i = p->pos;
    unsigned char c = (unsigned char)s[i];
    if (c == '(' || c == ')' || c == ',') {
        t->kind = c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_COMMA;
        p->pos = i + 1;
    } else if (c == '"' || c == '\'' || (c == '@' && i + 1 < p->len && (s[i + 1] == '"' || s[i + 1] == '\''))) {
        lex_string(p, t);
    } else if (isdigit(c) || (c == '-' && i + 1 < p->len && isdigit((unsigned char)s[i + 1]))) {
        i++;
        while (i < p->len && (isdigit((unsigned char)s[i]) || s[i] == '.')) i++;
        t->kind = TOK_NUMBER;
        p->pos = i;
    } else if (is_word_start(c) || (c == '!' && i + 1 < p->len && isalpha((unsigned char)s[i + 1]))) {
        i++;
        while (i < p->len && is_word_char((unsigned char)s[i])) i++;
        if (i < p->len && s[i] == '~') i++; /* in~ */
        t->kind = TOK_WORD;
        p->pos = i;
    } else if (c && strchr("=!<>~&|", c)) { /* strchr finds the terminator for NUL */
        while (i < p->len && strchr("=!<>~&|", s[i]) && s[i]) i++;
        t->kind = TOK_SYMBOL;
        p->pos = i;
    } else {
        /* one UTF-8 character */
        i++;
        while (i < p->len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
        t->kind = TOK_BAD;
        p->pos = i;
        error_at(p, RP0601, t->start, i, "unexpected character `%.*s`", (int)(i - t->start), s + t->start);
    }
    t->end = (uint32_t)p->pos;
    if (t->kind != TOK_STRING) {
        t->value = rp_arena_strndup(p->ctx->arena, s + t->start, t->end - t->start);
        t->value_len = t->end - t->start;
    }
}

static int word_is(const token *t, const char *kw)
{
    return t->kind == TOK_WORD && strlen(kw) == t->value_len && strncasecmp(t->value, kw, t->value_len) == 0;
}

static const char *tok_desc(const parser *p, const token *t)
{
    switch (t->kind) {
    case TOK_EOF: return "the end of the filter";
    case TOK_STRING: return "a string";
    default: return rp_arena_printf(p->ctx->arena, "`%s`", t->value);
    }
}

/* ---------------------------------------------------------------- operators */

typedef struct op_spelling {
    const char *text;
    rp_excl_op op;
    int negated, case_sensitive;
} op_spelling;

static const op_spelling op_table[] = {
    {"==", RP_EXCL_OP_EQ, 0, 1},           {"!=", RP_EXCL_OP_EQ, 1, 1},
    {"=~", RP_EXCL_OP_EQ, 0, 0},           {"!~", RP_EXCL_OP_EQ, 1, 0},
    {"in", RP_EXCL_OP_IN, 0, 1},           {"!in", RP_EXCL_OP_IN, 1, 1},
    {"in~", RP_EXCL_OP_IN, 0, 0},          {"!in~", RP_EXCL_OP_IN, 1, 0},
    {"contains", RP_EXCL_OP_CONTAINS, 0, 0}, {"!contains", RP_EXCL_OP_CONTAINS, 1, 0},
    {"contains_cs", RP_EXCL_OP_CONTAINS, 0, 1}, {"!contains_cs", RP_EXCL_OP_CONTAINS, 1, 1},
    {"has", RP_EXCL_OP_HAS, 0, 0},         {"!has", RP_EXCL_OP_HAS, 1, 0},
    {"has_cs", RP_EXCL_OP_HAS, 0, 1},      {"!has_cs", RP_EXCL_OP_HAS, 1, 1},
    {"hasprefix", RP_EXCL_OP_HASPREFIX, 0, 0}, {"!hasprefix", RP_EXCL_OP_HASPREFIX, 1, 0},
    {"hasprefix_cs", RP_EXCL_OP_HASPREFIX, 0, 1}, {"!hasprefix_cs", RP_EXCL_OP_HASPREFIX, 1, 1},
    {"hassuffix", RP_EXCL_OP_HASSUFFIX, 0, 0}, {"!hassuffix", RP_EXCL_OP_HASSUFFIX, 1, 0},
    {"hassuffix_cs", RP_EXCL_OP_HASSUFFIX, 0, 1}, {"!hassuffix_cs", RP_EXCL_OP_HASSUFFIX, 1, 1},
    {"startswith", RP_EXCL_OP_STARTSWITH, 0, 0}, {"!startswith", RP_EXCL_OP_STARTSWITH, 1, 0},
    {"startswith_cs", RP_EXCL_OP_STARTSWITH, 0, 1}, {"!startswith_cs", RP_EXCL_OP_STARTSWITH, 1, 1},
    {"endswith", RP_EXCL_OP_ENDSWITH, 0, 0}, {"!endswith", RP_EXCL_OP_ENDSWITH, 1, 0},
    {"endswith_cs", RP_EXCL_OP_ENDSWITH, 0, 1}, {"!endswith_cs", RP_EXCL_OP_ENDSWITH, 1, 1},
    {"matches regex", RP_EXCL_OP_REGEX, 0, 1},
};
#define OP_COUNT (sizeof op_table / sizeof op_table[0])

const char *rp_excl_op_text(rp_excl_op op, int negated, int case_sensitive)
{
    for (size_t i = 0; i < OP_COUNT; i++)
        if (op_table[i].op == op && op_table[i].negated == !!negated &&
            (op == RP_EXCL_OP_REGEX || op_table[i].case_sensitive == !!case_sensitive))
            return op_table[i].text;
    return "?";
}

/* What people write for an operator the language spells differently. */
static const struct {
    const char *written, *meant;
} op_aliases[] = {
    {"=", "=="},   {"<>", "!="},          {"eq", "=="},        {"ne", "!="},   {"equals", "=="},
    {"is", "=="},  {"like", "contains"},  {"~=", "=~"},        {"!==", "!="},  {"===", "=="},
    {"ieq", "=~"}, {"notcontains", "!contains"}, {"not_contains", "!contains"}, {"matches", "matches regex"},
    {"regex", "matches regex"}, {"notin", "!in"}, {"not_in", "!in"}, {"in_cs", "in"},
    {"contains_ci", "contains"}, {"startswith_ci", "startswith"}, {"endswith_ci", "endswith"},
    {"has_any", "in~"}, {"==~", "=~"},
};

static const char *suggest_op(const char *written)
{
    for (size_t i = 0; i < sizeof op_aliases / sizeof op_aliases[0]; i++)
        if (strcasecmp(written, op_aliases[i].written) == 0) return op_aliases[i].meant;
    rp_suggest sg;
    rp_suggest_init(&sg, written);
    for (size_t i = 0; i < OP_COUNT; i++) rp_suggest_consider(&sg, op_table[i].text);
    return rp_suggest_result(&sg);
}

/* ---------------------------------------------------------------- parser */

static rp_excl_node *new_node(parser *p, rp_excl_kind kind, size_t start, size_t end)
{
    rp_excl_node *n = RP_NEW(p->ctx->arena, rp_excl_node);
    n->kind = kind;
    n->start = (uint32_t)start;
    n->end = (uint32_t)end;
    n->span = span_of(p, start, end);
    return n;
}

static void set_end(parser *p, rp_excl_node *n, size_t end)
{
    n->end = (uint32_t)end;
    n->span = span_of(p, n->start, end);
}

static rp_excl_node *parse_or(parser *p);

static int parse_value(parser *p, rp_excl_value *v)
{
    if (p->tok.kind != TOK_STRING && p->tok.kind != TOK_NUMBER) {
        if (p->tok.kind != TOK_BAD)
            error_at(p, RP0601, p->tok.start, p->tok.end, "expected a quoted string or a number, found %s",
                     tok_desc(p, &p->tok));
        return 0;
    }
    v->kind = p->tok.kind == TOK_STRING ? RP_EXCL_VAL_STRING : RP_EXCL_VAL_NUMBER;
    v->text = p->tok.value;
    v->len = p->tok.value_len;
    v->start = p->tok.start;
    v->end = p->tok.end;
    v->span = span_of(p, v->start, v->end);
    next(p);
    return 1;
}

/* '(' value (',' value)* ')' */
static int parse_value_list(parser *p, rp_excl_node *n)
{
    if (p->tok.kind != TOK_LPAREN) {
        error_at(p, RP0601, p->tok.start, p->tok.end, "expected `(` and a list of values after `%s`, found %s",
                 rp_excl_op_text(n->op, n->negated, n->case_sensitive), tok_desc(p, &p->tok));
        return 0;
    }
    next(p);
    size_t cap = 0;
    for (;;) {
        n->values = rp_arena_grow(p->ctx->arena, n->values, sizeof *n->values, &cap, n->value_count + 1);
        if (!parse_value(p, &n->values[n->value_count])) return 0;
        n->value_count++;
        if (p->tok.kind == TOK_COMMA) {
            next(p);
            continue;
        }
        if (p->tok.kind == TOK_RPAREN) {
            n->end = p->tok.end; /* the predicate ends with the list's `)` */
            next(p);
            return 1;
        }
        error_at(p, RP0601, p->tok.start, p->tok.end, "expected `,` or `)` in the list of values, found %s",
                 tok_desc(p, &p->tok));
        return 0;
    }
}

/* Checks of a predicate's values that need no field: empty needles, regexes, open semantics. */
static void check_values(parser *p, rp_excl_node *n)
{
    for (size_t i = 0; i < n->value_count; i++) {
        rp_excl_value *v = &n->values[i];
        if (v->kind != RP_EXCL_VAL_STRING) continue;
        int needle = n->op != RP_EXCL_OP_EQ && n->op != RP_EXCL_OP_IN;
        if (needle && v->len == 0) {
            error_at(p, RP0606, v->start, v->end,
                     "empty needle for `%s`: KQL does not document what it matches; remove the predicate or compare with `==`",
                     rp_excl_op_text(n->op, n->negated, n->case_sensitive));
            continue;
        }
        if (n->op == RP_EXCL_OP_HAS || n->op == RP_EXCL_OP_HASPREFIX || n->op == RP_EXCL_OP_HASSUFFIX) {
            for (size_t k = 0; k < v->len; k++)
                if (!isalnum((unsigned char)v->text[k])) {
                    error_at(p, RP0611, v->start, v->end,
                             "`%s` with a needle that contains `%c`: KQL documents terms only for alphanumeric needles; "
                             "rulepack matches it as a phrase on term boundaries, which is not verified against the engine",
                             rp_excl_op_text(n->op, n->negated, n->case_sensitive), v->text[k]);
                    break;
                }
        }
        if (!n->case_sensitive) {
            for (size_t k = 0; k < v->len; k++)
                if ((unsigned char)v->text[k] >= 0x80) {
                    error_at(p, RP0611, v->start, v->end,
                             "case-insensitive `%s` with non-ASCII text: KQL's case folding outside ASCII is not documented; "
                             "rulepack folds ASCII letters only",
                             rp_excl_op_text(n->op, n->negated, n->case_sensitive));
                    break;
                }
        }
        if (n->op == RP_EXCL_OP_REGEX) {
            const char *bad = NULL;
            if (strstr(v->text, "(?=") || strstr(v->text, "(?!") || strstr(v->text, "(?<=") || strstr(v->text, "(?<!"))
                bad = "look-around";
            for (size_t k = 0; !bad && k + 1 < v->len; k++) {
                if (v->text[k] == '\\' && isdigit((unsigned char)v->text[k + 1]) && v->text[k + 1] != '0') bad = "a backreference";
                if (v->text[k] == '\\') k++;
            }
            if (bad) {
                error_at(p, RP0605, v->start, v->end,
                         "the pattern uses %s, which KQL's regex engine (Rust regex syntax) does not support", bad);
                continue;
            }
            int code;
            PCRE2_SIZE offset;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->text, v->len, PCRE2_UTF, &code, &offset, NULL);
            if (!re) {
                PCRE2_UCHAR msg[160];
                pcre2_get_error_message(code, msg, sizeof msg);
                error_at(p, RP0605, v->start, v->end, "the pattern does not compile: %s (at pattern offset %zu)",
                         (const char *)msg, (size_t)offset);
            } else {
                pcre2_code_free(re);
            }
        }
    }
}

/* predicate := FIELD op value(s) */
static rp_excl_node *parse_predicate(parser *p)
{
    token field = p->tok;
    if (field.kind != TOK_WORD || word_is(&field, "and") || word_is(&field, "or")) {
        if (field.kind != TOK_BAD)
            error_at(p, RP0601, field.start, field.end, "expected a field name, `(` or NOT, found %s",
                     tok_desc(p, &field));
        return NULL;
    }
    rp_excl_node *n = new_node(p, RP_EXCL_PRED, field.start, field.end);
    n->field.written = field.value;
    n->field_start = field.start;
    n->field_end = field.end;
    n->field_span = span_of(p, field.start, field.end);
    next(p);

    token optok = p->tok;
    n->op_start = optok.start;
    n->op_end = optok.end;
    const op_spelling *found = NULL;
    if (optok.kind == TOK_WORD || optok.kind == TOK_SYMBOL) {
        for (size_t i = 0; i < OP_COUNT && !found; i++)
            if (strcasecmp(optok.value, op_table[i].text) == 0) found = &op_table[i];
        if (!found && word_is(&optok, "matches")) {
            next(p);
            if (!word_is(&p->tok, "regex")) {
                error_at(p, RP0601, p->tok.start, p->tok.end, "expected `regex` after `matches`, found %s",
                         tok_desc(p, &p->tok));
                return NULL;
            }
            found = &op_table[OP_COUNT - 1];
            n->op_end = p->tok.end;
        }
    }
    if (!found) {
        if (optok.kind == TOK_EOF || optok.kind == TOK_RPAREN || optok.kind == TOK_STRING) {
            error_at(p, RP0601, optok.start, optok.end, "expected an operator after `%s`, found %s", field.value,
                     tok_desc(p, &optok));
            return NULL;
        }
        n->op_span = span_of(p, n->op_start, n->op_end);
        rp_diag *d = error_at(p, RP0603, optok.start, optok.end, "unknown operator `%s`", optok.value);
        const char *meant = suggest_op(optok.value);
        if (d && meant) rp_diag_set_hint(d, "did you mean `%s`?", meant);
        else if (d)
            rp_diag_set_hint(d, "operators: == != =~ !~ contains has startswith endswith hasprefix hassuffix "
                                "(with ! and _cs forms), in in~ !in !in~, matches regex");
        /* Recover: skip the operator and its operand so the rest of the filter is still checked. */
        next(p);
        if (p->tok.kind == TOK_STRING || p->tok.kind == TOK_NUMBER) {
            next(p);
        } else if (p->tok.kind == TOK_LPAREN) {
            while (p->tok.kind != TOK_RPAREN && p->tok.kind != TOK_EOF) next(p);
            if (p->tok.kind == TOK_RPAREN) next(p);
        } else {
            return NULL;
        }
        n->op = RP_EXCL_OP_EQ;
        n->values = RP_NEW(p->ctx->arena, rp_excl_value);
        n->value_count = 0;
        set_end(p, n, p->tok.start > n->start ? p->tok.start : n->end);
        return n;
    }
    n->op_span = span_of(p, n->op_start, n->op_end);
    n->op = found->op;
    n->negated = found->negated;
    n->case_sensitive = found->case_sensitive;
    next(p);
    if (n->op == RP_EXCL_OP_IN) {
        if (!parse_value_list(p, n)) return NULL;
    } else {
        n->values = RP_NEW(p->ctx->arena, rp_excl_value);
        if (p->tok.kind == TOK_LPAREN) {
            error_at(p, RP0601, p->tok.start, p->tok.end, "`%s` takes one value; a list needs `in` or `in~`",
                     found->text);
            return NULL;
        }
        if (!parse_value(p, &n->values[0])) return NULL;
        n->value_count = 1;
        if (n->op == RP_EXCL_OP_REGEX && n->values[0].kind != RP_EXCL_VAL_STRING) {
            error_at(p, RP0601, n->values[0].start, n->values[0].end, "`matches regex` needs a quoted pattern");
            return NULL;
        }
    }
    set_end(p, n, n->op == RP_EXCL_OP_IN ? n->end : n->values[n->value_count - 1].end);
    check_values(p, n);
    return n;
}

/* unary := NOT unary | '(' or_expr ')' | predicate */
static rp_excl_node *parse_unary(parser *p)
{
    if (p->depth >= RP_MAX_EXCL_DEPTH) {
        error_at(p, RP0601, p->tok.start, p->tok.end, "the filter nests deeper than %d levels", RP_MAX_EXCL_DEPTH);
        return NULL;
    }
    size_t start = p->tok.start;
    if (word_is(&p->tok, "not")) {
        next(p);
        p->depth++;
        rp_excl_node *kid = parse_unary(p);
        p->depth--;
        if (!kid) return NULL;
        rp_excl_node *n = new_node(p, RP_EXCL_NOT, start, kid->end);
        n->kids = RP_NEW_ARRAY(p->ctx->arena, rp_excl_node *, 1);
        n->kids[0] = kid;
        n->kid_count = 1;
        return n;
    }
    if (p->tok.kind == TOK_LPAREN) {
        next(p);
        p->depth++;
        rp_excl_node *n = parse_or(p);
        p->depth--;
        if (!n) return NULL;
        if (p->tok.kind != TOK_RPAREN) {
            error_at(p, RP0601, p->tok.start, p->tok.end, "expected `)` to close the `(` at offset %zu, found %s",
                     start + 1, tok_desc(p, &p->tok));
            return NULL;
        }
        size_t end = p->tok.end;
        next(p);
        /* The node's span covers its parentheses: a lint on it points at what the author grouped. */
        n->start = (uint32_t)start;
        set_end(p, n, end);
        n->parenthesized = 1;
        return n;
    }
    return parse_predicate(p);
}

/* and_expr / or_expr: one n-ary node per unparenthesised chain. */
static rp_excl_node *parse_chain(parser *p, rp_excl_kind kind)
{
    rp_excl_node *first = kind == RP_EXCL_OR ? parse_chain(p, RP_EXCL_AND) : parse_unary(p);
    if (!first) return NULL;
    const char *kw = kind == RP_EXCL_OR ? "or" : "and";
    if (!word_is(&p->tok, kw)) return first;
    rp_excl_node *n = new_node(p, kind, first->start, first->end);
    size_t cap = 0;
    n->kids = rp_arena_grow(p->ctx->arena, n->kids, sizeof *n->kids, &cap, 1);
    n->kids[n->kid_count++] = first;
    while (word_is(&p->tok, kw)) {
        next(p);
        rp_excl_node *kid = kind == RP_EXCL_OR ? parse_chain(p, RP_EXCL_AND) : parse_unary(p);
        if (!kid) return NULL;
        n->kids = rp_arena_grow(p->ctx->arena, n->kids, sizeof *n->kids, &cap, n->kid_count + 1);
        n->kids[n->kid_count++] = kid;
    }
    set_end(p, n, n->kids[n->kid_count - 1]->end);
    return n;
}

static rp_excl_node *parse_or(parser *p) { return parse_chain(p, RP_EXCL_OR); }

rp_excl_node *rp_excl_parse(rp_ctx *ctx, const char *text, size_t len, const rp_ynode *node, size_t base,
                            size_t *errors)
{
    parser p = {0};
    p.ctx = ctx;
    p.text = text;
    p.len = len;
    p.node = node;
    p.base = base;
    next(&p);
    rp_excl_node *root = NULL;
    if (p.tok.kind == TOK_EOF) {
        error_at(&p, RP0609, 0, len, "the exclusion's filter is empty");
    } else {
        root = parse_or(&p);
        if (root && p.tok.kind != TOK_EOF) {
            const char *hint = "";
            if (word_is(&p.tok, "not")) hint = " (NOT goes before a predicate: `NOT x == 1`)";
            else if (p.tok.kind == TOK_SYMBOL && (strcmp(p.tok.value, "&&") == 0 || strcmp(p.tok.value, "||") == 0))
                hint = " (write AND / OR)";
            else if (p.tok.kind == TOK_RPAREN) hint = " (no `(` is open)";
            error_at(&p, RP0601, p.tok.start, p.tok.end, "expected AND, OR or the end of the filter, found %s%s",
                     tok_desc(&p, &p.tok), hint);
            root = NULL;
        }
    }
    if (errors) *errors = p.errors;
    return root;
}

void rp_excl_foreach_pred(rp_excl_node *node, void (*visit)(rp_excl_node *pred, void *data), void *data)
{
    if (!node) return;
    if (node->kind == RP_EXCL_PRED) {
        visit(node, data);
        return;
    }
    for (size_t i = 0; i < node->kid_count; i++) rp_excl_foreach_pred(node->kids[i], visit, data);
}

/* ---------------------------------------------------------------- renderer */

typedef struct strbuf {
    char *data;
    size_t len, cap;
    rp_arena *arena;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    b->data = rp_arena_grow(b->arena, b->data, 1, &b->cap, b->len + n + 1);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sb_str(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void render_value(strbuf *b, const rp_excl_value *v)
{
    if (v->kind == RP_EXCL_VAL_NUMBER) {
        sb_put(b, v->text, v->len);
        return;
    }
    sb_str(b, "\"");
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->text[i];
        char tmp[8];
        switch (c) {
        case '"': sb_str(b, "\\\""); break;
        case '\\': sb_str(b, "\\\\"); break;
        case '\n': sb_str(b, "\\n"); break;
        case '\r': sb_str(b, "\\r"); break;
        case '\t': sb_str(b, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7F) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                sb_str(b, tmp);
            } else {
                sb_put(b, (const char *)&c, 1);
            }
        }
    }
    sb_str(b, "\"");
}

static void render(strbuf *b, const rp_excl_node *n, int use_columns, rp_excl_kind parent)
{
    switch (n->kind) {
    case RP_EXCL_PRED: {
        const char *field = use_columns && n->field.column ? n->field.column : n->field.written;
        sb_str(b, field);
        sb_str(b, " ");
        sb_str(b, rp_excl_op_text(n->op, n->negated, n->case_sensitive));
        sb_str(b, " ");
        if (n->op == RP_EXCL_OP_IN) sb_str(b, "(");
        for (size_t i = 0; i < n->value_count; i++) {
            if (i) sb_str(b, ", ");
            render_value(b, &n->values[i]);
        }
        if (n->op == RP_EXCL_OP_IN) sb_str(b, ")");
        break;
    }
    case RP_EXCL_NOT:
        sb_str(b, "not(");
        render(b, n->kids[0], use_columns, RP_EXCL_NOT);
        sb_str(b, ")");
        break;
    case RP_EXCL_AND:
    case RP_EXCL_OR: {
        /* Parenthesise an OR under AND (required) and an AND under OR (to show the grouping). */
        int paren = parent == RP_EXCL_AND || parent == RP_EXCL_OR;
        if (paren) sb_str(b, "(");
        for (size_t i = 0; i < n->kid_count; i++) {
            if (i) sb_str(b, n->kind == RP_EXCL_AND ? " and " : " or ");
            /* a same-kind kid (written parenthesised) is flattened back into the chain */
            rp_excl_kind pk = n->kids[i]->kind == n->kind ? RP_EXCL_PRED : n->kind;
            render(b, n->kids[i], use_columns, pk);
        }
        if (paren) sb_str(b, ")");
        break;
    }
    }
}

char *rp_excl_render(rp_arena *arena, const rp_excl_node *node, int use_columns)
{
    strbuf b = {0};
    b.arena = arena;
    sb_str(&b, "");
    if (node) render(&b, node, use_columns, RP_EXCL_PRED);
    return b.data;
}
