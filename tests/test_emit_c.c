/* test_emit_c.c: the C emitter's safety rules. Rule text can never escape a C string literal or
 * a comment (hostile strings: quotes, backslashes, trigraphs, newlines, NUL, comment closers,
 * bytes >= 0x80), identifiers are valid, sanitized and unique, and a whole generated pack with
 * hostile names and needles compiles with -Werror -pedantic. */
#include <unistd.h>

#include "emit_c.h"
#include "ir.h"
#include "test_util.h"

/* Decodes a C string literal as a C11 compiler would (simple, octal and hex escapes); returns
 * the length, or -1 when the literal is malformed or could form a trigraph. */
static long decode_literal(const char *lit, char *out)
{
    size_t n = strlen(lit), o = 0;
    if (n < 2 || lit[0] != '"' || lit[n - 1] != '"') return -1;
    if (strstr(lit, "?\?")) return -1; /* a trigraph could form */
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        if (c < 0x20 || c >= 0x7f) return -1; /* raw control or non-ASCII byte */
        if (c == '"') return -1;                /* unescaped quote ends the literal early */
        if (c != '\\') {
            out[o++] = (char)c;
            continue;
        }
        c = (unsigned char)lit[++i];
        if (c >= '0' && c <= '7') {
            int v = 0, k = 0;
            while (k < 3 && lit[i] >= '0' && lit[i] <= '7') v = v * 8 + (lit[i++] - '0'), k++;
            i--;
            out[o++] = (char)v;
        } else if (c == '"' || c == '\\' || c == '?' || c == '\'') {
            out[o++] = (char)c;
        } else if (c == 'n') {
            out[o++] = '\n';
        } else {
            return -1;
        }
    }
    return (long)o;
}

static const struct {
    const char *s;
    size_t len;
} hostile[] = {
    {"plain", 5},
    {"quote \" and backslash \\ end\\", 29},
    {"trigraph ?\?/ and ?\?= and ?\??", 28},
    {"new\nline\r\ttab", 13},
    {"nul\0inside", 10},
    {"comment */ closer /* opener", 27},
    {"\xc3\xa9t\xc3\xa9 \xff\x80", 9},
    {"octal follow \0" "123", 17},
    {"", 0},
};

static void test_literal_roundtrip(void)
{
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        rp_arena *a = rp_arena_new();
        char *lit = rp_emit_c_literal(a, hostile[i].s, hostile[i].len);
        char out[256];
        long n = decode_literal(lit, out);
        CU_ASSERT_EQUAL_FATAL(n, (long)hostile[i].len);
        CU_ASSERT(memcmp(out, hostile[i].s, hostile[i].len) == 0);
        rp_arena_free(a);
    }
}

static void test_literal_escapes(void)
{
    rp_arena *a = rp_arena_new();
    CU_ASSERT_STRING_EQUAL(rp_emit_c_literal(a, "a\"b", 3), "\"a\\\"b\"");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_literal(a, "?\?/", 3), "\"\\?\\?/\"");
    /* a NUL followed by digits stays a NUL: three-digit octal cannot be extended */
    CU_ASSERT_STRING_EQUAL(rp_emit_c_literal(a, "\0" "1", 2), "\"\\0001\"");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_literal(a, "\n", 1), "\"\\012\"");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_literal(a, "\xe9", 1), "\"\\351\"");
    rp_arena_free(a);
}

static void test_comment_safe(void)
{
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        rp_arena *a = rp_arena_new();
        char *c = rp_emit_c_comment(a, hostile[i].s, hostile[i].len);
        CU_ASSERT_PTR_NULL(strstr(c, "*/"));
        CU_ASSERT_PTR_NULL(strstr(c, "/*"));
        CU_ASSERT_PTR_NULL(strstr(c, "?\?"));
        size_t n = strlen(c);
        for (size_t k = 0; k < n; k++) CU_ASSERT((unsigned char)c[k] >= 0x20 && (unsigned char)c[k] < 0x7f);
        CU_ASSERT(n == 0 || c[n - 1] != '\\');
        rp_arena_free(a);
    }
    rp_arena *a = rp_arena_new();
    CU_ASSERT_STRING_EQUAL(rp_emit_c_comment(a, "a*/b", 4), "a* /b");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_comment(a, "x\\", 2), "x\\x5c");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_comment(a, "l1\nl2", 5), "l1\\x0al2");
    rp_arena_free(a);
}

static int valid_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return strstr(s, "__") == NULL;
}

