/* Downloading with one libcurl multi handle: a bounded number of transfers
 * in flight (and per host), retries with exponential backoff and jitter
 * for what may pass (timeouts, resets, 408, 429 with Retry-After, 5xx),
 * never for other 4xx. Bodies that arrive go to the pool to be checked
 * and written; the main thread records every outcome. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "core/pool.h"
#include "core/progress.h"
#include "scraper.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The run's options, for libcurl's callbacks (one run per process). */
static const struct sc_opts *opts;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->body.len + len > opts->max_bytes) {
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
		long s = strtol(data + 12, NULL, 10);

		t->retry_after = s > 0 ? s : 0;
	} else if (len > 13 && !strncasecmp(data, "X-Robots-Tag:", 13)) {
		char value[256];
		size_t m = len - 13 < sizeof(value) - 1 ? len - 13 : sizeof(value) - 1;

		memcpy(value, data + 13, m);
		value[m] = '\0';
		for (char *p = value; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (opts->honour_robots &&
		    (strstr(value, "noai") || strstr(value, "noimageai"))) {
			t->robots = 1;
			return 0;  /* stop before the body */
		}
	}
	return len;
}

static CURL *make_handle(const struct sc_opts *o, struct transfer *t)
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
	return h;
}

/* Sorts a finished transfer: stored later (a 200 with a body), retried,
 * or failed now. Returns 1 when it should be retried. */
static int classify(struct sc_run *r, struct transfer *t, CURLcode rc)
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
	}
	return t->kind && t->transient && t->attempts <= r->o.retries;
}

/* Exponential backoff with jitter, or what Retry-After asked (capped). */
static int64_t backoff_ms(const struct sc_opts *o, const struct transfer *t)
{
	double base = o->retry_wait * 1000.0 * (double)(1 << (t->attempts - 1 < 10 ? t->attempts - 1 : 10));
	double jitter = base * (double)(rand() % 1000) / 2000.0;

	if (t->retry_after)
		return (t->retry_after > 300 ? 300 : t->retry_after) * 1000;
	return (int64_t)(base + jitter);
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
static long drain_done(struct sc_run *r, struct wn_err *err)
{
	struct transfer *t;
	long count = 0;

	pthread_mutex_lock(&r->lock);
	t = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->lock);
	while (t) {
		struct transfer *next = t->next;

		if (sc_finish(r, t, err))
			return -1;
		count++;
		t = next;
	}
	return count;
}

int sc_fetch_all(struct sc_run *r, struct transfer *all, size_t n, struct wn_err *err)
{
	CURLM *m = curl_multi_init();
	struct transfer *retry = NULL;
	size_t next = 0, inflight = 0, finished = 0;
	/* libcurl counts time spent queued for a per-host slot against the
	 * total timeout, so no more handles are added than may run at once. */
	size_t window = (size_t)r->o.parallel;
	int ret = -1;

	if (!m)
		return wn_fail(err, WN_ENOMEM, "cannot start libcurl");
	opts = &r->o;
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)r->o.parallel);
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r->o.per_host);
	while (finished < n) {
		CURLMsg *msg;
		int left, running;
		int64_t now = now_ms();

		/* Start what may start: due retries first, then new URLs. */
		while (inflight < window && ((retry && retry->due_ms <= now) || next < n)) {
			struct transfer *t;

			if (retry && retry->due_ms <= now) {
				t = retry;
				retry = t->next;
			} else {
				t = &all[next++];
			}
			strbuf_reset(&t->body);
			t->retry_after = t->robots = t->too_big = 0;
			t->attempts++;
			if (!t->h && !(t->h = make_handle(&r->o, t))) {
				wn_fail(err, WN_ENOMEM, "cannot make a transfer");
				goto out;
			}
			if (curl_multi_add_handle(m, t->h) != CURLM_OK) {
				t->kind = "other";
				snprintf(t->error, sizeof(t->error), "libcurl refused the transfer");
				curl_easy_cleanup(t->h);
				t->h = NULL;
				if (sc_finish(r, t, err))
					goto out;
				finished++;
				continue;
			}
			inflight++;
		}
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 20, NULL);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct transfer *t;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			curl_multi_remove_handle(m, t->h);
			inflight--;
			if (classify(r, t, msg->data.result)) {
				t->due_ms = now_ms() + backoff_ms(&r->o, t);
				schedule(&retry, t);
				continue;
			}
			curl_easy_cleanup(t->h);
			t->h = NULL;
			if (!t->kind) {
				pool_submit(r->pool, sc_store, t);  /* a 200 with a body */
				continue;
			}
			strbuf_release(&t->body);
			if (sc_finish(r, t, err))
				goto out;
			finished++;
		}
		/* Stored bodies come back here to be recorded. */
		{
			long stored = drain_done(r, err);

			if (stored < 0)
				goto out;
			finished += (size_t)stored;
		}
	}
	ret = 0;
out:
	pool_wait(r->pool);  /* no store job may outlive the transfers */
	for (size_t i = 0; i < n; i++)
		if (all[i].h) {
			curl_multi_remove_handle(m, all[i].h);
			curl_easy_cleanup(all[i].h);
			all[i].h = NULL;
		}
	curl_multi_cleanup(m);
	return ret;
}
