/* label review's HTTP server (libmicrohttpd) on 127.0.0.1 only: the
 * routes, and the checks every request passes first. A request must
 * name this server (Host, and a POST's Origin) and carry the session's
 * random token (in the X-Token header; reads may carry it in the query
 * instead); a POST's body is one JSON object of at most MAX_BODY bytes. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "review.h"

extern const unsigned char review_html[];
extern const unsigned long review_html_len;

#define MAX_BODY 4096
#define REVIEW_MAX_CONNECTIONS 4096
#define REVIEW_THREADS 4
#define REVIEW_IDLE_S 10

static enum MHD_Result serve_page(struct session *s, struct MHD_Connection *c, const char *rest,
				  json_t *body);

/* What the server answers. A route whose path ends in '/' and has prefix
 * set takes every path under it (its handler gets the rest); GET routes
 * answer HEAD too. Anything else is 404, or 405 for another method. */
struct route {
	int post;
	const char *path;
	int prefix;
	review_route_fn fn;
};

static const struct route routes[] = {
	{ 0, "/", 0, serve_page },
	{ 0, "/api/state", 0, review_api_state },
	{ 0, "/api/items", 0, review_api_items },
	{ 0, "/img/", 1, review_serve_image },
	{ 0, "/cam/", 1, review_serve_cam },
	{ 1, "/api/decide", 0, review_api_decide },
	{ 1, "/api/group", 0, review_api_group },
	{ 1, "/api/bulk", 0, review_api_bulk },
	{ 1, "/api/undo", 0, review_api_undo },
};

static const struct route *find_route(int post, const char *url, const char **rest)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		size_t n = strlen(r->path);

		if (r->post != post)
			continue;
		if (r->prefix ? !strncmp(url, r->path, n) : !strcmp(url, r->path)) {
			*rest = url + (r->prefix ? n : strlen(url));
			return r;
		}
	}
	return NULL;
}

struct request {
	char *body;
	size_t len;
	int too_big;
};

static enum MHD_Result serve_page(struct session *s, struct MHD_Connection *c, const char *rest,
				  json_t *body)
{
	(void)s;
	(void)rest;
	(void)body;
	return review_reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)review_html,
			    review_html_len, 0, NULL);
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

/* A POST's body, as it arrives, up to MAX_BODY bytes. */
static enum MHD_Result take_upload(struct request *rq, const char *upload, size_t *upload_size)
{
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

/* The request, once it is known to be this server's and the session's. */
static enum MHD_Result dispatch(struct session *s, struct MHD_Connection *c, const char *url,
				int post, const struct request *rq)
{
	const char *rest = "";
	const struct route *r = find_route(post, url, &rest);
	json_t *body;
	enum MHD_Result ret;

	if (!post) {
		if (!r)
			return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such page");
		return r->fn(s, c, rest, NULL);
	}
	body = json_loadb(rq->body ? rq->body : "{}", rq->body ? rq->len : 2, 0, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		return review_send_error(c, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
	}
	ret = r ? r->fn(s, c, rest, body)
		: review_send_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
	json_decref(body);
	return ret;
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
	if (*upload_size)
		return take_upload(rq, upload, upload_size);
	/* this server by name, so a page of another site that a DNS record
	 * points here (rebinding) gets nothing, with the token or not */
	if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), "") ||
	    (post && !origin_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"))))
		return review_send_error(c, MHD_HTTP_FORBIDDEN, "not this server's address or page");
	/* the token: in a header, or (reads only) in the query */
	if (!token_ok(s, header) &&
	    (post || !token_ok(s, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"))))
		return review_send_error(c, MHD_HTTP_FORBIDDEN, "this needs the session's token");
	if (rq->too_big)
		return review_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body over 4 KiB");
	if (!post && strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return review_send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
	return dispatch(s, c, url, post, rq);
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
 * review_serve() : starts the server on 127.0.0.1:port (0: any free one; s->port
 * gets it). Idle connections must not lock out the reviewer (every local
 * client is 127.0.0.1, so per-address limits cannot tell them apart):
 * a few polling threads (epoll) carry thousands of connections, and one
 * that sends nothing for REVIEW_IDLE_S seconds is closed.
 * @return the daemon, or NULL with err set.
 */
struct MHD_Daemon *review_serve(struct session *s, uint16_t port, struct wn_err *err)
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
