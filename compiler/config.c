/* config.c: .rulepack.yaml (see config.h).
 *
 * Two passes: the positioned YAML loader (yaml_doc.c) first, so that an unknown key, an unknown
 * code or a bad value is reported at its line and column (libcyaml's errors carry no position);
 * then libcyaml loads the typed structure. The severity mapping's libcyaml schema has one
 * optional field per diagnostic code, generated from diag_codes.def. */
#include "config.h"

#include <cyaml/cyaml.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suggest.h"
#include "yaml_doc.h"

/* ---- the typed form libcyaml fills ---- */

typedef struct severity_map {
    char *by_code[RP_DIAG_COUNT]; /* "error", "warning", "note", "off", or NULL */
} severity_map;

typedef struct config_file {
    char **ignore;
    unsigned ignore_count;
    char **schema;
    unsigned schema_count;
    severity_map *severity;
} config_file;

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t severity_fields[] = {
#define RP_DIAG(code, sev, slug, summary)                                                          \
    CYAML_FIELD_STRING_PTR(#code, CYAML_FLAG_OPTIONAL, severity_map, by_code[code], 0, CYAML_UNLIMITED),
#include "diag_codes.def"
#undef RP_DIAG
    CYAML_FIELD_END};

static const cyaml_schema_field_t config_fields[] = {
    CYAML_FIELD_SEQUENCE("ignore", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, config_file, ignore,
                         &string_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("schema", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, config_file, schema,
                         &string_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("severity", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, config_file,
                            severity, severity_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t config_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, config_file, config_fields),
};

typedef struct cyaml_log_capture {
    char message[256];
} cyaml_log_capture;

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    cyaml_log_capture *capture = ctx;
    if (level >= CYAML_LOG_ERROR && !capture->message[0]) {
        vsnprintf(capture->message, sizeof capture->message, fmt, args);
        size_t n = strlen(capture->message);
        while (n && (capture->message[n - 1] == '\n' || capture->message[n - 1] == ' '))
            capture->message[--n] = '\0';
    }
}

/* ---- pass 1: positions ---- */

static const char *const config_keys[] = {"ignore", "schema", "severity"};

static int validate_string_list(rp_ctx *ctx, const rp_ynode *value, const char *key)
{
    value = rp_ynode_resolve(value);
    if (!value || value->kind != RP_Y_SEQUENCE) {
        rp_diag *d = rp_report(ctx, RP0702, value ? value->span : ctx->src ? rp_span_make(ctx->src, 0, 0) : (rp_span){0},
                               "'%s' must be a list of strings, found %s", key, rp_ynode_kind_name(value));
        rp_diag_set_hint(d, "write it as `%s: [first, second]`", key);
        return 0;
    }
    int ok = 1;
    for (size_t i = 0; i < value->count; i++) {
        const rp_ynode *item = rp_ynode_resolve(value->items[i]);
        if (!item || item->kind != RP_Y_SCALAR) {
            rp_report(ctx, RP0702, value->items[i]->span, "'%s' entries must be strings, found %s",
                      key, rp_ynode_kind_name(item));
            ok = 0;
        }
    }
    return ok;
}

static int validate(rp_ctx *ctx, const rp_ynode *root)
{
    int ok = 1;
    root = rp_ynode_resolve(root);
    if (!root) return 1; /* empty file: no settings */
    if (root->kind != RP_Y_MAPPING) {
        rp_report(ctx, RP0702, root->span, "the configuration must be a mapping, found %s",
                  rp_ynode_kind_name(root));
        return 0;
    }
    for (size_t i = 0; i < root->count; i++) {
        const rp_ynode *key = root->pairs[i].key, *value = root->pairs[i].value;
        const char *name = key->kind == RP_Y_SCALAR ? key->value : "";
        if (strcmp(name, "ignore") == 0 || strcmp(name, "schema") == 0) {
            ok &= validate_string_list(ctx, value, name);
        } else if (strcmp(name, "severity") == 0) {
            const rp_ynode *map = rp_ynode_resolve(value);
            if (!map || map->kind != RP_Y_MAPPING) {
                rp_report(ctx, RP0702, value->span, "'severity' must map codes to levels, found %s",
                          rp_ynode_kind_name(map));
                ok = 0;
                continue;
            }
            for (size_t j = 0; j < map->count; j++) {
                const rp_ynode *code = map->pairs[j].key;
                const rp_ynode *level = rp_ynode_resolve(map->pairs[j].value);
                const char *code_text = code->kind == RP_Y_SCALAR ? code->value : "";
                rp_diag_code found = rp_diag_code_from_text(code_text);
                if (found == RP_DIAG_COUNT || strcmp(rp_diag_info_of(found)->code, code_text) != 0) {
                    rp_diag *d = rp_report(ctx, RP0703, code->span, "unknown diagnostic code '%s'", code_text);
                    if (found != RP_DIAG_COUNT)
                        rp_diag_set_hint(d, "'%s' is the name of %s; use the code", code_text,
                                         rp_diag_info_of(found)->code);
                    else
                        rp_diag_set_hint(d, "`rulepack codes` lists every code");
                    ok = 0;
                }
                if (!level || level->kind != RP_Y_SCALAR ||
                    !(rp_yscalar_is(level, "error") || rp_yscalar_is(level, "warning") ||
                      rp_yscalar_is(level, "note") || rp_yscalar_is(level, "off"))) {
                    rp_report(ctx, RP0704, map->pairs[j].value->span,
                              "severity must be error, warning, note or off");
                    ok = 0;
                }
            }
        } else {
            rp_suggest suggest;
            rp_suggest_init(&suggest, name);
            for (size_t k = 0; k < sizeof config_keys / sizeof config_keys[0]; k++)
                rp_suggest_consider(&suggest, config_keys[k]);
            rp_diag *d = rp_report(ctx, RP0701, key->span, "unknown key '%s' in the configuration", name);
            if (rp_suggest_result(&suggest))
                rp_diag_set_hint(d, "did you mean '%s'?", rp_suggest_result(&suggest));
            else
                rp_diag_set_hint(d, "known keys: ignore, schema, severity");
            ok = 0;
        }
    }
    return ok;
}

/* ---- finding and loading ---- */

static int file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

static char *find_config(void)
{
    char dir[4096];
    if (!getcwd(dir, sizeof dir)) return NULL;
    for (;;) {
        char *candidate = rp_xprintf("%s/.rulepack.yaml", strcmp(dir, "/") == 0 ? "" : dir);
        if (file_exists(candidate)) return candidate;
        free(candidate);
        char *git = rp_xprintf("%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
        struct stat info;
        int at_root = stat(git, &info) == 0;
        free(git);
        char *slash = strrchr(dir, '/');
        if (at_root || !slash || slash == dir) return NULL;
        *slash = '\0';
    }
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return rp_xstrdup(".");
    if (slash == path) return rp_xstrdup("/");
    return rp_xstrndup(path, (size_t)(slash - path));
}

static void apply(rp_config *config, config_file *file, rp_diag_sink *diags)
{
    for (unsigned i = 0; i < file->ignore_count; i++) {
        config->ignore = rp_xrealloc(config->ignore, (config->ignore_count + 1) * sizeof(char *));
        config->ignore[config->ignore_count++] = rp_xstrdup(file->ignore[i]);
    }
    for (unsigned i = 0; i < file->schema_count; i++) {
        config->schema_dirs = rp_xrealloc(config->schema_dirs, (config->schema_dir_count + 1) * sizeof(char *));
        const char *dir = file->schema[i];
        config->schema_dirs[config->schema_dir_count++] =
            dir[0] == '/' ? rp_xstrdup(dir) : rp_xprintf("%s/%s", config->root_dir, dir);
    }
    if (file->severity)
        for (int code = 0; code < RP_DIAG_COUNT; code++) {
            const char *level = file->severity->by_code[code];
            if (!level) continue;
            diags->override[code] = strcmp(level, "error") == 0     ? RP_SEV_ERROR
                                    : strcmp(level, "warning") == 0 ? RP_SEV_WARNING
                                    : strcmp(level, "note") == 0    ? RP_SEV_NOTE
                                                                    : RP_SEV_OFF;
        }
}

rp_config *rp_config_load(const char *path, rp_diag_sink *diags)
{
    rp_config *config = rp_xcalloc(1, sizeof *config);
    char *found = path ? rp_xstrdup(path) : find_config();
    if (!found) return config;
    config->path = found;
    config->root_dir = dir_of(found);

    rp_ctx ctx = {0};
    ctx.arena = rp_arena_new();
    ctx.diags = diags;
    char error[256];
    int too_large = 0;
    rp_source *src = rp_source_read_file(ctx.arena, found, &too_large, error, sizeof error);
    if (!src) {
        rp_diag_report_at(diags, RP0705, found, 0, 0, "cannot read the configuration: %s", error);
        rp_arena_free(ctx.arena);
        return config;
    }
    ctx.src = src;
    size_t errors_before = diags->errors;
    rp_ydoc *doc = rp_yaml_load(&ctx, src);
    if (diags->errors == errors_before && validate(&ctx, doc->root) && doc->root) {
        cyaml_log_capture capture = {{0}};
        cyaml_config_t cyaml_config = {.log_fn = capture_log, .log_ctx = &capture,
                                       .mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR,
                                       .flags = CYAML_CFG_DEFAULT};
        config_file *file = NULL;
        cyaml_err_t err = cyaml_load_data((const uint8_t *)src->text, src->len, &cyaml_config,
                                          &config_schema, (cyaml_data_t **)&file, NULL);
        if (err != CYAML_OK) {
            rp_diag_report_at(diags, RP0705, found, 0, 0, "cannot load the configuration: %s%s%s",
                              cyaml_strerror(err), capture.message[0] ? ": " : "", capture.message);
        } else {
            apply(config, file, diags);
            cyaml_free(&cyaml_config, &config_schema, file, 0);
        }
    }
    rp_arena_free(ctx.arena);
    return config;
}

/* A pattern matches a path when it matches the path, or any tail of it that starts at a
 * folder boundary: `_Templates/` skips every file under any folder named _Templates,
 * `*.draft.yaml` any file with that ending, `Detections/Old/` that folder. */
int rp_config_is_ignored(const rp_config *config, const char *path)
{
    if (!config) return 0;
    for (unsigned i = 0; i < config->ignore_count; i++) {
        const char *pattern = config->ignore[i];
        size_t plen = strlen(pattern);
        int folder = plen > 0 && pattern[plen - 1] == '/';
        for (const char *tail = path; tail; tail = strchr(tail, '/')) {
            if (*tail == '/') tail++;
            if (folder) {
                /* folder pattern: the tail starts with it (the folder or anything below) */
                char *bare = rp_xstrndup(pattern, plen - 1);
                size_t blen = plen - 1;
                int match = (strncmp(tail, bare, blen) == 0 && (tail[blen] == '/' || tail[blen] == '\0')) ||
                            fnmatch(bare, tail, FNM_PATHNAME) == 0;
                if (!match) {
                    const char *slash = strchr(tail, '/');
                    if (slash) {
                        char *head = rp_xstrndup(tail, (size_t)(slash - tail));
                        match = fnmatch(bare, head, 0) == 0;
                        free(head);
                    }
                }
                free(bare);
                if (match) return 1;
            } else if (fnmatch(pattern, tail, FNM_PATHNAME) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

void rp_config_free(rp_config *config)
{
    if (!config) return;
    for (unsigned i = 0; i < config->ignore_count; i++) free(config->ignore[i]);
    for (unsigned i = 0; i < config->schema_dir_count; i++) free(config->schema_dirs[i]);
    free(config->ignore);
    free(config->schema_dirs);
    free(config->path);
    free(config->root_dir);
    free(config);
}
