/* Which copy of a group is kept: one total order over all files, so every
 * group's keeper is simply its member of lowest rank. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int dupes_parse_keep(const char *s, enum dupes_keep *out)
{
	static const struct {
		const char *name;
		enum dupes_keep rule;
	} rules[] = {
		{ "pixels", DUPES_KEEP_PIXELS }, { "oldest", DUPES_KEEP_OLDEST },
		{ "newest", DUPES_KEEP_NEWEST }, { "first", DUPES_KEEP_FIRST },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(s, rules[i].name)) {
			*out = rules[i].rule;
			return 0;
		}
	return -1;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* The default chain: most pixels, then the largest file, then the
 * shortest path, then the path's bytes. */
static int cmp_default(const struct dupes_file *a, const struct dupes_file *b)
{
	size_t la = strlen(a->item.disk_path), lb = strlen(b->item.disk_path);
	int c = cmp_i64(b->pixels, a->pixels);

	if (!c)
		c = cmp_i64(b->item.size, a->item.size);
	if (!c && la != lb)
		c = la < lb ? -1 : 1;
	return c ? c : strcmp(a->item.disk_path, b->item.disk_path);
}

static int cmp_keep(const void *pa, const void *pb, void *ctx)
{
	const struct dupes *d = ctx;
	const struct dupes_file *a = &d->f[*(const size_t *)pa], *b = &d->f[*(const size_t *)pb];
	int c = (int)b->preferred - (int)a->preferred;

	if (c)
		return c;
	switch (d->opt.keep) {
	case DUPES_KEEP_OLDEST: c = cmp_i64(a->item.mtime_ns, b->item.mtime_ns); break;
	case DUPES_KEEP_NEWEST: c = cmp_i64(b->item.mtime_ns, a->item.mtime_ns); break;
	case DUPES_KEEP_FIRST: c = a->order < b->order ? -1 : a->order > b->order; break;
	case DUPES_KEEP_PIXELS: break;
	}
	return c ? c : cmp_default(a, b);
}

int dupes_rank(struct dupes *d)
{
	size_t *idx = malloc((d->n ? d->n : 1) * sizeof(*idx));

	if (!idx)
		return -1;
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	qsort_r(idx, d->n, sizeof(*idx), cmp_keep, d);
	for (size_t r = 0; r < d->n; r++)
		d->f[idx[r]].rank = r;
	free(idx);
	return 0;
}
