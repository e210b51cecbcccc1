/* Skin colour in log-opponent space (Fleck, Forsyth and Bregler 1996; the
 * definition is in quality.h). Per pixel it is two table lookups and a few
 * multiply-adds: the hue ranges are tested as half-planes, not with atan2. */
#include <math.h>
#include <pthread.h>

#include "quality/quality.h"

static float log_table[256];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void make_log_table(void)
{
	for (int x = 0; x < 256; x++)
		log_table[x] = (float)(105.0 * log10(x + 1.5));
}

/* Whether the point (by, rg) has hue (atan2(rg, by), degrees) in
 * [lo, hi], for 0 < lo < hi < 180: on the left of the ray at lo and the
 * right of the ray at hi. */
static int hue_within(double by, double rg, double lo, double hi)
{
	const double rad = M_PI / 180;

	return cos(lo * rad) * rg - sin(lo * rad) * by >= 0 &&
	       cos(hi * rad) * rg - sin(hi * rad) * by <= 0;
}

int quality_is_skin(unsigned r, unsigned g, unsigned b)
{
	double rg, by, sat2;

	pthread_once(&log_once, make_log_table);
	rg = (double)log_table[r & 255] - log_table[g & 255];
	by = log_table[b & 255] - ((double)log_table[g & 255] + log_table[r & 255]) / 2;
	sat2 = rg * rg + by * by;
	if (rg <= 0 || sat2 < 20 * 20 || sat2 > 130 * 130)
		return 0;
	if (sat2 <= 60 * 60 && hue_within(by, rg, 110, 150))
		return 1;
	return sat2 >= 30 * 30 && hue_within(by, rg, 130, 170);
}
