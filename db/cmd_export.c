/* db export: the manifest, one row per catalogued image. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "hash/hash.h"
#include "catalog/catalog.h"

static const char usage[] =
	"usage: db export [--format csv|jsonl|text] [--class C] [--status S|all]\n"
	"\n"
	"Prints one row per image with the columns\n"
	"  path,class,status,size,width,height,format,xxh3,dhash,source_url\n"
	"Paths are relative to the catalog's folder, as stored. xxh3 is the\n"
	"XXH3-128 of the file in hex (what xxhsum -H2 prints); dhash is 16 hex\n"
	"digits. Only images with status ok are listed unless --status says\n"
	"otherwise.\n"
	"\n"
	"Options:\n"
	"  --format F    csv (default), jsonl, or text (tab-separated)\n"
	"  --class C     only images of class C\n"
	"  --status S    ok (default), corrupt, deleted, quarantined or all\n"
	"  --db FILE     the catalog\n"
	"\n"
	"Examples:\n"
	"  db export > manifest.csv\n"
	"  db export --status corrupt --format text\n"
	"  db export --format jsonl --class porn | jq -r .path\n";

static int print_row(const struct image_row *r, void *data)
{
	struct table *t = data;
	char hex[FILEHASH_HEX_LEN + 1], dh[17];

	table_str(t, r->path);
	table_str(t, r->class_name);
	table_str(t, image_status_name(r->status));
	table_int(t, r->size);
	if (r->width > 0) {
		table_int(t, r->width);
		table_int(t, r->height);
	} else {
		table_str(t, NULL);
		table_str(t, NULL);
	}
	table_str(t, r->format);
	if (r->has_xxh3)
		filehash_hex(r->xxh3, hex);
	table_str(t, r->has_xxh3 ? hex : NULL);
	if (r->has_fingerprint)
		snprintf(dh, sizeof(dh), "%016llx", (unsigned long long)r->dhash);
	table_str(t, r->has_fingerprint ? dh : NULL);
	table_str(t, r->source_url);
	table_end_row(t);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_FORMAT,
		{ "class", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cols[] = { "path", "class", "status", "size", "width", "height",
					    "format", "xxh3", "dhash", "source_url" };
	struct image_filter filter = { NULL, IMAGE_OK, NULL };
	struct table t;
	struct catalog *cat;
	struct wn_err err;
	struct cli_options co;
	int ch, rc;

	cli_options_init(&co, usage);
	co.format = FMT_CSV;
	while ((ch = cli_getopt(&co, argc, argv, "h", opts)) >= 0) {
		switch (ch) {
		case 'c': filter.class_name = optarg; break;
		case 's':
			filter.status = strcmp(optarg, "all") ? image_status_parse(optarg) : -1;
			if (filter.status < 0 && strcmp(optarg, "all"))
				return cli_usage_error("--status takes ok, corrupt, deleted, "
						       "quarantined or all, not '%s'", optarg);
			break;
		}
	}
	if (ch == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, 0))
		return co.status;
	if (cli_open_catalog(co.db, CATALOG_READONLY, &cat))
		return EXIT_FATAL;
	rc = EXIT_DONE;
	table_begin(&t, co.format, stdout, cols, 10);
	if (images_foreach(cat, &filter, print_row, &t, &err) < 0)
		rc = cli_fatal(&err);
	if (table_end(&t)) {
		cli_error("cannot write the output");
		rc = EXIT_FATAL;
	}
	catalog_close(cat);
	return rc;
}
