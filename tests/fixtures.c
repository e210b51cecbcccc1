/* Seeded test images in every format, and the crafted bad files. */
#include <errno.h>
#include <gif_lib.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include "base/strbuf.h"
#include "fixtures.h"

static void die(const char *what)
{
	fprintf(stderr, "fixtures: %s\n", what);
	abort();
}

void fx_buf_free(struct fx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

uint64_t fx_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A triangle wave over 0..255: continuous, so lossy codecs see no edges. */
static int tri(int t)
{
	t %= 510;
	return t < 256 ? t : 509 - t;
}

struct img fx_pattern(int w, int h, int channels, uint64_t seed)
{
	struct img im;
	uint64_t s = seed;
	int fx = (int)(fx_rand(&s) % 7) + 1, fy = (int)(fx_rand(&s) % 5) + 1;
	int bx = (int)(fx_rand(&s) % (uint64_t)w), by = (int)(fx_rand(&s) % (uint64_t)h);
	int phase = (int)(fx_rand(&s) % 256);

	if (img_alloc(&im, w, h, channels, NULL))
		die("out of memory");
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = im.pixels + (size_t)y * im.stride + (size_t)x * channels;
			int in_block = abs(x - bx) < w / 5 && abs(y - by) < h / 5;
			int v[4] = {
				tri(x * 255 * fx / (w > 1 ? w - 1 : 1) + phase),
				tri(y * 255 * fy / (h > 1 ? h - 1 : 1) + phase / 2),
				tri((x + y) * 255 / (w + h) + phase),
				255,
			};
			if (in_block)
				v[0] = 255 - v[0], v[1] = 40, v[2] = 200;
			if (channels == 4)
				v[3] = (x * 255) / (w > 1 ? w - 1 : 1);
			if (channels == 1)
				p[0] = (uint8_t)v[0];
			else
				for (int c = 0; c < channels; c++)
					p[c] = (uint8_t)v[c];
		}
	return im;
}

struct img fx_busy(int w, int h, uint64_t seed, int noise, int field)
{
	struct img im = fx_pattern(w, h, 3, seed);
	uint64_t s = seed;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = im.pixels + (size_t)y * im.stride + (size_t)x * 3;

