/* label predict: the classifier's probabilities and embedding for every
 * image under a folder, kept in the catalog and reused while the file is
 * unchanged. The folder is catalogued first (as db scan does), so corrupt
 * files are known and reported before any inference. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "nn/nn.h"
#include "catalog/catalog.h"
#include "label.h"

#define BATCH 64

static const char usage[] =
	"usage: label predict --path DIR [--model NAME] [--nsfwjs-compat] [options]\n"
	"\n"
	"Runs the classifier on every image under DIR (DIR/<class>/<file>) and keeps,\n"
	"per image, the class probabilities and the embedding (the model's Flatten\n"
	"output: 1280 floats for MobileNetV2, 2048 for InceptionV3) in the catalog;\n"
	"for MobileNetV2 also a middle layer's averages (576 floats, model\n"
	"mid:NAME), which 'label train' cross-validates on.\n"
	"Images predicted before and unchanged since are not read again. The folder\n"
	"is catalogued first; corrupt files are reported and skipped.\n"
	"\n"
	"Images are decoded at a reduced size when they are JPEGs and scaled to the\n"
	"model's square input with Lanczos3, without cropping. --nsfwjs-compat does\n"
	"exactly what nsfwjs does instead (full decode, bilinear with align_corners),\n"
	"so the numbers can be compared with it.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root\n"
	"  --model NAME      mobilenet_v2 (default, 224 px) or inception_v3 (299 px),\n"
	"                    or a folder holding a TensorFlow.js layers model\n"
	"  --nsfwjs-compat   nsfwjs' own preprocessing\n"
	"  --format F        also print one row per image: text, csv (header\n"
	"                    path,<class>,...) or jsonl\n"
	"  -j, --jobs N      worker threads (default: all cores)\n"
	"  --shard K/N       take only share K of N of the images (by a hash of the\n"
	"                    path below DIR; the others are not opened), for N\n"
	"                    machines; see db merge\n"
	"  --max-bytes N     larger files are corrupt (default 64M)\n"
	"  --max-pixels N    larger images are corrupt (default 100000000)\n"
	"  -q, --quiet       no progress line\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label predict --path train\n"
	"  label predict --path train --model inception_v3 -j 2\n"
	"  label predict --path test --format csv > probs.csv\n"
	"\n"
	"The models are nsfwjs' (MIT); 'make model' fetches and converts them.\n"
	"\n"
	"Exit status: 0 done; 1 done, but some images failed (each reported);\n"
	"2 bad usage; 3 fatal (catalog, model or I/O).\n";

struct item {
	int64_t id;
	char *path, *disk, *class_name;
	uint8_t xxh3[16];
	float *probs;             /* nn_classes() */
	int have;                 /* probs valid (from the catalog or this run) */
	float *embedding;         /* this run's, until recorded */
	float *mid;               /* this run's mid-layer averages, or NULL */
	int failed;
	struct wn_err err;
};

struct predict {
	const struct nn_model *m;
	struct shard shard;
	size_t prefix_len;        /* of the catalog path, before the path below DIR */
	struct catalog *cat;
	uint64_t gone;            /* catalogued, but no longer on disk */
	enum nn_prep prep;
	struct img_limits limits;
	struct progress *prog;
	struct item *items;
	size_t n, cap;
	uint64_t corrupt;
	const char *key;          /* the model's, in the catalog */
	int mid;                  /* LABEL_MID_LAYER's index, or -1: none */
	int mid_c;                /* its channels */
	const char *mid_key;      /* "mid:<key>" */
	const char *classes;      /* its class names as JSON */
	uint64_t made, reused, failed;
};

struct job {
	struct predict *pr;
	struct item *it;
};

/* The mid layer's activations of the image whose input is in, averaged
 * over its positions into it->mid, with the run's outputs. @return 0, or
 * -1 with it->err set. */
static int run_mid(const struct predict *pr, const float *in, struct item *it)
{
	int h, w, c;
	float *acts;
	int ret;

	nn_layer_shape(pr->m, pr->mid, &h, &w, &c);
	acts = malloc((size_t)h * (size_t)w * (size_t)c * sizeof(float));
	it->mid = calloc((size_t)c, sizeof(float));
	if (!acts || !it->mid) {
		free(acts);
		return wn_fail(&it->err, WN_ENOMEM, "out of memory");
	}
	ret = nn_run_layer(pr->m, in, it->probs, it->embedding, pr->mid, acts, &it->err);
	for (size_t p = 0; !ret && p < (size_t)h * (size_t)w; p++)
		for (int k = 0; k < c; k++)
			it->mid[k] += acts[p * (size_t)c + (size_t)k];
	for (int k = 0; !ret && k < c; k++)
		it->mid[k] /= (float)(h * w);
	free(acts);
	return ret;
}

