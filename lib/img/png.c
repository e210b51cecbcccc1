/* PNG through libpng's full read API: palette, grey, 16-bit, tRNS and
 * interlaced files are expanded to 8-bit RGBA by libpng's transforms. (The
 * simplified png_image API decodes 16-bit interlaced files wrongly in
 * libpng 1.6.39, and never reads IEND, so truncated files passed.) */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img/image.h"

/* Chunks before the image data (text, ICC, EXIF) are capped at this. */
#define PNG_MAX_CHUNK_BYTES (8u * 1024 * 1024)

struct png_src {
	const uint8_t *buf;
	size_t len, pos;
	char msg[200];
};

static void read_cb(png_structp png, png_bytep out, png_size_t n)
{
	struct png_src *s = png_get_io_ptr(png);

	if (n > s->len - s->pos)
		png_error(png, "truncated file");
	memcpy(out, s->buf + s->pos, n);
	s->pos += n;
}

static void error_cb(png_structp png, png_const_charp msg)
{
	struct png_src *s = png_get_error_ptr(png);

	snprintf(s->msg, sizeof(s->msg), "%s", msg);
	png_longjmp(png, 1);
}

static void warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;  /* ancillary chunk damage: libpng drops the chunk */
}

/*
 * Shared by info and decode: reads up to the image data and checks the
 * limits. When out is not NULL, also decodes into it as RGBA.
 */
static int png_read(const uint8_t *buf, size_t len, const struct img_limits *limits,
		    struct img *out, struct img_info *info, struct wn_err *err)
{
	struct png_src src = { buf, len, 0, "" };
	png_structp png;
	png_infop pinfo = NULL;
	png_bytepp volatile rows = NULL;
	volatile int ret = -1;
	png_uint_32 w, h;
	int depth, color, il;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, error_cb, warning_cb);
	if (!png)
		return wn_fail(err, WN_ENOMEM, "cannot start the PNG decoder");
	pinfo = png_create_info_struct(png);
	if (!pinfo) {
		wn_fail(err, WN_ENOMEM, "cannot start the PNG decoder");
		goto out;
	}
	if (setjmp(png_jmpbuf(png))) {
		wn_fail(err, WN_ECORRUPT, "corrupt PNG (%s)", src.msg);
		if (out)
			img_release(out);
		goto out;
	}
	png_set_read_fn(png, &src, read_cb);
	png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
	png_set_chunk_malloc_max(png, PNG_MAX_CHUNK_BYTES);
	png_read_info(png, pinfo);
	png_get_IHDR(png, pinfo, &w, &h, &depth, &color, &il, NULL, NULL);
	if (img_check_dims(w, h, limits, err))
		goto out;
	memset(info, 0, sizeof(*info));
	info->format = IMG_PNG;
	info->width = (int)w;
	info->height = (int)h;
	info->orientation = 1;
	info->frames = 1;
	info->has_alpha = (color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, pinfo, PNG_INFO_tRNS);
	if (!out) {
		ret = 0;
		goto out;
	}
	png_set_expand(png);  /* palette to RGB, low-bit grey to 8, tRNS to alpha */
	png_set_scale_16(png);
	png_set_gray_to_rgb(png);
	if (!info->has_alpha)
		png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
	png_set_interlace_handling(png);
	png_read_update_info(png, pinfo);
	if (png_get_rowbytes(png, pinfo) != (size_t)w * 4)
		png_error(png, "unexpected row layout");
	if (img_alloc(out, (int)w, (int)h, 4, err))
		goto out;
	rows = malloc(h * sizeof(*rows));
	if (!rows) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		img_release(out);
		goto out;
	}
	for (png_uint_32 y = 0; y < h; y++)
		rows[y] = out->pixels + (size_t)y * out->stride;
	png_read_image(png, rows);
	png_read_end(png, NULL);  /* up to IEND: a cut file fails here */
	ret = 0;
out:
	free(rows);
	png_destroy_read_struct(&png, pinfo ? &pinfo : NULL, NULL);
	return ret;
}

int img_png_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		  struct img_info *info, struct wn_err *err)
{
	return png_read(buf, len, limits, NULL, info, err);
}

int img_png_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
		   struct img *out, struct img_info *info, struct wn_err *err)
{
	return png_read(buf, len, &opts->limits, out, info, err);
}

int img_encode_png(const struct img *im, uint8_t **out, size_t *outlen, struct wn_err *err)
{
	png_image png;
	png_alloc_size_t size = 0;
	uint8_t *mem;

	*out = NULL;
	*outlen = 0;
	memset(&png, 0, sizeof(png));
	png.version = PNG_IMAGE_VERSION;
	png.width = (png_uint_32)im->width;
	png.height = (png_uint_32)im->height;
	png.format = im->channels == 1 ? PNG_FORMAT_GRAY :
		     im->channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
	/* First call measures, second writes. */
	if (!png_image_write_to_memory(&png, NULL, &size, 0, im->pixels,
				       (png_int_32)im->stride, NULL))
		return wn_fail(err, WN_EINVAL, "PNG encoding failed (%s)", png.message);
	mem = malloc(size);
	if (!mem)
		return wn_fail(err, WN_ENOMEM, "out of memory for %zu bytes", (size_t)size);
	if (!png_image_write_to_memory(&png, mem, &size, 0, im->pixels,
				       (png_int_32)im->stride, NULL)) {
		free(mem);
		return wn_fail(err, WN_EINVAL, "PNG encoding failed (%s)", png.message);
	}
	*out = mem;
	*outlen = size;
	return 0;
}
