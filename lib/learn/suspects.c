/* Suspects: the images most likely to sit in the wrong class folder.
 * Confident learning on out-of-sample probabilities, most likely mislabel
 * first. The trained head's cross-validated probabilities when there are
 * some; else the pretrained model's, when every folder maps onto one of
 * its classes. Images with a copy in another class folder (exact, or in a
 * group of dedup's last run) come first. */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "learn/cleanlab.h"
#include "learn/suspects.h"
#include "nn/nn.h"

struct set {
	char **path, **given;
	int64_t *id;
	float *probs;
	int *y;
	size_t n, cap;
	char **classes;   /* the probabilities' classes */
	int k;
	const char *const *maps;
	int nmaps;
	const char *unmapped;  /* first folder with no class */
	int mapping;           /* 0: classes are folders (head); 1: map folders */
	struct catalog *cat;
	struct catalog_listing *files;  /* which images are on disk now */
	struct wn_err *err;
};

static int parse_classes(const char *json, struct set *s)
{
	json_t *a = json_loads(json, 0, NULL), *v;
	size_t i;

	if (!json_is_array(a)) {
		json_decref(a);
		return -1;
	}
	s->k = (int)json_array_size(a);
	s->classes = calloc((size_t)s->k + 1, sizeof(char *));
	if (!s->classes) {
		json_decref(a);
		return -1;
	}
	json_array_foreach(a, i, v)
		s->classes[i] = strdup(json_is_string(v) ? json_string_value(v) : "?");
	json_decref(a);
	return 0;
}

/* Folder names onto model classes: --map first, then case-insensitively,
 * with or without a plural s (or es). */
static int map_folder(const struct set *s, const char *folder)
{
	size_t fl = strlen(folder);

	for (int i = 0; i < s->nmaps; i++) {
		const char *eq = strchr(s->maps[i], '=');

		if (eq && (size_t)(eq - s->maps[i]) == fl && !strncmp(s->maps[i], folder, fl))
			for (int c = 0; c < s->k; c++)
				if (!strcasecmp(s->classes[c], eq + 1))
					return c;
	}
	for (int c = 0; c < s->k; c++) {
		size_t cl = strlen(s->classes[c]);

		if (!strcasecmp(folder, s->classes[c]) ||
		    (fl == cl + 1 && tolower((unsigned char)folder[fl - 1]) == 's' &&
		     !strncasecmp(folder, s->classes[c], cl)) ||
		    (fl == cl + 2 && !strcasecmp(folder + cl, "es") &&
		     !strncasecmp(folder, s->classes[c], cl)) ||
		    (cl == fl + 1 && tolower((unsigned char)s->classes[c][cl - 1]) == 's' &&
		     !strncasecmp(folder, s->classes[c], fl)))
			return c;
	}
	return -1;
}

static int gather(const struct prediction_row *row, void *data)
{
	struct set *s = data;
	int y;

	if (!row->class_name || !catalog_listing_has(s->files, row->path))
		return 0;
	if (!s->classes && parse_classes(row->classes, s))
		return wn_fail(s->err, WN_ECORRUPT, "a prediction row without its classes");
	if (row->nprobs != s->k)
		return 0;
	if (s->mapping) {
		y = map_folder(s, row->class_name);
		if (y < 0) {
			if (!s->unmapped)
				s->unmapped = strdup(row->class_name);
			return 0;
		}
	} else {
		y = -1;
		for (int c = 0; c < s->k && y < 0; c++)
			if (!strcmp(s->classes[c], row->class_name))
				y = c;
		if (y < 0)
			return 0;  /* a folder the head was not trained on */
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;

		s->path = realloc(s->path, cap * sizeof(char *));
		s->given = realloc(s->given, cap * sizeof(char *));
		s->id = realloc(s->id, cap * sizeof(int64_t));
		s->y = realloc(s->y, cap * sizeof(int));
		s->probs = realloc(s->probs, cap * (size_t)s->k * sizeof(float));
		if (!s->path || !s->given || !s->id || !s->y || !s->probs)
			return wn_fail(s->err, WN_ENOMEM, "out of memory");
		s->cap = cap;
	}
	s->path[s->n] = strdup(row->path);
	s->given[s->n] = strdup(row->class_name);
	s->id[s->n] = row->image_id;
	s->y[s->n] = y;
	memcpy(s->probs + s->n * (size_t)s->k, row->probs, (size_t)s->k * sizeof(float));
	s->n++;
	return 0;
}

static void free_set(struct set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->path[i]);
		free(s->given[i]);
	}
	for (int c = 0; s->classes && c < s->k; c++)
		free(s->classes[c]);
	free(s->classes);
	free(s->path);
	free(s->given);
	free(s->id);
	free(s->y);
	free(s->probs);
	free((char *)s->unmapped);
	memset(s, 0, sizeof(*s));
}


/* Images with a copy in another class folder: exact copies by hash, and
 * dedup's recorded groups (exact or near); one entry per image. */
struct conflicts {
	struct catalog_listing *files;
	char **path, **given, **other;
	size_t n, cap;
	int oom;
};

static int add_conflict(const char *path, const char *given, const char *other_path,
			const char *other, void *data)
{
	struct conflicts *cf = data;

	if (!catalog_listing_has(cf->files, path) || !catalog_listing_has(cf->files, other_path))
		return 0;
	for (size_t i = cf->n; i-- > 0;)
		if (!strcmp(cf->path[i], path))
			return 0;
	if (cf->n == cf->cap) {
		size_t cap = cf->cap ? 2 * cf->cap : 64;
		char **a = realloc(cf->path, cap * sizeof(char *));
		char **b = a ? realloc(cf->given, cap * sizeof(char *)) : NULL;
		char **c = b ? realloc(cf->other, cap * sizeof(char *)) : NULL;

		if (a)
			cf->path = a;
		if (b)
			cf->given = b;
		if (!c) {
			cf->oom = 1;
			return -1;
		}
		cf->other = c;
		cf->cap = cap;
	}
	cf->path[cf->n] = strdup(path);
	cf->given[cf->n] = strdup(given);
	cf->other[cf->n] = strdup(other);
	cf->n++;
	return 0;
}

