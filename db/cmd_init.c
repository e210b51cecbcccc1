/* db init: create the catalog, or bring an older one to this schema. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
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
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	struct catalog *cat;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'h')
			return fputs(usage, stdout), EXIT_DONE;
		else
			return cli_usage_error("see 'db init --help'");
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	rc = cli_open_catalog(db, CATALOG_CREATE, &cat);
	if (rc)
		return rc;
	fprintf(stderr, "%s: catalog %s ready (schema %d)\n", cli_prog, catalog_file(cat),
		catalog_version(cat));
	catalog_close(cat);
	return EXIT_DONE;
}
