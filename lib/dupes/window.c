/* The bounded pair search (internal.h): sorted orders of bit-shuffled
 * dHashes, each query ranked against its neighbours in every order, the
 * nearest few that qualify passed on once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

struct entry {
	uint64_t key;      /* the hash, its bits shuffled by the order */
	uint32_t id;
};

/* A shuffle of the 64 bits, applied a byte at a time, and its inverse. */
struct shuffle {
	uint64_t byte[8][256];
	uint64_t back[8][256];
};

/* A list's nearest qualifying (query, entry) pairs so far, nearest first:
 * the query as its block (x / stride), in one cache line. */
struct kept {
	uint32_t id[WINDOW_KEEP];
	uint8_t block[WINDOW_KEEP];
	uint8_t dist[WINDOW_KEEP];
	uint8_t n;
} __attribute__((aligned(64)));

struct wsearch {
	const uint64_t *q, *h;   /* q == h: a self-join */
	size_t nq, n;
	size_t stride;           /* queries a block; query x's list is x % stride */
	int radius, reach;
	int threads;
	struct entry *eq, *eh;   /* this order's sorted block of queries, entries */
	size_t base;             /* the block's first query */
	struct kept *kept;       /* stride */
	uint8_t *cut;            /* stride: a list's kept[].dist[WINDOW_KEEP - 1]
				  * when full, else CUT_OPEN: pairs this far or
				  * farther cannot enter it, so ranking them needs
				  * no read of the list (1 byte a list, not a line) */
	const struct shuffle *sh;   /* this order's */
	window_fn fn;
	void *data;
	_Atomic int stop;        /* fn's value */
	_Atomic int oom;         /* a pass_on() job found no memory */
};

#define CUT_OPEN 255

struct wjob {
	struct wsearch *s;
	size_t lo, hi;           /* positions in eq, or queries to pass on */
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Order k's shuffle: the same on every machine and run. */
static void make_shuffle(int k, struct shuffle *sh)
{
	uint64_t seed = 0x5eed0000u + (uint64_t)k;
	int to[64], from[64];

	for (int b = 0; b < 64; b++)
		to[b] = b;
	for (int b = 63; b > 0; b--) {
		int j = (int)(splitmix(&seed) % (uint64_t)(b + 1)), t = to[b];

		to[b] = to[j];
		to[j] = t;
	}
	for (int b = 0; b < 64; b++)
		from[to[b]] = b;
	memset(sh, 0, sizeof(*sh));
	for (int i = 0; i < 8; i++)
		for (int v = 0; v < 256; v++)
			for (int bit = 0; bit < 8; bit++)
				if (v >> bit & 1) {
					sh->byte[i][v] |= 1ull << to[i * 8 + bit];
					sh->back[i][v] |= 1ull << from[i * 8 + bit];
				}
}

/* The bits of v (shuffled by sh) back where they were. */
static uint64_t unshuffle(const struct shuffle *sh, uint64_t v)
{
	uint64_t u = 0;

	for (int b = 0; b < 8; b++)
		u |= sh->back[b][(v >> (8 * b)) & 0xff];
	return u;
}

/* The sort's digits: three of 11, 11 and 10 bits make a key's top 32
 * (2,048 bins a pass: what a pass writes to at once stays in cache). */
#define DIGIT_BITS 11
#define DIGITS 3
#define BINS (1 << DIGIT_BITS)

static unsigned digit(uint64_t key, int k)
{
	return (unsigned)(key >> (32 + DIGIT_BITS * k)) & (BINS - 1);
}

/* A sort in parts, one a thread: part k shuffles, counts and moves its
 * slice of the entries; each bin takes the parts' entries in part order,
 * so the sort is stable whatever the number of parts. */
#define SORT_PARTS 8

struct sort_part {
	const struct shuffle *sh;
	const uint64_t *h;       /* the hashes (the first pass) */
	struct entry *src, *dst; /* this pass's */
	size_t lo, hi;           /* the part's slice */
	int d;                   /* this pass's digit */
	uint32_t count[DIGITS * BINS];   /* the part's counts, then where its
					  * next of each bin goes */
};

static void shuffle_part(void *arg)
{
	struct sort_part *t = arg;

	memset(t->count, 0, sizeof(t->count));
	for (size_t i = t->lo; i < t->hi; i++) {
		uint64_t k = 0;

#pragma GCC unroll 8
		for (int b = 0; b < 8; b++)
			k |= t->sh->byte[b][(t->h[i] >> (8 * b)) & 0xff];
		t->dst[i].key = k;
		t->dst[i].id = (uint32_t)i;
		for (int d = 0; d < DIGITS; d++)
			t->count[d * BINS + digit(k, d)]++;
	}
}

/* The part's counts of this pass's digit in its slice of src (the first
 * pass's are counted as the keys are made). */
static void count_part(void *arg)
{
	struct sort_part *t = arg;
	uint32_t *c = t->count + t->d * BINS;

	memset(c, 0, BINS * sizeof(*c));
	for (size_t i = t->lo; i < t->hi; i++)
		c[digit(t->src[i].key, t->d)]++;
}

static void move_part(void *arg)
{
	struct sort_part *t = arg;
	uint32_t *c = t->count + t->d * BINS;

	for (size_t i = t->lo; i < t->hi; i++)
		t->dst[c[digit(t->src[i].key, t->d)]++] = t->src[i];
}

/* fn on each of the n items of size bytes at items, on the pool (or
 * here), all done on return. */
static void run_each(struct pool *p, void (*fn)(void *), void *items, size_t size, int n)
{
	for (int k = 0; k < n; k++)
		if (p)
			pool_submit(p, fn, (char *)items + (size_t)k * size);
		else
			fn((char *)items + (size_t)k * size);
	if (p)
		pool_wait(p);
}

/* The n hashes shuffled into e, sorted stably by the keys' top 32 bits
 * (counting passes from the lowest digit; ties stay in id order), in
 * parts (part holds SORT_PARTS) on the pool. */
static void fill_sorted(const struct shuffle *sh, const uint64_t *h, size_t n, struct entry *e,
			struct entry *tmp, struct sort_part *part, struct pool *p, int threads)
{
	int parts = n < 65536 || threads < 2 ? 1 : threads < SORT_PARTS ? threads : SORT_PARTS;

