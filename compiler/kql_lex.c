/* kql_lex.c: the KQL tokenizer (see kql_lex.h). Takes the query text and an offset, yields one
 * token with its byte range. Dispatch is on a 256-entry character-class table (sqlite's
 * tokenize.c aiClass idea, with readable names). String literals are only delimited here; their
 * value is decoded on demand by rp_kql_string_decode. */
#include "kql_lex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Character classes. ORDER matters only for readability; every byte maps to exactly one. */
enum {
    CC_OTHER,   /* a byte that starts no token: a lexical error */
    CC_SPACE,   /* space, tab, CR, LF, FF, VT */
    CC_ALPHA,   /* A-Z a-z _ and any byte >= 0x80 (UTF-8 letters in names) */
    CC_DIGIT,   /* 0-9 */
    CC_QUOTE,   /* ' " */
    CC_AT,      /* @: verbatim string prefix */
    CC_BACKTICK,/* `: ``` multi-line string */
    CC_TILDE,   /* ~: ~~~ multi-line string, or alone */
    CC_DOLLAR,  /* $: $left / $right */
    CC_SLASH,   /* /: division or // comment */
    CC_DOT,     /* . or .. */
    CC_EQ,      /* = == =~ => */
    CC_BANG,    /* ! != !~ !word */
    CC_LT,      /* < <= <> */
    CC_GT,      /* > >= */
    CC_PUNCT    /* single-character tokens: ( ) [ ] { } , ; | : + - * % ? */
};

static const unsigned char char_class[256] = {
    /* 0x00 */ CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER,
    /* 0x08 */ CC_OTHER, CC_SPACE, CC_SPACE, CC_SPACE, CC_SPACE, CC_SPACE, CC_OTHER, CC_OTHER,
    /* 0x10 */ CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER,
    /* 0x18 */ CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER, CC_OTHER,
    /*  !"# */ CC_SPACE, CC_BANG, CC_QUOTE, CC_OTHER,
    /* $%&' */ CC_DOLLAR, CC_PUNCT, CC_OTHER, CC_QUOTE,
    /* ()*+ */ CC_PUNCT, CC_PUNCT, CC_PUNCT, CC_PUNCT,
    /* ,-./ */ CC_PUNCT, CC_PUNCT, CC_DOT, CC_SLASH,
    /* 0-7 */ CC_DIGIT, CC_DIGIT, CC_DIGIT, CC_DIGIT, CC_DIGIT, CC_DIGIT, CC_DIGIT, CC_DIGIT,
    /* 89:; */ CC_DIGIT, CC_DIGIT, CC_PUNCT, CC_PUNCT,
    /* <=>? */ CC_LT, CC_EQ, CC_GT, CC_PUNCT,
    /* @A-G */ CC_AT, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    /* H-O */ CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    /* P-W */ CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    /* XYZ[ */ CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_PUNCT,
    /* \]^_ */ CC_OTHER, CC_PUNCT, CC_OTHER, CC_ALPHA,
    /* `a-g */ CC_BACKTICK, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    /* h-o */ CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    /* p-w */ CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    /* xyz{ */ CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_PUNCT,
    /* |}~ DEL */ CC_PUNCT, CC_PUNCT, CC_TILDE, CC_OTHER,
    /* 0x80-0xff: UTF-8 lead and continuation bytes count as letters */
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
    CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA, CC_ALPHA,
};

static int is_word_char(unsigned char ch)
{
    return char_class[ch] == CC_ALPHA || char_class[ch] == CC_DIGIT;
}

/* Byte length of a Unicode blank at text[pos] (NBSP, U+2000..U+200A, U+2028/9, U+202F, U+205F,
 * U+3000, U+FEFF), else 0. Kusto.Language treats them as whitespace; queries pasted from web pages
 * carry them. */
static size_t unicode_space(const char *text, size_t len, size_t pos)
{
    const unsigned char *u = (const unsigned char *)text + pos;
    size_t left = len - pos;
    if (left >= 2 && u[0] == 0xC2 && u[1] == 0xA0) return 2;
    if (left < 3) return 0;
    if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF)) return 3;
    if (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) return 3;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return 3;
    if (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) return 3;
    return 0;
}

