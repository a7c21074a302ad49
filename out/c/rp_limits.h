/* rp_limits.h: every hard limit of rulepack, one comment each (modelled on yara's limits.h).
 * Input beyond a limit gets a diagnostic naming the limit; nothing crashes or grows unbounded.
 * The runtime includes this header too, and `rulepack build` copies it into out/c beside the
 * runtime, so the generated matcher has the same limits as the interpreter. Plain macros only:
 * it must compile as standalone C11 under -pedantic. */
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

/* Nesting depth of parentheses and NOT in an exclusion filter before RP0601: guards the
 * recursive parser's stack. */
#define RP_MAX_EXCL_DEPTH 200

/* The exclusion lints expand a filter into OR-of-ANDs; past this many conjunctions, or this many
 * literals in one, the lint says nothing about the filter (a sound "unknown", never a guess). */
#define RP_MAX_EXCL_DNF_CONJ 512
#define RP_MAX_EXCL_DNF_LITS 64

/* check --base: files at REV read to find who had a reused id (an id named in many files is not
 * a copied rule's). */
#define RP_MAX_HISTORY_CANDIDATES 64

/* check --base: node comparisons allowed to decide whether a rule changed; past it (alias or
 * width bombs) the two texts are compared as bytes instead. */
#define RP_MAX_HISTORY_COMPARE 4000000u

/* check --base: nesting followed through aliases before the comparison gives up (see above). */
#define RP_MAX_HISTORY_DEPTH (2 * RP_MAX_YAML_DEPTH)

/* check --base: output of one git run that we keep (ls-tree and diff of a large repository are a
 * few MB). */
#define RP_MAX_HISTORY_LISTING (512u * 1024u * 1024u)

/* Longest event line the matcher reads; longer lines are rejected and counted, never dropped silently. */
#define RP_MAX_EVENT_LINE (16u * 1024u * 1024u)

/* JSON nesting depth inside one event; deeper lines are rejected as invalid JSON and counted (the
 * reader skips values recursively). */
#define RP_MAX_JSON_DEPTH 256

/* Directory recursion depth when a PATH is a folder. */
#define RP_MAX_DIR_DEPTH 64

#endif
