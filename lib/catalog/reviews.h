/* Review decisions (label review) and dedup's groups. */
#ifndef WINNOW_REVIEWS_H
#define WINNOW_REVIEWS_H

#include <stdint.h>

#include "catalog/db.h"

enum review_decision { REVIEW_KEEP, REVIEW_DELETE, REVIEW_RELABEL, REVIEW_SKIP };

/* review_decision_name() / review_decision_parse() : "keep", ...; -1. */
const char *review_decision_name(enum review_decision d);
int review_decision_parse(const char *s);

struct review {
	int64_t image_id;
	const char *queue;
	enum review_decision decision;
	const char *new_class;    /* relabel only */
	int64_t applied_ms;       /* 0: not yet */
	int64_t seq;              /* reviews_set(): 0 for the next number */
};

/* reviews_next_seq() : the number the next action takes, into *seq (so
 * the members of a group decision can share one; call it inside the
 * transaction that records them). @return 0, or -1 with err set. */
int reviews_next_seq(struct catalog *cat, int64_t *seq, struct wn_err *err);

/* reviews_set() : records (replacing) the decision on an image, after all
 * earlier ones; not yet applied. A decision it replaces from an earlier
 * action is kept for reviews_undo(). Commits at once when no transaction
 * is open. @return 0, or -1 with err set and nothing changed. */
int reviews_set(struct catalog *cat, const struct review *r, struct wn_err *err);

/* reviews_get() : the decision on image_id. Strings point into buffers
 * of at least 256 bytes the caller passes (queue, new_class).
 * @return 1 found, 0 not, -1 error. */
int reviews_get(struct catalog *cat, int64_t image_id, struct review *r, char *queue,
		char *new_class, struct wn_err *err);

/* reviews_undo() : removes the latest action not yet applied (all the
 * rows sharing its number) and puts back the decisions it replaced;
 * *image_id gets one of its images (0 when there was none).
 * @return 0, or -1 with err set and nothing changed. */
int reviews_undo(struct catalog *cat, int64_t *image_id, struct wn_err *err);

/* The decisions not yet applied, oldest first, joined with their image's
 * path and class (strings valid during the call). */
typedef int (*review_fn)(const struct review *r, const char *path, const char *class_name,
			 void *data);
int reviews_pending(struct catalog *cat, review_fn fn, void *data, struct wn_err *err);
/* reviews_each() : the same with the applied ones too when applied_too. */
int reviews_each(struct catalog *cat, int applied_too, review_fn fn, void *data,
		 struct wn_err *err);

/* reviews_mark_applied() : sets applied_ms of image_id's decision. */
int reviews_mark_applied(struct catalog *cat, int64_t image_id, struct wn_err *err);

/* dup_groups_clear() forgets the groups of these images; dup_groups_add()
 * then records group grp's members in rank order (members[0] the keeper),
 * each with how it matches the keeper: match[i] is "exact", "near",
 * "mirror" or "rotate" (the keeper's, its group's kind; the table also
 * takes "crop", reserved for crops). Members
 * with id 0 (not catalogued) are left out. */
int dup_groups_clear(struct catalog *cat, const int64_t *ids, size_t n, struct wn_err *err);
int dup_groups_add(struct catalog *cat, int64_t run_id, int grp, const int64_t *members,
		   const char *const *match, size_t n, struct wn_err *err);

/* reviews_apart() : the pairs of images a person told apart: members of
 * one duplicate group split in a review session (label review's "split":
 * every member kept by one action, seq). An undone or replaced split is
 * gone from reviews, so from here too. @return 0 with *pairs (malloc'd,
 * 2 * *n ids: a < b, sorted; free() it) or -1 with err set. */
int reviews_apart(struct catalog *cat, int64_t **pairs, size_t *n, struct wn_err *err);

/* One call per member of each recorded group under path_prefix (with
 * near_only, the groups of visual copies: all but exact ones), by group
 * then rank (0: the proposed keeper), with how it matches the keeper as
 * dup_groups_add() recorded it (the keeper's: its group's kind). */
typedef int (*group_fn)(int64_t run_id, int grp, int rank, int64_t image_id, const char *path,
			const char *class_name, const char *match, void *data);
int dup_groups_foreach(struct catalog *cat, const char *path_prefix, int near_only, group_fn fn,
		       void *data, struct wn_err *err);

#endif
