/* Dataset-confined paths: what a catalog row names is reached only below
 * the root, never through a symlink or "..", and the action uses the
 * folder descriptor the resolution checked. Real folders and links. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/dspath.h"
#include "base/fileio.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static int root = -1;

static void at(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", fx_dir, rel);
}

static void put(const char *rel, const char *text)
{
	char p[512];

	at(p, sizeof(p), rel);
	fx_write(p, text, strlen(text));
}

static void mk(const char *rel)
{
	char p[512];

	at(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void link_to(const char *target, const char *rel)
{
	char p[512];

	at(p, sizeof(p), rel);
	assert_int_equal(symlink(target, p), 0);
}

static int exists(const char *rel)
{
	char p[512];
	struct stat st;

	at(p, sizeof(p), rel);
	return lstat(p, &st) == 0;
}

/* Resolving rel fails with errno e and nothing left open. */
static void refused(const char *rel, unsigned flags, int e)
{
	struct dspath p = DSPATH_INIT;
	struct wn_err err = { 0 };

	errno = 0;
	assert_int_equal(dspath_resolve(root, rel, flags, &p, &err), -1);
	assert_int_equal(errno, e);
	assert_int_equal(p.dir, -1);
	assert_non_null(strchr(err.msg, ':'));
}

UNIT_TEST(test_plain)
{
	struct dspath p = DSPATH_INIT;
	struct stat st;
	struct wn_err err;

	assert_int_equal(dspath_resolve(root, "cats/a/x.jpg", 0, &p, &err), 0);
	assert_string_equal(p.name, "x.jpg");
	assert_int_equal(dspath_stat(&p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	dspath_release(&p);
	dspath_release(&p);  /* twice is fine */
	assert_int_equal(dspath_resolve(root, "top.jpg", 0, &p, &err), 0);
	assert_int_not_equal(p.dir, root);  /* a copy: releasing keeps the root */
	assert_int_equal(fcntl(p.dir, F_GETFD), FD_CLOEXEC);
	dspath_release(&p);
	assert_int_equal(fcntl(root, F_GETFD), FD_CLOEXEC);
	/* bytes that are not UTF-8 are names like any other */
	assert_int_equal(dspath_resolve(root, "\xff/y.jpg", 0, &p, &err), 0);
	assert_int_equal(dspath_stat(&p, &st), 0);
	dspath_release(&p);
}

UNIT_TEST(test_unsafe_text)
{
	char name[300], path[5000];

	refused("../outside/secret", 0, EINVAL);
	refused("cats/../../outside/secret", 0, EINVAL);
	refused("cats/..", 0, EINVAL);
	refused("..", 0, EINVAL);
	refused("./top.jpg", 0, EINVAL);
	refused("cats/./a/x.jpg", 0, EINVAL);
	refused("/etc/passwd", 0, EINVAL);
	refused("", 0, EINVAL);
	refused("cats//a/x.jpg", 0, EINVAL);
	refused("cats/a/", 0, EINVAL);
	refused("../x", DSPATH_MKDIRS, EINVAL);
	assert_false(exists("x"));
	memset(name, 'n', 256);
	name[256] = '\0';
	refused(name, 0, ENAMETOOLONG);
	snprintf(path, sizeof(path), "cats/%s/x", name);
	refused(path, 0, ENAMETOOLONG);
	name[255] = '\0';  /* 255 bytes: a name, though not there */
	snprintf(path, sizeof(path), "%s/x", name);
	refused(path, 0, ENOENT);
	memset(path, 'a', 4096);
	for (int i = 1; i < 4096; i += 2)
		path[i] = '/';
	path[4096] = '\0';
	refused(path, 0, ENAMETOOLONG);
	assert_int_equal(dspath_name_ok("a\0b", 3), 0);
	assert_int_equal(dspath_name_ok("a/b", 3), 0);
	assert_int_equal(dspath_name_ok("...", 3), 1);
	assert_int_equal(dspath_name_ok(".hidden", 7), 1);
}

UNIT_TEST(test_symlinks)
{
	struct dspath p = DSPATH_INIT;
	struct stat st;
	struct wn_err err;
	char target[512];

	at(target, sizeof(target), "outside");
	/* a symlink in the middle, absolute or relative, to a folder */
	link_to(target, "root/cats/abs");
	link_to("../../outside", "root/cats/rel");
	refused("cats/abs/secret", 0, ELOOP);
	refused("cats/rel/secret", 0, ELOOP);
	refused("cats/abs/new/f", DSPATH_MKDIRS, ELOOP);
	assert_false(exists("outside/new"));
	/* the first level too */
	link_to(target, "root/dogs");
	refused("dogs/secret", 0, ELOOP);
	/* at the end: resolved (the name is not followed), but never opened */
	link_to("../../outside/secret", "root/cats/last.jpg");
	assert_int_equal(dspath_resolve(root, "cats/last.jpg", 0, &p, &err), 0);
	assert_int_equal(dspath_stat(&p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	dspath_release(&p);
	errno = 0;
	assert_int_equal(dspath_open_file(root, "cats/last.jpg", &st, &err), -1);
	assert_int_equal(errno, ELOOP);
	assert_non_null(strstr(err.msg, "symbolic link"));
	/* a file where a folder should be */
	refused("top.jpg/x", 0, ENOTDIR);
	/* a FIFO is not a file, and opening it does not hang */
	{
		char f[512];

		at(f, sizeof(f), "root/fifo");
		assert_int_equal(mkfifo(f, 0644), 0);
		errno = 0;
		assert_int_equal(dspath_open_file(root, "fifo", &st, &err), -1);
		assert_int_equal(errno, EINVAL);
	}
}

UNIT_TEST(test_open_file)
{
	struct stat st;
	struct wn_err err;
	uint8_t *buf;
	size_t len;
	int fd;

	fd = dspath_open_file(root, "cats/a/x.jpg", &st, &err);
	assert_true(fd >= 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(read_fd_limited(fd, "x", 100, &buf, &len, &err), 0);
	assert_memory_equal(buf, "xjpeg", 5);
	free(buf);
	close(fd);
	assert_int_equal(dspath_open_file(root, "cats/a/none.jpg", &st, &err), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dspath_open_file(root, "cats", &st, &err), -1);
	assert_int_equal(errno, EINVAL);
}

/* The action uses the descriptor: a folder swapped for a symlink after
 * the resolution cannot send it elsewhere. */
UNIT_TEST(test_swap_after_resolution)
{
	struct dspath p = DSPATH_INIT;
	struct wn_err err;
	char a[512], b[512], target[512];

	mk("root/swap");
	put("root/swap/victim.jpg", "mine");
	put("outside/victim.jpg", "theirs");
	assert_int_equal(dspath_resolve(root, "swap/victim.jpg", 0, &p, &err), 0);
	at(a, sizeof(a), "root/swap");
	at(b, sizeof(b), "root/swap.old");
	at(target, sizeof(target), "outside");
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(symlink(target, a), 0);
	assert_int_equal(unlinkat(p.dir, p.name, 0), 0);
	dspath_release(&p);
	assert_true(exists("outside/victim.jpg"));
	assert_false(exists("root/swap.old/victim.jpg"));
}

UNIT_TEST(test_mkdirs_and_move)
{
	struct dspath s = DSPATH_INIT, d = DSPATH_INIT;
	struct wn_err err;
	char p[512];
	int t;

	put("root/m.jpg", "move me");
	refused("new/deeper/m.jpg", 0, ENOENT);
	assert_false(exists("root/new"));
	assert_int_equal(dspath_resolve(root, "m.jpg", 0, &s, &err), 0);
	assert_int_equal(dspath_resolve(root, "new/deeper/m.jpg", DSPATH_MKDIRS, &d, &err), 0);
	assert_true(exists("root/new/deeper"));
	put("root/new/deeper/taken.jpg", "taken");
	assert_int_equal(move_at(s.dir, s.name, d.dir, "taken.jpg", &err), -1);
	assert_string_equal(err.msg, "taken.jpg already exists");
	assert_int_equal(move_at(s.dir, s.name, d.dir, d.name, &err), 0);
	assert_true(exists("root/new/deeper/m.jpg"));
	assert_false(exists("root/m.jpg"));
	dspath_release(&s);
	dspath_release(&d);
	/* a root made on demand */
	at(p, sizeof(p), "trash/a/b");
	t = dspath_open_root(p, 1, &err);
	assert_true(t >= 0);
	close(t);
	at(p, sizeof(p), "nothere");
	assert_int_equal(dspath_open_root(p, 0, &err), -1);
	assert_non_null(strstr(err.msg, "nothere"));
}

/* Across file systems (a tmpfs, when there is one): copied, synced, the
 * source unlinked; never over a name, never through a symlink. */
UNIT_TEST(test_move_across)
{
	struct stat a, b;
	struct wn_err err;
	char *shm;
	int d;

	if (stat("/dev/shm", &b) || stat(fx_dir, &a) || a.st_dev == b.st_dev)
		skip();
	shm = fx_tempdir_in("/dev/shm", "dspath");
	d = dspath_open_root(shm, 0, &err);
	assert_true(d >= 0);
	put("root/far.jpg", "far away");
	assert_int_equal(move_at(root, "far.jpg", d, "far.jpg", &err), 0);
	assert_false(exists("root/far.jpg"));
	put("root/far.jpg", "again");
	assert_int_equal(move_at(root, "far.jpg", d, "far.jpg", &err), -1);
	assert_string_equal(err.msg, "far.jpg already exists");
	assert_true(exists("root/far.jpg"));
	link_to("../outside/secret", "root/link.jpg");
	assert_int_equal(move_at(root, "link.jpg", d, "link.jpg", &err), -1);
	assert_int_equal(fstatat(d, "link.jpg", &b, AT_SYMLINK_NOFOLLOW), -1);
	{
		int fd = openat(d, "far.jpg", O_RDONLY);
		char buf[16] = { 0 };

		assert_true(fd >= 0);
		assert_int_equal(read(fd, buf, sizeof(buf)), 8);
		assert_string_equal(buf, "far away");
		close(fd);
	}
	unlinkat(d, "far.jpg", 0);
	close(d);
	rmdir(shm);
	free(shm);
}

static int setup(void **state)
{
	char p[512];
	struct wn_err err;

	fx_dir_setup(state);
	mk("root");
	mk("outside");
	mk("root/cats");
	mk("root/cats/a");
	mk("root/\xff");
	put("root/cats/a/x.jpg", "xjpeg");
	put("root/top.jpg", "top");
	put("root/\xff/y.jpg", "y");
	put("outside/secret", "secret");
	at(p, sizeof(p), "root");
	root = dspath_open_root(p, 0, &err);
	return root < 0;
}

static int teardown(void **state)
{
	close(root);
	return fx_dir_teardown(state);
}

UNIT_GROUP(setup, teardown)
