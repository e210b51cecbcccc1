/* db merge: the catalogs of a job's shards into one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "catalog/catalog.h"

static const char usage[] =
	"usage: db merge A.db B.db ... --into C.db\n"
	"\n"
	"Merges the catalogs of a job run as shards (scraper, resize or label\n"
	"predict with --shard K/N on N machines) into C.db, created when missing:\n"
	"images by path (the newer row wins), what was derived, predicted,\n"
	"reviewed and grouped, URLs by URL, and every run and event. Paths are\n"
	"kept as stored, relative to the folder each catalog sat in: keep each\n"
	"shard's catalog at the same dataset root, beside C.db (a catalog from\n"
	"another folder is refused). Each source is merged in one transaction;\n"
	"merging one twice adds nothing; a source at an older schema is refused\n"
	"(upgrade it with 'db --db A.db init').\n"
	"\n"
	"Examples:\n"
	"  db merge shard1.db shard2.db shard3.db --into winnow.db\n"
	"\n"
	"Exit status: 0 merged; 2 bad usage; 3 fatal (nothing of that source kept).\n";

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "into", required_argument, NULL, 'i' },
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options co;
	const char *into = NULL;
	struct catalog *cat;
	struct wn_err err = { 0 };
	int c, rc;

	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "h", opts)) == 'i')
		into = optarg;
	if (c == CLI_OPTIONS_STOP)
		return co.status;
	if (!into)
		return cli_usage_error("into which catalog? give --into C.db");
	if (optind >= argc)
		return cli_usage_error("which catalogs? give them before --into");
	rc = cli_open_catalog(into, CATALOG_CREATE, &cat);
	if (rc)
		return rc;
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], into)) {
			catalog_close(cat);
			return cli_usage_error("%s is the catalog merged into", argv[i]);
		}
		if (catalog_merge(cat, argv[i], &err)) {
			cli_error("%s", err.msg);
			catalog_close(cat);
			return EXIT_FATAL;
		}
		fprintf(stderr, "db merge: %s merged into %s\n", argv[i], into);
	}
	catalog_close(cat);
	return EXIT_DONE;
}
