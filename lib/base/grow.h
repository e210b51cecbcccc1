/* Growing an array one element at a time, doubling its room, the way
 * every list built from a catalog query or a walk grows. */
#ifndef WINNOW_GROW_H
#define WINNOW_GROW_H

#include <stddef.h>

/* array_grow() : room for element n of the array at *items (a pointer to
 * the array's pointer), *cap elements of size bytes: when n == *cap, the
 * array is reallocated to twice *cap elements, or first when *cap is 0.
 * @return 0, or -1 when out of memory, the array and *cap unchanged (the
 * caller still owns and frees the array). */
int array_grow(void *items, size_t *cap, size_t n, size_t size, size_t first);

/* ARRAY_GROW(p, cap, n, first) : array_grow() for the array p (any
 * pointer type) with its room in cap and n elements in use. */
#define ARRAY_GROW(p, cap, n, first) array_grow(&(p), &(cap), (n), sizeof(*(p)), (first))

#endif
