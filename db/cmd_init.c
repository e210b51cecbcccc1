/* db init: create the catalog, or bring an older one to this schema. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"

static const char usage[] =
	"usage: db init [--db FILE]\n"
	"\n"
	"Creates the catalog (WAL mode) or upgrades an older one in place.\n"
	"Running it again is harmless.\n"
	"\n"
	"Examples:\n"
	"  db init\n"
	"  db --db /data/nsfw/winnow.db init\n";

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options co;
	struct catalog *cat;

	cli_options_init(&co, usage);
	if (cli_parse_options(&co, argc, argv, "h", opts, 0))
		return co.status;
	if (cli_open_catalog(co.db, CATALOG_CREATE, &cat))
		return EXIT_FATAL;
	fprintf(stderr, "%s: catalog %s ready (schema %d)\n", cli_prog, catalog_file(cat),
		catalog_version(cat));
	catalog_close(cat);
	return EXIT_DONE;
}
