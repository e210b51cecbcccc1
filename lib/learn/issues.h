/* Issues of a set: every catalogued image under a folder judged from its
 * stored quality signals against the set (quality/quality.h), and against
 * its class by the classifier's embeddings (learn/outlier.h). What
 * `db issues` lists and moves, `db split --exclude-issues` leaves out and
 * `db report` shows. */
#ifndef WINNOW_LEARN_ISSUES_H
#define WINNOW_LEARN_ISSUES_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "quality/quality.h"

struct catalog;

struct issue_image {
	int64_t id, size, mtime_ns;   /* the row; the file as measured */
	char *path, *class_name;      /* catalog path; class NULL: none */
	int width, height;
	struct quality q;
	double scores[QI_COUNT];      /* outlier 1 without embeddings */
	unsigned found;               /* bit (1 << issue) per issue found */
};

struct issue_set {
	struct issue_image *v;        /* n, by path */
	size_t n;
	int64_t missing;              /* ok images without signals yet */
	int embeddings;               /* outlier was wanted and had embeddings */
};

struct issue_opts {
	double thresholds[QI_COUNT];
	unsigned wanted;              /* bit per issue; others never found */
	const char *model_key, *prep; /* whose embeddings, for outlier */
};

/* issue_opts_init() : every issue, the default thresholds, the embeddings
 * of model_key/prep. */
void issue_opts_init(struct issue_opts *o, const char *model_key, const char *prep);

/*
 * issues_judge() : the ok images under prefix (a catalog path prefix;
 * NULL: all) with signals, each judged: sizes and shapes against the
 * medians of these images, outlier (when wanted) against the image's
 * class folder from the embeddings of o's model (out->embeddings 0 when
 * there are none: nothing is an outlier). out must be zeroed;
 * issue_set_release() frees it, also after a failure.
 * @return 0, or -1 with err set (WN_ENOMEM, the catalog's errors).
 */
int issues_judge(struct catalog *cat, const char *prefix, const struct issue_opts *o,
		 struct issue_set *out, struct wn_err *err);

/* issue_set_release() : frees what s holds and zeroes it. */
void issue_set_release(struct issue_set *s);

/* One image and one issue it has. */
struct issue_finding {
	const struct issue_image *image;
	int issue;
};

/*
 * issue_findings() : s's findings, the rows of each issue together in the
 * order of enum quality_issue, most severe (lowest score) first, then by
 * path, into *out (the caller frees it; NULL when none).
 * @return 0 with *n set, or -1 with err set (WN_ENOMEM).
 */
int issue_findings(const struct issue_set *s, struct issue_finding **out, size_t *n,
		   struct wn_err *err);

#endif
