/* db report: the dataset's state as one self-contained HTML page: class
 * counts, size and aspect-ratio histograms (inline SVG drawn here),
 * duplicate groups and label conflicts with thumbnails, the top suspects,
 * db issues' counts and worst examples, corrupt files and augmentation
 * counts. Thumbnails are JPEG data URIs
 * made with the core decode and resample code; nothing is fetched. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "base/base.h"
#include "img/img.h"
#include "catalog/catalog.h"
#include "learn/learn.h"
#include "nn/nn.h"

static const char usage[] =
	"usage: db report --html FILE [--path DIR] [--suspects N] [--model NAME]\n"
	"\n"
	"Writes one self-contained HTML file (no scripts, nothing fetched) that\n"
	"shows the dataset's state: images per class as a bar chart (with how many\n"
	"augment made), histograms of the shorter side and of the aspect ratio,\n"
	"dedup's duplicate groups and the label conflicts with thumbnails, the top\n"
	"suspects of label suspects with thumbnails, the quality issues db issues\n"
	"finds (counts per issue and class, and the worst few of each with\n"
	"thumbnails), the corrupt files and why, and the totals. Charts are SVG drawn by winnow; thumbnails are embedded.\n"
	"\n"
	"Options:\n"
	"  --html FILE       the page to write\n"
	"  --path DIR        only images under DIR (default: the whole catalog)\n"
	"  --suspects N      how many suspects to show (default 24)\n"
	"  --groups N        how many duplicate groups to show (default 20)\n"
	"  --model NAME      whose predictions rank the suspects and whose embeddings\n"
	"                    find outliers (default mobilenet_v2)\n"
	"  --db FILE         the catalog\n"
	"\n"
	"Examples:\n"
	"  db report --html report.html\n"
	"  db report --html train.html --path train --suspects 60\n"
	"\n"
	"Exit status: 0 written; 2 bad usage; 3 fatal.\n";

#define BINS 8

struct klass {
	char *name;
	int64_t ok, made;
};

/* What the command line asked for, and when. */
struct report_opts {
	const char *out, *root, *model;  /* --html, --path, --model */
	uint64_t nsus, ngroups;          /* --suspects, --groups */
	time_t now;
};

struct report {
	struct catalog *cat;
	struct report_opts o;
	struct strbuf prefix;     /* --path as a catalog path */
	const char *path_prefix;  /* prefix.buf, or NULL: the whole catalog */
	struct strbuf h;          /* the page */
	struct klass *k;
	int nk;
	int64_t ok, corrupt, deleted, bytes;
	int64_t side[BINS], aspect[BINS];
	struct strbuf corrupt_rows;
	int64_t corrupt_listed;
	int64_t groups;           /* duplicate groups in dedup's last run */
	int oom;
};

static const char *const side_labels[BINS] = { "<64", "64-127", "128-255", "256-383",
					       "384-511", "512-1023", "1024-2047", "2048+" };
static const char *const aspect_labels[BINS] = { "<0.5", "0.5-0.67", "0.67-0.8", "0.8-0.95",
						 "0.95-1.05", "1.05-1.25", "1.25-1.8", "1.8+" };

static struct klass *klass(struct report *r, const char *name)
{
	struct klass *g;

	for (int i = 0; i < r->nk; i++)
		if (!strcmp(r->k[i].name, name ? name : "(none)"))
			return &r->k[i];
	g = realloc(r->k, (size_t)(r->nk + 1) * sizeof(*g));
	if (!g)
		return NULL;
	r->k = g;
	g = &r->k[r->nk++];
	memset(g, 0, sizeof(*g));
	g->name = strdup(name ? name : "(none)");
	return g->name ? g : NULL;
}

/* The bins' lower edges after the first, as the labels above say. */
static const double side_edges[BINS - 1] = { 64, 128, 256, 384, 512, 1024, 2048 };
static const double aspect_edges[BINS - 1] = { 0.5, 0.67, 0.8, 0.95, 1.05, 1.25, 1.8 };

static int bin_of(const double *edges, double v)
{
	int b = 0;

	while (b < BINS - 1 && v >= edges[b])
		b++;
	return b;
}

