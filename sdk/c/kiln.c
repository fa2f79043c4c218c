/* kiln.c: the C SDK's implementation over the bindings that `wit-bindgen c`
 * generates for `kiln:plugin/action@0.2.0` (action.h / action.c). See kiln.h
 * for the API and its memory rules.
 *
 * Canonical ABI ownership, as the generated code implements it:
 *   - The `run` export's argument (the context) is allocated by the host
 *     through `cabi_realloc` (realloc) and owned by us: we free it with
 *     `action_context_free` once the plugin's `kiln_run` returns.
 *   - The exports' return values must be heap memory: the generated
 *     `cabi_post_*` functions free every string and list of length > 0 after
 *     the host has copied them.
 *   - Arguments to imports are borrowed; results of imports are ours.
 */
#include "kiln.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "action.h"

/* ---- Strings -------------------------------------------------------------- */

static char *vformat(const char *fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) n = 0;
    char *out = malloc((size_t)n + 1);
    if (!out) return NULL;
    vsnprintf(out, (size_t)n + 1, fmt, args);
    return out;
}

char *kiln_format(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char *out = vformat(fmt, args);
    va_end(args);
    return out;
}

char *kiln_path_join(const char *dir, const char *rel) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    while (*rel == '/') rel++;
    return kiln_format("%.*s/%s", (int)n, dir, rel);
}

/* A heap copy of a C string as a WIT string (never a literal: exports'
 * results are freed by post-return). */
static action_string_t owned(const char *s) {
    action_string_t out = {0};
    if (s && *s) action_string_dup(&out, s);
    return out;
}

/* A borrowed view of a C string, for arguments to imports. */
static action_string_t borrowed(const char *s) {
    action_string_t out = {(uint8_t *)s, s ? strlen(s) : 0};
    return out;
}

/* Makes a WIT string the host gave us NUL-terminated in place, and returns
 * it as a C string; it stays owned by `s`. */
static const char *terminate(action_string_t *s) {
    if (s->len == 0) return "";
    uint8_t *p = realloc(s->ptr, s->len + 1);
    if (!p) abort();
    p[s->len] = '\0';
    s->ptr = p;
    return (const char *)p;
}

/* A new C string from a WIT string the host returned to us; frees `s`. */
static char *take(action_string_t *s) {
    if (s->len == 0) return calloc(1, 1);
    char *out = (char *)terminate(s);
    s->ptr = NULL;
    s->len = 0;
    return out;
}

/* ---- Results ------------------------------------------------------------- */

static kiln_result result(bool ok, char *message) {
    kiln_result r = {ok, message};
    return r;
}

kiln_result kiln_ok(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char *message = vformat(fmt, args);
    va_end(args);
    return result(true, message);
}

kiln_result kiln_err(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char *message = vformat(fmt, args);
    va_end(args);
    return result(false, message);
}

kiln_result kiln_err_errno(const char *fmt, ...) {
    int saved = errno;
    va_list args;
    va_start(args, fmt);
    char *prefix = vformat(fmt, args);
    va_end(args);
    char *message = kiln_format("%s: %s", prefix ? prefix : "error", strerror(saved));
    free(prefix);
    return result(false, message);
}

/* ---- describe ------------------------------------------------------------ */

struct kiln_desc {
    action_plugin_info_t *info;
    size_t params_cap;
    size_t grants_cap;
};

static void replace(action_string_t *field, const char *value) {
    action_string_free(field);
    *field = owned(value);
}

void kiln_desc_set(kiln_desc *d, const char *name, const char *version, const char *summary) {
    replace(&d->info->name, name);
    replace(&d->info->version, version);
    replace(&d->info->summary, summary);
}

