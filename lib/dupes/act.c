/* Deleting and moving duplicates, carefully: right before each one, the
 * file and its keeper must be as they were hashed, and an exact copy must
 * still equal its keeper byte for byte. Failures are reported and the run
 * goes on. Every change is journaled (catalog/journal.h): planned and committed
 * before the act, done after it, so a kill or a full disk never leaves
 * the catalog saying something the disk does not. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "internal.h"

#define BATCH 256

/* f's folder under its root, resolved one name at a time (never through
 * a symlink: a folder swapped for one since the walk is refused). On
 * failure, why says why (valid until err is reused). */
static int resolve(const struct dupes *d, const struct dupes_file *f, struct dspath *p,
		   struct wn_err *err, const char **why)
{
	if (!dspath_resolve(d->root_fd[f->root], f->rel, 0, p, err))
		return 0;
	*why = wn_err_cause(err, f->rel);
	return -1;
}

/* Whether f, at p, is still the regular file (the same inode) of the
 * size and mtime it was hashed at. On failure, why says how it differs. */
static int unchanged(const struct dupes_file *f, const struct dspath *p, const char **why,
		     struct stat *stp)
{
	struct stat st;

	if (dspath_stat(p, &st)) {
		*why = errno == ENOENT ? "vanished since it was hashed" : strerror(errno);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "no longer a regular file";
		return 0;
	}
	if (st.st_dev != f->dev || st.st_ino != f->ino || st.st_size != f->item.size ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != f->item.mtime_ns) {
		*why = "changed since it was hashed; run dedup again";
		return 0;
	}
	*stp = st;
	return 1;
}

/* The file at p opened, if it is still the inode walked as f. */
static int open_same(const struct dupes_file *f, const struct dspath *p)
{
	int fd = openat(p->dir, p->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || st.st_dev != f->dev || st.st_ino != f->ino)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when the two files hold the same bytes, 0 when not, -1 on error. */
static int same_bytes(const struct dupes_file *a, const struct dspath *pa,
		      const struct dupes_file *b, const struct dspath *pb)
{
	enum { CHUNK = 1 << 16 };
	uint8_t *x = malloc(CHUNK), *y = malloc(CHUNK);
	int fa = open_same(a, pa), fb = open_same(b, pb);
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

/* One file of a batch: planned, then acted on, then settled. */
struct pending {
	const struct dupes_group *g;
	struct dupes_file *f;
	int64_t event;
	struct strbuf dest;      /* --move-to: where it goes, under that folder */
	int acted;
};

/* Whether rel names something under the --move-to folder (through
 * no symlink; a path that cannot be resolved is refused at the move). */
static int dest_taken(const struct dupes *d, const char *rel)
{
	struct dspath p = DSPATH_INIT;
	struct stat st;
	int taken = !dspath_resolve(d->move_to_fd, rel, 0, &p, NULL) && !dspath_stat(&p, &st);

	dspath_release(&p);
	return taken;
}

/* --move-to's destination for p: its root-relative path under the
 * folder, never over another file nor another of the batch's ("~1", "~2",
 * ... appended). Fills p->dest (under the folder) and cdest (catalog
 * path). */
static int pick_dest(const struct dupes *d, struct pending *b, size_t i, struct strbuf *cdest,
		     struct wn_err *err)
{
	struct strbuf *dest = &b[i].dest;
	size_t base;
	int taken = 1;

	strbuf_reset(dest);
	if (strbuf_addstr(dest, b[i].f->rel))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	base = dest->len;
	for (int k = 1; taken; k++) {
		taken = dest_taken(d, dest->buf);
		for (size_t j = 0; j < i && !taken; j++)
			taken = !strcmp(b[j].dest.buf, dest->buf);
		if (!taken)
			break;
		strbuf_setlen(dest, base);
		if (strbuf_addf(dest, "~%d", k))
			return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	strbuf_reset(cdest);
	if (catalog_rel_path(d->cat, d->move_to_real, dest->buf, cdest))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return 0;
}

static void fail(struct dupes *d, struct dupes_file *f, const char *why)
{
	dupes_problem(d, f->item.disk_path, why);
	f->action = DUPES_ACT_REPORT;  /* left in place */
	d->failed_actions++;
}

/* Records the batch's acts as planned, committed before any of them. */
static int plan_batch(struct dupes *d, struct pending *b, size_t n, struct wn_err *err)
{
	struct strbuf cause = STRBUF_INIT, cdest = STRBUF_INIT;
	int ret = -1;

	if (catalog_begin(d->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct dupes_file *f = b[i].f, *keeper = &d->f[b[i].g->members[0]];
		struct journal_act a = { f->image_id, f->action == DUPES_ACT_DELETE ? "delete" : "move",
					 f->item.path, NULL, NULL, NULL };

		strbuf_reset(&cause);
		if (strbuf_addf(&cause, "%s duplicate of %s (group %d, distance %d)",
				dupes_match_name(f->match), keeper->item.path,
				f->group, f->distance)) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
		a.cause = cause.buf;
		if (f->action == DUPES_ACT_MOVE) {
			if (pick_dest(d, b, i, &cdest, err))
				goto out;
			a.dest = cdest.buf;
		}
		if (journal_plan(d->cat, d->run_id, &a, &b[i].event, err))
			goto out;
	}
	ret = catalog_commit(d->cat, err);
out:
	if (ret)
		catalog_rollback(d->cat);
	strbuf_release(&cause);
	strbuf_release(&cdest);
	return ret;
}

/* The move itself: into the --move-to folder, made on the way, never
 * through a symlink there. */
static int move_aside(struct dupes *d, const struct dspath *from, const struct pending *p,
		      struct strbuf *why)
{
	struct dspath to = DSPATH_INIT;
	struct wn_err err;
	int rc;

	if (dspath_resolve(d->move_to_fd, p->dest.buf, DSPATH_MKDIRS, &to, &err)) {
		strbuf_addf(why, "not moved: %s/%s", d->opt.move_to, err.msg);
		return -1;
	}
	rc = move_at(from->dir, from->name, to.dir, to.name, &err);
	if (rc)
		strbuf_addstr(why, err.msg);
	dspath_release(&to);
	return rc;
}

/* The checks, then the act, on the folders resolved once. */
static void act_checked(struct dupes *d, struct pending *p, const struct dspath *fp,
			const struct dspath *kp)
{
	struct dupes_file *f = p->f, *keeper = &d->f[p->g->members[0]];
	struct strbuf why = STRBUF_INIT;
	struct stat st;
	const char *cause;

	if (!unchanged(keeper, kp, &cause, &st)) {
		fail(d, f, "not touched: its keeper changed or vanished");
		return;
	}
	if (!unchanged(f, fp, &cause, &st)) {
		fail(d, f, cause);
		return;
	}
	if (p->g->match == DUPES_EXACT && same_bytes(f, fp, keeper, kp) != 1) {
		fail(d, f, "not touched: its bytes differ from its keeper's");
		return;
	}
	if (f->action == DUPES_ACT_DELETE ? unlinkat(fp->dir, fp->name, 0) != 0
				    : move_aside(d, fp, p, &why) != 0) {
		fail(d, f, f->action == DUPES_ACT_DELETE ? strerror(errno) : why.buf);
		strbuf_release(&why);
		return;
	}
	p->acted = 1;
	d->acted++;
	/* Another name of the file stays (outside the roots): nothing freed. */
	if (st.st_nlink == 1)
		d->acted_bytes += (uint64_t)f->item.size;
	if (d->opt.after_act)
		d->opt.after_act();
}

/* Carries out one planned act; on success the catalog follows later. */
static void act_on(struct dupes *d, struct pending *p)
{
	struct dupes_file *f = p->f, *keeper = &d->f[p->g->members[0]];
	struct dspath fp = DSPATH_INIT, kp = DSPATH_INIT;
	struct wn_err err;
	const char *why;

	if (d->opt.before_act)
		d->opt.before_act();
	if (resolve(d, f, &fp, &err, &why))
		fail(d, f, why);
	else if (resolve(d, keeper, &kp, &err, &why))
		fail(d, f, "not touched: its keeper changed or vanished");
	else
		act_checked(d, p, &fp, &kp);
	dspath_release(&fp);
	dspath_release(&kp);
}

static int settle_batch(struct dupes *d, struct pending *b, size_t n, struct wn_err *err)
{
	if (catalog_begin(d->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (b[i].acted ? journal_done(d->cat, b[i].event, err)
			       : journal_drop(d->cat, b[i].event, err)) {
			catalog_rollback(d->cat);
			return -1;
		}
	return catalog_commit(d->cat, err);
}

/* The members to act on, exact groups first: their copies go while their
 * keeper, which a near group may remove next, still exists to compare
 * against. */
static size_t collect(struct dupes *d, struct pending *b)
{
	size_t n = 0;

	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		for (size_t i = 1; i < grp->n; i++) {
			struct dupes_file *f = &d->f[grp->members[i]];

			if ((f->action != DUPES_ACT_DELETE && f->action != DUPES_ACT_MOVE) || f->group != (int)g + 1)
				continue;
			b[n].g = grp;
			b[n].f = f;
			strbuf_init(&b[n].dest);
			n++;
		}
	}
	return n;
}

/* The --move-to folder (the user's: followed), made if missing, opened
 * as the root of every move. */
static int prepare_move_to(struct dupes *d, struct wn_err *err)
{
	d->move_to_fd = dspath_open_root(d->opt.move_to, 1, err);
	if (d->move_to_fd < 0)
		return -1;
	if (!(d->move_to_real = realpath(d->opt.move_to, NULL)))
		return wn_fail(err, WN_EIO, "%s: %s", d->opt.move_to, strerror(errno));
	return 0;
}

int dupes_apply(struct dupes *d, struct wn_err *err)
{
	struct pending *b;
	size_t n;
	int ret = 0;

	if (d->opt.dry_run || (d->opt.action != DUPES_ACT_DELETE && d->opt.action != DUPES_ACT_MOVE))
		return 0;
	if (journal_start(d->cat, d->run_id, err) ||
	    (d->opt.action == DUPES_ACT_MOVE && prepare_move_to(d, err)))
		return -1;
	b = calloc(d->n ? d->n : 1, sizeof(*b));
	if (!b)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	n = collect(d, b);
	/* Plan a batch (committed), act on it, settle it: a failure to
	 * record the plan stops before anything is touched, and a kill in
	 * between leaves plans the next writer settles from the disk. */
	for (size_t at = 0; !ret && at < n; at += BATCH) {
		size_t k = n - at < BATCH ? n - at : BATCH;

		ret = plan_batch(d, b + at, k, err);
		for (size_t i = 0; !ret && i < k; i++)
			act_on(d, &b[at + i]);
		if (!ret)
			ret = settle_batch(d, b + at, k, err);
	}
	for (size_t i = 0; i < n; i++)
		strbuf_release(&b[i].dest);
	free(b);
	return ret;
}
