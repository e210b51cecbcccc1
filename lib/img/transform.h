/* The transform resize and the scraper share: an image in memory to a
 * geometry and format. Thread-safe; no state. */
#ifndef WINNOW_IMG_TRANSFORM_H
#define WINNOW_IMG_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "img/geometry.h"
#include "img/image.h"

struct img_transform {
	struct geometry geom;
	enum img_format format;   /* IMG_UNKNOWN: keep the source's format */
	int quality;              /* JPEG and WebP, 1..100 */
	struct img_limits limits;
};

/*
 * img_transform_buffer() : what t makes of an in-memory image whose header
 * is info: *out is buf itself when it is already within the size and
 * format and needs no rotation (not decoded), else a new buffer the
 * caller frees. *w, *h and *format say what the output is.
 * @return 0, or -1 with err set (*broken: the source is at fault, not
 * the encoding).
 */
int img_transform_buffer(const struct img_transform *t, const uint8_t *buf, size_t len,
			 const struct img_info *info, uint8_t **out, size_t *outlen, int *w, int *h,
			 enum img_format *format, int *broken, struct wn_err *err);

/* img_transform_format() : what a source of format f becomes (GIF, which
 * winnow does not write, becomes PNG when kept). */
enum img_format img_transform_format(const struct img_transform *t, enum img_format f);

/* img_format_ext() : "jpg", "png" or "webp", the extension of an output. */
const char *img_format_ext(enum img_format f);

#endif
