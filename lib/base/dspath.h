/* Dataset-confined paths. Whatever a catalog row (or any text that is not
 * the user's own command line) names is reached from an open folder, the
 * root, one name at a time: never through "..", ".", an empty name, an
 * absolute path or a symbolic link. The caller then acts on the folder's
 * descriptor and the final name (unlinkat, renameat, openat with
 * O_NOFOLLOW), so the action touches exactly what was checked: a folder
 * swapped for a symlink after the resolution cannot redirect it. */
#ifndef WINNOW_DSPATH_H
#define WINNOW_DSPATH_H

#include <stddef.h>
#include <sys/stat.h>

#include "base/err.h"

#define DSPATH_NAME_MAX 255    /* one component, in bytes (NAME_MAX) */
#define DSPATH_PATH_MAX 4095   /* a whole relative path, in bytes */

/* dspath_name_ok() : whether the n bytes at name are one safe component:
 * not empty, not "." or "..", no '/' or NUL byte, at most DSPATH_NAME_MAX
 * bytes. Any other byte (invalid UTF-8 too) is fine. @return 1 or 0. */
int dspath_name_ok(const char *name, size_t n);

/*
 * dspath_open_root() : opens dir as a root. dir comes from the user (an
 * option), so it is trusted: symlinks in it are followed. With create,
 * a missing dir is made (with its parents, 0755).
 * @return a directory descriptor (O_PATH) the caller closes, or -1 with
 * err set (the message starts with dir).
 */
int dspath_open_root(const char *dir, int create, struct wn_err *err);

/* What dspath_resolve() found: the folder holding the final name, opened,
 * and that name. The name itself is not looked at (it may not exist). */
struct dspath {
	int dir;                            /* -1 when released */
	char name[DSPATH_NAME_MAX + 1];
};

#define DSPATH_INIT { -1, "" }

enum {
	DSPATH_MKDIRS = 1,   /* make missing folders on the way (0755) */
};

/*
 * dspath_resolve() : rel ('/'-separated, relative) under root. Each
 * folder on the way is opened relative to the one before with O_NOFOLLOW
 * and must be a folder; with DSPATH_MKDIRS a missing one is made first.
 * Refused: an absolute rel, "..", ".", empty components (a//b, a
 * trailing '/'), components over DSPATH_NAME_MAX bytes, rel over
 * DSPATH_PATH_MAX bytes, a symbolic link or non-folder on the way.
 * @return 0 with out->dir to release with dspath_release(), or -1 with
 * err set (the message starts with rel and says why) and errno: EINVAL
 * an unsafe name, ENAMETOOLONG, ELOOP a symbolic link on the way,
 * ENOTDIR, ENOENT, or the system's reason. out is released on failure.
 */
int dspath_resolve(int root, const char *rel, unsigned flags, struct dspath *out,
		   struct wn_err *err);

/* dspath_release() : closes p->dir; accepts a released or DSPATH_INIT p. */
void dspath_release(struct dspath *p);

/* dspath_stat() : lstat of the final name (never follows it).
 * @return 0, or -1 with errno set. */
int dspath_stat(const struct dspath *p, struct stat *st);

/*
 * dspath_open_file() : dspath_resolve() of rel, then the final name
 * opened read-only with O_NOFOLLOW and fstat'ed into *st: it must be a
 * regular file (a symlink gives ELOOP, anything else EINVAL).
 * @return the descriptor (the caller closes it), or -1 with err and
 * errno set as dspath_resolve() does.
 */
int dspath_open_file(int root, const char *rel, struct stat *st, struct wn_err *err);

#endif
