/* vigil replay — placeholder until issue 3 lands (re-score shadow-mode cases). */
#include "cli/cli.h"

const char cmd_replay_help[] =
    "usage: vigil replay ...\n"
    "\n"
    "Not built yet (re-score shadow-mode cases: issue 3).\n";

int cmd_replay(int argc, char **argv)
{
    fprintf(stderr, "vigil replay: not built yet (re-score shadow-mode cases arrive with issue 3)\n");
    return EXIT_INTERNAL;
}
