/* A folder swapped in whole: made, replaced, refused when it is not one
 * winnow made, cleaned up after killed runs but not after running ones,
 * and never followed through a symlink when removed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/fileio.h"
#include "base/stage.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

#define MARK ".winnow-test"

/* fx_dir/rel, in one of four buffers that take turns. */
static char *at(const char *rel)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, 256, "%s/%s", fx_dir, rel);
	return p;
}

static int exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* The entries of dir whose names hold ".winnow-tmp.". */
static int hidden_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".winnow-tmp.") != NULL;
	closedir(d);
	return n;
}

/* A stage for out holding one file, name, committed. */
static void build(const char *out, const char *name)
{
	struct stage st;

	assert_int_equal(stage_begin(&st, out, MARK, "run\n", NULL), 0);
	assert_int_equal(write_file_atomic_at(st.dir, name, NULL, "x", 1, 0, NULL), 0);
	assert_int_equal(stage_commit(&st, NULL), 0);
}

UNIT_TEST(test_made_then_replaced)
{
	char *out = at("made/deep/out");
	uint8_t *buf;
	size_t len;

	build(out, "first");
	assert_true(exists(at("made/deep/out/first")));
	assert_int_equal(read_file_limited(at("made/deep/out/" MARK), 99, &buf, &len, NULL), 0);
	assert_memory_equal(buf, "run\n", 4);
	free(buf);
	build(out, "second");
	assert_true(exists(at("made/deep/out/second")));
	assert_false(exists(at("made/deep/out/first")));
	assert_int_equal(hidden_in(at("made/deep")), 0);
	/* a trailing slash names the same folder */
	build(at("made/deep/out/"), "third");
	assert_true(exists(at("made/deep/out/third")));
	assert_int_equal(hidden_in(at("made/deep")), 0);
}

