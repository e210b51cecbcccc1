/* db check: the catalog against the disk. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "base/base.h"
#include "catalog/catalog.h"

static const char usage[] =
	"usage: db check [--path DIR] [--format text|csv|jsonl]\n"
	"\n"
	"Compares the catalog with the files under DIR (default: the catalog's\n"
	"folder) and lists each difference as a row state,path,class:\n"
	"  missing    catalogued as present, but gone from the disk\n"
	"  changed    its size or modification time differs from the catalog's\n"
	"  untracked  an image file (by its magic bytes) the catalog does not know,\n"
	"             or whose row says deleted or quarantined\n"
	"  leftover   a temporary file (.NAME.winnow-tmp.RANDOM) a killed run left\n"
	"  unfinished an action a killed run planned and did not settle (the next\n"
	"             command that writes the catalog settles it)\n"
	"Paths are relative to the working directory; the class of an untracked\n"
	"file is its first-level folder under DIR. 'db scan DIR' brings the\n"
	"catalog up to date.\n"
	"\n"
	"Options:\n"
	"  --path DIR   the folder to compare (default: the catalog's folder)\n"
	"  --format F   text (default), csv or jsonl\n"
	"  --db FILE    the catalog\n"
	"\n"
	"Examples:\n"
	"  db check\n"
	"  db check --path train --format csv > drift.csv\n"
	"\n"
	"Exit status: 0 catalog and disk agree; 1 they differ or some files could\n"
	"not be read; 3 fatal.\n";

struct checker {
	struct catalog *cat;
	struct table table;
	char *dir_real;          /* realpath of DIR */
	uint64_t missing, changed, untracked, leftover, unfinished, errors;
	struct wn_err err;
};

static void emit(struct checker *c, const char *state, const char *path, const char *class_name)
{
	table_str(&c->table, state);
	table_str(&c->table, path);
	table_str(&c->table, class_name);
	table_end_row(&c->table);
}

/* Whether the catalog path lies under DIR. */
static int under_dir(struct checker *c, const char *path, int *oom)
{
	struct strbuf abs = STRBUF_INIT;
	size_t n = strlen(c->dir_real);
	int inside;

	*oom = catalog_abs_path(c->cat, path, &abs);
	inside = !*oom && !strncmp(abs.buf, c->dir_real, n) &&
		 (abs.buf[n] == '/' || (n == 1 && abs.buf[0] == '/'));
	strbuf_release(&abs);
	return inside;
}

