/* Walking ROOT/<class>/...: order, classes, hidden files, symlinks, the
 * catalog, and hostile names. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/walk.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static char *root;

struct seen {
	struct strbuf list;  /* "rel|class\n" per file */
	int stop_after;
	int count;
};

static int collect(const struct walk_entry *e, void *data)
{
	struct seen *s = data;

	strbuf_addf(&s->list, "%s|%s\n", e->rel, e->class_name ? e->class_name : "-");
	s->count++;
	return s->stop_after && s->count == s->stop_after ? 7 : 0;
}

static void touch(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fx_write(path, "x", 1);
}

static void mk(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	char a[512], b[512];

	(void)state;
	root = fx_tempdir("walk");
	mk("cats");
	mk("cats/sub");
	mk("dogs");
	mk(".cache");
	touch("cats/x.jpg");
	touch("cats/sub/y.jpg");
	touch("cats/.hidden.jpg");
	touch("dogs/name with space's.jpg");
	touch("dogs/new\nline.jpg");
	touch("dogs/\xff\xfe-latin1.jpg");
	touch(".cache/z.jpg");
	touch("top.jpg");
	touch("winnow.db");
	touch("winnow.db-wal");
	touch("dogs/winnow.db-shm");
	snprintf(a, sizeof(a), "%s/cats", root);
	snprintf(b, sizeof(b), "%s/linked", root);
	if (symlink(a, b))
		return -1;
	snprintf(a, sizeof(a), "%s/cats/x.jpg", root);
	snprintf(b, sizeof(b), "%s/dogs/link.jpg", root);
	return symlink(a, b);
}

static int teardown(void **state)
{
	(void)state;
	fx_rmtree(root);
	return 0;
}

UNIT_TEST(test_walk_order_classes_and_skips)
{
	struct seen s = { STRBUF_INIT, 0, 0 };
	struct walk_opts o = { 0 };
	struct stat st;
	char db[512];

	snprintf(db, sizeof(db), "%s/winnow.db", root);
	assert_int_equal(stat(db, &st), 0);
	o.skip_dev = st.st_dev;
	o.skip_ino = st.st_ino;
	o.skip_base = "winnow.db";
	assert_int_equal(walk_tree(root, &o, collect, &s, NULL), 0);
	assert_string_equal(s.list.buf,
			    "cats/sub/y.jpg|cats\n"
			    "cats/x.jpg|cats\n"
			    "dogs/name with space's.jpg|dogs\n"
			    "dogs/new\nline.jpg|dogs\n"
			    "dogs/\xff\xfe-latin1.jpg|dogs\n"
			    "top.jpg|-\n");
	strbuf_release(&s.list);
}

UNIT_TEST(test_walk_stops_and_errors)
{
	struct seen s = { STRBUF_INIT, 2, 0 };
	struct walk_opts o = { 0 };
	struct wn_err err;

	assert_int_equal(walk_tree(root, &o, collect, &s, NULL), 7);
	assert_int_equal(s.count, 2);
	strbuf_release(&s.list);
	assert_int_equal(walk_tree("/nonexistent-root", &o, collect, &s, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent-root"));
}

/* Without skip settings the catalog files are ordinary files. */
UNIT_TEST(test_walk_paths_join_root)
{
	struct seen s = { STRBUF_INIT, 0, 0 };
	struct walk_opts o = { 0 };
	char withslash[512];

	snprintf(withslash, sizeof(withslash), "%s/", root);
	assert_int_equal(walk_tree(withslash, &o, collect, &s, NULL), 0);
	assert_non_null(strstr(s.list.buf, "winnow.db|-\n"));
	assert_non_null(strstr(s.list.buf, "winnow.db-wal|-\n"));
	assert_non_null(strstr(s.list.buf, "dogs/winnow.db-shm|dogs\n"));
	assert_null(strstr(s.list.buf, "linked"));
	assert_null(strstr(s.list.buf, "link.jpg"));
	strbuf_release(&s.list);
}

UNIT_GROUP(setup, teardown)
