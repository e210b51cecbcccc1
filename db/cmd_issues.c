/* db issues: images that are blurry, dark, light, blank, grey or of an odd
 * shape or size, from the quality signals the scan stored (quality/quality.h
 * judges them; sizes and shapes against the set's own medians), and
 * images unlike their class, from label predict's embeddings
 * (learn/outlier.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "learn/learn.h"
#include "quality/quality.h"

static const char usage[] =
	"usage: db issues --path DIR [--issue KIND,...] [--threshold KIND=V] [--format F]\n"
	"\n"
	"Lists the images under DIR with an issue, from the signals db scan measured\n"
	"in the decode it makes for the hashes (nothing is decoded here): one row per\n"
	"image and issue, the rows of each issue most severe first. Columns: path,\n"
	"class, issue, score. Every score is 0..1, lower is worse, and an issue is\n"
	"found when its score is below its threshold:\n"
	"  blurry            sharpness (Laplacian over gradient energy) s / (s + 1);\n"
	"                    default 0.25. Never for an image that is low_information\n"
	"                    or too small to judge (odd_size and small).\n"
	"  dark              the 99th percentile of luma / 255; default 0.3\n"
	"  light             1 - the 5th percentile of luma / 255; default 0.3\n"
	"  low_information   entropy of the luma histogram / 8 bits; default 0.4\n"
	"                    (blank frames, flat fields, placeholder cards)\n"
	"  grayscale         the 99th percentile of max(R,G,B) - min(R,G,B) / 255;\n"
	"                    default 0.02 (grey stored as RGB is grayscale too)\n"
	"  odd_aspect_ratio  long side / short side against the set's median,\n"
	"                    min(e/m, m/e); default 0.5 (twice as elongated)\n"
	"  odd_size          sqrt(width x height) against the set's median,\n"
	"                    min(s/m, m/s); default 0.25. A side under 32 pixels is\n"
	"                    odd_size whatever the threshold.\n"
	"  outlier           unlike the rest of its class folder: with d the cosine\n"
	"                    distance of its embedding to the class's mean direction\n"
	"                    and m the class's median d, min(1, m/d); default 0.5\n"
	"                    (twice as far out as the class's median image). Needs\n"
	"                    'label predict --path DIR' first (its embeddings); a\n"
	"                    class of fewer than 5 images has no outliers.\n"
	"The set is every image under DIR. Images catalogued before this version, or\n"
	"by a command that does not decode (scraper, augment), get their signals\n"
	"from the next 'db scan', which reads only those.\n"
	"\n"
	"Options:\n"
	"  --path DIR           the dataset root (DIR/<class>/<file>)\n"
	"  --issue KIND,...     only these issues (default: all)\n"
	"  --threshold KIND=V   find KIND below V, 0..1 (repeatable)\n"
	"  --format F           text (default), csv or jsonl\n"
	"  --model NAME         whose embeddings for outlier (default mobilenet_v2)\n"
	"  --nsfwjs-compat      those of 'label predict --nsfwjs-compat'\n"
	"  --db FILE            the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  db scan train && db issues --path train --format csv > issues.csv\n"
	"  db issues --path train --issue blurry,dark --threshold blurry=0.3\n"
	"  db issues --path train --format jsonl | jq -r 'select(.issue == \"odd_size\") | .path'\n"
	"\n"
	"Summary on stderr: counts per issue and class.\n"
	"Exit status: 0 done; 2 bad usage; 3 fatal.\n";

struct judged {
	char *path, *class_name;
	int width, height;
	struct quality q;
	double outlier;         /* 1 unless the embeddings say otherwise */
	double scores[QI_COUNT];
	unsigned found;
};

struct finding {
	const struct judged *image;
	int issue;
};

struct issues_run {
	struct judged *v;
	size_t n, cap;
	double thresholds[QI_COUNT];
	unsigned wanted;        /* bit per issue */
	int oom;
};

static int collect(const struct image_quality *iq, void *data)
{
	struct issues_run *r = data;
	struct judged *j;

	if (ARRAY_GROW(r->v, r->cap, r->n, 1024))
		return r->oom = 1;
	j = &r->v[r->n++];
	memset(j, 0, sizeof(*j));
	j->path = strdup(iq->path);
	j->class_name = iq->class_name ? strdup(iq->class_name) : NULL;
	j->width = iq->width;
	j->height = iq->height;
	j->q = iq->q;
	j->outlier = 1;
	return !j->path || (iq->class_name && !j->class_name) ? (r->oom = 1) : 0;
}

static void run_release(struct issues_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].class_name);
	}
	free(r->v);
}

