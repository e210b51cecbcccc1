/* aug: augmentation. Pipeline files in Augmentor's and Keras' words, a
 * per-sample plan drawn from a counter-based generator (the same output
 * whatever the thread count), geometric steps composed into one warp,
 * pixel steps folded into lookup tables, and the YCbCr colour steps.
 *
 * Ownership: a pipeline and a plan each have a *_release(). Threads: a
 * parsed pipeline is read-only and shared; plans and images are per
 * sample. Errors: -1 with struct wn_err; a pipeline file's errors name
 * the line. Depends on: base, img. */
#ifndef WINNOW_AUG_H
#define WINNOW_AUG_H

#include "aug/pipe.h"
#include "aug/plan.h"
#include "aug/pixel.h"
#include "aug/warp.h"
#include "aug/ycc.h"

#endif
