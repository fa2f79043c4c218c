/* sha256sums: write or verify a SHA256SUMS manifest of input artifacts.
 *
 * Write mode (default): hashes every regular file of every input artifact
 * and writes `<output>/SHA256SUMS` in `sha256sum` format, sorted by path
 * (byte order, like `LC_ALL=C sort`). With one input the paths are relative
 * to it, so `cd <input> && sha256sum -c SHA256SUMS` checks it; with several,
 * each path starts with its input's name.
 *
 * Verify mode (`verify: true`): reads the manifest from the first input that
 * has one and checks every line against the files; fails naming each
 * mismatched or missing file. Paths are resolved against the one other
 * input, or against `/inputs` (`<input>/<path>`) when there are several
 * others, or against the manifest's own input when it is the only one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln.h"
#include "sha256.h"

#define VERSION "0.1.0"

void kiln_describe(kiln_desc *d) {
    kiln_desc_set(d, "sha256sums", VERSION,
                  "Writes a SHA256SUMS manifest of its inputs, or verifies one");
    kiln_desc_param(d, "verify", "true: check an existing manifest instead of writing one",
                    false, "false");
    kiln_desc_param(d, "manifest", "The manifest's file name", false, "SHA256SUMS");
}

/* ---- A growable list of strings ------------------------------------------ */

typedef struct {
    char **items;
    size_t len, cap;
} strlist;

static bool strlist_push(strlist *l, char *s) {
    if (!s) return false;
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            free(s);
            return false;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = s;
    return true;
}

