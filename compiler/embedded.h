/* embedded.h: files compiled into the binary (the YAML files of schema/; see tools/embed.c). */
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

#endif
