/* scraper: download URL lists into class folders. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "net/net.h"

static const char usage[] =
	"usage: scraper --urls PATH --out DIR [options]\n"
	"\n"
	"Downloads the images of URL lists into DIR/<class>/, with one libcurl\n"
	"multi handle. PATH is a folder searched at any depth for urls_<class>.txt\n"
	"(the class comes from the name), a .txt list (class from --class), or a\n"
	"CSV/TSV with a url column and optionally class or label. Malformed lines\n"
	"are reported with their line number and skipped; a URL listed twice is\n"
	"fetched once. A body counts as an image only by its magic bytes and a\n"
	"decode (Content-Type is not trusted); files are named by their content\n"
	"hash, so identical images collapse and no URL chooses a path. Every URL\n"
	"is recorded in the catalog; a second run skips what is done, and adopts\n"
	"the files a killed run wrote but had not recorded yet. Addresses of this\n"
	"machine and private networks (loopback, RFC 1918, CGNAT, link-local,\n"
	"unique-local, multicast) are refused, after DNS and on redirects too.\n"
	"\n"
	"Options:\n"
	"  --urls PATH        the lists (folder, .txt, .csv, .tsv)\n"
	"  --out DIR          where images go\n"
	"  --class C          the class of a .txt list's URLs\n"
	"  --parallel N       transfers in flight (default 128)\n"
	"  --per-host N       transfers per host (default 8)\n"
	"  --connect-timeout S, --timeout S   seconds (defaults 10 and 60)\n"
	"  --low-speed-time S  abort a transfer slower than 1 kB/s for S seconds (15)\n"
	"  --max-bytes N      larger bodies are refused (default 20M)\n"
	"  --min-bytes N      smaller bodies are refused (default 1024)\n"
	"  --min-size N       images under N pixels a side are placeholders (32)\n"
	"  --retries N        retries for timeouts, resets, 408, 429, 5xx (3)\n"
	"  --retry-wait S     seconds before the first retry, doubling (1)\n"
	"  --max-retry-wait S  no wait is longer (60); a longer Retry-After fails\n"
	"                     the URL at once, for --retry-failed\n"
	"  --retry-failed     try again URLs that failed for transient reasons\n"
	"  --shard K/N        take only share K of N of the URLs (by a hash of the\n"
	"                     URL), for N machines; merge catalogs with db merge\n"
	"  --failed FILE      write every failed URL with its reason (TSV)\n"
	"  --user-agent S     (default winnow-scraper/" WINNOW_VERSION ")\n"
	"  --ignore-robots-tag  download despite X-Robots-Tag: noai / noimageai\n"
	"  --allow-private    connect to private addresses too, and use proxies\n"
	"                     from the environment (intranets, tests)\n"
	"  --allow-address IP  allow this one private address (repeatable)\n"
	"  --resize N         make the shorter side N (never enlarging) as bodies\n"
	"                     arrive, with resize's code, saved as JPEG\n"
	"  --geometry G       the same, in ImageMagick's geometry (see resize)\n"
	"  --quality Q        their JPEG quality, 1..100 (default 90)\n"
	"  -j, --jobs N       threads checking and writing images (default 1; all\n"
	"                     cores with --resize)\n"
	"  -q, --quiet        no progress line\n"
	"  --db FILE          the catalog\n"
	"\n"
	"Examples:\n"
	"  scraper --urls raw_data --out raw            # nsfw_data_scraper's layout\n"
	"  scraper --urls list.csv --out raw --parallel 256 --failed failed.tsv\n"
	"  scraper --urls urls_neutral.txt --class neutral --out raw --retry-failed\n"
	"  scraper --urls raw_data --out train --resize 320    # no full-size file kept\n"
	"\n"
	"SIGINT or SIGTERM stops it: no new transfer starts, what arrived is\n"
	"stored and committed, and it dies of that signal (a shell shows 130 or\n"
	"143); running it again resumes.\n"
	"\n"
	"Exit status: 0 all downloaded; 1 some URLs failed (each in the catalog and\n"
	"--failed); 2 bad usage; 3 fatal; 130/143 interrupted, resumable.\n";

enum { OPT_URLS = 256, OPT_OUT, OPT_CLASS, OPT_PARALLEL, OPT_PER_HOST, OPT_CTIMEOUT,
       OPT_TIMEOUT, OPT_MIN_BYTES, OPT_MIN_SIZE, OPT_RETRIES, OPT_RETRY_WAIT, OPT_RETRY_FAILED,
       OPT_SHARD, OPT_FAILED, OPT_UA, OPT_IGNORE_ROBOTS, OPT_RESIZE, OPT_GEOMETRY, OPT_LOW_SPEED,
       OPT_MAX_RETRY_WAIT, OPT_ALLOW_PRIVATE, OPT_ALLOW_ADDRESS };

struct cmdline {
	struct cli_options co;  /* co.jobs is 0 unless -j was given */
	const char *urls, *class_name, *failed;
	int retry_failed;
	struct shard shard;
};

