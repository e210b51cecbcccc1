/* URL lists as scrapers keep them: a folder holding urls_<class>.txt files
 * at any depth (nsfw_data_scraper's raw_data/<class>/urls_<class>.txt), a
 * plain .txt list (one URL a line, # comments and blank lines allowed), or
 * CSV/TSV with a header naming a `url` column and optionally `class` or
 * `label`. Only http and https URLs are kept; a URL listed twice is kept
 * once (the first time). */
#ifndef WINNOW_URLLIST_H
#define WINNOW_URLLIST_H

#include <stddef.h>

#include "base/base.h"

#define URL_MAX_BYTES 4096

struct url_entry {
	char *url;
	char *class_name;   /* NULL: no class */
	char *list;         /* the file it came from */
	unsigned line;      /* 1-based line number in that file */
};

struct url_list {
	struct url_entry *v;
	size_t n, alloc;
	size_t duplicates;  /* lines dropped because their URL came before */
	size_t rejected;    /* malformed lines, each reported */
};

/* Called for each malformed line, which is skipped. */
typedef void (*url_reject_fn)(const char *list, unsigned line, const char *cause, void *data);

/*
 * urllist_read() : reads `path` (a folder, a .txt, or a .csv/.tsv) into l
 * (initialised to zeros by the caller; entries appended). class_name is
 * the class of a plain .txt list's URLs (may be NULL).
 * @return 0 (even when some lines were rejected), or -1 with err set when
 * the path cannot be read, holds no list, or yields no URL at all.
 */
int urllist_read(const char *path, const char *class_name, struct url_list *l,
		 url_reject_fn on_reject, void *data, struct wn_err *err);

/* urllist_check() : NULL when s is an acceptable http(s) URL, else why not
 * ("unsupported scheme 'ftp'", "contains a space", ...). */
const char *urllist_check(const char *s, size_t len);

/* urllist_check_class() : NULL when c can be a class folder's name (not
 * empty, "." or "..", no slash, backslash or control character), else
 * why not. */
const char *urllist_check_class(const char *c);

/* urllist_release() : frees the entries; l is empty afterwards. */
void urllist_release(struct url_list *l);

#endif
