/* kql_ast.h: the syntax tree of a KQL query, built by kql_parse.c, read by the analysis
 * (kql_analyze.c) and the IR lowering (ir.c).
 *
 * One node struct for every construct (like lua's expdesc: the kind says which fields are live,
 * and every kind below documents them). Nodes live in ctx->arena and are never freed one by one.
 * Every node carries a byte span [start, end) into the QUERY TEXT (not the rule file): turn it
 * into a file position with rp_kql_query_span(query, start, end), which maps through the YAML
 * block scalar's indentation when the query came from a rule.
 *
 * Field conventions (unused fields are zero/NULL):
 *   name   identifier or keyword text, NUL-terminated, in the arena (bracketed names unquoted)
 *   text   a second string: decoded string value, raw literal text, type name (see per kind);
 *          text_len is its length in bytes (decoded strings may hold NUL bytes)
 *   a,b,c  child nodes with per-kind meaning
 *   items  the main list of children; aux a second list; options the `name=value` options
 *          (kind=inner, hint.strategy=shuffle, withsource=X, bagexpansion=array ...) as
 *          RP_KQL_OPTION nodes.
 *
 * S-expressions (rp_kql_sexpr) print each node as (kind-name fields... children...); the
 * data-driven parser tests (tests/cases/kql_parse.txt) compare against them. */
#ifndef RP_KQL_AST_H
#define RP_KQL_AST_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* ---------------------------------------------------------------------------------------------
 * Node kinds. X(ENUM, "sexpr-name"). ORDER KQL_KIND: rp_kql_kind_name indexes by it.
 * ------------------------------------------------------------------------------------------- */
