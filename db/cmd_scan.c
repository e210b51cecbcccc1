/* db scan: catalogue every image under a folder. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "cmds.h"
#include "catalog/catalog.h"

static const char usage[] =
	"usage: db scan [--path] DIR [-j N] [--shard K/N] [--rehash] [--max-bytes N]\n"
	"               [--max-pixels N]\n"
	"\n"
	"Walks DIR as DIR/<class>/<file> and records each image in the catalog:\n"
	"size, mtime, XXH3-128 of the bytes, dHash-64 and a 16x16 thumbnail from a\n"
	"reduced decode, width, height and format. Files that do not decode are\n"
	"recorded as corrupt with the reason and reported on stderr. A re-run reads\n"
	"only files whose size or mtime changed. Hidden files, symbolic links and\n"
	"the catalog itself are skipped.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (or give DIR as the argument)\n"
	"  -j, --jobs N      worker threads (default: all cores)\n"
	"  --shard K/N       only share K of N of the files (by a hash of the path\n"
	"                    below DIR, as resize and label predict take theirs);\n"
	"                    the others are not opened. Merge with db merge.\n"
	"  --rehash          read every file, even unchanged ones\n"
	"  --max-bytes N     larger files are corrupt (default 64M)\n"
	"  --max-pixels N    larger images are corrupt (default 100000000)\n"
	"  -q, --quiet       no progress line\n"
	"  --db FILE         the catalog (created when missing)\n"
	"\n"
	"Examples:\n"
	"  db scan train\n"
	"  db scan --path raw_data -j 2 --max-bytes 20M\n"
	"  db scan train --shard 2/4 --db scan-2.db   # one machine of four\n"
	"\n"
	"Exit status: 0 all catalogued; 1 some files corrupt or unreadable; 3 fatal.\n";

static void report(const char *path, const char *cause, int unreadable, void *data)
{
	(void)unreadable;
	(void)data;
	cli_file_error(path, cause);
}

/* " (shard K of N; M are other shards')" for the summary. Not reentrant. */
static const char *shard_note(const struct shard *sh, const struct scan_stats *st)
{
	static char note[96];

	snprintf(note, sizeof(note), " (shard %u of %u; %" PRIu64 " are other shards')", sh->k,
		 sh->n, st->other_shards);
	return note;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The command line into so and co. @return 0, or -1 when the command stops
 * with co->status. */
static int parse(int argc, char **argv, struct scan_opts *so, struct cli_options *co)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTION_JOBS,
		{ "rehash", no_argument, NULL, 'r' },
		{ "shard", required_argument, NULL, 'S' },
		CLI_OPTION_MAX_BYTES,
		CLI_OPTION_MAX_PIXELS,
		CLI_OPTION_QUIET,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct wn_err err;
	int c;

	cli_options_init(co, usage);
	while ((c = cli_getopt(co, argc, argv, "j:qh", opts)) >= 0) {
		if (c == 'r') {
			so->rehash = 1;
		} else if (shard_parse(optarg, &so->shard, &err)) {
			co->status = cli_usage_error("%s", err.msg);
			return -1;
		}
	}
	so->threads = co->jobs;
	so->limits = co->limits;
	if (c == CLI_OPTIONS_STOP)
		return -1;
	return cli_operands(co, argc, argv, CLI_PATH_OPERAND | CLI_PATH_NEEDED);
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts so;
	struct scan_stats st;
	struct catalog *cat;
	struct wn_err err;
	struct timespec t0;
	struct cli_options co;
	const char *root;
	char counts[256], bytes[32];
	int64_t run_id = 0;
	int rc;

	scan_opts_init(&so);
	if (parse(argc, argv, &so, &co))
		return co.status;
	root = co.path;
	so.progress = co.quiet ? NULL : progress_stream_for();
	so.on_problem = report;
	rc = cli_open_catalog(co.db, CATALOG_CREATE, &cat);
	if (rc)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (run_begin(cat, "db scan", argc, argv, &run_id, &err) ||
	    scan_tree(cat, root, &so, &st, &err)) {
		cli_error("%s", err.msg);
		if (run_id)
			run_finish(cat, run_id, EXIT_FATAL, NULL, NULL);
		catalog_close(cat);
		return EXIT_FATAL;
	}
	rc = st.corrupt || st.unreadable ? EXIT_PARTIAL : EXIT_DONE;
	snprintf(counts, sizeof(counts),
		 "{\"files\":%" PRIu64 ",\"hashed\":%" PRIu64 ",\"unchanged\":%" PRIu64
		 ",\"corrupt\":%" PRIu64 ",\"unreadable\":%" PRIu64 ",\"bytes_read\":%" PRIu64
		 ",\"other_shards\":%" PRIu64 "}",
		 st.files, st.hashed, st.unchanged, st.corrupt, st.unreadable, st.bytes_read,
		 st.other_shards);
	if (run_finish(cat, run_id, rc, counts, &err))
		rc = cli_fatal(&err);
	cli_human_bytes(st.bytes_read, bytes, sizeof(bytes));
	fprintf(stderr,
		"%s: %" PRIu64 " files in %s%s: %" PRIu64 " read, %" PRIu64 " unchanged, %" PRIu64
		" corrupt, %" PRIu64 " unreadable (%s in %.1f s)\n",
		cli_prog, st.files, root, so.shard.n ? shard_note(&so.shard, &st) : "", st.hashed,
		st.unchanged, st.corrupt, st.unreadable, bytes, seconds_since(&t0));
	catalog_close(cat);
	return rc;
}
