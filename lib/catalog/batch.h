/* The batch runner every command that works file by file shares: walk a
 * folder (or count through a list), gather jobs in batches, plan them on
 * the calling thread, run them on the worker pool, and write their
 * results into the catalog in one transaction a batch, so an interrupted
 * run keeps every batch it finished and memory does not grow with the
 * number of files. */
#ifndef WINNOW_BATCH_H
#define WINNOW_BATCH_H

#include <stddef.h>

#include "base/base.h"
#include "catalog/db.h"

/*
 * A command's part of the loop. Jobs are ops->job_size bytes each; the
 * runner owns the array of ops->batch of them, zeroes a slot before take()
 * fills it, and calls release() on every taken job once its batch is over
 * (done or failed), so a job owns what take() or plan() allocated in it.
 * `jobs` below is that array, `i` a job's index in the batch.
 *
 * Threads: work() runs on a pool worker, every other hook on the calling
 * thread. Order: take() in walk (or list) order; plan() for the batch's
 * jobs in that order, then prepare(), then work() on the pool for the
 * jobs plan() chose, in any order; commit() in the batch's order (each
 * after its own job's work, and with commit_as_done during the others'),
 * then settle(). A batch's hooks all run before the next job is taken.
 *
 * Errors: a hook returns -1 with err set (commit(): with the transaction
 * still open; the runner rolls it back) and the run stops at once: the
 * pool is waited for, the batch's jobs released, nothing more is taken.
 * Per-file failures are the command's to count and report; hooks return
 * 0 for them.
 */
struct batch_ops {
	size_t job_size;
	size_t batch;            /* jobs a batch, at least 1 */
	int threads;             /* pool workers; 0: all cores */
	/* Fills a zeroed job from walked entry e (batch_walk(); index
	 * counts the entries walked, from 0), or from the list's item
	 * `index` (batch_list(), e NULL). @return 1 to take it, 0 to leave
	 * it out (nothing may be kept in the job), -1 to stop. */
	int (*take)(void *data, void *job, const struct walk_entry *e, size_t index,
		    struct wn_err *err);
	/* Decides whether job i runs on the pool: @return 1 it runs (and is
	 * committed), 0 it does not, -1 to stop. NULL: every job runs. Sees
	 * jobs[0, i), planned already. */
	int (*plan)(void *data, void *jobs, size_t i, struct wn_err *err);
	/* After the batch's plans, before the pool (in a transaction of its
	 * own if it needs one: what it commits holds even if the run is
	 * killed during the work). NULL: nothing. */
	int (*prepare)(void *data, void *jobs, size_t n, struct wn_err *err);
	/* The work on one job, on a worker; records its outcome in the job. */
	void (*work)(void *job);
	/* Writes job i's outcome, inside the batch's transaction, for each job
	 * that ran. NULL: no transaction at all (a dry run). The transaction
	 * is opened and committed even when no job of the batch ran. */
	int (*commit)(void *data, void *jobs, size_t i, struct wn_err *err);
	/* 0: commit() runs once the whole batch's work is done. 1: the
	 * calling thread writes each job as soon as it and the jobs before it
	 * are done, while the pool works on the rest, so the pool does not
	 * stand idle while the rows are written; commit() must then touch
	 * nothing that work() of another job uses. The transaction (and the
	 * catalog's write lock) is then open from the first job done to the
	 * batch's end; a kill still leaves whole batches or nothing. */
	int commit_as_done;
	/* After the batch's transaction was committed. NULL: nothing. */
	int (*settle)(void *data, void *jobs, size_t n, struct wn_err *err);
	/* Frees what a job owns. NULL: jobs own nothing. */
	void (*release)(void *job);
	void *data;              /* passed to every hook but work() and release() */
};

/*
 * batch_walk() : walks root with opts (walk_tree(); opts->on_error is
 * called with ops->data) and runs every taken entry through the hooks.
 * @return 0 when the walk and every hook completed, or -1 with err set
 * (a hook's error, the root that cannot be opened, out of memory or
 * threads).
 */
int batch_walk(struct catalog *cat, const char *root, const struct walk_opts *opts,
	       const struct batch_ops *ops, struct wn_err *err);

/*
 * batch_list() : the same for the items 0 .. n-1 of the caller's list,
 * which take() reads by index. @return as batch_walk().
 */
int batch_list(struct catalog *cat, size_t n, const struct batch_ops *ops, struct wn_err *err);

#endif
