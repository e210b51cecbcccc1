/* Exact groups (same XXH3-128 and size), groups of visual copies (the
 * pairs from pairs.c: near, mirrored, rotated), conflicts, actions. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash/hash.h"
#include "catalog/catalog.h"
#include "internal.h"

static int add_group(struct dupes *d, enum dupes_match match, size_t *members, size_t n)
{
	struct dupes_group *g;

	if (d->ngroups % 256 == 0) {
		struct dupes_group *v = realloc(d->groups, (d->ngroups + 256) * sizeof(*v));

		if (!v)
			return -1;
		d->groups = v;
	}
	g = &d->groups[d->ngroups++];
	g->match = match;
	g->members = members;
	g->n = n;
	g->conflict = 0;
	for (size_t i = 1; i < n; i++) {
		const char *a = d->f[members[0]].item.class_name, *b = d->f[members[i]].item.class_name;

		if ((!a) != (!b) || (a && strcmp(a, b)))
			g->conflict = 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct dupes_file *f = &d->f[members[i]];

		f->group = (int)d->ngroups;
		if (match == DUPES_EXACT) {  /* near groups' members are told by their pair */
			f->match = DUPES_EXACT;
			f->distance = 0;
		}
	}
	return 0;
}

static int cmp_id_pair(const void *pa, const void *pb)
{
	const int64_t *a = pa, *b = pb;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return (a[1] > b[1]) - (a[1] < b[1]);
}

int dupes_told_apart(const struct dupes *d, size_t fa, size_t fb)
{
	int64_t a = d->f[fa].image_id, b = d->f[fb].image_id, key[2];

	if (!a || !b || !d->napart)
		return 0;
	key[0] = a < b ? a : b;
	key[1] = a < b ? b : a;
	return bsearch(key, d->apart, d->napart, 2 * sizeof(int64_t), cmp_id_pair) != NULL;
}

/* Whether file f was told apart from any of the n files in set. */
static int told_apart_from_any(const struct dupes *d, size_t f, const size_t *set, size_t n)
{
	for (size_t i = 0; d->napart && i < n; i++)
		if (dupes_told_apart(d, f, set[i]))
			return 1;
	return 0;
}

/* With --across, a group keeps its keeper and the members from the other
 * root: duplicates within one root are not leakage. A member a person
 * told apart from one already kept leaves the group. */
static size_t keep_members(const struct dupes *d, size_t *members, size_t n)
{
	size_t m = 1;

	for (size_t i = 1; i < n; i++)
		if ((d->opt.nroots < 2 || d->f[members[i]].root != d->f[members[0]].root) &&
		    !told_apart_from_any(d, members[i], members, m))
			members[m++] = members[i];
	return m;
}

static int cmp_xxh3_rank(const void *pa, const void *pb, void *ctx)
{
	const struct dupes_file *f = ctx, *a = &f[*(const size_t *)pa], *b = &f[*(const size_t *)pb];
	int c = memcmp(a->xxh3, b->xxh3, 16);

	if (!c && a->item.size != b->item.size)
		c = a->item.size < b->item.size ? -1 : 1;
	return c ? c : (a->rank < b->rank ? -1 : a->rank > b->rank);
}

int dupes_group_exact(struct dupes *d, struct wn_err *err)
{
	size_t *idx = malloc((d->n ? d->n : 1) * sizeof(*idx)), n = 0;

	if (!idx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->n; i++)
		if (d->f[i].usable && d->f[i].has_xxh3)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_xxh3_rank, d->f);
	for (size_t a = 0, b; a < n; a = b) {
		size_t *members, m;

		for (b = a + 1; b < n; b++)
			if (memcmp(d->f[idx[b]].xxh3, d->f[idx[a]].xxh3, 16) ||
			    d->f[idx[b]].item.size != d->f[idx[a]].item.size)
				break;
		if (b - a < 2)
			continue;
		members = malloc((b - a) * sizeof(*members));
		if (!members)
			goto oom;
		memcpy(members, idx + a, (b - a) * sizeof(*members));
		m = keep_members(d, members, b - a);
		if (m < 2) {
			free(members);
			continue;
		}
		if (add_group(d, DUPES_EXACT, members, m)) {
			free(members);
			goto oom;
		}
	}
	free(idx);
	return 0;
oom:
	free(idx);
	return wn_fail(err, WN_ENOMEM, "out of memory");
}

static int cmp_rank(const void *pa, const void *pb, void *ctx)
{
	const struct dupes_file *f = ctx;
	size_t a = f[*(const size_t *)pa].rank, b = f[*(const size_t *)pb].rank;

	return a < b ? -1 : a > b;
}

