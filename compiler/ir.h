/* ir.h: the compiled form of one rule, the contract between the lowering (ir_lower.c, from the
 * KQL AST and the exclusion filters), the IR interpreter (interp.c: `rulepack run` / `test`) and
 * the emitters (C matcher, Sigma). Built once per rule in the rule file's arena, read-only after.
 *
 * Shape (DESIGN.md "Data flow": filter predicate tree + tail):
 *
 *     rule
 *      +- sources[]   one per table the query reads (a union has several; a plain query one).
 *      |   |            An event goes to every source whose `table` equals its table.
 *      |   +- stages[]  ROW-LOCAL stages only (filter, extend, project*, parse, mv-expand), in
 *      |                order. Stages written after a `union` but before the first stateful
 *      |                stage are copied into every branch (they are row-local, so that is exact).
 *      +- excls[]     exclusion predicates (allow-list). A row that leaves its source's stages is
 *      |                "matched"; if any exclusion holds on it, it is suppressed (counted on the
 *      |                FIRST exclusion that holds, in file order) and goes no further.
 *      +- tail[]      the stages from the first STATEFUL one on (summarize, distinct, take, top,
 *                       sort, count), plus any row-local stages after it (e.g. a `where` on
 *                       summarize output). Empty for a filter rule: then every matched and
 *                       unsuppressed row is one alert at once. Otherwise the tail consumes rows
 *                       and at end of input its output rows are the alerts, in order.
 *
 * Rows and slots. Every column the query ever names (input columns, extend/project results,
 * summarize keys and aggregates, parse captures) gets one SLOT, keyed by NAME for the whole query
 * (a union's branches share `Timestamp`'s slot; `extend X = ...` writes X's slot). An rp_ir_expr
 * of kind COL reads a slot. A source's `inputs` say which slots are read from the event's
 * columns (typed by the table schema). A slot never read or written by a row holds "missing":
 * "" for strings, null for every other type (KQL-SEMANTICS.md §1).
 *
 * Visible columns. Each stage records the columns visible after it (rp_ir_cols), which is what
 * `project-away`, `*` and the alert's "event" object mean. `event_star` stands for "every column
 * of the input event, as the event spells them" (the raw JSON members, in the event's order) and
 * is followed by `cols`. The lowering turns the star into an explicit list of the table's schema
 * columns whenever it must (project-away, project-rename, or an extend overwriting an input
 * column), so a writer never has to drop raw members.
 *
 * Values and logic follow KQL-SEMANTICS.md exactly: strings are never null (missing is ""); all
 * other types carry null; predicates are three-valued and a FILTER keeps a row only when its
 * predicate is true (null drops). `now()` is one instant per run: RP_IR_NOW is `now + offset`.
 *
 * Status. A rule whose query uses an operator the IR cannot express yet (join, evaluate,
 * externaldata, make-series, ...) gets RP04xx "not compiled: join at 14:3" and status PARTIAL
 * (the IR holds the stages before that operator: a sound prefilter, not the query) or NONE
 * (nothing usable: no table, syntax errors, unsupported source). Only FULL rules produce alerts
 * in `rulepack run`; emitters may use PARTIAL ones as prefilters or skip them.
 *
 * Printing. rp_ir_expr_print / rp_ir_rule_print give a normalised KQL-like text, used as the
 * comment above each generated function and by tests, e.g.
 *     Timestamp between (now-5d .. now) and ProcessVersionInfoProductName has "meshcentral"
 * (strings in double quotes with KQL escapes, timespans as 5d/3h/10m/30s/100ms/Ntick, now() as
 * `now`, `now-5d`, `now+1h`, n-ary and/or flattened, parentheses only where precedence needs). */
#ifndef RP_IR_H
#define RP_IR_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "types.h"

/* ---------------------------------------------------------------------------------------------
 * Values: constants in the IR (literals, folded lets, set elements).
 * type is never RP_TYPE_INT or RP_TYPE_DECIMAL: int is stored as LONG, decimal as REAL
 * (the runtime has one kind each). Strings and guids: s/len (may hold NUL bytes, s is also
 * NUL-terminated). Dynamic: s/len is the JSON text of the value; arrays in sets are flattened.
 * ------------------------------------------------------------------------------------------- */
