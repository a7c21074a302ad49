/* build_cmd.c: `rulepack build [-o DIR] PATH...` (DESIGN.md "Command line"). Runs the check
 * pipeline on every file, lowers each rule into the IR and writes
 *   DIR/c/        rules.c, rules.h, matcher.c, Makefile (emit_c.c) and the runtime copied beside
 *   DIR/sigma/    one Sigma document per rule (emit_sigma.c)
 *   DIR/kql/      the query with its exclusions applied (emit_kql.c)
 *   DIR/manifest.json   every rule: id, name, file, status full/partial/none, reasons, outputs
 * and ends with a summary on stderr: rules compiled fully, partly, not at all, grouped by reason.
 * Exit 0, 1 when a rule has errors (the other outputs still come out), 2 usage or I/O.
 * Deterministic: rules sorted by id, no timestamps, no absolute paths. What the previous build
 * into DIR wrote (its manifest's outputs) is removed first, so a deleted or renamed rule leaves no
 * stale Sigma or KQL behind for a consumer of DIR to deploy; nothing else in DIR is touched. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "emit_c.h"
#include "emit_kql.h"
#include "emit_sigma.h"
#include "embedded.h"
#include "runtime/rp_runtime.h"
#include "session.h"
#include "version.h"


static const char build_usage[] =
    "usage: rulepack build [-o DIR] [--format F] [--strict] [--schema DIR] [--config FILE] PATH...\n"
    "Checks the rules, then compiles them into DIR (default out/):\n"
    "  DIR/c/          C matcher: make -C DIR/c builds DIR/c/matcher\n"
    "  DIR/sigma/      Sigma rules (JSON)\n"
    "  DIR/kql/        queries with their exclusions applied\n"
    "  DIR/manifest.json  what was compiled, fully, partly or not at all, and why\n"
    "exit 0 clean, 1 rule errors (outputs still written), 2 usage or I/O error.\n";

/* One rule file's outputs besides the C matcher. */
typedef struct built {
    const char *rel;        /* relative form of the path for outputs (heap) */
    const char *stem;       /* file-name form of the id */
    int sigma, corr, kql;   /* outputs written (corr: the Sigma correlation) */
} built;

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char c = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        buf[i] = c;
    }
    return 0;
}

static int write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(text, 1, len, f) == len;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

/* An output path as a manifest lists it: c/, sigma/ or kql/ and one plain file name (a manifest
 * edited by hand or by an attacker cannot make build remove anything else). */
static int is_output_name(const char *rel)
{
    const char *name = strncmp(rel, "c/", 2) == 0       ? rel + 2
                       : strncmp(rel, "sigma/", 6) == 0 ? rel + 6
                       : strncmp(rel, "kql/", 4) == 0   ? rel + 4
                                                        : NULL;
    if (!name || !*name || name[0] == '.') return 0;
    for (const char *p = name; *p; p++)
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') && *p != '.' &&
            *p != '_' && *p != '-')
            return 0;
    return 1;
}

static void remove_output(const char *out_dir, json_t *rel)
{
    if (!json_is_string(rel) || !is_output_name(json_string_value(rel))) return;
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", out_dir, json_string_value(rel));
    remove(path);
}

/* Removes every file the previous build listed in DIR/manifest.json (when rulepack wrote it). */
static void remove_previous_outputs(const char *out_dir)
{
    char mp[PATH_MAX + 32];
    snprintf(mp, sizeof mp, "%s/manifest.json", out_dir);
    json_t *old = json_load_file(mp, 0, NULL);
    const char *gen = json_string_value(json_object_get(old, "generator"));
    if (gen && strncmp(gen, "rulepack ", 9) == 0) {
        size_t i, k;
        json_t *v, *rule;
        json_array_foreach (json_object_get(old, "outputs"), i, v) remove_output(out_dir, v);
        json_array_foreach (json_object_get(old, "rules"), k, rule)
            json_array_foreach (json_object_get(rule, "outputs"), i, v) remove_output(out_dir, v);
    }
    json_decref(old);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The relative form of a path: as given when relative; under the current directory made
 * relative to it; otherwise its base name (no absolute path ever reaches an output). */
static char *relative_path(const char *path)
{
    if (path[0] != '/') {
        while (path[0] == '.' && path[1] == '/') path += 2;
        return rp_xstrdup(path);
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd);
        if (strncmp(path, cwd, n) == 0 && path[n] == '/') return rp_xstrdup(path + n + 1);
    }
    const char *slash = strrchr(path, '/');
    return rp_xstrdup(slash ? slash + 1 : path);
}

/* Writes the runtime (embedded in the binary at build time: the .c and .h files of compiler/runtime,
 * sorted by name; self-contained) into dir. */
