/* Reading URL lists: folders of urls_<class>.txt, plain lists, CSV/TSV. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "base/base.h"
#include "net/urllist.h"

#define LIST_MAX_BYTES ((size_t)1 << 30)

/* Seen URLs, as 64-bit hashes in an open-addressed table. */
struct seen {
	uint64_t *slot;
	size_t cap, n;
};

struct reader {
	struct url_list *l;
	struct seen seen;
	url_reject_fn on_reject;
	void *data;
	struct wn_err *err;
	size_t lists;   /* lists read (for a folder) */
};

static int seen_add(struct seen *s, uint64_t h)
{
	if (h == 0)
		h = 1;  /* 0 marks an empty slot */
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		uint64_t *slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t j = s->slot[i] & (cap - 1);

				while (slot[j])
					j = (j + 1) & (cap - 1);
				slot[j] = s->slot[i];
			}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		if (s->slot[j] == h)
			return 1;
		if (!s->slot[j]) {
			s->slot[j] = h;
			s->n++;
			return 0;
		}
	}
}

const char *urllist_check(const char *s, size_t len)
{
	static __thread char why[64];
	size_t i, scheme = 0, host;

	if (len == 0)
		return "empty URL";
	if (len > URL_MAX_BYTES)
		return "longer than 4096 bytes";
	for (i = 0; i < len; i++) {
		if (s[i] == ' ')
			return "contains a space";
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "contains a control character";
	}
	/* scheme ":" per RFC 3986: a letter, then letters, digits, + - . */
	while (scheme < len && (isalnum((unsigned char)s[scheme]) || strchr("+-.", s[scheme])))
		scheme++;
	if (scheme == len || s[scheme] != ':' || !isalpha((unsigned char)s[0]))
		return "no scheme (expected http:// or https://)";
	if (!((scheme == 4 && !strncasecmp(s, "http", 4)) ||
	      (scheme == 5 && !strncasecmp(s, "https", 5)))) {
		snprintf(why, sizeof(why), "unsupported scheme '%.*s' (only http and https)",
			 (int)(scheme > 16 ? 16 : scheme), s);
		return why;
	}
	if (len < scheme + 3 || strncmp(s + scheme, "://", 3))
		return "not a web address (no // after the scheme)";
	host = scheme + 3;
	for (i = host; i < len && !strchr("/?#", s[i]); i++)
		if (s[i] == '@')
			host = i + 1;  /* userinfo@ is not the host */
	if (i == host)
		return "no host";
	return NULL;
}

const char *urllist_check_class(const char *c)
{
	if (!*c || !strcmp(c, ".") || !strcmp(c, ".."))
		return "the class is not a folder name";
	for (const char *p = c; *p; p++)
		if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return "the class holds a slash or a control character";
	return NULL;
}

static int add_url(struct reader *r, const char *url, size_t len, const char *class_name,
		   const char *list, unsigned line)
{
	const char *why = urllist_check(url, len);

	/* The class becomes a folder under --out: nothing may climb out. */
	if (!why && class_name && *class_name)
		why = urllist_check_class(class_name);
	struct url_list *l = r->l;
	struct url_entry *e;
	int dup;

	if (why) {
		l->rejected++;
		if (r->on_reject)
			r->on_reject(list, line, why, r->data);
		return 0;
	}
	dup = seen_add(&r->seen, XXH3_64bits(url, len));
	if (dup < 0)
		return wn_fail(r->err, WN_ENOMEM, "out of memory");
	if (dup) {
		l->duplicates++;
		return 0;
	}
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? 2 * l->alloc : 1024;
		struct url_entry *v = realloc(l->v, alloc * sizeof(*v));

		if (!v)
			return wn_fail(r->err, WN_ENOMEM, "out of memory");
		l->v = v;
		l->alloc = alloc;
	}
	e = &l->v[l->n];
	e->url = strndup(url, len);
	e->class_name = class_name && *class_name ? strdup(class_name) : NULL;
	e->list = strdup(list);
	e->line = line;
	if (!e->url || !e->list || (class_name && *class_name && !e->class_name)) {
		free(e->url);
		free(e->class_name);
		free(e->list);
		return wn_fail(r->err, WN_ENOMEM, "out of memory");
	}
	l->n++;
	return 0;
}

static void trim(const char **p, size_t *len)
{
	while (*len && isspace((unsigned char)**p))
		(*p)++, (*len)--;
	while (*len && isspace((unsigned char)(*p)[*len - 1]))
		(*len)--;
}

static int read_txt(struct reader *r, const char *path, const char *class_name)
{
	uint8_t *buf;
	size_t len, before = r->l->n + r->l->duplicates + r->l->rejected;
	unsigned line = 0;
	int ret = 0;

	if (read_file_limited(path, LIST_MAX_BYTES, &buf, &len, r->err))
		return -1;
	for (size_t at = 0; at < len && !ret;) {
		const char *p = (const char *)buf + at;
		const char *nl = memchr(p, '\n', len - at);
		size_t n = nl ? (size_t)(nl - p) : len - at;

		at += n + 1;
		line++;
		trim(&p, &n);
		if (!n || *p == '#')
			continue;
		ret = add_url(r, p, n, class_name, path, line);
	}
	free(buf);
	if (!ret && r->l->n + r->l->duplicates + r->l->rejected == before)
		ret = wn_fail(r->err, WN_EINVAL, "%s: no URLs in this list", path);
	return ret;
}

/* One CSV/TSV field starting at *at; quotes per RFC 4180 (a quoted field
 * may hold separators, doubled quotes and newlines, which bump *line).
 * The field's text goes to out. Returns the byte after it. */
