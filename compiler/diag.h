/* diag.h: diagnostics. Every problem becomes an rp_diag with a stable code (diag_codes.def), a
 * severity and a position; nothing stops at the first error. Positions are resolved to
 * line:column when reported, because a file's arena (and its text) is freed after the file is
 * checked while diagnostics live for the whole run. Renderers: text, json, sarif, github. */
#ifndef RP_DIAG_H
#define RP_DIAG_H

#include <stdarg.h>
#include <stdio.h>

#include "source.h"

typedef enum rp_severity {
    RP_SEV_NOTE,    /* ORDER SEV: rendered as "note" */
    RP_SEV_WARNING, /* "warning" */
    RP_SEV_ERROR,   /* "error" */
    RP_SEV_OFF      /* disabled by configuration: not kept */
} rp_severity;

typedef enum rp_diag_code {
#define RP_DIAG(code, sev, slug, summary) code,
#include "diag_codes.def"
#undef RP_DIAG
    RP_DIAG_COUNT
} rp_diag_code;

typedef struct rp_diag_info {
    const char *code;   /* "RP0003" */
    rp_severity severity; /* default severity */
    const char *slug;   /* "yaml-syntax" */
    const char *summary;
} rp_diag_info;

const rp_diag_info *rp_diag_info_of(rp_diag_code code);
/* Looks a code up by its text ("RP0003") or slug; returns RP_DIAG_COUNT when unknown. */
rp_diag_code rp_diag_code_from_text(const char *text);
const char *rp_severity_name(rp_severity severity);

typedef struct rp_diag {
    rp_diag_code code;
    rp_severity severity;
    char *file;          /* path as given; NULL for run-level problems */
    unsigned line, column, end_line, end_column; /* 1-based; 0 when there is no position */
    char *message;
    char *hint;          /* optional second line: how to fix it */
    char *rule_id;       /* optional */
    char *source_line;   /* copy of the line's text, for the caret */
    char *related_message; /* optional: e.g. libyaml's context ("while parsing a block mapping") */
    unsigned related_line, related_column;
    size_t sequence;     /* report order, for stable sorting */
} rp_diag;

typedef struct rp_diag_sink {
    rp_diag *items;
    size_t count, capacity;
    rp_severity override[RP_DIAG_COUNT]; /* severity per code after configuration */
    size_t errors, warnings, notes;
    size_t per_file_count;   /* reset by rp_diag_begin_file */
    size_t per_file_dropped;
} rp_diag_sink;

void rp_diag_sink_init(rp_diag_sink *sink);
void rp_diag_sink_free(rp_diag_sink *sink);
void rp_diag_begin_file(rp_diag_sink *sink);
/* Closes a file: reports RP0008 if diagnostics were dropped. */
void rp_diag_end_file(rp_diag_sink *sink, const char *path);

/* Reports a problem at span (span.src NULL: no position). Returns the diagnostic so a hint or
 * related location can be attached, or NULL when the code is switched off or over the limit. */
rp_diag *rp_diag_report(rp_diag_sink *sink, rp_diag_code code, rp_span span, const char *rule_id,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
rp_diag *rp_diag_vreport(rp_diag_sink *sink, rp_diag_code code, rp_span span, const char *rule_id,
                         const char *fmt, va_list ap);
/* Reports at an explicit file position (for problems found before a source exists). */
rp_diag *rp_diag_report_at(rp_diag_sink *sink, rp_diag_code code, const char *file, unsigned line,
                           unsigned column, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void rp_diag_set_hint(rp_diag *diag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_diag_set_related(rp_diag *diag, rp_span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sorts by file, position, then report order (files keep the order they were checked in). */
void rp_diag_sort(rp_diag_sink *sink);

typedef enum rp_diag_format { RP_FMT_TEXT, RP_FMT_JSON, RP_FMT_SARIF, RP_FMT_GITHUB } rp_diag_format;
int rp_diag_format_from_text(const char *text, rp_diag_format *out);
/* Writes every diagnostic in the format; color only for text on a terminal. */
void rp_diag_render(const rp_diag_sink *sink, rp_diag_format format, FILE *out, int color);
/* One markdown table of every code, for docs/diagnostics.md. */
void rp_diag_write_markdown(FILE *out);

#endif