#define RP_KQL_KINDS(X)                                                                         \
    /* ---- scalar expressions ---- */                                                          \
    X(RP_KQL_ERROR, "error")         /* a part that did not parse (a diagnostic was reported) */ \
    X(RP_KQL_NAME, "name")           /* name: identifier; flags RP_KQL_F_BRACKETED for ['x'],  \
                                        RP_KQL_F_WILDCARD when it holds '*' (Device*, Acc*);    \
                                        $left / $right are NAMEs "$left" / "$right" */           \
    X(RP_KQL_STRING, "string")       /* text,text_len: decoded value (adjacent literals joined);\
                                        flags RP_KQL_F_VERBATIM/F_OBFUSCATED/F_MULTILINE of the  \
                                        first piece */                                           \
    X(RP_KQL_LONG, "long")           /* ival: value (also hex 0x.. literals) */                  \
    X(RP_KQL_REAL, "real")           /* rval: value */                                           \
    X(RP_KQL_BOOL, "bool")           /* ival: 0 or 1 (true/false keywords) */                    \
    X(RP_KQL_NULL, "null")           /* JSON null inside dynamic(...) only */                    \
    X(RP_KQL_TIMESPAN, "timespan")   /* ival: 100-ns ticks; from 5m, 1.5h, 10sec, timespan(1d) */\
    X(RP_KQL_TYPED, "typed")         /* typed literal T(raw): name = type keyword as written    \
                                        (datetime, timespan, guid, int, long, real, bool,        \
                                        decimal, date, time...); text = raw text between the     \
                                        parentheses, trimmed; flags RP_KQL_F_NULL for T(null);   \
                                        for datetime, RP_KQL_F_HAS_TICKS and ival = ticks when the \
                                        text is an ISO-8601 instant; for timespan same, ival.    \
                                        Note: timespan(...) with a plain duration becomes        \
                                        RP_KQL_TIMESPAN instead. */                              \
    X(RP_KQL_DYNAMIC, "dynamic")     /* dynamic(...) literal: a = JSON value (JSON_ARRAY,       \
                                        JSON_OBJECT, STRING, LONG, REAL, BOOL, NULL, TIMESPAN,   \
                                        TYPED) */                                                \
    X(RP_KQL_JSON_ARRAY, "array")    /* items: elements */                                       \
    X(RP_KQL_JSON_OBJECT, "object")  /* items: JSON_PAIR */                                      \
    X(RP_KQL_JSON_PAIR, "pair")      /* name: key; a: value */                                   \
    X(RP_KQL_TYPEOF, "typeof")       /* typeof(string) or typeof(a:string, ...): items COLDECL  \
                                        (a bare type is a COLDECL with name NULL) */             \
    X(RP_KQL_BINARY, "binary")       /* op; a: left, b: right (arith, compare, and/or, string ops,\
                                        matches regex, like) */                                  \
    X(RP_KQL_UNARY, "unary")         /* op RP_KQL_OP_NEG / RP_KQL_OP_POS; a: operand */          \
    X(RP_KQL_IN, "in")               /* op IN/NOT_IN/IN_CI/NOT_IN_CI/HAS_ANY/HAS_ALL; a: left;  \
                                        items: list elements (expressions; one PIPE when the list \
                                        is a tabular expression) */                              \
    X(RP_KQL_BETWEEN, "between")     /* op BETWEEN/NOT_BETWEEN; a: left; b: low; c: high */      \
    X(RP_KQL_RANGE, "range-expr")    /* a .. b outside between (rare); a, b */                   \
    X(RP_KQL_CALL, "call")           /* name: function name; a: callee when it is not a plain   \
                                        name (T.f(), NULL otherwise); items: arguments (NAMED for \
                                        name=value args, STAR for '*'). not(x), iff, case,       \
                                        toscalar, materialize, ago, now... are all CALLs */      \
    X(RP_KQL_MEMBER, "member")       /* a: object; name: member (a.b, $left.x) */                \
    X(RP_KQL_INDEX, "index")         /* a: object; b: index (a['b'], a[0], a[-1]) */             \
    X(RP_KQL_NAMED, "named")         /* name = a (extend/project/summarize columns, named       \
                                        arguments). Tuple form (x, y) = f(): name NULL, items:   \
                                        NAME nodes */                                            \
    X(RP_KQL_STAR, "star")           /* '*' (arg_max(x, *), count(*), union *, search *) */     \
    X(RP_KQL_SORTKEY, "sortkey")     /* a: expression; flags RP_KQL_F_ASC/F_DESC and            \
                                        F_NULLS_FIRST/F_NULLS_LAST when written */               \
    X(RP_KQL_OPTION, "option")       /* name: option name (kind, hint.strategy, withsource,     \
                                        isfuzzy, bagexpansion, with_itemindex, decodeblocks...);  \
                                        a: value (NAME for bare words like inner, STRING, LONG, \
                                        BOOL...) */                                              \
    X(RP_KQL_COLDECL, "col")         /* name: column name (NULL for a bare type); text: type     \
                                        name (string, long, dynamic, ... or NULL when untyped);   \
                                        a: default value for function parameters (or NULL);      \
                                        items: tabular parameter schema T:(a:string, *) */       \
    X(RP_KQL_PIPE, "pipe")           /* tabular expression: items[0] = source (NAME table, CALL,\
                                        DATATABLE, PIPE in parentheses, or a source operator    \
                                        such as UNION/PRINT/RANGE/SEARCH/FIND/EXTERNALDATA/      \
                                        EVALUATE), items[1..] = tabular operators in order */    \
    X(RP_KQL_FUNC, "func")           /* function literal (a:string, b:int=5) { body }: items:   \
                                        COLDECL parameters; a: BLOCK body */                     \
    X(RP_KQL_BLOCK, "block")         /* statements of a function body: items (LET..., last is \
                                        the result expression) */                                \
    X(RP_KQL_DATATABLE, "datatable") /* items: COLDECL schema; aux: values (flat, row-major);    \
                                        options: with (...) props */                            \
    X(RP_KQL_EXTERNALDATA, "externaldata") /* items: COLDECL schema; aux: URL strings;          \
                                        options: with (...) props and kind= */                   \
    /* ---- tabular operators (members of a PIPE after items[0]) ---- */                        \
    X(RP_KQL_Q_WHERE, "where")       /* a: predicate (also `filter`) */                         \
    X(RP_KQL_Q_SUMMARIZE, "summarize") /* options; items: aggregates (NAMED or expr); aux: by */ \
    X(RP_KQL_Q_EXTEND, "extend")     /* items: NAMED or expr */                                  \
    X(RP_KQL_Q_PROJECT, "project")   /* items: NAMED or expr */                                  \
    X(RP_KQL_Q_PROJECT_AWAY, "project-away")   /* items: NAME (may be wildcard) */              \
    X(RP_KQL_Q_PROJECT_KEEP, "project-keep")   /* items: NAME (may be wildcard) */              \
    X(RP_KQL_Q_PROJECT_RENAME, "project-rename") /* items: NAMED (new = a: old NAME) */          \
    X(RP_KQL_Q_PROJECT_REORDER, "project-reorder") /* items: SORTKEY (a: NAME, maybe wildcard) */\
    X(RP_KQL_Q_DISTINCT, "distinct") /* items: exprs or STAR */                                  \
    X(RP_KQL_Q_TAKE, "take")         /* a: count (also `limit`); name: keyword as written */     \
    X(RP_KQL_Q_TOP, "top")           /* a: count; items: SORTKEY (one or more) */               \
    X(RP_KQL_Q_SORT, "sort")         /* items: SORTKEY (also `order by`); name: keyword */       \
    X(RP_KQL_Q_COUNT, "count")       /* no fields; options: `as` name? (rare) */                 \
    X(RP_KQL_Q_JOIN, "join")         /* options (kind=, hint.*); a: right side (PIPE or NAME);  \
                                        items: on-conditions (NAME, or BINARY == of            \
                                        $left.x/$right.y MEMBERs, or `and` of them) */           \
    X(RP_KQL_Q_LOOKUP, "lookup")     /* like JOIN */                                             \
    X(RP_KQL_Q_UNION, "union")       /* options (kind, withsource, isfuzzy); items: tables      \
                                        (NAME incl. wildcards, STAR, PIPE, CALL) */             \
    X(RP_KQL_Q_PARSE, "parse")       /* options (kind, flags); a: source expr; items: pattern    \
                                        (STRING constants, COLDECL captures, STAR) */           \
    X(RP_KQL_Q_PARSE_WHERE, "parse-where") /* like PARSE */                                     \
    X(RP_KQL_Q_PARSE_KV, "parse-kv") /* a: source expr; items: COLDECL outputs; options: with()*/\
    X(RP_KQL_Q_MV_EXPAND, "mv-expand") /* options (bagexpansion, with_itemindex); items:       \
                                        exprs (NAMED allowed); aux: parallel to items, TYPEOF for \
                                        `to typeof(T)` or NULL; b: `limit` count or NULL */      \
    X(RP_KQL_Q_MV_APPLY, "mv-apply") /* like MV_EXPAND, plus a: the subquery after `on`        \
                                        (PIPE whose items[0] is NULL) */                          \
    X(RP_KQL_Q_MAKE_SERIES, "make-series") /* options (kind=nonempty, hint.*, and "step" = the  \
                                        step expr); items: aggregates (NAMED or expr; a          \
                                        `default=v` is an OPTION in the item's options); a: `on` \
                                        axis; b: from (or in range start), c: to; aux: by exprs */\
    X(RP_KQL_Q_EVALUATE, "evaluate") /* options (hint.*); a: plugin CALL */                      \
    X(RP_KQL_Q_AS, "as")             /* name: the result name; options (hint.materialized) */    \
    X(RP_KQL_Q_INVOKE, "invoke")     /* a: CALL */                                               \
    X(RP_KQL_Q_SEARCH, "search")     /* options (kind=case_sensitive...); aux: `in (...)` tables; \
                                        a: predicate */                                          \
    X(RP_KQL_Q_FIND, "find")         /* options; aux: `in (...)` tables; a: predicate;          \
                                        items: `project` columns */                              \
    X(RP_KQL_Q_PRINT, "print")       /* items: NAMED or expr */                                  \
    X(RP_KQL_Q_RANGE, "range")       /* name: column; a: from; b: to; c: step */                 \
    X(RP_KQL_Q_RENDER, "render")     /* name: visualization; options: with (...) properties */  \
    X(RP_KQL_Q_SAMPLE, "sample")     /* a: count */                                              \
    X(RP_KQL_Q_SAMPLE_DISTINCT, "sample-distinct") /* a: count; b: column expr */                \
    X(RP_KQL_Q_SERIALIZE, "serialize") /* items: NAMED or expr */                                \
    X(RP_KQL_Q_TOP_NESTED, "top-nested") /* items: TOP_NESTED_CLAUSE nodes */                     \
    X(RP_KQL_TOP_NESTED_CLAUSE, "top-nested-clause") /* a: count (or NULL); b: of expr (NAMED \
                                        allowed); c: by aggregate expr (NAMED allowed); options: \
                                        with others = expr; flags ASC/DESC */                    \
    X(RP_KQL_Q_TOP_HITTERS, "top-hitters") /* a: count; b: of expr; c: by expr or NULL */        \
    X(RP_KQL_Q_GETSCHEMA, "getschema") /* no fields */                                           \
    X(RP_KQL_Q_FACET, "facet")       /* items: columns; a: `with` subquery PIPE or NULL */       \
    X(RP_KQL_Q_FORK, "fork")         /* items: sub-pipelines (PIPE whose items[0] is NULL, or   \
                                        NAMED name = PIPE) */                                    \
    X(RP_KQL_Q_PARTITION, "partition") /* options; name: by column; a: subquery (PIPE, whose   \
                                        items[0] may be NULL for `(top 3 by x)` forms) */       \
    X(RP_KQL_Q_SCAN, "scan")         /* best effort: options; the body is skipped, span covers it*/\
    X(RP_KQL_Q_REDUCE, "reduce")     /* options; a: by expr; items: with props (OPTION) */       \
    X(RP_KQL_Q_CONSUME, "consume")   /* options */                                               \
    X(RP_KQL_Q_OTHER, "operator")    /* an operator this parser knows only by name (best effort:\
                                        name: keyword; its tokens up to the next '|' skipped) */ \
    /* ---- statements (members of rp_kql_query.stmts and BLOCK.items) ---- */                 \
    X(RP_KQL_LET, "let")             /* name: bound name; a: value (scalar expr, PIPE, FUNC,    \
                                        CALL materialize/toscalar, DATATABLE...); flags          \
                                        RP_KQL_F_VIEW for `let x = view () {...}` */             \
    X(RP_KQL_SET, "set")             /* name: option; a: value or NULL */                        \
    X(RP_KQL_DECLARE, "declare")     /* declare query_parameters(...): items: COLDECL */        \
    X(RP_KQL_QUERY, "query")         /* a query statement: a = the tabular or scalar expression \
                                        (usually a PIPE) */

