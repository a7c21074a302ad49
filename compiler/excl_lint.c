/* excl_lint.c: the exclusion linter and the cancellation check (see excl_lint.h). */
#include "excl_lint.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "excl_parse.h"
#include "rp_limits.h"

/* ================================================================ string facts (ASCII folding,
 * as KQL-SEMANTICS.md 3 recommends; `has` as the phrase rule of 2.3) */

static int is_term(unsigned char c) { return isalnum(c) || c >= 0x80; }

static int char_eq(unsigned char a, unsigned char b, int cs)
{
    return cs ? a == b : tolower(a) == tolower(b);
}

static int str_eq(const char *a, size_t an, const char *b, size_t bn, int cs)
{
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++)
        if (!char_eq((unsigned char)a[i], (unsigned char)b[i], cs)) return 0;
    return 1;
}

static int at(const char *hay, size_t hn, size_t i, const char *n, size_t nn, int cs)
{
    return i + nn <= hn && str_eq(hay + i, nn, n, nn, cs);
}

static int starts(const char *hay, size_t hn, const char *n, size_t nn, int cs) { return at(hay, hn, 0, n, nn, cs); }
static int ends(const char *hay, size_t hn, const char *n, size_t nn, int cs)
{
    return nn <= hn && at(hay, hn, hn - nn, n, nn, cs);
}

static int contains(const char *hay, size_t hn, const char *n, size_t nn, int cs)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (at(hay, hn, i, n, nn, cs)) return 1;
    return 0;
}

/* Whether phrase n occurs in text m on term boundaries. open_start/open_end: m is only part of
 * the value and the character before/after it is unknown, so a boundary there is not assured. */
static int has_within(const char *m, size_t mn, const char *n, size_t nn, int cs, int open_start, int open_end)
{
    if (nn == 0) return 0;
    int need_left = is_term((unsigned char)n[0]), need_right = is_term((unsigned char)n[nn - 1]);
    for (size_t i = 0; i + nn <= mn; i++) {
        if (!at(m, mn, i, n, nn, cs)) continue;
        int left = !need_left || (i == 0 ? !open_start : !is_term((unsigned char)m[i - 1]));
        int right = !need_right || (i + nn == mn ? !open_end : !is_term((unsigned char)m[i + nn]));
        if (left && right) return 1;
    }
    return 0;
}

static int has_letters(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isalpha((unsigned char)s[i])) return 1;
    return 0;
}

/* ================================================================ DNF */

typedef struct lit {
    const rp_excl_node *pred;
    int neg; /* the literal is the negation of the predicate's positive form (== for !=, ...) */
} lit;

typedef struct conj {
    lit *lits;
    size_t n;
} conj;

typedef struct dnf {
    conj *items;
    size_t count;
    int overflow;
} dnf;


static dnf dnf_true(rp_arena *a)
{
    dnf d = {0};
    d.items = RP_NEW(a, conj);
    d.count = 1;
    return d;
}

static dnf dnf_product(rp_arena *a, dnf x, dnf y)
{
    dnf r = {0};
    if (x.overflow || y.overflow || x.count * y.count > RP_MAX_EXCL_DNF_CONJ) {
        r.overflow = 1;
        return r;
    }
    r.items = RP_NEW_ARRAY(a, conj, x.count * y.count + 1);
    for (size_t i = 0; i < x.count; i++)
        for (size_t j = 0; j < y.count; j++) {
            size_t n = x.items[i].n + y.items[j].n;
            if (n > RP_MAX_EXCL_DNF_LITS) {
                r.overflow = 1;
                return r;
            }
            conj *c = &r.items[r.count++];
            c->lits = RP_NEW_ARRAY(a, lit, n + 1);
            if (x.items[i].n) memcpy(c->lits, x.items[i].lits, x.items[i].n * sizeof(lit));
            if (y.items[j].n) memcpy(c->lits + x.items[i].n, y.items[j].lits, y.items[j].n * sizeof(lit));
            c->n = n;
        }
    return r;
}

