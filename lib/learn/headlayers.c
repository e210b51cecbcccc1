/* Reading a kept head back as dense layers (learn/headlayers.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/headlayers.h"

struct head_search {
	const char *key;
	struct head_layers *h;
	struct strbuf *others;
	int found;
	struct wn_err *err;
};

/* The folder classes of a head, from its JSON array; k of them. */
static int read_classes(struct head_layers *h, const char *json, int k, struct wn_err *err)
{
	json_t *a = json_loads(json, 0, NULL);
	int ret = -1;

	if (!json_is_array(a) || json_array_size(a) != (size_t)k) {
		wn_fail(err, WN_ECORRUPT, "the head '%s' is damaged: its classes are not %d names",
			h->model, k);
		goto out;
	}
	if (!(h->classes = calloc((size_t)k, sizeof(*h->classes)))) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	h->k = k;
	for (int c = 0; c < k; c++) {
		const char *name = json_string_value(json_array_get(a, (size_t)c));

		if (!name || !*name) {
			wn_fail(err, WN_ECORRUPT, "the head '%s' is damaged: class %d has no name",
				h->model, c);
			goto out;
		}
		if (!(h->classes[c] = strdup(name))) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(a);
	return ret;
}

/* The standardisation folded into the softmax layer (headlayers.h). */
static int fold_softmax(const struct head_row *r, struct head_layer *l, struct wn_err *err)
{
	int dim = r->dim, k = r->classes_n;

	l->in = dim;
	l->out = k;
	l->activation = "softmax";
	l->weight = malloc((size_t)dim * (size_t)k * sizeof(float));
	l->bias = malloc((size_t)k * sizeof(float));
	if (!l->weight || !l->bias)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (int c = 0; c < k; c++) {
		double b = r->bias[c];

		for (int i = 0; i < dim; i++) {
			double w = (double)r->scale[i] * r->weights[(size_t)i * (size_t)k + (size_t)c];

			l->weight[(size_t)i * (size_t)k + (size_t)c] = (float)w;
			b -= (double)r->mean[i] * w;
		}
		l->bias[c] = (float)b;
	}
	return 0;
}

static int take_head(const struct head_row *r, void *data)
{
	struct head_search *s = data;
	struct head_layers *h = s->h;

	if (strcmp(r->name, s->key)) {
		if (s->others && ((s->others->len && strbuf_addstr(s->others, ", ")) ||
				  strbuf_addstr(s->others, r->name)))
			return wn_fail(s->err, WN_ENOMEM, "out of memory");
		return 0;
	}
	s->found = 1;
	h->dim = r->dim;
	h->images = r->images;
	h->accuracy = r->accuracy;
	if (!(h->model = strdup(r->name)) || !(h->prep = strdup(r->prep)) ||
	    !(h->layers = calloc(1, sizeof(*h->layers))))
		return wn_fail(s->err, WN_ENOMEM, "out of memory");
	h->n = 1;
	if (read_classes(h, r->classes, r->classes_n, s->err) || fold_softmax(r, h->layers, s->err))
		return -1;
	return 0;
}

int head_layers_load(struct catalog *cat, const char *model_key, struct head_layers *h,
		     struct strbuf *others, struct wn_err *err)
{
	struct head_search s = { model_key, h, others, 0, err };

	if (others)
		strbuf_reset(others);
	if (heads_foreach(cat, take_head, &s, err))
		return -1;
	return s.found;
}

void head_layers_release(struct head_layers *h)
{
	for (int i = 0; i < h->n; i++) {
		free(h->layers[i].weight);
		free(h->layers[i].bias);
	}
	for (int c = 0; c < h->k; c++)
		free(h->classes[c]);
	free(h->layers);
	free(h->classes);
	free(h->model);
	free(h->prep);
	memset(h, 0, sizeof(*h));
}