static size_t csv_field(const char *s, size_t len, size_t at, char sep, struct strbuf *out,
			unsigned *line)
{
	strbuf_reset(out);
	if (at < len && s[at] == '"') {
		for (at++; at < len; at++) {
			if (s[at] == '"') {
				if (at + 1 < len && s[at + 1] == '"') {
					strbuf_addch(out, '"');
					at++;
					continue;
				}
				at++;
				break;
			}
			if (s[at] == '\n')
				(*line)++;
			strbuf_addch(out, s[at]);
		}
		/* Anything between the closing quote and the separator is kept. */
	}
	while (at < len && s[at] != sep && s[at] != '\n') {
		if (s[at] != '\r')
			strbuf_addch(out, s[at]);
		at++;
	}
	return at;
}

static int read_csv(struct reader *r, const char *path, char sep)
{
	struct strbuf field = STRBUF_INIT, url = STRBUF_INIT, cls = STRBUF_INIT;
	uint8_t *buf;
	size_t len, at = 0, before = r->l->n + r->l->duplicates + r->l->rejected;
	int url_col = -1, class_col = -1, col = 0, ret = 0;
	unsigned line = 1;
	const char *s;

	if (read_file_limited(path, LIST_MAX_BYTES, &buf, &len, r->err))
		return -1;
	s = (const char *)buf;
	/* The header: find the url and class (or label) columns. */
	while (at <= len) {
		const char *f;
		size_t n;

		at = csv_field(s, len, at, sep, &field, &line);
		f = field.buf;
		n = field.len;
		trim(&f, &n);
		if (n == 3 && !strncasecmp(f, "url", 3))
			url_col = col;
		else if ((n == 5 && (!strncasecmp(f, "class", 5) || !strncasecmp(f, "label", 5))) &&
			 class_col < 0)
			class_col = col;
		col++;
		if (at >= len || s[at] == '\n')
			break;
		at++;
	}
	if (url_col < 0) {
		ret = wn_fail(r->err, WN_EINVAL, "%s: no 'url' column in the header", path);
		goto out;
	}
	/* The records. */
	while (++at < len && !ret) {
		unsigned first = ++line;

		strbuf_reset(&url);
		strbuf_reset(&cls);
		for (col = 0;; col++) {
			at = csv_field(s, len, at, sep, &field, &line);
			if (col == url_col)
				strbuf_addstr(&url, field.buf);
			else if (col == class_col)
				strbuf_addstr(&cls, field.buf);
			if (at >= len || s[at] == '\n')
				break;
			at++;
		}
		{
			const char *u = url.buf, *c = cls.buf;
			size_t un = url.len, cn = cls.len;
			char *cname;

			trim(&u, &un);
			trim(&c, &cn);
			if (!un && col == 0 && !field.len)
				continue;  /* a blank line */
			cname = cn ? strndup(c, cn) : NULL;
			if (cn && !cname)
				ret = wn_fail(r->err, WN_ENOMEM, "out of memory");
			else
				ret = add_url(r, u, un, cname, path, first);
			free(cname);
		}
	}
	if (!ret && r->l->n + r->l->duplicates + r->l->rejected == before)
		ret = wn_fail(r->err, WN_EINVAL, "%s: no URLs in this list", path);
out:
	free(buf);
	strbuf_release(&field);
	strbuf_release(&url);
	strbuf_release(&cls);
	return ret;
}

/* Folders: every urls_<class>.txt below, at any depth, in name order. */
static int visit_list(const struct walk_entry *e, void *data)
{
	struct reader *r = data;
	const char *base = strrchr(e->path, '/');
	size_t n;
	char *class_name;
	int ret;

	base = base ? base + 1 : e->path;
	n = strlen(base);
	if (n <= 9 || strncmp(base, "urls_", 5) || strcmp(base + n - 4, ".txt"))
		return 0;
	class_name = strndup(base + 5, n - 9);
	if (!class_name)
		return wn_fail(r->err, WN_ENOMEM, "out of memory");
	ret = read_txt(r, e->path, class_name);
	free(class_name);
	r->lists++;
	return ret ? -1 : 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

int urllist_read(const char *path, const char *class_name, struct url_list *l,
		 url_reject_fn on_reject, void *data, struct wn_err *err)
{
	struct reader r = { l, { NULL, 0, 0 }, on_reject, data, err, 0 };
	struct stat st;
	int ret;

	if (stat(path, &st))
		return wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
	/* URLs already in l count as seen. */
	for (size_t i = 0; i < l->n; i++)
		if (seen_add(&r.seen, XXH3_64bits(l->v[i].url, strlen(l->v[i].url))) < 0)
			return wn_fail(err, WN_ENOMEM, "out of memory");
	if (S_ISDIR(st.st_mode)) {
		struct walk_opts wo = { 0 };

		ret = walk_tree(path, &wo, visit_list, &r, err) ? -1 : 0;
		if (!ret && !r.lists)
			ret = wn_fail(err, WN_EINVAL, "%s: no urls_<class>.txt lists in this folder",
				      path);
	} else if (ends_with(path, ".csv")) {
		ret = read_csv(&r, path, ',');
	} else if (ends_with(path, ".tsv")) {
		ret = read_csv(&r, path, '\t');
	} else {
		ret = read_txt(&r, path, class_name);
	}
	free(r.seen.slot);
	return ret;
}

void urllist_release(struct url_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].url);
		free(l->v[i].class_name);
		free(l->v[i].list);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