/* End of a word starting at pos: letters, digits, _, UTF-8 letters (stops at Unicode blanks). */
static size_t scan_word(const char *text, size_t len, size_t pos)
{
    while (pos < len && is_word_char((unsigned char)text[pos]) &&
           !((unsigned char)text[pos] >= 0xC2 && unicode_space(text, len, pos)))
        pos++;
    return pos;
}

static const char *const token_names[] = {
    "end of query", "invalid token", "identifier", "operator", "string literal", "number", "number",
    "timespan literal", "'('", "')'", "'['", "']'", "'{'", "'}'", "','", "';'", "'|'", "'.'", "'..'",
    "':'", "'='", "'=='", "'!='", "'<>'", "'=~'", "'!~'", "'<'", "'<='", "'>'", "'>='", "'+'", "'-'",
    "'*'", "'/'", "'%'", "'=>'", "'!'", "'?'", "'@'", "'~'",
};

const char *rp_kql_token_name(rp_kql_tok kind)
{
    return (unsigned)kind < RP_KQL_T_COUNT ? token_names[kind] : "?";
}

/* Timespan units as Kusto.Language accepts them (ticks are 100 ns). */
static const struct {
    const char *word;
    int64_t ticks;
} timespan_units[] = {
    {"d", 864000000000LL}, {"day", 864000000000LL}, {"days", 864000000000LL},
    {"h", 36000000000LL}, {"hr", 36000000000LL}, {"hrs", 36000000000LL}, {"hour", 36000000000LL},
    {"hours", 36000000000LL},
    {"m", 600000000LL}, {"min", 600000000LL}, {"minute", 600000000LL}, {"minutes", 600000000LL},
    {"s", 10000000LL}, {"sec", 10000000LL}, {"second", 10000000LL}, {"seconds", 10000000LL},
    {"ms", 10000LL}, {"milli", 10000LL}, {"millis", 10000LL}, {"millisec", 10000LL},
    {"millisecond", 10000LL}, {"milliseconds", 10000LL},
    {"microsec", 10LL}, {"microsecond", 10LL}, {"microseconds", 10LL},
    {"tick", 1LL}, {"ticks", 1LL},
    {"nanosec", 0LL}, {"nanosecond", 0LL}, {"nanoseconds", 0LL}, /* below a tick: value/100 ticks */
};

int64_t rp_kql_timespan_unit(const char *word, size_t len)
{
    for (size_t i = 0; i < sizeof timespan_units / sizeof timespan_units[0]; i++)
        if (strlen(timespan_units[i].word) == len && memcmp(timespan_units[i].word, word, len) == 0)
            return timespan_units[i].ticks ? timespan_units[i].ticks : -1; /* -1: nanoseconds */
    return 0;
}

/* Scans a quoted literal body starting at the opening quote text[pos]. Returns the offset past
 * the closing quote, or 0 when unterminated (a newline or the end comes first). A NUL byte is
 * part of the literal (the parser reports it where it is, RP0212), never its end. */
static size_t scan_quoted(const char *text, size_t len, size_t pos, int verbatim)
{
    char quote = text[pos++];
    while (pos < len) {
        char ch = text[pos];
        if (ch == '\n' || ch == '\r') return 0;
        if (verbatim) {
            if (ch == quote) {
                if (pos + 1 < len && text[pos + 1] == quote) {
                    pos += 2; /* doubled quote: one literal quote */
                    continue;
                }
                return pos + 1;
            }
        } else if (ch == '\\') {
            pos += 2; /* the escape is validated when decoded */
            continue;
        } else if (ch == quote) {
            return pos + 1;
        }
        pos++;
    }
    return 0;
}

/* The token is `kind` and ends at `end` (returned). */
static size_t token_to(rp_kql_token *token, rp_kql_tok kind, size_t end)
{
    token->kind = kind;
    token->end = (uint32_t)end;
    return end;
}

