/* rp_runtime.h: the runtime that generated matchers include and the interpreter shares.
 *
 * Self-contained C11 (no compiler/ headers; links with -lpcre2-8 -lm only), so `out/c/` can copy
 * it next to generated code. It holds: KQL string semantics, typed values, the JSON-lines event
 * reader and its prefilter, accounting, the alert writer and the summarize group table.
 *
 * How generated code uses it (one static function per rule, no allocation per event):
 *
 *     static const rp_needle K0 = {"meshcentral", "meshcentral", 11};  // as written, ASCII-lowered
 *     static bool rp_rule_x(const rp_event *ev, int64_t now)
 *     {   // Timestamp between (now-5d .. now) and ProcessVersionInfoProductName has 'meshcentral'
 *         return rp_tv_where(rp_tv_and(rp_between_i(&ev->v[C_Timestamp], now - 5 * RP_TICKS_PER_DAY, now),
 *                                      rp_tv_of(rp_has(ev->v[C_ProductName].s, &K0, RP_CI))));
 *     }
 *
 * Column values live in ev->v[slot] (slot = index in the pack's column-name table, rp_layout).
 * Strings are never NULL: missing => "" (len 0). Non-string kinds carry `null`.
 * Predicates over non-string values are three-valued (rp_tv: F, T, N); `where` maps N to false
 * (rp_tv_where). String predicates return bool (strings have no null).
 *
 * The driver loop: rp_reader_init(&r, &layout, stdin, &stats); rp_reader_set_prefilter(...);
 * while ((rc = rp_reader_next(&r, &ev)) != RP_READ_EOF) { if (rc == RP_READ_EVENT) ... }
 * then rp_stats_print_json(&stats, stderr). Alerts go through rp_jw (JSON writer).
 *
 * Decisions (see KQL-SEMANTICS.md):
 * - Case-insensitive operators fold ASCII A-Z only. Bytes >= 0x80 are compared as they are.
 * - Term characters (has family): ASCII letters and digits, and every byte >= 0x80
 *   (RP_TERM_NONASCII): the docs call terms "alphanumeric" since 2023, and nearly all non-ASCII
 *   characters in event data are letters. rp_needle_flags() tells the compiler when a needle
 *   depends on an unverified rule (separators: phrase rule of §2.3; non-ASCII; empty).
 * - Phrase rule (needle with non-term characters): the needle occurs as a substring; if its first
 *   byte is a term character it must start a term (has, hasprefix); if its last byte is a term
 *   character it must end a term (has, hassuffix). For all-term needles this is exactly §2.2.
 * - Datetimes are int64 ticks (100 ns) since 0001-01-01T00:00:00Z. Output form:
 *   "YYYY-MM-DDThh:mm:ss[.f]Z" where the fraction has at most 7 digits with trailing zeros
 *   removed, and is absent when zero (Kusto's own JSON form).
 * - Timespans print as "[-][d.]hh:mm:ss[.fffffff]" (7 digits when the fraction is non-zero).
 * - Reals print in the shortest form that reads back exactly (%.15g..%.17g); NaN/inf as strings.
 */
#ifndef RP_RUNTIME_H
#define RP_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RP_RUNTIME_ABI 1

/* RP_MAX_EVENT_LINE, RP_MAX_JSON_DEPTH: every limit is in rp_limits.h (copied beside this file). */
#include "rp_limits.h"

#define RP_TICKS_PER_SECOND INT64_C(10000000)
#define RP_TICKS_PER_MINUTE (60 * RP_TICKS_PER_SECOND)
#define RP_TICKS_PER_HOUR (3600 * RP_TICKS_PER_SECOND)
#define RP_TICKS_PER_DAY (86400 * RP_TICKS_PER_SECOND)
/* Ticks of 1970-01-01T00:00:00Z. */
#define RP_TICKS_UNIX_EPOCH INT64_C(621355968000000000)

/* ---------------------------------------------------------------- values */

/* A byte string; ptr is never NULL (missing strings are ""). Not NUL-terminated in general. */
typedef struct rp_str {
    const char *ptr;
    size_t len;
} rp_str;

/* Column kinds, as the table schema declares them. */
typedef enum rp_kind {
    RP_K_ABSENT = 0, /* not a column of this table */
    RP_K_STRING,
    RP_K_LONG,       /* int and long */
    RP_K_REAL,       /* real and decimal */
    RP_K_BOOL,
    RP_K_DATETIME,
    RP_K_TIMESPAN,
    RP_K_GUID,       /* kept as its text */
    RP_K_DYNAMIC     /* raw JSON text of the value */
} rp_kind;

/* One column value of the current event. For strings `s` is the decoded text; for guid the text;
 * for dynamic the raw JSON; for other kinds `s` is the raw JSON text (for diagnostics). */
