/* What dedup prints, written where it says: one row per member of every
 * group (text, CSV or JSON lines) and the summary. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "internal.h"

static const char *action_name(enum dupes_action a)
{
	switch (a) {
	case DUPES_ACT_KEEP: return "keep";
	case DUPES_ACT_DELETE: return "delete";
	case DUPES_ACT_MOVE: return "move";
	case DUPES_ACT_REPORT: case DUPES_ACT_NONE: break;
	}
	return "report";
}

static void print_rows(const struct dupes *d, enum out_format fmt, FILE *out)
{
	static const char *const cols[] = { "group", "match", "distance", "class", "path",
					    "action" };
	struct table t;

	table_begin(&t, fmt, out, cols, 6);
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		for (size_t i = 0; i < grp->n; i++) {
			const struct dupes_file *f = &d->f[grp->members[i]];

			table_int(&t, (int64_t)g + 1);
			table_str(&t, dupes_match_name(dupes_member_match(d, grp, i)));
			table_int(&t, dupes_member_distance(d, grp, i));
			table_str(&t, f->item.class_name);
			table_str(&t, f->item.disk_path);
			table_str(&t, action_name(f->action));
			table_end_row(&t);
		}
	}
	table_end(&t);
}

/* Other names of a file: listed, never grouped nor acted on. */
static void print_links(const struct dupes *d, struct strbuf *q, FILE *out)
{
	int first = 1;

	for (size_t i = 0; i < d->n; i++) {
		const struct dupes_file *f = &d->f[i];

		if (!f->linked)
			continue;
		if (first)
			fprintf(out, "%shard links, left alone (another name of a file):\n",
				d->ngroups || d->flat || d->small ? "\n" : "");
		first = 0;
		strbuf_reset(q);
		quote_c(q, f->item.disk_path);
		fprintf(out, "  %s = ", q->buf);
		strbuf_reset(q);
		quote_c(q, d->f[f->link_of].item.disk_path);
		fprintf(out, "%s\n", q->buf);
	}
}

/* The images dupes_group_near() set apart as too small (small) or else
 * flat, under a title: not copies in an exact group (their keeper speaks
 * for them). */
static void print_set_apart(const struct dupes *d, int small, const char *title,
			    struct strbuf *q, FILE *out)
{
	int first = 1;

	for (size_t i = 0; i < d->n; i++) {
		const struct dupes_file *f = &d->f[i];

		if (!f->usable || !f->has_fp || f->linked ||
		    (small ? !f->small : f->small || !f->flat) ||
		    (f->group && d->groups[f->group - 1].members[0] != i))
			continue;
		if (first)
			fprintf(out, "%s%s:\n", d->ngroups || (!small && d->small) ? "\n" : "",
				title);
		first = 0;
		strbuf_reset(q);
		quote_c(q, f->item.disk_path);
		fprintf(out, "  %s\n", q->buf);
	}
}

static void print_text(const struct dupes *d, FILE *out)
{
	struct strbuf q = STRBUF_INIT;

	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];
		uint64_t bytes = 0;
		char human[32];

		for (size_t i = 1; i < grp->n; i++)
			bytes += (uint64_t)d->f[grp->members[i]].item.size;
		human_bytes(bytes, human, sizeof(human));
		fprintf(out, "%sgroup %zu: %s, %zu files, %s in the copies%s\n", g ? "\n" : "",
			g + 1, dupes_match_name(grp->match), grp->n, human,
			grp->conflict ? ", CONFLICT: classes differ" : "");
		for (size_t i = 0; i < grp->n; i++) {
			const struct dupes_file *f = &d->f[grp->members[i]];

			strbuf_reset(&q);
			quote_c(&q, f->item.disk_path);
			fprintf(out, "  %-7s %s", action_name(f->action), q.buf);
			if (grp->match != DUPES_EXACT && i)
				fprintf(out, "  (%s%sdistance %d)",
					f->match == DUPES_NEAR ? "" : dupes_match_name(f->match),
					f->match == DUPES_NEAR ? "" : ", ", f->distance);
			fputc('\n', out);
		}
	}
	if (d->small)
		print_set_apart(d, 1, "too small (under 32 px a side), not compared as visual copies",
				&q, out);
	if (d->flat)
		print_set_apart(d, 0, "flat or blank, not compared as near duplicates", &q, out);
	print_links(d, &q, out);
	strbuf_release(&q);
}

int dupes_report(const struct dupes *d, enum out_format fmt, FILE *out)
{
	if (fmt == FMT_TEXT)
		print_text(d, out);
	else
		print_rows(d, fmt, out);
	return fflush(out) || ferror(out) ? -1 : 0;
}

