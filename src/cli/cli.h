/* The vigil command line: a table of commands, one function per command in its own file
 * (src/cli/cmd_<name>.c). A command parses its arguments, calls the library and prints:
 * results on stdout (a table, or one JSON document with --format json), logs and progress
 * on stderr. It returns the process exit status:
 *   0 ok / all criteria pass / no drift, 1 criterion failed or drift alarm,
 *   2 usage or input error, 3 internal error. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

struct cli_spec;

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;              /* one line for `vigil help` */
    const char *help;                 /* the whole text for `vigil help CMD` / `CMD --help` */
    const struct cli_spec *spec;      /* its option table (cli/options.h), or NULL */
} cli_command;

/* Not const: main() puts the generated help of table-driven commands in place at start-up. */
extern cli_command cli_commands[];
extern const size_t cli_n_commands;

/* Print "vigil CMD: <message>" and a pointer to `vigil help CMD` on stderr; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the library's last error as "vigil CMD: error: <message>"; returns its exit status. */
int cli_fail(const char *cmd, int code);
/* True when argv holds -h or --help; prints the command's help to stdout. */
bool cli_wants_help(const char *cmd, int argc, char **argv);
/* Print a command's help text on stdout. */
void cli_print_help(const char *cmd);

/* The database path: --db value, else $VIGIL_DB, else "vigil.db". */
const char *cli_db_path(const char *opt);

struct vigil_store;
/* Open the run store named by --db/$VIGIL_DB. must_exist 0: opened for writing, created when
 * absent; CLI_STORE_READ (1): an existing store, read-only (listing commands must not create an
 * empty store); CLI_STORE_WRITE_EXISTING: an existing store, for writing (audit sign). A missing
 * SQLite file is a usage error; a PostgreSQL store's server says what is wrong, and its URL is
 * shown without a password. Returns an exit status (0 on success). */
enum { CLI_STORE_CREATE = 0, CLI_STORE_READ = 1, CLI_STORE_WRITE_EXISTING = 2 };
int cli_open_store(const char *cmd, const char *db_opt, int must_exist, struct vigil_store **out);

/* Output format from --format: 0 table, 1 json; -1 (after a usage message) otherwise. */
int cli_parse_format(const char *cmd, const char *value);

/* Print a JSON document on stdout followed by a newline, and free it. */
/* --delimiter's value: ",", ";", "tab" (or a tab), "|" -> the character; 0 and a usage error
 * otherwise (NULL: ','). */
int cli_parse_delimiter(const char *cmd, const char *s, char *out);
/* printf to stdout with the control characters of names from files escaped (tables). */
void cli_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_print_json(cJSON *doc);

/* Add a number to a JSON object: NaN/inf become null (JSON has no NaN). */
cJSON *cli_json_number(cJSON *obj, const char *key, double v);

/* Parse a whole string as a number / a non-negative integer; usage error on failure. */
int cli_parse_double(const char *cmd, const char *opt, const char *s, double *out);
int cli_parse_size(const char *cmd, const char *opt, const char *s, size_t *out);

/* --allow-column COL=REASON: append to allow[] (at most cap); usage error when malformed.
 * The strings point into arg. */
int cli_parse_allow(const char *cmd, char *arg, void *allow, size_t *n, size_t cap);
/* Add {"allow_columns": {col: reason}} to a run's config JSON, so the justification is stored. */
void cli_json_allow(cJSON *obj, const void *allow, size_t n);

/* Progress on stderr, only when stderr is a terminal: "\r<label> <done>/<total>". */
void cli_progress(const char *label, size_t done, size_t total);
void cli_progress_end(void);

#endif
