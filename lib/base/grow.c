/* Growing an array by doubling (grow.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

int array_grow(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t want = *cap ? 2 * *cap : first;
	void *old, *grown;

	if (n < *cap)
		return 0;
	if (want < *cap || want > SIZE_MAX / size)
		return -1;
	memcpy(&old, items, sizeof(old));
	grown = realloc(old, want * size);
	if (!grown)
		return -1;
	memcpy(items, &grown, sizeof(grown));
	*cap = want;
	return 0;
}
