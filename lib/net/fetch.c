/* Downloading with one libcurl multi handle: a bounded number of transfers
 * in flight (and per host), retries with exponential backoff and jitter
 * for what may pass (timeouts, resets, 408, 429 with Retry-After, 5xx),
 * never for other 4xx, and no wait over --max-retry-wait. Every connection
 * is checked against address.c first. Bodies that arrive go to the pool
 * to be checked and written; the main thread records every outcome and
 * commits at least once a second. SIGINT or SIGTERM stops the starting of
 * transfers; what is in flight is dropped, what arrived is stored. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "base/base.h"
#include "net/internal.h"

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->body.len + len > t->run->o.max_bytes) {
		t->too_big = 1;
		return 0;  /* aborts the transfer (CURLE_WRITE_ERROR) */
	}
	return strbuf_add(&t->body, data, len) ? 0 : len;
}

/* Headers: Retry-After (seconds) and X-Robots-Tag noai / noimageai. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		char value[64];
		size_t m = len - 12 < sizeof(value) - 1 ? len - 12 : sizeof(value) - 1;
		char *end;
		long s;

		memcpy(value, data + 12, m);
		value[m] = '\0';
		s = strtol(value, &end, 10);
		/* delta-seconds, or an HTTP-date (RFC 9110 10.2.3) */
		if (end == value || (*end && !isspace((unsigned char)*end))) {
			time_t when = curl_getdate(value, NULL);

			s = when > 0 ? (long)(when - time(NULL)) : 0;
		}
		t->retry_after = s > 0 ? s : 0;
	} else if (len > 13 && !strncasecmp(data, "X-Robots-Tag:", 13)) {
		char value[256];
		size_t m = len - 13 < sizeof(value) - 1 ? len - 13 : sizeof(value) - 1;

		memcpy(value, data + 13, m);
		value[m] = '\0';
		for (char *p = value; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (t->run->o.honour_robots &&
		    (strstr(value, "noai") || strstr(value, "noimageai"))) {
			t->robots = 1;
			return 0;  /* stop before the body */
		}
	}
	return len;
}

/* Every socket libcurl opens, for the URL, a redirect or a retry, comes
 * here with the address resolved: the one place where refusing an address
 * cannot be bypassed by a name or a redirect. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct transfer *t = arg;
	char text[INET6_ADDRSTRLEN + 16];
	const char *why = scrape_address_refusal(&t->run->o, &a->addr, text, sizeof(text));

	(void)purpose;
	if (why) {
		snprintf(t->refused, sizeof(t->refused),
			 "refused: %s is %s; --allow-private allows it", text, why);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static CURL *make_handle(const struct scrape_opts *o, struct transfer *t)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, t->e->url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, t);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	/* http and https only, also for redirects: no file://, no ftp:// */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, t);
	/* Through a proxy, the address checked would be the proxy's and the
	 * one fetched from unknown: proxies from the environment (http_proxy,
	 * ...) are used only where private addresses are allowed anyway. */
	if (!o->allow_private)
		curl_easy_setopt(h, CURLOPT_PROXY, "");
	return h;
}

/* Sorts a finished transfer: stored later (a 200 with a body), retried,
 * or failed now. Returns 1 when it should be retried. */
