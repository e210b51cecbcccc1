/* Class activation maps: the head folded, and the maps of one image. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/cam.h"
#include "nn/nn.h"

struct fold {
	struct cam_head *h;
	struct wn_err *err;
};

static int take_classes(struct cam_head *h, const char *json, struct wn_err *err)
{
	json_t *a = json_loads(json ? json : "", 0, NULL), *v;
	size_t i;

	if (!json_is_array(a) || (int)json_array_size(a) != h->k) {
		json_decref(a);
		return wn_fail(err, WN_ECORRUPT, "the head's class names do not match its weights: "
			       "run 'label train' again");
	}
	h->classes = calloc((size_t)h->k, sizeof(*h->classes));
	if (!h->classes) {
		json_decref(a);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	json_array_foreach(a, i, v)
		if (!(h->classes[i] = strdup(json_is_string(v) ? json_string_value(v) : "?"))) {
			json_decref(a);
			return wn_fail(err, WN_ENOMEM, "out of memory");
		}
	json_decref(a);
	return 0;
}

/* w[c][j] = W[c][j] scale[c]; b[j] = B[j] - sum_c mean[c] w[c][j]. */
static int fold_head(const struct head_row *row, void *data)
{
	struct fold *f = data;
	struct cam_head *h = f->h;
	size_t n = (size_t)row->dim * (size_t)row->classes_n;

	if (row->nhidden)
		return wn_fail(f->err, WN_EINVAL, "the head for %s is an MLP ('label train --head "
			       "mlp'): class activation maps are exact only for a linear head; "
			       "train a softmax head for maps", row->name);
	h->dim = row->dim;
	h->k = row->classes_n;
	h->w = malloc(n * sizeof(float));
	h->b = malloc((size_t)h->k * sizeof(float));
	h->prep = strdup(row->prep ? row->prep : "");
	if (!h->w || !h->b || !h->prep)
		return wn_fail(f->err, WN_ENOMEM, "out of memory");
	for (int j = 0; j < h->k; j++) {
		double shift = 0;

		for (int c = 0; c < h->dim; c++) {
			size_t at = (size_t)c * (size_t)h->k + (size_t)j;

			h->w[at] = row->weights[at] * row->scale[c];
			shift += (double)row->mean[c] * h->w[at];
		}
		h->b[j] = (float)(row->bias[j] - shift);
	}
	return take_classes(h, row->classes, f->err);
}

int cam_head_load(struct catalog *cat, const char *model_key, struct cam_head *h,
		  struct wn_err *err)
{
	struct fold f = { h, err };

	return heads_get(cat, model_key, fold_head, &f, err);
}

void cam_head_release(struct cam_head *h)
{
	for (int j = 0; h->classes && j < h->k; j++)
		free(h->classes[j]);
	free(h->classes);
	free(h->w);
	free(h->b);
	free(h->prep);
	memset(h, 0, sizeof(*h));
}

int cam_head_class(const struct cam_head *h, const char *name)
{
	for (int j = 0; name && j < h->k; j++)
		if (!strcmp(h->classes[j], name))
			return j;
	return -1;
}

int cam_check(const struct nn_model *m, const struct cam_head *h, const char *model,
	      const char *prep, struct wn_err *err)
{
	int layer = nn_pooled_layer(m), lh, lw, lc;

	if (layer < 0)
		return wn_fail(err, WN_EINVAL, "%s: its embedding is not an average of a layer's "
			       "activations over the picture, so a map cannot show the head's score",
			       model);
	nn_layer_shape(m, layer, &lh, &lw, &lc);
	if (lc != h->dim)
		return wn_fail(err, WN_EINVAL, "the head for %s reads %d features, but the model "
			       "pools %d: it was trained on another model's embeddings ('label "
			       "train --model' with this model)", model, h->dim, lc);
	if (strcmp(h->prep, prep))
		return wn_fail(err, WN_EINVAL, "the head for %s was trained on embeddings of the "
			       "'%s' preparation, not '%s': %s", model, h->prep, prep,
			       strcmp(h->prep, "nsfwjs") ? "drop --nsfwjs-compat" :
			       "add --nsfwjs-compat");
	return 0;
}

/* The head's softmax on the embedding (the maps' means), in doubles.
 * @return 0, or -1 out of memory. */
