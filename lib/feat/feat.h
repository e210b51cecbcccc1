/* feat: local features for finding cropped copies. OpenCV's ORB on a
 * grey decode of at most FEAT_SIDE pixels a side, on the image and on its
 * mirror (ORB is not mirror-invariant), a small thumbnail, and the match
 * of two images' features: ratio test, a RANSAC similarity, then the
 * check that the copy's window, warped into the other's thumbnail, looks
 * the same and keeps enough of each side.
 *
 * Coordinates are continuous in the feature frame (width x height of the
 * decode as scaled): pixel (i, j) covers [i, i+1) x [j, j+1); the mirror
 * of x is width - x.
 *
 * Ownership: struct feat owns its arrays (feat_release()). Threads: every
 * function is thread-safe on distinct outputs; OpenCV is told to start no
 * threads of its own (the callers run one image a thread).
 * Errors: 0 / -1 with struct wn_err; no C++ exception crosses into C
 * (each becomes -1 with WN_ENOMEM or WN_EINVAL and OpenCV's message).
 * Depends on: img, base; OpenCV (features2d, calib3d, imgproc, core). */
#ifndef WINNOW_FEAT_H
#define WINNOW_FEAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* By pointer only: OpenCV's headers, which orb.cpp includes with this
 * one, declare names that base/cpu.h declares too. Callers include
 * base/base.h and img/img.h. */
struct wn_err;
struct img;
struct img_limits;

#ifdef __cplusplus
extern "C" {
#endif

#define FEAT_SIDE 480         /* the longer side of the feature frame, at most */
#define FEAT_MAX 500          /* ORB features a side (upright, mirrored) */
#define FEAT_DESC_BYTES 32    /* an ORB descriptor: 256 bits */
#define FEAT_THUMB 64         /* the verifying thumbnail, FEAT_THUMB^2 luma */
#define FEAT_MIN_SIDE 32      /* smaller images are too small for the method */
#define FEAT_MIN_SHARE 0.6    /* a crop keeps at least this share of each side */

/* One set of keypoints: n points (x, y pairs, 2n floats) and their
 * descriptors (n * FEAT_DESC_BYTES). */
struct feat_points {
	int n;
	float *xy;
	uint8_t *desc;
};

/* An image's features. width and height are the feature frame's (0 when
 * the image is too small); usable is 0 when the image is too small or
 * flat, and such an image is never matched. */
struct feat {
	int width, height;
	int usable;
	struct feat_points up, mirror;
	uint8_t thumb[FEAT_THUMB * FEAT_THUMB];
};

/* feat_release() : frees the arrays f owns and zeroes f (reusable). */
void feat_release(struct feat *f);

/*
 * feat_compute() : the features of a grey image (1 channel): scaled so
 * that its longer side is at most FEAT_SIDE (area average), ORB (FEAT_MAX
 * features, FAST threshold 10, edge threshold and patch 15) upright and
 * mirrored, and the thumbnail. An image under FEAT_MIN_SIDE a side, or
 * flat, gets usable 0 and no points. out's previous contents are ignored.
 * @return 0 (release out with feat_release()), or -1 with err set (out of
 * memory, or OpenCV failed) and out empty.
 */
int feat_compute(const struct img *grey, struct feat *out, struct wn_err *err);

/*
 * feat_load() : decodes the in-memory file buf (under limits) in grey at
 * the JPEG scale whose longer side is the smallest at or above FEAT_SIDE,
 * EXIF orientation applied, and computes its features (feat_compute()).
 * @return 0, or -1 with err set (the decoder's errors: WN_EFORMAT,
 * WN_ECORRUPT, WN_ELIMIT; out of memory).
 */
int feat_load(const uint8_t *buf, size_t len, const struct img_limits *limits,
	      struct feat *out, struct wn_err *err);

/* How a crop was found: copy is the cropped one. m maps copy's feature
 * frame (mirrored first when mirrored) into the source's. */
struct feat_crop {
	int copy_is_b;           /* 1: b is the crop of a; 0: a is the crop of b */
	int mirrored;            /* the copy is mirrored */
	int inliers;             /* RANSAC's, of the ratio-test matches */
	double m[6];             /* x' = m0 x + m1 y + m2, y' = m3 x + m4 y + m5 */
	double share_w, share_h; /* of the source's sides the copy covers */
	double inside;           /* share of the copy's window inside the source */
	double correlation;      /* of the copy's thumbnail and the source's, aligned */
};

/* The thresholds of a crop (measured on bench/make-transformed.py's
 * corpus; docs/internals.md). */
#define FEAT_MIN_INLIERS 12
#define FEAT_MIN_CORRELATION 0.90
#define FEAT_MIN_INSIDE 0.90

/*
 * feat_match_crop() : whether one of a and b is a crop of the other (kept
 * FEAT_MIN_SHARE of each side or more, rescaled, possibly mirrored when
 * `mirrored`: a's mirror is matched against b upright). Both must be
 * usable. Fills *out as far as the check went.
 * @return 1 a crop, 0 not, -1 with err set (out of memory, OpenCV
 * failed).
 */
int feat_match_crop(const struct feat *a, const struct feat *b, int mirrored,
		    struct feat_crop *out, struct wn_err *err);

/*
 * feat_verify() : the check after RANSAC, alone: with m mapping copy's
 * frame (mirrored first when mirrored) into source's, the shares of the
 * source's sides the copy's window covers, the share of the window inside
 * the source, and the correlation of the copy's thumbnail with the
 * source's sampled where the window falls (into out). @return 1 when all
 * pass the thresholds above, else 0.
 */
int feat_verify(const struct feat *copy, const struct feat *source, int mirrored,
		const double m[6], struct feat_crop *out);

/* feat_distance() : the Hamming distance of two descriptors
 * (FEAT_DESC_BYTES each), 0..256. Inline, so that a caller built with
 * POPCNT (target_clones) counts with it. */
static inline int feat_distance(const uint8_t *a, const uint8_t *b)
{
	int d = 0;

	for (int k = 0; k < FEAT_DESC_BYTES; k += 8) {
		uint64_t x, y;

		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		d += __builtin_popcountll(x ^ y);
	}
	return d;
}

/* feat_thumb_flat() : whether a thumbnail is too flat to match (standard
 * deviation under 3 levels). */
int feat_thumb_flat(const uint8_t *thumb);

#ifdef __cplusplus
}
#endif

#endif
