/* excl_ast.h: the parsed form of an exclusion filter (the `filter:` of a rule's `exclusions:`).
 *
 * A filter is a boolean tree over predicates `FIELD OP VALUE(S)`:
 *
 *     RP_EXCL_OR   kids[0..n)   n >= 2; a chain `a OR b OR c` is one node with three kids
 *     RP_EXCL_AND  kids[0..n)   n >= 2; same for AND
 *     RP_EXCL_NOT  kids[0]      `NOT x` or `not(x)`
 *     RP_EXCL_PRED field, op, negated, case_sensitive, values
 *
 * Chains are flattened only as written: `(a OR b) OR c` keeps the inner OR as a kid with
 * `parenthesized` set, so the linter can tell what the author grouped. Precedence is
 * NOT > AND > OR (as KQL's and/or; KQL has no prefix NOT, the language adds it).
 *
 * A predicate keeps its operator as a base kind plus two flags, so later stages (lowering into
 * the IR predicate tree, the C and Sigma emitters, the reasoning in excl_lint.c) switch on one
 * small enum:
 *
 *     ==   EQ          !=   EQ  negated      (case-sensitive)
 *     =~   EQ  ci      !~   EQ  negated ci
 *     in   IN          !in  IN  negated      in~ / !in~: IN ci
 *     contains / !contains / contains_cs / !contains_cs       CONTAINS
 *     has, startswith, endswith, hasprefix, hassuffix: same pattern (plain forms ci, _cs forms cs)
 *     matches regex   REGEX (case-sensitive unless the pattern says (?i))
 *
 * Field: what the author wrote (`process.name` or a column name) and what it resolved to in the
 * rule's table (`FileName`), with the column's type and the roles the linter uses. `column` is
 * NULL when the field could not be resolved (a diagnostic said why); such a filter is not fit
 * for code generation, and rp_excl_filter.ok is 0.
 *
 * Every node carries its offsets in the filter string ([start, end) of the decoded YAML value)
 * and the span in the rule file (through rp_yscalar_span), for diagnostics of later stages.
 * All memory is in the rule file's arena. */
#ifndef RP_EXCL_AST_H
#define RP_EXCL_AST_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "types.h"

typedef enum rp_excl_kind {
    RP_EXCL_OR,
    RP_EXCL_AND,
    RP_EXCL_NOT,
    RP_EXCL_PRED
} rp_excl_kind;

typedef enum rp_excl_op {
    RP_EXCL_OP_EQ,         /* whole-value equality */
    RP_EXCL_OP_IN,         /* whole-value equality with one of values[] */
    RP_EXCL_OP_CONTAINS,   /* substring */
    RP_EXCL_OP_HAS,        /* term / phrase (KQL-SEMANTICS.md 2) */
    RP_EXCL_OP_HASPREFIX,  /* some term starts with */
    RP_EXCL_OP_HASSUFFIX,  /* some term ends with */
    RP_EXCL_OP_STARTSWITH, /* prefix of the whole value */
    RP_EXCL_OP_ENDSWITH,   /* suffix of the whole value */
    RP_EXCL_OP_REGEX       /* matches regex: unanchored search */
} rp_excl_op;

typedef enum rp_excl_value_kind {
    RP_EXCL_VAL_STRING,
    RP_EXCL_VAL_NUMBER /* an integer or real literal; text is as written */
} rp_excl_value_kind;

typedef struct rp_excl_value {
    rp_excl_value_kind kind;
    const char *text; /* decoded (escapes applied), NUL-terminated */
    size_t len;       /* bytes in text (a string may contain \u0000) */
    uint32_t start, end; /* offsets of the literal (with quotes) in the filter string */
    rp_span span;
} rp_excl_value;

/* Column roles (flags), from schema/excl-ecs-fields.yaml. */
enum {
    RP_EXCL_ROLE_PARENT = 1u << 0,       /* describes the parent (initiating) process in this table */
    RP_EXCL_ROLE_COMMAND_LINE = 1u << 1, /* a command line: any text its launcher chose */
    RP_EXCL_ROLE_ATTACKER = 1u << 2,     /* a value whoever drops/starts the binary picks (name, path) */
    RP_EXCL_ROLE_FILE_NAME = 1u << 3,    /* a Windows file name or path: compare case-insensitively */
    RP_EXCL_ROLE_PROCESS_NAME = 1u << 4  /* a process image's file name or path (abused-parent lint) */
};

typedef struct rp_excl_field {
    const char *written;  /* as written in the filter */
    const char *ecs;      /* the ECS name when `written` was one, else NULL */
    const char *column;   /* the table column it stands for; NULL when unresolved */
    rp_type type;         /* column type from the table schema; RP_TYPE_UNKNOWN when unknown */
    unsigned roles;       /* RP_EXCL_ROLE_* of the column in the rule's table */
} rp_excl_field;

typedef struct rp_excl_node rp_excl_node;
struct rp_excl_node {
    rp_excl_kind kind;
    uint32_t start, end;  /* offsets in the filter string */
    rp_span span;         /* the same bytes in the rule file */
    int parenthesized;    /* written inside its own parentheses */
    /* OR / AND: kids (n >= 2); NOT: kids[0] */
    rp_excl_node **kids;
    size_t kid_count;
    /* PRED */
    rp_excl_field field;
    uint32_t field_start, field_end; /* the field name in the filter string */
    rp_span field_span;
    rp_excl_op op;
    int negated;          /* !=, !~, !contains, !in, ... */
    int case_sensitive;   /* ==, !=, in, !in, *_cs, matches regex */
    uint32_t op_start, op_end; /* the operator in the filter string */
    rp_span op_span;
    rp_excl_value *values; /* one, or the list of in/in~ */
    size_t value_count;
};

/* One exclusion of a rule, parsed. */
typedef struct rp_excl_filter {
    const rp_rule_exclusion *source; /* scenario, description, filter text and nodes */
    const char *text;       /* the filter as written (decoded YAML value) */
    size_t len;
    rp_excl_node *root;     /* NULL when the filter did not parse */
    int ok;                 /* parsed, and every field resolved: fit for code generation */
    int cancels_rule;       /* RP0625 was reported: nothing the detection matches survives it */
} rp_excl_filter;

/* rule->excl: every exclusion of the rule, in file order (same index as rule->exclusions). */
struct rp_excl_list {
    const char *table;      /* the table the fields were mapped for; NULL when unknown */
    rp_excl_filter *items;
    size_t count;
};
typedef struct rp_excl_list rp_excl_list;

/* Renders a filter in normalised form: KQL spelling (`and`, `or`, `not(...)`, lower-case
 * operators), double-quoted strings with KQL escapes, parentheses exactly where the tree needs
 * them (an AND inside an OR is always parenthesised, to show the grouping). With use_columns the
 * resolved column names are written instead of the fields as written (valid KQL for the
 * `where not(...)` of the KQL output when every field resolved). Allocated in arena. */
char *rp_excl_render(rp_arena *arena, const rp_excl_node *node, int use_columns);

/* The operator's spelling ("!contains_cs", "in~", "matches regex"). */
const char *rp_excl_op_text(rp_excl_op op, int negated, int case_sensitive);

#endif
