/* XXH3-128 of files and buffers; vectors from `xxhsum -H2`. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash/filehash.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"


static void hex_of_buffer(const void *buf, size_t len, char hex[33], char head[33])
{
	struct filehash h;

	filehash_buffer(buf, len, &h);
	filehash_hex(h.full, hex);
	filehash_hex(h.head, head);
	assert_int_equal(h.size, len);
}

UNIT_TEST(test_vectors)
{
	char hex[33], head[33];
	uint8_t *zeros = calloc(1, 4096);

	hex_of_buffer("", 0, hex, head);
	assert_string_equal(hex, "99aa06d3014798d86001c324468d497f");
	assert_string_equal(head, hex);
	hex_of_buffer("winnow", 6, hex, head);
	assert_string_equal(hex, "5ed94383467bfbbd67dd0156a39fc5bc");
	hex_of_buffer(zeros, 4096, hex, head);
	assert_string_equal(hex, "3ee8dc4f9e7ee49593d76fe148c689ba");
	free(zeros);
}

/* Streaming a 3 MiB + 17 byte file in 1 MiB reads gives the in-memory
 * digest; the head digest covers exactly the first 4 KiB. */
UNIT_TEST(test_file_matches_buffer)
{
	size_t len = 3 * 1024 * 1024 + 17;
	uint8_t *data = malloc(len);
	uint64_t s = 42;
	struct filehash f, b, h, first;
	char path[64];

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)fx_rand(&s);
	snprintf(path, sizeof(path), "%s/big", fx_dir);
	fx_write(path, data, len);
	assert_int_equal(filehash_file(path, &f, NULL), 0);
	filehash_buffer(data, len, &b);
	assert_memory_equal(f.full, b.full, 16);
	assert_memory_equal(f.head, b.head, 16);
	assert_int_equal(f.size, len);
	assert_int_equal(filehash_head(path, &h, NULL), 0);
	assert_memory_equal(h.head, b.head, 16);
	filehash_buffer(data, FILEHASH_HEAD_BYTES, &first);
	assert_memory_equal(h.head, first.full, 16);
	/* Exactly 4096 bytes and 1 MiB: the boundaries of the read loop. */
	for (size_t n = 4096; n <= 1024 * 1024; n += 1024 * 1024 - 4096) {
		fx_write(path, data, n);
		assert_int_equal(filehash_file(path, &f, NULL), 0);
		filehash_buffer(data, n, &b);
		assert_memory_equal(f.full, b.full, 16);
		assert_int_equal(f.size, n);
	}
	unlink(path);
	free(data);
}

UNIT_TEST(test_missing_file)
{
	struct filehash f;
	struct wn_err err;

	assert_int_equal(filehash_file("/nonexistent/f", &f, &err), -1);
	assert_int_equal(err.code, WN_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/f: "));
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
