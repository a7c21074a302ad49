/* history.c: the comparison of rule files with their version at --base REV (see history.h).
 *
 * git runs as a child process (posix_spawnp, stdout through a pipe, stdin and stderr /dev/null),
 * always as `git --no-optional-locks -C ROOT ...` so that a check never takes the index lock of a
 * repository someone is working in. Per repository, three runs once: REV resolved to its commit
 * (`cat-file -e`, `rev-parse --verify`), the paths at REV (`ls-tree`) and the changes since REV
 * (`diff --name-status -M`, which pairs renames); a file that is in neither changed list nor
 * different from REV is skipped without running anything. Per changed file: `show COMMIT:PATH`,
 * and `grep` at REV when its id is new (who had that id at REV). */
#include "history.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rp_limits.h"

extern char **environ;


typedef struct history_change {
    const char *path;     /* path now, relative to the repository root */
    const char *old_path; /* path at REV: the rename source, else path */
    char status;          /* git's letter: M, A, D, R, T, U, ... */
} history_change;

typedef struct history_repo {
    char *root;                 /* `rev-parse --show-toplevel` */
    char *real_root;            /* realpath(root), to place further folders without running git */
    int state;                  /* 0 not opened, 1 ready, -1 REV unavailable (reported) */
    char *commit;               /* REV's commit id */
    char *listing;              /* ls-tree output: rev_paths point into it */
    const char **rev_paths;     /* every file at REV, sorted */
    size_t rev_path_count;
    char *diff;                 /* diff output: changes point into it */
    history_change *changes;    /* sorted by path */
    size_t change_count;
    const char **rename_sources; /* old paths of renames, sorted */
    size_t rename_source_count;
} history_repo;

typedef struct history_dir {
    char *dir;     /* folder of a checked file, as given */
    size_t repo;   /* index in repos, SIZE_MAX when outside a work tree */
    char *prefix;  /* the folder relative to the root, with a trailing slash or empty */
} history_dir;

struct rp_history {
    const char *rev;
    history_repo *repos;
    size_t repo_count;
    history_dir *dirs;
    size_t dir_count;
    int reported_outside; /* RP0161 said once for the run */
    int reported_no_git;  /* RP0160 for "git cannot be run" said once */
};

typedef struct git_output {
    char *data; /* NUL-terminated; heap */
    size_t len;
    int truncated;
} git_output;

/* Runs `git --no-optional-locks -C dir ARGS...` (args NULL-terminated, at most 16) and collects
 * its stdout, at most max bytes (the rest is read and dropped). Returns git's exit status, or -1
 * when git could not be started or did not exit normally. */
