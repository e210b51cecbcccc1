/* The audit trail: every run of a command that changes the catalog or the
 * files, and every destructive action with its cause. */
#ifndef WINNOW_RUNS_H
#define WINNOW_RUNS_H

#include <stdint.h>

#include "catalog/db.h"

/*
 * run_begin() : records that `command` started with argv (stored as a JSON
 * array) in the current working directory.
 * @return 0 with *run_id set, or -1 with err set.
 */
int run_begin(struct catalog *cat, const char *command, int argc, char *const *argv,
	      int64_t *run_id, struct wn_err *err);

/* run_finish() : records the exit code and counts (a JSON object, or NULL). */
int run_finish(struct catalog *cat, int64_t run_id, int exit_code, const char *counts_json,
	       struct wn_err *err);

/* event_add() : records a destructive action on an image as already done
 * (image_id 0 when the file has no row). action: delete, move, relabel,
 * quarantine, restore, rewrite; dest NULL unless the file went somewhere.
 * An act on a file should go through catalog/journal.h instead (planned before,
 * done after), or a kill in between leaves the catalog wrong. */
int event_add(struct catalog *cat, int64_t run_id, int64_t image_id, const char *action,
	      const char *path, const char *dest, const char *cause, struct wn_err *err);

#endif
