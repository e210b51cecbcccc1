/* label train: a softmax head on the classifier's embeddings against the
 * folder classes, K-fold cross-validated so that every image gets a
 * probability from a head that never saw it. Those out-of-sample
 * probabilities (predictions, model "cv:<model>") are what suspects
 * reads; the head fitted on everything is kept in the heads table. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "learn/learn.h"
#include "catalog/catalog.h"
#include "label.h"
#include "train.h"

static const char usage[] =
	"usage: label train --path DIR [--model NAME] [--folds K] [--l2 X] [options]\n"
	"\n"
	"Fits a softmax-regression head (standardised inputs, L2) on the embeddings\n"
	"'label predict' stored for the images under DIR, against their folder\n"
	"classes (any 2 or more folders). With K-fold cross-validation (stratified,\n"
	"seeded) every image gets an out-of-sample probability, kept in the catalog\n"
	"for 'label suspects'. Prints the cross-validated accuracy and the confusion\n"
	"matrix (rows: folder class, columns: predicted), and keeps the head fitted\n"
	"on all the images.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (DIR/<class>/<file>)\n"
	"  --model NAME      whose embeddings: mobilenet_v2 (default) or inception_v3\n"
	"  --nsfwjs-compat   the embeddings of 'label predict --nsfwjs-compat'\n"
	"  --folds K         cross-validation folds, 2..50 (default 5)\n"
	"  --l2 X            L2 penalty on the weights (default 0.01)\n"
	"  --seed S          how images are dealt into folds (default 0)\n"
	"  --format F        text (default), csv or jsonl for the confusion matrix\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label predict --path train && label train --path train\n"
	"  label train --path train --model inception_v3 --folds 10\n"
	"\n"
	"Exit status: 0 done; 2 bad usage or fewer than two classes; 3 fatal.\n";

static int gather(const struct prediction_row *row, void *data)
{
	struct train_set *t = data;

	if (!row->class_name || row->nembedding <= 0 || !row->xxh3 ||
	    (t->cat && !catalog_on_disk(t->cat, row->path)))
		return 0;
	if (t->dim && row->nembedding != t->dim)
		return 0;
	t->dim = row->nembedding;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		float *x = realloc(t->x, cap * (size_t)t->dim * sizeof(float));
		struct train_item *it = realloc(t->items, cap * sizeof(*it));

		if (x)
			t->x = x;
		if (it)
			t->items = it;
		if (!x || !it)
			return -2;
		t->cap = cap;
	}
	memcpy(t->x + t->n * (size_t)t->dim, row->embedding, (size_t)t->dim * sizeof(float));
	t->items[t->n].id = row->image_id;
	memcpy(t->items[t->n].xxh3, row->xxh3, 16);
	t->items[t->n].path = strdup(row->path);
	t->items[t->n].class_name = strdup(row->class_name);
	t->n++;
	return t->items[t->n - 1].path && t->items[t->n - 1].class_name ? 0 : -2;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int train_load(struct catalog *cat, const char *model_key, const char *prep,
	       const char *prefix, struct train_set *t, struct wn_err *err)
{
	int rc;

	t->cat = cat;
	rc = predictions_foreach(cat, model_key, prep, prefix, gather, t, err);

	if (rc == -2)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (rc)
		return -1;
	/* classes: the folder names, sorted */
	for (size_t i = 0; i < t->n; i++) {
		int found = 0;

		for (int c = 0; c < t->k && !found; c++)
			found = !strcmp(t->classes[c], t->items[i].class_name);
		if (!found) {
			char **grown = realloc(t->classes, (size_t)(t->k + 1) * sizeof(char *));

			if (!grown)
				return wn_fail(err, WN_ENOMEM, "out of memory");
			t->classes = grown;
			t->classes[t->k++] = t->items[i].class_name;
		}
	}
	qsort(t->classes, (size_t)t->k, sizeof(char *), cmp_str);
	t->y = malloc((t->n ? t->n : 1) * sizeof(int));
	if (!t->y)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		for (int c = 0; c < t->k; c++)
			if (!strcmp(t->classes[c], t->items[i].class_name))
				t->y[i] = c;
	return 0;
}

