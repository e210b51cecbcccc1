/* Writing a layers model with new dense layers on a backbone's embedding
 * (nn/save.h): the topology is src's JSON, cut after the embedding and
 * extended; the weights are src's bytes for the layers kept, then the new
 * layers' float32, in shards of NN_SHARD_BYTES. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "nn/internal.h"
#include "nn/save.h"

/* What a save builds: src's model.json, its weights, and the output. */
struct saver {
	const char *src, *path;
	char json_path[4096];
	json_t *root;             /* src's model.json */
	json_t *layers;           /* the new topology's (owned) */
	json_t *specs;            /* the new manifest's weights (owned) */
	struct strbuf bytes;      /* the new weights' data */
	struct nn_weights ws;
	struct wn_err *err;
};

static int fail(struct saver *S, enum wn_code code, const char *what, const char *name)
{
	return wn_fail(S->err, code, "%s: %s%s%s%s", S->json_path, what, name ? " '" : "",
		       name ? name : "", name ? "'" : "");
}

static const char *layer_name(json_t *layer)
{
	const char *name = json_string_value(json_object_get(json_object_get(layer, "config"),
							     "name"));

	return name ? name : json_string_value(json_object_get(layer, "name"));
}

/* The index of the embedding layer, as nn_model_load() picks it, or -1. */
static int embedding_index(json_t *layers)
{
	size_t i;
	json_t *layer;
	int found = -1;

	json_array_foreach(layers, i, layer) {
		const char *cls = json_string_value(json_object_get(layer, "class_name"));

		if (!cls)
			continue;
		if (!strcmp(cls, "Dense"))
			break;
		if (!strcmp(cls, "Flatten") || !strcmp(cls, "GlobalAveragePooling2D"))
			found = (int)i;
	}
	return found;
}

static int layer_index(json_t *layers, size_t before, const char *name)
{
	for (size_t i = 0; i < before; i++)
		if (!strcmp(layer_name(json_array_get(layers, i)), name))
			return (int)i;
	return -1;
}

/* Marks in keep[] the layers up to e that layer e depends on (the layers
 * are in topological order, so one pass backwards finds them all). */
static int mark_inputs(struct saver *S, json_t *layers, int e, char *keep)
{
	keep[e] = 1;
	for (int i = e; i >= 0; i--) {
		json_t *layer = json_array_get(layers, (size_t)i), *nodes, *conn;
		size_t ni, ci;

		if (!keep[i] || !layer_name(layer))
			continue;
		nodes = json_object_get(layer, "inbound_nodes");
		json_array_foreach(nodes, ni, conn) {
			json_t *c;

			json_array_foreach(conn, ci, c) {
				const char *from = json_string_value(json_array_get(c, 0));
				int j = from ? layer_index(layers, (size_t)i, from) : -1;

				if (j < 0)
					return fail(S, WN_ECORRUPT, "an input that is not an earlier layer in",
						    layer_name(layer));
				keep[j] = 1;
			}
		}
	}
	return 0;
}

/* Whether weight w ("layer/param") belongs to a kept layer. */
static int weight_kept(json_t *layers, const char *keep, int e, const char *w)
{
	const char *slash = strrchr(w, '/');

	if (!slash)
		return 0;
	for (int i = 0; i <= e; i++) {
		const char *name = layer_name(json_array_get(layers, (size_t)i));

		if (keep[i] && name && strlen(name) == (size_t)(slash - w) &&
		    !strncmp(name, w, (size_t)(slash - w)))
			return 1;
	}
	return 0;
}

