/* The ustar writer: header fields as POSIX lays them out, the checksum,
 * long names split at a '/', the limits, and whole archives read back
 * block by block. (tests/cli/t0115-split-layout.sh reads db split's
 * shards with Python's tarfile and GNU tar.) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/fileio.h"
#include "base/tar.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

/* The checksum as a reader computes it: the field counted as spaces. */
static unsigned checksum(const uint8_t *b)
{
	unsigned sum = 0;

	for (int i = 0; i < TAR_BLOCK; i++)
		sum += i >= 148 && i < 156 ? ' ' : b[i];
	return sum;
}

UNIT_TEST(test_header_fields)
{
	uint8_t b[TAR_BLOCK];

	assert_int_equal(tar_header(b, "000000001.jpg", 1234, 1700000000, NULL), 0);
	assert_string_equal((char *)b, "000000001.jpg");
	assert_memory_equal(b + 100, "0000644", 8);
	assert_memory_equal(b + 108, "0000000", 8);
	assert_memory_equal(b + 116, "0000000", 8);
	assert_memory_equal(b + 124, "00000002322", 12);       /* 1234 */
	assert_memory_equal(b + 136, "14524770400", 12);       /* 1700000000 */
	assert_int_equal(b[156], '0');
	assert_memory_equal(b + 257, "ustar", 6);
	assert_memory_equal(b + 263, "00", 2);
	assert_int_equal(strtoul((char *)b + 148, NULL, 8), checksum(b));
	assert_int_equal(b[154], '\0');
	assert_int_equal(b[155], ' ');
	assert_int_equal(b[345], '\0');                           /* no prefix */
	/* a time before the epoch is written as 0 */
	assert_int_equal(tar_header(b, "a", 0, -5, NULL), 0);
	assert_memory_equal(b + 136, "00000000000", 12);
}

UNIT_TEST(test_header_names_and_limits)
{
	uint8_t b[TAR_BLOCK];
	char name[300];
	struct wn_err err;

	/* exactly 100 bytes: the whole field, no NUL */
	memset(name, 'n', 100);
	name[100] = '\0';
	assert_int_equal(tar_header(b, name, 0, 0, NULL), 0);
	assert_memory_equal(b, name, 100);
	assert_int_equal(b[345], '\0');
	/* 101 bytes with no '/': refused */
	strcat(name, "n");
	assert_int_equal(tar_header(b, name, 0, 0, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	/* 150 + '/' + 80: split at the '/' */
	memset(name, 'p', 150);
	name[150] = '/';
	memset(name + 151, 'f', 80);
	name[231] = '\0';
	assert_int_equal(tar_header(b, name, 0, 0, NULL), 0);
	assert_memory_equal(b + 345, name, 150);
	assert_int_equal(b[345 + 150], '\0');
	assert_memory_equal(b, name + 151, 80);
	assert_int_equal(b[80], '\0');
	/* a prefix over 155 bytes: refused */
	memset(name, 'p', 160);
	name[160] = '/';
	memset(name + 161, 'f', 10);
	name[171] = '\0';
	assert_int_equal(tar_header(b, name, 0, 0, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	assert_int_equal(tar_header(b, "", 0, 0, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	/* sizes: the largest eleven octal digits hold, and one more */
	assert_int_equal(tar_header(b, "big", TAR_MAX_SIZE, 0, NULL), 0);
	assert_memory_equal(b + 124, "77777777777", 12);
	assert_int_equal(tar_header(b, "big", TAR_MAX_SIZE + 1, 0, &err), -1);
	assert_int_equal(err.code, WN_ELIMIT);
}

/* Reads the archive at path back: each entry's name and bytes must be
 * names[i] and datas[i] (lens[i] bytes), then two zero blocks end it. */
static void read_back(const char *path, const char *const *names, const uint8_t *const *datas,
		      const size_t *lens, int n)
{
	uint8_t *a, zero[2 * TAR_BLOCK] = { 0 };
	size_t len, at = 0;

	assert_int_equal(read_file_limited(path, 1 << 20, &a, &len, NULL), 0);
	assert_int_equal(len % TAR_BLOCK, 0);
	for (int i = 0; i < n; i++) {
		assert_true(at + TAR_BLOCK <= len);
		assert_string_equal((char *)a + at, names[i]);
		assert_int_equal(strtoul((char *)a + at + 148, NULL, 8), checksum(a + at));
		assert_int_equal(strtoull((char *)a + at + 124, NULL, 8), lens[i]);
		at += TAR_BLOCK;
		assert_memory_equal(a + at, datas[i], lens[i]);
		for (size_t k = lens[i]; k % TAR_BLOCK; k++)
			assert_int_equal(a[at + k], 0);
		at += (lens[i] + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	}
	assert_int_equal(len - at, sizeof(zero));
	assert_memory_equal(a + at, zero, sizeof(zero));
	free(a);
}

UNIT_TEST(test_archive_read_back)
{
	static uint8_t big[1025];
	const char *names[] = { "k.cls", "k.jpg", "empty", "k.json" };
	const uint8_t *datas[] = { (const uint8_t *)"3", big, (const uint8_t *)"",
				   (const uint8_t *)"{}" };
	size_t lens[] = { 1, sizeof(big), 0, 2 };
	char path[160], src[160];
	struct tar t;
	int fd, in;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	snprintf(src, sizeof(src), "%s/src", fx_dir);
	fx_write(src, big, sizeof(big));
	snprintf(path, sizeof(path), "%s/a.tar", fx_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	in = open(src, O_RDONLY);
	assert_true(fd >= 0 && in >= 0);
	tar_init(&t, fd, path);
	assert_int_equal(tar_add(&t, names[0], datas[0], lens[0], 1, NULL), 0);
	assert_int_equal(tar_add_fd(&t, names[1], in, lens[1], 1, src, NULL), 0);
	assert_int_equal(tar_add(&t, names[2], datas[2], lens[2], 1, NULL), 0);
	assert_int_equal(tar_add(&t, names[3], datas[3], lens[3], 1, NULL), 0);
	assert_int_equal(tar_finish(&t, NULL), 0);
	assert_int_equal(t.bytes, 512 * (1 + 1 + 1 + 3 + 1 + 1 + 1 + 2));
	close(fd);
	close(in);
	read_back(path, names, datas, lens, 4);
}

UNIT_TEST(test_add_fd_short_file)
{
	char path[160], src[160];
	struct wn_err err;
	struct tar t;
	int fd, in;

	snprintf(src, sizeof(src), "%s/short", fx_dir);
	fx_write(src, "abc", 3);
	snprintf(path, sizeof(path), "%s/b.tar", fx_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	in = open(src, O_RDONLY);
	assert_true(fd >= 0 && in >= 0);
	tar_init(&t, fd, path);
	/* the file ends before the size its header promised */
	assert_int_equal(tar_add_fd(&t, "x.jpg", in, 10, 0, src, &err), -1);
	assert_int_equal(err.code, WN_EIO);
	assert_string_equal(wn_err_cause(&err, src), "changed while being read");
	close(fd);
	close(in);
	/* a write that fails names the archive */
	fd = open(path, O_RDONLY);
	tar_init(&t, fd, path);
	assert_int_equal(tar_add(&t, "x", "y", 1, 0, &err), -1);
	assert_non_null(strstr(err.msg, "b.tar: Bad file descriptor"));
	close(fd);
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
