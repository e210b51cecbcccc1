/* batch_walk() and batch_list(): hooks in order, per batch, commits in
 * item order whatever the pool does, a stop that releases every job, and
 * the transaction a batch on a real catalog. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/base.h"
#include "catalog/batch.h"
#include "catalog/images.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static char tree[200];

struct tjob {
	size_t index;
	char *rel;          /* owned: walked name */
	int worked;
	unsigned square;
};

struct trace {
	struct catalog *cat;
	struct strbuf log;  /* what the calling thread's hooks saw, in order */
	size_t fail_commit_at;   /* item index whose commit fails; SIZE_MAX: none */
	size_t fail_take_at;
	size_t taken_max;        /* highest index offered */
};

static int take(void *data, void *job, const struct walk_entry *e, size_t index,
		struct wn_err *err)
{
	struct trace *t = data;
	struct tjob *j = job;

	assert_int_equal(j->index, 0);  /* the slot arrives zeroed */
	assert_null(j->rel);
	t->taken_max = index;
	if (e && !(j->rel = strdup(e->rel)))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (index == t->fail_take_at)
		return wn_fail(err, WN_EINVAL, "take %zu failed", index);
	if (!e && index % 3 == 1)
		return 0;  /* left out */
	j->index = index;
	strbuf_addf(&t->log, "t%zu ", index);
	return 1;
}

static int plan(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct trace *t = data;
	struct tjob *j = (struct tjob *)jobs + i;

	(void)err;
	strbuf_addf(&t->log, "p%zu ", j->index);
	return j->index % 5 != 0;  /* multiples of 5 are current: not run */
}

/* prepare() and settle() note the batch's size: P3, S3. */
static int note_batch(void *data, char hook, size_t n)
{
	strbuf_addf(&((struct trace *)data)->log, "%c%zu ", hook, n);
	return 0;
}

static int prepare(void *data, void *jobs, size_t n, struct wn_err *err)
{
	(void)jobs;
	(void)err;
	return note_batch(data, 'P', n);
}

static void work(void *job)
{
	struct tjob *j = job;

	j->worked++;
	j->square = (unsigned)(j->index * j->index);
}

static int commit(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct trace *t = data;
	struct tjob *j = (struct tjob *)jobs + i;
	struct image_row r;

	assert_int_equal(j->worked, 1);
	assert_int_equal(j->square, j->index * j->index);
	if (j->index == t->fail_commit_at)
		return wn_fail(err, WN_EINVAL, "commit %zu failed", j->index);
	strbuf_addf(&t->log, "c%zu ", j->index);
	memset(&r, 0, sizeof(r));
	r.path = j->rel ? j->rel : "x";
	r.status = IMAGE_OK;
	r.size = (int64_t)j->index;
	return j->rel ? images_upsert(t->cat, &r, NULL, err) : 0;
}

static int settle(void *data, void *jobs, size_t n, struct wn_err *err)
{
	(void)err;
	(void)jobs;
	return note_batch(data, 'S', n);
}

static int nreleased;

static void release(void *job)
{
	struct tjob *j = job;

	nreleased++;
	free(j->rel);
	j->rel = NULL;
}

/* A fresh trace with its own catalog, and ops running every hook. */
static void start(struct trace *t, struct batch_ops *ops, const char *db, size_t batch,
		  int threads)
{
	char path[256];

	memset(t, 0, sizeof(*t));
	strbuf_init(&t->log);
	snprintf(path, sizeof(path), "%s/%s", fx_dir, db);
	assert_int_equal(catalog_open(path, CATALOG_CREATE, &t->cat, NULL), 0);
	t->fail_commit_at = t->fail_take_at = (size_t)-1;
	*ops = (struct batch_ops){ .job_size = sizeof(struct tjob), .batch = batch,
				   .threads = threads, .take = take, .plan = plan,
				   .prepare = prepare, .work = work, .commit = commit,
				   .settle = settle, .release = release, .data = t };
	nreleased = 0;
}

static void finish(struct trace *t)
{
	strbuf_release(&t->log);
	catalog_close(t->cat);
}

/* Items 0..9 in batches of 3 taken ones: 1, 4, 7 left out, 0 and 5 not run. */
UNIT_TEST(test_list_order_and_batches)
{
	struct trace t;
	struct batch_ops ops;
	struct wn_err err = { 0 };

	/* the same with each job committed as soon as it is done */
	for (int early = 0; early <= 1; early++) {
		start(&t, &ops, early ? "list-early.db" : "list.db", 3, 4);
		ops.commit_as_done = early;
		assert_int_equal(batch_list(t.cat, 10, &ops, &err), 0);
		assert_string_equal(t.log.buf,
				    "t0 t2 t3 p0 p2 p3 P3 c2 c3 S3 "
				    "t5 t6 t8 p5 p6 p8 P3 c6 c8 S3 "
				    "t9 p9 P1 c9 S1 ");
		assert_int_equal(t.taken_max, 9);
		assert_int_equal(nreleased, 7);
		finish(&t);
	}
}

