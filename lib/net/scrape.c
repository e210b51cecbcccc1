/* A scraper run from start to end: what it owns (libcurl, the pool, the
 * transfers, the journal), which URLs it fetches, and what it tells the
 * command afterwards. fetch.c, adopt.c, store.c and record.c do the work. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "net/internal.h"

struct scrape *scrape_new(const struct scrape_opts *o, size_t nurls)
{
	struct scrape *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s->o = *o;
	pthread_mutex_init(&s->lock, NULL);
	s->journal.fd = -1;
	s->last_commit_ms = scrape_now_ms();
	s->t = calloc(nurls ? nurls : 1, sizeof(*s->t));
	s->pool = pool_create(o->threads);
	if (!s->t || !s->pool) {
		scrape_free(s, 0);
		return NULL;
	}
	return s;
}

/* Which URLs to fetch: new ones, and failed ones with retry_failed. */
static size_t pick(struct scrape *r, const struct url_list *l, int retry_failed,
		   const struct shard *sh, struct wn_err *err)
{
	struct transfer *t = r->t;
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		enum url_status st;
		int transient, known;

		if (!shard_mine(sh, l->v[i].url, strlen(l->v[i].url)))
			continue;
		known = urls_state(r->cat, l->v[i].url, &st, &transient, err);

		if (known < 0)
			return (size_t)-1;
		if (known && (st == URL_DONE || st == URL_SKIPPED ||
			      (st == URL_FAILED && !(retry_failed && transient)))) {
			r->counts.skipped++;
			continue;
		}
		memset(&t[n], 0, sizeof(t[n]));
		t[n].run = r;
		t[n].e = &l->v[i];
		strbuf_init(&t[n].body);
		n++;
	}
	return n;
}

size_t scrape_begin(struct scrape *s, struct catalog *cat, const struct url_list *l,
		    int retry_failed, const struct shard *sh, struct wn_err *err)
{
	s->cat = cat;
	if (scrape_journal_open(&s->journal, s->o.out_dir, err) ||
	    (s->n = pick(s, l, retry_failed, sh, err)) == (size_t)-1 ||
	    catalog_begin(cat, err)) {
		s->n = 0;
		return (size_t)-1;
	}
	return s->n;
}

int scrape_fetch(struct scrape *s, struct progress *prog, struct wn_err *err)
{
	size_t adopted;
	int ret;

	s->prog = prog;
	adopted = scrape_adopt(s, s->t, s->n, err);
	ret = adopted == (size_t)-1 || scrape_fetch_all(s, s->t + adopted, s->n - adopted, err) ||
	      catalog_commit(s->cat, err) ? -1 : 0;
	s->prog = NULL;
	return ret;
}

const struct scrape_counts *scrape_counts(const struct scrape *s)
{
	return &s->counts;
}

size_t scrape_left(const struct scrape *s)
{
	size_t left = 0;

	for (size_t i = 0; i < s->n; i++)
		left += !s->t[i].recorded;
	return left;
}

void scrape_each_failed(const struct scrape *s, scrape_failed_fn fn, void *arg)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].recorded && !s->t[i].ok)
			fn(s->t[i].e, s->t[i].kind, s->t[i].error, arg);
}

/* For scrape_journal_close(): whether the catalog has url's outcome. */
static int settled(const char *url, void *arg)
{
	struct scrape *s = arg;
	struct wn_err err;
	enum url_status st;
	int transient;

	return urls_state(s->cat, url, &st, &transient, &err) == 1 && st != URL_PENDING;
}

void scrape_free(struct scrape *s, int tidy)
{
	if (!s)
		return;
	scrape_journal_close(&s->journal, tidy ? settled : NULL, s);
	pool_free(s->pool);
	for (size_t i = 0; i < s->counts.nclasses; i++)
		free(s->counts.classes[i].name);
	free(s->counts.classes);
	free(s->t);
	pthread_mutex_destroy(&s->lock);
	free(s);
	curl_global_cleanup();
}
