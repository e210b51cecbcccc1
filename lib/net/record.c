/* Recording outcomes, on the main thread: the image row and the URL row
 * of each, committed at least once a second and every 512 outcomes, so a
 * run that is killed loses at most a second of records (and the journal
 * lets the next run adopt the files of that second). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "net/internal.h"

const char *const scrape_kinds[SCRAPE_KINDS] = {
	"not-image", "empty", "too-small", "placeholder", "corrupt", "too-large",
	"robots-tag", "bad-redirect", "redirect-loop", "http-404", "http-4xx", "http-429",
	"http-5xx", "timeout", "truncated", "reset", "connect", "network", "write", "refused",
	"other",
};

int scrape_kind_index(const char *kind)
{
	for (int i = 0; i < SCRAPE_KINDS - 1; i++)
		if (!strcmp(kind, scrape_kinds[i]))
			return i;
	return SCRAPE_KINDS - 1;
}

int64_t scrape_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum { COMMIT_OUTCOMES = 512, COMMIT_MS = 1000 };

static void count_class(struct scrape_counts *c, const char *name, int ok)
{
	const char *key = name ? name : "(none)";
	size_t i;

	for (i = 0; i < c->nclasses; i++)
		if (!strcmp(c->classes[i].name, key))
			break;
	if (i == c->nclasses) {
		struct scrape_class *v = realloc(c->classes, (c->nclasses + 1) * sizeof(*v));
		char *copy = strdup(key);

		if (!v || !copy) {
			free(copy);
			if (v)
				c->classes = v;
			return;  /* the summary only: not worth failing the run */
		}
		c->classes = v;
		c->classes[i].name = copy;
		c->classes[i].ok = c->classes[i].failed = 0;
		c->nclasses++;
	}
	if (ok)
		c->classes[i].ok++;
	else
		c->classes[i].failed++;
}

int scrape_finish(struct scrape *r, struct transfer *t, struct wn_err *err)
{
	struct url_result u = { 0 };
	int64_t id = 0;

	u.url = t->e->url;
	u.class_name = t->e->class_name;
	u.http_code = t->http_code;
	u.final_url = t->final_url[0] ? t->final_url : NULL;
	u.content_type = t->content_type[0] ? t->content_type : NULL;
	u.attempts = t->attempts;
	if (t->ok) {
		struct image_row row;
		struct strbuf cpath = STRBUF_INIT, dir = STRBUF_INIT;
		char *real;
		const char *slash = strrchr(t->out_path, '/');

		/* The catalog path of the file: its folder's real path + name. */
		strbuf_add(&dir, t->out_path, (size_t)(slash - t->out_path));
		real = realpath(dir.buf, NULL);
		if (!real || catalog_rel_path(r->cat, real, slash + 1, &cpath)) {
			int e = errno;

			wn_fail(err, WN_EIO, "%s: %s", dir.buf, strerror(e));
			free(real);
			strbuf_release(&dir);
			strbuf_release(&cpath);
			return -1;
		}
		memset(&row, 0, sizeof(row));
		row.path = cpath.buf;
		row.class_name = t->e->class_name;
		row.size = (int64_t)t->hash.size;
		row.mtime_ns = t->mtime_ns;
		row.has_xxh3 = 1;
		memcpy(row.xxh3, t->hash.full, 16);
		memcpy(row.head_xxh3, t->hash.head, 16);
		row.width = t->info.width;
		row.height = t->info.height;
		row.format = img_format_name(t->info.format);
		row.source_url = t->e->url;
		if (images_upsert(r->cat, &row, &id, err)) {
			free(real);
			strbuf_release(&dir);
			strbuf_release(&cpath);
			return -1;
		}
		free(real);
		strbuf_release(&dir);
		strbuf_release(&cpath);
		u.status = URL_DONE;
		u.bytes = (int64_t)t->hash.size;
		u.image_id = id;
		if (t->adopted) {
			r->counts.adopted++;
		} else {
			r->counts.ok++;
			r->counts.bytes += t->hash.size;
		}
	} else {
		u.status = URL_FAILED;
		u.error_kind = t->kind;
		u.error = t->error;
		u.transient = t->transient;
		r->counts.failed++;
		r->counts.kinds[scrape_kind_index(t->kind ? t->kind : "other")]++;
	}
	count_class(&r->counts, t->e->class_name, t->ok);
	free(t->out_path);
	t->out_path = NULL;
	progress_add_bytes(r->prog, (uint64_t)u.bytes);
	progress_add(r->prog, 1, !t->ok);
	if (urls_record(r->cat, &u, err))
		return -1;
	t->recorded = 1;
	r->since_commit++;
	return scrape_commit_due(r, 0, err);
}

int scrape_commit_due(struct scrape *r, int force, struct wn_err *err)
{
	int64_t now = scrape_now_ms();

	if (!r->since_commit || (!force && r->since_commit < COMMIT_OUTCOMES &&
				 now - r->last_commit_ms < COMMIT_MS))
		return 0;
	r->since_commit = 0;
	r->last_commit_ms = now;
	return catalog_commit(r->cat, err) || catalog_begin(r->cat, err) ? -1 : 0;
}

