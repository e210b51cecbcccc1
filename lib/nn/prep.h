/* An image file to a model's input tensor: RGB floats in [0, 1], NHWC,
 * squashed to the model's size without cropping (as nsfwjs does). */
#ifndef WINNOW_NNPREP_H
#define WINNOW_NNPREP_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "img/img.h"

enum nn_prep {
	/* decoded at the smallest DCT scale that still covers the size,
	 * then Lanczos3 (antialiased) to it: fast and sharp */
	NN_PREP_DEFAULT,
	/* exactly nsfwjs: the full decode scaled to [0, 1] in float32, then
	 * TensorFlow's bilinear resize with align_corners (no antialiasing) */
	NN_PREP_NSFWJS,
};

/*
 * nn_prepare() : decodes buf (len bytes, within limits) and writes
 * height x width x 3 floats into out.
 * @return 0, or -1 with err set as img_decode() sets it.
 */
int nn_prepare(const uint8_t *buf, size_t len, int height, int width, enum nn_prep mode,
	       const struct img_limits *limits, float *out, struct wn_err *err);

#endif
