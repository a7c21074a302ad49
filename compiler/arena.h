/* arena.h: the per-rule-file bump allocator. Everything a stage builds for one file (YAML nodes,
 * AST, IR, interned strings) lives in that file's arena and is freed in one call, so error paths
 * just return. Pointers are stable: chunks never move. Out of memory aborts with a message. */
#ifndef RP_ARENA_H
#define RP_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct rp_arena rp_arena;

rp_arena *rp_arena_new(void);
void rp_arena_free(rp_arena *arena);

/* Zeroed memory, aligned for any object. */
void *rp_arena_alloc(rp_arena *arena, size_t size);
#define RP_NEW(arena, type) ((type *)rp_arena_alloc((arena), sizeof(type)))
#define RP_NEW_ARRAY(arena, type, n) ((type *)rp_arena_alloc((arena), sizeof(type) * (n)))

/* Copy of [text, text+len) with a terminating NUL. */
char *rp_arena_strndup(rp_arena *arena, const char *text, size_t len);
char *rp_arena_strdup(rp_arena *arena, const char *text);
char *rp_arena_printf(rp_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *rp_arena_vprintf(rp_arena *arena, const char *fmt, va_list ap);

/* A growable array inside the arena: old storage is abandoned (the arena frees it later).
 * Doubles capacity; returns the (possibly new) items pointer. */
void *rp_arena_grow(rp_arena *arena, void *items, size_t item_size, size_t *capacity, size_t needed);

/* Bytes handed out so far (for tests and the benchmark). */
size_t rp_arena_used(const rp_arena *arena);

/* Heap helpers that abort on exhaustion, for run-level data that outlives a file's arena. */
void *rp_xmalloc(size_t size);
void *rp_xcalloc(size_t count, size_t size);
void *rp_xrealloc(void *ptr, size_t size);
char *rp_xstrdup(const char *text);
char *rp_xstrndup(const char *text, size_t len);
char *rp_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *rp_xvprintf(const char *fmt, va_list ap); /* ap is left unused (copied) */

#endif