/* A '..' or ".." string literal token (its h / @ prefix, if any, starts at token->start; the quote
 * is at q): STRING with `flags`, or when unterminated an error token up to the end of the line. */
static size_t string_token(const char *text, size_t len, size_t q, int verbatim, unsigned flags, rp_kql_token *token)
{
    size_t end = scan_quoted(text, len, q, verbatim);
    if (!end) {
        size_t pos = token->start;
        while (pos < len && text[pos] != '\n' && text[pos] != '\r') pos++;
        token->error = "unterminated string literal";
        return token_to(token, RP_KQL_T_ERROR, pos);
    }
    token->flags = flags;
    return token_to(token, RP_KQL_T_STRING, end);
}

/* ```...``` or ~~~...~~~ starting at pos; returns the offset past the closing fence or 0. */
static size_t scan_multiline(const char *text, size_t len, size_t pos)
{
    char fence = text[pos];
    for (size_t i = pos + 3; i + 2 < len; i++)
        if (text[i] == fence && text[i + 1] == fence && text[i + 2] == fence) return i + 3;
    return 0;
}

static int is_fence(const char *text, size_t len, size_t pos)
{
    return pos + 2 < len && text[pos + 1] == text[pos] && text[pos + 2] == text[pos];
}

/* A number: decimal or 0x hex integer, real (1.5, 1., 1e3, 1.5e-3), then an optional timespan
 * unit. A digit-led word that is not a unit (1w, 1d2) is an identifier, as in Kusto.Language. */
static void scan_number(const char *text, size_t len, size_t pos, rp_kql_token *token)
{
    size_t start = pos;
    if (text[pos] == '0' && pos + 1 < len && (text[pos + 1] == 'x' || text[pos + 1] == 'X') && pos + 2 < len &&
        strchr("0123456789abcdefABCDEF", text[pos + 2]) && text[pos + 2]) {
        pos += 2;
        uint64_t value = 0;
        int overflow = 0;
        while (pos < len && text[pos] && strchr("0123456789abcdefABCDEF", text[pos])) {
            unsigned digit = (unsigned)(text[pos] <= '9' ? text[pos] - '0' : (text[pos] | 0x20) - 'a' + 10);
            if (value > (UINT64_MAX >> 4)) overflow = 1;
            value = (value << 4) | digit;
            pos++;
        }
        if (pos < len && is_word_char((unsigned char)text[pos])) goto word;
        token->kind = overflow ? RP_KQL_T_ERROR : RP_KQL_T_LONG;
        token->error = overflow ? "hexadecimal literal out of range" : NULL;
        token->ival = (int64_t)value;
        token->end = (uint32_t)pos;
        return;
    }
    while (pos < len && char_class[(unsigned char)text[pos]] == CC_DIGIT) pos++;
    int is_real = 0;
    /* '.' starts a fraction unless it is '..' (a range: 1..10) */
    if (pos < len && text[pos] == '.' && !(pos + 1 < len && text[pos + 1] == '.')) {
        is_real = 1;
        pos++;
        while (pos < len && char_class[(unsigned char)text[pos]] == CC_DIGIT) pos++;
    }
    if (pos < len && (text[pos] == 'e' || text[pos] == 'E')) {
        size_t exp = pos + 1;
        if (exp < len && (text[exp] == '+' || text[exp] == '-')) exp++;
        if (exp < len && char_class[(unsigned char)text[exp]] == CC_DIGIT) {
            while (exp < len && char_class[(unsigned char)text[exp]] == CC_DIGIT) exp++;
            if (!(exp < len && is_word_char((unsigned char)text[exp]))) {
                is_real = 1;
                pos = exp;
            }
        }
    }
    size_t num_end = pos;
    char buf[64];
    size_t num_len = num_end - start;
    if (num_len >= sizeof buf) num_len = sizeof buf - 1;
    memcpy(buf, text + start, num_len);
    buf[num_len] = '\0';
    if (pos < len && char_class[(unsigned char)text[pos]] == CC_ALPHA) {
        size_t word = pos;
        while (pos < len && char_class[(unsigned char)text[pos]] == CC_ALPHA) pos++;
        int64_t unit = rp_kql_timespan_unit(text + word, pos - word);
        if (unit == 0 || (pos < len && is_word_char((unsigned char)text[pos]))) goto word;
        double value = strtod(buf, NULL);
        double ticks = unit < 0 ? value / 100.0 : value * (double)unit;
        token->kind = RP_KQL_T_TIMESPAN;
        if (!(fabs(ticks) < 9.2e18)) {
            token->kind = RP_KQL_T_ERROR;
            token->error = "timespan literal out of range";
        }
        token->ival = token->kind == RP_KQL_T_TIMESPAN ? (int64_t)llround(ticks) : 0;
        token->end = (uint32_t)pos;
        return;
    }
    if (pos < len && is_word_char((unsigned char)text[pos])) goto word;
    token->end = (uint32_t)pos;
    if (is_real) {
        token->kind = RP_KQL_T_REAL;
        token->rval = strtod(buf, NULL);
    } else {
        unsigned long long value = strtoull(buf, NULL, 10);
        /* long literals fit in int64; larger ones become real like in Kusto.Language */
        if (value > (unsigned long long)INT64_MAX || num_len == sizeof buf - 1) {
            token->kind = RP_KQL_T_REAL;
            token->rval = strtod(buf, NULL);
        } else {
            token->kind = RP_KQL_T_LONG;
            token->ival = (int64_t)value;
        }
    }
    return;
word:
    pos = scan_word(text, len, pos);
    token->kind = RP_KQL_T_IDENT;
    token->end = (uint32_t)pos;
}

