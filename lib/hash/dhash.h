/* Perceptual fingerprints for near-duplicate search: dHash-64 and a 16x16
 * luma thumbnail, both from one reduced (shrink-on-load) decode.
 *
 * The exact definition, pinned by test vectors in tests/unit/hash/test_dhash.c:
 *  1. Decode to 8-bit grey with EXIF orientation applied and alpha
 *     flattened onto white. A JPEG is decoded at the smallest DCT scale
 *     that keeps both sides >= FINGERPRINT_MIN_SIDE (32) pixels, or full
 *     size when smaller; its grey is the decoder's Y, which JFIF defines as
 *     BT.601 luma. Other formats: Y = (19595 R + 38470 G + 7471 B + 32768)
 *     >> 16 (luma.h).
 *  2. Area-average the W x H grey image onto a G x R grid of equal cells
 *     (9x8 for dHash, 16x16 for the thumbnail). Each source pixel
 *     contributes in proportion to the exact fraction of its area inside a
 *     cell; this is computed in integers (coordinates scaled by G and R),
 *     so the result does not depend on floating point or thread count.
 *     A JPEG decoded at k/8 (k < 8) of a stored side S that 8/k does not
 *     divide ends in a pixel standing for S*k/8 - (ceil(S*k/8) - 1) of a
 *     pixel (part of a block; the rest is the encoder's padding): that
 *     pixel is that wide, at the end of the side where the displayed
 *     orientation puts it, so a mirrored or rotated copy lines up with
 *     its source. (dhash_compute() and thumb_compute() take every pixel
 *     whole: the vectors in the test are theirs.)
 *  3. dHash: for row r = 0..7 and column c = 0..7, bit = cell[r][c] <
 *     cell[r][c+1] (the left cell darker than the right). Bits are taken
 *     row-major, most significant bit first: row 0 column 0 is bit 63.
 *  4. Thumbnail: each of the 16x16 cell means rounded to the nearest
 *     integer (halves up), row-major: 256 bytes.
 */
#ifndef WINNOW_DHASH_H
#define WINNOW_DHASH_H

#include <stdint.h>

#include "img/img.h"

#define FINGERPRINT_MIN_SIDE 32
#define THUMB_SIDE 16
#define THUMB_BYTES (THUMB_SIDE * THUMB_SIDE)

struct fingerprint {
	uint64_t dhash;
	uint8_t thumb[THUMB_BYTES];
};

/* dhash_compute() : dHash-64 of a grey (1-channel) image, steps 2-3. */
uint64_t dhash_compute(const struct img *grey);

/* thumb_compute() : the 16x16 thumbnail of a grey image, steps 2 and 4. */
void thumb_compute(const struct img *grey, uint8_t thumb[THUMB_BYTES]);

/*
 * The eight orientations. A thumbnail's cells are a fixed fraction of the
 * image's sides whatever its shape, so the thumbnail of a mirrored or
 * rotated image is the same turn of its thumbnail, exactly: mirrored and
 * rotated copies are found from the catalogued thumbnails alone.
 */

/* thumb_orient() : the thumbnail of the image shown under EXIF
 * orientation 1..8 (2 mirrors, 3 rotates 180, 6 and 8 rotate 90 and 270
 * degrees, 4, 5 and 7 mirror and rotate), into out (not in). */
void thumb_orient(const uint8_t in[THUMB_BYTES], int orientation, uint8_t out[THUMB_BYTES]);

/* thumb_dhash() : dHash-64 of a thumbnail taken as a 16x16 grey image
 * (step 2 onto the 9x8 grid, then step 3). Close to, but not the same
 * as, the image's own dHash: compare thumb_dhash() values with each
 * other only. */
uint64_t thumb_dhash(const uint8_t thumb[THUMB_BYTES]);

/* thumb_dhash_turned() : thumb_dhash() of thumb_orient(thumb, orientation),
 * without the copy. */
uint64_t thumb_dhash_turned(const uint8_t thumb[THUMB_BYTES], int orientation);

