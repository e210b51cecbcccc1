/* The `db` subcommands, one file each (db/cmd_<name>.c). Each takes the
 * arguments after its name and returns the exit status. */
#ifndef WINNOW_DB_CMDS_H
#define WINNOW_DB_CMDS_H

#include "catalog.h"

/* The --db given before the subcommand, or NULL. */
extern const char *db_global_path;

int cmd_init(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* db_open() : opens the catalog named by --db / $WINNOW_DB / winnow.db,
 * printing the error. @return 0 or EXIT_FATAL. */
int db_open(const char *opt, enum catalog_mode mode, struct catalog **cat);

#endif
