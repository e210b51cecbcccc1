/* Image decoding and encoding: JPEG (TurboJPEG, DCT-scaled), PNG, GIF, WebP.
 * Formats are told apart by their magic bytes only, never by file name.
 * Every decoder checks byte and pixel limits from the header before it
 * allocates anything sized by that header. */
#ifndef WINNOW_IMG_IMAGE_H
#define WINNOW_IMG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum img_format {
	IMG_UNKNOWN = 0,
	IMG_JPEG,
	IMG_PNG,
	IMG_GIF,
	IMG_WEBP,
};

/* A decoded image: `channels` interleaved 8-bit samples per pixel (1 grey,
 * 3 RGB, 4 RGBA with straight alpha), rows `stride` bytes apart. The
 * struct owns `pixels`; img_release() frees it. */
struct img {
	int width, height;
	int channels;
	size_t stride;
	uint8_t *pixels;
};

/* What the header says about an image, before decoding. Width and height
 * are the displayed ones: after the EXIF orientation is applied. */
struct img_info {
	enum img_format format;
	int width, height;
	int orientation;    /* EXIF 1..8; 1 when absent or not a JPEG */
	int has_alpha;
	int is_cmyk;        /* CMYK or YCCK JPEG */
	int frames;         /* >1 for an animated GIF/WebP when known; else 1 */
};

#define IMG_DEFAULT_MAX_BYTES  (64u * 1024 * 1024)
#define IMG_DEFAULT_MAX_PIXELS (100u * 1000 * 1000)

struct img_limits {
	size_t max_bytes;     /* size of the encoded file */
	uint64_t max_pixels;  /* width * height from the header */
};

struct img_decode_opts {
	struct img_limits limits;
	/* Shrink on load: for a JPEG, the smallest DCT scaling (1/8 .. 1) whose
	 * displayed result still covers min_width x min_height. Both 0 means a
	 * full-size decode. Other formats always decode at full size. */
	int min_width, min_height;
	int channels;          /* wanted output: 1, 3 or 4 */
	uint8_t background[3]; /* alpha is flattened onto this for 1 and 3 */
	int fast_dct;          /* trade a little accuracy for speed (hashing) */
	int ignore_orientation;
};

/* img_decode_opts_init() : defaults: 64 MB, 100 megapixels, full size, RGB,
 * white background, accurate DCT, orientation applied. */
void img_decode_opts_init(struct img_decode_opts *opts);

/* img_sniff() : the format named by the first bytes of buf, IMG_UNKNOWN
 * when none matches. Needs at most 12 bytes. */
enum img_format img_sniff(const uint8_t *buf, size_t len);

/* img_format_name() : "jpeg", "png", "gif", "webp" or "unknown". */
const char *img_format_name(enum img_format format);

/* img_describe_unknown() : for an error message, what the bytes look like
 * instead ("empty file", "starts with '<html'"). Writes into out. */
void img_describe_unknown(const uint8_t *buf, size_t len, char *out, size_t outlen);

/*
 * img_decode() : decodes an in-memory file into `out` (whose previous
 * contents are ignored, not freed).
 * @return 0, with out->pixels owned by the caller and `info` (optional)
 * filled; or -1 with err set (WN_EFORMAT, WN_ECORRUPT, WN_ELIMIT, WN_ENOMEM)
 * and `out` left empty. Never allocates from an unchecked header.
 */
int img_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
	       struct img *out, struct img_info *info, struct wn_err *err);

/*
 * img_decode_grey_colour() : one decode for a fingerprint and the colour
 * signals (quality/quality.h). `grey` is exactly what img_decode() with
 * channels 1 and the same opts gives: the same scale, orientation and
 * values. `colour` is RGB of the same picture at grey's size or smaller:
 * a YCbCr JPEG is decoded to its planes (no colour conversion) and its
 * colour made at the chroma planes' size, each pixel's luma the luma
 * sample at its chroma sample's top left corner; other files are decoded to
 * RGB (alpha over opts->background) and grey is its BT.601 luma.
 * colour is left empty (pixels NULL) for a file without colour (a grey
 * JPEG). opts->channels is ignored.
 * @return 0 with both owned by the caller (img_release()), or -1 with
 * err set as img_decode() sets it and both empty.
 */
int img_decode_grey_colour(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
			   struct img *grey, struct img *colour, struct img_info *info,
			   struct wn_err *err);

