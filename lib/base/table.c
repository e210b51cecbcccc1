/* Output for people and programs: the row writer (text, CSV, JSON lines)
 * and byte counts in human units. */
#include <inttypes.h>
#include <stdio.h>

#include "base/table.h"
#include "base/quote.h"

void table_begin(struct table *t, enum out_format fmt, FILE *out, const char *const *cols,
		 int ncols)
{
	t->fmt = fmt;
	t->out = out;
	t->cols = cols;
	t->ncols = ncols;
	t->col = 0;
	strbuf_init(&t->line);
	if (fmt == FMT_CSV) {
		for (int i = 0; i < ncols; i++)
			fprintf(out, "%s%s", i ? "," : "", cols[i]);
		fputc('\n', out);
	}
}

/* Separator and, for JSON, the key of the next field. */
static void next_field(struct table *t)
{
	if (t->fmt == FMT_JSONL) {
		strbuf_addstr(&t->line, t->col ? "," : "{");
		quote_json(&t->line, t->cols[t->col]);
		strbuf_addch(&t->line, ':');
	} else if (t->col) {
		strbuf_addch(&t->line, t->fmt == FMT_CSV ? ',' : '\t');
	}
	t->col++;
}

void table_str(struct table *t, const char *s)
{
	next_field(t);
	if (!s) {
		if (t->fmt == FMT_JSONL)
			strbuf_addstr(&t->line, "null");
		return;
	}
	if (t->fmt == FMT_JSONL)
		quote_json(&t->line, s);
	else if (t->fmt == FMT_CSV)
		quote_csv(&t->line, s);
	else
		quote_c(&t->line, s);
}

void table_int(struct table *t, int64_t v)
{
	next_field(t);
	strbuf_addf(&t->line, "%" PRId64, v);
}

void table_end_row(struct table *t)
{
	if (t->fmt == FMT_JSONL)
		strbuf_addch(&t->line, '}');
	strbuf_addch(&t->line, '\n');
	fwrite(t->line.buf, 1, t->line.len, t->out);
	strbuf_reset(&t->line);
	t->col = 0;
}

int table_end(struct table *t)
{
	strbuf_release(&t->line);
	return fflush(t->out) || ferror(t->out) ? -1 : 0;
}

void human_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 4)
		v /= 1000, u++;
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}
