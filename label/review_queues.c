/* label review's queues, built once when the session starts: the suspects
 * and label conflicts (label suspects' ranking), dedup's near-duplicate
 * groups, and the images db issues would list (quality/quality.h judges
 * the signals db scan stored, with its default thresholds); and finding
 * a queue or an image in them. */
#include <stdlib.h>
#include <string.h>

#include "review.h"

static const char *const queue_names[RQ_COUNT] = { "suspects", "conflicts", "groups", "issues" };

const char *review_queue_name(enum review_queue k)
{
	return (unsigned)k < RQ_COUNT ? queue_names[k] : NULL;
}

int review_queue_parse(const char *s)
{
	for (int k = 0; s && k < RQ_COUNT; k++)
		if (!strcmp(queue_names[k], s))
			return k;
	return -1;
}

const struct item *review_find_image(const struct session *s, int64_t id)
{
	for (int k = 0; k < RQ_COUNT; k++)
		for (size_t i = 0; i < s->q[k].n; i++)
			if (s->q[k].it[i].id == id)
				return &s->q[k].it[i];
	return NULL;
}

struct queue *review_find_queue(struct session *s, const char *name)
{
	for (int k = 0; name && k < RQ_COUNT; k++)
		if (!strcmp(s->q[k].name, name))
			return &s->q[k];
	return NULL;
}

long review_item_index(const struct queue *q, int64_t id)
{
	for (size_t i = 0; i < q->n; i++) {
		size_t index = i;

		if (q->it[i].id != id)
			continue;
		if (q->ngroups)
			for (index = 0; q->gfirst[index + 1] <= i; index++)
				;
		return (long)index;
	}
	return -1;
}

static void item_release(struct item *it)
{
	free(it->path);
	free(it->raw);
	free(it->given);
	free(it->raw_given);
	free(it->predicted);
	free(it->match);
}

static int add_item(struct queue *q, const struct item *src)
{
	struct item *g = realloc(q->it, (q->n + 1) * sizeof(*g));

	if (!g)
		return -1;
	q->it = g;
	q->it[q->n++] = *src;
	return 0;
}

static int lookup_id(struct catalog *cat, const char *path, int64_t *id, struct wn_err *err)
{
	struct image_stamp st;
	int r = images_stamp(cat, path, &st, err);

	*id = r == 1 ? st.id : 0;
	return r < 0 ? -1 : 0;
}

struct group_build {
	struct session *s;
	int64_t run;
	int grp;
	int oom;
};

static int add_member(int64_t run_id, int grp, int rank, int64_t image_id, const char *path,
		      const char *class_name, const char *match, void *data)
{
	struct group_build *b = data;
	struct queue *q = &b->s->q[RQ_GROUPS];
	struct item it = { 0 };

	if (!catalog_on_disk(b->s->cat, path))
		return 0;
	if (run_id != b->run || grp != b->grp) {
		size_t *g = realloc(q->gfirst, (q->ngroups + 2) * sizeof(*g));

		if (!g)
			return b->oom = -1;
		q->gfirst = g;
		q->gfirst[q->ngroups++] = q->n;
		b->run = run_id;
		b->grp = grp;
	}
	it.id = image_id;
	it.path = review_text(path);
	it.raw = strdup(path);
	it.given = review_text(class_name);
	it.raw_given = class_name ? strdup(class_name) : NULL;
	it.group = (int)q->ngroups;
	it.rank = rank;
	it.match = review_text(match ? match : "");
	if (!it.path || !it.raw || (class_name && !it.raw_given) || !it.match || add_item(q, &it))
		return b->oom = -1;
	return 0;
}

/* The suspects and the conflicts: suspects_find()'s list, each to its queue. */
static int build_suspects(struct session *s, const char *prefix, const struct suspects_opts *o,
			  struct wn_err *err)
{
	struct suspect_list l = { 0 };
	int found = suspects_find(s->cat, prefix, o, &l, err);

