/* The engine's depthwise convolution, 1x1 convolution and epilogue
 * (lib/nn/kernels.c) at every vector level against the definition
 * computed here in double: odd channel counts (the vector tails), strides,
 * asymmetric padding, each activation the kernels apply or leave. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "nn/internal.h"
#include "tests/unit/unit.h"

static const int levels[] = { CPU_PLAIN, CPU_AVX2, CPU_AVX512 };

static float rnd(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return (float)(*s >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
}

/* What nd's activation makes of v if the kernels apply it; v if not. */
static double act_ref(const struct nn_node *nd, double v)
{
	if (!nn_act_clamps(nd) || nd->act == ACT_LINEAR)
		return v;
	v = v > 0 ? v : 0;
	if (nd->act == ACT_RELU6)
		return v < 6 ? v : 6;
	if (nd->act == ACT_RELU_GENERAL)
		return v < nd->relu_max ? v : nd->relu_max;
	return v;
}

static double depthwise_ref(const struct nn_node *nd, const struct nn_node *in, const float *src,
			    int y, int x, int k)
{
	double sum = nd->bias ? nd->bias[k] : 0;

	for (int ky = 0; ky < nd->kh; ky++)
		for (int kx = 0; kx < nd->kw; kx++) {
			int iy = y * nd->sh + ky - nd->pad_t, ix = x * nd->sw + kx - nd->pad_l;

			if (iy >= 0 && iy < in->h && ix >= 0 && ix < in->w)
				sum += (double)src[((size_t)iy * (size_t)in->w + (size_t)ix) * (size_t)nd->c +
						   (size_t)k] *
				       nd->weight[((size_t)ky * (size_t)nd->kw + (size_t)kx) * (size_t)nd->c +
						  (size_t)k];
		}
	return act_ref(nd, sum);
}

/* One depthwise layer of c channels on a 9x7 input at every level. */
static void check_depthwise(int c, int k, int stride, int pad_b, enum nn_act act, int bias)
{
	struct nn_node in = { .op = NN_INPUT, .h = 9, .w = 7, .c = c };
	struct nn_node nd = { .op = NN_DEPTHWISE, .kh = k, .kw = k == 5 ? 3 : k, .sh = stride,
			      .sw = stride, .c = c, .act = act, .relu_max = 0.6f };
	uint32_t seed = (uint32_t)(c * 131 + k * 7 + stride);
	size_t in_n = (size_t)in.h * (size_t)in.w * (size_t)c, out_n;
	float *src = malloc(in_n * sizeof(float)), *dst;

	nd.pad_t = nd.pad_l = k / 2;
	nd.pad_b = nd.pad_r = pad_b;
	nd.h = (in.h + nd.pad_t + nd.pad_b - nd.kh) / stride + 1;
	nd.w = (in.w + nd.pad_l + nd.pad_r - nd.kw) / stride + 1;
	out_n = (size_t)nd.h * (size_t)nd.w * (size_t)c;
	dst = malloc(out_n * sizeof(float));
	nd.weight = malloc((size_t)nd.kh * (size_t)nd.kw * (size_t)c * sizeof(float));
	nd.bias = bias ? malloc((size_t)c * sizeof(float)) : NULL;
	assert_non_null(src);
	assert_non_null(dst);
	assert_non_null(nd.weight);
	for (size_t i = 0; i < in_n; i++)
		src[i] = rnd(&seed);
	for (int i = 0; i < nd.kh * nd.kw * c; i++)
		nd.weight[i] = rnd(&seed);
	for (int i = 0; bias && i < c; i++)
		nd.bias[i] = rnd(&seed);
	for (size_t l = 0; l < sizeof(levels) / sizeof(*levels); l++) {
		cpu_set_simd(levels[l]);
		memset(dst, 0xff, out_n * sizeof(float));  /* NaN: nothing left unwritten */
		nn_depthwise(&nd, &in, src, dst);
		for (int y = 0; y < nd.h; y++)
			for (int x = 0; x < nd.w; x++)
				for (int ch = 0; ch < c; ch++) {
					double want = depthwise_ref(&nd, &in, src, y, x, ch);
					float got = dst[((size_t)y * (size_t)nd.w + (size_t)x) * (size_t)c + (size_t)ch];

					assert_true(fabs(got - want) <= 1e-5 * (1 + fabs(want)));
				}
	}
	cpu_set_simd(CPU_AVX512);
	free(src);
	free(dst);
	free(nd.weight);
	free(nd.bias);
}

