/* The walk -> batch -> pool -> transaction loop of batch.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/batch.h"

struct runner;

/* A job handed to the pool with commit_as_done: the runner learns when
 * it is over. */
struct slot {
	struct runner *r;
	size_t i;
};

struct runner {
	struct catalog *cat;
	const struct batch_ops *ops;
	struct pool *pool;
	char *jobs;
	unsigned char *runs;      /* per job: plan() chose it */
	/* commit_as_done only: per job, its work is over (under lock) */
	struct slot *slots;
	unsigned char *done;
	pthread_mutex_t lock;
	pthread_cond_t finished;
	int synced;               /* lock and finished were initialised */
	size_t n;                 /* jobs taken into this batch */
	size_t index;             /* items offered to take() so far */
	walk_error_fn on_error;   /* the caller's */
	struct wn_err err;        /* a hook's error, while walk_tree() runs */
};

static void *job_at(const struct runner *r, size_t i)
{
	return r->jobs + i * r->ops->job_size;
}

static int plan_all(struct runner *r, struct wn_err *err)
{
	const struct batch_ops *ops = r->ops;

	for (size_t i = 0; i < r->n; i++) {
		int runs = ops->plan ? ops->plan(ops->data, r->jobs, i, err) : 1;

		if (runs < 0)
			return -1;
		r->runs[i] = (unsigned char)runs;
	}
	return ops->prepare ? ops->prepare(ops->data, r->jobs, r->n, err) : 0;
}

static int commit_all(struct runner *r, struct wn_err *err)
{
	const struct batch_ops *ops = r->ops;

	if (catalog_begin(r->cat, err))
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		if (r->runs[i] && ops->commit(ops->data, r->jobs, i, err)) {
			catalog_rollback(r->cat);
			return -1;
		}
	}
	return catalog_commit(r->cat, err);
}

/* A pool job with commit_as_done: the work, then the news that it is
 * over. */
static void work_then_tell(void *arg)
{
	struct slot *s = arg;
	struct runner *r = s->r;

	r->ops->work(job_at(r, s->i));
	pthread_mutex_lock(&r->lock);
	r->done[s->i] = 1;
	pthread_cond_broadcast(&r->finished);
	pthread_mutex_unlock(&r->lock);
}

static void wait_done(struct runner *r, size_t i)
{
	pthread_mutex_lock(&r->lock);
	while (!r->done[i])
		pthread_cond_wait(&r->finished, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

/* commit_all() as the jobs finish, in the batch's order: the transaction
 * opens when the first job to commit is done. */
static int commit_as_done(struct runner *r, struct wn_err *err)
{
	const struct batch_ops *ops = r->ops;
	int open = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (!r->runs[i])
			continue;
		wait_done(r, i);
		if (!open && catalog_begin(r->cat, err))
			return -1;
		open = 1;
		if (ops->commit(ops->data, r->jobs, i, err)) {
			catalog_rollback(r->cat);
			return -1;
		}
	}
	if (!open && catalog_begin(r->cat, err))
		return -1;
	return catalog_commit(r->cat, err);
}

/* The planned jobs to the pool, and their outcomes committed. */
static int work_and_commit(struct runner *r, struct wn_err *err)
{
	const struct batch_ops *ops = r->ops;
	int early = ops->commit && ops->commit_as_done;

	for (size_t i = 0; i < r->n; i++) {
		if (!r->runs[i])
			continue;
		if (!early) {
			pool_submit(r->pool, ops->work, job_at(r, i));
			continue;
		}
		r->done[i] = 0;  /* no worker holds slot i: the batch before was waited for */
		r->slots[i] = (struct slot){ r, i };
		pool_submit(r->pool, work_then_tell, &r->slots[i]);
	}
	if (early)
		return commit_as_done(r, err);
	pool_wait(r->pool);
	return ops->commit ? commit_all(r, err) : 0;
}

/* Plans, runs and commits the jobs taken so far; releases them. */
static int run_batch(struct runner *r, struct wn_err *err)
{
	const struct batch_ops *ops = r->ops;
	int ret = -1;

	if (plan_all(r, err) || work_and_commit(r, err))
		goto out;
	ret = ops->settle ? ops->settle(ops->data, r->jobs, r->n, err) : 0;
out:
	pool_wait(r->pool);  /* on an early exit, jobs may still be running */
	for (size_t i = 0; ops->release && i < r->n; i++)
		ops->release(job_at(r, i));
	r->n = 0;
	return ret;
}

/* Offers the next item to take(); runs the batch once it is full. */
static int offer(struct runner *r, const struct walk_entry *e, struct wn_err *err)
{
	const struct batch_ops *ops = r->ops;
	void *job = job_at(r, r->n);
	int taken;

	memset(job, 0, ops->job_size);
	r->runs[r->n] = 0;
	taken = ops->take(ops->data, job, e, r->index++, err);
	if (taken < 0 && ops->release)
		ops->release(job);  /* what take() allocated before it failed */
	if (taken <= 0)
		return taken;
	if (++r->n == ops->batch)
		return run_batch(r, err);
	return 0;
}

static int take_walked(const struct walk_entry *e, void *data)
{
	struct runner *r = data;

	return offer(r, e, &r->err);
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct runner *r = data;

	r->on_error(path, cause, r->ops->data);
}

static int runner_start(struct runner *r, struct catalog *cat, const struct batch_ops *ops,
			struct wn_err *err)
{
	memset(r, 0, sizeof(*r));
	r->cat = cat;
	r->ops = ops;
	r->jobs = calloc(ops->batch, ops->job_size);
	r->runs = calloc(ops->batch, 1);
	r->pool = pool_create(ops->threads);
	if (!r->jobs || !r->runs || !r->pool)
		return wn_fail(err, WN_ENOMEM, "out of memory or threads");
	if (!ops->commit_as_done)
		return 0;
	r->slots = calloc(ops->batch, sizeof(*r->slots));
	r->done = calloc(ops->batch, 1);
	if (!r->slots || !r->done)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->finished, NULL);
	r->synced = 1;
	return 0;
}

/* Runs the last, partial batch when rc says all went well so far. */
static int runner_finish(struct runner *r, int rc, struct wn_err *err)
{
	if (rc == 0 && r->n)
		rc = run_batch(r, err);
	for (size_t i = 0; r->ops->release && i < r->n; i++)
		r->ops->release(job_at(r, i));
	pool_free(r->pool);
	free(r->jobs);
	free(r->runs);
	free(r->slots);
	free(r->done);
	if (r->synced) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->finished);
	}
	return rc ? -1 : 0;
}

int batch_walk(struct catalog *cat, const char *root, const struct walk_opts *opts,
	       const struct batch_ops *ops, struct wn_err *err)
{
	struct runner r;
	struct walk_opts wo = *opts;
	int rc = -1;

	if (runner_start(&r, cat, ops, err))
		goto out;
	r.on_error = opts->on_error;
	wo.on_error = opts->on_error ? walk_problem : NULL;
	rc = walk_tree(root, &wo, take_walked, &r, err);
	if (rc && r.err.code)
		*err = r.err;
out:
	return runner_finish(&r, rc, err);
}

int batch_list(struct catalog *cat, size_t n, const struct batch_ops *ops, struct wn_err *err)
{
	struct runner r;
	int rc = -1;

	if (runner_start(&r, cat, ops, err))
		goto out;
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = offer(&r, NULL, err);
out:
	return runner_finish(&r, rc, err);
}
