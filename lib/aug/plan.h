/* What one augmented sample does: the steps that fired, with the values
 * drawn for them (the lineage the catalog keeps), and for the geometric
 * steps a single composed matrix and the output size. */
#ifndef WINNOW_AUGPLAN_H
#define WINNOW_AUGPLAN_H

#include <stdint.h>

#include "aug/pipe.h"
#include "base/base.h"
#include "aug/warp.h"

#define AUG_MAX_DRAWN 8

struct aug_applied {
	enum aug_op op;
	unsigned step;               /* index in the pipeline */
	int n;                       /* values drawn */
	double v[AUG_MAX_DRAWN];     /* per operation, as aug/plan.c draws them */
};

/* A grid distortion (Augmentor's random_distortion and
 * gaussian_distortion): a (cols+1) x (rows+1) lattice of vertices over a
 * w x h frame. A point of the frame after it samples the frame before it
 * at itself plus the displacement interpolated bilinearly from its tile's
 * four vertices, as PIL's MESH transform does; border vertices stay put. */
struct aug_mesh {
	int cols, rows;
	double w, h;
	double tile_w, tile_h;  /* every tile but the last column / row */
	double inv_w, inv_h;    /* 1 / tile_w, 1 / tile_h */
	double inv_lw, inv_lh;  /* 1 / the last column's width, row's height */
	double *d;              /* (dx, dy) per vertex, row-major; owned */
	struct mat3 before;     /* the frame before the mesh -> the previous
				 * mesh's frame, or the source for the first */
};

struct aug_plan {
	int width, height;           /* output size */
	/* Output -> the frame after the last mesh (the source when there
	 * are none): all the geometric steps after it, composed. */
	struct mat3 dst_to_src;
	int geometric;               /* 0: no geometric or grid step fired */
	struct aug_mesh *mesh;       /* grid steps that fired, in order */
	size_t n_mesh;
	struct aug_applied *applied; /* steps that fired, in order */
	size_t n;
};

/*
 * aug_plan_make() : draws every step of p for sample `sample` of the
 * source with content hash `hash` (w x h pixels) and composes the
 * geometric ones. aug_plan_release() frees it.
 * @return 0, or -1 with err set (WN_ENOMEM, or WN_EINVAL when the steps
 * shrink the image below one pixel).
 */
int aug_plan_make(const struct aug_pipeline *p, int w, int h, uint64_t seed,
		  const uint8_t hash[16], uint32_t sample, struct aug_plan *plan,
		  struct wn_err *err);

void aug_plan_release(struct aug_plan *plan);

/*
 * aug_plan_json() : appends the steps that fired as a JSON array, each
 * with its step index, line, operation and the values drawn by name
 * ({"step":0,"line":4,"op":"rotate","degrees":-7}); a grid step lists
 * its vertex displacements. @return 0, or -1 out of memory.
 */
int aug_plan_json(const struct aug_plan *plan, const struct aug_pipeline *p, struct strbuf *out);

/* aug_plan_map() : where the output point (x, y) samples the source,
 * through every matrix and mesh. @return -1 when it maps to infinity. */
int aug_plan_map(const struct aug_plan *plan, double x, double y, double *sx, double *sy);

/* aug_plan_map_row() : aug_plan_map() for the pixel centres of output row
 * y as warp pieces, a warp_map_fn (ctx is the plan). One mesh after an
 * affine map (and before any matrix) is mapped exactly: the row cut at
 * tile lines, each stretch a quadratic over a line squared. Other chains
 * map every 4th pixel exactly and those between as lines where both went
 * through the same tiles (within a tenth or so of a pixel), every pixel
 * alone elsewhere. @return the number of pieces, at most width. */
int aug_plan_map_row(void *ctx, int y, int width, struct warp_piece *pieces);
/* aug_plan_map_row_half() : the same for a plane of half the resolution
 * each way (the chroma of a 4:2:0 JPEG, whose pixel i covers output
 * pixels 2i and 2i + 1): its centres, in the source plane's pixels. */
int aug_plan_map_row_half(void *ctx, int y, int width, struct warp_piece *pieces);

#endif
