/* interp.c: evaluates IR rules over events (see interp.h). Values during evaluation are `val`s:
 * a type, a null flag and the payload; strings computed per event (tolower, strcat...) live in the
 * runtime's scratch (rp_scratch), reset for every event (and for every output row at end of input).
 * Every string function, parse and mv-expand call the runtime's primitives (rp_tail.c), which
 * the generated C calls too: one implementation of each rule below.
 *
 * ===================================================================================== *
 * Tail semantics (the reference for the C emitter; KQL-SEMANTICS.md and the KQL pages    *
 * sort-operator, top-operator, take-operator, distinct-operator, count-operator,          *
 * parse-operator, mv-expand-operator, extract-function, trim-function). [choice] marks    *
 * what KQL leaves unspecified and we fixed so that the interpreter and generated C agree. *
 * ===================================================================================== *
 *
 * Rows. A row that leaves a source's stages and is not suppressed by an exclusion enters the tail
 * at tail[0] (always stateful). Rows are numbered in arrival order (`seq`, per stateful stage):
 * events in input order; for one event, rules in rp_interp_add_rule order, a rule's sources in
 * IR order, and the rows mv-expand makes from one row in element order. Row-local stages in the
 * tail (where, extend, project, parse, mv-expand) apply to each row as it passes, exactly as in a
 * source. At end of input the stateful stages are flushed in tail order: stage k emits its rows
 * in order through the row-local stages after it into the next stateful stage (which stores or
 * aggregates them), and so on; rows leaving the last stage are the alerts, in that order.
 * A row stores every slot plus the raw event line (for `event_star` output after take/top/sort).
 *
 * summarize  groups in first-seen order (runtime rp_groups). Output row: every slot missing
 *            ("" / null), then keys, aggregates and arg_max/take_any extras in their slots, values
 *            read back with rp_groups_key / rp_groups_agg / rp_groups_extra (so they equal what
 *            rp_groups_write prints). No `by` and no input row: ONE row of defaults (count 0,
 *            sum 0, make_set [], avg/min/max/arg_* null or "" for strings) [doc: summarize page].
 *            Aggregates ignore nulls, a dynamic's JSON null included [doc: make_set, make_list];
 *            make_set of a dynamic array adds its elements, one level ("Set from array column"
 *            on the make_set page); make_list keeps the array as one element [doc: no example
 *            flattens it].
 * distinct   an rp_groups table with the columns as keys and no aggregates: first-seen order,
 *            strings compared byte for byte (case-sensitive: "A" and "a" are two rows), null keys
 *            of one column equal each other, 0.0 == -0.0. Memory: one entry per distinct row.
 * take N     (limit) the first N rows in arrival order; after N rows nothing more is stored.
 *            take 0 emits nothing.
 * sort       every row stored; output ordered by the keys, ties in arrival order (stable).
 * top N      = sort then take N, with a bounded heap of N rows: a row that ties with the worst
 *            kept row does not replace it (earlier rows win ties). top 0 emits nothing.
 * count      one row (even on empty input) whose slot `Count` (the stage's only out column) is the
 *            number of rows; all other slots missing.
 * Sort keys (sort, top) are evaluated when the row arrives. Per key:
 *   - null (non-string null) and real NaN are "null" and equal to each other; they come first
 *     when nulls_first, else last, whatever the direction (sort-operator: "Null and NaN values
 *     are always grouped together"). The lowering sets nulls_first = !desc unless written.
 *   - strings have no null: "" is just the smallest string.
 *   - non-null values: long and real together numerically (a real on either side compares as
 *     double); datetime, timespan, bool (false < true) by their integer; string, guid and dynamic
 *     (its JSON text) by bytes, shorter prefix first (ordinal, case-sensitive) [choice: Kusto's
 *     string collation is not documented]; values of different types by rp_type's enum order
 *     [choice]. desc reverses the non-null order only. Keys tie -> next key -> arrival order.
 *
 * parse (kind=simple; row-local). The source is converted with tostring(). Pieces left to
 *   right, from position 0: the first constant must be a prefix of the text when it is the first
 *   piece; a constant after a capture or `*` is searched (first occurrence, case-sensitive, from
 *   the current position) and the capture before it takes the text up to it; two captures in a
 *   row: the first takes "" (non-greedy); a capture (or `*`) that ends the pattern takes the rest
 *   of the text; text after a final constant is ignored. Because every capture matches any text,
 *   this is exactly what the regex Kusto builds (.*? per capture, constants escaped) finds.
 *   Typed captures convert strictly: long rp_long_parse, real rp_real_parse, datetime
 *   rp_datetime_parse, timespan rp_timespan_parse, bool "true"/"false" (any case), guid 8-4-4-4-12
 *   hex, string as is. A missing constant or a failed conversion fails the whole parse: every
 *   capture slot is set to missing ("" / null) and the row goes on (parse never drops rows).
 * mv-expand (row-local). Each column's value is evaluated on the input row. A dynamic value
 *   that is a JSON array gives its top-level elements (the raw bytes of each element, surrounding
 *   whitespace removed; an element `null` is a dynamic null); an object gives one single-member
 *   object per member, `{` raw key `:` raw value `}`, in order (bagexpansion=bag); a dynamic null
 *   or missing value gives one null; any other value (a JSON scalar, or a non-dynamic value) gives
 *   itself once [choice]. The row repeats max(count over columns) times (capped by `limit` when
 *   > 0); a column with fewer elements gives null for the rest; 0 (all empty arrays/objects): the
 *   row is dropped [doc: mv-expand page].
 *
 * Functions with regexes (the pattern is a constant checked by the lowering; PCRE2 through the
 *   runtime's rp_regex_init flags: UTF, UCP, invalid UTF-8 tolerated, $ only at the end):
 *   extract(re, g, s): first (leftmost) match of re in tostring(s); group g's text; "" when there
 *     is no match, g is null, negative, above the pattern's groups or did not participate.
 *   trim_start(re, s): removes the match of \A(?:re)+ (compiled as such) when there is one.
 *   trim_end(re, s): removes the leftmost match of (?:re)+\z, i.e. the longest trailing run.
 *   trim(re, s): trim_start, then trim_end on what is left.
 * Sets for in / has_any are constants only: the lowering does not compile other lists.
 *
 * Dynamic values (runtime rp_dyn.c; pages scalar-data-types/dynamic, parse-json-function,
 *   tostring-function, array-length-function, null-values). A dynamic value is its raw JSON text
 *   (the event's own bytes, or the scratch) with a null flag (JSON null, missing).
 *   d.key / d["key"]: the member's value; null when d is null, not an object or has no such key.
 *     A duplicated key: the LAST occurrence [choice: the event reader does the same for columns,
 *     as do JSON.parse and Json.NET; Kusto's dynamic page says keys are unique and says nothing].
 *     Key names compare after JSON unescaping. Only constant subscripts are compiled.
 *   d[i]: the i-th array element, i < 0 from the end (arr[-index], dynamic page); null out of
 *     range or when d is not an array.
 *   parse_json(s) / todynamic(s) of a string: one valid JSON value (RFC 8259) is parsed; not
 *     JSON (also "") gives a dynamic string holding s [doc: parse-json-function]. Of a dynamic:
 *     the value itself [doc] (a dynamic JSON string stays a string: parse_json(AdditionalFields)
 *     navigates only when the column is a string or holds an object).
 *   tostring(d): null -> ""; JSON string -> its unescaped text; true/false; integer fitting a long
 *     -> its digits ("-0" -> "0"); other numbers -> the real's output form (118.0 -> "118", as the
 *     parse-json page shows); arrays and objects -> their JSON text without whitespace between
 *     tokens, members in the order written [choice: Kusto prints dynamics compactly; the dynamic
 *     page says property-bag order is not preserved, so its member order is not defined].
 *     [uncertain] Kusto types strings that look like datetime/guid/numbers when it builds a dynamic
 *     (dynamic page; MicrosoftDocs/dataexplorer-docs#914: "2021-11-18T00:03:35" comes back as
 *     "2021-11-18T00:03:35.0000000Z"); we keep the string's text.
 *   String operators (==, =~, has, contains, startswith, in, has_any, ...) on a dynamic apply to
 *     tostring(d) against a CONSTANT string; null is never == / in (null-values: == null false,
 *     != null true, in = OR of ==), which equals tostring's "" except against "": refused by the
 *     lowering, as are dynamic against numbers, ordering, between, arithmetic and bin/abs/day
 *     functions (no documented implicit conversion). dynamic == dynamic compares JSON text.
 *   tolong/toint/toreal/todatetime/totimespan/tobool(d): the string rules on tostring(d) [choice]
 *     (so tobool(dynamic(1)) is null; tobool(true) true).
 *   isempty(d): null or the JSON string ""; isnull(d): null only. array_length(d): element count,
 *     null when not an array [doc: array-length-function].
 *   split(s, delim[, i]) [doc: split-function]: s is a string (the lowering refuses others); the
 *     parts between non-overlapping occurrences of delim found left to right, as a JSON array of
 *     strings built in the scratch: split("aa_bb", "_") ["aa","bb"], split("", "_") [""],
 *     split("a__b", "_") ["a","","b"], split("aabbcc", "bb") ["aa","cc"] (the page's examples);
 *     delim not found: [s]. Bytes are compared, which for UTF-8 is the same as characters. With
 *     requestedIndex i: the one-element array of part i (split("aaa_bbb_ccc", "_", 1) ["bbb"]),
 *     [] when there is no such part ("contains the requested substring ... if it exists").
 *     Refused (RP0400): an empty or non-constant delimiter and a negative or non-constant index
 *     (the page does not say what they give).
 *   pack_array(v1, ...) [doc: pack-array-function]: a JSON array of the values in order: a string
 *     as a JSON string (rp_json_escape: \" \\ \n \r \t \b \f, other controls \u00xx, the rest as
 *     UTF-8), long as digits, bool true/false, timespan as its text in a JSON string ("00:00:02",
 *     the page's second example), dynamic as its JSON text, a null as null. real, datetime and guid
 *     elements are refused: their JSON form inside a dynamic is not documented (datetimes come back
 *     with 7 fraction digits, unlike tostring; MicrosoftDocs/dataexplorer-docs#914). A constant
 *     pack_array in `in` / has_any is flattened like dynamic([...]) (KQL-SEMANTICS.md §4).
 *   ipv4_is_private(s) [doc: ipv4-is-private-function]: s a string; "a.b.c.d" with an optional
 *     "/p" (IP-prefix notation, p 0..32): true when the address, masked by the prefix ("IPv4
 *     strings can be masked using IP-prefix notation"), is in 10/8, 172.16/12 or 192.168/16, else
 *     false; null when s does not parse ("parsing of the input as IPv4 address string wasn't
 *     successful"): "", IPv6, a part above 255, fewer than 4 parts, p above 32.
 *     [choice] parts are 1-3 decimal digits (leading zeros read as decimal: "010.0.0.1" is 10/8)
 *     and no spaces are allowed; Kusto's parser is not documented beyond that.
 *
 * union options [doc: union-operator]. isfuzzy=true|false only changes how union legs that do not
 *   exist are resolved ("only applies to the union sources resolution phase"); every table a
 *   compiled rule reads is known to the schema (an unknown one is RP0401 and the rule is not
 *   compiled), so it is a plain union. kind=outer is the default. withsource=Name adds the string
 *   column Name to each row holding its source table's name ('the SourceTable column will
 *   indicate either "Query" or "Command"'), first among the columns as in the page's outputs (the
 *   input's columns are then listed from the schema, not from the event). Refused: kind=inner,
 *   withsource with a leg that is a let or a subquery or after a pipe (the page shows the value
 *   for tables and `view` lets only), a name that is already a column, table wildcards.
 *
 * Accounting (rp_rule_stats): `matched` counts rows leaving a source's stages (mv-expand may make
 *   several per event), before exclusions; `aggregated` the unsuppressed ones entering the tail;
 *   `alerts` alert lines (for a tail: its output rows at finish). The global `matched` counts an
 *   event once per rule with at least one such row. `has_tail` tells rp_stats_consistent which
 *   bucket to add (aggregated for a tail, alerts otherwise), so a tail that emits on empty input
 *   (count, summarize without by) still adds up.
 */
