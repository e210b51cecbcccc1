/* POSIX ustar (IEEE 1003.1-1988, the "ustar" format of pax(1)) writer.
 * A header is one 512-byte block of NUL-padded text fields, numbers in
 * octal; the file's bytes follow, padded to a whole block; two zero
 * blocks end the archive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/tar.h"

/* The header's fields: offset and width. */
enum {
	NAME = 0, NAME_LEN = 100,
	MODE = 100, UID = 108, GID = 116,   /* 8 bytes each */
	SIZE = 124, MTIME = 136,            /* 12 bytes each */
	CHKSUM = 148, TYPEFLAG = 156,
	MAGIC = 257, VERSION = 263,
	PREFIX = 345, PREFIX_LEN = 155,
};

void tar_init(struct tar *t, int fd, const char *path)
{
	t->fd = fd;
	t->path = path;
	t->bytes = 0;
}

/* width - 1 octal digits, zero-padded, and a NUL; value fits (checked
 * by the callers). */
static void octal(uint8_t *field, size_t width, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%0*llo", (int)(width - 1), (unsigned long long)value);
	memcpy(field, buf, width);
}

/* Where name splits into prefix and name: the first '/' leaving at most
 * PREFIX_LEN bytes before it and 1 to NAME_LEN after. @return its index,
 * or 0 when name fits whole (no split), or -1 when no '/' does. */
static long split_at(const char *name, size_t len)
{
	if (len <= NAME_LEN)
		return 0;
	for (size_t i = 1; i < len && i <= PREFIX_LEN; i++)
		if (name[i] == '/' && len - i - 1 >= 1 && len - i - 1 <= NAME_LEN)
			return (long)i;
	return -1;
}

int tar_header(uint8_t block[TAR_BLOCK], const char *name, uint64_t size, int64_t mtime,
	       struct wn_err *err)
{
	size_t len = strlen(name);
	long at = split_at(name, len);
	uint64_t when = mtime < 0 ? 0 : (uint64_t)mtime;
	unsigned sum = 0;

	if (!len || at < 0)
		return wn_fail(err, WN_EINVAL, "%s: not a name a ustar header holds "
			       "(at most 100 bytes, or 255 split at a '/')", name);
	if (size > TAR_MAX_SIZE)
		return wn_fail(err, WN_ELIMIT, "%s: %llu bytes is over the ustar limit of %llu",
			       name, (unsigned long long)size, (unsigned long long)TAR_MAX_SIZE);
	memset(block, 0, TAR_BLOCK);
	if (at) {
		memcpy(block + PREFIX, name, (size_t)at);
		memcpy(block + NAME, name + at + 1, len - (size_t)at - 1);
	} else {
		memcpy(block + NAME, name, len);
	}
	octal(block + MODE, 8, 0644);
	octal(block + UID, 8, 0);
	octal(block + GID, 8, 0);
	octal(block + SIZE, 12, size);
	octal(block + MTIME, 12, when < TAR_MAX_SIZE ? when : TAR_MAX_SIZE);
	block[TYPEFLAG] = '0';
	memcpy(block + MAGIC, "ustar", 6);
	memcpy(block + VERSION, "00", 2);
	/* the checksum counts its own field as eight spaces; written as six
	 * digits, a NUL and a space, as tar always has */
	memset(block + CHKSUM, ' ', 8);
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += block[i];
	octal(block + CHKSUM, 7, sum);
	block[CHKSUM + 7] = ' ';
	return 0;
}

static int put(struct tar *t, const void *data, size_t len, struct wn_err *err)
{
	if (write_full(t->fd, data, len))
		return wn_fail(err, WN_EIO, "%s: %s", t->path, strerror(errno));
	t->bytes += len;
	return 0;
}

/* The zeros after size bytes of data, up to a whole block. */
static int pad(struct tar *t, uint64_t size, struct wn_err *err)
{
	static const uint8_t zeros[TAR_BLOCK];
	size_t rest = (size_t)(size % TAR_BLOCK);

	return rest ? put(t, zeros, TAR_BLOCK - rest, err) : 0;
}

static int put_header(struct tar *t, const char *name, uint64_t size, int64_t mtime,
		      struct wn_err *err)
{
	uint8_t block[TAR_BLOCK];

	if (tar_header(block, name, size, mtime, err))
		return -1;
	return put(t, block, sizeof(block), err);
}

int tar_add(struct tar *t, const char *name, const void *data, size_t len, int64_t mtime,
	    struct wn_err *err)
{
	if (put_header(t, name, len, mtime, err) || put(t, data, len, err))
		return -1;
	return pad(t, len, err);
}

int tar_add_fd(struct tar *t, const char *name, int in, uint64_t size, int64_t mtime,
	       const char *src, struct wn_err *err)
{
	enum { CHUNK = 1 << 16 };
	uint64_t left = size;
	uint8_t *buf;
	int ret = -1;

	if (put_header(t, name, size, mtime, err))
		return -1;
	buf = malloc(CHUNK);
	if (!buf)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	while (left) {
		ssize_t n = read_full(in, buf, left < CHUNK ? (size_t)left : CHUNK);

		if (n < 0) {
			wn_fail(err, WN_EIO, "%s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0) {
			wn_fail(err, WN_EIO, "%s: changed while being read", src);
			goto out;
		}
		if (put(t, buf, (size_t)n, err))
			goto out;
		left -= (uint64_t)n;
	}
	ret = pad(t, size, err);
out:
	free(buf);
	return ret;
}

int tar_finish(struct tar *t, struct wn_err *err)
{
	static const uint8_t zeros[2 * TAR_BLOCK];

	return put(t, zeros, sizeof(zeros), err);
}