static void run_job(void *arg)
{
	struct job *j = arg;
	const struct nn_model *m = j->pr->m;
	size_t in_n = (size_t)nn_input_height(m) * (size_t)nn_input_width(m) * 3;
	float *in = malloc(in_n * sizeof(float));
	uint8_t *buf = NULL;
	size_t len = 0;

	j->it->embedding = malloc(((size_t)nn_embedding_size(m) + 1) * sizeof(float));
	if (!in || !j->it->embedding) {
		wn_fail(&j->it->err, WN_ENOMEM, "out of memory");
		j->it->failed = 1;
	} else if (read_file_limited(j->it->disk, j->pr->limits.max_bytes, &buf, &len, &j->it->err) ||
		   nn_prepare(buf, len, nn_input_height(m), nn_input_width(m), j->pr->prep,
			      &j->pr->limits, in, &j->it->err) ||
		   (j->pr->mid >= 0 ? run_mid(j->pr, in, j->it) :
		    nn_run(m, in, j->it->probs, j->it->embedding, &j->it->err))) {
		j->it->failed = 1;
	} else {
		j->it->have = 1;
	}
	free(in);
	free(buf);
	progress_add(j->pr->prog, 1, j->it->failed);
}

static int take_item(void *data, void *job, const struct walk_entry *e, size_t i,
		     struct wn_err *err)
{
	struct job *j = job;

	(void)e;
	(void)err;
	j->pr = data;
	j->it = &j->pr->items[i];
	return 1;
}

/* An image runs unless the catalog had its probabilities. */
static int plan_item(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct predict *pr = data;

	(void)err;
	if (!((struct job *)jobs)[i].it->have)
		return 1;
	pr->reused++;
	return 0;
}

