/* Loading a head's training set from the catalog's predictions. */
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
