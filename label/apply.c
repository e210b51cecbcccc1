/* label apply: carry out a review's decisions. Relabelled files move to
 * their new class folder (never over a file: a clash gets a new name),
 * deleted ones are deleted or moved to --trash. Every act is journaled
 * (catalog/journal.h), in batches: planned and committed before it, then done
 * (the catalog follows) with its decision marked applied in the same
 * transaction, so a second run does nothing and a killed one is settled by
 * the next writer. A catalog row is input like any other (catalogs
 * travel: db merge imports shards' rows): every path an action touches is
 * resolved below the dataset root or the trash by dspath_resolve(), and
 * only the decisions named below are carried out. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "label.h"

static const char usage[] =
	"usage: label apply [--path DIR] [--dry-run] [--trash DIR] [--db FILE]\n"
	"\n"
	"Carries out the decisions of 'label review' not yet applied: relabelled\n"
	"images move to their new class folder (a name already there gets a new\n"
	"one: x.jpg becomes x-1.jpg; nothing is overwritten), deleted images are\n"
	"deleted, or moved under --trash keeping their catalog paths. The catalog\n"
	"follows each change (a trashed image's row says quarantined). Every act is\n"
	"journaled: planned before, done after, with its decision marked applied;\n"
	"a killed run is settled by the next command that opens the catalog, and\n"
	"running apply again finishes it. Once all is applied, it does nothing.\n"
	"\n"
	"Nothing outside the dataset is touched, whatever the catalog says: each\n"
	"path is followed from DIR one folder at a time, never through a symbolic\n"
	"link or '..'. A decision is left alone, and reported, when its file\n"
	"changed since it was catalogued, lies outside DIR, is the last copy of a\n"
	"duplicate group on disk, or the decision is not keep, skip, relabel or\n"
	"delete. A relabel moves the image's class folder, the first folder below\n"
	"DIR named like its class (DIR/<class>/...), to the new class: a single\n"
	"folder name the catalog knows as a class under DIR, or a folder already\n"
	"there beside the old one.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (default: the catalog's folder)\n"
	"  -n, --dry-run     print what would be done; change nothing\n"
	"  --trash DIR       move deleted images here instead of deleting them\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label apply --dry-run\n"
	"  label apply --trash /tmp/winnow-trash\n"
	"  label apply --db meta/winnow.db --path train\n"
	"\n"
	"Exit status: 0 done; 1 some decisions could not be carried out (each\n"
	"reported); 2 bad usage; 3 fatal.\n";

struct pending {
	int64_t id;
	enum review_decision d;
	char *new_class, *path, *class_name;
};

struct pendings {
	struct pending *p;
	size_t n, cap;
};

#define BATCH 256

/* One decision of a batch: what it comes to, planned before it is done. */
enum step_kind { STEP_NONE, STEP_KEEP, STEP_ACT };

struct step {
	const struct pending *x;
	enum step_kind kind;      /* NONE: left alone (reported), or a dry run */
	const char *action;       /* "relabel", "delete", "move" (to the trash) */
	struct strbuf dest;       /* the catalog path it goes to; "" for a delete */
	struct strbuf to;         /* the same below the root (relabel) or the trash */
	int64_t event;
	int acted;
};

/* A member of a recorded duplicate group. */
struct copy {
	int64_t run, id;
	int grp;
	char *path;
};

struct applier {
	struct catalog *cat;
	int root, trash;          /* open folders; trash -1: delete (or a dry run) */
	const char *trash_arg;
	struct strbuf prefix;     /* what catalog paths under the root start with */
	struct strbuf trash_prefix; /* ... and under the trash (once it is open) */
	char **classes;           /* the catalog's classes under the root */
	size_t nclasses;
	struct copy *copies;      /* by (run, grp), as dup_groups_foreach() gives them */
	size_t ncopies;
	const struct step *batch;  /* the batch being prepared: its first nbatch */
	size_t nbatch;             /* steps hold names no other may take */
	int dry;
	int64_t run_id;
	uint64_t moved, deleted, kept, failed;
};

static int collect(const struct review *r, const char *path, const char *class_name, void *data)
{
	struct pendings *a = data;
	struct pending *x;

	if (ARRAY_GROW(a->p, a->cap, a->n, 256))
		return -2;
	x = &a->p[a->n++];
	x->id = r->image_id;
	x->d = r->decision;
	x->new_class = r->new_class ? strdup(r->new_class) : NULL;
	x->path = strdup(path);
	x->class_name = class_name ? strdup(class_name) : NULL;
	return x->path ? 0 : -2;
}

