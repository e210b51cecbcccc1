/* Multi-index hashing over four 16-bit chunks (see mih.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hash/mih.h"

#define TABLES 4
#define BUCKETS 65536

/* One table: ids sorted by their chunk (counting sort, so ids ascend
 * within a bucket), with a copy of each full hash next to its id so a
 * bucket scan reads memory in order. */
struct chunk_table {
	uint32_t *start;   /* BUCKETS + 1 offsets */
	uint64_t *hash;    /* n, bucket order */
	uint32_t *id;      /* n, bucket order */
};

struct mih {
	const uint64_t *hashes;
	size_t n;
	struct chunk_table t[TABLES];
};

static inline unsigned chunk(uint64_t h, int k)
{
	return (unsigned)(h >> (16 * (3 - k))) & 0xffff;
}

void mih_free(struct mih *m)
{
	if (!m)
		return;
	for (int k = 0; k < TABLES; k++) {
		free(m->t[k].start);
		free(m->t[k].hash);
		free(m->t[k].id);
	}
	free(m);
}

struct mih *mih_build(const uint64_t *hashes, size_t n)
{
	struct mih *m;

	if (n > UINT32_MAX)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->hashes = hashes;
	m->n = n;
	for (int k = 0; k < TABLES; k++) {
		struct chunk_table *t = &m->t[k];

		t->start = calloc(BUCKETS + 1, sizeof(*t->start));
		t->hash = malloc((n ? n : 1) * sizeof(*t->hash));
		t->id = malloc((n ? n : 1) * sizeof(*t->id));
		if (!t->start || !t->hash || !t->id) {
			mih_free(m);
			return NULL;
		}
		for (size_t i = 0; i < n; i++)
			t->start[chunk(hashes[i], k) + 1]++;
		for (int b = 0; b < BUCKETS; b++)
			t->start[b + 1] += t->start[b];
		/* Fill with a moving cursor per bucket; start[] is restored after. */
		for (size_t i = 0; i < n; i++) {
			uint32_t at = t->start[chunk(hashes[i], k)]++;

			t->hash[at] = hashes[i];
			t->id[at] = (uint32_t)i;
		}
		for (int b = BUCKETS; b > 0; b--)
			t->start[b] = t->start[b - 1];
		t->start[0] = 0;
	}
	return m;
}

/*
 * The refined pigeonhole bound (Norouzi et al., Proposition 1): with
 * r = 4 r' + a (0 <= a < 4), a pair within r has a chunk k <= a within r'
 * of the query's, or some chunk within r' - 1. So tables 0..a are probed
 * to radius r', the others to r' - 1.
 */
static int table_radius(int radius, int k)
{
	int rp = radius / TABLES, a = radius % TABLES;

	return k <= a ? rp : rp - 1;
}

struct search {
	const struct mih *m;     /* the index */
	const struct mih *q;     /* the queries: m itself for a self-join */
	int radius;              /* sets each table's probe radius */
	int reach;               /* the largest distance reported (>= radius) */
	const uint8_t *skip;
	mih_pair_fn fn;
	void *data;
	_Atomic int stop;
	_Atomic uint32_t next;   /* next block of (table, bucket) work */
};

/* Whether table k is the first table in which a and b are close enough to
 * be joined: each pair is then reported by exactly one table. */
static int first_table(uint64_t a, uint64_t b, int k, int radius)
{
	for (int e = 0; e < k; e++) {
		int r = table_radius(radius, e);

		if (r >= 0 && __builtin_popcount(chunk(a, e) ^ chunk(b, e)) <= r)
			return 0;
	}
	return 1;
}

/* Entry x of query table tq and entry y of index table t are within the
 * radius: reports them unless skipped or found by an earlier table. */
static int report(struct search *s, const struct chunk_table *tq, const struct chunk_table *t,
		  uint32_t x, uint32_t y, int k, int d)
{
	uint32_t i = tq->id[x], j = t->id[y];

	if (s->skip && (s->skip[i] || s->skip[j]))
		return 0;
	if (!first_table(tq->hash[x], t->hash[y], k, s->radius))
		return 0;
	if (s->q != s->m || i < j)
		return s->fn(i, j, d, s->data);
	return s->fn(j, i, d, s->data);
}

/* All close pairs inside bucket b, or between buckets b and c. The inner
 * loop is a popcount per pair: x86-64's baseline has no POPCNT, so GCC
 * builds a POPCNT clone too and picks it at load time where the CPU has
 * it (4x faster here). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("popcnt", "default")))
#endif
static int join_buckets(struct search *s, int k, unsigned b, unsigned c)
{
	const struct chunk_table *tq = &s->q->t[k], *t = &s->m->t[k];
	uint32_t b0 = tq->start[b], b1 = tq->start[b + 1];
	uint32_t c0 = t->start[c], c1 = t->start[c + 1];
	int self = s->q == s->m && b == c;

	for (uint32_t x = b0; x < b1; x++) {
		uint64_t h = tq->hash[x];

		for (uint32_t y = self ? x + 1 : c0; y < c1; y++) {
			int d = __builtin_popcountll(h ^ t->hash[y]), rc;

			if (d > s->reach)
				continue;
			rc = report(s, tq, t, x, y, k, d);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * A join per table: each query bucket against every index bucket whose
 * chunk value is within the table's radius (in a self-join, each unordered
 * pair of buckets once). Walking buckets rather than queries touches each
 * bucket once per neighbour mask instead of once per query, which keeps
 * it in cache.
 */