static int on_image(const struct image_row *row, void *data)
{
	struct report *r = data;
	struct klass *k;

	if (row->status == IMAGE_DELETED || row->status == IMAGE_QUARANTINED) {
		r->deleted++;
		return 0;
	}
	if (row->status == IMAGE_CORRUPT) {
		r->corrupt++;
		if (r->corrupt_listed++ < 500) {
			strbuf_addstr(&r->corrupt_rows, "<tr><td class=p>");
			strbuf_add_html(&r->corrupt_rows, row->path);
			strbuf_addstr(&r->corrupt_rows, "</td><td>");
			strbuf_add_html(&r->corrupt_rows, row->error ? row->error : "");
			strbuf_addstr(&r->corrupt_rows, "</td></tr>\n");
		}
		return 0;
	}
	if (!(k = klass(r, row->class_name)))
		return r->oom = 1;
	k->ok++;
	r->ok++;
	r->bytes += row->size;
	if (row->width > 0 && row->height > 0) {
		r->side[bin_of(side_edges, row->width < row->height ? row->width : row->height)]++;
		r->aspect[bin_of(aspect_edges, (double)row->width / row->height)]++;
	}
	return 0;
}

static int on_made(const char *class_name, int64_t count, void *data)
{
	struct report *r = data;
	struct klass *k = klass(r, class_name);

	if (!k)
		return r->oom = 1;
	k->made = count;
	return 0;
}

/* An <img> of the catalog image at path, 120 px at most, or a grey box. */
static void thumb(struct report *r, const char *path, const char *title)
{
	struct strbuf disk = STRBUF_INIT;
	struct wn_err err;
	uint8_t *jpg = NULL;
	size_t len = 0;
	int ok = !catalog_disk_path(r->cat, path, &disk) &&
		 !img_thumbnail_file(disk.buf, NULL, 120, 80, &jpg, &len, &err);

	strbuf_addstr(&r->h, "<figure><");
	if (ok) {
		strbuf_addstr(&r->h, "img alt=\"\" src=\"data:image/jpeg;base64,");
		strbuf_add_base64(&r->h, jpg, len);
		strbuf_addstr(&r->h, "\">");
	} else {
		strbuf_addstr(&r->h, "div class=missing>?</div>");
	}
	strbuf_addstr(&r->h, "<figcaption>");
	strbuf_add_html(&r->h, title);
	strbuf_addstr(&r->h, "</figcaption></figure>\n");
	free(jpg);
	strbuf_release(&disk);
}

/* A horizontal bar chart: labels, values and (optional) a second stacked
 * value in another colour. */
static void bars(struct strbuf *h, const char *title, const char *const *labels,
		 const int64_t *a, const int64_t *b, int n, const char *a_name, const char *b_name)
{
	int64_t max = 1;
	int row = 22, lw = 150, width = 760, height = n * row + 40;

	for (int i = 0; i < n; i++)
		max = a[i] + (b ? b[i] : 0) > max ? a[i] + (b ? b[i] : 0) : max;
	strbuf_addf(h, "<svg class=chart viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		    "role=img aria-label=\"", width, height, width, height);
	strbuf_add_html(h, title);
	strbuf_addstr(h, "\">\n");
	for (int i = 0; i < n; i++) {
		double wa = (double)a[i] / (double)max * (width - lw - 90);
		double wb = b ? (double)b[i] / (double)max * (width - lw - 90) : 0;
		int y = i * row + 4;

		strbuf_addf(h, "<text x=\"%d\" y=\"%d\" text-anchor=end>", lw - 8, y + 15);
		strbuf_add_html(h, labels[i]);
		strbuf_addf(h, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" "
			    "fill=\"#3b6fb6\"/>", lw, y + 2, wa);
		if (wb > 0)
			strbuf_addf(h, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" "
				    "fill=\"#e0a030\"/>", lw + wa, y + 2, wb);
		strbuf_addf(h, "<text x=\"%.1f\" y=\"%d\">%" PRId64, lw + wa + wb + 6, y + 15, a[i]);
		if (b && b[i])
			strbuf_addf(h, " + %" PRId64, b[i]);
		strbuf_addstr(h, "</text>\n");
	}
	if (b_name) {
		int y = n * row + 16;

		strbuf_addf(h, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#3b6fb6\"/>"
			    "<text x=\"%d\" y=\"%d\">%s</text><rect x=\"%d\" y=\"%d\" width=\"12\" "
			    "height=\"12\" fill=\"#e0a030\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
			    lw, y, lw + 18, y + 11, a_name, lw + 160, y, lw + 178, y + 11, b_name);
	}
	strbuf_addstr(h, "</svg>\n");
}

