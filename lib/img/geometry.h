/* Target sizes in ImageMagick's -geometry / -resize language, so people's
 * habits carry over: W, xH, WxH (fit inside), WxH^ (fill), WxH! (exact),
 * P%, PxQ% and P%xQ% (percent), each with an optional > (only shrink) or
 * < (only enlarge), and A@ (at most A pixels, optionally >). Sizes follow
 * ImageMagick 6.9's ParseMetaGeometry: one scale factor keeps the aspect
 * ratio, each side is max(floor(factor * side + 0.5), 1), then > and <
 * clamp each side to the original on its own. For A@ the factor is
 * sqrt(A / (w * h)) and each side is truncated, as ImageMagick does, but
 * never below 1 (ImageMagick fails there). */
#ifndef WINNOW_GEOMETRY_H
#define WINNOW_GEOMETRY_H

#include "base/base.h"

enum {
	GEOM_WIDTH = 1,     /* a width was given */
	GEOM_HEIGHT = 2,    /* a height was given */
	GEOM_FILL = 4,      /* ^: cover the box instead of fitting inside */
	GEOM_EXACT = 8,     /* !: ignore the aspect ratio */
	GEOM_SHRINK = 16,   /* >: only shrink larger images */
	GEOM_ENLARGE = 32,  /* <: only enlarge smaller images */
	GEOM_PERCENT = 64,  /* W and H are percentages */
	GEOM_AREA = 128,    /* @: W is a number of pixels */
};

struct geometry {
	double width, height;  /* as given (pixels or percent) */
	int flags;
};

/*
 * geometry_parse() : reads s ("x320", "640x480^", "50%", "320x320>").
 * @return 0, or -1 with err set (WN_EINVAL) naming what is wrong.
 */
int geometry_parse(const char *s, struct geometry *g, struct wn_err *err);

/* geometry_apply() : the size an image of w x h becomes. */
void geometry_apply(const struct geometry *g, int w, int h, int *out_w, int *out_h);

/* geometry_shorter_side() : winnow's --size N: the shorter side becomes N,
 * never enlarging ("NxN^>" in ImageMagick's terms). */
void geometry_shorter_side(struct geometry *g, int n);

#endif
