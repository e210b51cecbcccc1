/* Output for people and programs: a row writer for text, CSV and JSON
 * lines, and byte counts in human units. */
#ifndef WINNOW_TABLE_H
#define WINNOW_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include "base/strbuf.h"

enum out_format { FMT_TEXT, FMT_CSV, FMT_JSONL };

/*
 * A row writer. CSV: a header line, then RFC 4180 rows. JSON lines: one
 * object per row, keys from the columns, integers as numbers, NULL as
 * null. Text: tab-separated fields, C-quoted where needed, no header.
 * cols is borrowed until table_end(); a table belongs to one thread.
 */
struct table {
	enum out_format fmt;
	FILE *out;
	const char *const *cols;
	int ncols;
	int col;
	struct strbuf line;
};

void table_begin(struct table *t, enum out_format fmt, FILE *out, const char *const *cols,
		 int ncols);
void table_str(struct table *t, const char *s);   /* NULL: empty / null */
void table_int(struct table *t, int64_t v);
void table_end_row(struct table *t);
/* table_end() : frees the line buffer. @return 0, or -1 if writing failed. */
int table_end(struct table *t);

/* human_bytes() : n as "512 B", "1.5 MB" (powers of 1000), into buf of
 * len bytes (truncated to fit). */
void human_bytes(uint64_t n, char *buf, size_t len);

#endif