struct groups_ctx {
	struct report *r;
	int64_t run;
	int grp, shown, max, open;
	int64_t total;
};

static int on_group_member(int64_t run_id, int grp, int rank, int64_t image_id,
			   const char *path, const char *class_name, const char *match, void *data)
{
	struct groups_ctx *g = data;
	char title[600];

	(void)image_id;
	(void)match;
	if (run_id != g->run || grp != g->grp) {
		if (g->open)
			strbuf_addstr(&g->r->h, "</div>\n");
		g->open = 0;
		g->run = run_id;
		g->grp = grp;
		g->total++;
		if (g->shown < g->max) {
			g->shown++;
			strbuf_addstr(&g->r->h, "<div class=group>");
			g->open = 1;
		}
	}
	if (!g->open)
		return 0;
	snprintf(title, sizeof(title), "%s%s (%s)", rank ? "" : "keeper: ", path,
		 class_name ? class_name : "no class");
	thumb(g->r, path, title);
	return 0;
}

struct conflict_ctx {
	struct report *r;
	char *last;
	int shown;
};

static int on_conflict(const char *path, const char *given, const char *other_path,
		       const char *other, void *data)
{
	struct conflict_ctx *c = data;
	char title[600];

	(void)other_path;
	if ((c->last && !strcmp(c->last, path)) || c->shown >= 40)
		return 0;
	free(c->last);
	c->last = strdup(path);
	c->shown++;
	snprintf(title, sizeof(title), "%s: in %s, a copy in %s", path, given, other);
	thumb(c->r, path, title);
	return 0;
}

/* The rows the page counts: the images under the root by class, status,
 * size and aspect, and augment's outputs per class. */
static int gather(struct report *r, struct wn_err *err)
{
	struct image_filter filter = { NULL, -1, NULL };

	if (r->o.root) {
		if (catalog_rel_prefix(r->cat, r->o.root, &r->prefix, err))
			return -1;
		r->path_prefix = r->prefix.len ? r->prefix.buf : NULL;
	}
	filter.path_prefix = r->path_prefix;
	if (images_foreach(r->cat, &filter, on_image, r, err) ||
	    derived_counts(r->cat, "augment ", on_made, r, err) || r->oom) {
		if (r->oom)
			wn_fail(err, WN_ENOMEM, "out of memory");
		return -1;
	}
	return 0;
}

/* The page's head and style, its title and where it came from. */
static void add_head(struct report *r)
{
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&r->o.now));
	strbuf_addstr(&r->h, "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\n"
		"<meta name=viewport content=\"width=device-width, initial-scale=1\">\n<title>");
	strbuf_add_html(&r->h, catalog_dir(r->cat));
	strbuf_addstr(&r->h, " — winnow report</title>\n<style>\n"
		"body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;"
		"color:#1d2430;padding:0 16px}\nh1{font-size:22px}h2{font-size:17px;margin-top:32px;"
		"border-bottom:1px solid #d6dbe3;padding-bottom:4px}\n.totals{display:flex;gap:24px;"
		"flex-wrap:wrap}.totals div{background:#f1f4f8;border-radius:6px;padding:10px 16px}"
		".totals b{display:block;font-size:20px}\nsvg.chart text{font-size:12px;fill:#1d2430}"
		"\n.group,.strip{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0;padding:8px;"
		"background:#f7f8fa;border-radius:6px}\nfigure{margin:0;width:130px}figure img,"
		".missing{max-width:120px;max-height:120px;display:block;background:#ddd}"
		"figcaption{font-size:11px;word-break:break-all;color:#4a5568}\n.missing{width:120px;"
		"height:90px;text-align:center;line-height:90px}\ntable{border-collapse:collapse}"
		"td,th{padding:3px 10px;border-bottom:1px solid #e5e8ee;text-align:left;"
		"vertical-align:top}.p{font-family:ui-monospace,monospace;font-size:12px}\n"
		".note{color:#5a6474}\n</style></head><body>\n<h1>Dataset report: ");
	strbuf_add_html(&r->h, catalog_dir(r->cat));
	if (r->o.root) {
		strbuf_addstr(&r->h, " / ");
		strbuf_add_html(&r->h, r->o.root);
	}
	strbuf_addf(&r->h, "</h1>\n<p class=note>Made by winnow %s on %s from ", WINNOW_VERSION,
		    when);
	strbuf_add_html(&r->h, catalog_file(r->cat));
	strbuf_addstr(&r->h, ".</p>\n");
}

