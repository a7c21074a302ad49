/* yaml_doc.c: rule file -> tree of positioned YAML nodes (see yaml_doc.h).
 *
 * libyaml's event API gives each event a start and end mark. A mark's index counts characters
 * (a CRLF counts two) from the start of the text after any BOM, so a cursor that walks UTF-8
 * forwards and backwards turns marks into byte offsets in time linear in the file. Scalars also
 * get a map from offsets in their decoded value to offsets in the file, so that a problem inside
 * a KQL query (a block scalar) is reported at the file's own line and column. */
#include "yaml_doc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rp_limits.h"

rp_diag *rp_report(rp_ctx *ctx, rp_diag_code code, rp_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_diag *d = rp_diag_vreport(ctx->diags, code, span, ctx->rule_id, fmt, ap);
    va_end(ap);
    return d;
}

/* ---- mark -> byte offset ---- */

typedef struct mark_cursor {
    const rp_source *src;
    size_t char_index; /* characters from body_start */
    size_t byte;       /* byte offset of that character */
} mark_cursor;

static int is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

static size_t mark_offset(mark_cursor *cur, const yaml_mark_t *mark)
{
    const char *text = cur->src->text;
    size_t len = cur->src->len;
    while (cur->char_index < mark->index && cur->byte < len) {
        cur->byte++;
        while (cur->byte < len && is_continuation((unsigned char)text[cur->byte])) cur->byte++;
        cur->char_index++;
    }
    while (cur->char_index > mark->index && cur->byte > cur->src->body_start) {
        cur->byte--;
        while (cur->byte > cur->src->body_start && is_continuation((unsigned char)text[cur->byte]))
            cur->byte--;
        cur->char_index--;
    }
    return cur->byte;
}

/* ---- loader state ---- */

typedef struct open_node {
    rp_ynode *node;
    size_t capacity;
    rp_ynode *pending_key; /* mapping: key read, value not yet */
} open_node;

typedef struct anchor_entry {
    const char *name;
    rp_ynode *node;
} anchor_entry;

typedef struct loader {
    rp_ctx *ctx;
    const rp_source *src;
    mark_cursor cursor;
    open_node stack[RP_MAX_YAML_DEPTH + 1];
    size_t depth;
    anchor_entry *anchors;
    size_t anchor_count, anchor_capacity;
    rp_ydoc *doc;
    int failed;
    int alias_warned;
} loader;

static rp_span span_of(loader *ld, const yaml_mark_t *start, const yaml_mark_t *end)
{
    size_t a = mark_offset(&ld->cursor, start);
    size_t b = mark_offset(&ld->cursor, end);
    return rp_span_make(ld->src, a, b);
}

/* Walks the decoded value against the file text from `file_pos`, recording where each run of
 * value characters stands. Characters the decoding removed (indentation, line breaks, quote
 * doubling, escape backslashes) are skipped in the file; a value character with no match nearby
 * (an escape's result) keeps the last delta. */
static void build_value_map(loader *ld, rp_ynode *node, size_t file_pos, size_t file_end)
{
    const char *text = ld->src->text;
    rp_arena *arena = ld->ctx->arena;
    size_t capacity = 0, count = 0;
    rp_yline_map *map = NULL;
    long last_delta = 0;
    int have_delta = 0;
    if (file_end > ld->src->len) file_end = ld->src->len;
    for (size_t v = 0; v < node->value_len; v++) {
        char c = node->value[v];
        size_t probe = file_pos, limit = file_pos + 64;
        while (probe < file_end && probe < limit && text[probe] != c) probe++;
        size_t at;
        if (probe < file_end && probe < limit && text[probe] == c) {
            at = probe;
            file_pos = probe + 1;
        } else {
            at = (size_t)((long)v + last_delta); /* escape result: keep the current delta */
            if (file_end && at >= file_end) at = file_end - 1; /* never past the scalar's last byte */
        }
        long delta = (long)at - (long)v;
        if (!have_delta || delta != last_delta) {
            map = rp_arena_grow(arena, map, sizeof *map, &capacity, count + 1);
            map[count].value_offset = v;
            map[count].file_offset = at;
            count++;
            last_delta = delta;
            have_delta = 1;
        }
    }
    node->lines = map;
    node->line_count = count;
}

