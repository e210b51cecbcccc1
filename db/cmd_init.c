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
	int c, rc;

	cli_options_init(&co, usage);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if ((rc = cli_options_parse(&co, c, optarg)))
			return rc < 0 ? EXIT_DONE : rc;
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	rc = cli_open_catalog(co.db, CATALOG_CREATE, &cat);
	if (rc)
		return rc;
	fprintf(stderr, "%s: catalog %s ready (schema %d)\n", cli_prog, catalog_file(cat),
		catalog_version(cat));
	catalog_close(cat);
	return EXIT_DONE;
}
