/* test_regress.c: replays every input the fuzzers (or the hostile pack) ever broke rulepack with.
 * Each folder tests/regress/<name>/ holds `target` (the entry point of tests/fuzz/fuzz_util.h:
 * yaml_load, check, check_kql, excl_parse, kql_lex, kql_parse, event_reader, emit), `note.md` (what broke and
 * how it was fixed) and one or more `input*` files. Every input runs in a child process, so a
 * crash, a sanitizer report or a broken invariant (abort) fails that input alone, by name.
 * A folder with a file `open` is a known failure awaiting its fix: its inputs must still fail.
 * A replay is bounded in time (REPLAY_SECONDS) and, outside sanitizers, in memory (REPLAY_MEMORY). */
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/fuzz_util.h"
#include "test_util.h"

#define REGRESS_DIR "tests/regress"
/* Wall-clock budget of one replay: generous for valgrind and sanitizers, finite for hangs. */
#define REPLAY_SECONDS 120
/* Memory of one replay (as tests/scripts/hostile.sh bounds rulepack): hostile input must be
 * handled in bounded memory, so an input that makes a stage allocate gigabytes fails here. The
 * address space is limited (not under AddressSanitizer, whose shadow memory needs terabytes of
 * it, nor valgrind); under AddressSanitizer the peak resident size is checked after the run. */
#define REPLAY_MEMORY (1024ul * 1024ul * 1024ul)
#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif
#ifndef REPLAY_ASAN
#define REPLAY_ASAN 0
#endif

static char *read_all(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    size_t got;
    while ((got = fread(data + n, 1, cap - n, file)) > 0) {
        n += got;
        if (n == cap) data = realloc(data, cap *= 2);
    }
    fclose(file);
    *len = n;
    return data;
}

/* One input to replay. */
typedef struct replay_item {
    char target[64];
    char path[1024];
    int open; /* the folder is a known open problem: the replay must fail */
} replay_item;

/* Runs one input in a child; returns its wait status (0: clean). The child frees the list first
 * so that valgrind (make test-valgrind) sees no leak that is not the stage's own. */
static int replay(replay_item *items, size_t index)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        replay_item item = items[index];
        free(items);
        alarm(REPLAY_SECONDS); /* a hang (an infinite loop found as a fuzz timeout) fails too */
        if (!REPLAY_ASAN && !getenv("VALGRIND")) {
            struct rlimit limit = {REPLAY_MEMORY, REPLAY_MEMORY};
            setrlimit(RLIMIT_AS, &limit);
        }
        size_t len;
        char *data = read_all(item.path, &len);
        if (!data) _exit(3);
        int known = rp_fuzz_run_target(item.target, (const uint8_t *)data, len);
        free(data);
        /* under AddressSanitizer the address space is not bounded: the peak resident size is */
        struct rusage usage;
        if (!getenv("VALGRIND") && getrusage(RUSAGE_SELF, &usage) == 0 &&
            (unsigned long)usage.ru_maxrss > REPLAY_MEMORY / 1024) {
            fprintf(stderr, "%s: peak resident size %ld MB, over the %lu MB bound\n", item.path,
                    usage.ru_maxrss / 1024, REPLAY_MEMORY >> 20);
            _exit(5);
        }
        _exit(known ? 0 : 4);
    }
    int status = -1;
    if (pid > 0) waitpid(pid, &status, 0);
    return status;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of a folder (without dot files). OUT: count. */
static char **list_dir(const char *path, size_t *count)
{
    *count = 0;
    DIR *dir = opendir(path);
    if (!dir) return NULL;
    size_t cap = 16;
    char **names = malloc(cap * sizeof *names);
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.') continue;
        if (*count == cap) names = realloc(names, (cap *= 2) * sizeof *names);
        names[(*count)++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, *count, sizeof names[0], compare_names);
    return names;
}

