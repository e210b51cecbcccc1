/* Whole-file reads with a size cap, and atomic whole-file writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strbuf.h"

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

int write_full(int fd, const void *data, size_t len)
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

int hidden_temp_name(const char *name, struct strbuf *tmp)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t rnd[6];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	strbuf_reset(tmp);
	if (strbuf_addf(tmp, ".%s.winnow-tmp.", name)) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		if (strbuf_addch(tmp, set[rnd[i] % (sizeof(set) - 1)])) {
			errno = ENOMEM;
			return -1;
		}
	return 0;
}

/* Opens a new hidden file ".NAME.winnow-tmp.RANDOM" in dir (never
 * through a symlink, never an existing name), as mkstemp() would, and
 * puts its name in tmp. @return the descriptor, or -1 with errno set. */
static int open_hidden_temp(int dir, const char *name, struct strbuf *tmp)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd;

		if (hidden_temp_name(name, tmp))
			return -1;
		fd = openat(dir, tmp->buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* An unnamed file in dir (O_TMPFILE), or -1 when the file system has
 * none (EOPNOTSUPP, or EISDIR on old kernels). */
static int open_unnamed(int dir)
{
#ifdef O_TMPFILE
	return openat(dir, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
#else
	(void)dir;
	errno = EOPNOTSUPP;
	return -1;
#endif
}

/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; /proc/self/fd/N with
 * AT_SYMLINK_FOLLOW does not. */
int link_fd_at(int fd, int dir, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW);
}

/*
 * A new file, the Linux way: an unnamed inode in the folder (O_TMPFILE),
 * written, then given its name with linkat(). Nothing partial is ever
 * visible, and the folder sees one operation instead of a create and a
 * rename. Returns 1 when this path does not apply (the name exists, or
 * the file system has no O_TMPFILE), so the caller uses rename instead.
 */
static int write_new_file(int dir, const char *name, const char *path, const void *data,
			  size_t len, int durable, struct wn_err *err)
{
	struct stat st;
	int fd, ret = -1;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return 1;
	fd = open_unnamed(dir);
	if (fd < 0)
		return 1;
	if (write_full(fd, data, len) || (durable && fsync(fd))) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (link_fd_at(fd, dir, name)) {
		ret = errno == EEXIST || errno == ENOENT ? 1 : wn_fail(err, WN_EIO, "%s: %s", path,
									 strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* Replacing: data goes to a hidden name beside name, renamed over it.
 * Unless any, a symlink or anything but a regular file at name is
 * refused, not replaced. */
static int write_by_rename(int dir, const char *name, const char *path, const void *data,
			   size_t len, int durable, int any, struct wn_err *err)
{
	struct strbuf tmp = STRBUF_INIT;
	struct stat st;
	int fd, ret = -1;

	if (!any && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
		return wn_fail(err, WN_EIO, "%s: %s, not replaced", path,
			       S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
	fd = open_hidden_temp(dir, name, &tmp);
	if (fd < 0) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (write_full(fd, data, len)) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* made 0600, as mkstemp does; some file systems refuse chmod, which
	 * is fine. fsync before rename, so a crash leaves the old file or the
	 * new one, never an empty one. */
	(void)fchmod(fd, 0644);
	if (durable && fsync(fd)) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat(dir, tmp.buf, dir, name)) {
		wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret && tmp.len)
		unlinkat(dir, tmp.buf, 0);
	strbuf_release(&tmp);
	return ret;
}

/* The folder holding path (followed as the caller's own path is),
 * opened O_PATH, and *name pointed at path's last part. @return the
 * descriptor, or -1 with errno set. */
static int open_parent(const char *path, const char **name)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd;

	*name = slash ? slash + 1 : path;
	if (slash ? strbuf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path))
		  : strbuf_addstr(&dir, ".")) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(dir.buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	strbuf_release(&dir);
	return fd;
}

static int write_atomic(int dir, const char *name, const char *path, const void *data,
			size_t len, int durable, int any, struct wn_err *err)
{
	int fresh = write_new_file(dir, name, path, data, len, durable, err);

	if (fresh <= 0)
		return fresh;
	return write_by_rename(dir, name, path, data, len, durable, any, err);
}

int write_file_atomic_at(int dir, const char *name, const char *path, const void *data,
			 size_t len, int durable, struct wn_err *err)
{
	return write_atomic(dir, name, path ? path : name, data, len, durable, 0, err);
}

int write_file_atomic(const char *path, const void *data, size_t len, int durable,
		      struct wn_err *err)
{
	const char *name;
	int fd = open_parent(path, &name), ret;

	if (fd < 0)
		return wn_fail(err, errno == ENOMEM ? WN_ENOMEM : WN_EIO, "%s: %s", path,
			       strerror(errno));
	/* as it always did: whatever is at path is replaced (a symlink
	 * itself, never its target) */
	ret = write_atomic(fd, name, path, data, len, durable, 1, err);
	close(fd);
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

/* The copy's bytes, from in to out, synced when durable. why follows a
 * write's cause (" (copying across file systems)" for a move, or "").
 * @return 0, or -1 with err set naming src (a read) or dst (a write). */
static int copy_bytes(int in, int out, const char *src, const char *dst, int durable,
		      const char *why, struct wn_err *err)
{
	enum { CHUNK = 1 << 16 };
	uint8_t *buf = malloc(CHUNK);
	ssize_t n;

	if (!buf)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	while ((n = read_full(in, buf, CHUNK)) > 0)
		if (write_full(out, buf, (size_t)n))
			break;
	free(buf);
	if (n < 0)
		return wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
	if (n > 0 || (durable && fsync(out)))
		return wn_fail(err, WN_EIO, "%s: %s%s", dst, strerror(errno), why);
	return 0;
}

/* Names the finished copy dst: an unnamed one (tmp empty) by linkat, a
 * hidden one by renameat2(NOREPLACE), or link then unlink where the file
 * system has no NOREPLACE. Never over an existing name. */
static int name_copy(int out, int ddir, const struct strbuf *tmp, const char *dst,
		     const char *dmsg, const char *why, struct wn_err *err)
{
	int rc;

	if (!tmp->len)
		rc = link_fd_at(out, ddir, dst);
	else if ((rc = renameat2(ddir, tmp->buf, ddir, dst, RENAME_NOREPLACE)) && errno == EINVAL &&
		 !(rc = linkat(ddir, tmp->buf, ddir, dst, 0)))
		unlinkat(ddir, tmp->buf, 0);
	if (!rc)
		return 0;
	if (errno == EEXIST)
		return wn_fail(err, WN_EIO, "%s already exists", dmsg);
	return wn_fail(err, WN_EIO, "%s: %s%s", dmsg, strerror(errno), why);
}

/* The rest of in copied to a new file dst in ddir, written unnamed
 * (O_TMPFILE) or under a hidden name and only then named dst, never
 * over an existing name: a run killed halfway never leaves a partial
 * file under dst. Each step keeps its own errno: a short write on a full
 * disk says "No space left on device" and names dst. smsg and dmsg name
 * the two in messages, why follows a write's cause. On failure nothing
 * of the copy is left. */
static int copy_into(int in, const char *smsg, int ddir, const char *dst, const char *dmsg,
		     int durable, const char *why, struct wn_err *err)
{
	struct strbuf tmp = STRBUF_INIT;
	struct stat st;
	int out = -1, named = 0, ret = -1;

	/* before copying what would then be refused */
	if (!fstatat(ddir, dst, &st, AT_SYMLINK_NOFOLLOW)) {
		wn_fail(err, WN_EIO, "%s already exists", dmsg);
		goto done;
	}
	if (errno != ENOENT) {
		wn_fail(err, WN_EIO, "%s: %s", dmsg, strerror(errno));
		goto done;
	}
	out = open_unnamed(ddir);
	if (out < 0 && (out = open_hidden_temp(ddir, dst, &tmp)) >= 0)
		(void)fchmod(out, 0644);
	if (out < 0) {
		wn_fail(err, WN_EIO, "%s: %s", dmsg, strerror(errno));
		goto done;
	}
	if (copy_bytes(in, out, smsg, dmsg, durable, why, err) ||
	    name_copy(out, ddir, &tmp, dst, dmsg, why, err))
		goto done;
	named = 1;
	ret = close(out);
	out = -1;
	if (ret)
		ret = wn_fail(err, WN_EIO, "%s: %s%s", dmsg, strerror(errno), why);
done:
	if (out >= 0)
		close(out);
	if (ret && named)
		unlinkat(ddir, dst, 0);
	if (ret && tmp.len && !named)
		unlinkat(ddir, tmp.buf, 0);
	strbuf_release(&tmp);
	return ret;
}

int copy_fd_at(int in, const char *src, int ddir, const char *dst, const char *dmsg,
	       int durable, struct wn_err *err)
{
	return copy_into(in, src, ddir, dst, dmsg ? dmsg : dst, durable, "", err);
}

/* The rename's fallback across file systems: copy (synced), then unlink;
 * never through a symlink, never over an existing file (copy_into()).
 * On failure only src remains; dst is removed only if this call named
 * it. */
static int copy_then_unlink(int sdir, const char *src, int ddir, const char *dst,
			    const char *dmsg, struct wn_err *err)
{
	static const char why[] = " (copying across file systems)";
	struct stat st;
	int in, ret = -1;

	/* O_NONBLOCK: a FIFO swapped in for src must not hang the open */
	in = openat(sdir, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (in < 0)
		return wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
	if (fstat(in, &st)) {
		wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		wn_fail(err, WN_EIO, "%s: not a regular file", src);
		goto done;
	}
	if (fcntl(in, F_SETFL, fcntl(in, F_GETFL) & ~O_NONBLOCK)) {
		wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
		goto done;
	}
	if (copy_into(in, src, ddir, dst, dmsg, 1, why, err))
		goto done;
	if (unlinkat(sdir, src, 0)) {
		wn_fail(err, WN_EIO, "%s: cannot remove it after copying: %s", src,
			strerror(errno));
		unlinkat(ddir, dst, 0);
		goto done;
	}
	ret = 0;
done:
	close(in);
	return ret;
}

/* copy_then_unlink() of path src to path dst: the copy is made in dst's
 * folder, which must exist. */
static int copy_into_folder(const char *src, const char *dst, struct wn_err *err)
{
	const char *name;
	int fd = open_parent(dst, &name), ret;

	if (fd < 0)
		return wn_fail(err, WN_EIO, "%s: %s", dst, strerror(errno));
	ret = copy_then_unlink(AT_FDCWD, src, fd, name, dst, err);
	close(fd);
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
	return copy_into_folder(src, dst, err);
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
	return copy_then_unlink(sdir, src, ddir, dst, dst, err);
}
