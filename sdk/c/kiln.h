/* kiln.h: write kiln plugins in C.
 *
 * A plugin is a WebAssembly component targeting the WIT world
 * `kiln:plugin/action@0.2.0`. This header sits over the bindings that
 * `wit-bindgen c` generates for that world (`action.h`), so that a plugin
 * author writes two functions and never names a generated type:
 *
 *     #include "kiln.h"
 *
 *     void kiln_describe(kiln_desc *d) {
 *         kiln_desc_set(d, "hello", "0.1.0", "Greets someone in the log");
 *         kiln_desc_param(d, "who", "Who to greet", false, "world");
 *     }
 *
 *     kiln_result kiln_run(const kiln_ctx *ctx) {
 *         const char *who = kiln_param(ctx, "who", "world");
 *         kiln_log_info("hello, %s", who);
 *         return kiln_ok("greeted %s", who);
 *     }
 *
 * kiln.c implements the world's exports (`describe` and `run`) and calls
 * these two functions. Build with `sdk/c/build <plugin-dir> <out.wasm>`.
 *
 * MEMORY OWNERSHIP
 *
 *   - `kiln_ctx` and every string in it belong to the SDK. They are
 *     NUL-terminated copies of what the host sent and stay valid until
 *     `kiln_run` returns; do not free or modify them.
 *   - `kiln_desc_*` functions copy their string arguments: pass literals.
 *   - `kiln_ok`/`kiln_err`/`kiln_err_errno` return a `kiln_result` whose
 *     message is heap memory. Returning it from `kiln_run` hands it to the
 *     SDK, which passes it to the host; the generated post-return function
 *     frees it after the host has copied it. Always build results with these
 *     helpers: never put a string literal or a stack buffer in
 *     `kiln_result.message` yourself (the canonical ABI would free it).
 *   - Functions documented as returning "a new string" (`kiln_format`,
 *     `kiln_path_join`, `kiln_secret`, and the error out-parameters) return
 *     malloc'd memory that the caller frees with `free`. `kiln_param_list`
 *     returns a vector freed with `kiln_strv_free`.
 *   - Log functions borrow their arguments.
 *
 *   Going below this header to the generated bindings (for `wasi:http`, or
 *   `exec.output`), the canonical ABI rules are: arguments you pass to an
 *   import are borrowed (you still own and free them); results an import
 *   returns are yours to free with the generated `*_free` function; the
 *   arguments of an export are owned by the export (kiln.c frees them); the
 *   return value of an export must be heap memory (malloc), which the
 *   generated post-return function frees.
 *
 * STRINGS are UTF-8. A WIT string may contain a NUL byte; the copies in
 * `kiln_ctx` would then appear truncated at it.
 *
 * FILES reach a plugin only through preopened directories: `/workspace`
 * (read-only), `/inputs/<name>` (read-only), `/outputs/<name>` (writable) and
 * `/tmp`. With wasi-libc, plain `fopen`/`opendir` on those absolute paths
 * work. stdout and stderr go to the action log (info and warn); the SDK
 * flushes them when `kiln_run` returns.
 */
#ifndef KILN_H
#define KILN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The contract version this SDK targets. */
#define KILN_CONTRACT_VERSION "0.2.0"

/* Where the source tree is mounted in every sandbox. */
#define KILN_WORKSPACE "/workspace"

#if defined(__GNUC__) || defined(__clang__)
#define KILN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KILN_PRINTF(fmt, args)
#endif

/* ---- What `run` receives ------------------------------------------------ */

/* One `with:` entry, after the host applied declared defaults. Scalars
 * arrive as plain text (`true`, `3`, `main`); lists and maps as JSON text. */
typedef struct {
    const char *name;
    const char *value;
} kiln_param_entry;

/* An input artifact, verified and mounted read-only at `path`
 * (`/inputs/<name>`). */
typedef struct {
    const char *name;
    const char *digest; /* `sha256:<hex>` of the artifact's manifest */
    const char *path;
} kiln_input;

/* An output artifact: write files under `path` (`/outputs/<name>`). They are
 * stored when `run` succeeds and discarded when it fails. */
typedef struct {
    const char *name;
    const char *path;
} kiln_output;

typedef struct {
    const char *run_id;   /* unique per pipeline run */
    const char *pipeline;
    const char *stage;
    const char *action;
    uint32_t attempt;     /* 1 for the first attempt, 2 for the first retry */
    size_t n_params;
    const kiln_param_entry *params; /* declaration order */
    size_t n_inputs;
    const kiln_input *inputs;
    size_t n_outputs;
    const kiln_output *outputs;
} kiln_ctx;

/* ---- What `run` returns ------------------------------------------------- */

typedef struct {
    bool ok;       /* true: `message` is the one-line summary for the report */
    char *message; /* heap memory owned by the result; see MEMORY OWNERSHIP */
} kiln_result;

/* Success with a one-line summary, formatted like printf. */
kiln_result kiln_ok(const char *fmt, ...) KILN_PRINTF(1, 2);
/* Failure with the message shown to the user, formatted like printf. */
kiln_result kiln_err(const char *fmt, ...) KILN_PRINTF(1, 2);
/* Failure with `": " strerror(errno)` appended (errno read on entry). */
kiln_result kiln_err_errno(const char *fmt, ...) KILN_PRINTF(1, 2);