/* --issue KIND,...: the bits of the issues named. */
static int parse_issues(const char *s, unsigned *wanted)
{
	char *list = strdup(s), *save = NULL;
	int ret = 0;

	if (!list)
		return cli_usage_error("out of memory");
	*wanted = 0;
	for (char *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		int i = quality_issue_parse(k);

		if (i < 0) {
			ret = cli_usage_error("--issue: '%s' is not an issue (blurry, dark, light, "
					      "low_information, grayscale, odd_aspect_ratio, "
					      "odd_size, outlier)", k);
			break;
		}
		*wanted |= 1u << i;
	}
	free(list);
	if (!ret && !*wanted)
		ret = cli_usage_error("--issue names no issue");
	return ret;
}

/* --threshold KIND=V */
static int parse_threshold(const char *s, double thresholds[QI_COUNT])
{
	const char *eq = strchr(s, '=');
	char name[32], *end;
	double v;
	int i;

	if (!eq || (size_t)(eq - s) >= sizeof(name))
		return cli_usage_error("--threshold takes KIND=VALUE, not '%s'", s);
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	i = quality_issue_parse(name);
	if (i < 0)
		return cli_usage_error("--threshold: '%s' is not an issue", name);
	errno = 0;
	v = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || *end || !(v >= 0 && v <= 1))
		return cli_usage_error("--threshold %s takes a value from 0 to 1, not '%s'", name,
				       eq + 1);
	thresholds[i] = v;
	return 0;
}

/* Each issue's rows together in the report's order, most severe (lowest
 * score) first, then by path. */
static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	double sx = x->image->scores[x->issue], sy = y->image->scores[y->issue];

	if (x->issue != y->issue)
		return x->issue - y->issue;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return strcmp(x->image->path, y->image->path);
}

static int judge_all(struct issues_run *r, struct finding **out, size_t *nout,
		     struct wn_err *err)
{
	struct quality_set set;
	int *w = malloc((r->n + 1) * sizeof(*w)), *h = malloc((r->n + 1) * sizeof(*h));
	size_t n = 0, cap = 0;
	int ret = -1;

	*out = NULL;
	if (!w || !h) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < r->n; i++) {
		w[i] = r->v[i].width;
		h[i] = r->v[i].height;
	}
	if (quality_set_medians(w, h, r->n, &set, err))
		goto done;
	for (size_t i = 0; i < r->n; i++) {
		struct judged *j = &r->v[i];

		j->found = quality_judge(&j->q, j->width, j->height, &set, r->thresholds,
					 j->scores);
		j->scores[QI_OUTLIER] = j->outlier;
		if (j->outlier < r->thresholds[QI_OUTLIER])
			j->found |= 1u << QI_OUTLIER;
		j->found &= r->wanted;
		for (int k = 0; k < QI_COUNT; k++) {
			if (!(j->found & 1u << k))
				continue;
			if (ARRAY_GROW(*out, cap, n, 256)) {
				wn_fail(err, WN_ENOMEM, "out of memory");
				goto done;
			}
			(*out)[n++] = (struct finding){ j, k };
		}
	}
	if (n)
		qsort(*out, n, sizeof(**out), cmp_finding);
	*nout = n;
	ret = 0;
done:
	free(w);
	free(h);
	return ret;
}

static int cmp_judged_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct judged *)elem)->path);
}

/* The outlier scores of the images judged, from the embeddings of
 * model_key/prep. @return 1 when there are none (*r untouched), 0 done,
 * -1 with err set. */
static int score_outliers(struct issues_run *r, struct catalog *cat, const char *model_key,
			  const char *prep, const char *prefix, struct wn_err *err)
{
	struct train_set t = { 0 };
	double *scores = NULL;
	int ret = -1;

	if (train_set_load(cat, model_key, prep, prefix, &t, err))
		goto done;
	ret = 1;
	if (!t.n)
		goto done;
	ret = -1;
	scores = malloc(t.n * sizeof(*scores));
	if (!scores) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	if (outlier_scores(&t, scores, err))
		goto done;
	/* both by path: images_quality_foreach() and the predictions' walk */
	for (size_t i = 0; i < t.n; i++) {
		struct judged *j = bsearch(t.items[i].path, r->v, r->n, sizeof(*r->v),
					   cmp_judged_path);

		if (j)
			j->outlier = scores[i];
	}
	ret = 0;
done:
	free(scores);
	train_set_release(&t);
	return ret;
}

