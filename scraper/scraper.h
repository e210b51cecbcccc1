/* scraper: what its modules share. fetch.c drives libcurl's multi handle,
 * store.c checks and writes bodies on worker threads, main.c reads the
 * lists, resumes, and reports. */
#ifndef WINNOW_SCRAPER_H
#define WINNOW_SCRAPER_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "core/dhash.h"
#include "core/filehash.h"
#include "core/img.h"
#include "core/strbuf.h"
#include "core/urllist.h"
#include "db/catalog.h"
#include "resize/resize.h"

struct sc_opts {
	int parallel, per_host, retries, threads;
	long connect_timeout, timeout, low_speed_time, low_speed_limit;
	double retry_wait;          /* seconds before the first retry */
	size_t max_bytes, min_bytes;
	int min_size;
	int honour_robots;
	const char *user_agent;
	const char *out_dir;
	struct img_limits limits;
	int resize;                 /* --resize / --geometry given */
	struct rs_opts rs;          /* what resize would do with them */
};

/* One URL's journey. */
struct transfer {
	const struct url_entry *e;
	CURL *h;
	struct strbuf body;
	uint8_t *made;              /* the --resize output, when there is one */
	int attempts;
	long retry_after;           /* seconds, from the header; 0 none */
	int robots, too_big;
	char content_type[96];
	int64_t due_ms;             /* when a retry may start */
	struct transfer *next;      /* in the retry list or the done queue */

	/* what happened */
	int ok;                     /* stored (or already there) */
	int transient;
	long http_code;
	const char *kind;           /* error kind, static */
	char error[512];
	char final_url[512];

	/* what was stored */
	char *out_path;             /* as written (disk) */
	struct filehash hash;
	struct fingerprint fp;
	struct img_info info;
	int64_t mtime_ns;
};

#define SC_KINDS 20

struct sc_run {
	struct sc_opts o;
	struct catalog *cat;
	int64_t run_id;
	struct progress *prog;
	struct pool *pool;

	/* finished stores, handed from the pool to the main thread */
	pthread_mutex_t lock;
	struct transfer *done;

	uint64_t ok, failed, skipped, bytes;
	unsigned since_commit;
	/* per class, for the summary */
	struct sc_class { char *name; uint64_t ok, failed; } *classes;
	size_t nclasses;
	uint64_t kinds[SC_KINDS];
};

/* fetch.c */
int sc_fetch_all(struct sc_run *r, struct transfer *t, size_t n, struct wn_err *err);

/* store.c: a pool job checking and writing one body. */
void sc_store(void *arg);
void sc_store_init(struct sc_run *r);

/* main.c: called on the main thread for each finished transfer. */
int sc_finish(struct sc_run *r, struct transfer *t, struct wn_err *err);

/* Error kinds, for the summary. */
extern const char *const sc_kinds[SC_KINDS];
int sc_kind_index(const char *kind);

#endif
