/* label apply: carry out a review's decisions. Relabelled files move to
 * their new class folder (never over a file: a clash gets a new name),
 * deleted ones are deleted or moved to --trash, the catalog follows and
 * every change is an event; each decision is then marked applied, so a
 * second run does nothing. A file that changed since it was catalogued
 * is left alone and reported. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fileio.h"
#include "db/images.h"
#include "db/reviews.h"
#include "db/runs.h"
#include "label.h"

static const char usage[] =
	"usage: label apply [--dry-run] [--trash DIR] [--db FILE]\n"
	"\n"
	"Carries out the decisions of 'label review' not yet applied: relabelled\n"
	"images move to their new class folder (a name already there gets a new\n"
	"one: x.jpg becomes x-1.jpg; nothing is overwritten), deleted images are\n"
	"deleted, or moved under --trash keeping their paths. The catalog follows\n"
	"each change and records it as an event. A second run does nothing. Files\n"
	"that changed since they were catalogued are left alone and reported.\n"
	"\n"
	"Options:\n"
	"  -n, --dry-run     print what would be done; change nothing\n"
	"  --trash DIR       move deleted images here instead of deleting them\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label apply --dry-run\n"
	"  label apply --trash /tmp/winnow-trash\n"
	"\n"
	"Exit status: 0 done; 1 some decisions could not be carried out (each\n"
	"reported); 2 bad usage; 3 fatal.\n";

struct pending {
	int64_t id;
	enum review_decision d;
	char *new_class, *path, *class_name;
};

struct apply {
	struct pending *p;
	size_t n, cap;
};

static int collect(const struct review *r, const char *path, const char *class_name, void *data)
{
	struct apply *a = data;
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

/* The catalog path with its class folder swapped: the last directory
 * component equal to the old class becomes the new one. */
static int relabelled_path(const char *path, const char *old, const char *new_class,
			   struct strbuf *out)
{
	size_t ol = strlen(old);
	const char *hit = NULL, *slash = strrchr(path, '/');