typedef struct rp_val {
    rp_str s;
    int64_t i;          /* long, bool (0/1), datetime and timespan ticks */
    double r;           /* real */
    unsigned char null; /* non-string kinds: missing, JSON null or unparseable */
    unsigned char bad;  /* present but not parseable as the column's kind (null is set too) */
} rp_val;

/* Three-valued logic: false, true, null. */
typedef enum rp_tv { RP_F = 0, RP_T = 1, RP_N = 2 } rp_tv;

static inline rp_tv rp_tv_of(bool b) { return b ? RP_T : RP_F; }
static inline bool rp_tv_where(rp_tv t) { return t == RP_T; }
static inline rp_tv rp_tv_not(rp_tv t) { return t == RP_N ? RP_N : (t == RP_T ? RP_F : RP_T); }
static inline rp_tv rp_tv_and(rp_tv a, rp_tv b)
{
    if (a == RP_F || b == RP_F) return RP_F;
    return (a == RP_N || b == RP_N) ? RP_N : RP_T;
}
static inline rp_tv rp_tv_or(rp_tv a, rp_tv b)
{
    if (a == RP_T || b == RP_T) return RP_T;
    return (a == RP_N || b == RP_N) ? RP_N : RP_F;
}

/* Comparisons of a non-string value with a constant (KQL §5: == null => false, != null => true,
 * ordering with null => null). */
static inline rp_tv rp_eq_i(const rp_val *v, int64_t k) { return v->null ? RP_F : rp_tv_of(v->i == k); }
static inline rp_tv rp_ne_i(const rp_val *v, int64_t k) { return v->null ? RP_T : rp_tv_of(v->i != k); }
static inline rp_tv rp_lt_i(const rp_val *v, int64_t k) { return v->null ? RP_N : rp_tv_of(v->i < k); }
static inline rp_tv rp_le_i(const rp_val *v, int64_t k) { return v->null ? RP_N : rp_tv_of(v->i <= k); }
static inline rp_tv rp_gt_i(const rp_val *v, int64_t k) { return v->null ? RP_N : rp_tv_of(v->i > k); }
static inline rp_tv rp_ge_i(const rp_val *v, int64_t k) { return v->null ? RP_N : rp_tv_of(v->i >= k); }
static inline rp_tv rp_eq_r(const rp_val *v, double k) { return v->null ? RP_F : rp_tv_of(v->r == k); }
static inline rp_tv rp_ne_r(const rp_val *v, double k) { return v->null ? RP_T : rp_tv_of(v->r != k); }
static inline rp_tv rp_lt_r(const rp_val *v, double k) { return v->null ? RP_N : rp_tv_of(v->r < k); }
static inline rp_tv rp_le_r(const rp_val *v, double k) { return v->null ? RP_N : rp_tv_of(v->r <= k); }
static inline rp_tv rp_gt_r(const rp_val *v, double k) { return v->null ? RP_N : rp_tv_of(v->r > k); }
static inline rp_tv rp_ge_r(const rp_val *v, double k) { return v->null ? RP_N : rp_tv_of(v->r >= k); }
/* between is inclusive on both ends (§7); !between is rp_tv_not of it (null stays null). */
static inline rp_tv rp_between_i(const rp_val *v, int64_t lo, int64_t hi)
{
    return v->null ? RP_N : rp_tv_of(v->i >= lo && v->i <= hi);
}
static inline rp_tv rp_between_r(const rp_val *v, double lo, double hi)
{
    return v->null ? RP_N : rp_tv_of(v->r >= lo && v->r <= hi);
}
static inline rp_tv rp_isnull(const rp_val *v) { return rp_tv_of(v->null != 0); }
static inline bool rp_isempty(rp_str s) { return s.len == 0; }

/* Builds an rp_str from a NUL-terminated string. */
rp_str rp_str_c(const char *s);

/* Parses ISO-8601 "YYYY-MM-DD[(T| )hh:mm[:ss[.f{1,7}]]][Z|+hh:mm|-hh:mm|+hhmm]" (no zone = UTC)
 * into ticks. Returns false on any other text or an out-of-range field. */
