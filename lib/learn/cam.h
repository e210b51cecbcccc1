/* Class activation maps (Zhou et al., "Learning Deep Features for
 * Discriminative Localization", CVPR 2016): where in the picture a
 * trained head's class score comes from. The embedding a head reads is
 * the average over positions p of the last convolution's activations
 * a(p), and the head is linear before its softmax, so class j's score is
 * the average over p of  w'_j . a(p) + b'_j  (w', b': the head's weights
 * with its standardisation folded in). That map, before any upsampling,
 * is what cam_run() gives: exact, and its mean is the head's logit. The
 * pictures (the map over the image, a layer's channels as a grid) are
 * camview.c's. */
#ifndef WINNOW_LEARN_CAM_H
#define WINNOW_LEARN_CAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "img/img.h"
#include "nn/nn.h"

struct catalog;

/* A trained head (label train) folded for maps: x' = (x - mean) * scale
 * and z = x' W + b become z = x w + b. */
struct cam_head {
	int dim, k;
	float *w;                 /* dim x k, row-major: W[c][j] * scale[c] */
	float *b;                 /* k: b[j] - sum_c mean[c] * w[c][j] */
	char **classes;           /* k names, the head's order */
	char *prep;               /* the preparation of the embeddings it read */
};

/*
 * cam_head_load() : the head the catalog keeps under model_key, folded.
 * h must be zeroed; cam_head_release() frees it, also after a failure.
 * @return 1 loaded, 0 when there is no head of that name, -1 with err
 * set (the catalog's errors, WN_ECORRUPT, WN_ENOMEM; WN_EINVAL for an
 * MLP head, whose maps would not be exact, the reason in one line).
 */
int cam_head_load(struct catalog *cat, const char *model_key, struct cam_head *h,
		  struct wn_err *err);

void cam_head_release(struct cam_head *h);

/* cam_head_class() : the index of class name in h, or -1. */
int cam_head_class(const struct cam_head *h, const char *name);

/*
 * cam_check() : whether h reads m's embedding: m averages a layer into
 * its embedding (nn_pooled_layer()) of h->dim channels, and prep names
 * the preparation h was trained on. model names m in the message.
 * @return 0, or -1 with err set (WN_EINVAL) and the reason in one line.
 */
int cam_check(const struct nn_model *m, const struct cam_head *h, const char *model,
	      const char *prep, struct wn_err *err);

/* One image's maps. */
struct cam_result {
	int h, w, k;              /* the map's height and width; classes */
	float *maps;              /* k x h x w: class j's at maps + j * h * w */
	float *probs;             /* k: the head's probabilities */
	int predicted;            /* the likeliest class */
};

/*
 * cam_run() : runs m (cam_check()ed against h) on input (the model's
 * input tensor, nn_prepare()) and fills r with every class's map and the
 * head's probabilities. r must be zeroed; cam_result_release() frees it.
 * @return 0, or -1 with err set (WN_ENOMEM).
 */
int cam_run(const struct nn_model *m, const struct cam_head *h, const float *input,
	    struct cam_result *r, struct wn_err *err);

void cam_result_release(struct cam_result *r);

/* What the pictures are made of (camview.c). */

/*
 * cam_picture() : the image file in buf decoded as RGB (alpha over white,
 * EXIF orientation applied) and scaled to fit side x side (Lanczos3;
 * never enlarged). out must be empty; the caller releases it.
 * @return 0, or -1 with err set as img_decode() sets it.
 */
int cam_picture(const uint8_t *buf, size_t len, const struct img_limits *limits, int side,
		struct img *out, struct wn_err *err);

/*
 * cam_overlay() : lays map (mh x mw, row-major) over im (RGB) in place:
 * scaled to 0..1 between its own minimum and maximum (a flat map is 0),
 * upsampled bilinearly to im's size (pixel centres aligned: the map
 * covers the whole picture, as the model's input did, squashed), coloured
 * with the jet colour map (blue low, red high) and blended with weight
 * alpha (0..1) over the picture.
 */
void cam_overlay(struct img *im, const float *map, int mh, int mw, float alpha);

/*
 * cam_render() : a copy of picture (RGB) with class j's map of r laid
 * over it (cam_overlay(), alpha 0.5) into out, which must be empty.
 * @return 0, or -1 with err set (WN_ENOMEM, WN_ELIMIT).
 */
int cam_render(const struct img *picture, const struct cam_result *r, int j, struct img *out,
	       struct wn_err *err);

/*
 * cam_grid() : a layer's activations (h x w x c floats, NHWC) as a grid
 * of c grey tiles, one a channel, each scaled between its own minimum
 * (black) and maximum (white), enlarged by a whole factor to at least 32
 * pixels a side (nearest neighbour: the cells stay visible), a pixel of
 * gap between tiles, channels in order row by row. out must be empty.
 * @return 0, or -1 with err set (WN_ELIMIT past 64 megapixels, WN_ENOMEM).
 */
int cam_grid(const float *acts, int h, int w, int c, struct img *out, struct wn_err *err);

/* A model and its head, loaded once, that make maps on demand (label
 * review's cards). Read-only once open: threads share it. */
struct cam_view;

/*
 * cam_view_open() : loads model (nn_load_named()) and the head the
 * catalog keeps for it, checked as cam_check() does for prep.
 * @return 0 with *out to free with cam_view_free(), or -1 with err set in
 * one line (WN_EINVAL: no head, or one that does not fit; the model's and
 * the catalog's errors).
 */
int cam_view_open(struct catalog *cat, const char *model, enum nn_prep prep,
		  struct cam_view **out, struct wn_err *err);

void cam_view_free(struct cam_view *v);

/*
 * cam_view_png() : the image file in buf (within limits) with the map of
 * class class_name (NULL: the class the head predicts for it) over it,
 * fit in side x side, as a PNG into *png (the caller frees it): the
 * picture 'label cam --size side' draws for that class.
 * @return 0, or -1 with err set (WN_EINVAL: the head has no such class;
 * the decoder's errors for a bad file).
 */
int cam_view_png(const struct cam_view *v, const uint8_t *buf, size_t len,
		 const struct img_limits *limits, int side, const char *class_name,
		 uint8_t **png, size_t *png_len, struct wn_err *err);

#endif
