/* label export: the backbone with the trained head on top, as one
 * TensorFlow.js layers model that nsfwjs loads (nsfwjs.load(URL,
 * {type: 'layers'})) and label predict --model DIR runs. The head is
 * read back as dense layers (learn/headlayers.h), the model written by
 * nn_save_with_head() into a folder staged beside OUT, loaded again and
 * checked against the head before it is put in place. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "label.h"

#define EXPORT_MARKER ".winnow-export"

static const char usage[] =
	"usage: label export --out DIR [--model NAME] [--force] [--db FILE]\n"
	"\n"
	"Writes the classifier with the head 'label train' fitted on top, as one\n"
	"TensorFlow.js layers model: DIR/model.json, its weight shards\n"
	"(group1-shard*of*.bin) and DIR/classes.txt (the folder classes, one a line,\n"
	"in the order of the model's outputs). The backbone's layers up to its\n"
	"embedding and their weights are copied as they are; the head's input\n"
	"standardisation is folded into one Dense layer with a softmax (an MLP\n"
	"head: Dense ReLU layers, then the softmax). Serve DIR over HTTP and\n"
	"nsfwjs loads it, or run it with 'label predict --model DIR'.\n"
	"nsfwjs' classify() names the outputs with its own five class names by\n"
	"index (nsfwjs 4.4 takes no others): read the names from DIR/classes.txt\n"
	"(index i, line i+1); past five classes classify() names none of outputs\n"
	"5 and up: read model.infer(image)'s probabilities by index. nsfwjs\n"
	"prepares images as 'label predict --nsfwjs-compat' does: a head trained on\n"
	"those embeddings (predict and train with --nsfwjs-compat) sees in nsfwjs\n"
	"what it was trained on.\n"
	"\n"
	"DIR is built beside its place and put there whole, once the written model\n"
	"has loaded and given the head's probabilities. A DIR that exists and is\n"
	"not empty is refused unless --force; even then only an earlier export\n"
	"(it holds " EXPORT_MARKER ") is replaced.\n"
	"\n"
	"Options:\n"
	"  --out DIR         the model's folder\n"
	"  --model NAME      the backbone whose embeddings the head was trained on:\n"
	"                    mobilenet_v2 (default, 224 px), inception_v3 (299 px), or\n"
	"                    a folder holding a TensorFlow.js layers model\n"
	"  --force           replace an earlier export at DIR\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label train --path train && label export --out web/model\n"
	"  label export --out web/model --model inception_v3 --force\n"
	"  label predict --path test --model web/model --format csv\n"
	"  // in node or the browser, with DIR served at http://HOST/model/:\n"
	"  // const m = await nsfwjs.load('http://HOST/model/', {type: 'layers', size: 224})\n"
	"\n"
	"Exit status: 0 done; 2 bad usage, DIR not empty, or no head for the model;\n"
	"3 fatal (catalog, model or I/O).\n";

/* Whether path names something that is not an empty folder (a symlink
 * to a folder is the folder, as stage_begin() takes it). */
static int taken(const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int found = 0;

	if (stat(path, &st))
		return lstat(path, &st) == 0;  /* a dangling symlink is something */
	if (!S_ISDIR(st.st_mode))
		return 1;
	if (!(d = opendir(path)))
		return 1;
	while (!found && (e = readdir(d)))
		found = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return found;
}

/* The one-line reason there is no head for key, and what to run. */
static int no_head(const char *key, const char *model, const char *others, const char *db)
{
	int dflt = !strcmp(model, "mobilenet_v2");

	if (!*others)
		cli_error("%s: no trained head: run 'label train --path DIR%s%s' first", db,
			  dflt ? "" : " --model ", dflt ? "" : model);
	else
		cli_error("%s: the trained heads read %s embeddings, not %s's: run 'label train "
			  "--path DIR --model %s' first, or export %s with --model", db, others, key,
			  model, strchr(others, ',') ? "one of those" : others);
	return EXIT_USAGE;
}

