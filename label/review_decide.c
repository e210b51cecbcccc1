/* The decisions label review's page posts, each recorded in the catalog
 * (reviews) the moment it is made: one image's, a duplicate group's, a
 * page's selection at once (bulk), and undo, which takes back the latest
 * action whole. */
#include <stdlib.h>
#include <string.h>

#include "review.h"

/* At most this many images in one bulk action (the page sends up to 48). */
#define BULK_MAX 200

static int decide(struct session *s, const char *queue, int64_t id, int d, const char *cls,
		  int64_t seq, struct wn_err *err)
{
	struct review r = { id, queue, (enum review_decision)d, cls, 0, seq };

	return reviews_set(s->cat, &r, err);
}

/* The class a relabel names: "class_hex" (the bytes, as the page sends
 * them), else "class" (a UTF-8 string, byte for byte). malloc'd or NULL. */
static char *relabel_class(json_t *body)
{
	const char *hex = json_string_value(json_object_get(body, "class_hex"));
	const char *cls = json_string_value(json_object_get(body, "class"));

	return hex ? review_from_hex(hex) : cls ? strdup(cls) : NULL;
}

/* Whether deleting image id would leave one of its near-duplicate groups
 * with every member deleted. Holds lock. */
static int last_copy(struct session *s, int64_t id)
{
	const struct queue *q = &s->q[RQ_GROUPS];

	for (size_t g = 0; g < q->ngroups; g++) {
		int member = 0, others = 0;

		for (size_t m = q->gfirst[g]; m < q->gfirst[g + 1]; m++) {
			struct review r;
			char queue[256], cls[256];

			if (q->it[m].id == id) {
				member = 1;
				continue;
			}
			others += reviews_get(s->cat, q->it[m].id, &r, queue, cls, NULL) != 1 ||
				  r.decision != REVIEW_DELETE;
		}
		if (member && !others)
			return 1;
	}
	return 0;
}

/* The decision body names into *d, and a relabel's class into *cls
 * (malloc'd; else NULL). @return NULL, or why it is refused (400). */
static const char *body_decision(const struct session *s, json_t *body, int *d, char **cls)
{
	*d = review_decision_parse(json_string_value(json_object_get(body, "decision")));
	*cls = NULL;
	if (*d < 0)
		return "decision: keep, delete, relabel or skip";
	if (*d == REVIEW_RELABEL && !review_is_class(s, *cls = relabel_class(body))) {
		free(*cls);
		*cls = NULL;
		return "relabel to one of the session's classes";
	}
	return NULL;
}

enum MHD_Result review_api_decide(struct session *s, struct MHD_Connection *c,
				  const char *rest, json_t *body)
{
	const char *queue = json_string_value(json_object_get(body, "queue"));
	json_int_t id = json_integer_value(json_object_get(body, "id"));
	const struct item *it = review_find_image(s, id);
	const char *why;
	struct wn_err err = { 0 };
	char *cls = NULL;
	enum MHD_Result ret;
	json_t *reply;
	int d;

	(void)rest;
	if (!it || !review_find_queue(s, queue))
		return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such image in this session");
	if ((why = body_decision(s, body, &d, &cls)))
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, why);
	if (d == REVIEW_RELABEL && it->raw_given && !strcmp(cls, it->raw_given))
		d = REVIEW_KEEP;  /* relabelling to its own class is keeping it */
	pthread_mutex_lock(&s->lock);
	if (d == REVIEW_DELETE && last_copy(s, id)) {
		ret = review_send_error(c, MHD_HTTP_CONFLICT, "the last copy of its duplicate group: choose "
				 "another keeper, or split the group, first");
	} else if (decide(s, queue, id, d, d == REVIEW_RELABEL ? cls : NULL, 0, &err)) {
		ret = review_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
	} else {
		reply = review_changed(s, NULL);
		ret = review_send_json(c, MHD_HTTP_OK, reply);
	}
	pthread_mutex_unlock(&s->lock);
	free(cls);
	return ret;
}

/* One image's part of an action. */
struct act {
	int64_t id;
	int decision;
	const char *cls;          /* relabel: the new class */
};

/*
 * record_action() : acts[0..n) as one action (one number, so one undo
 * takes it all back), in one transaction. Holds lock.
 * @return 0 recorded; 1 a deletion in it would leave a duplicate group
 * with no copy (nothing recorded); -1 with err set (nothing recorded).
 */
static int record_action(struct session *s, const char *queue, const struct act *acts, size_t n,
			 struct wn_err *err)
{
	int64_t seq;

	if (catalog_begin(s->cat, err))
		return -1;
	if (reviews_next_seq(s->cat, &seq, err))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (decide(s, queue, acts[i].id, acts[i].decision, acts[i].cls, seq, err))
			goto fail;
	/* checked once all are in: two deletions may empty one group */
	for (size_t i = 0; i < n; i++)
		if (acts[i].decision == REVIEW_DELETE && last_copy(s, acts[i].id)) {
			catalog_rollback(s->cat);
			return 1;
		}
	return catalog_commit(s->cat, err) ? -1 : 0;
fail:
	catalog_rollback(s->cat);
	return -1;
}

/* The reply to record_action()'s result r. Holds lock. */
static enum MHD_Result action_reply(struct session *s, struct MHD_Connection *c, int r,
				    const struct wn_err *err, const char *conflict)
{
	if (r < 0)
		return review_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err->msg);
	if (r > 0)
		return review_send_error(c, MHD_HTTP_CONFLICT, conflict);
	return review_send_json(c, MHD_HTTP_OK, review_changed(s, NULL));
}