void train_free(struct train_set *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->items[i].path);
		free(t->items[i].class_name);
	}
	free(t->items);
	free(t->classes);  /* the names are the items' */
	free(t->x);
	free(t->y);
	memset(t, 0, sizeof(*t));
}

struct rank {
	uint64_t key;
	size_t i;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Stratified folds: each class's images in a seeded order, dealt round. */
static void deal_folds(const struct train_set *t, int folds, uint64_t seed, int *fold)
{
	struct rank *r = malloc((t->n ? t->n : 1) * sizeof(*r));
	size_t m;

	if (!r) {
		for (size_t i = 0; i < t->n; i++)
			fold[i] = (int)(i % (size_t)folds);
		return;
	}
	for (int c = 0; c < t->k; c++) {
		m = 0;
		for (size_t i = 0; i < t->n; i++)
			if (t->y[i] == c) {
				r[m].i = i;
				r[m].key = XXH3_64bits_withSeed(&t->items[i].xxh3, 16, seed);
				m++;
			}
		qsort(r, m, sizeof(*r), cmp_rank);
		for (size_t j = 0; j < m; j++)
			fold[r[j].i] = (int)(j % (size_t)folds);
	}
	free(r);
}

int train_crossval(const struct train_set *t, int folds, double l2, uint64_t seed, float *oos,
		   struct wn_err *err)
{
	int *fold = malloc((t->n ? t->n : 1) * sizeof(int)), *ytr = NULL;
	float *xtr = NULL, *xte = NULL, *pte = NULL;
	size_t *te = NULL;
	int ret = -1;

