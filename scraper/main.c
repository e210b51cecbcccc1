/* scraper: download URL lists into class folders. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "core/shard.h"
#include "core/pool.h"
#include "core/progress.h"
#include "db/images.h"
#include "db/runs.h"
#include "db/urls.h"
#include "scraper.h"

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
	"is recorded in the catalog; a second run skips what is done.\n"
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
	"  --retry-failed     try again URLs that failed for transient reasons\n"
	"  --shard K/N        take only share K of N of the URLs (by a hash of the\n"
	"                     URL), for N machines; merge catalogs with db merge\n"
	"  --failed FILE      write every failed URL with its reason (TSV)\n"
	"  --user-agent S     (default winnow-scraper/" WINNOW_VERSION ")\n"
	"  --ignore-robots-tag  download despite X-Robots-Tag: noai / noimageai\n"
	"  --resize N         make the shorter side N (never enlarging) as bodies\n"
	"                     arrive, with resize's code: JPEG, --quality (90)\n"
	"  --geometry G       the same, in ImageMagick's geometry (see resize)\n"
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
	"Exit status: 0 all downloaded; 1 some URLs failed (each in the catalog and\n"
	"--failed); 2 bad usage; 3 fatal.\n";

const char *const sc_kinds[SC_KINDS] = {
	"not-image", "empty", "too-small", "placeholder", "corrupt", "too-large",
	"robots-tag", "bad-redirect", "redirect-loop", "http-404", "http-4xx", "http-429",
	"http-5xx", "timeout", "truncated", "reset", "connect", "network", "write", "other",
};

int sc_kind_index(const char *kind)
{
	for (int i = 0; i < SC_KINDS - 1; i++)
		if (!strcmp(kind, sc_kinds[i]))
			return i;
	return SC_KINDS - 1;
}

enum { OPT_URLS = 256, OPT_OUT, OPT_CLASS, OPT_PARALLEL, OPT_PER_HOST, OPT_CTIMEOUT,
       OPT_TIMEOUT, OPT_MAX_BYTES, OPT_MIN_BYTES, OPT_MIN_SIZE, OPT_RETRIES, OPT_RETRY_WAIT,
       OPT_RETRY_FAILED, OPT_SHARD, OPT_FAILED, OPT_UA, OPT_IGNORE_ROBOTS, OPT_DB, OPT_RESIZE,
       OPT_GEOMETRY, OPT_QUALITY, OPT_LOW_SPEED };

struct cmdline {
	const char *urls, *class_name, *failed, *db;
	int retry_failed, quiet, threads_given;
	struct shard shard;
};

static int parse(int argc, char **argv, struct sc_opts *o, struct cmdline *c)
{
	static const struct option opts[] = {
		{ "urls", required_argument, NULL, OPT_URLS },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "per-host", required_argument, NULL, OPT_PER_HOST },
		{ "connect-timeout", required_argument, NULL, OPT_CTIMEOUT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
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
		{ "quality", required_argument, NULL, OPT_QUALITY },
		{ "low-speed-time", required_argument, NULL, OPT_LOW_SPEED },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_URLS: c->urls = optarg; break;
		case OPT_OUT: o->out_dir = optarg; break;
		case OPT_CLASS: c->class_name = optarg; break;
		case OPT_PARALLEL:
			if (cli_parse_uint("--parallel", optarg, 4096, &v)) return EXIT_USAGE;
			o->parallel = (int)v;
			break;
		case OPT_PER_HOST:
			if (cli_parse_uint("--per-host", optarg, 1024, &v)) return EXIT_USAGE;
			o->per_host = (int)v;
			break;
		case OPT_CTIMEOUT:
			if (cli_parse_uint("--connect-timeout", optarg, 3600, &v)) return EXIT_USAGE;
			o->connect_timeout = (long)v;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_uint("--timeout", optarg, 86400, &v)) return EXIT_USAGE;
			o->timeout = (long)v;
			break;
		case OPT_MAX_BYTES:
			if (cli_parse_bytes("--max-bytes", optarg, &v)) return EXIT_USAGE;
			o->max_bytes = (size_t)v;
			break;
		case OPT_MIN_BYTES:
			if (!strcmp(optarg, "0")) { o->min_bytes = 0; break; }
			if (cli_parse_bytes("--min-bytes", optarg, &v)) return EXIT_USAGE;
			o->min_bytes = (size_t)v;
			break;
		case OPT_MIN_SIZE:
			if (cli_parse_uint("--min-size", optarg, 65535, &v)) return EXIT_USAGE;
			o->min_size = (int)v;
			break;
		case OPT_RETRIES:
			if (!strcmp(optarg, "0")) { o->retries = 0; break; }
			if (cli_parse_uint("--retries", optarg, 20, &v)) return EXIT_USAGE;
			o->retries = (int)v;
			break;
		case OPT_RETRY_WAIT:
			errno = 0;
			o->retry_wait = strtod(optarg, &end);
			if (*end || errno || o->retry_wait < 0 || o->retry_wait > 600)
				return cli_usage_error("--retry-wait takes seconds, 0 to 600");
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
		case OPT_QUALITY:
			if (cli_parse_uint("--quality", optarg, 100, &v)) return EXIT_USAGE;
			o->rs.quality = (int)v;
			break;
		case 'j':
			if (cli_parse_jobs(optarg, &o->threads))
				return EXIT_USAGE;
			c->threads_given = 1;
			break;
		case 'q': c->quiet = 1; break;
		case OPT_DB: c->db = optarg; break;
		case 'h': fputs(usage, stdout); return -1;
		case 'V': printf("scraper (winnow) %s\n", WINNOW_VERSION); return -1;
		default: return cli_usage_error("see 'scraper --help'");
		}
	}
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

static void count_class(struct sc_run *r, const char *name, int ok)
{
	const char *key = name ? name : "(none)";
	size_t i;

	for (i = 0; i < r->nclasses; i++)
		if (!strcmp(r->classes[i].name, key))
			break;
	if (i == r->nclasses) {
		struct sc_class *v = realloc(r->classes, (r->nclasses + 1) * sizeof(*v));
		char *copy = strdup(key);

		if (!v || !copy) {
			free(copy);
			if (v)
				r->classes = v;
			return;  /* the summary only: not worth failing the run */
		}
		r->classes = v;
		r->classes[i].name = copy;
		r->classes[i].ok = r->classes[i].failed = 0;
		r->nclasses++;
	}
	if (ok)
		r->classes[i].ok++;
	else
		r->classes[i].failed++;
}

