/* Naming resize's outputs: the source's path below OUT with the output
 * format's extension, unless that name is another source's; and whether
 * the output there is already current. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The output's path below OUT: the source's, with the output format's
 * extension; `full` keeps the source's whole name ("a.png.jpg"), which
 * is what a second source mapping to the same name gets. */
static int output_rel(const struct rs_run *r, const struct rs_job *j, int full,
		      struct strbuf *out)
{
	enum img_format f = img_transform_format(&r->tf, j->src_format);
	const char *slash = strrchr(j->src.rel, '/'), *dot = strrchr(j->src.rel, '.');

	if (r->in_place || (r->tf.format == IMG_UNKNOWN && f == j->src_format))
		return strbuf_addstr(out, j->src.rel);
	if (full || !dot || (slash && dot < slash))
		return strbuf_addf(out, "%s.%s", j->src.rel, img_format_ext(f));
	return strbuf_add(out, j->src.rel, (size_t)(dot - j->src.rel)) ||
	       strbuf_addf(out, ".%s", img_format_ext(f));
}

/* Whether another job of this batch, or the catalog, already gives the
 * output at out_path to a different source. */
static int name_taken(const struct rs_run *r, const struct rs_job *batch, size_t upto,
		      const char *out_path, const char *src, struct wn_err *err)
{
	struct strbuf owner = STRBUF_INIT;
	int found;

	for (size_t i = 0; i < upto; i++)
		if (batch[i].out_path && !strcmp(batch[i].out_path, out_path))
			return 1;
	found = derived_source_of(r->cat, out_path, &owner, err);
	if (found > 0)
		found = strcmp(owner.buf, src) != 0;
	strbuf_release(&owner);
	return found;
}

/* The format of the source rel below IN, by its magic bytes (read
 * through no symlink; unknown when it cannot be read). */
static int sniff_file(const struct rs_run *r, const char *rel)
{
	uint8_t head[16];
	struct stat st;
	int fd = dspath_open_file(r->in_root, rel, &st, NULL);
	ssize_t n = fd >= 0 ? read_full(fd, head, sizeof(head)) : 0;

	if (fd >= 0)
		close(fd);
	return img_sniff(head, n > 0 ? (size_t)n : 0);
}

/* lstat of rel below root, through no symlink. @return 0 or -1. */
static int stat_below(int root, const char *rel, struct stat *st)
{
	struct dspath p = DSPATH_INIT;
	int rc = dspath_resolve(root, rel, 0, &p, NULL) || dspath_stat(&p, st) ? -1 : 0;

	dspath_release(&p);
	return rc;
}

/* Whether a sibling of the source already has the name `rel` would give
 * it (a.png beside a.jpg, both becoming PNG): then the sibling keeps the
 * plain name and this source takes its full one ("a.jpg.png"). Decided on
 * the source folder alone, so the choice never depends on walk order. */
static int sibling_has(const struct rs_run *r, const struct rs_job *j, const char *rel)
{
	struct stat st;

	if (!strcmp(rel, j->src.rel))
		return 0;  /* that is this very source's name */
	return !stat_below(r->in_root, rel, &st);
}

int rs_name_output(const struct rs_run *r, struct rs_job *batch, size_t i, struct wn_err *err)
{
	struct rs_job *j = &batch[i];
	struct strbuf rel = STRBUF_INIT, disk = STRBUF_INIT, cpath = STRBUF_INIT;
	struct derivation d = { j->src.path, j->src.size, j->src.mtime_ns, r->recipe, NULL };
	struct stat st;
	int ret = -1, taken;

	/* With --format keep the output's name depends on the source's format,
	 * known by its magic bytes; otherwise the job finds it out. */
	j->src_format = r->tf.format == IMG_UNKNOWN ? sniff_file(r, j->src.rel) : IMG_UNKNOWN;
	for (int full = 0; full <= 1; full++) {
		strbuf_reset(&rel);
		strbuf_reset(&cpath);
		if (output_rel(r, j, full, &rel) ||
		    catalog_rel_path(r->cat, r->out_real, rel.buf, &cpath)) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
		taken = r->in_place ? 0 : sibling_has(r, j, rel.buf) ? 1 :
			name_taken(r, batch, i, cpath.buf, j->src.path, err);
		if (taken < 0)
			goto out;
		if (!taken)
			break;
	}
	if (strbuf_addf(&disk, "%s/%s", r->out_dir, rel.buf)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	j->out_disk = strbuf_detach(&disk);
	j->out_path = strbuf_detach(&cpath);
	j->out_rel = strbuf_detach(&rel);
	ret = 0;
	/* what is there now, seen through no symlink (a symlinked folder or
	 * file there is refused when the output is written) */
	if (!stat_below(r->out_root, j->out_rel, &st) && S_ISREG(st.st_mode)) {
		int64_t mt = derive_mtime_ns(&st);

		j->replaces = 1;
		/* In place, the source is the output: its own stamp is recorded. */
		ret = derived_is_current(r->cat, j->out_path, st.st_size, mt, &d, err);
	}
out:
	strbuf_release(&rel);
	strbuf_release(&disk);
	strbuf_release(&cpath);
	return ret;
}
