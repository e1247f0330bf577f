/* libFuzzer harness helpers. Each harness defines LLVMFuzzerTestOneInput; built with
 * -fsanitize=fuzzer for `make fuzz`, or with driver.c (which feeds it every file under the
 * corpus and regression folders once) for `make check`. */
#ifndef VIGIL_FUZZ_H
#define VIGIL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The reader takes a path: write the input to a per-process scratch file. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/vigil-fuzz-%ld%s", (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    return path;
}

/* For loaders that resolve the paths a config names against the config's own folder: a
 * per-process scratch folder (mkdtemp, removed at exit) holding the input as <dir>/<name>.
 * The loaders fuzzed this way only read (they never write or run what a config names); a
 * relative path in the input resolves inside this folder, so the fuzzer's inputs cannot
 * reach files of the working tree by accident. *dir_out, when given, gets the folder. */
static inline char *fuzz_scratch(int file)
{
    static char dir[160], path[256];
    return file ? path : dir;
}

static inline void fuzz_dir_cleanup(void)
{
    if (*fuzz_scratch(1)) unlink(fuzz_scratch(1));
    if (*fuzz_scratch(0)) rmdir(fuzz_scratch(0));
}

static inline const char *fuzz_dir_file(const uint8_t *data, size_t size, const char *name,
                                        const char **dir_out)
{
    char *dir = fuzz_scratch(0), *path = fuzz_scratch(1);
    if (!*dir) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, 160, "%s/vigil-fuzz-%ld-XXXXXX", tmp && *tmp ? tmp : "/tmp", (long)getpid());
        if (!mkdtemp(dir)) abort();
        snprintf(path, 256, "%s/%s", dir, name);
        atexit(fuzz_dir_cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f) != 0) abort();
    if (dir_out) *dir_out = dir;
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
