/* vigil help [CMD] */
#include "cli/cli.h"
#include "cli/commands.h"

#include <string.h>

const char cmd_help_help[] =
    "usage: vigil help [COMMAND]\n"
    "\n"
    "Without COMMAND, lists the commands. With one, prints its whole help (the same as\n"
    "'vigil COMMAND --help'). Help needs no database, data or GPU.\n";

int cmd_help(int argc, char **argv)
{
    if (argc >= 2) {
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
          "'vigil help COMMAND' or 'vigil COMMAND --help' for one command; 'vigil --version'.\n"
          "\n"
          "exit status: 0 ok (all criteria pass, no drift), 1 a criterion failed or drift\n"
          "alarmed, 2 usage or input error (the message names file, line and column), 3 internal.\n"
          "Results go to stdout (a table, or JSON with --format json); logs go to stderr.\n"
          "The run store is --db FILE, else $VIGIL_DB, else ./vigil.db.\n",
          stdout);
    return VIGIL_EXIT_OK;
}