bool rp_datetime_parse(const char *s, size_t len, int64_t *ticks);
/* Writes the output form (see top); returns the length; buf needs 40 bytes. */
size_t rp_datetime_format(int64_t ticks, char *buf);
/* Parses "[-][d.]hh:mm[:ss[.f{1,7}]]" into ticks. */
bool rp_timespan_parse(const char *s, size_t len, int64_t *ticks);
size_t rp_timespan_format(int64_t ticks, char *buf);
/* Whole-text long / real parse (JSON number syntax, or a string holding one). */
bool rp_long_parse(const char *s, size_t len, int64_t *out);
bool rp_real_parse(const char *s, size_t len, double *out);
/* Whole-text "true" / "false" in any ASCII case (a bool column's string, a parse capture, tobool). */
bool rp_bool_parse(const char *s, size_t len, int64_t *out);
/* Shortest exact form; buf needs 32 bytes. NaN -> "NaN", inf -> "Infinity"/"-Infinity". */
size_t rp_real_format(double r, char *buf);
/* bin(x, size) for ticks or longs (floor towards negative infinity; size > 0). */
static inline int64_t rp_bin_i(int64_t x, int64_t size)
{
    int64_t q = x / size;
    if ((x % size) != 0 && x < 0) q--;
    return q * size;
}

/* ---------------------------------------------------------------- strings (KQL §2-§4) */

/* A constant string operand, precomputed by the emitter (or rp_needle_make for the interpreter):
 * `s` as written, `lower` the same bytes with A-Z folded to a-z, `len` bytes each. */
typedef struct rp_needle {
    const char *s;
    const char *lower;
    size_t len;
} rp_needle;

typedef enum rp_case { RP_CS = 0, RP_CI = 1 } rp_case;

/* Fills `n` from text; `lower_buf` (len bytes) receives the folded copy and must outlive `n`. */
void rp_needle_make(rp_needle *n, const char *s, size_t len, char *lower_buf);

/* Flags the compiler turns into warnings or errors (KQL-SEMANTICS §2.3, §3, §4). */
enum {
    RP_NF_EMPTY = 1,       /* empty needle: undocumented for has/contains/startswith (reject) */
    RP_NF_PHRASE = 2,      /* has-family needle with non-term characters: §2.3 phrase rule, unverified */
    RP_NF_NONASCII = 4,    /* bytes >= 0x80: ASCII-only folding and term rule unverified */
    RP_NF_NO_PREFILTER = 8 /* cannot be a prefilter literal (contains '"', '\\', '/' or control) */
};
unsigned rp_needle_flags(const char *s, size_t len);

/* Is byte c a term character (ASCII letter/digit, or >= 0x80)? */
extern const unsigned char rp_term_table[256];
static inline bool rp_is_term(unsigned char c) { return rp_term_table[c] != 0; }
static inline unsigned char rp_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

/* ==, =~ : whole value; negations are !rp_eq(...). */
bool rp_eq(rp_str h, const rp_needle *n, rp_case cs);
/* contains / contains_cs. */
bool rp_contains(rp_str h, const rp_needle *n, rp_case cs);
bool rp_startswith(rp_str h, const rp_needle *n, rp_case cs);
bool rp_endswith(rp_str h, const rp_needle *n, rp_case cs);
/* has / has_cs, hasprefix(_cs), hassuffix(_cs): terms, phrase rule for non-term needles. */
bool rp_has(rp_str h, const rp_needle *n, rp_case cs);
bool rp_hasprefix(rp_str h, const rp_needle *n, rp_case cs);
bool rp_hassuffix(rp_str h, const rp_needle *n, rp_case cs);
/* Substring search (case-sensitive or ASCII-insensitive); returns offset or (size_t)-1. */
size_t rp_find(const char *h, size_t hlen, const rp_needle *n, rp_case cs, size_t from);

/* A constant string set for in / in~ / !in / !in~ : `items` sorted by rp_strset_cmp (length
 * first, then bytes; for a case-insensitive set the items are the ASCII-lowered texts).
 * rp_strset_sort sorts in place for the interpreter; the emitter emits them already sorted. */
typedef struct rp_strset {
    const rp_str *items;
    size_t count;
    rp_case cs;
} rp_strset;
int rp_strset_cmp(rp_str a, rp_str b);
void rp_strset_sort(rp_str *items, size_t count);
bool rp_in(rp_str h, const rp_strset *set);

/* A constant long set (in / !in on long, datetime, timespan), sorted ascending. */
typedef struct rp_longset {
    const int64_t *items;
    size_t count;
} rp_longset;
rp_tv rp_in_i(const rp_val *v, const rp_longset *set);   /* OR of ==: null -> false */
static inline rp_tv rp_notin_i(const rp_val *v, const rp_longset *set) { return v->null ? RP_T : rp_tv_not(rp_in_i(v, set)); }

/* has_any / has_all over constant needles (always case-insensitive). `terms` are the
 * all-term needles, ASCII-lowered and sorted with rp_strset_cmp (looked up per term of the
 * haystack, so cost does not grow with their number); `phrases` the others. */
