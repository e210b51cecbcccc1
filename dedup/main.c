/* dedup: find exact and near duplicates, and delete or move them. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "hash/hash.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "dedup.h"

static const char usage[] =
	"usage: dedup --path DIR [--delete | --move-to DIR] [--dry-run] [options]\n"
	"       dedup --across A B [...]\n"
	"\n"
	"Finds exact duplicates (same bytes: size, then XXH3 of the first 4 KiB,\n"
	"then XXH3-128 of the file) and near duplicates (dHash-64 within the\n"
	"threshold, verified on a 16x16 thumbnail) under DIR, laid out as\n"
	"DIR/<class>/<file>. Each group keeps one file; the others are reported,\n"
	"deleted or moved. Groups whose files sit in different class folders are\n"
	"label conflicts: reported, never acted on, and kept in the catalog for\n"
	"'label suspects'. Hashes are remembered in the catalog, so a second run\n"
	"reads only what changed.\n"
	"\n"
	"Actions (without one, nothing changes):\n"
	"  --delete          delete the duplicates\n"
	"  --move-to DIR     move them under DIR, keeping their path below the root\n"
	"  -n, --dry-run     show what --delete or --move-to would do, do nothing\n"
	"\n"
	"Matching:\n"
	"  --exact-only      only byte-identical files (reads no pixels)\n"
	"  --threshold N     dHash distance for near candidates, 0..15 (default 11)\n"
	"  --similarity S    thumbnail correlation a candidate needs, 0..1 (0.94)\n"
	"  --across A B      only pairs with one file under A and one under B\n"
	"                    (train/test leakage); A and B replace --path\n"
	"\n"
	"Which copy is kept:\n"
	"  --keep RULE       pixels (default: most pixels, then largest file, then\n"
	"                    shortest path, then name), oldest, newest or first\n"
	"  --prefer DIR      a copy under DIR is kept before any other\n"
	"\n"
	"Output:\n"
	"  --format F        text (default), csv or jsonl; csv columns:\n"
	"                    group,match,distance,class,path,action\n"
	"  --html FILE       a contact sheet of the near groups\n"
	"  -j, --jobs N      worker threads (default: all cores)\n"
	"  -q, --quiet       no progress line\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  dedup --path train                      # report\n"
	"  dedup --path train --delete --dry-run   # what would go\n"
	"  dedup --path train --delete\n"
	"  dedup --path raw --exact-only --move-to /tmp/dups\n"
	"  dedup --across train test --prefer train --format csv > leakage.csv\n"
	"  dedup --path train --html near.html\n"
	"\n"
	"Exit status: 0 done; 1 done, but some files were unreadable or corrupt, or\n"
	"an action failed (each reported); 2 bad usage; 3 fatal.\n";

enum { OPT_DELETE = 256, OPT_MOVE, OPT_EXACT, OPT_THRESHOLD, OPT_SIMILARITY, OPT_ACROSS,
       OPT_KEEP, OPT_PREFER, OPT_FORMAT, OPT_HTML };

struct cmdline {
	struct cli_options co;
	enum out_format fmt;
	const char *html, *prefer;
};

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (!*s || *end || errno || *out < lo || *out > hi)
		return cli_usage_error("%s takes a number from %g to %g, not '%s'", opt, lo, hi, s);
	return 0;
}

static int parse(int argc, char **argv, struct dedup *d, struct cmdline *c)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "delete", no_argument, NULL, OPT_DELETE },
		{ "move-to", required_argument, NULL, OPT_MOVE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "exact-only", no_argument, NULL, OPT_EXACT },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "similarity", required_argument, NULL, OPT_SIMILARITY },
		{ "across", required_argument, NULL, OPT_ACROSS },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "prefer", required_argument, NULL, OPT_PREFER },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "html", required_argument, NULL, OPT_HTML },
		CLI_OPTION_JOBS,
		CLI_OPTION_QUIET,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		CLI_OPTION_VERSION,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int ch, rc;

	cli_options_init(&c->co, usage);

	while ((ch = getopt_long(argc, argv, "p:nj:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (d->nroots)
				return cli_usage_error("give one --path, or --across A B");
			d->roots[d->nroots++] = optarg;
			break;
		case OPT_DELETE: d->action = ACT_DELETE; break;
		case OPT_MOVE: d->action = ACT_MOVE; d->move_to = optarg; break;
		case 'n': d->dry_run = 1; break;
		case OPT_EXACT: d->exact_only = 1; break;
		case OPT_THRESHOLD:
			if (!strcmp(optarg, "0"))
				d->threshold = 0;
			else if (cli_parse_uint("--threshold", optarg, MIH_MAX_RADIUS, &v))
				return EXIT_USAGE;
			else
				d->threshold = (int)v;
			break;
		case OPT_SIMILARITY:
			if (parse_double("--similarity", optarg, 0, 1, &d->similarity))
				return EXIT_USAGE;
			break;
		case OPT_ACROSS:
			if (d->nroots || optind >= argc || argv[optind][0] == '-')
				return cli_usage_error("--across takes two folders and replaces --path");
			d->roots[0] = optarg;
			d->roots[1] = argv[optind++];
			d->nroots = 2;
			break;
		case OPT_KEEP:
			if (dd_parse_keep(optarg, &d->keep))
				return cli_usage_error("--keep takes pixels, oldest, newest or first, "
						       "not '%s'", optarg);
			break;
		case OPT_PREFER: c->prefer = optarg; break;
		case OPT_FORMAT: if (cli_parse_format(optarg, &c->fmt)) return EXIT_USAGE; break;
		case OPT_HTML: c->html = optarg; break;
		default:
			if ((rc = cli_options_parse(&c->co, ch, optarg)))
				return rc;
		}
	}
	d->threads = c->co.jobs;
	if (optind < argc && !d->nroots)
		d->roots[d->nroots++] = argv[optind++];
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!d->nroots)
		return cli_usage_error("which folder? give --path DIR");
	if (d->dry_run && d->action == ACT_REPORT)
		return cli_usage_error("--dry-run goes with --delete or --move-to");
	return 0;
}

/* Steps after the catalog is open; the caller records the run. */
static int run(struct dedup *d, const struct cmdline *c, struct wn_err *err)
{
	if (dd_collect(d, err) || dd_hash(d, err))
		return EXIT_FATAL;
	if (dd_rank(d)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		return EXIT_FATAL;
	}
	if (dd_group_exact(d, err) || (!d->exact_only && dd_group_near(d, err)))
		return EXIT_FATAL;
	dd_assign_actions(d);
	if (dd_record_conflicts(d, err) || dd_apply(d, err))
		return EXIT_FATAL;
	if (dd_report(d, c->fmt)) {
		wn_fail(err, WN_EIO, "cannot write the report");
		return EXIT_FATAL;
	}
	if (c->html && dd_html(d, c->html, err))
		return EXIT_FATAL;
	dd_summary(d);
	return d->unreadable || d->scan.corrupt || d->scan.unreadable || d->failed_actions
		? EXIT_PARTIAL : EXIT_DONE;
}