typedef struct rp_ir_value {
    rp_type type;
    int null;          /* non-string types only */
    int64_t i;         /* LONG, BOOL (0/1), DATETIME ticks since 0001-01-01, TIMESPAN ticks */
    double r;          /* REAL */
    const char *s;     /* STRING, GUID text; DYNAMIC JSON text */
    size_t len;
} rp_ir_value;

/* ---------------------------------------------------------------------------------------------
 * Expressions. X(ENUM, "name"). Fields per kind; every expression has `type` (its result type;
 * BOOL for predicates) and `span` (in the rule file; src NULL when synthesised).
 * ------------------------------------------------------------------------------------------- */
#define RP_IR_EXPR_KINDS(X)                                                                     \
    X(RP_IR_CONST, "const")     /* value */                                                     \
    X(RP_IR_COL, "col")         /* slot, name: read the row's slot */                           \
    X(RP_IR_NOW, "now")         /* value.i: offset in ticks; the value is now + offset (datetime) */\
    X(RP_IR_AND, "and")         /* args[0..n), n >= 2, flattened; three-valued */               \
    X(RP_IR_OR, "or")           /* args[0..n), n >= 2, flattened; three-valued */               \
    X(RP_IR_NOT, "not")         /* args[0]; not(null) = null */                                 \
    X(RP_IR_CMP, "cmp")         /* cmp; args[0], args[1]: same type family (numbers together, \
                                   datetime, timespan, bool, string (== != only, case-sensitive;\
                                   < <= > >= ordinal), guid, dynamic (== != on the JSON text)).\
                                   == null is false, != null is true, ordering with null null */\
    X(RP_IR_STR, "str")         /* sop, ci, negated; args[0]: the string; args[1]: the needle \
                                   (CONST string nearly always; any string expression allowed) */\
    X(RP_IR_IN, "in")           /* setop, ci (IN only), negated; args[0]: the value; set[0..n): \
                                   CONST values, flattened (dynamic arrays, datatable columns) */\
    X(RP_IR_BETWEEN, "between") /* negated; args[0] value, args[1] low, args[2] high (inclusive; \
                                   a timespan high over a datetime value is already low + span) */\
    X(RP_IR_REGEX, "regex")     /* args[0]: the string; value: the pattern (CONST string), an \
                                   unanchored search, case-sensitive unless (?i) */              \
    X(RP_IR_ARITH, "arith")     /* arith; args[0], args[1] (args[0] only for NEG). Null in, null \
                                   out; long / 0 is null; datetime - datetime = timespan ...   */\
    X(RP_IR_CALL, "call")       /* fn; args[0..n) (see RP_IR_FUNCS) */

typedef enum rp_ir_expr_kind {
#define RP_IR_ENUM(e, s) e,
    RP_IR_EXPR_KINDS(RP_IR_ENUM)
#undef RP_IR_ENUM
    RP_IR_EXPR_KIND_COUNT
} rp_ir_expr_kind;

/* Comparison operators of RP_IR_CMP. */
typedef enum rp_ir_cmp { RP_IR_EQ, RP_IR_NE, RP_IR_LT, RP_IR_LE, RP_IR_GT, RP_IR_GE } rp_ir_cmp;

/* String operators of RP_IR_STR (with `ci` for case-insensitive, `negated` for the ! forms).
 * ==/!= are EQ cs, =~/!~ EQ ci; has is HAS ci, has_cs HAS cs; and so on (KQL-SEMANTICS.md §2-4).
 * They map one to one onto the runtime's rp_eq, rp_contains, rp_startswith, rp_endswith,
 * rp_has, rp_hasprefix, rp_hassuffix. */
typedef enum rp_ir_strop {
    RP_IR_S_EQ,
    RP_IR_S_CONTAINS,
    RP_IR_S_STARTSWITH,
    RP_IR_S_ENDSWITH,
    RP_IR_S_HAS,
    RP_IR_S_HASPREFIX,
    RP_IR_S_HASSUFFIX
} rp_ir_strop;

/* Set operators of RP_IR_IN. IN: whole-value equality with any element (strings: `ci` for
 * in~; other types: numeric/datetime equality; null value: in is false, !in is true).
 * HAS_ANY / HAS_ALL: strings only, always case-insensitive, `has` per element. */
