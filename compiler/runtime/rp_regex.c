/* rp_regex.c: `matches regex` through PCRE2, restricted to the syntax RE2 / Rust regex accept
 * (KQL-SEMANTICS §4). rp_regex_check runs at build time: it rejects constructs PCRE2 has and
 * Rust lacks (or reads differently), then lets PCRE2 report plain syntax errors. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rp_runtime.h"

#include <pcre2.h>
#include <stdarg.h>
#include <string.h>

static bool fail(char *err, size_t cap, size_t *offset, size_t at, const char *fmt, ...)
{
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    if (offset) *offset = at;
    return false;
}

/* Escapes Rust regex and PCRE2 read alike. Everything else after a backslash is refused:
 * digits (backreferences / octal), k g (named backreferences), C K G X R N h H V Z E Q e c o,
 * u U (Rust \u vs PCRE2 error), v (Rust: vertical tab; PCRE2: a class). */
static bool escape_ok(char c)
{
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return true;
    return strchr("dDsSwWbBApPxntrfaz", c) != NULL;
}

static const char *escape_why(char c)
{
    if (c >= '1' && c <= '9') return "backreferences are not supported by KQL's regex engine";
    if (c == '0') return "octal escapes are not supported by KQL's regex engine";
    if (c == 'k' || c == 'g') return "backreferences and subroutine calls are not supported by KQL's regex engine";
    if (c == 'C') return "\\C (single code unit) is not supported by KQL's regex engine";
    if (c == 'K' || c == 'G') return "\\K and \\G are not supported by KQL's regex engine";
    if (c == 'u' || c == 'U') return "write \\x{HHHH} instead of \\u / \\U";
    if (c == 'v') return "\\v means a vertical tab in KQL and a class in PCRE2: write \\x0B";
    return "this escape is not supported by KQL's regex engine (RE2 / Rust regex syntax)";
}

