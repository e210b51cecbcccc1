/* lib/derive's shared pieces: a walked source's names in one allocation
 * (with and without a class) and the catalog row of a file made whole. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive/internal.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)

static struct catalog *open_catalog(char **real)
{
	struct catalog *cat = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/winnow.db", fx_dir);
	assert_int_equal(catalog_open(path, CATALOG_CREATE, &cat, NULL), 0);
	*real = realpath(fx_dir, NULL);
	assert_non_null(*real);
	return cat;
}

UNIT_TEST(test_source_names_and_stamp)
{
	struct walk_entry e = { "IN/cats/a.jpg", "cats/a.jpg", "cats", { 0 } };
	struct derive_source s;
	struct wn_err err;
	char *real;
	struct catalog *cat = open_catalog(&real);

	e.st.st_size = 5;
	e.st.st_mtim.tv_sec = 7;
	e.st.st_mtim.tv_nsec = 9;
	assert_int_equal(derive_source_take(cat, real, &e, &s, &err), 0);
	assert_string_equal(s.path, "cats/a.jpg");   /* IN is the catalog's folder */
	assert_string_equal(s.disk, "IN/cats/a.jpg");
	assert_string_equal(s.rel, "cats/a.jpg");
	assert_string_equal(s.class_name, "cats");
	assert_int_equal(s.size, 5);
	assert_int_equal(s.mtime_ns, 7000000009LL);
	derive_source_release(&s);
	assert_null(s.path);
	assert_null(s.disk);

	e = (struct walk_entry){ "IN/b.png", "b.png", NULL, { 0 } };
	assert_int_equal(derive_source_take(cat, real, &e, &s, &err), 0);
	assert_string_equal(s.path, "b.png");
	assert_string_equal(s.disk, "IN/b.png");
	assert_string_equal(s.rel, "b.png");
	assert_null(s.class_name);
	derive_source_release(&s);
	catalog_close(cat);
	free(real);
}

UNIT_TEST(test_image_row)
{
	struct filehash h;
	struct image_row row;

	memset(&h, 0, sizeof(h));
	memset(h.full, 0xab, sizeof(h.full));
	memset(h.head, 0xcd, sizeof(h.head));
	memset(&row, 0x55, sizeof(row));
	derive_image_row(&row, "out/a.jpg", "cats", 42, 1234, &h);
	assert_string_equal(row.path, "out/a.jpg");
	assert_string_equal(row.class_name, "cats");
	assert_int_equal(row.size, 42);
	assert_int_equal(row.mtime_ns, 1234);
	assert_int_equal(row.has_xxh3, 1);
	assert_memory_equal(row.xxh3, h.full, 16);
	assert_memory_equal(row.head_xxh3, h.head, 16);
	assert_int_equal(row.status, IMAGE_OK);
	assert_int_equal(row.has_fingerprint, 0);   /* zeroed first */
	assert_null(row.format);
	assert_null(row.error);
}