static void test_ident(void)
{
    rp_arena *a = rp_arena_new();
    rp_emit_c_names names = {0};
    char *g = rp_emit_c_ident(a, &names, "rp_rule_", "7306e156-49a7-4ff6-9d8f-d6e6d531e426");
    CU_ASSERT_STRING_EQUAL(g, "rp_rule_7306e156_49a7_4ff6_9d8f_d6e6d531e426");
    /* collisions: the same sanitized form gets _2, _3; an explicit "_2" form does not clash */
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", "a-b"), "rp_rule_a_b");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", "a b"), "rp_rule_a_b_2");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", "a_b_2"), "rp_rule_a_b_2_2");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", "a*/b"), "rp_rule_a_b_3");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", ""), "rp_rule_rule");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", "\"?\?/\n"), "rp_rule_rule_2");
    CU_ASSERT_STRING_EQUAL(rp_emit_c_ident(a, &names, "rp_rule_", NULL), "rp_rule_rule_3");
    char *longname = rp_emit_c_ident(a, &names, "C_", "x123456789x123456789x123456789x123456789x123456789x123456789");
    CU_ASSERT(strlen(longname) <= 2 + 48);
    const char *odd[] = {"__lead", "trail__", "\xc3\xa9t\xc3\xa9", "9starts", "--"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) CU_ASSERT(valid_ident(rp_emit_c_ident(a, &names, "rp_rule_", odd[i])));
    /* every name given out is distinct */
    for (size_t i = 0; i < names.count; i++)
        for (size_t k = i + 1; k < names.count; k++) CU_ASSERT(strcmp(names.names[i], names.names[k]) != 0);
    rp_arena_free(a);
}

/* A one-rule IR: T | where Col <op> "<needle>", with hostile id, name and needle. */
static rp_ir_rule *hostile_rule(rp_arena *a, const char *id, const char *name, const char *needle, size_t nlen)
{
    rp_ir_rule *r = rp_ir_rule_new(a);
    r->rule_id = id;
    r->name = name;
    r->path = "rules/x.yaml";
    r->table = "T\"*/";
    rp_span z = {0};
    rp_ir_source *src = rp_ir_add_source(a, r, "T\"*/", z);
    int slot = rp_ir_add_input(a, r, src, "Col\"?\?/", RP_TYPE_STRING);
    rp_ir_stage *st = rp_ir_add_stage(a, &src->stages, &src->nstages, RP_IR_FILTER, z);
    st->pred = rp_ir_str(a, RP_IR_S_HAS, 1, 0, rp_ir_colref(a, "Col\"?\?/", slot, RP_TYPE_STRING, z),
                         rp_ir_const_string(a, needle, nlen, z), z);
    src->out.event_star = 1;
    r->out.event_star = 1;
    return r;
}

static void test_pack_compiles(void)
{
    rp_arena *a = rp_arena_new();
    rp_emit_c_input in[3] = {{0}};
    in[0].ir = hostile_rule(a, "id */ \"?\?/", "name */ /* \n \\", "ne\"ed?\?/le*/\n", 13);
    in[0].id = in[0].ir->rule_id;
    in[0].name = in[0].ir->name;
    in[0].file = "rules/x*/.yaml";
    in[0].severity = "High\"*/";
    in[1].ir = hostile_rule(a, "id-*/-\"?\?/", "same slug", "\xff\x80\0z", 4); /* same identifier stem */
    in[1].id = in[1].ir->rule_id;
    in[1].name = in[1].ir->name;
    in[1].file = "rules/y.yaml";
    in[1].order = 1;
    rp_ir_rule *partial = hostile_rule(a, "zz", "partial", "x", 1);
    partial->status = RP_IR_PARTIAL;
    partial->why = "join at 3:1";
    in[2].ir = partial;
    in[2].id = "zz";
    in[2].name = "partial";
    in[2].order = 2;
    rp_emit_c_output out;
    rp_emit_c_pack(a, in, 3, "rules/ */ ?\?/", &out);
    CU_ASSERT_EQUAL(out.compiled, 2);
    CU_ASSERT_PTR_NULL(out.why[0]);
    CU_ASSERT_PTR_NULL(out.why[1]);
    CU_ASSERT_PTR_NOT_NULL(out.why[2]);
    CU_ASSERT_PTR_NOT_NULL(strstr(out.rules_c, "#if RP_RUNTIME_ABI != "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out.rules_c, "/* --- string tables --- */"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out.rules_c, "/* [0] = "));
    /* determinism: the same input gives the same bytes */
    rp_emit_c_output again;
    rp_emit_c_pack(a, in, 3, "rules/ */ ?\?/", &again);
    CU_ASSERT_STRING_EQUAL(out.rules_c, again.rules_c);
    /* the generated code compiles under -Werror -pedantic */
    char dir[] = "/tmp/rp-emit-c-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    const char *files[] = {"rules.c", "rules.h", "rules_rt.h", "matcher.c"};
    const char *texts[] = {out.rules_c, out.rules_h, out.rules_rt_h, out.matcher_c};
    char path[600];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(texts[i], f);
        fclose(f);
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && cc -std=c11 -Wall -Wextra -Werror -pedantic -Wtrigraphs -fsyntax-only -I%s/compiler/runtime "
             "-I%s/compiler rules.c matcher.c > cc.log 2>&1",
             dir, getenv("PWD") ? getenv("PWD") : ".", getenv("PWD") ? getenv("PWD") : ".");
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat %s/cc.log", dir);
        (void)system(cmd);
    }
    CU_ASSERT_EQUAL(rc, 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)system(cmd);
    rp_arena_free(a);
}

static CU_TestInfo tests[] = {
    {"C literals round-trip hostile strings", test_literal_roundtrip},
    {"C literal escapes", test_literal_escapes},
    {"comments cannot be closed or spliced", test_comment_safe},
    {"identifiers: sanitized, unique", test_ident},
    {"a hostile pack compiles with -Werror -pedantic", test_pack_compiles},
    CU_TEST_INFO_NULL,
};

RP_TEST_MAIN("emit_c", tests)