bool rp_regex_check(const char *pat, size_t len, char *err, size_t errcap, size_t *offset)
{
    int in_class = 0;
    for (size_t i = 0; i < len; i++) {
        char c = pat[i];
        if (c == '\\') {
            if (i + 1 >= len) return fail(err, errcap, offset, i, "trailing backslash");
            char e = pat[i + 1];
            if (!escape_ok(e)) return fail(err, errcap, offset, i, "\\%c: %s", e, escape_why(e));
            i++;
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < len && pat[i + 1] == ':') {
                const char *close = NULL;
                for (size_t k = i + 2; k + 1 < len; k++)
                    if (pat[k] == ':' && pat[k + 1] == ']') {
                        close = pat + k;
                        break;
                    }
                if (close) {
                    i = (size_t)(close - pat) + 1;
                    continue;
                }
            }
            if (c == '[') return fail(err, errcap, offset, i, "nested character classes are read differently by KQL (Rust regex) and PCRE2: escape '[' as \\[");
            if ((c == '&' || c == '-' || c == '~') && i + 1 < len && pat[i + 1] == c && !(c == '-' && in_class == 1 && i > 0 && pat[i - 1] == '['))
                return fail(err, errcap, offset, i, "class set operation '%c%c' is not supported", c, c);
            if (c == ']' && !(i > 0 && pat[i - 1] == '[') && !(i > 1 && pat[i - 1] == '^' && pat[i - 2] == '[')) in_class = 0;
            continue;
        }
        if (c == '[') {
            in_class = 1;
            continue;
        }
        if ((c == '*' || c == '+' || c == '?' || c == '}') && i + 1 < len && pat[i + 1] == '+')
            return fail(err, errcap, offset, i + 1, "possessive quantifiers are not supported by KQL's regex engine");
        if (c == '(' && i + 1 < len && pat[i + 1] == '*')
            return fail(err, errcap, offset, i, "backtracking verbs (*...) are not supported by KQL's regex engine");
        if (c == '(' && i + 1 < len && pat[i + 1] == '?') {
            size_t j = i + 2;
            char d = j < len ? pat[j] : 0;
            if (d == ':') continue;
            if (d == '=' || d == '!') return fail(err, errcap, offset, i, "look-ahead is not supported by KQL's regex engine");
            if (d == '<' && j + 1 < len && (pat[j + 1] == '=' || pat[j + 1] == '!'))
                return fail(err, errcap, offset, i, "look-behind is not supported by KQL's regex engine");
            if (d == '<' || (d == 'P' && j + 1 < len && pat[j + 1] == '<')) continue; /* named group */
            if (d == 'P') return fail(err, errcap, offset, i, "named backreferences and recursion are not supported by KQL's regex engine");
            if (d == '>') return fail(err, errcap, offset, i, "atomic groups are not supported by KQL's regex engine");
            if (d == '|') return fail(err, errcap, offset, i, "branch reset groups are not supported by KQL's regex engine");
            if (d == '#') return fail(err, errcap, offset, i, "comment groups are not supported by KQL's regex engine");
            if (d == 'C') return fail(err, errcap, offset, i, "callouts are not supported by KQL's regex engine");
            if (d == '(') return fail(err, errcap, offset, i, "conditional groups are not supported by KQL's regex engine");
            if (d == '&' || d == 'R' || d == '+' || (d >= '0' && d <= '9') || (d == '-' && j + 1 < len && pat[j + 1] >= '0' && pat[j + 1] <= '9'))
                return fail(err, errcap, offset, i, "recursion and subroutine calls are not supported by KQL's regex engine");
            /* flag group: (?imsUx-imsUx) or (?flags:...) */
            for (; j < len && pat[j] != ')' && pat[j] != ':'; j++)
                if (!strchr("imsUx-", pat[j]))
                    return fail(err, errcap, offset, j, "regex flag '%c' is not supported here (allowed: i m s U x)", pat[j]);
            continue;
        }
    }
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        return fail(err, errcap, offset, (size_t)off, "%s", (const char *)msg);
    }
    pcre2_code_free(re);
    if (err && errcap) err[0] = 0;
    if (offset) *offset = 0;
    return true;
}

bool rp_regex_init(rp_regex *re, const char *pat, size_t len, char *err, size_t errcap)
{
    size_t off;
    re->code = re->match_data = NULL;
    if (!rp_regex_check(pat, len, err, errcap, &off)) return false;
    int code;
    PCRE2_SIZE poff;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &code, &poff, NULL);
    if (!c) return fail(err, errcap, NULL, 0, "regex does not compile");
    (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* optional: falls back to the interpreter */
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
    if (!md) {
        pcre2_code_free(c);
        return fail(err, errcap, NULL, 0, "out of memory");
    }
    re->code = c;
    re->match_data = md;
    return true;
}

bool rp_regex_match(const rp_regex *re, rp_str h)
{
    int rc = pcre2_match((const pcre2_code *)re->code, (PCRE2_SPTR)h.ptr, h.len, 0, 0, (pcre2_match_data *)re->match_data, NULL);
    return rc >= 0;
}

bool rp_regex_group(const rp_regex *re, rp_str h, int64_t g, rp_str *out)
{
    pcre2_match_data *md = (pcre2_match_data *)re->match_data;
    int rc = pcre2_match((const pcre2_code *)re->code, (PCRE2_SPTR)(h.len ? h.ptr : ""), h.len, 0, 0, md, NULL);
    if (rc <= 0 || g < 0 || g >= rc) return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[2 * g] == PCRE2_UNSET) return false;
    out->ptr = h.ptr + ov[2 * g];
    out->len = ov[2 * g + 1] - ov[2 * g];
    return true;
}

void rp_regex_free(rp_regex *re)
{
    pcre2_match_data_free((pcre2_match_data *)re->match_data);
    pcre2_code_free((pcre2_code *)re->code);
    re->code = re->match_data = NULL;
}