typedef struct rp_hasany {
    const rp_str *terms;
    size_t nterms;
    const rp_needle *phrases;
    size_t nphrases;
} rp_hasany;
bool rp_has_any(rp_str h, const rp_hasany *set);
/* has_all: every needle (a plain array) is `has` in h. */
bool rp_has_all(rp_str h, const rp_needle *needles, size_t count);

/* ---------------------------------------------------------------- matches regex */

/* Compiled regex (PCRE2, UTF + UCP, invalid UTF-8 tolerated, $ only at end, JIT when there). */
typedef struct rp_regex {
    void *code;       /* pcre2_code_8 */
    void *match_data; /* pcre2_match_data_8, reused for every match */
} rp_regex;

/* Build-time syntax check: false when the pattern uses what RE2 / Rust regex would not accept
 * (backreferences, look-around, atomic / possessive, \C, recursion, callouts, conditionals,
 * verbs, \K, \G, ...) or does not compile. `err` gets the message, `*offset` the byte offset. */
bool rp_regex_check(const char *pat, size_t len, char *err, size_t errcap, size_t *offset);
/* Compiles (after rp_regex_check); false with a message on error. Call once at start. */
bool rp_regex_init(rp_regex *re, const char *pat, size_t len, char *err, size_t errcap);
bool rp_regex_match(const rp_regex *re, rp_str h);
/* First (leftmost) match of re in h: group g's text into *out (pointing into h). False when there
 * is no match, g is negative, above the groups of the match or did not take part (extract()). */
bool rp_regex_group(const rp_regex *re, rp_str h, int64_t g, rp_str *out);
void rp_regex_free(rp_regex *re);

/* ---------------------------------------------------------------- accounting */

typedef enum rp_reject {
    RP_REJ_INVALID_JSON, /* not a single valid JSON object */
    RP_REJ_TOO_LONG,     /* longer than RP_MAX_EVENT_LINE */
    RP_REJ_NO_TABLE,     /* no "Type" key and no --table */
    RP_REJ_BAD_TYPE,     /* "Type" is present but not a string */
    RP_REJ_COUNT
} rp_reject;
const char *rp_reject_name(rp_reject why);

/* Every line read lands in exactly one bucket:
 *   lines_read = blank + rejected (sum of by reason) + other_table + prefiltered + evaluated
 * other_table: valid events of a table no rule of the pack reads.
 * prefiltered: lines the prefilter proved no rule can match; they are not parsed (so an invalid
 *   line among them is not detected as such).
 * matched: evaluated events for which at least one rule's filter held (before exclusions).
 * Per rule: matched = suppressed (sum over its exclusions) + alerts-or-aggregated. */
typedef struct rp_rule_stats {
    const char *rule_id;
    uint64_t matched;
    uint64_t alerts;        /* alert lines written (filter rules) or groups written (summarize) */
    uint64_t aggregated;    /* events fed to summarize */
    uint64_t *suppressed;   /* per exclusion, `nexcl` entries */
    const char *const *excl_names;
    size_t nexcl;
    bool has_tail;          /* summarize/count/top...: `aggregated` is the bucket, even when 0 */
} rp_rule_stats;

typedef struct rp_stats {
    uint64_t lines_read;
    uint64_t bytes_read;
    uint64_t blank;
    uint64_t rejected[RP_REJ_COUNT];
    uint64_t other_table;
    uint64_t prefiltered;
    uint64_t evaluated;
    uint64_t matched;
    uint64_t alerts;
    uint64_t bad_values;    /* values present but unparseable for their column kind (now null) */
    rp_rule_stats *rules;   /* optional, `nrules` entries, owned by the caller */
    size_t nrules;
} rp_stats;

uint64_t rp_stats_rejected_total(const rp_stats *st);
/* True when the buckets add up to lines_read. */
bool rp_stats_consistent(const rp_stats *st);
/* One JSON object (deterministic key order) and a newline. */
void rp_stats_print_json(const rp_stats *st, FILE *out);

/* ---------------------------------------------------------------- event reader */

/* The pack's columns: `cols` are the distinct column names the pack reads (any order; slot =
 * index); `tables` the tables its rules read; kinds[t * ncols + c] is the kind of column c in
 * table t, or RP_K_ABSENT (then the slot reads as missing for that table's events). */
typedef struct rp_layout {
    const char *const *cols;
    size_t ncols;
    const char *const *tables;
    size_t ntables;
    const unsigned char *kinds;
} rp_layout;

typedef struct rp_event {
    int table;          /* index into layout->tables */
    const rp_val *v;    /* ncols values */
    rp_str line;        /* the raw line (without newline) */
    uint64_t lineno;    /* 1-based */
} rp_event;

