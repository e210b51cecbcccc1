/* Downloading URL lists into class folders, the scraper's engine: one
 * libcurl multi handle, bodies checked and written by content hash on a
 * pool, every outcome recorded in the catalog, and a journal that lets the
 * next run adopt what a killed one wrote. A run: scrape_new(),
 * scrape_begin(), scrape_fetch(), then what it did (scrape_counts(), ...)
 * and scrape_free(). */
#ifndef WINNOW_NET_SCRAPE_H
#define WINNOW_NET_SCRAPE_H

#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "img/img.h"
#include "catalog/catalog.h"
#include "net/urllist.h"

/* What a run does; the command fills it from its options. */
struct scrape_opts {
	int parallel, per_host, retries, threads;
	long connect_timeout, timeout, low_speed_time, low_speed_limit;
	double retry_wait;          /* seconds before the first retry */
	double max_retry_wait;      /* no wait is longer; a longer Retry-After fails */
	int allow_private;          /* --allow-private: connect anywhere */
	struct in6_addr allowed[16]; /* --allow-address, IPv4 as ::ffff:a.b.c.d */
	int nallowed;
	size_t max_bytes, min_bytes;
	int min_size;
	int honour_robots;
	const char *user_agent;
	const char *out_dir;
	struct img_limits limits;
	int resize;                 /* --resize / --geometry given */
	struct img_transform rs;   /* what resize would do with them */
	/* Set (to a signal's number) by the command's SIGINT or SIGTERM
	 * handler: no transfer starts any more, and the run ends once what
	 * arrived is stored and recorded. NULL: never stopped. */
	volatile sig_atomic_t *stop;
};

#define SCRAPE_KINDS 21

/* What a run did, for the command's summary. */
struct scrape_counts {
	uint64_t ok, failed, skipped, adopted, bytes;  /* skipped: done before */
	/* per class ("(none)" for URLs without one), in order of first outcome */
	struct scrape_class { char *name; uint64_t ok, failed; } *classes;
	size_t nclasses;
	uint64_t kinds[SCRAPE_KINDS];   /* failures by kind, see scrape_kinds */
};

/* Error kinds, for the summary and the --failed file. */
extern const char *const scrape_kinds[SCRAPE_KINDS];

/* A run; opaque. */
struct scrape;

/*
 * scrape_new() : a run of o (copied; the strings o points at and *o->stop
 * must outlive the run) with room for nurls URLs: libcurl started, the
 * pool's threads made. @return the run, or NULL when memory or threads
 * ran out. Free it with scrape_free().
 */
struct scrape *scrape_new(const struct scrape_opts *o, size_t nurls);

/*
 * scrape_begin() : starts a run that records into cat (open, the caller's;
 * it must outlive the run): reads the journals earlier runs left under
 * o->out_dir and starts this run's, picks the URLs of l (at most the
 * nurls given to scrape_new(); l must outlive the run) to fetch: those of
 * shard sh the catalog has no outcome for and, with retry_failed, those
 * that failed for transient reasons; the others count as skipped. Then
 * opens a transaction. @return how many URLs were picked, or (size_t)-1
 * with err set.
 */
size_t scrape_begin(struct scrape *s, struct catalog *cat, const struct url_list *l,
		    int retry_failed, const struct shard *sh, struct wn_err *err);

/*
 * scrape_fetch() : adopts the files a stopped run left for picked URLs,
 * fetches the others, records each outcome in the catalog (committing at
 * least once a second) and counts it on prog (NULL: none), until all are
 * recorded or *o->stop is set; then commits.
 * @return 0, or -1 with err set (fatal).
 */
int scrape_fetch(struct scrape *s, struct progress *prog, struct wn_err *err);

/* scrape_counts() : what the run did so far; valid until scrape_free(). */
const struct scrape_counts *scrape_counts(const struct scrape *s);

/* scrape_left() : how many picked URLs have no outcome recorded (a
 * stopped run leaves them for the next). */
size_t scrape_left(const struct scrape *s);

/* scrape_each_failed() : calls fn for each URL recorded as failed, with
 * its error kind (one of scrape_kinds) and message. */
typedef void (*scrape_failed_fn)(const struct url_entry *e, const char *kind,
				 const char *error, void *arg);
void scrape_each_failed(const struct scrape *s, scrape_failed_fn fn, void *arg);

/*
 * scrape_free() : ends the run: with tidy (everything is committed), also
 * removes the journals no live run holds whose every URL the catalog has
 * an outcome for. Frees s; accepts NULL.
 */
void scrape_free(struct scrape *s, int tidy);
#endif
