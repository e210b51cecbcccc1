/* A folder built beside where it goes and swapped in whole (stage.h).
 * The hidden folder is locked with flock() while its run builds it, so a
 * run that cleans up after killed ones leaves a running one alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/stage.h"

enum { MAX_DEPTH = 64 };  /* deeper than any folder this makes */

/* Removes name in dir and, when it is a folder, all in it, never through
 * a symlink (a symlink is removed, not followed). A name already gone is
 * fine. @return 0, or -1 with errno set. */
static int remove_tree(int dir, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	if (!unlinkat(dir, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)  /* Linux says EISDIR, POSIX EPERM */
		return -1;
	if (depth >= MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while (!ret && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			ret = remove_tree(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	if (ret || (unlinkat(dir, name, AT_REMOVEDIR) && errno != ENOENT))
		return -1;
	return 0;
}

/* Whether the folder fd holds nothing. */
static int is_empty(int fd)
{
	int again = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), empty = 1;
	struct dirent *de;
	DIR *d;

	if (again < 0)
		return 0;
	d = fdopendir(again);
	if (!d) {
		close(again);
		return 0;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* Whether the folder fd is one this may replace or remove: it holds the
 * marker (a regular file), or nothing. */
static int replaceable(int fd, const char *marker)
{
	struct stat st;

	if (!fstatat(fd, marker, &st, AT_SYMLINK_NOFOLLOW))
		return S_ISREG(st.st_mode);
	return errno == ENOENT && is_empty(fd);
}

/* replaceable() of name in dir, which must be a folder (not a symlink). */
static int replaceable_at(int dir, const char *name, const char *marker)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = replaceable(fd, marker);
	close(fd);
	return ok;
}

int stage_holds_marker(const char *dir, const char *marker)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), held;
	struct stat st;

	if (fd < 0)
		return 0;
	held = !fstatat(fd, marker, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
	close(fd);
	return held;
}

/* st->out for an existing out: its real path, which must be a folder. */
static int resolve_existing(struct stage *st, const char *out, struct wn_err *err)
{
	char *real = realpath(out, NULL);
	struct stat s;
	int ret;

	if (!real || stat(real, &s))
		ret = wn_fail(err, WN_EIO, "%s: %s", out, strerror(errno));
	else if (!S_ISDIR(s.st_mode))
		ret = wn_fail(err, WN_EINVAL, "%s: not a folder: not replaced", out);
	else
		ret = strbuf_addstr(&st->out, real) ? wn_fail(err, WN_ENOMEM, "out of memory") : 0;
	free(real);
	return ret;
}

/* st->out for a missing out: its parent, made when missing, resolved,
 * and its last part. */
static int resolve_missing(struct stage *st, const char *out, struct wn_err *err)
{
	struct strbuf path = STRBUF_INIT;
	const char *parent = ".", *base;
	char *slash, *real = NULL;
	int ret = -1;

	if (make_parents(out) || strbuf_addstr(&path, out)) {
		wn_fail(err, WN_EIO, "%s: %s", out, strerror(errno));
		goto out;
	}
	while (path.len > 1 && path.buf[path.len - 1] == '/')
		strbuf_setlen(&path, path.len - 1);
	slash = strrchr(path.buf, '/');
	base = slash ? slash + 1 : path.buf;
	if (slash == path.buf) {
		parent = "/";
	} else if (slash) {
		*slash = '\0';
		parent = path.buf;
	}
	real = realpath(parent, NULL);
	if (!real)
		wn_fail(err, WN_EIO, "%s: %s", out, strerror(errno));
	else if (strbuf_addf(&st->out, "%s/%s", strcmp(real, "/") ? real : "", base))
		wn_fail(err, WN_ENOMEM, "out of memory");
	else
		ret = 0;
out:
	free(real);
	strbuf_release(&path);
	return ret;
}

/* st->out, st->name and st->parent for out. */
static int resolve_out(struct stage *st, const char *out, struct wn_err *err)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash;
	struct stat s;

	if (!lstat(out, &s)) {
		if (resolve_existing(st, out, err))
			return -1;
	} else if (errno != ENOENT) {
		return wn_fail(err, WN_EIO, "%s: %s", out, strerror(errno));
	} else if (resolve_missing(st, out, err)) {
		return -1;
	}
	slash = strrchr(st->out.buf, '/');
	if (!slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return wn_fail(err, WN_EINVAL, "%s: not a folder that can be replaced", out);
	if (strbuf_addstr(&st->name, slash + 1) ||
	    strbuf_add(&dir, st->out.buf, slash == st->out.buf ? 1 : (size_t)(slash - st->out.buf)))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	st->parent = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->parent < 0)
		wn_fail(err, WN_EIO, "%s: %s", dir.buf, strerror(errno));
	strbuf_release(&dir);
	return st->parent < 0 ? -1 : 0;
}

/* Removes the hidden folders killed runs left beside out: named as
 * st->tmp is, replaceable, and not locked by a running build. */
static void remove_leftovers(struct stage *st)
{
	struct strbuf prefix = STRBUF_INIT;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	fd = openat(st->parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || strbuf_addf(&prefix, ".%s.winnow-tmp.", st->name.buf) || !(d = fdopendir(fd)))
		goto out;
	fd = -1;
	while ((de = readdir(d))) {
		int sub;

		if (strncmp(de->d_name, prefix.buf, prefix.len) ||
		    strlen(de->d_name) != prefix.len + 6)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (!flock(sub, LOCK_EX | LOCK_NB) && replaceable(sub, st->marker))
			(void)remove_tree(dirfd(d), de->d_name, 0);
		close(sub);
	}
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	strbuf_release(&prefix);
}

/* The hidden folder, made, opened into st->dir and locked. */
static int make_hidden(struct stage *st, struct wn_err *err)
{
	for (int tries = 0; tries < 100; tries++) {
		if (hidden_temp_name(st->name.buf, &st->tmp))
			return wn_fail(err, WN_EIO, "%s: %s", st->out.buf, strerror(errno));
		if (!mkdirat(st->parent, st->tmp.buf, 0755))
			break;
		if (errno != EEXIST || tries == 99) {
			wn_fail(err, WN_EIO, "%s: cannot make a folder beside it: %s", st->out.buf,
				strerror(errno));
			strbuf_setlen(&st->tmp, 0);
			return -1;
		}
	}
	st->dir = openat(st->parent, st->tmp.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (st->dir < 0 || flock(st->dir, LOCK_EX | LOCK_NB))
		return wn_fail(err, WN_EIO, "%s/%s: %s", st->out.buf, st->tmp.buf, strerror(errno));
	return 0;
}

static void stage_release(struct stage *st)
{
	if (st->dir >= 0)
		close(st->dir);
	if (st->parent >= 0)
		close(st->parent);
	st->dir = st->parent = -1;
	strbuf_release(&st->out);
	strbuf_release(&st->name);
	strbuf_release(&st->tmp);
}

void stage_abort(struct stage *st)
{
	if (st->parent >= 0 && st->tmp.len)
		(void)remove_tree(st->parent, st->tmp.buf, 0);
	stage_release(st);
}

int stage_begin(struct stage *st, const char *out, const char *marker, const char *note,
		struct wn_err *err)
{
	int fd;

	*st = (struct stage)STAGE_INIT;
	st->marker = marker;
	if (resolve_out(st, out, err))
		goto fail;
	fd = openat(st->parent, st->name.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		int ok = replaceable(fd, marker);

		close(fd);
		if (!ok) {
			wn_fail(err, WN_EINVAL, "%s: not empty and not made by winnow (no %s): "
				"not replaced", out, marker);
			goto fail;
		}
	} else if (errno != ENOENT) {
		wn_fail(err, WN_EIO, "%s: %s", out, strerror(errno));
		goto fail;
	}
	remove_leftovers(st);
	if (make_hidden(st, err) ||
	    write_file_atomic_at(st->dir, marker, NULL, note, strlen(note), 0, err))
		goto fail;
	return 0;
fail:
	stage_abort(st);
	return -1;
}

/* Where the file system cannot exchange: out renamed aside (kept if it
 * turns out not to be replaceable), the new folder renamed in, the old
 * one removed. */
static int swap_aside(struct stage *st, struct wn_err *err)
{
	struct strbuf aside = STRBUF_INIT;
	struct stat s;
	int ret = -1;

	if (hidden_temp_name(st->name.buf, &aside) ||
	    (!fstatat(st->parent, aside.buf, &s, AT_SYMLINK_NOFOLLOW) && (errno = EEXIST)) ||
	    renameat(st->parent, st->name.buf, st->parent, aside.buf)) {
		wn_fail(err, WN_EIO, "%s: cannot move it aside: %s", st->out.buf, strerror(errno));
		goto out;
	}
	if (!replaceable_at(st->parent, aside.buf, st->marker)) {
		(void)renameat(st->parent, aside.buf, st->parent, st->name.buf);
		wn_fail(err, WN_EINVAL, "%s: changed while the new one was made: not replaced",
			st->out.buf);
		goto out;
	}
	if (renameat(st->parent, st->tmp.buf, st->parent, st->name.buf)) {
		wn_fail(err, WN_EIO, "%s: %s", st->out.buf, strerror(errno));
		(void)renameat(st->parent, aside.buf, st->parent, st->name.buf);
		goto out;
	}
	strbuf_setlen(&st->tmp, 0);
	(void)remove_tree(st->parent, aside.buf, 0);
	ret = 0;
out:
	strbuf_release(&aside);
	return ret;
}

/* out exists: exchanged with the new folder in one step, then the old
 * one, now under the hidden name, removed, or put back when it is not
 * replaceable after all. */
static int swap_exchange(struct stage *st, struct wn_err *err)
{
	if (renameat2(st->parent, st->tmp.buf, st->parent, st->name.buf, RENAME_EXCHANGE))
		return errno == EINVAL ? swap_aside(st, err)
				       : wn_fail(err, WN_EIO, "%s: %s", st->out.buf, strerror(errno));
	if (!replaceable_at(st->parent, st->tmp.buf, st->marker)) {
		(void)renameat2(st->parent, st->tmp.buf, st->parent, st->name.buf, RENAME_EXCHANGE);
		return wn_fail(err, WN_EINVAL, "%s: changed while the new one was made: not replaced",
			       st->out.buf);
	}
	(void)remove_tree(st->parent, st->tmp.buf, 0);
	strbuf_setlen(&st->tmp, 0);
	return 0;
}

int stage_commit(struct stage *st, struct wn_err *err)
{
	int ret;

	/* What was written in the hidden folder reaches the disk before the
	 * swap, so a crash after it cannot leave an out of empty files. One
	 * syncfs covers every file, link and folder written there. */
	if (syncfs(st->dir)) {
		ret = wn_fail(err, WN_EIO, "%s: cannot flush the new folder: %s", st->out.buf,
			      strerror(errno));
		goto out;
	}
	/* out missing (or, where there is no NOREPLACE, an empty folder) */
	if (!renameat2(st->parent, st->tmp.buf, st->parent, st->name.buf, RENAME_NOREPLACE) ||
	    (errno == EINVAL && !renameat(st->parent, st->tmp.buf, st->parent, st->name.buf))) {
		strbuf_setlen(&st->tmp, 0);
		ret = 0;
	} else if (errno == EEXIST || errno == ENOTEMPTY) {
		ret = swap_exchange(st, err);
	} else {
		ret = wn_fail(err, WN_EIO, "%s: %s", st->out.buf, strerror(errno));
	}
	/* the rename itself lasts once the parent's entry is on disk */
	if (!ret && fsync(st->parent))
		ret = wn_fail(err, WN_EIO, "%s: swapped in, but its folder cannot be flushed: %s",
			      st->out.buf, strerror(errno));
out:
	stage_abort(st);
	return ret;
}