	for (int k = 0; k < parts; k++) {
		part[k].sh = sh;
		part[k].h = h;
		part[k].dst = tmp;
		part[k].lo = n * (size_t)k / (size_t)parts;
		part[k].hi = n * (size_t)(k + 1) / (size_t)parts;
	}
	p = parts > 1 ? p : NULL;
	run_each(p, shuffle_part, part, sizeof(*part), parts);
	for (int d = 0; d < DIGITS; d++) {
		uint32_t sum = 0;

		for (int k = 0; k < parts; k++) {
			part[k].src = d == 1 ? e : tmp;
			part[k].dst = d == 1 ? tmp : e;
			part[k].d = d;
		}
		if (d > 0 && parts > 1)   /* one part: counted with the keys */
			run_each(p, count_part, part, sizeof(*part), parts);
		for (int b = 0; b < BINS; b++)
			for (int k = 0; k < parts; k++) {
				uint32_t here = part[k].count[d * BINS + b];

				part[k].count[d * BINS + b] = sum;
				sum += here;
			}
		run_each(p, move_part, part, sizeof(*part), parts);
	}
}

/* Ranks the pair (query of block, entry id) at distance d into k: kept when
 * among the WINDOW_KEEP nearest (ties: the first met), an entry once.
 * Only for d below k's cut (else nothing is nearer to make room for: a
 * kept id is nearer). Returns k's cut after. */
static uint8_t keep(struct kept *k, uint8_t block, uint32_t id, int d)
{
	int at = k->n;

	for (int i = 0; i < k->n; i++)
		if (k->id[i] == id) {
			if (k->dist[i] <= d)
				goto out;
			for (at = i; at + 1 < k->n; at++) {   /* nearer: moves up */
				k->block[at] = k->block[at + 1];
				k->id[at] = k->id[at + 1];
				k->dist[at] = k->dist[at + 1];
			}
			k->n--;
			at = k->n;
			break;
		}
	if (at < WINDOW_KEEP)
		k->n++;
	else
		at--;
	for (; at > 0 && k->dist[at - 1] > d; at--) {
		k->block[at] = k->block[at - 1];
		k->id[at] = k->id[at - 1];
		k->dist[at] = k->dist[at - 1];
	}
	k->block[at] = block;
	k->id[at] = id;
	k->dist[at] = (uint8_t)d;
out:
	return k->n == WINDOW_KEEP ? k->dist[WINDOW_KEEP - 1] : CUT_OPEN;
}

/* Whether query x and entry y, their keys differing in the bits of diff
 * (d of them: a shuffle keeps distances), qualify. mih_meets(a, b) looks
 * at a ^ b only: it gets diff unshuffled, against 0, and no hash is read. */
static int qualifies(const struct wsearch *s, uint32_t x, uint32_t y, uint64_t diff, int d)
{
	if (s->q == s->h)
		return x != y && d <= s->radius;
	return d <= s->radius ||
	       (d <= s->reach && mih_meets(unshuffle(s->sh, diff), 0, s->radius, s->reach));
}

/* The first of eh's n keys not below key's top 32 bits. */
static size_t lower_bound(const struct entry *eh, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (eh[mid].key >> 32 < key >> 32)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A query's candidates that may enter its list, in the order met. */
struct met {
	uint32_t l, n;           /* query base + l: list l (base % stride == 0) */
	uint32_t id[2 * WINDOW_SIDE + 1];
	uint8_t d[2 * WINDOW_SIDE + 1];
};

/* Lists waiting for their line: a list is read (keep()) AHEAD queries
 * after its prefetch. */
#define AHEAD 16

/* The query at sorted position p against the WINDOW_SIDE entries on each
 * side of where it sorts among the entries (from *at on): into m, those
 * that qualify and are nearer than its list's cut. Each list is one
 * query's in an order and block, so the cut holds until m is kept. */
static inline __attribute__((always_inline)) void meet(const struct wsearch *s, size_t p,
							size_t *at, struct met *m)
{
	uint64_t key = s->eq[p].key;
	uint8_t cut = s->cut[s->eq[p].id];
	size_t from, to;

	m->l = s->eq[p].id;
	m->n = 0;
	while (*at < s->n && s->eh[*at].key >> 32 < key >> 32)
		(*at)++;
	from = *at > WINDOW_SIDE ? *at - WINDOW_SIDE : 0;
	to = *at + WINDOW_SIDE + 1 < s->n ? *at + WINDOW_SIDE + 1 : s->n;
	for (size_t y = from; y < to; y++) {
		uint64_t diff = key ^ s->eh[y].key;
		int d = __builtin_popcountll(diff);

		if (d < cut && qualifies(s, (uint32_t)(s->base + m->l), s->eh[y].id, diff, d)) {
			m->id[m->n] = s->eh[y].id;
			m->d[m->n++] = (uint8_t)d;
		}
	}
}

/* m's candidates ranked into its list, in the order met. */
static void keep_met(const struct wsearch *s, const struct met *m, uint8_t block)
{
	uint8_t cut = s->cut[m->l];

	for (uint32_t i = 0; i < m->n; i++)
		if (m->d[i] < cut)
			cut = keep(&s->kept[m->l], block, m->id[i], m->d[i]);
	s->cut[m->l] = cut;
}

/* Queries at sorted positions lo..hi, met in hash order: their lists are
 * random lines, so only those with candidates are read, each AHEAD queries
 * after a prefetch. A popcount a pair: built with POPCNT too where the CPU
 * has it (as mih.c). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("popcnt", "default")))
#endif
static void rank_range(void *arg)
{
	const struct wjob *j = arg;
	const struct wsearch *s = j->s;
	size_t at = lower_bound(s->eh, s->n, j->lo < j->hi ? s->eq[j->lo].key : 0);
	uint8_t block = (uint8_t)(s->base / s->stride);
	struct met ring[AHEAD];
	size_t head = 0, waiting = 0;

	for (size_t p = j->lo; p < j->hi; p++) {
		struct met *m = &ring[(head + waiting) % AHEAD];

		if (p + 2 * AHEAD < j->hi)
			__builtin_prefetch(&s->cut[s->eq[p + 2 * AHEAD].id], 1);
		meet(s, p, &at, m);
		if (!m->n)
			continue;
		__builtin_prefetch(&s->kept[m->l], 1);
		if (++waiting == AHEAD) {
			keep_met(s, &ring[head], block);
			head = (head + 1) % AHEAD;
			waiting--;
		}
	}
	for (; waiting; waiting--, head = (head + 1) % AHEAD)
		keep_met(s, &ring[head], block);
}

/* A kept pair on its way to fn: query a, entry b. */
struct passed {
	uint32_t a, b;
	uint8_t d;
};

/* Pairs handed on by entry in bins of this many: a bin's thumbnails (and,
 * for a self-join, lists) stay in cache while its pairs are verified. */
#define PASS_BIN_SHIFT 10

/* Lists lo..hi's kept pairs, by bin of their entry (in list order within
 * a bin), into *out (malloc'd; NULL when out of memory); returns how many. */
static size_t gather_kept(const struct wsearch *s, size_t lo, size_t hi, struct passed **out)
{
	size_t total = 0, bins = (s->n >> PASS_BIN_SHIFT) + 1;
	uint32_t *count = calloc(bins + 1, sizeof(*count));
	struct passed *p;

	for (size_t l = lo; l < hi; l++)
		total += s->kept[l].n;
	p = malloc((total + 1) * sizeof(*p));
	*out = p;
	if (!count || !p) {
		free(p);
		*out = NULL;
		goto out;
	}
	for (size_t l = lo; l < hi; l++)
		for (int i = 0; i < s->kept[l].n; i++)
			count[(s->kept[l].id[i] >> PASS_BIN_SHIFT) + 1]++;
	for (size_t b = 0; b < bins; b++)
		count[b + 1] += count[b];
	for (size_t l = lo; l < hi; l++)
		for (int i = 0; i < s->kept[l].n; i++) {
			const struct kept *k = &s->kept[l];

			p[count[k->id[i] >> PASS_BIN_SHIFT]++] = (struct passed){
				(uint32_t)(k->block[i] * s->stride + l), k->id[i], k->dist[i] };
		}
out:
	free(count);
	return total;
}

/* Lists lo..hi: their kept pairs to fn, by entry (fn's order is free:
 * the entries' data are then read in runs, not at random). */
static void pass_on(void *arg)
{
	const struct wjob *j = arg;
	struct wsearch *s = j->s;
	struct passed *p;
	size_t n = gather_kept(s, j->lo, j->hi, &p);

	if (!p) {
		atomic_store(&s->oom, 1);
		return;
	}
	for (size_t k = 0; k < n && !atomic_load(&s->stop); k++) {
		size_t a = p[k].a, b = p[k].b;
		int rc, zero = 0;

		if (s->q == s->h && b < a) {
			/* from b's side too, when b kept a: once */
			const struct kept *kb = &s->kept[b];
			int both = 0;

			for (int t = 0; t < kb->n; t++)
				both |= kb->id[t] == a;
			if (both)
				continue;
			rc = s->fn(b, a, p[k].d, s->data);
		} else {
			rc = s->fn(a, b, p[k].d, s->data);
		}
		if (rc)
			atomic_compare_exchange_strong(&s->stop, &zero, rc);
	}
	free(p);
}

/* fn over 0..nq split in jobs on the pool (or here). */
static void run_jobs(struct wsearch *s, struct pool *p, void (*fn)(void *), size_t nq)
{
	enum { JOBS = 64 };
	struct wjob job[JOBS];

	for (int k = 0; k < JOBS; k++)
		job[k] = (struct wjob){ s, nq * (size_t)k / JOBS, nq * (size_t)(k + 1) / JOBS };
	run_each(p, fn, job, sizeof(*job), JOBS);
}

/* One order: the entries sorted, then each block of queries sorted and
 * ranked against them. */
static void walk_order(struct wsearch *s, struct pool *p, int order, struct shuffle *sh,
		       struct entry *tmp, struct sort_part *part)
{
	make_shuffle(order, sh);
	s->sh = sh;
	if (s->eh != s->eq)
		fill_sorted(sh, s->h, s->n, s->eh, tmp, part, p, s->threads);
	for (s->base = 0; s->base < s->nq; s->base += s->stride) {
		size_t len = s->nq - s->base < s->stride ? s->nq - s->base : s->stride;

		fill_sorted(sh, s->q + s->base, len, s->eq, tmp, part, p, s->threads);
		run_jobs(s, p, rank_range, len);
	}
}

/* count items of each bytes, zeroed, on 2 MB pages where the system
 * gives them (a list and an entry are met at random: with 4 KB pages each
 * meeting at 1M images would walk the page tables). free() it; NULL out
 * of memory or when the size does not fit a size_t. */
static void *big_alloc(size_t count, size_t each)
{
	enum { HUGE = 2 << 20 };
	size_t n, size;
	void *b;

	if (__builtin_mul_overflow(count, each, &n) || n > SIZE_MAX - HUGE)
		return NULL;
	size = (n + HUGE - 1) / HUGE * HUGE;
	b = aligned_alloc(HUGE, size ? size : HUGE);
	if (!b)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(b, size, MADV_HUGEPAGE);   /* advice: without it, 4 KB pages */
#endif
	memset(b, 0, size);
	return b;
}

int dupes_window_search(const uint64_t *queries, size_t nq, const uint64_t *hashes, size_t n,
			size_t stride, int radius, int reach, int threads, window_fn fn,
			void *data, struct wn_err *err)
{
	struct wsearch s = { .q = queries, .h = hashes, .nq = nq, .n = n,
			     .stride = queries == hashes ? n : stride, .radius = radius,
			     .reach = reach, .threads = threads, .fn = fn, .data = data };
	size_t most = s.stride > n ? s.stride : n;
	struct entry *tmp;
	struct sort_part *part;
	struct shuffle *sh;
	struct pool *p;
	int rc = -1;

	if (!nq || !n || !s.stride)
		return 0;
	if (nq > UINT32_MAX || n > UINT32_MAX || s.stride > UINT32_MAX || nq / s.stride > 255)
		return wn_fail(err, WN_EINVAL,
			       "too many images or queries for the bounded pair search");
	tmp = big_alloc(most + 1, sizeof(*tmp));
	part = malloc(SORT_PARTS * sizeof(*part));
	sh = malloc(sizeof(*sh));
	p = threads > 1 ? pool_create(threads) : NULL;
	s.eq = big_alloc(s.stride + 1, sizeof(*s.eq));
	s.eh = queries == hashes ? s.eq : big_alloc(n + 1, sizeof(*s.eh));
	s.kept = big_alloc(s.stride + 1, sizeof(*s.kept));
	s.cut = big_alloc(s.stride + 1, 1);
	if (s.cut)
		memset(s.cut, CUT_OPEN, s.stride + 1);
	if (!tmp || !part || !sh || !s.eq || !s.eh ||
	    !s.kept || !s.cut || (threads > 1 && !p)) {
		wn_fail(err, WN_ENOMEM, "out of memory for the bounded pair search");
		goto out;
	}
	for (int order = 0; order < WINDOW_ORDERS; order++)
		walk_order(&s, p, order, sh, tmp, part);
	run_jobs(&s, p, pass_on, s.stride);
	rc = atomic_load(&s.stop);
	if (atomic_load(&s.oom)) {
		wn_fail(err, WN_ENOMEM, "out of memory for the bounded pair search");
		rc = -1;
	}
out:
	pool_free(p);
	if (s.eh != s.eq)
		free(s.eh);
	free(s.eq);
	free(s.kept);
	free(s.cut);
	free(tmp);
	free(part);
	free(sh);
	return rc;
}