#include "interp.h"

#include <stdlib.h>
#include <string.h>

typedef struct val {
    rp_type t;        /* STRING, BOOL, LONG, REAL, DATETIME, TIMESPAN, GUID, DYNAMIC */
    int null;         /* never set for strings */
    int64_t i;
    double r;
    rp_str s;
} val;

/* What one expression needs at run time, made once by rp_interp_add_rule and found by the
 * node's address (a hash table): its compiled regexes, variant 0 the pattern as written (matches
 * regex, extract), 1 \A(?:p)+ (trim start), 2 (?:p)+\z (trim end); and the needles of its
 * constant operands (STR, indexof: [0] the second operand's; IN: one per set element), which
 * would otherwise be folded again for every event. */
typedef struct xaux {
    const rp_ir_expr *e;
    rp_regex re[3];
    unsigned char has_re[3];
    rp_needle *needles;
    size_t nneedles;
} xaux;

/* A row kept by a tail stage: every slot, the sort keys, the event line; one block owns the text. */
typedef struct trow {
    val *v;
    val *keys;
    rp_str line;
    uint64_t seq;
    char *mem;
} trow;

/* State of one stateful tail stage. */
typedef struct tstage {
    const rp_ir_stage *st;
    int has_groups;          /* SUMMARIZE, DISTINCT */
    rp_groups groups;
    rp_kind *key_kinds;
    rp_agg_spec *aggs;
    rp_kind **extra_kinds;
    rp_val *kbuf, *vbuf, **xbuf;
    rp_agg_in *ins;
    trow *rows;              /* TAKE, SORT; TOP: a heap with the last row to output at the root */
    size_t nrows, cap;
    uint64_t seq;
    int64_t count;           /* COUNT */
} tstage;

/* What a row-local stage needs at run time, made once by rp_interp_add_rule. */
typedef struct saux {
    rp_parse_piece *pieces;  /* PARSE: the pattern for rp_parse_simple */
    rp_val *captures;        /* PARSE: its output */
    rp_expand *expand;       /* MV_EXPAND: per column, its iterator */
    size_t *counts;          /* MV_EXPAND: per column, its element count */
    rp_type *types;          /* MV_EXPAND: per column, its value's type */
    val *saved;              /* MV_EXPAND: the input row, restored for every element */
} saux;

typedef struct irule {
    const rp_ir_rule *ir;
    int *src_table;         /* per source: index in layout tables */
    int **src_cols;         /* per source, per input: layout column */
    saux **aux;             /* per source then the tail (index nsources), per stage */
    val *blank;             /* every slot missing ("" / null): how each row starts */
    tstage *ts;             /* per tail stage (stateful ones used) */
    uint64_t *suppressed;
    const char **excl_names;
} irule;

/* Where a row is: the rule, its index, the source (SIZE_MAX once in the tail). */
typedef struct where {
    irule *r;
    size_t ri;
    size_t src;
} where;

struct rp_interp {
    int64_t now;
    FILE *alerts, *suppressed;
    irule *rules;
    size_t nrules;
    /* layout */
    const char **cols;
    size_t ncols;
    const char **tables;
    size_t ntables;
    unsigned char *kinds;
    rp_layout layout;
    rp_reader reader;
    int reader_ready;
    const char *table_opt;
    size_t *by_table;       /* per layout table t: by_table[t]..by_table[t + 1] index `reads` */
    where *reads;           /* the (rule, source) pairs reading each table, in evaluation order */
    rp_stats stats;
    rp_rule_stats *rstats;
    /* the current row */
    val *row;
    size_t row_cap;
    rp_str line;            /* its event line (event_star output) */
    int counted;            /* the current event already counted in stats.matched for this rule */
    rp_scratch sc;          /* the runtime's per-event scratch */
    xaux **xtab;            /* open addressing by node address; xcap a power of two */
    size_t xcap, xcount;
    rp_arena *xarena;       /* xaux entries and their needles */
    rp_jw w, w2, w3;
    int write_error;
};

/* {====================================================================
 * Scratch memory (per event)
 * ===================================================================== */

/* The runtime's scratch (rp_tail.c) gives "" and sets `oom` when memory runs out; the
 * interpreter stops instead, as rp_xmalloc does everywhere else in the compiler. */
static void scratch_check(const rp_interp *in)
{
    if (in->sc.oom) {
        fputs("rulepack: out of memory (per-event scratch)\n", stderr);
        abort();
    }
}

static char *scratch_alloc(rp_interp *in, size_t n)
{
    char *p = rp_scratch_alloc(&in->sc, n);
    scratch_check(in);
    return p;
}

static void scratch_reset(rp_interp *in) { rp_scratch_reset(&in->sc); }

/* {====================================================================
 * Values
 * ===================================================================== */

static val v_null(rp_type t)
{
    val v = {0};
    v.t = t;
    v.s.ptr = "";
    if (t != RP_TYPE_STRING) v.null = 1;
    return v;
}

static val v_bool_tv(rp_tv tv)
{
    val v = v_null(RP_TYPE_BOOL);
    if (tv != RP_N) {
        v.null = 0;
        v.i = tv == RP_T;
    }
    return v;
}

static val v_long(rp_type t, int64_t i)
{
    val v = v_null(t);
    v.null = 0;
    v.i = i;
    return v;
}

static val v_real(double r)
{
    val v = v_null(RP_TYPE_REAL);
    v.null = 0;
    v.r = r;
    return v;
}

static val v_str(rp_str s)
{
    val v = v_null(RP_TYPE_STRING);
    v.s = s;
    return v;
}

/* A string made by one of the runtime's scratch helpers (rp_str_case, rp_str_concat...). */
static val v_scratch(rp_interp *in, rp_str s)
{
    scratch_check(in);
    return v_str(s);
}

static rp_tv tv_of(val v) { return v.null ? RP_N : (v.i ? RP_T : RP_F); }

static rp_type norm_type(rp_type t)
{
    if (t == RP_TYPE_INT) return RP_TYPE_LONG;
    if (t == RP_TYPE_DECIMAL) return RP_TYPE_REAL;
    return t;
}

static rp_kind kind_of(rp_type t)
{
    switch (norm_type(t)) {
    case RP_TYPE_STRING: return RP_K_STRING;
    case RP_TYPE_BOOL: return RP_K_BOOL;
    case RP_TYPE_LONG: return RP_K_LONG;
    case RP_TYPE_REAL: return RP_K_REAL;
    case RP_TYPE_DATETIME: return RP_K_DATETIME;
    case RP_TYPE_TIMESPAN: return RP_K_TIMESPAN;
    case RP_TYPE_GUID: return RP_K_GUID;
    case RP_TYPE_DYNAMIC: return RP_K_DYNAMIC;
    default: return RP_K_STRING;
    }
}

static val from_rp(const rp_val *rv, rp_type t)
{
    val v = {0};
    v.t = norm_type(t);
    v.s = rv->s.ptr ? rv->s : rp_str_c("");
    v.i = rv->i;
    v.r = rv->r;
    v.null = v.t == RP_TYPE_STRING ? 0 : rv->null;
    return v;
}

static rp_val to_rp(val v)
{
    rp_val rv;
    memset(&rv, 0, sizeof rv);
    rv.s = v.s.ptr ? v.s : rp_str_c("");
    rv.i = v.i;
    rv.r = v.r;
    rv.null = (unsigned char)(v.t == RP_TYPE_STRING ? 0 : v.null);
    return rv;
}

static val from_const(const rp_ir_value *c)
{
    val v = v_null(norm_type(c->type));
    if (v.t == RP_TYPE_STRING || v.t == RP_TYPE_GUID || v.t == RP_TYPE_DYNAMIC) {
        v.s.ptr = c->s ? c->s : "";
        v.s.len = c->s ? c->len : 0;
    }
    if (c->null && v.t != RP_TYPE_STRING) return v;
    v.null = 0;
    v.i = c->i;
    v.r = c->r;
    return v;
}

static int is_num(rp_type t) { return t == RP_TYPE_LONG || t == RP_TYPE_REAL; }
static double as_real(val v) { return v.t == RP_TYPE_REAL ? v.r : (double)v.i; }

/* tostring(): KQL's text of a value (null -> ""). */
static rp_str to_text(rp_interp *in, val v)
{
    if (v.t == RP_TYPE_DYNAMIC) {
        rp_str s = rp_dyn_text(&in->sc, to_rp(v));
        scratch_check(in);
        return s;
    }
    if (v.t == RP_TYPE_STRING || v.t == RP_TYPE_GUID) return v.s;
    if (v.null) return rp_str_c("");
    char *buf = scratch_alloc(in, 48);
    size_t n = 0;
    switch (v.t) {
    case RP_TYPE_BOOL: n = (size_t)snprintf(buf, 48, "%s", v.i ? "true" : "false"); break;
    case RP_TYPE_LONG: n = (size_t)snprintf(buf, 48, "%lld", (long long)v.i); break;
    case RP_TYPE_REAL: n = rp_real_format(v.r, buf); break;
    case RP_TYPE_DATETIME: n = rp_datetime_format(v.i, buf); break;
    case RP_TYPE_TIMESPAN: n = rp_timespan_format(v.i, buf); break;
    default: break;
    }
    rp_str s = {buf, n};
    return s;
}

static rp_needle needle_of(rp_interp *in, rp_str s)
{
    rp_needle n = rp_needle_scratch(&in->sc, s);
    scratch_check(in);
    return n;
}

