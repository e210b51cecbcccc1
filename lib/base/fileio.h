/* Whole-file reads with a size cap, and atomic whole-file writes. */
#ifndef WINNOW_FILEIO_H
#define WINNOW_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/strbuf.h"

#include <sys/types.h>

/* read_full() : reads until `want` bytes, the end of the file or an error,
 * retrying interrupted reads. @return the bytes read, or -1 (errno set). */
ssize_t read_full(int fd, void *buf, size_t want);

/* write_full() : writes all len bytes, retrying short and interrupted
 * writes. @return 0, or -1 (errno set). */
int write_full(int fd, const void *data, size_t len);

/* hidden_temp_name() : a fresh temporary name for name in tmp (replacing
 * what it held): ".NAME.winnow-tmp." and six random letters or digits,
 * the names every atomic write here uses, which walks skip and `db
 * check` reports as leftovers. @return 0, or -1 with errno set. */
int hidden_temp_name(const char *name, struct strbuf *tmp);

/*
 * read_file_limited() : reads all of path into a malloc'd buffer. A file
 * larger than max_bytes is refused (WN_ELIMIT) before anything is read.
 * @return 0 with *out owned by the caller (never NULL, even for 0 bytes),
 * or -1 with err set; the message starts with path.
 */
int read_file_limited(const char *path, size_t max_bytes, uint8_t **out, size_t *len,
		      struct wn_err *err);

/* read_fd_limited() : read_file_limited() of an open descriptor (read
 * from where it stands); path only names it in messages. The caller
 * keeps fd. Same returns. */
int read_fd_limited(int fd, const char *path, size_t max_bytes, uint8_t **out, size_t *len,
		    struct wn_err *err);

/*
 * write_file_atomic() : writes path so that no reader ever sees it
 * partial. A new file is written as an unnamed inode (O_TMPFILE) and then
 * linked in; otherwise (replacing, or no O_TMPFILE) data goes to a hidden
 * temporary file next to path (".NAME.winnow-tmp.RANDOM", which walks
 * skip), then
 * renames it over path, so a reader (or a killed run) never sees a
 * partial file. With `durable` the data is also fsync'ed before the
 * rename, so a power cut cannot leave an empty file either; that costs a
 * disk flush per file.
 * @return 0, or -1 with err set (the temporary file is removed).
 */
int write_file_atomic(const char *path, const void *data, size_t len, int durable,
		      struct wn_err *err);

/*
 * write_file_atomic_at() : write_file_atomic() of name in the folder dir
 * (a descriptor, as dspath_resolve() gives; O_PATH is fine), with the same
 * temporary names. name is never followed: a symlink, or anything but a
 * regular file, already at name is refused and left as it is. path only
 * names the file in messages (NULL: name).
 * @return 0, or -1 with err set (the temporary file is removed).
 */
int write_file_atomic_at(int dir, const char *name, const char *path, const void *data,
			 size_t len, int durable, struct wn_err *err);

/*
 * copy_fd_at() : copies the rest of in (a file the caller opened and
 * keeps) to a new file dst in the folder ddir (a descriptor; AT_FDCWD
 * works). The copy is written unnamed (O_TMPFILE) or under a hidden
 * name and only then named dst, never over an existing name, so no
 * partial file ever appears under dst; with durable it is fsync'ed
 * before it is named. src and dmsg (NULL: dst) name the two in messages.
 * @return 0, or -1 with err set (a read names src, anything else dmsg;
 * "DMSG already exists" when dst does); nothing of the copy is left then.
 */
int copy_fd_at(int in, const char *src, int ddir, const char *dst, const char *dmsg,
	       int durable, struct wn_err *err);

/* link_fd_at() : a hard link named name in the folder dir to the file
 * open at fd: the very file opened, whatever its name is now (an unnamed
 * O_TMPFILE one too), never over an existing name.
 * @return 0, or -1 with errno set (EXDEV: another file system; EPERM:
 * links not permitted there; EEXIST). */
int link_fd_at(int fd, int dir, const char *name);

/* make_parents() : creates the missing folders on the way to the file
 * path names (mkdir -p of its folder). @return 0, or -1 with errno set. */
int make_parents(const char *path);

/*
 * move_file() : renames src to dst, never over an existing file. When the
 * rename crosses file systems the bytes are copied into an unnamed file
 * (O_TMPFILE) in dst's folder, or a hidden ".NAME.winnow-tmp.RANDOM" one
 * where there is none, synced, named dst (never over a file) and only then
 * is src removed: a partial copy never appears under dst.
 * @return 0, or -1 with err set (the message names the cause).
 */
int move_file(const char *src, const char *dst, struct wn_err *err);

/*
 * move_at() : move_file() of name src in folder sdir to name dst in
 * folder ddir (descriptors, as dspath_resolve() gives; AT_FDCWD works),
 * never over an existing name, never through a symlink, and with no
 * folder made. Across file systems the bytes are copied (O_NOFOLLOW) as
 * move_file() does, synced, named dst, then src unlinked; a symlink at src is then refused
 * (on one file system it is renamed as itself).
 * @return 0, or -1 with err set (the message is the cause alone).
 */
int move_at(int sdir, const char *src, int ddir, const char *dst, struct wn_err *err);

#endif