static int write_runtime(const char *to, json_t *outputs, const char *prefix)
{
    int rc = rp_embedded_runtime_count ? 0 : -1;
    for (size_t i = 0; rp_embedded_runtime[i].name; i++) {
        char dst[PATH_MAX + 256];
        snprintf(dst, sizeof dst, "%s/%s", to, rp_embedded_runtime[i].name);
        if (write_file(dst, rp_embedded_runtime[i].data, rp_embedded_runtime[i].size) != 0)
            rc = -1;
        else
            json_array_append_new(outputs, json_sprintf("%s/%s", prefix, rp_embedded_runtime[i].name));
    }
    return rc;
}

/* A reason without its position ("join at 14:3" -> "join"), to group the summary. */
static char *reason_key(const char *why)
{
    char *k = rp_xstrdup(why ? why : "unknown");
    char *at = strstr(k, " at ");
    while (at) {
        const char *p = at + 4;
        int digits = 0;
        while ((*p >= '0' && *p <= '9') || *p == ':') digits += *p++ != ':';
        if (digits && (*p == 0 || *p == ',' || *p == ';' || *p == ' ' || *p == ')')) {
            memmove(at, p, strlen(p) + 1);
            at = strstr(at, " at ");
        } else {
            at = strstr(at + 1, " at ");
        }
    }
    return k;
}

typedef struct tally {
    char **keys;
    size_t *counts;
    size_t n;
} tally;

static void tally_add(tally *t, const char *why)
{
    char *k = reason_key(why);
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->keys[i], k) == 0) {
            t->counts[i]++;
            free(k);
            return;
        }
    t->keys = rp_xrealloc(t->keys, (t->n + 1) * sizeof *t->keys);
    t->counts = rp_xrealloc(t->counts, (t->n + 1) * sizeof *t->counts);
    t->keys[t->n] = k;
    t->counts[t->n++] = 1;
}

static void tally_print(tally *t, const char *title, size_t total, FILE *out)
{
    if (!total) return;
    fprintf(out, "  %s (%zu), by reason:\n", title, total);
    /* most frequent first, then by text */
    for (size_t i = 1; i < t->n; i++)
        for (size_t j = i; j > 0 && (t->counts[j - 1] < t->counts[j] ||
                                     (t->counts[j - 1] == t->counts[j] && strcmp(t->keys[j - 1], t->keys[j]) > 0));
             j--) {
            char *k = t->keys[j];
            size_t c = t->counts[j];
            t->keys[j] = t->keys[j - 1];
            t->counts[j] = t->counts[j - 1];
            t->keys[j - 1] = k;
            t->counts[j - 1] = c;
        }
    for (size_t i = 0; i < t->n && i < 25; i++) fprintf(out, "    %6zu  %s\n", t->counts[i], t->keys[i]);
    if (t->n > 25) fprintf(out, "    ... and %zu more reasons\n", t->n - 25);
}

static void tally_free(tally *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->keys[i]);
    free(t->keys);
    free(t->counts);
}

/* The banner's origin: the PATH arguments as given, relative, separated by spaces. */
static char *origin_of(char *const *paths, size_t n)
{
    size_t len = 1;
    char **rels = rp_xcalloc(n + 1, sizeof *rels);
    for (size_t i = 0; i < n; i++) {
        rels[i] = relative_path(paths[i]);
        len += strlen(rels[i]) + 1;
    }
    char *origin = rp_xcalloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(origin, " ");
        strcat(origin, rels[i]);
        free(rels[i]);
    }
    free(rels);
    return origin;
}

typedef struct build_run {
    const char *out_dir;
    built *b;               /* per session file */
    int io_error;
} build_run;

/* Writes one rule's Sigma and KQL as its file is lowered (their diagnostics are the file's). */
static void emit_rule(rp_ctx *ctx, rp_session_file *f, void *user)
{
    build_run *run = user;
    built *x = &run->b[f->index];
    x->rel = relative_path(f->path);
    if (!f->rule) return;
    x->stem = rp_emit_rule_stem(ctx->arena, f->rule);
    if (rp_emit_sigma_rule(ctx, f->rule, f->ir, run->out_dir) != 0) run->io_error = 1;
    if (rp_emit_kql_rule(ctx, f->rule, run->out_dir) != 0) run->io_error = 1;
    char sp[PATH_MAX + 300], cp[PATH_MAX + 300], kp[PATH_MAX + 300];
    snprintf(sp, sizeof sp, "%s/sigma/%s.json", run->out_dir, x->stem);
    snprintf(cp, sizeof cp, "%s/sigma/%s.correlation.json", run->out_dir, x->stem);
    snprintf(kp, sizeof kp, "%s/kql/%s.kql", run->out_dir, x->stem);
    x->sigma = file_exists(sp);
    x->corr = file_exists(cp);
    x->kql = file_exists(kp);
}