int main(int argc, char **argv)
{
	struct dedup d;
	struct cmdline c = { .fmt = FMT_TEXT };
	struct wn_err err = { 0 };
	char counts[512], *prefer = NULL;
	int rc;

	cli_prog = "dedup";
	dd_init(&d);
	d.threshold = DD_DEFAULT_THRESHOLD;
	d.similarity = DD_DEFAULT_SIMILARITY;
	d.action = ACT_REPORT;
	rc = parse(argc, argv, &d, &c);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	if (c.prefer && !(prefer = realpath(c.prefer, NULL))) {
		cli_error("%s: %s", c.prefer, strerror(errno));
		return EXIT_USAGE;
	}
	d.prefer = prefer;
	d.progress = c.co.quiet ? NULL : progress_stream_for();
	if (catalog_open(cli_db_path(c.co.db), CATALOG_CREATE, &d.cat, &err)) {
		cli_error("%s", err.msg);
		free(prefer);
		return EXIT_FATAL;
	}
	cli_note_recovery(d.cat);
	if (run_begin(d.cat, "dedup", argc, argv, &d.run_id, &err))
		rc = EXIT_FATAL;
	else
		rc = run(&d, &c, &err);
	if (rc == EXIT_FATAL)
		cli_error("%s", err.msg);
	dd_counts_json(&d, counts, sizeof(counts));
	if (d.run_id && run_finish(d.cat, d.run_id, rc, counts, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	}
	catalog_close(d.cat);
	dd_release(&d);
	free(prefer);
	return rc;
}
