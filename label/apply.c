/* label apply: carry out a review's decisions. Relabelled files move to
 * their new class folder (never over a file: a clash gets a new name),
 * deleted ones are deleted or moved to --trash, the catalog follows and
 * every change is an event; each decision is then marked applied, so a
 * second run does nothing. A catalog row is input like any other (catalogs
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
#include "core/dspath.h"
#include "core/fileio.h"
#include "db/images.h"
#include "db/reviews.h"
#include "db/runs.h"
#include "label.h"

static const char usage[] =
	"usage: label apply [--path DIR] [--dry-run] [--trash DIR] [--db FILE]\n"
	"\n"
	"Carries out the decisions of 'label review' not yet applied: relabelled\n"
	"images move to their new class folder (a name already there gets a new\n"
	"one: x.jpg becomes x-1.jpg; nothing is overwritten), deleted images are\n"
	"deleted, or moved under --trash keeping their catalog paths. The catalog\n"
	"follows each change and records it as an event. A second run does nothing.\n"
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
	char **classes;           /* the catalog's classes under the root */
	size_t nclasses;
	struct copy *copies;      /* by (run, grp), as dup_groups_foreach() gives them */
	size_t ncopies;
	int dry;
	int64_t run_id;
	uint64_t moved, deleted, kept, failed;
};

static int collect(const struct review *r, const char *path, const char *class_name, void *data)
{
	struct pendings *a = data;
	struct pending *x;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 256;
		struct pending *g = realloc(a->p, cap * sizeof(*g));

		if (!g)
			return -2;
		a->p = g;
		a->cap = cap;
	}
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
		     const char *class_name, void *data)
{
	struct applier *ap = data;
	struct copy *g = realloc(ap->copies, (ap->ncopies + 1) * sizeof(*g));

	(void)rank;
	(void)class_name;
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

/* name, name-1, name-2, ... in folder d: the first free on disk and, with
 * catalog_dir (the catalog path of the folder, '/'-ended), that no catalog
 * row holds either (a deleted image keeps its row and path). d -1: a
 * folder not made yet (a dry run), where every name is free. */
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
				    images_stamp(ap->cat, held.buf, &st, NULL) != 0))
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