static dnf dnf_union(rp_arena *a, dnf x, dnf y)
{
    dnf r = {0};
    if (x.overflow || y.overflow || x.count + y.count > RP_MAX_EXCL_DNF_CONJ) {
        r.overflow = 1;
        return r;
    }
    r.items = RP_NEW_ARRAY(a, conj, x.count + y.count + 1);
    if (x.count) memcpy(r.items, x.items, x.count * sizeof(conj));
    if (y.count) memcpy(r.items + x.count, y.items, y.count * sizeof(conj));
    r.count = x.count + y.count;
    return r;
}

/* DNF of node (positive) or of its negation (!positive); NULL is TRUE. */
static dnf dnf_of(rp_arena *a, const rp_excl_node *node, int positive)
{
    if (!node) {
        if (positive) return dnf_true(a);
        dnf none = {0}; /* NOT TRUE: no conjunct (FALSE) */
        none.items = RP_NEW(a, conj);
        return none;
    }
    switch (node->kind) {
    case RP_EXCL_PRED: {
        dnf d = dnf_true(a);
        d.items[0].lits = RP_NEW(a, lit);
        d.items[0].lits[0].pred = node;
        d.items[0].lits[0].neg = !positive;
        d.items[0].n = 1;
        return d;
    }
    case RP_EXCL_NOT:
        return dnf_of(a, node->kids[0], !positive);
    case RP_EXCL_AND:
    case RP_EXCL_OR: {
        int product = (node->kind == RP_EXCL_AND) == !!positive;
        dnf r = dnf_of(a, node->kids[0], positive);
        for (size_t i = 1; i < node->kid_count && !r.overflow; i++) {
            dnf k = dnf_of(a, node->kids[i], positive);
            r = product ? dnf_product(a, r, k) : dnf_union(a, r, k);
        }
        return r;
    }
    }
    dnf r = {0};
    r.overflow = 1;
    return r;
}

/* ================================================================ per-column satisfiability */

/* Whether the check models this literal; others are dropped from the conjunction, which only
 * makes it easier to satisfy (sound). */
static int usable(const lit *l)
{
    const rp_excl_node *p = l->pred;
    if (!p->field.column || p->value_count == 0) return 0;
    if (p->field.type != RP_TYPE_STRING && p->field.type != RP_TYPE_UNKNOWN) return 0;
    if (p->op == RP_EXCL_OP_REGEX || p->op == RP_EXCL_OP_HASPREFIX || p->op == RP_EXCL_OP_HASSUFFIX) return 0;
    for (size_t i = 0; i < p->value_count; i++) {
        if (p->values[i].kind != RP_EXCL_VAL_STRING) return 0;
        if (p->op != RP_EXCL_OP_EQ && p->op != RP_EXCL_OP_IN && p->values[i].len == 0) return 0;
    }
    return 1;
}

/* The literal's value (the predicate's truth XOR the literal's negation) on a concrete string.
 * The predicate itself may be negated (!=): then its positive form is evaluated and flipped. */
static int eval_positive(const rp_excl_node *p, const char *v, size_t vn)
{
    int cs = p->case_sensitive;
    for (size_t i = 0; i < p->value_count; i++) {
        const char *n = p->values[i].text;
        size_t nn = p->values[i].len;
        int r = 0;
        switch (p->op) {
        case RP_EXCL_OP_EQ:
        case RP_EXCL_OP_IN: r = str_eq(v, vn, n, nn, cs); break;
        case RP_EXCL_OP_CONTAINS: r = contains(v, vn, n, nn, cs); break;
        case RP_EXCL_OP_STARTSWITH: r = starts(v, vn, n, nn, cs); break;
        case RP_EXCL_OP_ENDSWITH: r = ends(v, vn, n, nn, cs); break;
        case RP_EXCL_OP_HAS: r = has_within(v, vn, n, nn, cs, 0, 0); break;
        default: r = 0; break;
        }
        if (r) return 1;
    }
    return 0;
}

/* The literal holds: the predicate's value, flipped by negated and by the literal's sign. */
static int lit_holds(const lit *l, const char *v, size_t vn)
{
    int val = eval_positive(l->pred, v, vn);
    return val ^ l->pred->negated ^ l->neg;
}

/* Polarity of a literal with respect to the predicate's POSITIVE operator form. */
static int lit_is_positive(const lit *l) { return !(l->pred->negated ^ l->neg); }