typedef enum rp_kql_kind {
#define RP_KQL_KIND_ENUM(e, s) e,
    RP_KQL_KINDS(RP_KQL_KIND_ENUM)
#undef RP_KQL_KIND_ENUM
    RP_KQL_KIND_COUNT
} rp_kql_kind;

/* ---------------------------------------------------------------------------------------------
 * Scalar operators. X(ENUM, "spelling"). ORDER KQL_OP. The _CI forms are the case-insensitive
 * ones where KQL has both (=~, in~); the _CS forms the `_cs` operators.
 * ------------------------------------------------------------------------------------------- */
#define RP_KQL_OPS(X)                                                                           \
    X(RP_KQL_OP_NONE, "")                                                                       \
    X(RP_KQL_OP_OR, "or") X(RP_KQL_OP_AND, "and")                                               \
    X(RP_KQL_OP_EQ, "==") X(RP_KQL_OP_NE, "!=") /* also <> */                                   \
    X(RP_KQL_OP_EQ_CI, "=~") X(RP_KQL_OP_NE_CI, "!~")                                           \
    X(RP_KQL_OP_LT, "<") X(RP_KQL_OP_LE, "<=") X(RP_KQL_OP_GT, ">") X(RP_KQL_OP_GE, ">=")       \
    X(RP_KQL_OP_ADD, "+") X(RP_KQL_OP_SUB, "-") X(RP_KQL_OP_MUL, "*") X(RP_KQL_OP_DIV, "/")     \
    X(RP_KQL_OP_MOD, "%")                                                                       \
    X(RP_KQL_OP_NEG, "neg") X(RP_KQL_OP_POS, "pos") /* unary - and + */                         \
    X(RP_KQL_OP_HAS, "has") X(RP_KQL_OP_NOT_HAS, "!has")                                        \
    X(RP_KQL_OP_HAS_CS, "has_cs") X(RP_KQL_OP_NOT_HAS_CS, "!has_cs")                            \
    X(RP_KQL_OP_HASPREFIX, "hasprefix") X(RP_KQL_OP_NOT_HASPREFIX, "!hasprefix")                \
    X(RP_KQL_OP_HASPREFIX_CS, "hasprefix_cs") X(RP_KQL_OP_NOT_HASPREFIX_CS, "!hasprefix_cs")    \
    X(RP_KQL_OP_HASSUFFIX, "hassuffix") X(RP_KQL_OP_NOT_HASSUFFIX, "!hassuffix")                \
    X(RP_KQL_OP_HASSUFFIX_CS, "hassuffix_cs") X(RP_KQL_OP_NOT_HASSUFFIX_CS, "!hassuffix_cs")    \
    X(RP_KQL_OP_CONTAINS, "contains") X(RP_KQL_OP_NOT_CONTAINS, "!contains")                    \
    X(RP_KQL_OP_CONTAINS_CS, "contains_cs") X(RP_KQL_OP_NOT_CONTAINS_CS, "!contains_cs")        \
    X(RP_KQL_OP_STARTSWITH, "startswith") X(RP_KQL_OP_NOT_STARTSWITH, "!startswith")            \
    X(RP_KQL_OP_STARTSWITH_CS, "startswith_cs") X(RP_KQL_OP_NOT_STARTSWITH_CS, "!startswith_cs")\
    X(RP_KQL_OP_ENDSWITH, "endswith") X(RP_KQL_OP_NOT_ENDSWITH, "!endswith")                    \
    X(RP_KQL_OP_ENDSWITH_CS, "endswith_cs") X(RP_KQL_OP_NOT_ENDSWITH_CS, "!endswith_cs")        \
    X(RP_KQL_OP_MATCHES_REGEX, "matches regex")                                                 \
    X(RP_KQL_OP_LIKE, "like") X(RP_KQL_OP_NOT_LIKE, "notlike")                                  \
    X(RP_KQL_OP_LIKE_CS, "likecs") X(RP_KQL_OP_NOT_LIKE_CS, "notlikecs")                        \
    X(RP_KQL_OP_IN, "in") X(RP_KQL_OP_NOT_IN, "!in")                                            \
    X(RP_KQL_OP_IN_CI, "in~") X(RP_KQL_OP_NOT_IN_CI, "!in~")                                    \
    X(RP_KQL_OP_HAS_ANY, "has_any") X(RP_KQL_OP_HAS_ALL, "has_all")                             \
    X(RP_KQL_OP_BETWEEN, "between") X(RP_KQL_OP_NOT_BETWEEN, "!between")                       \
    X(RP_KQL_OP_COLON, ":") /* search Column:"term" (has) */

