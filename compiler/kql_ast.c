/* kql_ast.c: KQL syntax-tree constructors, names, span mapping and the s-expression printer used
 * by the parser tests (see kql_ast.h for the node layout). */
#include "kql_ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define RP_KQL_KIND_NAME(e, s) s,
    RP_KQL_KINDS(RP_KQL_KIND_NAME)
#undef RP_KQL_KIND_NAME
};

static const char *const op_names[] = {
#define RP_KQL_OP_NAME(e, s) s,
    RP_KQL_OPS(RP_KQL_OP_NAME)
#undef RP_KQL_OP_NAME
};

rp_kql_node *rp_kql_node_new(rp_arena *arena, rp_kql_kind kind, uint32_t start, uint32_t end)
{
    rp_kql_node *node = RP_NEW(arena, rp_kql_node);
    node->kind = kind;
    node->span.start = start;
    node->span.end = end;
    return node;
}

void rp_kql_list_push(rp_arena *arena, rp_kql_list *list, rp_kql_node *node)
{
    list->items = rp_arena_grow(arena, list->items, sizeof *list->items, &list->capacity, list->count + 1);
    list->items[list->count++] = node;
}

const char *rp_kql_kind_name(rp_kql_kind kind)
{
    return (unsigned)kind < RP_KQL_KIND_COUNT ? kind_names[kind] : "?";
}

const char *rp_kql_op_name(rp_kql_op op)
{
    return (unsigned)op < RP_KQL_OP_COUNT ? op_names[op] : "?";
}

rp_span rp_kql_query_span(const rp_kql_query *query, size_t start, size_t end)
{
    if (query->map) return query->map(query->map_data, start, end);
    return rp_span_make(query->own_src, start, end);
}

rp_span rp_kql_node_span(const rp_kql_query *query, const rp_kql_node *node)
{
    return rp_kql_query_span(query, node->span.start, node->span.end);
}

/* {====================================================================
 * S-expression printer: a growable buffer on the heap, copied into the arena at the end.
 * ===================================================================== */

typedef struct sx_buf {
    char *data;
    size_t len, cap;
} sx_buf;

static void sx_putn(sx_buf *buf, const char *text, size_t len)
{
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap * 2 : 256;
        while (cap < buf->len + len + 1) cap *= 2;
        buf->data = rp_xrealloc(buf->data, cap);
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, text, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

static void sx_puts(sx_buf *buf, const char *text) { sx_putn(buf, text, strlen(text)); }

static void sx_quoted(sx_buf *buf, const char *text, size_t len)
{
    sx_putn(buf, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            sx_putn(buf, esc, 2);
        } else if (ch == '\n') {
            sx_puts(buf, "\\n");
        } else if (ch == '\t') {
            sx_puts(buf, "\\t");
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", ch);
            sx_puts(buf, esc);
        } else {
            sx_putn(buf, (const char *)&text[i], 1);
        }
    }
    sx_putn(buf, "\"", 1);
}

/* A name prints bare when it is a plain word (letters, digits, _ . $ * -), else quoted. */
static void sx_word(sx_buf *buf, const char *text)
{
    int plain = text[0] != '\0';
    for (const char *p = text; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (!(ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '$' || ch == '*' || ch == '-' || ch == '~' || ch == '!'))
            plain = 0;
    }
    if (plain)
        sx_puts(buf, text);
    else
        sx_quoted(buf, text, strlen(text));
}

static void sx_node(sx_buf *buf, const rp_kql_node *node);

static void sx_list(sx_buf *buf, const rp_kql_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        sx_putn(buf, " ", 1);
        sx_node(buf, list->items[i]);
    }
}

