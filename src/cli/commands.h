/* One entry point and one help text per command; each lives in src/cli/cmd_<name>.c. */
#ifndef VIGIL_CLI_COMMANDS_H
#define VIGIL_CLI_COMMANDS_H

#define VIGIL_COMMAND(n)            \
    int cmd_##n(int argc, char **argv); \
    extern const char cmd_##n##_help[];

VIGIL_COMMAND(help)
VIGIL_COMMAND(predict)
VIGIL_COMMAND(replay)
VIGIL_COMMAND(explain)
VIGIL_COMMAND(metrics)
VIGIL_COMMAND(drift)
VIGIL_COMMAND(suite)
VIGIL_COMMAND(monitor)
VIGIL_COMMAND(history)
VIGIL_COMMAND(report)
VIGIL_COMMAND(audit)
VIGIL_COMMAND(synth)

#undef VIGIL_COMMAND

/* Option tables (cli/options.h) of the commands main.c names with CMD_OPTS, declared here so
 * that converting a command touches no shared line of main.c. */
struct cli_spec;
extern const struct cli_spec cmd_suite_spec, cmd_report_spec;

#endif