/* Required literals: a line can only match when it contains one of them (searched ASCII
 * case-insensitively, a superset for _cs literals) or contains a real backslash-u escape (the
 * literal may be spelled with \u escapes). A literal with '"', '\\', '/' or control characters
 * (which JSON may escape otherwise) turns the prefilter off. Sound for any rule whose filter
 * implies the literal occurs in some string column. Cost: one SSE2 pass for one literal; one
 * pass over sampled 4-byte windows (rp_multi) for several, whatever their number. */
typedef struct rp_multi rp_multi;
typedef struct rp_prefilter {
    rp_needle *lits;
    size_t nlits;
    bool enabled;
    rp_multi *multi;        /* folded literals and the one-pass search (NULL: one pass each) */
} rp_prefilter;

/* Any-of search for literals, ASCII case-insensitive (rp_multi.c). rp_multi_new copies and
 * folds the literals (non-empty) and returns NULL when out of memory; rp_multi_find allocates
 * nothing; rp_multi_lower is the folded copy of literal i. */
rp_multi *rp_multi_new(const rp_needle *lits, size_t n);
bool rp_multi_find(const rp_multi *m, const char *s, size_t len);
const char *rp_multi_lower(const rp_multi *m, size_t i);
void rp_multi_free(rp_multi *m);

typedef struct rp_reader {
    const rp_layout *layout;
    rp_stats *stats;
    FILE *in;
    int default_table;      /* -1: none (set by rp_reader_set_table) */
    /* input buffer */
    char *buf;
    size_t cap, start, end;
    bool eof;
    /* per line */
    rp_val *vals;
    const char **raw;       /* raw value start per slot */
    size_t *rawlen;
    unsigned char *rawkind; /* 0 missing; else the JSON token kind */
    unsigned char *escaped;
    uint32_t *gen;
    uint32_t cur_gen;
    char *scratch;
    size_t scratch_cap, scratch_len;
    /* key lookup: open addressing on a hash of the key */
    int32_t *hslots;
    size_t hmask;
    uint64_t lenmask;       /* bit (len & 63) set for every column name length */
    rp_prefilter pf;
    uint64_t lineno;
    rp_reject last_reject;
    size_t reject_offset;   /* byte offset in the line where parsing failed */
} rp_reader;

/* RP_READ_SKIP: blank, prefiltered or other-table line (rp_reader_parse_line only). */
enum { RP_READ_EOF = 0, RP_READ_EVENT = 1, RP_READ_REJECT = 2, RP_READ_SKIP = 3, RP_READ_IOERR = -1 };

/* `in` may be NULL for rp_reader_parse_line-only use. Allocates once; false on out of memory. */
bool rp_reader_init(rp_reader *r, const rp_layout *layout, FILE *in, rp_stats *stats);
void rp_reader_free(rp_reader *r);
/* --table NAME: false when the pack reads no such table (then its events are other_table). */
bool rp_reader_set_table(rp_reader *r, const char *name);
/* Installs required literals (any-of). Returns false (prefilter off) when one is unusable. */
bool rp_reader_set_prefilter(rp_reader *r, const rp_needle *lits, size_t nlits, bool ci);
/* Next event or rejection (blank, prefiltered and other-table lines are counted and skipped).
 * On RP_READ_REJECT, r->last_reject / r->lineno say why and where. */
int rp_reader_next(rp_reader *r, rp_event *ev);
/* Parses one line (no newline) as rp_reader_next does, with the same accounting (it counts the
 * line as read). `line` is not modified and must stay valid while the event is used. Returns
 * RP_READ_EVENT, RP_READ_REJECT or RP_READ_SKIP. */
int rp_reader_parse_line(rp_reader *r, const char *line, size_t len, rp_event *ev);
/* The prefilter alone (exposed for tests and the interpreter). */
bool rp_prefilter_may_match(const rp_prefilter *pf, const char *line, size_t len);

/* ---------------------------------------------------------------- JSON writer (alerts) */

typedef struct rp_jw {
    char *buf;
    size_t len, cap;
    int depth;
    bool first[64];     /* no comma needed yet at this depth */
    bool oom;
} rp_jw;

