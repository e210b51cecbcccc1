/* resize: normalise a dataset's images to one size. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "derive/derive.h"

static const char usage[] =
	"usage: resize --path IN (--out OUT | --in-place) [--size N | --geometry G] [options]\n"
	"\n"
	"Resizes every image under IN (laid out as IN/<class>/<file>) and writes the\n"
	"same tree under OUT, or replaces each file in place (atomically: a reader\n"
	"never sees a partial image). JPEGs are decoded at a reduced DCT scale\n"
	"while at least twice the target size remains, then Lanczos3 gives the\n"
	"exact size; EXIF orientation is applied and metadata dropped. Images\n"
	"already within the size are copied (or converted to the output format).\n"
	"Each output is catalogued with its size, XXH3-128, dHash and thumbnail,\n"
	"and a re-run skips outputs whose source is unchanged. Sources that are\n"
	"corrupt, truncated, not images or over the limits are reported, marked\n"
	"corrupt in the catalog and never produce an output.\n"
	"\n"
	"Size (one of):\n"
	"  --size N          the shorter side becomes N, never enlarging (default 320)\n"
	"  --geometry G      ImageMagick's geometry: W, xH, WxH (fit inside), WxH^\n"
	"                    (fill), WxH! (exact), P% or P%xQ%, with > (only\n"
	"                    shrink) or < (only enlarge), A@ (at most A pixels);\n"
	"                    sizes as mogrify -geometry gives them\n"
	"\n"
	"Output:\n"
	"  --out OUT         write OUT/<class>/<name>\n"
	"  --in-place        replace each file (keeps its format; not GIFs)\n"
	"  --format F        jpg (default), png, webp, or keep\n"
	"  --quality Q       JPEG and WebP quality, 1..100 (default 90)\n"
	"  --quarantine DIR  move sources that fail under DIR\n"
	"  --shard K/N       take only share K of N of the images (by a hash of the\n"
	"                    path below IN), for N machines; see db merge\n"
	"\n"
	"Other:\n"
	"  -j, --jobs N      worker threads (default: all cores)\n"
	"  --max-bytes N     larger sources fail (default 64M)\n"
	"  --max-pixels N    larger images fail (default 100000000)\n"
	"  -q, --quiet       no progress line\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  resize --path raw_data --out train              # shorter side 320, JPEG q90\n"
	"  resize --path raw --out train --geometry x320   # as mogrify -geometry x320\n"
	"  resize --path train --in-place --geometry 'x320>' --quarantine bad\n"
	"  resize --path raw --out small --geometry '102400@>'  # at most 320x320 pixels\n"
	"  resize --path raw --out small --size 224 --format webp --quality 85\n"
	"\n"
	"Exit status: 0 done; 1 done, but some sources failed (each reported);\n"
	"2 bad usage; 3 fatal.\n";

enum { OPT_IN_PLACE = 256, OPT_SIZE, OPT_GEOMETRY, OPT_FORMAT, OPT_QUARANTINE,
       OPT_SHARD };

struct cmdline {
	struct cli_options co;
	const char *size, *geometry, *format;
};

static int parse_format(const char *s, enum img_format *f)
{
	if (!strcmp(s, "jpg") || !strcmp(s, "jpeg"))
		*f = IMG_JPEG;
	else if (!strcmp(s, "png"))
		*f = IMG_PNG;
	else if (!strcmp(s, "webp"))
		*f = IMG_WEBP;
	else if (!strcmp(s, "keep"))
		*f = IMG_UNKNOWN;
	else
		return cli_usage_error("--format takes jpg, png, webp or keep, not '%s'", s);
	return 0;
}

static int parse(int argc, char **argv, struct rs_run *r, struct cmdline *c)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTION_OUT,
		{ "in-place", no_argument, NULL, OPT_IN_PLACE },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "geometry", required_argument, NULL, OPT_GEOMETRY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		CLI_OPTION_QUALITY,
		{ "quarantine", required_argument, NULL, OPT_QUARANTINE },
		{ "shard", required_argument, NULL, OPT_SHARD },
		CLI_OPTIONS_IMAGE_RUN,
		{ NULL, 0, NULL, 0 },
	};
	struct wn_err err;
	uint64_t v;
	int ch, rc;

	cli_options_init(&c->co, usage);

	while ((ch = getopt_long(argc, argv, "p:j:qh", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_IN_PLACE: r->in_place = 1; break;
		case OPT_SIZE: c->size = optarg; break;
		case OPT_GEOMETRY: c->geometry = optarg; break;
		case OPT_FORMAT: c->format = optarg; break;
		case OPT_QUARANTINE: r->quarantine = optarg; break;
		case OPT_SHARD:
			if (shard_parse(optarg, &r->shard, &err))
				return cli_usage_error("%s", err.msg);
			break;
		default:
			if ((rc = cli_options_parse(&c->co, ch, optarg)))
				return rc;
		}
	}
	if ((rc = cli_options_end(&c->co, argc, argv, "IN")))
		return rc;
	r->in_dir = c->co.path;
	r->out_dir = c->co.out;
	r->threads = c->co.jobs;
	r->tf.quality = c->co.quality;
	r->tf.limits = c->co.limits;
	if (!!r->out_dir == !!r->in_place)
		return cli_usage_error("give --out OUT or --in-place");
	if (c->size && c->geometry)
		return cli_usage_error("give --size or --geometry, not both");
	if (c->geometry) {
		if (geometry_parse(c->geometry, &r->tf.geom, &err))
			return cli_usage_error("%s", err.msg);
	} else {
		if (c->size && cli_parse_uint("--size", c->size, 65535, &v))
			return EXIT_USAGE;
		geometry_shorter_side(&r->tf.geom, c->size ? (int)v : 320);
	}
	r->tf.format = r->in_place ? IMG_UNKNOWN : IMG_JPEG;
	if (c->format && parse_format(c->format, &r->tf.format))
		return EXIT_USAGE;
	if (r->in_place && r->tf.format != IMG_UNKNOWN)
		return cli_usage_error("--in-place keeps each file's format; use --out to convert");
	return 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void summary(const struct rs_run *r, double secs)
{
	char in[32], out[32];

	cli_human_bytes(r->bytes_in, in, sizeof(in));
	cli_human_bytes(r->bytes_out, out, sizeof(out));
	fprintf(stderr, "%s: %" PRIu64 " files: %" PRIu64 " resized, %" PRIu64 " copied, %" PRIu64
		" unchanged, %" PRIu64 " failed%s; %s in, %s out, %.1f s (%.0f images/s)\n",
		cli_prog, r->files, r->resized, r->copied, r->unchanged, r->failed,
		r->quarantined ? " (quarantined)" : "", in, out, secs,
		secs > 0 ? (double)(r->resized + r->copied) / secs : 0.0);
}

int main(int argc, char **argv)
{
	struct rs_run r = { 0 };
	struct cmdline c = { 0 };
	struct wn_err err = { 0 };
	struct timespec t0;
	char recipe[160], counts[256];
	int rc;

	cli_prog = "resize";
	rc = parse(argc, argv, &r, &c);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	if (r.in_place)
		r.out_dir = r.in_dir;
	if (mkdir(r.out_dir, 0755) && errno != EEXIST) {
		cli_error("%s: %s", r.out_dir, strerror(errno));
		return EXIT_FATAL;
	}
	r.in_real = realpath(r.in_dir, NULL);
	r.out_real = realpath(r.out_dir, NULL);
	if (!r.in_real || !r.out_real) {
		cli_error("%s: %s", r.in_real ? r.out_dir : r.in_dir, strerror(errno));
		free(r.in_real);
		free(r.out_real);
		return EXIT_FATAL;
	}
	snprintf(recipe, sizeof(recipe), "resize %s=%s format=%s quality=%d",
		 c.geometry ? "geometry" : "size", c.geometry ? c.geometry : c.size ? c.size : "320",
		 r.tf.format == IMG_UNKNOWN ? "keep" : img_format_name(r.tf.format), r.tf.quality);
	r.recipe = recipe;
	r.on_problem = cli_file_error;
	r.after_act = cli_test_kill_point;
	r.progress = c.co.quiet ? NULL : progress_stream_for();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!catalog_open(cli_db_path(c.co.db), CATALOG_CREATE, &r.cat, &err))
		cli_note_recovery(r.cat);
	if (!r.cat || run_begin(r.cat, "resize", argc, argv, &r.run_id, &err) ||
	    rs_run(&r, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	} else {
		rc = r.failed ? EXIT_PARTIAL : EXIT_DONE;
		summary(&r, elapsed(&t0));
	}
	snprintf(counts, sizeof(counts),
		 "{\"files\":%" PRIu64 ",\"resized\":%" PRIu64 ",\"copied\":%" PRIu64
		 ",\"unchanged\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"bytes_in\":%" PRIu64
		 ",\"bytes_out\":%" PRIu64 "}", r.files, r.resized, r.copied, r.unchanged, r.failed,
		 r.bytes_in, r.bytes_out);
	if (r.run_id && run_finish(r.cat, r.run_id, rc, counts, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	}
	catalog_close(r.cat);
	free(r.in_real);
	free(r.out_real);
	return rc;
}
