/* A training set for a head: the catalogued images with a classifier's
 * embeddings and a class folder, their classes numbered in name order. */
#ifndef WINNOW_LEARN_TRAINSET_H
#define WINNOW_LEARN_TRAINSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct catalog;

struct train_item {
	int64_t id;               /* the image's row */
	uint8_t xxh3[16];         /* the file's hash the embedding was made from */
	char *path, *class_name;  /* as catalogued */
};

struct train_set {
	struct train_item *items; /* n, by path */
	size_t n;
	int dim;
	float *x;                 /* n x dim embeddings, row-major */
	char **classes;           /* k folder names, sorted (the items' strings) */
	int k;
	int *y;                   /* n class indices into classes */
};

/*
 * train_set_load() : the embeddings of model_key/prep for the images
 * under prefix (NULL: all) that sit in a class folder and are on disk
 * now; rows whose embedding length differs from the first row's are left
 * out. t must be zeroed; train_set_release() frees what it holds, also
 * after a failure. n may be 0 (and k 0) or k 1: the caller decides what
 * suffices.
 * @return 0, or -1 with err set (WN_ENOMEM, the catalog's errors).
 */
int train_set_load(struct catalog *cat, const char *model_key, const char *prep,
		   const char *prefix, struct train_set *t, struct wn_err *err);

/*
 * train_set_load_models() : train_set_load() for the nkeys (1 or more)
 * model keys at once: the images with embeddings of every one of them
 * (made from the same file), each row their embeddings side by side in
 * the order of keys (dim their sum). n is 0 when no image has them all.
 * @return as train_set_load().
 */
int train_set_load_models(struct catalog *cat, const char *const *keys, int nkeys,
			  const char *prep, const char *prefix, struct train_set *t,
			  struct wn_err *err);

/*
 * train_set_power() : each embedding value v of t becomes sign(v) |v|^p,
 * in place (power normalisation: pooled ReLU features are heavy-tailed,
 * a few large activations dwarf the rest; p = 0.5 evens them out, as the
 * Hellinger kernel does). Raising to 1 / p afterwards gives the values
 * back to within float rounding. p = 1 changes nothing; p > 0.
 */
void train_set_power(struct train_set *t, double p);

/* train_set_release() : frees what t holds and zeroes it. */
void train_set_release(struct train_set *t);

#endif