int sc_finish(struct sc_run *r, struct transfer *t, struct wn_err *err)
{
	struct url_result u = { 0 };
	int64_t id = 0;

	u.url = t->e->url;
	u.class_name = t->e->class_name;
	u.http_code = t->http_code;
	u.final_url = t->final_url[0] ? t->final_url : NULL;
	u.content_type = t->content_type[0] ? t->content_type : NULL;
	u.attempts = t->attempts;
	if (t->ok) {
		struct image_row row;
		struct strbuf cpath = STRBUF_INIT, dir = STRBUF_INIT;
		char *real;
		const char *slash = strrchr(t->out_path, '/');

		/* The catalog path of the file: its folder's real path + name. */
		strbuf_add(&dir, t->out_path, (size_t)(slash - t->out_path));
		real = realpath(dir.buf, NULL);
		if (!real || catalog_rel_path(r->cat, real, slash + 1, &cpath)) {
			int e = errno;

			wn_fail(err, WN_EIO, "%s: %s", dir.buf, strerror(e));
			free(real);
			strbuf_release(&dir);
			strbuf_release(&cpath);
			return -1;
		}
		memset(&row, 0, sizeof(row));
		row.path = cpath.buf;
		row.class_name = t->e->class_name;
		row.size = (int64_t)t->hash.size;
		row.mtime_ns = t->mtime_ns;
		row.has_xxh3 = 1;
		memcpy(row.xxh3, t->hash.full, 16);
		memcpy(row.head_xxh3, t->hash.head, 16);
		row.width = t->info.width;
		row.height = t->info.height;
		row.format = img_format_name(t->info.format);
		row.source_url = t->e->url;
		if (images_upsert(r->cat, &row, &id, err)) {
			free(real);
			strbuf_release(&dir);
			strbuf_release(&cpath);
			return -1;
		}
		free(real);
		strbuf_release(&dir);
		strbuf_release(&cpath);
		u.status = URL_DONE;
		u.bytes = (int64_t)t->hash.size;
		u.image_id = id;
		r->ok++;
		r->bytes += t->hash.size;
	} else {
		u.status = URL_FAILED;
		u.error_kind = t->kind;
		u.error = t->error;
		u.transient = t->transient;
		r->failed++;
		r->kinds[sc_kind_index(t->kind ? t->kind : "other")]++;
	}
	count_class(r, t->e->class_name, t->ok);
	free(t->out_path);
	t->out_path = NULL;
	progress_add_bytes(r->prog, (uint64_t)u.bytes);
	progress_add(r->prog, 1, !t->ok);
	if (urls_record(r->cat, &u, err))
		return -1;
	/* Commit every 512 outcomes: a killed run keeps what it recorded. */
	if (++r->since_commit >= 512) {
		r->since_commit = 0;
		if (catalog_commit(r->cat, err) || catalog_begin(r->cat, err))
			return -1;
	}
	return 0;
}

