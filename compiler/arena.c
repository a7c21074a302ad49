/* arena.c: chunked bump allocator (see arena.h). A chunk holds many small objects; an object
 * larger than a quarter chunk gets a chunk of its own so big strings waste nothing. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RP_ARENA_CHUNK (64u * 1024u)
#define RP_ARENA_ALIGN 16u

typedef struct rp_chunk {
    struct rp_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t data[]; /* payload */
} rp_chunk;

struct rp_arena {
    rp_chunk *head; /* chunk currently bumped */
    rp_chunk *big;  /* dedicated chunks of large objects */
    size_t total;
};

static void out_of_memory(size_t size)
{
    fprintf(stderr, "rulepack: out of memory (asked for %zu bytes)\n", size);
    abort();
}

void *rp_xmalloc(size_t size)
{
    void *ptr = malloc(size ? size : 1);
    if (!ptr) out_of_memory(size);
    return ptr;
}

void *rp_xcalloc(size_t count, size_t size)
{
    void *ptr = calloc(count ? count : 1, size ? size : 1);
    if (!ptr) out_of_memory(count * size);
    return ptr;
}

void *rp_xrealloc(void *ptr, size_t size)
{
    void *grown = realloc(ptr, size ? size : 1);
    if (!grown) out_of_memory(size);
    return grown;
}

char *rp_xstrndup(const char *text, size_t len)
{
    char *copy = rp_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

char *rp_xstrdup(const char *text) { return rp_xstrndup(text, strlen(text)); }

char *rp_xvprintf(const char *fmt, va_list ap)
{
    va_list ap1, ap2;
    va_copy(ap1, ap);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap1);
    va_end(ap1);
    char *out = rp_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(out, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap2);
    va_end(ap2);
    return out;
}

char *rp_xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = rp_xvprintf(fmt, ap);
    va_end(ap);
    return out;
}

static rp_chunk *chunk_new(size_t size)
{
    rp_chunk *chunk = rp_xmalloc(sizeof(rp_chunk) + size);
    chunk->next = NULL;
    chunk->size = size;
    chunk->used = 0;
    return chunk;
}

rp_arena *rp_arena_new(void)
{
    rp_arena *arena = rp_xcalloc(1, sizeof(rp_arena));
    return arena;
}

static void free_chain(rp_chunk *chunk)
{
    while (chunk) {
        rp_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
}

void rp_arena_free(rp_arena *arena)
{
    if (!arena) return;
    free_chain(arena->head);
    free_chain(arena->big);
    free(arena);
}

void *rp_arena_alloc(rp_arena *arena, size_t size)
{
    size_t rounded = (size + RP_ARENA_ALIGN - 1) & ~(size_t)(RP_ARENA_ALIGN - 1);
    if (rounded < size) out_of_memory(size);
    arena->total += rounded;
    if (rounded > RP_ARENA_CHUNK / 4) {
        rp_chunk *chunk = chunk_new(rounded);
        chunk->next = arena->big;
        arena->big = chunk;
        memset(chunk->data, 0, rounded);
        return chunk->data;
    }
    if (!arena->head || arena->head->size - arena->head->used < rounded) {
        rp_chunk *chunk = chunk_new(RP_ARENA_CHUNK);
        chunk->next = arena->head;
        arena->head = chunk;
    }
    void *ptr = (char *)arena->head->data + arena->head->used;
    arena->head->used += rounded;
    memset(ptr, 0, rounded);
    return ptr;
}

char *rp_arena_strndup(rp_arena *arena, const char *text, size_t len)
{
    char *copy = rp_arena_alloc(arena, len + 1);
    if (len) memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

char *rp_arena_strdup(rp_arena *arena, const char *text)
{
    return rp_arena_strndup(arena, text, strlen(text));
}

char *rp_arena_vprintf(rp_arena *arena, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    size_t len = (size_t)(n < 0 ? 0 : n);
    char *out = rp_arena_alloc(arena, len + 1);
    vsnprintf(out, len + 1, fmt, ap2);
    va_end(ap2);
    return out;
}

char *rp_arena_printf(rp_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = rp_arena_vprintf(arena, fmt, ap);
    va_end(ap);
    return out;
}

void *rp_arena_grow(rp_arena *arena, void *items, size_t item_size, size_t *capacity, size_t needed)
{
    if (needed <= *capacity) return items;
    size_t cap = *capacity ? *capacity : 4;
    while (cap < needed) cap *= 2;
    void *grown = rp_arena_alloc(arena, cap * item_size);
    if (items && *capacity) memcpy(grown, items, *capacity * item_size);
    *capacity = cap;
    return grown;
}

size_t rp_arena_used(const rp_arena *arena) { return arena->total; }
