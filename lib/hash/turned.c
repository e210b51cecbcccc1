/* Many thumbnails' dHashes in several orientations, on the worker pool:
 * for a million thumbnails the eight hashes each took 5-7 s on one core. */
#include <stdlib.h>

#include "base/base.h"
#include "hash/dhash.h"

#define JOB_THUMBS 8192  /* thumbnails a job: 2 MB read, a few ms of work */

struct turn_work {
	const uint8_t *thumbs;
	size_t n;
	const int *orient;
	size_t norient;
	uint64_t *out;
};

struct turn_job {
	const struct turn_work *w;
	size_t lo, hi;
};

static void hash_range(const struct turn_work *w, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		for (size_t t = 0; t < w->norient; t++)
			w->out[t * w->n + i] =
				thumb_dhash_turned(w->thumbs + i * THUMB_BYTES, w->orient[t]);
}

static void hash_job(void *arg)
{
	const struct turn_job *j = arg;

	hash_range(j->w, j->lo, j->hi);
}

void thumb_dhash_orients(const uint8_t *thumbs, size_t n, const int *orient, size_t norient,
			 int threads, uint64_t *out)
{
	struct turn_work w = { thumbs, n, orient, norient, out };
	size_t njobs = (n + JOB_THUMBS - 1) / JOB_THUMBS;
	struct turn_job *job = NULL;
	struct pool *p = NULL;

	if (threads > 1 && njobs > 1) {
		job = malloc(njobs * sizeof(*job));
		p = job ? pool_create(threads) : NULL;
	}
	if (!p) {  /* one thread, little work, or no pool: here */
		hash_range(&w, 0, n);
		free(job);
		return;
	}
	for (size_t k = 0; k < njobs; k++) {
		job[k].w = &w;
		job[k].lo = k * JOB_THUMBS;
		job[k].hi = job[k].lo + JOB_THUMBS < n ? job[k].lo + JOB_THUMBS : n;
		pool_submit(p, hash_job, &job[k]);
	}
	pool_free(p);  /* waits for the jobs */
	free(job);
}
