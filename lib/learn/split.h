/* Splitting a dataset into train, validation and test: stratified by
 * class, with every group (of copies, say) whole in one split, so that no
 * validation or test image has a member of its group in train. */
#ifndef WINNOW_LEARN_SPLIT_H
#define WINNOW_LEARN_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum split_part { SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST };

struct split_item {
	/* in */
	int cls;                  /* its class, 0..k-1 */
	size_t group;             /* shared by the members of its group and
				   * by no other image (e.g. a member's index) */
	uint8_t xxh3[16];         /* its file's hash: a group's place in the
				   * seeded order is drawn from the hash of
				   * its first member (lowest index) */
	/* out */
	enum split_part part;
	size_t group_no;          /* 0 alone, else 1, 2, ... by group, in the
				   * order groups were placed */
};

/*
 * split_assign() : places each of the n items in a part. Groups go one by
 * one, largest first, then in an order drawn from seed and their hashes,
 * each to the part whose classes most lack what the group holds, relative
 * to each part's share (1 - val - test, val, test); ties go to test, then
 * val, then train. The same items and seed give the same parts.
 * @return 0, or -1 with err set (WN_EINVAL: a class outside 0..k-1, or
 * shares outside [0, 1) or summing to 1 or more; WN_ENOMEM).
 */
int split_assign(struct split_item *items, size_t n, int k, double val, double test,
		 uint64_t seed, struct wn_err *err);

#endif