static int record_item(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct predict *pr = data;
	struct item *it = ((struct job *)jobs)[i].it;
	struct prediction p;

	if (it->failed) {
		pr->failed++;
		cli_file_error(it->disk, wn_err_cause(&it->err, it->disk));
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.image_id = it->id;
	p.model = pr->key;
	p.prep = nn_prep_name(pr->prep);
	memcpy(p.xxh3, it->xxh3, 16);
	p.classes = pr->classes;
	p.probs = it->probs;
	p.nprobs = nn_classes(pr->m);
	p.embedding = it->embedding;
	p.nembedding = nn_embedding_size(pr->m);
	if (predictions_set(pr->cat, &p, err))
		return -1;
	if (it->mid) {
		p.model = pr->mid_key;
		p.embedding = it->mid;
		p.nembedding = pr->mid_c;
		if (predictions_set(pr->cat, &p, err))
			return -1;
	}
	pr->made++;
	free(it->embedding);
	it->embedding = NULL;
	free(it->mid);
	it->mid = NULL;
	return 0;
}

static int collect(const struct image_row *row, void *data)
{
	struct predict *pr = data;
	struct item *it;

	if (!row->has_xxh3 || strlen(row->path) < pr->prefix_len ||
	    !shard_mine(&pr->shard, row->path + pr->prefix_len, strlen(row->path) - pr->prefix_len))
		return 0;
	if (!catalog_on_disk(pr->cat, row->path)) {
		pr->gone++;
		return 0;
	}
	if (ARRAY_GROW(pr->items, pr->cap, pr->n, 1024))
		return -2;
	it = &pr->items[pr->n];
	memset(it, 0, sizeof(*it));
	it->id = row->id;
	memcpy(it->xxh3, row->xxh3, 16);
	it->path = strdup(row->path);
	it->class_name = row->class_name ? strdup(row->class_name) : NULL;
	pr->n++;
	if (!it->path || (row->class_name && !it->class_name))
		return -2;
	return 0;
}

static void report(const char *path, const char *cause, int unreadable, void *data)
{
	(void)unreadable;
	((struct predict *)data)->corrupt++;
	cli_file_error(path, cause);
}

/* LABEL_MID_LAYER in pr->m, kept under "mid:<key>" (built in mid_key),
 * or pr->mid -1 when the model has no such layer. @return 0, or -1 out of
 * memory. */
static int mid_layer(struct predict *pr, const char *key, struct strbuf *mid_key)
{
	int h, w;

	pr->mid = nn_layer_find(pr->m, LABEL_MID_LAYER);
	if (pr->mid >= 0 && nn_layer_folded(pr->m, pr->mid) >= 0)
		pr->mid = -1;
	if (pr->mid < 0)
		return 0;
	nn_layer_shape(pr->m, pr->mid, &h, &w, &pr->mid_c);
	if (strbuf_addf(mid_key, "%s%s", LABEL_MID_PREFIX, key))
		return -1;
	pr->mid_key = mid_key->buf;
	return 0;
}

/* Whether the catalog has the mid layer's averages of it, made from the
 * same file. @return 1 yes, 0 no, -1 with err set. */
static int have_mid(const struct predict *pr, const struct item *it, struct wn_err *err)
{
	float *p = malloc((size_t)nn_classes(pr->m) * sizeof(float));
	int n = 0, got;

	if (!p)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	got = predictions_get(pr->cat, it->id, pr->mid_key, nn_prep_name(pr->prep), it->xxh3, p,
			      nn_classes(pr->m), &n, err);
	free(p);
	return got < 0 ? -1 : got && n == nn_classes(pr->m);
}

/* The class names as a JSON array, for the catalog. */
static int classes_json(const struct nn_model *m, struct strbuf *out)
{
	int bad = strbuf_addch(out, '[');

	for (int i = 0; i < nn_classes(m); i++) {
		bad |= i ? strbuf_addch(out, ',') : 0;
		bad |= quote_json(out, nn_class_name(m, i));
	}
	return bad | strbuf_addch(out, ']');
}

static void print_rows(const struct predict *pr, enum out_format fmt)
{
	int k = nn_classes(pr->m);
	const char **cols = calloc((size_t)k + 1, sizeof(*cols));
	struct table t;
	char v[32];

	if (!cols)
		return;
	cols[0] = "path";
	for (int i = 0; i < k; i++)
		cols[i + 1] = nn_class_name(pr->m, i);
	table_begin(&t, fmt, stdout, cols, k + 1);
	for (size_t i = 0; i < pr->n; i++) {
		if (!pr->items[i].have)
			continue;
		table_str(&t, pr->items[i].path);
		for (int c = 0; c < k; c++) {
			snprintf(v, sizeof(v), "%.6f", pr->items[i].probs[c]);
			table_str(&t, v);
		}
		table_end_row(&t);
	}
	table_end(&t);
	free(cols);
}

int cmd_predict(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTIONS_MODEL,
		{ "format", required_argument, NULL, 'f' },
		CLI_OPTION_JOBS,
		{ "shard", required_argument, NULL, 'S' },
		CLI_OPTION_MAX_BYTES,
		CLI_OPTION_MAX_PIXELS,
		CLI_OPTION_QUIET,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options co;
	struct predict pr = { 0 };
	struct scan_opts so;
	struct scan_stats ss = { 0 };
	struct catalog *cat = NULL;
	struct nn_model *model = NULL;
	struct batch_ops ops = { .job_size = sizeof(struct job), .batch = BATCH, .take = take_item,
				 .plan = plan_item, .work = run_job, .commit = record_item,
				 .data = &pr };
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT, classes = STRBUF_INIT, mid_key = STRBUF_INIT;
	const char *root = NULL, *model_name, *db = NULL, *key;
	struct image_filter filter = { NULL, IMAGE_OK, NULL };
	enum out_format fmt = FMT_TEXT;
	int threads, quiet, print = 0, rc = EXIT_FATAL, c;
	int64_t run_id = 0;
	struct timespec t0, t1;
	char counts[256];

	scan_opts_init(&so);
	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:j:qh", opts)) >= 0) {
		switch (c) {
		case 'f':
			if (cli_parse_format(optarg, &fmt))
				return EXIT_USAGE;
			print = 1;
			break;
		case 'S':
			if (shard_parse(optarg, &pr.shard, &err))
				return cli_usage_error("%s", err.msg);
			break;
		}
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	root = co.path;
	threads = co.jobs;
	model_name = co.model;
	pr.prep = co.prep;
	quiet = co.quiet;
	db = co.db;
	pr.limits = co.limits;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nn_load_named(model_name, &model, &err))
		return cli_fatal(&err);
	pr.m = model;
	key = nn_model_key(model_name);
	if (mid_layer(&pr, key, &mid_key)) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	so.threads = threads;
	so.limits = pr.limits;
	so.shard = pr.shard;   /* the other shards' files are not even hashed here */
	so.on_problem = report;
	so.data = &pr;
	so.progress = quiet ? NULL : progress_stream_for();
	if (catalog_open(cli_db_path(db), CATALOG_CREATE, &cat, &err) ||
	    run_begin(cat, "label predict", argc, argv, &run_id, &err) ||
	    catalog_rel_prefix(cat, root, &prefix, &err) ||
	    scan_tree(cat, root, &so, &ss, &err))
		goto fail;
	filter.path_prefix = prefix.len ? prefix.buf : NULL;
	pr.cat = cat;
	pr.prefix_len = prefix.len;
	if (images_foreach(cat, &filter, collect, &pr, &err) == -2 || classes_json(model, &classes)) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (err.code)
		goto fail;
	/* what the catalog already has, and the rest to run */
	for (size_t i = 0; i < pr.n; i++) {
		struct item *it = &pr.items[i];
		struct strbuf disk = STRBUF_INIT;
		int n = 0, got;

		it->probs = malloc((size_t)nn_classes(model) * sizeof(float));
		if (!it->probs || catalog_disk_path(cat, it->path, &disk)) {
			wn_fail(&err, WN_ENOMEM, "out of memory");
			goto fail;
		}
		it->disk = strbuf_detach(&disk);
		got = predictions_get(cat, it->id, key, nn_prep_name(pr.prep), it->xxh3, it->probs,
				      nn_classes(model), &n, &err);
		if (got < 0)
			goto fail;
		it->have = got && n == nn_classes(model);
		if (it->have && pr.mid >= 0 && (got = have_mid(&pr, it, &err)) <= 0) {
			if (got < 0)
				goto fail;
			it->have = 0;  /* predicted before the mid layer was kept */
		}
	}
	{
		uint64_t to_run = 0;

		for (size_t i = 0; i < pr.n; i++)
			to_run += !pr.items[i].have;
		pr.prog = progress_start(so.progress, "label predict", to_run);
	}
	ops.threads = threads;
	pr.key = key;
	pr.classes = classes.buf;
	if (batch_list(cat, pr.n, &ops, &err))
		goto fail;
	progress_finish(pr.prog);
	pr.prog = NULL;
	if (print)
		print_rows(&pr, fmt);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		fprintf(stderr, "label predict: %zu images: %" PRIu64 " predicted, %" PRIu64
			" unchanged, %" PRIu64 " failed, %" PRIu64 " corrupt; %s, %.1f s (%.1f images/s)\n",
			pr.n, pr.made, pr.reused, pr.failed, ss.corrupt + ss.unreadable, key, secs,
			secs > 0 ? (double)pr.made / secs : 0.0);
		if (pr.gone)
			fprintf(stderr, "label predict: %" PRIu64 " catalogued images under %s are no "
				"longer there (moved or deleted; 'db check' lists them): left out\n",
				pr.gone, root);
	}
	rc = pr.failed || ss.corrupt || ss.unreadable ? EXIT_PARTIAL : EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	progress_finish(pr.prog);
	snprintf(counts, sizeof(counts),
		 "{\"images\":%zu,\"predicted\":%" PRIu64 ",\"unchanged\":%" PRIu64 ",\"failed\":%"
		 PRIu64 ",\"corrupt\":%" PRIu64 "}", pr.n, pr.made, pr.reused, pr.failed,
		 ss.corrupt + ss.unreadable);
	if (run_id && run_finish(cat, run_id, rc, counts, &err) && rc != EXIT_FATAL)
		rc = cli_fatal(&err);
	for (size_t i = 0; i < pr.n; i++) {
		free(pr.items[i].path);
		free(pr.items[i].disk);
		free(pr.items[i].class_name);
		free(pr.items[i].probs);
		free(pr.items[i].embedding);
		free(pr.items[i].mid);
	}
	free(pr.items);
	strbuf_release(&prefix);
	strbuf_release(&classes);
	strbuf_release(&mid_key);
	catalog_close(cat);
	nn_model_free(model);
	return rc;
}