static void add_totals(struct report *r)
{
	int64_t made = 0;

	for (int i = 0; i < r->nk; i++)
		made += r->k[i].made;
	strbuf_addf(&r->h, "<div class=totals><div><b>%" PRId64 "</b>images</div><div><b>%d"
		    "</b>classes</div><div><b>%.1f MB</b>on disk</div><div><b>%" PRId64
		    "</b>made by augment</div><div><b>%" PRId64 "</b>corrupt</div><div><b>%"
		    PRId64 "</b>deleted or moved aside</div></div>\n", r->ok, r->nk,
		    (double)r->bytes / 1e6, made, r->corrupt, r->deleted);
}

/* Images per class (originals and augment's), then the histograms. */
static int add_charts(struct report *r, struct wn_err *err)
{
	strbuf_addstr(&r->h, "<h2>Images per class</h2>\n");
	if (r->nk) {
		const char **labels = calloc((size_t)r->nk, sizeof(*labels));
		int64_t *a = calloc((size_t)r->nk, sizeof(*a)), *b = calloc((size_t)r->nk, sizeof(*b));
		int ok = labels && a && b;

		for (int i = 0; ok && i < r->nk; i++) {
			labels[i] = r->k[i].name;
			b[i] = r->k[i].made;
			a[i] = r->k[i].ok - r->k[i].made;
		}
		if (ok)
			bars(&r->h, "Images per class", labels, a, b, r->nk, "originals",
			     "made by augment");
		free(labels);
		free(a);
		free(b);
		if (!ok)
			return wn_fail(err, WN_ENOMEM, "out of memory");
	} else {
		strbuf_addstr(&r->h, "<p class=note>No images yet: run db scan.</p>\n");
	}
	strbuf_addstr(&r->h, "<h2>Shorter side (pixels)</h2>\n");
	bars(&r->h, "Shorter side", side_labels, r->side, NULL, BINS, NULL, NULL);
	strbuf_addstr(&r->h, "<h2>Aspect ratio (width / height)</h2>\n");
	bars(&r->h, "Aspect ratio", aspect_labels, r->aspect, NULL, BINS, NULL, NULL);
	return 0;
}

/* dedup's last run: the first ngroups groups with thumbnails. */
static int add_duplicates(struct report *r, struct wn_err *err)
{
	struct groups_ctx gc = { .r = r, .run = -1, .grp = -1, .max = (int)r->o.ngroups };

	strbuf_addstr(&r->h, "<h2>Duplicate groups (dedup's last run)</h2>\n");
	if (dup_groups_foreach(r->cat, r->path_prefix, 0, on_group_member, &gc, err))
		return -1;
	if (gc.open)
		strbuf_addstr(&r->h, "</div>\n");
	strbuf_addf(&r->h, "<p class=note>%" PRId64 " groups%s. <code>dedup --path DIR --delete"
		    "</code> keeps the first of each.</p>\n", gc.total,
		    gc.total > gc.shown ? ", the first shown" : "");
	r->groups = gc.total;
	return 0;
}

static int add_conflicts(struct report *r, struct wn_err *err)
{
	struct conflict_ctx cc = { .r = r };
	int ret = -1;

	strbuf_addstr(&r->h, "<h2>Label conflicts: a copy in another class folder</h2>\n"
		      "<div class=strip>");
	if (!images_conflicts(r->cat, r->path_prefix, on_conflict, &cc, err) &&
	    !conflicts_foreach(r->cat, r->path_prefix, on_conflict, &cc, err)) {
		strbuf_addf(&r->h, "</div>\n<p class=note>%d shown.</p>\n", cc.shown);
		ret = 0;
	}
	free(cc.last);
	return ret;
}

