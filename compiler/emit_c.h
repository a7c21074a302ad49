/* emit_c.h: the C emitter. A pack of lowered rules (ir.h) becomes readable, deterministic C on
 * the runtime (runtime/rp_runtime.h), in the shape of ANCHORS.md section 3.5:
 *
 *   rules.h    the library API a host tool embeds (documented there): layout, rule table,
 *              rp_matcher_new / _eval (verdicts from column values) / _feed / _finish / _free
 *   rules.c    banner, ABI check, string tables, one static function per rule source with its
 *              location, id, name, severity and normalised query as a comment, exclusions as
 *              allow-list predicates with per-exclusion counters, summarize through rp_groups,
 *              a rule table sorted by id with [i] = name comments
 *   rules_rt.h the rpx_* value helpers rules.c uses (static inline: unused ones cost nothing)
 *   matcher.c  the driver: out/c/matcher [--now ISO8601] [--table NAME] [--stats]
 *              [--suppressed FILE] [--no-prefilter] < events.jsonl > alerts.jsonl, whose output
 *              is that of `rulepack run` on the same rules
 *   Makefile   make -C DIR builds DIR/matcher (-std=c11 -Wall -Wextra -Werror -pedantic)
 *
 * Rules are evaluated per event in `order` (the order `rulepack run` adds them: file order), so
 * the alert lines come out in the interpreter's order; the rule table itself is sorted by id.
 * A rule the emitter cannot express yet (a function that needs per-event string storage such as
 * tolower/strcat, parse, mv-expand, a tail other than one summarize, an unknown type) is left
 * out of the C with a reason: see rp_emit_c_output.why. Nothing iterates a hash table: equal
 * input gives byte-identical output. */
#ifndef RP_EMIT_C_H
#define RP_EMIT_C_H

#include <stddef.h>

#include "arena.h"
#include "ir.h"

/* One rule to emit. */
typedef struct rp_emit_c_input {
    const rp_ir_rule *ir;    /* only FULL rules are compiled */
    const char *file;        /* relative path of the rule file, for comments */
    unsigned line;           /* line of the rule's query */
    const char *id;          /* rule id (NULL: the name stands in) */
    const char *name;
    const char *severity;    /* may be NULL */
    size_t order;            /* evaluation order (file order); ties broken by id */
} rp_emit_c_input;

typedef struct rp_emit_c_output {
    char *rules_c, *rules_h, *rules_rt_h, *matcher_c, *makefile; /* NUL-terminated, in the arena */
    const char **why;        /* per input: NULL when compiled into C, else why not */
    size_t compiled;         /* how many rules went into the C */
} rp_emit_c_output;

/* Emits the whole pack. `origin` names what was compiled (relative paths) for the banner. */
void rp_emit_c_pack(rp_arena *arena, const rp_emit_c_input *rules, size_t count, const char *origin,
                    rp_emit_c_output *out);

/* Can this rule be compiled into C? NULL when yes, else the reason (in arena). */
const char *rp_emit_c_unsupported(rp_arena *arena, const rp_ir_rule *ir);

/* A C string literal (with the quotes) whose value is exactly s[0..len): printable ASCII as is,
 * except '"', '\\' and '?' (no trigraph can form) escaped; every other byte (controls, newline,
 * NUL, >= 0x80) as a three-digit octal escape, which no following character can extend. */
char *rp_emit_c_literal(rp_arena *arena, const char *s, size_t len);

/* Text safe inside a C block comment, on one line: "*" "/" and "/" "*" are split by a space,
 * "??" becomes "?-?" (no trigraph), bytes outside printable ASCII become \xNN text, and a
 * trailing backslash cannot splice lines. */
char *rp_emit_c_comment(rp_arena *arena, const char *s, size_t len);

/* A set of identifiers already given out (per generated file). */
typedef struct rp_emit_c_names {
    const char **names;
    size_t count, cap;
} rp_emit_c_names;

/* `prefix` + a sanitized form of `base` ([A-Za-z0-9] kept, runs of anything else become one
 * '_', at most 48 characters, "rule" when nothing is left), made unique in `names` with a
 * suffix _2, _3, ... Recorded in `names`. */
char *rp_emit_c_ident(rp_arena *arena, rp_emit_c_names *names, const char *prefix, const char *base);

#endif
