/* Byte lookups over RGB, plain and AVX-512 VBMI. */
#include <string.h>

#include "lut.h"

static int simd_allowed = 1;

void lut_set_simd(int on)
{
	simd_allowed = on;
}

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

/* Byte i of 64-byte block j belongs to channel (64 j + i) % 3: the
 * blocks repeat every three. m[j][c] has the bytes of channel c. */
static void channel_masks(uint64_t m[3][3])
{
	memset(m, 0, sizeof(uint64_t) * 9);
	for (int j = 0; j < 3; j++)
		for (int i = 0; i < 64; i++)
			m[j][(64 * j + i) % 3] |= 1ull << i;
}

VBMI static void apply_vbmi(uint8_t *p, size_t n, const uint8_t t[3][256])
{
	struct table512 tb[3];
	uint64_t m[3][3];
	int same = !memcmp(t[0], t[1], 256) && !memcmp(t[0], t[2], 256);
	size_t i = 0;

	for (int c = 0; c < 3; c++)
		table_load(&tb[c], t[c]);
	channel_masks(m);
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

				r = _mm512_mask_mov_epi8(r, m[j][1], lookup(&tb[1], v));
				r = _mm512_mask_mov_epi8(r, m[j][2], lookup(&tb[2], v));
				_mm512_storeu_si512((void *)(p + i + 64 * j), r);
			}
	}
	apply_plain(p + i, n - i, t);  /* i is a multiple of 3 */
}

static int vbmi_ok(void)
{
	static int ok = -1;

	if (ok < 0)
		ok = __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw") ? 1 : 0;
	return ok;
}
#endif

void lut_apply_rgb(uint8_t *p, size_t n, const uint8_t t[3][256])
{
#ifdef HAVE_VBMI_PATH
	if (simd_allowed && vbmi_ok()) {
		apply_vbmi(p, n, t);
		return;
	}
#endif
	apply_plain(p, n, t);
}