/* The C matcher of the whole pack into cdir, rules in file order (the interpreter's evaluation
 * order). input_of[i]: file i's index among the emitter's inputs, SIZE_MAX for none. */
static void write_c(build_run *run, const rp_session_file *files, size_t nfiles, const char *origin, const char *cdir,
                    rp_arena *arena, size_t *input_of, rp_emit_c_output *co, json_t *outputs)
{
    rp_emit_c_input *inputs = rp_xcalloc(nfiles + 1, sizeof *inputs);
    size_t ni = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const rp_ir_rule *ir = files[i].ir;
        input_of[i] = SIZE_MAX;
        if (!ir) continue;
        rp_emit_c_input *in = &inputs[ni];
        in->ir = ir;
        in->file = run->b[i].rel;
        unsigned line = 0, col = 0;
        if (ir->span.src) rp_source_locate(ir->span.src, ir->span.start, &line, &col);
        in->line = line;
        in->id = ir->rule_id;
        in->name = ir->name;
        in->severity = files[i].rule ? files[i].rule->severity.text : NULL;
        in->order = i;
        input_of[i] = ni++;
    }
    rp_emit_c_pack(arena, inputs, ni, origin, co);
    free(inputs);
    static const char *const cfiles[] = {"Makefile", "matcher.c", "rules.c", "rules.h", "rules_rt.h"};
    const char *ctext[] = {co->makefile, co->matcher_c, co->rules_c, co->rules_h, co->rules_rt_h};
    for (size_t i = 0; i < 5; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", cdir, cfiles[i]);
        if (write_file(p, ctext[i], strlen(ctext[i])) != 0) {
            fprintf(stderr, "rulepack build: cannot write %s: %s\n", p, strerror(errno));
            run->io_error = 1;
        } else {
            json_array_append_new(outputs, json_sprintf("c/%s", cfiles[i]));
        }
    }
    if (write_runtime(cdir, outputs, "c") != 0) {
        fprintf(stderr, "rulepack build: cannot write the runtime into %s: %s\n", cdir, strerror(errno));
        run->io_error = 1;
    }
}

/* Manifest order: by id (the relative path for a file without one), then path, then file order. */
typedef struct order {
    const char *key, *rel;
    size_t i;
} order;

