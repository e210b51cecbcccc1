/* db: inspect, fill and export the catalog. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"

static const char usage[] =
	"usage: db [--db FILE] <command> [options]\n"
	"\n"
	"Inspect, fill and export the winnow catalog: one SQLite file per dataset\n"
	"that remembers every image's hashes, size, class and status.\n"
	"\n"
	"Commands:\n"
	"  init     create the catalog, or upgrade an older one\n"
	"  scan     catalogue every image under a folder (XXH3-128, dHash, size)\n"
	"  stats    images and bytes per class and status\n"
	"  check    the catalog against the disk: missing, changed, untracked\n"
	"  export   the manifest: one row per image\n"
	"  split    train/val/test manifests, duplicate groups never split\n"
	"  issues   blurry, dark, light, blank, grey, odd-shaped and odd-sized images\n"
	"  report   the dataset's state as one HTML page (charts, thumbnails)\n"
	"  merge    the catalogs of shards (--shard K/N) into one\n"
	"\n"
	"Options:\n"
	"  --db FILE    the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"  -h, --help   this help; 'db COMMAND --help' for one command\n"
	"  --version    print the version\n"
	"\n"
	"Examples:\n"
	"  db init\n"
	"  db scan --path train -j 8\n"
	"  db stats --format csv\n"
	"  db check --path train\n"
	"  db export --format jsonl > manifest.jsonl\n"
	"  db split --out splits --val 0.1 --test 0.1 --seed 1\n"
	"  db issues --path train --format csv > issues.csv\n"
	"  db report --html report.html\n"
	"  db merge shard1.db shard2.db --into winnow.db\n"
	"\n"
	"Exit status: 0 done; 1 done, but some files failed or differ; 2 bad usage;\n"
	"3 fatal (catalog or I/O).\n";

static const struct cli_subcommand commands[] = {
	{ "init", cmd_init },
	{ "scan", cmd_scan },
	{ "stats", cmd_stats },
	{ "check", cmd_check },
	{ "export", cmd_export },
	{ "split", cmd_split },
	{ "issues", cmd_issues },
	{ "report", cmd_report },
	{ "merge", cmd_merge },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		CLI_OPTION_VERSION,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options co;
	int i, rc;

	cli_prog = "db";
	cli_options_init(&co, usage);
	rc = cli_options_lead(&co, opts, argc, argv, &i);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	if (i < argc && argv[i][0] == '-')
		return cli_usage_error("unknown option '%s'", argv[i]);
	cli_set_db_default(co.db);
	if (i == argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		fputs(usage, stdout);
		return EXIT_DONE;
	}
	rc = cli_subcommand(commands, sizeof(commands) / sizeof(commands[0]), argc - i, argv + i);
	if (rc >= 0)
		return rc;
	return cli_usage_error("'%s' is not a db command", argv[i]);
}
