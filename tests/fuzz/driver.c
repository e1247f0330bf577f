/* Replays every file in the folders given on the command line through one harness: the
 * corpus and the crash regressions, run by `make check` under ASan/UBSan. Prints a plain
 * "N passed, 0 failed" line (a crash aborts the process instead). */
#include "fuzz.h"

#include <dirent.h>
#include <string.h>

int main(int argc, char **argv)
{
    size_t n = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[a], e->d_name);
            FILE *f = fopen(p, "rb");
            if (!f) continue;
            static uint8_t buf[1 << 20];
            size_t len = fread(buf, 1, sizeof buf, f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, len);
            n++;
        }
        closedir(d);
    }
    printf("%s: %zu passed, 0 failed\n", argv[0], n);
    return 0;
}
