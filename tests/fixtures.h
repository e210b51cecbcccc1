/* Test data made from a seed: images with known content in every format
 * and variant the decoders must handle, and the crafted bad files. Writers
 * use the format libraries directly (libpng's full API, giflib, TurboJPEG)
 * so the fixtures do not depend on the code under test. */
#ifndef WINNOW_TEST_FIXTURES_H
#define WINNOW_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "img/image.h"

struct fx_buf {
	uint8_t *data;  /* malloc'd; fx_buf_free() */
	size_t len;
};
void fx_buf_free(struct fx_buf *b);

/* A small PRNG (splitmix64), so data depends only on the seed. */
uint64_t fx_rand(uint64_t *state);

/* fx_pattern() : a w x h image of `channels` with smooth gradients and a
 * few solid blocks, different for each seed. Aborts on out of memory. */
struct img fx_pattern(int w, int h, int channels, uint64_t seed);

/* fx_busy() : fx_pattern() in RGB with detail in every frequency for a
 * JPEG's blocks: noise of +-noise on every sample, and a black (top) and
 * white (bottom) field over the left 1/field of the width, whose DCs clip
 * at low quality. Aborts on out of memory. */
struct img fx_busy(int w, int h, uint64_t seed, int noise, int field);

/* fx_solid() : every pixel the same colour (channels 1..4 from rgba). */
struct img fx_solid(int w, int h, int channels, const uint8_t rgba[4]);

/* Encoders used to build fixtures. Each aborts the test on failure. */
struct fx_buf fx_jpeg(const struct img *im, int quality, int subsamp_444);
struct fx_buf fx_jpeg_cmyk(const uint8_t *cmyk, int w, int h);
/* png: bit_depth 8 or 16, color_type as libpng's PNG_COLOR_TYPE_*,
 * samples given as 8-bit (16-bit files store v * 257). */
struct fx_buf fx_png(const struct img *im, int bit_depth, int interlace);
/* A palette PNG with a tRNS entry making index 0 transparent. */
struct fx_buf fx_png_palette(int w, int h);
/* A GIF of `frames` frames (frame k is solid colour k), with colour 0
 * transparent when transparent is set; optional interlacing. */
struct fx_buf fx_gif(int w, int h, int frames, int interlace, int transparent);
struct fx_buf fx_webp(const struct img *im, int lossless);

/* fx_add_exif() : inserts an APP1 Exif segment with Orientation =
 * orientation right after SOI, in big- or little-endian TIFF order. */
struct fx_buf fx_add_exif(const struct fx_buf *jpeg, int orientation, int big_endian);

/* fx_tempdir() : makes a fresh folder under $TMPDIR (or /tmp) whose name
 * starts with winnow-<what>; fx_rmtree() removes it and all below. Both
 * abort on failure. The returned path is malloc'd. */
char *fx_tempdir(const char *what);
/* fx_tempdir_in() : the same under parent (e.g. /dev/shm, another file system). */
char *fx_tempdir_in(const char *parent, const char *what);
void fx_rmtree(char *dir);

/* A test program's scratch folder: fx_dir_setup(), a cmocka group setup,
 * makes it (fx_tempdir, named for the program) and fx_dir_teardown()
 * removes it with everything below. */
extern char *fx_dir;
int fx_dir_setup(void **state);
int fx_dir_teardown(void **state);

/* fx_write() : writes a buffer to path; aborts on failure. */
void fx_write(const char *path, const void *data, size_t len);

/* fx_write_bad_set() : writes the crafted files into dir (which exists):
 * zero.jpg truncated.jpg html.jpg badcrc.png huge.jpg cmyk.jpg exif6.jpg
 * png16.png interlaced.png palette.png animated.gif lossless-alpha.webp.
 * The first five must fail to decode; the rest must decode. */
void fx_write_bad_set(const char *dir);

/* fx_write_dataset() : ROOT/<class>/... with n images per class in mixed
 * formats, plus `dups` byte-identical copies spread across classes. */
void fx_write_dataset(const char *root, const char *const *classes, int nclasses, int n,
		      int dups, uint64_t seed);

/* fx_write_near_set() : under root, n source pictures a/srcK.jpg, each with
 * near copies a/srcK-half.png (half size, 2x2 averages) and
 * a/srcK-bright.jpg (+24 brightness); src0's bright copy goes to b/ so the
 * group spans two classes. All sources differ from one another. */
void fx_write_near_set(const char *root, int n, uint64_t seed);

/* fx_write_turned_set() : under root (one folder), n source pictures
 * tK.jpg, each with turned copies: tK-mirror.jpg (mirrored, half size),
 * tK-rot90.png, tK-rot180.jpg (half size), tK-rot270.jpg and
 * tK-fliprot.jpg (mirrored and turned a quarter, half size); JPEGs at
 * quality 80. */
void fx_write_turned_set(const char *root, int n, uint64_t seed);

/* fx_write_big() : n JPEGs of w x h under root/c/, from the seed. */
void fx_write_big(const char *root, int n, int w, int h, uint64_t seed);

#endif