/* {====================================================================
 * Expressions
 * ===================================================================== */

static val eval(rp_interp *in, const rp_ir_expr *e);

static size_t xaux_slot(const rp_interp *in, const rp_ir_expr *e)
{
    size_t h = (size_t)(((uintptr_t)e >> 3) * 0x9E3779B97F4A7C15u);
    size_t i = h & (in->xcap - 1);
    while (in->xtab[i] && in->xtab[i]->e != e) i = (i + 1) & (in->xcap - 1);
    return i;
}

static xaux *xaux_find(const rp_interp *in, const rp_ir_expr *e)
{
    return in->xcap ? in->xtab[xaux_slot(in, e)] : NULL;
}

/* The entry of e, made when it has none. */
static xaux *xaux_get(rp_interp *in, const rp_ir_expr *e)
{
    xaux *x = xaux_find(in, e);
    if (x) return x;
    if (2 * (in->xcount + 1) > in->xcap) {
        xaux **old = in->xtab;
        size_t oldcap = in->xcap;
        in->xcap = oldcap ? oldcap * 2 : 64;
        in->xtab = rp_xcalloc(in->xcap, sizeof *in->xtab);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i]) in->xtab[xaux_slot(in, old[i]->e)] = old[i];
        free(old);
    }
    if (!in->xarena) in->xarena = rp_arena_new();
    x = RP_NEW(in->xarena, xaux);
    x->e = e;
    in->xtab[xaux_slot(in, e)] = x;
    in->xcount++;
    return x;
}

static const rp_regex *regex_for(rp_interp *in, const rp_ir_expr *e, int variant)
{
    const xaux *x = xaux_find(in, e);
    return x && x->has_re[variant] ? &x->re[variant] : NULL;
}

/* The needle of a constant's text (tostring()), kept for the interpreter's life. */
static rp_needle const_needle(rp_interp *in, const rp_ir_value *c)
{
    rp_str s = to_text(in, from_const(c));
    char *mem = rp_arena_alloc(in->xarena, 2 * s.len + 1);
    if (s.len) memcpy(mem, s.ptr, s.len);
    rp_needle n;
    rp_needle_make(&n, mem, s.len, mem + s.len);
    return n;
}

static const rp_needle *add_needles(rp_interp *in, const rp_ir_expr *e);

/* The needles of an IN's set (made by rp_interp_add_rule). */
static const rp_needle *set_needles(rp_interp *in, const rp_ir_expr *e)
{
    const xaux *x = xaux_find(in, e);
    return x && x->needles ? x->needles : add_needles(in, e);
}

/* The needle of operand i of e: made once when the operand is a constant. */
static rp_needle operand_needle(rp_interp *in, const rp_ir_expr *e, size_t i)
{
    if (e->args[i]->kind == RP_IR_CONST) {
        const xaux *x = xaux_find(in, e);
        if (x && x->nneedles) return x->needles[0];
    }
    return needle_of(in, to_text(in, eval(in, e->args[i])));
}

/* Three-valued comparison of two values (KQL-SEMANTICS.md §5). */
static rp_tv compare(rp_ir_cmp cmp, val a, val b)
{
    int an = a.t != RP_TYPE_STRING && a.null, bn = b.t != RP_TYPE_STRING && b.null;
    if (an || bn) {
        if (cmp == RP_IR_EQ) return an && bn ? RP_N : RP_F;
        if (cmp == RP_IR_NE) return an && bn ? RP_N : RP_T;
        return RP_N;
    }
    int c;
    if (is_num(a.t) && is_num(b.t) && (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL)) {
        double x = as_real(a), y = as_real(b);
        c = x < y ? -1 : x > y ? 1 : 0;
        if (x != x || y != y) return cmp == RP_IR_NE ? RP_T : RP_F;
    } else if (a.t == RP_TYPE_STRING || a.t == RP_TYPE_GUID || a.t == RP_TYPE_DYNAMIC) {
        size_t n = a.s.len < b.s.len ? a.s.len : b.s.len;
        c = n ? memcmp(a.s.ptr, b.s.ptr, n) : 0;
        if (c == 0) c = a.s.len < b.s.len ? -1 : a.s.len > b.s.len ? 1 : 0;
    } else {
        c = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    }
    switch (cmp) {
    case RP_IR_EQ: return rp_tv_of(c == 0);
    case RP_IR_NE: return rp_tv_of(c != 0);
    case RP_IR_LT: return rp_tv_of(c < 0);
    case RP_IR_LE: return rp_tv_of(c <= 0);
    case RP_IR_GT: return rp_tv_of(c > 0);
    case RP_IR_GE: return rp_tv_of(c >= 0);
    }
    return RP_N;
}

static int str_op(rp_ir_strop sop, rp_str h, const rp_needle *n, rp_case cs)
{
    switch (sop) {
    case RP_IR_S_EQ: return rp_eq(h, n, cs);
    case RP_IR_S_CONTAINS: return rp_contains(h, n, cs);
    case RP_IR_S_STARTSWITH: return rp_startswith(h, n, cs);
    case RP_IR_S_ENDSWITH: return rp_endswith(h, n, cs);
    case RP_IR_S_HAS: return rp_has(h, n, cs);
    case RP_IR_S_HASPREFIX: return rp_hasprefix(h, n, cs);
    case RP_IR_S_HASSUFFIX: return rp_hassuffix(h, n, cs);
    }
    return 0;
}

static val eval_in(rp_interp *in, const rp_ir_expr *e)
{
    val a = eval(in, e->args[0]);
    if (e->setop != RP_IR_SET_IN) {
        rp_str h = to_text(in, a);
        const rp_needle *set = set_needles(in, e);
        int all = e->setop == RP_IR_SET_HAS_ALL, hit = all;
        for (size_t i = 0; i < e->nset; i++) {
            int h1 = rp_has(h, &set[i], RP_CI);
            if (all && !h1) { hit = 0; break; }
            if (!all && h1) { hit = 1; break; }
        }
        return v_bool_tv(rp_tv_of(hit));
    }
    /* in = OR of ==, !in = AND of != (null value: in false, !in true) */
    int found = 0;
    if (a.t == RP_TYPE_DYNAMIC) {
        if (a.null) return v_bool_tv(rp_tv_of(e->negated));
        a = v_str(to_text(in, a)); /* the lowering allows string elements only */
    }
    if (a.t == RP_TYPE_STRING || a.t == RP_TYPE_GUID) {
        const rp_needle *set = set_needles(in, e);
        for (size_t i = 0; i < e->nset && !found; i++) found = rp_eq(a.s, &set[i], e->ci ? RP_CI : RP_CS);
    } else {
        if (a.null) return v_bool_tv(rp_tv_of(e->negated));
        for (size_t i = 0; i < e->nset && !found; i++) {
            val k = from_const(&e->set[i]);
            found = compare(RP_IR_EQ, a, k) == RP_T;
        }
    }
    return v_bool_tv(rp_tv_of(e->negated ? !found : found));
}

static int64_t floor_div(int64_t x, int64_t d)
{
    int64_t q = x / d;
    if ((x % d) != 0 && ((x < 0) != (d < 0))) q--;
    return q;
}

static val eval_arith(rp_interp *in, const rp_ir_expr *e)
{
    val a = eval(in, e->args[0]);
    if (e->arith == RP_IR_NEG) {
        if (a.null) return a;
        if (a.t == RP_TYPE_REAL) return v_real(-a.r);
        return v_long(a.t, -a.i);
    }
    val b = eval(in, e->args[1]);
    rp_type rt = norm_type(e->type);
    if (a.null || b.null || a.t == RP_TYPE_STRING || b.t == RP_TYPE_STRING) return v_null(rt == RP_TYPE_UNKNOWN ? RP_TYPE_LONG : rt);
    if (rt == RP_TYPE_REAL || (is_num(a.t) && is_num(b.t) && (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL))) {
        double x = a.t == RP_TYPE_REAL ? a.r : (double)a.i, y = b.t == RP_TYPE_REAL ? b.r : (double)b.i;
        switch (e->arith) {
        case RP_IR_ADD: return v_real(x + y);
        case RP_IR_SUB: return v_real(x - y);
        case RP_IR_MUL: return v_real(x * y);
        case RP_IR_DIV: return v_real(x / y);
        default: return v_null(RP_TYPE_REAL);
        }
    }
    rp_type t = rt == RP_TYPE_UNKNOWN ? RP_TYPE_LONG : rt;
    switch (e->arith) {
    case RP_IR_ADD: return v_long(t, (int64_t)((uint64_t)a.i + (uint64_t)b.i));
    case RP_IR_SUB: return v_long(t, (int64_t)((uint64_t)a.i - (uint64_t)b.i));
    case RP_IR_MUL: return v_long(t, (int64_t)((uint64_t)a.i * (uint64_t)b.i));
    case RP_IR_DIV:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return v_null(t);
        return v_long(t, a.i / b.i);
    case RP_IR_MOD:
        if (b.i == 0 || b.i == -1) return b.i == 0 ? v_null(t) : v_long(t, 0);
        return v_long(t, a.i % b.i);
    default: break;
    }
    return v_null(t);
}

