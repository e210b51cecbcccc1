/* Judging a set's images: the stored signals against the set, the
 * embeddings against each class. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/issues.h"
#include "learn/outlier.h"

void issue_opts_init(struct issue_opts *o, const char *model_key, const char *prep)
{
	for (int i = 0; i < QI_COUNT; i++)
		o->thresholds[i] = quality_default_threshold(i);
	o->wanted = (1u << QI_COUNT) - 1;
	o->model_key = model_key;
	o->prep = prep;
}

struct gather {
	struct issue_set *s;
	size_t cap;
	int oom;
};

static int collect(const struct image_quality *iq, void *data)
{
	struct gather *g = data;
	struct issue_image *j;

	if (ARRAY_GROW(g->s->v, g->cap, g->s->n, 1024))
		return g->oom = 1;
	j = &g->s->v[g->s->n++];
	memset(j, 0, sizeof(*j));
	j->path = strdup(iq->path);
	j->class_name = iq->class_name ? strdup(iq->class_name) : NULL;
	j->id = iq->id;
	j->size = iq->size;
	j->mtime_ns = iq->mtime_ns;
	j->width = iq->width;
	j->height = iq->height;
	j->q = iq->q;
	return !j->path || (iq->class_name && !j->class_name) ? (g->oom = 1) : 0;
}

static int cmp_image_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct issue_image *)elem)->path);
}

/* score_outliers()'s walk: the set, and which of its files are there */
struct asked {
	const struct issue_set *s;
	struct catalog_listing *files;
};

static ptrdiff_t image_index(const char *path, void *data)
{
	const struct asked *a = data;
	const struct issue_image *j = bsearch(path, a->s->v, a->s->n, sizeof(*a->s->v),
					      cmp_image_path);

	return j && catalog_listing_has(a->files, path) ? j - a->s->v : -1;
}

/* The outlier scores of s's images, from the embeddings of the images on
 * disk now (one listing a folder, not an lstat an image). @return 1 when
 * there are none, 0 done, -1 with err set. */
static int score_outliers(struct issue_set *s, struct catalog *cat, const struct issue_opts *o,
			  const char *prefix, struct wn_err *err)
{
	double *scores = malloc((s->n ? s->n : 1) * sizeof(*scores));
	struct asked a = { s, catalog_listing_new(cat) };
	size_t scored;
	int ret = -1;

	if (!scores || !a.files) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	if (outlier_scores(cat, o->model_key, o->prep, prefix, image_index, &a, s->n, scores,
			   &scored, err))
		goto done;
	for (size_t i = 0; i < s->n; i++)  /* both by path */
		s->v[i].scores[QI_OUTLIER] = scores[i];
	ret = scored ? 0 : 1;
done:
	catalog_listing_free(a.files);
	free(scores);
	return ret;
}

/* Sizes and shapes against the set's medians; every issue's bit. */
static int judge_all(struct issue_set *s, const struct issue_opts *o, struct wn_err *err)
{
	struct quality_set set;
	int *w = malloc((s->n + 1) * sizeof(*w)), *h = malloc((s->n + 1) * sizeof(*h));
	int ret = -1;

	if (!w || !h) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < s->n; i++) {
		w[i] = s->v[i].width;
		h[i] = s->v[i].height;
	}
	if (quality_set_medians(w, h, s->n, &set, err))
		goto done;
	for (size_t i = 0; i < s->n; i++) {
		struct issue_image *j = &s->v[i];
		double outlier = j->scores[QI_OUTLIER];

		j->found = quality_judge(&j->q, j->width, j->height, &set, o->thresholds, j->scores);
		j->scores[QI_OUTLIER] = outlier;
		if (outlier < o->thresholds[QI_OUTLIER])
			j->found |= 1u << QI_OUTLIER;
		j->found &= o->wanted;
	}
	ret = 0;
done:
	free(w);
	free(h);
	return ret;
}

int issues_judge(struct catalog *cat, const char *prefix, const struct issue_opts *o,
		 struct issue_set *out, struct wn_err *err)
{
	struct image_filter filter = { NULL, IMAGE_OK, prefix };
	struct gather g = { out, 0, 0 };
	int none;

	if (images_quality_foreach(cat, &filter, collect, &g, &out->missing, err) || g.oom) {
		if (g.oom)
			wn_fail(err, WN_ENOMEM, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < out->n; i++)
		out->v[i].scores[QI_OUTLIER] = 1;
	if (o->wanted & 1u << QI_OUTLIER) {
		none = score_outliers(out, cat, o, prefix, err);
		if (none < 0)
			return -1;
		out->embeddings = !none;
	}
	return judge_all(out, o, err);
}

void issue_set_release(struct issue_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].class_name);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_finding(const void *a, const void *b)
{
	const struct issue_finding *x = a, *y = b;
	double sx = x->image->scores[x->issue], sy = y->image->scores[y->issue];

	if (x->issue != y->issue)
		return x->issue - y->issue;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return strcmp(x->image->path, y->image->path);
}

int issue_findings(const struct issue_set *s, struct issue_finding **out, size_t *n,
		   struct wn_err *err)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (int k = 0; k < QI_COUNT; k++) {
			if (!(s->v[i].found & 1u << k))
				continue;
			if (ARRAY_GROW(*out, cap, *n, 256)) {
				free(*out);
				*out = NULL;
				return wn_fail(err, WN_ENOMEM, "out of memory");
			}
			(*out)[(*n)++] = (struct issue_finding){ &s->v[i], k };
		}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_finding);
	return 0;
}
