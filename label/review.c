/* label review: a review session in the browser. A web server
 * (libmicrohttpd) on 127.0.0.1 only, with a random token the printed URL
 * carries; every request without it gets 403, and requests that change
 * anything are POSTs carrying it in a header. Images are addressed by
 * catalog id and only those of the session's queues are served; no
 * request can name a file. Each decision is written to the catalog the
 * moment it is made. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "img/img.h"
#include "catalog/catalog.h"
#include "label.h"

extern const unsigned char review_html[];
extern const unsigned long review_html_len;

#define MAX_BODY 4096
#define REVIEW_THUMB 320
#define THUMB_CACHE_BYTES (256u << 20)
#define REVIEW_MAX_CONNECTIONS 4096
#define REVIEW_THREADS 4
#define REVIEW_IDLE_S 10
#define REVIEW_CAM_SIDE 420

static const char usage[] =
	"usage: label review --path DIR [--port N] [options]\n"
	"\n"
	"Serves a review session to your browser: the suspects of 'label suspects'\n"
	"(most likely first), the label conflicts (images with a copy in another\n"
	"class folder), and dedup's near-duplicate groups (side by side, the\n"
	"proposed keeper marked). Prints the session's address, with a random\n"
	"token, and serves on 127.0.0.1 only until interrupted (Ctrl-C).\n"
	"\n"
	"Keys: 1-9 assign class k (in a group: make member k the keeper), Enter\n"
	"or k keep, x delete, s skip, p split a group, u undo, j or arrows move,\n"
	"[ and ] switch queues, h shows the heat map of the trained head's\n"
	"predicted class over the image (as 'label cam'); the mouse works too. Each\n"
	"decision is kept in the catalog the moment it is made, so a reload or a\n"
	"restart resumes where the session left off; nothing on disk changes\n"
	"until 'label apply'.\n"	"\n"
	"It answers only requests for 127.0.0.1, localhost or [::1] at its port,\n"
	"and serves an image only while it is the file catalogued (never through\n"
	"a symbolic link); a delete that would leave a duplicate group without a\n"
	"copy is refused.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (DIR/<class>/<file>)\n"
	"  --port N          the port (default: any free one)\n"
	"  --top N           review the N likeliest mislabels, flagged or not\n"
	"                    (default: what confident learning flags)\n"
	"  --model NAME      whose predictions (default mobilenet_v2)\n"
	"  --nsfwjs-compat   those of 'label predict --nsfwjs-compat'\n"
	"  --pretrained      the model's own classes even when a head exists\n"
	"  --map F=C         folder F is the model's class C (repeatable)\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label review --path train\n"
	"  label review --path train --port 8080 --top 2000\n"
	"  label apply --dry-run && label apply --trash /tmp/trash\n"
	"\n"
	"Exit status: 0 stopped; 2 bad usage or nothing to review yet; 3 fatal.\n";

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
};

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
	struct queue q[3];        /* suspects, conflicts, groups */
	struct thumb *thumbs;
	size_t nthumbs, cap_thumbs, thumb_bytes;
	struct img_limits limits;
	/* heat maps (key h): the model and head, loaded at the first ask */
	const char *model;
	enum nn_prep prep;
	struct cam_view *cam;
	struct wn_err cam_err;    /* why there are none, once that is known */
};

struct request {
	char *body;
	size_t len;
	int too_big;
};

static const struct item *find_image(const struct session *s, int64_t id)
{
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < s->q[k].n; i++)
			if (s->q[k].it[i].id == id)
				return &s->q[k].it[i];
	return NULL;
}

static struct queue *find_queue(struct session *s, const char *name)
{
	for (int k = 0; name && k < 3; k++)
		if (!strcmp(s->q[k].name, name))
			return &s->q[k];
	return NULL;
}

/* A copy that is valid UTF-8 (each stray byte becomes U+FFFD), for the
 * page: jansson refuses other strings, and a refused one would silently
 * drop its item. Files are still addressed by id, never by this. */
