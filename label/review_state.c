/* What label review's page reads: the session's state (classes, queues
 * and their progress, decision counts, where to open) and a queue's items,
 * a page at a time, each with its decision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review.h"

/* The decision on image id as JSON (null when none). Caller holds lock. */
static json_t *decision_json(struct session *s, int64_t id)
{
	struct review r;
	char queue[256], cls[256];
	struct wn_err err;

	if (reviews_get(s->cat, id, &r, queue, cls, &err) != 1)
		return json_null();
	if (r.decision == REVIEW_RELABEL && r.new_class) {
		char *shown = review_text(r.new_class), *hex = review_to_hex(r.new_class);
		json_t *j = shown && hex ? json_pack("{s:s,s:s,s:s}", "decision",
						     review_decision_name(r.decision), "class", shown,
						     "class_hex", hex) : NULL;

		free(shown);
		free(hex);
		return j ? j : json_null();
	}
	return json_pack("{s:s}", "decision", review_decision_name(r.decision));
}

int review_decided(struct session *s, int64_t id)
{
	struct review r;
	char queue[256], cls[256];
	struct wn_err err;

	return reviews_get(s->cat, id, &r, queue, cls, &err) == 1;
}

/* The pending decisions, by image id: one query for a whole progress
 * count, however long the queues. */
struct pend {
	int64_t id;
	int decision;
	char queue[16];
};

struct pends {
	struct pend *p;
	size_t n, cap;
};

static int take_pend(const struct review *r, const char *path, const char *class_name,
		     void *data)
{
	struct pends *ps = data;

	(void)path;
	(void)class_name;
	if (ARRAY_GROW(ps->p, ps->cap, ps->n, 1024))
		return -1;
	ps->p[ps->n].id = r->image_id;
	ps->p[ps->n].decision = r->decision;
	snprintf(ps->p[ps->n].queue, sizeof(ps->p[ps->n].queue), "%s", r->queue ? r->queue : "");
	ps->n++;
	return 0;
}

static int cmp_pend(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static const struct pend *find_pend(const struct pends *ps, int64_t id)
{
	struct pend key = { id, 0, "" };

	return ps->n ? bsearch(&key, ps->p, ps->n, sizeof(*ps->p), cmp_pend) : NULL;
}

/* Queue sizes and decided counts, the decision counts, and where the page
 * should open: --queue's queue, else the first with an undecided item (at
 * its first one). Holds lock. */
static json_t *progress_json(struct session *s, json_t **counts, json_t **resume)
{
	json_t *qs = json_array();
	long n[4] = { 0, 0, 0, 0 }, first_open[RQ_COUNT];
	struct pends ps = { 0 };
	struct wn_err err;
	int open = s->open_queue ? review_queue_parse(s->open_queue) : -1;

	if (!reviews_each(s->cat, 1, take_pend, &ps, &err) && ps.n)
		qsort(ps.p, ps.n, sizeof(*ps.p), cmp_pend);
	for (int k = 0; k < RQ_COUNT; k++) {
		struct queue *q = &s->q[k];
		size_t total = q->ngroups ? q->ngroups : q->n, done = 0;

		first_open[k] = -1;
		for (size_t i = 0; i < total; i++) {
			int all = 1;
			size_t a = q->ngroups ? q->gfirst[i] : i, b = q->ngroups ? q->gfirst[i + 1] : i + 1;

			for (size_t m = a; m < b; m++) {
				const struct pend *d = find_pend(&ps, q->it[m].id);

				if (d) {
					if (!strcmp(d->queue, q->name) && (unsigned)d->decision < 4)
						n[d->decision]++;
				} else {
					all = 0;
				}
			}
			done += all;
			if (!all && first_open[k] < 0)
				first_open[k] = (long)i;
		}
		if (open < 0 && first_open[k] >= 0)
			open = k;
		json_array_append_new(qs, json_pack("{s:s,s:i,s:i}", "name", q->name, "total",
						    (json_int_t)total, "decided", (json_int_t)done));
	}
	free(ps.p);
	if (open < 0)
		open = RQ_SUSPECTS;
	if (resume)
		*resume = json_pack("{s:s,s:i}", "queue", s->q[open].name, "index",
				    (json_int_t)(first_open[open] < 0 ? 0 : first_open[open]));
	if (counts)
		*counts = json_pack("{s:i,s:i,s:i,s:i}", "keep", (json_int_t)n[0], "delete",
				    (json_int_t)n[1], "relabel", (json_int_t)n[2], "skip",
				    (json_int_t)n[3]);
	return qs;
}

/* An issues item's issues, worst first: [{"issue": name, "score": s}]. */
static json_t *issues_json(const struct item *it)
{
	json_t *a = json_array();
	int order[QI_COUNT], n = 0;

	for (int k = 0; k < QI_COUNT; k++)
		if (it->issues & 1u << k)
			order[n++] = k;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && it->issue_scores[order[j]] < it->issue_scores[order[j - 1]]; j--) {
			int x = order[j];

			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:f}", "issue", quality_issue_name(order[i]),
						   "score", it->issue_scores[order[i]]));
	return a;
}

