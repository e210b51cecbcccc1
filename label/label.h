/* label: what its subcommands share. */
#ifndef WINNOW_LABEL_H
#define WINNOW_LABEL_H

#include <stdint.h>

#include "core/err.h"
#include "core/nnprep.h"
#include "core/strbuf.h"

struct nn_model;
struct catalog;

/* Subcommands: each parses its own options and returns an exit status. */
int cmd_predict(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_suspects(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_apply(int argc, char **argv);

/*
 * label_find_model() : NAME (a folder path when it holds a '/') to the
 * folder holding its model.json: $WINNOW_MODELS/NAME, then models/NAME
 * beside the folder of this program (a source tree's bin/), then
 * /usr/share/winnow/models/NAME. Appends to out.
 * @return 0, or -1 with err explaining how to get it (make model).
 */
int label_find_model(const char *name, struct strbuf *out, struct wn_err *err);

/* label_load_model() : label_find_model() and nn_model_load(); a damaged
 * model says so and how to remake it. */
int label_load_model(const char *name, struct nn_model **out, struct wn_err *err);

/* label_prep_name() : "default" or "nsfwjs", as stored in the catalog. */
const char *label_prep_name(enum nn_prep p);

/* label_model_key() : the model's name as stored in the catalog: the
 * folder's last part ("mobilenet_v2"). Points into name. */
const char *label_model_key(const char *name);

/* What label suspects finds, for printing or for a review session. */
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

/* label_on_disk() : whether the image at catalog path `path` is still
 * there (a moved or deleted file keeps its catalog row until rescanned
 * from its new place; db check lists such rows). */
int label_on_disk(const struct catalog *cat, const char *path);

#endif