typedef enum rp_ir_setop { RP_IR_SET_IN, RP_IR_SET_HAS_ANY, RP_IR_SET_HAS_ALL } rp_ir_setop;

/* Arithmetic of RP_IR_ARITH. */
typedef enum rp_ir_arith { RP_IR_ADD, RP_IR_SUB, RP_IR_MUL, RP_IR_DIV, RP_IR_MOD, RP_IR_NEG } rp_ir_arith;

/* Scalar functions of RP_IR_CALL: X(ENUM, "kql name", min args, max args). Semantics are KQL's
 * (pages tolower-function, ...); the interpreter is the reference for the emitters. */
#define RP_IR_FUNCS(X)                                                                          \
    X(RP_IR_F_TOLOWER, "tolower", 1, 1)        /* ASCII folding (KQL-SEMANTICS.md §3) */       \
    X(RP_IR_F_TOUPPER, "toupper", 1, 1)                                                         \
    X(RP_IR_F_ISEMPTY, "isempty", 1, 1)        /* string "" (or a null of another type) */     \
    X(RP_IR_F_ISNOTEMPTY, "isnotempty", 1, 1)                                                   \
    X(RP_IR_F_ISNULL, "isnull", 1, 1)          /* strings are never null: false */             \
    X(RP_IR_F_ISNOTNULL, "isnotnull", 1, 1)                                                     \
    X(RP_IR_F_STRLEN, "strlen", 1, 1)          /* characters (UTF-8 code points) */            \
    X(RP_IR_F_TOSTRING, "tostring", 1, 1)      /* null -> "" */                                \
    X(RP_IR_F_TOLONG, "tolong", 1, 1)          /* unparseable -> null */                       \
    X(RP_IR_F_TOREAL, "toreal", 1, 1)          /* also todouble */                             \
    X(RP_IR_F_TODATETIME, "todatetime", 1, 1)                                                   \
    X(RP_IR_F_TOTIMESPAN, "totimespan", 1, 1)                                                   \
    X(RP_IR_F_TOBOOL, "tobool", 1, 1)                                                           \
    X(RP_IR_F_BIN, "bin", 2, 2)                /* floor(x / size) * size; also floor() */       \
    X(RP_IR_F_IFF, "iff", 3, 3)                /* also iif; null condition takes else */       \
    X(RP_IR_F_CASE, "case", 3, 255)            /* cond, value, ..., else */                     \
    X(RP_IR_F_COALESCE, "coalesce", 1, 64)     /* first non-null (non-empty for strings) */    \
    X(RP_IR_F_STRCAT, "strcat", 1, 64)         /* arguments as tostring, joined */             \
    X(RP_IR_F_SUBSTRING, "substring", 2, 3)    /* characters */                                \
    X(RP_IR_F_INDEXOF, "indexof", 2, 2)        /* characters; -1 when absent */                \
    X(RP_IR_F_TRIM, "trim", 2, 2)              /* trim(regex, s) */                            \
    X(RP_IR_F_TRIM_START, "trim_start", 2, 2)                                                   \
    X(RP_IR_F_TRIM_END, "trim_end", 2, 2)                                                       \
    X(RP_IR_F_EXTRACT, "extract", 3, 3)        /* extract(regex, group, s): "" when no match */ \
    X(RP_IR_F_REPLACE_STRING, "replace_string", 3, 3)                                           \
    X(RP_IR_F_ABS, "abs", 1, 1)                                                                 \
    X(RP_IR_F_STARTOFDAY, "startofday", 1, 1)                                                   \
    X(RP_IR_F_DAYOFWEEK, "dayofweek", 1, 1)    /* timespan: days since Sunday */               \
    X(RP_IR_F_HOUROFDAY, "hourofday", 1, 1)                                                     \
    X(RP_IR_F_MEMBER, "$member", 2, 2)        /* d.key, d["key"]: args[1] CONST string key */   \
    X(RP_IR_F_INDEX, "$index", 2, 2)          /* d[i]: args[1] CONST long (i < 0: from end) */  \
    X(RP_IR_F_PARSE_JSON, "parse_json", 1, 1)  /* also todynamic; of a string only (dynamic: \
                                                  the lowering drops the call) */               \
    X(RP_IR_F_ARRAY_LENGTH, "array_length", 1, 1) /* of a dynamic; null unless an array */      \
    X(RP_IR_F_SPLIT, "split", 2, 3)            /* dynamic array of strings; args[1] CONST non-empty \
                                                  string, args[2] CONST long >= 0 */            \
    X(RP_IR_F_PACK_ARRAY, "pack_array", 1, 64) /* dynamic array; elements string, long, bool, \
                                                  timespan, dynamic (JSON forms: interp.c) */   \
    X(RP_IR_F_IPV4_IS_PRIVATE, "ipv4_is_private", 1, 1) /* of a string; null unless IPv4 */

