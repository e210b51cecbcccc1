/* Fitting the head on everything and keeping it with the probabilities
 * cross-validation made. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/head.h"
#include "learn/mlp.h"
#include "learn/softreg.h"

/* The class names as the JSON array predictions and heads keep. */
static int classes_json(const struct train_set *t, struct strbuf *out)
{
	int bad = strbuf_addch(out, '[');

	for (int c = 0; c < t->k; c++)
		bad |= (c ? strbuf_addch(out, ',') : 0) | quote_json(out, t->classes[c]);
	return bad | strbuf_addch(out, ']');
}

static int save_probs(struct catalog *cat, const char *model, const char *prep,
		      const char *classes, const struct train_set *t, const float *oos,
		      struct wn_err *err)
{
	for (size_t i = 0; i < t->n; i++) {
		struct prediction p;

		memset(&p, 0, sizeof(p));
		p.image_id = t->items[i].id;
		p.model = model;
		p.prep = prep;
		memcpy(p.xxh3, t->items[i].xxh3, 16);
		p.classes = classes;
		p.probs = oos + i * (size_t)t->k;
		p.nprobs = t->k;
		if (predictions_set(cat, &p, err))
			return -1;
	}
	return 0;
}

/* The probabilities and the head h (its classes filled in here) in one
 * transaction. */
static int save(struct catalog *cat, const char *model_key, const char *prep,
		const struct train_set *t, const float *oos, struct head_row *h,
		struct wn_err *err)
{
	struct strbuf classes = STRBUF_INIT, cvkey = STRBUF_INIT;
	int ret = -1;

	if (classes_json(t, &classes) || strbuf_addf(&cvkey, "cv:%s", model_key)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	h->classes = classes.buf;
	if (catalog_begin(cat, err))
		goto out;
	if (save_probs(cat, cvkey.buf, prep, classes.buf, t, oos, err) ||
	    heads_set(cat, h, err)) {
		catalog_rollback(cat);
		goto out;
	}
	ret = catalog_commit(cat, err);
out:
	strbuf_release(&classes);
	strbuf_release(&cvkey);
	return ret;
}

int head_save(struct catalog *cat, const char *model_key, const char *prep,
	      const struct train_set *t, const float *oos, int folds, double l2, double accuracy,
	      const struct softreg *init, struct wn_err *err)
{
	struct softreg r = { 0 };
	struct head_row h;
	int ret;

	if (softreg_fit_from(t->x, t->y, NULL, t->n, t->dim, t->k, l2, 300, init, &r, err))
		return -1;
	h = (struct head_row){ model_key, prep, NULL, r.dim, r.mean, r.scale, r.w, r.b, r.classes,
			       folds, l2, (int64_t)t->n, accuracy, 0, { 0 } };
	ret = save(cat, model_key, prep, t, oos, &h, err);
	softreg_free(&r);
	return ret;
}

/* m as a heads row: the layers' weights one after the other in one new
 * block (h->weights, to free), then their biases (h->bias, in the same
 * block). @return 0, or -1 out of memory. */
static int mlp_to_row(const struct mlp *m, struct head_row *h)
{
	size_t nw = 0, nb = 0;
	float *w, *b;

	memset(h, 0, sizeof(*h));
	for (int l = 0; l < m->layers; l++) {
		nw += (size_t)m->width[l] * (size_t)m->width[l + 1];
		nb += (size_t)m->width[l + 1];
	}
	if (!(w = malloc((nw + nb) * sizeof(float))))
		return -1;
	h->weights = w;
	h->bias = b = w + nw;
	for (int l = 0; l < m->layers; l++) {
		size_t n = (size_t)m->width[l] * (size_t)m->width[l + 1];

		memcpy(w, m->w[l], n * sizeof(float));
		memcpy(b, m->b[l], (size_t)m->width[l + 1] * sizeof(float));
		w += n;
		b += m->width[l + 1];
	}
	h->dim = m->width[0];
	h->mean = m->mean;
	h->scale = m->scale;
	h->classes_n = m->width[m->layers];
	h->nhidden = m->layers - 1;
	for (int l = 0; l < h->nhidden; l++)
		h->hidden[l] = m->width[l + 1];
	return 0;
}

int head_save_mlp(struct catalog *cat, const char *model_key, const char *prep,
		  const struct train_set *t, const float *oos, const struct mlp_opts *o,
		  int folds, double accuracy, struct wn_err *err)
{
	struct mlp m = { 0 };
	struct head_row h;
	int ret;

	if (o->nhidden > HEADS_MAX_HIDDEN)
		return wn_fail(err, WN_EINVAL, "an MLP of %d hidden layers: %d at most", o->nhidden,
			       HEADS_MAX_HIDDEN);
	if (mlp_fit(t->x, t->y, NULL, t->n, t->dim, t->k, o, &m, err))
		return -1;
	ret = mlp_to_row(&m, &h) ? wn_fail(err, WN_ENOMEM, "out of memory") : 0;
	if (!ret) {
		h.name = model_key;
		h.prep = prep;
		h.folds = folds;
		h.l2 = o->l2;
		h.images = (int64_t)t->n;
		h.accuracy = accuracy;
		ret = save(cat, model_key, prep, t, oos, &h, err);
		free((void *)h.weights);
	}
	mlp_free(&m);
	return ret;
}
