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
	"usage: label train --path DIR [--model NAME[,NAME]] [--folds K] [--l2 X] [options]\n"
	"\n"
	"Fits a softmax-regression head (standardised inputs, L2) on the embeddings\n"
	"'label predict' stored for the images under DIR, against their folder\n"
	"classes (any 2 or more folders). With K-fold cross-validation (stratified,\n"
	"seeded) every image gets an out-of-sample probability, kept in the catalog\n"
	"for 'label suspects'. The L2 penalty is chosen in each fold, from 10 down\n"
	"to 0.001, by a nested cross-validation on log loss (3 inner folds of at\n"
	"most about 3,000 of the fold's training images). Prints the cross-validated\n"
	"accuracy, the penalty (the folds' median; each fold's) with the log loss,\n"
	"and the confusion matrix (rows: folder class, columns: predicted), and keeps\n"
	"the head fitted on all the images at the median penalty.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (DIR/<class>/<file>)\n"
	"  --model NAME      whose embeddings: mobilenet_v2 (default) or inception_v3;\n"
	"                    NAME,NAME: both side by side (images with both); give\n"
	"                    'label suspects' the same --model\n"
	"  --nsfwjs-compat   the embeddings of 'label predict --nsfwjs-compat'\n"
	"  --folds K         cross-validation folds, 2..50 (default 5)\n"
	"  --l2 X            a fixed L2 penalty on the weights, no search\n"
	"  --seeds N         average the probabilities of N draws of the folds,\n"
	"                    1..20 (default 1)\n"
	"  --knn K           mix in a vote of each image's K nearest images in\n"
	"                    embedding space (cosine), 0..100 (0: none; default 10\n"
	"                    for up to 20,000 images, none above: its time grows\n"
	"                    as the square of the images)\n"
	"  --knn-weight W    the vote's share, 0..1 (default 0.5)\n"
	"  --power P         cross-validate and vote on the embeddings raised to the\n"
	"                    power P (signed), 0.05..1 (default 0.5: the square root,\n"
	"                    which evens out the few large activations of pooled\n"
	"                    features; 1: as they are). The head kept is fitted on\n"
	"                    the embeddings as they are, at the penalty chosen\n"
	"                    on the powered ones\n"
	"  --features F      what the cross-validation and the vote read: mid, the\n"
	"                    middle layer 'label predict' keeps for MobileNetV2\n"
	"                    (block_13_depthwise_relu: more general than the last\n"
	"                    layers, trained on nsfwjs' classes); last, the\n"
	"                    embeddings; or mid,last, both side by side. Default:\n"
	"                    mid when every image has the middle layer, else last;\n"
	"                    mid and mid,last need one model (one --model name).\n"
	"                    The head kept reads the embeddings either way\n"
	"  --head H          softmax (default) or mlp: a perceptron with ReLUs,\n"
	"                    dropout 0.3 and L2 (--l2, default 0.001) on its first\n"
	"                    layer, 40 epochs of Adam; kept as the softmax head is\n"
	"                    ('label export' writes it; 'label cam' needs softmax)\n"
	"  --hidden W[,W]    the MLP's hidden layers' widths (default 256,128)\n"
	"  --seed S          how images are dealt into folds (default 0)\n"
	"  --format F        text (default), csv or jsonl for the confusion matrix\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label predict --path train && label train --path train\n"
	"  label train --path train --model inception_v3 --folds 10\n"
	"  label train --path train --model mobilenet_v2,inception_v3 &&\n"
	"    label suspects --path train --model mobilenet_v2,inception_v3\n"
	"\n"
	"Exit status: 0 done; 2 bad usage or fewer than two classes; 3 fatal.\n";

#define FEATURES_AUTO (-1)    /* --features not given: mid when every image has it */
#define FEATURES_LAST 0
#define FEATURES_MID 1
#define FEATURES_BOTH 2       /* the middle layer's and the embeddings side by side */