static void free_list(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

/* Checks every folder's shape and lists its inputs. */
static replay_item *collect(size_t *count, size_t *folders)
{
    size_t cap = 16, n_dirs;
    replay_item *items = malloc(cap * sizeof *items);
    *count = *folders = 0;
    char **dirs = list_dir(REGRESS_DIR, &n_dirs);
    CU_ASSERT_PTR_NOT_NULL(dirs);
    for (size_t i = 0; i < n_dirs; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REGRESS_DIR, dirs[i]);
        if (!is_dir(path)) continue;
        (*folders)++;
        /* The folder names its entry point and says why it is there. */
        char target[64] = "";
        snprintf(path, sizeof path, "%s/%s/target", REGRESS_DIR, dirs[i]);
        FILE *file = fopen(path, "r");
        if (file) {
            if (!fgets(target, sizeof target, file)) target[0] = '\0';
            fclose(file);
        }
        target[strcspn(target, " \t\r\n")] = '\0';
        if (!target[0]) fprintf(stderr, "\n%s: no target file\n", dirs[i]);
        CU_ASSERT(target[0] != '\0');
        snprintf(path, sizeof path, "%s/%s/note.md", REGRESS_DIR, dirs[i]);
        if (access(path, R_OK) != 0) fprintf(stderr, "\n%s: no note.md\n", dirs[i]);
        CU_ASSERT(access(path, R_OK) == 0);
        /* `open`: a known failure not fixed yet; its replay must still fail, so the fix is
         * noticed (then the marker goes). */
        snprintf(path, sizeof path, "%s/%s/open", REGRESS_DIR, dirs[i]);
        int open = access(path, F_OK) == 0;
        snprintf(path, sizeof path, "%s/%s", REGRESS_DIR, dirs[i]);
        size_t n_files, here = 0;
        char **files = list_dir(path, &n_files);
        for (size_t k = 0; k < n_files; k++) {
            if (strncmp(files[k], "input", 5) != 0) continue;
            if (*count == cap) items = realloc(items, (cap *= 2) * sizeof *items);
            replay_item *item = &items[(*count)++];
            snprintf(item->target, sizeof item->target, "%s", target);
            snprintf(item->path, sizeof item->path, "%s/%s/%s", REGRESS_DIR, dirs[i], files[k]);
            item->open = open;
            here++;
        }
        free_list(files, n_files);
        if (!here) fprintf(stderr, "\n%s: no input* file\n", dirs[i]);
        CU_ASSERT(here > 0);
    }
    free_list(dirs, n_dirs);
    return items;
}

