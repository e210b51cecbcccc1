/* Outlier scores: the cosine distance to the class's mean direction, over
 * the class's median distance, from two walks over the embeddings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/outlier.h"

/* Both walks' state. cls[i] is image i's class (-1: no embedding kept),
 * d[i] its distance (-1 until the second walk meets it). */
struct walk {
	outlier_index_fn index_of;
	void *data;
	size_t n;
	int dim;                  /* the first kept row's; 0 before it */
	char **names;             /* k class folder names (owned) */
	double *sums, *norms;     /* k x dim sums of unit embeddings; k norms */
	int k, cap, last;         /* last: the class found for the row before */
	int *cls;
	double *d;
	int oom;
};

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

/* The class of a folder name, added with a zero sum when new; -1 when out
 * of memory. Rows come by path, so a class's rows mostly follow each
 * other: the class before is tried first. */
static int class_of(struct walk *w, const char *name)
{
	if (w->k && !strcmp(w->names[w->last], name))
		return w->last;
	for (int c = 0; c < w->k; c++)
		if (!strcmp(w->names[c], name))
			return w->last = c;
	if (w->k == w->cap) {
		int cap = w->cap ? 2 * w->cap : 8;
		char **names = realloc(w->names, (size_t)cap * sizeof(*names));
		double *sums;

		if (!names)
			return -1;
		w->names = names;
		sums = realloc(w->sums, (size_t)cap * (size_t)w->dim * sizeof(*sums));
		if (!sums)
			return -1;
		w->sums = sums;
		w->cap = cap;
	}
	w->names[w->k] = strdup(name);
	if (!w->names[w->k])
		return -1;
	memset(w->sums + (size_t)w->k * (size_t)w->dim, 0, (size_t)w->dim * sizeof(*w->sums));
	return w->last = w->k++;
}

/* The caller's index of a row both walks take, or -1. */
static ptrdiff_t row_index(struct walk *w, const struct prediction_row *row)
{
	ptrdiff_t i;

	if (!row->class_name || row->nembedding <= 0 || (w->dim && row->nembedding != w->dim))
		return -1;
	i = w->index_of(row->path, w->data);
	return i >= 0 && (size_t)i < w->n ? i : -1;
}

/* First walk: each kept embedding, normalised, into its class's sum. */
static int add_to_mean(const struct prediction_row *row, void *data)
{
	struct walk *w = data;
	ptrdiff_t i = row_index(w, row);
	double *mean, n;
	int c;

	if (i < 0 || w->cls[i] >= 0)
		return 0;
	w->dim = row->nembedding;
	if ((c = class_of(w, row->class_name)) < 0)
		return w->oom = 1;
	mean = w->sums + (size_t)c * (size_t)w->dim;
	n = norm_of(row->embedding, w->dim);
	for (int j = 0; n > 0 && j < w->dim; j++)
		mean[j] += row->embedding[j] / n;
	w->cls[i] = c;
	return 0;
}

/* Second walk: each kept image's cosine distance to its class's mean. */
static int distance(const struct prediction_row *row, void *data)
{
	struct walk *w = data;
	ptrdiff_t i = row_index(w, row);
	const double *mean;
	double n, mn, dot = 0;

	if (i < 0 || w->cls[i] < 0 || w->d[i] >= 0)
		return 0;
	mean = w->sums + (size_t)w->cls[i] * (size_t)w->dim;
	mn = w->norms[w->cls[i]];
	n = norm_of(row->embedding, w->dim);
	for (int j = 0; j < w->dim; j++)
		dot += row->embedding[j] * mean[j];
	/* >= 0: an embedding along its class's mean may round below 0, and
	 * -1 marks one not met */
	w->d[i] = n > 0 && mn > 0 ? fmax(0, 1 - dot / (n * mn)) : 1;
	return 0;
}

/* Each class's median distance, and the scores against it. by_class and
 * sorted are the caller's room for n values. */
static void score_classes(struct walk *w, size_t *start, size_t *by_class, double *sorted,
			  double *scores)
{
	size_t m = 0;

	for (size_t i = 0; i < w->n; i++)
		if (w->cls[i] >= 0 && w->d[i] >= 0)
			start[w->cls[i] + 1]++;
	for (int c = 0; c < w->k; c++)
		start[c + 1] += start[c];
	for (size_t i = 0; i < w->n; i++)
		if (w->cls[i] >= 0 && w->d[i] >= 0)
			by_class[start[w->cls[i]]++] = i;  /* start[c] ends at class c's end */
	for (int c = 0; c < w->k; c++) {
		size_t end = start[c], count = end - m;
		double med;

		for (size_t a = m; a < end; a++)
			sorted[a - m] = w->d[by_class[a]];
		if (count >= OUTLIER_MIN_CLASS) {
			qsort(sorted, count, sizeof(*sorted), cmp_double);
			med = count % 2 ? sorted[count / 2]
					: (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
			for (size_t a = m; a < end; a++) {
				double d = w->d[by_class[a]];

				scores[by_class[a]] = d <= med ? 1 : med / d;
			}
		}
		m = end;
	}
}

static void walk_release(struct walk *w)
{
	for (int c = 0; c < w->k; c++)
		free(w->names[c]);
	free(w->names);
	free(w->sums);
	free(w->norms);
	free(w->cls);
	free(w->d);
}

int outlier_scores(struct catalog *cat, const char *model_key, const char *prep,
		   const char *prefix, outlier_index_fn index_of, void *data, size_t n,
		   double *scores, size_t *scored, struct wn_err *err)
{
	struct walk w = { .index_of = index_of, .data = data, .n = n };
	size_t room = n ? n : 1, *start = NULL, *by_class = malloc(room * sizeof(*by_class));
	double *sorted = malloc(room * sizeof(*sorted));
	int ret = -1, rc;

	w.cls = malloc(room * sizeof(*w.cls));
	w.d = malloc(room * sizeof(*w.d));
	if (!by_class || !sorted || !w.cls || !w.d)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		w.cls[i] = -1;
		w.d[i] = -1;
		scores[i] = 1;
	}
	*scored = 0;
	if (!n) {  /* nothing asked: read no embedding */
		ret = 0;
		goto done;
	}
	rc = predictions_foreach(cat, model_key, prep, prefix, add_to_mean, &w, err);
	if (w.oom)
		goto oom;
	if (rc)
		goto done;
	w.norms = malloc(((size_t)w.k + 1) * sizeof(*w.norms));
	start = calloc((size_t)w.k + 1, sizeof(*start));
	if (!w.norms || !start)
		goto oom;
	for (int c = 0; c < w.k; c++) {
		const double *mean = w.sums + (size_t)c * (size_t)w.dim;
		double mn = 0;

		for (int j = 0; j < w.dim; j++)
			mn += mean[j] * mean[j];
		w.norms[c] = sqrt(mn);
	}
	if (w.k && predictions_foreach(cat, model_key, prep, prefix, distance, &w, err))
		goto done;
	for (size_t i = 0; i < n; i++)
		*scored += w.cls[i] >= 0 && w.d[i] >= 0;
	score_classes(&w, start, by_class, sorted, scores);
	ret = 0;
	goto done;
oom:
	wn_fail(err, WN_ENOMEM, "out of memory for the outlier scores of %zu images", n);
done:
	walk_release(&w);
	free(start);
	free(by_class);
	free(sorted);
	return ret;
}