/* The accuracy line (text only) and the confusion matrix (k x k). */
static void print_matrix(const struct train_set *t, const long *m, enum out_format fmt,
			 double accuracy, int folds, const struct crossval_result *res, int nested,
			 int features, int mid_dim)
{
	const char **cols = calloc((size_t)t->k + 1, sizeof(*cols));
	struct table tb;

	if (!cols)
		return;
	if (fmt == FMT_TEXT) {
		printf("cross-validated accuracy %.4f (%zu images, %d classes, %d folds)\n",
		       accuracy, t->n, t->k, folds);
		printf("L2 %g %s", res->l2, nested < 0 ? "on the MLP's first layer" :
		       nested ? "by nested cross-validation (each fold's:" : "as given");
		for (int f = 0; nested > 0 && f < folds; f++)
			if (res->fold_l2[f] >= 0)
				printf(" %g", res->fold_l2[f]);
		printf("%s; log loss %.4f\n", nested > 0 ? ")" : "", res->log_loss);
		if (res->power != 1)
			printf("embeddings to the power %g for the cross-validation\n", res->power);
		if (res->knn)
			printf("neighbour vote: %d nearest, weight %g\n", res->knn, res->knn_weight);
		if (features != FEATURES_LAST)
			printf("cross-validated on the middle layer %s%s (%d wide)%s\n",
			       LABEL_MID_LAYER, features == FEATURES_BOTH ?
			       " and the embeddings side by side" : "", mid_dim, nested > 0 ?
			       ", each fold's penalty chosen on it; the head kept reads the "
			       "embeddings, its penalty chosen on them" :
			       "; the head kept reads the embeddings");
		printf("confusion (rows: folder class, columns: predicted):\n");
	}
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

#define MAX_MODELS 4
#define KNN_AUTO 10           /* neighbours voting when --knn is not given */
#define KNN_AUTO_MAX 20000    /* ... for sets of up to this many images */

/* --model NAME[,NAME...]: each name's key into keys, all of them joined
 * by commas into joined (the key the head and its probabilities go under).
 * @return the number of models, or 0 (a usage error printed). */
static int model_keys(const char *names, char *buf, size_t size, const char **keys,
		      struct strbuf *joined)
{
	int n = 0;
	char *save = NULL, *tok;

	if (snprintf(buf, size, "%s", names) >= (int)size)
		return cli_usage_error("--model: too long a list"), 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_MODELS)
			return cli_usage_error("--model takes %d models at most", MAX_MODELS), 0;
		keys[n] = nn_model_key(tok);
		if (strbuf_addf(joined, "%s%s", n ? "," : "", keys[n]))
			return cli_usage_error("out of memory"), 0;
		n++;
	}
	if (!n)
		cli_usage_error("--model: which model?");
	return n;
}

/* A number option in lo..hi. @return 0, or a usage error printed. */
static int parse_number(const char *name, const char *arg, double lo, double hi, double *v)
{
	char *end;

	*v = strtod(arg, &end);
	if (*end || end == arg || !(*v >= lo && *v <= hi))
		return cli_usage_error("%s takes a number from %g to %g, not '%s'", name, lo, hi,
				       arg);
	return 0;
}

/* --hidden W[,W]. @return 0, or the exit status of a usage error. */
static int parse_hidden(const char *arg, struct mlp_opts *mo)
{
	const char *p = arg;
	char *end;

	mo->nhidden = 0;
	while (mo->nhidden < MLP_MAX_HIDDEN) {
		long w = strtol(p, &end, 10);

		if (end == p || w < 1 || w > 4096 || (*end && *end != ','))
			break;
		mo->hidden[mo->nhidden++] = (int)w;
		if (!*end)
			return 0;
		p = end + 1;
	}
	return cli_usage_error("--hidden takes one or two widths of 1 to 4096, as 256,128, "
			       "not '%s'", arg);
}

/* The options of label train beyond the common ones. @return 0, or the
 * exit status of a usage error. */