static void sx_flags(sx_buf *buf, unsigned flags)
{
    static const struct { unsigned bit; const char *word; } words[] = {
        {RP_KQL_F_VERBATIM, ":verbatim"}, {RP_KQL_F_OBFUSCATED, ":obfuscated"},
        {RP_KQL_F_MULTILINE, ":multiline"}, {RP_KQL_F_NULL, ":null"},
        {RP_KQL_F_ASC, ":asc"}, {RP_KQL_F_DESC, ":desc"}, {RP_KQL_F_NULLS_FIRST, ":nulls-first"},
        {RP_KQL_F_NULLS_LAST, ":nulls-last"}, {RP_KQL_F_VIEW, ":view"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (flags & words[i].bit) {
            sx_putn(buf, " ", 1);
            sx_puts(buf, words[i].word);
        }
}

static void sx_node(sx_buf *buf, const rp_kql_node *node)
{
    char num[64];
    if (!node) {
        sx_puts(buf, "_");
        return;
    }
    switch (node->kind) {
    case RP_KQL_NAME:
        sx_puts(buf, "(name ");
        sx_word(buf, node->name ? node->name : "");
        sx_puts(buf, ")");
        return;
    case RP_KQL_STRING:
        sx_puts(buf, "(string ");
        sx_quoted(buf, node->text ? node->text : "", node->text_len);
        sx_flags(buf, node->flags);
        sx_puts(buf, ")");
        return;
    case RP_KQL_LONG:
        snprintf(num, sizeof num, "(long %lld)", (long long)node->ival);
        sx_puts(buf, num);
        return;
    case RP_KQL_REAL:
        /* shortest of %.15g / %.17g that reads back exactly */
        snprintf(num, sizeof num, "(real %.15g)", node->rval);
        if (strtod(num + 6, NULL) != node->rval) snprintf(num, sizeof num, "(real %.17g)", node->rval);
        sx_puts(buf, num);
        return;
    case RP_KQL_BOOL:
        sx_puts(buf, node->ival ? "(bool true)" : "(bool false)");
        return;
    case RP_KQL_TIMESPAN:
        snprintf(num, sizeof num, "(timespan %lld)", (long long)node->ival);
        sx_puts(buf, num);
        return;
    case RP_KQL_TYPED:
        sx_puts(buf, "(typed ");
        sx_word(buf, node->name ? node->name : "");
        sx_putn(buf, " ", 1);
        sx_quoted(buf, node->text ? node->text : "", node->text_len);
        if (node->flags & RP_KQL_F_HAS_TICKS) {
            snprintf(num, sizeof num, " %lld", (long long)node->ival);
            sx_puts(buf, num);
        }
        sx_flags(buf, node->flags);
        sx_puts(buf, ")");
        return;
    case RP_KQL_BINARY:
    case RP_KQL_UNARY:
    case RP_KQL_IN:
    case RP_KQL_BETWEEN:
        /* operators print as (op operands...) */
        sx_putn(buf, "(", 1);
        sx_puts(buf, rp_kql_op_name(node->op));
        sx_putn(buf, " ", 1);
        sx_node(buf, node->a);
        if (node->b) {
            sx_putn(buf, " ", 1);
            sx_node(buf, node->b);
        }
        if (node->c) {
            sx_putn(buf, " ", 1);
            sx_node(buf, node->c);
        }
        sx_list(buf, &node->items);
        sx_puts(buf, ")");
        return;
    default:
        break;
    }
    /* Generic form: (kind name "text" :flags a b c items... (aux ...) (options ...)) */
    sx_putn(buf, "(", 1);
    sx_puts(buf, rp_kql_kind_name(node->kind));
    if (node->name) {
        sx_putn(buf, " ", 1);
        sx_word(buf, node->name);
    }
    if (node->text) {
        sx_putn(buf, " ", 1);
        sx_quoted(buf, node->text, node->text_len);
    }
    sx_flags(buf, node->flags);
    const rp_kql_node *kids[3] = {node->a, node->b, node->c};
    int last = -1;
    for (int i = 0; i < 3; i++)
        if (kids[i]) last = i;
    for (int i = 0; i <= last; i++) {
        sx_putn(buf, " ", 1);
        sx_node(buf, kids[i]);
    }
    sx_list(buf, &node->items);
    if (node->aux.count) {
        sx_puts(buf, " (aux");
        sx_list(buf, &node->aux);
        sx_puts(buf, ")");
    }
    if (node->options.count) {
        sx_puts(buf, " (options");
        sx_list(buf, &node->options);
        sx_puts(buf, ")");
    }
    sx_puts(buf, ")");
}

/* }==================================================================== */

char *rp_kql_sexpr(rp_arena *arena, const rp_kql_node *node)
{
    sx_buf buf = {0};
    sx_node(&buf, node);
    char *out = rp_arena_strndup(arena, buf.data ? buf.data : "", buf.len);
    free(buf.data);
    return out;
}

char *rp_kql_query_sexpr(rp_arena *arena, const rp_kql_query *query)
{
    sx_buf buf = {0};
    for (size_t i = 0; i < query->stmts.count; i++) {
        if (i) sx_putn(&buf, " ", 1);
        sx_node(&buf, query->stmts.items[i]);
    }
    char *out = rp_arena_strndup(arena, buf.data ? buf.data : "", buf.len);
    free(buf.data);
    return out;
}
