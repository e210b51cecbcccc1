/* dedup: find exact and near duplicates, and delete or move them. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "hash/hash.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "dupes/dupes.h"

static const char usage[] =
	"usage: dedup --path DIR [--delete | --move-to DIR] [--dry-run] [options]\n"
	"       dedup --across A B [...]\n"
	"\n"
	"Finds exact duplicates (same bytes: size, then XXH3 of the first 4 KiB,\n"
	"then XXH3-128 of the file), near duplicates (dHash-64 within the\n"
	"threshold, verified on a 16x16 thumbnail) and mirrored or rotated copies\n"
	"(the thumbnail turned, looked up and verified the same way), rescaled\n"
	"and recompressed too, under DIR, laid out as DIR/<class>/<file>.\n"
	"With --crops, also crops that keep 60%% or more of each side (ORB\n"
	"features matched under a similarity, then checked on thumbnails).\n"
	"Each group keeps one file; the others are reported,\n"
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
	"  --match LIST      what to look for, comma-separated: exact, near,\n"
	"                    mirror, rotate, crop (default: all but crop)\n"
	"  --crops           look for crops too (the default list and crop); the\n"
	"                    first run reads each image once for its features\n"
	"  --exact-only      only byte-identical files, reads no pixels\n"
	"                    (the same as --match exact)\n"
	"  --threshold N     dHash distance for near candidates, 0..15 (default 11)\n"
	"  --similarity S    thumbnail correlation a candidate needs, 0..1 (0.94)\n"
	"  --across A B      only pairs with one file under A and one under B\n"
	"                    (train/test leakage); A and B replace --path\n"
	"  --catalog-only    group the images the catalog holds under DIR, with\n"
	"                    their catalogued hashes, reading no file (a merged\n"
	"                    shard catalog, or a million images); reports only;\n"
	"                    --html still reads the grouped files' pixels\n"
	"\n"
	"Which copy is kept:\n"
	"  --keep RULE       pixels (default: most pixels, then largest file, then\n"
	"                    shortest path, then name), oldest, newest or first\n"
	"  --prefer DIR      a copy under DIR is kept before any other\n"
	"\n"
	"Output:\n"
	"  --format F        text (default), csv or jsonl; csv columns:\n"
	"                    group,match,distance,class,path,action\n"
	"  --html FILE       a contact sheet of the groups of visual copies\n"
	"  -j, --jobs N      worker threads (default: all cores)\n"
	"  -q, --quiet       no progress line\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  dedup --path train                      # report\n"
	"  dedup --path train --delete --dry-run   # what would go\n"
	"  dedup --path train --delete\n"
	"  dedup --path raw --exact-only --move-to /tmp/dups\n"
	"  dedup --path train --match exact,near     # no mirrored or rotated copies\n"
	"  dedup --path train --crops --delete       # crops go when their source stays\n"
	"  dedup --across train test --prefer train --format csv > leakage.csv\n"
	"  dedup --path train --html near.html\n"
	"  db merge s*.db --into winnow.db && dedup --path train --catalog-only\n"
	"\n"
	"Exit status: 0 done; 1 done, but some files were unreadable or corrupt, or\n"
	"an action failed (each reported); 2 bad usage; 3 fatal.\n";

enum { OPT_DELETE = 256, OPT_MOVE, OPT_EXACT, OPT_THRESHOLD, OPT_SIMILARITY, OPT_ACROSS,
       OPT_KEEP, OPT_PREFER, OPT_FORMAT, OPT_HTML, OPT_MATCH, OPT_CROPS, OPT_CATALOG_ONLY };

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

static int parse(int argc, char **argv, struct dupes_opts *o, struct cmdline *c)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "delete", no_argument, NULL, OPT_DELETE },
		{ "move-to", required_argument, NULL, OPT_MOVE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "exact-only", no_argument, NULL, OPT_EXACT },
		{ "match", required_argument, NULL, OPT_MATCH },
		{ "crops", no_argument, NULL, OPT_CROPS },
		{ "catalog-only", no_argument, NULL, OPT_CATALOG_ONLY },
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
	int ch, rc, crops = 0;
	const char *bad;

	cli_options_init(&c->co, usage);

	while ((ch = getopt_long(argc, argv, "p:nj:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (o->nroots)
				return cli_usage_error("give one --path, or --across A B");
			o->roots[o->nroots++] = optarg;
			break;
		case OPT_DELETE: o->action = DUPES_ACT_DELETE; break;
		case OPT_MOVE: o->action = DUPES_ACT_MOVE; o->move_to = optarg; break;
		case 'n': o->dry_run = 1; break;
		case OPT_EXACT: o->match = DUPES_MATCH_EXACT; break;
		case OPT_MATCH:
			if (dupes_parse_match(optarg, &o->match, &bad))
				return cli_usage_error("--match: '%.*s' is not exact, near, mirror, "
						       "rotate or crop", (int)strcspn(bad, ","), bad);
			break;
		case OPT_CROPS: crops = 1; break;
		case OPT_CATALOG_ONLY: o->catalog_only = 1; break;
		case OPT_THRESHOLD:
			if (!strcmp(optarg, "0"))
				o->threshold = 0;
			else if (cli_parse_uint("--threshold", optarg, MIH_MAX_RADIUS, &v))
				return EXIT_USAGE;
			else
				o->threshold = (int)v;
			break;
		case OPT_SIMILARITY:
			if (parse_double("--similarity", optarg, 0, 1, &o->similarity))
				return EXIT_USAGE;
			break;
		case OPT_ACROSS:
			if (o->nroots || optind >= argc || argv[optind][0] == '-')
				return cli_usage_error("--across takes two folders and replaces --path");
			o->roots[0] = optarg;
			o->roots[1] = argv[optind++];
			o->nroots = 2;
			break;
		case OPT_KEEP:
			if (dupes_parse_keep(optarg, &o->keep))
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
	o->threads = c->co.jobs;
	if (crops)
		o->match |= DUPES_MATCH_CROP;
	o->exact_only = o->match == DUPES_MATCH_EXACT;  /* no pixels to read */
	if (optind < argc && !o->nroots)
		o->roots[o->nroots++] = argv[optind++];
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->nroots)
		return cli_usage_error("which folder? give --path DIR");
	if (o->dry_run && o->action == DUPES_ACT_REPORT)
		return cli_usage_error("--dry-run goes with --delete or --move-to");
	if (o->catalog_only && o->action != DUPES_ACT_REPORT)
		return cli_usage_error("--catalog-only reports: it reads no file, so it acts "
				       "on none (run without it to --delete or --move-to)");
	return 0;
}

