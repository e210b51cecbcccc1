/* GIF through giflib: the first frame, composed onto a transparent canvas
 * the size of the logical screen. Records are read one at a time, so an
 * animation's later frames are never decoded or allocated. */
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

#include "img/image.h"

struct mem_reader {
	const uint8_t *buf;
	size_t len, pos;
};

static int mem_read(GifFileType *gif, GifByteType *dst, int n)
{
	struct mem_reader *r = gif->UserData;
	size_t avail = r->len - r->pos;
	size_t want = n < 0 ? 0 : (size_t)n;

	if (want > avail)
		want = avail;
	memcpy(dst, r->buf + r->pos, want);
	r->pos += want;
	return (int)want;
}

static GifFileType *open_gif(struct mem_reader *r, const uint8_t *buf, size_t len,
			     struct wn_err *err)
{
	GifFileType *gif;
	int code = 0;

	r->buf = buf;
	r->len = len;
	r->pos = 0;
	gif = DGifOpen(r, mem_read, &code);
	if (!gif)
		wn_fail(err, WN_ECORRUPT, "corrupt GIF (%s)", GifErrorString(code));
	return gif;
}

static int screen_info(GifFileType *gif, const struct img_limits *limits,
		       struct img_info *info, struct wn_err *err)
{
	if (img_check_dims((uint64_t)gif->SWidth, (uint64_t)gif->SHeight, limits, err))
		return -1;
	memset(info, 0, sizeof(*info));
	info->format = IMG_GIF;
	info->width = gif->SWidth;
	info->height = gif->SHeight;
	info->orientation = 1;
	info->frames = 1;
	info->has_alpha = 1;
	return 0;
}

int img_gif_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		  struct img_info *info, struct wn_err *err)
{
	struct mem_reader r;
	GifFileType *gif = open_gif(&r, buf, len, err);
	int ret;

	if (!gif)
		return -1;
	ret = screen_info(gif, limits, info, err);
	DGifCloseFile(gif, NULL);
	return ret;
}

/* Reads the first frame's rows into the canvas, honouring interlacing,
 * the frame's offset (clipped to the canvas) and its transparent index. */
static int read_frame(GifFileType *gif, struct img *canvas, int transparent, struct wn_err *err)
{
	static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
	const GifImageDesc *d = &gif->Image;
	const ColorMapObject *map = d->ColorMap ? d->ColorMap : gif->SColorMap;
	GifPixelType *row;
	int pass, passes = d->Interlace ? 4 : 1;

	if (!map)
		return wn_fail(err, WN_ECORRUPT, "corrupt GIF (no colour map)");
	if (d->Width <= 0 || d->Height <= 0 || d->Width > 65535 || d->Height > 65535)
		return wn_fail(err, WN_ECORRUPT, "corrupt GIF (bad frame size)");
	row = malloc((size_t)d->Width);
	if (!row)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (pass = 0; pass < passes; pass++) {
		int y0 = d->Interlace ? start[pass] : 0, dy = d->Interlace ? step[pass] : 1;

		for (int y = y0; y < d->Height; y += dy) {
			int cy = d->Top + y;

			if (DGifGetLine(gif, row, d->Width) == GIF_ERROR) {
				free(row);
				return wn_fail(err, WN_ECORRUPT, "corrupt GIF (%s)",
					       GifErrorString(gif->Error));
			}
			if (cy < 0 || cy >= canvas->height)
				continue;
			for (int x = 0; x < d->Width; x++) {
				int cx = d->Left + x;
				uint8_t *p;

				if (cx < 0 || cx >= canvas->width || row[x] == transparent)
					continue;
				if (row[x] >= map->ColorCount)
					continue;  /* an index past the map: leave it clear */
				p = canvas->pixels + (size_t)cy * canvas->stride + (size_t)cx * 4;
				p[0] = map->Colors[row[x]].Red;
				p[1] = map->Colors[row[x]].Green;
				p[2] = map->Colors[row[x]].Blue;
				p[3] = 255;
			}
		}
	}
	free(row);
	return 0;
}

/* A transparent canvas from calloc: fresh zero pages, untouched until a
 * frame's rows land on them. */
static int alloc_canvas(struct img *out, int w, int h, struct wn_err *err)
{
	memset(out, 0, sizeof(*out));
	out->pixels = calloc((size_t)h, (size_t)w * 4);
	if (!out->pixels)
		return wn_fail(err, WN_ENOMEM, "out of memory for a %dx%d GIF", w, h);
	out->width = w;
	out->height = h;
	out->channels = 4;
	out->stride = (size_t)w * 4;
	return 0;
}

int img_gif_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
	       struct img *out, struct img_info *info, struct wn_err *err)
{
	struct mem_reader r;
	GifFileType *gif = open_gif(&r, buf, len, err);
	GifRecordType type;
	int transparent = NO_TRANSPARENT_COLOR, ret = -1;

	if (!gif)
		return -1;
	if (screen_info(gif, &opts->limits, info, err))
		goto out;
	for (;;) {
		if (DGifGetRecordType(gif, &type) == GIF_ERROR) {
			wn_fail(err, WN_ECORRUPT, "corrupt GIF (%s)", GifErrorString(gif->Error));
			goto out;
		}
		if (type == TERMINATE_RECORD_TYPE) {
			wn_fail(err, WN_ECORRUPT, "corrupt GIF (no image in the file)");
			goto out;
		}
		if (type == EXTENSION_RECORD_TYPE) {
			GifByteType *ext = NULL;
			int code;

			if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR)
				goto gif_error;
			if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4) {
				GraphicsControlBlock gcb;

				if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
					transparent = gcb.TransparentColor;
			}
			while (ext)
				if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR)
					goto gif_error;
			continue;
		}
		if (type == IMAGE_DESC_RECORD_TYPE) {
			if (DGifGetImageDesc(gif) == GIF_ERROR)
				goto gif_error;
			/* The canvas only now: a header alone commits no memory. */
			if (alloc_canvas(out, info->width, info->height, err))
				goto out;
			ret = read_frame(gif, out, transparent, err);
			goto out;
		}
	}
gif_error:
	wn_fail(err, WN_ECORRUPT, "corrupt GIF (%s)", GifErrorString(gif->Error));
out:
	DGifCloseFile(gif, NULL);
	if (ret)
		img_release(out);
	return ret;
}
