/* XXH3-128 digests of files and buffers (libxxhash). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/base.h"
#include "hash/filehash.h"

#define READ_CHUNK (1 << 20)

static void canonical(XXH128_hash_t h, uint8_t out[16])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	memcpy(out, c.digest, 16);
}

void filehash_buffer(const void *buf, size_t len, struct filehash *out)
{
	size_t head = len < FILEHASH_HEAD_BYTES ? len : FILEHASH_HEAD_BYTES;

	canonical(XXH3_128bits(buf, len), out->full);
	canonical(XXH3_128bits(buf, head), out->head);
	out->size = len;
	out->magic_len = len < sizeof(out->magic) ? len : sizeof(out->magic);
	memcpy(out->magic, buf, out->magic_len);
}

static int hash_fd(int fd, int head_only, struct filehash *out)
{
	XXH3_state_t *st = NULL;
	uint8_t *buf;
	ssize_t n;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	buf = malloc(head_only ? FILEHASH_HEAD_BYTES : READ_CHUNK);
	if (!buf)
		return -1;
	n = read_full(fd, buf, FILEHASH_HEAD_BYTES);
	if (n < 0)
		goto out;
	canonical(XXH3_128bits(buf, (size_t)n), out->head);
	out->size = (uint64_t)n;
	out->magic_len = (size_t)n < sizeof(out->magic) ? (size_t)n : sizeof(out->magic);
	memcpy(out->magic, buf, out->magic_len);
	if (head_only) {
		ret = 0;
		goto out;
	}
	st = XXH3_createState();
	if (!st || XXH3_128bits_reset(st) == XXH_ERROR)
		goto out;
	XXH3_128bits_update(st, buf, (size_t)n);
	while (n == FILEHASH_HEAD_BYTES || (size_t)n == READ_CHUNK) {
		n = read_full(fd, buf, READ_CHUNK);
		if (n < 0)
			goto out;
		XXH3_128bits_update(st, buf, (size_t)n);
		out->size += (uint64_t)n;
	}
	canonical(XXH3_128bits_digest(st), out->full);
	ret = 0;
out:
	XXH3_freeState(st);
	free(buf);
	return ret;
}

static int hash_path(const char *path, int head_only, struct filehash *out, struct wn_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int ret;

	if (fd < 0)
		return wn_fail(err, WN_EIO, "%s: %s", path, strerror(errno));
	ret = hash_fd(fd, head_only, out);
	if (ret)
		wn_fail(err, errno == ENOMEM ? WN_ENOMEM : WN_EIO, "%s: %s", path, strerror(errno));
	close(fd);
	return ret;
}

int filehash_file(const char *path, struct filehash *out, struct wn_err *err)
{
	return hash_path(path, 0, out, err);
}

int filehash_head(const char *path, struct filehash *out, struct wn_err *err)
{
	return hash_path(path, 1, out, err);
}

void filehash_hex(const uint8_t digest[16], char hex[FILEHASH_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[FILEHASH_HEX_LEN] = '\0';
}