static void test_replay_all(void)
{
    size_t count, folders, opened = 0;
    replay_item *items = collect(&count, &folders);
    for (size_t i = 0; i < count; i++) {
        int status = replay(items, i);
        if (items[i].open) {
            if (status == 0)
                fprintf(stderr, "\n%s passes now: remove the folder's `open` file\n", items[i].path);
            else
                printf("\nknown open: %s (see its note.md)\n", items[i].path);
            CU_ASSERT(status != 0);
            opened++;
            continue;
        }
        if (status != 0) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
                fprintf(stderr, "\n%s: target '%s' is not compiled in (stage missing?)\n", items[i].path,
                        items[i].target);
            else
                fprintf(stderr, "\n%s (target %s): %s %d\n", items[i].path, items[i].target,
                        WIFSIGNALED(status) ? "killed by signal" : "exit status",
                        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
        CU_ASSERT_EQUAL(status, 0);
    }
    printf("\nreplayed %zu inputs from %zu folders (%zu known open)\n", count, folders, opened);
    CU_ASSERT(folders > 0);
    free(items);
}

/* The invariants themselves: an input that breaks them must fail the replay (else the test
 * could never fail). A child that aborts is what a regression looks like. */
static void test_replay_detects_failure(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* Silence the expected abort message. */
        if (!freopen("/dev/null", "w", stderr)) _exit(0);
        RP_FUZZ_REQUIRE(0 == 1);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    /* An unknown target is reported, not silently passed. */
    CU_ASSERT_EQUAL(rp_fuzz_run_target("no_such_target", (const uint8_t *)"", 0), 0);
}

/* Every renderer's invariant holds on diagnostics that quote hostile text (in a child: a broken
 * invariant aborts). */
static void test_diag_invariants_on_hostile_text(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        rp_test_run run;
        rp_test_check_text(&run, "h.yaml",
                           "id: x\nname: \"a\\nb\\r::error ::%0A\\u001b[31m\"\ntactics: [\x7f]\n\x1b[2J\n");
        rp_fuzz_check_diags(&run.diags);
        int ok = run.diags.count > 0;
        rp_test_run_free(&run);
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CU_ASSERT_EQUAL(status, 0);
}

/* A bare .kql file gets RP0005 at its first invalid UTF-8 byte, as a YAML file does, and is still
 * checked (compiler/check.c). */
static void test_kql_invalid_utf8(void)
{
    static const struct {
        const char *bytes, *why;
    } cases[] = {{"caf\xe9", "cut short"},       {"\xc0\xaf", "overlong"},
                 {"\xe0\x80\x80", "overlong"},     {"\xed\xa0\x80", "surrogate"},
                 {"\xf4\x90\x80\x80", "U+10FFFF"}, {"\xe2\x82", "cut short"},
                 {"\x80", "no lead byte"},        {"\xff", "never occurs"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "DeviceProcessEvents\n| where FileName == \"%s\" and Nope == 1\n", cases[i].bytes);
        rp_test_run run;
        rp_test_check_text(&run, "q.kql", text);
        const rp_diag *d = rp_test_find(&run, "RP0005");
        CU_ASSERT_PTR_NOT_NULL(d);
        if (d) {
            /* the first bad byte: line 2, after `| where FileName == "` (and "caf") */
            CU_ASSERT_EQUAL(d->line, 2);
            CU_ASSERT_EQUAL(d->column, i == 0 ? 25u : 22u);
            if (!strstr(d->message, cases[i].why)) fprintf(stderr, "\ncase %zu: %s\n", i, d->message);
            CU_ASSERT_PTR_NOT_NULL(strstr(d->message, cases[i].why));
        }
        CU_ASSERT_EQUAL(rp_test_count(&run, "RP0005"), 1);
        CU_ASSERT_PTR_NOT_NULL(rp_test_find(&run, "RP0301")); /* the query is still analysed */
        rp_test_run_free(&run);
    }
    /* valid UTF-8 after a BOM: 2-, 3- and 4-byte sequences, U+2028, U+FFFD */
    rp_test_run run;
    rp_test_check_text(&run, "ok.kql",
                       "\xef\xbb\xbf" "DeviceProcessEvents | where FileName in (\"caf\xc3\xa9\", \"\xe2\x80\xa8\", "
                       "\"\xf0\x9f\x98\x80\", \"\xef\xbf\xbd\", \"\xf4\x8f\xbf\xbf\")\n");
    RP_ASSERT_NO_DIAG(&run, "RP0005");
    rp_test_run_free(&run);
}

#ifdef RP_FUZZ_HAVE_EMIT
/* The emit target's C scanner: it must accept what the emitter writes and reject every way out
 * of a literal or comment (else the invariant proves nothing). */
static void test_c_scanner(void)
{
    static const char *const safe[] = {
        "int x = 1; /* a comment */\n",
        "static const char s[] = \"a\\\"b\\\\c\\?\\?/\\012\\377\"; // line \" ' /*\n",
        "char c = '\\''; char d = '\"'; const char *u = \"\\u00e9\\x41\";\n",
        "/* \"not a string */ int y;\n// last line without newline",
    };
    static const char *const unsafe[] = {
        "const char *s = \"a\nb\";",          /* raw newline in a string */
        "char c = '\n';",                      /* raw newline in a char */
        "const char *s = \"abc",               /* string not closed */
        "const char *s = \"abc\\",             /* escape cut short */
        "const char *s = \"a\\qb\";",          /* invalid escape */
        "const char *s = \"a\\xg\";",          /* \x without a digit */
        "const char *s = \"a??b\";",           /* ?? in a literal */
        "/* x ?\?/\n*/",                       /* trigraph in a comment */
        "/* a /* b */",                        /* nested-looking comment */
        "/* not closed",                       /* comment not closed */
        "// a \\\nint x;",                     /* line splice */
        "#define A 1 \\\r\n",                  /* CRLF splice */
        "const char *s = \"\\u12\";",         /* short universal name */
    };
    size_t at;
    for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++) {
        const char *why = rp_fuzz_c_lex_problem(safe[i], strlen(safe[i]), &at);
        if (why) fprintf(stderr, "\nsafe text %zu rejected: %s at %zu\n", i, why, at);
        CU_ASSERT_PTR_NULL(why);
    }
    for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++) {
        const char *why = rp_fuzz_c_lex_problem(unsafe[i], strlen(unsafe[i]), &at);
        if (!why) fprintf(stderr, "\nunsafe text %zu accepted\n", i);
        CU_ASSERT_PTR_NOT_NULL(why);
    }
    /* a NUL inside the text (strlen would have cut it) */
    CU_ASSERT_PTR_NOT_NULL(rp_fuzz_c_lex_problem("\"a\0b\"", 5, &at));
}
#endif

static CU_TestInfo tests[] = {
    {"every tests/regress input replays cleanly", test_replay_all},
    {"a broken invariant fails the replay", test_replay_detects_failure},
    {"diagnostic invariants on hostile text", test_diag_invariants_on_hostile_text},
    {"bare .kql: RP0005 at the first invalid UTF-8 byte", test_kql_invalid_utf8},
#ifdef RP_FUZZ_HAVE_EMIT
    {"the emit target's C scanner rejects every way out of a literal or comment", test_c_scanner},
#endif
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("regress", tests)