static char *dup_or_null(const char *s)
{
	struct strbuf o = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return NULL;
	while (*p) {
		int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
			(*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0;

		for (int i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (ok && n == 2 && *p < 0xc2)
			ok = 0;  /* overlong */
		if (ok) {
			strbuf_add(&o, p, (size_t)n);
			p += n;
		} else {
			strbuf_addstr(&o, "\xef\xbf\xbd");
			p++;
		}
	}
	if (!o.len)
		strbuf_addstr(&o, "");
	return strbuf_detach(&o);
}

/* Class names travel to the page and back as hex of their bytes, so a
 * folder name that is not UTF-8 is still named exactly. */
static char *to_hex(const char *bytes)
{
	size_t n = strlen(bytes);
	char *h = malloc(2 * n + 1);

	for (size_t i = 0; h && i < n; i++)
		snprintf(h + 2 * i, 3, "%02x", (unsigned char)bytes[i]);
	if (h)
		h[2 * n] = '\0';
	return h;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The bytes hex names (malloc'd), or NULL when it is not even-length hex
 * of non-NUL bytes. */
static char *from_hex(const char *hex)
{
	size_t n = strlen(hex);
	char *b = n % 2 ? NULL : malloc(n / 2 + 1);

	for (size_t i = 0; b && i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(b);
			return NULL;
		}
		b[i] = (char)(hi << 4 | lo);
	}
	if (b)
		b[n / 2] = '\0';
	return b;
}

static int is_class(const struct session *s, const char *c)
{
	for (int i = 0; c && i < s->nclasses; i++)
		if (!strcmp(s->classes[i], c))
			return 1;
	return 0;
}

/* Responses. */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			    void *data, size_t len, int owned, const char *cache)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, data, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", cache ? cache : "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
				"script-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!text)
		return MHD_NO;
	return reply(c, status, "application/json", text, strlen(text), 1, NULL);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return send_json(c, status, json_pack("{s:s}", "error", msg));
}

/* The decision on image id as JSON (null when none). Caller holds lock. */
static json_t *decision_json(struct session *s, int64_t id)
{
	struct review r;
	char queue[256], cls[256];
	struct wn_err err;

	if (reviews_get(s->cat, id, &r, queue, cls, &err) != 1)
		return json_null();
	if (r.decision == REVIEW_RELABEL && r.new_class) {
		char *shown = dup_or_null(r.new_class), *hex = to_hex(r.new_class);
		json_t *j = shown && hex ? json_pack("{s:s,s:s,s:s}", "decision",
						     review_decision_name(r.decision), "class", shown,
						     "class_hex", hex) : NULL;

		free(shown);
		free(hex);
		return j ? j : json_null();
	}
	return json_pack("{s:s}", "decision", review_decision_name(r.decision));
}

static int decided(struct session *s, int64_t id)
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

/* Queue sizes and decided counts, and the decision counts. Holds lock. */
static json_t *progress_json(struct session *s, json_t **counts, json_t **resume)
{
	json_t *qs = json_array();
	long n[4] = { 0, 0, 0, 0 };
	int resumed = 0;
	struct pends ps = { 0 };
	struct wn_err err;

	if (!reviews_each(s->cat, 1, take_pend, &ps, &err) && ps.n)
		qsort(ps.p, ps.n, sizeof(*ps.p), cmp_pend);
	for (int k = 0; k < 3; k++) {
		struct queue *q = &s->q[k];
		size_t total = q->ngroups ? q->ngroups : q->n, done = 0;

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
			if (!all && !resumed && resume) {
				*resume = json_pack("{s:s,s:i}", "queue", q->name, "index", (json_int_t)i);
				resumed = 1;
			}
		}
		json_array_append_new(qs, json_pack("{s:s,s:i,s:i}", "name", q->name, "total",
						    (json_int_t)total, "decided", (json_int_t)done));
	}
	free(ps.p);
	if (resume && !resumed)
		*resume = json_pack("{s:s,s:i}", "queue", "suspects", "index", 0);
	if (counts)
		*counts = json_pack("{s:i,s:i,s:i,s:i}", "keep", (json_int_t)n[0], "delete",
				    (json_int_t)n[1], "relabel", (json_int_t)n[2], "skip",
				    (json_int_t)n[3]);
	return qs;
}

static json_t *item_json(struct session *s, const struct item *it)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:f,s:f,s:o}", "id", (json_int_t)it->id, "path",
			 it->path, "given", it->given ? it->given : "", "predicted",
			 it->predicted ? it->predicted : "", "confidence", it->confidence, "score",
			 it->score, "decision", decision_json(s, it->id));
}