static int take_class(const char *name, void *data)
{
	struct applier *ap = data;
	char **g = realloc(ap->classes, (ap->nclasses + 1) * sizeof(*g));

	if (!g)
		return -1;
	ap->classes = g;
	return (ap->classes[ap->nclasses++] = strdup(name)) ? 0 : -1;
}

static int take_copy(int64_t run_id, int grp, int rank, int64_t image_id, const char *path,
		     const char *class_name, const char *match, void *data)
{
	struct applier *ap = data;
	struct copy *g = realloc(ap->copies, (ap->ncopies + 1) * sizeof(*g));

	(void)rank;
	(void)class_name;
	(void)match;
	if (!g)
		return -1;
	ap->copies = g;
	g[ap->ncopies] = (struct copy){ run_id, image_id, grp, strdup(path) };
	return g[ap->ncopies++].path ? 0 : -1;
}

/* One line on a decision left alone; the run goes on. */
static int left_alone(struct applier *ap, const char *path, const char *why)
{
	struct strbuf disk = STRBUF_INIT, cause = STRBUF_INIT;

	if (catalog_disk_path(ap->cat, path, &disk) || strbuf_addf(&cause, "%s; left alone", why))
		cli_file_error(path, why);
	else
		cli_file_error(disk.buf, cause.buf);
	strbuf_release(&disk);
	strbuf_release(&cause);
	ap->failed++;
	return 0;
}

/* The part of catalog path `path` below the root, or NULL outside it. */
static const char *below_root(const struct applier *ap, const char *path)
{
	const char *rel = path + ap->prefix.len;

	if (strncmp(path, ap->prefix.buf, ap->prefix.len) || !strncmp(rel, "../", 3))
		return NULL;
	return rel;
}

/* Whether the file at rel (below the root) is there as a regular file. */
static int on_disk(const struct applier *ap, const char *rel)
{
	struct dspath p = DSPATH_INIT;
	struct stat st;
	int there = rel && !dspath_resolve(ap->root, rel, 0, &p, NULL) && !dspath_stat(&p, &st) &&
		    S_ISREG(st.st_mode);

	dspath_release(&p);
	return there;
}

/* Whether deleting image id would leave one of its duplicate groups with
 * no copy on disk (below the root), whatever the catalog says. A group's
 * members are next to each other in copies. */
static int last_copy(const struct applier *ap, int64_t id)
{
	for (size_t i = 0; i < ap->ncopies; i++) {
		const struct copy *c = &ap->copies[i];
		size_t a = i, b = i + 1;
		int other = 0;

		if (c->id != id)
			continue;
		while (a > 0 && ap->copies[a - 1].run == c->run && ap->copies[a - 1].grp == c->grp)
			a--;
		while (b < ap->ncopies && ap->copies[b].run == c->run && ap->copies[b].grp == c->grp)
			b++;
		for (size_t k = a; k < b && !other; k++)
			other = ap->copies[k].id != id &&
				on_disk(ap, below_root(ap, ap->copies[k].path));
		if (!other)
			return 1;
	}
	return 0;
}

/* Whether a step of the batch being prepared goes to catalog path dest. */
static int taken_in_batch(const struct applier *ap, const char *dest)
{
	for (size_t i = 0; i < ap->nbatch; i++)
		if (ap->batch[i].kind == STEP_ACT && !strcmp(ap->batch[i].dest.buf, dest))
			return 1;
	return 0;
}

/* name, name-1, name-2, ... in folder d: the first free on disk and, with
 * catalog_dir (the catalog path of the folder, '/'-ended), that no catalog
 * row holds (a deleted image keeps its row and path) and no earlier step
 * of the batch goes to. d -1: a folder not made yet (a dry run), where
 * every name is free on disk. */
static int free_name(const struct applier *ap, int d, const char *want, const char *catalog_dir,
		     struct strbuf *out)
{
	const char *dot = strrchr(want, '.');
	struct strbuf held = STRBUF_INIT;
	struct image_stamp st;
	struct stat sb;
	int ret = -1;

	if (!dot || dot == want)
		dot = want + strlen(want);
	for (int k = 0; k < 10000 && ret; k++) {
		strbuf_reset(out);
		strbuf_reset(&held);
		if (k ? strbuf_add(out, want, (size_t)(dot - want)) || strbuf_addf(out, "-%d%s", k, dot)
		      : strbuf_addstr(out, want))
			break;
		if (!dspath_name_ok(out->buf, out->len))
			break;
		if (d >= 0 && !(fstatat(d, out->buf, &sb, AT_SYMLINK_NOFOLLOW) && errno == ENOENT))
			continue;
		if (catalog_dir && (strbuf_addf(&held, "%s%s", catalog_dir, out->buf) ||
				    images_stamp(ap->cat, held.buf, &st, NULL) != 0 ||
				    taken_in_batch(ap, held.buf)))
			continue;
		ret = 0;
	}
	strbuf_release(&held);
	return ret;
}

/* Where the image's class folder starts in rel: the first folder named
 * like its class. -1 when there is none. */
static long class_folder(const char *rel, const char *class_name)
{
	size_t n = strlen(class_name);

	for (const char *p = rel, *slash; (slash = strchr(p, '/')); p = slash + 1)
		if ((size_t)(slash - p) == n && !memcmp(p, class_name, n))
			return p - rel;
	return -1;
}

/* Whether cls may be relabelled to beside the folder `parent` (below the
 * root, "" or '/'-ended): one safe folder name, and a class the catalog
 * knows under the root or a folder already there. */
static int class_allowed(const struct applier *ap, const char *parent, const char *cls)
{
	struct strbuf rel = STRBUF_INIT;
	struct dspath p = DSPATH_INIT;
	struct stat st;
	int ok = 0;

	if (!cls || !dspath_name_ok(cls, strlen(cls)))
		return 0;
	for (size_t i = 0; i < ap->nclasses && !ok; i++)
		ok = !strcmp(ap->classes[i], cls);
	if (!ok && !strbuf_addf(&rel, "%s%s", parent, cls) &&
	    !dspath_resolve(ap->root, rel.buf, 0, &p, NULL) && !dspath_stat(&p, &st))
		ok = S_ISDIR(st.st_mode);
	dspath_release(&p);
	strbuf_release(&rel);
	return ok;
}

static void print_plan(const struct applier *ap, const char *what, const char *from,
		       const char *to_catalog, const char *to_disk)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	catalog_disk_path(ap->cat, from, &a);
	if (to_catalog)
		catalog_disk_path(ap->cat, to_catalog, &b);
	else if (to_disk)
		strbuf_addstr(&b, to_disk);
	printf("%s\t%s%s%s\n", what, a.buf ? a.buf : "", b.len ? "\t" : "", b.len ? b.buf : "");
	strbuf_release(&a);
	strbuf_release(&b);
}

/* s is to be carried out: action, to dest (a catalog path; "" for a
 * delete), that is to `to` below the root (relabel) or the trash (move).
 * A dry run prints it and counts it as done. */
static int take_step(struct applier *ap, struct step *s, const char *action, const char *dest,
		     const char *to, const char *to_disk, struct wn_err *err)
{
	int relabel = !strcmp(action, "relabel");

	print_plan(ap, relabel ? "relabel" : *to ? "trash" : "delete", s->x->path,
		   relabel ? dest : NULL, to_disk);
	if (ap->dry) {
		if (relabel)
			ap->moved++;
		else
			ap->deleted++;
		return 0;
	}
	if (strbuf_addstr(&s->dest, dest) || strbuf_addstr(&s->to, to))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	s->kind = STEP_ACT;
	s->action = action;
	return 0;
}

/* A relabel: where the file at rel (below the root) goes in its new
 * class folder, under a name free on disk and in the catalog. */
static int plan_relabel(struct applier *ap, struct step *s, const char *rel, struct wn_err *err)
{
	const struct pending *x = s->x;
	struct strbuf want = STRBUF_INIT, name = STRBUF_INIT, cat_dir = STRBUF_INIT;
	struct dspath dst = DSPATH_INIT;
	struct wn_err e = { 0 };
	long at = x->class_name ? class_folder(rel, x->class_name) : -1;
	const char *slash;
	int ret = 0;

	if (at < 0)
		return left_alone(ap, x->path, "not in a folder named like its class");
	if (strbuf_add(&want, rel, (size_t)at) || !x->new_class)
		goto refused;
	if (!class_allowed(ap, want.buf, x->new_class))
		goto refused;
	if (strbuf_addstr(&want, x->new_class) ||
	    strbuf_addstr(&want, rel + at + strlen(x->class_name)))
		goto oom;
	if (dspath_resolve(ap->root, want.buf, ap->dry ? 0 : DSPATH_MKDIRS, &dst, &e) &&
	    !(ap->dry && errno == ENOENT)) {
		ret = left_alone(ap, x->path, wn_err_cause(&e, want.buf));
		goto out;
	}
	slash = strrchr(want.buf, '/');
	if (strbuf_add(&cat_dir, ap->prefix.buf, ap->prefix.len) ||
	    strbuf_add(&cat_dir, want.buf, (size_t)(slash - want.buf) + 1))
		goto oom;
	if (free_name(ap, dst.dir, slash + 1, cat_dir.buf, &name)) {
		ret = left_alone(ap, x->path, "no free name in its new folder");
		goto out;
	}
	strbuf_setlen(&want, (size_t)(slash - want.buf) + 1);
	if (strbuf_addstr(&want, name.buf) || strbuf_addstr(&cat_dir, name.buf))
		goto oom;
	ret = take_step(ap, s, "relabel", cat_dir.buf, want.buf, NULL, err);
	goto out;
refused:
	ret = left_alone(ap, x->path, "the new class is no folder name of this dataset's classes");
	goto out;
oom:
	ret = wn_fail(err, WN_ENOMEM, "out of memory");
out:
	dspath_release(&dst);
	strbuf_release(&want);
	strbuf_release(&name);
	strbuf_release(&cat_dir);
	return ret;
}

/* A delete: the file unlinked, or moved under the trash at its catalog
 * path (leading ".." parts dropped), under a name free there. */
static int plan_delete(struct applier *ap, struct step *s, struct wn_err *err)
{
	const struct pending *x = s->x;
	struct strbuf want = STRBUF_INIT, name = STRBUF_INIT, dest = STRBUF_INIT;
	struct strbuf disk = STRBUF_INIT;
	struct dspath dst = DSPATH_INIT;
	struct wn_err e = { 0 };
	const char *tp = x->path, *slash;
	size_t dir;
	int ret = 0;

	if (last_copy(ap, x->id))
		return left_alone(ap, x->path, "the last copy of its duplicate group");
	if (!ap->trash_arg)
		return take_step(ap, s, "delete", "", "", NULL, err);
	while (!strncmp(tp, "../", 3))
		tp += 3;
	if (strbuf_addstr(&want, tp))
		goto oom;
	if (ap->trash >= 0 && dspath_resolve(ap->trash, want.buf, ap->dry ? 0 : DSPATH_MKDIRS, &dst,
					     &e) && !(ap->dry && errno == ENOENT)) {
		ret = left_alone(ap, x->path, wn_err_cause(&e, want.buf));
		goto out;
	}
	slash = strrchr(want.buf, '/');
	dir = slash ? (size_t)(slash - want.buf) + 1 : 0;
	/* The trash's catalog path: unknown only for a dry run's trash not
	 * made yet, where no row can hold a name either. */
	if ((ap->trash >= 0 && (strbuf_add(&dest, ap->trash_prefix.buf, ap->trash_prefix.len) ||
				strbuf_add(&dest, want.buf, dir))))
		goto oom;
	if (free_name(ap, dst.dir, want.buf + dir, ap->trash >= 0 ? dest.buf : NULL, &name)) {
		ret = left_alone(ap, x->path, "no free name in the trash");
		goto out;
	}
	strbuf_setlen(&want, dir);
	if (strbuf_addstr(&want, name.buf) || strbuf_addstr(&dest, name.buf) ||
	    strbuf_addf(&disk, "%s/%s", ap->trash_arg, want.buf))
		goto oom;
	ret = take_step(ap, s, "move", dest.buf, want.buf, disk.buf, err);
	goto out;
oom:
	ret = wn_fail(err, WN_ENOMEM, "out of memory");
out:
	dspath_release(&dst);
	strbuf_release(&want);
	strbuf_release(&name);
	strbuf_release(&dest);
	strbuf_release(&disk);
	return ret;
}

/* Whether the file at p is the one catalogued at path: a regular file of
 * the size and mtime its row holds. why: how it differs. */
