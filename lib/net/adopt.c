/* Adopting what a stopped run left: a file the journal names for a URL
 * that the catalog does not have as done is recorded as that URL's
 * download, without fetching it again, when it is whole: it decodes, it
 * ends as its format must, and its content hash is its name. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "net/internal.h"

/* Whether rel is where t's file would be: its class folder (or --out
 * itself) and a name of 16 hex digits and an extension. */
static int expected_place(const struct transfer *t, const char *rel)
{
	const char *name = strrchr(rel, '/');
	size_t cl = name ? (size_t)(name - rel) : 0;

	name = name ? name + 1 : rel;
	if (t->e->class_name ? strlen(t->e->class_name) != cl ||
			       strncmp(rel, t->e->class_name, cl) : cl != 0)
		return 0;
	for (int i = 0; i < 16; i++)
		if (!strchr("0123456789abcdef", name[i]) || !name[i])
			return 0;
	return name[16] == '.';
}

/* Checks the file at path as store.c would have written it; fills t. */
static int check_file(struct scrape *r, struct transfer *t, const char *path)
{
	const char *name = strrchr(path, '/') + 1;
	uint8_t *buf = NULL;
	size_t len;
	struct wn_err err;
	struct stat st;
	char hex[FILEHASH_HEX_LEN + 1], want[32];
	int ok = 0;

	if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
	    read_file_limited(path, r->o.limits.max_bytes, &buf, &len, &err) ||
	    img_sniff(buf, len) == IMG_UNKNOWN ||
	    img_read_info(buf, len, &r->o.limits, &t->info, &err) ||
	    !scrape_body_complete(buf, len, t->info.format))
		goto out;
	filehash_buffer(buf, len, &t->hash);
	filehash_hex(t->hash.full, hex);
	snprintf(want, sizeof(want), "%.16s.%s", hex, scrape_extension(t->info.format));
	if (strcmp(name, want))
		goto out;
	t->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	t->out_path = strdup(path);
	ok = t->out_path != NULL;
out:
	free(buf);
	return ok;
}

/* Whether one of the files the journal names for t is whole; fills t. */
static int adoptable(struct scrape *r, struct transfer *t, struct strbuf *path)
{
	const struct scrape_jentry *e;
	size_t k = scrape_journal_find(&r->journal, t->e->url, &e);

	for (size_t i = 0; i < k; i++) {
		if (!expected_place(t, e[i].rel))
			continue;
		strbuf_reset(path);
		strbuf_addf(path, "%s/%s", r->o.out_dir, e[i].rel);
		if (check_file(r, t, path->buf))
			return 1;
	}
	return 0;
}

size_t scrape_adopt(struct scrape *r, struct transfer *t, size_t n, struct wn_err *err)
{
	struct strbuf path = STRBUF_INIT;
	size_t adopted = 0;

	for (size_t i = 0; i < n && !scrape_stopped(r); i++) {
		struct transfer tmp;

		if (!adoptable(r, &t[i], &path))
			continue;
		t[i].ok = t[i].adopted = 1;
		if (scrape_finish(r, &t[i], err)) {
			strbuf_release(&path);
			return (size_t)-1;
		}
		tmp = t[adopted];
		t[adopted++] = t[i];
		t[i] = tmp;
	}
	strbuf_release(&path);
	return adopted;
}