/* The kept layers and their weights, as src has them. */
static int keep_backbone(struct saver *S, json_t *layers, int e)
{
	char *keep = calloc((size_t)e + 1, 1);
	int ret = -1;

	if (!keep)
		return wn_fail(S->err, WN_ENOMEM, "out of memory");
	if (mark_inputs(S, layers, e, keep))
		goto out;
	for (int i = 0; i <= e; i++)
		if (keep[i] && json_array_append(S->layers, json_array_get(layers, (size_t)i)))
			goto nomem;
	for (size_t i = 0; i < S->ws.n; i++) {
		const struct nn_weight *w = &S->ws.w[i];

		if (!weight_kept(layers, keep, e, w->name))
			continue;
		if (json_array_append(S->specs, w->spec) || strbuf_add(&S->bytes, w->data, w->bytes))
			goto nomem;
	}
	ret = 0;
	goto out;
nomem:
	wn_fail(S->err, WN_ENOMEM, "out of memory");
out:
	free(keep);
	return ret;
}

/* Floats as little-endian float32 bytes, whatever the host. */
static int add_floats(struct strbuf *sb, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		uint8_t b[4];

		memcpy(&u, &v[i], 4);
		b[0] = (uint8_t)u;
		b[1] = (uint8_t)(u >> 8);
		b[2] = (uint8_t)(u >> 16);
		b[3] = (uint8_t)(u >> 24);
		if (strbuf_add(sb, b, 4))
			return -1;
	}
	return 0;
}

/* A Dense layer's JSON, as Keras 2 writes it, reading layer `from`. */
static json_t *dense_json(const char *name, const struct nn_dense_spec *d, const char *from)
{
	return json_pack("{s:s, s:s, s:{s:s, s:b, s:i, s:s, s:b, s:{s:s, s:{s:n}}, "
			 "s:{s:s, s:{}}, s:n, s:n, s:n, s:n, s:n}, s:[[[s, i, i, {}]]]}",
			 "name", name, "class_name", "Dense", "config", "name", name, "trainable", 1,
			 "units", d->out, "activation", d->activation, "use_bias", 1,
			 "kernel_initializer", "class_name", "GlorotUniform", "config", "seed",
			 "bias_initializer", "class_name", "Zeros", "config",
			 "kernel_regularizer", "bias_regularizer", "activity_regularizer",
			 "kernel_constraint", "bias_constraint", "inbound_nodes", from, 0, 0);
}

static int add_dense(struct saver *S, const char *name, const struct nn_dense_spec *d,
		     const char *from)
{
	json_t *layer = dense_json(name, d, from);
	char wname[128];
	int bad = !layer || json_array_append_new(S->layers, layer);

	snprintf(wname, sizeof(wname), "%s/kernel", name);
	bad = bad || json_array_append_new(S->specs, json_pack("{s:s, s:[i, i], s:s}", "name",
						wname, "shape", d->in, d->out, "dtype", "float32"));
	snprintf(wname, sizeof(wname), "%s/bias", name);
	bad = bad || json_array_append_new(S->specs, json_pack("{s:s, s:[i], s:s}", "name", wname,
								"shape", d->out, "dtype", "float32"));
	bad = bad || add_floats(&S->bytes, d->weight, (size_t)d->in * (size_t)d->out) ||
	      add_floats(&S->bytes, d->bias, (size_t)d->out);
	return bad ? wn_fail(S->err, WN_ENOMEM, "out of memory") : 0;
}

static int check_head(struct saver *S, const struct nn_dense_spec *head, int n)
{
	for (int i = 0; i < n; i++) {
		const char *a = head[i].activation;

		if (head[i].in < 1 || head[i].out < 1 || (i && head[i].in != head[i - 1].out))
			return wn_fail(S->err, WN_EINVAL, "%s: head layer %d of %d does not take the "
				       "one before's outputs", S->path, i + 1, n);
		if (!a || (strcmp(a, "relu") && strcmp(a, "linear") && strcmp(a, "softmax")))
			return wn_fail(S->err, WN_EINVAL, "%s: head layer %d: an unsupported "
				       "activation", S->path, i + 1);
	}
	return n > 0 ? 0 : wn_fail(S->err, WN_EINVAL, "%s: no head layers", S->path);
}

/* The new layers after the embedding e, named winnow_dense_<i> and,
 * last, winnow_head. */
