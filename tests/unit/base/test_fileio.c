/* Whole-file reads with limits, atomic writes, and error messages. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"


UNIT_TEST(test_read_limits)
{
	char path[128];
	uint8_t *buf;
	size_t len;
	struct wn_err err;

	snprintf(path, sizeof(path), "%s/f", fx_dir);
	fx_write(path, "0123456789", 10);
	assert_int_equal(read_file_limited(path, 10, &buf, &len, NULL), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, "0123456789", 10);
	free(buf);
	assert_int_equal(read_file_limited(path, 9, &buf, &len, &err), -1);
	assert_int_equal(err.code, WN_ELIMIT);
	assert_null(buf);
	assert_string_equal(wn_err_cause(&err, path), "10 bytes is over the limit of 9");
	fx_write(path, "", 0);
	assert_int_equal(read_file_limited(path, 9, &buf, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_non_null(buf);
	free(buf);
	assert_int_equal(read_file_limited(fx_dir, 9, &buf, &len, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
}

UNIT_TEST(test_atomic_write)
{
	char path[128];
	uint8_t *buf;
	size_t len;
	struct wn_err err;
	DIR *d;
	struct dirent *de;
	int entries = 0;

	snprintf(path, sizeof(path), "%s/out.jpg", fx_dir);
	assert_int_equal(write_file_atomic(path, "first", 5, 1, NULL), 0);
	assert_int_equal(write_file_atomic(path, "second", 6, 0, NULL), 0);
	assert_int_equal(read_file_limited(path, 100, &buf, &len, NULL), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(buf, "second", 6);
	free(buf);
	/* Writing into a missing folder fails and leaves nothing behind. */
	snprintf(path, sizeof(path), "%s/no/such/out.jpg", fx_dir);
	assert_int_equal(write_file_atomic(path, "x", 1, 1, &err), -1);
	assert_int_equal(err.code, WN_EIO);
	d = opendir(fx_dir);
	while ((de = readdir(d)))
		if (strstr(de->d_name, "winnow-tmp"))
			entries++;
	closedir(d);
	assert_int_equal(entries, 0);
}