/* The catalog's bookkeeping of a change made on disk. */
static int record(struct applier *ap, const struct pending *x, const char *action,
		  const char *new_path, const char *dest, struct wn_err *err)
{
	if (new_path && images_move(ap->cat, x->id, new_path, x->new_class, err))
		return -1;
	if (!new_path && images_set_status(ap->cat, x->id, IMAGE_DELETED, err))
		return -1;
	return event_add(ap->cat, ap->run_id, x->id, action, x->path, dest, "label review", err) ||
	       reviews_mark_applied(ap->cat, x->id, err) ? -1 : 0;
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

/* A relabel: the file at src (rel below the root) to its new class. */
static int relabel(struct applier *ap, const struct pending *x, const char *rel,
		   const struct dspath *src, struct wn_err *err)
{
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
	if (strbuf_addstr(&cat_dir, name.buf))
		goto oom;
	print_plan(ap, "relabel", x->path, cat_dir.buf, NULL);
	if (ap->dry) {
		ap->moved++;
		goto out;
	}
	if (move_at(src->dir, src->name, dst.dir, name.buf, &e)) {
		ret = left_alone(ap, x->path, e.msg);
		goto out;
	}
	ret = record(ap, x, "relabel", cat_dir.buf, cat_dir.buf, err);
	ap->moved += !ret;
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

/* A delete: the file at src unlinked, or moved under the trash at its
 * catalog path (leading ".." parts dropped). */
static int delete(struct applier *ap, const struct pending *x, const struct dspath *src,
		  struct wn_err *err)
{
	struct strbuf want = STRBUF_INIT, name = STRBUF_INIT, dest = STRBUF_INIT;
	struct dspath dst = DSPATH_INIT;
	struct wn_err e = { 0 };
	const char *tp = x->path, *slash;
	int ret = 0;

	if (last_copy(ap, x->id))
		return left_alone(ap, x->path, "the last copy of its duplicate group");
	if (!ap->trash_arg) {
		print_plan(ap, "delete", x->path, NULL, NULL);
		if (!ap->dry && unlinkat(src->dir, src->name, 0))
			return left_alone(ap, x->path, strerror(errno));
		ret = ap->dry ? 0 : record(ap, x, "delete", NULL, NULL, err);
		ap->deleted += !ret;
		return ret;
	}
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
	if (free_name(ap, dst.dir, slash ? slash + 1 : want.buf, NULL, &name)) {
		ret = left_alone(ap, x->path, "no free name in the trash");
		goto out;
	}
	if (strbuf_addf(&dest, "%s/", ap->trash_arg) ||
	    (slash && strbuf_add(&dest, want.buf, (size_t)(slash - want.buf) + 1)) ||
	    strbuf_addstr(&dest, name.buf))
		goto oom;
	print_plan(ap, "trash", x->path, NULL, dest.buf);
	if (ap->dry) {
		ap->deleted++;
		goto out;
	}
	if (move_at(src->dir, src->name, dst.dir, name.buf, &e)) {
		ret = left_alone(ap, x->path, e.msg);
		goto out;
	}
	ret = record(ap, x, "move", NULL, dest.buf, err);
	ap->deleted += !ret;
	goto out;
oom:
	ret = wn_fail(err, WN_ENOMEM, "out of memory");
out:
	dspath_release(&dst);
	strbuf_release(&want);
	strbuf_release(&name);
	strbuf_release(&dest);
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
 * apply_one() : carries out one decision, or leaves it alone with a line
 * saying why (counted in failed). The one place a decision touches the
 * disk: a journal wraps this call.
 * @return 0, or -1 with err set when the catalog failed (stop).
 */
static int apply_one(struct applier *ap, const struct pending *x, struct wn_err *err)
{
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
		return ap->dry ? 0 : reviews_mark_applied(ap->cat, x->id, err);
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
		ret = relabel(ap, x, rel, &src, err);
	else
		ret = delete(ap, x, &src, err);
	dspath_release(&src);
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
	for (size_t i = 0; i < ap->nclasses; i++)
		free(ap->classes[i]);
	free(ap->classes);
	for (size_t i = 0; i < ap->ncopies; i++)
		free(ap->copies[i].path);
	free(ap->copies);
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "trash", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pendings a = { 0 };
	struct applier ap = { .root = -1, .trash = -1, .prefix = STRBUF_INIT };
	struct wn_err err = { 0 };
	const char *db = NULL, *trash = NULL, *root = NULL;
	int rc = EXIT_FATAL, c, r;
	char counts[200];

	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': root = optarg; break;
		case 'n': ap.dry = 1; break;
		case 't': trash = optarg; break;
		case 'd': db = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: return cli_usage_error("see 'label apply --help'");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (catalog_open(cli_db_path(db), CATALOG_EXISTING, &ap.cat, &err) ||
	    applier_open(&ap, root, trash, &err))
		goto fail;
	r = reviews_pending(ap.cat, collect, &a, &err);
	if (r == -2) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (r)
		goto fail;
	if (!ap.dry && run_begin(ap.cat, "label apply", argc, argv, &ap.run_id, &err))
		goto fail;
	for (size_t i = 0; i < a.n; i++)
		if (apply_one(&ap, &a.p[i], &err))
			goto fail;
	fprintf(stderr, "label apply: %zu decisions: %" PRIu64 " relabelled, %" PRIu64 " %s, %"
		PRIu64 " kept or skipped, %" PRIu64 " left alone%s\n", a.n, ap.moved, ap.deleted,
		trash ? "moved to the trash" : "deleted", ap.kept, ap.failed, ap.dry ? " (--dry-run: "
		"nothing changed)" : "");
	rc = ap.failed ? EXIT_PARTIAL : EXIT_DONE;
	goto done;
fail:
	cli_error("%s", err.msg);
	rc = EXIT_FATAL;
done:
	snprintf(counts, sizeof(counts), "{\"decisions\":%zu,\"relabelled\":%" PRIu64 ",\"deleted\":%"
		 PRIu64 ",\"kept\":%" PRIu64 ",\"failed\":%" PRIu64 "}", a.n, ap.moved, ap.deleted,
		 ap.kept, ap.failed);
	if (ap.run_id && run_finish(ap.cat, ap.run_id, rc, counts, &err) && rc != EXIT_FATAL) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	}
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
