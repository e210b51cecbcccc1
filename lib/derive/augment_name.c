/* Naming augment's samples: <stem>_<k>.<ext> beside where the source is
 * below IN, the whole name as the stem when another file shares it; and
 * whether each is made already. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ag_drop_names(struct ag_run *r)
{
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->names_dir);
	r->names = NULL;
	r->names_dir = NULL;
	r->nnames = 0;
}

/* Reads folder dir's names into r->names, sorted. @return 0, or -1 (the
 * caller then asks the file system name by name). */
static int load_names(struct ag_run *r, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e = NULL;
	size_t alloc = 0;

	ag_drop_names(r);
	if (!d)
		return -1;
	r->names_dir = strdup(dir);
	while (r->names_dir && (e = readdir(d))) {
		if (r->nnames == alloc) {
			char **v = realloc(r->names, (alloc = alloc ? 2 * alloc : 64) * sizeof(*v));

			if (!v)
				break;
			r->names = v;
		}
		if (!(r->names[r->nnames] = strdup(e->d_name)))
			break;
		r->nnames++;
	}
	closedir(d);
	if (!r->names_dir || e) {  /* out of memory on the way */
		ag_drop_names(r);
		return -1;
	}
	qsort(r->names, r->nnames, sizeof(*r->names), cmp_name);
	return 0;
}

/* Whether another file beside the source shares its stem (a.jpg and
 * a.png): then each takes its whole name as the stem (a.jpg_0.jpg), so
 * names never depend on which one is met first. disk[0, dot] is the path
 * up to the extension's dot. The folder's names are read once. */
static int stem_shared(struct ag_run *r, const char *disk, size_t dot)
{
	static const char *const exts[] = { "jpg", "jpeg", "png", "gif", "webp", "JPG", "JPEG",
					    "PNG", "GIF", "WEBP", "jpe", "bmp" };
	const char *slash = strrchr(disk, '/');
	size_t dlen = slash ? (size_t)(slash - disk) : 0;
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	int shared = 0, listed;

	/* the folder: "." for a bare name, "/" for one in the root */
	if (slash ? strbuf_add(&p, disk, dlen ? dlen : 1) : strbuf_addch(&p, '.'))
		return 0;
	listed = r->names_dir && !strcmp(r->names_dir, p.buf) ? 1 : !load_names(r, p.buf);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]) && !shared; i++) {
		strbuf_reset(&p);
		if (strbuf_add(&p, disk, dot + 1) || strbuf_addstr(&p, exts[i]))
			break;
		if (!strcmp(p.buf, disk))
			continue;
		if (listed) {
			const char *base = p.buf + (slash ? dlen + 1 : 0);

			shared = bsearch(&base, r->names, r->nnames, sizeof(*r->names), cmp_name) != NULL;
		} else {
			shared = !lstat(p.buf, &st);
		}
	}
	strbuf_release(&p);
	return shared;
}

/* A file of that name that winnow did not make from this source is never
 * overwritten: the sample fails. */
int ag_name_sample(struct ag_run *r, struct ag_job *j, uint32_t k, struct ag_out *s,
		   struct wn_err *err)
{
	const char *rel = j->src.rel, *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;
	const char *dot = strrchr(base, '.');
	struct strbuf out = STRBUF_INIT, cpath = STRBUF_INIT, owner = STRBUF_INIT;
	char recipe[200];
	struct derivation d = { j->src.path, j->src.size, j->src.mtime_ns, recipe, NULL };
	struct stat st;
	int ret = -1, found;
	size_t stem = dot && dot > base ? (size_t)(dot - rel) : strlen(rel);

	if (dot && dot > base && stem_shared(r, j->src.disk, strlen(j->src.disk) - strlen(dot)))
		stem = strlen(rel);
	if (strbuf_add(&out, rel, stem) ||
	    strbuf_addf(&out, "_%u.%s", k, ag_extension(r->o.format)) ||
	    catalog_rel_path(r->cat, r->out_real, out.buf, &cpath)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	s->k = k;
	s->path = strbuf_detach(&cpath);
	strbuf_reset(&cpath);
	strbuf_addf(&cpath, "%s/%s", r->out_dir, out.buf);
	s->disk = strbuf_detach(&cpath);
	if (!s->path || !s->disk) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	ret = 0;
	if (lstat(s->disk, &st))
		goto done;  /* a new name */
	ag_recipe(&r->o, k, recipe, sizeof(recipe));
	ret = derived_is_current(r->cat, s->path, st.st_size, derive_mtime_ns(&st), &d, err);
	if (ret)
		goto done;  /* made already, or an error */
	found = derived_source_of(r->cat, s->path, &owner, err);
	if (found < 0) {
		ret = -1;
	} else if (!found || strcmp(owner.buf, j->src.path)) {
		wn_fail(&s->err, WN_EIO, "%s: exists and was not made from %s; not overwritten",
			s->disk, j->src.disk);
		ret = 2;
	}
done:
	strbuf_release(&out);
	strbuf_release(&cpath);
	strbuf_release(&owner);
	return ret;
}
