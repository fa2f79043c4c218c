/* A kiln plugin in C. Build every .c file of this directory into a
 * component with kiln's C SDK (clang, lld and wasi-libc needed):
 *
 *     kiln plugin build . -o plugin.wasm
 *
 * then use it from a pipeline with `uses: ./plugin.wasm` (or an absolute
 * path), and look at it with `kiln plugin inspect plugin.wasm`.
 * See sdk/c/kiln.h for the API and its memory rules.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kiln.h"

void kiln_describe(kiln_desc *d) {
    kiln_desc_set(d, "hello", "0.1.0", "Greets someone in the log");
    kiln_desc_param(d, "who", "Who to greet", false, "world");
}

kiln_result kiln_run(const kiln_ctx *ctx) {
    const char *who = kiln_param(ctx, "who", "world");
    kiln_log_info("hello, %s (attempt %u of action %s)", who, (unsigned)ctx->attempt,
                  ctx->action);

    /* Write a greeting into every output artifact the action declares. */
    for (size_t i = 0; i < ctx->n_outputs; i++) {
        char *path = kiln_path_join(ctx->outputs[i].path, "greeting.txt");
        FILE *f = path ? fopen(path, "w") : NULL;
        if (!f) {
            kiln_result r = kiln_err_errno("creating %s", path ? path : "greeting.txt");
            free(path);
            return r;
        }
        fprintf(f, "hello, %s\n", who);
        fclose(f);
        free(path);
    }
    return kiln_ok("greeted %s", who);
}