	if (fold)
		deal_folds(t, folds, seed, fold);
	ytr = malloc((t->n ? t->n : 1) * sizeof(int));
	te = malloc((t->n ? t->n : 1) * sizeof(size_t));
	xtr = malloc((t->n ? t->n : 1) * (size_t)t->dim * sizeof(float));
	xte = malloc((t->n ? t->n : 1) * (size_t)t->dim * sizeof(float));
	pte = malloc((t->n ? t->n : 1) * (size_t)t->k * sizeof(float));
	if (!fold || !ytr || !te || !xtr || !xte || !pte) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (int f = 0; f < folds; f++) {
		struct softreg r = { 0 };
		size_t ntr = 0, nte = 0;

		for (size_t i = 0; i < t->n; i++) {
			const float *row = t->x + i * (size_t)t->dim;

			if (fold[i] == f) {
				memcpy(xte + nte * (size_t)t->dim, row, (size_t)t->dim * sizeof(float));
				te[nte++] = i;
			} else {
				memcpy(xtr + ntr * (size_t)t->dim, row, (size_t)t->dim * sizeof(float));
				ytr[ntr++] = t->y[i];
			}
		}
		if (!nte)
			continue;
		if (softreg_fit(xtr, ytr, ntr, t->dim, t->k, l2, 300, &r, err) ||
		    softreg_predict(&r, xte, nte, pte, err)) {
			softreg_free(&r);
			goto out;
		}
		for (size_t j = 0; j < nte; j++)
			memcpy(oos + te[j] * (size_t)t->k, pte + j * (size_t)t->k,
			       (size_t)t->k * sizeof(float));
		softreg_free(&r);
	}
	ret = 0;
out:
	free(fold);
	free(ytr);
	free(te);
	free(xtr);
	free(xte);
	free(pte);
	return ret;
}

static void *pack_floats(const float *v, size_t n)
{
	uint8_t *b = malloc(n ? n * 4 : 1);

	if (b)
		for (size_t i = 0; i < n; i++) {
			uint32_t u;

			memcpy(&u, &v[i], 4);
			for (int k = 0; k < 4; k++)
				b[4 * i + (size_t)k] = (uint8_t)(u >> (8 * k));
		}
	return b;
}

static int classes_json(const struct train_set *t, struct strbuf *out)
{
	int bad = strbuf_addch(out, '[');

	for (int c = 0; c < t->k; c++)
		bad |= (c ? strbuf_addch(out, ',') : 0) | quote_json(out, t->classes[c]);
	return bad | strbuf_addch(out, ']');
}

static int save(struct catalog *cat, const char *model_key, const char *prep,
		const struct train_set *t, const float *oos, int folds, double l2, double accuracy,
		double l2_used, struct wn_err *err)
{
	struct softreg r = { 0 };
	struct strbuf classes = STRBUF_INIT, cvkey = STRBUF_INIT;
	int ret = -1;

	(void)l2_used;
	if (softreg_fit(t->x, t->y, t->n, t->dim, t->k, l2, 300, &r, err))
		return -1;
	if (classes_json(t, &classes) || strbuf_addf(&cvkey, "cv:%s", model_key)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (catalog_begin(cat, err))
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		struct prediction p;

		memset(&p, 0, sizeof(p));
		p.image_id = t->items[i].id;
		p.model = cvkey.buf;
		p.prep = prep;
		memcpy(p.xxh3, t->items[i].xxh3, 16);
		p.classes = classes.buf;
		p.probs = oos + i * (size_t)t->k;
		p.nprobs = t->k;
		if (predictions_set(cat, &p, err))
			goto rollback;
	}
	if (heads_save(cat, model_key, prep, classes.buf, &r, folds, l2, t->n, accuracy, err))
		goto rollback;
	ret = catalog_commit(cat, err);
	goto out;
rollback:
	catalog_rollback(cat);
out:
	softreg_free(&r);
	strbuf_release(&classes);
	strbuf_release(&cvkey);
	return ret;
}

int heads_save(struct catalog *cat, const char *name, const char *prep, const char *classes,
	       const struct softreg *r, int folds, double l2, size_t images, double accuracy,
	       struct wn_err *err)
{
	void *mean = pack_floats(r->mean, (size_t)r->dim), *scale = pack_floats(r->scale, (size_t)r->dim);
	void *w = pack_floats(r->w, (size_t)r->dim * (size_t)r->classes);
	void *b = pack_floats(r->b, (size_t)r->classes);
	struct head_row h = { name, prep, classes, r->dim, mean, scale, w, b, r->classes, folds, l2,
			      (int64_t)images, accuracy };
	int ret;

