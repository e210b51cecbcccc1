/* cpu_level(): the CPU's vector level, read once, capped. */
#include "base/cpu.h"

static int cap = CPU_AVX512;

void cpu_set_simd(int c)
{
	cap = c;
}

int cpu_cap(void)
{
	return cap;
}

static int detect(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi"))
		return CPU_AVX512;
	if (__builtin_cpu_supports("avx2"))
		return CPU_AVX2;
#endif
	return CPU_PLAIN;
}

int cpu_level(void)
{
	static int have = -1;  /* a benign race: every thread finds the same */

	if (have < 0)
		have = detect();
	return have < cap ? have : cap;
}
