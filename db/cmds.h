/* The `db` subcommands, one file each (db/cmd_<name>.c). Each takes the
 * arguments after its name and returns the exit status. */
#ifndef WINNOW_DB_CMDS_H
#define WINNOW_DB_CMDS_H

#include "catalog/catalog.h"

int cmd_init(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_issues(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif
