/* Deleting and moving duplicates, carefully: right before each one, the
 * file and its keeper must be as they were hashed, and an exact copy must
 * still equal its keeper byte for byte. Failures are reported and the run
 * goes on. Every change is recorded as an event in the catalog. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "db/images.h"
#include "db/runs.h"
#include "dedup.h"

#define COMMIT_EVERY 256

/* Whether f is still the regular file of the size and mtime it was hashed
 * at. On failure, why says how it differs. */
static int unchanged(const struct dd_file *f, const char **why)
{
	struct stat st;

	if (lstat(f->item.disk_path, &st)) {
		*why = errno == ENOENT ? "vanished since it was hashed" : strerror(errno);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "no longer a regular file";
		return 0;
	}
	if (st.st_size != f->item.size ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != f->item.mtime_ns) {
		*why = "changed since it was hashed; run dedup again";
		return 0;
	}
	return 1;
}

/* 1 when the two files hold the same bytes, 0 when not, -1 on error. */
static int same_bytes(const char *a, const char *b)
{
	enum { CHUNK = 1 << 16 };
	uint8_t *x = malloc(CHUNK), *y = malloc(CHUNK);
	int fa = open(a, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int fb = open(b, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int ret = -1;

	if (!x || !y || fa < 0 || fb < 0)
		goto out;
	for (;;) {
		ssize_t na = read_full(fa, x, CHUNK), nb = read_full(fb, y, CHUNK);

		if (na < 0 || nb < 0)
			goto out;
		if (na != nb || memcmp(x, y, (size_t)na)) {
			ret = 0;
			goto out;
		}
		if (na < CHUNK) {
			ret = 1;
			goto out;
		}
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	free(x);
	free(y);
	return ret;
}

/* Moves f under --move-to at its root-relative path, never over another
 * file: a taken name gets "~1", "~2", ... appended. */
static int move_aside(const struct dedup *d, const struct dd_file *f, struct strbuf *dest,
		      struct wn_err *err)
{
	size_t base;
	struct stat st;

	strbuf_reset(dest);
	if (strbuf_addf(dest, "%s/%s", d->move_to, f->rel))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	base = dest->len;
	for (int k = 1; !lstat(dest->buf, &st); k++) {
		strbuf_setlen(dest, base);
		if (strbuf_addf(dest, "~%d", k))
			return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	return move_file(f->item.disk_path, dest->buf, err);
}

static void fail(struct dedup *d, struct dd_file *f, const char *why)
{
	cli_file_error(f->item.disk_path, why);
	f->action = ACT_REPORT;  /* left in place */
	d->failed_actions++;
}

/* Carries out one member's action; catalog and counts follow. */
static int act_on(struct dedup *d, const struct dd_group *g, struct dd_file *f,
		  struct strbuf *dest, struct wn_err *err)
{
	struct dd_file *keeper = &d->f[g->members[0]];
	struct strbuf cause = STRBUF_INIT;
	struct wn_err moved;
	const char *why;
	int ret = 0;

	if (!unchanged(keeper, &why)) {
		fail(d, f, "not touched: its keeper changed or vanished");
		return 0;
	}
	if (!unchanged(f, &why)) {
		fail(d, f, why);
		return 0;
	}
	if (g->match == MATCH_EXACT && same_bytes(f->item.disk_path, keeper->item.disk_path) != 1) {
		fail(d, f, "not touched: its bytes differ from its keeper's");
		return 0;
	}
	if (f->action == ACT_DELETE) {
		if (unlink(f->item.disk_path)) {
			fail(d, f, strerror(errno));
			return 0;
		}
	} else if (move_aside(d, f, dest, &moved)) {
		fail(d, f, moved.msg);
		return 0;
	}
	d->acted++;
	d->acted_bytes += (uint64_t)f->item.size;
	strbuf_addf(&cause, "%s duplicate of %s (group %d, distance %d)",
		    g->match == MATCH_EXACT ? "exact" : "near", keeper->item.path, f->group,
		    f->distance);
	if (f->image_id &&
	    images_set_status(d->cat, f->image_id,
			      f->action == ACT_DELETE ? IMAGE_DELETED : IMAGE_QUARANTINED, err))
		ret = -1;
	if (!ret && event_add(d->cat, d->run_id, f->image_id,
			      f->action == ACT_DELETE ? "delete" : "move", f->item.path,
			      f->action == ACT_MOVE ? dest->buf : NULL, cause.buf, err))
		ret = -1;
	strbuf_release(&cause);
	return ret;
}

int dd_apply(struct dedup *d, struct wn_err *err)
{
	struct strbuf dest = STRBUF_INIT;
	size_t done = 0;
	int ret = -1;

	if (d->dry_run || (d->action != ACT_DELETE && d->action != ACT_MOVE))
		return 0;
	if (catalog_begin(d->cat, err))
		return -1;
	/* Exact groups come first: their copies go while their keeper, which a
	 * near group may remove next, still exists to compare against. */
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dd_group *grp = &d->groups[g];

		for (size_t i = 1; i < grp->n; i++) {
			struct dd_file *f = &d->f[grp->members[i]];

			if ((f->action != ACT_DELETE && f->action != ACT_MOVE) || f->group != (int)g + 1)
				continue;
			if (act_on(d, grp, f, &dest, err))
				goto out;
			if (++done % COMMIT_EVERY == 0 &&
			    (catalog_commit(d->cat, err) || catalog_begin(d->cat, err)))
				goto out;
		}
	}
	ret = catalog_commit(d->cat, err);
out:
	if (ret)
		catalog_rollback(d->cat);
	strbuf_release(&dest);
	return ret;
}