/* ---- What `describe` builds --------------------------------------------- */

/* Opaque: the plugin-info record under construction. */
typedef struct kiln_desc kiln_desc;

/* Name (as used in `uses:`), semantic version, one-line summary. */
void kiln_desc_set(kiln_desc *d, const char *name, const char *version, const char *summary);
/* A `with:` parameter. `default_value` NULL means no default; a required
 * parameter should have none. */
void kiln_desc_param(kiln_desc *d, const char *name, const char *description, bool required,
                     const char *default_value);
/* Grants beyond the default sandbox; the pipeline must grant each one. */
void kiln_desc_grant_workspace_write(kiln_desc *d);
void kiln_desc_grant_path(kiln_desc *d, const char *name, bool writable); /* /mnt/<name> */
void kiln_desc_grant_exec(kiln_desc *d, const char *program);
void kiln_desc_grant_network(kiln_desc *d);
void kiln_desc_grant_secret(kiln_desc *d, const char *name);

/* ---- The two functions a plugin defines --------------------------------- */

/* Fill in name, version, summary, params and grants. Called at validation
 * time, possibly before the sandbox is populated: must not touch files. */
void kiln_describe(kiln_desc *d);

/* Do the work. Each attempt runs in a fresh instance. */
kiln_result kiln_run(const kiln_ctx *ctx);

/* Optional sugar: `KILN_DESCRIBE(d) { ... }` and `KILN_RUN(ctx) { ... }`. */
#define KILN_DESCRIBE(d) void kiln_describe(kiln_desc *d)
#define KILN_RUN(ctx) kiln_result kiln_run(const kiln_ctx *ctx)

/* ---- Parameters --------------------------------------------------------- */

/* The parameter's text, or `fallback` when the action has none by this name. */
const char *kiln_param(const kiln_ctx *ctx, const char *name, const char *fallback);
/* A boolean: true/false, yes/no, on/off, 1/0 (any case). Sets *out to
 * `fallback` when absent. Returns false when present but not a boolean. */
bool kiln_param_bool(const kiln_ctx *ctx, const char *name, bool fallback, bool *out);
/* A decimal integer. Returns false when present but not an integer. */
bool kiln_param_int(const kiln_ctx *ctx, const char *name, long long fallback, long long *out);
/* A list: a YAML list arrives as JSON text; a scalar is split on commas.
 * Returns the count and sets *items to a new NULL-terminated vector (free
 * with kiln_strv_free); an absent parameter gives 0 and an empty vector. */
size_t kiln_param_list(const kiln_ctx *ctx, const char *name, char ***items);
void kiln_strv_free(char **items);

/* ---- Artifacts ---------------------------------------------------------- */

/* The input/output with this name, or NULL. */
const kiln_input *kiln_input_named(const kiln_ctx *ctx, const char *name);
const kiln_output *kiln_output_named(const kiln_ctx *ctx, const char *name);
/* The only output, or NULL when the action declares none or several. */
const kiln_output *kiln_single_output(const kiln_ctx *ctx);

/* ---- Log ---------------------------------------------------------------- */

typedef enum {
    KILN_TRACE,
    KILN_DEBUG,
    KILN_INFO,
    KILN_WARN,
    KILN_ERROR,
} kiln_level;

/* One message to the action log (a message with newlines becomes several
 * lines); the host masks secrets in it. */
void kiln_log(kiln_level level, const char *fmt, ...) KILN_PRINTF(2, 3);
void kiln_log_trace(const char *fmt, ...) KILN_PRINTF(1, 2);
void kiln_log_debug(const char *fmt, ...) KILN_PRINTF(1, 2);
void kiln_log_info(const char *fmt, ...) KILN_PRINTF(1, 2);
void kiln_log_warn(const char *fmt, ...) KILN_PRINTF(1, 2);
void kiln_log_error(const char *fmt, ...) KILN_PRINTF(1, 2);
/* Progress of a long step: `done` of `total` units (0 when unknown). */
void kiln_progress(uint64_t done, uint64_t total, const char *fmt, ...) KILN_PRINTF(3, 4);

/* ---- Secrets and host programs ------------------------------------------ */

/* A granted secret's value as a new string, or NULL with *error set to a new
 * string (when `error` is not NULL). */
char *kiln_secret(const char *name, char **error);

/* Run a granted host program (a bare name looked up on the host's PATH) with
 * `args` (a NULL-terminated vector, the program name not included), in
 * `cwd` (a sandbox path; NULL for /workspace). Its output streams into the
 * log. Returns the exit code, or -1 with *error set to a new string when it
 * was denied, not found, timed out, killed by a signal or failed to start.
 * Paths in arguments must be host paths: see kiln_host_path. */
int kiln_exec(const char *program, const char *const *args, const char *cwd, char **error);
/* The host path of a sandbox path as a new string, or NULL outside every
 * mount. */
char *kiln_host_path(const char *sandbox_path);

/* ---- Small string helpers ----------------------------------------------- */

/* A new string formatted like printf (NULL only if out of memory). */
char *kiln_format(const char *fmt, ...) KILN_PRINTF(1, 2);
/* `dir` + "/" + `rel` as a new string. */
char *kiln_path_join(const char *dir, const char *rel);

#ifdef __cplusplus
}
#endif

#endif /* KILN_H */