static int parse(int argc, char **argv, struct scrape_opts *o, struct cmdline *c)
{
	static const struct option opts[] = {
		{ "urls", required_argument, NULL, OPT_URLS },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "per-host", required_argument, NULL, OPT_PER_HOST },
		{ "connect-timeout", required_argument, NULL, OPT_CTIMEOUT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		CLI_OPTION_MAX_BYTES,
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "retry-wait", required_argument, NULL, OPT_RETRY_WAIT },
		{ "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "failed", required_argument, NULL, OPT_FAILED },
		{ "user-agent", required_argument, NULL, OPT_UA },
		{ "ignore-robots-tag", no_argument, NULL, OPT_IGNORE_ROBOTS },
		{ "resize", required_argument, NULL, OPT_RESIZE },
		{ "geometry", required_argument, NULL, OPT_GEOMETRY },
		CLI_OPTION_QUALITY,
		{ "low-speed-time", required_argument, NULL, OPT_LOW_SPEED },
		{ "max-retry-wait", required_argument, NULL, OPT_MAX_RETRY_WAIT },
		{ "allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE },
		{ "allow-address", required_argument, NULL, OPT_ALLOW_ADDRESS },
		CLI_OPTION_JOBS,
		CLI_OPTION_QUIET,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		CLI_OPTION_VERSION,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *end;
	int ch, rc;

	cli_options_init(&c->co, usage);
	c->co.limits.max_bytes = o->max_bytes;  /* here: a download's body */

	while ((ch = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_URLS: c->urls = optarg; break;
		case OPT_OUT: o->out_dir = optarg; break;
		case OPT_CLASS: c->class_name = optarg; break;
		case OPT_PARALLEL:
			if (cli_parse_int("--parallel", optarg, 4096, &o->parallel)) return EXIT_USAGE;
			break;
		case OPT_PER_HOST:
			if (cli_parse_int("--per-host", optarg, 1024, &o->per_host)) return EXIT_USAGE;
			break;
		case OPT_CTIMEOUT:
			if (cli_parse_uint("--connect-timeout", optarg, 3600, &v)) return EXIT_USAGE;
			o->connect_timeout = (long)v;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_uint("--timeout", optarg, 86400, &v)) return EXIT_USAGE;
			o->timeout = (long)v;
			break;
		case OPT_MIN_BYTES:
			if (!strcmp(optarg, "0")) { o->min_bytes = 0; break; }
			if (cli_parse_bytes("--min-bytes", optarg, &v)) return EXIT_USAGE;
			o->min_bytes = (size_t)v;
			break;
		case OPT_MIN_SIZE:
			if (cli_parse_int("--min-size", optarg, 65535, &o->min_size)) return EXIT_USAGE;
			break;
		case OPT_RETRIES:
			if (!strcmp(optarg, "0")) { o->retries = 0; break; }
			if (cli_parse_int("--retries", optarg, 20, &o->retries)) return EXIT_USAGE;
			break;
		case OPT_RETRY_WAIT:
			errno = 0;
			o->retry_wait = strtod(optarg, &end);
			if (*end || errno || o->retry_wait < 0 || o->retry_wait > 600)
				return cli_usage_error("--retry-wait takes seconds, 0 to 600");
			break;
		case OPT_MAX_RETRY_WAIT:
			errno = 0;
			o->max_retry_wait = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(o->max_retry_wait >= 0) ||
			    o->max_retry_wait > 86400)
				return cli_usage_error("--max-retry-wait takes seconds, 0 to 86400");
			break;
		case OPT_ALLOW_PRIVATE: o->allow_private = 1; break;
		case OPT_ALLOW_ADDRESS:
			if (o->nallowed == (int)(sizeof(o->allowed) / sizeof(o->allowed[0])))
				return cli_usage_error("--allow-address: at most 16");
			if (scrape_address_parse(optarg, &o->allowed[o->nallowed++]))
				return cli_usage_error("--allow-address '%s': not an IPv4 or IPv6 address",
						       optarg);
			break;
		case OPT_RETRY_FAILED: c->retry_failed = 1; break;
		case OPT_SHARD: {
			struct wn_err e;

			if (shard_parse(optarg, &c->shard, &e))
				return cli_usage_error("%s", e.msg);
			break;
		}
		case OPT_FAILED: c->failed = optarg; break;
		case OPT_UA: o->user_agent = optarg; break;
		case OPT_IGNORE_ROBOTS: o->honour_robots = 0; break;
		case OPT_RESIZE:
			if (o->resize || cli_parse_uint("--resize", optarg, 65535, &v))
				return o->resize ? cli_usage_error("--resize or --geometry, once") : EXIT_USAGE;
			geometry_shorter_side(&o->rs.geom, (int)v);
			o->resize = 1;
			break;
		case OPT_GEOMETRY: {
			struct wn_err gerr;

			if (o->resize)
				return cli_usage_error("--resize or --geometry, once");
			if (geometry_parse(optarg, &o->rs.geom, &gerr))
				return cli_usage_error("%s", gerr.msg);
			o->resize = 1;
			break;
		}
		case OPT_LOW_SPEED:
			if (cli_parse_uint("--low-speed-time", optarg, 3600, &v)) return EXIT_USAGE;
			o->low_speed_time = (long)v;
			break;
		default:
			if ((rc = cli_options_parse(&c->co, ch, optarg)))
				return rc;
		}
	}
	o->max_bytes = c->co.limits.max_bytes;
	o->rs.quality = c->co.quality;
	if (c->co.jobs)
		o->threads = c->co.jobs;
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!c->urls || !o->out_dir)
		return cli_usage_error("give --urls PATH and --out DIR");
	if (c->class_name && urllist_check_class(c->class_name))
		return cli_usage_error("--class '%s': %s", c->class_name,
				       urllist_check_class(c->class_name));
	return 0;
}

