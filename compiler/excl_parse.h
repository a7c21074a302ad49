/* excl_parse.h: the lexer and parser of exclusion filters (the language is in DESIGN.md "Rule
 * file additions"; the tree it builds is in excl_ast.h).
 *
 *     filter    := or_expr EOF
 *     or_expr   := and_expr ( OR and_expr )*
 *     and_expr  := unary ( AND unary )*
 *     unary     := NOT unary | primary                 (`not(x)` is NOT followed by `(x)`)
 *     primary   := '(' or_expr ')' | predicate
 *     predicate := FIELD CMP value
 *                | FIELD INOP '(' value ( ',' value )* ')'
 *                | FIELD 'matches' 'regex' STRING
 *     CMP       := == != =~ !~ | [!]contains[_cs] | [!]has[_cs] | [!]hasprefix[_cs]
 *                | [!]hassuffix[_cs] | [!]startswith[_cs] | [!]endswith[_cs]
 *     INOP      := in | !in | in~ | !in~
 *     value     := STRING | NUMBER
 *     STRING    := "..." | '...' (backslash escapes: \\ \" \' \n \r \t \0 \uXXXX)
 *                | @"..." | @'...' (verbatim; the quote doubled stands for itself)
 *     FIELD     := [A-Za-z_@][A-Za-z0-9_.]*   (an ECS name or a column name)
 *
 * Keywords and operators are case-insensitive (AND, and, Contains). Problems are reported as
 * RP0601 (syntax), RP0603 (unknown operator, with did-you-mean), RP0605 (regex), RP0606 (empty
 * needle) and RP0611 (uncertain semantics); the parser continues after an unknown operator so one
 * filter can show several. Fields are only parsed here: excl_fields.c resolves them. */
#ifndef RP_EXCL_PARSE_H
#define RP_EXCL_PARSE_H

#include "excl_ast.h"

/* Parses `text` (len bytes: the decoded filter). Positions are mapped into the rule file through
 * the filter's YAML scalar `node`; with node NULL they are offsets into ctx->src from byte
 * `base` (for filters that are not YAML values, and for tests). OUT: *errors, how many errors
 * were reported. Returns the tree, or NULL when the filter did not parse at all. */
rp_excl_node *rp_excl_parse(rp_ctx *ctx, const char *text, size_t len, const rp_ynode *node,
                            size_t base, size_t *errors);

/* Calls visit on every predicate of the tree, in source order. */
void rp_excl_foreach_pred(rp_excl_node *node, void (*visit)(rp_excl_node *pred, void *data), void *data);

#endif