typedef enum rp_kql_op {
#define RP_KQL_OP_ENUM(e, s) e,
    RP_KQL_OPS(RP_KQL_OP_ENUM)
#undef RP_KQL_OP_ENUM
    RP_KQL_OP_COUNT
} rp_kql_op;

/* Node flags (bit set; meaning per kind, see above). */
enum {
    RP_KQL_F_BRACKETED = 1u << 0,   /* NAME written ['x'] or ["x"] */
    RP_KQL_F_WILDCARD = 1u << 1,    /* NAME contains '*' */
    RP_KQL_F_VERBATIM = 1u << 2,    /* STRING: @"..." */
    RP_KQL_F_OBFUSCATED = 1u << 3,  /* STRING: h"..." */
    RP_KQL_F_MULTILINE = 1u << 4,   /* STRING: ```...``` */
    RP_KQL_F_NULL = 1u << 5,        /* TYPED: T(null) */
    RP_KQL_F_HAS_TICKS = 1u << 6,   /* TYPED datetime/timespan: ival holds ticks */
    RP_KQL_F_ASC = 1u << 7,         /* SORTKEY / TOP_NESTED_CLAUSE */
    RP_KQL_F_DESC = 1u << 8,
    RP_KQL_F_NULLS_FIRST = 1u << 9,
    RP_KQL_F_NULLS_LAST = 1u << 10,
    RP_KQL_F_VIEW = 1u << 11        /* LET of a view */
};

