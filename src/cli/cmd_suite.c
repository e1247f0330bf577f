/* vigil suite — placeholder until issue 7 lands (validation suites). */
#include "cli/cli.h"

const char cmd_suite_help[] =
    "usage: vigil suite ...\n"
    "\n"
    "Not built yet (validation suites: issue 7).\n";

int cmd_suite(int argc, char **argv)
{
    fprintf(stderr, "vigil suite: not built yet (validation suites arrive with issue 7)\n");
    return EXIT_INTERNAL;
}