size_t rp_kql_next(const char *text, size_t len, size_t offset, rp_kql_token *token)
{
    size_t pos = offset;
    memset(token, 0, sizeof *token);
    /* trivia: blanks and // comments */
    for (;;) {
        while (pos < len && char_class[(unsigned char)text[pos]] == CC_SPACE) pos++;
        size_t blank = pos < len && (unsigned char)text[pos] >= 0xC2 ? unicode_space(text, len, pos) : 0;
        if (blank) {
            pos += blank;
            continue;
        }
        if (pos + 1 < len && text[pos] == '/' && text[pos + 1] == '/') {
            while (pos < len && text[pos] != '\n') pos++;
            continue;
        }
        break;
    }
    token->start = token->end = (uint32_t)pos;
    if (pos >= len) {
        token->kind = RP_KQL_T_EOF;
        return pos;
    }
    unsigned char ch = (unsigned char)text[pos];
    switch (char_class[ch]) {
    case CC_ALPHA: {
        /* h'..' / H@".." obfuscated strings */
        if ((ch == 'h' || ch == 'H') && pos + 1 < len &&
            (text[pos + 1] == '\'' || text[pos + 1] == '"' ||
             (text[pos + 1] == '@' && pos + 2 < len && (text[pos + 2] == '\'' || text[pos + 2] == '"')))) {
            int verbatim = text[pos + 1] == '@';
            return string_token(text, len, pos + 1 + (size_t)verbatim, verbatim,
                                RP_KQL_STR_OBFUSCATED | (verbatim ? RP_KQL_STR_VERBATIM : 0), token);
        }
        pos = scan_word(text, len, pos);
        /* in~ is one operator */
        if (pos - token->start == 2 && memcmp(text + token->start, "in", 2) == 0 && pos < len && text[pos] == '~')
            pos++;
        token->kind = RP_KQL_T_IDENT;
        token->end = (uint32_t)pos;
        return pos;
    }
    case CC_DIGIT:
        scan_number(text, len, pos, token);
        return token->end;
    case CC_QUOTE: return string_token(text, len, pos, 0, 0, token);
    case CC_AT:
        if (pos + 1 < len && (text[pos + 1] == '\'' || text[pos + 1] == '"'))
            return string_token(text, len, pos + 1, 1, RP_KQL_STR_VERBATIM, token);
        token->kind = RP_KQL_T_AT;
        token->end = (uint32_t)(pos + 1);
        return pos + 1;
    case CC_BACKTICK:
    case CC_TILDE:
        if (is_fence(text, len, pos)) {
            size_t end = scan_multiline(text, len, pos);
            if (!end) {
                token->error = "unterminated multi-line string literal";
                return token_to(token, RP_KQL_T_ERROR, len);
            }
            token->flags = RP_KQL_STR_MULTILINE;
            return token_to(token, RP_KQL_T_STRING, end);
        }
        token->kind = ch == '~' ? RP_KQL_T_TILDE : RP_KQL_T_ERROR;
        token->error = ch == '~' ? NULL : "unexpected character '`'";
        token->end = (uint32_t)(pos + 1);
        return pos + 1;
    case CC_DOLLAR:
        if (pos + 1 < len && char_class[(unsigned char)text[pos + 1]] == CC_ALPHA) {
            pos = scan_word(text, len, pos + 1);
            token->kind = RP_KQL_T_IDENT;
            token->end = (uint32_t)pos;
            return pos;
        }
        token->kind = RP_KQL_T_ERROR;
        token->error = "unexpected character '$'";
        token->end = (uint32_t)(pos + 1);
        return pos + 1;
    case CC_SLASH:
        token->kind = RP_KQL_T_SLASH;
        break;
    case CC_DOT:
        if (pos + 1 < len && text[pos + 1] == '.') return token_to(token, RP_KQL_T_DOTDOT, pos + 2);
        token->kind = RP_KQL_T_DOT;
        break;
    case CC_EQ:
        if (pos + 1 < len && (text[pos + 1] == '=' || text[pos + 1] == '~' || text[pos + 1] == '>'))
            return token_to(token, text[pos + 1] == '=' ? RP_KQL_T_EQ : text[pos + 1] == '~' ? RP_KQL_T_EQ_CI : RP_KQL_T_ARROW,
                            pos + 2);
        token->kind = RP_KQL_T_ASSIGN;
        break;
    case CC_BANG:
        if (pos + 1 < len && (text[pos + 1] == '=' || text[pos + 1] == '~'))
            return token_to(token, text[pos + 1] == '=' ? RP_KQL_T_NE : RP_KQL_T_NE_CI, pos + 2);
        if (pos + 1 < len && char_class[(unsigned char)text[pos + 1]] == CC_ALPHA) {
            pos = scan_word(text, len, pos + 1);
            if (pos - token->start == 3 && memcmp(text + token->start, "!in", 3) == 0 && pos < len && text[pos] == '~')
                pos++;
            token->kind = RP_KQL_T_BANGWORD;
            token->end = (uint32_t)pos;
            return pos;
        }
        token->kind = RP_KQL_T_BANG;
        break;
    case CC_LT:
        if (pos + 1 < len && (text[pos + 1] == '=' || text[pos + 1] == '>'))
            return token_to(token, text[pos + 1] == '=' ? RP_KQL_T_LE : RP_KQL_T_LTGT, pos + 2);
        token->kind = RP_KQL_T_LT;
        break;
    case CC_GT:
        if (pos + 1 < len && text[pos + 1] == '=') return token_to(token, RP_KQL_T_GE, pos + 2);
        token->kind = RP_KQL_T_GT;
        break;
    case CC_PUNCT:
        switch (ch) {
        case '(': token->kind = RP_KQL_T_LPAREN; break;
        case ')': token->kind = RP_KQL_T_RPAREN; break;
        case '[': token->kind = RP_KQL_T_LBRACKET; break;
        case ']': token->kind = RP_KQL_T_RBRACKET; break;
        case '{': token->kind = RP_KQL_T_LBRACE; break;
        case '}': token->kind = RP_KQL_T_RBRACE; break;
        case ',': token->kind = RP_KQL_T_COMMA; break;
        case ';': token->kind = RP_KQL_T_SEMI; break;
        case '|': token->kind = RP_KQL_T_PIPE; break;
        case ':': token->kind = RP_KQL_T_COLON; break;
        case '+': token->kind = RP_KQL_T_PLUS; break;
        case '-': token->kind = RP_KQL_T_MINUS; break;
        case '*': token->kind = RP_KQL_T_STAR; break;
        case '%': token->kind = RP_KQL_T_PERCENT; break;
        default: token->kind = RP_KQL_T_QUESTION; break;
        }
        break;
    default: {
        /* one whole UTF-8 sequence or control byte */
        token->kind = RP_KQL_T_ERROR;
        token->error = ch == 0 ? "a NUL byte (U+0000) in the query text, where KQL allows none (a binary file?)"
                               : "unexpected character";
        break;
    }
    }
    token->end = (uint32_t)(pos + 1);
    return pos + 1;
}