/* What the luma DCT coefficients of a JPEG say about its detail, read
 * where the 1/8 decode reads them anyway (img_decode_grey_colour_dct()).
 * Positions k = 8 v + u (v the vertical, u the horizontal frequency,
 * libjpeg's natural order); k = 0, the DC, is left 0 in energy. The sums
 * are over a sample: the luma blocks of every column_step-th block column
 * (0, step, 2 step, ...), column_step the least power of two at which
 * luma's blocks over the step are at most 512, but at most 64 and at
 * most luma's width in blocks.
 * blocks 0: no statistics (the file was decoded another way). */
struct img_dct_stats {
	uint64_t blocks;        /* luma blocks summed */
	unsigned column_step;   /* of the block columns summed */
	double energy[64];      /* sum over them of the dequantised coefficient, squared */
	uint16_t quant[64];     /* luma's quantisation table */
};

/*
 * img_decode_grey_colour_dct() : img_decode_grey_colour(), and for a grey
 * or YCbCr JPEG decoded at 1/8 scale (the usual for a fingerprint) the
 * statistics of its luma DCT coefficients in dct, summed as libjpeg's own
 * decode hands each block to its inverse DCT: grey and colour are the
 * same to the bit, at the cost of one pass over each block's 64 values.
 * Other files (CMYK, RGB, unusual sampling factors, 12-bit, other
 * scales) are decoded as img_decode_grey_colour() does with dct->blocks
 * 0. dct->blocks is 0 too for a progressive file libjpeg smooths (its
 * coefficients incomplete: the blocks it decodes are partly made up) and
 * for a file that ended before its luma's first scan.
 * Same returns; dct zeroed on failure.
 */
int img_decode_grey_colour_dct(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
			       struct img *grey, struct img *colour, struct img_info *info,
			       struct img_dct_stats *dct, struct wn_err *err);

/* img_read_info() : the header alone; checks limits like img_decode(). */
int img_read_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		  struct img_info *info, struct wn_err *err);

/* img_load_file() : reads path (refusing more than opts->limits.max_bytes
 * before reading) and decodes it. The message in err starts with path. */
int img_load_file(const char *path, const struct img_decode_opts *opts,
		  struct img *out, struct img_info *info, struct wn_err *err);

/* img_alloc() : sets out to a w x h x channels image with uninitialised
 * pixels (and 16 readable bytes past the last one, for SIMD loads).
 * @return 0, or -1 (WN_ELIMIT past 2^31 bytes, WN_ENOMEM). */
int img_alloc(struct img *out, int width, int height, int channels, struct wn_err *err);

/* img_release() : frees the pixels; accepts an empty or zeroed struct. */
void img_release(struct img *im);

/* img_convert() : converts im in place to `channels` (1, 3, 4); alpha is
 * flattened onto background when dropped. Grey is BT.601 luma (see luma.h). */
int img_convert(struct img *im, int channels, const uint8_t background[3], struct wn_err *err);

/* img_convert_to() : like img_convert(), into a new image dst that the
 * caller releases; src is unchanged. */
int img_convert_to(const struct img *src, int channels, const uint8_t background[3],
		   struct img *dst, struct wn_err *err);

/* img_orient() : applies EXIF orientation 1..8 in place (may swap w/h). */
int img_orient(struct img *im, int orientation, struct wn_err *err);

/* img_orient_source() : for displayed pixel (x, y) of an image stored as
 * sw x sh under EXIF orientation 1..8, the stored pixel (*sx, *sy). Any
 * other orientation is taken as 1. */
void img_orient_source(int orientation, int x, int y, int sw, int sh, int *sx, int *sy);

/* Encoding. Each returns 0 with *out a malloc'd buffer of *outlen bytes that
 * the caller frees, or -1 with err set. Grey, RGB and RGBA input; JPEG drops
 * alpha after flattening onto white. */
struct img_jpeg_opts {
	int quality;      /* 1..100, default 90 */
	int subsampling;  /* 444, 422 or 420 (default) */
	int progressive;
	int fast_dct;     /* libjpeg's faster, slightly less exact forward DCT */
};
void img_jpeg_opts_init(struct img_jpeg_opts *opts);
int img_encode_jpeg(const struct img *im, const struct img_jpeg_opts *opts,
		    uint8_t **out, size_t *outlen, struct wn_err *err);
