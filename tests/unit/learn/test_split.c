/* The split assignment (learn/split.h): groups whole, shares per class,
 * repeatable from the seed. */
#include <stdlib.h>
#include <string.h>

#include "learn/split.h"
#include "tests/unit/unit.h"

enum { N = 3000, K = 3 };

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* N items of K classes; from item 600 on, runs of 2 to 5 items of one
 * class form a group (grouped by the run's first index), the rest alone. */
static struct split_item *make_items(uint32_t seed)
{
	struct split_item *it = calloc(N, sizeof(*it));

	assert_non_null(it);
	for (size_t i = 0; i < N;) {
		size_t run = i < 600 ? 1 : 2 + lcg(&seed) % 4;
		int cls = (int)(lcg(&seed) % K);

		for (size_t j = i; j < i + run && j < N; j++) {
			it[j].cls = cls;
			it[j].group = i;
			for (int b = 0; b < 16; b++)
				it[j].xxh3[b] = (uint8_t)lcg(&seed);
		}
		i += run;
	}
	return it;
}

UNIT_TEST(test_split_keeps_groups_whole_and_shares)
{
	struct split_item *it = make_items(1);
	long count[K][3] = { { 0 } }, total[K] = { 0 };
	const double share[3] = { 0.7, 0.2, 0.1 };

	assert_int_equal(split_assign(it, N, K, 0.2, 0.1, 42, NULL), 0);
	for (size_t i = 0; i < N; i++) {
		int alone = (i + 1 == N || it[i + 1].group != it[i].group) &&
			    (i == 0 || it[i - 1].group != it[i].group);

		assert_true(it[i].part <= SPLIT_TEST);
		count[it[i].cls][it[i].part]++;
		total[it[i].cls]++;
		assert_int_equal(it[i].group_no == 0, alone);
		if (i && it[i - 1].group == it[i].group) {
			assert_int_equal(it[i].part, it[i - 1].part);
			assert_int_equal(it[i].group_no, it[i - 1].group_no);
		} else if (i && !alone) {
			assert_true(it[i].group_no != it[i - 1].group_no);
		}
	}
	/* each class's parts within a group's size (5) of their shares */
	for (int c = 0; c < K; c++)
		for (int t = 0; t < 3; t++)
			assert_true(labs(count[c][t] - (long)(share[t] * (double)total[c] + 0.5)) <= 5);
	free(it);
}

UNIT_TEST(test_split_repeatable_from_the_seed)
{
	struct split_item *a = make_items(2), *b = make_items(2);
	size_t differ = 0;

	assert_int_equal(split_assign(a, N, K, 0.1, 0.1, 7, NULL), 0);
	assert_int_equal(split_assign(b, N, K, 0.1, 0.1, 7, NULL), 0);
	assert_memory_equal(a, b, N * sizeof(*a));
	assert_int_equal(split_assign(b, N, K, 0.1, 0.1, 8, NULL), 0);
	for (size_t i = 0; i < N; i++)
		differ += a[i].part != b[i].part;
	assert_true(differ > N / 20);
	free(a);
	free(b);
}

/* How groups are numbered by the caller does not matter, only which
 * items share one. */
UNIT_TEST(test_split_group_numbers_are_names_only)
{
	struct split_item *a = make_items(3), *b = make_items(3);

	for (size_t i = 0; i < N; i++)
		b[i].group = 1000000 - 3 * b[i].group;
	assert_int_equal(split_assign(a, N, K, 0.15, 0.15, 1, NULL), 0);
	assert_int_equal(split_assign(b, N, K, 0.15, 0.15, 1, NULL), 0);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(a[i].part, b[i].part);
		assert_int_equal(a[i].group_no, b[i].group_no);
	}
	free(a);
	free(b);
}

UNIT_TEST(test_split_no_shares_all_train)
{
	struct split_item *it = make_items(4);

	assert_int_equal(split_assign(it, N, K, 0, 0, 0, NULL), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(it[i].part, SPLIT_TRAIN);
	assert_int_equal(split_assign(it, 0, K, 0.1, 0.1, 0, NULL), 0);
	free(it);
}

UNIT_TEST(test_split_refuses_nonsense)
{
	struct split_item *it = make_items(5);
	struct wn_err err = { 0 };

	assert_int_equal(split_assign(it, N, K, 0.5, 0.5, 0, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(split_assign(it, N, K, -0.1, 0.1, 0, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	memset(&err, 0, sizeof(err));
	it[17].cls = K;
	assert_int_equal(split_assign(it, N, K, 0.1, 0.1, 0, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	free(it);
}
