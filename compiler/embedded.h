/* embedded.h: files compiled into the binary (the YAML files of schema/ and the matcher runtime;
 * see tools/embed.c and the Makefile). */
#ifndef RP_EMBEDDED_H
#define RP_EMBEDDED_H

#include <stddef.h>

typedef struct rp_embedded_file {
    const char *name; /* base name, e.g. "connectors.yaml" */
    const char *data; /* NUL-terminated */
    size_t size;      /* bytes, without the NUL */
} rp_embedded_file;

extern const rp_embedded_file rp_embedded_schema[]; /* ends with {NULL, NULL, 0} */
extern const size_t rp_embedded_schema_count;

/* The .c and .h files of compiler/runtime, sorted by name: copied next to generated C by `rulepack build`. */
extern const rp_embedded_file rp_embedded_runtime[]; /* ends with {NULL, NULL, 0} */
extern const size_t rp_embedded_runtime_count;

#endif