/* The top suspects of label suspects, or why there are none yet. */
static int add_suspects(struct report *r, struct wn_err *err)
{
	struct suspects_opts so = { 0 };
	struct suspect_list sl = { 0 };
	int found;

	strbuf_addstr(&r->h, "<h2>Top suspects: likely in the wrong folder</h2>\n");
	so.model_key = nn_model_key(r->o.model);
	so.top = r->o.nsus;
	found = suspects_find(r->cat, r->path_prefix, &so, &sl, err);
	if (found > 0) {
		strbuf_addstr(&r->h, "<p class=note>None yet: ");
		strbuf_add_html(&r->h, err->msg);
		strbuf_addstr(&r->h, "</p>\n");
		wn_err_clear(err);
	} else if (!found) {
		strbuf_addstr(&r->h, "<div class=strip>");
		for (size_t i = sl.nconflicts; i < sl.n; i++) {
			char title[700];

			snprintf(title, sizeof(title), "%s: in %s, looks %s (%.0f%%), score %.2f",
				 sl.s[i].path, sl.s[i].given, sl.s[i].predicted,
				 sl.s[i].confidence * 100, sl.s[i].score);
			thumb(r, sl.s[i].path, title);
		}
		strbuf_addf(&r->h, "</div>\n<p class=note>%zu images ranked (%s probabilities); %zu "
			    "flagged by confident learning. <code>label review</code> goes through "
			    "them.</p>\n", sl.images, !strcmp(sl.source, "head") ? "the trained head's" :
			    "the model's", sl.flagged);
	}
	suspects_free(&sl);
	return found < 0 ? -1 : 0;
}

#define ISSUE_STRIP 6

/* The table of db issues' counts: per issue, all and per class. */
static int add_issue_counts(struct report *r, const struct issue_set *is)
{
	int64_t *n = calloc((size_t)(r->nk + 1) * QI_COUNT, sizeof(*n));

	if (!n)
		return -1;
	for (size_t i = 0; i < is->n; i++) {
		const char *c = is->v[i].class_name ? is->v[i].class_name : "(none)";
		int at = 0;

		while (at < r->nk && strcmp(r->k[at].name, c))
			at++;
		for (int q = 0; q < QI_COUNT; q++)
			if (is->v[i].found & 1u << q) {
				n[q * (r->nk + 1)]++;
				if (at < r->nk)
					n[q * (r->nk + 1) + 1 + at]++;
			}
	}
	strbuf_addstr(&r->h, "<table><tr><th>issue</th><th>images</th>");
	for (int k = 0; k < r->nk; k++) {
		strbuf_addstr(&r->h, "<th>");
		strbuf_add_html(&r->h, r->k[k].name);
		strbuf_addstr(&r->h, "</th>");
	}
	strbuf_addstr(&r->h, "</tr>\n");
	for (int q = 0; q < QI_COUNT; q++) {
		strbuf_addf(&r->h, "<tr><td>%s</td>", quality_issue_name(q));
		for (int k = 0; k <= r->nk; k++)
			strbuf_addf(&r->h, "<td>%" PRId64 "</td>", n[q * (r->nk + 1) + k]);
		strbuf_addstr(&r->h, "</tr>\n");
	}
	strbuf_addstr(&r->h, "</table>\n");
	free(n);
	return 0;
}

/* db issues' findings: the counts, then the worst few of each issue. */
static int add_issues(struct report *r, struct wn_err *err)
{
	struct issue_set is = { 0 };
	struct issue_opts o;
	struct issue_finding *f = NULL;
	size_t nf = 0;
	int ret = -1;

	strbuf_addstr(&r->h, "<h2>Quality issues (db issues)</h2>\n");
	issue_opts_init(&o, nn_model_key(r->o.model), nn_prep_name(NN_PREP_DEFAULT));
	if (issues_judge(r->cat, r->path_prefix, &o, &is, err) ||
	    issue_findings(&is, &f, &nf, err))
		goto done;
	if (add_issue_counts(r, &is)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0, shown = 0; i < nf; i++) {
		char title[700];

		if (!i || f[i].issue != f[i - 1].issue) {
			strbuf_addf(&r->h, "%s<h3>%s: the worst</h3>\n<div class=strip>",
				    i ? "</div>\n" : "", quality_issue_name(f[i].issue));
			shown = 0;
		}
		if (shown++ >= ISSUE_STRIP)
			continue;
		snprintf(title, sizeof(title), "%s: %s %.2f", f[i].image->path,
			 quality_issue_name(f[i].issue), f[i].image->scores[f[i].issue]);
		thumb(r, f[i].image->path, title);
	}
	strbuf_addf(&r->h, "%s<p class=note>%zu images judged at the default thresholds; "
		    "<code>db issues</code> lists them all.", nf ? "</div>\n" : "", is.n);
	if (is.missing)
		strbuf_addf(&r->h, " %" PRId64 " have no quality signals yet: run <code>db "
			    "scan</code>.", is.missing);
	if (!is.embeddings)
		strbuf_addstr(&r->h, " No outliers without image embeddings: run <code>label "
			      "predict</code>.");
	strbuf_addstr(&r->h, "</p>\n");
	ret = 0;
done:
	free(f);
	issue_set_release(&is);
	return ret;
}

