/* augment: run an Augmentor- or Keras-style pipeline over a dataset. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "derive/derive.h"

static const char usage[] =
	"usage: augment --path IN --out OUT --pipeline FILE (--samples N | --balance N) [options]\n"
	"\n"
	"Runs an augmentation pipeline over every image under IN (laid out as\n"
	"IN/<class>/<file>) and writes the new images under OUT/<class>/ as\n"
	"<stem>_<k>.<ext>. The pipeline file holds one operation a line, in\n"
	"Augmentor's or Keras ImageDataGenerator's words, pasted as written:\n"
	"\n"
	"  rotate probability=0.2 max_left_rotation=20 max_right_rotation=20\n"
	"  pipeline.flip_left_right(probability=0.4)\n"
	"  rotation_range=30,\n"
	"\n"
	"Every name and value is checked, with its line, before any image is\n"
	"read. The geometric steps of a sample are composed into one matrix\n"
	"(grid distortions into one mesh) and each output pixel is sampled once;\n"
	"runs of brightness, contrast, invert and channel shifts are folded\n"
	"into one lookup table, and a JPEG sample whose colour steps all work\n"
	"pixel by pixel gets them on its YCbCr planes, without RGB. Each\n"
	"sample's randomness comes from the seed, the source's content hash\n"
	"and the sample index only, so a run gives the same bytes whatever -j\n"
	"is. Probabilities are exact (Augmentor rounds its draw to 0.1).\n"
	"Outputs are catalogued with their source and every value drawn; a\n"
	"re-run makes only what is missing. Corrupt sources are reported and\n"
	"skipped. See augment(1) for every operation.\n"
	"\n"
	"How many:\n"
	"  --samples N       N new images per source image\n"
	"  --balance N       top every class up to N images, its originals\n"
	"                    counted: small classes get more samples per image\n"
	"\n"
	"Options:\n"
	"  --seed S          the run's seed, 0..2^64-1 (default 0)\n"
	"  --format F        jpg (default) or png\n"
	"  --quality Q       JPEG quality, 1..100 (default 90); a jpeg_quality\n"
	"                    step overrides it for the samples it fires on\n"
	"  -n, --dry-run     print how many images each class would get; write nothing\n"
	"  -j, --jobs N      worker threads (default: all cores)\n"
	"  --max-bytes N     larger sources fail (default 64M)\n"
	"  --max-pixels N    larger images fail (default 100000000)\n"
	"  -q, --quiet       no progress line\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  augment --path train --out aug --pipeline examples/augmentor-seed003.pipeline --samples 5\n"
	"  augment --path train --out aug --pipeline keras.pipeline --balance 20000 --seed 7\n"
	"  augment --path train --out aug --pipeline p.txt --balance 20000 --dry-run\n"
	"\n"
	"Exit status: 0 done; 1 done, but some sources or outputs failed (each\n"
	"reported); 2 bad usage or a bad pipeline file; 3 fatal.\n";

enum { OPT_PIPELINE = 256, OPT_SAMPLES, OPT_BALANCE, OPT_SEED, OPT_FORMAT };

static int parse(int argc, char **argv, struct ag_run *r, struct cli_options *co)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTION_OUT,
		{ "pipeline", required_argument, NULL, OPT_PIPELINE },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "balance", required_argument, NULL, OPT_BALANCE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "format", required_argument, NULL, OPT_FORMAT },
		CLI_OPTION_QUALITY,
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_OPTIONS_IMAGE_RUN,
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	cli_options_init(co, usage);

	while ((ch = getopt_long(argc, argv, "p:j:nqh", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_PIPELINE: r->o.pipeline_path = optarg; break;
		case OPT_SAMPLES:
			if (cli_parse_uint("--samples", optarg, 100000, &r->samples))
				return EXIT_USAGE;
			break;
		case OPT_BALANCE:
			if (cli_parse_uint("--balance", optarg, 1000000000, &r->balance))
				return EXIT_USAGE;
			break;
		case OPT_SEED: {
			char *end;

			errno = 0;
			r->o.seed = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-')
				return cli_usage_error("--seed takes an integer 0..2^64-1, not '%s'",
						       optarg);
			break;
		}
		case OPT_FORMAT:
			if (!strcmp(optarg, "jpg") || !strcmp(optarg, "jpeg"))
				r->o.format = IMG_JPEG;
			else if (!strcmp(optarg, "png"))
				r->o.format = IMG_PNG;
			else
				return cli_usage_error("--format takes jpg or png, not '%s'", optarg);
			break;
		case 'n': r->dry_run = 1; break;
		default:
			if ((rc = cli_options_parse(co, ch, optarg)))
				return rc;
		}
	}
	if ((rc = cli_options_end(co, argc, argv, "IN")))
		return rc;
	r->in_dir = co->path;
	r->out_dir = co->out;
	r->threads = co->jobs;
	r->o.quality = co->quality;
	r->o.limits = co->limits;
	if (!r->out_dir)
		return cli_usage_error("where to? give --out OUT");
	if (!r->o.pipeline_path)
		return cli_usage_error("which operations? give --pipeline FILE (see augment(1))");
	if (!!r->samples == !!r->balance)
		return cli_usage_error("give --samples N or --balance N (one of them)");
	return 0;
}

/* Reads and checks the pipeline before anything else is touched. */
static int load_pipeline(struct ag_run *r, struct aug_pipeline *p)
{
	struct wn_err err = { 0 };
	uint8_t *text = NULL;
	size_t len = 0;

	if (read_file_limited(r->o.pipeline_path, AUG_MAX_FILE_BYTES, &text, &len, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	if (aug_pipeline_parse((const char *)text, len, r->o.pipeline_path, p, &err)) {
		free(text);
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	snprintf(r->o.pipeline_hash, sizeof(r->o.pipeline_hash), "%016llx",
		 (unsigned long long)XXH3_64bits(text, len));
	free(text);
	if (!p->n) {
		cli_error("%s: no operations", r->o.pipeline_path);
		aug_pipeline_release(p);
		return EXIT_USAGE;
	}
	if (p->ignored_rescale)
		fprintf(stderr, "%s: %s:%u: rescale is ignored: it is a normalisation the "
			"training code does, not an augmentation\n", cli_prog, r->o.pipeline_path,
			p->ignored_rescale);
	return 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_plan(const struct ag_run *r)
{
	uint64_t total = 0;

	printf("%-24s %10s %10s %10s\n", "class", "originals", "new", "total");
	for (size_t i = 0; i < r->nclasses; i++) {
		const struct ag_class *c = &r->classes[i];

		printf("%-24s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
		       c->name ? c->name : "(none)", c->originals, c->planned,
		       c->originals + c->planned);
		total += c->planned;
	}
	printf("%" PRIu64 " new images planned, %" PRIu64 " of them already made; nothing "
	       "written (--dry-run)\n", total, r->unchanged);
}

/* OUT made (not in a dry run) and both folders resolved, before the
 * catalog is opened. @return 0 or the exit status, the error printed. */
static int open_dirs(struct ag_run *r)
{
	if (!r->dry_run && mkdir(r->out_dir, 0755) && errno != EEXIST) {
		cli_error("%s: %s", r->out_dir, strerror(errno));
		return EXIT_FATAL;
	}
	r->in_real = realpath(r->in_dir, NULL);
	r->out_real = realpath(r->out_dir, NULL);
	if (!r->in_real) {
		cli_error("%s: %s", r->in_dir, strerror(errno));
		return EXIT_FATAL;
	}
	if (!r->out_real) {
		/* a dry run does not make OUT: name outputs as if it existed */
		if (!r->dry_run || errno != ENOENT || !(r->out_real = strdup(r->out_dir))) {
			cli_error("%s: %s", r->out_dir, strerror(errno));
			return EXIT_FATAL;
		}
	}
	if (!strcmp(r->in_real, r->out_real))
		return cli_usage_error("--out must not be --path: the new images would become "
				       "sources of the next run");
	return 0;
}

static void summary(const struct ag_run *r, double secs)
{
	char bytes[32];

	cli_human_bytes(r->bytes_out, bytes, sizeof(bytes));
	if (r->dry_run)
		print_plan(r);
	else
		fprintf(stderr, "augment: %" PRIu64 " sources: %" PRIu64 " images made, %" PRIu64
			" already made, %" PRIu64 " sources failed, %" PRIu64 " outputs failed;"
			" %s out, %.1f s (%.0f images/s)\n", r->sources, r->made, r->unchanged,
			r->failed_sources, r->failed_outputs, bytes, secs,
			secs > 0 ? (double)r->made / secs : 0.0);
}

int main(int argc, char **argv)
{
	struct ag_run r = { 0 };
	struct cli_options co;
	struct aug_pipeline pipe = { 0 };
	struct wn_err err = { 0 };
	struct timespec t0;
	char counts[256];
	int rc;

	/* Every sample allocates and frees a few hundred kilobytes of
	 * planes: from the heap, reused, rather than fresh mappings (or a
	 * trimmed heap) whose pages fault in for every image. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);

	cli_prog = "augment";
	r.o.format = IMG_JPEG;
	rc = parse(argc, argv, &r, &co);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	rc = load_pipeline(&r, &pipe);
	if (rc)
		return rc;
	r.o.pipe = &pipe;
	rc = open_dirs(&r);
	if (rc)
		goto out;
	r.progress = co.quiet ? NULL : progress_stream_for();
	r.on_problem = cli_file_error;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (catalog_open(cli_db_path(co.db), CATALOG_CREATE, &r.cat, &err) ||
	    (!r.dry_run && run_begin(r.cat, "augment", argc, argv, &r.run_id, &err)) ||
	    ag_count(&r, &err) || ag_run(&r, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	} else {
		rc = r.failed_sources || r.failed_outputs ? EXIT_PARTIAL : EXIT_DONE;
		summary(&r, elapsed(&t0));
	}
	snprintf(counts, sizeof(counts),
		 "{\"sources\":%" PRIu64 ",\"made\":%" PRIu64 ",\"unchanged\":%" PRIu64
		 ",\"failed_sources\":%" PRIu64 ",\"failed_outputs\":%" PRIu64 ",\"bytes_out\":%"
		 PRIu64 "}", r.sources, r.made, r.unchanged, r.failed_sources, r.failed_outputs,
		 r.bytes_out);
	if (r.run_id && run_finish(r.cat, r.run_id, rc, counts, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_FATAL;
	}
out:
	catalog_close(r.cat);
	ag_release(&r);
	free(r.in_real);
	free(r.out_real);
	aug_pipeline_release(&pipe);
	return rc;
}
