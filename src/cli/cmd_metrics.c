/* vigil metrics — placeholder until issue 4 lands. */
#include "cli/cli.h"

const char cmd_metrics_help[] = "usage: vigil metrics ...\n\nNot built yet (issue 4).\n";

int cmd_metrics(int argc, char **argv)
{
    fprintf(stderr, "vigil metrics: not built yet (issue 4)\n");
    return EXIT_INTERNAL;
}
