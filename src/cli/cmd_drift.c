/* vigil drift — placeholder until issue 6 lands (distribution-shift tests). */
#include "cli/cli.h"

const char cmd_drift_help[] =
    "usage: vigil drift ...\n"
    "\n"
    "Not built yet (distribution-shift tests: issue 6).\n";

int cmd_drift(int argc, char **argv)
{
    fprintf(stderr, "vigil drift: not built yet (distribution-shift tests arrive with issue 6)\n");
    return EXIT_INTERNAL;
}