/* The head's probabilities for an embedding, computed here. */
static void head_probs(const struct head_layers *h, const float *emb, double *x, double *y)
{
	for (int i = 0; i < h->dim; i++)
		x[i] = emb[i];
	for (int l = 0; l < h->n; l++) {
		const struct head_layer *L = &h->layers[l];
		double top = -INFINITY, sum = 0;

		for (int c = 0; c < L->out; c++) {
			y[c] = L->bias[c];
			for (int i = 0; i < L->in; i++)
				y[c] += x[i] * L->weight[(size_t)i * (size_t)L->out + (size_t)c];
			if (!strcmp(L->activation, "relu") && y[c] < 0)
				y[c] = 0;
			top = y[c] > top ? y[c] : top;
		}
		if (!strcmp(L->activation, "softmax")) {
			for (int c = 0; c < L->out; c++)
				sum += (y[c] = exp(y[c] - top));
			for (int c = 0; c < L->out; c++)
				y[c] /= sum;
		}
		memcpy(x, y, (size_t)L->out * sizeof(*x));
	}
}

/* Loads the model written at staged and runs it, and the backbone with
 * the head computed here, on one made-up picture: the same probabilities
 * within 1e-5, or err says how far apart (naming out). */
static int check_export(const char *staged, const char *out, const struct nn_model *backbone,
			const struct head_layers *h, struct wn_err *err)
{
	struct nn_model *m = NULL;
	size_t in_n = (size_t)nn_input_height(backbone) * (size_t)nn_input_width(backbone) *
		      (size_t)nn_input_channels(backbone);
	float *in = malloc(in_n * sizeof(float)), *emb = malloc((size_t)h->dim * sizeof(float));
	float *got = malloc((size_t)h->k * sizeof(float)), *unused = NULL;
	size_t wide = (size_t)h->dim;
	double *x, worst = 0;
	int ret = -1;

	for (int l = 0; l < h->n; l++)
		wide = (size_t)h->layers[l].out > wide ? (size_t)h->layers[l].out : wide;
	x = malloc(2 * wide * sizeof(double));

	if (!in || !emb || !got || !x ||
	    !(unused = malloc((size_t)nn_classes(backbone) * sizeof(float)))) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < in_n; i++)
		in[i] = (float)((uint32_t)(i * 2654435761u) >> 24) / 255.0f;
	if (nn_model_load(staged, &m, err) || nn_run(backbone, in, unused, emb, err))
		goto out;
	if (nn_classes(m) != h->k || nn_embedding_size(m) != h->dim) {
		wn_fail(err, WN_ECORRUPT, "%s: the written model has %d outputs and a %d-wide "
			"embedding, not %d and %d: not written", out, nn_classes(m),
			nn_embedding_size(m), h->k, h->dim);
		goto out;
	}
	if (nn_run(m, in, got, NULL, err))
		goto out;
	head_probs(h, emb, x, x + wide);
	for (int c = 0; c < h->k; c++)
		worst = fmax(worst, fabs(got[c] - x[c]));
	if (!(worst <= 1e-5)) {
		wn_fail(err, WN_ECORRUPT, "%s: the written model's probabilities differ from the "
			"head's by %.3g: not written", out, worst);
		goto out;
	}
	ret = 0;
out:
	nn_model_free(m);
	free(in);
	free(emb);
	free(got);
	free(unused);
	free(x);
	return ret;
}

/* The export's metadata (model.json's userDefinedMetadata). */
static int metadata(const struct head_layers *h, const struct nn_model *m, struct strbuf *sb)
{
	int bad = strbuf_addstr(sb, "{\"winnow\":{\"backbone\":") | quote_json(sb, h->model) |
		  strbuf_addstr(sb, ",\"prep\":") | quote_json(sb, h->prep) |
		  strbuf_addf(sb, ",\"size\":%d,\"embedding\":%d,\"images\":%lld,\"accuracy\":%.4f,"
			      "\"classes\":[", nn_input_height(m), h->dim, (long long)h->images,
			      h->accuracy);

	for (int c = 0; c < h->k; c++)
		bad |= (c ? strbuf_addch(sb, ',') : 0) | quote_json(sb, h->classes[c]);
	return bad | strbuf_addstr(sb, "]}}");
}

/* Writes the export into a staged folder, checks it and puts it at out;
 * *refused is set when out is a folder not to replace. */
