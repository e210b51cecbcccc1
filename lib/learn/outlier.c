/* Outlier scores: the cosine distance to the class's mean direction, over
 * the class's median distance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/outlier.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double norm_of(const float *x, int dim)
{
	double s = 0;

	for (int j = 0; j < dim; j++)
		s += (double)x[j] * x[j];
	return sqrt(s);
}

/* The m members (indices idx) of one class: the distances d[i] of each
 * to the mean of the normalised embeddings, then scores. mean and sorted
 * are the caller's room (dim and m values). */
static void score_class(const struct train_set *t, const size_t *idx, size_t m, double *mean,
			double *d, double *sorted, double *scores)
{
	double mn, med;

	memset(mean, 0, (size_t)t->dim * sizeof(*mean));
	for (size_t i = 0; i < m; i++) {
		const float *x = t->x + idx[i] * (size_t)t->dim;
		double n = norm_of(x, t->dim);

		for (int j = 0; n > 0 && j < t->dim; j++)
			mean[j] += x[j] / n;
	}
	mn = 0;
	for (int j = 0; j < t->dim; j++)
		mn += mean[j] * mean[j];
	mn = sqrt(mn);
	for (size_t i = 0; i < m; i++) {
		const float *x = t->x + idx[i] * (size_t)t->dim;
		double n = norm_of(x, t->dim), dot = 0;

		for (int j = 0; j < t->dim; j++)
			dot += x[j] * mean[j];
		d[i] = n > 0 && mn > 0 ? 1 - dot / (n * mn) : 1;
		sorted[i] = d[i];
	}
	qsort(sorted, m, sizeof(*sorted), cmp_double);
	med = m % 2 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
	for (size_t i = 0; i < m; i++)
		scores[idx[i]] = d[i] <= med ? 1 : med / d[i];
}

int outlier_scores(const struct train_set *t, double *scores, struct wn_err *err)
{
	size_t n = t->n ? t->n : 1, *idx = malloc(n * sizeof(*idx));
	double *d = malloc(n * sizeof(*d)), *sorted = malloc(n * sizeof(*sorted));
	double *mean = malloc(((size_t)t->dim + 1) * sizeof(*mean));
	int ret = -1;

	if (!idx || !d || !sorted || !mean) {
		wn_fail(err, WN_ENOMEM, "out of memory for the outlier scores of %zu images", t->n);
		goto done;
	}
	for (int c = 0; c < t->k; c++) {
		size_t m = 0;

		for (size_t i = 0; i < t->n; i++)
			if (t->y[i] == c)
				idx[m++] = i;
		if (m < OUTLIER_MIN_CLASS) {
			for (size_t i = 0; i < m; i++)
				scores[idx[i]] = 1;
			continue;
		}
		score_class(t, idx, m, mean, d, sorted, scores);
	}
	ret = 0;
done:
	free(idx);
	free(d);
	free(sorted);
	free(mean);
	return ret;
}