/* The corrupt files and why, then originals and augment's per class. */
static void add_corrupt_and_augmented(struct report *r)
{
	strbuf_addf(&r->h, "<h2>Corrupt files (%" PRId64 ")</h2>\n", r->corrupt);
	if (r->corrupt)
		strbuf_addf(&r->h, "<table><tr><th>file</th><th>why</th></tr>\n%s</table>\n",
			    r->corrupt_rows.buf);
	else
		strbuf_addstr(&r->h, "<p class=note>None.</p>\n");
	strbuf_addstr(&r->h, "<h2>Augmentation</h2>\n<table><tr><th>class</th><th>originals</th>"
		      "<th>made by augment</th></tr>\n");
	for (int i = 0; i < r->nk; i++) {
		strbuf_addstr(&r->h, "<tr><td>");
		strbuf_add_html(&r->h, r->k[i].name);
		strbuf_addf(&r->h, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td></tr>\n",
			    r->k[i].ok - r->k[i].made, r->k[i].made);
	}
	strbuf_addstr(&r->h, "</table>\n</body></html>\n");
}

/* Gathers, builds the page section by section, writes it and says so. */
static int make_report(struct report *r)
{
	struct wn_err err = { 0 };

	if (gather(r, &err))
		goto fail;
	add_head(r);
	add_totals(r);
	if (add_charts(r, &err) || add_duplicates(r, &err) || add_conflicts(r, &err) ||
	    add_suspects(r, &err) || add_issues(r, &err))
		goto fail;
	add_corrupt_and_augmented(r);
	if (write_file_atomic(r->o.out, r->h.buf, r->h.len, 0, &err))
		goto fail;
	fprintf(stderr, "db report: %s (%.0f kB): %" PRId64 " images, %d classes, %" PRId64
		" duplicate groups, %" PRId64 " corrupt\n", r->o.out, (double)r->h.len / 1024, r->ok,
		r->nk, r->groups, r->corrupt);
	return EXIT_DONE;
fail:
	return cli_fatal(&err);
}

static void report_release(struct report *r)
{
	for (int i = 0; i < r->nk; i++)
		free(r->k[i].name);
	free(r->k);
	strbuf_release(&r->h);
	strbuf_release(&r->corrupt_rows);
	strbuf_release(&r->prefix);
	catalog_close(r->cat);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "html", required_argument, NULL, 'o' },
		CLI_OPTION_PATH,
		{ "suspects", required_argument, NULL, 's' },
		{ "groups", required_argument, NULL, 'g' },
		CLI_OPTION_MODEL,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct report r;
	struct cli_options co;
	const char *out = NULL;
	uint64_t nsus = 24, ngroups = 20;
	int rc, c;
	time_t now = time(NULL);

	memset(&r, 0, sizeof(r));
	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "h", opts)) >= 0) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': if (cli_parse_uint("--suspects", optarg, 10000, &nsus)) return EXIT_USAGE; break;
		case 'g': if (cli_parse_uint("--groups", optarg, 10000, &ngroups)) return EXIT_USAGE; break;
		}
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, 0))
		return co.status;
	if (!out)
		return cli_usage_error("where to? give --html FILE");
	if (cli_open_catalog(co.db, CATALOG_READONLY, &r.cat))
		return EXIT_FATAL;
	strbuf_init(&r.prefix);
	r.o = (struct report_opts){ out, co.path, co.model, nsus, ngroups, now };
	rc = make_report(&r);
	report_release(&r);
	return rc;
}
