/* The model registry: models by name (mobilenet_v2, inception_v3) or by
 * folder, and the names the catalog keeps predictions under. */
#ifndef WINNOW_NN_REGISTRY_H
#define WINNOW_NN_REGISTRY_H

#include "base/base.h"
#include "nn/prep.h"

struct nn_model;

/*
 * nn_find_model() : appends to out the folder holding model `name`: name
 * itself when it has a '/', else the first of $WINNOW_MODELS/name,
 * <the binary's folder>/../models/name (the source tree),
 * <the binary's folder>/../share/winnow/models/name (where `make install`
 * puts them) and /usr/share/winnow/models/name that holds a model.json.
 * @return 0, or -1 with err naming every place looked in.
 */
int nn_find_model(const char *name, struct strbuf *out, struct wn_err *err);

/* nn_load_named() : nn_find_model() and nn_model_load(); *out is freed
 * with nn_model_free(). @return 0, or -1 with err set (a damaged model
 * says so and how to remake it). */
int nn_load_named(const char *name, struct nn_model **out, struct wn_err *err);

/* nn_prep_name() : "nsfwjs" or "default", as the catalog keeps it. */
const char *nn_prep_name(enum nn_prep p);

/* nn_model_key() : the name predictions are kept under: the last path
 * component of name (a folder's trailing slashes ignored). Points into name. */
const char *nn_model_key(const char *name);

#endif
