/* excl_fields.h: what the fields of an exclusion filter stand for. Loads the two schema files of
 * the exclusion stage (embedded in the binary, see embedded.h) with libcyaml:
 *   schema/excl-ecs-fields.yaml     ECS field -> column per table, the parent-process columns of
 *                                   each table, and the roles of columns (command line,
 *                                   attacker-chosen, Windows file name, process image name);
 *   schema/excl-abused-parents.yaml parent processes attackers abuse or impersonate, with why.
 * and resolves each predicate's field (excl_ast.h rp_excl_field) for the rule's table: an ECS
 * name through the map, else a column of the table (checked against the table schema when
 * ctx->schema has the table). */
#ifndef RP_EXCL_FIELDS_H
#define RP_EXCL_FIELDS_H

#include "excl_ast.h"

typedef struct rp_excl_fields rp_excl_fields;

/* Loads the embedded files. Returns NULL after reporting RP0610 when they are missing or
 * malformed (a build problem, not a user's). The result lives until rp_excl_fields_free. */
rp_excl_fields *rp_excl_fields_load(rp_diag_sink *diags);
void rp_excl_fields_free(rp_excl_fields *fields);

/* Whether the map has ECS fields for this table. */
int rp_excl_fields_has_table(const rp_excl_fields *fields, const char *table);

/* The column an ECS field stands for in table, or NULL. */
const char *rp_excl_fields_column(const rp_excl_fields *fields, const char *table, const char *ecs);

/* Roles (RP_EXCL_ROLE_*) of a column in table. */
unsigned rp_excl_fields_roles(const rp_excl_fields *fields, const char *table, const char *column);

/* Why a process name (file name or path; compared case-insensitively on its last path
 * component) is on the abused-parents list, or NULL when it is not. */
const char *rp_excl_fields_abused_parent(const rp_excl_fields *fields, const char *name, size_t len);

/* Resolves the field of every predicate under root for table (NULL: the rule names none; ECS
 * names then stay unresolved without a diagnostic, the caller reports RP0607 once). Reports
 * RP0602 (unknown field, with did-you-mean), RP0608 (ECS field without a column in the table)
 * and RP0604 (operator or value against the column's type). Returns the number of errors. */
size_t rp_excl_fields_resolve(rp_ctx *ctx, const rp_excl_fields *fields, const char *table, rp_excl_node *root);

#endif
