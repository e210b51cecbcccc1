/* resize's quarantine: a source at fault moved under the quarantine
 * folder, planned in the journal with its batch and carried out once the
 * plan is committed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int rs_open_quarantine(struct rs_run *r, struct wn_err *err)
{
	if (!r->quarantine)
		return 0;
	r->quarantine_fd = dspath_open_root(r->quarantine, 1, err);
	if (r->quarantine_fd < 0)
		return -1;
	if (!(r->quarantine_real = realpath(r->quarantine, NULL)))
		return wn_fail(err, WN_EIO, "%s: %s", r->quarantine, strerror(errno));
	return 0;
}

int rs_plan_quarantine(struct rs_run *r, struct rs_job *j, int64_t id, const char *cause,
		       struct wn_err *err)
{
	struct strbuf dest = STRBUF_INIT;
	struct journal_act a;
	int rc = -1;

	if (catalog_rel_path(r->cat, r->quarantine_real, j->src.rel, &dest))
		wn_fail(err, WN_ENOMEM, "out of memory");
	else {
		a = (struct journal_act){ id, "quarantine", j->src.path, dest.buf, NULL, cause };
		rc = journal_plan(r->cat, r->run_id, &a, &j->quarantine_event, err);
	}
	strbuf_release(&dest);
	return rc;
}

/* Moves source j (rel below IN) to rel below the quarantine folder,
 * through no symlink on either side. @return 1 when moved, 0 when not
 * (reported). */
static int quarantine_one(struct rs_run *r, struct rs_job *j)
{
	struct dspath from = DSPATH_INIT, to = DSPATH_INIT;
	struct strbuf cause = STRBUF_INIT;
	struct wn_err why;
	int moved = 0;

	if (dspath_resolve(r->in_root, j->src.rel, 0, &from, &why))
		strbuf_addf(&cause, "not quarantined: %s", wn_err_cause(&why, j->src.rel));
	else if (dspath_resolve(r->quarantine_fd, j->src.rel, DSPATH_MKDIRS, &to, &why))
		strbuf_addf(&cause, "not quarantined: %s/%s", r->quarantine, why.msg);
	else if (move_at(from.dir, from.name, to.dir, to.name, &why))
		strbuf_addf(&cause, "not quarantined: %s", why.msg);
	else
		moved = 1;
	if (!moved)
		derive_problem(r->on_problem, j->src.disk,
			       cause.len ? cause.buf : "not quarantined: out of memory");
	strbuf_release(&cause);
	dspath_release(&from);
	dspath_release(&to);
	return moved;
}

/* The moves first, then their settling in one transaction. */
int rs_quarantine_moves(void *data, void *jobs, size_t n, struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *batch = jobs;
	int *moved;

	if (!r->quarantine_real)
		return 0;
	moved = calloc(n ? n : 1, sizeof(*moved));
	if (!moved)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (batch[i].quarantine_event)
			moved[i] = quarantine_one(r, &batch[i]);
	if (catalog_begin(r->cat, err)) {
		free(moved);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct rs_job *j = &batch[i];

		if (!j->quarantine_event)
			continue;
		r->quarantined += (uint64_t)moved[i];
		if (moved[i] ? journal_done(r->cat, j->quarantine_event, err)
			     : journal_drop(r->cat, j->quarantine_event, err)) {
			catalog_rollback(r->cat);
			free(moved);
			return -1;
		}
	}
	free(moved);
	return catalog_commit(r->cat, err);
}
