/* Fitting the head on everything and keeping it with the probabilities
 * cross-validation made. */
#include <string.h>

#include "catalog/catalog.h"
#include "learn/head.h"
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

/* The probabilities and, when r is not NULL, the head r (with folds, l2
 * and accuracy) in one transaction; with r NULL an older head of the
 * model is removed, so that no head of other data stands in for these
 * probabilities (label cam, label export). */
static int save(struct catalog *cat, const char *model_key, const char *prep,
		const struct train_set *t, const float *oos, const struct softreg *r, int folds,
		double l2, double accuracy, struct wn_err *err)
{
	struct strbuf classes = STRBUF_INIT, cvkey = STRBUF_INIT;
	struct head_row h = { 0 };
	int ret = -1;

	if (classes_json(t, &classes) || strbuf_addf(&cvkey, "cv:%s", model_key)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (r)
		h = (struct head_row){ model_key, prep, classes.buf, r->dim, r->mean, r->scale,
				       r->w, r->b, r->classes, folds, l2, (int64_t)t->n,
				       accuracy };
	if (catalog_begin(cat, err))
		goto out;
	if (save_probs(cat, cvkey.buf, prep, classes.buf, t, oos, err) ||
	    (r ? heads_set(cat, &h, err) : heads_delete(cat, model_key, err))) {
		catalog_rollback(cat);
		goto out;
	}
	ret = catalog_commit(cat, err);
out:
	strbuf_release(&classes);
	strbuf_release(&cvkey);
	return ret;
}

int head_save_probs(struct catalog *cat, const char *model_key, const char *prep,
		    const struct train_set *t, const float *oos, struct wn_err *err)
{
	return save(cat, model_key, prep, t, oos, NULL, 0, 0, 0, err);
}

int head_save(struct catalog *cat, const char *model_key, const char *prep,
	      const struct train_set *t, const float *oos, int folds, double l2, double accuracy,
	      const struct softreg *init, struct wn_err *err)
{
	struct softreg r = { 0 };
	int ret;

	if (softreg_fit_from(t->x, t->y, NULL, t->n, t->dim, t->k, l2, 300, init, &r, err))
		return -1;
	ret = save(cat, model_key, prep, t, oos, &r, folds, l2, accuracy, err);
	softreg_free(&r);
	return ret;
}