void kiln_desc_param(kiln_desc *d, const char *name, const char *description, bool required,
                     const char *default_value) {
    kiln_plugin_types_list_param_spec_t *list = &d->info->params;
    if (list->len == d->params_cap) {
        d->params_cap = d->params_cap ? d->params_cap * 2 : 8;
        list->ptr = realloc(list->ptr, d->params_cap * sizeof *list->ptr);
        if (!list->ptr) abort();
    }
    kiln_plugin_types_param_spec_t *spec = &list->ptr[list->len++];
    memset(spec, 0, sizeof *spec);
    spec->name = owned(name);
    spec->description = owned(description);
    spec->required = required;
    if (default_value) {
        spec->default_.is_some = true;
        spec->default_.val = owned(default_value);
    }
}

static kiln_plugin_types_grant_request_t *grant(kiln_desc *d, uint8_t tag) {
    kiln_plugin_types_list_grant_request_t *list = &d->info->grants;
    if (list->len == d->grants_cap) {
        d->grants_cap = d->grants_cap ? d->grants_cap * 2 : 4;
        list->ptr = realloc(list->ptr, d->grants_cap * sizeof *list->ptr);
        if (!list->ptr) abort();
    }
    kiln_plugin_types_grant_request_t *g = &list->ptr[list->len++];
    memset(g, 0, sizeof *g);
    g->tag = tag;
    return g;
}

void kiln_desc_grant_workspace_write(kiln_desc *d) {
    grant(d, KILN_PLUGIN_TYPES_GRANT_REQUEST_WORKSPACE_WRITE);
}

void kiln_desc_grant_path(kiln_desc *d, const char *name, bool writable) {
    kiln_plugin_types_grant_request_t *g = grant(d, KILN_PLUGIN_TYPES_GRANT_REQUEST_PATH);
    g->val.path.name = owned(name);
    g->val.path.access =
        writable ? KILN_PLUGIN_TYPES_ACCESS_READ_WRITE : KILN_PLUGIN_TYPES_ACCESS_READ_ONLY;
}

void kiln_desc_grant_exec(kiln_desc *d, const char *program) {
    grant(d, KILN_PLUGIN_TYPES_GRANT_REQUEST_EXEC)->val.exec = owned(program);
}

void kiln_desc_grant_network(kiln_desc *d) {
    grant(d, KILN_PLUGIN_TYPES_GRANT_REQUEST_NETWORK);
}

void kiln_desc_grant_secret(kiln_desc *d, const char *name) {
    grant(d, KILN_PLUGIN_TYPES_GRANT_REQUEST_SECRET)->val.secret = owned(name);
}

/* The world's `describe` export. `ret` is handed to the host; the generated
 * post-return frees it. */
void exports_action_describe(action_plugin_info_t *ret) {
    memset(ret, 0, sizeof *ret);
    kiln_desc d = {ret, 0, 0};
    kiln_describe(&d);
    /* Trailing capacity is fine: post-return frees each list pointer once. */
}

/* ---- run ----------------------------------------------------------------- */

/* The world's `run` export: owns `wit`, which it frees before returning. */
bool exports_action_run(action_context_t *wit, action_string_t *ok, action_string_t *err) {
    kiln_ctx ctx = {0};
    ctx.run_id = terminate(&wit->run_id);
    ctx.pipeline = terminate(&wit->pipeline);
    ctx.stage = terminate(&wit->stage);
    ctx.action = terminate(&wit->action);
    ctx.attempt = wit->attempt;

    kiln_param_entry *params = calloc(wit->params.len + 1, sizeof *params);
    kiln_input *inputs = calloc(wit->inputs.len + 1, sizeof *inputs);
    kiln_output *outputs = calloc(wit->outputs.len + 1, sizeof *outputs);
    if (!params || !inputs || !outputs) abort();
    for (size_t i = 0; i < wit->params.len; i++) {
        params[i].name = terminate(&wit->params.ptr[i].f0);
        params[i].value = terminate(&wit->params.ptr[i].f1);
    }
    for (size_t i = 0; i < wit->inputs.len; i++) {
        inputs[i].name = terminate(&wit->inputs.ptr[i].name);
        inputs[i].digest = terminate(&wit->inputs.ptr[i].digest);
        inputs[i].path = terminate(&wit->inputs.ptr[i].path);
    }
    for (size_t i = 0; i < wit->outputs.len; i++) {
        outputs[i].name = terminate(&wit->outputs.ptr[i].name);
        outputs[i].path = terminate(&wit->outputs.ptr[i].path);
    }
    ctx.n_params = wit->params.len;
    ctx.params = params;
    ctx.n_inputs = wit->inputs.len;
    ctx.inputs = inputs;
    ctx.n_outputs = wit->outputs.len;
    ctx.outputs = outputs;

    kiln_result r = kiln_run(&ctx);

    /* A reactor never exits, so nothing else flushes what the plugin
     * printed without a final newline. */
    fflush(stdout);
    fflush(stderr);

    free(params);
    free(inputs);
    free(outputs);
    action_context_free(wit);

    /* Hand the message over: post-return frees it when its length is > 0. */
    char *message = r.message ? r.message : (r.ok ? NULL : kiln_format("failed"));
    action_string_t out = {0};
    if (message && *message) {
        out.ptr = (uint8_t *)message;
        out.len = strlen(message);
    } else {
        free(message);
    }
    if (r.ok) {
        *ok = out;
    } else {
        *err = out;
    }
    return r.ok;
}