static int check_row(const struct image_row *r, void *data)
{
	struct checker *c = data;
	struct strbuf disk = STRBUF_INIT;
	struct stat st;
	int oom;

	if (r->status != IMAGE_OK && r->status != IMAGE_CORRUPT)
		return 0;  /* deleted and quarantined rows are history */
	if (!under_dir(c, r->path, &oom))
		return oom ? -1 : 0;
	if (catalog_disk_path(c->cat, r->path, &disk)) {
		strbuf_release(&disk);
		return -1;
	}
	if (lstat(disk.buf, &st)) {
		if (errno == ENOENT || errno == ENOTDIR) {
			c->missing++;
			emit(c, "missing", disk.buf, r->class_name);
		} else {
			c->errors++;
			cli_file_error(disk.buf, strerror(errno));
		}
	} else if (st.st_size != r->size ||
		   (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != r->mtime_ns) {
		c->changed++;
		emit(c, "changed", disk.buf, r->class_name);
	}
	strbuf_release(&disk);
	return 0;
}

static int is_image_file(const char *path)
{
	uint8_t head[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n > 0 && img_sniff(head, (size_t)n) != IMG_UNKNOWN;
}

static int check_file(const struct walk_entry *e, void *data)
{
	struct checker *c = data;
	struct strbuf path = STRBUF_INIT;
	struct image_stamp s;
	int found;

	if (catalog_rel_path(c->cat, c->dir_real, e->rel, &path)) {
		strbuf_release(&path);
		return -1;
	}
	found = images_stamp(c->cat, path.buf, &s, &c->err);
	strbuf_release(&path);
	if (found < 0)
		return -1;
	if ((!found || s.status == IMAGE_DELETED || s.status == IMAGE_QUARANTINED) &&
	    is_image_file(e->path)) {
		c->untracked++;
		emit(c, "untracked", e->path, e->class_name);
	}
	return 0;
}

/* write_file_atomic()'s temporary names end ".winnow-tmp." and six
 * characters; walks skip them (hidden), so they are looked for apart. */
static int is_leftover(const char *name)
{
	const char *tag = strstr(name, ".winnow-tmp.");

	return name[0] == '.' && tag && strlen(tag) == strlen(".winnow-tmp.") + 6;
}

static struct checker *leftover_checker;  /* nftw() passes no context */

static int find_leftover(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_F && is_leftover(path + ftw->base)) {
		leftover_checker->leftover++;
		emit(leftover_checker, "leftover", path, NULL);
	}
	return 0;
}

static int report_unfinished(const char *path, const char *action, void *data)
{
	struct checker *c = data;
	struct strbuf disk = STRBUF_INIT;

	(void)action;
	if (catalog_disk_path(c->cat, path, &disk)) {
		strbuf_release(&disk);
		return -1;
	}
	c->unfinished++;
	emit(c, "unfinished", disk.buf, NULL);
	strbuf_release(&disk);
	return 0;
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct checker *c = data;

	c->errors++;
	cli_file_error(path, cause);
}

static int run_check(struct checker *c, const char *dir)
{
	struct image_filter all = { NULL, -1, NULL };
	struct walk_opts wo = { 0 };

	c->dir_real = realpath(dir, NULL);
	if (!c->dir_real)
		return wn_fail(&c->err, WN_EIO, "%s: %s", dir, strerror(errno));
	/* Every row is tested against DIR by its absolute path: DIR may hold
	 * the catalog's folder, so no one path prefix selects its rows. */
	if (images_foreach(c->cat, &all, check_row, c, &c->err))
		return -1;
	catalog_walk_opts(c->cat, &wo);
	wo.on_error = walk_problem;
	if (walk_tree(dir, &wo, check_file, c, &c->err))
		return -1;
	leftover_checker = c;
	if (nftw(dir, find_leftover, 16, FTW_PHYS))
		return wn_fail(&c->err, WN_EIO, "%s: %s", dir, strerror(errno));
	return journal_unsettled(c->cat, report_unfinished, c, &c->err) ? -1 : 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTION_FORMAT,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cols[] = { "state", "path", "class" };
	struct checker c = { 0 };
	struct strbuf here = STRBUF_INIT;
	struct cli_options co;
	const char *dir;
	int rc;

	cli_options_init(&co, usage);
	if (cli_parse_options(&co, argc, argv, "h", opts, CLI_PATH_OPERAND))
		return co.status;
	if (cli_open_catalog(co.db, CATALOG_READONLY, &c.cat))
		return EXIT_FATAL;
	dir = co.path;
	wn_err_clear(&c.err);
	table_begin(&c.table, co.format, stdout, cols, 3);
	if (!dir) {
		/* The catalog's folder, as the user would name it from here. */
		if (catalog_disk_path(c.cat, "", &here))
			wn_fail(&c.err, WN_ENOMEM, "out of memory");
		dir = here.len ? here.buf : ".";
	}
	if (c.err.code || run_check(&c, dir)) {
		cli_error("%s", c.err.msg[0] ? c.err.msg : "out of memory");
		rc = EXIT_FATAL;
	} else {
		rc = c.missing || c.changed || c.untracked || c.leftover || c.unfinished ||
		     c.errors ? EXIT_PARTIAL : EXIT_DONE;
		fprintf(stderr, "%s: %" PRIu64 " missing, %" PRIu64 " changed, %" PRIu64
			" untracked, %" PRIu64 " leftover, %" PRIu64 " unfinished%s\n", cli_prog,
			c.missing, c.changed, c.untracked, c.leftover, c.unfinished,
			c.errors ? ", some files could not be read" : "");
	}
	if (table_end(&c.table))
		rc = EXIT_FATAL;
	free(c.dir_real);
	strbuf_release(&here);
	catalog_close(c.cat);
	return rc;
}
