/* Loading a head's training set from the catalog's predictions. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/trainset.h"

/* predictions_foreach()'s walk: the set and its room */
struct gather_ctx {
	struct train_set *t;
	size_t cap;
	struct catalog *cat;      /* to leave out rows of files no longer there */
};

static int gather(const struct prediction_row *row, void *data)
{
	struct gather_ctx *g = data;
	struct train_set *t = g->t;

	if (!row->class_name || row->nembedding <= 0 || !row->xxh3 ||
	    !catalog_on_disk(g->cat, row->path))
		return 0;
	if (t->dim && row->nembedding != t->dim)
		return 0;
	t->dim = row->nembedding;
	if (t->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 1024;
		float *x = realloc(t->x, cap * (size_t)t->dim * sizeof(float));
		struct train_item *it = realloc(t->items, cap * sizeof(*it));

		if (x)
			t->x = x;
		if (it)
			t->items = it;
		if (!x || !it)
			return -2;
		g->cap = cap;
	}
	memcpy(t->x + t->n * (size_t)t->dim, row->embedding, (size_t)t->dim * sizeof(float));
	t->items[t->n].id = row->image_id;
	memcpy(t->items[t->n].xxh3, row->xxh3, 16);
	t->items[t->n].path = strdup(row->path);
	t->items[t->n].class_name = strdup(row->class_name);
	t->n++;
	return t->items[t->n - 1].path && t->items[t->n - 1].class_name ? 0 : -2;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder names, sorted, and each item's index among them. */
static int number_classes(struct train_set *t, struct wn_err *err)
{
	for (size_t i = 0; i < t->n; i++) {
		int found = 0;

		for (int c = 0; c < t->k && !found; c++)
			found = !strcmp(t->classes[c], t->items[i].class_name);
		if (!found) {
			char **grown = realloc(t->classes, (size_t)(t->k + 1) * sizeof(char *));

			if (!grown)
				return wn_fail(err, WN_ENOMEM, "out of memory");
			t->classes = grown;
			t->classes[t->k++] = t->items[i].class_name;
		}
	}
	if (t->k)
		qsort(t->classes, (size_t)t->k, sizeof(char *), cmp_str);
	t->y = malloc((t->n ? t->n : 1) * sizeof(int));
	if (!t->y)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		for (int c = 0; c < t->k; c++)
			if (!strcmp(t->classes[c], t->items[i].class_name))
				t->y[i] = c;
	return 0;
}

int train_set_load(struct catalog *cat, const char *model_key, const char *prep,
		   const char *prefix, struct train_set *t, struct wn_err *err)
{
	struct gather_ctx g = { t, 0, cat };
	int rc = predictions_foreach(cat, model_key, prep, prefix, gather, &g, err);

	if (rc == -2)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (rc)
		return -1;
	return number_classes(t, err);
}

static int cmp_id(const void *a, const void *b, void *ctx)
{
	const struct train_item *it = ctx;
	int64_t x = it[*(const size_t *)a].id, y = it[*(const size_t *)b].id;

	return (x > y) - (x < y);
}

/* u's row of image id with the same file hash, by bisection of by_id (u's
 * rows by id); -1 when none. */
static ptrdiff_t find_row(const struct train_set *u, const size_t *by_id,
			  const struct train_item *it)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->items[by_id[mid]].id < it->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == u->n || u->items[by_id[lo]].id != it->id ||
	    memcmp(u->items[by_id[lo]].xxh3, it->xxh3, 16))
		return -1;
	return (ptrdiff_t)by_id[lo];
}

/* t's rows with u's embeddings after their own; rows u lacks (or has of
 * another file) left out. The classes are numbered again after. */
static int join(struct train_set *t, const struct train_set *u, struct wn_err *err)
{
	const size_t dim = (size_t)t->dim + (size_t)u->dim;
	size_t *by_id = malloc((u->n ? u->n : 1) * sizeof(size_t)), m = 0;
	float *x = malloc((t->n ? t->n : 1) * dim * sizeof(float));

	if (!by_id || !x) {
		free(by_id);
		free(x);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < u->n; i++)
		by_id[i] = i;
	qsort_r(by_id, u->n, sizeof(size_t), cmp_id, u->items);
	for (size_t i = 0; i < t->n; i++) {
		ptrdiff_t r = find_row(u, by_id, &t->items[i]);

		if (r < 0) {
			free(t->items[i].path);
			free(t->items[i].class_name);
			continue;
		}
		memcpy(x + m * dim, t->x + i * (size_t)t->dim, (size_t)t->dim * sizeof(float));
		memcpy(x + m * dim + t->dim, u->x + (size_t)r * (size_t)u->dim,
		       (size_t)u->dim * sizeof(float));
		t->items[m++] = t->items[i];
	}
	free(by_id);
	free(t->x);
	free(t->y);
	free(t->classes);
	t->x = x;
	t->y = NULL;
	t->classes = NULL;
	t->k = 0;
	t->n = m;
	t->dim = (int)dim;
	return number_classes(t, err);
}

int train_set_load_models(struct catalog *cat, const char *const *keys, int nkeys,
			  const char *prep, const char *prefix, struct train_set *t,
			  struct wn_err *err)
{
	if (train_set_load(cat, keys[0], prep, prefix, t, err))
		return -1;
	for (int m = 1; m < nkeys && t->n; m++) {
		struct train_set u = { 0 };
		int rc = train_set_load(cat, keys[m], prep, prefix, &u, err);

		if (!rc && !u.n) {
			/* no image has them all */
			train_set_release(&u);
			train_set_release(t);
			return 0;
		}
		rc = rc ? rc : join(t, &u, err);
		train_set_release(&u);
		if (rc)
			return -1;
	}
	return 0;
}

void train_set_power(struct train_set *t, double p)
{
	const size_t m = t->n * (size_t)t->dim;

	if (p == 1)
		return;
	for (size_t i = 0; i < m; i++) {
		float v = fabsf(t->x[i]), r;

		/* the common powers exactly and fast: 384 M values at 300,000 images */
		r = p == 0.5 ? sqrtf(v) : p == 2 ? v * v : powf(v, (float)p);
		t->x[i] = t->x[i] < 0 ? -r : r;
	}
}

void train_set_release(struct train_set *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->items[i].path);
		free(t->items[i].class_name);
	}
	free(t->items);
	free(t->classes);  /* the names are the items' */
	free(t->x);
	free(t->y);
	memset(t, 0, sizeof(*t));
}