static size_t utf8_chars(rp_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset of character number `ch` (clamped to the end). */
static size_t utf8_offset(rp_str s, size_t ch)
{
    size_t i = 0, n = 0;
    while (i < s.len) {
        if (((unsigned char)s.ptr[i] & 0xC0) != 0x80) {
            if (n == ch) return i;
            n++;
        }
        i++;
    }
    return s.len;
}

/* extract, trim, trim_start, trim_end with the runtime's primitives (the generated C's too). */
static val eval_regex_call(rp_interp *in, const rp_ir_expr *e)
{
    if (e->fn == RP_IR_F_EXTRACT) {
        val g = eval(in, e->args[1]);
        rp_str s = to_text(in, eval(in, e->args[2])), m;
        const rp_regex *re = regex_for(in, e, 0);
        if (g.null || !re) return v_str(rp_str_c(""));
        int64_t gi = g.t == RP_TYPE_REAL ? (int64_t)g.r : g.i;
        return v_str(rp_regex_group(re, s, gi, &m) ? m : rp_str_c(""));
    }
    rp_str s = to_text(in, eval(in, e->args[1]));
    return v_str(rp_trim_regex(e->fn != RP_IR_F_TRIM_END ? regex_for(in, e, 1) : NULL,
                               e->fn != RP_IR_F_TRIM_START ? regex_for(in, e, 2) : NULL, s));
}

static val eval_call(rp_interp *in, const rp_ir_expr *e)
{
    val a = e->nargs ? eval(in, e->args[0]) : v_null(RP_TYPE_STRING);
    if (a.t == RP_TYPE_DYNAMIC && (e->fn == RP_IR_F_TOLONG || e->fn == RP_IR_F_TOREAL || e->fn == RP_IR_F_TODATETIME ||
                                   e->fn == RP_IR_F_TOTIMESPAN || e->fn == RP_IR_F_TOBOOL))
        a = v_str(to_text(in, a)); /* conversions of a dynamic read its tostring() text */
    switch (e->fn) {
    case RP_IR_F_MEMBER:
    case RP_IR_F_INDEX: {
        const rp_ir_value *k = &e->args[1]->value;
        rp_val d = to_rp(a);
        rp_val r = e->fn == RP_IR_F_MEMBER ? rp_dyn_member(d, (rp_str){k->s, k->len}, &in->sc) : rp_dyn_index(d, k->i);
        scratch_check(in);
        return from_rp(&r, RP_TYPE_DYNAMIC);
    }
    case RP_IR_F_PARSE_JSON: {
        rp_val r = rp_dyn_parse(&in->sc, to_text(in, a));
        scratch_check(in);
        return from_rp(&r, RP_TYPE_DYNAMIC);
    }
    case RP_IR_F_ARRAY_LENGTH: {
        rp_val r = rp_dyn_array_length(to_rp(a));
        return from_rp(&r, RP_TYPE_LONG);
    }
    case RP_IR_F_SPLIT: {
        const rp_ir_value *d = &e->args[1]->value;
        int64_t idx = e->nargs > 2 ? e->args[2]->value.i : -1;
        rp_val r = rp_dyn_split(&in->sc, to_text(in, a), (rp_str){d->s, d->len}, idx);
        scratch_check(in);
        return from_rp(&r, RP_TYPE_DYNAMIC);
    }
    case RP_IR_F_PACK_ARRAY: {
        rp_val vals[64];
        rp_kind kinds[64];
        size_t n = e->nargs < 64 ? e->nargs : 64;
        for (size_t i = 0; i < n; i++) {
            val v = i ? eval(in, e->args[i]) : a;
            vals[i] = to_rp(v);
            kinds[i] = kind_of(v.t);
        }
        rp_val r = rp_dyn_pack(&in->sc, vals, kinds, n);
        scratch_check(in);
        return from_rp(&r, RP_TYPE_DYNAMIC);
    }
    case RP_IR_F_IPV4_IS_PRIVATE: {
        rp_val r = rp_ipv4_is_private(to_text(in, a));
        return from_rp(&r, RP_TYPE_BOOL);
    }
    case RP_IR_F_EXTRACT:
    case RP_IR_F_TRIM:
    case RP_IR_F_TRIM_START:
    case RP_IR_F_TRIM_END: return eval_regex_call(in, e);
    case RP_IR_F_TOLOWER:
    case RP_IR_F_TOUPPER: return v_scratch(in, rp_str_case(&in->sc, to_text(in, a), e->fn == RP_IR_F_TOUPPER));
    case RP_IR_F_ISEMPTY:
    case RP_IR_F_ISNOTEMPTY: {
        int empty = (a.t == RP_TYPE_STRING || a.t == RP_TYPE_GUID) ? a.s.len == 0 : a.null;
        if (a.t == RP_TYPE_DYNAMIC) empty = rp_dyn_isempty(to_rp(a));
        return v_bool_tv(rp_tv_of(e->fn == RP_IR_F_ISEMPTY ? empty : !empty));
    }
    case RP_IR_F_ISNULL:
    case RP_IR_F_ISNOTNULL: {
        int null = a.t == RP_TYPE_STRING ? 0 : a.null;
        return v_bool_tv(rp_tv_of(e->fn == RP_IR_F_ISNULL ? null : !null));
    }
    case RP_IR_F_STRLEN: return v_long(RP_TYPE_LONG, (int64_t)utf8_chars(to_text(in, a)));
    case RP_IR_F_TOSTRING: return v_str(to_text(in, a));
    case RP_IR_F_TOLONG: {
        if (a.null && a.t != RP_TYPE_STRING) return v_null(RP_TYPE_LONG);
        if (a.t == RP_TYPE_REAL) return a.r != a.r ? v_null(RP_TYPE_LONG) : v_long(RP_TYPE_LONG, (int64_t)a.r);
        if (a.t != RP_TYPE_STRING && a.t != RP_TYPE_DYNAMIC) return v_long(RP_TYPE_LONG, a.i);
        int64_t v;
        double r;
        if (rp_long_parse(a.s.ptr, a.s.len, &v)) return v_long(RP_TYPE_LONG, v);
        if (rp_real_parse(a.s.ptr, a.s.len, &r) && r == r) return v_long(RP_TYPE_LONG, (int64_t)r);
        return v_null(RP_TYPE_LONG);
    }
    case RP_IR_F_TOREAL: {
        if (a.null && a.t != RP_TYPE_STRING) return v_null(RP_TYPE_REAL);
        if (a.t == RP_TYPE_REAL) return a;
        if (a.t != RP_TYPE_STRING && a.t != RP_TYPE_DYNAMIC) return v_real((double)a.i);
        double r;
        return rp_real_parse(a.s.ptr, a.s.len, &r) ? v_real(r) : v_null(RP_TYPE_REAL);
    }
    case RP_IR_F_TODATETIME:
    case RP_IR_F_TOTIMESPAN: {
        rp_type t = e->fn == RP_IR_F_TODATETIME ? RP_TYPE_DATETIME : RP_TYPE_TIMESPAN;
        if (a.t == t) return a;
        if (a.t != RP_TYPE_STRING && a.t != RP_TYPE_DYNAMIC) return v_null(t);
        int64_t ticks;
        int ok = t == RP_TYPE_DATETIME ? rp_datetime_parse(a.s.ptr, a.s.len, &ticks)
                                       : rp_timespan_parse(a.s.ptr, a.s.len, &ticks);
        return ok ? v_long(t, ticks) : v_null(t);
    }
    case RP_IR_F_TOBOOL: {
        if (a.t == RP_TYPE_BOOL) return a;
        if (a.t == RP_TYPE_LONG) return a.null ? v_null(RP_TYPE_BOOL) : v_long(RP_TYPE_BOOL, a.i != 0);
        int64_t b;
        if (a.t == RP_TYPE_STRING && rp_bool_parse(a.s.ptr, a.s.len, &b)) return v_long(RP_TYPE_BOOL, b);
        return v_null(RP_TYPE_BOOL);
    }
    case RP_IR_F_BIN: {
        val b = eval(in, e->args[1]);
        if (a.null || b.null) return v_null(a.t);
        if (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL) {
            double x = as_real(a), y = as_real(b);
            if (y <= 0) return v_null(RP_TYPE_REAL);
            double q = x / y;
            double f = (double)(int64_t)q;
            if (f > q) f -= 1;
            return v_real(f * y);
        }
        if (b.i <= 0) return v_null(a.t);
        return v_long(a.t, floor_div(a.i, b.i) * b.i);
    }
    case RP_IR_F_IFF: {
        val c = a;
        return (!c.null && c.i) ? eval(in, e->args[1]) : eval(in, e->args[2]);
    }
    case RP_IR_F_CASE: {
        size_t i = 0;
        for (; i + 1 < e->nargs; i += 2) {
            val c = i ? eval(in, e->args[i]) : a;
            if (!c.null && c.i) return eval(in, e->args[i + 1]);
        }
        return eval(in, e->args[e->nargs - 1]);
    }
    case RP_IR_F_COALESCE: {
        for (size_t i = 0; i < e->nargs; i++) {
            val v = i ? eval(in, e->args[i]) : a;
            if (v.t == RP_TYPE_STRING ? v.s.len != 0 : !v.null) return v;
        }
        return a.t == RP_TYPE_STRING ? v_str(rp_str_c("")) : v_null(a.t);
    }
    case RP_IR_F_STRCAT: {
        rp_str parts[64];
        size_t n = e->nargs < 64 ? e->nargs : 64;
        for (size_t i = 0; i < n; i++) parts[i] = to_text(in, i ? eval(in, e->args[i]) : a);
        return v_scratch(in, rp_str_concat(&in->sc, parts, n));
    }
    case RP_IR_F_SUBSTRING: {
        rp_str s = to_text(in, a);
        val st = eval(in, e->args[1]);
        int64_t start = st.null ? 0 : st.i, len = -1;
        if (e->nargs > 2) {
            val l = eval(in, e->args[2]);
            if (!l.null) len = l.i < 0 ? 0 : l.i;
        }
        if (start < 0) start = 0;
        size_t b0 = utf8_offset(s, (size_t)start);
        rp_str rest = {s.ptr + b0, s.len - b0};
        size_t b1 = len < 0 ? rest.len : utf8_offset(rest, (size_t)len);
        rp_str r = {rest.ptr, b1};
        return v_str(r);
    }
    case RP_IR_F_INDEXOF: {
        rp_str s = to_text(in, a);
        rp_needle n = operand_needle(in, e, 1);
        size_t at = rp_find(s.ptr, s.len, &n, RP_CS, 0);
        if (at == (size_t)-1) return v_long(RP_TYPE_LONG, -1);
        rp_str pre = {s.ptr, at};
        return v_long(RP_TYPE_LONG, (int64_t)utf8_chars(pre));
    }
    case RP_IR_F_REPLACE_STRING: {
        rp_str s = to_text(in, a);
        rp_str from = to_text(in, eval(in, e->args[1])), to = to_text(in, eval(in, e->args[2]));
        return v_scratch(in, rp_str_replace(&in->sc, s, from, to));
    }
    case RP_IR_F_ABS:
        if (a.null) return a;
        if (a.t == RP_TYPE_REAL) return v_real(a.r < 0 ? -a.r : a.r);
        return v_long(a.t, a.i < 0 ? -a.i : a.i);
    case RP_IR_F_STARTOFDAY:
        if (a.null || a.t != RP_TYPE_DATETIME) return v_null(RP_TYPE_DATETIME);
        return v_long(RP_TYPE_DATETIME, floor_div(a.i, RP_TICKS_PER_DAY) * RP_TICKS_PER_DAY);
    case RP_IR_F_HOUROFDAY:
        if (a.null || a.t != RP_TYPE_DATETIME) return v_null(RP_TYPE_LONG);
        return v_long(RP_TYPE_LONG, (a.i - floor_div(a.i, RP_TICKS_PER_DAY) * RP_TICKS_PER_DAY) / RP_TICKS_PER_HOUR);
    case RP_IR_F_DAYOFWEEK:
        /* 0001-01-01 was a Monday: day 0 -> 1 day since Sunday */
        if (a.null || a.t != RP_TYPE_DATETIME) return v_null(RP_TYPE_TIMESPAN);
        return v_long(RP_TYPE_TIMESPAN, ((floor_div(a.i, RP_TICKS_PER_DAY) + 1) % 7) * RP_TICKS_PER_DAY);
    default: break;
    }
    return v_null(norm_type(e->type)); /* unreachable: rp_interp_add_rule rejects the rest */
}

static val eval(rp_interp *in, const rp_ir_expr *e)
{
    switch (e->kind) {
    case RP_IR_CONST: return from_const(&e->value);
    case RP_IR_COL: return in->row[e->slot];
    case RP_IR_NOW: return v_long(RP_TYPE_DATETIME, in->now + e->value.i);
    case RP_IR_AND: {
        rp_tv acc = RP_T;
        for (size_t i = 0; i < e->nargs && acc != RP_F; i++) acc = rp_tv_and(acc, tv_of(eval(in, e->args[i])));
        return v_bool_tv(acc);
    }
    case RP_IR_OR: {
        rp_tv acc = RP_F;
        for (size_t i = 0; i < e->nargs && acc != RP_T; i++) acc = rp_tv_or(acc, tv_of(eval(in, e->args[i])));
        return v_bool_tv(acc);
    }
    case RP_IR_NOT: return v_bool_tv(rp_tv_not(tv_of(eval(in, e->args[0]))));
    case RP_IR_CMP: return v_bool_tv(compare(e->cmp, eval(in, e->args[0]), eval(in, e->args[1])));
    case RP_IR_STR: {
        rp_str h = to_text(in, eval(in, e->args[0]));
        rp_needle n = operand_needle(in, e, 1);
        int r = str_op(e->sop, h, &n, e->ci ? RP_CI : RP_CS);
        return v_bool_tv(rp_tv_of(e->negated ? !r : r));
    }
    case RP_IR_IN: return eval_in(in, e);
    case RP_IR_BETWEEN: {
        val a = eval(in, e->args[0]), lo = eval(in, e->args[1]), hi = eval(in, e->args[2]);
        rp_tv t = rp_tv_and(compare(RP_IR_GE, a, lo), compare(RP_IR_LE, a, hi));
        return v_bool_tv(e->negated ? rp_tv_not(t) : t);
    }
    case RP_IR_REGEX: {
        const rp_regex *re = regex_for(in, e, 0);
        rp_str h = to_text(in, eval(in, e->args[0]));
        return v_bool_tv(rp_tv_of(re && rp_regex_match(re, h)));
    }
    case RP_IR_ARITH: return eval_arith(in, e);
    case RP_IR_CALL: return eval_call(in, e);
    case RP_IR_EXPR_KIND_COUNT: break;
    }
    return v_null(RP_TYPE_BOOL);
}

/* {====================================================================
 * Rules
 * ===================================================================== */

static int add_regex(rp_interp *in, const rp_ir_expr *e, int variant, const char *pat, size_t len, const char **why)
{
    if (regex_for(in, e, variant)) return 1;
    char err[256];
    size_t n = len + 16;
    char *p = rp_xmalloc(n);
    size_t at = 0;
    if (variant == 1) {
        memcpy(p, "\\A(?:", 5);
        at = 5;
    } else if (variant == 2) {
        memcpy(p, "(?:", 3);
        at = 3;
    }
    memcpy(p + at, pat, len);
    at += len;
    if (variant == 1) {
        memcpy(p + at, ")+", 2);
        at += 2;
    } else if (variant == 2) {
        memcpy(p + at, ")+\\z", 4);
        at += 4;
    }
    xaux *x = xaux_get(in, e);
    int ok = rp_regex_init(&x->re[variant], p, at, err, sizeof err);
    free(p);
    if (!ok) {
        *why = "a regular expression does not compile";
        return 0;
    }
    x->has_re[variant] = 1;
    return 1;
}

/* The needles of e's constants (see xaux); NULL when it has none. */
static const rp_needle *add_needles(rp_interp *in, const rp_ir_expr *e)
{
    int operand = (e->kind == RP_IR_STR || (e->kind == RP_IR_CALL && e->fn == RP_IR_F_INDEXOF)) && e->nargs > 1 &&
                  e->args[1]->kind == RP_IR_CONST;
    if (!operand && e->kind != RP_IR_IN) return NULL;
    xaux *x = xaux_get(in, e);
    if (x->needles) return x->needles;
    x->nneedles = operand ? 1 : e->nset;
    x->needles = RP_NEW_ARRAY(in->xarena, rp_needle, x->nneedles + 1);
    for (size_t i = 0; i < x->nneedles; i++) x->needles[i] = const_needle(in, operand ? &e->args[1]->value : &e->set[i]);
    return x->needles;
}

static int expr_supported(rp_interp *in, const rp_ir_expr *e, const char **why)
{
    if (!e) return 1;
    if (e->kind == RP_IR_REGEX && !add_regex(in, e, 0, e->value.s, e->value.len, why)) return 0;
    add_needles(in, e);
    if (e->kind == RP_IR_CALL &&
        (e->fn == RP_IR_F_TRIM || e->fn == RP_IR_F_TRIM_START || e->fn == RP_IR_F_TRIM_END || e->fn == RP_IR_F_EXTRACT)) {
        const rp_ir_expr *p = e->nargs ? e->args[0] : NULL;
        if (!p || p->kind != RP_IR_CONST || norm_type(p->value.type) != RP_TYPE_STRING) {
            *why = "trim/extract with a pattern that is not a constant string";
            return 0;
        }
        const char *s = p->value.s ? p->value.s : "";
        if (e->fn == RP_IR_F_EXTRACT && !add_regex(in, e, 0, s, p->value.len, why)) return 0;
        if ((e->fn == RP_IR_F_TRIM || e->fn == RP_IR_F_TRIM_START) && !add_regex(in, e, 1, s, p->value.len, why)) return 0;
        if ((e->fn == RP_IR_F_TRIM || e->fn == RP_IR_F_TRIM_END) && !add_regex(in, e, 2, s, p->value.len, why)) return 0;
    }
    for (size_t i = 0; i < e->nargs; i++)
        if (!expr_supported(in, e->args[i], why)) return 0;
    return 1;
}

static int stage_supported(rp_interp *in, const rp_ir_stage *st, const char **why)
{
    if (!expr_supported(in, st->pred, why) || !expr_supported(in, st->source, why)) return 0;
    for (size_t a = 0; a < st->nassigns; a++)
        if (!expr_supported(in, st->assigns[a].expr, why)) return 0;
    for (size_t a = 0; a < st->naggs; a++) {
        if (!expr_supported(in, st->aggs[a].arg, why)) return 0;
        for (size_t x = 0; x < st->aggs[a].nextras; x++)
            if (!expr_supported(in, st->aggs[a].extras[x].expr, why)) return 0;
    }
    for (size_t k = 0; k < st->nkeys; k++)
        if (!expr_supported(in, st->keys[k].expr, why)) return 0;
    if (st->kind == RP_IR_PARSE && !st->source) {
        *why = "parse without a source expression";
        return 0;
    }
    if (st->kind == RP_IR_COUNT && (st->out.count != 1 || st->out.event_star)) {
        *why = "count without its Count column";
        return 0;
    }
    return 1;
}

static int intern(const char ***list, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], name) == 0) return (int)i;
    *list = rp_xrealloc((void *)*list, (*n + 1) * sizeof **list);
    (*list)[*n] = name;
    return (int)(*n)++;
}

