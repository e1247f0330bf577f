/* vigil monitor — placeholder until issue 6 lands (drift monitors). */
#include "cli/cli.h"

const char cmd_monitor_help[] =
    "usage: vigil monitor ...\n"
    "\n"
    "Not built yet (drift monitors: issue 6).\n";

int cmd_monitor(int argc, char **argv)
{
    fprintf(stderr, "vigil monitor: not built yet (drift monitors arrive with issue 6)\n");
    return EXIT_INTERNAL;
}
