/* The bench programs' input: every file a list names (one path a line),
 * read into memory before anything is timed. Header-only: each bench
 * program is one source file. */
#ifndef WINNOW_BENCH_FILES_H
#define WINNOW_BENCH_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "img/image.h"

struct bench_file {
	uint8_t *data;
	size_t len;
};

/* bench_read_list() : the files `path` lists, into *files (n of them;
 * free with bench_free_files()). @return 0, or -1 after printing why. */
static int bench_read_list(const char *path, struct bench_file **files, size_t *n)
{
	size_t alloc = 0;
	char line[4096];
	FILE *list = fopen(path, "r");

	*files = NULL;
	*n = 0;
	if (!list) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), list)) {
		struct wn_err err;

		line[strcspn(line, "\n")] = '\0';
		if (*n == alloc) {
			struct bench_file *more;

			alloc = alloc ? 2 * alloc : 256;
			more = realloc(*files, alloc * sizeof(**files));
			if (!more)
				goto fail;
			*files = more;
		}
		if (read_file_limited(line, IMG_DEFAULT_MAX_BYTES, &(*files)[*n].data,
				      &(*files)[*n].len, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			goto fail;
		}
		(*n)++;
	}
	fclose(list);
	return 0;
fail:
	fclose(list);
	return -1;
}

static void bench_free_files(struct bench_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
	free(files);
}

#endif