/* ---- Parameters ------------------------------------------------------------ */

static const kiln_param_entry *find_param(const kiln_ctx *ctx, const char *name) {
    for (size_t i = 0; i < ctx->n_params; i++) {
        if (strcmp(ctx->params[i].name, name) == 0) return &ctx->params[i];
    }
    return NULL;
}

const char *kiln_param(const kiln_ctx *ctx, const char *name, const char *fallback) {
    const kiln_param_entry *p = find_param(ctx, name);
    return p ? p->value : fallback;
}

bool kiln_param_bool(const kiln_ctx *ctx, const char *name, bool fallback, bool *out) {
    const kiln_param_entry *p = find_param(ctx, name);
    *out = fallback;
    if (!p) return true;
    static const char *yes[] = {"true", "yes", "on", "1"};
    static const char *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(p->value, yes[i]) == 0) return *out = true, true;
        if (strcasecmp(p->value, no[i]) == 0) return *out = false, true;
    }
    return false;
}

bool kiln_param_int(const kiln_ctx *ctx, const char *name, long long fallback, long long *out) {
    const kiln_param_entry *p = find_param(ctx, name);
    *out = fallback;
    if (!p) return true;
    char *end;
    errno = 0;
    long long value = strtoll(p->value, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (errno || end == p->value || *end) return false;
    *out = value;
    return true;
}

typedef struct {
    char **items;
    size_t len, cap;
} strv;

static void strv_push(strv *v, const char *s, size_t n) {
    if (v->len + 1 >= v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = realloc(v->items, v->cap * sizeof *v->items);
        if (!v->items) abort();
    }
    char *copy = malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, s, n);
    copy[n] = '\0';
    v->items[v->len++] = copy;
    v->items[v->len] = NULL;
}

static void push_trimmed(strv *v, const char *start, const char *end) {
    while (start < end && isspace((unsigned char)*start)) start++;
    while (end > start && isspace((unsigned char)end[-1])) end--;
    if (end > start) strv_push(v, start, (size_t)(end - start));
}

/* The flat JSON arrays the host sends (strings with escapes, numbers,
 * booleans), or a comma-separated scalar; like the Rust SDK's parse_list. */
