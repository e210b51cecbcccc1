/* What journal.c and journal_recover.c share; not for commands. */
#ifndef WINNOW_JOURNAL_INTERNAL_H
#define WINNOW_JOURNAL_INTERNAL_H

#include "catalog/internal.h"

/* journal_sidecar_open() : opens the liveness sidecar into cat->runs_fd
 * once (created when writable; left -1 when read-only and missing).
 * @return 0, or -1 with err set. */
int journal_sidecar_open(struct catalog *cat, int writable, struct wn_err *err);

/* journal_run_alive() : 1 when the process of run_id still holds its
 * lock, 0 when not (or run_id is 0), -1 on error (errno set). */
int journal_run_alive(struct catalog *cat, int64_t run_id);

#endif
