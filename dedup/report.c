/* What dedup prints: one row per member of every group (text, CSV or JSON
 * lines on stdout) and a summary on stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "dedup.h"

static const char *action_name(enum dd_action a)
{
	switch (a) {
	case ACT_KEEP: return "keep";
	case ACT_DELETE: return "delete";
	case ACT_MOVE: return "move";
	case ACT_REPORT: case ACT_NONE: break;
	}
	return "report";
}

/* Distance of member i of g to the keeper, in this group's terms. */
static int member_distance(const struct dedup *d, const struct dd_group *g, size_t i)
{
	if (g->match == MATCH_EXACT)
		return 0;
	return dhash_distance(d->f[g->members[i]].dhash, d->f[g->members[0]].dhash);
}

static void print_rows(const struct dedup *d, enum out_format fmt)
{
	static const char *const cols[] = { "group", "match", "distance", "class", "path",
					    "action" };
	struct table t;

	table_begin(&t, fmt, stdout, cols, 6);
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dd_group *grp = &d->groups[g];

		for (size_t i = 0; i < grp->n; i++) {
			const struct dd_file *f = &d->f[grp->members[i]];

			table_int(&t, (int64_t)g + 1);
			table_str(&t, grp->match == MATCH_EXACT ? "exact" : "near");
			table_int(&t, member_distance(d, grp, i));
			table_str(&t, f->item.class_name);
			table_str(&t, f->item.disk_path);
			table_str(&t, action_name(f->action));
			table_end_row(&t);
		}
	}
	table_end(&t);
}

/* Other names of a file: listed, never grouped nor acted on. */
static void print_links(const struct dedup *d, struct strbuf *q)
{
	int first = 1;

	for (size_t i = 0; i < d->n; i++) {
		const struct dd_file *f = &d->f[i];

		if (!f->linked)
			continue;
		if (first)
			printf("%shard links, left alone (another name of a file):\n",
			       d->ngroups || d->flat ? "\n" : "");
		first = 0;
		strbuf_reset(q);
		quote_c(q, f->item.disk_path);
		printf("  %s = ", q->buf);
		strbuf_reset(q);
		quote_c(q, d->f[f->link_of].item.disk_path);
		printf("%s\n", q->buf);
	}
}

static void print_text(const struct dedup *d)
{
	struct strbuf q = STRBUF_INIT;

	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dd_group *grp = &d->groups[g];
		uint64_t bytes = 0;
		char human[32];

		for (size_t i = 1; i < grp->n; i++)
			bytes += (uint64_t)d->f[grp->members[i]].item.size;
		cli_human_bytes(bytes, human, sizeof(human));
		printf("%sgroup %zu: %s, %zu files, %s in the copies%s\n", g ? "\n" : "", g + 1,
		       grp->match == MATCH_EXACT ? "exact" : "near", grp->n, human,
		       grp->conflict ? ", CONFLICT: classes differ" : "");
		for (size_t i = 0; i < grp->n; i++) {
			const struct dd_file *f = &d->f[grp->members[i]];

			strbuf_reset(&q);
			quote_c(&q, f->item.disk_path);
			printf("  %-7s %s", action_name(f->action), q.buf);
			if (grp->match == MATCH_NEAR && i)
				printf("  (distance %d)", member_distance(d, grp, i));
			putchar('\n');
		}
	}
	if (d->flat) {
		int first = 1;

		for (size_t i = 0; i < d->n; i++) {
			const struct dd_file *f = &d->f[i];

			/* The ones dd_group_near() set apart: not copies in an
			 * exact group (their keeper speaks for them). */
			if (!f->usable || !f->has_fp || !f->flat || f->linked ||
			    (f->group && d->groups[f->group - 1].members[0] != i))
				continue;
			if (first)
				printf("%sflat or blank, not compared as near duplicates:\n",
				       d->ngroups ? "\n" : "");
			first = 0;
			strbuf_reset(&q);
			quote_c(&q, f->item.disk_path);
			printf("  %s\n", q.buf);
		}
	}
	print_links(d, &q);
	strbuf_release(&q);
}

int dd_report(const struct dedup *d, enum out_format fmt)
{
	if (fmt == FMT_TEXT)
		print_text(d);
	else
		print_rows(d, fmt);
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}

struct tally {
	uint64_t exact_groups, exact_copies, near_groups, near_copies, bytes;
};

static void count(const struct dedup *d, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dd_group *grp = &d->groups[g];

		if (grp->match == MATCH_EXACT) {
			t->exact_groups++;
			t->exact_copies += grp->n - 1;
		} else {
			t->near_groups++;
			t->near_copies += grp->n - 1;
		}
		for (size_t i = 1; i < grp->n; i++)
			if (!grp->conflict && d->f[grp->members[i]].group == (int)g + 1)
				t->bytes += (uint64_t)d->f[grp->members[i]].item.size;
	}
}

void dd_summary(const struct dedup *d)
{
	struct tally t;
	char bytes[32], acted[32];

	count(d, &t);
	cli_human_bytes(t.bytes, bytes, sizeof(bytes));
	fprintf(stderr, "%s: %" PRIu64 " files: %" PRIu64 " exact groups (%" PRIu64 " copies), %"
		PRIu64 " near groups (%" PRIu64 " duplicates), %" PRIu64 " conflicts, %" PRIu64
		" flat images not compared",
		cli_prog, d->files, t.exact_groups, t.exact_copies, t.near_groups, t.near_copies,
		d->conflicts, d->flat);
	if (d->links)
		fprintf(stderr, ", %" PRIu64 " hard links (other names of a file) left alone",
			d->links);
	if (d->scan.corrupt || d->unreadable || d->scan.unreadable)
		fprintf(stderr, ", %" PRIu64 " corrupt or unreadable skipped",
			d->scan.corrupt + d->unreadable + d->scan.unreadable);
	fputc('\n', stderr);
	if (d->action == ACT_REPORT)
		fprintf(stderr, "%s: %s reclaimable; nothing changed (--delete or --move-to DIR "
			"acts, --dry-run shows what they would do)\n", cli_prog, bytes);
	else if (d->dry_run)
		fprintf(stderr, "%s: dry run: would %s files holding %s\n", cli_prog,
			d->action == ACT_DELETE ? "delete" : "move", bytes);
	else {
		cli_human_bytes(d->acted_bytes, acted, sizeof(acted));
		fprintf(stderr, "%s: %s %" PRIu64 " files, %s reclaimed%s\n", cli_prog,
			d->action == ACT_DELETE ? "deleted" : "moved", d->acted, acted,
			d->failed_actions ? "; some were left in place (see above)" : "");
	}
}

void dd_counts_json(const struct dedup *d, char *buf, size_t len)
{
	struct tally t;

	count(d, &t);
	snprintf(buf, len,
		 "{\"files\":%" PRIu64 ",\"exact_groups\":%" PRIu64 ",\"exact_copies\":%" PRIu64
		 ",\"near_groups\":%" PRIu64 ",\"near_duplicates\":%" PRIu64 ",\"conflicts\":%" PRIu64
		 ",\"flat\":%" PRIu64 ",\"acted\":%" PRIu64 ",\"acted_bytes\":%" PRIu64
		 ",\"failed\":%" PRIu64
		 ",\"hard_links\":%" PRIu64 "}",
		 d->files, t.exact_groups, t.exact_copies, t.near_groups, t.near_copies,
		 d->conflicts, d->flat, d->acted, d->acted_bytes, d->failed_actions,
		 d->links);
}