typedef enum rp_ir_fn {
#define RP_IR_FN_ENUM(e, s, lo, hi) e,
    RP_IR_FUNCS(RP_IR_FN_ENUM)
#undef RP_IR_FN_ENUM
    RP_IR_FN_COUNT
} rp_ir_fn;

typedef struct rp_ir_expr rp_ir_expr;
struct rp_ir_expr {
    rp_ir_expr_kind kind;
    rp_type type;            /* result type (BOOL for predicates; UNKNOWN when not known) */
    rp_span span;            /* the source text it came from */
    rp_ir_value value;       /* CONST; NOW (i = offset); REGEX (the pattern) */
    int slot;                /* COL */
    const char *name;        /* COL: the column name */
    rp_ir_cmp cmp;           /* CMP */
    rp_ir_strop sop;         /* STR */
    rp_ir_setop setop;       /* IN */
    rp_ir_arith arith;       /* ARITH */
    rp_ir_fn fn;             /* CALL */
    int ci;                  /* STR, IN: case-insensitive */
    int negated;             /* STR, IN, BETWEEN: the ! form */
    rp_ir_expr **args;
    size_t nargs;
    size_t args_capacity;    /* internal to rp_ir_push_arg: slots allocated in args */
    rp_ir_value *set;        /* IN */
    size_t nset;
};

/* ---------------------------------------------------------------------------------------------
 * Stages.
 * ------------------------------------------------------------------------------------------- */

/* A visible column: name and the slot that holds it. */
typedef struct rp_ir_col {
    const char *name;
    int slot;
    rp_type type;
} rp_ir_col;

/* Columns visible after a stage (see the top of the file for event_star). */
typedef struct rp_ir_cols {
    int event_star;          /* all of the input event's own members first */
    rp_ir_col *cols;
    size_t count;
} rp_ir_cols;

/* An assignment `slot = expr` (extend, project, summarize keys). */
typedef struct rp_ir_assign {
    const char *name;
    int slot;
    rp_ir_expr *expr;
    rp_span span;
} rp_ir_assign;

/* Aggregates of summarize: X(ENUM, "kql name", min args, max args). Names and semantics are the
 * runtime's rp_agg_kind (one to one, same order). Output names when not given: count_, dcount_x,
 * countif_, min_x, max_x, sum_x, avg_x, set_x, list_x, any_x (KQL-SEMANTICS.md §10). */
#define RP_IR_AGGS(X)                                                                           \
    X(RP_IR_AGG_COUNT, "count", 0, 0)                                                           \
    X(RP_IR_AGG_COUNTIF, "countif", 1, 1)      /* arg: the predicate (null counts as false) */  \
    X(RP_IR_AGG_DCOUNT, "dcount", 1, 2)        /* exact; Kusto estimates above 1,000 values */  \
    X(RP_IR_AGG_MIN, "min", 1, 1)              /* nulls ignored; empty -> null */               \
    X(RP_IR_AGG_MAX, "max", 1, 1)                                                               \
    X(RP_IR_AGG_SUM, "sum", 1, 1)                                                               \
    X(RP_IR_AGG_AVG, "avg", 1, 1)                                                               \
    X(RP_IR_AGG_MAKE_SET, "make_set", 1, 2)    /* distinct non-null values, first-seen order */ \
    X(RP_IR_AGG_MAKE_LIST, "make_list", 1, 2)  /* all non-null values, input order */           \
    X(RP_IR_AGG_ARG_MAX, "arg_max", 2, 64)     /* arg 0 maximized; extras carried (first wins) */\
    X(RP_IR_AGG_ARG_MIN, "arg_min", 2, 64)                                                      \
    X(RP_IR_AGG_ANY, "take_any", 1, 64)        /* also any(): the first row's values */