rp_interp *rp_interp_new(int64_t now_ticks, FILE *alerts, FILE *suppressed)
{
    rp_interp *in = rp_xcalloc(1, sizeof *in);
    in->now = now_ticks;
    in->alerts = alerts;
    in->suppressed = suppressed;
    rp_jw_init(&in->w);
    rp_jw_init(&in->w2);
    rp_jw_init(&in->w3);
    return in;
}

void rp_interp_set_table(rp_interp *in, const char *table) { in->table_opt = table; }

/* The group table of a summarize or distinct stage. */
static int tstage_groups_init(tstage *t)
{
    const rp_ir_stage *st = t->st;
    size_t nk = st->nassigns, na = st->kind == RP_IR_SUMMARIZE ? st->naggs : 0;
    t->key_kinds = rp_xcalloc(nk + 1, sizeof *t->key_kinds);
    for (size_t k = 0; k < nk; k++) t->key_kinds[k] = kind_of(st->assigns[k].expr->type);
    t->aggs = rp_xcalloc(na + 1, sizeof *t->aggs);
    t->extra_kinds = rp_xcalloc(na + 1, sizeof *t->extra_kinds);
    t->xbuf = rp_xcalloc(na + 1, sizeof *t->xbuf);
    for (size_t a = 0; a < na; a++) {
        const rp_ir_agg *ag = &st->aggs[a];
        t->aggs[a].kind = (rp_agg_kind)ag->kind; /* same order (ir.h) */
        t->aggs[a].vkind = ag->arg ? kind_of(ag->arg->type) : RP_K_LONG;
        t->aggs[a].max_size = ag->size > 0 ? (size_t)ag->size : 0;
        t->aggs[a].nextra = ag->nextras;
        t->extra_kinds[a] = rp_xcalloc(ag->nextras + 1, sizeof **t->extra_kinds);
        for (size_t x = 0; x < ag->nextras; x++) t->extra_kinds[a][x] = kind_of(ag->extras[x].expr->type);
        t->aggs[a].extra_kinds = t->extra_kinds[a];
        t->xbuf[a] = rp_xcalloc(ag->nextras + 1, sizeof **t->xbuf);
    }
    t->kbuf = rp_xcalloc(nk + 1, sizeof *t->kbuf);
    t->vbuf = rp_xcalloc(na + 1, sizeof *t->vbuf);
    t->ins = rp_xcalloc(na + 1, sizeof *t->ins);
    t->has_groups = 1;
    return rp_groups_init(&t->groups, t->key_kinds, nk, t->aggs, na);
}

static void trow_free(trow *t)
{
    free(t->v);
    free(t->mem);
}

static void tstage_free(tstage *t)
{
    if (t->has_groups) {
        size_t na = t->st->kind == RP_IR_SUMMARIZE ? t->st->naggs : 0;
        rp_groups_free(&t->groups);
        for (size_t a = 0; a < na; a++) {
            free(t->extra_kinds[a]);
            free(t->xbuf[a]);
        }
        free(t->extra_kinds);
        free(t->xbuf);
        free(t->key_kinds);
        free(t->aggs);
        free(t->kbuf);
        free(t->vbuf);
        free(t->ins);
    }
    for (size_t i = 0; i < t->nrows; i++) trow_free(&t->rows[i]);
    free(t->rows);
}

static void ensure_row(rp_interp *in, size_t n)
{
    if (in->row_cap < n + 1) {
        in->row = rp_xrealloc(in->row, (n + 1) * sizeof *in->row);
        in->row_cap = n + 1;
    }
}

/* The missing value of a slot: "" for strings (and slots of no single type), null otherwise. */
static val missing(const rp_ir_rule *ir, int slot)
{
    rp_type t = norm_type(ir->slots[slot].type);
    return v_null(t == RP_TYPE_UNKNOWN ? RP_TYPE_STRING : t);
}