static int add_head(struct saver *S, const char *embedding, const struct nn_dense_spec *head,
		    int n)
{
	char name[64], prev[64];

	snprintf(prev, sizeof(prev), "%s", embedding);
	for (int i = 0; i < n; i++) {
		if (i == n - 1)
			snprintf(name, sizeof(name), "winnow_head");
		else
			snprintf(name, sizeof(name), "winnow_dense_%d", i + 1);
		if (layer_index(S->layers, json_array_size(S->layers), name) >= 0)
			return fail(S, WN_EINVAL, "already has a layer named", name);
		if (add_dense(S, name, &head[i], i ? prev : embedding))
			return -1;
		snprintf(prev, sizeof(prev), "%s", name);
	}
	return 0;
}

/* The shards, and the manifest naming them. */
static json_t *write_shards(struct saver *S, int dir)
{
	size_t n = S->bytes.len ? (S->bytes.len + NN_SHARD_BYTES - 1) / NN_SHARD_BYTES : 1;
	json_t *paths = json_array();
	char name[64];

	if (!paths || n > 9999) {
		json_decref(paths);
		wn_fail(S->err, n > 9999 ? WN_ELIMIT : WN_ENOMEM, "%s: too many weights", S->path);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t off = i * NN_SHARD_BYTES, len = S->bytes.len - off;

		if (len > NN_SHARD_BYTES)
			len = NN_SHARD_BYTES;
		snprintf(name, sizeof(name), "group1-shard%zuof%zu.bin", i + 1, n);
		if (json_array_append_new(paths, json_string(name))) {
			wn_fail(S->err, WN_ENOMEM, "out of memory");
			goto fail;
		}
		if (write_file_atomic_at(dir, name, NULL, S->bytes.buf + off, len, 0, S->err)) {
			wn_err_prefix(S->err, S->path);
			goto fail;
		}
	}
	return json_pack("[{s:o, s:O}]", "paths", paths, "weights", S->specs);
fail:
	json_decref(paths);
	return NULL;
}

/* modelTopology's model (its model_config, or itself without one). */
static json_t *model_config(json_t *root)
{
	json_t *topo = json_object_get(root, "modelTopology");
	json_t *cfg = json_object_get(topo, "model_config");

	return cfg ? cfg : topo;
}

