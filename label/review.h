/* label review's parts, shared by its files, each calling only those
 * listed after it: the HTTP server and its routes (review_http.c); the
 * decisions the page posts (review_decide.c); what it reads
 * (review_state.c) and the images it shows (review_images.c); the session
 * (review_session.c) and its queues (review_queues.c); the responses
 * (review_reply.c) and the text for the page (review_text.c).
 * Command-side code: these answer requests and never exit. */
#ifndef WINNOW_LABEL_REVIEW_H
#define WINNOW_LABEL_REVIEW_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "img/img.h"
#include "learn/learn.h"
#include "quality/quality.h"

/* One image of a queue. path, given and predicted are for the page
 * (valid UTF-8); raw and raw_given are the catalog's bytes. */
struct item {
	int64_t id;
	char *path, *raw, *given, *raw_given, *predicted;
	double confidence, score;
	int group;                /* groups queue: the group number; else 0 */
	int rank;                 /* in its group: 0 is the proposed keeper */
	char *match;              /* groups queue: how it matches its keeper, as
				   * dedup recorded it (the keeper's: the
				   * group's kind); else NULL */
	unsigned issues;          /* issues queue: a bit per quality_issue found */
	double issue_scores[QI_COUNT]; /* issues queue: each issue's score */
};

/* The queues, in the order the page shows them. */
enum review_queue { RQ_SUSPECTS, RQ_CONFLICTS, RQ_GROUPS, RQ_ISSUES, RQ_COUNT };

struct queue {
	const char *name;
	struct item *it;
	size_t n;
	/* groups: group k spans it[gfirst[k] .. gfirst[k + 1]) */
	size_t *gfirst, ngroups;
};

struct thumb {
	int64_t id;
	uint8_t *data;
	size_t len;
};

struct session {
	struct catalog *cat;
	pthread_mutex_t lock;     /* the catalog and the cache */
	char token[65];
	unsigned port;
	int root;                 /* the dataset root (--path), opened */
	struct strbuf prefix;     /* what catalog paths under it start with */
	char **classes;           /* the catalog's bytes, sorted */
	int nclasses;
	struct queue q[RQ_COUNT];
	const char *open_queue;   /* --queue: the queue the page opens on, or NULL */
	struct thumb *thumbs;
	size_t nthumbs, cap_thumbs, thumb_bytes;
	struct img_limits limits;
	/* heat maps (key h): the model and head, loaded at the first ask */
	const char *model;
	enum nn_prep prep;
	struct cam_view *cam;
	struct wn_err cam_err;    /* why there are none, as last tried */
	int64_t cam_tried_ms;     /* when (CLOCK_MONOTONIC), to try again later */
	int64_t cam_retry_ms;     /* how much later: 10 s (tests set it) */
};

/* review_queues.c */

/* review_queue_name() : "suspects", "conflicts", "groups", "issues";
 * review_queue_parse() : the queue named s, or -1. */
const char *review_queue_name(enum review_queue k);
int review_queue_parse(const char *s);
/* review_find_image() : the first item of any queue showing image id, or NULL. */
const struct item *review_find_image(const struct session *s, int64_t id);
/* review_find_queue() : the queue named name (NULL: none), or NULL. */
struct queue *review_find_queue(struct session *s, const char *name);
/* review_item_index() : the index of image id in q (for the groups queue:
 * its group's), or -1 when q does not show it. */
long review_item_index(const struct queue *q, int64_t id);
/* review_queues_build() : fills s->q (named) from the catalog under prefix
 * (NULL: all). @return 0, or -1 with err set. */
int review_queues_build(struct session *s, const char *prefix, const struct suspects_opts *o,
			struct wn_err *err);
/* review_queues_release() : frees the items of every queue. */
void review_queues_release(struct session *s);

/* review_text.c */

/* review_text() : a copy of s that is valid UTF-8 (each stray byte becomes
 * U+FFFD), for the page; malloc'd, NULL for NULL or out of memory. */
char *review_text(const char *s);
/* review_to_hex() / review_from_hex() : class names travel to the page
 * and back as hex of their bytes. malloc'd; from_hex gives NULL unless
 * hex is even-length hex of non-NUL bytes. */
char *review_to_hex(const char *bytes);
char *review_from_hex(const char *hex);

/* review_session.c */

/* review_is_class() : whether c is one of the session's classes. */
int review_is_class(const struct session *s, const char *c);
/*
 * review_session_load() : the session's queues and classes from its
 * catalog, under s->prefix, the suspects chosen as o says.
 * @return 0, or -1 with err set.
 */
int review_session_load(struct session *s, const struct suspects_opts *o, struct wn_err *err);
/* review_session_release() : frees what the session holds (not the
 * catalog, the root or the lock). */
void review_session_release(struct session *s);

/* review_http.c */

/* review_serve() : starts the server on 127.0.0.1:port (0: any free one;
 * s->port gets it). @return the daemon, or NULL with err set. */
struct MHD_Daemon *review_serve(struct session *s, uint16_t port, struct wn_err *err);
/* review_reply.c: the responses. review_reply() frees data when owned;
 * cache NULL means no-store. */
enum MHD_Result review_reply(struct MHD_Connection *c, unsigned status, const char *type,
			     void *data, size_t len, int owned, const char *cache);
/* review_send_json() : sends j and drops the reference to it. */
enum MHD_Result review_send_json(struct MHD_Connection *c, unsigned status, json_t *j);
enum MHD_Result review_send_error(struct MHD_Connection *c, unsigned status, const char *msg);

/*
 * A route's handler: rest is what follows a prefix route's path (""
 * for an exact one), body a POST's JSON object (NULL for GET). The
 * session's lock is not held on entry.
 */
typedef enum MHD_Result (*review_route_fn)(struct session *s, struct MHD_Connection *c,
					   const char *rest, json_t *body);

/* review_state.c: GET /api/state and /api/items */
enum MHD_Result review_api_state(struct session *s, struct MHD_Connection *c, const char *rest,
				 json_t *body);
enum MHD_Result review_api_items(struct session *s, struct MHD_Connection *c, const char *rest,
				 json_t *body);
/* review_changed() : the reply to a change: ok, the new counts and queue
 * progress, and extra's keys (extra's reference is taken). Holds lock. */
json_t *review_changed(struct session *s, json_t *extra);
/* review_decided() : whether image id has a decision. Holds lock. */
int review_decided(struct session *s, int64_t id);

/* review_decide.c: POST /api/decide, /api/group, /api/bulk, /api/undo */
enum MHD_Result review_api_decide(struct session *s, struct MHD_Connection *c,
				  const char *rest, json_t *body);
enum MHD_Result review_api_group(struct session *s, struct MHD_Connection *c, const char *rest,
				 json_t *body);
enum MHD_Result review_api_bulk(struct session *s, struct MHD_Connection *c, const char *rest,
				json_t *body);
enum MHD_Result review_api_undo(struct session *s, struct MHD_Connection *c, const char *rest,
				json_t *body);

/* review_images.c: GET /img/ID and /cam/ID.png (rest: the ID) */
enum MHD_Result review_serve_image(struct session *s, struct MHD_Connection *c,
				   const char *rest, json_t *body);
enum MHD_Result review_serve_cam(struct session *s, struct MHD_Connection *c,
				 const char *rest, json_t *body);

#endif