/* p (a positive needle literal) implies q's positive form, for every string. */
static int implies(const rp_excl_node *p, const rp_excl_node *q)
{
    if (p->value_count != 1 || q->value_count != 1) return 0;
    int pcs = p->case_sensitive || !has_letters(p->values[0].text, p->values[0].len);
    int qcs = q->case_sensitive;
    if (qcs && !pcs) return 0; /* ci facts say nothing about the exact case */
    int cs = qcs;
    const char *m = p->values[0].text, *n = q->values[0].text;
    size_t mn = p->values[0].len, nn = q->values[0].len;
    int open_start = p->op == RP_EXCL_OP_CONTAINS || p->op == RP_EXCL_OP_ENDSWITH;
    int open_end = p->op == RP_EXCL_OP_CONTAINS || p->op == RP_EXCL_OP_STARTSWITH;
    switch (q->op) {
    case RP_EXCL_OP_CONTAINS:
        return (p->op == RP_EXCL_OP_CONTAINS || p->op == RP_EXCL_OP_STARTSWITH || p->op == RP_EXCL_OP_ENDSWITH ||
                p->op == RP_EXCL_OP_HAS) &&
               contains(m, mn, n, nn, cs);
    case RP_EXCL_OP_STARTSWITH: return p->op == RP_EXCL_OP_STARTSWITH && starts(m, mn, n, nn, cs);
    case RP_EXCL_OP_ENDSWITH: return p->op == RP_EXCL_OP_ENDSWITH && ends(m, mn, n, nn, cs);
    case RP_EXCL_OP_HAS:
        return (p->op == RP_EXCL_OP_CONTAINS || p->op == RP_EXCL_OP_STARTSWITH || p->op == RP_EXCL_OP_ENDSWITH ||
                p->op == RP_EXCL_OP_HAS) &&
               has_within(m, mn, n, nn, cs, open_start, open_end);
    default: return 0;
    }
}

/* Two positive startswith (or endswith) needles that no string can both satisfy. */
static int incompatible_anchors(const rp_excl_node *a, const rp_excl_node *b)
{
    if (a->op != b->op || (a->op != RP_EXCL_OP_STARTSWITH && a->op != RP_EXCL_OP_ENDSWITH)) return 0;
    if (a->value_count != 1 || b->value_count != 1) return 0;
    int cs = a->case_sensitive && b->case_sensitive;
    const rp_excl_value *x = &a->values[0], *y = &b->values[0];
    const rp_excl_value *shorter = x->len <= y->len ? x : y, *longer = x->len <= y->len ? y : x;
    if (a->op == RP_EXCL_OP_STARTSWITH) return !starts(longer->text, longer->len, shorter->text, shorter->len, cs);
    return !ends(longer->text, longer->len, shorter->text, shorter->len, cs);
}

/* 0 when the literals (all on one column) are proved unsatisfiable together, else 1. */
static int column_sat(const lit *ls, size_t n)
{
    /* Pin the value: a positive equality (exact values first, then case-insensitive classes). */
    const lit *pin = NULL;
    for (size_t i = 0; i < n; i++) {
        const rp_excl_node *p = ls[i].pred;
        if ((p->op == RP_EXCL_OP_EQ || p->op == RP_EXCL_OP_IN) && lit_is_positive(&ls[i]) &&
            (!pin || (p->case_sensitive && !pin->pred->case_sensitive)))
            pin = &ls[i];
    }
    if (pin) {
        int exact = pin->pred->case_sensitive;
        for (size_t k = 0; k < pin->pred->value_count; k++) {
            const char *v = pin->pred->values[k].text;
            size_t vn = pin->pred->values[k].len;
            int ok = 1;
            for (size_t i = 0; i < n && ok; i++) {
                const lit *l = &ls[i];
                if (l == pin) continue;
                if (exact || !l->pred->case_sensitive) {
                    ok = lit_holds(l, v, vn); /* exact, or the same for every case variant */
                } else if ((l->pred->op == RP_EXCL_OP_EQ || l->pred->op == RP_EXCL_OP_IN) && lit_is_positive(l)) {
                    /* a case class meets an exact value only where they fold equal */
                    int any = 0;
                    for (size_t j = 0; j < l->pred->value_count; j++)
                        any |= str_eq(v, vn, l->pred->values[j].text, l->pred->values[j].len, 0);
                    ok = any;
                } /* other case-sensitive facts on a case class: not modelled (assume satisfiable) */
            }
            if (ok) return 1;
        }
        return 0;
    }
    /* No pinned value: look for a positive needle that implies what a negative one forbids, or
     * two anchors that cannot both hold. */
    for (size_t i = 0; i < n; i++) {
        if (!lit_is_positive(&ls[i])) continue;
        for (size_t j = 0; j < n; j++) {
            if (i == j) continue;
            if (!lit_is_positive(&ls[j])) {
                if (implies(ls[i].pred, ls[j].pred)) return 0;
            } else if (incompatible_anchors(ls[i].pred, ls[j].pred)) {
                return 0;
            }
        }
    }
    return 1;
}

