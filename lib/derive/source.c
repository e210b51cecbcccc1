/* What both runs do alike: take a source from the walk, describe a file
 * for the catalog, report a file that failed. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The names in one allocation, which path owns: the catalog path, then
 * disk, rel and the class, each after the NUL that ends the one before. */
int derive_source_take(struct catalog *cat, const char *in_real, const struct walk_entry *e,
		       struct derive_source *s, struct wn_err *err)
{
	const char *names[3] = { e->path, e->rel, e->class_name };
	size_t at[3] = { 0 };
	struct strbuf b = STRBUF_INIT;
	int bad;

	memset(s, 0, sizeof(*s));
	bad = catalog_rel_path(cat, in_real, e->rel, &b);
	for (size_t i = 0; i < 3 && !bad; i++) {
		at[i] = b.len + 1;
		bad = strbuf_addch(&b, '\0') || (names[i] && strbuf_addstr(&b, names[i]));
	}
	if (bad) {
		strbuf_release(&b);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	s->path = strbuf_detach(&b);
	s->disk = s->path + at[0];
	s->rel = s->path + at[1];
	s->class_name = e->class_name ? s->path + at[2] : NULL;
	s->size = e->st.st_size;
	s->mtime_ns = derive_mtime_ns(&e->st);
	return 0;
}

void derive_source_release(struct derive_source *s)
{
	free(s->path);
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