static void report_line(const char *list, unsigned line, const char *cause, void *data)
{
	(void)data;
	fprintf(stderr, "%s: %s:%u: %s\n", cli_prog, list, line, cause);
}

static void failed_line(const struct url_entry *e, const char *kind, const char *error,
			void *arg)
{
	fprintf(arg, "%s\t%s\t%s\t%s\n", e->url, e->class_name ? e->class_name : "", kind,
		error);
}

static int write_failed(const struct scrape *s, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs("url\tclass\tkind\treason\n", f);
	scrape_each_failed(s, failed_line, f);
	return fclose(f);
}

static void summary(const struct scrape_counts *r, double secs)
{
	char bytes[32];

	cli_human_bytes(r->bytes, bytes, sizeof(bytes));
	fprintf(stderr, "%s: %" PRIu64 " downloaded, %" PRIu64 " failed, %" PRIu64
		" already done; %s in %.1f s (%.0f images/s)\n", cli_prog, r->ok, r->failed,
		r->skipped, bytes, secs, secs > 0 ? (double)r->ok / secs : 0.0);
	if (r->adopted)
		fprintf(stderr, "%s:   adopted %" PRIu64 " files a stopped run had written but not"
			" recorded\n", cli_prog, r->adopted);
	for (size_t i = 0; i < r->nclasses; i++)
		fprintf(stderr, "%s:   class %-14s %" PRIu64 " downloaded, %" PRIu64 " failed\n",
			cli_prog, r->classes[i].name, r->classes[i].ok, r->classes[i].failed);
	for (int k = 0; k < SCRAPE_KINDS; k++)
		if (r->kinds[k])
			fprintf(stderr, "%s:   failed: %-14s %" PRIu64 "\n", cli_prog, scrape_kinds[k],
				r->kinds[k]);
}

static void set_defaults(struct scrape_opts *o)
{
	o->parallel = 128;
	o->per_host = 8;
	o->retries = 3;
	o->retry_wait = 1.0;
	o->max_retry_wait = 60.0;
	o->connect_timeout = 10;
	o->timeout = 60;
	o->low_speed_limit = 1024;
	o->low_speed_time = 15;
	o->max_bytes = 20u << 20;
	o->min_bytes = 1024;
	o->min_size = 32;
	o->honour_robots = 1;
	/* Storing is a header check, a hash and a write: one thread keeps up,
	 * and two writing into one folder spend their time on its lock. */
	o->threads = 1;
	o->user_agent = "winnow-scraper/" WINNOW_VERSION;
	o->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	o->limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	o->rs.quality = 90;
	o->rs.format = IMG_JPEG;
}