			for (int k = 0; k < 3; k++) {
				int v = p[k] + (int)(fx_rand(&s) % (uint64_t)(2 * noise + 1)) - noise;

				if (x < w / field)
					v = y < h / 2 ? 0 : 255;
				p[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	return im;
}

struct img fx_solid(int w, int h, int channels, const uint8_t rgba[4])
{
	struct img im;

	if (img_alloc(&im, w, h, channels, NULL))
		die("out of memory");
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			memcpy(im.pixels + (size_t)y * im.stride + (size_t)x * channels, rgba,
			       (size_t)channels);
	return im;
}

static struct fx_buf copy_out(const void *data, size_t len)
{
	struct fx_buf b = { malloc(len ? len : 1), len };

	if (!b.data)
		die("out of memory");
	memcpy(b.data, data, len);
	return b;
}

static struct fx_buf tj_compress(const uint8_t *px, int w, int h, int pitch, int pf,
				 int subsamp, int quality)
{
	tjhandle t = tjInitCompress();
	unsigned char *jpeg = NULL;
	unsigned long size = 0;
	struct fx_buf b;

	if (!t || tjCompress2(t, px, w, pitch, h, pf, &jpeg, &size, subsamp, quality, 0))
		die("tjCompress2 failed");
	b = copy_out(jpeg, size);
	tjFree(jpeg);
	tjDestroy(t);
	return b;
}

struct fx_buf fx_jpeg(const struct img *im, int quality, int subsamp_444)
{
	int pf = im->channels == 1 ? TJPF_GRAY : im->channels == 3 ? TJPF_RGB : TJPF_RGBA;
	int ss = im->channels == 1 ? TJSAMP_GRAY : subsamp_444 ? TJSAMP_444 : TJSAMP_420;

	return tj_compress(im->pixels, im->width, im->height, (int)im->stride, pf, ss, quality);
}

struct fx_buf fx_jpeg_cmyk(const uint8_t *cmyk, int w, int h)
{
	return tj_compress(cmyk, w, h, w * 4, TJPF_CMYK, TJSAMP_444, 98);
}

static void png_write_cb(png_structp png, png_bytep data, png_size_t len)
{
	if (strbuf_add(png_get_io_ptr(png), data, len))
		png_error(png, "out of memory");
}

static void png_flush_cb(png_structp png)
{
	(void)png;
}

/* Writes rows (already in the file's sample layout) with libpng's full API. */
static struct fx_buf png_write(int w, int h, int color_type, int depth, int interlace,
			       png_bytepp rows, const png_color *pal, int npal,
			       const png_byte *trns, int ntrns)
{
	struct strbuf out = STRBUF_INIT;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	struct fx_buf b;

	if (!info || setjmp(png_jmpbuf(png)))
		die("libpng write failed");
	png_set_write_fn(png, &out, png_write_cb, png_flush_cb);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type,
		     interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (pal)
		png_set_PLTE(png, info, pal, npal);
	if (trns)
		png_set_tRNS(png, info, trns, ntrns, NULL);
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	b.len = out.len;
	b.data = (uint8_t *)strbuf_detach(&out);
	return b;
}

struct fx_buf fx_png(const struct img *im, int bit_depth, int interlace)
{
	static const int types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
				      PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
	int bps = bit_depth / 8, c = im->channels;
	size_t rowlen = (size_t)im->width * c * bps;
	png_bytepp rows = calloc((size_t)im->height, sizeof(*rows));
	uint8_t *data = malloc(rowlen * im->height);
	struct fx_buf b;

	if (!rows || !data)
		die("out of memory");
	for (int y = 0; y < im->height; y++) {
		rows[y] = data + rowlen * y;
		for (size_t i = 0; i < (size_t)im->width * c; i++) {
			uint8_t v = im->pixels[(size_t)y * im->stride + i];

			if (bps == 2) {
				/* v * 257 fills 16 bits: high and low byte both v. */
				rows[y][2 * i] = v;
				rows[y][2 * i + 1] = v;
			} else {
				rows[y][i] = v;
			}
		}
	}
	b = png_write(im->width, im->height, types[c], bit_depth, interlace, rows, NULL, 0, NULL, 0);
	free(rows);
	free(data);
	return b;
}

struct fx_buf fx_png_palette(int w, int h)
{
	static const png_color pal[4] = { { 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 } };
	static const png_byte trns[1] = { 0 };
	png_bytepp rows = calloc((size_t)h, sizeof(*rows));
	uint8_t *data = malloc((size_t)w * h);
	struct fx_buf b;

	if (!rows || !data)
		die("out of memory");
	for (int y = 0; y < h; y++) {
		rows[y] = data + (size_t)w * y;
		for (int x = 0; x < w; x++)
			rows[y][x] = (png_byte)((x * 4) / w);  /* four vertical stripes */
	}
	b = png_write(w, h, PNG_COLOR_TYPE_PALETTE, 8, 0, rows, pal, 4, trns, 1);
	free(rows);
	free(data);
	return b;
}

static int gif_write_cb(GifFileType *gif, const GifByteType *data, int len)
{
	return strbuf_add(gif->UserData, data, (size_t)len) ? 0 : len;
}

struct fx_buf fx_gif(int w, int h, int frames, int interlace, int transparent)
{
	static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
	struct strbuf out = STRBUF_INIT;
	GifColorType colors[4] = { { 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 } };
	ColorMapObject *map = GifMakeMapObject(4, colors);
	GifByteType *row = malloc((size_t)w);
	int e = 0;
	GifFileType *gif = EGifOpen(&out, gif_write_cb, &e);
	struct fx_buf b;

	if (!gif || !map || !row)
		die("giflib open failed");
	EGifSetGifVersion(gif, true);
	if (EGifPutScreenDesc(gif, w, h, 8, 0, map) == GIF_ERROR)
		die("EGifPutScreenDesc failed");
	for (int f = 0; f < frames; f++) {
		GraphicsControlBlock gcb = { 0, false, 10, transparent ? 0 : NO_TRANSPARENT_COLOR };
		GifByteType ext[4];
		int passes = interlace ? 4 : 1;

		EGifGCBToExtension(&gcb, ext);
		if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) == GIF_ERROR ||
		    EGifPutImageDesc(gif, 0, 0, w, h, interlace, NULL) == GIF_ERROR)
			die("giflib frame failed");
		for (int p = 0; p < passes; p++)
			for (int y = interlace ? start[p] : 0; y < h; y += interlace ? step[p] : 1) {
				/* Frame f: colour 1 + f % 3, with a transparent
				 * (index 0) left quarter; rows tell their number. */
				for (int x = 0; x < w; x++)
					row[x] = (GifByteType)(x < w / 4 ? 0 : 1 + (f + (y % 2)) % 3);
				if (EGifPutLine(gif, row, w) == GIF_ERROR)
					die("EGifPutLine failed");
			}
	}
	if (EGifCloseFile(gif, &e) == GIF_ERROR)
		die("EGifCloseFile failed");
	GifFreeMapObject(map);
	free(row);
	b.len = out.len;
	b.data = (uint8_t *)strbuf_detach(&out);
	return b;
}