typedef enum rp_ir_agg_kind {
#define RP_IR_AGG_ENUM(e, s, lo, hi) e,
    RP_IR_AGGS(RP_IR_AGG_ENUM)
#undef RP_IR_AGG_ENUM
    RP_IR_AGG_COUNT_KINDS
} rp_ir_agg_kind;

/* One aggregate. Its result goes to `slot` named `name`. arg: the aggregated expression (NULL for
 * count), or the predicate of countif. size: make_set/make_list cap (0: the default 1,048,576).
 * arg_max / arg_min / take_any: extras are further columns carried from the winning row, each with
 * its own output name and slot (arg_max(x, *) is expanded to the visible columns). */
typedef struct rp_ir_agg {
    rp_ir_agg_kind kind;
    const char *name;
    int slot;
    rp_type type;            /* result type */
    rp_ir_expr *arg;
    int64_t size;
    rp_ir_assign *extras;    /* name/slot of each carried column, expr: its value */
    size_t nextras;
    rp_span span;
} rp_ir_agg;

/* Sort key of top / sort. */
typedef struct rp_ir_sortkey {
    rp_ir_expr *expr;
    int desc;                /* KQL's default for sort and top is descending */
    int nulls_first;         /* default: nulls last for desc, first for asc */
} rp_ir_sortkey;

/* Stage kinds: X(ENUM, "name", stateful). */
#define RP_IR_STAGE_KINDS(X)                                                                    \
    X(RP_IR_FILTER, "where", 0)          /* pred */                                              \
    X(RP_IR_EXTEND, "extend", 0)         /* assigns, evaluated left to right (later see earlier)*/\
    X(RP_IR_PROJECT, "project", 0)       /* assigns, all evaluated on the input row, then stored;\
                                            out is exactly them (also project-away/-keep/-rename \
                                            /-reorder after lowering: just `out` changes) */    \
    X(RP_IR_PARSE, "parse", 0)           /* parse: source expr, pattern pieces (below) */        \
    X(RP_IR_MV_EXPAND, "mv-expand", 0)   /* assigns: each column expanded (dynamic arrays); the \
                                            row repeats per element; limit */                   \
    X(RP_IR_SUMMARIZE, "summarize", 1)   /* assigns = keys (by), aggs; one row per group in \
                                            first-seen order; no keys: one row even for no input*/\
    X(RP_IR_DISTINCT, "distinct", 1)     /* assigns: the columns; first-seen order */           \
    X(RP_IR_TAKE, "take", 1)             /* limit: first n rows */                               \
    X(RP_IR_TOP, "top", 1)               /* limit, keys */                                       \
    X(RP_IR_SORT, "sort", 1)             /* keys (stable) */                                     \
    X(RP_IR_COUNT, "count", 1)           /* one row, column Count (long) */

typedef enum rp_ir_stage_kind {
#define RP_IR_STAGE_ENUM(e, s, st) e,
    RP_IR_STAGE_KINDS(RP_IR_STAGE_ENUM)
#undef RP_IR_STAGE_ENUM
    RP_IR_STAGE_KIND_COUNT
} rp_ir_stage_kind;

/* One piece of a parse pattern: a constant to find, or a capture into a slot. kind=simple:
 * captures are non-greedy up to the next constant; a capture that cannot be satisfied makes the
 * row keep its values ("" / null) for every capture (KQL: parse leaves them empty). */
typedef struct rp_ir_parse_piece {
    const char *text;        /* constant: decoded text; NULL for a capture */
    size_t len;
    const char *name;        /* capture: column name; NULL for `*` or a constant */
    int slot;
    rp_type type;
} rp_ir_parse_piece;

typedef struct rp_ir_stage {
    rp_ir_stage_kind kind;
    rp_span span;            /* the operator in the query */
    rp_ir_expr *pred;        /* FILTER */
    rp_ir_assign *assigns;   /* EXTEND, PROJECT, MV_EXPAND, SUMMARIZE keys, DISTINCT */
    size_t nassigns;
    rp_ir_agg *aggs;         /* SUMMARIZE */
    size_t naggs;
    rp_ir_sortkey *keys;     /* TOP, SORT */
    size_t nkeys;
    int64_t limit;           /* TAKE, TOP; MV_EXPAND (0: none) */
    rp_ir_expr *source;      /* PARSE: the text parsed */
    rp_ir_parse_piece *pieces;
    size_t npieces;
    rp_ir_cols out;          /* visible columns after this stage */
} rp_ir_stage;

