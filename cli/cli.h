/* What every winnow command shares: exit codes, one error format, option
 * parsing helpers (the row writer they print with is base's table.h).
 * Command-side code: it prints, the library never does. */
#ifndef WINNOW_CLI_H
#define WINNOW_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "catalog/catalog.h"

#define WINNOW_VERSION "0.1.0"

/* Exit statuses every command uses; scripts may rely on them. */
enum {
	EXIT_DONE = 0,     /* everything done */
	EXIT_PARTIAL = 1,  /* done, but some items failed (each reported) */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_FATAL = 3,    /* catalog or I/O failure; stopped */
};

/* cli_prog : the command's name for messages ("db", "dedup"). */
extern const char *cli_prog;

/* cli_error() : "prog: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_file_error() : "prog: path: cause" with path C-quoted when it holds
 * newlines or bytes that are not UTF-8, so one problem is one line. */
void cli_file_error(const char *path, const char *cause);

/* cli_usage_error() : "prog: message" and a hint to --help; returns
 * EXIT_USAGE for `return cli_usage_error(...)`. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_fatal() : err's message on stderr, as cli_error() prints it;
 * returns EXIT_FATAL for `rc = cli_fatal(&err)` after a library call
 * failed. */
int cli_fatal(const struct wn_err *err);

/* cli_set_db_default() : the catalog a command names before its
 * subcommand (db --db FILE stats); path is kept, not copied. */
void cli_set_db_default(const char *path);

/* cli_db_path() : opt when set, else the default set above, else
 * $WINNOW_DB, else "winnow.db". */
const char *cli_db_path(const char *opt);

struct catalog;
/* cli_note_recovery() : one line on stderr when opening cat settled what
 * killed runs left (catalog/journal.h); nothing otherwise. */
void cli_note_recovery(const struct catalog *cat);

/* cli_open_catalog() : opens the catalog cli_db_path(opt) names in mode
, printing the error, and notes any recovery.
 * @return 0 with *cat to close, or EXIT_FATAL. */
int cli_open_catalog(const char *opt, enum catalog_mode mode, struct catalog **cat);

/* A subcommand of db or label: its name and its entry point. */
struct cli_subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* cli_subcommand() : runs the one of cmds (n of them) that argv[0] names,
 * with argc and argv from there, and cli_prog "<cli_prog> <name>".
 * @return its exit status, or -1 when argv[0] names none of them. */
int cli_subcommand(const struct cli_subcommand *cmds, size_t n, int argc, char **argv);

/* cli_test_kill_point() : test-only (tests/cli/t0210-journal.sh,
 * t0215-apply-journal.sh, bench/torture.sh): with WINNOW_TEST_KILL_AFTER=N
 * in the environment, the Nth call in the process raises SIGKILL, to prove
 * that the journal settles what a killed run leaves. Commands call it
 * right after each act on a file. Thread-safe. */
void cli_test_kill_point(void);

/* Parsers return 0, or -1 after printing a usage error. */
int cli_parse_format(const char *s, enum out_format *out);
int cli_parse_jobs(const char *s, int *out);
/* A byte count with an optional k, M or G suffix (powers of 1024). */
int cli_parse_bytes(const char *opt, const char *s, uint64_t *out);
/* A positive integer, at most max. */
int cli_parse_uint(const char *opt, const char *s, uint64_t max, uint64_t *out);
/* The same into an int; max is at most INT_MAX. */
int cli_parse_int(const char *opt, const char *s, int max, int *out);

/* cli_human_bytes() : base's human_bytes() (base/table.h), "1.5 GB" style,
 * into buf. */
void cli_human_bytes(uint64_t n, char *buf, size_t len);

#endif