	if (found < 0)
		return -1;
	for (size_t i = 0; !found && i < l.n; i++) {
		struct item it = { 0 };

		it.id = l.s[i].id;
		if (!it.id && lookup_id(s->cat, l.s[i].path, &it.id, err))
			goto fail;
		if (!it.id)
			continue;
		it.path = review_text(l.s[i].path);
		it.raw = strdup(l.s[i].path);
		it.given = review_text(l.s[i].given);
		it.raw_given = l.s[i].given ? strdup(l.s[i].given) : NULL;
		it.predicted = review_text(l.s[i].predicted);
		it.confidence = l.s[i].confidence;
		it.score = l.s[i].score;
		if (!it.raw || add_item(&s->q[l.s[i].conflict ? RQ_CONFLICTS : RQ_SUSPECTS], &it))
			goto oom;
	}
	suspects_free(&l);
	return 0;
oom:
	wn_fail(err, WN_ENOMEM, "out of memory");
fail:
	suspects_free(&l);
	return -1;
}

/* dedup's groups; a group of one (the others gone from disk) is no group. */
static int build_groups(struct session *s, const char *prefix, struct wn_err *err)
{
	struct group_build gb = { s, -1, -1, 0 };
	struct queue *q = &s->q[RQ_GROUPS];
	size_t ng = 0, ni = 0;

	if (dup_groups_foreach(s->cat, prefix, 1, add_member, &gb, err))
		return gb.oom ? wn_fail(err, WN_ENOMEM, "out of memory") : -1;
	if (q->ngroups)
		q->gfirst[q->ngroups] = q->n;
	for (size_t g = 0; g < q->ngroups; g++) {
		size_t a = q->gfirst[g], b = q->gfirst[g + 1];

		if (b - a < 2) {
			for (size_t m = a; m < b; m++)
				item_release(&q->it[m]);
			continue;
		}
		q->gfirst[ng++] = ni;
		for (size_t m = a; m < b; m++)
			q->it[ni++] = q->it[m];
	}
	q->ngroups = ng;
	q->n = ni;
	if (ng)
		q->gfirst[ng] = ni;
	return 0;
}

/* The images with quality signals, to judge against each other. */
/* Most severe first: by the lowest score among an image's issues. */
static int cmp_severity(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return strcmp(x->raw, y->raw);
}

/* An item for the flagged image m, its score its worst issue's. */
static int add_flagged(struct session *s, const struct issue_image *m, struct wn_err *err)
{
	struct item it = { 0 };

	it.id = m->id;
	it.path = review_text(m->path);
	it.raw = strdup(m->path);
	it.given = review_text(m->class_name);
	it.raw_given = m->class_name ? strdup(m->class_name) : NULL;
	it.issues = m->found;
	it.score = 1;
	for (int k = 0; k < QI_COUNT; k++) {
		it.issue_scores[k] = m->scores[k];
		if (m->found & 1u << k && m->scores[k] < it.score)
			it.score = m->scores[k];
	}
	if (!it.path || !it.raw || (m->class_name && !it.raw_given) ||
	    add_item(&s->q[RQ_ISSUES], &it)) {
		item_release(&it);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	return 0;
}

/* What db issues lists under prefix with its default thresholds (the
 * same judge: lib/learn/issues.h), outliers by the session model's
 * embeddings when label predict stored them. */
static int build_issues(struct session *s, const char *prefix, struct wn_err *err)
{
	struct issue_opts o;
	struct issue_set set = { 0 };
	int ret = -1;

	issue_opts_init(&o, nn_model_key(s->model), nn_prep_name(s->prep));
	if (issues_judge(s->cat, prefix, &o, &set, err))
		goto done;
	for (size_t i = 0; i < set.n; i++)
		if (set.v[i].found && add_flagged(s, &set.v[i], err))
			goto done;
	if (s->q[RQ_ISSUES].n)
		qsort(s->q[RQ_ISSUES].it, s->q[RQ_ISSUES].n, sizeof(struct item), cmp_severity);
	ret = 0;
done:
	issue_set_release(&set);
	return ret;
}

int review_queues_build(struct session *s, const char *prefix, const struct suspects_opts *o,
			struct wn_err *err)
{
	for (int k = 0; k < RQ_COUNT; k++)
		s->q[k].name = review_queue_name(k);
	if (build_suspects(s, prefix, o, err) || build_groups(s, prefix, err))
		return -1;
	return build_issues(s, prefix, err);
}

void review_queues_release(struct session *s)
{
	for (int k = 0; k < RQ_COUNT; k++) {
		for (size_t i = 0; i < s->q[k].n; i++)
			item_release(&s->q[k].it[i]);
		free(s->q[k].it);
		free(s->q[k].gfirst);
	}
}