struct fx_buf fx_webp(const struct img *im, int lossless)
{
	struct fx_buf b = { NULL, 0 };

	if (img_encode_webp(im, 90, lossless, &b.data, &b.len, NULL))
		die("webp encoding failed");
	return b;
}

struct fx_buf fx_add_exif(const struct fx_buf *jpeg, int orientation, int big_endian)
{
	uint8_t seg[2 + 2 + 6 + 8 + 2 + 12 + 4];
	uint8_t *p = seg;
	struct fx_buf b;

#define PUT16(v) do { if (big_endian) { *p++ = (uint8_t)((v) >> 8); *p++ = (uint8_t)(v); } \
		      else { *p++ = (uint8_t)(v); *p++ = (uint8_t)((v) >> 8); } } while (0)
#define PUT32(v) do { if (big_endian) { PUT16((v) >> 16); PUT16((v) & 0xffff); } \
		      else { PUT16((v) & 0xffff); PUT16((v) >> 16); } } while (0)
	*p++ = 0xff;
	*p++ = 0xe1;
	*p++ = 0;
	*p++ = (uint8_t)(sizeof(seg) - 2);
	memcpy(p, "Exif\0\0", 6);
	p += 6;
	memcpy(p, big_endian ? "MM" : "II", 2);
	p += 2;
	PUT16(42);
	PUT32(8);                 /* IFD0 right after the header */
	PUT16(1);                 /* one entry */
	PUT16(0x0112);            /* Orientation */
	PUT16(3);                 /* SHORT */
	PUT32(1);                 /* count */
	PUT16(orientation);
	PUT16(0);                 /* value field padding */
	PUT32(0);                 /* no next IFD */
#undef PUT16
#undef PUT32
	b.len = jpeg->len + sizeof(seg);
	b.data = malloc(b.len);
	if (!b.data)
		die("out of memory");
	memcpy(b.data, jpeg->data, 2);
	memcpy(b.data + 2, seg, sizeof(seg));
	memcpy(b.data + 2 + sizeof(seg), jpeg->data + 2, jpeg->len - 2);
	return b;
}

/* tmp: the parent folder; NULL or "" for /tmp */
char *fx_tempdir_in(const char *tmp, const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/winnow-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
	if (!mkdtemp(sb.buf))
		die("mkdtemp failed");
	return strbuf_detach(&sb);
}

char *fx_tempdir(const char *what)
{
	return fx_tempdir_in(getenv("TMPDIR"), what);
}

char *fx_dir;

int fx_dir_setup(void **state)
{
	(void)state;
	fx_dir = fx_tempdir(program_invocation_short_name);
	return 0;
}

int fx_dir_teardown(void **state)
{
	(void)state;
	fx_rmtree(fx_dir);
	fx_dir = NULL;
	return 0;
}

void fx_rmtree(char *dir)
{
	struct strbuf cmd = STRBUF_INIT;

	/* The names are ours (fx_tempdir), so plain quoting is enough. */
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.buf))
		die("rm -rf failed");
	strbuf_release(&cmd);
	free(dir);
}

void fx_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f))
		die(path);
}

static void write_buf(const char *dir, const char *name, struct fx_buf *b)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s", dir, name);
	fx_write(path.buf, b->data, b->len);
	strbuf_release(&path);
	fx_buf_free(b);
}

/* Flips one bit of the first IDAT's CRC: the data is intact, the check fails. */
static void break_png_crc(struct fx_buf *b)
{
	for (size_t i = 8; i + 12 < b->len; ) {
		uint32_t n = (uint32_t)b->data[i] << 24 | b->data[i + 1] << 16 |
			     b->data[i + 2] << 8 | b->data[i + 3];

		if (!memcmp(b->data + i + 4, "IDAT", 4) && n > 2) {
			b->data[i + 8 + n] ^= 0x01;
			return;
		}
		i += 12 + n;
	}
	die("no IDAT to break");
}

/* Rewrites the SOF0 frame size to 60000 x 60000. */
static void claim_huge(struct fx_buf *b)
{
	for (size_t i = 2; i + 9 < b->len; i++)
		if (b->data[i] == 0xff && b->data[i + 1] == 0xc0) {
			b->data[i + 5] = 0xea; b->data[i + 6] = 0x60;  /* height */
			b->data[i + 7] = 0xea; b->data[i + 8] = 0x60;  /* width */
			return;
		}
	die("no SOF0 to patch");
}

