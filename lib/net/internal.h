/* What the engine's files share; not for commands (they include
 * net/net.h). scrape.c holds a run from start to end, fetch.c drives
 * libcurl's multi handle, address.c says which addresses it may connect
 * to, store.c checks and writes bodies on worker threads, journal.c notes
 * which URL each file came from before it appears, adopt.c takes over
 * files a stopped run left unrecorded, record.c records outcomes in the
 * catalog. */
#ifndef WINNOW_NET_INTERNAL_H
#define WINNOW_NET_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>

#include "base/base.h"
#include "img/img.h"
#include "hash/hash.h"
#include "catalog/catalog.h"
#include "net/address.h"
#include "net/scrape.h"
#include "net/urllist.h"

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
int scrape_journal_add(struct scrape_journal *j, const char *rel, const char *url,
		       struct wn_err *err);
/*
 * scrape_journal_close() : with settled (after everything is committed),
 * removes each journal no live run holds whose every URL settled() says
 * is recorded; then frees j. Accepts a j that was never opened.
 */
void scrape_journal_close(struct scrape_journal *j,
			  int (*settled)(const char *url, void *arg), void *arg);

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

/* scrape_kind_index() : kind's place in scrape_kinds ("other" when it is
 * none of them). */
int scrape_kind_index(const char *kind);

#endif