/* model.json: src's topology with the new layers, the new manifest. */
static int write_json(struct saver *S, int dir, json_t *manifest, const char *metadata)
{
	json_t *topo = json_object_get(S->root, "modelTopology");
	json_t *inputs = json_object_get(json_object_get(model_config(S->root), "config"),
					 "input_layers");
	json_t *meta = NULL, *out;
	char *text = NULL;
	int ret = -1;

	if (metadata)
		meta = json_loads(metadata, 0, NULL);  /* json_is_object() reads it twice */
	if (metadata && !json_is_object(meta)) {
		json_decref(manifest);
		json_decref(meta);
		return wn_fail(S->err, WN_EINVAL, "%s: the metadata is not a JSON object", S->path);
	}
	out = json_pack("{s:s, s:s, s:s, s:{s:O*, s:O*, s:{s:s, s:{s:s, s:O, s:O, s:[[s, i, i]]}}},"
			" s:o}", "format", "layers-model", "generatedBy",
			json_string_value(json_object_get(S->root, "generatedBy")) ?
			json_string_value(json_object_get(S->root, "generatedBy")) : "keras",
			"convertedBy", "winnow label export", "modelTopology",
			"keras_version", json_object_get(topo, "keras_version"),
			"backend", json_object_get(topo, "backend"), "model_config", "class_name",
			"Model", "config", "name", "winnow_export", "layers", S->layers,
			"input_layers", inputs, "output_layers", "winnow_head", 0, 0,
			"weightsManifest", manifest);
	if (out && meta && !json_object_set_new(out, "userDefinedMetadata", meta))
		meta = NULL;
	if (!out || meta || !(text = json_dumps(out, JSON_COMPACT))) {
		wn_fail(S->err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (write_file_atomic_at(dir, "model.json", NULL, text, strlen(text), 0, S->err)) {
		wn_err_prefix(S->err, S->path);
		goto out;
	}
	ret = 0;
out:
	free(text);
	json_decref(out);
	json_decref(meta);
	return ret;
}

static int write_classes(struct saver *S, int dir, const char *const *classes, int k)
{
	struct strbuf sb = STRBUF_INIT;
	int bad = 0, ret;

	for (int c = 0; c < k; c++) {
		if (strchr(classes[c], '\n') || strchr(classes[c], '\r') || !*classes[c]) {
			strbuf_release(&sb);
			return wn_fail(S->err, WN_EINVAL, "%s: class %d cannot be a line of classes.txt",
				       S->path, c);
		}
		bad |= strbuf_addstr(&sb, classes[c]) | strbuf_addch(&sb, '\n');
	}
	if (bad) {
		strbuf_release(&sb);
		return wn_fail(S->err, WN_ENOMEM, "out of memory");
	}
	ret = write_file_atomic_at(dir, "classes.txt", NULL, sb.buf ? sb.buf : "", sb.len, 0,
				   S->err);
	if (ret)
		wn_err_prefix(S->err, S->path);
	strbuf_release(&sb);
	return ret;
}

/* src's model.json and weights, and the new topology up to the embedding;
 * *embedding gets its name (src's string). */
static int read_src(struct saver *S, const char **embedding)
{
	uint8_t *text = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *layers;
	const char *cls = NULL;
	int e;

	if (read_file_limited(S->json_path, NN_MAX_JSON_BYTES, &text, &len, S->err))
		return -1;
	S->root = json_loadb((const char *)text, len, 0, &jerr);
	free(text);
	if (!S->root)
		return wn_fail(S->err, WN_ECORRUPT, "%s: not JSON (line %d: %s)", S->json_path,
			       jerr.line, jerr.text);
	if (nn_weights_read(S->src, json_object_get(S->root, "weightsManifest"), &S->ws, S->err))
		return -1;
	layers = nn_topology_layers(json_object_get(S->root, "modelTopology"), &cls);
	if (!json_is_array(layers) || !cls || strcmp(cls, "Model") ||
	    !json_is_array(json_object_get(json_object_get(model_config(S->root), "config"),
					   "input_layers")))
		return fail(S, WN_EFORMAT, "only a functional model (class Model) can be exported",
			    NULL);
	if ((e = embedding_index(layers)) < 0)
		return fail(S, WN_EFORMAT, "no embedding (a Flatten or global pooling before the "
			    "first Dense layer)", NULL);
	*embedding = layer_name(json_array_get(layers, (size_t)e));
	if (!*embedding)
		return fail(S, WN_ECORRUPT, "a malformed layer", NULL);
	return keep_backbone(S, layers, e);
}

int nn_save_with_head(const char *src, int dir, const char *path,
		      const struct nn_dense_spec *head, int n, const char *const *classes,
		      const char *metadata, struct wn_err *err)
{
	struct saver S = { .src = src, .path = path, .bytes = STRBUF_INIT, .err = err };
	const char *embedding = NULL;
	json_t *manifest;
	int ret = -1;

	snprintf(S.json_path, sizeof(S.json_path), "%s/model.json", src);
	S.layers = json_array();
	S.specs = json_array();
	if (!S.layers || !S.specs) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (check_head(&S, head, n) || read_src(&S, &embedding) ||
	    add_head(&S, embedding, head, n) ||
	    write_classes(&S, dir, classes, head[n - 1].out))
		goto out;
	if (!(manifest = write_shards(&S, dir)))
		goto out;
	ret = write_json(&S, dir, manifest, metadata);
out:
	json_decref(S.layers);
	json_decref(S.specs);
	json_decref(S.root);
	nn_weights_release(&S.ws);
	strbuf_release(&S.bytes);
	return ret;
}
