/* Whole-file reads with a size cap, and atomic whole-file writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "strbuf.h"

ssize_t read_full(int fd, void *buf, size_t want)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < want) {
		ssize_t n = read(fd, p + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int read_file_limited(const char *path, size_t max_bytes, uint8_t **out, size_t *len,
		      struct wn_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), ret;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
	ret = read_fd_limited(fd, path, max_bytes, out, len, err);
	close(fd);
	return ret;
}

int read_fd_limited(int fd, const char *path, size_t max_bytes, uint8_t **out, size_t *len,
		    struct wn_err *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t size;
	ssize_t n;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &st))
		return wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return wn_fail(err, WN_EIO, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > max_bytes)
		return wn_fail(err, WN_ELIMIT, "%s: %lld bytes is over the limit of %zu", path,
			       (long long)st.st_size, max_bytes);
	size = (size_t)st.st_size;
	buf = malloc(size ? size : 1);
	if (!buf)
		return wn_fail(err, WN_ENOMEM, "%s: out of memory for %zu bytes", path, size);
	/* The file may shrink while we read: trust what read() returns. */
	n = read_full(fd, buf, size);
	if (n < 0) {
		free(buf);
		return wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A new file, the Linux way: an unnamed inode in the folder (O_TMPFILE),
 * written, then given its name with linkat(). Nothing partial is ever
 * visible, and the folder sees one operation instead of a create and a
 * rename. Returns 1 when this path does not apply (the name exists, or
 * the file system has no O_TMPFILE), so the caller uses rename instead.
 */
static int write_new_file(const char *path, const void *data, size_t len, int durable,
			  struct wn_err *err)
{
#ifdef O_TMPFILE
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	char proc[64];
	int fd, ret = -1;

	if (access(path, F_OK) == 0)
		return 1;
	if (slash)
		strbuf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		strbuf_addstr(&dir, ".");
	fd = open(dir.buf, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
	strbuf_release(&dir);
	if (fd < 0)
		return 1;  /* EOPNOTSUPP, EISDIR on old kernels: use rename */
	if (write_all(fd, data, len) || (durable && fsync(fd))) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW)) {
		ret = errno == EEXIST || errno == ENOENT ? 1 : wn_fail(err, WN_EIO, "%s: %s", path,
									 strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
#else
	(void)path; (void)data; (void)len; (void)durable; (void)err;
	return 1;
#endif
}

int write_file_atomic(const char *path, const void *data, size_t len, int durable,
		      struct wn_err *err)
{
	int fresh = write_new_file(path, data, len, durable, err);

	if (fresh <= 0)
		return fresh;
	struct strbuf tmp = STRBUF_INIT;
	int fd = -1, ret = -1;

	/* A hidden name in the same folder (rename stays on one file system,
	 * and walks skip what a killed run left behind). */
	{
		const char *slash = strrchr(path, '/');
		size_t dir = slash ? (size_t)(slash - path) + 1 : 0;

		if (strbuf_add(&tmp, path, dir) ||
		    strbuf_addf(&tmp, ".%s.winnow-tmp.XXXXXX", path + dir))
			return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		wn_fail(err, WN_EIO, "%s: %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len)) {
		wn_fail(err, WN_EIO, "%s: %s", tmp.buf, strerror(errno));
		goto out;
	}
	/* mkstemp makes 0600; some file systems refuse chmod, which is fine.
	 * fsync before rename, so a crash leaves the old file or the new one,
	 * never an empty one. */
	(void)fchmod(fd, 0644);
	if (durable && fsync(fd)) {
		wn_fail(err, WN_EIO, "%s: %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		wn_fail(err, WN_EIO, "%s: %s", tmp.buf, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path)) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp.buf);
	strbuf_release(&tmp);
	return ret;
}

int make_parents(const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	int ret = 0;

	if (strbuf_addstr(&dir, path)) {
		errno = ENOMEM;
		return -1;
	}
	for (char *p = dir.buf + 1; *p && !ret; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir.buf, 0755) && errno != EEXIST)
			ret = -1;
		*p = '/';
	}
	strbuf_release(&dir);
	return ret;
}

/* The rename's fallback across file systems: copy, sync, then unlink;
 * never through a symlink, never over an existing file. Each step keeps
 * its own errno: a short write on a full disk says "No space left on
 * device" and names dst, not the rename's EXDEV. On failure only src
 * remains; dst is removed only if this call created it. */
static int copy_then_unlink(int sdir, const char *src, int ddir, const char *dst,
			    struct wn_err *err)
{
	enum { CHUNK = 1 << 16 };
	uint8_t *buf = malloc(CHUNK);
	int in = -1, out = -1, created = 0, ret = -1;
	ssize_t n;

	if (!buf)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	in = openat(sdir, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (in < 0) {
		wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
		goto done;
	}
	out = openat(ddir, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		if (errno == EEXIST)
			wn_fail(err, WN_EIO, "%s already exists", dst);
		else
			wn_fail(err, WN_EIO, "%s: %s", dst, strerror(errno));
		goto done;
	}
	created = 1;
	while ((n = read_full(in, buf, CHUNK)) > 0)
		if (write_all(out, buf, (size_t)n))
			break;
	if (n < 0) {
		wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
		goto done;
	}
	if (n > 0 || fsync(out)) {
		wn_fail(err, WN_EIO, "%s: %s (copying across file systems)", dst, strerror(errno));
		goto done;
	}
	n = close(out);
	out = -1;
	if (n) {
		wn_fail(err, WN_EIO, "%s: %s (copying across file systems)", dst, strerror(errno));
		goto done;
	}
	if (unlinkat(sdir, src, 0)) {
		wn_fail(err, WN_EIO, "%s: cannot remove it after copying: %s", src,
			strerror(errno));
		goto done;
	}
	ret = 0;
done:
	if (out >= 0)
		close(out);
	if (ret && created)
		unlinkat(ddir, dst, 0);
	if (in >= 0)
		close(in);
	free(buf);
	return ret;
}

int move_file(const char *src, const char *dst, struct wn_err *err)
{
	struct stat st;

	if (!lstat(dst, &st))
		return wn_fail(err, WN_EIO, "%s already exists", dst);
	if (make_parents(dst))
		return wn_fail(err, WN_EIO, "%s: %s", dst, strerror(errno));
	/* RENAME_NOREPLACE: a file that appeared since the check is kept. */
	if (!renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE))
		return 0;
	if (errno == EEXIST)
		return wn_fail(err, WN_EIO, "%s already exists", dst);
	if (errno == EINVAL && !rename(src, dst))
		return 0;  /* a file system without RENAME_NOREPLACE */
	if (errno != EXDEV)
		return wn_fail(err, WN_EIO, "%s", strerror(errno));
	return copy_then_unlink(AT_FDCWD, src, AT_FDCWD, dst, err);
}

int move_at(int sdir, const char *src, int ddir, const char *dst, struct wn_err *err)
{
	if (!renameat2(sdir, src, ddir, dst, RENAME_NOREPLACE))
		return 0;
	if (errno == EEXIST)
		return wn_fail(err, WN_EIO, "%s already exists", dst);
	/* a file system without RENAME_NOREPLACE: link, which never replaces,
	 * then unlink */
	if (errno == EINVAL) {
		if (linkat(sdir, src, ddir, dst, 0))
			return wn_fail(err, WN_EIO, errno == EEXIST ? "%s already exists" : "%s",
				       errno == EEXIST ? dst : strerror(errno));
		if (unlinkat(sdir, src, 0))
			return wn_fail(err, WN_EIO, "%s", strerror(errno));
		return 0;
	}
	if (errno != EXDEV)
		return wn_fail(err, WN_EIO, "%s", strerror(errno));
	return copy_then_unlink(sdir, src, ddir, dst, err);
}
