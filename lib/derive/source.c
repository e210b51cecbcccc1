/* What both runs do alike: take a source from the walk, describe a file
 * for the catalog, report a file that failed. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int derive_source_take(struct catalog *cat, const char *in_real, const struct walk_entry *e,
		       struct derive_source *s, struct wn_err *err)
{
	struct strbuf cpath = STRBUF_INIT;

	memset(s, 0, sizeof(*s));
	if (catalog_rel_path(cat, in_real, e->rel, &cpath)) {
		strbuf_release(&cpath);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	s->path = strbuf_detach(&cpath);
	s->disk = strdup(e->path);
	s->rel = strdup(e->rel);
	s->class_name = e->class_name ? strdup(e->class_name) : NULL;
	s->size = e->st.st_size;
	s->mtime_ns = derive_mtime_ns(&e->st);
	if (!s->path || !s->disk || !s->rel || (e->class_name && !s->class_name)) {
		derive_source_release(s);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	return 0;
}

void derive_source_release(struct derive_source *s)
{
	free(s->disk);
	free(s->path);
	free(s->rel);
	free(s->class_name);
	memset(s, 0, sizeof(*s));
}

void derive_image_row(struct image_row *row, const char *path, const char *class_name,
		      int64_t size, int64_t mtime_ns, const struct filehash *hash)
{
	memset(row, 0, sizeof(*row));
	row->path = path;
	row->class_name = class_name;
	row->size = size;
	row->mtime_ns = mtime_ns;
	row->has_xxh3 = 1;
	memcpy(row->xxh3, hash->full, 16);
	memcpy(row->head_xxh3, hash->head, 16);
	row->status = IMAGE_OK;
}

void derive_problem(derive_problem_fn fn, const char *path, const char *cause)
{
	if (fn)
		fn(path, cause);
}
