/* Worker threads over a bounded ring of jobs. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/pool.h"

struct job {
	pool_job_fn fn;
	void *arg;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t has_job, has_room, idle;
	struct job *ring;
	int cap, head, count;
	int running;      /* jobs taken by workers and not finished */
	int stopping;
	int nthreads;
	pthread_t *threads;
};

int pool_cpu_count(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static void *worker(void *data)
{
	struct pool *p = data;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job j;

		while (!p->count && !p->stopping)
			pthread_cond_wait(&p->has_job, &p->lock);
		if (!p->count)
			break;  /* stopping, and the queue is drained */
		j = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		p->running++;
		pthread_cond_signal(&p->has_room);
		pthread_mutex_unlock(&p->lock);
		j.fn(j.arg);
		pthread_mutex_lock(&p->lock);
		p->running--;
		if (!p->count && !p->running)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct pool *pool_create(int threads)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (threads <= 0)
		threads = pool_cpu_count();
	/* Room for a burst: a producer that must not stall (the scraper's
	 * download loop) hands over many small jobs at once. */
	p->cap = 4 * threads < 256 ? 256 : 4 * threads;
	p->ring = calloc((size_t)p->cap, sizeof(*p->ring));
	p->threads = calloc((size_t)threads, sizeof(*p->threads));
	if (!p->ring || !p->threads)
		goto fail;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->has_job, NULL);
	pthread_cond_init(&p->has_room, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p))
			break;
	if (p->nthreads == 0) {
		pool_free(p);
		return NULL;
	}
	return p;
fail:
	free(p->ring);
	free(p->threads);
	free(p);
	return NULL;
}

int pool_threads(const struct pool *p)
{
	return p->nthreads;
}

void pool_submit(struct pool *p, pool_job_fn fn, void *arg)
{
	pthread_mutex_lock(&p->lock);
	while (p->count == p->cap)
		pthread_cond_wait(&p->has_room, &p->lock);
	p->ring[(p->head + p->count) % p->cap] = (struct job){ fn, arg };
	p->count++;
	pthread_cond_signal(&p->has_job);
	pthread_mutex_unlock(&p->lock);
}

void pool_wait(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->count || p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->has_job);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->has_job);
	pthread_cond_destroy(&p->has_room);
	pthread_cond_destroy(&p->idle);
	free(p->ring);
	free(p->threads);
	free(p);
}