static int run_git(const char *dir, const char *const *args, size_t max, git_output *out)
{
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "git";
    argv[n++] = "--no-optional-locks";
    argv[n++] = "-C";
    argv[n++] = dir;
    for (size_t i = 0; args[i] && n < 23; i++) argv[n++] = args[i];
    argv[n] = NULL;
    memset(out, 0, sizeof *out);
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    if (fds[1] != 1) posix_spawn_file_actions_addclose(&actions, fds[1]);
    pid_t pid;
    int spawned = posix_spawnp(&pid, "git", &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (spawned != 0) {
        close(fds[0]);
        return -1;
    }
    size_t cap = 4096;
    out->data = rp_xmalloc(cap);
    char chunk[65536];
    for (;;) {
        ssize_t got = read(fds[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        size_t take = (size_t)got;
        if (out->len + take > max) {
            take = max - out->len;
            out->truncated = 1;
        }
        if (out->len + take + 1 > cap) {
            while (out->len + take + 1 > cap) cap *= 2;
            out->data = rp_xrealloc(out->data, cap);
        }
        memcpy(out->data + out->len, chunk, take);
        out->len += take;
    }
    out->data[out->len] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int compare_changes(const void *a, const void *b)
{
    return strcmp(((const history_change *)a)->path, ((const history_change *)b)->path);
}

static int sorted_has(const char *const *items, size_t count, const char *key)
{
    return count && bsearch(&key, items, count, sizeof *items, compare_strings) != NULL;
}

rp_history *rp_history_new(const char *rev)
{
    rp_history *history = rp_xcalloc(1, sizeof *history);
    history->rev = rev;
    return history;
}

void rp_history_free(rp_history *history)
{
    if (!history) return;
    for (size_t i = 0; i < history->repo_count; i++) {
        history_repo *repo = &history->repos[i];
        free(repo->root);
        free(repo->real_root);
        free(repo->commit);
        free(repo->listing);
        free(repo->rev_paths);
        free(repo->diff);
        free(repo->changes);
        free(repo->rename_sources);
    }
    for (size_t i = 0; i < history->dir_count; i++) {
        free(history->dirs[i].dir);
        free(history->dirs[i].prefix);
    }
    free(history->repos);
    free(history->dirs);
    free(history);
}

static void report_no_git(rp_history *history, rp_ctx *ctx)
{
    if (history->reported_no_git) return;
    history->reported_no_git = 1;
    rp_span none = {0};
    rp_diag *d = rp_diag_report(ctx->diags, RP0160, none, NULL,
                                "--base %s: git could not be run, so no file was compared with the base",
                                history->rev);
    if (d) rp_diag_set_hint(d, "install git (apt-get install git) and make sure it is on PATH");
}

/* A folder under the root of a repository met before, with no `.git` between them (the mark of a
 * nested repository or submodule), is in that repository: its prefix is its path below the root.
 * Saves one git run per folder (Azure-Sentinel has thousands). Returns 1 when placed. */
static int place_in_known_repo(rp_history *history, history_dir *entry)
{
    char *real = realpath(entry->dir, NULL);
    if (!real) return 0;
    int placed = 0;
    for (size_t r = 0; r < history->repo_count && !placed; r++) {
        const char *root = history->repos[r].real_root;
        size_t n = root ? strlen(root) : 0;
        if (n < 2 || strncmp(real, root, n) != 0 || (real[n] != '/' && real[n] != '\0')) continue;
        int nested = 0;
        for (size_t end = strlen(real); end > n && !nested;) {
            char *marker = rp_xprintf("%.*s/.git", (int)end, real);
            nested = access(marker, F_OK) == 0;
            free(marker);
            while (end > n && real[end - 1] != '/') end--;
            if (end > n) end--;
        }
        if (nested) continue;
        entry->repo = r;
        entry->prefix = real[n] ? rp_xprintf("%s/", real + n + 1) : rp_xstrdup("");
        placed = 1;
    }
    free(real);
    return placed;
}

/* The folder of a checked file and its repository: `rev-parse` once per folder. Reports RP0161
 * (once per run) for a folder outside any work tree. Returns NULL when there is nothing to compare. */
static const history_dir *find_dir(rp_history *history, rp_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? rp_xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : rp_xstrdup(".");
    for (size_t i = history->dir_count; i-- > 0;)
        if (strcmp(history->dirs[i].dir, dir) == 0) {
            free(dir);
            return history->dirs[i].repo == SIZE_MAX ? NULL : &history->dirs[i];
        }
    history->dirs = rp_xrealloc(history->dirs, (history->dir_count + 1) * sizeof *history->dirs);
    history_dir *entry = &history->dirs[history->dir_count++];
    entry->dir = dir;
    entry->repo = SIZE_MAX;
    entry->prefix = NULL;
    if (place_in_known_repo(history, entry)) return entry;
    git_output out;
    const char *args[] = {"rev-parse", "--show-toplevel", "--show-prefix", NULL};
    int status = run_git(dir, args, 64 * 1024, &out);
    char *newline = status == 0 ? strchr(out.data, '\n') : NULL;
    if (status < 0) {
        report_no_git(history, ctx);
    } else if (!newline || newline == out.data) {
        if (!history->reported_outside && !history->reported_no_git) {
            history->reported_outside = 1;
            rp_diag *d = rp_diag_report_at(ctx->diags, RP0161, path, 0, 0,
                                           "not in a git work tree: --base %s compares nothing for this file "
                                           "(nor for any other file outside a work tree)",
                                           history->rev);
            if (d) rp_diag_set_hint(d, "run the check inside a clone of the repository, whose history holds %s",
                                    history->rev);
        }
    } else {
        *newline = '\0';
        char *prefix = newline + 1;
        size_t prefix_len = strcspn(prefix, "\n");
        prefix[prefix_len] = '\0';
        size_t r = 0;
        while (r < history->repo_count && strcmp(history->repos[r].root, out.data) != 0) r++;
        if (r == history->repo_count) {
            history->repos = rp_xrealloc(history->repos, (r + 1) * sizeof *history->repos);
            memset(&history->repos[r], 0, sizeof history->repos[r]);
            history->repos[r].root = rp_xstrdup(out.data);
            history->repos[r].real_root = realpath(out.data, NULL);
            history->repo_count++;
        }
        entry->repo = r;
        entry->prefix = rp_xstrdup(prefix);
    }
    free(out.data);
    return entry->repo == SIZE_MAX ? NULL : entry;
}

static void report_bad_rev(rp_history *history, rp_ctx *ctx, history_repo *repo, const char *why)
{
    repo->state = -1;
    rp_span none = {0};
    rp_diag *d = rp_diag_report(ctx->diags, RP0160, none, NULL,
                                "--base %s %s in the git repository %s: no file of it was compared with the base",
                                history->rev, why, repo->root);
    if (d)
        rp_diag_set_hint(d, "name a commit, branch or tag that the clone holds; a shallow CI checkout needs the "
                            "pull request's base fetched first (git fetch origin <base>, or fetch-depth: 0)");
}

/* Resolves REV and reads what changed since (once per repository). Returns 1 when ready. */
static int open_repo(rp_history *history, rp_ctx *ctx, history_repo *repo)
{
    if (repo->state) return repo->state > 0;
    const char *rev = history->rev;
    /* An option-like REV would be read by git as an option. */
    if (!rev[0] || rev[0] == '-' || strchr(rev, '\n')) {
        report_bad_rev(history, ctx, repo, "is not a revision name");
        return 0;
    }
    char *spec = rp_xprintf("%s^{commit}", rev);
    git_output out;
    const char *exists[] = {"cat-file", "-e", spec, NULL};
    int status = run_git(repo->root, exists, 4096, &out);
    free(out.data);
    const char *verify[] = {"rev-parse", "--verify", "--quiet", spec, NULL};
    if (status == 0) status = run_git(repo->root, verify, 4096, &out);
    else out.data = NULL;
    free(spec);
    if (status < 0) {
        free(out.data);
        repo->state = -1;
        report_no_git(history, ctx);
        return 0;
    }
    size_t len = out.data ? strcspn(out.data, "\n") : 0;
    if (status != 0 || len == 0) {
        free(out.data);
        report_bad_rev(history, ctx, repo, "is not a commit");
        return 0;
    }
    out.data[len] = '\0';
    repo->commit = out.data;

    const char *ls_tree[] = {"ls-tree", "-r", "-z", "--name-only", "--full-tree", repo->commit, NULL};
    status = run_git(repo->root, ls_tree, RP_MAX_HISTORY_LISTING, &out);
    repo->listing = out.data;
    if (status != 0 || out.truncated) {
        report_bad_rev(history, ctx, repo, "could not be listed");
        return 0;
    }
    size_t count = 0;
    for (size_t i = 0; i < out.len; i++) count += out.data[i] == '\0';
    repo->rev_paths = rp_xcalloc(count + 1, sizeof *repo->rev_paths);
    for (size_t i = 0; i < out.len; i += strlen(out.data + i) + 1) repo->rev_paths[repo->rev_path_count++] = out.data + i;
    qsort(repo->rev_paths, repo->rev_path_count, sizeof *repo->rev_paths, compare_strings);

    /* The working tree against REV; -M pairs a deleted and an added file that are alike. */
    const char *diff[] = {"diff", "--name-status", "-z", "-M", "--no-relative", "--no-ext-diff",
                          "--ignore-submodules", repo->commit, "--", NULL};
    status = run_git(repo->root, diff, RP_MAX_HISTORY_LISTING, &out);
    repo->diff = out.data;
    if (status != 0 || out.truncated) {
        report_bad_rev(history, ctx, repo, "could not be compared with the working tree");
        return 0;
    }
    size_t fields = 0;
    for (size_t i = 0; i < out.len; i++) fields += out.data[i] == '\0';
    repo->changes = rp_xcalloc(fields + 1, sizeof *repo->changes);
    repo->rename_sources = rp_xcalloc(fields + 1, sizeof *repo->rename_sources);
    const char *p = out.data, *end = out.data + out.len;
    while (p < end) {
        const char *status_text = p;
        p += strlen(p) + 1;
        if (p >= end) break;
        const char *first = p;
        p += strlen(p) + 1;
        history_change *change = &repo->changes[repo->change_count];
        change->status = status_text[0];
        change->path = change->old_path = first;
        if (status_text[0] == 'R' || status_text[0] == 'C') {
            if (p >= end) break;
            change->path = p;
            p += strlen(p) + 1;
            if (status_text[0] == 'R') repo->rename_sources[repo->rename_source_count++] = first;
        }
        repo->change_count++;
    }
    qsort(repo->changes, repo->change_count, sizeof *repo->changes, compare_changes);
    qsort(repo->rename_sources, repo->rename_source_count, sizeof *repo->rename_sources, compare_strings);
    repo->state = 1;
    return 1;
}

static const history_change *find_change(const history_repo *repo, const char *path)
{
    history_change key = {path, NULL, 0};
    if (!repo->change_count) return NULL;
    return bsearch(&key, repo->changes, repo->change_count, sizeof key, compare_changes);
}

/* A rule file as it was at REV, parsed in the file's arena; its problems are not this run's. */
typedef struct history_old {
    const char *path;   /* relative to the root */
    const rp_rule *rule;
    const rp_source *src;
} history_old;

static int read_old(const rp_history *history, rp_ctx *ctx, const history_repo *repo, const char *path,
                    history_old *old)
{
    memset(old, 0, sizeof *old);
    char *spec = rp_xprintf("%s:%s", repo->commit, path);
    const char *show[] = {"show", "--no-textconv", spec, NULL};
    git_output out;
    int status = run_git(repo->root, show, RP_MAX_FILE_BYTES, &out);
    free(spec);
    if (status != 0 || out.truncated) {
        free(out.data);
        return 0;
    }
    const char *display = rp_arena_printf(ctx->arena, "%s:%s", history->rev, path);
    const rp_source *src = rp_source_from_memory(ctx->arena, display, out.data, out.len);
    free(out.data);
    rp_diag_sink scratch;
    rp_diag_sink_init(&scratch);
    rp_ctx old_ctx = *ctx;
    old_ctx.diags = &scratch;
    old_ctx.src = src;
    old_ctx.rule_id = NULL;
    rp_ydoc *doc = rp_yaml_load(&old_ctx, src);
    const rp_ynode *root = doc->root ? rp_ynode_resolve(doc->root) : NULL;
    if (root && root->kind == RP_Y_MAPPING) old->rule = rp_rule_from_yaml(&old_ctx, doc);
    rp_diag_sink_free(&scratch);
    old->path = path;
    old->src = src;
    return old->rule != NULL;
}

/* --- Did anything but `version` change? ------------------------------------------------------ */

typedef struct compare_state {
    size_t budget;
    int exhausted;
} compare_state;

/* A plain scalar that YAML resolves to something other than a string (null, bool, number), so
 * quoting it changes its meaning; quoting any other plain scalar does not. */
static int plain_is_typed(const rp_ynode *node)
{
    static const char *const words[] = {"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"};
    const char *v = node->value;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasecmp(v, words[i]) == 0) return 1;
    return isdigit((unsigned char)v[0]) || v[0] == '-' || v[0] == '+' || v[0] == '.';
}

static int node_equal(const rp_ynode *a, const rp_ynode *b, int top, unsigned depth, compare_state *st);

static int scalar_equal(const rp_ynode *a, const rp_ynode *b)
{
    if (a->value_len != b->value_len || memcmp(a->value, b->value, a->value_len) != 0) return 0;
    if ((a->tag == NULL) != (b->tag == NULL) || (a->tag && strcmp(a->tag, b->tag) != 0)) return 0;
    int a_plain = a->style == RP_YS_PLAIN, b_plain = b->style == RP_YS_PLAIN;
    if (a_plain == b_plain) return 1;
    return !plain_is_typed(a_plain ? a : b);
}

static int key_equal(const rp_ynode *a, const rp_ynode *b, unsigned depth, compare_state *st)
{
    a = rp_ynode_resolve(a);
    b = rp_ynode_resolve(b);
    if (a && b && a->kind == RP_Y_SCALAR && b->kind == RP_Y_SCALAR) return scalar_equal(a, b);
    return node_equal(a, b, 0, depth + 1, st);
}

static int is_version_key(const rp_ynode *key)
{
    key = rp_ynode_resolve(key);
    return key && key->kind == RP_Y_SCALAR && strcmp(key->value, "version") == 0;
}

/* A key that appears again later in the same mapping: the last one is the one loaders keep. */
static int shadowed(const rp_ynode *map, size_t i, unsigned depth, compare_state *st)
{
    for (size_t j = i + 1; j < map->count && !st->exhausted; j++)
        if (key_equal(map->pairs[i].key, map->pairs[j].key, depth, st)) return 1;
    return 0;
}

/* Mappings compare as sets of keys (order does not matter to Sentinel); at the top, `version` is
 * left out. */
static int mapping_equal(const rp_ynode *a, const rp_ynode *b, int top, unsigned depth, compare_state *st)
{
    size_t keys_a = 0, keys_b = 0;
    for (size_t i = 0; i < a->count && !st->exhausted; i++) {
        if ((top && is_version_key(a->pairs[i].key)) || shadowed(a, i, depth, st)) continue;
        keys_a++;
        const rp_ynode *match = NULL;
        for (size_t j = b->count; j-- > 0 && !st->exhausted;)
            if (key_equal(a->pairs[i].key, b->pairs[j].key, depth, st)) {
                match = b->pairs[j].value;
                break;
            }
        if (!match || !node_equal(a->pairs[i].value, match, 0, depth + 1, st)) return 0;
    }
    for (size_t i = 0; i < b->count && !st->exhausted; i++)
        if (!(top && is_version_key(b->pairs[i].key)) && !shadowed(b, i, depth, st)) keys_b++;
    return keys_a == keys_b;
}

static int node_equal(const rp_ynode *a, const rp_ynode *b, int top, unsigned depth, compare_state *st)
{
    a = rp_ynode_resolve(a);
    b = rp_ynode_resolve(b);
    if (!a || !b) return a == b;
    if (st->budget == 0 || depth > RP_MAX_HISTORY_DEPTH) {
        st->exhausted = 1;
        return 0;
    }
    st->budget--;
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case RP_Y_SCALAR:
        return scalar_equal(a, b);
    case RP_Y_SEQUENCE:
        if (a->count != b->count) return 0;
        for (size_t i = 0; i < a->count; i++)
            if (!node_equal(a->items[i], b->items[i], 0, depth + 1, st)) return 0;
        return 1;
    case RP_Y_MAPPING:
        return mapping_equal(a, b, top, depth, st);
    default:
        return 0;
    }
}

/* 1 when the rule differs from its old version in anything but the top-level `version`. */
static int content_changed(const rp_rule *rule, const history_old *old)
{
    compare_state st = {RP_MAX_HISTORY_COMPARE, 0};
    int equal = node_equal(old->rule->root, rule->root, 1, 0, &st);
    if (st.exhausted)
        return old->src->len != rule->src->len || memcmp(old->src->text, rule->src->text, rule->src->len) != 0;
    return !equal;
}

/* --- Versions ---------------------------------------------------------------------------------- */

int rp_history_version_compare(const char *a, const char *b)
{
    const char *both[] = {a, b};
    for (size_t k = 0; k < 2; k++) {
        const char *v = both[k];
        if (!isdigit((unsigned char)v[0])) return 2;
        for (const char *p = v; *p; p++)
            if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1]))) return 2;
    }
    while (*a || *b) {
        /* One part each (an absent part is 0), leading zeros skipped, compared by length then digits. */
        while (*a == '0' && isdigit((unsigned char)a[1])) a++;
        while (*b == '0' && isdigit((unsigned char)b[1])) b++;
        size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
        int a_zero = la == 0 || (la == 1 && *a == '0'), b_zero = lb == 0 || (lb == 1 && *b == '0');
        if (!(a_zero && b_zero)) {
            if (la != lb) return a_zero ? -1 : b_zero ? 1 : la < lb ? -1 : 1;
            int c = memcmp(a, b, la);
            if (c) return c < 0 ? -1 : 1;
        }
        a += la;
        b += lb;
        if (*a == '.') a++;
        if (*b == '.') b++;
    }
    return 0;
}

