/* Dataset-confined paths: a component-by-component openat() walk that
 * never follows a symlink and never climbs. (openat2's RESOLVE_BENEATH
 * would add nothing: each folder is opened relative to its already
 * checked parent with O_NOFOLLOW, and the names are checked as text.) */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/dspath.h"
#include "base/fileio.h"
#include "base/strbuf.h"

int dspath_name_ok(const char *name, size_t n)
{
	if (n == 0 || n > DSPATH_NAME_MAX)
		return 0;
	if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return !memchr(name, '/', n) && !memchr(name, '\0', n);
}

/* wn_fail() with errno kept for the caller. */
static int fail_errno(struct wn_err *err, int errnum, const char *rel, const char *why)
{
	wn_fail(err, errnum == EINVAL || errnum == ENAMETOOLONG ? WN_EINVAL : WN_EIO, "%s: %s",
		rel, why);
	errno = errnum;
	return -1;
}

int dspath_open_root(const char *dir, int create, struct wn_err *err)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		struct strbuf slash = STRBUF_INIT;

		/* make_parents() makes the folders before the last '/' */
		if (strbuf_addf(&slash, "%s/", dir))
			return fail_errno(err, ENOMEM, dir, "out of memory");
		if (make_parents(slash.buf)) {
			int e = errno;

			strbuf_release(&slash);
			return fail_errno(err, e, dir, strerror(e));
		}
		strbuf_release(&slash);
		fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return fail_errno(err, errno, dir, strerror(errno));
	return fd;
}

/* The next folder: name (n bytes) under dir, never through a symlink. */
static int open_step(int dir, const char *name, int mkdirs)
{
	struct stat st;
	int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && mkdirs) {
		if (mkdirat(dir, name, 0755) && errno != EEXIST)
			return -1;
		fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		/* a symlink, to a folder or not: say so (O_NOFOLLOW with
		 * O_DIRECTORY may answer ENOTDIR or ELOOP) */
		int e = errno;

		if ((e == ENOTDIR || e == ELOOP) && !fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW))
			e = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
		errno = e;
		return -1;
	}
	/* O_PATH | O_NOFOLLOW can open a symlink itself: refuse that too */
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode)) {
		int e = errno;

		if (!fstat(fd, &st))
			e = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static const char *step_cause(int e)
{
	return e == ELOOP ? "a symbolic link on the way" : strerror(e);
}

int dspath_resolve(int root, const char *rel, unsigned flags, struct dspath *out,
		   struct wn_err *err)
{
	size_t len = strlen(rel);
	const char *p = rel;
	int dir = root;

	out->dir = -1;
	out->name[0] = '\0';
	if (len > DSPATH_PATH_MAX)
		return fail_errno(err, ENAMETOOLONG, "(a path)", "over 4095 bytes");
	if (*rel == '/')
		return fail_errno(err, EINVAL, rel, "an absolute path");
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		int next;

		if (n > DSPATH_NAME_MAX)
			goto too_long;
		if (!dspath_name_ok(p, n))
			goto unsafe;
		memcpy(out->name, p, n);
		out->name[n] = '\0';
		if (!slash)
			break;
		next = open_step(dir, out->name, flags & DSPATH_MKDIRS);
		if (next < 0) {
			int e = errno;

			if (dir != root)
				close(dir);
			out->name[0] = '\0';
			return fail_errno(err, e, rel, step_cause(e));
		}
		if (dir != root)
			close(dir);
		dir = next;
		p = slash + 1;
	}
	if (dir == root && (dir = fcntl(root, F_DUPFD_CLOEXEC, 0)) < 0)
		return fail_errno(err, errno, rel, strerror(errno));
	out->dir = dir;
	return 0;
too_long:
	if (dir != root)
		close(dir);
	out->name[0] = '\0';
	return fail_errno(err, ENAMETOOLONG, rel, "a name over 255 bytes");
unsafe:
	if (dir != root)
		close(dir);
	out->name[0] = '\0';
	return fail_errno(err, EINVAL, rel, "an empty, '.' or '..' part");
}

void dspath_release(struct dspath *p)
{
	if (p->dir >= 0)
		close(p->dir);
	p->dir = -1;
}

int dspath_stat(const struct dspath *p, struct stat *st)
{
	return fstatat(p->dir, p->name, st, AT_SYMLINK_NOFOLLOW);
}

int dspath_open_file(int root, const char *rel, struct stat *st, struct wn_err *err)
{
	struct dspath p = DSPATH_INIT;
	int fd, e;

	if (dspath_resolve(root, rel, 0, &p, err))
		return -1;
	/* O_NONBLOCK: a FIFO planted in the dataset must not hang the open */
	fd = openat(p.dir, p.name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	e = errno;
	if (fd < 0 && e == ELOOP) {
		dspath_release(&p);
		return fail_errno(err, ELOOP, rel, "a symbolic link");
	}
	dspath_release(&p);
	if (fd < 0)
		return fail_errno(err, e, rel, strerror(e));
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		e = fstat(fd, st) ? errno : EINVAL;
		close(fd);
		return fail_errno(err, e, rel, e == EINVAL ? "not a regular file" : strerror(e));
	}
	/* reads block again, as callers expect */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}
