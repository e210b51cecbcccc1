/* label cam: class activation maps over images (where in the picture the
 * trained head's score for a class comes from), and a layer's activations
 * as a grid of channel maps. The arithmetic and the pictures are learn's
 * (cam.h); this reads the files and writes what it made. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "img/img.h"
#include "nn/nn.h"
#include "learn/learn.h"
#include "catalog/catalog.h"
#include "label.h"

#define CAM_MAX_FILES 100000

static const char usage[] =
	"usage: label cam --path FILE [FILE...] --out DIR [--layer NAME] [options]\n"
	"\n"
	"Class activation maps: for each image, where in the picture the trained\n"
	"head's score for a class comes from (Zhou et al. 2016). The head is linear\n"
	"on the average of the last convolution's activations, so the map of each\n"
	"position's activations times the class's weights is exactly what the score\n"
	"averages. Two maps an image: the class the head predicts and the image's\n"
	"folder class (its parent folder, when the head knows that class), each\n"
	"scaled between its own minimum (blue) and maximum (red), upsampled\n"
	"(bilinear) and laid over the picture as DIR/STEM.predicted.CLASS.png and\n"
	"DIR/STEM.folder.CLASS.png (STEM: the file name less its extension).\n"
	"Prints a row per file written: path, role, class, probability, out.\n"
	"Needs the softmax head of 'label train' in the catalog: an MLP head\n"
	"(--head mlp) is refused, as its maps would not be exact.\n"
	"\n"
	"With --layer NAME, no head: that layer's activations as a grid of channel\n"
	"maps, one grey tile a channel (DIR/STEM.NAME.png). '--layer list' lists\n"
	"the layers with their shapes.\n"
	"\n"
	"Options:\n"
	"  --path FILE       an image (repeatable; more may follow as arguments)\n"
	"  --out DIR         where to write (made when missing)\n"
	"  --layer NAME      a layer's channels instead; 'list' lists the layers\n"
	"  --raw             the maps as numbers, before upsampling and colour:\n"
	"                    CSV files (one row a map row), .csv for .png\n"
	"  --size N          the pictures' longer side, 16..4096 (default 512)\n"
	"  --model NAME      mobilenet_v2 (default) or inception_v3, or a folder\n"
	"  --nsfwjs-compat   nsfwjs' preprocessing (the head must be trained on it)\n"
	"  -j, --jobs N      worker threads (default: all cores); the files and rows\n"
	"                    are the same for any N\n"
	"  --format F        text (default), csv or jsonl for the rows\n"
	"  --max-bytes N     larger files are corrupt (default 64M)\n"
	"  --max-pixels N    larger images are corrupt (default 100000000)\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label predict --path train && label train --path train\n"
	"  label cam --path train/cats/c1.jpg train/dogs/d7.jpg --out maps\n"
	"  label cam --path train/cats/*.jpg --out maps --raw\n"
	"  label cam --layer list\n"
	"  label cam --layer block_16_project_BN --path train/cats/c1.jpg --out maps\n"
	"\n"
	"Exit status: 0 done; 1 done, but some images failed (each reported);\n"
	"2 bad usage, no head, or a head that does not fit the model; 3 fatal.\n";

struct cam_cmd {
	const char *out, *model_name;
	struct nn_model *m;
	struct cam_head head;
	int layer;                /* --layer's index, or -1: class maps */
	int raw, side;
	int threads;              /* -j: 0 every core */
	enum nn_prep prep;
	struct img_limits limits;
	struct table tb;
	uint64_t written, failed;
};

/* --layer list: every layer, its output's shape, and what to know of it. */
static void list_layers(const struct nn_model *m)
{
	for (int i = 0; i < nn_layer_count(m); i++) {
		int h, w, c, into = nn_layer_folded(m, i);

		nn_layer_shape(m, i, &h, &w, &c);
		printf("%s\t%dx%dx%d", nn_layer_name(m, i), h, w, c);
		if (into >= 0)
			printf("\tfolded with %s", nn_layer_name(m, into));
		else if (i == nn_pooled_layer(m))
			printf("\tpooled (the class maps' layer)");
		putchar('\n');
	}
}