/* commit_as_done: the calling thread writes job 1 while the pool still
 * works on the batch. The last job's work waits (up to 5 s) for that
 * commit; without the overlap it would wait in vain. */
static pthread_mutex_t overlap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t overlap_cond = PTHREAD_COND_INITIALIZER;
static int first_committed, last_saw_it;

static void work_waiting(void *job)
{
	struct tjob *j = job;
	struct timespec until;

	work(job);
	if (j->index != 11)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&overlap_lock);
	while (!first_committed &&
	       pthread_cond_timedwait(&overlap_cond, &overlap_lock, &until) == 0)
		;
	last_saw_it = first_committed;
	pthread_mutex_unlock(&overlap_lock);
}

static int commit_telling(void *data, void *jobs, size_t i, struct wn_err *err)
{
	int rc = commit(data, jobs, i, err);

	pthread_mutex_lock(&overlap_lock);
	first_committed = 1;
	pthread_cond_broadcast(&overlap_cond);
	pthread_mutex_unlock(&overlap_lock);
	return rc;
}

UNIT_TEST(test_commit_as_done_overlaps_the_work)
{
	struct trace t;
	struct batch_ops ops;
	struct wn_err err = { 0 };
	struct image_stamp s;

	start(&t, &ops, "early.db", 12, 1);
	ops.work = work_waiting;
	ops.commit = commit_telling;
	ops.commit_as_done = 1;
	first_committed = last_saw_it = 0;
	assert_int_equal(batch_walk(t.cat, tree, &(struct walk_opts){ 0 }, &ops, &err), 0);
	assert_int_equal(last_saw_it, 1);
	assert_non_null(strstr(t.log.buf, "P12 c1 c2 c3 c4 c6 c7 c8 c9 c11 S12 "));
	/* the batch's rows, all in */
	assert_int_equal(images_stamp(t.cat, "f01", &s, &err), 1);
	assert_int_equal(images_stamp(t.cat, "f11", &s, &err), 1);
	assert_int_equal(images_stamp(t.cat, "f05", &s, &err), 0);
	finish(&t);
}

/* A failed commit rolls back its batch, keeps the batches before, takes
 * nothing more and releases every job. */
UNIT_TEST(test_commit_error_stops)
{
	struct trace t;
	struct batch_ops ops;
	struct wn_err err = { 0 };
	struct image_stamp s;

	start(&t, &ops, "stop.db", 4, 2);
	t.fail_commit_at = 6;           /* the walk's 7th file, in the second batch */
	assert_int_equal(batch_walk(t.cat, tree, &(struct walk_opts){ 0 }, &ops, &err), -1);
	assert_string_equal(err.msg, "commit 6 failed");
	assert_int_equal(t.taken_max, 7);  /* the second batch was full: no more */
	assert_int_equal(nreleased, 8);
	/* the first batch's rows stayed (f00 is current: not run); none of the second */
	assert_int_equal(images_stamp(t.cat, "f01", &s, &err), 1);
	assert_int_equal(images_stamp(t.cat, "f03", &s, &err), 1);
	assert_int_equal(images_stamp(t.cat, "f05", &s, &err), 0);
	assert_int_equal(images_stamp(t.cat, "f00", &s, &err), 0);
	/* no transaction left open */
	assert_int_equal(catalog_begin(t.cat, &err), 0);
	catalog_rollback(t.cat);
	finish(&t);
}

/* A failing take() stops the walk; what it allocated is released; a
 * missing root is the walk's own error. */
UNIT_TEST(test_take_error_and_missing_root)
{
	struct trace t;
	struct batch_ops ops;
	struct wn_err err = { 0 };
	char none[256];

	start(&t, &ops, "take.db", 4, 1);
	t.fail_take_at = 2;
	assert_int_equal(batch_walk(t.cat, tree, &(struct walk_opts){ 0 }, &ops, &err), -1);
	assert_string_equal(err.msg, "take 2 failed");
	assert_string_equal(t.log.buf, "t0 t1 ");  /* nothing planned or run */
	assert_int_equal(nreleased, 3);
	snprintf(none, sizeof(none), "%s/none", fx_dir);
	t.fail_take_at = (size_t)-1;
	assert_int_equal(batch_walk(t.cat, none, &(struct walk_opts){ 0 }, &ops, &err), -1);
	assert_non_null(strstr(err.msg, "none"));
	finish(&t);
}

/* twelve one-byte files, tree/f00 .. tree/f11, in the program's folder */
static int setup(void **state)
{
	fx_dir_setup(state);
	snprintf(tree, sizeof(tree), "%s/tree", fx_dir);
	assert_int_equal(mkdir(tree, 0755), 0);
	for (int i = 0; i < 12; i++) {
		char path[300];

		snprintf(path, sizeof(path), "%s/f%02d", tree, i);
		fx_write(path, "x", 1);
	}
	return 0;
}

UNIT_GROUP(setup, fx_dir_teardown)