static int head_probs(const struct cam_head *h, const float *emb, float *probs)
{
	double mx = -INFINITY, sum = 0, *zz = malloc((size_t)h->k * sizeof(double));

	if (!zz)
		return -1;
	for (int j = 0; j < h->k; j++) {
		zz[j] = h->b[j];
		for (int c = 0; c < h->dim; c++)
			zz[j] += (double)emb[c] * h->w[(size_t)c * (size_t)h->k + (size_t)j];
		mx = zz[j] > mx ? zz[j] : mx;
	}
	for (int j = 0; j < h->k; j++)
		sum += (zz[j] = exp(zz[j] - mx));
	for (int j = 0; j < h->k; j++)
		probs[j] = (float)(zz[j] / sum);
	free(zz);
	return 0;
}

int cam_run(const struct nn_model *m, const struct cam_head *h, const float *input,
	    struct cam_result *r, struct wn_err *err)
{
	int layer = nn_pooled_layer(m), c;
	float *acts = NULL, *out = malloc(((size_t)nn_classes(m) + 1) * sizeof(float));
	float *emb = malloc(((size_t)h->dim + 1) * sizeof(float));
	size_t pixels;
	int ret = -1;

	nn_layer_shape(m, layer, &r->h, &r->w, &c);
	r->k = h->k;
	pixels = (size_t)r->h * (size_t)r->w;
	acts = malloc(pixels * (size_t)c * sizeof(float));
	r->maps = malloc(pixels * (size_t)h->k * sizeof(float));
	r->probs = malloc((size_t)h->k * sizeof(float));
	if (!out || !emb || !acts || !r->maps || !r->probs) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (nn_run_layer(m, input, out, emb, layer, acts, err))
		goto out;
	for (size_t p = 0; p < pixels; p++) {
		const float *a = acts + p * (size_t)c;

		for (int j = 0; j < h->k; j++) {
			double s = h->b[j];

			for (int ch = 0; ch < c; ch++)
				s += (double)a[ch] * h->w[(size_t)ch * (size_t)h->k + (size_t)j];
			r->maps[(size_t)j * pixels + p] = (float)s;
		}
	}
	if (head_probs(h, emb, r->probs)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	r->predicted = 0;
	for (int j = 1; j < h->k; j++)
		if (r->probs[j] > r->probs[r->predicted])
			r->predicted = j;
	ret = 0;
out:
	free(acts);
	free(out);
	free(emb);
	return ret;
}

void cam_result_release(struct cam_result *r)
{
	free(r->maps);
	free(r->probs);
	memset(r, 0, sizeof(*r));
}

struct cam_view {
	struct nn_model *m;
	struct cam_head head;
	enum nn_prep prep;
};

void cam_view_free(struct cam_view *v)
{
	if (!v)
		return;
	nn_model_free(v->m);
	cam_head_release(&v->head);
	free(v);
}

int cam_view_open(struct catalog *cat, const char *model, enum nn_prep prep,
		  struct cam_view **out, struct wn_err *err)
{
	struct cam_view *v = calloc(1, sizeof(*v));
	const char *key = nn_model_key(model);
	int got;

	*out = NULL;
	if (!v)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	v->prep = prep;
	if (nn_load_named(model, &v->m, err) || (got = cam_head_load(cat, key, &v->head, err)) < 0)
		goto fail;
	if (!got) {
		wn_fail(err, WN_EINVAL, "no head for %s: run 'label train' for heat maps", key);
		goto fail;
	}
	if (cam_check(v->m, &v->head, key, nn_prep_name(prep), err))
		goto fail;
	*out = v;
	return 0;
fail:
	cam_view_free(v);
	return -1;
}

int cam_view_png(const struct cam_view *v, const uint8_t *buf, size_t len,
		 const struct img_limits *limits, int side, const char *class_name,
		 uint8_t **png, size_t *png_len, struct wn_err *err)
{
	int h = nn_input_height(v->m), w = nn_input_width(v->m), ret = -1;
	int j = class_name ? cam_head_class(&v->head, class_name) : -1;
	float *input = NULL;
	struct cam_result r = { 0 };
	struct img picture = { 0 }, shown = { 0 };

	*png = NULL;
	if (class_name && j < 0)
		return wn_fail(err, WN_EINVAL, "the head has no class '%s'", class_name);
	input = malloc((size_t)h * (size_t)w * 3 * sizeof(float));
	if (!input) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (nn_prepare(buf, len, h, w, v->prep, limits, input, err) ||
	    cam_run(v->m, &v->head, input, &r, err) ||
	    cam_picture(buf, len, limits, side, &picture, err) ||
	    cam_render(&picture, &r, class_name ? j : r.predicted, &shown, err) ||
	    img_encode_png(&shown, png, png_len, err))
		goto out;
	ret = 0;
out:
	free(input);
	cam_result_release(&r);
	img_release(&picture);
	img_release(&shown);
	return ret;
}