/* The run-time side of a list of stages: parse patterns, mv-expand buffers. */
static saux *stages_aux(const rp_ir_rule *ir, const rp_ir_stage *stages, size_t n)
{
    saux *aux = rp_xcalloc(n + 1, sizeof *aux);
    for (size_t k = 0; k < n; k++) {
        const rp_ir_stage *st = &stages[k];
        saux *x = &aux[k];
        if (st->kind == RP_IR_PARSE) {
            x->pieces = rp_xcalloc(st->npieces + 1, sizeof *x->pieces);
            x->captures = rp_xcalloc(st->npieces + 1, sizeof *x->captures);
            for (size_t i = 0; i < st->npieces; i++) {
                const rp_ir_parse_piece *p = &st->pieces[i];
                rp_parse_piece piece = {p->text, p->text ? p->len : 0, p->name != NULL, kind_of(p->type)};
                x->pieces[i] = piece;
            }
        } else if (st->kind == RP_IR_MV_EXPAND) {
            x->expand = rp_xcalloc(st->nassigns + 1, sizeof *x->expand);
            x->counts = rp_xcalloc(st->nassigns + 1, sizeof *x->counts);
            x->types = rp_xcalloc(st->nassigns + 1, sizeof *x->types);
            x->saved = rp_xcalloc(ir->nslots + 1, sizeof *x->saved);
        }
    }
    return aux;
}

static void stages_aux_free(saux *aux, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(aux[k].pieces);
        free(aux[k].captures);
        free(aux[k].expand);
        free(aux[k].counts);
        free(aux[k].types);
        free(aux[k].saved);
    }
    free(aux);
}

int rp_interp_add_rule(rp_interp *in, const rp_ir_rule *ir, const char **why)
{
    *why = NULL;
    if (ir->status != RP_IR_FULL) {
        *why = "the rule is not fully compiled";
        return 0;
    }
    if (in->reader_ready) {
        *why = "rules must be added before events";
        return 0;
    }
    for (size_t s = 0; s < ir->nsources; s++)
        for (size_t k = 0; k < ir->sources[s].nstages; k++) {
            if (rp_ir_stage_is_stateful(ir->sources[s].stages[k].kind)) {
                *why = "a stateful stage in a source (the IR puts them in the tail)";
                return 0;
            }
            if (!stage_supported(in, &ir->sources[s].stages[k], why)) return 0;
        }
    if (ir->ntail && !rp_ir_stage_is_stateful(ir->tail[0].kind)) {
        *why = "a tail that does not start with a stateful stage";
        return 0;
    }
    for (size_t k = 0; k < ir->ntail; k++)
        if (!stage_supported(in, &ir->tail[k], why)) return 0;
    for (size_t i = 0; i < ir->nexcls; i++)
        if (!expr_supported(in, ir->excls[i].pred, why)) return 0;
    in->rules = rp_xrealloc(in->rules, (in->nrules + 1) * sizeof *in->rules);
    irule *r = &in->rules[in->nrules++];
    memset(r, 0, sizeof *r);
    r->ir = ir;
    r->src_table = rp_xcalloc(ir->nsources + 1, sizeof *r->src_table);
    r->src_cols = rp_xcalloc(ir->nsources + 1, sizeof *r->src_cols);
    for (size_t s = 0; s < ir->nsources; s++) {
        r->src_table[s] = intern(&in->tables, &in->ntables, ir->sources[s].table);
        r->src_cols[s] = rp_xcalloc(ir->sources[s].ninputs + 1, sizeof **r->src_cols);
        for (size_t k = 0; k < ir->sources[s].ninputs; k++)
            r->src_cols[s][k] = intern(&in->cols, &in->ncols, ir->sources[s].inputs[k].name);
    }
    r->blank = rp_xcalloc(ir->nslots + 1, sizeof *r->blank);
    for (size_t i = 0; i < ir->nslots; i++) r->blank[i] = missing(ir, (int)i);
    r->aux = rp_xcalloc(ir->nsources + 1, sizeof *r->aux);
    for (size_t s = 0; s < ir->nsources; s++) r->aux[s] = stages_aux(ir, ir->sources[s].stages, ir->sources[s].nstages);
    r->aux[ir->nsources] = stages_aux(ir, ir->tail, ir->ntail);
    r->suppressed = rp_xcalloc(ir->nexcls + 1, sizeof *r->suppressed);
    r->excl_names = rp_xcalloc(ir->nexcls + 1, sizeof *r->excl_names);
    for (size_t i = 0; i < ir->nexcls; i++) r->excl_names[i] = ir->excls[i].scenario;
    r->ts = rp_xcalloc(ir->ntail + 1, sizeof *r->ts);
    for (size_t k = 0; k < ir->ntail; k++) {
        tstage *t = &r->ts[k];
        t->st = &ir->tail[k];
        if ((t->st->kind == RP_IR_SUMMARIZE || t->st->kind == RP_IR_DISTINCT) && !tstage_groups_init(t)) {
            *why = "out of memory";
            return 0;
        }
    }
    return 1;
}

/* Builds the layout and reader on first use. */
static void ensure_reader(rp_interp *in)
{
    if (in->reader_ready) return;
    in->reader_ready = 1;
    for (size_t i = 0; i < in->nrules; i++) ensure_row(in, in->rules[i].ir->nslots);
    in->kinds = rp_xcalloc(in->ntables * in->ncols + 1, 1);
    for (size_t i = 0; i < in->nrules; i++) {
        const rp_ir_rule *ir = in->rules[i].ir;
        for (size_t s = 0; s < ir->nsources; s++)
            for (size_t k = 0; k < ir->sources[s].ninputs; k++)
                in->kinds[(size_t)in->rules[i].src_table[s] * in->ncols + (size_t)in->rules[i].src_cols[s][k]] =
                    (unsigned char)kind_of(ir->sources[s].inputs[k].type);
    }
    in->layout.cols = in->cols;
    in->layout.ncols = in->ncols;
    in->layout.tables = in->tables;
    in->layout.ntables = in->ntables;
    in->layout.kinds = in->kinds;
    in->rstats = rp_xcalloc(in->nrules + 1, sizeof *in->rstats);
    for (size_t i = 0; i < in->nrules; i++) {
        in->rstats[i].rule_id = in->rules[i].ir->rule_id ? in->rules[i].ir->rule_id : in->rules[i].ir->name;
        in->rstats[i].suppressed = in->rules[i].suppressed;
        in->rstats[i].excl_names = in->rules[i].excl_names;
        in->rstats[i].nexcl = in->rules[i].ir->nexcls;
        in->rstats[i].has_tail = in->rules[i].ir->ntail > 0;
    }
    in->stats.rules = in->rstats;
    in->stats.nrules = in->nrules;
    /* which sources read each table: an event visits only those (counting sort by table) */
    in->by_table = rp_xcalloc(in->ntables + 2, sizeof *in->by_table);
    size_t nreads = 0;
    for (size_t i = 0; i < in->nrules; i++)
        for (size_t s = 0; s < in->rules[i].ir->nsources; s++, nreads++) in->by_table[in->rules[i].src_table[s] + 1]++;
    for (size_t t = 0; t < in->ntables; t++) in->by_table[t + 1] += in->by_table[t];
    in->reads = rp_xcalloc(nreads + 1, sizeof *in->reads);
    size_t *fill = rp_xcalloc(in->ntables + 1, sizeof *fill);
    memcpy(fill, in->by_table, in->ntables * sizeof *fill);
    for (size_t i = 0; i < in->nrules; i++)
        for (size_t s = 0; s < in->rules[i].ir->nsources; s++) {
            where w = {&in->rules[i], i, s};
            in->reads[fill[in->rules[i].src_table[s]]++] = w;
        }
    free(fill);
    rp_reader_init(&in->reader, &in->layout, NULL, &in->stats);
    if (in->table_opt) rp_reader_set_table(&in->reader, in->table_opt);
}

/* {====================================================================
 * Output
 * ===================================================================== */

static void alert_head(rp_interp *in, const irule *r, const char *table)
{
    rp_jw *w = &in->w;
    rp_jw_reset(w);
    rp_jw_obj_begin(w);
    rp_jw_key(w, "rule_id");
    if (r->ir->rule_id) rp_jw_cstr(w, r->ir->rule_id);
    else rp_jw_null(w);
    rp_jw_key(w, "rule");
    rp_jw_cstr(w, r->ir->name ? r->ir->name : "");
    rp_jw_key(w, "table");
    rp_jw_cstr(w, table);
}

static void flush(rp_interp *in, FILE *out)
{
    if (!out) {
        rp_jw_reset(&in->w);
        return;
    }
    if (!rp_jw_flush_line(&in->w, out)) in->write_error = 1;
}

static int is_text(rp_type t) { return t == RP_TYPE_STRING || t == RP_TYPE_GUID || t == RP_TYPE_DYNAMIC || t == RP_TYPE_UNKNOWN; }

/* The visible columns of the current row as an object. */
static void write_cols(rp_interp *in, rp_jw *w, const rp_ir_cols *cols)
{
    rp_jw_obj_begin(w);
    for (size_t i = 0; i < cols->count; i++) {
        val v = in->row[cols->cols[i].slot];
        rp_val rv = to_rp(v);
        rp_jw_key(w, cols->cols[i].name);
        rp_jw_val(w, &rv, kind_of(v.t));
    }
    rp_jw_obj_end(w);
}

/* The visible columns of the current row as the "event" object. */
static void write_event(rp_interp *in, const rp_ir_cols *cols)
{
    rp_jw *w = &in->w;
    rp_jw_key(w, "event");
    if (cols->event_star && cols->count == 0) {
        rp_jw_raw(w, in->line.len ? in->line : rp_str_c("{}"));
        return;
    }
    if (!cols->event_star || !in->line.len) {
        write_cols(in, w, cols);
        return;
    }
    rp_jw *w2 = &in->w2;
    rp_jw_reset(w2);
    write_cols(in, w2, cols);
    /* the event's own members, then the computed ones: splice the two objects */
    rp_str line = in->line;
    size_t end = line.len;
    while (end && line.ptr[end - 1] != '}') end--;
    size_t body_end = end ? end - 1 : 0;
    size_t k = body_end;
    while (k > 0 && (line.ptr[k - 1] == ' ' || line.ptr[k - 1] == '\t' || line.ptr[k - 1] == '\r' || line.ptr[k - 1] == '\n')) k--;
    int empty = k > 0 && line.ptr[k - 1] == '{';
    size_t total = k + 1 + (w2->len - 1);
    char *buf = scratch_alloc(in, total);
    memcpy(buf, line.ptr, k);
    size_t at = k;
    if (!empty) buf[at++] = ',';
    memcpy(buf + at, w2->buf + 1, w2->len - 1);
    at += w2->len - 1;
    rp_str s = {buf, at};
    rp_jw_raw(w, s);
}