static int classify(struct scrape *r, struct transfer *t, CURLcode rc)
{
	char *url = NULL, *type = NULL;

	curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &t->http_code);
	if (curl_easy_getinfo(t->h, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
		snprintf(t->final_url, sizeof(t->final_url), "%s", url);
	if (curl_easy_getinfo(t->h, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
		snprintf(t->content_type, sizeof(t->content_type), "%s", type);
	t->kind = NULL;
	t->transient = 0;
	if (t->robots) {
		t->kind = "robots-tag";
		snprintf(t->error, sizeof(t->error), "X-Robots-Tag forbids AI use");
	} else if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		t->kind = "too-large";
		snprintf(t->error, sizeof(t->error), "over --max-bytes %zu", r->o.max_bytes);
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		t->kind = "bad-redirect";
		snprintf(t->error, sizeof(t->error), "redirected to a scheme other than http(s)");
	} else if (rc != CURLE_OK && t->refused[0]) {
		t->kind = "refused";
		snprintf(t->error, sizeof(t->error), "%s", t->refused);
	} else if (rc == CURLE_TOO_MANY_REDIRECTS) {
		t->kind = "redirect-loop";
		snprintf(t->error, sizeof(t->error), "more than 5 redirects");
	} else if (rc != CURLE_OK) {
		t->transient = 1;
		t->kind = rc == CURLE_OPERATION_TIMEDOUT ? "timeout" :
			  rc == CURLE_PARTIAL_FILE ? "truncated" :
			  rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ? "connect" :
			  rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
			  rc == CURLE_SEND_ERROR ? "reset" : "network";
		snprintf(t->error, sizeof(t->error), "%s", curl_easy_strerror(rc));
	} else if (t->http_code != 200) {
		t->transient = t->http_code == 408 || t->http_code == 429 || t->http_code >= 500;
		t->kind = t->http_code == 429 ? "http-429" : t->http_code == 404 ? "http-404" :
			  t->http_code >= 500 ? "http-5xx" : "http-4xx";
		snprintf(t->error, sizeof(t->error), "HTTP %ld", t->http_code);
		/* One URL may not hold the run: a longer wait is for a later run. */
		if (t->transient && (double)t->retry_after > r->o.max_retry_wait) {
			snprintf(t->error, sizeof(t->error), "HTTP %ld: Retry-After %ld s is over "
				 "--max-retry-wait %g; --retry-failed tries it later", t->http_code,
				 t->retry_after, r->o.max_retry_wait);
			return 0;
		}
	}
	return t->kind && t->transient && t->attempts <= r->o.retries;
}

/* What Retry-After asked (at most --max-retry-wait, see classify()), or
 * exponential backoff with jitter, capped at --max-retry-wait. */
static int64_t backoff_ms(const struct scrape_opts *o, const struct transfer *t)
{
	double base = o->retry_wait * 1000.0 * (double)(1 << (t->attempts - 1 < 10 ? t->attempts - 1 : 10));
	double wait = base + base * (double)(rand() % 1000) / 2000.0;

	if (t->retry_after)
		return t->retry_after * 1000;
	return (int64_t)(wait < o->max_retry_wait * 1000.0 ? wait : o->max_retry_wait * 1000.0);
}

/* Keeps the retry list sorted by due time. */
static void schedule(struct transfer **list, struct transfer *t)
{
	while (*list && (*list)->due_ms <= t->due_ms)
		list = &(*list)->next;
	t->next = *list;
	*list = t;
}

/* Records the stores the pool finished; returns how many, or -1. */
static long drain_done(struct scrape *r, struct wn_err *err)
{
	struct transfer *t;
	long count = 0;

	pthread_mutex_lock(&r->lock);
	t = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->lock);
	while (t) {
		struct transfer *next = t->next;

		if (scrape_finish(r, t, err))
			return -1;
		count++;
		t = next;
	}
	return count;
}

/* One scrape_fetch_all() call's state. */
struct fetch {
	struct scrape *r;
	CURLM *m;
	struct transfer *all, *retry;   /* retry: sorted by due time */
	size_t n, next, inflight, finished;
};

/* Starts what may start: due retries first, then new URLs. libcurl
 * counts time spent queued for a per-host slot against the total
 * timeout, so no more handles are added than may run at once. */
static int start_due(struct fetch *f, struct wn_err *err)
{
	size_t window = (size_t)f->r->o.parallel;
	int64_t now = scrape_now_ms();

	while (f->inflight < window && ((f->retry && f->retry->due_ms <= now) || f->next < f->n)) {
		struct transfer *t;

		if (f->retry && f->retry->due_ms <= now) {
			t = f->retry;
			f->retry = t->next;
		} else {
			t = &f->all[f->next++];
		}
		strbuf_reset(&t->body);
		t->retry_after = t->robots = t->too_big = 0;
		t->refused[0] = '\0';
		t->attempts++;
		if (!t->h && !(t->h = make_handle(&f->r->o, t)))
			return wn_fail(err, WN_ENOMEM, "cannot make a transfer");
		if (curl_multi_add_handle(f->m, t->h) != CURLM_OK) {
			t->kind = "other";
			snprintf(t->error, sizeof(t->error), "libcurl refused the transfer");
			curl_easy_cleanup(t->h);
			t->h = NULL;
			if (scrape_finish(f->r, t, err))
				return -1;
			f->finished++;
			continue;
		}
		f->inflight++;
	}
	return 0;
}

/* Sorts the transfers libcurl finished: retried, stored, or recorded. */
static int collect(struct fetch *f, struct wn_err *err)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(f->m, &left))) {
		struct transfer *t;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		curl_multi_remove_handle(f->m, t->h);
		f->inflight--;
		if (classify(f->r, t, msg->data.result)) {
			t->due_ms = scrape_now_ms() + backoff_ms(&f->r->o, t);
			schedule(&f->retry, t);
			continue;
		}
		curl_easy_cleanup(t->h);
		t->h = NULL;
		if (!t->kind) {
			/* a 200 with a body: a worker checks and writes it
			 * (this waits while the pool's queue is full) */
			pool_submit(f->r->pool, scrape_store, t);
			continue;
		}
		strbuf_release(&t->body);
		if (scrape_finish(f->r, t, err))
			return -1;
		f->finished++;
	}
	return 0;
}

int scrape_fetch_all(struct scrape *r, struct transfer *all, size_t n, struct wn_err *err)
{
	struct fetch f = { .r = r, .m = curl_multi_init(), .all = all, .n = n };
	int ret = -1;

	if (!f.m)
		return wn_fail(err, WN_ENOMEM, "cannot start libcurl");
	curl_multi_setopt(f.m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)r->o.parallel);
	curl_multi_setopt(f.m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r->o.per_host);
	while (f.finished < n && !scrape_stopped(r)) {
		int running;
		long stored;

		if (start_due(&f, err))
			goto out;
		curl_multi_perform(f.m, &running);
		curl_multi_poll(f.m, NULL, 0, 20, NULL);
		if (collect(&f, err))
			goto out;
		/* Stored bodies come back here to be recorded. */
		stored = drain_done(r, err);
		if (stored < 0)
			goto out;
		f.finished += (size_t)stored;
		if (scrape_commit_due(r, 0, err))
			goto out;
	}
	ret = 0;
out:
	pool_wait(r->pool);  /* no store job may outlive the transfers */
	/* stopped: what the pool finished since is recorded too */
	if (!ret && drain_done(r, err) < 0)
		ret = -1;
	for (size_t i = 0; i < n; i++)
		if (all[i].h) {
			curl_multi_remove_handle(f.m, all[i].h);
			curl_easy_cleanup(all[i].h);
			all[i].h = NULL;
		}
	curl_multi_cleanup(f.m);
	return ret;
}
