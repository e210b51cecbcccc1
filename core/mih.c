/* Multi-index hashing over four 16-bit chunks (see mih.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mih.h"

#define TABLES 4
#define BUCKETS 65536

/* One table: ids sorted by their chunk (counting sort, so ids ascend
 * within a bucket), with a copy of each full hash next to its id so a
 * bucket scan reads memory in order. */
struct table {
	uint32_t *start;   /* BUCKETS + 1 offsets */
	uint64_t *hash;    /* n, bucket order */
	uint32_t *id;      /* n, bucket order */
};

struct mih {
	const uint64_t *hashes;
	size_t n;
	struct table t[TABLES];
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
		struct table *t = &m->t[k];

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
	const struct mih *m;
	int radius;
	const uint8_t *skip;
	mih_pair_fn fn;
	void *data;
	_Atomic int stop;
	_Atomic size_t next;    /* next query id to take */
};

/* Whether table k is the first table in which i and j are close enough to
 * be probed: each pair is then reported by exactly one table. */
static int first_table(uint64_t a, uint64_t b, int k, int radius)
{
	for (int e = 0; e < k; e++) {
		int r = table_radius(radius, e);

		if (r >= 0 && __builtin_popcount(chunk(a, e) ^ chunk(b, e)) <= r)
			return 0;
	}
	return 1;
}

/* Scans one bucket for partners j > i of query i. */
static int scan_bucket(struct search *s, const struct table *t, unsigned bucket, size_t i,
		       uint64_t q, int k)
{
	uint32_t lo = t->start[bucket], hi = t->start[bucket + 1];

	/* Ids ascend within a bucket: skip to the first id above i. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->id[mid] <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t x = lo, end = t->start[bucket + 1]; x < end; x++) {
		int d = __builtin_popcountll(q ^ t->hash[x]);
		uint32_t j;
		int rc;

		if (d > s->radius)
			continue;
		j = t->id[x];
		if ((s->skip && s->skip[j]) || !first_table(q, t->hash[x], k, s->radius))
			continue;
		rc = s->fn(i, j, d, s->data);
		if (rc)
			return rc;
	}
	return 0;
}

/* Every chunk value within r bits of c: flips of up to 3 bit positions. */
static int probe(struct search *s, const struct table *t, size_t i, uint64_t q, int k, int r)
{
	unsigned c = chunk(q, k);
	int rc = scan_bucket(s, t, c, i, q, k);

	for (int b1 = 0; !rc && r >= 1 && b1 < 16; b1++) {
		rc = scan_bucket(s, t, c ^ (1u << b1), i, q, k);
		for (int b2 = b1 + 1; !rc && r >= 2 && b2 < 16; b2++) {
			rc = scan_bucket(s, t, c ^ (1u << b1) ^ (1u << b2), i, q, k);
			for (int b3 = b2 + 1; !rc && r >= 3 && b3 < 16; b3++)
				rc = scan_bucket(s, t, c ^ (1u << b1) ^ (1u << b2) ^ (1u << b3),
						 i, q, k);
		}
	}
	return rc;
}

static int query(struct search *s, size_t i)
{
	uint64_t q = s->m->hashes[i];

	for (int k = 0; k < TABLES; k++) {
		int r = table_radius(s->radius, k), rc;

		if (r < 0)
			continue;
		rc = probe(s, &s->m->t[k], i, q, k, r);
		if (rc)
			return rc;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct search *s = arg;
	size_t i;

	/* Queries are taken in blocks of 256 to keep the counter cold. */
	while (!atomic_load(&s->stop) && (i = atomic_fetch_add(&s->next, 256)) < s->m->n) {
		size_t end = i + 256 < s->m->n ? i + 256 : s->m->n;

		for (; i < end; i++) {
			int rc;

			if (s->skip && s->skip[i])
				continue;
			rc = query(s, i);
			if (rc) {
				int zero = 0;

				atomic_compare_exchange_strong(&s->stop, &zero, rc);
				break;
			}
		}
	}
	return NULL;
}

int mih_pairs(const struct mih *m, int radius, const uint8_t *skip, int threads,
	      mih_pair_fn fn, void *data, struct wn_err *err)
{
	struct search s = { m, radius, skip, fn, data, 0, 0 };
	pthread_t tid[64];
	int started = 0;

	if (radius < 0 || radius > MIH_MAX_RADIUS)
		return wn_fail(err, WN_EINVAL, "radius %d is not in 0..%d", radius, MIH_MAX_RADIUS);
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	for (; started < threads - 1; started++)
		if (pthread_create(&tid[started], NULL, worker, &s))
			break;
	worker(&s);  /* the calling thread takes queries too */
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	return atomic_load(&s.stop);
}
