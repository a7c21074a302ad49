/* source.c: file loading and the offset <-> line:column map (see source.h). */
#include "source.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rp_limits.h"

static void build_line_map(rp_arena *arena, rp_source *src)
{
    size_t count = 0, capacity = 0;
    size_t *starts = rp_arena_grow(arena, NULL, sizeof(size_t), &capacity, 64);
    starts[count++] = src->body_start;
    for (size_t i = src->body_start; i < src->len; i++) {
        char c = src->text[i];
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < src->len && src->text[i + 1] == '\n') i++;
            starts = rp_arena_grow(arena, starts, sizeof(size_t), &capacity, count + 1);
            starts[count++] = i + 1;
        }
    }
    src->line_starts = starts;
    src->line_count = count;
}

rp_source *rp_source_from_memory(rp_arena *arena, const char *path, const char *data, size_t len)
{
    rp_source *src = RP_NEW(arena, rp_source);
    src->path = rp_arena_strdup(arena, path);
    src->text = rp_arena_strndup(arena, data, len);
    src->len = len;
    src->body_start = (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    build_line_map(arena, src);
    return src;
}

rp_source *rp_source_read_file(rp_arena *arena, const char *path, int *too_large, char *errbuf,
                               size_t errlen)
{
    *too_large = 0;
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(errbuf, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat info;
    if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
        fclose(file);
        snprintf(errbuf, errlen, "is a directory");
        return NULL;
    }
    if (fstat(fileno(file), &info) == 0 && (uint64_t)info.st_size > RP_MAX_FILE_BYTES) {
        fclose(file);
        *too_large = 1;
        snprintf(errbuf, errlen, "file is %lld bytes, larger than the limit of %u bytes",
                 (long long)info.st_size, RP_MAX_FILE_BYTES);
        return NULL;
    }
    size_t cap = info.st_size > 0 ? (size_t)info.st_size + 1 : 4096, len = 0;
    char *buf = rp_xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > RP_MAX_FILE_BYTES) {
                free(buf);
                fclose(file);
                *too_large = 1;
                snprintf(errbuf, errlen, "file is larger than the limit of %u bytes",
                         RP_MAX_FILE_BYTES);
                return NULL;
            }
            cap *= 2;
            buf = rp_xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len - 1, file);
        len += got;
        if (got == 0) break;
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(buf);
        snprintf(errbuf, errlen, "read error");
        return NULL;
    }
    rp_source *src = rp_source_from_memory(arena, path, buf, len);
    free(buf);
    return src;
}

static size_t line_index_of(const rp_source *src, size_t offset)
{
    size_t lo = 0, hi = src->line_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (src->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void rp_source_locate(const rp_source *src, size_t offset, unsigned *line, unsigned *column)
{
    if (offset > src->len) offset = src->len;
    if (offset < src->body_start) offset = src->body_start;
    size_t index = line_index_of(src, offset);
    size_t chars = 0;
    for (size_t i = src->line_starts[index]; i < offset; i++)
        if (((unsigned char)src->text[i] & 0xC0) != 0x80) chars++; /* count UTF-8 lead bytes */
    *line = (unsigned)index + 1;
    *column = (unsigned)chars + 1;
}

static size_t line_end(const rp_source *src, size_t index)
{
    size_t end = index + 1 < src->line_count ? src->line_starts[index + 1] : src->len;
    while (end > src->line_starts[index] &&
           (src->text[end - 1] == '\n' || src->text[end - 1] == '\r'))
        end--;
    return end;
}

size_t rp_source_offset(const rp_source *src, unsigned line, unsigned column)
{
    if (line == 0) line = 1;
    if (line > src->line_count) return src->len;
    size_t index = line - 1;
    size_t pos = src->line_starts[index], end = line_end(src, index);
    unsigned col = 1;
    while (pos < end && col < column) {
        pos++;
        while (pos < end && ((unsigned char)src->text[pos] & 0xC0) == 0x80) pos++;
        col++;
    }
    return pos;
}

const char *rp_source_line(const rp_source *src, unsigned line, size_t *len)
{
    if (line == 0 || line > src->line_count) {
        *len = 0;
        return "";
    }
    size_t start = src->line_starts[line - 1];
    *len = line_end(src, line - 1) - start;
    return src->text + start;
}

rp_span rp_span_make(const rp_source *src, size_t start, size_t end)
{
    rp_span span = {src, (uint32_t)start, (uint32_t)(end < start ? start : end)};
    return span;
}
