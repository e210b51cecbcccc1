/* Confident learning, as cleanlab's find_label_issues(filter_by=
 * "prune_by_noise_rate") computes it, with ranking by self-confidence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/cleanlab.h"

struct by_score {
	double score;
	size_t i;
};

static int cmp_score(const void *a, const void *b)
{
	const struct by_score *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Rounds each row of m (k x k) to integers whose sum is the row's sum
 * rounded: floors, then the largest remainders get one more. */
static void round_rows(const double *m, int k, long *out)
{
	for (int r = 0; r < k; r++) {
		double total = 0;
		long sum = 0, want;

		for (int c = 0; c < k; c++) {
			out[r * k + c] = (long)floor(m[r * k + c]);
			sum += out[r * k + c];
			total += m[r * k + c];
		}
		want = lround(total);
		while (sum < want) {
			int best = 0;
			double frac = -1;

			for (int c = 0; c < k; c++) {
				double f = m[r * k + c] - (double)out[r * k + c];

				if (f > frac) {
					frac = f;
					best = c;
				}
			}
			out[r * k + best]++;
			sum++;
		}
	}
}

int cl_find_issues(const int *y, const float *probs, size_t n, int k, struct cl_result *res,
		   struct wn_err *err)
{
	double *count = NULL, *raw = NULL, total = 0;
	long *prune = NULL;
	struct by_score *rank = NULL;
	int ret = -1;

	if (k < 2)
		return wn_fail(err, WN_EINVAL, "confident learning needs 2 or more classes");
	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || y[i] >= k)
			return wn_fail(err, WN_EINVAL, "label %d out of range", y[i]);
	res->k = k;
	res->thresholds = calloc((size_t)k, sizeof(double));
	res->joint = calloc((size_t)k * (size_t)k, sizeof(double));
	res->flag = calloc(n ? n : 1, 1);
	res->score = calloc(n ? n : 1, sizeof(double));
	res->order = calloc(n ? n : 1, sizeof(size_t));
	count = calloc((size_t)k, sizeof(double));
	raw = calloc((size_t)k * (size_t)k, sizeof(double));
	prune = calloc((size_t)k * (size_t)k, sizeof(long));
	rank = calloc(n ? n : 1, sizeof(*rank));
	if (!res->thresholds || !res->joint || !res->flag || !res->score || !res->order || !count ||
	    !raw || !prune || !rank) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	/* per-class thresholds: the mean self-confidence of each class */
	for (size_t i = 0; i < n; i++) {
		count[y[i]] += 1;
		res->thresholds[y[i]] += probs[i * (size_t)k + (size_t)y[i]];
	}
	for (int j = 0; j < k; j++)
		res->thresholds[j] = count[j] ? res->thresholds[j] / count[j] : 2.0;
	/* the confident joint: each example counted at (given, the likeliest
	 * class among those it reaches the threshold of) */
	for (size_t i = 0; i < n; i++) {
		const float *p = probs + i * (size_t)k;
		int best = -1;

		for (int j = 0; j < k; j++)
			if (p[j] >= res->thresholds[j] - 1e-6 && (best < 0 || p[j] > p[best]))
				best = j;
		if (best >= 0)
			raw[y[i] * k + best] += 1;
	}
	/* calibrated: each row to its label count, the whole to n */
	for (int g = 0; g < k; g++) {
		double row = 0;

		for (int t = 0; t < k; t++)
			row += raw[g * k + t];
		for (int t = 0; t < k; t++) {
			res->joint[g * k + t] = row ? raw[g * k + t] / row * count[g] : 0;
			total += res->joint[g * k + t];
		}
	}
	for (int i = 0; i < k * k; i++)
		res->joint[i] = total ? res->joint[i] * (double)n / total : 0;
	round_rows(res->joint, k, prune);
	/* prune by noise rate: from the examples given label g, the
	 * prune[g][t] with the largest margin p_t - p_g, for each t != g */
	for (int g = 0; g < k; g++)
		for (int t = 0; t < k; t++) {
			size_t m = 0;

			if (t == g || prune[g * k + t] <= 0)
				continue;
			for (size_t i = 0; i < n; i++)
				if (y[i] == g) {
					rank[m].i = i;
					rank[m].score = (double)probs[i * (size_t)k + (size_t)t] -
							probs[i * (size_t)k + (size_t)g];
					m++;
				}
			qsort(rank, m, sizeof(*rank), cmp_score);
			for (size_t j = 0; j < m && (long)j < prune[g * k + t]; j++)
				res->flag[rank[j].i] = 1;
		}
	/* rank everything by self-confidence: the lower the probability of
	 * the given class, the likelier a wrong label (cleanlab's default;
	 * on issue #20's bench sets it finds more flips early than the
	 * normalised margin, which a second likely class dilutes) */
	for (size_t i = 0; i < n; i++) {
		res->score[i] = 1 - (double)probs[i * (size_t)k + (size_t)y[i]];
		rank[i].i = i;
		rank[i].score = res->score[i];
		res->flagged += res->flag[i];
	}
	qsort(rank, n, sizeof(*rank), cmp_score);
	for (size_t i = 0; i < n; i++)
		res->order[i] = rank[i].i;
	ret = 0;
out:
	free(count);
	free(raw);
	free(prune);
	free(rank);
	if (ret)
		cl_free(res);
	return ret;
}

void cl_free(struct cl_result *res)
{
	free(res->thresholds);
	free(res->joint);
	free(res->flag);
	free(res->score);
	free(res->order);
	memset(res, 0, sizeof(*res));
}