/* Each search id's pairs, both ways: pair indexes from start[id] to
 * start[id + 1] in adj (the other end) and via (the pair). */
struct neighbours {
	size_t *start, *adj, *via;
};

static int neighbours_make(struct neighbours *nb, size_t nrep, const struct dupes_pair *p,
			   size_t np)
{
	size_t *fill = calloc(nrep + 1, sizeof(*fill));

	nb->start = calloc(nrep + 1, sizeof(*nb->start));
	nb->adj = malloc((2 * np + 1) * sizeof(*nb->adj));
	nb->via = malloc((2 * np + 1) * sizeof(*nb->via));
	if (!fill || !nb->start || !nb->adj || !nb->via) {
		free(fill);
		return -1;
	}
	for (size_t k = 0; k < np; k++) {
		nb->start[p[k].a + 1]++;
		nb->start[p[k].b + 1]++;
	}
	for (size_t i = 0; i < nrep; i++)
		nb->start[i + 1] += nb->start[i];
	memcpy(fill, nb->start, nrep * sizeof(*fill));
	for (size_t k = 0; k < np; k++) {
		nb->via[fill[p[k].a]] = k;
		nb->adj[fill[p[k].a]++] = p[k].b;
		nb->via[fill[p[k].b]] = k;
		nb->adj[fill[p[k].b]++] = p[k].a;
	}
	free(fill);
	return 0;
}

static void neighbours_free(struct neighbours *nb)
{
	free(nb->start);
	free(nb->adj);
	free(nb->via);
}

/* Who is in which group, before the groups are made: owner[x] is the
 * keeper whose group search id x joins (x itself for a keeper; NONE when
 * in no group), via[x] the pair it joins by, copies[s] how many joined
 * keeper s. */
#define NONE SIZE_MAX

struct owners {
	size_t *owner, *via, *copies;
	size_t *scratch;         /* the files of the group being claimed */
};

/* Keeper s claims its neighbours in no group yet, except those a person
 * told apart from one already claimed. */
static void claim(const struct dupes *d, const size_t *rep, size_t s, const struct neighbours *nb,
		  struct owners *o)
{
	size_t m = 1;

	o->scratch[0] = rep[s];
	for (size_t a = nb->start[s]; a < nb->start[s + 1]; a++) {
		size_t x = nb->adj[a];

		/* never the keeper itself, whatever a pair list says */
		if (x == s || o->owner[x] != NONE || told_apart_from_any(d, rep[x], o->scratch, m))
			continue;
		o->owner[x] = s;
		o->via[x] = nb->via[a];
		o->scratch[m++] = rep[x];
	}
	if (m > 1) {
		o->owner[s] = s;
		o->copies[s] += m - 1;
	}
}

/*
 * An image left in no group while every neighbour of it is a copy in a
 * group kept by an image ranked higher would go unreported (a rotated
 * copy of a photo whose rotation is also a crop of a bigger composite;
 * the source of a crop taken by such a group). When its pair with one
 * such neighbour y is of a kind at least as close as y's pair with its
 * keeper, and that group has other copies, y leaves it and the better
 * ranked of the two claims a group anew: more files are reported, every
 * keeper keeps a group (so --prefer's choice stands), and every member
 * still matches its keeper directly.
 */
static void rescue(const struct dupes *d, const size_t *rep, const size_t *order, size_t nrep,
		   const struct neighbours *nb, const struct dupes_pair *p, struct owners *o)
{
	for (size_t k = 0; k < nrep; k++) {
		size_t x = order[k], best = NONE, y, ky;

		if (o->owner[x] != NONE)
			continue;
		/* the neighbour of the closest pair: kind, then dHash distance */
		for (size_t a = nb->start[x]; a < nb->start[x + 1]; a++) {
			const struct dupes_pair *q = &p[nb->via[a]];

			y = nb->adj[a];
			ky = o->owner[y];
			if (y == x || ky == NONE || ky == y || o->copies[ky] < 2 ||
			    q->match > p[o->via[y]].match || dupes_told_apart(d, rep[x], rep[y]))
				continue;
			if (best == NONE || q->match < p[nb->via[best]].match ||
			    (q->match == p[nb->via[best]].match && q->distance < p[nb->via[best]].distance))
				best = a;
		}
		if (best == NONE)
			continue;
		y = nb->adj[best];
		ky = o->owner[y];
		o->owner[y] = NONE;
		o->copies[ky]--;
		claim(d, rep, d->f[rep[x]].rank < d->f[rep[y]].rank ? x : y, nb, o);
	}
}