static int unchanged(struct applier *ap, const char *path, const struct dspath *p,
		     const char **why, struct wn_err *err)
{
	struct image_stamp st;
	struct stat sb;
	int r = images_stamp(ap->cat, path, &st, err);

	if (r < 0)
		return -1;
	*why = "changed since it was catalogued";
	if (dspath_stat(p, &sb)) {
		if (errno == ENOENT)
			*why = "gone since it was reviewed";
		return 0;
	}
	if (S_ISLNK(sb.st_mode))
		*why = "a symbolic link";
	return r == 1 && S_ISREG(sb.st_mode) && sb.st_size == st.size &&
	       (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec == st.mtime_ns;
}

/*
 * prepare() : what decision s->x comes to: kept (STEP_KEEP), an act with
 * its destination chosen (STEP_ACT), or left alone with a line saying why
 * (STEP_NONE, counted in failed). Touches no file but the folders a
 * destination needs. @return 0, or -1 with err set (stop).
 */
static int prepare(struct applier *ap, struct step *s, struct wn_err *err)
{
	const struct pending *x = s->x;
	struct dspath src = DSPATH_INIT;
	struct wn_err e = { 0 };
	const char *rel, *why;
	int ret, same;

	switch (x->d) {
	case REVIEW_RELABEL:
		if (!x->new_class || !x->class_name || strcmp(x->new_class, x->class_name))
			break;
		/* to its own class: kept */
		/* fall through */
	case REVIEW_KEEP:
	case REVIEW_SKIP:
		ap->kept++;
		s->kind = ap->dry ? STEP_NONE : STEP_KEEP;
		return 0;
	case REVIEW_DELETE:
		break;
	default:
		return left_alone(ap, x->path, "an unknown decision in the catalog");
	}
	rel = below_root(ap, x->path);
	if (!rel)
		return left_alone(ap, x->path, "outside the dataset (give --path its root)");
	if (dspath_resolve(ap->root, rel, 0, &src, &e))
		return left_alone(ap, x->path, errno == ENOENT ? "gone since it was reviewed"
					       : wn_err_cause(&e, rel));
	same = unchanged(ap, x->path, &src, &why, err);
	if (same < 0)
		ret = -1;
	else if (!same)
		ret = left_alone(ap, x->path, why);
	else if (x->d == REVIEW_RELABEL)
		ret = plan_relabel(ap, s, rel, err);
	else
		ret = plan_delete(ap, s, err);
	dspath_release(&src);
	return ret;
}

/*
 * act() : carries out planned step s, checking again right before it that
 * the file is the one catalogued (and, for a delete or a move to the
 * trash, not the last copy of its group: an earlier step may have taken
 * the others). Sets s->acted, or reports why not.
 * @return 0, or -1 with err set when the catalog failed.
 */
static int act(struct applier *ap, struct step *s, struct wn_err *err)
{
	const struct pending *x = s->x;
	struct dspath src = DSPATH_INIT, dst = DSPATH_INIT;
	struct wn_err e = { 0 };
	int relabel = !strcmp(s->action, "relabel"), same;
	const char *why;

	if (dspath_resolve(ap->root, below_root(ap, x->path), 0, &src, &e))
		return left_alone(ap, x->path, errno == ENOENT ? "gone since it was reviewed"
					       : wn_err_cause(&e, x->path));
	same = unchanged(ap, x->path, &src, &why, err);
	if (same <= 0) {
		dspath_release(&src);
		return same < 0 ? -1 : left_alone(ap, x->path, why);
	}
	if (!relabel && last_copy(ap, x->id))
		why = "the last copy of its duplicate group";
	else if (!strcmp(s->action, "delete"))
		why = unlinkat(src.dir, src.name, 0) ? strerror(errno) : NULL;
	else if (dspath_resolve(relabel ? ap->root : ap->trash, s->to.buf, DSPATH_MKDIRS, &dst, &e))
		why = wn_err_cause(&e, s->to.buf);
	else
		why = move_at(src.dir, src.name, dst.dir, dst.name, &e) ? e.msg : NULL;
	dspath_release(&src);
	dspath_release(&dst);
	if (why)
		return left_alone(ap, x->path, why);
	s->acted = 1;
	if (relabel)
		ap->moved++;
	else
		ap->deleted++;
	cli_test_kill_point();
	return 0;
}

/* Records the batch's acts as planned, committed before any of them. */
static int plan_batch(struct applier *ap, struct step *b, size_t n, struct wn_err *err)
{
	if (catalog_begin(ap->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct pending *x = b[i].x;
		struct journal_act a = { x->id, b[i].action, x->path, NULL, NULL, "label review" };

		if (b[i].kind != STEP_ACT)
			continue;
		if (b[i].dest.len)
			a.dest = b[i].dest.buf;
		if (!strcmp(b[i].action, "relabel"))
			a.dest_class = x->new_class;
		if (journal_plan(ap->cat, ap->run_id, &a, &b[i].event, err)) {
			catalog_rollback(ap->cat);
			return -1;
		}
	}
	return catalog_commit(ap->cat, err);
}

/* The outcome of the batch, one transaction: each act done (the image row
 * follows) or dropped, and each decision carried out or kept marked
 * applied with it. */
static int settle_batch(struct applier *ap, const struct step *b, size_t n, struct wn_err *err)
{
	if (catalog_begin(ap->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int bad = 0;

		if (b[i].kind == STEP_ACT && !b[i].acted)
			bad = journal_drop(ap->cat, b[i].event, err);
		else if (b[i].kind == STEP_ACT)
			bad = journal_done(ap->cat, b[i].event, err) ||
			      reviews_mark_applied(ap->cat, b[i].x->id, err);
		else if (b[i].kind == STEP_KEEP)
			bad = reviews_mark_applied(ap->cat, b[i].x->id, err);
		if (bad) {
			catalog_rollback(ap->cat);
			return -1;
		}
	}
	return catalog_commit(ap->cat, err);
}

/* One batch: every decision's destination chosen, the acts planned and
 * committed, carried out, then settled. A kill anywhere leaves plans
 * that the next writer settles from the disk (catalog/journal.h). */
static int apply_batch(struct applier *ap, struct step *b, size_t n, struct wn_err *err)
{
	struct wn_err later = { 0 };
	int stop = 0;

	ap->batch = b;
	for (ap->nbatch = 0; ap->nbatch < n; ap->nbatch++)
		if (prepare(ap, &b[ap->nbatch], err))
			return -1;
	if (ap->dry)
		return 0;
	if (plan_batch(ap, b, n, err))
		return -1;
	for (size_t i = 0; i < n && !stop; i++)
		if (b[i].kind == STEP_ACT)
			stop = act(ap, &b[i], err);
	/* What was done is recorded even when the catalog failed midway. */
	if (settle_batch(ap, b, n, stop ? &later : err))
		return -1;
	return stop ? -1 : 0;
}

/* Every pending decision, BATCH at a time. @return 0, or -1 with err set. */
static int apply_all(struct applier *ap, const struct pendings *a, struct wn_err *err)
{
	struct step *steps = calloc(BATCH, sizeof(*steps));
	int ret = 0;

	if (!steps)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < BATCH; i++) {
		strbuf_init(&steps[i].dest);
		strbuf_init(&steps[i].to);
	}
	for (size_t at = 0; at < a->n && !ret; at += BATCH) {
		size_t k = a->n - at < BATCH ? a->n - at : BATCH;

		for (size_t i = 0; i < k; i++) {
			strbuf_reset(&steps[i].dest);
			strbuf_reset(&steps[i].to);
			steps[i] = (struct step){ &a->p[at + i], STEP_NONE, NULL, steps[i].dest,
						  steps[i].to, 0, 0 };
		}
		ret = apply_batch(ap, steps, k, err);
	}
	for (size_t i = 0; i < BATCH; i++) {
		strbuf_release(&steps[i].dest);
		strbuf_release(&steps[i].to);
	}
	free(steps);
	return ret;
}

/* The root, its catalog prefix, the classes and groups under it, the trash. */
static int applier_open(struct applier *ap, const char *root, const char *trash,
			struct wn_err *err)
{
	const char *dir = root ? root : catalog_dir(ap->cat);

	if (catalog_rel_prefix(ap->cat, dir, &ap->prefix, err))
		return -1;
	ap->root = dspath_open_root(dir, 0, err);
	if (ap->root < 0)
		return -1;
	if (images_classes(ap->cat, ap->prefix.len ? ap->prefix.buf : NULL, take_class, ap, err) ||
	    dup_groups_foreach(ap->cat, NULL, 0, take_copy, ap, err))
		return err->code ? -1 : wn_fail(err, WN_ENOMEM, "out of memory");
	ap->trash_arg = trash;
	if (trash) {
		ap->trash = dspath_open_root(trash, !ap->dry, err);
		if (ap->trash < 0 && !(ap->dry && errno == ENOENT))
			return -1;
		/* Where a trashed file goes, as a catalog path: the journal's
		 * recovery finds it there ("../trash/..." when outside). */
		if (ap->trash >= 0 && catalog_rel_prefix(ap->cat, trash, &ap->trash_prefix, err))
			return -1;
	}
	return 0;
}

static void applier_release(struct applier *ap)
{
	if (ap->root >= 0)
		close(ap->root);
	if (ap->trash >= 0)
		close(ap->trash);
	strbuf_release(&ap->prefix);
	strbuf_release(&ap->trash_prefix);
	for (size_t i = 0; i < ap->nclasses; i++)
		free(ap->classes[i]);
	free(ap->classes);
	for (size_t i = 0; i < ap->ncopies; i++)
		free(ap->copies[i].path);
	free(ap->copies);
}

/* The decisions of label review not applied yet, under any root. */
static int gather_pending(struct applier *ap, struct pendings *a, struct wn_err *err)
{
	int r = reviews_pending(ap->cat, collect, a, err);

	if (r == -2)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return r ? -1 : 0;
}

/* The run's row and journal, for all but a dry run. */
static int start_run(struct applier *ap, int argc, char **argv, struct wn_err *err)
{
	if (ap->dry)
		return 0;
	if (run_begin(ap->cat, "label apply", argc, argv, &ap->run_id, err) ||
	    journal_start(ap->cat, ap->run_id, err))
		return -1;
	return 0;
}

static void print_summary(const struct applier *ap, const struct pendings *a)
{
	fprintf(stderr, "label apply: %zu decisions: %" PRIu64 " relabelled, %" PRIu64 " %s, %"
		PRIu64 " kept or skipped, %" PRIu64 " left alone%s\n", a->n, ap->moved, ap->deleted,
		ap->trash_arg ? "moved to the trash" : "deleted", ap->kept, ap->failed,
		ap->dry ? " (--dry-run: nothing changed)" : "");
}

/* Closes the run's row (when one was begun) with rc and the counts.
 * @return rc, or EXIT_FATAL when that failed (reported). */
static int finish_run(struct applier *ap, const struct pendings *a, int rc, struct wn_err *err)
{
	char counts[200];

	snprintf(counts, sizeof(counts), "{\"decisions\":%zu,\"relabelled\":%" PRIu64 ",\"deleted\":%"
		 PRIu64 ",\"kept\":%" PRIu64 ",\"failed\":%" PRIu64 "}", a->n, ap->moved, ap->deleted,
		 ap->kept, ap->failed);
	if (ap->run_id && run_finish(ap->cat, ap->run_id, rc, counts, err) && rc != EXIT_FATAL)
		rc = cli_fatal(err);
	return rc;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "trash", required_argument, NULL, 't' },
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct pendings a = { 0 };
	struct applier ap = { .root = -1, .trash = -1, .prefix = STRBUF_INIT,
			      .trash_prefix = STRBUF_INIT };
	struct wn_err err = { 0 };
	struct cli_options co;
	const char *trash = NULL;
	int rc = EXIT_FATAL, c;

	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "nh", opts)) >= 0) {
		if (c == 'n')
			ap.dry = 1;
		else
			trash = optarg;
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, 0))
		return co.status;
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &ap.cat, &err))
		goto fail;
	cli_note_recovery(ap.cat);
	if (applier_open(&ap, co.path, trash, &err) || gather_pending(&ap, &a, &err) ||
	    start_run(&ap, argc, argv, &err) || apply_all(&ap, &a, &err))
		goto fail;
	print_summary(&ap, &a);
	rc = ap.failed ? EXIT_PARTIAL : EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	rc = finish_run(&ap, &a, rc, &err);
	for (size_t i = 0; i < a.n; i++) {
		free(a.p[i].new_class);
		free(a.p[i].path);
		free(a.p[i].class_name);
	}
	free(a.p);
	applier_release(&ap);
	catalog_close(ap.cat);
	return rc;
}