/* The version after `was` for hints: its last part plus one (1.0.9 -> 1.0.10); for a version
 * that is not X.Y.Z, a description. */
static const char *next_version(rp_arena *arena, const char *was)
{
    if (!was) return "1.0.0";
    if (rp_history_version_compare(was, was) == 2) return "a greater X.Y.Z";
    size_t len = strlen(was);
    const char *dot = strrchr(was, '.');
    size_t head = dot ? (size_t)(dot - was) + 1 : 0, n = len - head;
    char *out = rp_arena_alloc(arena, len + 2);
    memcpy(out, was, head);
    char *digits = out + head + 1; /* one place left for a carry out of the last part */
    memcpy(digits, was + head, n + 1);
    size_t i = n;
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i > 0) {
        digits[i - 1]++;
        memmove(out + head, digits, n + 1);
    } else {
        out[head] = '1';
    }
    return out;
}

/* --- The checks -------------------------------------------------------------------------------- */

static const char *noun_of(const rp_rule *rule)
{
    return rule->kind == RP_RULE_HUNTING ? "hunting query" : "rule";
}

/* GUIDs compare by value: case and surrounding braces do not matter (as in pack.c). */
static int same_id(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= 2 && a[0] == '{' && a[la - 1] == '}') a++, la -= 2;
    if (lb >= 2 && b[0] == '{' && b[lb - 1] == '}') b++, lb -= 2;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static void check_id(const rp_history *history, rp_ctx *ctx, const rp_rule *rule, const history_old *old,
                     int renamed)
{
    const char *was = old->rule->id.text, *now = rule->id.text;
    if (!was || !now || strcmp(was, now) == 0) return;
    rp_span span = rp_rule_text_span(rule, &rule->id);
    const char *where = renamed ? rp_arena_printf(ctx->arena, " (renamed from %s)", old->path) : "";
    if (same_id(was, now)) {
        rp_diag *d = rp_report(ctx, RP0166, span, "the id of this %s changed its letter case or braces since %s: "
                               "it was '%s'%s, it is now '%s'", noun_of(rule), history->rev, was, where, now);
        if (d) rp_diag_set_hint(d, "Sentinel compares ids as GUIDs, but Azure-Sentinel's CI rejects any change of "
                                   "the id line (check 26): write '%s' again", was);
        return;
    }
    rp_diag *d = rp_report(ctx, RP0162, span, "the id of this %s changed since %s: it was '%s'%s, it is now '%s'",
                           noun_of(rule), history->rev, was, where, now);
    if (!d) return;
    if (rule->kind == RP_RULE_HUNTING)
        rp_diag_set_hint(d, "Sentinel identifies a hunting query by its id: a new id adds a second copy next to the "
                            "old query instead of updating it; keep the id '%s'", was);
    else
        rp_diag_set_hint(d, "Sentinel identifies a rule by its id: a new id deploys a new rule next to the old one, "
                            "which stays enabled, and every alert is raised twice; keep the id '%s'", was);
}