static void problem(const char *path, const char *cause, void *data)
{
	(void)data;
	cli_file_error(path, cause);
}

/* Test-only (tests/cli/t0220-confine.sh): WINNOW_TEST_STOP_BEFORE_ACT=1
 * stops the process (SIGSTOP) before its first act, so a test can swap a
 * folder for a symlink between the walk and the act. */
static void test_stop_before_act(void)
{
	static int stopped;
	const char *s = getenv("WINNOW_TEST_STOP_BEFORE_ACT");

	if (s && *s == '1' && !stopped++)
		raise(SIGSTOP);
}

/* Test and benchmark only (tests/cli/t0265, bench/scale.sh):
 * WINNOW_TEST_PAIRS_BUDGET=B sets dupes_pairs_in.budget, so a small set
 * can take the bounded pair search that a large one would. */
static double test_pairs_budget(void)
{
	const char *s = getenv("WINNOW_TEST_PAIRS_BUDGET");

	return s ? strtod(s, NULL) : 0;
}

/* Steps after the catalog is open; the caller records the run. */
static int run(struct dupes *d, struct catalog *cat, int64_t run_id, const struct cmdline *c,
	       struct wn_err *err)
{
	if (dupes_run(d, cat, run_id, err))
		return EXIT_FATAL;
	if (dupes_report(d, c->fmt, stdout)) {
		wn_fail(err, WN_EIO, "cannot write the report");
		return EXIT_FATAL;
	}
	if (c->html && dupes_html(d, c->html, err))
		return EXIT_FATAL;
	dupes_summary(d, cli_prog, stderr);
	return dupes_some_failed(d) ? EXIT_PARTIAL : EXIT_DONE;
}

/* Runs d in the catalog, recorded as a run whatever happens. */
static int run_recorded(struct dupes *d, const struct cmdline *c, int argc, char **argv)
{
	struct catalog *cat;
	struct wn_err err = { 0 };
	char counts[512];
	int64_t run_id = 0;
	int rc;

	if ((rc = cli_open_catalog(c->co.db, CATALOG_CREATE, &cat)))
		return rc;
	if (run_begin(cat, "dedup", argc, argv, &run_id, &err))
		rc = EXIT_FATAL;
	else
		rc = run(d, cat, run_id, c, &err);
	if (rc == EXIT_FATAL)
		cli_error("%s", err.msg);
	dupes_counts_json(d, counts, sizeof(counts));
	if (run_id && run_finish(cat, run_id, rc, counts, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	}
	catalog_close(cat);
	return rc;
}

int main(int argc, char **argv)
{
	struct dupes_opts o;
	struct dupes *d;
	struct cmdline c = { .fmt = FMT_TEXT };
	char *prefer = NULL;
	int rc;

	cli_prog = "dedup";
	dupes_opts_init(&o);
	rc = parse(argc, argv, &o, &c);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	if (c.prefer && !(prefer = realpath(c.prefer, NULL))) {
		cli_error("%s: %s", c.prefer, strerror(errno));
		return EXIT_USAGE;
	}
	o.prefer = prefer;
	o.progress = c.co.quiet ? NULL : progress_stream_for();
	o.on_problem = problem;
	o.before_act = test_stop_before_act;
	o.after_act = cli_test_kill_point;
	o.pairs_budget = test_pairs_budget();
	d = dupes_new(&o);
	if (!d) {
		cli_error("out of memory");
		rc = EXIT_FATAL;
	} else {
		rc = run_recorded(d, &c, argc, argv);
	}
	dupes_free(d);
	free(prefer);
	return rc;
}
