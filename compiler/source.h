/* source.h: a file's text and its line map. Spans are byte ranges into the text; line and column
 * (1-based, column counted in characters as libyaml counts them) are computed only when a
 * diagnostic is rendered (modelled on jq's locfile). A UTF-8 BOM is skipped; CR, LF and CRLF each
 * end a line. */
#ifndef RP_SOURCE_H
#define RP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct rp_source {
    const char *path;     /* as the user named it (relative paths stay relative) */
    const char *text;     /* whole file; NUL-terminated, but may contain NULs: len rules */
    size_t len;           /* bytes in text */
    size_t body_start;    /* 3 when the file starts with a UTF-8 BOM, else 0 */
    size_t *line_starts;  /* byte offset where each line starts; [0] == body_start */
    size_t line_count;    /* entries in line_starts */
} rp_source;

/* A byte range [start, end) in one source. src NULL means "no position" (whole run). */
typedef struct rp_span {
    const rp_source *src;
    uint32_t start;
    uint32_t end;
} rp_span;

/* Wraps data (copied into the arena) as a source and builds its line map. */
rp_source *rp_source_from_memory(rp_arena *arena, const char *path, const char *data, size_t len);

/* Reads a file into the arena. Returns NULL and fills errbuf on failure (missing, unreadable,
 * larger than RP_MAX_FILE_BYTES: *too_large is set then). */
rp_source *rp_source_read_file(rp_arena *arena, const char *path, int *too_large, char *errbuf,
                               size_t errlen);

/* Offset -> 1-based line and column (characters). OUT: line, column. */
void rp_source_locate(const rp_source *src, size_t offset, unsigned *line, unsigned *column);

/* 1-based line and column (characters) -> byte offset; clamps to the line's end. */
size_t rp_source_offset(const rp_source *src, unsigned line, unsigned column);

/* The text of a 1-based line without its line break. OUT: len. */
const char *rp_source_line(const rp_source *src, unsigned line, size_t *len);

rp_span rp_span_make(const rp_source *src, size_t start, size_t end);

#endif
