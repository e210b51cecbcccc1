/* Augmentation pipeline files: the vocabulary of Augmentor and Keras'
 * ImageDataGenerator, one operation a line. Three spellings are read, so
 * a pipeline can be pasted from the Python it was written in:
 *
 *     rotate probability=0.2 max_left_rotation=20 max_right_rotation=20
 *     pipeline.rotate(probability=0.2, max_left_rotation=20, max_right_rotation=20)
 *     rotation_range=30,
 *
 * The last is a Keras ImageDataGenerator keyword, which is an operation
 * with one value. `#` starts a comment. Every name, value and range is
 * checked here, with its line number, before any image is touched. */
#ifndef WINNOW_AUGPIPE_H
#define WINNOW_AUGPIPE_H

#include <stddef.h>

#include "base/base.h"

#define AUG_MAX_PARAMS 10
#define AUG_MAX_STEPS 256
#define AUG_MAX_FILE_BYTES (1 << 20)

enum aug_op {
	/* Augmentor */
	AUG_ROTATE, AUG_ROTATE90, AUG_ROTATE180, AUG_ROTATE270, AUG_ROTATE_RANDOM_90,
	AUG_FLIP_LEFT_RIGHT, AUG_FLIP_TOP_BOTTOM, AUG_FLIP_RANDOM,
	AUG_ZOOM, AUG_ZOOM_RANDOM, AUG_CROP_RANDOM, AUG_CROP_CENTRE,
	AUG_RANDOM_DISTORTION, AUG_GAUSSIAN_DISTORTION,
	AUG_SKEW_LEFT_RIGHT, AUG_SKEW_TOP_BOTTOM, AUG_SKEW_TILT, AUG_SKEW_CORNER, AUG_SKEW,
	AUG_SHEAR,
	AUG_RANDOM_BRIGHTNESS, AUG_RANDOM_COLOR, AUG_RANDOM_CONTRAST,
	AUG_GREYSCALE, AUG_INVERT, AUG_BLACK_AND_WHITE, AUG_HISTOGRAM_EQUALISATION,
	AUG_RANDOM_ERASING,
	/* Keras ImageDataGenerator */
	AUG_K_ROTATION_RANGE, AUG_K_WIDTH_SHIFT_RANGE, AUG_K_HEIGHT_SHIFT_RANGE,
	AUG_K_SHEAR_RANGE, AUG_K_ZOOM_RANGE, AUG_K_CHANNEL_SHIFT_RANGE,
	AUG_K_BRIGHTNESS_RANGE, AUG_K_HORIZONTAL_FLIP, AUG_K_VERTICAL_FLIP,
	/* winnow's own */
	AUG_GAUSSIAN_BLUR, AUG_GAUSSIAN_NOISE, AUG_JPEG_QUALITY, AUG_HUE_SHIFT,
	AUG_PCA_LIGHTING,
	AUG_OP_COUNT
};

#define AUG_MAX_GRID 64  /* grid_width, grid_height at most */

enum aug_fill { AUG_FILL_NEAREST, AUG_FILL_CONSTANT, AUG_FILL_REFLECT, AUG_FILL_WRAP };

/* How an operation is applied, which decides what can be fused. */
enum aug_family {
	AUG_GEOMETRIC,    /* a 3x3 matrix: composed with its neighbours */
	AUG_GRID,         /* a mesh warp */
	AUG_PHOTOMETRIC,  /* per pixel; a lookup table where it can be */
	AUG_REGION,       /* needs the pixels around it (blur, erasing, equalise) */
	AUG_ENCODE        /* applied when the output is written */
};

/* One operation as written. Parameter values sit at the index the
 * operation's spec gives them (aug_param_index); a value written as a
 * pair ([a, b] or (a, b)) fills lo and hi, a single value both. Strings
 * (corner, method) are stored as the index of the choice. */
struct aug_step {
	enum aug_op op;
	double probability;  /* 0..1, exactly as written (no rounding) */
	double lo[AUG_MAX_PARAMS], hi[AUG_MAX_PARAMS];
	unsigned line;
};

struct aug_pipeline {
	struct aug_step *steps;
	size_t n;
	enum aug_fill fill;  /* Keras fill_mode (default nearest) */
	double cval;         /* Keras cval: the constant fill, 0..255 */
	unsigned ignored_rescale;  /* line of a Keras rescale, 0 if none */
};

/*
 * aug_pipeline_parse() : reads a pipeline from text (len bytes; need not
 * be NUL-terminated). name is used in error messages ("name:line: ...").
 * p must be zeroed by the caller.
 * @return 0, or -1 with err set (WN_EINVAL, "file:line: cause") and p
 * left empty.
 */
int aug_pipeline_parse(const char *text, size_t len, const char *name,
		       struct aug_pipeline *p, struct wn_err *err);

/* aug_pipeline_load() : aug_pipeline_parse() on a file, at most
 * AUG_MAX_FILE_BYTES. Same returns. */
int aug_pipeline_load(const char *path, struct aug_pipeline *p, struct wn_err *err);

/* aug_pipeline_release() : frees the steps; p is empty afterwards. */
void aug_pipeline_release(struct aug_pipeline *p);

/* aug_op_name() / aug_op_family() : the operation's name as written in a
 * pipeline file, and how it is applied. */
const char *aug_op_name(enum aug_op op);
enum aug_family aug_op_family(enum aug_op op);

/* aug_param_index() : where the parameter `param` of op sits in a step's
 * lo/hi arrays, or -1 if op has no such parameter. */
int aug_param_index(enum aug_op op, const char *param);

#endif