static void strlist_free(strlist *l) {
    for (size_t i = 0; i < l->len; i++) free(l->items[i]);
    free(l->items);
    *l = (strlist){0};
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- Walking and hashing ------------------------------------------------- */

/* Appends to `out` every regular file under root/rel as `prefix` + relative
 * path. Returns NULL or a new error message. */
static char *walk(const char *root, const char *rel, const char *prefix, strlist *out) {
    char *dir = rel[0] ? kiln_path_join(root, rel) : kiln_format("%s", root);
    if (!dir) return kiln_format("out of memory");
    DIR *d = opendir(dir);
    if (!d) {
        char *e = kiln_format("listing %s: %s", dir, strerror(errno));
        free(dir);
        return e;
    }
    char *error = NULL;
    struct dirent *entry;
    while (!error && (entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        char *child = rel[0] ? kiln_path_join(rel, name) : kiln_format("%s", name);
        char *full = child ? kiln_path_join(root, child) : NULL;
        struct stat st;
        if (!child || !full) {
            error = kiln_format("out of memory");
        } else if (lstat(full, &st) != 0) {
            error = kiln_format("%s: %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            error = walk(root, child, prefix, out);
        } else if (S_ISREG(st.st_mode)) {
            if (!strlist_push(out, kiln_format("%s%s", prefix, child)))
                error = kiln_format("out of memory");
        } else {
            kiln_log_warn("skipping %s: not a regular file", full);
        }
        free(child);
        free(full);
    }
    closedir(d);
    free(dir);
    return error;
}

/* Hashes a file into hex[65]; returns 0 or an errno value. */
static int hash_file(const char *path, char hex[65], uint64_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return errno ? errno : EIO;
    static unsigned char buf[1 << 16];
    sha256_ctx ctx;
    sha256_init(&ctx);
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sha256_update(&ctx, buf, n);
        *size += n;
    }
    int error = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (error) return error;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    return 0;
}

/* ---- sha256sum's escaping of names with '\\' or newlines ------------------ */

static bool needs_escape(const char *name) {
    return strpbrk(name, "\\\n\r") != NULL;
}

static void write_name(FILE *f, const char *name) {
    for (const char *p = name; *p; p++) {
        if (*p == '\\') fputs("\\\\", f);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p == '\r') fputs("\\r", f);
        else fputc(*p, f);
    }
}

/* Unescapes in place; returns false on a bad escape. */
static bool unescape_name(char *name) {
    char *w = name;
    for (char *r = name; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        if (*r == '\\') *w++ = '\\';
        else if (*r == 'n') *w++ = '\n';
        else if (*r == 'r') *w++ = '\r';
        else return false;
    }
    *w = '\0';
    return true;
}

/* ---- Write mode ---------------------------------------------------------- */

static kiln_result write_manifest(const kiln_ctx *ctx, const char *manifest) {
    const kiln_output *out = kiln_single_output(ctx);
    if (!out) {
        return kiln_err("sha256sums writes exactly one output artifact; the action declares %zu",
                        ctx->n_outputs);
    }
    if (ctx->n_inputs == 0) return kiln_err("the action has no input artifacts to checksum");

    /* Entries are "<display path>\0" sorted; we keep display paths and map
     * each back to its file by input name when there are several inputs. */
    strlist files = {0};
    for (size_t i = 0; i < ctx->n_inputs; i++) {
        const kiln_input *in = &ctx->inputs[i];
        char *prefix = ctx->n_inputs == 1 ? kiln_format("%s", "") : kiln_format("%s/", in->name);
        char *error = prefix ? walk(in->path, "", prefix, &files) : kiln_format("out of memory");
        free(prefix);
        if (error) {
            kiln_result r = kiln_err("%s", error);
            free(error);
            strlist_free(&files);
            return r;
        }
    }
    qsort(files.items, files.len, sizeof *files.items, cmp_str);

    char *path = kiln_path_join(out->path, manifest);
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) {
        kiln_result r = kiln_err_errno("creating %s", path ? path : manifest);
        free(path);
        strlist_free(&files);
        return r;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < files.len; i++) {
        const char *name = files.items[i];
        /* With one input the display path is relative to it; otherwise it
         * starts with the input's name, i.e. it is relative to /inputs. */
        char *full = ctx->n_inputs == 1 ? kiln_path_join(ctx->inputs[0].path, name)
                                        : kiln_path_join("/inputs", name);
        char hex[65];
        uint64_t size = 0;
        int error = full ? hash_file(full, hex, &size) : ENOMEM;
        if (error) {
            kiln_result r = kiln_err("hashing %s: %s", full ? full : name, strerror(error));
            free(full);
            fclose(f);
            free(path);
            strlist_free(&files);
            return r;
        }
        total += size;
        if (needs_escape(name)) fputc('\\', f);
        fprintf(f, "%s  ", hex);
        write_name(f, name);
        fputc('\n', f);
        kiln_progress(i + 1, files.len, "%s", name);
        kiln_log_debug("%s  %s", hex, name);
        free(full);
    }
    int failed = ferror(f) | fclose(f);
    if (failed) {
        kiln_result r = kiln_err_errno("writing %s", path);
        free(path);
        strlist_free(&files);
        return r;
    }
    const char *noun = files.len == 1 ? "file" : "files";
    kiln_log_info("wrote %s: %zu %s, %llu bytes", path, files.len, noun,
                  (unsigned long long)total);
    kiln_result r = kiln_ok("%s: %zu %s, %llu bytes hashed", manifest, files.len, noun,
                            (unsigned long long)total);
    free(path);
    strlist_free(&files);
    return r;
}

/* ---- Verify mode --------------------------------------------------------- */

/* Reads one line of any length into a new string without its newline;
 * NULL at end of file. */
static char *read_line(FILE *f) {
    size_t cap = 256, len = 0;
    char *line = malloc(cap);
    if (!line) return NULL;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (len + 1 == cap) {
            char *bigger = realloc(line, cap *= 2);
            if (!bigger) {
                free(line);
                return NULL;
            }
            line = bigger;
        }
        line[len++] = (char)c;
    }
    if (c == EOF && len == 0) {
        free(line);
        return NULL;
    }
    line[len] = '\0';
    return line;
}

