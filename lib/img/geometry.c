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

int geometry_parse(const char *s, struct geometry *g, struct wn_err *err)
{
	const char *p = s;
	int given;

	memset(g, 0, sizeof(*g));
	p = number(p, &g->width, &given);
	if (given)
		g->flags |= GEOM_WIDTH;
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
		default:
			return wn_fail(err, WN_EINVAL, "geometry '%s': unexpected '%c' "
				       "(expected W, xH, WxH, with ^ ! %% > or <)", s, *p);
		}
	}
	if (!(g->flags & (GEOM_WIDTH | GEOM_HEIGHT)))
		return wn_fail(err, WN_EINVAL, "geometry '%s' gives no size", s);
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

void geometry_apply(const struct geometry *g, int w, int h, int *out_w, int *out_h)
{
	int W = w, H = h, fw, fh;

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
	if (!(g->flags & GEOM_PERCENT) && !(g->flags & GEOM_EXACT) && (W != w || H != h)) {
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
