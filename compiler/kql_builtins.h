/* kql_builtins.h: the table of KQL's built-in scalar and aggregate functions that the analysis
 * (kql_analyze.c) knows: arity, the types it checks on arguments, the result type, and how
 * Kusto names the column an unnamed call produces (Kusto.Language's ResultNameKind). Read-only,
 * sorted by name, looked up by binary search. A function missing here is reported as undeclared
 * (a warning), never as an error, so the table may lag behind Kusto without breaking rules. */
#ifndef RP_KQL_BUILTINS_H
#define RP_KQL_BUILTINS_H

#include <stddef.h>

#include "types.h"

typedef enum rp_kql_fn_kind {
    RP_KQL_FN_SCALAR,
    RP_KQL_FN_AGGREGATE, /* summarize / make-series aggregates */
    RP_KQL_FN_TABULAR    /* returns a table (evaluate plugins are not here) */
} rp_kql_fn_kind;

/* Result type rule. */
typedef enum rp_kql_fn_result {
    RP_KQL_RES_FIXED,   /* builtin->type */
    RP_KQL_RES_ARG0,    /* the type of argument 0 (min, max, coalesce, take_any...) */
    RP_KQL_RES_ARG1,    /* the type of argument 1 (iff, case: the first branch) */
    RP_KQL_RES_SUM      /* argument 0 widened: int -> long (sum) */
} rp_kql_fn_result;

/* How an unnamed call names its column (extend/project/summarize). */
typedef enum rp_kql_fn_naming {
    RP_KQL_NAME_NONE,         /* ColumnN */
    RP_KQL_NAME_ARG0,         /* the name of argument 0 (tostring(x) -> x, bin(T, 1h) -> T) */
    RP_KQL_NAME_PREFIX_ARG0,  /* prefix_ + name of argument 0 (make_set(x) -> set_x) */
    RP_KQL_NAME_PREFIX,       /* prefix_ alone (count() -> count_, countif(p) -> countif_) */
    RP_KQL_NAME_ARGMAX,       /* arg_max(x, *|cols): x and the listed columns */
    RP_KQL_NAME_PERCENTILES   /* percentiles(x, 50, 95) -> percentile_x_50, percentile_x_95 */
} rp_kql_fn_naming;

enum { RP_KQL_VARIADIC = 255 };

typedef struct rp_kql_builtin {
    const char *name;
    unsigned char kind;      /* rp_kql_fn_kind */
    unsigned char min_args;
    unsigned char max_args;  /* RP_KQL_VARIADIC: no limit */
    unsigned char result;    /* rp_kql_fn_result */
    rp_type type;            /* RP_KQL_RES_FIXED */
    unsigned char naming;    /* rp_kql_fn_naming */
    const char *prefix;      /* for the PREFIX namings ("set", "count") */
    /* Argument checks, one character per position (shorter than the call: unchecked):
     * '.' any, 's' string, 't' timespan, 'd' datetime, 'b' bool, 'n' number.
     * A type the analysis does not know (dynamic, unknown) always passes. */
    const char *args;
} rp_kql_builtin;

/* The function called `name` (exact case, as KQL compares function names), or NULL. */
const rp_kql_builtin *rp_kql_builtin_find(const char *name);
size_t rp_kql_builtin_count(void);
const rp_kql_builtin *rp_kql_builtin_at(size_t index);

#endif