void rp_jw_init(rp_jw *w);
void rp_jw_free(rp_jw *w);
void rp_jw_reset(rp_jw *w);
void rp_jw_obj_begin(rp_jw *w);
void rp_jw_obj_end(rp_jw *w);
void rp_jw_arr_begin(rp_jw *w);
void rp_jw_arr_end(rp_jw *w);
void rp_jw_key(rp_jw *w, const char *key);
/* JSON string: ", \\, control chars, U+2028/U+2029 as \u escapes; invalid UTF-8 -> \ufffd. */
void rp_jw_str(rp_jw *w, rp_str s);
void rp_jw_cstr(rp_jw *w, const char *s);
void rp_jw_long(rp_jw *w, int64_t i);
void rp_jw_real(rp_jw *w, double r);
void rp_jw_bool(rp_jw *w, bool b);
void rp_jw_null(rp_jw *w);
void rp_jw_raw(rp_jw *w, rp_str json);  /* already valid JSON (dynamic values) */
/* A column value by kind (null -> null; datetime/timespan in their output forms). */
void rp_jw_val(rp_jw *w, const rp_val *v, rp_kind kind);
/* Writes the buffer plus "\n" to `out` and resets; false on a write error. */
bool rp_jw_flush_line(rp_jw *w, FILE *out);
/* Appends a JSON-escaped string to any buffer-less sink: for tests. */
size_t rp_json_escape(rp_str s, char *out, size_t cap);

/* ---------------------------------------------------------------- summarize */

typedef enum rp_agg_kind {
    RP_AGG_COUNT,     /* count() */
    RP_AGG_COUNTIF,   /* countif(pred): feed with rp_group_feed's `cond` */
    RP_AGG_DCOUNT,    /* exact distinct count (Kusto estimates above 1,000 distinct values) */
    RP_AGG_MIN,
    RP_AGG_MAX,
    RP_AGG_SUM,
    RP_AGG_AVG,
    RP_AGG_MAKE_SET,  /* distinct values, first-seen order, JSON array */
    RP_AGG_MAKE_LIST, /* all non-null values, input order */
    RP_AGG_ARG_MAX,   /* value maximizing arg 1, with extra columns; first seen wins ties */
    RP_AGG_ARG_MIN,
    RP_AGG_ANY        /* any / take_any: the first row seen with a non-null value (strings: first row) */
} rp_agg_kind;

typedef struct rp_agg_spec {
    rp_agg_kind kind;
    rp_kind vkind;    /* kind of the aggregated value (ignored by count/countif) */
    size_t nextra;    /* arg_max / arg_min: number of extra columns carried */
    const rp_kind *extra_kinds;
    size_t max_size;  /* make_set / make_list cap (0: 1,048,576) */
} rp_agg_spec;

typedef struct rp_group rp_group;
typedef struct rp_groups {
    const rp_kind *key_kinds;
    size_t nkeys;
    const rp_agg_spec *aggs;
    size_t naggs;
    rp_group **slots;   /* hash table */
    size_t mask, count;
    rp_group *first, *last; /* insertion order */
    uint8_t *keybuf;
    size_t keycap;
    bool oom;
} rp_groups;

/* Per-event input of one aggregate: its value, a countif condition, arg_max extras. */
typedef struct rp_agg_in {
    const rp_val *v;
    bool cond;
    const rp_val *extra;  /* nextra values */
} rp_agg_in;

bool rp_groups_init(rp_groups *g, const rp_kind *key_kinds, size_t nkeys, const rp_agg_spec *aggs, size_t naggs);
void rp_groups_free(rp_groups *g);
/* Adds one event: keys[nkeys] (string keys are copied), ins[naggs]. False on out of memory. */
bool rp_groups_feed(rp_groups *g, const rp_val *keys, const rp_agg_in *ins);
/* Visits groups in first-seen order; for each: writes keys and aggregates as JSON members named
 * key_names / agg_names into an object on `w` (caller flushes). */
typedef struct rp_group_iter {
    const rp_group *cur, *next;
} rp_group_iter;
void rp_groups_iter(const rp_groups *g, rp_group_iter *it);
bool rp_groups_next(rp_group_iter *it);
void rp_groups_write(const rp_groups *g, const rp_group_iter *it, rp_jw *w, const char *const *key_names,
                     const char *const *agg_names, const char *const *const *extra_names);

/* Reading groups back as values (tail stages after summarize: `| where Count > 5`, `| top`, ...;
 * also distinct, as a table with keys and no aggregates). Each value is exactly what
 * rp_groups_write writes for it. Strings point into the group (valid until rp_groups_free) or, for
 * make_set / make_list, into `w`. An iterator whose `cur` is NULL stands for the one row of a
 * summarize without `by` on empty input: every aggregate takes its empty-input default (count,
 * countif, dcount, sum: 0; make_set, make_list: []; avg, min, max, arg_*, take_any: null, or ""
 * for text kinds). */
/* Kind of aggregate a's result: LONG (count, countif, dcount), REAL (avg), DYNAMIC (make_set,
 * make_list), sum: REAL for a REAL input else LONG; min, max, arg_*, take_any: the input kind. */
rp_kind rp_groups_agg_kind(const rp_groups *g, size_t a);
/* Key k of the current group (cur must not be NULL). */
const rp_val *rp_groups_key(const rp_groups *g, const rp_group_iter *it, size_t k);
/* Aggregate a of the current group into *out; make_set / make_list write the JSON array into `w`
 * (reset first) and out->s points into w's buffer. */
