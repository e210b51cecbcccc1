/* Growing an array by doubling (base/grow.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/grow.h"
#include "tests/unit/unit.h"

struct pair {
	int64_t a, b;
};

/* Room appears at each full array, twice the last, and what was stored
 * stays. */
UNIT_TEST(test_doubles_and_keeps)
{
	struct pair *p = NULL;
	size_t cap = 0, n;

	for (n = 0; n < 100; n++) {
		size_t before = cap;

		assert_int_equal(ARRAY_GROW(p, cap, n, 4), 0);
		assert_true(n < cap);
		assert_true(cap == before || cap == (before ? 2 * before : 4));
		assert_true(n < before ? cap == before : 1);
		p[n].a = (int64_t)n;
		p[n].b = -(int64_t)n;
	}
	assert_int_equal(cap, 128);
	for (n = 0; n < 100; n++) {
		assert_int_equal(p[n].a, (int64_t)n);
		assert_int_equal(p[n].b, -(int64_t)n);
	}
	free(p);
}

/* Room whose byte count would wrap around is refused, the array left as
 * it was (without the check, 4 elements of this size are 4 bytes). */
UNIT_TEST(test_overflow_refused)
{
	char *p = malloc(1);
	char *was = p;
	size_t cap = 2;

	assert_non_null(p);
	assert_int_equal(array_grow(&p, &cap, 2, SIZE_MAX / 4 + 1, 1), -1);
	assert_ptr_equal(p, was);
	assert_int_equal(cap, 2);
	free(p);
}