int img_encode_png(const struct img *im, uint8_t **out, size_t *outlen, struct wn_err *err);

/*
 * img_jpeg_decode_yuv420() : the Y, Cb and Cr planes of a YCbCr JPEG with
 * 4:2:0 subsampling and no EXIF turn, as they are before colour
 * conversion: planes[0] is w x h, planes[1] and [2] are (w + 1) / 2 x
 * (h + 1) / 2, one channel each, from img_yuv420_alloc() (the caller
 * releases them).
 * Skipping the conversion and the chroma upsampling saves a sixth of a
 * decode; warping the planes halves the bytes.
 * @return 0; 1 for a valid file of another kind (grey, CMYK, 4:4:4,
 * turned...), planes untouched: decode it with img_decode(); -1 with err
 * set (WN_ECORRUPT, WN_ELIMIT, WN_ENOMEM).
 */
int img_jpeg_decode_yuv420(const uint8_t *buf, size_t len, const struct img_limits *limits,
			   struct img planes[3], struct wn_err *err);

/* img_yuv420_alloc() : planes for a w x h 4:2:0 image, shaped as above;
 * luma's memory is padded to even sizes (TurboJPEG wants whole chroma
 * pixels), its width and height are w and h. @return 0, or -1 (ENOMEM). */
int img_yuv420_alloc(struct img planes[3], int w, int h, struct wn_err *err);

/* img_jpeg_encode_yuv420() : encodes planes from img_yuv420_alloc() (the
 * size is planes[0]'s) at quality 1..100, 4:2:0, after filling luma's
 * padding with its last column and row. Same returns as img_encode_jpeg(). */
int img_jpeg_encode_yuv420(struct img planes[3], int quality, uint8_t **out,
			   size_t *outlen, struct wn_err *err);
/* What img_jpeg_resize() makes. */
struct img_jpeg_resize {
	struct img_limits limits;
	int min_width, min_height;  /* decoded at the smallest DCT scale that
				     * keeps these (displayed), as img_decode() */
	int width, height;          /* the output's size */
	int quality;                /* 1..100 */
	int fast_dct;               /* libjpeg's faster DCTs, both ways */
};

/*
 * img_jpeg_resize() : a YCbCr JPEG (any chroma subsampling, any EXIF
 * orientation) to a 4:2:0 JPEG of r->width x r->height without metadata,
 * by way of its planes: decoded without colour conversion, each plane
 * turned upright and resampled (Lanczos3, vector code as img_resample())
 * from its own grid to the output's, chroma staying at chroma
 * resolution, and encoded from them. *out is the caller's to free.
 * @return 0; 1 for a valid JPEG of another kind (grey, CMYK, RGB),
 * nothing made: use the RGB way; -1 with err set and *broken set when
 * the source is at fault (it does not decode) rather than the encoding.
 */
int img_jpeg_resize(const uint8_t *buf, size_t len, const struct img_jpeg_resize *r, uint8_t **out,
		    size_t *outlen, int *broken, struct wn_err *err);

/* quality 0..100 for lossy; lossless when `lossless` is set. */
int img_encode_webp(const struct img *im, int quality, int lossless,
		    uint8_t **out, size_t *outlen, struct wn_err *err);

/* Per-format decoders behind img_decode(); same contract. */
int img_jpeg_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
		struct img *out, struct img_info *info, struct wn_err *err);
int img_jpeg_decode_grey_colour(const uint8_t *buf, size_t len,
				const struct img_decode_opts *opts, struct img *grey,
				struct img *colour, struct img_info *info,
				struct img_dct_stats *dct, struct wn_err *err);
int img_png_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
	       struct img *out, struct img_info *info, struct wn_err *err);
int img_gif_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
	       struct img *out, struct img_info *info, struct wn_err *err);
int img_webp_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
		struct img *out, struct img_info *info, struct wn_err *err);
int img_jpeg_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		   struct img_info *info, struct wn_err *err);
int img_png_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		  struct img_info *info, struct wn_err *err);
int img_gif_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		  struct img_info *info, struct wn_err *err);
int img_webp_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		   struct img_info *info, struct wn_err *err);

/* img_check_dims() : the shared header check: positive dimensions within
 * the pixel limit. @return 0, or -1 with WN_ELIMIT / WN_ECORRUPT. */
int img_check_dims(uint64_t width, uint64_t height, const struct img_limits *limits,
		   struct wn_err *err);

#endif