void rp_groups_agg(const rp_groups *g, const rp_group_iter *it, size_t a, rp_jw *w, rp_val *out);
/* Extra column e of arg_max / arg_min / take_any aggregate a (kind: the spec's extra_kinds[e]). */
void rp_groups_extra(const rp_groups *g, const rp_group_iter *it, size_t a, size_t e, rp_val *out);

/* ---------------------------------------------------------------- term index (rp_terms.c)
 * Many rules testing `has` on one column: the column's value is cut into terms once per event
 * (maximal runs of term characters, ASCII-folded) and each term is looked up in a hash of the
 * pack's all-term needles for that column; every needle found sets its atom's bit. A rule's
 * `has "x"` is then one bit test, so the cost per event does not grow with the rule count.
 * `terms` are ASCII-lowered; several entries may share a term (different atoms) or an atom
 * (has_any sets). Built once at start; rp_termset_scan allocates nothing. */
typedef struct rp_termset {
    const rp_str *terms;
    const uint32_t *atoms;
    size_t n;
    uint32_t *slots;     /* open addressing: entry index + 1, 0 = empty */
    size_t mask;
    uint64_t lenmask;    /* bit (len & 63) set for every term length */
} rp_termset;
bool rp_termset_init(rp_termset *t, const rp_str *terms, const uint32_t *atoms, size_t n);
/* ORs into bits[] the atom of every entry whose term is a term of h. */
void rp_termset_scan(const rp_termset *t, rp_str h, uint64_t *bits);
void rp_termset_free(rp_termset *t);

/* ---------------------------------------------------------------- per-event strings and tails
 * (rp_tail.c; interp.c's "Tail semantics" is the reference) */

/* Strings computed per event (tolower, strcat, ...) live here: blocks are kept until reset, so a
 * string stays valid while the event is evaluated; once warm, nothing is allocated. On out of
 * memory the helpers return "" and set `oom`. */
typedef struct rp_scratch {
    char *buf;
    size_t len, cap;
    char **old;
    size_t nold, oldcap;
    bool oom;
} rp_scratch;
char *rp_scratch_alloc(rp_scratch *sc, size_t n); /* NULL (and oom) when out of memory */
void rp_scratch_reset(rp_scratch *sc);
void rp_scratch_free(rp_scratch *sc);
rp_str rp_str_copy(rp_scratch *sc, rp_str s);
/* tolower / toupper: ASCII letters only. */
rp_str rp_str_case(rp_scratch *sc, rp_str s, bool upper);
/* strcat of n texts. */
rp_str rp_str_concat(rp_scratch *sc, const rp_str *parts, size_t n);
/* replace_string: every non-overlapping occurrence of `from` (case-sensitive, left to right);
 * an empty `from` leaves s as it is. */
rp_str rp_str_replace(rp_scratch *sc, rp_str s, rp_str from, rp_str to);
/* A needle for a text computed per event (its folded copy in the scratch). */
rp_needle rp_needle_scratch(rp_scratch *sc, rp_str s);
/* trim_start / trim_end / trim with the compiled \A(?:re)+ and (?:re)+\z (either may be NULL). */
rp_str rp_trim_regex(const rp_regex *start, const rp_regex *end, rp_str s);

/* parse kind=simple: pieces left to right (constants, captures, `*`); see interp.c. A typed
 * capture converts strictly (long, real, datetime, timespan, bool, guid; string as is).
 * Returns false when a constant is missing or a conversion fails; out[i] is set for the named
 * captures only (string captures point into s). */
typedef struct rp_parse_piece {
    const char *text;   /* constant text; NULL for a capture or `*` */
    size_t len;
    bool named;         /* a named capture (converted into out[i]) */
    rp_kind kind;
} rp_parse_piece;
bool rp_parse_simple(const rp_parse_piece *pieces, size_t n, rp_str s, rp_val *out);

/* mv-expand of one value: rp_expand_begin returns how many elements it makes (arrays: their
 * elements, objects: one {key:value} per member, dynamic null / missing: one null, anything else:
 * itself once); rp_expand_next gives them in order (object members are built in the scratch). */
typedef struct rp_expand {
    rp_str s;
    size_t i;
    char open;          /* '[' or '{'; 0: the single value */
    rp_val single;
} rp_expand;
size_t rp_expand_begin(rp_expand *x, const rp_val *v, rp_kind kind);
rp_val rp_expand_next(rp_expand *x, rp_scratch *sc);