/* A slot: one named column of the query (see the top). type: the type it is written with
 * (UNKNOWN when different writers disagree; the value then carries its own type). */
typedef struct rp_ir_slot {
    const char *name;
    rp_type type;
} rp_ir_slot;

/* An input column: slot `slot` is read from the event member `name` (typed `type` by the schema). */
typedef struct rp_ir_input {
    const char *name;
    int slot;
    rp_type type;
} rp_ir_input;

/* One table the query reads, with its row-local pipeline. */
typedef struct rp_ir_source {
    const char *table;       /* events whose table is this one enter here */
    rp_span span;            /* the table name (or ASIM call) in the query */
    rp_ir_input *inputs;     /* every column of the table the pipeline or output needs */
    size_t ninputs;
    rp_ir_stage *stages;     /* row-local only */
    size_t nstages;
    rp_ir_cols out;          /* visible columns at the end of the stages (before the tail) */
} rp_ir_source;

/* One exclusion: the scenario's name and its predicate over the slots of input columns (the
 * rule's table); a row that matched the detection and satisfies `pred` (three-valued, true only)
 * is suppressed. pred is NULL when the filter could not be lowered (then it suppresses nothing;
 * a diagnostic said why). */
typedef struct rp_ir_excl {
    const char *scenario;
    rp_span span;            /* the filter in the rule file */
    rp_ir_expr *pred;
} rp_ir_excl;

typedef enum rp_ir_status {
    RP_IR_FULL,              /* the IR is exactly the query */
    RP_IR_PARTIAL,           /* the IR is the query up to an operator that is not compiled */
    RP_IR_NONE               /* nothing compiled */
} rp_ir_status;

typedef struct rp_ir_rule {
    const char *rule_id;     /* may be NULL (bare query file) */
    const char *name;        /* rule name, or the file name for a bare query */
    const char *path;        /* the rule file */
    rp_span span;            /* the query field */
    rp_ir_status status;
    const char *why;         /* PARTIAL / NONE: "join at 14:3" (first reason); else NULL */
    rp_ir_slot *slots;
    size_t nslots;
    rp_ir_source *sources;
    size_t nsources;
    rp_ir_excl *excls;
    size_t nexcls;
    rp_ir_stage *tail;
    size_t ntail;
    rp_ir_cols out;          /* the result's columns (last tail stage's out, or sources[0].out) */
    const char *table;       /* the alert's "table" for tail output: sources' tables joined by ',' */
    int now_used;            /* some expression reads now() */
} rp_ir_rule;

/* ---------------------------------------------------------------------------------------------
 * Construction (ir.c). All in `arena`; spans optional (pass a zero span).
 * ------------------------------------------------------------------------------------------- */
rp_ir_expr *rp_ir_new(rp_arena *arena, rp_ir_expr_kind kind, rp_type type, rp_span span);
rp_ir_expr *rp_ir_const_string(rp_arena *arena, const char *s, size_t len, rp_span span);
rp_ir_expr *rp_ir_const_long(rp_arena *arena, int64_t i, rp_span span);
rp_ir_expr *rp_ir_const_real(rp_arena *arena, double r, rp_span span);
rp_ir_expr *rp_ir_const_bool(rp_arena *arena, int b, rp_span span);
rp_ir_expr *rp_ir_const_typed(rp_arena *arena, rp_type type, int64_t i, rp_span span); /* datetime, timespan */
rp_ir_expr *rp_ir_const_null(rp_arena *arena, rp_type type, rp_span span);
rp_ir_expr *rp_ir_colref(rp_arena *arena, const char *name, int slot, rp_type type, rp_span span);
rp_ir_expr *rp_ir_now(rp_arena *arena, int64_t offset, rp_span span);
/* and/or of a and b, flattening nested and/or of the same kind (either may be NULL: returns the other). */
rp_ir_expr *rp_ir_logic(rp_arena *arena, rp_ir_expr_kind kind, rp_ir_expr *a, rp_ir_expr *b);
rp_ir_expr *rp_ir_not(rp_arena *arena, rp_ir_expr *a, rp_span span);
rp_ir_expr *rp_ir_cmp_new(rp_arena *arena, rp_ir_cmp cmp, rp_ir_expr *a, rp_ir_expr *b, rp_span span);
rp_ir_expr *rp_ir_str(rp_arena *arena, rp_ir_strop sop, int ci, int negated, rp_ir_expr *a, rp_ir_expr *needle,
                      rp_span span);
