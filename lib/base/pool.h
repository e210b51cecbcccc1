/* A fixed pool of worker threads with a bounded job queue: submitting
 * blocks while the queue is full, so a producer walking 300,000 files
 * never holds more than a few hundred jobs in memory. */
#ifndef WINNOW_POOL_H
#define WINNOW_POOL_H

struct pool;

typedef void (*pool_job_fn)(void *arg);

/* pool_cpu_count() : the cores this process may run on (at least 1). */
int pool_cpu_count(void);

/*
 * pool_create() : starts `threads` workers (0: pool_cpu_count()).
 * @return the pool, or NULL when threads could not be started.
 */
struct pool *pool_create(int threads);

/* pool_threads() : how many workers the pool runs. */
int pool_threads(const struct pool *p);

/* pool_submit() : queues fn(arg); blocks while the queue is full
 * (256 jobs, or 4 per thread when there are more than 64 threads) until a
 * worker takes a job. Cannot fail: the ring is allocated by pool_create(). */
void pool_submit(struct pool *p, pool_job_fn fn, void *arg);

/* pool_wait() : returns once every job submitted so far has finished. */
void pool_wait(struct pool *p);

/* pool_free() : waits for the jobs, stops the workers, frees the pool.
 * Accepts NULL. */
void pool_free(struct pool *p);

#endif