static int conj_sat(rp_arena *a, const conj *c)
{
    lit *group = RP_NEW_ARRAY(a, lit, c->n + 1);
    char *done = rp_arena_alloc(a, c->n + 1);
    for (size_t i = 0; i < c->n; i++) {
        if (done[i] || !usable(&c->lits[i])) continue;
        size_t g = 0;
        const char *column = c->lits[i].pred->field.column;
        for (size_t j = i; j < c->n; j++)
            if (!done[j] && usable(&c->lits[j]) && strcmp(c->lits[j].pred->field.column, column) == 0) {
                group[g++] = c->lits[j];
                done[j] = 1;
            }
        if (!column_sat(group, g)) return 0;
    }
    return 1;
}

rp_excl_verdict rp_excl_cancels(const rp_excl_node *detection, const rp_excl_node *exclusion)
{
    if (!exclusion) return RP_EXCL_UNKNOWN;
    rp_arena *a = rp_arena_new();
    rp_excl_verdict verdict = RP_EXCL_UNKNOWN;
    dnf d = dnf_of(a, detection, 1);
    dnf e = dnf_of(a, exclusion, 0);
    dnf f = dnf_product(a, d, e);
    if (!f.overflow) {
        verdict = RP_EXCL_CANCELS;
        for (size_t i = 0; i < f.count && verdict == RP_EXCL_CANCELS; i++)
            if (conj_sat(a, &f.items[i])) verdict = RP_EXCL_UNKNOWN;
    }
    rp_arena_free(a);
    return verdict;
}

/* ================================================================ lints */

typedef struct lint_state {
    rp_ctx *ctx;
    const rp_excl_fields *fields;
    rp_excl_filter *filter;
    const rp_excl_detection *det;
} lint_state;

static const char *text_of(const lint_state *st, const rp_excl_node *n)
{
    return rp_arena_strndup(st->ctx->arena, st->filter->text + n->start, n->end - n->start);
}

/* Leaves of an arm with their polarity (1: the predicate holds as written, 0: under a NOT). */
typedef struct leaf {
    const rp_excl_node *pred;
    int positive;
} leaf;

static void collect(const rp_excl_node *n, int positive, leaf *out, size_t *count, size_t cap)
{
    if (n->kind == RP_EXCL_PRED) {
        if (*count < cap) out[(*count)++] = (leaf){n, positive};
        return;
    }
    if (n->kind == RP_EXCL_NOT) {
        collect(n->kids[0], !positive, out, count, cap);
        return;
    }
    for (size_t i = 0; i < n->kid_count; i++) collect(n->kids[i], positive, out, count, cap);
}

static size_t count_leaves(const rp_excl_node *n)
{
    if (n->kind == RP_EXCL_PRED) return 1;
    size_t c = 0;
    for (size_t i = 0; i < n->kid_count; i++) c += count_leaves(n->kids[i]);
    return c;
}

