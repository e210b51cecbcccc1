/* label train: a softmax head on the classifier's embeddings against the
 * folder classes, K-fold cross-validated so that every image gets a
 * probability from a head that never saw it. Those out-of-sample
 * probabilities (predictions, model "cv:<model>") are what suspects
 * reads; the head fitted on everything is kept in the heads table.
 * The work is learn's (trainset, crossval, head); this is the command. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "base/base.h"
#include "learn/learn.h"
#include "catalog/catalog.h"
#include "label.h"

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

/* The accuracy line (text only) and the confusion matrix (k x k). */
static void print_matrix(const struct train_set *t, const long *m, enum out_format fmt,
			 double accuracy, int folds)
{
	const char **cols = calloc((size_t)t->k + 1, sizeof(*cols));
	struct table tb;

	if (!cols)
		return;
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
	long *confusion = NULL;
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
			if (!strcmp(optarg, "0"))
				seed = 0;
			else if (cli_parse_uint("--seed", optarg, UINT64_MAX, &seed))
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
	if (train_set_load(cat, key, nn_prep_name(prep), prefix.len ? prefix.buf : NULL, &t, &err))
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
	confusion = calloc((size_t)t.k * (size_t)t.k, sizeof(long));
	if (!oos || !confusion) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (run_begin(cat, "label train", argc, argv, &run_id, &err) ||
	    crossval_probs(&t, folds, l2, seed, oos, &err))
		goto fail;
	accuracy = crossval_confusion(&t, oos, confusion);
	if (head_save(cat, key, nn_prep_name(prep), &t, oos, folds, l2, accuracy, &err))
		goto fail;
	print_matrix(&t, confusion, co.format, accuracy, folds);
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
	free(confusion);
	train_set_release(&t);
	strbuf_release(&prefix);
	catalog_close(cat);
	return rc;
}