/* {====================================================================
 * Row helpers
 * ===================================================================== */

/* A fresh row: every slot missing (in->row holds the largest rule's slots, see ensure_reader). */
static void row_reset(rp_interp *in, const irule *r)
{
    memcpy(in->row, r->blank, r->ir->nslots * sizeof *in->row);
    in->line = rp_str_c("");
}

static rp_type type_of_kind(rp_kind k)
{
    switch (k) {
    case RP_K_LONG: return RP_TYPE_LONG;
    case RP_K_REAL: return RP_TYPE_REAL;
    case RP_K_BOOL: return RP_TYPE_BOOL;
    case RP_K_DATETIME: return RP_TYPE_DATETIME;
    case RP_K_TIMESPAN: return RP_TYPE_TIMESPAN;
    case RP_K_GUID: return RP_TYPE_GUID;
    case RP_K_DYNAMIC: return RP_TYPE_DYNAMIC;
    default: return RP_TYPE_STRING;
    }
}

/* A value as the runtime stores it under `kind` (text kinds get tostring() of other values). */
static rp_val to_rp_kind(rp_interp *in, val v, rp_kind kind)
{
    if ((kind == RP_K_STRING || kind == RP_K_GUID || kind == RP_K_DYNAMIC) && !is_text(v.t)) v = v_str(to_text(in, v));
    return to_rp(v);
}

static size_t text_len(val v) { return is_text(v.t) ? v.s.len : 0; }

static char *copy_text(char *p, val *v)
{
    if (!is_text(v->t)) {
        v->s = rp_str_c("");
        return p;
    }
    if (v->s.len) memcpy(p, v->s.ptr, v->s.len);
    v->s.ptr = p;
    return p + v->s.len;
}

/* A copy of the current row (and `keys`) that owns its text. */
static trow row_store(rp_interp *in, size_t nslots, const val *keys, size_t nkeys, uint64_t seq)
{
    trow t;
    size_t bytes = in->line.len + 1;
    for (size_t i = 0; i < nslots; i++) bytes += text_len(in->row[i]);
    for (size_t i = 0; i < nkeys; i++) bytes += text_len(keys[i]);
    t.mem = rp_xmalloc(bytes);
    t.v = rp_xmalloc((nslots + nkeys + 1) * sizeof *t.v);
    t.keys = t.v + nslots;
    memcpy(t.v, in->row, nslots * sizeof *t.v);
    if (nkeys) memcpy(t.keys, keys, nkeys * sizeof *t.keys);
    char *p = t.mem;
    for (size_t i = 0; i < nslots + nkeys; i++) p = copy_text(p, &t.v[i]);
    if (in->line.len) memcpy(p, in->line.ptr, in->line.len);
    t.line.ptr = p;
    t.line.len = in->line.len;
    t.seq = seq;
    return t;
}

static void row_load(rp_interp *in, const trow *t, size_t nslots)
{
    memcpy(in->row, t->v, nslots * sizeof *in->row);
    in->line = t->line;
}

/* {====================================================================
 * Sort order (see "Tail semantics")
 * ===================================================================== */

static int nullish(val v) { return !is_text(v.t) && (v.null || (v.t == RP_TYPE_REAL && v.r != v.r)); }

static int order_cmp(val a, val b)
{
    if (is_num(a.t) && is_num(b.t)) {
        if (a.t == RP_TYPE_REAL || b.t == RP_TYPE_REAL) {
            double x = as_real(a), y = as_real(b);
            return x < y ? -1 : x > y;
        }
        return a.i < b.i ? -1 : a.i > b.i;
    }
    if (is_text(a.t) && is_text(b.t)) {
        size_t n = a.s.len < b.s.len ? a.s.len : b.s.len;
        int c = n ? memcmp(a.s.ptr, b.s.ptr, n) : 0;
        if (c) return c < 0 ? -1 : 1;
        return a.s.len < b.s.len ? -1 : a.s.len > b.s.len;
    }
    if (a.t != b.t) return (int)a.t < (int)b.t ? -1 : 1;
    return a.i < b.i ? -1 : a.i > b.i;
}

/* <0 when row a is output before row b. */
static int row_cmp(const rp_ir_stage *st, const trow *a, const trow *b)
{
    for (size_t k = 0; k < st->nkeys; k++) {
        const rp_ir_sortkey *key = &st->keys[k];
        val x = a->keys[k], y = b->keys[k];
        int xn = nullish(x), yn = nullish(y), c;
        if (xn || yn) {
            if (xn && yn) continue;
            c = xn ? -1 : 1;
            if (!key->nulls_first) c = -c;
            return c;
        }
        c = order_cmp(x, y);
        if (c) return key->desc ? -c : c;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Stable merge sort of rows by row_cmp (row_cmp is total, so stability is by seq anyway). */
static void rows_sort(const rp_ir_stage *st, trow *rows, size_t n)
{
    if (n < 2) return;
    trow *tmp = rp_xmalloc(n * sizeof *tmp);
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) tmp[o++] = row_cmp(st, &rows[j], &rows[i]) < 0 ? rows[j++] : rows[i++];
            while (i < mid) tmp[o++] = rows[i++];
            while (j < hi) tmp[o++] = rows[j++];
        }
        memcpy(rows, tmp, n * sizeof *rows);
    }
    free(tmp);
}

/* TOP's heap: the root is the row output last among those kept. */
static void heap_up(const rp_ir_stage *st, trow *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (row_cmp(st, &h[p], &h[i]) >= 0) break;
        trow t = h[p];
        h[p] = h[i];
        h[i] = t;
        i = p;
    }
}

static void heap_down(const rp_ir_stage *st, trow *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && row_cmp(st, &h[l], &h[m]) > 0) m = l;
        if (r < n && row_cmp(st, &h[r], &h[m]) > 0) m = r;
        if (m == i) return;
        trow t = h[m];
        h[m] = h[i];
        h[i] = t;
        i = m;
    }
}

/* {====================================================================
 * parse and mv-expand
 * ===================================================================== */

/* parse kind=simple with the runtime's rp_parse_simple (the generated C's too). */
static void run_parse(rp_interp *in, const rp_ir_stage *st, const saux *x)
{
    rp_str s = to_text(in, eval(in, st->source));
    int ok = rp_parse_simple(x->pieces, st->npieces, s, x->captures);
    for (size_t i = 0; i < st->npieces; i++) {
        const rp_ir_parse_piece *p = &st->pieces[i];
        if (!p->name || p->slot < 0) continue;
        rp_type t = norm_type(p->type);
        in->row[p->slot] = ok ? from_rp(&x->captures[i], t) : v_null(t == RP_TYPE_UNKNOWN ? RP_TYPE_STRING : t);
    }
}

/* {====================================================================
 * Rows through stages
 * ===================================================================== */

static void flow(rp_interp *in, const where *at, size_t k);

/* mv-expand with the runtime's rp_expand (the generated C's too): a value that is not dynamic
 * gives itself once, with its own type. */
static void run_mv_expand(rp_interp *in, const where *at, size_t k, const rp_ir_stage *st, const saux *x)
{
    const rp_ir_rule *ir = at->r->ir;
    size_t nc = st->nassigns, rows = 0;
    for (size_t c = 0; c < nc; c++) {
        val v = eval(in, st->assigns[c].expr);
        rp_val rv = to_rp(v);
        x->types[c] = v.t;
        x->counts[c] = rp_expand_begin(&x->expand[c], &rv, kind_of(v.t));
        if (x->counts[c] > rows) rows = x->counts[c];
    }
    if (st->limit > 0 && (uint64_t)rows > (uint64_t)st->limit) rows = (size_t)st->limit;
    if (rows) memcpy(x->saved, in->row, ir->nslots * sizeof *x->saved);
    rp_str line = in->line;
    for (size_t i = 0; i < rows; i++) {
        if (i) {
            memcpy(in->row, x->saved, ir->nslots * sizeof *x->saved);
            in->line = line;
        }
        for (size_t c = 0; c < nc; c++) {
            val el = v_null(RP_TYPE_DYNAMIC);
            if (i < x->counts[c]) {
                rp_val rv = rp_expand_next(&x->expand[c], &in->sc);
                scratch_check(in);
                el = from_rp(&rv, x->types[c]);
            }
            in->row[st->assigns[c].slot] = el;
        }
        flow(in, at, k + 1);
    }
}

static void rows_push(tstage *t, trow row)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = rp_xrealloc(t->rows, t->cap * sizeof *t->rows);
    }
    t->rows[t->nrows++] = row;
}

/* A row arrives at stateful tail stage k. */
static void tail_consume(rp_interp *in, const where *at, size_t k)
{
    const rp_ir_rule *ir = at->r->ir;
    tstage *t = &at->r->ts[k];
    const rp_ir_stage *st = t->st;
    switch (st->kind) {
    case RP_IR_SUMMARIZE:
    case RP_IR_DISTINCT: {
        for (size_t a = 0; a < st->nassigns; a++) t->kbuf[a] = to_rp_kind(in, eval(in, st->assigns[a].expr), t->key_kinds[a]);
        size_t na = st->kind == RP_IR_SUMMARIZE ? st->naggs : 0;
        for (size_t a = 0; a < na; a++) {
            const rp_ir_agg *ag = &st->aggs[a];
            memset(&t->ins[a], 0, sizeof t->ins[a]);
            if (ag->arg) {
                val av = eval(in, ag->arg);
                t->vbuf[a] = to_rp_kind(in, av, t->aggs[a].vkind);
                t->ins[a].cond = ag->kind == RP_IR_AGG_COUNTIF ? (!av.null && av.i) : true;
            } else {
                memset(&t->vbuf[a], 0, sizeof t->vbuf[a]);
                t->vbuf[a].s = rp_str_c("");
                t->ins[a].cond = true;
            }
            t->ins[a].v = &t->vbuf[a];
            for (size_t x = 0; x < ag->nextras; x++)
                t->xbuf[a][x] = to_rp_kind(in, eval(in, ag->extras[x].expr), t->extra_kinds[a][x]);
            t->ins[a].extra = t->xbuf[a];
        }
        if (!rp_groups_feed(&t->groups, t->kbuf, t->ins)) in->write_error = 1;
        break;
    }
    case RP_IR_TAKE:
        if ((int64_t)t->nrows < st->limit) {
            rows_push(t, row_store(in, ir->nslots, NULL, 0, t->seq));
        }
        t->seq++;
        break;
    case RP_IR_SORT:
    case RP_IR_TOP: {
        val ktmp[8];
        val *keys = st->nkeys <= 8 ? ktmp : rp_xmalloc(st->nkeys * sizeof *keys);
        for (size_t i = 0; i < st->nkeys; i++) keys[i] = eval(in, st->keys[i].expr);
        uint64_t seq = t->seq++;
        int store = 1, replace = 0;
        if (st->kind == RP_IR_TOP) {
            if (st->limit <= 0) store = 0;
            else if ((int64_t)t->nrows >= st->limit) {
                trow probe = {NULL, keys, {"", 0}, seq, NULL};
                replace = row_cmp(st, &probe, &t->rows[0]) < 0;
                store = replace;
            }
        }
        if (store) {
            trow row = row_store(in, ir->nslots, keys, st->nkeys, seq);
            if (replace) {
                trow_free(&t->rows[0]);
                t->rows[0] = row;
                heap_down(st, t->rows, t->nrows, 0);
            } else {
                rows_push(t, row);
                if (st->kind == RP_IR_TOP) heap_up(st, t->rows, t->nrows - 1);
            }
        }
        if (keys != ktmp) free(keys);
        break;
    }
    case RP_IR_COUNT: t->count++; break;
    default: break;
    }
}