/* Entries in folder d, but "." and "..". */
static int count_entries(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	assert_non_null(dd);
	while ((de = readdir(dd)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(dd);
	return n;
}

/* Written relative to a folder descriptor: new, replaced (no temporary
 * left), and a symlink at the name refused with its target untouched. */
UNIT_TEST(test_atomic_write_at)
{
	char path[160], target[160];
	uint8_t *buf;
	size_t len;
	struct wn_err err;
	struct stat st;
	int d;

	snprintf(path, sizeof(path), "%s/at", fx_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	d = open(path, O_PATH | O_DIRECTORY);
	assert_true(d >= 0);
	assert_int_equal(write_file_atomic_at(d, "a.jpg", NULL, "one", 3, 0, &err), 0);
	assert_int_equal(write_file_atomic_at(d, "a.jpg", NULL, "two!", 4, 1, &err), 0);
	snprintf(path, sizeof(path), "%s/at/a.jpg", fx_dir);
	assert_int_equal(read_file_limited(path, 100, &buf, &len, NULL), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "two!", 4);
	free(buf);
	snprintf(target, sizeof(target), "%s/outside.jpg", fx_dir);
	fx_write(target, "theirs", 6);
	assert_int_equal(symlinkat(target, d, "link.jpg"), 0);
	assert_int_equal(write_file_atomic_at(d, "link.jpg", "at/link.jpg", "x", 1, 0, &err), -1);
	assert_string_equal(err.msg, "at/link.jpg: a symbolic link, not replaced");
	assert_int_equal(fstatat(d, "link.jpg", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(read_file_limited(target, 100, &buf, &len, NULL), 0);
	assert_memory_equal(buf, "theirs", 6);
	free(buf);
	snprintf(path, sizeof(path), "%s/at", fx_dir);
	assert_int_equal(count_entries(path), 2);  /* a.jpg, link.jpg: no temporary */
	close(d);
}

/* A move across file systems killed halfway through its copy (SIGXFSZ
 * at the size limit, as a kill would come) leaves the source whole and
 * nothing under the destination's name: the copy is named only once
 * complete. */
UNIT_TEST(test_move_killed_midway)
{
	char src[160], dst[160], *other = fx_tempdir_in("/dev/shm", "fileio");
	static uint8_t data[256 << 10];
	struct stat a, b;
	int status;
	pid_t pid;

	assert_int_equal(stat(fx_dir, &a), 0);
	assert_int_equal(stat(other, &b), 0);
	assert_true(a.st_dev != b.st_dev);
	snprintf(src, sizeof(src), "%s/whole", fx_dir);
	snprintf(dst, sizeof(dst), "%s/whole", other);
	memset(data, 9, sizeof(data));
	fx_write(src, data, sizeof(data));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit lim = { 100 << 10, 100 << 10 }, core = { 0, 0 };
		struct wn_err err;

		setrlimit(RLIMIT_CORE, &core);
		signal(SIGXFSZ, SIG_DFL);
		setrlimit(RLIMIT_FSIZE, &lim);
		move_file(src, dst, &err);
		_exit(0);  /* not reached: the copy's write is killed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	assert_int_equal(lstat(dst, &b), -1);
	assert_int_equal(stat(src, &a), 0);
	assert_int_equal(a.st_size, (off_t)sizeof(data));
	assert_int_equal(count_entries(other), 0);
	unlink(src);
	fx_rmtree(other);
}

UNIT_TEST(test_err_helpers)
{
	struct wn_err err;
	char longpath[1000];

	wn_fail(&err, WN_ECORRUPT, "corrupt %s", "JPEG");
	wn_err_prefix(&err, "train/x.jpg");
	assert_string_equal(err.msg, "train/x.jpg: corrupt JPEG");
	assert_string_equal(wn_err_cause(&err, "train/x.jpg"), "corrupt JPEG");
	assert_string_equal(wn_err_cause(&err, "other"), err.msg);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	wn_err_prefix(&err, longpath);  /* truncated, still terminated */
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_string_equal(wn_code_name(WN_ELIMIT), "limit");
	assert_int_equal(wn_fail(NULL, WN_EIO, "ignored"), -1);
}

UNIT_TEST(test_strbuf)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	assert_string_equal(sb.buf, "");
	strbuf_setlen(&sb, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(strbuf_addf(&sb, "%d,", i), 0);
	assert_int_equal(sb.len, 3890);
	strbuf_setlen(&sb, 4);
	assert_string_equal(sb.buf, "0,1,");
	assert_int_equal(strbuf_add(&sb, "a\0b", 3), 0);
	assert_int_equal(sb.len, 7);
	s = strbuf_detach(&sb);
	assert_memory_equal(s, "0,1,a\0b", 8);
	free(s);
	assert_string_equal(sb.buf, "");
	s = strbuf_detach(&sb);
	assert_string_equal(s, "");
	free(s);
}

/* A move across file systems that runs out of room names the cause and the
 * file, leaves the source and no partial copy. RLIMIT_FSIZE stands in for a
 * full disk: the copy's write comes back short, as it does with ENOSPC. */
UNIT_TEST(test_move_short_write)
{
	char src[160], dst[160], *other = fx_tempdir_in("/dev/shm", "fileio");
	static uint8_t data[256 << 10];
	struct rlimit old, lim;
	struct stat a, b;
	struct wn_err err;
	int r;

	assert_int_equal(stat(fx_dir, &a), 0);
	assert_int_equal(stat(other, &b), 0);
	assert_true(a.st_dev != b.st_dev);  /* the move must cross file systems */
	snprintf(src, sizeof(src), "%s/big", fx_dir);
	snprintf(dst, sizeof(dst), "%s/big", other);
	memset(data, 7, sizeof(data));
	fx_write(src, data, sizeof(data));
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100 << 10;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = move_file(src, dst, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, dst));
	assert_non_null(strstr(err.msg, "File too large"));
	assert_null(strstr(err.msg, "cross-device"));
	assert_int_equal(stat(src, &a), 0);
	assert_int_equal(a.st_size, (off_t)sizeof(data));
	assert_int_equal(lstat(dst, &b), -1);
	assert_int_equal(count_entries(other), 0);  /* no temporary copy either */
	assert_int_equal(move_file(src, dst, &err), 0);  /* with room, it moves */
	assert_int_equal(stat(dst, &b), 0);
	assert_int_equal(b.st_size, (off_t)sizeof(data));
	assert_int_equal(lstat(src, &a), -1);
	unlink(dst);
	fx_rmtree(other);
}

/* A FIFO where a file was, moved across file systems: refused at once,
 * never a hang in open() waiting for a writer (alarm: the old code hung). */
UNIT_TEST(test_move_fifo)
{
	char src[160], dst[160], *other = fx_tempdir_in("/dev/shm", "fifo");
	struct wn_err err;
	struct stat st;

	snprintf(src, sizeof(src), "%s/pipe.jpg", fx_dir);
	snprintf(dst, sizeof(dst), "%s/pipe.jpg", other);
	assert_int_equal(mkfifo(src, 0644), 0);
	alarm(10);
	assert_int_equal(move_file(src, dst, &err), -1);
	alarm(0);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(lstat(src, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(lstat(dst, &st), -1);
	unlink(src);
	fx_rmtree(other);
}

/* A copy into a folder: the bytes from where the source stands, never
 * over an existing name, no temporary left either way. */
UNIT_TEST(test_copy_fd_at)
{
	char src[160], dir[160];
	uint8_t *buf;
	size_t len;
	struct wn_err err;
	int in, d;

	snprintf(src, sizeof(src), "%s/copysrc", fx_dir);
	snprintf(dir, sizeof(dir), "%s/copies", fx_dir);
	fx_write(src, "0123456789", 10);
	assert_int_equal(mkdir(dir, 0755), 0);
	in = open(src, O_RDONLY);
	d = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(in >= 0 && d >= 0);
	assert_int_equal(lseek(in, 4, SEEK_SET), 4);
	assert_int_equal(copy_fd_at(in, src, d, "c", NULL, 0, NULL), 0);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	assert_int_equal(copy_fd_at(in, src, d, "c", "shown/c", 1, &err), -1);
	assert_string_equal(err.msg, "shown/c already exists");
	assert_int_equal(count_entries(dir), 1);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/c");
	assert_int_equal(read_file_limited(dir, 99, &buf, &len, NULL), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(buf, "456789", 6);
	free(buf);
	close(in);
	close(d);
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