rp_ir_expr *rp_ir_in(rp_arena *arena, rp_ir_setop setop, int ci, int negated, rp_ir_expr *a, rp_ir_value *set,
                     size_t nset, rp_span span);
rp_ir_expr *rp_ir_between(rp_arena *arena, int negated, rp_ir_expr *a, rp_ir_expr *lo, rp_ir_expr *hi, rp_span span);
rp_ir_expr *rp_ir_regex(rp_arena *arena, rp_ir_expr *a, const char *pattern, size_t len, rp_span span);
rp_ir_expr *rp_ir_arith_new(rp_arena *arena, rp_ir_arith op, rp_type type, rp_ir_expr *a, rp_ir_expr *b, rp_span span);
rp_ir_expr *rp_ir_call(rp_arena *arena, rp_ir_fn fn, rp_type type, rp_ir_expr **args, size_t nargs, rp_span span);
void rp_ir_push_arg(rp_arena *arena, rp_ir_expr *e, rp_ir_expr *arg);

/* An empty rule (status FULL, no sources) and its slot table. */
rp_ir_rule *rp_ir_rule_new(rp_arena *arena);
/* The slot of `name`, created with `type` when new (an existing slot of another type becomes
 * UNKNOWN). */
int rp_ir_slot_of(rp_arena *arena, rp_ir_rule *rule, const char *name, rp_type type);
/* -1 when the name has no slot. */
int rp_ir_slot_find(const rp_ir_rule *rule, const char *name);
/* Appends a source; the sources array moves, so earlier rp_ir_source pointers become stale. */
rp_ir_source *rp_ir_add_source(rp_arena *arena, rp_ir_rule *rule, const char *table, rp_span span);
/* Records that `src` reads column `name` of its table into a slot; returns the slot. */
int rp_ir_add_input(rp_arena *arena, rp_ir_rule *rule, rp_ir_source *src, const char *name, rp_type type);
rp_ir_stage *rp_ir_add_stage(rp_arena *arena, rp_ir_stage **stages, size_t *count, rp_ir_stage_kind kind,
                             rp_span span);

/* ---------------------------------------------------------------------------------------------
 * Reading.
 * ------------------------------------------------------------------------------------------- */
const char *rp_ir_expr_kind_name(rp_ir_expr_kind kind);
const char *rp_ir_stage_kind_name(rp_ir_stage_kind kind);
int rp_ir_stage_is_stateful(rp_ir_stage_kind kind);
const char *rp_ir_fn_name(rp_ir_fn fn);
/* Function by KQL name (aliases: iif, todouble, toint, floor, ...); RP_IR_FN_COUNT when unknown. */
rp_ir_fn rp_ir_fn_find(const char *name);
void rp_ir_fn_arity(rp_ir_fn fn, int *min, int *max);
const char *rp_ir_agg_name(rp_ir_agg_kind kind);
/* Aggregate by KQL name (aliases: any, makeset, makelist, ...); RP_IR_AGG_COUNT_KINDS when unknown. */
rp_ir_agg_kind rp_ir_agg_find(const char *name);
void rp_ir_agg_arity(rp_ir_agg_kind kind, int *min, int *max);
const char *rp_ir_strop_text(rp_ir_strop sop, int ci, int negated); /* "has", "!contains_cs", "=~" */
const char *rp_ir_cmp_text(rp_ir_cmp cmp);
const char *rp_ir_status_name(rp_ir_status status); /* "full", "partial", "none" */

/* Normalised text of an expression / a value / a stage / a whole rule (multi-line: one stage per
 * line, `| where ...`), in `arena`. Deterministic. */
char *rp_ir_expr_print(rp_arena *arena, const rp_ir_expr *e);
char *rp_ir_value_print(rp_arena *arena, const rp_ir_value *v);
char *rp_ir_stage_print(rp_arena *arena, const rp_ir_stage *st);
char *rp_ir_rule_print(rp_arena *arena, const rp_ir_rule *rule);

#endif