/* RP0620: every OR with an AND written inside it without parentheses. */
static void lint_mixed(lint_state *st, const rp_excl_node *n)
{
    if (n->kind == RP_EXCL_PRED) return;
    for (size_t i = 0; i < n->kid_count; i++) lint_mixed(st, n->kids[i]);
    if (n->kind != RP_EXCL_OR) return;
    const rp_excl_node *first = NULL;
    for (size_t i = 0; i < n->kid_count && !first; i++)
        if (n->kids[i]->kind == RP_EXCL_AND && !n->kids[i]->parenthesized) first = n->kids[i];
    if (!first) return;
    /* The author's own text, with the parentheses the parser implied. */
    char *grouped = "";
    for (size_t i = 0; i < n->kid_count; i++) {
        const rp_excl_node *k = n->kids[i];
        int wrap = k->kind == RP_EXCL_AND && !k->parenthesized;
        grouped = rp_arena_printf(st->ctx->arena, "%s%s%s%s%s", grouped, i ? " OR " : "", wrap ? "(" : "",
                                  text_of(st, k), wrap ? ")" : "");
    }
    rp_diag *d = rp_report(st->ctx, RP0620, first->span,
                           "AND and OR mixed without parentheses: `%s` groups as `%s` (AND binds tighter than OR)",
                           text_of(st, n), grouped);
    if (d) rp_diag_set_hint(d, "add parentheses to say which grouping you mean");
}

static const char *fold_hint(const rp_excl_node *p)
{
    return rp_excl_op_text(p->op, p->negated, 0);
}

/* RP0626: case-sensitive comparisons on Windows file names, anywhere in the filter. */
static void lint_case(lint_state *st, const rp_excl_node *n)
{
    if (n->kind != RP_EXCL_PRED) {
        for (size_t i = 0; i < n->kid_count; i++) lint_case(st, n->kids[i]);
        return;
    }
    if (!n->case_sensitive || n->op == RP_EXCL_OP_REGEX || !(n->field.roles & RP_EXCL_ROLE_FILE_NAME)) return;
    if (n->value_count && !has_letters(n->values[0].text, n->values[0].len)) return;
    rp_diag *d = rp_report(st->ctx, RP0626, n->op_span,
                           "`%s` compares %s case-sensitively, but Windows file names are case-insensitive: "
                           "`%s` would not match a differently cased spelling of the same file",
                           rp_excl_op_text(n->op, n->negated, 1), n->field.column,
                           n->value_count ? n->values[0].text : "");
    if (d) rp_diag_set_hint(d, "use `%s`", fold_hint(n));
}

static int in_detection(const lint_state *st, const char *column)
{
    if (!st->det || !st->det->known) return 0;
    for (size_t i = 0; i < st->det->column_count; i++)
        if (strcmp(st->det->columns[i], column) == 0) return 1;
    return 0;
}

static int substring_op(rp_excl_op op) { return op != RP_EXCL_OP_EQ && op != RP_EXCL_OP_IN; }

static void lint_arm(lint_state *st, const rp_excl_node *arm, int several)
{
    size_t cap = count_leaves(arm);
    leaf *leaves = RP_NEW_ARRAY(st->ctx->arena, leaf, cap + 1);
    size_t n = 0;
    collect(arm, 1, leaves, &n, cap);
    const char *what = several ? "OR arm" : "filter";
    const char *arm_text = text_of(st, arm);

    /* RP0621: only negations. */
    int all_negative = n > 0;
    for (size_t i = 0; i < n; i++)
        if (leaves[i].positive ^ leaves[i].pred->negated) all_negative = 0;
    if (all_negative) {
        rp_diag *d = rp_report(st->ctx, RP0621, arm->span,
                               "the %s `%s` is built only on negation: it suppresses every event except the few values it "
                               "names (a renamed binary, for one, is silenced)",
                               what, arm_text);
        if (d) rp_diag_set_hint(d, "describe the benign case positively (what it is), not what it is not");
    }

    int resolved = n > 0;
    for (size_t i = 0; i < n; i++)
        if (!leaves[i].pred->field.column) resolved = 0;
    if (!resolved) return;

    /* RP0622: only the parent process, nothing the detection tests. */
    int parent_only = 1;
    for (size_t i = 0; i < n; i++) {
        const rp_excl_field *f = &leaves[i].pred->field;
        if (!(f->roles & RP_EXCL_ROLE_PARENT) || in_detection(st, f->column)) parent_only = 0;
    }
    if (parent_only) {
        rp_diag *d = rp_report(st->ctx, RP0622, arm->span,
                               "the %s `%s` constrains only the parent process, nothing the detection matches on: "
                               "everything the rule detects is suppressed when it runs under that parent",
                               what, arm_text);
        if (d) rp_diag_set_hint(d, "add a condition on the process the detection is about (AND it with this arm)");
    }

    /* RP0623: only values an attacker picks, at least one a command-line substring. */
    int attacker_only = 1, cmdline = 0;
    const char *needle = NULL;
    for (size_t i = 0; i < n; i++) {
        const rp_excl_node *p = leaves[i].pred;
        if (!(p->field.roles & RP_EXCL_ROLE_ATTACKER)) attacker_only = 0;
        if ((p->field.roles & RP_EXCL_ROLE_COMMAND_LINE) && substring_op(p->op) &&
            (leaves[i].positive ^ p->negated) && p->value_count) {
            cmdline = 1;
            if (!needle) needle = p->values[0].text;
        }
    }
    if (attacker_only && cmdline) {
        rp_diag *d = rp_report(st->ctx, RP0623, arm->span,
                               "the %s `%s` relies only on values an attacker controls: whoever starts the process "
                               "chooses its command line (\"%s\") and its file name, so a malicious run can carry them "
                               "and be suppressed",
                               what, arm_text, needle);
        if (d) rp_diag_set_hint(d, "anchor it on something the attacker does not choose: the signer, the hash, the "
                                   "install path's owner, the device or the account");
    }
}

