/* The loss and gradient of softmax regression in one pass over the rows,
 * on all cores: what each L-BFGS step of softreg.c costs. A general
 * matrix product packs the whole n x dim matrix twice per step for a
 * handful of classes; here each row is read once, its logits, softmax
 * and gradient contribution made while it is in cache.
 *
 * The rows are cut into a fixed number of chunks that depends on n only,
 * each chunk summed in float over runs of rows and then in double, and
 * the chunks added in order: the result is the same bytes whatever the
 * thread count, and the same with AVX-512, AVX2 or plain loops (fused
 * multiply-adds everywhere, fmaf() in the plain loops; the same sixteen
 * lanes, added up in the same order). */
#ifndef WINNOW_SOFTGRAD_H
#define WINNOW_SOFTGRAD_H

#include <stddef.h>

#include "base/base.h"

struct softgrad;

/* softgrad_new() : for n rows of x (row-major, dim wide): rows[0..n-1]
 * (indices into x), or x's first n rows when rows is NULL; labels y
 * (indexed as x) in 0..k-1; each feature standardised as
 * (x - mean) * scale. Nothing is copied: x, y, rows, mean and scale are
 * borrowed and must outlive the struct. threads workers (0: every core).
 * @return the struct, or NULL when out of memory or threads. */
struct softgrad *softgrad_new(const float *x, const int *y, const size_t *rows, size_t n,
			      int dim, int k, const float *mean, const float *scale, int threads);

/*
 * softgrad_eval() : the mean cross-entropy of the rows, standardised,
 * under weights w (dim x k, row-major, as double) and biases b (k), and
 * its gradient: gw (dim x k) and gb (k), overwritten. No penalty: the
 * caller adds it. The scale is folded into the weights and the mean
 * taken off each value as it is read, so the rows are never copied.
 * @return the mean loss.
 */
double softgrad_eval(struct softgrad *s, const double *w, const double *b, double *gw,
		     double *gb);

/* softgrad_free() : accepts NULL. */
void softgrad_free(struct softgrad *s);

#endif
