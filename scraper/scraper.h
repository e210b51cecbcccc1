/* scraper: what its modules share. scrape.c holds a run from start to end
 * (the API main.c uses), fetch.c drives libcurl's multi handle,
 * address.c says which addresses it may connect to, store.c checks and
 * writes bodies on worker threads, journal.c notes which URL each file
 * came from before it appears, adopt.c takes over files a stopped run
 * left unrecorded, record.c records outcomes in the catalog, main.c reads
 * the lists and reports. */
#ifndef WINNOW_SCRAPER_H
#define WINNOW_SCRAPER_H

#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hash/hash.h"
#include "img/img.h"
#include "base/base.h"
#include "net/net.h"
#include "catalog/catalog.h"

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

/* One URL's journey. */
struct transfer {
	struct scrape *run;         /* the run it belongs to */
	const struct url_entry *e;
	CURL *h;
	struct strbuf body;
	uint8_t *made;              /* the --resize output, when there is one */
	int attempts;
	long retry_after;           /* seconds, from the header; 0 none */
	int robots, too_big;
	char refused[160];          /* why a connection was refused, "" none */
	char content_type[96];
	int64_t due_ms;             /* when a retry may start */
	struct transfer *next;      /* in the retry list or the done queue */

	/* what happened */
	int recorded;               /* the outcome is in the catalog */
	int adopted;                /* a file a stopped run left, not fetched */
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

/*
 * The journal: one line "class/name<TAB>url" per file, appended before the
 * file appears, in DIR/.winnow-scraper/journal-HOST-PID (one a run, held
 * with flock). A run killed before its catalog commit leaves the lines; the
 * next run adopts the files they name instead of fetching their URLs again.
 */
struct scrape_journal {
	int fd;                     /* this run's journal; -1 none */
	char *dir, *own;            /* the folder, this run's file in it */
	struct scrape_jentry { const char *url, *rel; } *v;  /* earlier lines, by url */
	size_t n;
	char **texts;               /* the files v points into */
	size_t ntexts;
};

struct scrape {
	struct scrape_opts o;
	struct catalog *cat;        /* the caller's */
	struct progress *prog;      /* during scrape_fetch() only */
	struct pool *pool;
	struct transfer *t;         /* room for every URL; the picked ones first */
	size_t n;                   /* picked */

	/* finished stores, handed from the pool to the main thread */
	pthread_mutex_t lock;
	struct transfer *done;

	struct scrape_journal journal;

	struct scrape_counts counts;
	unsigned since_commit;
	int64_t last_commit_ms;
};

/* Whether the run was told to stop (see scrape_opts.stop). */
static inline int scrape_stopped(const struct scrape *r)
{
	return r->o.stop && *r->o.stop;
}

/* fetch.c: fetches t[0..n), recording each outcome with scrape_finish(), until
 * all are done or the run is stopped. @return 0, or -1 with err set (fatal). */
int scrape_fetch_all(struct scrape *r, struct transfer *t, size_t n, struct wn_err *err);
int64_t scrape_now_ms(void);

/* address.c */
/*
 * scrape_address_refusal() : why sa is not to be connected to under o (a
 * loopback, private, link-local, ... address, also in IPv4-mapped form),
 * as "a loopback address", with the address itself written to text;
 * NULL when it may be (a public one, --allow-private, --allow-address).
 */
const char *scrape_address_refusal(const struct scrape_opts *o, const struct sockaddr *sa,
			       char *text, size_t size);
/* scrape_address_parse() : an IPv4 or IPv6 address into out (IPv4 mapped).
 * @return 0, or -1 when s is not one. */
int scrape_address_parse(const char *s, struct in6_addr *out);

/* store.c: a pool job checking and writing one body (a struct transfer). */
void scrape_store(void *arg);
/* What a stored file's name ends with, and whether a body ends as its
 * format must (a cut body does not). */
const char *scrape_extension(enum img_format f);
int scrape_body_complete(const uint8_t *b, size_t len, enum img_format f);

/* journal.c */
/* scrape_journal_open() : reads the journals under out_dir and starts this
 * run's. @return 0, or -1 with err set. */
int scrape_journal_open(struct scrape_journal *j, const char *out_dir, struct wn_err *err);
/* scrape_journal_find() : how many lines earlier runs wrote for url (a URL
 * refetched after a kill may have several), with *first at the first of
 * them; 0 when none. */
size_t scrape_journal_find(const struct scrape_journal *j, const char *url,
		       const struct scrape_jentry **first);
/* scrape_journal_add() : appends a line with one write(2), so threads may call
 * it at once. @return 0, or -1 with err set. */
int scrape_journal_add(struct scrape_journal *j, const char *rel, const char *url, struct wn_err *err);
/*
 * scrape_journal_close() : with settled (after everything is committed),
 * removes each journal no live run holds whose every URL settled() says
 * is recorded; then frees j. Accepts a j that was never opened.
 */
void scrape_journal_close(struct scrape_journal *j, int (*settled)(const char *url, void *arg),
		      void *arg);

/* adopt.c */
/*
 * scrape_adopt() : for each of t[0..n) the journal names a file for, checks the
 * file (it decodes, ends as its format must, and its content hash is its
 * name) and records it as downloaded. Adopted transfers move to the front.
 * @return how many were adopted, or (size_t)-1 with err set.
 */
size_t scrape_adopt(struct scrape *r, struct transfer *t, size_t n, struct wn_err *err);

/* record.c: called on the main thread for each finished transfer. */
int scrape_finish(struct scrape *r, struct transfer *t, struct wn_err *err);
/* scrape_commit_due() : commits when outcomes wait and a second has passed
 * since the last commit (or always, with force). @return 0 or -1. */
int scrape_commit_due(struct scrape *r, int force, struct wn_err *err);

int scrape_kind_index(const char *kind);

#endif