	if (!mean || !scale || !w || !b)
		ret = wn_fail(err, WN_ENOMEM, "out of memory");
	else
		ret = heads_set(cat, &h, err);
	free(mean);
	free(scale);
	free(w);
	free(b);
	return ret;
}

static void print_matrix(const struct train_set *t, const float *oos, enum out_format fmt,
			 double accuracy, int folds)
{
	const char **cols = calloc((size_t)t->k + 1, sizeof(*cols));
	long *m = calloc((size_t)t->k * (size_t)t->k, sizeof(long));
	struct table tb;

	if (!cols || !m) {
		free(cols);
		free(m);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		int best = 0;

		for (int c = 1; c < t->k; c++)
			if (oos[i * (size_t)t->k + (size_t)c] > oos[i * (size_t)t->k + (size_t)best])
				best = c;
		m[t->y[i] * t->k + best]++;
	}
	if (fmt == FMT_TEXT)
		printf("cross-validated accuracy %.4f (%zu images, %d classes, %d folds)\n"
		       "confusion (rows: folder class, columns: predicted):\n",
		       accuracy, t->n, t->k, folds);
	cols[0] = "class";
	for (int c = 0; c < t->k; c++)
		cols[c + 1] = t->classes[c];
	table_begin(&tb, fmt, stdout, cols, t->k + 1);
	for (int g = 0; g < t->k; g++) {
		table_str(&tb, t->classes[g]);
		for (int c = 0; c < t->k; c++)
			table_int(&tb, m[g * t->k + c]);
		table_end_row(&tb);
	}
	table_end(&tb);
	free(cols);
	free(m);
}

int cmd_train(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTIONS_MODEL,
		{ "folds", required_argument, NULL, 'k' },
		{ "l2", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		CLI_OPTION_FORMAT,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct train_set t = { 0 };
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT;
	struct cli_options co;
	const char *root, *model_name, *key;
	enum nn_prep prep;
	uint64_t v, seed = 0;
	int folds = 5, rc = EXIT_FATAL, c;
	double l2 = 0.01, accuracy = 0;
	int64_t run_id = 0;
	float *oos = NULL;
	char counts[160], *end;

	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:h", opts)) >= 0) {
		switch (c) {
		case 'k':
			if (cli_parse_uint("--folds", optarg, 50, &v))
				return EXIT_USAGE;
			if (v < 2)
				return cli_usage_error("--folds takes 2 to 50");
			folds = (int)v;
			break;
		case 'l':
			l2 = strtod(optarg, &end);
			if (*end || end == optarg || !(l2 >= 0 && l2 <= 1e6))
				return cli_usage_error("--l2 takes a number from 0 to 1e6, not '%s'", optarg);
			break;
		case 's':
			if (cli_parse_uint("--seed", optarg, UINT64_MAX, &seed) && strcmp(optarg, "0"))
				return EXIT_USAGE;
			break;
		}
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	root = co.path;
	model_name = co.model;
	prep = co.prep;
	key = nn_model_key(model_name);
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &cat, &err) ||
	    catalog_rel_prefix(cat, root, &prefix, &err))
		goto fail;
	if (train_load(cat, key, nn_prep_name(prep), prefix.len ? prefix.buf : NULL, &t, &err))
		goto fail;
	if (!t.n) {
		cli_error("no %s embeddings for the images under %s: run 'label predict --path %s%s%s' "
			  "first", key, root, root, strcmp(key, "mobilenet_v2") ? " --model " : "",
			  strcmp(key, "mobilenet_v2") ? model_name : "");
		rc = EXIT_USAGE;
		goto done;
	}
	if (t.k < 2) {
		cli_error("%s: one class folder ('%s'): a head learns to tell classes apart, so it "
			  "needs two or more folders of images", root, t.classes[0]);
		rc = EXIT_USAGE;
		goto done;
	}
	oos = malloc(t.n * (size_t)t.k * sizeof(float));
	if (!oos) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (run_begin(cat, "label train", argc, argv, &run_id, &err) ||
	    train_crossval(&t, folds, l2, seed, oos, &err))
		goto fail;
	for (size_t i = 0; i < t.n; i++) {
		int best = 0;

		for (int k = 1; k < t.k; k++)
			if (oos[i * (size_t)t.k + (size_t)k] > oos[i * (size_t)t.k + (size_t)best])
				best = k;
		accuracy += best == t.y[i];
	}
	accuracy /= (double)t.n;
	if (save(cat, key, nn_prep_name(prep), &t, oos, folds, l2, accuracy, l2, &err))
		goto fail;
	print_matrix(&t, oos, co.format, accuracy, folds);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	snprintf(counts, sizeof(counts), "{\"images\":%zu,\"classes\":%d,\"folds\":%d,"
		 "\"accuracy\":%.4f}", t.n, t.k, folds, accuracy);
	if (run_id && run_finish(cat, run_id, rc, counts, &err) && rc != EXIT_FATAL)
		rc = cli_fatal(&err);
	free(oos);
	train_free(&t);
	strbuf_release(&prefix);
	catalog_close(cat);
	return rc;
}
