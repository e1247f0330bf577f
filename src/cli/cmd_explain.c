/* vigil explain — placeholder until issue 5 lands (SHAP attributions). */
#include "cli/cli.h"

const char cmd_explain_help[] =
    "usage: vigil explain ...\n"
    "\n"
    "Not built yet (SHAP attributions: issue 5).\n";

int cmd_explain(int argc, char **argv)
{
    fprintf(stderr, "vigil explain: not built yet (SHAP attributions arrive with issue 5)\n");
    return EXIT_INTERNAL;
}