static void check_version(const rp_history *history, rp_ctx *ctx, const rp_rule *rule, const history_old *old)
{
    const char *was = old->rule->version.text, *now = rule->version.text;
    int changed = content_changed(rule, old);
    rp_span span = rp_rule_text_span(rule, &rule->version);
    if (now && was) {
        int order = rp_history_version_compare(now, was);
        if (order == 2) return; /* RP0128 names a malformed version; an old one cannot be ordered */
        if (order < 0) {
            rp_diag *d = rp_report(ctx, RP0165, span, "the version of this %s went down since %s: it was %s (%s), "
                                   "it is now %s", noun_of(rule), history->rev, was, old->path, now);
            if (d) rp_diag_set_hint(d, "Sentinel offers a template update only for a greater version: use %s",
                                    next_version(ctx->arena, was));
        } else if (order == 0 && changed) {
            rp_diag *d = rp_report(ctx, RP0164, span, "this %s changed since %s but its version is still %s",
                                   noun_of(rule), history->rev, now);
            if (d) rp_diag_set_hint(d, "bump it, e.g. to %s: Sentinel offers changed content as a template update "
                                       "only when the version grows", next_version(ctx->arena, was));
        }
        return;
    }
    if (now) return; /* a version now and none before: nothing to order */
    if (rule->version.node && !rp_yscalar_is_null(rule->version.node)) return; /* malformed: RP0128 */
    if (!changed && !was) return;
    rp_diag *d = was ? rp_report(ctx, RP0164, span, "this %s has no version any more: it was %s at %s",
                                 noun_of(rule), was, history->rev)
                     : rp_report(ctx, RP0164, span, "this %s changed since %s but has no version",
                                 noun_of(rule), history->rev);
    if (d) rp_diag_set_hint(d, "add `version: %s`: Sentinel offers changed content as a template update only when "
                               "the version grows", next_version(ctx->arena, was));
}

