/* vigil help [CMD] */
#include "cli/cli.h"
#include "cli/commands.h"

#include "vigil/catalogue.h"

#include <string.h>

const char cmd_help_help[] =
    "usage: vigil help [COMMAND | catalogue]\n"
    "\n"
    "Without COMMAND, lists the commands. With one, prints its whole help (the same as\n"
    "'vigil COMMAND --help'). 'vigil help catalogue' lists every metric a suite criterion or\n"
    "the report can name: its label, which direction is better, how its CI is obtained and\n"
    "where it is defined. Help needs no database, data or GPU.\n";

/* The metric catalogue (include/vigil/catalogue.h) as a table. */
static void print_catalogue(void)
{
    printf("metric catalogue (the names suite criteria and reports use):\n\n");
    printf("  %-30s %-38s %-7s %-21s %s\n", "name", "label", "better", "CI", "scopes");
    for (size_t i = 0; i < vigil_metric_count(); i++) {
        const vigil_metric_def *m = vigil_metric_at(i);
        char scopes[64] = "";
        if (m->scopes & VIGIL_METRIC_OVERALL) strcat(scopes, "overall");
        if (m->scopes & VIGIL_METRIC_PER_LEVEL) strcat(scopes, scopes[0] ? ", per level" : "per level");
        if (m->scopes & VIGIL_METRIC_DISPARITY) strcat(scopes, scopes[0] ? ", group" : "group");
        if (!m->criterion) strcat(scopes, " (not a criterion)");
        printf("  %-30s %-38.38s %-7s %-21s %s\n", m->name, m->label,
               m->better == VIGIL_BETTER_HIGHER ? "higher" : m->better == VIGIL_BETTER_LOWER ? "lower" : "-",
               m->ci_method ? m->ci_method : "none", scopes);
    }
}

int cmd_help(int argc, char **argv)
{
    if (argc >= 2) {
        if (strcmp(argv[1], "catalogue") == 0) {
            print_catalogue();
            return VIGIL_EXIT_OK;
        }
        for (size_t i = 0; i < cli_n_commands; i++)
            if (strcmp(cli_commands[i].name, argv[1]) == 0) {
                fputs(cli_commands[i].help, stdout);
                return VIGIL_EXIT_OK;
            }
        return cli_usage("help", "unknown command '%s'", argv[1]);
    }
    fputs("usage: vigil COMMAND [OPTIONS]\n"
          "\n"
          "vigil validates and monitors clinical prediction models: it scores cases, measures\n"
          "discrimination, calibration and subgroup fairness, explains scores, detects drift,\n"
          "stores every run in a tamper-evident SQLite store and writes PCCP evidence reports.\n"
          "\n"
          "commands:\n",
          stdout);
    for (size_t i = 0; i < cli_n_commands; i++)
        printf("  %-9s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fputs("\n"
          "'vigil help COMMAND' or 'vigil COMMAND --help' for one command; 'vigil help catalogue'\n"
          "for the metrics suites and reports can name; 'vigil --version'.\n"
          "\n"
          "exit status: 0 ok (all criteria pass, no drift), 1 a criterion failed or drift\n"
          "alarmed, 2 usage or input error (the message names file, line and column), 3 internal.\n"
          "Results go to stdout (a table, or JSON with --format json); logs go to stderr.\n"
          "The run store is --db FILE, else $VIGIL_DB, else ./vigil.db.\n",
          stdout);
    return VIGIL_EXIT_OK;
}