static json_t *item_json(struct session *s, const struct item *it)
{
	json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:f,s:f,s:o}", "id", (json_int_t)it->id, "path",
			 it->path, "given", it->given ? it->given : "", "predicted",
			 it->predicted ? it->predicted : "", "confidence", it->confidence, "score",
			 it->score, "decision", decision_json(s, it->id));

	if (j && it->issues)
		json_object_set_new(j, "issues", issues_json(it));
	return j;
}

enum MHD_Result review_api_state(struct session *s, struct MHD_Connection *c, const char *rest,
				 json_t *body)
{
	json_t *counts = NULL, *resume = NULL, *qs, *classes = json_array(), *hexes = json_array();

	(void)rest;
	(void)body;
	/* the names to show, and the bytes (as hex) to send back */
	for (int i = 0; i < s->nclasses; i++) {
		char *shown = review_text(s->classes[i]), *hex = review_to_hex(s->classes[i]);

		json_array_append_new(classes, json_string(shown ? shown : ""));
		json_array_append_new(hexes, json_string(hex ? hex : ""));
		free(shown);
		free(hex);
	}
	pthread_mutex_lock(&s->lock);
	qs = progress_json(s, &counts, &resume);
	pthread_mutex_unlock(&s->lock);
	return review_send_json(c, MHD_HTTP_OK, json_pack("{s:o,s:o,s:o,s:o,s:o}", "classes", classes,
						   "class_hex", hexes, "queues", qs, "counts", counts,
						   "resume", resume));
}

enum MHD_Result review_api_items(struct session *s, struct MHD_Connection *c, const char *rest,
				 json_t *body)
{
	struct queue *q = review_find_queue(s, MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "queue"));
	const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	const char *nn = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n");
	long from = f ? strtol(f, NULL, 10) : 0, n = nn ? strtol(nn, NULL, 10) : 50;
	size_t total;
	json_t *items = json_array();

	(void)rest;
	(void)body;
	if (!q) {
		json_decref(items);
		return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such queue");
	}
	total = q->ngroups ? q->ngroups : q->n;
	from = from < 0 ? 0 : from;
	n = n < 1 ? 1 : n > 500 ? 500 : n;
	pthread_mutex_lock(&s->lock);
	for (size_t i = (size_t)from; i < total && i < (size_t)(from + n); i++) {
		if (!q->ngroups) {
			json_array_append_new(items, item_json(s, &q->it[i]));
			continue;
		}
		{
			json_t *members = json_array();
			int all = 1;

			for (size_t m = q->gfirst[i]; m < q->gfirst[i + 1]; m++) {
				const struct item *it = &q->it[m];

				all &= review_decided(s, it->id);
				json_array_append_new(members, json_pack("{s:I,s:s,s:s,s:b,s:s,s:o}",
					"id", (json_int_t)it->id, "path", it->path, "class",
					it->given ? it->given : "", "keeper", it->rank == 0, "match",
					it->match, "decision", decision_json(s, it->id)));
			}
			/* the group's kind: its keeper's row (the first member
			 * on disk, the keeper unless it is gone) */
			json_array_append_new(items, json_pack("{s:i,s:s,s:b,s:o}", "group",
				(json_int_t)i, "match", q->it[q->gfirst[i]].match, "decided", all,
				"members", members));
		}
	}
	pthread_mutex_unlock(&s->lock);
	return review_send_json(c, MHD_HTTP_OK, json_pack("{s:s,s:i,s:i,s:o}", "queue", q->name, "from",
						   (json_int_t)from, "total", (json_int_t)total,
						   "items", items));
}

/* The reply to a change: the new counts and queue progress. Holds lock. */
json_t *review_changed(struct session *s, json_t *extra_key_value)
{
	json_t *counts = NULL, *qs = progress_json(s, &counts, NULL);
	json_t *o = json_pack("{s:b,s:o,s:o}", "ok", 1, "counts", counts, "queues", qs);

	if (extra_key_value)
		json_object_update(o, extra_key_value);
	json_decref(extra_key_value);
	return o;
}
