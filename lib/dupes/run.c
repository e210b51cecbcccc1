/* A run's life: its settings, the steps in their order, what it owns. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

void dupes_opts_init(struct dupes_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->threshold = DUPES_DEFAULT_THRESHOLD;
	opts->similarity = DUPES_DEFAULT_SIMILARITY;
	opts->match = DUPES_MATCH_DEFAULT;
	opts->keep = DUPES_KEEP_PIXELS;
	opts->action = DUPES_ACT_REPORT;
}

struct dupes *dupes_new(const struct dupes_opts *opts)
{
	struct dupes *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->opt = *opts;
	d->root_fd[0] = d->root_fd[1] = d->move_to_fd = -1;
	return d;
}

int dupes_run(struct dupes *d, struct catalog *cat, int64_t run_id, struct wn_err *err)
{
	d->cat = cat;
	d->run_id = run_id;
	if (dupes_collect(d, err) || dupes_hash(d, err))
		return -1;
	if (dupes_rank(d))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (reviews_apart(cat, &d->apart, &d->napart, err))
		return -1;
	if ((d->opt.exact_only || (d->opt.match & DUPES_MATCH_EXACT)) && dupes_group_exact(d, err))
		return -1;
	if (!d->opt.exact_only && (d->opt.match & ~DUPES_MATCH_EXACT) && dupes_group_near(d, err))
		return -1;
	dupes_assign_actions(d);
	return dupes_record_conflicts(d, err) || dupes_apply(d, err) ? -1 : 0;
}

int dupes_some_failed(const struct dupes *d)
{
	return d->unreadable || d->scan.corrupt || d->scan.unreadable || d->failed_actions;
}

void dupes_free(struct dupes *d)
{
	if (!d)
		return;
	for (int r = 0; r < 2; r++)
		if (d->root_fd[r] >= 0)
			close(d->root_fd[r]);
	if (d->move_to_fd >= 0)
		close(d->move_to_fd);
	for (size_t i = 0; i < d->n; i++) {
		free(d->f[i].item.disk_path);
		free(d->f[i].item.path);
		free(d->f[i].item.class_name);
		free(d->f[i].rel);
	}
	free(d->f);
	free(d->thumbs);
	for (size_t g = 0; g < d->ngroups; g++)
		free(d->groups[g].members);
	free(d->groups);
	free(d->apart);
	free(d->move_to_real);
	free(d);
}
