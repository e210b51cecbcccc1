/* The C side of feat: a file's grey decode, the errors of orb.cpp's
 * codes, and which image of a matched pair is the crop. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/img.h"
#include "feat/cv.h"

void feat_release(struct feat *f)
{
	free(f->up.xy);
	free(f->up.desc);
	free(f->mirror.xy);
	free(f->mirror.desc);
	memset(f, 0, sizeof(*f));
}

static int cv_fail(int rc, const char *what, const char *why, struct wn_err *err)
{
	if (rc == FEAT_CV_NOMEM)
		return wn_fail(err, WN_ENOMEM, "out of memory for %s", what);
	return wn_fail(err, WN_EINVAL, "%s: OpenCV: %s", what, why);
}

int feat_compute(const struct img *grey, struct feat *out, struct wn_err *err)
{
	char why[256] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	if (grey->channels != 1 || grey->width < 1 || grey->height < 1)
		return wn_fail(err, WN_EINVAL, "features need a grey image");
	rc = feat_cv_compute(grey->pixels, grey->width, grey->height, grey->stride, out, why,
			     sizeof(why));
	if (!rc)
		return 0;
	feat_release(out);
	return cv_fail(rc, "the features", why, err);
}

int feat_load(const uint8_t *buf, size_t len, const struct img_limits *limits,
	      struct feat *out, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img_info info;
	struct img grey = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	img_decode_opts_init(&o);
	if (limits)
		o.limits = *limits;
	if (img_read_info(buf, len, &o.limits, &info, err))
		return -1;
	/* The displayed longer side keeps FEAT_SIDE; the shorter is free. */
	if (info.width >= info.height)
		o.min_width = FEAT_SIDE;
	else
		o.min_height = FEAT_SIDE;
	o.channels = 1;
	if (img_decode(buf, len, &o, &grey, NULL, err))
		return -1;
	rc = feat_compute(&grey, out, err);
	img_release(&grey);
	return rc;
}

/* The inverse of an affine map whose linear part is invertible; 0 when it
 * is singular. */
/* Lowe's ratio test on ORB descriptors: each query descriptor's nearest
 * and second nearest by Hamming distance among the other image's; a
 * match when the nearest is clearly nearer (0.8). Plain popcounts: an
 * OpenCV matcher spent most of its time in per-call overhead here. */
/* x86-64's baseline has no POPCNT: a clone with it is picked at load
 * time where the CPU has it (as hash/mih.c does). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("popcnt", "default")))
#endif
static int nearest_two(const uint8_t *q, const struct feat_points *t, int *best)
{
	int d1 = 1 << 20, d2 = 1 << 20;

	*best = -1;
	for (int j = 0; j < t->n; j++) {
		int d = feat_distance(q, t->desc + (size_t)j * FEAT_DESC_BYTES);

		if (d < d1) {
			d2 = d1;
			d1 = d;
			*best = j;
		} else if (d < d2) {
			d2 = d;
		}
	}
	/* d1 < 0.8 d2, in integers */
	return *best >= 0 && t->n >= 2 && 5 * d1 < 4 * d2;
}

static int ratio_matches(const struct feat_points *q, const struct feat_points *t, float *from,
		       float *to)
{
	int n = 0;

	for (int i = 0; i < q->n; i++) {
		int j;

		if (!nearest_two(q->desc + (size_t)i * FEAT_DESC_BYTES, t, &j))
			continue;
		from[2 * n] = q->xy[2 * i];
		from[2 * n + 1] = q->xy[2 * i + 1];
		to[2 * n] = t->xy[2 * j];
		to[2 * n + 1] = t->xy[2 * j + 1];
		n++;
	}
	return n;
}

static int invert(const double m[6], double out[6])
{
	double det = m[0] * m[4] - m[1] * m[3];

	if (det == 0)
		return 0;
	out[0] = m[4] / det;
	out[1] = -m[1] / det;
	out[3] = -m[3] / det;
	out[4] = m[0] / det;
	out[2] = -(out[0] * m[2] + out[1] * m[5]);
	out[5] = -(out[3] * m[2] + out[4] * m[5]);
	return 1;
}

/* With m mapping a's frame (mirrored first when mirrored) onto b's, b's
 * frame onto a's upright one: m's inverse, then the mirror x -> width - x
 * when there was one. */
static int back(const double m[6], int mirrored, int width, double out[6])
{
	if (!invert(m, out))
		return 0;
	if (mirrored) {
		out[0] = -out[0];
		out[1] = -out[1];
		out[2] = width - out[2];
	}
	return 1;
}

int feat_match_crop(const struct feat *a, const struct feat *b, int mirrored,
		    struct feat_crop *out, struct wn_err *err)
{
	const struct feat_points *q = mirrored ? &a->mirror : &a->up;
	float from[2 * FEAT_MAX], to[2 * FEAT_MAX];
	char why[256] = "";
	double m[6], inv[6];
	int inliers = 0, rc = 0, found, n;

	memset(out, 0, sizeof(*out));
	if (!a->usable || !b->usable || q->n > FEAT_MAX)
		return 0;
	n = ratio_matches(q, &b->up, from, to);
	if (n >= FEAT_MIN_INLIERS)
		rc = feat_cv_similarity(from, to, n, m, &inliers, why, sizeof(why));
	if (rc)
		return cv_fail(rc, "matching features", why, err);
	out->inliers = inliers;
	out->mirrored = mirrored;
	if (inliers < FEAT_MIN_INLIERS)
		return 0;
	/* The crop is the image whose window falls inside the other's: a
	 * through m, or b through its inverse. Both hold for a copy of the
	 * whole frame; the one the map shrinks is then the copy. */
	found = feat_verify(a, b, mirrored, m, out);
	if (back(m, mirrored, a->width, inv)) {
		struct feat_crop other;
		int det_up = m[0] * m[4] - m[1] * m[3] > 1.0;

		memset(&other, 0, sizeof(other));
		if (feat_verify(b, a, 0, inv, &other) && (!found || det_up)) {
			*out = other;
			out->copy_is_b = 1;
			found = 1;
		} else if (!found && other.inside > out->inside) {
			*out = other;   /* for the caller's diagnostics: the nearer miss */
			out->copy_is_b = 1;
		}
	}
	out->mirrored = mirrored;
	out->inliers = inliers;
	return found;
}
