/* cpu_level(): the CPU's vector level, detected once, capped. */
#include <pthread.h>

#include "base/cpu.h"

static int cap = CPU_AVX512;
static int have;  /* written once, by detect(), under detect_once */
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

void cpu_set_simd(int c)
{
	cap = c;
}

int cpu_cap(void)
{
	return cap;
}

static void detect(void)
{
	have = CPU_PLAIN;
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi"))
		have = CPU_AVX512;
	else if (__builtin_cpu_supports("avx2"))
		have = CPU_AVX2;
#endif
}

int cpu_level(void)
{
	pthread_once(&detect_once, detect);
	return have < cap ? have : cap;
}
