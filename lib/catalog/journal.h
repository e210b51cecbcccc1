/* The journal: the catalog says what is on disk because every act on a
 * file (delete, move, rewrite in place, ...) is written down as a
 * `planned` event and committed BEFORE the act, and marked `done` (with
 * its effect on the image row) or `dropped` after it. A run killed in
 * between leaves planned events; the next command that opens the catalog
 * for writing settles them from what the disk shows (catalog_open() calls
 * journal_recover()), so no later repair is ever needed.
 *
 * Use from a command, per batch of files:
 *
 *   journal_start(cat, run_id, err);            once, after run_begin()
 *   catalog_begin(); journal_plan(...) per file; catalog_commit();
 *       (if the commit fails, stop: nothing may be acted on)
 *   act on each file (unlink, move_file, rename ...)
 *   catalog_begin(); journal_done() or journal_drop() per file; commit
 *
 * A run is alive while the process that started it holds an OFD lock on
 * byte run_id of a sidecar file next to the catalog (".NAME.runs", hidden
 * so walks skip it); recovery never touches the plans of a live run. */
#ifndef WINNOW_JOURNAL_H
#define WINNOW_JOURNAL_H

#include <stdint.h>

#include "catalog/db.h"

/* One act, as planned. Strings are borrowed for the call. */
struct journal_act {
	int64_t image_id;        /* the row acted on; 0 when the file has none */
	const char *action;      /* "delete", "move" (dedup --move-to),
				  * "quarantine", "relabel", "restore", "rewrite" */
	const char *path;        /* catalog path of the file acted on */
	const char *dest;        /* catalog path it goes to (move, quarantine,
				  * relabel, restore; the catalog may be outside
				  * its folder: "../dups/a/x.jpg"); NULL otherwise */
	const char *dest_class;  /* relabel, restore: the image's class at dest;
				  * rewrite: the file's class (for a row made
				  * by recovery); NULL: none */
	const char *cause;       /* why, in words a person can audit */
};

/*
 * journal_start() : marks run_id alive for as long as cat stays open
 * (catalog_close() releases it; so does the death of the process). Call
 * once per run, after run_begin() and before the first journal_plan().
 * @return 0, or -1 with err set (the sidecar cannot be opened or locked).
 */
int journal_start(struct catalog *cat, int64_t run_id, struct wn_err *err);

/*
 * journal_plan() : records act as a planned event of run_id, to be
 * committed before the act. Call inside catalog_begin()/catalog_commit();
 * act only once the commit returned 0.
 * @return 0 with *event_id set, or -1 with err set.
 */
int journal_plan(struct catalog *cat, int64_t run_id, const struct journal_act *act,
		 int64_t *event_id, struct wn_err *err);

/*
 * journal_done() : the planned event happened: marks it done and applies
 * its effect to its image row, all in the caller's transaction:
 *   delete -> status deleted; move, quarantine -> status quarantined;
 *   relabel -> path dest, class dest_class; restore -> path dest, class
 *   dest_class, status ok; rewrite -> nothing (the caller writes the new
 *   row with images_upsert() in the same transaction).
 * Plan dest free in the catalog: for relabel and restore, a row another
 * writer made at dest since (a scan that found the file there) is removed
 * so the image's own row can take the path.
 * @return 0, or -1 with err set (also when the event is not planned).
 */
int journal_done(struct catalog *cat, int64_t event_id, struct wn_err *err);

/* journal_drop() : the planned event did not happen (a check failed, the
 * act failed): marks it dropped, image row untouched. Same returns. */
int journal_drop(struct catalog *cat, int64_t event_id, struct wn_err *err);

/* What journal_recover() settled. */
struct journal_recovery {
	uint64_t done;        /* plans whose act the disk shows happened */
	uint64_t dropped;     /* plans whose act did not happen */
	uint64_t leftovers;   /* temporary files of dead runs removed */
	uint64_t live;        /* plans left alone: their run is still alive */
};

/*
 * journal_recover() : settles the planned events of every run that is no
 * longer alive, in one transaction, by what the disk shows:
 *   delete: file gone -> done (row deleted); file there -> dropped;
 *   move, quarantine, relabel, restore: file gone from path and present
 *     at dest -> done (effect applied); otherwise dropped; dest is a
 *     catalog path and may lead out of the catalog's folder ("../trash/x");
 *   an event of a "label apply" run (runs.command) settled done also marks
 *     its image's pending review decision applied, as the run would have
 *     with journal_done(); dropped, the decision stays for a re-run;
 *   rewrite: the run's ".NAME.winnow-tmp.RANDOM" files beside path are
 *     removed; when the file's size or mtime differs from its row (or it
 *     has none), the row is made to describe it (no hashes: the next scan
 *     reads it again) -> done; else dropped.
 * catalog_open() runs it for every writable open; a command reads what
 * it did with catalog_recovered(). Adds to *out (may be NULL).
 * @return 0, or -1 with err set.
 */
int journal_recover(struct catalog *cat, struct journal_recovery *out, struct wn_err *err);

/* catalog_recovered() : what catalog_open() settled (all zero for a
 * read-only open). Valid while cat is open. */
const struct journal_recovery *catalog_recovered(const struct catalog *cat);

/*
 * journal_unsettled() : the planned events of runs no longer alive (what
 * journal_recover() would settle), for `db check`: fn(path, action) per
 * event, by id. Works on a read-only catalog.
 * @return 0, fn's non-zero value, or -1 with err set.
 */
int journal_unsettled(struct catalog *cat, int (*fn)(const char *path, const char *action,
						     void *data),
		      void *data, struct wn_err *err);

#endif