static enum MHD_Result api_state(struct session *s, struct MHD_Connection *c)
{
	json_t *counts = NULL, *resume = NULL, *qs, *classes = json_array(), *hexes = json_array();

	/* the names to show, and the bytes (as hex) to send back */
	for (int i = 0; i < s->nclasses; i++) {
		char *shown = dup_or_null(s->classes[i]), *hex = to_hex(s->classes[i]);

		json_array_append_new(classes, json_string(shown ? shown : ""));
		json_array_append_new(hexes, json_string(hex ? hex : ""));
		free(shown);
		free(hex);
	}
	pthread_mutex_lock(&s->lock);
	qs = progress_json(s, &counts, &resume);
	pthread_mutex_unlock(&s->lock);
	return send_json(c, MHD_HTTP_OK, json_pack("{s:o,s:o,s:o,s:o,s:o}", "classes", classes,
						   "class_hex", hexes, "queues", qs, "counts", counts,
						   "resume", resume));
}

static enum MHD_Result api_items(struct session *s, struct MHD_Connection *c)
{
	struct queue *q = find_queue(s, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
								     "queue"));
	const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	const char *nn = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n");
	long from = f ? strtol(f, NULL, 10) : 0, n = nn ? strtol(nn, NULL, 10) : 50;
	size_t total;
	json_t *items = json_array();

	if (!q) {
		json_decref(items);
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such queue");
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

				all &= decided(s, it->id);
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
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s,s:i,s:i,s:o}", "queue", q->name, "from",
						   (json_int_t)from, "total", (json_int_t)total,
						   "items", items));
}

/* The reply to a change: the new counts and queue progress. Holds lock. */
static json_t *changed(struct session *s, json_t *extra_key_value)
{
	json_t *counts = NULL, *qs = progress_json(s, &counts, NULL);
	json_t *o = json_pack("{s:b,s:o,s:o}", "ok", 1, "counts", counts, "queues", qs);

	if (extra_key_value)
		json_object_update(o, extra_key_value);
	json_decref(extra_key_value);
	return o;
}

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

	return hex ? from_hex(hex) : cls ? strdup(cls) : NULL;
}

/* Whether deleting image id would leave one of its near-duplicate groups
 * with every member deleted. Holds lock. */
static int last_copy(struct session *s, int64_t id)
{
	const struct queue *q = &s->q[2];

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

static enum MHD_Result api_decide(struct session *s, struct MHD_Connection *c, json_t *body)
{
	const char *queue = json_string_value(json_object_get(body, "queue"));
	const char *dec = json_string_value(json_object_get(body, "decision"));
	json_int_t id = json_integer_value(json_object_get(body, "id"));
	const struct item *it = find_image(s, id);
	int d = review_decision_parse(dec);
	struct wn_err err = { 0 };
	char *cls = NULL;
	enum MHD_Result ret;
	json_t *reply;

	if (!it || !find_queue(s, queue))
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such image in this session");
	if (d < 0)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "decision: keep, delete, relabel or skip");
	if (d == REVIEW_RELABEL && !is_class(s, cls = relabel_class(body))) {
		free(cls);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "relabel to one of the session's classes");
	}
	if (d == REVIEW_RELABEL && it->raw_given && !strcmp(cls, it->raw_given))
		d = REVIEW_KEEP;  /* relabelling to its own class is keeping it */
	pthread_mutex_lock(&s->lock);
	if (d == REVIEW_DELETE && last_copy(s, id)) {
		ret = send_error(c, MHD_HTTP_CONFLICT, "the last copy of its duplicate group: choose "
				 "another keeper, or split the group, first");
	} else if (decide(s, queue, id, d, d == REVIEW_RELABEL ? cls : NULL, 0, &err)) {
		ret = send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
	} else {
		reply = changed(s, NULL);
		ret = send_json(c, MHD_HTTP_OK, reply);
	}
	pthread_mutex_unlock(&s->lock);
	free(cls);
	return ret;
}

static enum MHD_Result api_group(struct session *s, struct MHD_Connection *c, json_t *body)
{
	struct queue *q = &s->q[2];
	json_int_t g = json_integer_value(json_object_get(body, "group"));
	json_int_t keeper = json_integer_value(json_object_get(body, "id"));
	const char *action = json_string_value(json_object_get(body, "action"));
	int split = action && !strcmp(action, "split"), found = 0;
	int64_t seq;
	struct wn_err err = { 0 };
	json_t *reply;

