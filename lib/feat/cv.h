/* orb.cpp's part, called from feat.c: plain C types in and out, never an
 * exception. Each returns 0, FEAT_CV_NOMEM, or FEAT_CV_FAILED with
 * OpenCV's message in why (len bytes). */
#ifndef WINNOW_FEAT_CV_H
#define WINNOW_FEAT_CV_H

#include <stddef.h>
#include <stdint.h>

#include "feat/feat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FEAT_CV_NOMEM (-1)
#define FEAT_CV_FAILED (-2)

/* feat_cv_compute() : feat_compute() on a grey image (pixels, width x
 * height, rows stride bytes apart): the frame's size and thumbnail, and
 * when the image is big enough and not flat, ORB upright and mirrored
 * into out->up and out->mirror (malloc'd; feat_release() frees them) and
 * usable set. */
int feat_cv_compute(const uint8_t *pixels, int width, int height, size_t stride,
		    struct feat *out, char *why, size_t len);

/* feat_cv_similarity() : the RANSAC similarity (3 px) that maps the n
 * points from[] (x, y pairs) onto to[]: into m, its inlier count into
 * *inliers (0 when there is no such map). */
int feat_cv_similarity(const float *from, const float *to, int n, double m[6], int *inliers,
		       char *why, size_t len);

#ifdef __cplusplus
}
#endif

#endif
