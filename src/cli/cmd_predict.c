/* vigil predict — placeholder until issue 3 lands (score cases with a model). */
#include "cli/cli.h"

const char cmd_predict_help[] =
    "usage: vigil predict ...\n"
    "\n"
    "Not built yet (score cases with a model: issue 3).\n";

int cmd_predict(int argc, char **argv)
{
    fprintf(stderr, "vigil predict: not built yet (score cases with a model arrive with issue 3)\n");
    return EXIT_INTERNAL;
}
