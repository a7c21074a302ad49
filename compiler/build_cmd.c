/* build_cmd.c: `rulepack build [-o DIR] PATH...` (DESIGN.md "Command line"). Runs the check
 * pipeline on every file, lowers each rule into the IR and writes
 *   DIR/c/        rules.c, rules.h, matcher.c, Makefile (emit_c.c) and the runtime copied beside
 *   DIR/sigma/    one Sigma document per rule (emit_sigma.c)
 *   DIR/kql/      the query with its exclusions applied (emit_kql.c)
 *   DIR/manifest.json   every rule: id, name, file, status full/partial/none, reasons, outputs
 * and ends with a summary on stderr: rules compiled fully, partly, not at all, grouped by reason.
 * Exit 0, 1 when a rule has errors (the other outputs still come out), 2 usage or I/O.
 * Deterministic: rules sorted by id, no timestamps, no absolute paths. */
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
#include "ir_lower.h"
#include "kql_parse.h"
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

/* One rule file's results. */
typedef struct built {
    const char *path;       /* as found by the session (heap) */
    const char *rel;        /* relative form for outputs (heap) */
    rp_arena *arena;
    rp_rule *rule;
    rp_ir_rule *ir;
    const char *stem;       /* file-name form of the id */
    int sigma, kql;         /* outputs written */
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

static int cmp_built(const void *a, const void *b)
{
    const built *x = a, *y = b;
    const char *ix = x->ir && x->ir->rule_id ? x->ir->rule_id : x->rel;
    const char *iy = y->ir && y->ir->rule_id ? y->ir->rule_id : y->rel;
    int c = strcmp(ix, iy);
    return c ? c : strcmp(x->rel, y->rel);
}

int rp_cmd_build(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(build_usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("rulepack %s\n", RP_VERSION);
            return 0;
        }
    rp_session session;
    rp_session_init(&session);
    const char *config_path = NULL;
    const char **schema_dirs = NULL;
    size_t schema_dir_count = 0;
    argc = rp_session_parse_options(&session, argc, argv, &config_path, &schema_dirs, &schema_dir_count);
    const char *out_dir = "out";
    int npaths = 0, usage = argc < 0;
    char **paths = rp_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *paths);
    for (int i = 1; i < argc && !usage; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc) {
                fputs("rulepack build: -o needs a directory\n", stderr);
                usage = 1;
            } else {
                out_dir = argv[++i];
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rulepack build: unknown option '%s' (see --help)\n", argv[i]);
            usage = 1;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (!usage && npaths == 0) {
        fputs("rulepack build: no PATH given (see --help)\n", stderr);
        usage = 1;
    }
    if (usage) {
        free(paths);
        free(schema_dirs);
        rp_session_close(&session);
        return 2;
    }
    /* banner origin: the paths as given, relative */
    size_t olen = 1;
    char **rels = rp_xcalloc((size_t)npaths + 1, sizeof *rels);
    for (int i = 0; i < npaths; i++) {
        rels[i] = relative_path(paths[i]);
        olen += strlen(rels[i]) + 1;
    }
    char *origin = rp_xcalloc(olen, 1);
    for (int i = 0; i < npaths; i++) {
        if (i) strcat(origin, " ");
        strcat(origin, rels[i]);
        free(rels[i]);
    }
    free(rels);
    rp_session_open(&session, config_path, schema_dirs, schema_dir_count);
    free(schema_dirs);
    rp_session_add_paths(&session, paths, npaths);
    free(paths);

    int io_error = 0;
    char cdir[PATH_MAX + 8];
    snprintf(cdir, sizeof cdir, "%s/c", out_dir);
    if (mkdir_p(cdir) != 0) {
        fprintf(stderr, "rulepack build: cannot create %s: %s\n", cdir, strerror(errno));
        free(origin);
        rp_session_close(&session);
        return 2;
    }
    built *b = rp_xcalloc(session.file_count + 1, sizeof *b);
    size_t nb = 0;
    for (size_t i = 0; i < session.file_count; i++) {
        rp_ctx ctx = {0};
        ctx.arena = rp_arena_new();
        ctx.diags = &session.diags;
        ctx.schema = session.schema;
        ctx.config = session.config;
        rp_diag_begin_file(&session.diags);
        rp_rule *rule = rp_check_file(&ctx, session.pack, session.files[i]);
        built *x = &b[nb++];
        x->path = session.files[i];
        x->rel = relative_path(session.files[i]);
        x->arena = ctx.arena;
        x->rule = rule;
        if (rule) {
            if (!rule->kql && rule->query.text) rule->kql = rp_kql_parse_rule(&ctx, rule);
            ctx.rule_id = rule->id.text;
            x->ir = rp_ir_lower_rule(&ctx, rule);
            x->stem = rp_emit_file_stem(ctx.arena, rule->id.text);
            char sp[PATH_MAX + 300], kp[PATH_MAX + 300];
            if (rp_emit_sigma_rule(&ctx, rule, x->ir, out_dir) != 0) io_error = 1;
            if (rp_emit_kql_rule(&ctx, rule, out_dir) != 0) io_error = 1;
            snprintf(sp, sizeof sp, "%s/sigma/%s.json", out_dir, x->stem);
            snprintf(kp, sizeof kp, "%s/kql/%s.kql", out_dir, x->stem);
            x->sigma = file_exists(sp);
            x->kql = file_exists(kp);
        }
        rp_diag_end_file(&session.diags, session.files[i]);
    }
    rp_pack_finish(session.pack, &session.diags);

    /* C for the whole pack; inputs in file order (the interpreter's evaluation order) */
    rp_arena *arena = rp_arena_new();
    rp_emit_c_input *inputs = rp_xcalloc(nb + 1, sizeof *inputs);
    size_t *input_of = rp_xcalloc(nb + 1, sizeof *input_of);
    size_t ni = 0;
    for (size_t i = 0; i < nb; i++) {
        input_of[i] = SIZE_MAX;
        if (!b[i].ir) continue;
        rp_emit_c_input *in = &inputs[ni];
        in->ir = b[i].ir;
        in->file = b[i].rel;
        unsigned line = 0, col = 0;
        if (b[i].ir->span.src) rp_source_locate(b[i].ir->span.src, b[i].ir->span.start, &line, &col);
        in->line = line;
        in->id = b[i].ir->rule_id;
        in->name = b[i].ir->name;
        in->severity = b[i].rule ? b[i].rule->severity.text : NULL;
        in->order = i;
        input_of[i] = ni++;
    }
    rp_emit_c_output co;
    rp_emit_c_pack(arena, inputs, ni, origin, &co);
    static const char *const cfiles[] = {"Makefile", "matcher.c", "rules.c", "rules.h", "rules_rt.h"};
    const char *ctext[] = {co.makefile, co.matcher_c, co.rules_c, co.rules_h, co.rules_rt_h};
    json_t *outputs = json_array();
    for (size_t i = 0; i < 5; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", cdir, cfiles[i]);
        if (write_file(p, ctext[i], strlen(ctext[i])) != 0) {
            fprintf(stderr, "rulepack build: cannot write %s: %s\n", p, strerror(errno));
            io_error = 1;
        } else {
            json_array_append_new(outputs, json_sprintf("c/%s", cfiles[i]));
        }
    }
    if (write_runtime(cdir, outputs, "c") != 0) {
        fprintf(stderr, "rulepack build: cannot write the runtime into %s: %s\n", cdir, strerror(errno));
        io_error = 1;
    }

    /* manifest and summary, rules sorted by id */
    size_t *idx = rp_xcalloc(nb + 1, sizeof *idx);
    built *sorted = rp_xcalloc(nb + 1, sizeof *sorted);
    memcpy(sorted, b, nb * sizeof *b);
    for (size_t i = 0; i < nb; i++) sorted[i].stem = (const char *)(uintptr_t)i; /* remember the origin */
    qsort(sorted, nb, sizeof *sorted, cmp_built);
    for (size_t i = 0; i < nb; i++) idx[i] = (size_t)(uintptr_t)sorted[i].stem;
    free(sorted);
    json_t *jrules = json_array();
    size_t nfull = 0, npart = 0, nnone = 0;
    tally tp = {0}, tn = {0};
    for (size_t k = 0; k < nb; k++) {
        built *x = &b[idx[k]];
        json_t *r = json_object();
        json_t *reasons = json_array();
        const char *id = x->ir && x->ir->rule_id ? x->ir->rule_id : NULL;
        json_object_set_new(r, "id", id ? json_string(id) : json_null());
        json_object_set_new(r, "name", x->ir && x->ir->name ? json_string(x->ir->name) : json_null());
        json_object_set_new(r, "file", json_string(x->rel));
        const char *status;
        const char *cwhy = input_of[idx[k]] != SIZE_MAX ? co.why[input_of[idx[k]]] : "the file holds no rule";
        if (!x->ir || x->ir->status == RP_IR_NONE) {
            status = "none";
            const char *why = x->ir && x->ir->why ? x->ir->why : (x->rule ? "nothing compiled" : "the file could not be read as a rule");
            json_array_append_new(reasons, json_string(why));
            tally_add(&tn, why);
            nnone++;
        } else if (x->ir->status == RP_IR_PARTIAL || cwhy) {
            status = "partial";
            const char *why = x->ir->status == RP_IR_PARTIAL && x->ir->why ? x->ir->why : cwhy;
            json_array_append_new(reasons, json_string(why ? why : "partly compiled"));
            if (cwhy && why != cwhy) json_array_append_new(reasons, json_string(cwhy));
            tally_add(&tp, why);
            npart++;
        } else {
            status = "full";
            nfull++;
        }
        json_object_set_new(r, "status", json_string(status));
        json_object_set_new(r, "reasons", reasons);
        json_object_set_new(r, "c", json_boolean(input_of[idx[k]] != SIZE_MAX && !cwhy));
        json_t *outs = json_array();
        if (input_of[idx[k]] != SIZE_MAX && !cwhy) json_array_append_new(outs, json_string("c/rules.c"));
        if (x->sigma) json_array_append_new(outs, json_sprintf("sigma/%s.json", x->stem));
        if (x->kql) json_array_append_new(outs, json_sprintf("kql/%s.kql", x->stem));
        json_object_set_new(r, "outputs", outs);
        json_array_append_new(jrules, r);
    }
    json_t *root = json_object();
    json_object_set_new(root, "generator", json_sprintf("rulepack %s", RP_VERSION));
    json_object_set_new(root, "rules", jrules);
    json_object_set_new(root, "outputs", outputs);
    json_t *sum = json_object();
    json_object_set_new(sum, "full", json_integer((json_int_t)nfull));
    json_object_set_new(sum, "partial", json_integer((json_int_t)npart));
    json_object_set_new(sum, "none", json_integer((json_int_t)nnone));
    json_object_set_new(sum, "c_rules", json_integer((json_int_t)co.compiled));
    json_object_set_new(root, "summary", sum);
    char *text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
    char mp[PATH_MAX + 32];
    snprintf(mp, sizeof mp, "%s/manifest.json", out_dir);
    size_t tl = strlen(text);
    char *withnl = rp_xmalloc(tl + 2);
    memcpy(withnl, text, tl);
    withnl[tl] = '\n';
    withnl[tl + 1] = 0;
    if (write_file(mp, withnl, tl + 1) != 0) {
        fprintf(stderr, "rulepack build: cannot write %s: %s\n", mp, strerror(errno));
        io_error = 1;
    }
    free(withnl);
    free(text);
    json_decref(root);

    rp_diag_sort(&session.diags);
    rp_diag_render(&session.diags, session.format, stderr, 0);
    fprintf(stderr, "rulepack build: %zu rule%s: %zu compiled fully, %zu partly, %zu not at all; %zu in the C matcher\n", nb,
            nb == 1 ? "" : "s", nfull, npart, nnone, co.compiled);
    tally_print(&tp, "partly", npart, stderr);
    tally_print(&tn, "not at all", nnone, stderr);
    fprintf(stderr, "rulepack build: wrote %s/ (c/: make -C %s/c builds the matcher; sigma/, kql/, manifest.json)\n", out_dir,
            out_dir);
    tally_free(&tp);
    tally_free(&tn);

    for (size_t i = 0; i < nb; i++) {
        free((void *)b[i].rel);
        rp_arena_free(b[i].arena);
    }
    free(b);
    free(idx);
    free(inputs);
    free(input_of);
    rp_arena_free(arena);
    free(origin);
    int status = io_error ? 2 : rp_session_exit_status(&session);
    rp_session_close(&session);
    return status;
}