void fx_write_bad_set(const char *dir)
{
	static const char html[] = "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n";
	struct img im = fx_pattern(64, 48, 3, 7), alpha = fx_pattern(40, 30, 4, 8);
	struct fx_buf b;
	uint8_t *cmyk;

	write_buf(dir, "zero.jpg", &(struct fx_buf){ calloc(1, 1), 0 });
	b = fx_jpeg(&im, 90, 0);
	b.len /= 2;
	write_buf(dir, "truncated.jpg", &b);
	b = copy_out(html, sizeof(html) - 1);
	write_buf(dir, "html.jpg", &b);
	b = fx_png(&im, 8, 0);
	break_png_crc(&b);
	write_buf(dir, "badcrc.png", &b);
	b = fx_jpeg(&im, 90, 0);
	claim_huge(&b);
	write_buf(dir, "huge.jpg", &b);

	cmyk = malloc((size_t)64 * 48 * 4);
	if (!cmyk)
		die("out of memory");
	for (int i = 0; i < 64 * 48; i++) {
		cmyk[4 * i] = 255;      /* inverted: no cyan */
		cmyk[4 * i + 1] = 0;    /* full magenta */
		cmyk[4 * i + 2] = 0;    /* full yellow: red */
		cmyk[4 * i + 3] = 255;  /* no black */
	}
	b = fx_jpeg_cmyk(cmyk, 64, 48);
	free(cmyk);
	write_buf(dir, "cmyk.jpg", &b);
	{
		struct fx_buf j = fx_jpeg(&im, 90, 0);

		b = fx_add_exif(&j, 6, 1);
		fx_buf_free(&j);
		write_buf(dir, "exif6.jpg", &b);
	}
	b = fx_png(&im, 16, 0);
	write_buf(dir, "png16.png", &b);
	b = fx_png(&im, 8, 1);
	write_buf(dir, "interlaced.png", &b);
	b = fx_png_palette(32, 16);
	write_buf(dir, "palette.png", &b);
	b = fx_gif(32, 16, 3, 0, 1);
	write_buf(dir, "animated.gif", &b);
	b = fx_webp(&alpha, 1);
	write_buf(dir, "lossless-alpha.webp", &b);
	img_release(&im);
	img_release(&alpha);
}

void fx_write_dataset(const char *root, const char *const *classes, int nclasses, int n,
		      int dups, uint64_t seed)
{
	struct strbuf path = STRBUF_INIT;
	uint64_t s = seed;
	struct fx_buf first = { NULL, 0 };

	mkdir(root, 0755);
	for (int c = 0; c < nclasses; c++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", root, classes[c]);
		mkdir(path.buf, 0755);
		for (int i = 0; i < n; i++) {
			int w = 48 + (int)(fx_rand(&s) % 200), h = 48 + (int)(fx_rand(&s) % 200);
			struct img im = fx_pattern(w, h, 3, fx_rand(&s));
			int kind = (int)(fx_rand(&s) % 8);
			const char *ext = kind < 5 ? "jpg" : kind == 5 ? "png" : kind == 6 ? "webp" : "gif";
			struct fx_buf b = kind < 5 ? fx_jpeg(&im, 85, 0) :
					  kind == 5 ? fx_png(&im, 8, 0) :
					  kind == 6 ? fx_webp(&im, 0) : fx_gif(w, h, 1, 0, 0);

			strbuf_setlen(&path, strlen(root) + 1 + strlen(classes[c]));
			strbuf_addf(&path, "/img%04d.%s", i, ext);
			fx_write(path.buf, b.data, b.len);
			if (!first.data)
				first = copy_out(b.data, b.len);
			fx_buf_free(&b);
			img_release(&im);
		}
	}
	/* Exact duplicates of the first image, one per class in turn. */
	for (int d = 0; d < dups && first.data; d++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s/copy%02d.jpg", root, classes[d % nclasses], d);
		fx_write(path.buf, first.data, first.len);
	}
	fx_buf_free(&first);
	strbuf_release(&path);
}

static struct img half_size(const struct img *im)
{
	struct img h;
	int c = im->channels;