/* STEM: the file's name less its last extension. */
static void stem_of(const char *file, struct strbuf *out)
{
	const char *base = strrchr(file, '/'), *dot;

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	strbuf_add(out, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

struct stem {
	char *stem;
	int index;
};

static int cmp_stem(const void *a, const void *b)
{
	const struct stem *x = a, *y = b;
	int c = strcmp(x->stem, y->stem);

	return c ? c : x->index - y->index;
}

/* Two inputs of the same STEM would write the same files: refused. */
static int stems_clash(char **files, int n)
{
	struct stem *st = calloc((size_t)n, sizeof(*st));
	int rc = 0, i;

	for (i = 0; st && i < n; i++) {
		struct strbuf b = STRBUF_INIT;

		stem_of(files[i], &b);
		if (!(st[i].stem = b.buf ? strbuf_detach(&b) : strdup("")))
			break;
		st[i].index = i;
	}
	if (!st || i < n) {
		cli_error("out of memory");
		rc = EXIT_FATAL;
		n = st ? i : 0;
		goto out;
	}
	qsort(st, (size_t)n, sizeof(*st), cmp_stem);
	for (i = 1; i < n && !rc; i++)
		if (!strcmp(st[i - 1].stem, st[i].stem))
			rc = cli_usage_error("%s and %s would write the same files (one name less its "
					     "extension): give them in two runs",
					     files[st[i - 1].index], files[st[i].index]);
out:
	for (i = 0; i < n; i++)
		free(st[i].stem);
	free(st);
	return rc;
}

/* The image's folder class: the name of the folder holding it, as the
 * path names it (a symlinked file is in the folder of its link). */
static char *folder_class(const char *file)
{
	char *copy = strdup(file), *real = copy ? realpath(dirname(copy), NULL) : NULL, *cls = NULL;

	if (real) {
		char *slash = strrchr(real, '/');

		cls = strdup(slash ? slash + 1 : real);
	}
	free(real);
	free(copy);
	return cls;
}

/* A file's work, done on the pool: what it wrote, the rows to print,
 * and how it ended. The rows are printed in the files' order once the
 * jobs are done, so the output is the same for any -j. */
struct cam_row {
	const char *role, *what;  /* static, the head's or the model's strings */
	char prob[32];            /* "" for none */
	char *out;                /* the file written (owned) */
};

struct cam_job {
	const struct cam_cmd *cc;
	const char *file;
	struct cam_row rows[2];
	int nrows;
	int rc;                   /* 0 done, 1 the file failed (ferr), -1 fatal (err) */
	uint64_t written;
	struct wn_err ferr, err;
};

static int write_out(struct cam_job *j, const char *path, const void *data, size_t len)
{
	if (write_file_atomic(path, data, len, 0, &j->err))
		return -1;
	j->written++;
	return 0;
}

static int write_png(struct cam_job *j, const struct img *im, const char *path)
{
	uint8_t *png = NULL;
	size_t len = 0;
	int ret = img_encode_png(im, &png, &len, &j->err) || write_out(j, path, png, len) ? -1 : 0;

	free(png);
	return ret;
}

static int write_csv(struct cam_job *j, const float *map, int h, int w, const char *path)
{
	struct strbuf csv = STRBUF_INIT;
	int bad = 0, ret;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			bad |= strbuf_addf(&csv, "%.9g%c", (double)map[y * w + x], x + 1 < w ? ',' : '\n');
	ret = bad ? wn_fail(&j->err, WN_ENOMEM, "out of memory") :
	      write_out(j, path, csv.buf, csv.len);
	strbuf_release(&csv);
	return ret;
}

/* The row of a file written; takes path's string. */
static void add_row(struct cam_job *j, const char *role, const char *what, const char *prob,
		    struct strbuf *path)
{
	struct cam_row *r = &j->rows[j->nrows++];

	r->role = role;
	r->what = what;
	snprintf(r->prob, sizeof(r->prob), "%s", prob ? prob : "");
	r->out = strbuf_detach(path);
}

/* One map of r for class c, in role ("predicted", "folder"), written and
 * its row kept. */
static int write_map(struct cam_job *j, const struct img *picture, const struct cam_result *r,
		     int c, const char *role)
{
	const struct cam_cmd *cc = j->cc;
	struct strbuf path = STRBUF_INIT;
	struct img im = { 0 };
	const float *map = r->maps + (size_t)c * (size_t)r->h * (size_t)r->w;
	char prob[32];
	int ret = -1;

	if (strbuf_addf(&path, "%s/", cc->out)) {
		wn_fail(&j->err, WN_ENOMEM, "out of memory");
		goto out;
	}
	stem_of(j->file, &path);
	if (strbuf_addf(&path, ".%s.%s.%s", role, cc->head.classes[c], cc->raw ? "csv" : "png")) {
		wn_fail(&j->err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (cc->raw ? write_csv(j, map, r->h, r->w, path.buf) :
	    cam_render(picture, r, c, &im, &j->err) || write_png(j, &im, path.buf))
		goto out;
	snprintf(prob, sizeof(prob), "%.6f", (double)r->probs[c]);
	add_row(j, role, cc->head.classes[c], prob, &path);
	ret = 0;
out:
	img_release(&im);
	strbuf_release(&path);
	return ret;
}

/*
 * class_maps() : the maps of the predicted and the folder class of the
 * job's file. @return 0, 1 when the file is at fault (j->ferr says why),
 * -1 when writing failed (j->err set).
 */
static int class_maps(struct cam_job *j, const uint8_t *buf, size_t len, const float *input)
{
	const struct cam_cmd *cc = j->cc;
	struct cam_result r = { 0 };
	struct img picture = { 0 };
	char *cls = folder_class(j->file);
	int folder = cam_head_class(&cc->head, cls), ret = -1;

	if (cam_run(cc->m, &cc->head, input, &r, &j->err))
		goto out;
	if (!cc->raw && cam_picture(buf, len, &cc->limits, cc->side, &picture, &j->ferr)) {
		ret = 1;
		goto out;
	}
	if (write_map(j, &picture, &r, r.predicted, "predicted") ||
	    (folder >= 0 && write_map(j, &picture, &r, folder, "folder")))
		goto out;
	ret = 0;
out:
	free(cls);
	img_release(&picture);
	cam_result_release(&r);
	return ret;
}

/* --layer: the layer's channels as a grid. Returns as class_maps(). */
static int layer_grid(struct cam_job *j, const float *input)
{
	const struct cam_cmd *cc = j->cc;
	struct strbuf path = STRBUF_INIT;
	struct img grid = { 0 };
	float *acts = NULL, *out = malloc(((size_t)nn_classes(cc->m) + 1) * sizeof(float));
	int h, w, c, ret = -1;

	nn_layer_shape(cc->m, cc->layer, &h, &w, &c);
	acts = malloc((size_t)h * (size_t)w * (size_t)c * sizeof(float));
	if (!out || !acts || strbuf_addf(&path, "%s/", cc->out)) {
		wn_fail(&j->err, WN_ENOMEM, "out of memory");
		goto done;
	}
	stem_of(j->file, &path);
	strbuf_addf(&path, ".%s.png", nn_layer_name(cc->m, cc->layer));
	for (char *p = path.buf + strlen(cc->out) + 1; *p; p++)
		*p = *p == '/' ? '_' : *p;  /* a layer name is no path */
	if (nn_run_layer(cc->m, input, out, NULL, cc->layer, acts, &j->err) ||
	    cam_grid(acts, h, w, c, &grid, &j->err) || write_png(j, &grid, path.buf))
		goto done;
	add_row(j, "layer", nn_layer_name(cc->m, cc->layer), NULL, &path);
	ret = 0;
done:
	img_release(&grid);
	free(acts);
	free(out);
	strbuf_release(&path);
	return ret;
}

/* One input file, a pool job: j->rc 0 done, 1 it failed, -1 fatal. */
static void one_file(void *arg)
{
	struct cam_job *j = arg;
	const struct cam_cmd *cc = j->cc;
	size_t n = (size_t)nn_input_height(cc->m) * (size_t)nn_input_width(cc->m) * 3, len = 0;
	float *input = malloc(n * sizeof(float));
	uint8_t *buf = NULL;

	if (!input)
		j->rc = wn_fail(&j->err, WN_ENOMEM, "out of memory");
	else if (read_file_limited(j->file, cc->limits.max_bytes, &buf, &len, &j->ferr) ||
		 nn_prepare(buf, len, nn_input_height(cc->m), nn_input_width(cc->m), cc->prep,
			    &cc->limits, input, &j->ferr))
		j->rc = 1;
	else if (cc->layer >= 0)
		j->rc = layer_grid(j, input);
	else
		j->rc = class_maps(j, buf, len, input);
	free(buf);
	free(input);
}

/* A job's rows printed, its failure reported, its counts added.
 * @return 0, or -1 when it was fatal (reported). */
static int finish_job(struct cam_cmd *cc, struct cam_job *j)
{
	for (int i = 0; i < j->nrows; i++) {
		table_str(&cc->tb, j->file);
		table_str(&cc->tb, j->rows[i].role);
		table_str(&cc->tb, j->rows[i].what);
		table_str(&cc->tb, j->rows[i].prob[0] ? j->rows[i].prob : NULL);
		table_str(&cc->tb, j->rows[i].out);
		table_end_row(&cc->tb);
		free(j->rows[i].out);
	}
	cc->written += j->written;
	if (j->rc == 1) {
		cli_file_error(j->file, wn_err_cause(&j->ferr, j->file));
		cc->failed++;
	}
	return j->rc < 0 ? -1 : 0;
}

/* What comes before the images: the model, the layer or the head, and the
 * folder. @return -1 to go on, or an exit status after printing why. */
static int set_up(struct cam_cmd *cc, const char *layer, const char *db, struct catalog **cat)
{
	struct wn_err err = { 0 };
	int got;

	if (nn_load_named(cc->model_name, &cc->m, &err))
		return cli_fatal(&err);
	if (layer) {
		int into;

		cc->layer = nn_layer_find(cc->m, layer);
		if (cc->layer < 0) {
			cli_error("%s has no layer '%s': 'label cam --layer list%s%s' lists them",
				  cc->model_name, layer,
				  strcmp(cc->model_name, "mobilenet_v2") ? " --model " : "",
				  strcmp(cc->model_name, "mobilenet_v2") ? cc->model_name : "");
			return EXIT_USAGE;
		}
		if ((into = nn_layer_folded(cc->m, cc->layer)) >= 0) {
			cli_error("layer '%s' is computed folded with '%s' (its own output is not "
				  "kept): ask for '%s'", layer, nn_layer_name(cc->m, into),
				  nn_layer_name(cc->m, into));
			return EXIT_USAGE;
		}
	} else {
		const char *key = nn_model_key(cc->model_name);

		if (catalog_open(cli_db_path(db), CATALOG_EXISTING, cat, &err) ||
		    (got = cam_head_load(*cat, key, &cc->head, &err)) < 0) {
			if (err.code != WN_EINVAL)
				return cli_fatal(&err);
			cli_error("%s: %s", cli_db_path(db), err.msg);  /* an MLP head */
			return EXIT_USAGE;
		}
		if (!got) {
			cli_error("%s: no head for %s: run 'label predict' and 'label train' on the "
				  "dataset first", cli_db_path(db), key);
			return EXIT_USAGE;
		}
		if (cam_check(cc->m, &cc->head, key, nn_prep_name(cc->prep), &err)) {
			cli_error("%s", err.msg);
			return EXIT_USAGE;
		}
	}
	if (mkdir(cc->out, 0777) && errno != EEXIST) {
		cli_file_error(cc->out, strerror(errno));
		return EXIT_FATAL;
	}
	return -1;
}

#define CAM_WINDOW 64        /* files on the pool at once */

static int run_files(struct cam_cmd *cc, char **files, int n, enum out_format fmt)
{
	static const char *const cols[] = { "path", "role", "class", "probability", "out" };
	struct cam_job *jobs = calloc(CAM_WINDOW, sizeof(*jobs));
	struct pool *pool = pool_create(cc->threads);
	int rc = EXIT_DONE, fatal = -1;

	if (!jobs || !pool) {
		cli_error("out of memory or threads");
		free(jobs);
		pool_free(pool);
		return EXIT_FATAL;
	}
	table_begin(&cc->tb, fmt, stdout, cols, 5);
	for (int at = 0; at < n && fatal < 0; at += CAM_WINDOW) {
		int count = n - at < CAM_WINDOW ? n - at : CAM_WINDOW;

		for (int i = 0; i < count; i++) {
			memset(&jobs[i], 0, sizeof(jobs[i]));
			jobs[i].cc = cc;
			jobs[i].file = files[at + i];
			pool_submit(pool, one_file, &jobs[i]);
		}
		pool_wait(pool);
		for (int i = 0; i < count; i++) {
			if (fatal < 0 && finish_job(cc, &jobs[i]))
				fatal = i;
			else if (fatal >= 0)   /* after a fatal error, as if not run */
				for (int r = 0; r < jobs[i].nrows; r++)
					free(jobs[i].rows[r].out);
		}
		if (fatal >= 0)
			rc = cli_fatal(&jobs[fatal].err);
	}
	if (table_end(&cc->tb) && rc == EXIT_DONE) {
		cli_error("cannot write the rows: %s", strerror(errno));
		rc = EXIT_FATAL;
	}
	fprintf(stderr, "label cam: %d images: %" PRIu64 " files written to %s, %" PRIu64
		" failed\n", n, cc->written, cc->out, cc->failed);
	pool_free(pool);
	free(jobs);
	return rc == EXIT_DONE && cc->failed ? EXIT_PARTIAL : rc;
}

/* The command line into cc, files and *layer. @return -1 to go on, or
 * the exit status (after --help, or a usage error printed). */
static int parse(struct cam_cmd *cc, struct cli_options *co, int argc, char **argv,
		 char **files, int *n, const char **layer)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'F' },
		CLI_OPTION_OUT,
		{ "layer", required_argument, NULL, 'L' },
		{ "raw", no_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 'z' },
		CLI_OPTIONS_MODEL,
		CLI_OPTION_JOBS,
		CLI_OPTION_FORMAT,
		CLI_OPTION_MAX_BYTES,
		CLI_OPTION_MAX_PIXELS,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = cli_getopt(co, argc, argv, "j:h", opts)) >= 0) {
		if (c == 'F' && *n < CAM_MAX_FILES)
			files[(*n)++] = optarg;
		else if (c == 'L')
			*layer = optarg;
		else if (c == 'r')
			cc->raw = 1;
		else if (c == 'z' && cli_parse_int("--size", optarg, 4096, &cc->side))
			return EXIT_USAGE;
	}
	if (c == CLI_OPTIONS_STOP)
		return co->status;
	while (optind < argc && *n < CAM_MAX_FILES)
		files[(*n)++] = argv[optind++];
	if (optind < argc)
		return cli_usage_error("over %d images: give them in several runs", CAM_MAX_FILES);
	if (cc->side < 16)
		return cli_usage_error("--size takes 16 to 4096");
	cc->model_name = co->model;
	cc->threads = co->jobs;
	cc->prep = co->prep;
	cc->limits = co->limits;
	cc->out = co->out;
	if (*layer && !strcmp(*layer, "list"))
		return -1;
	if (!*n || !cc->out)
		return cli_usage_error("%s", !*n ? "which images? give --path FILE" :
				       "where to? give --out DIR");
	if (*layer && cc->raw)
		return cli_usage_error("--raw writes the class maps' numbers; --layer has none");
	rc = stems_clash(files, *n);
	return rc ? rc : -1;
}

int cmd_cam(int argc, char **argv)
{
	struct cam_cmd cc = { .layer = -1, .side = 512 };
	struct cli_options co;
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	const char *layer = NULL;
	char **files = calloc(CAM_MAX_FILES, sizeof(*files));
	int n = 0, rc;

	cli_options_init(&co, usage);
	if (!files) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		return cli_fatal(&err);
	}
	rc = parse(&cc, &co, argc, argv, files, &n, &layer);
	if (rc < 0 && layer && !strcmp(layer, "list")) {
		rc = nn_load_named(cc.model_name, &cc.m, &err) ? cli_fatal(&err) : EXIT_DONE;
		if (rc == EXIT_DONE)
			list_layers(cc.m);
	}
	if (rc < 0)
		rc = set_up(&cc, layer, co.db, &cat);
	if (rc < 0)
		rc = run_files(&cc, files, n, co.format);
	free(files);
	cam_head_release(&cc.head);
	catalog_close(cat);
	nn_model_free(cc.m);
	return rc;
}
