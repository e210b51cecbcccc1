/* Review decisions: each action undoes whole, and undoing one that
 * replaced earlier decisions (pending or applied) puts them back. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "catalog/db.h"
#include "catalog/images.h"
#include "catalog/merge.h"
#include "catalog/reviews.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static struct catalog *cat;
static int64_t img[4];

/* Images a/<from>.jpg .. a/<to - 1>.jpg in cat, their ids into img[]. */
static void add_images(int from, int to)
{
	struct wn_err err;

	for (int k = from; k < to; k++) {
		char name[32];
		struct image_row row = { 0 };

		snprintf(name, sizeof(name), "a/%d.jpg", k);
		row.path = name;
		row.class_name = "a";
		row.size = 100 + k;
		row.mtime_ns = 1;
		if (images_upsert(cat, &row, &img[k], &err))
			fail_msg("%s", err.msg);
	}
}

static void set(int k, enum review_decision d, const char *new_class, int64_t seq)
{
	struct review r = { .image_id = img[k], .queue = "suspects", .decision = d,
			    .new_class = new_class, .seq = seq };
	struct wn_err err;

	if (reviews_set(cat, &r, &err))
		fail_msg("%s", err.msg);
}

/* The decision on image k as "keep", "relabel:x", "-" (none), with "!"
 * after it when applied. */
static const char *get(int k)
{
	static char out[300];
	char queue[256], cls[256];
	struct review r;
	struct wn_err err;
	int found = reviews_get(cat, img[k], &r, queue, cls, &err);

	assert_true(found >= 0);
	if (!found)
		return "-";
	snprintf(out, sizeof(out), "%s%s%s%s", review_decision_name(r.decision),
		 r.new_class ? ":" : "", r.new_class ? r.new_class : "", r.applied_ms ? "!" : "");
	return out;
}

static int64_t undo(void)
{
	int64_t id = -1;
	struct wn_err err;

	if (reviews_undo(cat, &id, &err))
		fail_msg("%s", err.msg);
	return id;
}

UNIT_TEST(test_undo_puts_back_what_it_replaced)
{
	set(0, REVIEW_KEEP, NULL, 0);
	set(1, REVIEW_DELETE, NULL, 0);
	set(0, REVIEW_RELABEL, "b", 0);   /* replaces keep */
	set(0, REVIEW_DELETE, NULL, 0);   /* replaces relabel */
	assert_string_equal(get(0), "delete");
	assert_int_equal(undo(), img[0]);
	assert_string_equal(get(0), "relabel:b");
	assert_int_equal(undo(), img[0]);
	assert_string_equal(get(0), "keep");
	assert_string_equal(get(1), "delete");
	assert_int_equal(undo(), img[1]);
	assert_string_equal(get(1), "-");
	assert_int_equal(undo(), img[0]);
	assert_string_equal(get(0), "-");
	assert_int_equal(undo(), 0);
}

UNIT_TEST(test_a_group_undoes_whole)
{
	struct wn_err err;
	int64_t seq, id;

	set(2, REVIEW_KEEP, NULL, 0);
	assert_int_equal(reviews_next_seq(cat, &seq, &err), 0);
	set(2, REVIEW_DELETE, NULL, seq);  /* one group action over 2 and 3 */
	set(3, REVIEW_KEEP, NULL, seq);
	set(3, REVIEW_DELETE, NULL, seq);  /* the same action again: nothing kept */
	id = undo();
	assert_true(id == img[2] || id == img[3]);
	assert_string_equal(get(2), "keep");
	assert_string_equal(get(3), "-");
	assert_int_equal(undo(), img[2]);
	assert_int_equal(undo(), 0);
}

UNIT_TEST(test_an_applied_decision_comes_back_applied)
{
	struct wn_err err;

	set(1, REVIEW_RELABEL, "a", 0);
	assert_int_equal(reviews_mark_applied(cat, img[1], &err), 0);
	assert_string_equal(get(1), "relabel:a!");
	set(1, REVIEW_KEEP, NULL, 0);
	assert_string_equal(get(1), "keep");
	assert_int_equal(undo(), img[1]);
	assert_string_equal(get(1), "relabel:a!");
	assert_int_equal(undo(), 0);  /* applied: not undone */
}

/* A group action half applied: undo takes back the pending half and
 * leaves the applied member, and what that member's decision replaced,
 * alone. */
UNIT_TEST(test_undo_leaves_the_applied_half)
{
	struct wn_err err;
	int64_t seq;

	set(2, REVIEW_KEEP, NULL, 0);
	assert_int_equal(reviews_next_seq(cat, &seq, &err), 0);
	set(2, REVIEW_DELETE, NULL, seq);
	set(3, REVIEW_KEEP, NULL, seq);
	assert_int_equal(reviews_mark_applied(cat, img[2], &err), 0);
	assert_int_equal(undo(), img[3]);
	assert_string_equal(get(3), "-");
	assert_string_equal(get(2), "delete!");
	assert_int_equal(undo(), 0);
	/* a later decision on it, undone, brings the applied one back */
	set(2, REVIEW_SKIP, NULL, 0);
	assert_int_equal(undo(), img[2]);
	assert_string_equal(get(2), "delete!");
}

/* A shard's decisions merged in undo as they would have there: a
 * decision the shard replaced twice comes back step by step, and the one
 * the main catalog had before the merge comes back last. */
UNIT_TEST(test_merged_decisions_undo_alike)
{
	struct catalog *main_cat = cat;
	struct wn_err err;
	char path[256];
	int64_t here[4];

	memcpy(here, img, sizeof(here));
	set(0, REVIEW_SKIP, NULL, 0);  /* the main catalog's own actions */
	set(3, REVIEW_SKIP, NULL, 0);
	snprintf(path, sizeof(path), "%s/shard.db", fx_dir);
	if (catalog_open(path, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	add_images(2, 4);
	set(3, REVIEW_KEEP, NULL, 0);
	set(2, REVIEW_DELETE, NULL, 0);
	set(3, REVIEW_RELABEL, "b", 0);
	set(3, REVIEW_DELETE, NULL, 0);
	catalog_close(cat);
	cat = main_cat;
	memcpy(img, here, sizeof(img));
	if (catalog_merge(cat, path, &err))
		fail_msg("%s", err.msg);
	if (catalog_merge(cat, path, &err))  /* twice: nothing more */
		fail_msg("%s", err.msg);
	assert_string_equal(get(3), "delete");
	assert_int_equal(undo(), img[3]);
	assert_string_equal(get(3), "relabel:b");
	assert_int_equal(undo(), img[3]);
	assert_string_equal(get(3), "keep");
	assert_int_equal(undo(), img[2]);
	assert_string_equal(get(2), "delete!");  /* as it was here: applied */
	assert_int_equal(undo(), img[3]);
	assert_string_equal(get(3), "skip");     /* the main catalog's own */
	assert_int_equal(undo(), img[3]);
	assert_string_equal(get(3), "-");
	assert_int_equal(undo(), img[0]);
	assert_int_equal(undo(), 0);
}

static int setup(void **state)
{
	struct wn_err err;
	char path[256];

	fx_dir_setup(state);
	snprintf(path, sizeof(path), "%s/winnow.db", fx_dir);
	if (catalog_open(path, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	add_images(0, 4);
	return 0;
}

static int teardown(void **state)
{
	catalog_close(cat);
	return fx_dir_teardown(state);
}

UNIT_GROUP(setup, teardown)