/* Appends the UTF-8 encoding of a code point. */
static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Reads `count` hex digits at text[pos]; -1 when they are not all hex. */
static long read_hex(const char *text, size_t end, size_t pos, int count)
{
    long value = 0;
    for (int i = 0; i < count; i++) {
        if (pos + (size_t)i >= end) return -1;
        int digit = hex_value(text[pos + (size_t)i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

char *rp_kql_string_decode(rp_arena *arena, const char *text, const rp_kql_token *token, size_t *out_len,
                           size_t *bad_offset)
{
    size_t pos = token->start, end = token->end;
    *bad_offset = (size_t)-1;
    if (token->flags & RP_KQL_STR_OBFUSCATED) pos++;
    if (token->flags & RP_KQL_STR_MULTILINE) {
        *out_len = end - pos - 6;
        return rp_arena_strndup(arena, text + pos + 3, *out_len);
    }
    int verbatim = (token->flags & RP_KQL_STR_VERBATIM) != 0;
    if (verbatim) pos++;
    char quote = text[pos++];
    end--; /* closing quote */
    char *out = rp_arena_alloc(arena, end - pos + 1);
    size_t n = 0;
    while (pos < end) {
        char ch = text[pos];
        if (verbatim) {
            if (ch == quote) pos++; /* doubled quote */
            out[n++] = text[pos++];
            continue;
        }
        if (ch != '\\') {
            out[n++] = text[pos++];
            continue;
        }
        char esc = pos + 1 < end ? text[pos + 1] : '\0';
        long cp;
        switch (esc) {
        case '\\': out[n++] = '\\'; pos += 2; break;
        case '\'': out[n++] = '\''; pos += 2; break;
        case '"': out[n++] = '"'; pos += 2; break;
        case 'n': out[n++] = '\n'; pos += 2; break;
        case 't': out[n++] = '\t'; pos += 2; break;
        case 'r': out[n++] = '\r'; pos += 2; break;
        case 'a': out[n++] = '\a'; pos += 2; break;
        case 'b': out[n++] = '\b'; pos += 2; break;
        case 'f': out[n++] = '\f'; pos += 2; break;
        case 'v': out[n++] = '\v'; pos += 2; break;
        case '0': out[n++] = '\0'; pos += 2; break;
        case 'x':
            cp = read_hex(text, end, pos + 2, 2);
            if (cp < 0) goto bad;
            n += put_utf8(out + n, (unsigned long)cp); /* \xHH is the code point U+00HH */
            pos += 4;
            break;
        case 'u':
            cp = read_hex(text, end, pos + 2, 4);
            if (cp < 0) goto bad;
            /* a surrogate pair \uD83D\uDE00 */
            if (cp >= 0xD800 && cp <= 0xDBFF && pos + 11 < end + 1 && text[pos + 6] == '\\' && text[pos + 7] == 'u') {
                long low = read_hex(text, end, pos + 8, 4);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    pos += 6;
                }
            }
            /* 4 UTF-8 bytes never exceed the 6 source bytes they replace */
            n += put_utf8(out + n, (unsigned long)cp);
            pos += 6;
            break;
        case 'U':
            cp = read_hex(text, end, pos + 2, 8);
            if (cp < 0 || cp > 0x10FFFF) goto bad;
            n += put_utf8(out + n, (unsigned long)cp);
            pos += 10;
            break;
        default:
        bad:
            if (*bad_offset == (size_t)-1) *bad_offset = pos;
            out[n++] = text[pos++];
            break;
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}
