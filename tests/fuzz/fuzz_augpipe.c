/* libFuzzer target: any bytes as a pipeline file. Build and run with
 * `make fuzz` (clang); `make check` runs it for 30 s. */
#include <stddef.h>
#include <stdint.h>

#include "aug/pipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aug_pipeline p;
	struct wn_err err = { 0 };

	if (!aug_pipeline_parse((const char *)data, size, "fuzz", &p, &err))
		aug_pipeline_release(&p);
	return 0;
}