/* The current row as an alert line: a source's row (table: the source's) or a row leaving the
 * tail (the rule's table). */
static void emit_alert(rp_interp *in, const where *at, const char *table)
{
    alert_head(in, at->r, table);
    write_event(in, &at->r->ir->out);
    rp_jw_obj_end(&in->w);
    flush(in, in->alerts);
    in->rstats[at->ri].alerts++;
    in->stats.alerts++;
}

/* A row leaves its source's stages: exclusions, then the tail or an alert. */
static void source_done(rp_interp *in, const where *at)
{
    irule *r = at->r;
    const rp_ir_rule *ir = r->ir;
    const rp_ir_source *src = &ir->sources[at->src];
    if (!in->counted) {
        in->stats.matched++;
        in->counted = 1;
    }
    in->rstats[at->ri].matched++;
    for (size_t x = 0; x < ir->nexcls; x++) {
        if (!ir->excls[x].pred || !rp_tv_where(tv_of(eval(in, ir->excls[x].pred)))) continue;
        r->suppressed[x]++;
        if (in->suppressed) {
            alert_head(in, r, src->table);
            rp_jw_key(&in->w, "exclusion");
            rp_jw_cstr(&in->w, ir->excls[x].scenario);
            rp_jw_key(&in->w, "event");
            rp_jw_raw(&in->w, in->line);
            rp_jw_obj_end(&in->w);
            flush(in, in->suppressed);
        }
        return;
    }
    if (ir->ntail) {
        in->rstats[at->ri].aggregated++;
        where tail = {r, at->ri, (size_t)-1};
        flow(in, &tail, 0);
        return;
    }
    emit_alert(in, at, src->table);
}

/* Runs the current row from stage k of its source (or of the tail) to the end. */
static void flow(rp_interp *in, const where *at, size_t k)
{
    const rp_ir_rule *ir = at->r->ir;
    int tail = at->src == (size_t)-1;
    const rp_ir_stage *stages = tail ? ir->tail : ir->sources[at->src].stages;
    size_t n = tail ? ir->ntail : ir->sources[at->src].nstages;
    const saux *aux = at->r->aux[tail ? ir->nsources : at->src];
    for (; k < n; k++) {
        const rp_ir_stage *st = &stages[k];
        switch (st->kind) {
        case RP_IR_FILTER:
            if (!rp_tv_where(tv_of(eval(in, st->pred)))) return;
            break;
        case RP_IR_EXTEND:
            for (size_t a = 0; a < st->nassigns; a++) in->row[st->assigns[a].slot] = eval(in, st->assigns[a].expr);
            break;
        case RP_IR_PROJECT: {
            val tmp[64];
            val *vals = st->nassigns <= 64 ? tmp : rp_xmalloc(st->nassigns * sizeof *vals);
            for (size_t a = 0; a < st->nassigns; a++) vals[a] = eval(in, st->assigns[a].expr);
            for (size_t a = 0; a < st->nassigns; a++) in->row[st->assigns[a].slot] = vals[a];
            if (vals != tmp) free(vals);
            break;
        }
        case RP_IR_PARSE: run_parse(in, st, &aux[k]); break;
        case RP_IR_MV_EXPAND: run_mv_expand(in, at, k, st, &aux[k]); return;
        default:
            if (tail) tail_consume(in, at, k);
            return;
        }
    }
    if (tail) emit_alert(in, at, ir->table ? ir->table : "");
    else source_done(in, at);
}

/* End of input for stateful tail stage k: its rows go on from stage k + 1. */
static void tail_flush(rp_interp *in, const where *at, size_t k)
{
    const rp_ir_rule *ir = at->r->ir;
    tstage *t = &at->r->ts[k];
    const rp_ir_stage *st = t->st;
    switch (st->kind) {
    case RP_IR_SUMMARIZE:
    case RP_IR_DISTINCT: {
        size_t na = st->kind == RP_IR_SUMMARIZE ? st->naggs : 0;
        rp_group_iter it;
        rp_groups_iter(&t->groups, &it);
        int empty_row = st->kind == RP_IR_SUMMARIZE && st->nassigns == 0 && t->groups.count == 0;
        while (rp_groups_next(&it) || empty_row) {
            empty_row = 0;
            row_reset(in, at->r);
            for (size_t a = 0; a < st->nassigns; a++)
                in->row[st->assigns[a].slot] = from_rp(rp_groups_key(&t->groups, &it, a), type_of_kind(t->key_kinds[a]));
            for (size_t a = 0; a < na; a++) {
                const rp_ir_agg *ag = &st->aggs[a];
                rp_val rv;
                rp_groups_agg(&t->groups, &it, a, &in->w3, &rv);
                val v = from_rp(&rv, type_of_kind(rp_groups_agg_kind(&t->groups, a)));
                if (v.t == RP_TYPE_DYNAMIC && !v.null) {
                    /* the array text lives in w3: keep it for the row */
                    v.s = rp_str_copy(&in->sc, v.s);
                    scratch_check(in);
                }
                in->row[ag->slot] = v;
                for (size_t x = 0; x < ag->nextras; x++) {
                    rp_groups_extra(&t->groups, &it, a, x, &rv);
                    in->row[ag->extras[x].slot] = from_rp(&rv, type_of_kind(t->extra_kinds[a][x]));
                }
            }
            flow(in, at, k + 1);
            scratch_reset(in);
        }
        break;
    }
    case RP_IR_TOP:
    case RP_IR_SORT:
        rows_sort(st, t->rows, t->nrows);
        /* fall through */
    case RP_IR_TAKE:
        for (size_t i = 0; i < t->nrows; i++) {
            row_load(in, &t->rows[i], ir->nslots);
            flow(in, at, k + 1);
            scratch_reset(in);
        }
        for (size_t i = 0; i < t->nrows; i++) trow_free(&t->rows[i]);
        t->nrows = 0;
        break;
    case RP_IR_COUNT:
        row_reset(in, at->r);
        in->row[st->out.cols[0].slot] = v_long(RP_TYPE_LONG, t->count);
        flow(in, at, k + 1);
        scratch_reset(in);
        break;
    default: break;
    }
}

/* {====================================================================
 * Driver
 * ===================================================================== */

static void run_source(rp_interp *in, const where *at, const rp_event *ev)
{
    const rp_ir_rule *ir = at->r->ir;
    const rp_ir_source *src = &ir->sources[at->src];
    const int *cols = at->r->src_cols[at->src];
    row_reset(in, at->r);
    in->line = ev->line;
    for (size_t k = 0; k < src->ninputs; k++) in->row[src->inputs[k].slot] = from_rp(&ev->v[cols[k]], src->inputs[k].type);
    flow(in, at, 0);
}

/* One event through the sources that read its table: rules in order, a rule's sources in IR
 * order; the scratch is reset after each rule. */
static void evaluate(rp_interp *in, const rp_event *ev)
{
    if (ev->table < 0 || (size_t)ev->table >= in->ntables) return;
    const where *end = in->reads + in->by_table[ev->table + 1];
    for (const where *at = in->reads + in->by_table[ev->table]; at < end; at++) {
        if (at == in->reads + in->by_table[ev->table] || at[-1].r != at->r) in->counted = 0;
        run_source(in, at, ev);
        if (at + 1 == end || at[1].r != at->r) scratch_reset(in);
    }
}

void rp_interp_feed_line(rp_interp *in, const char *line, size_t len)
{
    ensure_reader(in);
    rp_event ev;
    if (rp_reader_parse_line(&in->reader, line, len, &ev) == RP_READ_EVENT) evaluate(in, &ev);
}

int rp_interp_run(rp_interp *in, FILE *events)
{
    ensure_reader(in);
    in->reader.in = events;
    rp_event ev;
    int rc;
    while ((rc = rp_reader_next(&in->reader, &ev)) != RP_READ_EOF) {
        if (rc == RP_READ_IOERR) return -1;
        if (rc == RP_READ_EVENT) evaluate(in, &ev);
    }
    return 0;
}

int rp_interp_finish(rp_interp *in)
{
    ensure_reader(in);
    for (size_t i = 0; i < in->nrules; i++) {
        irule *r = &in->rules[i];
        where at = {r, i, (size_t)-1};
        for (size_t k = 0; k < r->ir->ntail; k++)
            if (rp_ir_stage_is_stateful(r->ir->tail[k].kind)) tail_flush(in, &at, k);
    }
    return in->write_error ? -1 : 0;
}

const rp_stats *rp_interp_stats(const rp_interp *in) { return &in->stats; }

void rp_interp_free(rp_interp *in)
{
    if (!in) return;
    for (size_t i = 0; i < in->nrules; i++) {
        irule *r = &in->rules[i];
        for (size_t s = 0; s < r->ir->nsources; s++) {
            free(r->src_cols[s]);
            stages_aux_free(r->aux[s], r->ir->sources[s].nstages);
        }
        stages_aux_free(r->aux[r->ir->nsources], r->ir->ntail);
        free(r->aux);
        free(r->blank);
        free(r->src_cols);
        free(r->src_table);
        free(r->suppressed);
        free(r->excl_names);
        for (size_t k = 0; k < r->ir->ntail; k++) tstage_free(&r->ts[k]);
        free(r->ts);
    }
    for (size_t i = 0; i < in->xcap; i++)
        for (int v = 0; in->xtab[i] && v < 3; v++)
            if (in->xtab[i]->has_re[v]) rp_regex_free(&in->xtab[i]->re[v]);
    free(in->xtab);
    if (in->xarena) rp_arena_free(in->xarena);
    free(in->rules);
    if (in->reader_ready) rp_reader_free(&in->reader);
    free(in->cols);
    free(in->tables);
    free(in->kinds);
    free(in->rstats);
    free(in->by_table);
    free(in->reads);
    free(in->row);
    rp_scratch_free(&in->sc);
    rp_jw_free(&in->w);
    rp_jw_free(&in->w2);
    rp_jw_free(&in->w3);
    free(in);
}