/* Which URLs to fetch: new ones, and failed ones with --retry-failed. */
static size_t pick(struct sc_run *r, const struct url_list *l, int retry_failed,
		   const struct shard *sh, struct transfer *t, struct wn_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		enum url_status st;
		int transient, known;

		if (!shard_mine(sh, l->v[i].url, strlen(l->v[i].url)))
			continue;
		known = urls_state(r->cat, l->v[i].url, &st, &transient, err);

		if (known < 0)
			return (size_t)-1;
		if (known && (st == URL_DONE || st == URL_SKIPPED ||
			      (st == URL_FAILED && !(retry_failed && transient)))) {
			r->skipped++;
			continue;
		}
		memset(&t[n], 0, sizeof(t[n]));
		t[n].e = &l->v[i];
		strbuf_init(&t[n].body);
		n++;
	}
	return n;
}

static int write_failed(struct sc_run *r, const char *path, const struct transfer *t, size_t n)
{
	FILE *f = fopen(path, "w");

	(void)r;
	if (!f)
		return -1;
	fputs("url\tclass\tkind\treason\n", f);
	for (size_t i = 0; i < n; i++)
		if (!t[i].ok)
			fprintf(f, "%s\t%s\t%s\t%s\n", t[i].e->url,
				t[i].e->class_name ? t[i].e->class_name : "", t[i].kind, t[i].error);
	return fclose(f);
}

static void summary(const struct sc_run *r, double secs)
{
	char bytes[32];

	cli_human_bytes(r->bytes, bytes, sizeof(bytes));
	fprintf(stderr, "%s: %" PRIu64 " downloaded, %" PRIu64 " failed, %" PRIu64
		" already done; %s in %.1f s (%.0f images/s)\n", cli_prog, r->ok, r->failed,
		r->skipped, bytes, secs, secs > 0 ? (double)r->ok / secs : 0.0);
	for (size_t i = 0; i < r->nclasses; i++)
		fprintf(stderr, "%s:   class %-14s %" PRIu64 " downloaded, %" PRIu64 " failed\n",
			cli_prog, r->classes[i].name, r->classes[i].ok, r->classes[i].failed);
	for (int k = 0; k < SC_KINDS; k++)
		if (r->kinds[k])
			fprintf(stderr, "%s:   failed: %-14s %" PRIu64 "\n", cli_prog, sc_kinds[k],
				r->kinds[k]);
}