/* Keeper s's group: the files that joined it, each marked with how it
 * matches s. @return 0, or -1 out of memory. */
static int make_group(struct dupes *d, const size_t *rep, size_t s, const struct neighbours *nb,
		      const struct dupes_pair *p, const struct owners *o)
{
	size_t m = 1, *members = malloc((o->copies[s] + 1) * sizeof(*members));

	if (!members)
		return -1;
	members[0] = rep[s];
	for (size_t a = nb->start[s]; a < nb->start[s + 1]; a++) {
		size_t x = nb->adj[a];
		struct dupes_file *f = &d->f[rep[x]];

		if (x == s || o->owner[x] != s || o->via[x] != nb->via[a])
			continue;
		members[m++] = rep[x];
		f->match = p[nb->via[a]].match;
		f->distance = p[nb->via[a]].distance;
		f->crop_source = f->match == DUPES_CROP && p[nb->via[a]].cropped != x;
	}
	qsort_r(members + 1, m - 1, sizeof(*members), cmp_rank, d->f);
	if (add_group(d, d->f[members[1]].match, members, m)) {
		free(members);
		return -1;
	}
	return 0;
}

/* The search ids 0..nrep into order by their files' rank: the ranks are
 * distinct, 0..d->n (dupes_rank()), so each id takes its rank's slot, a
 * sort without comparisons that reads the files once, in order. */
static int rank_order(const struct dupes *d, const size_t *rep, size_t nrep, size_t *order)
{
	size_t *slot = malloc((d->n + 1) * sizeof(*slot)), k = 0;

	if (!slot)
		return -1;
	for (size_t r = 0; r < d->n; r++)
		slot[r] = NONE;
	for (size_t i = 0; i < nrep; i++)
		slot[d->f[rep[i]].rank] = i;
	for (size_t r = 0; r < d->n; r++)
		if (slot[r] != NONE)
			order[k++] = slot[r];
	free(slot);
	return 0;
}

/*
 * No chaining: walking the candidates in keeper order, each one in no
 * group yet claims its verified neighbours in none (then rescue()).
 * Every member therefore matches its keeper directly, and says how.
 * Works on search ids; rep[] maps them to files.
 */
static int greedy_groups(struct dupes *d, const size_t *rep, size_t nrep,
			 const struct dupes_pair *p, size_t np)
{
	struct neighbours nb = { NULL, NULL, NULL };
	size_t *order = malloc((nrep + 1) * sizeof(*order));
	struct owners o = { malloc((nrep + 1) * sizeof(size_t)), malloc((nrep + 1) * sizeof(size_t)),
			    calloc(nrep + 1, sizeof(size_t)), malloc((nrep + 1) * sizeof(size_t)) };
	int ret = -1;

	if (!order || !o.owner || !o.via || !o.copies || !o.scratch ||
	    neighbours_make(&nb, nrep, p, np) || rank_order(d, rep, nrep, order))
		goto out;
	for (size_t i = 0; i < nrep; i++)
		o.owner[i] = NONE;
	for (size_t k = 0; k < nrep; k++)
		if (o.owner[order[k]] == NONE)
			claim(d, rep, order[k], &nb, &o);
	rescue(d, rep, order, nrep, &nb, p, &o);
	for (size_t k = 0; k < nrep; k++)
		if (o.owner[order[k]] == order[k] && make_group(d, rep, order[k], &nb, p, &o))
			goto out;
	ret = 0;
out:
	neighbours_free(&nb);
	free(order);
	free(o.owner);
	free(o.via);
	free(o.copies);
	free(o.scratch);
	return ret;
}

/* The pairs left once those a person told apart are taken out. */
static size_t drop_told_apart(const struct dupes *d, const size_t *rep, struct dupes_pair *p,
			      size_t np)
{
	size_t m = 0;

	for (size_t k = 0; k < np; k++)
		if (!dupes_told_apart(d, rep[p[k].a], rep[p[k].b]))
			p[m++] = p[k];
	return m;
}

