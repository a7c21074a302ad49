/* yaml_doc.h: a rule file as a tree of YAML nodes that keep their byte spans (libyaml's event
 * API; libyaml's marks are turned into byte offsets through the source's line map). Later stages
 * read rules from this tree, never from raw text, so every diagnostic has a position.
 * Aliases are not expanded (no alias bombs): an alias node points at its anchor's node. */
#ifndef RP_YAML_DOC_H
#define RP_YAML_DOC_H

#include <stddef.h>

#include "ctx.h"

typedef enum rp_ynode_kind {
    RP_Y_SCALAR,  /* value/value_len live */
    RP_Y_SEQUENCE,/* items/count live */
    RP_Y_MAPPING, /* pairs/count live */
    RP_Y_ALIAS    /* target live; walkers must not recurse through it */
} rp_ynode_kind;

typedef enum rp_yscalar_style {
    RP_YS_PLAIN,
    RP_YS_SINGLE_QUOTED,
    RP_YS_DOUBLE_QUOTED,
    RP_YS_LITERAL, /* | */
    RP_YS_FOLDED   /* > */
} rp_yscalar_style;

typedef struct rp_ynode rp_ynode;
typedef struct rp_ypair {
    rp_ynode *key;
    rp_ynode *value;
} rp_ypair;

/* Maps an offset in a scalar's decoded value back to the file: one entry per value line. */
typedef struct rp_yline_map {
    size_t value_offset; /* where this line starts in the decoded value */
    size_t file_offset;  /* where the same character stands in the file */
} rp_yline_map;

struct rp_ynode {
    rp_ynode_kind kind;
    rp_span span;          /* the node as written, from its first to past its last character */
    const char *tag;       /* explicit tag, or NULL */
    /* RP_Y_SCALAR */
    const char *value;     /* decoded, NUL-terminated (may contain NULs from escapes) */
    size_t value_len;
    rp_yscalar_style style;
    rp_yline_map *lines;   /* value line -> file offset, for block and single-line scalars */
    size_t line_count;
    /* RP_Y_SEQUENCE */
    rp_ynode **items;
    /* RP_Y_MAPPING */
    rp_ypair *pairs;
    size_t count;          /* items or pairs */
    /* RP_Y_ALIAS */
    rp_ynode *target;
};

typedef struct rp_ydoc {
    const rp_source *src;
    rp_ynode *root;  /* NULL when the file could not be parsed (a diagnostic says why) */
    size_t node_count;
} rp_ydoc;

/* Parses src. Every problem is reported to ctx->diags; returns the document (root NULL on a
 * syntax error). Allocates in ctx->arena. */
rp_ydoc *rp_yaml_load(rp_ctx *ctx, const rp_source *src);

/* Follows aliases. */
const rp_ynode *rp_ynode_resolve(const rp_ynode *node);
/* The value of key in a mapping, or NULL. OUT (optional): the key node. */
const rp_ynode *rp_ymap_get(const rp_ynode *map, const char *key, const rp_ynode **key_node);
int rp_yscalar_is(const rp_ynode *node, const char *text);
/* A plain scalar that YAML 1.1 resolves to null (~, null, empty). */
int rp_yscalar_is_null(const rp_ynode *node);
/* Span in the file of bytes [start, end) of a scalar's decoded value. */
rp_span rp_yscalar_span(const rp_ynode *scalar, size_t start, size_t end);
/* File offset of a value offset. */
size_t rp_yscalar_file_offset(const rp_ynode *scalar, size_t value_offset);
const char *rp_ynode_kind_name(const rp_ynode *node);

#endif