	if (img_alloc(&h, im->width / 2, im->height / 2, c, NULL))
		die("out of memory");
	for (int y = 0; y < h.height; y++)
		for (int x = 0; x < h.width; x++)
			for (int k = 0; k < c; k++) {
				const uint8_t *p = im->pixels + (size_t)(2 * y) * im->stride +
						   (size_t)(2 * x) * c + k;

				h.pixels[(size_t)y * h.stride + (size_t)x * c + k] =
					(uint8_t)((p[0] + p[c] + p[im->stride] + p[im->stride + c] + 2) / 4);
			}
	return h;
}

void fx_write_near_set(const char *root, int n, uint64_t seed)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s", root);
	mkdir(path.buf, 0755);
	strbuf_addstr(&path, "/a");
	mkdir(path.buf, 0755);
	strbuf_setlen(&path, strlen(root));
	strbuf_addstr(&path, "/b");
	mkdir(path.buf, 0755);
	for (int k = 0; k < n; k++) {
		struct img im = fx_pattern(240, 180, 3, seed * 1000 + (uint64_t)k), half, bright;
		struct fx_buf b;

		half = half_size(&im);
		if (img_alloc(&bright, im.width, im.height, 3, NULL))
			die("out of memory");
		for (size_t i = 0; i < im.stride * (size_t)im.height; i++)
			bright.pixels[i] = (uint8_t)(im.pixels[i] > 231 ? 255 : im.pixels[i] + 24);
		b = fx_jpeg(&im, 90, 0);
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "%s/a/src%d.jpg", root, k);
		fx_write(path.buf, b.data, b.len);
		fx_buf_free(&b);
		b = fx_png(&half, 8, 0);
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "%s/a/src%d-half.png", root, k);
		fx_write(path.buf, b.data, b.len);
		fx_buf_free(&b);
		b = fx_jpeg(&bright, 88, 0);
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "%s/%s/src%d-bright.jpg", root, k ? "a" : "b", k);
		fx_write(path.buf, b.data, b.len);
		fx_buf_free(&b);
		img_release(&im);
		img_release(&half);
		img_release(&bright);
	}
	strbuf_release(&path);
}

/* One turned copy of im: orientation o applied, halved when half, written
 * as root/name (JPEG q80, or PNG when the name ends so). */
static void write_turned(const struct img *im, int o, int half, const char *root,
			 const char *name)
{
	struct img t, h;
	struct fx_buf b;
	char path[4096];

	if (img_alloc(&t, im->width, im->height, im->channels, NULL))
		die("out of memory");
	memcpy(t.pixels, im->pixels, im->stride * (size_t)im->height);
	if (img_orient(&t, o, NULL))
		die("out of memory");
	if (half) {
		h = half_size(&t);
		img_release(&t);
		t = h;
	}
	b = strstr(name, ".png") ? fx_png(&t, 8, 0) : fx_jpeg(&t, 80, 0);
	snprintf(path, sizeof(path), "%s/%s", root, name);
	fx_write(path, b.data, b.len);
	fx_buf_free(&b);
	img_release(&t);
}

void fx_write_turned_set(const char *root, int n, uint64_t seed)
{
	static const struct {
		const char *suffix;
		int orientation, half;
	} copies[] = {
		{ "mirror.jpg", 2, 1 }, { "rot90.png", 6, 0 }, { "rot180.jpg", 3, 1 },
		{ "rot270.jpg", 8, 0 }, { "fliprot.jpg", 5, 1 },
	};
	char name[64];

	mkdir(root, 0755);
	for (int k = 0; k < n; k++) {
		struct img im = fx_pattern(240, 180, 3, seed * 1000 + (uint64_t)k);

		snprintf(name, sizeof(name), "t%d.jpg", k);
		write_turned(&im, 1, 0, root, name);
		for (size_t c = 0; c < sizeof(copies) / sizeof(copies[0]); c++) {
			snprintf(name, sizeof(name), "t%d-%s", k, copies[c].suffix);
			write_turned(&im, copies[c].orientation, copies[c].half, root, name);
		}
		img_release(&im);
	}
}

void fx_write_big(const char *root, int n, int w, int h, uint64_t seed)
{
	struct strbuf path = STRBUF_INIT;

	mkdir(root, 0755);
	strbuf_addf(&path, "%s/c", root);
	mkdir(path.buf, 0755);
	for (int k = 0; k < n; k++) {
		struct img im = fx_pattern(w, h, 3, seed + (uint64_t)k);
		struct fx_buf b = fx_jpeg(&im, 90, 0);

		strbuf_reset(&path);
		strbuf_addf(&path, "%s/c/big%03d.jpg", root, k);
		fx_write(path.buf, b.data, b.len);
		fx_buf_free(&b);
		img_release(&im);
	}
	strbuf_release(&path);
}