int dupes_group_near(struct dupes *d, struct wn_err *err)
{
	size_t *rep = malloc((d->n ? d->n : 1) * sizeof(*rep)), nrep = 0, np = 0;
	uint64_t *hash = malloc((d->n ? d->n : 1) * sizeof(*hash));
	uint8_t *thumbs = malloc((d->n ? d->n : 1) * THUMB_BYTES);
	int *side = malloc((d->n ? d->n : 1) * sizeof(*side));
	struct dupes_pair *p = NULL, *cp = NULL;
	size_t ncp = 0;
	struct dupes_crops *crops = NULL;
	const struct feat **feats = NULL;
	int ret = -1;

	if (!rep || !hash || !thumbs || !side) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	/* One candidate per exact group (its keeper), plus every image in no
	 * exact group; images too small or flat take no part. */
	for (size_t i = 0; i < d->n; i++) {
		const struct dupes_file *f = &d->f[i];
		int exact_member = f->group && d->groups[f->group - 1].members[0] != i;

		if (!f->usable || !f->has_fp || exact_member)
			continue;
		if (f->small) {
			d->small++;
			continue;
		}
		if (f->flat) {
			d->flat++;
			continue;
		}
		hash[nrep] = f->dhash;
		memcpy(thumbs + nrep * THUMB_BYTES, d->thumbs + (size_t)f->thumb * THUMB_BYTES,
		       THUMB_BYTES);
		side[nrep] = f->root;
		rep[nrep++] = i;
	}
	struct dupes_pairs_in in = {
		nrep, hash, thumbs, d->opt.nroots > 1 ? side : NULL, d->opt.match,
		d->opt.threshold, d->opt.similarity, d->opt.threads, NULL, d->opt.pairs_budget,
	};
	if ((d->opt.match & DUPES_MATCH_CROP) &&
	    dupes_crop_features(d, rep, nrep, &crops, &feats, err))
		goto out;
	in.crops = feats;
	if (feats && dupes_crop_pairs(d, &in, rep, &cp, &ncp, err))
		goto out;
	in.crops = NULL;   /* searched above, or recorded */
	if (dupes_pairs(&in, &p, &np, err))
		goto out;
	if (dupes_pairs_merge(&p, &np, cp, ncp)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	np = drop_told_apart(d, rep, p, np);
	if (greedy_groups(d, rep, nrep, p, np)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	free(p);
	free(cp);
	free(feats);
	dupes_crops_free(crops);
	free(rep);
	free(hash);
	free(thumbs);
	free(side);
	return ret;
}

/* Stronger actions win when a file sits in two groups (an exact keeper
 * that is also a near duplicate of a better image). */
static int strength(enum dupes_action a)
{
	return a == DUPES_ACT_DELETE || a == DUPES_ACT_MOVE ? 3
		: a == DUPES_ACT_REPORT ? 2 : a == DUPES_ACT_KEEP;
}

static void set_action(struct dupes_file *f, enum dupes_action a)
{
	if (strength(a) > strength(f->action))
		f->action = a;
}

void dupes_assign_actions(struct dupes *d)
{
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		if (grp->conflict)
			d->conflicts++;
		/* A crop goes only when its source is kept: a source whose
		 * keeper is a crop of it is reported. */
		for (size_t i = 0; i < grp->n; i++)
			set_action(&d->f[grp->members[i]],
				   grp->conflict || d->f[grp->members[i]].crop_source ? DUPES_ACT_REPORT
				   : i == 0 ? DUPES_ACT_KEEP : d->opt.action);
	}
}

int dupes_record_conflicts(struct dupes *d, struct wn_err *err)
{
	int64_t *ids;
	const char **match;

	if (d->opt.dry_run || !d->run_id)
		return 0;
	ids = malloc((d->n ? d->n : 1) * sizeof(*ids));
	match = malloc((d->n ? d->n : 1) * sizeof(*match));
	if (!ids || !match) {
		free(ids);
		free(match);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < d->n; i++)
		ids[i] = d->f[i].image_id;
	if (catalog_begin(d->cat, err) || conflicts_clear(d->cat, ids, d->n, err) ||
	    dup_groups_clear(d->cat, ids, d->n, err))
		goto fail;
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		/* every group, keeper first, for a review session */
		for (size_t k = 0; k < grp->n; k++) {
			ids[k] = d->f[grp->members[k]].image_id;
			match[k] = dupes_match_name(dupes_member_match(d, grp, k));
		}
		if (dup_groups_add(d->cat, d->run_id, (int)g + 1, ids, match, grp->n, err))
			goto fail;
		if (!grp->conflict)
			continue;
		for (size_t k = 0; k < grp->n; k++)
			if (ids[k] && conflicts_add(d->cat, d->run_id, (int)g + 1, ids[k], match[k],
						    err))
				goto fail;
	}
	free(ids);
	free(match);
	return catalog_commit(d->cat, err);
fail:
	catalog_rollback(d->cat);
	free(ids);
	free(match);
	return -1;
}