UNIT_TEST(test_depthwise_matches_definition)
{
	static const int channels[] = { 1, 6, 8, 13, 16, 37, 64, 96, 100 };
	static const enum nn_act acts[] = { ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_RELU_GENERAL,
					    ACT_SIGMOID };

	for (size_t i = 0; i < sizeof(channels) / sizeof(*channels); i++)
		for (size_t a = 0; a < sizeof(acts) / sizeof(*acts); a++) {
			check_depthwise(channels[i], 3, 1, 1, acts[a], 1);
			check_depthwise(channels[i], 3, 2, 2, acts[a], 0);
			check_depthwise(channels[i], 5, 2, 0, acts[a], 1);
			check_depthwise(channels[i], 1, 1, 0, acts[a], 1);
		}
}

UNIT_TEST(test_epilogue_adds_bias_then_clamps)
{
	static const int channels[] = { 1, 5, 16, 37, 96 };
	static const enum nn_act acts[] = { ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_RELU_GENERAL,
					    ACT_TANH };

	for (size_t i = 0; i < sizeof(channels) / sizeof(*channels); i++)
		for (size_t a = 0; a < sizeof(acts) / sizeof(*acts); a++)
			for (size_t l = 0; l < sizeof(levels) / sizeof(*levels); l++) {
				int c = channels[i];
				struct nn_node nd = { .op = NN_CONV, .c = c, .act = acts[a], .relu_max = 0.6f };
				float x[7 * 96], orig[7 * 96], bias[96];
				uint32_t seed = (uint32_t)(c + 17 * (int)a);

				for (int k = 0; k < c; k++)
					bias[k] = rnd(&seed) * 4;
				for (int k = 0; k < 7 * c; k++)
					orig[k] = x[k] = rnd(&seed) * 4;
				nd.bias = l == 1 && c == 5 ? NULL : bias;
				cpu_set_simd(levels[l]);
				nn_epilogue(&nd, x, 7);
				for (int k = 0; k < 7 * c; k++)
					assert_true(x[k] == (float)act_ref(&nd, (double)orig[k] +
									       (nd.bias ? bias[k % c] : 0)));
			}
	cpu_set_simd(CPU_AVX512);
}

/* A 1x1 convolution of `pixels` pixels, cin to cout channels, against
 * the definition; at levels without a kernel nn_conv1x1() declines. */
static void check_conv1x1(int cin, int cout, int pixels, enum nn_act act)
{
	struct nn_node nd = { .op = NN_CONV, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .c = cout,
			      .act = act, .relu_max = 0.6f };
	uint32_t seed = (uint32_t)(cin * 7 + cout * 131 + pixels);
	float *src = malloc((size_t)pixels * (size_t)cin * sizeof(float));
	float *dst = malloc((size_t)pixels * (size_t)cout * sizeof(float));

	nd.weight = malloc((size_t)cin * (size_t)cout * sizeof(float));
	nd.bias = malloc((size_t)cout * sizeof(float));
	assert_non_null(src);
	assert_non_null(dst);
	assert_non_null(nd.weight);
	assert_non_null(nd.bias);
	for (int i = 0; i < pixels * cin; i++)
		src[i] = rnd(&seed);
	for (int i = 0; i < cin * cout; i++)
		nd.weight[i] = rnd(&seed);
	for (int i = 0; i < cout; i++)
		nd.bias[i] = rnd(&seed);
	for (size_t l = 0; l < sizeof(levels) / sizeof(*levels); l++) {
		cpu_set_simd(levels[l]);
		memset(dst, 0xff, (size_t)pixels * (size_t)cout * sizeof(float));
		if (nn_conv1x1(&nd, cin, src, dst, (size_t)pixels)) {
			assert_true(cpu_level() < CPU_AVX512);
			continue;
		}
		for (int p = 0; p < pixels; p++)
			for (int co = 0; co < cout; co++) {
				double want = nd.bias[co];

				for (int ci = 0; ci < cin; ci++)
					want += (double)src[p * cin + ci] * nd.weight[ci * cout + co];
				want = act_ref(&nd, want);
				assert_true(fabs(dst[p * cout + co] - want) <= 1e-5 * (1 + fabs(want)));
			}
	}
	cpu_set_simd(CPU_AVX512);
	free(src);
	free(dst);
	free(nd.weight);
	free(nd.bias);
}

UNIT_TEST(test_conv1x1_matches_definition)
{
	static const int couts[] = { 1, 5, 16, 24, 37, 56, 64, 96, 100, 120, 160 };
	static const int cins[] = { 1, 3, 17 };
	static const int pixels[] = { 1, 5, 6, 13 };

	for (size_t o = 0; o < sizeof(couts) / sizeof(*couts); o++)
		for (size_t i = 0; i < sizeof(cins) / sizeof(*cins); i++)
			for (size_t p = 0; p < sizeof(pixels) / sizeof(*pixels); p++) {
				check_conv1x1(cins[i], couts[o], pixels[p], ACT_RELU6);
				check_conv1x1(cins[i], couts[o], pixels[p], ACT_LINEAR);
			}
	check_conv1x1(96, 64, 7, ACT_RELU_GENERAL);
	check_conv1x1(96, 64, 7, ACT_TANH);
}