static rp_ynode *new_node(loader *ld, rp_ynode_kind kind, rp_span span, const yaml_char_t *tag)
{
    if (++ld->doc->node_count > RP_MAX_YAML_NODES) {
        if (!ld->failed)
            rp_report(ld->ctx, RP0007, span, "more than %d YAML nodes in one file",
                      RP_MAX_YAML_NODES);
        ld->failed = 1;
        return NULL;
    }
    rp_ynode *node = RP_NEW(ld->ctx->arena, rp_ynode);
    node->kind = kind;
    node->span = span;
    if (tag) node->tag = rp_arena_strdup(ld->ctx->arena, (const char *)tag);
    return node;
}

static void remember_anchor(loader *ld, const yaml_char_t *anchor, rp_ynode *node)
{
    if (!anchor) return;
    ld->anchors = rp_arena_grow(ld->ctx->arena, ld->anchors, sizeof(anchor_entry),
                                &ld->anchor_capacity, ld->anchor_count + 1);
    ld->anchors[ld->anchor_count].name = rp_arena_strdup(ld->ctx->arena, (const char *)anchor);
    ld->anchors[ld->anchor_count].node = node;
    ld->anchor_count++;
}

static int scalar_equal(const rp_ynode *a, const rp_ynode *b)
{
    return a->kind == RP_Y_SCALAR && b->kind == RP_Y_SCALAR && a->value_len == b->value_len &&
           memcmp(a->value, b->value, a->value_len) == 0;
}

static int compare_pair_keys(const void *x, const void *y)
{
    const rp_ypair *a = *(rp_ypair *const *)x, *b = *(rp_ypair *const *)y;
    size_t n = a->key->value_len < b->key->value_len ? a->key->value_len : b->key->value_len;
    int c = memcmp(a->key->value, b->key->value, n);
    if (c) return c;
    if (a->key->value_len != b->key->value_len) return a->key->value_len < b->key->value_len ? -1 : 1;
    return a->key->span.start < b->key->span.start ? -1 : 1;
}

/* Duplicate keys: sorted copy, adjacent compare, O(n log n) even for hostile mappings. */
static void check_duplicate_keys(loader *ld, rp_ynode *map)
{
    size_t scalars = 0;
    for (size_t i = 0; i < map->count; i++) scalars += map->pairs[i].key->kind == RP_Y_SCALAR;
    if (scalars < 2) return;
    rp_ypair **sorted = rp_xmalloc(scalars * sizeof *sorted);
    size_t n = 0;
    for (size_t i = 0; i < map->count; i++)
        if (map->pairs[i].key->kind == RP_Y_SCALAR) sorted[n++] = &map->pairs[i];
    qsort(sorted, n, sizeof *sorted, compare_pair_keys);
    for (size_t i = 1; i < n; i++) {
        if (!scalar_equal(sorted[i - 1]->key, sorted[i]->key)) continue;
        unsigned line, column;
        rp_source_locate(ld->src, sorted[i - 1]->key->span.start, &line, &column);
        rp_diag *d = rp_report(ld->ctx, RP0004, sorted[i]->key->span,
                               "duplicate key '%s' (first at %u:%u)", sorted[i]->key->value, line,
                               column);
        rp_diag_set_hint(d, "YAML keeps only one of them; Sentinel would silently use the last");
    }
    free(sorted);
}

/* Attaches a finished node to the open container (or makes it the root). */
static void attach(loader *ld, rp_ynode *node)
{
    if (ld->depth == 0) {
        if (!ld->doc->root) ld->doc->root = node;
        return;
    }
    open_node *top = &ld->stack[ld->depth - 1];
    rp_ynode *parent = top->node;
    if (parent->kind == RP_Y_SEQUENCE) {
        parent->items = rp_arena_grow(ld->ctx->arena, parent->items, sizeof(rp_ynode *),
                                      &top->capacity, parent->count + 1);
        parent->items[parent->count++] = node;
    } else if (!top->pending_key) {
        top->pending_key = node;
    } else {
        parent->pairs = rp_arena_grow(ld->ctx->arena, parent->pairs, sizeof(rp_ypair),
                                      &top->capacity, parent->count + 1);
        parent->pairs[parent->count].key = top->pending_key;
        parent->pairs[parent->count].value = node;
        parent->count++;
        top->pending_key = NULL;
    }
}

static rp_yscalar_style style_of(yaml_scalar_style_t style)
{
    switch (style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return RP_YS_SINGLE_QUOTED;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return RP_YS_DOUBLE_QUOTED;
    case YAML_LITERAL_SCALAR_STYLE: return RP_YS_LITERAL;
    case YAML_FOLDED_SCALAR_STYLE: return RP_YS_FOLDED;
    default: return RP_YS_PLAIN;
    }
}

