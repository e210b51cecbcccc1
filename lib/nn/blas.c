/* Which OpenBLAS kernels suit this CPU, for the programs that set
 * OPENBLAS_CORETYPE before OpenBLAS loads (nn_blas_core()). */
#include <cblas.h>
#include <stddef.h>
#include <strings.h>

#include "nn/model.h"

static int has_avx512(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

const char *nn_blas_core(void)
{
	static const char *const avx512_cores[] = { "skylakex", "cooperlake", "sapphirerapids" };
	const char *have = openblas_get_corename();

	__builtin_cpu_init();
	if (has_avx512()) {
		for (size_t i = 0; i < sizeof(avx512_cores) / sizeof(*avx512_cores); i++)
			if (!strcasecmp(have, avx512_cores[i]))
				return NULL;
		return "SkylakeX";
	}
	if (!strcasecmp(have, "prescott") && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		return "Haswell";
	return NULL;
}
