/* Content hashes of whole files for exact-duplicate detection: XXH3-128 of
 * all the bytes, and of the first 4 KiB as a cheap pre-filter. Digests are
 * stored in XXH3's canonical (big-endian) byte order, so their hex form is
 * what `xxhsum -H2` prints. */
#ifndef WINNOW_FILEHASH_H
#define WINNOW_FILEHASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define FILEHASH_HEAD_BYTES 4096
#define FILEHASH_HEX_LEN 32

struct filehash {
	uint8_t full[16];  /* XXH3-128 of the whole file */
	uint8_t head[16];  /* XXH3-128 of its first min(size, 4096) bytes */
	uint64_t size;
	uint8_t magic[16]; /* the first bytes, for img_sniff() without a read */
	size_t magic_len;
};

/* filehash_buffer() : both digests of an in-memory file. */
void filehash_buffer(const void *buf, size_t len, struct filehash *out);

/*
 * filehash_file() : both digests of path, streamed with 1 MiB reads.
 * @return 0, or -1 with err set (WN_EIO); the message starts with path.
 */
int filehash_file(const char *path, struct filehash *out, struct wn_err *err);

/* filehash_head() : only the first-4-KiB digest (out->full is zeroed). */
int filehash_head(const char *path, struct filehash *out, struct wn_err *err);

/* filehash_hex() : 32 lowercase hex digits and a NUL into hex[33]. */
void filehash_hex(const uint8_t digest[16], char hex[FILEHASH_HEX_LEN + 1]);

#endif