/* ---------------------------------------------------------------- dynamic values (rp_dyn.c;
 * interp.c's "Dynamic values" is the reference). A dynamic rp_val is the raw JSON text of the
 * value, without surrounding whitespace, and `null` for JSON null or missing (then s is "" or
 * "null"). Results point into their input (the event line) or into the scratch. */

/* d.key / d["key"]: the member's value; null when d is null, not an object or lacks the key.
 * A key present more than once: the LAST occurrence (as the event reader does for columns). */
rp_val rp_dyn_member(rp_val d, rp_str key, rp_scratch *sc);
/* d[i]: the i-th array element (i < 0 counts from the end); null when out of range or d is not
 * an array. */
rp_val rp_dyn_index(rp_val d, int64_t i);
/* parse_json / todynamic of a string: its content when it is one valid JSON value (RFC 8259,
 * depth <= RP_MAX_JSON_DEPTH; surrounding whitespace removed, CR/LF inside turned into spaces so
 * an alert stays one line); otherwise a dynamic string holding s. JSON null gives null. */
rp_val rp_dyn_parse(rp_scratch *sc, rp_str s);
/* tostring(): null -> ""; a JSON string -> its unescaped text; true/false; an integer that fits
 * a long -> its digits ("-0" -> "0"); another number -> the real's output form (rp_real_format);
 * an array or object -> its JSON text as it is. */
rp_str rp_dyn_text(rp_scratch *sc, rp_val d);
/* array_length(): element count of an array, else null. */
rp_val rp_dyn_array_length(rp_val d);
/* isempty(): null, or the JSON string "". */
/* KQL null: no value, or the JSON text null (whitespace around it allowed). */
bool rp_dyn_is_null(rp_val d);
bool rp_dyn_isempty(rp_val d);
/* End of the JSON value starting at s.ptr[i] (strings and nesting followed; a scalar ends at a
 * delimiter); for text already known to be JSON. Shared by mv-expand and the dynamic helpers. */
size_t rp_json_skip(rp_str s, size_t i);
/* split(s, delim[, index]) (delim not empty): the parts between non-overlapping occurrences of
 * delim, left to right, as a JSON array of strings; index >= 0: the one-element array of part
 * `index`, [] when there is none; index < 0: every part. */
rp_val rp_dyn_split(rp_scratch *sc, rp_str s, rp_str delim, int64_t index);
/* pack_array: [v0,...] with each element's JSON form (string escaped, long digits, bool,
 * timespan as its text in a JSON string, dynamic as it is, null as null). */
rp_val rp_dyn_pack(rp_scratch *sc, const rp_val *vals, const rp_kind *kinds, size_t n);
/* IPv4 "a.b.c.d[/p]" (parts 1-3 digits <= 255, p <= 32); false on anything else. */
bool rp_ipv4_parse(rp_str s, uint32_t *addr, int *prefix);
/* ipv4_is_private: the address (masked by its prefix) in 10/8, 172.16/12 or 192.168/16; null
 * when s is not an IPv4 address (a bool rp_val). */
rp_val rp_ipv4_is_private(rp_str s);
/* Decodes an already validated JSON string body (between the quotes, `len` bytes) into out
 * (at most len bytes); lone surrogates become U+FFFD (rp_reader.c, the reader's own decoder). */
size_t rp_json_unescape(const char *body, size_t len, char *out);

/* Rows kept by take / sort / top: every slot and the sort keys (text copied into one block per
 * row) and the event line. take keeps the first `limit`; top keeps the best `limit` in a heap
 * (a row tying with the worst kept one does not replace it); sort keeps all. rp_rows_sort puts
 * them in output order: by the keys (nulls and NaN together, first or last whatever the
 * direction; numbers numerically, text by bytes, others by their integer), then arrival order. */
enum { RP_ROWS_TAKE, RP_ROWS_SORT, RP_ROWS_TOP };
typedef struct rp_sortkey {
    rp_kind kind;
    bool desc;
    bool nulls_first;
} rp_sortkey;
typedef struct rp_row {
    rp_val *v;          /* nslots values, then nkeys keys */
    rp_str line;
    uint64_t seq;
} rp_row;
typedef struct rp_rows {
    int mode;
    int64_t limit;
    size_t nslots;
    const rp_sortkey *keys;
    size_t nkeys;
    rp_row *rows;
    size_t n, cap;
    uint64_t seq;
    bool oom;
} rp_rows;
void rp_rows_init(rp_rows *r, int mode, int64_t limit, size_t nslots, const rp_sortkey *keys, size_t nkeys);
void rp_rows_add(rp_rows *r, const rp_val *slots, const rp_val *keys, rp_str line);
void rp_rows_sort(rp_rows *r);
void rp_rows_clear(rp_rows *r);
void rp_rows_free(rp_rows *r);

#endif