static int train_option(int c, struct crossval_opts *o, struct mlp_opts *mo, int *features)
{
	uint64_t v;
	double x;

	switch (c) {
	case 'k':
		if (cli_parse_uint("--folds", optarg, CROSSVAL_MAX_FOLDS, &v))
			return EXIT_USAGE;
		if (v < 2)
			return cli_usage_error("--folds takes 2 to 50");
		o->folds = (int)v;
		return 0;
	case 'l':
		return parse_number("--l2", optarg, 0, 1e6, &o->l2) ? EXIT_USAGE : 0;
	case 'S':
		if (cli_parse_uint("--seeds", optarg, 20, &v))
			return EXIT_USAGE;
		o->seeds = v ? (int)v : 1;
		return 0;
	case 'K':
		v = 0;
		if (strcmp(optarg, "0") && cli_parse_uint("--knn", optarg, KNN_MAX, &v))
			return EXIT_USAGE;
		o->knn = (int)v;  /* 0: no vote */
		return 0;
	case 'W':
		if (parse_number("--knn-weight", optarg, 0, 1, &x))
			return EXIT_USAGE;
		o->knn_weight = x;
		return 0;
	case 'P':
		return parse_number("--power", optarg, 0.05, 1, &o->power) ? EXIT_USAGE : 0;
	case 'H':
		if (!strcmp(optarg, "mlp"))
			o->mlp = mo;
		else if (strcmp(optarg, "softmax"))
			return cli_usage_error("--head takes softmax or mlp, not '%s'", optarg);
		else
			o->mlp = NULL;
		return 0;
	case 'D':
		return parse_hidden(optarg, mo);
	case 'F':
		if (!strcmp(optarg, "mid"))
			*features = FEATURES_MID;
		else if (!strcmp(optarg, "last"))
			*features = FEATURES_LAST;
		else if (!strcmp(optarg, "mid,last"))
			*features = FEATURES_BOTH;
		else
			return cli_usage_error("--features takes mid, last or mid,last, not '%s'",
					       optarg);
		return 0;
	case 's':
		if (!strcmp(optarg, "0"))
			o->seed = 0;
		else if (cli_parse_uint("--seed", optarg, UINT64_MAX, &o->seed))
			return EXIT_USAGE;
		return 0;
	}
	return EXIT_USAGE;
}

/* mid's rows followed by t's embeddings (the same images, row for row).
 * @return 0, or -1 out of memory (mid as it was). */
static int beside(struct train_set *mid, const struct train_set *t)
{
	size_t dim = (size_t)mid->dim + (size_t)t->dim;
	float *x = malloc((mid->n ? mid->n : 1) * dim * sizeof(float));

	if (!x)
		return -1;
	for (size_t i = 0; i < mid->n; i++) {
		memcpy(x + i * dim, mid->x + i * (size_t)mid->dim, (size_t)mid->dim * sizeof(float));
		memcpy(x + i * dim + mid->dim, t->x + i * (size_t)t->dim,
		       (size_t)t->dim * sizeof(float));
	}
	free(mid->x);
	mid->x = x;
	mid->dim = (int)dim;
	return 0;
}

/* The middle layer's averages of t's images (LABEL_MID_LAYER, kept by
 * label predict under "mid:<key>") into mid, row for row as t; with both,
 * each row followed by the image's embedding.
 * @return 1 when every image of t has them, 0 when not (mid released),
 * -1 with err set. */
static int load_mid(struct catalog *cat, const char *key, const char *prep, const char *prefix,
		    int both, const struct train_set *t, struct train_set *mid,
		    struct wn_err *err)
{
	struct strbuf k = STRBUF_INIT;
	int ret = 1;

	if (strbuf_addf(&k, "%s%s", LABEL_MID_PREFIX, key))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (train_set_load(cat, k.buf, prep, prefix, mid, err))
		ret = -1;
	strbuf_release(&k);
	if (ret < 0)
		return -1;
	if (mid->n != t->n || mid->k != t->k)
		ret = 0;
	for (size_t i = 0; ret == 1 && i < t->n; i++)
		if (mid->items[i].id != t->items[i].id || mid->y[i] != t->y[i] ||
		    memcmp(mid->items[i].xxh3, t->items[i].xxh3, 16))
			ret = 0;
	if (ret && both && beside(mid, t))
		ret = wn_fail(err, WN_ENOMEM, "out of memory");
	if (ret <= 0)
		train_set_release(mid);
	return ret;
}