size_t kiln_param_list(const kiln_ctx *ctx, const char *name, char ***items) {
    strv v = {0};
    v.cap = 1;
    v.items = calloc(1, sizeof *v.items);
    if (!v.items) abort();
    const char *text = kiln_param(ctx, name, NULL);
    if (text) {
        const char *s = text, *e = text + strlen(text);
        while (s < e && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        if (e - s >= 2 && *s == '[' && e[-1] == ']') {
            const char *p = s + 1, *end = e - 1;
            while (p < end) {
                while (p < end && (isspace((unsigned char)*p) || *p == ',')) p++;
                if (p >= end) break;
                if (*p == '"') {
                    /* Decode into a scratch buffer no longer than the input. */
                    char *buf = malloc((size_t)(end - p) + 1);
                    if (!buf) abort();
                    size_t n = 0;
                    for (p++; p < end && *p != '"'; p++) {
                        if (*p != '\\' || p + 1 >= end) {
                            buf[n++] = *p;
                            continue;
                        }
                        p++;
                        switch (*p) {
                        case 'n': buf[n++] = '\n'; break;
                        case 't': buf[n++] = '\t'; break;
                        case 'r': buf[n++] = '\r'; break;
                        case 'u': {
                            unsigned code = 0;
                            int k = 0;
                            for (; k < 4 && p + 1 < end && isxdigit((unsigned char)p[1]); k++) {
                                p++;
                                code = code * 16 + (unsigned)(isdigit((unsigned char)*p)
                                                                  ? *p - '0'
                                                                  : (tolower((unsigned char)*p) - 'a' + 10));
                            }
                            /* UTF-8 encode the BMP code point (no surrogate pairs). */
                            if (code < 0x80) {
                                buf[n++] = (char)code;
                            } else if (code < 0x800) {
                                buf[n++] = (char)(0xc0 | code >> 6);
                                buf[n++] = (char)(0x80 | (code & 0x3f));
                            } else {
                                buf[n++] = (char)(0xe0 | code >> 12);
                                buf[n++] = (char)(0x80 | ((code >> 6) & 0x3f));
                                buf[n++] = (char)(0x80 | (code & 0x3f));
                            }
                            break;
                        }
                        default: buf[n++] = *p; break;
                        }
                    }
                    if (p < end) p++; /* closing quote */
                    strv_push(&v, buf, n);
                    free(buf);
                } else {
                    const char *start = p;
                    while (p < end && *p != ',') p++;
                    push_trimmed(&v, start, p);
                }
            }
        } else {
            const char *p = s;
            while (p < e) {
                const char *start = p;
                while (p < e && *p != ',') p++;
                push_trimmed(&v, start, p);
                if (p < e) p++;
            }
        }
    }
    *items = v.items;
    return v.len;
}

void kiln_strv_free(char **items) {
    if (!items) return;
    for (char **p = items; *p; p++) free(*p);
    free(items);
}

/* ---- Artifacts -------------------------------------------------------------- */

const kiln_input *kiln_input_named(const kiln_ctx *ctx, const char *name) {
    for (size_t i = 0; i < ctx->n_inputs; i++) {
        if (strcmp(ctx->inputs[i].name, name) == 0) return &ctx->inputs[i];
    }
    return NULL;
}

const kiln_output *kiln_output_named(const kiln_ctx *ctx, const char *name) {
    for (size_t i = 0; i < ctx->n_outputs; i++) {
        if (strcmp(ctx->outputs[i].name, name) == 0) return &ctx->outputs[i];
    }
    return NULL;
}

const kiln_output *kiln_single_output(const kiln_ctx *ctx) {
    return ctx->n_outputs == 1 ? &ctx->outputs[0] : NULL;
}

/* ---- Log ------------------------------------------------------------------ */

static void vlog(kiln_level level, const char *fmt, va_list args) {
    char *message = vformat(fmt, args);
    if (!message) return;
    action_string_t s = borrowed(message);
    kiln_plugin_log_log((kiln_plugin_log_level_t)level, &s);
    free(message);
}

void kiln_log(kiln_level level, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vlog(level, fmt, args);
    va_end(args);
}

#define LOG_FN(fn, level)                   \
    void fn(const char *fmt, ...) {         \
        va_list args;                       \
        va_start(args, fmt);                \
        vlog(level, fmt, args);             \
        va_end(args);                       \
    }
LOG_FN(kiln_log_trace, KILN_TRACE)
LOG_FN(kiln_log_debug, KILN_DEBUG)
LOG_FN(kiln_log_info, KILN_INFO)
LOG_FN(kiln_log_warn, KILN_WARN)
LOG_FN(kiln_log_error, KILN_ERROR)

_Static_assert(KILN_TRACE == KILN_PLUGIN_LOG_LEVEL_TRACE && KILN_INFO == KILN_PLUGIN_LOG_LEVEL_INFO &&
                   KILN_ERROR == KILN_PLUGIN_LOG_LEVEL_ERROR,
               "kiln_level matches the WIT enum");

void kiln_progress(uint64_t done, uint64_t total, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char *message = vformat(fmt, args);
    va_end(args);
    if (!message) return;
    action_string_t s = borrowed(message);
    kiln_plugin_log_progress(done, total, &s);
    free(message);
}

/* ---- Secrets and host programs -------------------------------------------- */

char *kiln_secret(const char *name, char **error) {
    action_string_t wit_name = borrowed(name);
    action_string_t value = {0};
    kiln_plugin_secrets_error_t err;
    if (kiln_plugin_secrets_get(&wit_name, &value, &err)) {
        if (error) *error = NULL;
        return take(&value);
    }
    if (error) {
        switch (err.tag) {
        case KILN_PLUGIN_SECRETS_ERROR_NOT_GRANTED:
            *error = kiln_format("secret `%s` is not granted to this action", name);
            break;
        case KILN_PLUGIN_SECRETS_ERROR_NOT_FOUND:
            *error = kiln_format("no provider has a secret `%s`", name);
            break;
        default:
            *error = kiln_format("secret `%s` is unavailable: %.*s", name,
                                 (int)err.val.unavailable.len, (char *)err.val.unavailable.ptr);
            break;
        }
    }
    kiln_plugin_secrets_error_free(&err);
    return NULL;
}

int kiln_exec(const char *program, const char *const *args, const char *cwd, char **error) {
    size_t n = 0;
    while (args && args[n]) n++;
    action_string_t *list = calloc(n + 1, sizeof *list);
    if (!list) abort();
    for (size_t i = 0; i < n; i++) list[i] = borrowed(args[i]);

    kiln_plugin_exec_command_t cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.program = borrowed(program);
    cmd.args.ptr = list;
    cmd.args.len = n;
    if (cwd) {
        cmd.cwd.is_some = true;
        cmd.cwd.val = borrowed(cwd);
    }
    kiln_plugin_exec_exit_status_t status;
    kiln_plugin_exec_error_t err;
    bool ran = kiln_plugin_exec_run(&cmd, &status, &err);
    free(list);
    if (error) *error = NULL;
    if (ran) {
        if (status.code.is_some) return status.code.val;
        if (error) {
            *error = status.signal.is_some
                         ? kiln_format("%s was killed by signal %d", program, (int)status.signal.val)
                         : kiln_format("%s ended without an exit code", program);
        }
        return -1;
    }
    if (error) {
        switch (err.tag) {
        case KILN_PLUGIN_EXEC_ERROR_DENIED:
            *error = kiln_format("not granted: %.*s", (int)err.val.denied.len,
                                 (char *)err.val.denied.ptr);
            break;
        case KILN_PLUGIN_EXEC_ERROR_NOT_FOUND:
            *error = kiln_format("not installed on the host: %.*s", (int)err.val.not_found.len,
                                 (char *)err.val.not_found.ptr);
            break;
        case KILN_PLUGIN_EXEC_ERROR_TIMED_OUT:
            *error = kiln_format("%s timed out and was killed", program);
            break;
        default:
            *error = kiln_format("%s failed: %.*s", program, (int)err.val.failed.len,
                                 (char *)err.val.failed.ptr);
            break;
        }
    }
    kiln_plugin_exec_error_free(&err);
    return -1;
}

char *kiln_host_path(const char *sandbox_path) {
    action_string_t path = borrowed(sandbox_path);
    action_string_t ret = {0};
    if (!kiln_plugin_exec_host_path(&path, &ret)) return NULL;
    return take(&ret);
}
