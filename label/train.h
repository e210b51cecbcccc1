/* What train.c shares with suspects.c and the quality benchmark: the
 * images with embeddings and folder classes, and cross-validation. */
#ifndef WINNOW_LABEL_TRAIN_H
#define WINNOW_LABEL_TRAIN_H

#include <stdint.h>

#include "catalog/catalog.h"

struct softreg;

struct train_item {
	int64_t id;
	uint8_t xxh3[16];
	char *path, *class_name;
};

struct train_set {
	struct train_item *items;
	size_t n, cap;
	int dim;
	float *x;          /* n x dim embeddings */
	char **classes;    /* k folder names, sorted (borrowed from items) */
	int k;
	int *y;            /* n class indices */
	struct catalog *cat;  /* to leave out rows of files no longer there */
};

/* train_load() : the embeddings of model_key/prep for images under prefix
 * that sit in a class folder. t must be zeroed; train_free() frees it. */
int train_load(struct catalog *cat, const char *model_key, const char *prep,
	       const char *prefix, struct train_set *t, struct wn_err *err);
void train_free(struct train_set *t);

/* train_crossval() : out-of-sample probabilities (n x k) from `folds`
 * stratified folds dealt by seed. */
int train_crossval(const struct train_set *t, int folds, double l2, uint64_t seed, float *oos,
		   struct wn_err *err);

/* heads_save() : the fitted head r into the heads table. */
int heads_save(struct catalog *cat, const char *name, const char *prep, const char *classes,
	       const struct softreg *r, int folds, double l2, size_t images, double accuracy,
	       struct wn_err *err);

#endif
