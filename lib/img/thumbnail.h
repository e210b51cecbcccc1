/* Thumbnails for the pages winnow serves and writes (dedup --html, db
 * report, label review): small JPEGs that fit a square. */
#ifndef WINNOW_IMG_THUMBNAIL_H
#define WINNOW_IMG_THUMBNAIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "img/image.h"

/*
 * img_thumbnail() : the image file in buf as a JPEG of the given quality
 * that fits in side x side: the longer side becomes side (never enlarged),
 * the other in proportion, rounded, at least 1. Decoded at the smallest
 * DCT scale that keeps side, Lanczos3, RGB with alpha over white. limits
 * NULL: the defaults. *out is the caller's to free.
 * @return 0, or -1 with err set. Thread-safe.
 */
int img_thumbnail(const uint8_t *buf, size_t len, const struct img_limits *limits, int side,
		  int quality, uint8_t **out, size_t *outlen, struct wn_err *err);

/* img_thumbnail_file() : the same for the file at path; err names it. */
int img_thumbnail_file(const char *path, const struct img_limits *limits, int side,
		       int quality, uint8_t **out, size_t *outlen, struct wn_err *err);

#endif