static void on_scalar(loader *ld, const yaml_event_t *event)
{
    rp_span span = span_of(ld, &event->start_mark, &event->end_mark);
    rp_ynode *node = new_node(ld, RP_Y_SCALAR, span, event->data.scalar.tag);
    if (!node) return;
    node->value = rp_arena_strndup(ld->ctx->arena, (const char *)event->data.scalar.value,
                                   event->data.scalar.length);
    node->value_len = event->data.scalar.length;
    node->style = style_of(event->data.scalar.style);
    size_t content = span.start;
    if (node->style == RP_YS_SINGLE_QUOTED || node->style == RP_YS_DOUBLE_QUOTED) {
        content++;
    } else if (node->style == RP_YS_LITERAL || node->style == RP_YS_FOLDED) {
        while (content < span.end && ld->src->text[content] != '\n' && ld->src->text[content] != '\r')
            content++; /* skip the header line ("|", "|-", "> # comment") */
    }
    build_value_map(ld, node, content, span.end);
    remember_anchor(ld, event->data.scalar.anchor, node);
    attach(ld, node);
}

static void on_alias(loader *ld, const yaml_event_t *event)
{
    rp_span span = span_of(ld, &event->start_mark, &event->end_mark);
    rp_ynode *node = new_node(ld, RP_Y_ALIAS, span, NULL);
    if (!node) return;
    for (size_t i = ld->anchor_count; i-- > 0;)
        if (strcmp(ld->anchors[i].name, (const char *)event->data.alias.anchor) == 0) {
            node->target = ld->anchors[i].node;
            break;
        }
    if (!node->target) {
        /* YAML makes an alias without an earlier anchor an error; keep the node, target NULL. */
        const char *name = (const char *)event->data.alias.anchor;
        rp_report(ld->ctx, RP0003, span, "undefined alias '*%s': no anchor '&%s' is defined before it",
                  name, name);
    } else if (!ld->alias_warned) {
        rp_report(ld->ctx, RP0009, span, "YAML alias '*%s'", event->data.alias.anchor);
        ld->alias_warned = 1;
    }
    attach(ld, node);
}

static void on_open(loader *ld, const yaml_event_t *event, rp_ynode_kind kind)
{
    const yaml_char_t *tag = kind == RP_Y_MAPPING ? event->data.mapping_start.tag
                                                  : event->data.sequence_start.tag;
    const yaml_char_t *anchor = kind == RP_Y_MAPPING ? event->data.mapping_start.anchor
                                                     : event->data.sequence_start.anchor;
    rp_span span = span_of(ld, &event->start_mark, &event->end_mark);
    if (ld->depth >= RP_MAX_YAML_DEPTH) {
        rp_report(ld->ctx, RP0007, span, "YAML nests deeper than %d levels", RP_MAX_YAML_DEPTH);
        ld->failed = 1;
        return;
    }
    rp_ynode *node = new_node(ld, kind, span, tag);
    if (!node) return;
    remember_anchor(ld, anchor, node);
    ld->stack[ld->depth].node = node;
    ld->stack[ld->depth].capacity = 0;
    ld->stack[ld->depth].pending_key = NULL;
    ld->depth++;
}

static void on_close(loader *ld, const yaml_event_t *event)
{
    if (ld->depth == 0) return;
    rp_ynode *node = ld->stack[--ld->depth].node;
    size_t end = mark_offset(&ld->cursor, &event->end_mark);
    if (end > node->span.end) node->span.end = (uint32_t)end;
    if (node->kind == RP_Y_MAPPING) check_duplicate_keys(ld, node);
    attach(ld, node);
}

/* ---- syntax errors, with hints for causes seen in real rule repositories ---- */

static int line_has(const rp_source *src, unsigned line, const char *needle)
{
    size_t len;
    const char *text = rp_source_line(src, line, &len);
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, needle, n) == 0) return 1;
    return 0;
}

static unsigned indent_of_line(const rp_source *src, unsigned line, int *blank)
{
    size_t len;
    const char *text = rp_source_line(src, line, &len);
    unsigned n = 0;
    while (n < len && text[n] == ' ') n++;
    *blank = n == len || text[n] == '#';
    return n;
}

/* The key at `line` sits at the indentation of a "- " item above it: the corpus defect
 *     - connectorId: X
 *     dataTypes:            <- meant to belong to the item
 * Returns the line of that list item, or 0. */
