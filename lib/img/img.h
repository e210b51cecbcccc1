/* img: images in and out. Sniffing and decoding JPEG (libjpeg-turbo, with
 * DCT scaling on load), PNG, GIF and WebP under byte and pixel limits;
 * EXIF orientation; encoding JPEG, PNG and WebP; Lanczos3 resampling;
 * ImageMagick geometry; BT.601 luma.
 *
 * Ownership: struct img owns its pixels (img_release()); an encoder's
 * output buffer is the caller's to free. Threads: every function is
 * thread-safe on distinct images (decoder handles are per thread).
 * Errors: -1 with struct wn_err; WN_EFORMAT, WN_ECORRUPT and WN_ELIMIT
 * tell a file's fault from the system's.
 * Depends on: base. */
#ifndef WINNOW_IMG_H
#define WINNOW_IMG_H

#include "img/image.h"
#include "img/resample.h"
#include "img/geometry.h"
#include "img/luma.h"
#include "img/transform.h"
#include "img/thumbnail.h"

#endif