/* Byte range [start, end) in the query text. */
typedef struct rp_kql_span {
    uint32_t start;
    uint32_t end;
} rp_kql_span;

typedef struct rp_kql_node rp_kql_node;

/* An arena-backed list of child nodes (entries may be NULL only where a kind says so). */
typedef struct rp_kql_list {
    rp_kql_node **items;
    size_t count;
    size_t capacity; /* internal to the builder */
} rp_kql_list;

struct rp_kql_node {
    rp_kql_kind kind;
    rp_kql_span span;     /* in the query text */
    rp_kql_op op;         /* BINARY, UNARY, IN, BETWEEN */
    unsigned flags;       /* RP_KQL_F_* */
    const char *name;     /* see the kind */
    const char *text;     /* see the kind */
    size_t text_len;      /* bytes in text */
    int64_t ival;         /* LONG, BOOL, TIMESPAN ticks, TYPED ticks */
    double rval;          /* REAL */
    rp_kql_node *a, *b, *c;
    rp_kql_list items;
    rp_kql_list aux;
    rp_kql_list options;  /* OPTION nodes */
    void *sema;           /* free slot for the analysis (type, resolved symbol...); parser leaves NULL */
};

/* Maps a query-text range to a file span (e.g. through rp_rule_query_span). */
typedef rp_span (*rp_kql_span_mapper)(void *map_data, size_t start, size_t end);

