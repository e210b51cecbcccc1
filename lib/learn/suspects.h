/* Suspects: confident learning over the catalog's predictions, ranking
 * the images most likely to sit in the wrong class folder. */
#ifndef WINNOW_LEARN_SUSPECTS_H
#define WINNOW_LEARN_SUSPECTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "nn/nn.h"

struct catalog;

struct suspect {
	int64_t id;               /* 0 for a conflict (look it up by path) */
	char *path, *given, *predicted;
	double confidence, score;
	int flagged;              /* by confident learning */
	int conflict;             /* a copy sits in another class folder */
};

struct suspect_list {
	struct suspect *s;        /* conflicts first, then most likely first */
	size_t n, nconflicts;
	size_t images, flagged;   /* images ranked; flagged by confident learning */
	const char *source;       /* "head" or "model" */
	char **classes;           /* the probabilities' classes */
	int k;
};

struct suspects_opts {
	const char *model_key;
	enum nn_prep prep;
	int pretrained;
	const char *const *maps;  /* FOLDER=Class */
	int nmaps;
	uint64_t top;             /* 0: what confident learning flags */
};

/*
 * suspects_find() : the suspects among the images under prefix (NULL:
 * all). @return 0; 1 with err saying what the user must do first (no
 * predictions, a folder that maps onto no class); -1 with err set.
 */
int suspects_find(struct catalog *cat, const char *prefix, const struct suspects_opts *o,
		  struct suspect_list *out, struct wn_err *err);
void suspects_free(struct suspect_list *l);

#endif