	if (g < 0 || (size_t)g >= q->ngroups)
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such group");
	if (!split && !(action && !strcmp(action, "keeper")))
		return send_error(c, MHD_HTTP_BAD_REQUEST, "action: keeper or split");
	for (size_t m = q->gfirst[g]; m < q->gfirst[g + 1]; m++)
		found |= q->it[m].id == keeper;
	if (!split && !found)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "the keeper must be one of the group");
	pthread_mutex_lock(&s->lock);
	if (catalog_begin(s->cat, &err))
		goto fail;
	if (reviews_next_seq(s->cat, &seq, &err)) {
		catalog_rollback(s->cat);
		goto fail;
	}
	for (size_t m = q->gfirst[g]; m < q->gfirst[g + 1]; m++)
		if (decide(s, q->name, q->it[m].id,
			   split || q->it[m].id == keeper ? REVIEW_KEEP : REVIEW_DELETE, NULL, seq,
			   &err)) {
			catalog_rollback(s->cat);
			goto fail;
		}
	/* a member deleted here may be another group's last copy */
	for (size_t m = q->gfirst[g]; m < q->gfirst[g + 1] && !split; m++)
		if (q->it[m].id != keeper && last_copy(s, q->it[m].id)) {
			catalog_rollback(s->cat);
			pthread_mutex_unlock(&s->lock);
			return send_error(c, MHD_HTTP_CONFLICT, "a member this deletes is the last copy "
					  "of another group: choose that group's keeper first");
		}
	if (catalog_commit(s->cat, &err))
		goto fail;
	reply = changed(s, NULL);
	pthread_mutex_unlock(&s->lock);
	return send_json(c, MHD_HTTP_OK, reply);
fail:
	pthread_mutex_unlock(&s->lock);
	return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
}

static enum MHD_Result api_undo(struct session *s, struct MHD_Connection *c)
{
	struct wn_err err = { 0 };
	int64_t id = 0;
	json_t *undone = json_null(), *reply;

	pthread_mutex_lock(&s->lock);
	if (reviews_undo(s->cat, &id, &err)) {
		pthread_mutex_unlock(&s->lock);
		json_decref(undone);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
	}
	for (int k = 0; id && k < 3 && json_is_null(undone); k++) {
		struct queue *q = &s->q[k];

		for (size_t i = 0; i < q->n; i++)
			if (q->it[i].id == id) {
				size_t index = i;

				if (q->ngroups)
					for (index = 0; q->gfirst[index + 1] <= i; index++)
						;
				json_decref(undone);
				undone = json_pack("{s:s,s:i,s:I}", "queue", q->name, "index",
						   (json_int_t)index, "id", (json_int_t)id);
				break;
			}
	}
	reply = changed(s, json_pack("{s:o}", "undone", undone));
	pthread_mutex_unlock(&s->lock);
	return send_json(c, MHD_HTTP_OK, reply);
}

/*
 * read_item() : the file of it, opened through the dataset root (never
 * through a symlink, nothing outside the root) and checked against its
 * catalog row: still a regular file of the size and mtime catalogued.
 * Read whole into *data (malloc'd) when data is not NULL.
 * @return 0, or the HTTP status to answer: 410 gone (or no longer a
 * regular file below the root), 409 changed, 404 unreadable.
 */
