/* Issues judged from the stored signals (definitions in quality.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/quality.h"

static const char *const names[QI_COUNT] = {
	"blurry", "dark", "light", "low_information", "grayscale", "odd_aspect_ratio", "odd_size",
	"outlier",
};

/* Chosen on bench/make-issues.py's set (bench/issues.sh) to flag few
 * clean photos; see each score in quality.h for what they mean. */
static const double defaults[QI_COUNT] = {
	[QI_BLURRY] = 0.25,
	[QI_DARK] = 0.3,
	[QI_LIGHT] = 0.3,
	[QI_LOW_INFORMATION] = 0.4,
	[QI_GRAYSCALE] = 0.02,
	[QI_ODD_ASPECT_RATIO] = 0.5,
	[QI_ODD_SIZE] = 0.25,
	[QI_OUTLIER] = 0.55,
};

const char *quality_issue_name(enum quality_issue i)
{
	return (unsigned)i < QI_COUNT ? names[i] : NULL;
}

int quality_issue_parse(const char *s)
{
	for (int i = 0; i < QI_COUNT; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int quality_issues_parse(const char *s, unsigned *bits, struct wn_err *err)
{
	const char *at = s;

	*bits = 0;
	while (*at) {
		size_t len = strcspn(at, ",");
		char name[32];
		int i = -1;

		if (len < sizeof(name)) {
			memcpy(name, at, len);
			name[len] = '\0';
			i = quality_issue_parse(name);
		}
		if (i < 0 && len)
			return wn_fail(err, WN_EINVAL, "'%.*s' is not an issue (blurry, dark, light, "
				       "low_information, grayscale, odd_aspect_ratio, odd_size, "
				       "outlier)", (int)len, at);
		if (i >= 0)
			*bits |= 1u << i;
		at += len + (at[len] == ',');
	}
	if (!*bits)
		return wn_fail(err, WN_EINVAL, "names no issue");
	return 0;
}

double quality_default_threshold(enum quality_issue i)
{
	return (unsigned)i < QI_COUNT ? defaults[i] : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n), which it sorts; 0 for none. */
static double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double elongation(int w, int h)
{
	return w > h ? (double)w / h : (double)h / w;
}

int quality_set_medians(const int *w, const int *h, size_t n, struct quality_set *set,
			struct wn_err *err)
{
	double *v = malloc((n + 1) * sizeof(*v));

	if (!v)
		return wn_fail(err, WN_ENOMEM, "out of memory for %zu images", n);
	for (size_t i = 0; i < n; i++)
		v[i] = sqrt((double)w[i] * h[i]);
	set->median_side = median(v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = elongation(w[i], h[i]);
	set->median_elongation = median(v, n);
	free(v);
	return 0;
}

/* min(a / b, b / a): 1 when equal, towards 0 as they part. */
static double closeness(double a, double b)
{
	if (a <= 0 || b <= 0)
		return a == b ? 1 : 0;
	return a < b ? a / b : b / a;
}

unsigned quality_judge(const struct quality *q, int width, int height,
		       const struct quality_set *set, const double thresholds[QI_COUNT],
		       double scores[QI_COUNT])
{
	double side = sqrt((double)width * height);
	int tiny = width < QUALITY_MIN_SIDE || height < QUALITY_MIN_SIDE;
	unsigned found = 0;

	scores[QI_BLURRY] = q->sharpness / (q->sharpness + 1);
	scores[QI_DARK] = q->luma_p99 / 255;
	scores[QI_LIGHT] = 1 - q->luma_p5 / 255;
	scores[QI_LOW_INFORMATION] = q->entropy / 8;
	scores[QI_GRAYSCALE] = q->chroma / 255;
	scores[QI_ODD_ASPECT_RATIO] = closeness(elongation(width, height), set->median_elongation);
	scores[QI_ODD_SIZE] = closeness(side, set->median_side);
	scores[QI_OUTLIER] = 1;  /* the caller's, from the embeddings */
	for (int i = 0; i < QI_COUNT; i++)
		if (scores[i] < thresholds[i])
			found |= 1u << i;
	if (tiny)
		found |= 1u << QI_ODD_SIZE;
	/* Too small to judge, or nothing to judge: not blurry. */
	if (tiny || (found & 1u << QI_LOW_INFORMATION) ||
	    ((found & 1u << QI_ODD_SIZE) && side < set->median_side))
		found &= ~(1u << QI_BLURRY);
	return found;
}
