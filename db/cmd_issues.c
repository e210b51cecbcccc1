/* db issues: images that are blurry, dark, light, blank, grey or of an odd
 * shape or size, from the quality signals the scan stored, and images
 * unlike their class, from label predict's embeddings (learn/issues.h
 * judges them); listed, and quarantined with --move-to. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "learn/learn.h"
#include "quality/quality.h"

static const char usage[] =
	"usage: db issues --path DIR [--issue KIND,...] [--threshold KIND=V] [--format F]\n"
	"                 [--move-to DIR [--dry-run]]\n"
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
	"                    and m the class's median d, min(1, m/d); default 0.55\n"
	"                    (1.8 times as far out as the class's median image). Needs\n"
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
	"  --move-to DIR        quarantine the images listed: move each under DIR,\n"
	"                       keeping its path below --path (never over a file),\n"
	"                       recorded in the catalog's journal as every move is;\n"
	"                       a file changed since db scan stays\n"
	"  -n, --dry-run        with --move-to: say what would move, move nothing\n"
	"  --signals            instead, one row per image judged, issues or not:\n"
	"                       path, class, issues (comma-separated, or empty), the\n"
	"                       signals (sharpness, luma_p5, luma_p99, entropy, chroma,\n"
	"                       colourfulness, skin: the share of skin-coloured pixels,\n"
	"                       0..1, by Fleck-Forsyth log-opponent hue and saturation)\n"
	"                       and the outlier score\n"
	"  --db FILE            the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  db scan train && db issues --path train --format csv > issues.csv\n"
	"  db issues --path train --issue blurry,dark --threshold blurry=0.3\n"
	"  db issues --path train --format jsonl | jq -r 'select(.issue == \"odd_size\") | .path'\n"
	"  db issues --path train --issue blurry,low_information --move-to quarantine\n"
	"  db issues --path train --signals --format csv > signals.csv   # skin share too\n"
	"\n"
	"Summary on stderr: counts per issue and class.\n"
	"Exit status: 0 done; 1 some images not moved (each reported); 2 bad usage;\n"
	"3 fatal.\n";

/* --issue KIND,...: the bits of the issues named. */
static int parse_issues(const char *s, unsigned *wanted)
{
	struct wn_err err;

	return quality_issues_parse(s, wanted, &err) ? cli_usage_error("--issue: %s", err.msg)
						    : 0;
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

static int print_findings(const struct issue_finding *f, size_t n, enum out_format fmt)
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

/* --signals: every image judged, with what its pixels measured. */
static int print_signals(const struct issue_set *r, enum out_format fmt)
{
	static const char *const cols[] = { "path", "class", "issues", "sharpness", "luma_p5",
					    "luma_p99", "entropy", "chroma", "colourfulness",
					    "skin", "outlier" };
	struct table t;
	struct strbuf found = STRBUF_INIT;

	table_begin(&t, fmt, stdout, cols, 11);
	for (size_t i = 0; i < r->n; i++) {
		const struct issue_image *j = &r->v[i];
		const double v[] = { j->q.sharpness, j->q.luma_p5, j->q.luma_p99, j->q.entropy,
				     j->q.chroma, j->q.colourfulness, j->q.skin,
				     j->scores[QI_OUTLIER] };

		strbuf_reset(&found);
		for (int k = 0; k < QI_COUNT; k++)
			if (j->found & 1u << k)
				strbuf_addf(&found, "%s%s", found.len ? "," : "",
					    quality_issue_name(k));
		table_str(&t, j->path);
		table_str(&t, j->class_name);
		table_str(&t, found.len ? found.buf : "");
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			char num[32];

			snprintf(num, sizeof(num), "%.4f", v[k]);
			table_str(&t, num);
		}
		table_end_row(&t);
	}
	strbuf_release(&found);
	return table_end(&t);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* stderr: the images judged, then per issue its count and how many of
 * each class have it. */
static int print_summary(const struct issue_set *r, unsigned wanted, const char *root)
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
		if (!(wanted & 1u << k))
			continue;
		fprintf(stderr, "  %-17s %zu", quality_issue_name(k), total[k]);
		for (size_t c = 0; c < nnames; c++)
			if (counts[(size_t)k * nnames + c])
				fprintf(stderr, "  %s %zu", names[c], counts[(size_t)k * nnames + c]);
		fputc('\n', stderr);
	}
	if (r->missing > 0)
		fprintf(stderr, "db issues: %lld images have no quality signals yet: run 'db scan "
			"%s'\n", (long long)r->missing, root);
	free(counts);
	free(names);
	return 0;
}

/* --move-to: the flagged images quarantined under a folder, keeping their
 * path below DIR, each move planned in the journal and committed before
 * it is made, done or dropped after (catalog/journal.h): the catalog
 * never says what the disk does not. */
#define MOVE_BATCH 256

struct mover {
	struct catalog *cat;
	const char *root, *move_to;   /* as given */
	size_t prefix_len;            /* of DIR's catalog paths */
	int root_fd, move_fd;
	char *move_real;
	int64_t run_id;
	int dry;
	uint64_t moved, failed;
};