/* RP0624: abused parents, on every positive parent-name value in the filter. */
static void lint_parents(lint_state *st, const rp_excl_node *n, int positive)
{
    if (n->kind == RP_EXCL_NOT) {
        lint_parents(st, n->kids[0], !positive);
        return;
    }
    if (n->kind != RP_EXCL_PRED) {
        for (size_t i = 0; i < n->kid_count; i++) lint_parents(st, n->kids[i], positive);
        return;
    }
    unsigned need = RP_EXCL_ROLE_PARENT | RP_EXCL_ROLE_PROCESS_NAME;
    if ((n->field.roles & need) != need || !(positive ^ n->negated)) return;
    if (n->op != RP_EXCL_OP_EQ && n->op != RP_EXCL_OP_IN && n->op != RP_EXCL_OP_ENDSWITH && n->op != RP_EXCL_OP_HAS &&
        n->op != RP_EXCL_OP_CONTAINS)
        return;
    for (size_t i = 0; i < n->value_count; i++) {
        const rp_excl_value *v = &n->values[i];
        const char *why = rp_excl_fields_abused_parent(st->fields, v->text, v->len);
        if (!why) continue;
        rp_diag *d = rp_report(st->ctx, RP0624, v->span,
                               "`%s` is trusted as a parent process, and attackers abuse or impersonate it: %s", v->text, why);
        if (d) rp_diag_set_hint(d, "do not allow-list by parent name; pin the child process itself (signer, hash, path)");
    }
}

void rp_excl_lint(rp_ctx *ctx, const rp_excl_fields *fields, rp_excl_filter *filter, const rp_excl_detection *det)
{
    if (!filter->root) return;
    lint_state st = {ctx, fields, filter, det};
    const rp_excl_node *root = filter->root;
    lint_mixed(&st, root);
    if (root->kind == RP_EXCL_OR) {
        for (size_t i = 0; i < root->kid_count; i++) lint_arm(&st, root->kids[i], 1);
    } else {
        lint_arm(&st, root, 0);
    }
    lint_parents(&st, root, 1);
    lint_case(&st, root);

    if (!filter->ok) return;
    const rp_excl_node *dpred = det ? det->pred : NULL;
    if (rp_excl_cancels(dpred, root) == RP_EXCL_CANCELS) {
        filter->cancels_rule = 1;
        rp_diag *d;
        if (dpred)
            d = rp_report(ctx, RP0625, root->span,
                          "this exclusion cancels the rule: every event the detection matches (`%s`) also satisfies "
                          "`%s`, so the rule can never alert",
                          rp_excl_render(ctx->arena, dpred, 1), rp_excl_render(ctx->arena, root, 0));
        else
            d = rp_report(ctx, RP0625, root->span,
                          "this exclusion cancels the rule: `%s` is true for every event, so the rule can never alert",
                          rp_excl_render(ctx->arena, root, 0));
        if (d) rp_diag_set_hint(d, "narrow the exclusion to the benign case it describes");
    }
}
