/* Lowe's ratio test on ORB descriptors: each query descriptor's nearest
 * and second nearest by Hamming distance among the other image's; a
 * match when the nearest is clearly nearer (0.8). Plain popcounts: an
 * OpenCV matcher spent most of its time in per-call overhead here. */
#include <stdlib.h>
#include <string.h>

#include "feat/feat.h"
#include "feat/cv.h"

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

int feat_ratio_matches(const struct feat_points *q, const struct feat_points *t, float *from,
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