struct move_item {
	const struct issue_image *j;
	const char *rel;              /* below DIR, and below the --move-to folder */
	int64_t event;                /* 0: not planned */
	int acted;
};

static void move_failed(struct mover *mv, const char *rel, const char *why)
{
	struct strbuf disk = STRBUF_INIT;

	strbuf_addf(&disk, "%s/%s", mv->root, rel);
	cli_file_error(disk.len ? disk.buf : rel, why);
	strbuf_release(&disk);
	mv->failed++;
}

/* Why, for the audit: each issue found and its score. */
static int move_cause(const struct issue_image *j, struct strbuf *cause)
{
	strbuf_reset(cause);
	if (strbuf_addstr(cause, "db issues:"))
		return -1;
	for (int k = 0; k < QI_COUNT; k++)
		if (j->found & 1u << k &&
		    strbuf_addf(cause, " %s %.4f", quality_issue_name(k), j->scores[k]))
			return -1;
	return 0;
}

/* Whether rel names something under the --move-to folder already. */
static int dest_taken(const struct mover *mv, const char *rel)
{
	struct dspath p = DSPATH_INIT;
	struct stat st;
	int taken = !dspath_resolve(mv->move_fd, rel, 0, &p, NULL) && !dspath_stat(&p, &st);

	dspath_release(&p);
	return taken;
}

/* The batch's moves recorded as planned, committed before any is made;
 * one whose place is taken is reported and left out. */