static void free_conflicts(struct conflicts *cf)
{
	for (size_t i = 0; i < cf->n; i++) {
		free(cf->path[i]);
		free(cf->given[i]);
		free(cf->other[i]);
	}
	free(cf->path);
	free(cf->given);
	free(cf->other);
}

static int cmp_path(const void *a, const void *b, void *ctx)
{
	char **path = ctx;

	return strcmp(path[*(const size_t *)a], path[*(const size_t *)b]);
}

int suspects_find(struct catalog *cat, const char *prefix, const struct suspects_opts *o,
		  struct suspect_list *out, struct wn_err *err)
{
	struct set s = { 0 };
	struct cl_result res = { 0 };
	struct conflicts cf = { 0 };
	struct strbuf cvkey = STRBUF_INIT;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	s.maps = o->maps;
	s.nmaps = o->nmaps;
	s.err = err;
	s.cat = cat;
	/* Files removed since the predictions are left out: one listing of
	 * each folder tells, not an lstat an image. */
	s.files = cf.files = catalog_listing_new(cat);
	if (!s.files || strbuf_addf(&cvkey, "cv:%s", o->model_key)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	/* the head's out-of-sample probabilities, else the model's own */
	out->source = "head";
	if (!o->pretrained && !o->nmaps &&
	    predictions_probs_foreach(cat, cvkey.buf, nn_prep_name(o->prep), prefix, gather, &s,
				      err))
		goto out;
	if (!s.n) {
		free_set(&s);
		s.maps = o->maps;
		s.nmaps = o->nmaps;
		s.err = err;
		s.cat = cat;
		s.files = cf.files;
		s.mapping = 1;
		out->source = "model";
		if (predictions_probs_foreach(cat, o->model_key, nn_prep_name(o->prep), prefix,
					      gather, &s, err))
			goto out;
		if (s.unmapped) {
			wn_fail(err, WN_EINVAL, "folder '%s' is none of %s's classes; name its class with "
				"--map '%s=Class', or train a head on your folders with 'label train'",
				s.unmapped, o->model_key, s.unmapped);
			ret = 1;
			goto out;
		}
	}
	if (!s.n) {
		wn_fail(err, WN_EINVAL, "no predictions for these images: run 'label predict' (and "
			"'label train' for your own classes) on the folder first");
		ret = 1;
		goto out;
	}
	if (cl_find_issues(s.y, s.probs, s.n, s.k, &res, err))
		goto out;
	if (images_conflicts(cat, prefix, add_conflict, &cf, err) ||
	    conflicts_foreach(cat, prefix, add_conflict, &cf, err)) {
		if (cf.oom)
			wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	out->s = calloc(cf.n + s.n + 1, sizeof(*out->s));
	out->classes = calloc((size_t)s.k + 1, sizeof(char *));
	if (!out->s || !out->classes) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (int c = 0; c < s.k; c++)
		out->classes[c] = strdup(s.classes[c]);
	out->k = s.k;
	/* the conflicts first, by path; then confident learning's ranking */
	{
		size_t *ord = malloc((cf.n ? cf.n : 1) * sizeof(*ord));

		for (size_t i = 0; ord && i < cf.n; i++)
			ord[i] = i;
		if (ord)
			qsort_r(ord, cf.n, sizeof(*ord), cmp_path, cf.path);
		for (size_t k = 0; k < cf.n; k++) {
			size_t i = ord ? ord[k] : k;
			struct suspect *x = &out->s[out->n++];

			x->path = strdup(cf.path[i]);
			x->given = strdup(cf.given[i]);
			x->predicted = strdup(cf.other[i]);
			x->confidence = x->score = 1;
			x->conflict = 1;
		}
		free(ord);
	}
	out->nconflicts = out->n;
	for (size_t r = 0; r < s.n && (o->top ? out->n - out->nconflicts < o->top : 1); r++) {
		size_t i = res.order[r];
		const float *p = s.probs + i * (size_t)s.k;
		struct suspect *x;
		int best = 0;

		int listed = 0;

		if (!o->top && !res.flag[i])
			continue;
		/* already listed as a conflict */
		for (size_t c = 0; c < out->nconflicts && !listed; c++)
			listed = !strcmp(out->s[c].path, s.path[i]);
		if (listed)
			continue;
		for (int k = 1; k < s.k; k++)
			if (p[k] > p[best])
				best = k;
		x = &out->s[out->n++];
		x->id = s.id[i];
		x->path = strdup(s.path[i]);
		x->given = strdup(s.given[i]);
		x->predicted = strdup(s.classes[best]);
		x->confidence = p[best];
		x->score = res.score[i];
		x->flagged = res.flag[i];
	}
	out->images = s.n;
	out->flagged = res.flagged;
	ret = 0;
out:
	free_conflicts(&cf);
	catalog_listing_free(cf.files);
	cl_free(&res);
	free_set(&s);
	strbuf_release(&cvkey);
	if (ret)
		suspects_free(out);
	return ret;
}

void suspects_free(struct suspect_list *l)
{
	for (size_t i = 0; l->s && i < l->n; i++) {
		free(l->s[i].path);
		free(l->s[i].given);
		free(l->s[i].predicted);
	}
	for (int c = 0; l->classes && c < l->k; c++)
		free(l->classes[c]);
	free(l->classes);
	free(l->s);
	memset(l, 0, sizeof(*l));
}