/* fingerprint_compute() : both, from a grey image decoded as step 1 says
 * from a file whose header is header (its stored size and orientation
 * tell which edge pixels of a reduced decode are partial, step 2). */
void fingerprint_compute(const struct img *grey, const struct img_info *header,
			 struct fingerprint *fp);

/* fingerprint_decode_opts() : the decode options of step 1 (channels 1,
 * shrink on load to FINGERPRINT_MIN_SIDE), under limits. */
void fingerprint_decode_opts(const struct img_limits *limits, struct img_decode_opts *opts);

/*
 * thumb_dhash_orients() : the dHashes of n thumbnails (THUMB_BYTES each,
 * one after another) under each of norient orientations (1: upright):
 * out[t * n + i] = thumb_dhash_turned(thumbnail i, orient[t]), out holding
 * n * norient values. Runs on `threads` workers of a pool of its own (on
 * the calling thread when threads < 2, for a few thousand thumbnails, or
 * when no thread can start); the values never depend on it.
 */
void thumb_dhash_orients(const uint8_t *thumbs, size_t n, const int *orient, size_t norient,
			 int threads, uint64_t *out);

/*
 * fingerprint_decode() : step 1 on an in-memory file, then both.
 * @return 0 with fp and info (optional: the full image's header) filled,
 * or -1 with err set as img_decode() sets it.
 */
int fingerprint_decode(const uint8_t *buf, size_t len, const struct img_limits *limits,
		       struct fingerprint *fp, struct img_info *info, struct wn_err *err);

/* A thumbnail whose standard deviation is below this (on 0..255) is flat:
 * blank, or nearly one colour. Flat images carry too little to compare. */
#define THUMB_FLAT_STD 3.0

/* thumb_is_flat() : whether the thumbnail's standard deviation is below
 * THUMB_FLAT_STD. */
int thumb_is_flat(const uint8_t thumb[THUMB_BYTES]);

/*
 * thumb_similarity() : how alike two thumbnails are, -1..1: the best
 * Pearson correlation between them when either is zoomed about its centre
 * by 1, 1.03 or 1.064 (bilinear), so a copy with a few percent cropped
 * off each side still lines up. Correlation ignores brightness and
 * contrast changes. 0 when either thumbnail is flat.
 */
double thumb_similarity(const uint8_t a[THUMB_BYTES], const uint8_t b[THUMB_BYTES]);

/* thumb_similar() : whether thumb_similarity(a, b) >= need, computed
 * lazily: the plain correlation first (one integer pass), the zoomed ones
 * only when it falls short by less than 0.15. */
int thumb_similar(const uint8_t a[THUMB_BYTES], const uint8_t b[THUMB_BYTES], double need);

/*
 * A thumbnail's sketch, for ruling pairs out before thumb_similar(): the
 * means of its 4x4 blocks of cells after centring it and scaling it to
 * unit length (each times 4), and the length of what the block means
 * leave. The plain correlation of two thumbnails is at most the blocks'
 * dot product plus the product of the rests (Cauchy-Schwarz on each
 * part), and a turn of the thumbnail only permutes its blocks: a pair
 * searched by the millions is ruled out in 16 multiplications, none of
 * the 256 cells read, the turned copy never made. A flat thumbnail's
 * sketch is all zeros.
 */
#define THUMB_SKETCH_SIDE 4
struct thumb_sketch {
	float block[THUMB_SKETCH_SIDE * THUMB_SKETCH_SIDE];
	float rest;
};

/* thumb_sketch() : the sketch of thumb into out. */
void thumb_sketch(const uint8_t thumb[THUMB_BYTES], struct thumb_sketch *out);

/* thumb_sketch_rules_out() : 1 when thumb_similar(thumb_orient(A, o), B,
 * need) is surely 0 for the thumbnails A and B of sketches a and b
 * (orientation 1..8 as thumb_orient() takes it), else 0 (it may be 1). */
int thumb_sketch_rules_out(const struct thumb_sketch *a, int orientation,
			   const struct thumb_sketch *b, double need);

/* dhash_distance() : Hamming distance of two dHashes, 0..64. */
static inline int dhash_distance(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

#endif