static int cmp_order(const void *a, const void *b)
{
    const order *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (!c) c = strcmp(x->rel, y->rel);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

typedef struct counts {
    size_t full, partial, none;
    tally partly, not_at_all;  /* by reason */
} counts;

/* One rule's manifest entry; counts its status. cwhy: why the C matcher lacks it (NULL: it has it). */
static json_t *manifest_rule(const rp_session_file *f, const built *x, int in_c, const char *cwhy, counts *n)
{
    const rp_ir_rule *ir = f->ir;
    json_t *r = json_object();
    json_t *reasons = json_array();
    json_object_set_new(r, "id", ir && ir->rule_id ? json_string(ir->rule_id) : json_null());
    json_object_set_new(r, "name", ir && ir->name ? json_string(ir->name) : json_null());
    json_object_set_new(r, "file", json_string(x->rel));
    const char *status;
    if (!ir || ir->status == RP_IR_NONE) {
        status = "none";
        const char *why = ir && ir->why ? ir->why : (f->rule ? "nothing compiled" : "the file could not be read as a rule");
        json_array_append_new(reasons, json_string(why));
        tally_add(&n->not_at_all, why);
        n->none++;
    } else if (ir->status == RP_IR_PARTIAL || cwhy) {
        status = "partial";
        const char *why = ir->status == RP_IR_PARTIAL && ir->why ? ir->why : cwhy;
        json_array_append_new(reasons, json_string(why ? why : "partly compiled"));
        if (cwhy && why != cwhy) json_array_append_new(reasons, json_string(cwhy));
        tally_add(&n->partly, why);
        n->partial++;
    } else {
        status = "full";
        n->full++;
    }
    json_object_set_new(r, "status", json_string(status));
    json_object_set_new(r, "reasons", reasons);
    json_object_set_new(r, "c", json_boolean(in_c && !cwhy));
    json_t *outs = json_array();
    if (in_c && !cwhy) json_array_append_new(outs, json_string("c/rules.c"));
    if (x->sigma) json_array_append_new(outs, json_sprintf("sigma/%s.json", x->stem));
    if (x->corr) json_array_append_new(outs, json_sprintf("sigma/%s.correlation.json", x->stem));
    if (x->kql) json_array_append_new(outs, json_sprintf("kql/%s.kql", x->stem));
    json_object_set_new(r, "outputs", outs);
    return r;
}

/* DIR/manifest.json, rules sorted by id; `outputs` is taken over. */
static void write_manifest(build_run *run, const rp_session_file *files, size_t nfiles, const size_t *input_of,
                           const rp_emit_c_output *co, json_t *outputs, counts *n)
{
    order *sorted = rp_xcalloc(nfiles + 1, sizeof *sorted);
    for (size_t i = 0; i < nfiles; i++) {
        sorted[i].rel = run->b[i].rel;
        sorted[i].key = files[i].ir && files[i].ir->rule_id ? files[i].ir->rule_id : sorted[i].rel;
        sorted[i].i = i;
    }
    qsort(sorted, nfiles, sizeof *sorted, cmp_order);
    json_t *jrules = json_array();
    for (size_t k = 0; k < nfiles; k++) {
        size_t i = sorted[k].i;
        int in_c = input_of[i] != SIZE_MAX;
        const char *cwhy = in_c ? co->why[input_of[i]] : "the file holds no rule";
        json_array_append_new(jrules, manifest_rule(&files[i], &run->b[i], in_c, cwhy, n));
    }
    free(sorted);
    json_t *root = json_object();
    json_object_set_new(root, "generator", json_sprintf("rulepack %s", RP_VERSION));
    json_object_set_new(root, "rules", jrules);
    json_object_set_new(root, "outputs", outputs);
    json_t *sum = json_object();
    json_object_set_new(sum, "full", json_integer((json_int_t)n->full));
    json_object_set_new(sum, "partial", json_integer((json_int_t)n->partial));
    json_object_set_new(sum, "none", json_integer((json_int_t)n->none));
    json_object_set_new(sum, "c_rules", json_integer((json_int_t)co->compiled));
    json_object_set_new(root, "summary", sum);
    char *text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
    char mp[PATH_MAX + 32];
    snprintf(mp, sizeof mp, "%s/manifest.json", run->out_dir);
    size_t tl = strlen(text);
    char *withnl = rp_xmalloc(tl + 2);
    memcpy(withnl, text, tl);
    withnl[tl] = '\n';
    withnl[tl + 1] = 0;
    if (write_file(mp, withnl, tl + 1) != 0) {
        fprintf(stderr, "rulepack build: cannot write %s: %s\n", mp, strerror(errno));
        run->io_error = 1;
    }
    free(withnl);
    free(text);
    json_decref(root);
}

int rp_cmd_build(int argc, char **argv)
{
    const char *out_dir = "out";
    const rp_cmd_option options[] = {{"-o", "--output", &out_dir, NULL, "a directory"}};
    const rp_cmd cmd = {"build", build_usage, options, 1, NULL, NULL};
    rp_session session;
    int status;
    if (!rp_session_start(&session, &cmd, argc, argv, &status)) return status;
    char cdir[PATH_MAX + 8];
    snprintf(cdir, sizeof cdir, "%s/c", out_dir);
    if (mkdir_p(cdir) != 0) {
        fprintf(stderr, "rulepack build: cannot create %s: %s\n", cdir, strerror(errno));
        rp_session_close(&session);
        return 2;
    }
    remove_previous_outputs(out_dir);
    size_t nb = session.file_count;
    build_run run = {out_dir, rp_xcalloc(nb + 1, sizeof *run.b), 0};
    rp_session_file *files = rp_session_lower(&session, emit_rule, &run);
    rp_pack_finish(session.pack, &session.diags);

    char *origin = origin_of(session.paths, session.path_count);
    rp_arena *arena = rp_arena_new();
    size_t *input_of = rp_xcalloc(nb + 1, sizeof *input_of);
    rp_emit_c_output co;
    json_t *outputs = json_array();
    write_c(&run, files, nb, origin, cdir, arena, input_of, &co, outputs);
    counts n = {0};
    write_manifest(&run, files, nb, input_of, &co, outputs, &n);

    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stderr, 0);
    fprintf(stderr, "rulepack build: %zu rule%s: %zu compiled fully, %zu partly, %zu not at all; %zu in the C matcher\n", nb,
            nb == 1 ? "" : "s", n.full, n.partial, n.none, co.compiled);
    tally_print(&n.partly, "partly", n.partial, stderr);
    tally_print(&n.not_at_all, "not at all", n.none, stderr);
    fprintf(stderr, "rulepack build: wrote %s/ (c/: make -C %s/c builds the matcher; sigma/, kql/, manifest.json)\n", out_dir,
            out_dir);
    tally_free(&n.partly);
    tally_free(&n.not_at_all);
    for (size_t i = 0; i < nb; i++) free((void *)run.b[i].rel);
    free(run.b);
    free(input_of);
    rp_arena_free(arena);
    free(origin);
    rp_session_files_free(files, nb);
    status = run.io_error ? 2 : rp_session_exit_status(&session);
    rp_session_close(&session);
    return status;
}
