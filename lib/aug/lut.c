/* Byte lookups over RGB, plain and AVX-512 VBMI. */
#include <string.h>

#include "base/base.h"
#include "aug/lut.h"

static void apply_plain(uint8_t *p, size_t n, const uint8_t t[3][256])
{
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		p[i] = t[0][p[i]];
		p[i + 1] = t[1][p[i + 1]];
		p[i + 2] = t[2][p[i + 2]];
	}
	for (int c = 0; i < n; i++, c++)
		p[i] = t[c][p[i]];
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_VBMI_PATH 1
#include <immintrin.h>

#define VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

struct table512 {
	__m512i q[4];  /* entries 0..63, 64..127, 128..191, 192..255 */
};

VBMI static inline void table_load(struct table512 *tb, const uint8_t *t)
{
	for (int i = 0; i < 4; i++)
		tb->q[i] = _mm512_loadu_si512((const void *)(t + 64 * i));
}

/* 64 lookups: vpermi2b picks from 128 bytes by the low 7 bits of each
 * index; the top bit chooses the half. */
VBMI static inline __m512i lookup(const struct table512 *tb, __m512i v)
{
	__m512i lo = _mm512_permutex2var_epi8(tb->q[0], v, tb->q[1]);
	__m512i hi = _mm512_permutex2var_epi8(tb->q[2], v, tb->q[3]);

	return _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi);
}

/* Byte i of 64-byte block j belongs to channel (64 j + i) mod 3: the
 * blocks repeat every three. masks[j][c] has the bytes of channel c. */
static const uint64_t masks[3][3] = {
	{ 0x9249249249249249ull, 0x2492492492492492ull, 0x4924924924924924ull },
	{ 0x4924924924924924ull, 0x9249249249249249ull, 0x2492492492492492ull },
	{ 0x2492492492492492ull, 0x4924924924924924ull, 0x9249249249249249ull }
};

VBMI static void apply_vbmi(uint8_t *p, size_t n, const uint8_t t[3][256])
{
	struct table512 tb[3];
	int same = !memcmp(t[0], t[1], 256) && !memcmp(t[0], t[2], 256);
	size_t i = 0;

	for (int c = 0; c < 3; c++)
		table_load(&tb[c], t[c]);
	if (same) {
		for (; i + 64 <= n; i += 64) {
			__m512i v = _mm512_loadu_si512((const void *)(p + i));

			_mm512_storeu_si512((void *)(p + i), lookup(&tb[0], v));
		}
	} else {
		for (; i + 192 <= n; i += 192)
			for (int j = 0; j < 3; j++) {
				__m512i v = _mm512_loadu_si512((const void *)(p + i + 64 * j));
				__m512i r = lookup(&tb[0], v);

				r = _mm512_mask_mov_epi8(r, masks[j][1], lookup(&tb[1], v));
				r = _mm512_mask_mov_epi8(r, masks[j][2], lookup(&tb[2], v));
				_mm512_storeu_si512((void *)(p + i + 64 * j), r);
			}
	}
	/* the tail: i is a multiple of 192, or of 64 with all tables equal */
	apply_plain(p + i, n - i, t);
}

VBMI static void sums_avx512(const uint8_t *p, size_t n, uint64_t sums[3])
{
	__m512i acc[3] = { _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512() };
	uint64_t lanes[8];
	size_t i = 0;

	for (; i + 192 <= n; i += 192)
		for (int j = 0; j < 3; j++) {
			__m512i v = _mm512_loadu_si512((const void *)(p + i + 64 * j));

			for (int c = 0; c < 3; c++)
				acc[c] = _mm512_add_epi64(acc[c], _mm512_sad_epu8(
					_mm512_maskz_mov_epi8(masks[j][c], v), _mm512_setzero_si512()));
		}
	for (int c = 0; c < 3; c++) {
		_mm512_storeu_si512((void *)lanes, acc[c]);
		for (int k = 0; k < 8; k++)
			sums[c] += lanes[k];
	}
	for (int c = 0; i < n; i++, c = (c + 1) % 3)
		sums[c] += p[i];
}

#endif

void lut_sums_rgb(const uint8_t *p, size_t n, uint64_t sums[3])
{
	size_t i = 0;

#ifdef HAVE_VBMI_PATH
	if (cpu_level() >= CPU_AVX512) {
		sums_avx512(p, n, sums);
		return;
	}
#endif
	for (int c = 0; i < n; i++, c = (c + 1) % 3)
		sums[c] += p[i];
}

void lut_apply_rgb(uint8_t *p, size_t n, const uint8_t t[3][256])
{
#ifdef HAVE_VBMI_PATH
	if (cpu_level() >= CPU_AVX512) {
		apply_vbmi(p, n, t);
		return;
	}
#endif
	apply_plain(p, n, t);
}
