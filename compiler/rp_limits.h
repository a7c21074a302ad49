/* rp_limits.h: every hard limit of rulepack, one comment each (modelled on yara's limits.h).
 * Input beyond a limit gets a diagnostic naming the limit; nothing crashes or grows unbounded. */
#ifndef RP_LIMITS_H
#define RP_LIMITS_H

/* Largest rule or query file read; larger files get RP0002 and are skipped (a 100 MB rule is hostile). */
#define RP_MAX_FILE_BYTES (64u * 1024u * 1024u)

/* YAML nesting depth (sequences and mappings) before the loader stops with RP0007. */
#define RP_MAX_YAML_DEPTH 256

/* YAML nodes per file; stops alias and width bombs from exhausting memory (RP0007). */
#define RP_MAX_YAML_NODES 1000000

/* KQL expression and pipeline nesting depth; guards the recursive-descent parser's stack. */
#define RP_MAX_KQL_DEPTH 200

/* Operators in one left-associative chain (a + b + c ..., each one a tree level that recursive
 * walkers descend); longer chains get RP0205 instead of overflowing the stack. */
#define RP_MAX_KQL_CHAIN 4096

/* Height of the syntax tree of one KQL statement: chains nested in one another add up (50
 * parenthesised chains of 4,000 are 200,000 levels), so the parser measures every statement and
 * replaces a deeper one by an error node with RP0205. Room for one full chain and the levels
 * around it; every recursive walker of the tree (analysis, checks, IR lowering, printers) stays
 * far inside an 8 MB stack, even under AddressSanitizer. And/or runs do not count against the
 * chain limit: runs longer than 64 terms are built balanced (60,000 `or` terms: 17 levels). */
#define RP_MAX_KQL_HEIGHT 5000

/* Columns that the unions of one query may merge (`union *` merges every table's: 25,710 in
 * the embedded schema); past it the union's row is open and RP0319 says its columns go unchecked.
 * Bounds the analysis time of a query of many `union *` (a denial of service on CI). */
#define RP_MAX_KQL_UNION_COLUMNS 1000000u

/* Diagnostics kept per file; past this one RP0008 says how many more were dropped. */
#define RP_MAX_DIAGS_PER_FILE 500

/* Longest event line the matcher reads; longer lines are rejected and counted, never dropped silently. */
#define RP_MAX_EVENT_LINE (16u * 1024u * 1024u)

/* Directory recursion depth when a PATH is a folder. */
#define RP_MAX_DIR_DEPTH 64

#endif