int main(int argc, char **argv)
{
	struct sc_run r = { 0 };
	struct cmdline c = { 0 };
	struct url_list l = { 0 };
	struct transfer *t = NULL;
	struct wn_err err = { 0 };
	struct timespec t0, t1;
	char counts[256];
	size_t n = 0;
	int rc;

	cli_prog = "scraper";
	r.o.parallel = 128;
	r.o.per_host = 8;
	r.o.retries = 3;
	r.o.retry_wait = 1.0;
	r.o.connect_timeout = 10;
	r.o.timeout = 60;
	r.o.low_speed_limit = 1024;
	r.o.low_speed_time = 15;
	r.o.max_bytes = 20u << 20;
	r.o.min_bytes = 1024;
	r.o.min_size = 32;
	r.o.honour_robots = 1;
	/* Storing is a header check, a hash and a write: one thread keeps up,
	 * and two writing into one folder spend their time on its lock. */
	r.o.threads = 1;
	r.o.user_agent = "winnow-scraper/" WINNOW_VERSION;
	r.o.limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	r.o.limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	r.o.rs.quality = 90;
	r.o.rs.format = IMG_JPEG;
	rc = parse(argc, argv, &r.o, &c);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	r.o.rs.limits = r.o.limits;
	if (r.o.resize && r.o.threads == 1 && !c.threads_given)
		r.o.threads = 0;  /* decoding and resizing: every core */
	if (urllist_read(c.urls, c.class_name, &l, report_line, NULL, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FATAL;
	}
	if (mkdir(r.o.out_dir, 0755) && errno != EEXIST) {
		cli_error("%s: %s", r.o.out_dir, strerror(errno));
		urllist_release(&l);
		return EXIT_FATAL;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&r.lock, NULL);
	sc_store_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = calloc(l.n ? l.n : 1, sizeof(*t));
	r.pool = pool_create(r.o.threads);
	if (!t || !r.pool) {
		cli_error("out of memory or threads");
		rc = EXIT_FATAL;
	} else if (catalog_open(cli_db_path(c.db), CATALOG_CREATE, &r.cat, &err) ||
		   run_begin(r.cat, "scraper", argc, argv, &r.run_id, &err) ||
		   (n = pick(&r, &l, c.retry_failed, &c.shard, t, &err)) == (size_t)-1 ||
		   catalog_begin(r.cat, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	} else {
		r.prog = progress_start(c.quiet ? NULL : progress_stream_for(), "scraper", n);
		rc = sc_fetch_all(&r, t, n, &err) || catalog_commit(r.cat, &err) ? EXIT_FATAL : EXIT_DONE;
		progress_finish(r.prog);
		if (rc)
			cli_error("%s", err.msg);
		else if (r.failed || l.rejected)
			rc = EXIT_PARTIAL;
		if (c.failed && write_failed(&r, c.failed, t, n)) {
			cli_error("%s: %s", c.failed, strerror(errno));
			rc = EXIT_FATAL;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		summary(&r, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (r.run_id) {
		snprintf(counts, sizeof(counts),
			 "{\"urls\":%zu,\"downloaded\":%" PRIu64 ",\"failed\":%" PRIu64
			 ",\"already_done\":%" PRIu64 ",\"rejected_lines\":%zu}",
			 l.n, r.ok, r.failed, r.skipped, l.rejected);
		run_finish(r.cat, r.run_id, rc, counts, NULL);
	}
	pool_free(r.pool);
	catalog_close(r.cat);
	for (size_t i = 0; i < r.nclasses; i++)
		free(r.classes[i].name);
	free(r.classes);
	free(t);
	urllist_release(&l);
	curl_global_cleanup();
	return rc;
}