static unsigned misindented_list_key(const rp_source *src, unsigned line, unsigned column)
{
    for (unsigned above = line; above-- > 1;) {
        int blank;
        unsigned indent = indent_of_line(src, above, &blank);
        if (blank) continue;
        size_t len;
        const char *text = rp_source_line(src, above, &len);
        if (indent + 1 == column && indent + 1 < len && text[indent] == '-' &&
            (text[indent + 1] == ' ' || text[indent + 1] == '\t'))
            return above;
        if (indent + 1 < column) return 0; /* reached the parent */
    }
    return 0;
}

static void report_syntax_error(loader *ld, yaml_parser_t *parser)
{
    const rp_source *src = ld->src;
    if (parser->error == YAML_READER_ERROR) {
        /* problem_offset counts raw bytes (BOM included). */
        size_t offset = parser->problem_offset;
        if (offset > src->len) offset = src->len;
        int nul = offset < src->len && src->text[offset] == '\0';
        rp_diag *d = rp_report(ld->ctx, nul ? RP0003 : RP0005, rp_span_make(src, offset, offset + 1),
                               "%s (byte 0x%02X at offset %zu)", parser->problem ? parser->problem : "invalid input",
                               (unsigned)parser->problem_value & 0xFF, offset);
        if (nul) rp_diag_set_hint(d, "the file contains a NUL byte: is it a binary file or UTF-16?");
        else rp_diag_set_hint(d, "save the file as UTF-8");
        return;
    }
    size_t offset = mark_offset(&ld->cursor, &parser->problem_mark);
    rp_span span = rp_span_make(src, offset, offset + 1);
    unsigned line = (unsigned)parser->problem_mark.line + 1,
             column = (unsigned)parser->problem_mark.column + 1;
    const char *problem = parser->problem ? parser->problem : "syntax error";
    rp_diag *d = NULL;

    /* Mis-indented key under a list item: point at the key itself, which is where the defect is. */
    int blank;
    unsigned key_line = line;
    unsigned key_indent = indent_of_line(src, key_line, &blank);
    unsigned item_line = 0;
    if (!blank && strstr(problem, "expected")) item_line = misindented_list_key(src, key_line, key_indent + 1);
    if (!item_line && strstr(problem, "expected") && line > 1) {
        /* libyaml may stop at the token after the bad key; look one line up. */
        unsigned prev = line - 1;
        unsigned prev_indent = indent_of_line(src, prev, &blank);
        if (!blank && (item_line = misindented_list_key(src, prev, prev_indent + 1))) {
            key_line = prev;
            key_indent = prev_indent;
        }
    }
    if (item_line) {
        size_t key_offset = rp_source_offset(src, key_line, key_indent + 1);
        size_t line_len;
        const char *text = rp_source_line(src, key_line, &line_len);
        size_t key_len = 0;
        while (key_indent + key_len < line_len && text[key_indent + key_len] != ':') key_len++;
        d = rp_report(ld->ctx, RP0003, rp_span_make(src, key_offset, key_offset + key_len),
                      "YAML: %s: '%.*s' is at the indentation of the list item on line %u",
                      problem, (int)key_len, text + key_indent, item_line);
        size_t item_len;
        const char *item = rp_source_line(src, item_line, &item_len);
        unsigned item_indent = 0;
        while (item_indent < item_len && item[item_indent] == ' ') item_indent++;
        rp_diag_set_hint(d, "indent '%.*s' by %u more spaces, to line up with the key after '- ' on line %u",
                         (int)key_len, text + key_indent, 2u, item_line);
    } else {
        d = rp_report(ld->ctx, RP0003, span, "YAML: %s", problem);
        if (line_has(src, line, "%%"))
            rp_diag_set_hint(d, "unexpanded template placeholder (%%%%NAME%%%%): this file is a template; "
                                "fill it in, or list its folder under 'ignore:' in .rulepack.yaml");
        else if (line_has(src, line, "\t"))
            rp_diag_set_hint(d, "YAML does not allow tabs for indentation; use spaces");
        else if (strstr(problem, "mapping values are not allowed"))
            rp_diag_set_hint(d, "a value containing ': ' must be quoted, or written as a block scalar (|)");
    }
    (void)column;
    if (d && parser->context) {
        size_t context_offset = mark_offset(&ld->cursor, &parser->context_mark);
        rp_diag_set_related(d, rp_span_make(src, context_offset, context_offset), "%s", parser->context);
    }
}

