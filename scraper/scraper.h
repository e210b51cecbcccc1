/* scraper: what its modules share. fetch.c drives libcurl's multi handle,
 * address.c says which addresses it may connect to, store.c checks and
 * writes bodies on worker threads, journal.c notes which URL each file
 * came from before it appears, adopt.c takes over files a stopped run
 * left unrecorded, record.c records outcomes in the catalog, main.c reads
 * the lists, resumes, and reports. */
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

struct sc_opts {
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

/* One URL's journey. */
struct transfer {
	struct sc_run *run;         /* the run it belongs to */
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

#define SC_KINDS 21

/*
 * The journal: one line "class/name<TAB>url" per file, appended before the
 * file appears, in DIR/.winnow-scraper/journal-HOST-PID (one a run, held
 * with flock). A run killed before its catalog commit leaves the lines; the
 * next run adopts the files they name instead of fetching their URLs again.
 */
struct sc_journal {
	int fd;                     /* this run's journal; -1 none */
	char *dir, *own;            /* the folder, this run's file in it */
	struct sc_jentry { const char *url, *rel; } *v;  /* earlier lines, by url */
	size_t n;
	char **texts;               /* the files v points into */
	size_t ntexts;
};

struct sc_run {
	struct sc_opts o;
	struct catalog *cat;
	int64_t run_id;
	struct progress *prog;
	struct pool *pool;

	/* finished stores, handed from the pool to the main thread */
	pthread_mutex_t lock;
	struct transfer *done;

	struct sc_journal journal;

	uint64_t ok, failed, skipped, adopted, bytes;
	unsigned since_commit;
	int64_t last_commit_ms;
	/* per class, for the summary */
	struct sc_class { char *name; uint64_t ok, failed; } *classes;
	size_t nclasses;
	uint64_t kinds[SC_KINDS];
};

/* Whether the run was told to stop (see sc_opts.stop). */
static inline int sc_stopped(const struct sc_run *r)
{
	return r->o.stop && *r->o.stop;
}

/* fetch.c: fetches t[0..n), recording each outcome with sc_finish(), until
 * all are done or the run is stopped. @return 0, or -1 with err set (fatal). */
int sc_fetch_all(struct sc_run *r, struct transfer *t, size_t n, struct wn_err *err);
int64_t sc_now_ms(void);

/* address.c */
/*
 * sc_address_refusal() : why sa is not to be connected to under o (a
 * loopback, private, link-local, ... address, also in IPv4-mapped form),
 * as "a loopback address", with the address itself written to text;
 * NULL when it may be (a public one, --allow-private, --allow-address).
 */
const char *sc_address_refusal(const struct sc_opts *o, const struct sockaddr *sa,
			       char *text, size_t size);
/* sc_address_parse() : an IPv4 or IPv6 address into out (IPv4 mapped).
 * @return 0, or -1 when s is not one. */
int sc_address_parse(const char *s, struct in6_addr *out);

/* store.c: a pool job checking and writing one body (a struct transfer). */
void sc_store(void *arg);
/* What a stored file's name ends with, and whether a body ends as its
 * format must (a cut body does not). */
const char *sc_extension(enum img_format f);
int sc_body_complete(const uint8_t *b, size_t len, enum img_format f);

/* journal.c */
/* sc_journal_open() : reads the journals under out_dir and starts this
 * run's. @return 0, or -1 with err set. */
int sc_journal_open(struct sc_journal *j, const char *out_dir, struct wn_err *err);
/* sc_journal_find() : how many lines earlier runs wrote for url (a URL
 * refetched after a kill may have several), with *first at the first of
 * them; 0 when none. */
size_t sc_journal_find(const struct sc_journal *j, const char *url,
		       const struct sc_jentry **first);
/* sc_journal_add() : appends a line with one write(2), so threads may call
 * it at once. @return 0, or -1 with err set. */
int sc_journal_add(struct sc_journal *j, const char *rel, const char *url, struct wn_err *err);
/*
 * sc_journal_close() : with settled (after everything is committed),
 * removes each journal no live run holds whose every URL settled() says
 * is recorded; then frees j. Accepts a j that was never opened.
 */
void sc_journal_close(struct sc_journal *j, int (*settled)(const char *url, void *arg),
		      void *arg);

/* adopt.c */
/*
 * sc_adopt() : for each of t[0..n) the journal names a file for, checks the
 * file (it decodes, ends as its format must, and its content hash is its
 * name) and records it as downloaded. Adopted transfers move to the front.
 * @return how many were adopted, or (size_t)-1 with err set.
 */
size_t sc_adopt(struct sc_run *r, struct transfer *t, size_t n, struct wn_err *err);

/* record.c: called on the main thread for each finished transfer. */
int sc_finish(struct sc_run *r, struct transfer *t, struct wn_err *err);
/* sc_commit_due() : commits when outcomes wait and a second has passed
 * since the last commit (or always, with force). @return 0 or -1. */
int sc_commit_due(struct sc_run *r, int force, struct wn_err *err);

/* Error kinds, for the summary. */
extern const char *const sc_kinds[SC_KINDS];
int sc_kind_index(const char *kind);

#endif
