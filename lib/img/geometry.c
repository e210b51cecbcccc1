/* ImageMagick-compatible geometry strings and the sizes they give. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img/geometry.h"

static const char *number(const char *p, double *v, int *given)
{
	char *end;

	*given = 0;
	if (*p < '0' || *p > '9') {
		if (*p != '.')
			return p;
	}
	*v = strtod(p, &end);
	if (end == p)
		return p;
	*given = 1;
	return end;
}

/* An area is a pixel count: 1 to 65535 squared. */
static int area_range(const char *s, const struct geometry *g, struct wn_err *err)
{
	if (!(g->width >= 1 && g->width <= 65535.0 * 65535.0))
		return wn_fail(err, WN_EINVAL, "geometry '%s': an area must be 1 to "
			       "4294836225 pixels", s);
	return 0;
}

static const char *percent(const char *p, struct geometry *g)
{
	while (*p == '%') {
		g->flags |= GEOM_PERCENT;
		p++;
	}
	return p;
}

/* The combinations ImageMagick 6 reads in a way nobody means: refused
 * rather than copied. */
static int check_area(const char *s, const struct geometry *g, struct wn_err *err)
{
	if (g->flags & GEOM_HEIGHT)
		return wn_fail(err, WN_EINVAL, "geometry '%s': an area takes one number "
			       "of pixels (A@)", s);
	if (g->flags & (GEOM_FILL | GEOM_EXACT | GEOM_ENLARGE | GEOM_PERCENT))
		return wn_fail(err, WN_EINVAL, "geometry '%s': @ takes only > "
			       "(ImageMagick ignores ^ ! %% and < with it)", s);
	return 0;
}

int geometry_parse(const char *s, struct geometry *g, struct wn_err *err)
{
	const char *p = s;
	int given;

	memset(g, 0, sizeof(*g));
	p = number(p, &g->width, &given);
	if (given)
		g->flags |= GEOM_WIDTH;
	p = percent(p, g);
	if (*p == 'x' || *p == 'X') {
		p = number(p + 1, &g->height, &given);
		if (given)
			g->flags |= GEOM_HEIGHT;
	}
	for (; *p; p++) {
		switch (*p) {
		case '^': g->flags |= GEOM_FILL; break;
		case '!': g->flags |= GEOM_EXACT; break;
		case '>': g->flags |= GEOM_SHRINK; break;
		case '<': g->flags |= GEOM_ENLARGE; break;
		case '%': g->flags |= GEOM_PERCENT; break;
		case '@': g->flags |= GEOM_AREA; break;
		default:
			return wn_fail(err, WN_EINVAL, "geometry '%s': unexpected '%c' "
				       "(expected W, xH, WxH or A@, with ^ ! %% > or <)", s, *p);
		}
	}
	if (!(g->flags & (GEOM_WIDTH | GEOM_HEIGHT)))
		return wn_fail(err, WN_EINVAL, "geometry '%s' gives no size", s);
	if (g->flags & GEOM_AREA)
		return check_area(s, g, err) ? -1 : area_range(s, g, err);
	if ((g->flags & GEOM_WIDTH && !(g->width > 0 && g->width <= 65535)) ||
	    (g->flags & GEOM_HEIGHT && !(g->height > 0 && g->height <= 65535)))
		return wn_fail(err, WN_EINVAL, "geometry '%s': sizes must be 1 to 65535", s);
	if ((g->flags & GEOM_SHRINK) && (g->flags & GEOM_ENLARGE))
		return wn_fail(err, WN_EINVAL, "geometry '%s': > and < together", s);
	if ((g->flags & GEOM_PERCENT) && !(g->flags & GEOM_WIDTH))
		return wn_fail(err, WN_EINVAL, "geometry '%s': a percentage needs a number", s);
	return 0;
}

static int round_side(double v)
{
	double r = floor(v + 0.5);

	return r < 1 ? 1 : r > 1e9 ? 1000000000 : (int)r;
}

static int trunc_side(double v)
{
	return v < 1 ? 1 : v > 1e9 ? 1000000000 : (int)v;
}

/* A@: the sides scaled by sqrt(A / area), truncated; ImageMagick adds
 * sqrt(MagickEpsilon) to A so that exact fits stay exact. */
static void apply_area(const struct geometry *g, int w, int h, int *out_w, int *out_h)
{
	double f = sqrt((g->width + 1e-6) / ((double)w * h));

	if ((g->flags & GEOM_SHRINK) && f >= 1) {
		*out_w = w;
		*out_h = h;
		return;
	}
	*out_w = trunc_side(f * w);
	*out_h = trunc_side(f * h);
}

/* Whether ImageMagick leaves the size alone because the box is the
 * image's own. A missing height is the image's, but a missing width is
 * the height given: so 320^ leaves 320x240 as it is, while x320^ makes a
 * 240x320 image 320x427. */
static int same_box(const struct geometry *g, int w, int h, int W, int H)
{
	if (!(g->flags & GEOM_WIDTH))
		W = H;
	return W == w && H == h;
}

void geometry_apply(const struct geometry *g, int w, int h, int *out_w, int *out_h)
{
	int W = w, H = h, fw, fh;

	if (g->flags & GEOM_AREA) {
		apply_area(g, w, h, out_w, out_h);
		return;
	}
	if (g->flags & GEOM_PERCENT) {
		double py = g->flags & GEOM_HEIGHT ? g->height : g->width;

		/* As ImageMagick: the percentage gives the box, which then fits
		 * (or not, with !) like any other. */
		fw = round_side(g->width * w / 100.0);
		fh = round_side(py * h / 100.0);
		W = fw;
		H = fh;
		/* ImageMagick then takes the percent size as the original, so
		 * > and < compare against it. */
		w = fw;
		h = fh;
	} else {
		if (g->flags & GEOM_WIDTH)
			W = round_side(g->width);
		if (g->flags & GEOM_HEIGHT)
			H = round_side(g->height);
	}
	if (!(g->flags & GEOM_PERCENT) && !(g->flags & GEOM_EXACT) && !same_box(g, w, h, W, H)) {
		double f;

		if ((g->flags & GEOM_WIDTH) && (g->flags & GEOM_HEIGHT)) {
			f = (double)W / w;
			if (g->flags & GEOM_FILL ? f < (double)H / h : f > (double)H / h)
				f = (double)H / h;
		} else if (g->flags & GEOM_WIDTH) {
			f = (double)W / w;
			if ((g->flags & GEOM_FILL) && f < (double)W / h)
				f = (double)W / h;
		} else {
			f = (double)H / h;
			if ((g->flags & GEOM_FILL) && f < (double)H / w)
				f = (double)H / w;
		}
		W = round_side(f * w);
		H = round_side(f * h);
	}
	if (g->flags & GEOM_SHRINK) {
		if (w < W)
			W = w;
		if (h < H)
			H = h;
	}
	if (g->flags & GEOM_ENLARGE) {
		if (w > W)
			W = w;
		if (h > H)
			H = h;
	}
	*out_w = W;
	*out_h = H;
}

void geometry_shorter_side(struct geometry *g, int n)
{
	memset(g, 0, sizeof(*g));
	g->width = g->height = n;
	g->flags = GEOM_WIDTH | GEOM_HEIGHT | GEOM_FILL | GEOM_SHRINK;
}
