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

static int write_out(struct cam_cmd *cc, const char *path, const void *data, size_t len,
		     struct wn_err *err)
{
	if (write_file_atomic(path, data, len, 0, err))
		return -1;
	cc->written++;
	return 0;
}

static int write_png(struct cam_cmd *cc, const struct img *im, const char *path,
		     struct wn_err *err)
{
	uint8_t *png = NULL;
	size_t len = 0;
	int ret = img_encode_png(im, &png, &len, err) || write_out(cc, path, png, len, err) ? -1 : 0;

	free(png);
	return ret;
}

static int write_csv(struct cam_cmd *cc, const float *map, int h, int w, const char *path,
		     struct wn_err *err)
{
	struct strbuf csv = STRBUF_INIT;
	int bad = 0, ret;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			bad |= strbuf_addf(&csv, "%.9g%c", (double)map[y * w + x], x + 1 < w ? ',' : '\n');
	ret = bad ? wn_fail(err, WN_ENOMEM, "out of memory") :
	      write_out(cc, path, csv.buf, csv.len, err);
	strbuf_release(&csv);
	return ret;
}

/* The row of a file written. */
static void print_row(struct cam_cmd *cc, const char *file, const char *role, const char *what,
		      const char *prob, const char *out)
{
	table_str(&cc->tb, file);
	table_str(&cc->tb, role);
	table_str(&cc->tb, what);
	table_str(&cc->tb, prob);
	table_str(&cc->tb, out);
	table_end_row(&cc->tb);
}

/* One map of r for class j, in role ("predicted", "folder"), written and
 * its row printed. */
static int write_map(struct cam_cmd *cc, const char *file, const struct img *picture,
		     const struct cam_result *r, int j, const char *role, struct wn_err *err)
{
	struct strbuf path = STRBUF_INIT;
	struct img im = { 0 };
	const float *map = r->maps + (size_t)j * (size_t)r->h * (size_t)r->w;
	char prob[32];
	int ret = -1;

	if (strbuf_addf(&path, "%s/", cc->out)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	stem_of(file, &path);
	if (strbuf_addf(&path, ".%s.%s.%s", role, cc->head.classes[j], cc->raw ? "csv" : "png")) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (cc->raw ? write_csv(cc, map, r->h, r->w, path.buf, err) :
	    cam_render(picture, r, j, &im, err) || write_png(cc, &im, path.buf, err))
		goto out;
	snprintf(prob, sizeof(prob), "%.6f", (double)r->probs[j]);
	print_row(cc, file, role, cc->head.classes[j], prob, path.buf);
	ret = 0;
out:
	img_release(&im);
	strbuf_release(&path);
	return ret;
}

/*
 * class_maps() : the maps of the predicted and the folder class of file.
 * @return 0, 1 when the file is at fault (ferr says why), -1 when writing
 * failed (err set).
 */
static int class_maps(struct cam_cmd *cc, const char *file, const uint8_t *buf, size_t len,
		      const float *input, struct wn_err *ferr, struct wn_err *err)
{
	struct cam_result r = { 0 };
	struct img picture = { 0 };
	char *cls = folder_class(file);
	int folder = cam_head_class(&cc->head, cls), ret = -1;

	if (cam_run(cc->m, &cc->head, input, &r, err))
		goto out;
	if (!cc->raw && cam_picture(buf, len, &cc->limits, cc->side, &picture, ferr)) {
		ret = 1;
		goto out;
	}
	if (write_map(cc, file, &picture, &r, r.predicted, "predicted", err) ||
	    (folder >= 0 && write_map(cc, file, &picture, &r, folder, "folder", err)))
		goto out;
	ret = 0;
out:
	free(cls);
	img_release(&picture);
	cam_result_release(&r);
	return ret;
}

/* --layer: the layer's channels as a grid. Returns as class_maps(). */
static int layer_grid(struct cam_cmd *cc, const char *file, const float *input,
		      struct wn_err *err)
{
	struct strbuf path = STRBUF_INIT;
	struct img grid = { 0 };
	float *acts = NULL, *out = malloc(((size_t)nn_classes(cc->m) + 1) * sizeof(float));
	int h, w, c, ret = -1;

	nn_layer_shape(cc->m, cc->layer, &h, &w, &c);
	acts = malloc((size_t)h * (size_t)w * (size_t)c * sizeof(float));
	if (!out || !acts || strbuf_addf(&path, "%s/", cc->out)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	stem_of(file, &path);
	strbuf_addf(&path, ".%s.png", nn_layer_name(cc->m, cc->layer));
	for (char *p = path.buf + strlen(cc->out) + 1; *p; p++)
		*p = *p == '/' ? '_' : *p;  /* a layer name is no path */
	if (nn_run_layer(cc->m, input, out, NULL, cc->layer, acts, err) ||
	    cam_grid(acts, h, w, c, &grid, err) || write_png(cc, &grid, path.buf, err))
		goto done;
	print_row(cc, file, "layer", nn_layer_name(cc->m, cc->layer), NULL, path.buf);
	ret = 0;
done:
	img_release(&grid);
	free(acts);
	free(out);
	strbuf_release(&path);
	return ret;
}

/* One input file: 0 done, 1 it failed (reported), -1 fatal (err set). */
static int one_file(struct cam_cmd *cc, const char *file, struct wn_err *err)
{
	size_t n = (size_t)nn_input_height(cc->m) * (size_t)nn_input_width(cc->m) * 3, len = 0;
	float *input = malloc(n * sizeof(float));
	uint8_t *buf = NULL;
	struct wn_err ferr = { 0 };
	int rc;

	if (!input)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (read_file_limited(file, cc->limits.max_bytes, &buf, &len, &ferr) ||
	    nn_prepare(buf, len, nn_input_height(cc->m), nn_input_width(cc->m), cc->prep,
		       &cc->limits, input, &ferr))
		rc = 1;
	else if (cc->layer >= 0)
		rc = layer_grid(cc, file, input, err);
	else
		rc = class_maps(cc, file, buf, len, input, &ferr, err);
	if (rc == 1) {
		cli_file_error(file, wn_err_cause(&ferr, file));
		cc->failed++;
	}
	free(buf);
	free(input);
	return rc < 0 ? -1 : 0;
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

static int run_files(struct cam_cmd *cc, char **files, int n, enum out_format fmt)
{
	static const char *const cols[] = { "path", "role", "class", "probability", "out" };
	struct wn_err err = { 0 };
	int rc = EXIT_DONE;

	table_begin(&cc->tb, fmt, stdout, cols, 5);
	for (int i = 0; i < n && rc == EXIT_DONE; i++)
		if (one_file(cc, files[i], &err))
			rc = cli_fatal(&err);
	if (table_end(&cc->tb) && rc == EXIT_DONE) {
		cli_error("cannot write the rows: %s", strerror(errno));
		rc = EXIT_FATAL;
	}
	fprintf(stderr, "label cam: %d images: %" PRIu64 " files written to %s, %" PRIu64
		" failed\n", n, cc->written, cc->out, cc->failed);
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
		CLI_OPTION_FORMAT,
		CLI_OPTION_MAX_BYTES,
		CLI_OPTION_MAX_PIXELS,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = cli_getopt(co, argc, argv, "h", opts)) >= 0) {
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
