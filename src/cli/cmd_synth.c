/* vigil synth — placeholder until issue 2 lands (synthetic case files). */
#include "cli/cli.h"

const char cmd_synth_help[] =
    "usage: vigil synth ...\n"
    "\n"
    "Not built yet (synthetic case files: issue 2).\n";

int cmd_synth(int argc, char **argv)
{
    fprintf(stderr, "vigil synth: not built yet (synthetic case files arrive with issue 2)\n");
    return EXIT_INTERNAL;
}
