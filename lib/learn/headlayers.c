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

/* Layer l of r into L: its weights and biases (at w and b in r's
 * blocks) copied, the standardisation folded into the first
 * (headlayers.h); ReLU on the hidden layers, softmax on the last. */
static int take_layer(const struct head_row *r, int l, const float *w, const float *b,
		      struct head_layer *L, struct wn_err *err)
{
	int in = l ? r->hidden[l - 1] : r->dim, out = l < r->nhidden ? r->hidden[l] : r->classes_n;

	L->in = in;
	L->out = out;
	L->activation = l < r->nhidden ? "relu" : "softmax";
	L->weight = malloc((size_t)in * (size_t)out * sizeof(float));
	L->bias = malloc((size_t)out * sizeof(float));
	if (!L->weight || !L->bias)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (int c = 0; c < out; c++) {
		double bc = b[c];

		for (int i = 0; i < in; i++) {
			size_t at = (size_t)i * (size_t)out + (size_t)c;
			double v = l ? w[at] : (double)r->scale[i] * w[at];

			L->weight[at] = (float)v;
			bc -= l ? 0 : (double)r->mean[i] * v;
		}
		L->bias[c] = (float)bc;
	}
	return 0;
}

static int take_head(const struct head_row *r, void *data)
{
	struct head_search *s = data;
	struct head_layers *h = s->h;
	const float *w = r->weights, *b = r->bias;

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
	    !(h->layers = calloc((size_t)r->nhidden + 1, sizeof(*h->layers))))
		return wn_fail(s->err, WN_ENOMEM, "out of memory");
	if (read_classes(h, r->classes, r->classes_n, s->err))
		return -1;
	for (int l = 0; l <= r->nhidden; l++) {
		h->n = l + 1;
		if (take_layer(r, l, w, b, &h->layers[l], s->err))
			return -1;
		w += (size_t)h->layers[l].in * (size_t)h->layers[l].out;
		b += h->layers[l].out;
	}
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
