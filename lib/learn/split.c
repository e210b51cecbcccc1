/* The split assignment: groups whole, stratified by class, seeded. */
#include <stdlib.h>
#include <xxhash.h>

#include "learn/split.h"

/* A group: its members are ord[start .. start + size), the first the
 * lowest index; its class counts are (class, count) pairs, most groups
 * being one image. */
struct group {
	size_t start, size;
	uint64_t key;
	size_t first, npairs;     /* into the pairs array */
};

struct pair {
	int cls;
	int count;
};

struct groups {
	size_t *ord;              /* item indices, by group, then by index */
	struct group *g;
	size_t n;
	struct pair *pairs;
};

static int cmp_member(const void *a, const void *b, void *ctx)
{
	const struct split_item *it = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (it[x].group != it[y].group)
		return it[x].group < it[y].group ? -1 : 1;
	return (x > y) - (x < y);
}

/* Largest first, then by the seeded key. */
static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* The groups of items, each with its class counts; scratch: k zeroes. */
static void find_groups(const struct split_item *items, size_t n, uint64_t seed, int *scratch,
			struct groups *gs)
{
	size_t npairs = 0;

	for (size_t i = 0; i < n; i++)
		gs->ord[i] = i;
	qsort_r(gs->ord, n, sizeof(*gs->ord), cmp_member, (void *)items);
	gs->n = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		struct group *g = &gs->g[gs->n++];

		g->start = i;
		g->key = XXH3_64bits_withSeed(items[gs->ord[i]].xxh3, 16, seed);
		g->first = npairs;
		for (; j < n && items[gs->ord[j]].group == items[gs->ord[i]].group; j++)
			if (!scratch[items[gs->ord[j]].cls]++)
				gs->pairs[npairs++].cls = items[gs->ord[j]].cls;
		for (size_t q = g->first; q < npairs; q++) {
			gs->pairs[q].count = scratch[gs->pairs[q].cls];
			scratch[gs->pairs[q].cls] = 0;
		}
		g->npairs = npairs - g->first;
		g->size = j - i;
		i = j;
	}
}

/* The part with the most unmet want for the group's classes, relative to
 * its target; ties: test, val, train. */
static int best_part(const struct group *g, const struct pair *pairs, const double frac[3],
		     double (*want)[3], long (*have)[3])
{
	int best = 0;
	double best_gain = -1e300;

	for (int t = 2; t >= 0; t--) {
		double gain = 0;

		if (frac[t] <= 0)
			continue;
		for (size_t q = g->first; q < g->first + g->npairs; q++) {
			int k = pairs[q].cls;

			gain += pairs[q].count * (want[k][t] - (double)have[k][t]) / (want[k][t] + 1);
		}
		if (gain > best_gain) {
			best_gain = gain;
			best = t;
		}
	}
	return best;
}

static int check_items(const struct split_item *items, size_t n, int k, double val, double test,
		       struct wn_err *err)
{
	if (!(val >= 0 && val < 1 && test >= 0 && test < 1 && val + test < 1))
		return wn_fail(err, WN_EINVAL, "split shares %g and %g leave nothing for train",
			       val, test);
	for (size_t i = 0; i < n; i++)
		if (items[i].cls < 0 || items[i].cls >= k)
			return wn_fail(err, WN_EINVAL, "item %zu: class %d is not in 0..%d", i,
				       items[i].cls, k - 1);
	return 0;
}

int split_assign(struct split_item *items, size_t n, int k, double val, double test,
		 uint64_t seed, struct wn_err *err)
{
	struct groups gs = { 0 };
	int *scratch = calloc((size_t)k + 1, sizeof(int));
	double (*want)[3] = calloc((size_t)k + 1, sizeof(*want));
	long (*have)[3] = calloc((size_t)k + 1, sizeof(*have));
	double frac[3] = { 1 - val - test, val, test };
	size_t groupno = 0;
	int ret = -1;

	gs.ord = malloc((n ? n : 1) * sizeof(*gs.ord));
	gs.g = calloc(n ? n : 1, sizeof(*gs.g));
	gs.pairs = malloc((n ? n : 1) * sizeof(*gs.pairs));
	if (check_items(items, n, k, val, test, err))
		goto out;
	if (!gs.ord || !gs.g || !gs.pairs || !scratch || !want || !have) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (int t = 0; t < 3; t++)
			want[items[i].cls][t] += frac[t];
	find_groups(items, n, seed, scratch, &gs);
	qsort(gs.g, gs.n, sizeof(*gs.g), cmp_group);
	for (size_t c = 0; c < gs.n; c++) {
		const struct group *g = &gs.g[c];
		int best = best_part(g, gs.pairs, frac, want, have);
		size_t no = g->size > 1 ? ++groupno : 0;

		for (size_t q = g->first; q < g->first + g->npairs; q++)
			have[gs.pairs[q].cls][best] += gs.pairs[q].count;
		for (size_t m = g->start; m < g->start + g->size; m++) {
			items[gs.ord[m]].part = (enum split_part)best;
			items[gs.ord[m]].group_no = no;
		}
	}
	ret = 0;
out:
	free(gs.ord);
	free(gs.g);
	free(gs.pairs);
	free(scratch);
	free(want);
	free(have);
	return ret;
}