/* An id shaped like a GUID (with or without braces): other ids are RP01xx errors already, and a short
 * one would match every file. */
static int guid_like(const char *id)
{
    size_t len = strlen(id);
    if (len == 38 && id[0] == '{' && id[37] == '}') id++, len -= 2;
    if (len != 36) return 0;
    for (size_t i = 0; i < len; i++)
        if (!(isxdigit((unsigned char)id[i]) || id[i] == '-')) return 0;
    return 1;
}

/* Who had this rule's id at REV. Another file that is still there (or was renamed to a third)
 * had it: the id was taken over, RP0163. A file that is gone had it: this file is that one,
 * moved without git seeing a rename; it becomes `old` (returns 1) for the version checks. */
static int find_reused_id(const rp_history *history, rp_ctx *ctx, const history_repo *repo, const rp_rule *rule,
                          const char *path, const char *old_path, history_old *moved)
{
    const char *id = rule->id.text;
    if (!id || !guid_like(id)) return 0;
    const char *grep[] = {"grep", "-l", "-z", "-F", "-i", "-I", "-e", id, repo->commit, "--", "*.yaml", "*.yml", NULL};
    git_output out;
    int status = run_git(repo->root, grep, RP_MAX_HISTORY_LISTING, &out);
    int found = 0;
    size_t prefix = strlen(repo->commit) + 1, read = 0;
    for (size_t i = 0; status == 0 && i < out.len && read < RP_MAX_HISTORY_CANDIDATES && !found;
         i += strlen(out.data + i) + 1) {
        const char *candidate = out.data + i;
        if (strlen(candidate) <= prefix || strncmp(candidate, repo->commit, prefix - 1) != 0) continue;
        candidate += prefix;
        if (strcmp(candidate, path) == 0 || (old_path && strcmp(candidate, old_path) == 0)) continue;
        history_old other;
        read++;
        const char *copy = rp_arena_strdup(ctx->arena, candidate);
        if (!read_old(history, ctx, repo, copy, &other) || !other.rule->id.text || !same_id(other.rule->id.text, id))
            continue;
        char *on_disk = rp_xprintf("%s/%s", repo->root, copy);
        int in_use = access(on_disk, F_OK) == 0 ||
                     sorted_has(repo->rename_sources, repo->rename_source_count, copy);
        free(on_disk);
        if (in_use) {
            rp_diag *d = rp_report(ctx, RP0163, rp_rule_text_span(rule, &rule->id),
                                   "the id '%s' of this %s was the id of another file at %s: %s", id,
                                   noun_of(rule), history->rev, copy);
            if (d) rp_diag_set_hint(d, "a copied rule file needs an id of its own (uuidgen): with the same id, "
                                       "Sentinel replaces %s's %s with this one", copy, noun_of(other.rule));
            found = 1;
        } else if (!old_path) {
            *moved = other;
            found = 2;
        }
    }
    free(out.data);
    return found == 2;
}