/* The parsed query (rule.h forward-declares it; rule->kql). */
typedef struct rp_kql_query {
    const char *text;         /* the query text (not owned; lives as long as the file's arena) */
    size_t len;
    rp_kql_list stmts;        /* LET, SET, DECLARE, QUERY in source order */
    size_t syntax_errors;     /* RP02xx errors reported while parsing */
    rp_kql_span_mapper map;   /* query offsets -> file span */
    void *map_data;
    const rp_source *own_src; /* when parsed without a mapper: a source wrapping text */
    void *analysis;           /* slot for kql_analyze.c's results (NULL after parsing) */
} rp_kql_query;

/* ---- construction (kql_ast.c), all in ctx->arena ---- */
rp_kql_node *rp_kql_node_new(rp_arena *arena, rp_kql_kind kind, uint32_t start, uint32_t end);
void rp_kql_list_push(rp_arena *arena, rp_kql_list *list, rp_kql_node *node);

/* ---- reading ---- */
const char *rp_kql_kind_name(rp_kql_kind kind); /* "where", "binary", ... */
const char *rp_kql_op_name(rp_kql_op op);       /* "has", "!in~", "==", ... */
/* The file span of a query-text range (through query->map, or query->own_src). */
rp_span rp_kql_query_span(const rp_kql_query *query, size_t start, size_t end);
rp_span rp_kql_node_span(const rp_kql_query *query, const rp_kql_node *node);

/* S-expression of a node / the whole query, in the arena. Deterministic; spans are not printed.
 * Format examples:
 *   T | where x has "a" and y > 1
 *   => (query (pipe (name T) (where (binary and (binary has (name x) (string "a"))
 *                                              (binary > (name y) (long 1))))))
 * (printed on one line; strings in double quotes with \" \\ \n \t \xNN escapes). */
char *rp_kql_sexpr(rp_arena *arena, const rp_kql_node *node);
char *rp_kql_query_sexpr(rp_arena *arena, const rp_kql_query *query);

#endif