enum MHD_Result review_api_group(struct session *s, struct MHD_Connection *c, const char *rest,
				 json_t *body)
{
	struct queue *q = &s->q[RQ_GROUPS];
	json_int_t g = json_integer_value(json_object_get(body, "group"));
	json_int_t keeper = json_integer_value(json_object_get(body, "id"));
	const char *action = json_string_value(json_object_get(body, "action"));
	int split = action && !strcmp(action, "split"), found = 0, r;
	struct act *acts;
	size_t n = 0;
	struct wn_err err = { 0 };
	enum MHD_Result ret;

	(void)rest;
	if (g < 0 || (size_t)g >= q->ngroups)
		return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such group");
	if (!split && !(action && !strcmp(action, "keeper")))
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, "action: keeper or split");
	for (size_t m = q->gfirst[g]; m < q->gfirst[g + 1]; m++)
		found |= q->it[m].id == keeper;
	if (!split && !found)
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, "the keeper must be one of the group");
	acts = calloc(q->gfirst[g + 1] - q->gfirst[g], sizeof(*acts));
	if (!acts)
		return review_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	for (size_t m = q->gfirst[g]; m < q->gfirst[g + 1]; m++)
		acts[n++] = (struct act){ q->it[m].id, split || q->it[m].id == keeper ? REVIEW_KEEP
					  : REVIEW_DELETE, NULL };
	pthread_mutex_lock(&s->lock);
	r = record_action(s, q->name, acts, n, &err);
	ret = action_reply(s, c, r, &err, "a member this deletes is the last copy of another "
			   "group: choose that group's keeper first");
	pthread_mutex_unlock(&s->lock);
	free(acts);
	return ret;
}

/* The item of q showing image id, or NULL. */
static const struct item *queue_item(const struct queue *q, int64_t id)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->it[i].id == id)
			return &q->it[i];
	return NULL;
}

/* The bulk action's images: each an image of q, with the decision d as
 * /api/decide would record it (a relabel to its own class keeps it).
 * @return 0, or the HTTP status to refuse it with. */
static unsigned bulk_acts(const struct queue *q, json_t *ids, int d, const char *cls,
			  struct act *acts)
{
	size_t i;
	json_t *v;

	json_array_foreach(ids, i, v) {
		const struct item *it = json_is_integer(v) ? queue_item(q, json_integer_value(v)) : NULL;

		if (!it)
			return MHD_HTTP_NOT_FOUND;
		acts[i] = (struct act){ it->id, d, d == REVIEW_RELABEL ? cls : NULL };
		if (d == REVIEW_RELABEL && it->raw_given && !strcmp(cls, it->raw_given))
			acts[i] = (struct act){ it->id, REVIEW_KEEP, NULL };
	}
	return 0;
}

/* {"queue", "ids": [...], "decision", "class_hex" or "class"}: one
 * decision on a selection of one queue's images, as one action. The
 * groups queue is decided a group at a time (/api/group). */
enum MHD_Result review_api_bulk(struct session *s, struct MHD_Connection *c, const char *rest,
				json_t *body)
{
	struct queue *q = review_find_queue(s, json_string_value(json_object_get(body, "queue")));
	json_t *ids = json_object_get(body, "ids");
	size_t n = json_array_size(ids);
	struct act *acts = NULL;
	struct wn_err err = { 0 };
	const char *why;
	char *cls = NULL;
	enum MHD_Result ret;
	unsigned bad;
	int d, r;

	(void)rest;
	if (!q)
		return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such queue");
	if (q == &s->q[RQ_GROUPS])
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, "groups are decided a group at a time");
	if (!json_is_array(ids) || !n || n > BULK_MAX)
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, "ids: 1 to 200 images of the queue");
	if ((why = body_decision(s, body, &d, &cls)))
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, why);
	acts = calloc(n, sizeof(*acts));
	bad = acts ? bulk_acts(q, ids, d, cls, acts) : MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (bad) {
		ret = review_send_error(c, bad, bad == MHD_HTTP_NOT_FOUND ? "no such image in this queue"
					: "out of memory");
		goto done;
	}
	pthread_mutex_lock(&s->lock);
	r = record_action(s, q->name, acts, n, &err);
	ret = action_reply(s, c, r, &err, "this would delete every copy of a duplicate group: "
			   "choose its keeper in the groups queue first");
	pthread_mutex_unlock(&s->lock);
done:
	free(acts);
	free(cls);
	return ret;
}

/* {"queue": optional}: the action taken back is shown in that queue when
 * it holds the image, else in the first that does. */
enum MHD_Result review_api_undo(struct session *s, struct MHD_Connection *c, const char *rest,
				json_t *body)
{
	const struct queue *prefer = review_find_queue(s, json_string_value(json_object_get(body,
											   "queue")));
	struct wn_err err = { 0 };
	int64_t id = 0;
	json_t *undone = json_null(), *reply;

	(void)rest;
	pthread_mutex_lock(&s->lock);
	if (reviews_undo(s->cat, &id, &err)) {
		pthread_mutex_unlock(&s->lock);
		json_decref(undone);
		return review_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
	}
	for (int k = -1; id && k < RQ_COUNT && json_is_null(undone); k++) {
		const struct queue *q = k < 0 ? prefer : &s->q[k];
		long index = q ? review_item_index(q, id) : -1;

		if (index < 0)
			continue;
		json_decref(undone);
		undone = json_pack("{s:s,s:i,s:I}", "queue", q->name, "index", (json_int_t)index,
				   "id", (json_int_t)id);
	}
	reply = review_changed(s, json_pack("{s:o}", "undone", undone));
	pthread_mutex_unlock(&s->lock);
	return review_send_json(c, MHD_HTTP_OK, reply);
}