rp_ydoc *rp_yaml_load(rp_ctx *ctx, const rp_source *src)
{
    rp_ydoc *doc = RP_NEW(ctx->arena, rp_ydoc);
    doc->src = src;
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.ctx = ctx;
    ld.src = src;
    ld.doc = doc;
    ld.cursor.src = src;
    ld.cursor.byte = src->body_start;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fprintf(stderr, "rulepack: libyaml could not initialise\n");
        abort();
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)src->text, src->len);
    int documents = 0;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            report_syntax_error(&ld, &parser);
            doc->root = NULL;
            break;
        }
        int done = event.type == YAML_STREAM_END_EVENT;
        switch (event.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++documents == 2) {
                rp_report(ctx, RP0010, span_of(&ld, &event.start_mark, &event.end_mark),
                          "a second YAML document starts here; a rule file holds one rule");
                ld.failed = 1;
            }
            break;
        case YAML_SCALAR_EVENT:
            if (documents < 2) on_scalar(&ld, &event);
            break;
        case YAML_ALIAS_EVENT:
            if (documents < 2) on_alias(&ld, &event);
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (documents < 2) on_open(&ld, &event, RP_Y_SEQUENCE);
            break;
        case YAML_MAPPING_START_EVENT:
            if (documents < 2) on_open(&ld, &event, RP_Y_MAPPING);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (documents < 2) on_close(&ld, &event);
            break;
        default: break;
        }
        yaml_event_delete(&event);
        if (done || ld.failed) break;
    }
    yaml_parser_delete(&parser);
    if (ld.failed) doc->root = NULL;
    return doc;
}

/* ---- accessors ---- */

const rp_ynode *rp_ynode_resolve(const rp_ynode *node)
{
    for (int hops = 0; node && node->kind == RP_Y_ALIAS && hops < 64; hops++) node = node->target;
    return node && node->kind == RP_Y_ALIAS ? NULL : node;
}

const rp_ynode *rp_ymap_get(const rp_ynode *map, const char *key, const rp_ynode **key_node)
{
    map = rp_ynode_resolve(map);
    if (!map || map->kind != RP_Y_MAPPING) return NULL;
    size_t len = strlen(key);
    const rp_ynode *found = NULL;
    for (size_t i = 0; i < map->count; i++) {
        const rp_ynode *k = map->pairs[i].key;
        if (k->kind == RP_Y_SCALAR && k->value_len == len && memcmp(k->value, key, len) == 0) {
            found = map->pairs[i].value; /* last one wins, as in most YAML loaders */
            if (key_node) *key_node = k;
        }
    }
    return rp_ynode_resolve(found);
}

int rp_yscalar_is(const rp_ynode *node, const char *text)
{
    node = rp_ynode_resolve(node);
    return node && node->kind == RP_Y_SCALAR && strlen(text) == node->value_len &&
           memcmp(node->value, text, node->value_len) == 0;
}

int rp_yscalar_is_null(const rp_ynode *node)
{
    node = rp_ynode_resolve(node);
    if (!node || node->kind != RP_Y_SCALAR || node->style != RP_YS_PLAIN) return 0;
    return node->value_len == 0 || rp_yscalar_is(node, "~") || rp_yscalar_is(node, "null") ||
           rp_yscalar_is(node, "Null") || rp_yscalar_is(node, "NULL");
}

size_t rp_yscalar_file_offset(const rp_ynode *scalar, size_t value_offset)
{
    if (!scalar->line_count) return scalar->span.start;
    size_t lo = 0, hi = scalar->line_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (scalar->lines[mid].value_offset <= value_offset)
            lo = mid;
        else
            hi = mid;
    }
    const rp_yline_map *m = &scalar->lines[lo];
    if (value_offset < m->value_offset) return m->file_offset;
    size_t offset = m->file_offset + (value_offset - m->value_offset);
    if (value_offset >= scalar->value_len && scalar->value_len) {
        /* one past the end: just after the last character */
        offset = rp_yscalar_file_offset(scalar, scalar->value_len - 1) + 1;
    }
    return offset;
}

rp_span rp_yscalar_span(const rp_ynode *scalar, size_t start, size_t end)
{
    size_t a = rp_yscalar_file_offset(scalar, start);
    size_t b = end > start ? rp_yscalar_file_offset(scalar, end - 1) + 1 : a;
    return rp_span_make(scalar->span.src, a, b);
}

const char *rp_ynode_kind_name(const rp_ynode *node)
{
    node = rp_ynode_resolve(node);
    if (!node) return "nothing";
    switch (node->kind) {
    case RP_Y_SCALAR: return "a scalar";
    case RP_Y_SEQUENCE: return "a list";
    case RP_Y_MAPPING: return "a mapping";
    default: return "an alias";
    }
}
