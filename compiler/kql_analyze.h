/* kql_analyze.h: semantic analysis of a parsed KQL query (the binder).
 *
 * rp_kql_analyze walks the AST of kql_ast.h once, in source order, and
 *   - resolves every name: tables (schema.h: the 898 tables plus --schema extensions), `let`
 *     names (scalars, tabular values, functions with parameters), columns of the current row,
 *     built-in functions (kql_builtins.h), ASIM parsers and declared workspace functions;
 *   - carries the row schema (columns with types) through the pipeline: every tabular operator
 *     (project*, extend, summarize, join, lookup, union, parse, mv-expand, ...) yields a new row;
 *   - types every scalar expression;
 *   - reports RP03xx problems: unknown tables and columns (with did-you-mean), string operators
 *     on non-string operands, wrong argument types and counts, duplicate names, and calls to
 *     functions nobody declared (a warning saying how to declare them with --schema).
 *
 * Results, for the lint checks (kql_check.c) and the IR lowering (ir.c):
 *   - every node the analysis visited has node->sema pointing at an rp_kql_sema
 *     (rp_kql_sema_of(node) returns NULL for nodes it never reached, e.g. after a syntax error):
 *       scalar expressions:  sema->type
 *       tabular expressions (PIPE, sources, each tabular operator): sema->row = the row AFTER it
 *       NAME / CALL: sema->sym says what the name resolved to and sema->ref points at it
 *         (rp_kql_column* in sema->row_of_ref, rp_schema_table*, rp_kql_let*, rp_kql_builtin*,
 *          rp_schema_function*);
 *   - query->analysis (an rp_kql_analysis) lists the tables read, the `let` bindings in order and
 *     the output row of the query statement.
 *
 * An OPEN row (row->open) is one whose columns are not all known (_GetWatchlist, an undeclared
 * function, evaluate bag_unpack, union *, a syntax error upstream): any name is accepted in it
 * with type RP_TYPE_UNKNOWN, and no type error is reported on an unknown type.
 *
 * Memory: everything is allocated in ctx->arena; rows are shared between nodes (a where keeps
 * its input row), so an analysis costs a few hundred bytes per operator. */
#ifndef RP_KQL_ANALYZE_H
#define RP_KQL_ANALYZE_H

#include <stddef.h>

#include "kql_ast.h"
#include "kql_builtins.h"
#include "schema.h"
#include "types.h"

/* One column of a row. Same layout as rp_schema_column, so a schema table's columns are a row
 * without copying. */
typedef rp_schema_column rp_kql_column;

typedef struct rp_kql_row {
    const rp_kql_column *cols;
    size_t count;
    int open;                     /* columns beyond cols may exist (see above) */
    const rp_schema_table *table; /* the row is exactly this table's (fast column lookup) */
} rp_kql_row;

typedef enum rp_kql_sym {
    RP_KQL_SYM_NONE,       /* not resolved (reported) or not a name */
    RP_KQL_SYM_COLUMN,     /* ref: const rp_kql_column* of sema->row_of_ref (NULL in an open row) */
    RP_KQL_SYM_TABLE,      /* ref: const rp_schema_table* */
    RP_KQL_SYM_LET,        /* ref: const rp_kql_let* (scalar, tabular, function or parameter) */
    RP_KQL_SYM_BUILTIN,    /* ref: const rp_kql_builtin* */
    RP_KQL_SYM_FUNCTION,   /* ref: const rp_schema_function* (ASIM parser, --schema function) */
    RP_KQL_SYM_WATCHLIST,  /* _GetWatchlist(...): open row */
    RP_KQL_SYM_UNDECLARED  /* a call to a function nobody declared (warned): open row */
} rp_kql_sym;

typedef struct rp_kql_sema {
    rp_type type;                 /* scalar expressions */
    const rp_kql_row *row;        /* tabular expressions: the row after this node */
    rp_kql_sym sym;
    const void *ref;
    const rp_kql_row *row_of_ref; /* for RP_KQL_SYM_COLUMN: the row the column belongs to */
} rp_kql_sema;

typedef enum rp_kql_let_kind {
    RP_KQL_LET_SCALAR,
    RP_KQL_LET_TABULAR,
    RP_KQL_LET_FUNCTION,
    RP_KQL_LET_PARAM,         /* a function parameter (scalar, or tabular when row is set) */
    RP_KQL_LET_QUERY_PARAM    /* declare query_parameters(...) */
} rp_kql_let_kind;

typedef struct rp_kql_let rp_kql_let;
struct rp_kql_let {
    const char *name;
    rp_kql_let_kind kind;
    const rp_kql_node *node;   /* the LET (or COLDECL for parameters) */
    const rp_kql_node *value;  /* LET: its value expression (PIPE, FUNC, scalar expr...) */
    rp_type type;              /* scalar: its type; function: scalar result type */
    const rp_kql_row *row;     /* tabular: its row; function: its tabular result (NULL: scalar) */
    size_t min_args, max_args; /* function: arity */
    int used;                  /* referenced at least once */
    int is_ti;                 /* tabular: derives from ThreatIntelligenceIndicator (kql_check.c) */
    rp_kql_let *outer;         /* the enclosing scope's chain (innermost first) */
};

/* A table (or tabular function) the query reads. */
typedef struct rp_kql_table_ref {
    const char *name;                    /* as resolved: the schema's spelling when known */
    const rp_schema_table *table;        /* NULL when unknown or a function */
    const rp_schema_function *function;  /* ASIM parser / declared function, or NULL */
    const rp_kql_node *node;             /* first reference */
} rp_kql_table_ref;

enum {
    RP_KQL_A_UNION_STAR = 1u << 0,   /* union * (or a wildcard union) */
    RP_KQL_A_SEARCH_STAR = 1u << 1,  /* search over all tables */
    RP_KQL_A_OPEN = 1u << 2,         /* some source has an open row */
    RP_KQL_A_UNDECLARED = 1u << 3,   /* calls an undeclared function */
    RP_KQL_A_TABLE_VAR = 1u << 4     /* table(x) with a name known only at run time */
};

typedef struct rp_kql_analysis {
    rp_kql_table_ref *tables;   /* distinct, in order of first reference */
    size_t table_count;
    rp_kql_let **lets;          /* top-level lets, in source order */
    size_t let_count;
    const rp_kql_node *result;  /* expression of the (last) query statement, or NULL */
    const rp_kql_row *output;   /* its row (NULL when the query is scalar or absent) */
    unsigned flags;             /* RP_KQL_A_* */
    size_t errors;              /* RP03xx errors reported */
} rp_kql_analysis;

/* Analyses query (parsed by kql_parse.c) against ctx->schema (may be NULL: every table is then
 * unknown but nothing is reported about tables). Reports through ctx. Stores and returns the
 * result (also in query->analysis). Never NULL. */
rp_kql_analysis *rp_kql_analyze(rp_ctx *ctx, rp_kql_query *query);

/* The analysis of a node, or NULL when the analysis never reached it. */
static inline const rp_kql_sema *rp_kql_sema_of(const rp_kql_node *node)
{
    return node ? (const rp_kql_sema *)node->sema : NULL;
}

/* Column `name` of a row (case-sensitive), or NULL. Open rows: NULL too (check row->open). */
const rp_kql_column *rp_kql_row_find(const rp_kql_row *row, const char *name);

/* The let binding of `name` visible at top level after the analysis, or NULL. */
const rp_kql_let *rp_kql_analysis_let(const rp_kql_analysis *analysis, const char *name);

#endif