static int write_export(const char *out, const char *model_dir, const struct nn_model *m,
			const struct head_layers *h, int *refused, struct wn_err *err)
{
	struct stage st = STAGE_INIT;
	struct strbuf meta = STRBUF_INIT, staged = STRBUF_INIT;
	struct nn_dense_spec *specs = calloc((size_t)h->n, sizeof(*specs));
	const char *slash;
	int ret = -1;

	if (!specs || metadata(h, m, &meta)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (int l = 0; l < h->n; l++)
		specs[l] = (struct nn_dense_spec){ h->layers[l].in, h->layers[l].out,
						   h->layers[l].weight, h->layers[l].bias,
						   h->layers[l].activation };
	if (stage_begin(&st, out, EXPORT_MARKER, "made by label export\n", err)) {
		*refused = err->code == WN_EINVAL;
		goto out;
	}
	slash = strrchr(st.out.buf, '/');
	if (strbuf_add(&staged, st.out.buf, (size_t)(slash - st.out.buf)) ||
	    strbuf_addf(&staged, "/%s", st.tmp.buf)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (nn_save_with_head(model_dir, st.dir, out, specs, h->n,
			      (const char *const *)h->classes, meta.buf, err) ||
	    check_export(staged.buf, out, m, h, err))
		goto out;
	cli_test_kill_point();  /* tests: killed with the export written, not in place */
	ret = stage_commit(&st, err);
out:
	stage_abort(&st);
	free(specs);
	strbuf_release(&meta);
	strbuf_release(&staged);
	return ret;
}

/* nsfwjs 4.4's classify() names output i by its own table (nsfw_classes.js,
 * five names); neither load() nor classify() takes others. */
static void say_names(const char *out, int k)
{
	printf("nsfwjs' classify() names outputs 0 to 4 Drawing, Hentai, Neutral, Porn, Sexy "
	       "whatever the model: output i is line i+1 of %s/classes.txt\n", out);
	if (k > 5)
		printf("nsfwjs' classify() gives outputs 5 and up no name: read model.infer(image)'s "
		       "probabilities by index instead\n");
}

int cmd_export_model(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_OUT,
		CLI_OPTION_MODEL,
		{ "force", no_argument, NULL, 'f' },
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct head_layers h = { 0 };
	struct catalog *cat = NULL;
	struct nn_model *m = NULL;
	struct wn_err err = { 0 };
	struct strbuf others = STRBUF_INIT, dir = STRBUF_INIT;
	struct cli_options co;
	const char *key;
	int rc = EXIT_FATAL, c, force = 0, found, refused = 0;

	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "h", opts)) >= 0)
		if (c == 'f')
			force = 1;
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, 0))
		return co.status;
	if (!co.out)
		return cli_usage_error("which folder? give --out DIR");
	if (strchr(co.model, ','))
		return cli_usage_error("--model %s: an export has one backbone, and a head on "
				       "several models' embeddings side by side has more", co.model);
	if (!force && taken(co.out)) {
		cli_error("%s: exists and is not empty: give --force to replace it", co.out);
		return EXIT_USAGE;
	}
	key = nn_model_key(co.model);
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &cat, &err))
		goto fail;
	found = head_layers_load(cat, key, &h, &others, &err);
	if (found < 0)
		goto fail;
	if (!found) {
		rc = no_head(key, co.model, others.buf ? others.buf : "", cli_db_path(co.db));
		goto done;
	}
	if (nn_find_model(co.model, &dir, &err) || nn_model_load(dir.buf, &m, &err))
		goto fail;
	if (nn_embedding_size(m) != h.dim) {
		cli_error("%s: the head '%s' was trained on %d-wide embeddings and this model's are "
			  "%d wide: train it on this model's ('label predict' and 'label train' with "
			  "--model %s)", dir.buf, key, h.dim, nn_embedding_size(m), co.model);
		rc = EXIT_USAGE;
		goto done;
	}
	if (write_export(co.out, dir.buf, m, &h, &refused, &err)) {
		if (!refused)
			goto fail;
		cli_error("%s", err.msg);
		rc = EXIT_USAGE;
		goto done;
	}
	printf("%s: %s with a head for %d classes (%lld images, cross-validated accuracy %.4f); "
	       "nsfwjs.load(URL, {type: 'layers', size: %d})\n", co.out, key, h.k,
	       (long long)h.images, h.accuracy, nn_input_height(m));
	say_names(co.out, h.k);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	nn_model_free(m);
	head_layers_release(&h);
	strbuf_release(&others);
	strbuf_release(&dir);
	catalog_close(cat);
	return rc;
}
