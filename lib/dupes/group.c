/* Exact groups (same XXH3-128 and size), near groups (dHash candidates from
 * multi-index hashing, verified on the thumbnails), conflicts, actions. */
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
		f->distance = match == DUPES_NEAR
			? dhash_distance(f->dhash, d->f[members[0]].dhash) : 0;
	}
	return 0;
}

/* With --across, a group keeps its keeper and the members from the other
 * root: duplicates within one root are not leakage. */
static size_t keep_across(const struct dupes *d, size_t *members, size_t n)
{
	size_t m = 1;

	if (d->opt.nroots < 2)
		return n;
	for (size_t i = 1; i < n; i++)
		if (d->f[members[i]].root != d->f[members[0]].root)
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
		m = keep_across(d, members, b - a);
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

/* Candidate pairs from the search, verified, collected under a lock (the
 * search runs on several threads). */
struct edges {
	const struct dupes *d;
	const size_t *rep;        /* search id -> file index */
	pthread_mutex_t lock;
	size_t (*pair)[2];
	size_t n, alloc;
	int oom;
};

/* The thumbnail similarity a candidate at dHash distance `dist` needs:
 * the configured value from distance 4 on, 0.02 less per bit below, since
 * hashes that close already say much. */
static double required(double similarity, int dist)
{
	return dist >= 4 ? similarity : similarity - 0.02 * (4 - dist);
}

static int on_candidate(size_t i, size_t j, int dist, void *data)
{
	struct edges *e = data;
	const struct dupes_file *a = &e->d->f[e->rep[i]], *b = &e->d->f[e->rep[j]];

	if (e->d->opt.nroots > 1 && a->root == b->root)
		return 0;
	if (!thumb_similar(e->d->thumbs + (size_t)a->thumb * THUMB_BYTES,
			   e->d->thumbs + (size_t)b->thumb * THUMB_BYTES,
			   required(e->d->opt.similarity, dist)))
		return 0;
	pthread_mutex_lock(&e->lock);
	if (e->n == e->alloc) {
		size_t alloc = e->alloc ? 2 * e->alloc : 1024;
		void *v = realloc(e->pair, alloc * sizeof(*e->pair));

		if (!v) {
			e->oom = 1;
			pthread_mutex_unlock(&e->lock);
			return 1;
		}
		e->pair = v;
		e->alloc = alloc;
	}
	e->pair[e->n][0] = i;
	e->pair[e->n][1] = j;
	e->n++;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

static int cmp_rank(const void *pa, const void *pb, void *ctx)
{
	const struct dupes_file *f = ctx;
	size_t a = f[*(const size_t *)pa].rank, b = f[*(const size_t *)pb].rank;

	return a < b ? -1 : a > b;
}

struct rep_order {
	const struct dupes_file *f;
	const size_t *rep;
};

static int cmp_rep_rank(const void *pa, const void *pb, void *ctx)
{
	const struct rep_order *o = ctx;
	size_t a = o->f[o->rep[*(const size_t *)pa]].rank, b = o->f[o->rep[*(const size_t *)pb]].rank;

	return a < b ? -1 : a > b;
}

/*
 * No chaining: walking the candidates in keeper order, each one not yet
 * taken keeps a group of its verified neighbours not yet taken. Every
 * member therefore matches its keeper directly. Works on search ids; rep[]
 * maps them to files.
 */
static int greedy_groups(struct dupes *d, const size_t *rep, size_t nrep, const struct edges *e)
{
	struct rep_order ro = { d->f, rep };
	size_t *start = calloc(nrep + 1, sizeof(*start)), *fill = calloc(nrep + 1, sizeof(*fill));
	size_t *adj = malloc((2 * e->n + 1) * sizeof(*adj)), *order = malloc((nrep + 1) * sizeof(*order));
	uint8_t *taken = calloc(nrep + 1, 1);
	int ret = -1;

	if (!start || !fill || !adj || !order || !taken)
		goto out;
	for (size_t k = 0; k < e->n; k++) {
		start[e->pair[k][0] + 1]++;
		start[e->pair[k][1] + 1]++;
	}
	for (size_t i = 0; i < nrep; i++)
		start[i + 1] += start[i];
	memcpy(fill, start, nrep * sizeof(*fill));
	for (size_t k = 0; k < e->n; k++) {
		adj[fill[e->pair[k][0]]++] = e->pair[k][1];
		adj[fill[e->pair[k][1]]++] = e->pair[k][0];
	}
	for (size_t i = 0; i < nrep; i++)
		order[i] = i;
	qsort_r(order, nrep, sizeof(*order), cmp_rep_rank, &ro);
	for (size_t k = 0; k < nrep; k++) {
		size_t s = order[k], m = 1, *members;

		if (taken[s] || start[s] == start[s + 1])
			continue;
		members = malloc((start[s + 1] - start[s] + 1) * sizeof(*members));
		if (!members)
			goto out;
		members[0] = rep[s];
		for (size_t a = start[s]; a < start[s + 1]; a++)
			if (!taken[adj[a]]) {
				taken[adj[a]] = 1;
				members[m++] = rep[adj[a]];
			}
		if (m < 2) {
			free(members);
			continue;
		}
		taken[s] = 1;
		qsort_r(members + 1, m - 1, sizeof(*members), cmp_rank, d->f);
		if (add_group(d, DUPES_NEAR, members, m)) {
			free(members);
			goto out;
		}
	}
	ret = 0;
out:
	free(start);
	free(fill);
	free(adj);
	free(order);
	free(taken);
	return ret;
}

int dupes_group_near(struct dupes *d, struct wn_err *err)
{
	struct edges e = { d, NULL, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0 };
	size_t *rep = malloc((d->n ? d->n : 1) * sizeof(*rep)), nrep = 0;
	uint64_t *hash = malloc((d->n ? d->n : 1) * sizeof(*hash));
	struct mih *m = NULL;
	int ret = -1;

	if (!rep || !hash) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	/* One candidate per exact group (its keeper), plus every image in no
	 * exact group; flat images take no part. */
	for (size_t i = 0; i < d->n; i++) {
		const struct dupes_file *f = &d->f[i];
		int exact_member = f->group && d->groups[f->group - 1].members[0] != i;

		if (!f->usable || !f->has_fp || exact_member)
			continue;
		if (f->flat) {
			d->flat++;
			continue;
		}
		hash[nrep] = f->dhash;
		rep[nrep++] = i;
	}
	e.rep = rep;
	m = mih_build(hash, nrep);
	if (!m) {
		wn_fail(err, WN_ENOMEM, "out of memory for the near-duplicate index");
		goto out;
	}
	if (mih_pairs(m, d->opt.threshold, NULL, d->opt.threads, on_candidate, &e, err) < 0)
		goto out;
	if (e.oom || greedy_groups(d, rep, nrep, &e)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	mih_free(m);
	free(e.pair);
	free(rep);
	free(hash);
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
		for (size_t i = 0; i < grp->n; i++)
			set_action(&d->f[grp->members[i]],
				   grp->conflict ? DUPES_ACT_REPORT : i == 0 ? DUPES_ACT_KEEP : d->opt.action);
	}
}

int dupes_record_conflicts(struct dupes *d, struct wn_err *err)
{
	int64_t *ids;

	if (d->opt.dry_run || !d->run_id)
		return 0;
	ids = malloc((d->n ? d->n : 1) * sizeof(*ids));
	if (!ids)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->n; i++)
		ids[i] = d->f[i].image_id;
	if (catalog_begin(d->cat, err) || conflicts_clear(d->cat, ids, d->n, err) ||
	    dup_groups_clear(d->cat, ids, d->n, err))
		goto fail;
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		/* every group, keeper first, for a review session */
		for (size_t k = 0; k < grp->n; k++)
			ids[k] = d->f[grp->members[k]].image_id;
		if (dup_groups_add(d->cat, d->run_id, (int)g + 1, ids, grp->n,
				   grp->match == DUPES_NEAR, err))
			goto fail;
		if (!grp->conflict)
			continue;
		for (size_t k = 0; k < grp->n; k++) {
			int64_t id = d->f[grp->members[k]].image_id;

			if (id && conflicts_add(d->cat, d->run_id, (int)g + 1, id,
						grp->match == DUPES_NEAR, err))
				goto fail;
		}
	}
	free(ids);
	return catalog_commit(d->cat, err);
fail:
	catalog_rollback(d->cat);
	free(ids);
	return -1;
}
