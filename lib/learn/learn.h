/* learn: learning from a model's outputs. A softmax head trained on
 * embeddings with cross-validation, and confident learning to find the
 * labels most likely wrong, over the catalog's predictions (suspects).
 *
 * Ownership: results have a *_free(). Threads: one caller per result;
 * the numeric kernels use OpenBLAS' own threads. Errors: -1 with struct
 * wn_err. Depends on: base, nn, catalog; OpenBLAS, jansson. */
#ifndef WINNOW_LEARN_H
#define WINNOW_LEARN_H

#include "learn/softreg.h"
#include "learn/cleanlab.h"
#include "learn/suspects.h"

#endif
