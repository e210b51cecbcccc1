/* The thread pool and the progress line. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "base/pool.h"
#include "base/progress.h"
#include "tests/unit/unit.h"

static _Atomic int counter;

static void bump(void *arg)
{
	atomic_fetch_add(&counter, *(int *)arg);
}

UNIT_TEST(test_pool_runs_every_job)
{
	int one = 1, threads[] = { 1, 2, 7 };

	assert_true(pool_cpu_count() >= 1);
	for (size_t t = 0; t < 3; t++) {
		struct pool *p = pool_create(threads[t]);

		assert_non_null(p);
		assert_int_equal(pool_threads(p), threads[t]);
		atomic_store(&counter, 0);
		for (int i = 0; i < 10000; i++)
			pool_submit(p, bump, &one);
		pool_wait(p);
		assert_int_equal(atomic_load(&counter), 10000);
		/* Reusable after a wait, and freeing waits for the rest. */
		for (int i = 0; i < 500; i++)
			pool_submit(p, bump, &one);
		pool_free(p);
		assert_int_equal(atomic_load(&counter), 10500);
	}
	pool_free(NULL);
}

UNIT_TEST(test_progress_format)
{
	struct progress *p = progress_start(NULL, "scan", 10);
	char line[160];

	progress_add(p, 5, 1);
	progress_format(p, line, sizeof(line));
	assert_non_null(strstr(line, "scan 5/10  50%"));
	assert_non_null(strstr(line, "1 error"));
	assert_null(strstr(line, "errors"));
	progress_add(p, 1, 1);
	progress_format(p, line, sizeof(line));
	assert_non_null(strstr(line, "2 errors"));
	assert_null(strstr(line, "MB/s"));
	progress_add_bytes(p, 5000000);
	progress_format(p, line, sizeof(line));
	assert_non_null(strstr(line, "MB/s"));
	assert_non_null(strstr(line, "2 errors"));
	progress_finish(p);
	p = progress_start(NULL, "walk", 0);
	progress_add(p, 3, 0);
	progress_format(p, line, sizeof(line));
	assert_non_null(strstr(line, "walk 3 "));
	assert_null(strstr(line, "%"));
	progress_finish(p);
	progress_add(NULL, 1, 1);
	progress_finish(NULL);
}