void rp_history_check_rule(rp_history *history, rp_ctx *ctx, const rp_rule *rule)
{
    if (!history || !rule || !rule->root || rule->kind == RP_RULE_QUERY_FILE) return;
    const char *path = rule->src->path;
    const history_dir *dir = find_dir(history, ctx, path);
    if (!dir) return;
    history_repo *repo = &history->repos[dir->repo];
    if (!open_repo(history, ctx, repo)) return;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *rel = rp_arena_printf(ctx->arena, "%s%s", dir->prefix, base);
    const history_change *change = find_change(repo, rel);
    const char *old_path = NULL;
    int renamed = 0;
    if (change) {
        /* A (added), or R with this file as its destination; D while the file is on disk means
         * it is no longer tracked: compared with its old self all the same. */
        if (change->status != 'A' && change->status != 'C') old_path = change->old_path;
        renamed = change->status == 'R';
    } else if (sorted_has(repo->rev_paths, repo->rev_path_count, rel)) {
        return; /* the same as at REV */
    }
    history_old old = {0};
    int have_old = old_path && read_old(history, ctx, repo, old_path, &old);
    int id_is_new = !have_old || !old.rule->id.text || !rule->id.text || !same_id(old.rule->id.text, rule->id.text);
    if (id_is_new && find_reused_id(history, ctx, repo, rule, rel, have_old ? old_path : NULL, &old)) {
        have_old = 1;
        renamed = 1;
    }
    if (!have_old) return;
    check_id(history, ctx, rule, &old, renamed);
    check_version(history, ctx, rule, &old);
}
