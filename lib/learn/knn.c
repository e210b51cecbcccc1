/* The nearest-neighbour vote: standardised, unit-length embeddings, all
 * similarities a block of rows at a time, the closest kept by insertion. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/knn.h"

/* The embeddings standardised per feature, each row of unit length. */
static float *unit_rows(const struct train_set *t)
{
	const size_t n = t->n, d = (size_t)t->dim;
	float *z = malloc((n ? n : 1) * d * sizeof(float));
	double *mean = calloc(2 * d, sizeof(double)), *sq = mean + d;

	if (!z || !mean) {
		free(z);
		free(mean);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			mean[j] += t->x[i * d + j];
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double v = t->x[i * d + j] - mean[j];

			sq[j] += v * v;
		}
	for (size_t j = 0; j < d; j++)
		sq[j] = sq[j] > 1e-12 * (double)n ? 1 / sqrt(sq[j] / (double)n) : 0;
	for (size_t i = 0; i < n; i++) {
		double norm = 0;

		for (size_t j = 0; j < d; j++) {
			double v = (t->x[i * d + j] - mean[j]) * sq[j];

			z[i * d + j] = (float)v;
			norm += v * v;
		}
		norm = norm > 0 ? 1 / sqrt(norm) : 0;
		for (size_t j = 0; j < d; j++)
			z[i * d + j] = (float)(z[i * d + j] * norm);
	}
	free(mean);
	return z;
}

/* Row i's vote from its similarities s (n): the m closest others. */
static void vote(const struct train_set *t, size_t i, const float *s, int m, float *best,
		 size_t *who, float *out)
{
	int have = 0;
	double sum = 1;

	for (size_t j = 0; m > 0 && j < t->n; j++) {
		int at;

		if (j == i || (have == m && s[j] <= best[m - 1]))
			continue;
		at = have < m ? have++ : m - 1;
		while (at > 0 && best[at - 1] < s[j]) {
			best[at] = best[at - 1];
			who[at] = who[at - 1];
			at--;
		}
		best[at] = s[j];
		who[at] = j;
	}
	for (int c = 0; c < t->k; c++)
		out[c] = (float)(1.0 / t->k);
	for (int q = 0; q < have; q++)
		if (best[q] > 0) {
			out[t->y[who[q]]] += best[q];
			sum += best[q];
		}
	for (int c = 0; c < t->k; c++)
		out[c] = (float)(out[c] / sum);
}

int knn_vote(const struct train_set *t, int neighbours, float *probs, struct wn_err *err)
{
	const size_t n = t->n, d = (size_t)t->dim;
	size_t rows = n ? (16u << 20) / (n * sizeof(float)) : 1;
	float *z = NULL, *s = NULL, best[KNN_MAX];
	size_t who[KNN_MAX];

	if (neighbours < 1 || neighbours > KNN_MAX)
		return wn_fail(err, WN_EINVAL, "%d neighbours: 1 to %d", neighbours, KNN_MAX);
	rows = rows < 1 ? 1 : rows > 512 ? 512 : rows;
	z = unit_rows(t);
	s = malloc(rows * (n ? n : 1) * sizeof(float));
	if (!z || !s) {
		free(z);
		free(s);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	for (size_t i0 = 0; i0 < n; i0 += rows) {
		size_t b = n - i0 < rows ? n - i0 : rows;

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)n, (int)d, 1.0f,
			    z + i0 * d, (int)d, z, (int)d, 0.0f, s, (int)n);
		for (size_t i = 0; i < b; i++)
			vote(t, i0 + i, s + i * n, neighbours < (int)n ? neighbours : (int)n - 1, best,
			     who, probs + (i0 + i) * (size_t)t->k);
	}
	free(z);
	free(s);
	return 0;
}

int knn_mix(const struct train_set *t, int neighbours, double w, float *probs,
	    struct wn_err *err)
{
	float *v = malloc((t->n ? t->n : 1) * (size_t)t->k * sizeof(float));

	if (!v)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (knn_vote(t, neighbours, v, err)) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < t->n * (size_t)t->k; i++)
		probs[i] = (float)((1 - w) * probs[i] + w * v[i]);
	free(v);
	return 0;
}