/* Groups by their kind (near: every group of visual copies), copies by
 * how each matches its keeper. */
struct tally {
	uint64_t exact_groups, exact_copies, near_groups, near_copies, bytes;
	uint64_t turned_copies;  /* mirrored or rotated, counted in near_groups */
	uint64_t crop_copies;    /* cropped, counted in near_groups */
};

static void count(const struct dupes *d, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		if (grp->match == DUPES_EXACT) {
			t->exact_groups++;
			t->exact_copies += grp->n - 1;
		} else {
			t->near_groups++;
			for (size_t i = 1; i < grp->n; i++)
				if (d->f[grp->members[i]].match == DUPES_NEAR)
					t->near_copies++;
				else if (d->f[grp->members[i]].match == DUPES_CROP)
					t->crop_copies++;
				else
					t->turned_copies++;
		}
		for (size_t i = 1; i < grp->n; i++)
			if (!grp->conflict && d->f[grp->members[i]].group == (int)g + 1)
				t->bytes += (uint64_t)d->f[grp->members[i]].item.size;
	}
}

void dupes_summary(const struct dupes *d, const char *prog, FILE *out)
{
	struct tally t;
	char bytes[32], acted[32];

	count(d, &t);
	human_bytes(t.bytes, bytes, sizeof(bytes));
	fprintf(out, "%s: %" PRIu64 " files: %" PRIu64 " exact groups (%" PRIu64 " copies), %"
		PRIu64 " near groups (%" PRIu64 " duplicates", prog, d->files, t.exact_groups,
		t.exact_copies, t.near_groups, t.near_copies);
	if (t.turned_copies)
		fprintf(out, ", %" PRIu64 " mirrored or rotated", t.turned_copies);
	if (t.crop_copies)
		fprintf(out, ", %" PRIu64 " cropped", t.crop_copies);
	fprintf(out, "), %" PRIu64 " conflicts, %" PRIu64 " flat images not compared",
		d->conflicts, d->flat);
	if (d->small)
		fprintf(out, ", %" PRIu64 " too small (under 32 px a side) not compared",
			d->small);
	if (d->crop_unusable)
		fprintf(out, ", %" PRIu64 " too small or flat for crops", d->crop_unusable);
	if (d->links)
		fprintf(out, ", %" PRIu64 " hard links (other names of a file) left alone",
			d->links);
	if (d->scan.corrupt || d->unreadable || d->scan.unreadable)
		fprintf(out, ", %" PRIu64 " corrupt or unreadable skipped",
			d->scan.corrupt + d->unreadable + d->scan.unreadable);
	fputc('\n', out);
	if (d->opt.action == DUPES_ACT_REPORT)
		fprintf(out, "%s: %s reclaimable; nothing changed (--delete or --move-to DIR "
			"acts, --dry-run shows what they would do)\n", prog, bytes);
	else if (d->opt.dry_run)
		fprintf(out, "%s: dry run: would %s files holding %s\n", prog,
			d->opt.action == DUPES_ACT_DELETE ? "delete" : "move", bytes);
	else {
		human_bytes(d->acted_bytes, acted, sizeof(acted));
		fprintf(out, "%s: %s %" PRIu64 " files, %s reclaimed%s\n", prog,
			d->opt.action == DUPES_ACT_DELETE ? "deleted" : "moved", d->acted, acted,
			d->failed_actions ? "; some were left in place (see above)" : "");
	}
}

void dupes_counts_json(const struct dupes *d, char *buf, size_t len)
{
	struct tally t;
	char crops[128] = "";

	count(d, &t);
	if (d->opt.match & DUPES_MATCH_CROP)
		snprintf(crops, sizeof(crops), ",\"crop_duplicates\":%" PRIu64
			 ",\"crop_features_made\":%" PRIu64 ",\"crop_unusable\":%" PRIu64,
			 t.crop_copies, d->crop_made, d->crop_unusable);
	snprintf(buf, len,
		 "{\"files\":%" PRIu64 ",\"exact_groups\":%" PRIu64 ",\"exact_copies\":%" PRIu64
		 ",\"near_groups\":%" PRIu64 ",\"near_duplicates\":%" PRIu64
		 ",\"turned_duplicates\":%" PRIu64 ",\"conflicts\":%" PRIu64
		 ",\"flat\":%" PRIu64 ",\"too_small\":%" PRIu64 ",\"acted\":%" PRIu64
		 ",\"acted_bytes\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"hard_links\":%" PRIu64 "%s}",
		 d->files, t.exact_groups, t.exact_copies, t.near_groups, t.near_copies,
		 t.turned_copies, d->conflicts, d->flat, d->small, d->acted, d->acted_bytes,
		 d->failed_actions, d->links, crops);
}