	for (const char *p = path; p && p < slash; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (!strncmp(p, old, ol) && p[ol] == '/')
			hit = p;
	if (!hit)
		return -1;
	return strbuf_add(out, path, (size_t)(hit - path)) || strbuf_addstr(out, new_class) ||
	       strbuf_addstr(out, hit + ol) ? -2 : 0;
}

/* name, name-1, name-2, ... : the first that is free on disk and, with
 * cat, that no catalog row holds either (a deleted image keeps its row
 * and path). */
static int free_name(struct catalog *cat, const char *want, struct strbuf *out)
{
	const char *slash = strrchr(want, '/'), *dot = strrchr(want, '.');
	struct stat st;

	if (!dot || (slash && dot < slash))
		dot = want + strlen(want);
	for (int k = 0; k < 10000; k++) {
		strbuf_reset(out);
		if (k ? strbuf_add(out, want, (size_t)(dot - want)) || strbuf_addf(out, "-%d%s", k, dot)
		      : strbuf_addstr(out, want))
			return -1;
		if (!(lstat(out->buf, &st) && errno == ENOENT))
			continue;
		if (cat) {
			struct strbuf rel = STRBUF_INIT;
			struct image_stamp stamp;
			struct wn_err e;
			char *here = realpath(".", NULL);
			int held = !here || catalog_rel_path(cat, here, out->buf, &rel) ||
				   images_stamp(cat, rel.buf, &stamp, &e) != 0;

			free(here);
			strbuf_release(&rel);
			if (held)
				continue;
		}
		return 0;
	}
	return -1;
}

/* A catalog path as a path under the trash: leading ../ dropped, and any
 * other .. part replaced, so it can never leave the trash. */
static int trash_path(const char *trash, const char *path, struct strbuf *out)
{
	while (!strncmp(path, "../", 3))
		path += 3;
	if (strbuf_addf(out, "%s/", trash))
		return -1;
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && !strncmp(p, "..", 2) ? strbuf_addstr(out, "__") : strbuf_add(out, p, n))
			return -1;
		if (e && strbuf_addch(out, '/'))
			return -1;
		p += n + (e ? 1 : 0);
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "trash", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct apply a = { 0 };
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	const char *db = NULL, *trash = NULL;
	int dry = 0, rc = EXIT_FATAL, c, r;
	uint64_t moved = 0, deleted = 0, kept = 0, failed = 0;
	int64_t run_id = 0;
	char counts[200];

	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 't': trash = optarg; break;
		case 'd': db = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: return cli_usage_error("see 'label apply --help'");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (catalog_open(cli_db_path(db), CATALOG_EXISTING, &cat, &err))
		goto fail;
	r = reviews_pending(cat, collect, &a, &err);
	if (r == -2) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (r)
		goto fail;
	if (!dry && run_begin(cat, "label apply", argc, argv, &run_id, &err))
		goto fail;
	for (size_t i = 0; i < a.n; i++) {
		struct pending *x = &a.p[i];
		struct strbuf src = STRBUF_INIT, want = STRBUF_INIT, dest = STRBUF_INIT;
		struct strbuf cdest = STRBUF_INIT;
		struct image_stamp st;
		struct stat sb;
		struct wn_err e = { 0 };
		int ok = 0;

		if (x->d == REVIEW_KEEP || x->d == REVIEW_SKIP) {
			kept++;
			ok = dry || !reviews_mark_applied(cat, x->id, &err) ? 1 : -1;
			goto next;
		}
		if (catalog_disk_path(cat, x->path, &src) || images_stamp(cat, x->path, &st, &err) < 0) {
			ok = -1;
			goto next;
		}
		/* unchanged since catalogued, or left alone */
		errno = 0;
		if (lstat(src.buf, &sb) || sb.st_size != st.size ||
		    (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec != st.mtime_ns) {
			cli_file_error(src.buf, errno == ENOENT ? "gone since it was reviewed; left alone"
				       : "changed since it was catalogued; left alone");
			failed++;
			goto next;
		}
		if (x->d == REVIEW_RELABEL) {
			int k;

			if (!x->new_class || !x->class_name ||
			    (k = relabelled_path(x->path, x->class_name, x->new_class, &want)) == -1) {
				cli_file_error(src.buf, "not in a class folder; left alone");
				failed++;
				goto next;
			}
			if (k || catalog_disk_path(cat, want.buf, &dest) || free_name(cat, dest.buf, &cdest)) {
				wn_fail(&err, WN_ENOMEM, "out of memory");
				ok = -1;
				goto next;
			}
			printf("relabel\t%s\t%s\n", src.buf, cdest.buf);
			if (dry) {
				moved++;
				goto next;
			}
			strbuf_reset(&want);
			if (move_file(src.buf, cdest.buf, &e)) {
				cli_file_error(src.buf, e.msg);
				failed++;
				goto next;
			}
			{
				struct strbuf rel = STRBUF_INIT;
				char *real = realpath(".", NULL);
				int bad = !real || catalog_rel_path(cat, real, cdest.buf, &rel) ||
					  images_move(cat, x->id, rel.buf, x->new_class, &err) ||
					  event_add(cat, run_id, x->id, "relabel", x->path, rel.buf,
						    "label review", &err) ||
					  reviews_mark_applied(cat, x->id, &err);

				free(real);
				strbuf_release(&rel);
				if (bad) {
					ok = -1;
					goto next;
				}
			}
			moved++;
			goto next;
		}
		/* delete, or move to the trash */
		if (trash) {
			if (trash_path(trash, x->path, &want) || free_name(NULL, want.buf, &cdest)) {
				wn_fail(&err, WN_ENOMEM, "out of memory");
				ok = -1;
				goto next;
			}
			printf("trash\t%s\t%s\n", src.buf, cdest.buf);
		} else {
			printf("delete\t%s\n", src.buf);
		}
		if (dry) {
			deleted++;
			goto next;
		}
		if (trash ? move_file(src.buf, cdest.buf, &e) : unlink(src.buf)) {
			cli_file_error(src.buf, trash ? e.msg : strerror(errno));
			failed++;
			goto next;
		}
		if (images_set_status(cat, x->id, IMAGE_DELETED, &err) ||
		    event_add(cat, run_id, x->id, trash ? "move" : "delete", x->path,
			      trash ? cdest.buf : NULL, "label review", &err) ||
		    reviews_mark_applied(cat, x->id, &err)) {
			ok = -1;
			goto next;
		}
		deleted++;
next:
		strbuf_release(&src);
		strbuf_release(&want);
		strbuf_release(&dest);
		strbuf_release(&cdest);
		if (ok < 0)
			goto fail;
	}
	fprintf(stderr, "label apply: %zu decisions: %" PRIu64 " relabelled, %" PRIu64 " %s, %"
		PRIu64 " kept or skipped, %" PRIu64 " left alone%s\n", a.n, moved, deleted,
		trash ? "moved to the trash" : "deleted", kept, failed, dry ? " (--dry-run: nothing "
		"changed)" : "");
	rc = failed ? EXIT_PARTIAL : EXIT_DONE;
	goto done;
fail:
	cli_error("%s", err.msg);
	rc = EXIT_FATAL;
done:
	snprintf(counts, sizeof(counts), "{\"decisions\":%zu,\"relabelled\":%" PRIu64 ",\"deleted\":%"
		 PRIu64 ",\"kept\":%" PRIu64 ",\"failed\":%" PRIu64 "}", a.n, moved, deleted, kept,
		 failed);
	if (run_id && run_finish(cat, run_id, rc, counts, &err) && rc != EXIT_FATAL) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	}
	for (size_t i = 0; i < a.n; i++) {
		free(a.p[i].new_class);
		free(a.p[i].path);
		free(a.p[i].class_name);
	}
	free(a.p);
	catalog_close(cat);
	return rc;
}
