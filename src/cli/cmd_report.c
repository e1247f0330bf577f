/* vigil report — placeholder until issue 8 lands (PCCP evidence reports). */
#include "cli/cli.h"

const char cmd_report_help[] =
    "usage: vigil report ...\n"
    "\n"
    "Not built yet (PCCP evidence reports: issue 8).\n";

int cmd_report(int argc, char **argv)
{
    fprintf(stderr, "vigil report: not built yet (PCCP evidence reports arrive with issue 8)\n");
    return EXIT_INTERNAL;
}