/* The kept head's penalty, and a start for its fit, when the
 * cross-validation read the middle layer: chosen on t's embeddings (raised
 * to o->power) as a fold's is chosen. @return 0, or -1 with err set. */
static int head_penalty(struct train_set *t, const struct crossval_opts *o, double *l2,
			struct softreg *warm, struct wn_err *err)
{
	int ret;

	if (o->l2 >= 0 || o->mlp) {
		*l2 = o->l2 >= 0 ? o->l2 : CROSSVAL_L2;
		return 0;
	}
	train_set_power(t, o->power);
	ret = crossval_choose_l2(t, o->seed, l2, warm, err);
	train_set_power(t, 1 / o->power);
	return ret;
}

/* Why there is nothing to train on, as a usage error. */
static int nothing_to_train(const struct train_set *t, const char *root, const char *key,
			    const char *model_name, int nmodels)
{
	if (!t->n && nmodels > 1)
		cli_error("no images under %s with embeddings of all of %s: run 'label predict "
			  "--path %s --model NAME' for each", root, key, root);
	else if (!t->n)
		cli_error("no %s embeddings for the images under %s: run 'label predict --path %s%s%s' "
			  "first", key, root, root, strcmp(key, "mobilenet_v2") ? " --model " : "",
			  strcmp(key, "mobilenet_v2") ? model_name : "");
	else
		cli_error("%s: one class folder ('%s'): a head learns to tell classes apart, so it "
			  "needs two or more folders of images", root, t->classes[0]);
	return EXIT_USAGE;
}

