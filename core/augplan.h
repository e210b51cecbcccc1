/* What one augmented sample does: the steps that fired, with the values
 * drawn for them (the lineage the catalog keeps), and for the geometric
 * steps a single composed matrix and the output size. */
#ifndef WINNOW_AUGPLAN_H
#define WINNOW_AUGPLAN_H

#include <stdint.h>

#include "augpipe.h"
#include "warp.h"

#define AUG_MAX_DRAWN 8

struct aug_applied {
	enum aug_op op;
	unsigned step;               /* index in the pipeline */
	int n;                       /* values drawn */
	double v[AUG_MAX_DRAWN];     /* per operation, as core/augplan.c draws them */
};

struct aug_plan {
	int width, height;           /* output size */
	struct mat3 dst_to_src;      /* all geometric steps, composed */
	int geometric;               /* 0: the matrix is the identity */
	struct aug_applied *applied; /* steps that fired, in order */
	size_t n;
};

/*
 * aug_plan_make() : draws every step of p for sample `sample` of the
 * source with content hash `hash` (w x h pixels) and composes the
 * geometric ones. plan must be zeroed; aug_plan_release() frees it.
 * @return 0, or -1 with err set (WN_ENOMEM, or WN_EINVAL when the steps
 * shrink the image below one pixel).
 */
int aug_plan_make(const struct aug_pipeline *p, int w, int h, uint64_t seed,
		  const uint8_t hash[16], uint32_t sample, struct aug_plan *plan,
		  struct wn_err *err);

void aug_plan_release(struct aug_plan *plan);

#endif
