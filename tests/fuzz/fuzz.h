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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
