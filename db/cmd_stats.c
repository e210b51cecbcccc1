/* db stats: images and bytes per class and status. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "base/base.h"
#include "catalog/catalog.h"

static const char usage[] =
	"usage: db stats [--format text|csv|jsonl]\n"
	"\n"
	"Counts the catalogued images and their bytes per class and status\n"
	"(ok, corrupt, deleted, quarantined), with totals.\n"
	"\n"
	"Options:\n"
	"  --format F   text (default: a table), csv or jsonl: one row per class\n"
	"               and status with columns class,status,images,bytes\n"
	"  --db FILE    the catalog\n"
	"\n"
	"Examples:\n"
	"  db stats\n"
	"  db stats --format csv | column -s, -t\n";

#define NSTATUS 4

struct class_line {
	char *name;               /* NULL: files with no class */
	int64_t count[NSTATUS];
	int64_t bytes;
};

struct collected {
	struct class_line *v;
	size_t n, alloc;
	struct table table;
	enum out_format fmt;
	int oom;
};

static int same_class(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int collect(const char *class_name, enum image_status status, int64_t count,
		   int64_t bytes, void *data)
{
	struct collected *c = data;

	if (c->fmt != FMT_TEXT) {
		table_str(&c->table, class_name);
		table_str(&c->table, image_status_name(status));
		table_int(&c->table, count);
		table_int(&c->table, bytes);
		table_end_row(&c->table);
		return 0;
	}
	/* Rows arrive ordered by class: start a line when the class changes. */
	if (!c->n || !same_class(c->v[c->n - 1].name, class_name)) {
		if (ARRAY_GROW(c->v, c->alloc, c->n, 16))
			return c->oom = 1;
		memset(&c->v[c->n], 0, sizeof(c->v[0]));
		if (class_name && !(c->v[c->n].name = strdup(class_name)))
			return c->oom = 1;
		c->n++;
	}
	if ((unsigned)status < NSTATUS)
		c->v[c->n - 1].count[status] += count;
	if (status == IMAGE_OK || status == IMAGE_CORRUPT)
		c->v[c->n - 1].bytes += bytes;  /* bytes still on disk */
	return 0;
}

static void print_line(const char *name, const int64_t *count, int64_t bytes, int width)
{
	char human[32];

	cli_human_bytes((uint64_t)bytes, human, sizeof(human));
	printf("%-*s %10" PRId64 " %8" PRId64 " %8" PRId64 " %12" PRId64 " %10s\n", width, name,
	       count[0], count[1], count[2], count[3], human);
}

static void print_table(const struct collected *c)
{
	int64_t total[NSTATUS] = { 0 }, bytes = 0;
	int width = 8;

	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].name && (int)strlen(c->v[i].name) > width)
			width = (int)strlen(c->v[i].name);
	if (width > 40)
		width = 40;
	printf("%-*s %10s %8s %8s %12s %10s\n", width, "class", "ok", "corrupt", "deleted",
	       "quarantined", "bytes");
	for (size_t i = 0; i < c->n; i++) {
		struct strbuf q = STRBUF_INIT;

		if (c->v[i].name)
			quote_c(&q, c->v[i].name);
		print_line(c->v[i].name ? q.buf : "(none)", c->v[i].count, c->v[i].bytes, width);
		strbuf_release(&q);
		for (int s = 0; s < NSTATUS; s++)
			total[s] += c->v[i].count[s];
		bytes += c->v[i].bytes;
	}
	print_line("total", total, bytes, width);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_FORMAT,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cols[] = { "class", "status", "images", "bytes" };
	struct collected c = { 0 };
	struct cli_options co;
	struct catalog *cat;
	struct wn_err err;
	int rc;

	cli_options_init(&co, usage);
	if (cli_parse_options(&co, argc, argv, "h", opts, 0))
		return co.status;
	if (cli_open_catalog(co.db, CATALOG_READONLY, &cat))
		return EXIT_FATAL;
	c.fmt = co.format;
	rc = EXIT_DONE;
	if (c.fmt != FMT_TEXT)
		table_begin(&c.table, c.fmt, stdout, cols, 4);
	if (images_stats(cat, collect, &c, &err) < 0) {
		rc = cli_fatal(&err);
	} else if (c.oom) {
		cli_error("out of memory");
		rc = EXIT_FATAL;
	} else if (c.fmt == FMT_TEXT) {
		print_table(&c);
	}
	if (c.fmt != FMT_TEXT && table_end(&c.table))
		rc = EXIT_FATAL;
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].name);
	free(c.v);
	catalog_close(cat);
	return rc;
}