int cmd_train(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTIONS_MODEL,
		{ "folds", required_argument, NULL, 'k' },
		{ "l2", required_argument, NULL, 'l' },
		{ "seeds", required_argument, NULL, 'S' },
		{ "knn", required_argument, NULL, 'K' },
		{ "knn-weight", required_argument, NULL, 'W' },
		{ "power", required_argument, NULL, 'P' },
		{ "head", required_argument, NULL, 'H' },
		{ "hidden", required_argument, NULL, 'D' },
		{ "seed", required_argument, NULL, 's' },
		{ "features", required_argument, NULL, 'F' },
		CLI_OPTION_FORMAT,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct crossval_opts o = { .folds = 5, .l2 = CROSSVAL_NESTED, .seeds = 1, .knn = -1,
				   .knn_weight = 0.5, .power = 0.5 };
	struct crossval_result res = { 0 };
	struct mlp_opts mo = mlp_defaults();
	struct train_set t = { 0 }, mid = { 0 };
	struct train_set *cv = &t;  /* what is cross-validated: t, or mid */
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT, key = STRBUF_INIT;
	struct cli_options co;
	const char *root, *keys[MAX_MODELS];
	char names[512], counts[256];
	enum nn_prep prep;
	int rc = EXIT_FATAL, c, nmodels, features = FEATURES_AUTO, got;
	int used = FEATURES_LAST;  /* what the cross-validation read */
	double accuracy = 0, head_l2;
	int64_t run_id = 0;
	float *oos = NULL;
	long *confusion = NULL;

	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:h", opts)) >= 0)
		if (train_option(c, &o, &mo, &features))
			return EXIT_USAGE;
	if (o.mlp && o.l2 >= 0)
		mo.l2 = o.l2;
	mo.seed = o.seed;
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	root = co.path;
	prep = co.prep;
	nmodels = model_keys(co.model, names, sizeof(names), keys, &key);
	if (!nmodels) {
		strbuf_release(&key);
		return EXIT_USAGE;
	}
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &cat, &err) ||
	    catalog_rel_prefix(cat, root, &prefix, &err))
		goto fail;
	if (train_set_load_models(cat, keys, nmodels, nn_prep_name(prep),
				  prefix.len ? prefix.buf : NULL, &t, &err))
		goto fail;
	if (t.n == 0 || t.k < 2) {
		rc = nothing_to_train(&t, root, key.buf, co.model, nmodels);
		goto done;
	}
	if (features >= FEATURES_MID && nmodels > 1) {
		cli_error("--features %s reads one model's middle layer: give one --model "
			  "(label predict keeps it for MobileNetV2)",
			  features == FEATURES_MID ? "mid" : "mid,last");
		rc = EXIT_USAGE;
		goto done;
	}
	if (features != FEATURES_LAST && nmodels == 1) {
		got = load_mid(cat, keys[0], nn_prep_name(prep), prefix.len ? prefix.buf : NULL,
			       features == FEATURES_BOTH, &t, &mid, &err);
		if (got < 0)
			goto fail;
		cv = got ? &mid : &t;
	}
	if (features >= FEATURES_MID && cv != &mid) {
		cli_error("--features %s: not every image under %s has the middle layer's "
			  "features (label predict keeps them for MobileNetV2): run 'label "
			  "predict --path %s%s%s' again, or give --features last",
			  features == FEATURES_MID ? "mid" : "mid,last", root, root,
			  strcmp(key.buf, "mobilenet_v2") ? " --model " : "",
			  strcmp(key.buf, "mobilenet_v2") ? co.model : "");
		rc = EXIT_USAGE;
		goto done;
	}
	used = cv != &mid ? FEATURES_LAST : features == FEATURES_BOTH ? FEATURES_BOTH : FEATURES_MID;
	if (o.knn < 0)
		o.knn = t.n <= KNN_AUTO_MAX ? KNN_AUTO : 0;
	oos = malloc(t.n * (size_t)t.k * sizeof(float));
	confusion = calloc((size_t)t.k * (size_t)t.k, sizeof(long));
	if (!oos || !confusion) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (run_begin(cat, "label train", argc, argv, &run_id, &err))
		goto fail;
	/* the cross-validation and the vote on the powered embeddings; the
	 * head kept reads the backbone's as they are (cam and export put it
	 * on the backbone as one linear layer) */
	train_set_power(cv, o.power);
	if (crossval_run(cv, &o, oos, &res, &err))
		goto fail;
	train_set_power(cv, 1 / o.power);
	accuracy = crossval_confusion(&t, oos, confusion);
	head_l2 = res.l2;
	if (cv == &mid) {
		softreg_free(&res.warm);  /* the middle layer's: no start for the head */
		if (head_penalty(&t, &o, &head_l2, &res.warm, &err))
			goto fail;
		res.l2 = head_l2;  /* the penalty printed and kept is the head's */
	}
	if (o.mlp ? head_save_mlp(cat, key.buf, nn_prep_name(prep), &t, oos, &mo, o.folds,
				  accuracy, &err) :
		    head_save(cat, key.buf, nn_prep_name(prep), &t, oos, o.folds, head_l2, accuracy,
			      res.warm.w ? &res.warm : NULL, &err))
		goto fail;
	if (o.mlp)
		res.l2 = head_l2 = mo.l2;
	print_matrix(&t, confusion, co.format, accuracy, o.folds, &res, o.mlp ? -1 : o.l2 < 0,
		     used, mid.dim);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	snprintf(counts, sizeof(counts), "{\"images\":%zu,\"classes\":%d,\"folds\":%d,"
		 "\"accuracy\":%.4f,\"l2\":%g,\"log_loss\":%.4f,\"knn\":%d,\"features\":\"%s\","
		 "\"power\":%g}", t.n, t.k, o.folds, accuracy, res.l2, res.log_loss,
		 o.knn > 0 ? o.knn : 0, used == FEATURES_BOTH ? "mid,last" :
		 used == FEATURES_MID ? "mid" : "last",
		 o.power);
	if (run_id && run_finish(cat, run_id, rc, counts, &err) && rc != EXIT_FATAL)
		rc = cli_fatal(&err);
	free(oos);
	free(confusion);
	softreg_free(&res.warm);
	train_set_release(&t);
	train_set_release(&mid);
	strbuf_release(&prefix);
	strbuf_release(&key);
	catalog_close(cat);
	return rc;
}
