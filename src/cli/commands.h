/* One entry point and one help text per command; each lives in src/cli/cmd_<name>.c. */
#ifndef VIGIL_CLI_COMMANDS_H
#define VIGIL_CLI_COMMANDS_H

#define VIGIL_COMMAND(n)            \
    int cmd_##n(int argc, char **argv); \
    extern const char cmd_##n##_help[];

/* A command that parses with an option table (cli/options.h) also exports the table's spec,
 * which main.c's CMD_OPTS names. */
struct cli_spec;
#define VIGIL_COMMAND_OPTS(n) \
    VIGIL_COMMAND(n)          \
    extern const struct cli_spec cmd_##n##_spec;

VIGIL_COMMAND(help)
VIGIL_COMMAND_OPTS(predict)
VIGIL_COMMAND_OPTS(replay)
VIGIL_COMMAND_OPTS(explain)
VIGIL_COMMAND_OPTS(metrics)
VIGIL_COMMAND_OPTS(drift)
VIGIL_COMMAND_OPTS(suite)
VIGIL_COMMAND_OPTS(monitor)
VIGIL_COMMAND_OPTS(history)
VIGIL_COMMAND_OPTS(report)
VIGIL_COMMAND_OPTS(audit)
VIGIL_COMMAND_OPTS(synth)
VIGIL_COMMAND_OPTS(cases)
VIGIL_COMMAND_OPTS(site)
VIGIL_COMMAND_OPTS(pool)
VIGIL_COMMAND_OPTS(store)

#undef VIGIL_COMMAND
#undef VIGIL_COMMAND_OPTS
#endif