static int join_range(struct search *s, int k, const uint16_t *masks, int nmasks,
		      unsigned lo, unsigned hi)
{
	const struct chunk_table *tq = &s->q->t[k], *t = &s->m->t[k];

	for (unsigned b = lo; b < hi; b++) {
		if (tq->start[b] == tq->start[b + 1])
			continue;
		for (int mi = 0; mi < nmasks; mi++) {
			unsigned c = b ^ masks[mi];
			int rc;

			if ((s->q == s->m && c < b) || t->start[c] == t->start[c + 1])
				continue;
			rc = join_buckets(s, k, b, c);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Chunk masks of up to r set bits, 0 first; returns how many. */
static int make_masks(int r, uint16_t *masks)
{
	int n = 0;

	for (unsigned v = 0; v < BUCKETS; v++)
		if (__builtin_popcount(v) <= r)
			masks[n++] = (uint16_t)v;
	return n;
}

#define BLOCK 256  /* buckets per unit of work */

static void *worker(void *arg)
{
	struct search *s = arg;
	static const int units = TABLES * (BUCKETS / BLOCK);
	uint16_t *masks = malloc(BUCKETS * sizeof(*masks));
	int mask_radius = -1, nmasks = 0;
	uint32_t u;

	if (!masks) {
		int zero = 0;

		atomic_compare_exchange_strong(&s->stop, &zero, -1);
		return NULL;
	}
	while (!atomic_load(&s->stop) && (u = atomic_fetch_add(&s->next, 1)) < (uint32_t)units) {
		int k = (int)(u / (BUCKETS / BLOCK)), r = table_radius(s->radius, k), rc;
		unsigned lo = (u % (BUCKETS / BLOCK)) * BLOCK;

		if (r < 0)
			continue;
		if (r != mask_radius) {
			nmasks = make_masks(r, masks);
			mask_radius = r;
		}
		rc = join_range(s, k, masks, nmasks, lo, lo + BLOCK);
		if (rc) {
			int zero = 0;

			atomic_compare_exchange_strong(&s->stop, &zero, rc);
		}
	}
	free(masks);
	return NULL;
}

static int search(struct search *s, int threads, struct wn_err *err)
{
	int rc, radius = s->radius;
	pthread_t tid[64];
	int started = 0;

	if (radius < 0 || radius > MIH_MAX_RADIUS)
		return wn_fail(err, WN_EINVAL, "radius %d is not in 0..%d", radius, MIH_MAX_RADIUS);
	if (s->reach < radius || s->reach > 64)
		return wn_fail(err, WN_EINVAL, "reach %d is not in %d..64", s->reach, radius);
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	for (; started < threads - 1; started++)
		if (pthread_create(&tid[started], NULL, worker, s))
			break;
	worker(s);  /* the calling thread takes queries too */
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	rc = atomic_load(&s->stop);
	if (rc == -1)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return rc;
}

int mih_pairs(const struct mih *m, int radius, const uint8_t *skip, int threads,
	      mih_pair_fn fn, void *data, struct wn_err *err)
{
	struct search s = { m, m, radius, radius, skip, fn, data, 0, 0 };

	return search(&s, threads, err);
}

int mih_cross(const struct mih *queries, const struct mih *index, int radius, int threads,
	      mih_pair_fn fn, void *data, struct wn_err *err)
{
	return mih_cross_reach(queries, index, radius, radius, threads, fn, data, err);
}

int mih_cross_reach(const struct mih *queries, const struct mih *index, int radius, int reach,
		    int threads, mih_pair_fn fn, void *data, struct wn_err *err)
{
	struct search s = { index, queries, radius, reach, NULL, fn, data, 0, 0 };

	return search(&s, threads, err);
}

int mih_meets(uint64_t a, uint64_t b, int radius, int reach)
{
	int d = __builtin_popcountll(a ^ b);

	if (d <= radius)
		return 1;
	return d <= reach && !first_table(a, b, TABLES, radius);
}

/* Per table, how many of the n hashes fall in each bucket. */
static uint32_t *bucket_counts(const uint64_t *h, size_t n)
{
	uint32_t *count = calloc((size_t)TABLES * BUCKETS, sizeof(*count));

	if (count)
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < TABLES; k++)
				count[k * BUCKETS + chunk(h[i], k)]++;
	return count;
}

double mih_cost(const uint64_t *queries, size_t nq, const uint64_t *hashes, size_t n,
		int radius)
{
	uint32_t *cq = bucket_counts(queries, nq);
	uint32_t *ch = queries == hashes ? cq : bucket_counts(hashes, n);
	uint16_t *masks = malloc(BUCKETS * sizeof(*masks));
	double cost = -1;

	if (!cq || !ch || !masks || radius < 0 || radius > MIH_MAX_RADIUS)
		goto out;
	cost = 0;
	for (int k = 0; k < TABLES; k++) {
		int r = table_radius(radius, k), nmasks = r < 0 ? 0 : make_masks(r, masks);
		const uint32_t *q = cq + k * BUCKETS, *h = ch + k * BUCKETS;

		for (unsigned b = 0; b < BUCKETS; b++) {
			double sum = 0;

			if (!q[b])
				continue;
			for (int m = 0; m < nmasks; m++)
				sum += h[b ^ masks[m]];
			cost += sum * q[b];
		}
	}
	if (queries == hashes)
		cost /= 2;   /* each pair of buckets joined once */
out:
	free(masks);
	if (ch != cq)
		free(ch);
	free(cq);
	return cost;
}