static unsigned read_item(struct session *s, const struct item *it, uint8_t **data, size_t *len)
{
	struct image_stamp stamp;
	struct stat st;
	struct wn_err err;
	unsigned status = 0;
	int fd, r;

	if (strncmp(it->raw, s->prefix.buf, s->prefix.len))
		return MHD_HTTP_GONE;
	fd = dspath_open_file(s->root, it->raw + s->prefix.len, &st, &err);
	if (fd < 0)
		return MHD_HTTP_GONE;
	pthread_mutex_lock(&s->lock);
	r = images_stamp(s->cat, it->raw, &stamp, &err);
	pthread_mutex_unlock(&s->lock);
	if (r != 1)
		status = MHD_HTTP_GONE;
	else if (st.st_size != stamp.size ||
		 (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != stamp.mtime_ns)
		status = MHD_HTTP_CONFLICT;
	else if (data && read_fd_limited(fd, it->path, s->limits.max_bytes, data, len, &err))
		status = MHD_HTTP_NOT_FOUND;
	else if (data && *len != (size_t)stamp.size)
		status = MHD_HTTP_CONFLICT;  /* changed while read */
	close(fd);
	if (status && data) {
		free(*data);
		*data = NULL;
	}
	return status;
}

/* Thumbnails: shrink-on-load, Lanczos3 to fit REVIEW_THUMB, JPEG; kept. */
static int make_thumb(struct session *s, const uint8_t *file, size_t file_len, uint8_t **out,
		      size_t *len)
{
	struct wn_err err;

	return img_thumbnail(file, file_len, &s->limits, REVIEW_THUMB, 85, out, len, &err);
}

/* A copy of the cached thumbnail of id (malloc'd), or NULL. */
static uint8_t *thumb_cached(struct session *s, int64_t id, size_t *len)
{
	uint8_t *data = NULL;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nthumbs; i++)
		if (s->thumbs[i].id == id) {
			data = malloc(s->thumbs[i].len);
			if (data) {
				memcpy(data, s->thumbs[i].data, s->thumbs[i].len);
				*len = s->thumbs[i].len;
			}
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return data;
}

/* Keeps a copy of a thumbnail while the cache has room. */
static void thumb_keep(struct session *s, int64_t id, const uint8_t *data, size_t len)
{
	uint8_t *t = malloc(len);

	pthread_mutex_lock(&s->lock);
	if (t && s->thumb_bytes + len <= THUMB_CACHE_BYTES) {
		if (s->nthumbs == s->cap_thumbs) {
			size_t cap = s->cap_thumbs ? 2 * s->cap_thumbs : 256;
			struct thumb *g = realloc(s->thumbs, cap * sizeof(*g));

			if (g) {
				s->thumbs = g;
				s->cap_thumbs = cap;
			}
		}
		if (s->nthumbs < s->cap_thumbs) {
			memcpy(t, data, len);
			s->thumbs[s->nthumbs++] = (struct thumb){ id, t, len };
			s->thumb_bytes += len;
			t = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	free(t);
}

static enum MHD_Result send_item_error(struct MHD_Connection *c, unsigned status)
{
	return send_error(c, status, status == MHD_HTTP_CONFLICT ?
			  "the file changed since it was catalogued" : status == MHD_HTTP_GONE ?
			  "the file is gone, or no longer a plain file of the dataset" :
			  "the file cannot be read");
}

/* /img/ID: the file (size=full) or its thumbnail, only while the file is
 * the one catalogued (the thumbnail cache included). */
static enum MHD_Result serve_image(struct session *s, struct MHD_Connection *c, const char *idstr)
{
	const char *size = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "size");
	int full = size && !strcmp(size, "full");
	char *end;
	long long id = strtoll(idstr, &end, 10);
	const struct item *it;
	uint8_t *data = NULL, *file = NULL;
	size_t len = 0, file_len = 0;
	unsigned status;

	if (!*idstr || *end || id <= 0 || !(it = find_image(s, id)))
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such image in this session");
	if (!full)
		data = thumb_cached(s, id, &len);
	status = read_item(s, it, data ? NULL : &file, &file_len);
	if (status) {
		free(data);
		return send_item_error(c, status);
	}
	if (full) {
		const char *type;

		switch (img_sniff(file, file_len)) {
		case IMG_JPEG: type = "image/jpeg"; break;
		case IMG_PNG: type = "image/png"; break;
		case IMG_GIF: type = "image/gif"; break;
		case IMG_WEBP: type = "image/webp"; break;
		default: type = "application/octet-stream"; break;
		}
		return reply(c, MHD_HTTP_OK, type, file, file_len, 1, "private, max-age=3600");
	}
	if (!data) {
		int bad = make_thumb(s, file, file_len, &data, &len);

		free(file);
		if (bad)
			return send_error(c, MHD_HTTP_NOT_FOUND, "the image does not decode");
		thumb_keep(s, id, data, len);
	}
	return reply(c, MHD_HTTP_OK, "image/jpeg", data, len, 1, "private, max-age=3600");
}

/* /cam/ID.png: the image with the map of the head's predicted class over
 * it (label cam), only while the file is the one catalogued. */
static enum MHD_Result serve_cam(struct session *s, struct MHD_Connection *c, const char *idstr)
{
	char *end;
	long long id = strtoll(idstr, &end, 10);
	const struct item *it;
	uint8_t *file = NULL, *png = NULL;
	size_t len = 0, png_len = 0;
	struct wn_err err = { 0 };
	unsigned status;
	int bad;

	if (!*idstr || strcmp(end, ".png") || id <= 0 || !(it = find_image(s, id)))
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such image in this session");
	pthread_mutex_lock(&s->lock);
	if (!s->cam && !s->cam_err.code)
		cam_view_open(s->cat, s->model, s->prep, &s->cam, &s->cam_err);
	pthread_mutex_unlock(&s->lock);
	if (!s->cam)
		return send_error(c, MHD_HTTP_NOT_FOUND, s->cam_err.msg);
	status = read_item(s, it, &file, &len);
	if (status)
		return send_item_error(c, status);
	bad = cam_view_png(s->cam, file, len, &s->limits, REVIEW_CAM_SIDE, &png, &png_len, &err);
	free(file);
	if (bad)
		return send_error(c, MHD_HTTP_NOT_FOUND, "the image does not decode");
	return reply(c, MHD_HTTP_OK, "image/png", png, png_len, 1, "private, max-age=3600");
}

/* Constant time, so the token cannot be guessed byte by byte. */
static int token_ok(const struct session *s, const char *t)
{
	size_t n = strlen(s->token);
	unsigned diff = 0;

	if (!t || strlen(t) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(t[i] ^ s->token[i]);
	return diff == 0;
}

/* Whether v (a Host header with scheme "", or an Origin with "http://")
 * names this server: 127.0.0.1, localhost or [::1] at its port. */
static int host_ok(const struct session *s, const char *v, const char *scheme)
{
	static const char *const names[] = { "127.0.0.1", "localhost", "[::1]" };
	char want[64];

	for (size_t i = 0; v && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(want, sizeof(want), "%s%s:%u", scheme, names[i], s->port);
		if (!strcasecmp(v, want))
			return 1;
	}
	return 0;
}

/* A POST's Origin, when the browser sends one, must be this server's. */
static int origin_ok(const struct session *s, const char *origin)
{
	return !origin || host_ok(s, origin, "http://");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct session *s = cls;
	struct request *rq = *con_cls;
	const char *header = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Token");
	int post = !strcmp(method, MHD_HTTP_METHOD_POST);

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->len + *upload_size > MAX_BODY) {
			rq->too_big = 1;
		} else {
			char *g = realloc(rq->body, rq->len + *upload_size + 1);

			if (!g)
				return MHD_NO;
			rq->body = g;
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	/* this server by name, so a page of another site that a DNS record
	 * points here (rebinding) gets nothing, with the token or not */
	if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), "") ||
	    (post && !origin_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"))))
		return send_error(c, MHD_HTTP_FORBIDDEN, "not this server's address or page");
	/* the token: in a header, or (reads only) in the query */
	if (!token_ok(s, header) &&
	    (post || !token_ok(s, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"))))
		return send_error(c, MHD_HTTP_FORBIDDEN, "this needs the session's token");
	if (rq->too_big)
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body over 4 KiB");
	if (post) {
		json_t *body = json_loadb(rq->body ? rq->body : "{}", rq->body ? rq->len : 2, 0, NULL);
		enum MHD_Result ret;

		if (!json_is_object(body)) {
			json_decref(body);
			return send_error(c, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
		}
		if (!strcmp(url, "/api/decide"))
			ret = api_decide(s, c, body);
		else if (!strcmp(url, "/api/group"))
			ret = api_group(s, c, body);
		else if (!strcmp(url, "/api/undo"))
			ret = api_undo(s, c);
		else
			ret = send_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
		json_decref(body);
		return ret;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)review_html,
			    review_html_len, 0, NULL);
	if (!strcmp(url, "/api/state"))
		return api_state(s, c);
	if (!strcmp(url, "/api/items"))
		return api_items(s, c);
	if (!strncmp(url, "/img/", 5))
		return serve_image(s, c, url + 5);
	if (!strncmp(url, "/cam/", 5))
		return serve_cam(s, c, url + 5);
	return send_error(c, MHD_HTTP_NOT_FOUND, "no such page");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* Building the queues. */

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
	struct queue *q = &b->s->q[2];
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
	it.path = dup_or_null(path);
	it.raw = strdup(path);
	it.given = dup_or_null(class_name);
	it.raw_given = class_name ? strdup(class_name) : NULL;
	it.group = (int)q->ngroups;
	it.rank = rank;
	it.match = dup_or_null(match ? match : "");
	if (!it.path || !it.raw || (class_name && !it.raw_given) || !it.match || add_item(q, &it))
		return b->oom = -1;
	return 0;
}

static int build_queues(struct session *s, const char *prefix, const struct suspects_opts *o,
			struct wn_err *err)
{
	struct suspect_list l = { 0 };
	struct group_build gb = { s, -1, -1, 0 };
	int found = suspects_find(s->cat, prefix, o, &l, err);

	s->q[0].name = "suspects";
	s->q[1].name = "conflicts";
	s->q[2].name = "groups";
	if (found < 0)
		return -1;
	for (size_t i = 0; !found && i < l.n; i++) {
		struct item it = { 0 };

		it.id = l.s[i].id;
		if (!it.id && lookup_id(s->cat, l.s[i].path, &it.id, err))
			goto fail;
		if (!it.id)
			continue;
		it.path = dup_or_null(l.s[i].path);
		it.raw = strdup(l.s[i].path);
		it.given = dup_or_null(l.s[i].given);
		it.raw_given = l.s[i].given ? strdup(l.s[i].given) : NULL;
		it.predicted = dup_or_null(l.s[i].predicted);
		it.confidence = l.s[i].confidence;
		it.score = l.s[i].score;
		if (!it.raw || add_item(&s->q[l.s[i].conflict ? 1 : 0], &it))
			goto oom;
	}
	suspects_free(&l);
	if (dup_groups_foreach(s->cat, prefix, 1, add_member, &gb, err))
		return gb.oom ? wn_fail(err, WN_ENOMEM, "out of memory") : -1;
	if (s->q[2].ngroups)
		s->q[2].gfirst[s->q[2].ngroups] = s->q[2].n;
	/* a group of one (the others gone from disk) is no group */
	{
		struct queue *q = &s->q[2];
		size_t ng = 0, ni = 0;

		for (size_t g = 0; g < q->ngroups; g++) {
			size_t a = q->gfirst[g], b = q->gfirst[g + 1];

			if (b - a < 2) {
				for (size_t m = a; m < b; m++) {
					free(q->it[m].path);
					free(q->it[m].raw);
					free(q->it[m].given);
					free(q->it[m].raw_given);
					free(q->it[m].match);
				}
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
	}
	return 0;
oom:
	wn_fail(err, WN_ENOMEM, "out of memory");
fail:
	suspects_free(&l);
	return -1;
}

static int add_class(const char *name, void *data)
{
	struct session *s = data;
	char **g;

	if (!name || is_class(s, name))
		return 0;
	g = realloc(s->classes, (size_t)(s->nclasses + 1) * sizeof(*g));
	if (!g)
		return -1;
	s->classes = g;
	s->classes[s->nclasses] = strdup(name);
	return s->classes[s->nclasses++] ? 0 : -1;
}

static int cmp_cls(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_session(struct session *s)
{
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < s->q[k].n; i++) {
			free(s->q[k].it[i].path);
			free(s->q[k].it[i].raw);
			free(s->q[k].it[i].given);
			free(s->q[k].it[i].raw_given);
			free(s->q[k].it[i].predicted);
			free(s->q[k].it[i].match);
		}
		free(s->q[k].it);
		free(s->q[k].gfirst);
	}
	for (size_t i = 0; i < s->nthumbs; i++)
		free(s->thumbs[i].data);
	free(s->thumbs);
	for (int i = 0; i < s->nclasses; i++)
		free(s->classes[i]);
	free(s->classes);
	cam_view_free(s->cam);
}

/* The listening socket, bound before the server starts so that the port
 * the Host check wants is known to every request. */
static int listen_on(uint16_t port, unsigned *bound, struct wn_err *err)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, SOMAXCONN) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		wn_fail(err, WN_EIO, "cannot serve on 127.0.0.1:%u: %s", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/*
 * serve() : starts the server on 127.0.0.1:port (0: any free one; s->port
 * gets it). Idle connections must not lock out the reviewer (every local
 * client is 127.0.0.1, so per-address limits cannot tell them apart):
 * a few polling threads (epoll) carry thousands of connections, and one
 * that sends nothing for REVIEW_IDLE_S seconds is closed.
 * @return the daemon, or NULL with err set.
 */
static struct MHD_Daemon *serve(struct session *s, uint16_t port, struct wn_err *err)
{
	struct rlimit rl;
	unsigned limit = 64;
	struct MHD_Daemon *d;
	int fd = listen_on(port, &s->port, err);

	if (fd < 0)
		return NULL;
	/* a connection is a descriptor: as many as the process may have,
	 * less room for the catalog and the files being served */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rlim_t want = rl.rlim_max < REVIEW_MAX_CONNECTIONS + 64 ? rl.rlim_max
			      : REVIEW_MAX_CONNECTIONS + 64;

		if (rl.rlim_cur < want) {
			rl.rlim_cur = want;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur > 128)
			limit = (unsigned)(rl.rlim_cur - 64 < REVIEW_MAX_CONNECTIONS ? rl.rlim_cur - 64
					   : REVIEW_MAX_CONNECTIONS);
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
			     handle, s,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)REVIEW_THREADS,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, limit,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)REVIEW_IDLE_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
			     MHD_OPTION_END);
	if (!d) {
		close(fd);
		wn_fail(err, WN_EIO, "cannot serve on 127.0.0.1:%u", s->port);
	}
	return d;
}

int cmd_review(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		{ "port", required_argument, NULL, 'o' },
		CLI_OPTIONS_SUSPECTS,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct suspects_opts o = { 0 };
	struct session s;
	struct wn_err err = { 0 };
	struct cli_options co;
	const char *root;
	struct MHD_Daemon *d = NULL;
	uint8_t rnd[32];
	uint64_t port = 0;
	sigset_t sigs;
	int rc = EXIT_FATAL, c, sig;

	memset(&s, 0, sizeof(s));
	s.root = -1;
	strbuf_init(&s.prefix);
	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:h", opts)) == 'o')
		if (cli_parse_uint("--port", optarg, 65535, &port))
			return EXIT_USAGE;
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	root = co.path;
	o = label_suspects_opts(&co);
	s.model = co.model;
	s.prep = co.prep;
	pthread_mutex_init(&s.lock, NULL);
	img_decode_opts_init(&(struct img_decode_opts){ 0 });
	s.limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	s.limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		cli_error("no randomness for the session token: %s", strerror(errno));
		return EXIT_FATAL;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(s.token + 2 * i, 3, "%02x", rnd[i]);
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &s.cat, &err) ||
	    catalog_rel_prefix(s.cat, root, &s.prefix, &err) ||
	    (s.root = dspath_open_root(root, 0, &err)) < 0)
		goto fail;
	if (build_queues(&s, s.prefix.len ? s.prefix.buf : NULL, &o, &err))
		goto fail;
	if (images_classes(s.cat, s.prefix.len ? s.prefix.buf : NULL, add_class, &s, &err))
		goto fail;
	if (s.nclasses)
		qsort(s.classes, (size_t)s.nclasses, sizeof(char *), cmp_cls);
	if (!s.q[0].n && !s.q[1].n && !s.q[2].ngroups) {
		cli_error("%s: nothing to review: run 'label predict' and 'label train' (and "
			  "'dedup' for duplicate groups) on it first", root);
		rc = EXIT_USAGE;
		goto done;
	}
	d = serve(&s, (uint16_t)port, &err);
	if (!d)
		goto fail;
	printf("http://127.0.0.1:%u/?token=%s\n", s.port, s.token);
	fflush(stdout);
	fprintf(stderr, "label review: %zu suspects, %zu conflicts, %zu near-duplicate groups; "
		"serving on 127.0.0.1 until interrupted\n", s.q[0].n, s.q[1].n, s.q[2].ngroups);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	free_session(&s);
	strbuf_release(&s.prefix);
	if (s.root >= 0)
		close(s.root);
	catalog_close(s.cat);
	pthread_mutex_destroy(&s.lock);
	return rc;
}