static bool is_hex64(const char *s) {
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static kiln_result verify_manifest(const kiln_ctx *ctx, const char *manifest) {
    const kiln_input *home = NULL;
    char *path = NULL;
    for (size_t i = 0; i < ctx->n_inputs && !home; i++) {
        char *candidate = kiln_path_join(ctx->inputs[i].path, manifest);
        struct stat st;
        if (candidate && stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
            home = &ctx->inputs[i];
            path = candidate;
        } else {
            free(candidate);
        }
    }
    if (!home) return kiln_err("no input artifact has a %s file to verify", manifest);

    /* Where the manifest's paths are relative to. */
    const char *base;
    if (ctx->n_inputs == 1) {
        base = home->path;
    } else if (ctx->n_inputs == 2) {
        base = ctx->inputs[&ctx->inputs[0] == home ? 1 : 0].path;
    } else {
        base = "/inputs";
    }

    FILE *f = fopen(path, "r");
    if (!f) {
        kiln_result r = kiln_err_errno("opening %s", path);
        free(path);
        return r;
    }
    kiln_log_info("verifying %s against %s", path, base);

    strlist failures = {0};
    size_t entries = 0, lineno = 0;
    char *line;
    while ((line = read_line(f)) != NULL) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[--len] = '\0';
        if (len == 0 || line[0] == '#') {
            free(line);
            continue;
        }
        entries++;
        char *p = line;
        bool escaped = *p == '\\';
        if (escaped) p++;
        /* "<64 hex><space><space or *><name>" */
        if (strlen(p) < 67 || !is_hex64(p) || p[64] != ' ' || (p[65] != ' ' && p[65] != '*')) {
            kiln_log_error("%s line %zu: not a sha256sum line", manifest, lineno);
            strlist_push(&failures, kiln_format("line %zu (not a sha256sum line)", lineno));
            free(line);
            continue;
        }
        char want[65];
        for (int i = 0; i < 64; i++) want[i] = (char)(p[i] | 0x20); /* lowercase */
        want[64] = '\0';
        char *name = p + 66;
        if (escaped && !unescape_name(name)) {
            kiln_log_error("%s line %zu: bad escape in the file name", manifest, lineno);
            strlist_push(&failures, kiln_format("line %zu (bad escape)", lineno));
            free(line);
            continue;
        }
        char *full = kiln_path_join(base, name);
        char got[65];
        uint64_t size;
        int error = full ? hash_file(full, got, &size) : ENOMEM;
        if (error) {
            const char *why = error == ENOENT ? "missing" : strerror(error);
            kiln_log_error("%s: FAILED open or read (%s)", name, why);
            strlist_push(&failures, kiln_format("%s (%s)", name, why));
        } else if (strcmp(got, want) != 0) {
            kiln_log_error("%s: FAILED (sha256 %s, expected %s)", name, got, want);
            strlist_push(&failures, kiln_format("%s (checksum mismatch)", name));
        } else {
            kiln_log_info("%s: OK", name);
        }
        kiln_progress(entries, 0, "%s", name);
        free(full);
        free(line);
    }
    fclose(f);
    free(path);

    if (failures.len == 0) {
        if (entries == 0) return kiln_err("%s lists no files", manifest);
        return kiln_ok("%zu %s %s", entries, entries == 1 ? "file matches" : "files match",
                       manifest);
    }
    /* One line: the count, then each failure (the log has the details). */
    size_t size = 128;
    for (size_t i = 0; i < failures.len; i++) size += strlen(failures.items[i]) + 2;
    char *message = malloc(size);
    if (!message) {
        strlist_free(&failures);
        return kiln_err("%zu files failed verification", failures.len);
    }
    int n = snprintf(message, size, "%zu of %zu %s in %s failed verification: ",
                     failures.len, entries, entries == 1 ? "entry" : "entries", manifest);
    for (size_t i = 0; i < failures.len; i++) {
        n += snprintf(message + n, size - n, "%s%s", i ? ", " : "", failures.items[i]);
    }
    kiln_result r = kiln_err("%s", message);
    free(message);
    strlist_free(&failures);
    return r;
}

kiln_result kiln_run(const kiln_ctx *ctx) {
    bool verify;
    if (!kiln_param_bool(ctx, "verify", false, &verify)) {
        return kiln_err("parameter `verify` = \"%s\": expected true or false",
                        kiln_param(ctx, "verify", ""));
    }
    const char *manifest = kiln_param(ctx, "manifest", "SHA256SUMS");
    if (!manifest[0] || strchr(manifest, '/')) {
        return kiln_err("parameter `manifest` must be a plain file name, not \"%s\"", manifest);
    }
    return verify ? verify_manifest(ctx, manifest) : write_manifest(ctx, manifest);
}