/* The signal that stopped the run, 0 none (scrape_opts.stop points here). */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* SIGINT and SIGTERM end the run cleanly; a second one kills at once
 * (SA_RESETHAND), which loses nothing either: the journal has the files.
 * A SIGINT ignored from the start (a background job, nohup) stays so. */
static void catch_stop_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

/* Adopts, fetches, commits and reports the n URLs s picked.
 * @return the exit status. */
static int fetch_and_report(struct scrape *s, const struct cmdline *c, const struct url_list *l,
			    size_t n, const struct timespec *t0)
{
	struct wn_err err = { 0 };
	struct progress *prog;
	struct timespec t1;
	int rc;

	prog = progress_start(c->co.quiet ? NULL : progress_stream_for(), "scraper", n);
	rc = scrape_fetch(s, prog, &err) ? EXIT_FATAL : EXIT_DONE;
	progress_finish(prog);
	if (rc)
		cli_error("%s", err.msg);
	else if (scrape_counts(s)->failed || l->rejected)
		rc = EXIT_PARTIAL;
	if (c->failed && write_failed(s, c->failed)) {
		cli_error("%s: %s", c->failed, strerror(errno));
		rc = EXIT_FATAL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	summary(scrape_counts(s), (double)(t1.tv_sec - t0->tv_sec) +
		(double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
	if (stop_signal && rc != EXIT_FATAL) {
		fprintf(stderr, "%s: interrupted by %s: every outcome so far is committed; %zu URLs"
			" are left for the next run of the same command\n", cli_prog,
			stop_signal == SIGINT ? "SIGINT" : "SIGTERM", scrape_left(s));
		rc = 128 + stop_signal;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct scrape_opts o = { 0 };
	struct scrape *s = NULL;
	struct catalog *cat = NULL;
	int64_t run_id = 0;
	struct cmdline c = { 0 };
	struct url_list l = { 0 };
	struct wn_err err = { 0 };
	struct timespec t0;
	char counts[256];
	size_t n = 0;
	int rc;

	cli_prog = "scraper";
	set_defaults(&o);
	rc = parse(argc, argv, &o, &c);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	o.rs.limits = o.limits;
	if (o.resize && !c.co.jobs)
		o.threads = 0;  /* decoding and resizing: every core */
	if (urllist_read(c.urls, c.class_name, &l, report_line, NULL, &err))
		return cli_fatal(&err);
	if (mkdir(o.out_dir, 0755) && errno != EEXIST) {
		cli_error("%s: %s", o.out_dir, strerror(errno));
		urllist_release(&l);
		return EXIT_FATAL;
	}
	catch_stop_signals();
	o.stop = &stop_signal;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = scrape_new(&o, l.n);
	if (!s) {
		cli_error("out of memory or threads");
		rc = EXIT_FATAL;
	} else if (catalog_open(cli_db_path(c.co.db), CATALOG_CREATE, &cat, &err) ||
		   run_begin(cat, "scraper", argc, argv, &run_id, &err) ||
		   (n = scrape_begin(s, cat, &l, c.retry_failed, &c.shard, &err)) == (size_t)-1) {
		rc = cli_fatal(&err);
	} else {
		rc = fetch_and_report(s, &c, &l, n, &t0);
	}
	if (run_id) {
		const struct scrape_counts *k = scrape_counts(s);

		snprintf(counts, sizeof(counts),
			 "{\"urls\":%zu,\"downloaded\":%" PRIu64 ",\"adopted\":%" PRIu64
			 ",\"failed\":%" PRIu64 ",\"already_done\":%" PRIu64
			 ",\"rejected_lines\":%zu}", l.n, k->ok, k->adopted, k->failed, k->skipped,
			 l.rejected);
		run_finish(cat, run_id, rc, counts, NULL);
	}
	/* all committed (or nothing to trust): journals whose URLs are all
	 * recorded go */
	scrape_free(s, rc != EXIT_FATAL);
	catalog_close(cat);
	urllist_release(&l);
	if (stop_signal)
		raise(stop_signal);  /* the handler was reset: the run dies of it */
	return rc;
}
