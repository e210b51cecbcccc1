/* POSIX ustar archives written front to back, as db split's WebDataset
 * shards are. Regular files only, mode 0644, owner 0:0, no user or
 * group names; a name of up to 255 bytes is split at a '/' into the
 * header's prefix and name fields; sizes up to 8 GiB - 1 (eleven octal
 * digits). No pax or GNU extensions, so every tar reader takes them. */
#ifndef WINNOW_TAR_H
#define WINNOW_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define TAR_BLOCK 512
#define TAR_MAX_SIZE 077777777777ULL   /* what eleven octal digits hold */

/* An archive being written. fd is the caller's to open and close; the
 * archive is complete only after tar_finish(). After an error the
 * archive ends in a partial entry: throw it away. */
struct tar {
	int fd;
	const char *path;   /* names the archive in messages; kept, not copied */
	uint64_t bytes;     /* written so far: a multiple of TAR_BLOCK */
};

/* tar_init() : an empty archive written to fd, named path in messages. */
void tar_init(struct tar *t, int fd, const char *path);

/*
 * tar_header() : the ustar header block of a regular file `name` of size
 * bytes, modified at mtime (seconds since the epoch; a negative one is
 * written as 0), with its checksum.
 * @return 0, or -1 with err set: WN_EINVAL for an empty name or one that
 * does not fit (over 100 bytes with no '/' that leaves at most 155 before
 * it and 1 to 100 after), WN_ELIMIT for a size over TAR_MAX_SIZE.
 */
int tar_header(uint8_t block[TAR_BLOCK], const char *name, uint64_t size, int64_t mtime,
	       struct wn_err *err);

/* tar_add() : appends the file `name` holding the len bytes at data.
 * @return 0, or -1 with err set (tar_header()'s refusals, or a write
 * error naming the archive). */
int tar_add(struct tar *t, const char *name, const void *data, size_t len, int64_t mtime,
	    struct wn_err *err);

/* tar_add_fd() : appends the file `name` holding the next size bytes
 * read from in (the caller's; read from where it stands). src names in
 * in messages. @return 0, or -1 with err set: tar_add()'s errors, a read
 * error naming src, or "SRC: changed while being read" when in ends
 * before size bytes. */
int tar_add_fd(struct tar *t, const char *name, int in, uint64_t size, int64_t mtime,
	       const char *src, struct wn_err *err);

/* tar_finish() : ends the archive with its two zero blocks.
 * @return 0, or -1 with err set (a write error naming the archive). */
int tar_finish(struct tar *t, struct wn_err *err);

#endif
