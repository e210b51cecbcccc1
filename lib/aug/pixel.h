/* The pixel steps of an augmentation plan: everything that is not a
 * matrix or a mesh, applied to the warped image in pipeline order.
 * Runs of per-channel steps (random_brightness, random_contrast, invert,
 * channel_shift_range, brightness_range) are folded into one lookup
 * table per channel and applied in one pass; the statistics a step needs
 * (contrast's mean, the channel shift's clip range) come from the
 * histogram through the table so far, never from a second pass. On 4:2:0
 * planes (aug_pixels_try_ycc420()) the same steps run in one pass after
 * a statistics pass for each step that needs one. */
#ifndef WINNOW_AUGPIXEL_H
#define WINNOW_AUGPIXEL_H

#include "aug/pipe.h"
#include "aug/plan.h"
#include "base/base.h"
#include "img/img.h"

/*
 * aug_pixels_apply() : applies the photometric and region steps of plan
 * (drawn from p) to im in place. im must be RGB (3 channels).
 * @return 0, or -1 with err set (WN_EINVAL for another channel count,
 * WN_ENOMEM).
 */
int aug_pixels_apply(struct img *im, const struct aug_plan *plan,
		     const struct aug_pipeline *p, struct wn_err *err);

/*
 * aug_pixels_try_ycc420() : the same steps on the 4:2:0 planes of a JPEG
 * in place (aug/yccpoint.h: box chroma, no RGB image), when every one of
 * them is pointwise (random_brightness, random_contrast, random_color,
 * invert, greyscale, channel_shift_range, brightness_range), there are at
 * most YCC_MAX_STEPS and each factor fits 16 bits (|factor| <= 7.99).
 * Contrast's mean grey and the channel shift's range come from a pass
 * through the steps before theirs.
 * @return 1 when done; 0 when the plan needs RGB (one step does not
 * qualify: then none runs here), with the planes untouched.
 */
int aug_pixels_try_ycc420(struct img planes[3], const struct aug_plan *plan);

/* aug_pca_lighting() : AlexNet's PCA lighting on the RGB image im in
 * place: the principal components of its own pixels' colours (as 0..1,
 * covariance with n - 1, components by descending variance, each
 * vector's largest entry positive), and every pixel shifted by
 * sum_i alpha[i] * variance_i * component_i, times 255, rounded and
 * clipped. A grey image stays grey; a flat one is unchanged. */
void aug_pca_lighting(struct img *im, const double alpha[3]);

/* aug_plan_quality() : the JPEG quality a jpeg_quality step drew (the
 * last one that fired), else fallback. */
int aug_plan_quality(const struct aug_plan *plan, int fallback);

#endif