static int plan_moves(struct mover *mv, struct move_item *b, size_t n, struct wn_err *err)
{
	struct strbuf cause = STRBUF_INIT, dest = STRBUF_INIT;
	int ret = -1;

	if (catalog_begin(mv->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct journal_act a = { b[i].j->id, "quarantine", b[i].j->path, NULL, NULL, NULL };

		if (dest_taken(mv, b[i].rel)) {
			move_failed(mv, b[i].rel, "not moved: the --move-to folder has that name");
			continue;
		}
		strbuf_reset(&dest);
		if (move_cause(b[i].j, &cause) ||
		    catalog_rel_path(mv->cat, mv->move_real, b[i].rel, &dest)) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
		a.dest = dest.buf;
		a.cause = cause.buf;
		if (journal_plan(mv->cat, mv->run_id, &a, &b[i].event, err))
			goto out;
	}
	ret = catalog_commit(mv->cat, err);
out:
	if (ret)
		catalog_rollback(mv->cat);
	strbuf_release(&cause);
	strbuf_release(&dest);
	return ret;
}

/* One planned move: the file must still be the one measured (a regular
 * file of the catalogued size and mtime), then it goes, through no
 * symlink on either side, never over a file. */
static void move_one(struct mover *mv, struct move_item *it)
{
	struct dspath from = DSPATH_INIT, to = DSPATH_INIT;
	struct wn_err why;
	struct stat st;

	if (dspath_resolve(mv->root_fd, it->rel, 0, &from, &why)) {
		move_failed(mv, it->rel, wn_err_cause(&why, it->rel));
	} else if (dspath_stat(&from, &st) || !S_ISREG(st.st_mode) ||
		   st.st_size != it->j->size ||
		   (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != it->j->mtime_ns) {
		move_failed(mv, it->rel, "not moved: changed since it was scanned; run db scan");
	} else if (dspath_resolve(mv->move_fd, it->rel, DSPATH_MKDIRS, &to, &why)) {
		move_failed(mv, it->rel, why.msg);
	} else if (move_at(from.dir, from.name, to.dir, to.name, &why)) {
		move_failed(mv, it->rel, why.msg);
	} else {
		it->acted = 1;
		mv->moved++;
		cli_test_kill_point();
	}
	dspath_release(&from);
	dspath_release(&to);
}

static int settle_moves(struct mover *mv, struct move_item *b, size_t n, struct wn_err *err)
{
	if (catalog_begin(mv->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (b[i].event && (b[i].acted ? journal_done(mv->cat, b[i].event, err)
					     : journal_drop(mv->cat, b[i].event, err))) {
			catalog_rollback(mv->cat);
			return -1;
		}
	return catalog_commit(mv->cat, err);
}

/* Plan a batch (committed), move it, settle it. */
static int move_all(struct mover *mv, struct move_item *b, size_t n, struct wn_err *err)
{
	for (size_t at = 0; at < n; at += MOVE_BATCH) {
		size_t k = n - at < MOVE_BATCH ? n - at : MOVE_BATCH;

		if (plan_moves(mv, b + at, k, err))
			return -1;
		for (size_t i = 0; i < k; i++)
			if (b[at + i].event)
				move_one(mv, &b[at + i]);
		if (settle_moves(mv, b + at, k, err))
			return -1;
	}
	return 0;
}

/* The flagged images, each once, by path; a dry run says where each
 * would go. */
static int quarantine(struct mover *mv, const struct issue_set *r, struct wn_err *err)
{
	struct move_item *b = calloc(r->n ? r->n : 1, sizeof(*b));
	size_t n = 0;
	int ret = -1;

	if (!b)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		if (!r->v[i].found)
			continue;
		b[n].j = &r->v[i];
		b[n].rel = r->v[i].path + mv->prefix_len;
		if (mv->dry)
			fprintf(stderr, "db issues: would move %s/%s to %s/%s\n", mv->root,
				b[n].rel, mv->move_to, b[n].rel);
		n++;
	}
	if (mv->dry) {
		fprintf(stderr, "db issues: --dry-run: %zu images would move to %s\n", n,
			mv->move_to);
		ret = 0;
	} else if (!move_all(mv, b, n, err)) {
		fprintf(stderr, "db issues: %" PRIu64 " images moved to %s, %" PRIu64
			" not moved\n", mv->moved, mv->move_to, mv->failed);
		ret = 0;
	}
	free(b);
	return ret;
}

/* --move-to DIR [--dry-run]: the run recorded, the folders opened, the
 * moves made. @return the exit status. */
static int run_moves(struct mover *mv, const struct issue_set *r, int argc, char **argv)
{
	struct wn_err err = { 0 };
	char counts[96];
	int rc = EXIT_FATAL;

	if (mv->dry)
		return quarantine(mv, r, &err) ? cli_fatal(&err) : EXIT_DONE;
	mv->root_fd = dspath_open_root(mv->root, 0, &err);
	if (mv->root_fd < 0)
		return cli_fatal(&err);
	mv->move_fd = dspath_open_root(mv->move_to, 1, &err);
	if (mv->move_fd < 0)
		goto done;
	if (!(mv->move_real = realpath(mv->move_to, NULL))) {
		wn_fail(&err, WN_EIO, "%s: %s", mv->move_to, strerror(errno));
		goto done;
	}
	if (run_begin(mv->cat, "db issues", argc, argv, &mv->run_id, &err) ||
	    journal_start(mv->cat, mv->run_id, &err))
		goto done;
	if (!quarantine(mv, r, &err))
		rc = mv->failed ? EXIT_PARTIAL : EXIT_DONE;
	snprintf(counts, sizeof(counts), "{\"moved\":%" PRIu64 ",\"failed\":%" PRIu64 "}",
		 mv->moved, mv->failed);
	if (run_finish(mv->cat, mv->run_id, rc, counts, rc == EXIT_FATAL ? NULL : &err))
		rc = EXIT_FATAL;
done:
	if (rc == EXIT_FATAL)
		cli_fatal(&err);
	close(mv->root_fd);
	if (mv->move_fd >= 0)
		close(mv->move_fd);
	free(mv->move_real);
	return rc;
}

int cmd_issues(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		{ "issue", required_argument, NULL, 'i' },
		{ "threshold", required_argument, NULL, 't' },
		CLI_OPTION_FORMAT,
		CLI_OPTIONS_MODEL,
		{ "move-to", required_argument, NULL, 'm' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "signals", no_argument, NULL, 's' },
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct issue_set r = { 0 };
	struct issue_opts o;
	struct issue_finding *f = NULL;
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT;
	struct cli_options co;
	struct mover mv = { 0 };
	size_t nf = 0;
	int rc = EXIT_FATAL, c, signals = 0;

	issue_opts_init(&o, NULL, NULL);
	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:nh", opts)) >= 0) {
		if (c == 'i' && parse_issues(optarg, &o.wanted))
			return EXIT_USAGE;
		if (c == 't' && parse_threshold(optarg, o.thresholds))
			return EXIT_USAGE;
		if (c == 'm')
			mv.move_to = optarg;
		if (c == 'n')
			mv.dry = 1;
		if (c == 's')
			signals = 1;
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	if (mv.dry && !mv.move_to)
		return cli_usage_error("--dry-run goes with --move-to");
	o.model_key = nn_model_key(co.model);
	o.prep = nn_prep_name(co.prep);
	if (cli_open_catalog(co.db, mv.move_to && !mv.dry ? CATALOG_EXISTING : CATALOG_READONLY,
			     &cat))
		return EXIT_FATAL;
	if (catalog_rel_prefix(cat, co.path, &prefix, &err) ||
	    issues_judge(cat, prefix.len ? prefix.buf : NULL, &o, &r, &err) ||
	    issue_findings(&r, &f, &nf, &err))
		goto fail;
	if (o.wanted & 1u << QI_OUTLIER && !r.embeddings)
		fprintf(stderr, "db issues: no image embeddings for outlier: run 'label predict "
			"--path %s' first\n", co.path);
	if (signals ? print_signals(&r, co.format) : print_findings(f, nf, co.format)) {
		cli_error("cannot write the list");
		goto done;
	}
	if (print_summary(&r, o.wanted, co.path)) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	rc = EXIT_DONE;
	if (mv.move_to) {
		mv.cat = cat;
		mv.root = co.path;
		mv.prefix_len = prefix.len;
		mv.move_fd = -1;
		rc = run_moves(&mv, &r, argc, argv);
	}
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	free(f);
	issue_set_release(&r);
	strbuf_release(&prefix);
	catalog_close(cat);
	return rc;
}