UNIT_TEST(test_foreign_folder_refused)
{
	struct stage st;
	struct wn_err err;

	assert_int_equal(mkdir(at("theirs"), 0755), 0);
	fx_write(at("theirs/keep.txt"), "mine", 4);
	assert_int_equal(stage_begin(&st, at("theirs"), MARK, "run\n", &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	assert_non_null(strstr(err.msg, "theirs: not empty and not made by winnow (no " MARK
				")"));
	assert_true(exists(at("theirs/keep.txt")));
	assert_int_equal(hidden_in(fx_dir), 0);
	/* a file, not a folder */
	assert_int_equal(stage_begin(&st, at("theirs/keep.txt"), MARK, "", &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	/* an empty folder is replaced */
	assert_int_equal(mkdir(at("empty"), 0755), 0);
	build(at("empty"), "f");
	assert_true(exists(at("empty/f")));
}

UNIT_TEST(test_abort_leaves_out)
{
	struct stage st;

	build(at("ab"), "old");
	assert_int_equal(stage_begin(&st, at("ab"), MARK, "run\n", NULL), 0);
	assert_int_equal(write_file_atomic_at(st.dir, "new", NULL, "x", 1, 0, NULL), 0);
	assert_int_equal(hidden_in(fx_dir), 1);
	stage_abort(&st);
	stage_abort(&st);  /* a released stage is fine */
	assert_true(exists(at("ab/old")));
	assert_false(exists(at("ab/new")));
	assert_int_equal(hidden_in(fx_dir), 0);
}

UNIT_TEST(test_leftovers_of_killed_runs)
{
	char dead[256], busy[256], alien[256];
	int fd;

	strcpy(dead, at("lo/.out.winnow-tmp.AAAAAA"));
	strcpy(busy, at("lo/.out.winnow-tmp.BBBBBB"));
	strcpy(alien, at("lo/.out.winnow-tmp.CCCCCC"));
	assert_int_equal(mkdir(at("lo"), 0755), 0);
	/* a killed run's: the marker and half a split */
	assert_int_equal(mkdir(dead, 0755), 0);
	fx_write(at("lo/.out.winnow-tmp.AAAAAA/" MARK), "run\n", 4);
	fx_write(at("lo/.out.winnow-tmp.AAAAAA/half"), "x", 1);
	/* a running one's: locked */
	assert_int_equal(mkdir(busy, 0755), 0);
	fx_write(at("lo/.out.winnow-tmp.BBBBBB/" MARK), "run\n", 4);
	fd = open(busy, O_RDONLY | O_DIRECTORY);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	/* named so, but not winnow's */
	assert_int_equal(mkdir(alien, 0755), 0);
	fx_write(at("lo/.out.winnow-tmp.CCCCCC/keep"), "x", 1);
	build(at("lo/out"), "f");
	assert_false(exists(dead));
	assert_true(exists(at("lo/.out.winnow-tmp.BBBBBB/" MARK)));
	assert_true(exists(at("lo/.out.winnow-tmp.CCCCCC/keep")));
	close(fd);
}

UNIT_TEST(test_symlinks)
{
	struct stage st;

	/* out a symlink: the folder it names is replaced, the link kept */
	build(at("real"), "old");
	assert_int_equal(symlink("real", at("link")), 0);
	build(at("link"), "new");
	assert_true(exists(at("real/new")));
	assert_false(exists(at("real/old")));
	assert_true(exists(at("link/new")));
	/* a symlink inside the old folder is removed, not followed */
	assert_int_equal(mkdir(at("precious"), 0755), 0);
	fx_write(at("precious/data"), "x", 1);
	assert_int_equal(stage_begin(&st, at("real"), MARK, "run\n", NULL), 0);
	assert_int_equal(symlinkat(at("precious"), st.dir, "to"), 0);
	assert_int_equal(mkdirat(st.dir, "sub", 0755), 0);
	assert_int_equal(symlinkat(at("precious/data"), st.dir, "sub/file"), 0);
	assert_int_equal(stage_commit(&st, NULL), 0);
	build(at("real"), "last");
	assert_true(exists(at("precious/data")));
	assert_false(exists(at("real/to")));
	assert_int_equal(hidden_in(fx_dir), 0);
}

UNIT_TEST(test_holds_marker)
{
	struct stage st;

	build(at("hm"), "f");
	assert_int_equal(stage_holds_marker(at("hm"), MARK), 1);
	assert_int_equal(stage_holds_marker(at("hm/f"), MARK), 0);
	assert_int_equal(stage_holds_marker(at("nosuch"), MARK), 0);
	assert_int_equal(mkdir(at("hm2"), 0755), 0);
	assert_int_equal(mkdir(at("hm2/" MARK), 0755), 0);
	assert_int_equal(stage_holds_marker(at("hm2"), MARK), 0);
	/* a folder by the marker's name is no marker */
	fx_write(at("hm2/" MARK "/f"), "x", 1);
	assert_int_equal(stage_begin(&st, at("hm2"), MARK, "", NULL), -1);
	assert_true(exists(at("hm2/" MARK "/f")));
}

/* A file system without renameat2()'s flags, as seen by this process:
 * a seccomp filter answers EINVAL to renameat2 with any of flags (its
 * fifth argument's low word: little-endian). @return 0, or -1 where no
 * filter can be set. */
static int refuse_rename_flags(unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_renameat2, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[4])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, flags, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* build() of out in a child whose renameat2 refuses flags. @return the
 * child's exit status: 0 built, 1 stage_begin or stage_commit failed, 2
 * no seccomp filter here. */
static int build_refusing(const char *out, const char *name, unsigned flags)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct stage st;

		if (refuse_rename_flags(flags))
			_exit(2);
		/* the filter holds: an exchange now fails as on such a file system */
		if (flags & RENAME_EXCHANGE && (!renameat2(AT_FDCWD, "/nonexistent-a", AT_FDCWD,
							   "/nonexistent-b", RENAME_EXCHANGE) ||
						errno != EINVAL))
			_exit(3);
		if (stage_begin(&st, out, MARK, "run\n", NULL) ||
		    write_file_atomic_at(st.dir, name, NULL, "x", 1, 0, NULL) ||
		    stage_commit(&st, NULL))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Where the file system has no RENAME_EXCHANGE (and no NOREPLACE either),
 * out is renamed aside, the new folder renamed in, the old one removed. */
UNIT_TEST(test_without_exchange)
{
	int rc;

	build(at("nx"), "old");
	rc = build_refusing(at("nx"), "new", RENAME_EXCHANGE);
	if (rc == 2) {
		printf("# skipped: no seccomp filter here\n");
		return;
	}
	assert_int_equal(rc, 0);
	assert_true(exists(at("nx/new")));
	assert_false(exists(at("nx/old")));
	assert_int_equal(hidden_in(fx_dir), 0);
	assert_int_equal(build_refusing(at("nx"), "newer", RENAME_EXCHANGE | RENAME_NOREPLACE), 0);
	assert_true(exists(at("nx/newer")));
	assert_false(exists(at("nx/new")));
	assert_int_equal(build_refusing(at("nx2"), "first", RENAME_EXCHANGE | RENAME_NOREPLACE), 0);
	assert_true(exists(at("nx2/first")));
	assert_int_equal(hidden_in(fx_dir), 0);
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