static int print_findings(const struct finding *f, size_t n, enum out_format fmt)
{
	static const char *const cols[] = { "path", "class", "issue", "score" };
	struct table t;

	table_begin(&t, fmt, stdout, cols, 4);
	for (size_t i = 0; i < n; i++) {
		char v[32];

		snprintf(v, sizeof(v), "%.4f", f[i].image->scores[f[i].issue]);
		table_str(&t, f[i].image->path);
		table_str(&t, f[i].image->class_name);
		table_str(&t, quality_issue_name(f[i].issue));
		table_str(&t, v);
		table_end_row(&t);
	}
	return table_end(&t);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* stderr: the images judged, then per issue its count and how many of
 * each class have it. */
static int print_summary(const struct issues_run *r, int64_t missing, const char *root)
{
	const char **names = malloc((r->n + 1) * sizeof(*names));
	size_t *counts = NULL, nnames = 0, flagged = 0, total[QI_COUNT] = { 0 };

	if (!names)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		names[i] = r->v[i].class_name ? r->v[i].class_name : "(no class)";
	qsort(names, r->n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < r->n; i++)
		if (!nnames || strcmp(names[nnames - 1], names[i]))
			names[nnames++] = names[i];
	counts = calloc(nnames * QI_COUNT + 1, sizeof(*counts));
	if (!counts) {
		free(names);
		return -1;
	}
	for (size_t i = 0; i < r->n; i++) {
		const char *c = r->v[i].class_name ? r->v[i].class_name : "(no class)";
		const char **at = bsearch(&c, names, nnames, sizeof(*names), cmp_name);

		flagged += r->v[i].found != 0;
		for (int k = 0; k < QI_COUNT; k++)
			if (r->v[i].found & 1u << k) {
				counts[(size_t)k * nnames + (size_t)(at - names)]++;
				total[k]++;
			}
	}
	fprintf(stderr, "db issues: %zu images, %zu with an issue\n", r->n, flagged);
	for (int k = 0; k < QI_COUNT; k++) {
		if (!(r->wanted & 1u << k))
			continue;
		fprintf(stderr, "  %-17s %zu", quality_issue_name(k), total[k]);
		for (size_t c = 0; c < nnames; c++)
			if (counts[(size_t)k * nnames + c])
				fprintf(stderr, "  %s %zu", names[c], counts[(size_t)k * nnames + c]);
		fputc('\n', stderr);
	}
	if (missing > 0)
		fprintf(stderr, "db issues: %lld images have no quality signals yet: run 'db scan "
			"%s'\n", (long long)missing, root);
	free(counts);
	free(names);
	return 0;
}

int cmd_issues(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		{ "issue", required_argument, NULL, 'i' },
		{ "threshold", required_argument, NULL, 't' },
		CLI_OPTION_FORMAT,
		CLI_OPTIONS_MODEL,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct issues_run r = { 0 };
	struct finding *f = NULL;
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT;
	struct image_filter filter = { NULL, IMAGE_OK, NULL };
	struct cli_options co;
	size_t nf = 0;
	int64_t missing = 0;
	int rc = EXIT_FATAL, c;

	r.wanted = (1u << QI_COUNT) - 1;
	for (int i = 0; i < QI_COUNT; i++)
		r.thresholds[i] = quality_default_threshold(i);
	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:h", opts)) >= 0) {
		if (c == 'i' && parse_issues(optarg, &r.wanted))
			return EXIT_USAGE;
		if (c == 't' && parse_threshold(optarg, r.thresholds))
			return EXIT_USAGE;
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	if (cli_open_catalog(co.db, CATALOG_READONLY, &cat))
		return EXIT_FATAL;
	if (catalog_rel_prefix(cat, co.path, &prefix, &err))
		goto fail;
	filter.path_prefix = prefix.len ? prefix.buf : NULL;
	if (images_quality_foreach(cat, &filter, collect, &r, &missing, &err) || r.oom) {
		if (r.oom)
			wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (r.wanted & 1u << QI_OUTLIER) {
		int none = score_outliers(&r, cat, nn_model_key(co.model), nn_prep_name(co.prep),
					  filter.path_prefix, &err);

		if (none < 0)
			goto fail;
		if (none)
			fprintf(stderr, "db issues: no image embeddings for outlier: run 'label "
				"predict --path %s' first\n", co.path);
	}
	if (judge_all(&r, &f, &nf, &err))
		goto fail;
	if (print_findings(f, nf, co.format)) {
		cli_error("cannot write the list");
		goto done;
	}
	if (print_summary(&r, missing, co.path)) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	free(f);
	run_release(&r);
	strbuf_release(&prefix);
	catalog_close(cat);
	return rc;
}
