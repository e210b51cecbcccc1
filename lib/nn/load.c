/* Reading a TensorFlow.js layers model: the Keras topology in model.json
 * (jansson), the weight shards it lists (concatenated in manifest order,
 * each tensor dequantized as w = q * scale + min), and a graph of nodes
 * with their output shapes. A BatchNormalization whose input is a linear
 * convolution read by nothing else is folded into that convolution. */
#include <cblas.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "nn/internal.h"

struct loader {
	const char *dir;
	char json_path[4096];
	struct nn_weight *w;
	size_t nw;
	uint8_t *blob;
	struct nn_model *m;
	struct wn_err *err;
};

static int fail(struct loader *L, enum wn_code code, const char *what, const char *name)
{
	return wn_fail(L->err, code, "%s: %s%s%s%s", L->json_path, what, name ? " '" : "",
		       name ? name : "", name ? "'" : "");
}

static const struct nn_weight *find_weight(struct loader *L, const char *layer, const char *param)
{
	char full[512], suffix[520];
	size_t sl;

	snprintf(full, sizeof(full), "%s/%s", layer, param);
	snprintf(suffix, sizeof(suffix), "/%s/%s", layer, param);
	sl = strlen(suffix);
	for (size_t i = 0; i < L->nw; i++)
		if (!strcmp(L->w[i].name, full))
			return &L->w[i];
	for (size_t i = 0; i < L->nw; i++) {
		size_t n = strlen(L->w[i].name);

		if (n > sl && !strcmp(L->w[i].name + n - sl, suffix))
			return &L->w[i];
	}
	return NULL;
}

/* A dequantized copy of weight layer/param with `count` elements, or NULL
 * with err set. */
static float *take(struct loader *L, const char *layer, const char *param, size_t count)
{
	const struct nn_weight *w = find_weight(L, layer, param);
	float *f;

	if (!w) {
		char n[600];

		snprintf(n, sizeof(n), "%s/%s", layer, param);
		fail(L, WN_ECORRUPT, "missing weight", n);
		return NULL;
	}
	if (w->count != count) {
		char n[600];

		snprintf(n, sizeof(n), "%s/%s has %zu values, the layer needs %zu", layer, param,
			 w->count, count);
		fail(L, WN_ECORRUPT, n, NULL);
		return NULL;
	}
	f = malloc((count ? count : 1) * sizeof(*f));
	if (!f) {
		wn_fail(L->err, WN_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		double v;

		switch (w->dtype) {
		case W_F32: {
			float x;

			memcpy(&x, w->data + 4 * i, 4);
			v = x;
			break;
		}
		case W_I32: {
			int32_t x;

			memcpy(&x, w->data + 4 * i, 4);
			v = x;
			break;
		}
		case W_U16: {
			uint16_t x;

			memcpy(&x, w->data + 2 * i, 2);
			v = x;
			break;
		}
		default:
			v = w->data[i];
			break;
		}
		f[i] = (float)(w->quant ? v * w->qscale + w->qmin : v);
	}
	return f;
}

static int read_manifest(struct loader *L, json_t *manifest)
{
	size_t total = 0, off = 0, gi, cap = 0;
	json_t *group;
	struct strbuf path = STRBUF_INIT;
	int ret = -1;

	if (!json_is_array(manifest))
		return fail(L, WN_ECORRUPT, "no weightsManifest", NULL);
	/* first the shards, concatenated in order */
	json_array_foreach(manifest, gi, group) {
		json_t *paths = json_object_get(group, "paths"), *p;
		size_t pi;

		if (!json_is_array(paths))
			return fail(L, WN_ECORRUPT, "a weights group without paths", NULL);
		json_array_foreach(paths, pi, p) {
			uint8_t *data = NULL;
			size_t len = 0;
			uint8_t *grown;

			if (!json_is_string(p) || strchr(json_string_value(p), '/') ||
			    !strcmp(json_string_value(p), ".."))
				return fail(L, WN_ECORRUPT, "a bad shard path", json_string_value(p));
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s", L->dir, json_string_value(p));
			if (read_file_limited(path.buf, NN_MAX_WEIGHT_BYTES - total, &data, &len, L->err))
				goto out;
			if (total + len > cap) {
				cap = (total + len) * 2;
				grown = realloc(L->blob, cap);
				if (!grown) {
					free(data);
					wn_fail(L->err, WN_ENOMEM, "out of memory");
					goto out;
				}
				L->blob = grown;
			}
			memcpy(L->blob + total, data, len);
			total += len;
			free(data);
		}
	}
	/* then the tensors, in the same order */
	json_array_foreach(manifest, gi, group) {
		json_t *weights = json_object_get(group, "weights"), *w;
		size_t wi;

		if (!json_is_array(weights)) {
			fail(L, WN_ECORRUPT, "a weights group without weights", NULL);
			goto out;
		}
		json_array_foreach(weights, wi, w) {
			struct nn_weight *t;
			json_t *shape = json_object_get(w, "shape"), *q = json_object_get(w, "quantization");
			const char *name = json_string_value(json_object_get(w, "name"));
			const char *dt = json_string_value(json_object_get(q ? q : w, "dtype"));
			size_t count = 1, bytes, si;
			json_t *d;
			struct nn_weight *grown = realloc(L->w, (L->nw + 1) * sizeof(*L->w));

			if (!grown) {
				wn_fail(L->err, WN_ENOMEM, "out of memory");
				goto out;
			}
			L->w = grown;
			t = &L->w[L->nw];
			memset(t, 0, sizeof(*t));
			if (!name || !json_is_array(shape) || !dt || json_array_size(shape) > 4) {
				fail(L, WN_ECORRUPT, "a malformed weight entry", name);
				goto out;
			}
			json_array_foreach(shape, si, d) {
				json_int_t v = json_integer_value(d);

				if (!json_is_integer(d) || v < 0 || v > (1 << 26)) {
					fail(L, WN_ECORRUPT, "a bad weight shape", name);
					goto out;
				}
				t->shape[si] = (int)v;
				count *= (size_t)v;
				if (count > NN_MAX_WEIGHT_BYTES) {
					fail(L, WN_ELIMIT, "a weight too large", name);
					goto out;
				}
			}
			t->rank = (int)json_array_size(shape);
			if (!strcmp(dt, "float32"))
				t->dtype = W_F32;
			else if (!strcmp(dt, "int32"))
				t->dtype = W_I32;
			else if (!strcmp(dt, "uint8"))
				t->dtype = W_U8;
			else if (!strcmp(dt, "uint16"))
				t->dtype = W_U16;
			else {
				fail(L, WN_EFORMAT, "an unsupported weight type", dt);
				goto out;
			}
			if (q) {
				t->quant = 1;
				t->qmin = json_number_value(json_object_get(q, "min"));
				t->qscale = json_number_value(json_object_get(q, "scale"));
			}
			bytes = count * (t->dtype == W_U8 ? 1 : t->dtype == W_U16 ? 2 : 4);
			if (off + bytes > total) {
				fail(L, WN_ECORRUPT, "the shards are shorter than the manifest says at", name);
				goto out;
			}
			t->name = name;
			t->spec = w;
			t->bytes = bytes;
			t->count = count;
			t->data = L->blob + off;
			off += bytes;
			L->nw++;
		}
	}
	if (off != total) {
		fail(L, WN_ECORRUPT, "the shards are longer than the manifest says", NULL);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&path);
	return ret;
}

int nn_weights_read(const char *dir, json_t *manifest, struct nn_weights *out,
		    struct wn_err *err)
{
	struct loader L = { .dir = dir, .err = err };

	snprintf(L.json_path, sizeof(L.json_path), "%s/model.json", dir);
	memset(out, 0, sizeof(*out));
	if (read_manifest(&L, manifest)) {
		free(L.w);
		free(L.blob);
		return -1;
	}
	out->w = L.w;
	out->n = L.nw;
	out->blob = L.blob;
	return 0;
}

void nn_weights_release(struct nn_weights *ws)
{
	free(ws->w);
	free(ws->blob);
	memset(ws, 0, sizeof(*ws));
}

static int node_index(const struct nn_model *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->nodes[i].name, name))
			return i;
	return -1;
}

static int get_pair(json_t *cfg, const char *key, int *a, int *b, int dflt)
{
	json_t *v = json_object_get(cfg, key);

	if (!v || json_is_null(v)) {
		*a = *b = dflt;
		return 0;
	}
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (x <= 0 || x >= 4096)
			return -1;
		*a = *b = (int)x;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) != 2)
		return -1;
	*a = (int)json_integer_value(json_array_get(v, 0));
	*b = (int)json_integer_value(json_array_get(v, 1));
	return *a > 0 && *b > 0 && *a < 4096 && *b < 4096 ? 0 : -1;
}

static int parse_act(const char *s, enum nn_act *a)
{
	static const struct { const char *name; enum nn_act act; } acts[] = {
		{ "linear", ACT_LINEAR }, { "relu", ACT_RELU }, { "relu6", ACT_RELU6 },
		{ "softmax", ACT_SOFTMAX }, { "sigmoid", ACT_SIGMOID }, { "tanh", ACT_TANH },
	};

	if (!s) {
		*a = ACT_LINEAR;
		return 0;
	}
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (!strcmp(s, acts[i].name)) {
			*a = acts[i].act;
			return 0;
		}
	return -1;
}

/* "same" padding as TensorFlow computes it: the total split with the
 * extra pixel after. Sets the output size. */
static void pad_same(int in, int k, int s, int *out, int *before, int *after)
{
	int o = (in + s - 1) / s, total = (o - 1) * s + k - in;

	if (total < 0)
		total = 0;
	*out = o;
	*before = total / 2;
	*after = total - total / 2;
}

static int spatial(struct loader *L, struct nn_node *nd, const struct nn_node *in, json_t *cfg,
		   const char *ksize_key)
{
	const char *padding = json_string_value(json_object_get(cfg, "padding"));
	int dh, dw;

	int pool = ksize_key[0] == 'p';

	if (get_pair(cfg, ksize_key, &nd->kh, &nd->kw, pool ? 2 : 1) ||
	    get_pair(cfg, "strides", &nd->sh, &nd->sw, 0) ||
	    get_pair(cfg, "dilation_rate", &dh, &dw, 1))
		return fail(L, WN_ECORRUPT, "bad kernel, stride or dilation in", nd->name);
	if (!nd->sh) {
		/* absent: 1 for convolutions, the pool size for pooling */
		nd->sh = pool ? nd->kh : 1;
		nd->sw = pool ? nd->kw : 1;
	}
	if (dh != 1 || dw != 1)
		return fail(L, WN_EFORMAT, "dilated convolutions are not supported:", nd->name);
	if (padding && !strcmp(padding, "same")) {
		pad_same(in->h, nd->kh, nd->sh, &nd->h, &nd->pad_t, &nd->pad_b);
		pad_same(in->w, nd->kw, nd->sw, &nd->w, &nd->pad_l, &nd->pad_r);
	} else if (!padding || !strcmp(padding, "valid")) {
		nd->h = in->h < nd->kh ? 0 : (in->h - nd->kh) / nd->sh + 1;
		nd->w = in->w < nd->kw ? 0 : (in->w - nd->kw) / nd->sw + 1;
	} else {
		return fail(L, WN_EFORMAT, "an unsupported padding in", nd->name);
	}
	if (nd->h < 1 || nd->w < 1)
		return fail(L, WN_ECORRUPT, "the input is smaller than the kernel of", nd->name);
	return 0;
}

/* Builds node nd (its inputs already set) from a layer's class and config. */
static int build(struct loader *L, struct nn_node *nd, const char *cls, json_t *cfg)
{
	struct nn_model *m = L->m;
	const struct nn_node *in = nd->ninputs ? &m->nodes[nd->inputs[0]] : NULL;
	const char *act = json_string_value(json_object_get(cfg, "activation"));

	if (strcmp(cls, "InputLayer") && strcmp(cls, "Add") && strcmp(cls, "Concatenate") &&
	    nd->ninputs != 1)
		return fail(L, WN_ECORRUPT, "expected one input for", nd->name);
	if (parse_act(act, &nd->act))
		return fail(L, WN_EFORMAT, "an unsupported activation in", nd->name);
	if (!strcmp(cls, "InputLayer")) {
		json_t *shape = json_object_get(cfg, "batch_input_shape");

		if (!shape)
			shape = json_object_get(cfg, "batch_shape");
		nd->op = NN_INPUT;
		if (L->m->n != 1)
			return fail(L, WN_EFORMAT, "only one InputLayer, first, is supported:",
				    nd->name);
		if (!json_is_array(shape) || json_array_size(shape) != 4)
			return fail(L, WN_EFORMAT, "only image inputs (batch, h, w, c) are supported:",
				    nd->name);
		nd->h = (int)json_integer_value(json_array_get(shape, 1));
		nd->w = (int)json_integer_value(json_array_get(shape, 2));
		nd->c = (int)json_integer_value(json_array_get(shape, 3));
		if (nd->h < 1 || nd->w < 1 || nd->c < 1 || nd->h > 4096 || nd->w > 4096 || nd->c > 16)
			return fail(L, WN_EFORMAT, "an input of unsupported size:", nd->name);
		return 0;
	}
	if (!strcmp(cls, "Conv2D") || !strcmp(cls, "DepthwiseConv2D")) {
		int depthwise = cls[0] == 'D', cout;
		const char *fmt = json_string_value(json_object_get(cfg, "data_format"));
		json_t *groups = json_object_get(cfg, "groups");

		if (fmt && strcmp(fmt, "channels_last"))
			return fail(L, WN_EFORMAT, "only channels_last is supported:", nd->name);
		if (groups && json_integer_value(groups) != 1)
			return fail(L, WN_EFORMAT, "grouped convolutions are not supported:", nd->name);
		nd->op = depthwise ? NN_DEPTHWISE : NN_CONV;
		if (spatial(L, nd, in, cfg, "kernel_size"))
			return -1;
		if (depthwise) {
			json_t *mult = json_object_get(cfg, "depth_multiplier");

			if (mult && json_integer_value(mult) != 1)
				return fail(L, WN_EFORMAT, "depth_multiplier other than 1:", nd->name);
			cout = in->c;
		} else {
			cout = (int)json_integer_value(json_object_get(cfg, "filters"));
			if (cout < 1 || cout > 65536)
				return fail(L, WN_ECORRUPT, "bad filters in", nd->name);
		}
		nd->c = cout;
		nd->weight = take(L, nd->name, depthwise ? "depthwise_kernel" : "kernel",
				  (size_t)nd->kh * (size_t)nd->kw * (size_t)in->c *
				  (size_t)(depthwise ? 1 : cout));
		if (!nd->weight)
			return -1;
		if (json_is_true(json_object_get(cfg, "use_bias")) &&
		    !(nd->bias = take(L, nd->name, "bias", (size_t)cout)))
			return -1;
		m->flops += 2.0 * nd->h * nd->w * nd->kh * nd->kw * (depthwise ? 1 : in->c) * cout;
		return 0;
	}
	if (!strcmp(cls, "BatchNormalization")) {
		json_t *axis = json_object_get(cfg, "axis");
		double eps = json_number_value(json_object_get(cfg, "epsilon"));
		int c = in->c, scale = !json_is_false(json_object_get(cfg, "scale"));
		int center = !json_is_false(json_object_get(cfg, "center"));
		float *gamma = NULL, *beta = NULL, *mean, *var;
		int ret = -1;

		if (json_is_array(axis))
			axis = json_array_get(axis, 0);
		if (axis && json_integer_value(axis) != -1 && json_integer_value(axis) != 3)
			return fail(L, WN_EFORMAT, "BatchNormalization only over channels:", nd->name);
		nd->op = NN_SCALE_SHIFT;
		nd->h = in->h;
		nd->w = in->w;
		nd->c = c;
		mean = take(L, nd->name, "moving_mean", (size_t)c);
		var = mean ? take(L, nd->name, "moving_variance", (size_t)c) : NULL;
		if (!var)
			goto bn_out;
		if (scale && !(gamma = take(L, nd->name, "gamma", (size_t)c)))
			goto bn_out;
		if (center && !(beta = take(L, nd->name, "beta", (size_t)c)))
			goto bn_out;
		nd->weight = malloc((size_t)c * sizeof(float));
		nd->bias = malloc((size_t)c * sizeof(float));
		if (!nd->weight || !nd->bias) {
			wn_fail(L->err, WN_ENOMEM, "out of memory");
			goto bn_out;
		}
		for (int i = 0; i < c; i++) {
			double k = (gamma ? gamma[i] : 1.0) / sqrt((double)var[i] + eps);

			nd->weight[i] = (float)k;
			nd->bias[i] = (float)((beta ? beta[i] : 0.0) - mean[i] * k);
		}
		ret = 0;
bn_out:
		free(gamma);
		free(beta);
		free(mean);
		free(var);
		return ret;
	}
	if (!strcmp(cls, "ReLU") || !strcmp(cls, "Activation")) {
		nd->op = NN_ACT;
		nd->h = in->h;
		nd->w = in->w;
		nd->c = in->c;
		if (cls[0] == 'R') {
			json_t *mx = json_object_get(cfg, "max_value");

			nd->act = ACT_RELU_GENERAL;
			nd->relu_max = mx && !json_is_null(mx) ? (float)json_number_value(mx) : INFINITY;
			nd->relu_slope = (float)json_number_value(json_object_get(cfg, "negative_slope"));
			nd->relu_threshold = (float)json_number_value(json_object_get(cfg, "threshold"));
		}
		return 0;
	}
	if (!strcmp(cls, "ZeroPadding2D")) {
		json_t *p = json_object_get(cfg, "padding");

		nd->op = NN_PAD;
		if (json_is_integer(p)) {
			nd->pad_t = nd->pad_b = nd->pad_l = nd->pad_r = (int)json_integer_value(p);
		} else if (json_is_array(p) && json_is_array(json_array_get(p, 0))) {
			nd->pad_t = (int)json_integer_value(json_array_get(json_array_get(p, 0), 0));
			nd->pad_b = (int)json_integer_value(json_array_get(json_array_get(p, 0), 1));
			nd->pad_l = (int)json_integer_value(json_array_get(json_array_get(p, 1), 0));
			nd->pad_r = (int)json_integer_value(json_array_get(json_array_get(p, 1), 1));
		} else if (json_is_array(p)) {
			nd->pad_t = nd->pad_b = (int)json_integer_value(json_array_get(p, 0));
			nd->pad_l = nd->pad_r = (int)json_integer_value(json_array_get(p, 1));
		}
		if (nd->pad_t < 0 || nd->pad_b < 0 || nd->pad_l < 0 || nd->pad_r < 0 ||
		    nd->pad_t + nd->pad_b > 1024 || nd->pad_l + nd->pad_r > 1024)
			return fail(L, WN_ECORRUPT, "bad padding in", nd->name);
		nd->h = in->h + nd->pad_t + nd->pad_b;
		nd->w = in->w + nd->pad_l + nd->pad_r;
		nd->c = in->c;
		return 0;
	}
	if (!strcmp(cls, "Add") || !strcmp(cls, "Concatenate")) {
		int concat = cls[0] == 'C';
		json_t *axis = json_object_get(cfg, "axis");

		if (nd->ninputs < 2)
			return fail(L, WN_ECORRUPT, "expected two or more inputs for", nd->name);
		if (concat && axis && json_integer_value(axis) != -1 && json_integer_value(axis) != 3)
			return fail(L, WN_EFORMAT, "Concatenate only over channels:", nd->name);
		nd->op = concat ? NN_CONCAT : NN_ADD;
		nd->h = in->h;
		nd->w = in->w;
		nd->c = concat ? 0 : in->c;
		for (int i = 0; i < nd->ninputs; i++) {
			const struct nn_node *o = &m->nodes[nd->inputs[i]];

			if (o->h != in->h || o->w != in->w || (!concat && o->c != in->c))
				return fail(L, WN_ECORRUPT, "inputs of different shapes in", nd->name);
			if (concat)
				nd->c += o->c;
		}
		return 0;
	}
	if (!strcmp(cls, "MaxPooling2D") || !strcmp(cls, "AveragePooling2D")) {
		nd->op = cls[0] == 'M' ? NN_MAXPOOL : NN_AVGPOOL;
		nd->c = in->c;
		return spatial(L, nd, in, cfg, "pool_size");
	}
	if (!strcmp(cls, "GlobalAveragePooling2D")) {
		nd->op = NN_GLOBALAVG;
		nd->h = nd->w = 1;
		nd->c = in->c;
		return 0;
	}
	if (!strcmp(cls, "Flatten")) {
		nd->op = NN_FLATTEN;
		nd->h = nd->w = 1;
		nd->c = in->h * in->w * in->c;
		return 0;
	}
	if (!strcmp(cls, "Dropout")) {
		nd->op = NN_IDENTITY;
		nd->h = in->h;
		nd->w = in->w;
		nd->c = in->c;
		return 0;
	}
	if (!strcmp(cls, "Dense")) {
		int units = (int)json_integer_value(json_object_get(cfg, "units"));
		int fan_in = in->h * in->w * in->c;

		if (in->h != 1 || in->w != 1)
			return fail(L, WN_EFORMAT, "Dense only after Flatten or global pooling:",
				    nd->name);
		if (units < 1 || units > 1 << 20)
			return fail(L, WN_ECORRUPT, "bad units in", nd->name);
		nd->op = NN_DENSE;
		nd->h = nd->w = 1;
		nd->c = units;
		nd->weight = take(L, nd->name, "kernel", (size_t)fan_in * (size_t)units);
		if (!nd->weight)
			return -1;
		if (json_is_true(json_object_get(cfg, "use_bias")) &&
		    !(nd->bias = take(L, nd->name, "bias", (size_t)units)))
			return -1;
		m->flops += 2.0 * fan_in * units;
		return 0;
	}
	return fail(L, WN_EFORMAT, "unsupported layer type", cls);
}

/* BN after a linear convolution (or Dense) read only by it: scale the
 * weights per output channel and shift the bias; the BN node becomes an
 * identity. */
static int fold_batchnorms(struct nn_model *m, struct wn_err *err)
{
	for (int i = 0; i < m->n; i++) {
		struct nn_node *bn = &m->nodes[i], *cv;
		size_t per;

		if (bn->op != NN_SCALE_SHIFT)
			continue;
		cv = &m->nodes[bn->inputs[0]];
		if ((cv->op != NN_CONV && cv->op != NN_DEPTHWISE && cv->op != NN_DENSE) ||
		    cv->consumers != 1 || cv->act != ACT_LINEAR)
			continue;
		if (!cv->bias && !(cv->bias = calloc((size_t)cv->c, sizeof(float))))
			return wn_fail(err, WN_ENOMEM, "out of memory");
		per = cv->op == NN_DENSE ? (size_t)m->nodes[cv->inputs[0]].c :
		      cv->op == NN_DEPTHWISE ? (size_t)cv->kh * (size_t)cv->kw :
		      (size_t)cv->kh * (size_t)cv->kw * (size_t)m->nodes[cv->inputs[0]].c;
		/* the output channel is the fastest index in every layout */
		for (size_t k = 0; k < per; k++)
			for (int c = 0; c < cv->c; c++)
				cv->weight[k * (size_t)cv->c + (size_t)c] *= bn->weight[c];
		for (int c = 0; c < cv->c; c++)
			cv->bias[c] = cv->bias[c] * bn->weight[c] + bn->bias[c];
		free(bn->weight);
		free(bn->bias);
		bn->weight = bn->bias = NULL;
		bn->op = NN_IDENTITY;
		cv->folded_into = i + 1;
	}
	return 0;
}

/* An activation right after a linear convolution (through folded BNs
 * and Dropouts, each read only by the next) is done by the convolution
 * as it writes its output; the activation node becomes an identity. */
static void fuse_activations(struct nn_model *m)
{
	for (int i = 0; i < m->n; i++) {
		struct nn_node *act = &m->nodes[i], *p;
		int j;

		if (act->op != NN_ACT)
			continue;
		j = act->inputs[0];
		while (m->nodes[j].op == NN_IDENTITY && m->nodes[j].consumers == 1)
			j = m->nodes[j].inputs[0];
		p = &m->nodes[j];
		if ((p->op != NN_CONV && p->op != NN_DEPTHWISE && p->op != NN_DENSE) ||
		    p->consumers != 1 || p->act != ACT_LINEAR)
			continue;
		/* the convolution and what lies between now hold act's output */
		for (j = act->inputs[0]; m->nodes[j].op == NN_IDENTITY && m->nodes[j].consumers == 1;
		     j = m->nodes[j].inputs[0])
			m->nodes[j].folded_into = i + 1;
		p->folded_into = i + 1;
		p->act = act->act;
		p->relu_max = act->relu_max;
		p->relu_slope = act->relu_slope;
		p->relu_threshold = act->relu_threshold;
		act->op = NN_IDENTITY;
		act->act = ACT_LINEAR;
	}
}

/* ZeroPadding2D read only by a convolution: the convolution pads (it
 * leaves out the taps outside its input, which is the same sum) and reads
 * the padding's input; the padding becomes an identity nobody reads, so
 * the padded copy is never made. */
static void fold_paddings(struct nn_model *m)
{
	for (int i = 0; i < m->n; i++) {
		struct nn_node *pad = &m->nodes[i], *cv = NULL;

		if (pad->op != NN_PAD || pad->consumers != 1)
			continue;
		for (int j = i + 1; j < m->n && !cv; j++)
			if (m->nodes[j].ninputs == 1 && m->nodes[j].inputs[0] == i)
				cv = &m->nodes[j];
		if (!cv || (cv->op != NN_CONV && cv->op != NN_DEPTHWISE))
			continue;
		cv->inputs[0] = pad->inputs[0];
		cv->pad_t += pad->pad_t;
		cv->pad_b += pad->pad_b;
		cv->pad_l += pad->pad_l;
		cv->pad_r += pad->pad_r;
		pad->op = NN_IDENTITY;
		pad->consumers = 0;
		pad->folded_into = (int)(cv - m->nodes) + 1;
	}
}

json_t *nn_topology_layers(json_t *topo, const char **cls)
{
	json_t *cfg = json_object_get(topo, "model_config");

	if (!cfg)
		cfg = topo;
	*cls = json_string_value(json_object_get(cfg, "class_name"));
	cfg = json_object_get(cfg, "config");
	return json_is_array(cfg) ? cfg : json_object_get(cfg, "layers");
}

static int read_classes(struct loader *L)
{
	struct strbuf path = STRBUF_INIT;
	uint8_t *data = NULL;
	size_t len = 0;
	struct wn_err ignored;
	char *p, *end;

	strbuf_addf(&path, "%s/classes.txt", L->dir);
	if (read_file_limited(path.buf, 1 << 20, &data, &len, &ignored)) {
		strbuf_release(&path);
		return 0;  /* optional */
	}
	strbuf_release(&path);
	p = (char *)data;
	end = p + len;
	while (p < end && L->m->nclass_names < NN_MAX_CLASSES) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), **grown;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (n) {
			grown = realloc(L->m->class_names,
					(size_t)(L->m->nclass_names + 1) * sizeof(char *));
			if (!grown || !(grown[L->m->nclass_names] = strndup(p, n))) {
				if (grown)
					L->m->class_names = grown;
				free(data);
				return wn_fail(L->err, WN_ENOMEM, "out of memory");
			}
			L->m->class_names = grown;
			L->m->nclass_names++;
		}
		p += n + (nl ? 1 + (n && nl[-1] == '\r') : 0);
		if (!nl)
			break;
	}
	free(data);
	return 0;
}

int nn_model_load(const char *dir, struct nn_model **out, struct wn_err *err)
{
	struct loader L = { .dir = dir, .err = err };
	uint8_t *text = NULL;
	size_t len = 0, li;
	json_t *root = NULL, *layers, *layer;
	json_error_t jerr;
	const char *mcls = NULL;
	int ret = -1;

	snprintf(L.json_path, sizeof(L.json_path), "%s/model.json", dir);
	*out = NULL;
	/* callers run one image per thread: OpenBLAS must not add its own */
	openblas_set_num_threads(1);
	L.m = calloc(1, sizeof(*L.m));
	if (!L.m)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	L.m->embedding = -1;
	if (read_file_limited(L.json_path, NN_MAX_JSON_BYTES, &text, &len, err))
		goto out;
	root = json_loadb((const char *)text, len, 0, &jerr);
	if (!root) {
		wn_fail(err, WN_ECORRUPT, "%s: not JSON (line %d: %s)", L.json_path, jerr.line,
			jerr.text);
		goto out;
	}
	if (read_manifest(&L, json_object_get(root, "weightsManifest")))
		goto out;
	layers = nn_topology_layers(json_object_get(root, "modelTopology"), &mcls);
	if (!json_is_array(layers) || !json_array_size(layers)) {
		fail(&L, WN_ECORRUPT, "no layers in modelTopology", NULL);
		goto out;
	}
	L.m->nodes = calloc(json_array_size(layers), sizeof(*L.m->nodes));
	if (!L.m->nodes) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(layers, li, layer) {
		struct nn_node *nd = &L.m->nodes[L.m->n];
		const char *cls = json_string_value(json_object_get(layer, "class_name"));
		json_t *cfg = json_object_get(layer, "config");
		const char *name = json_string_value(json_object_get(cfg, "name"));
		json_t *inbound = json_object_get(layer, "inbound_nodes");

		if (!name)
			name = json_string_value(json_object_get(layer, "name"));
		if (!cls || !name || !json_is_object(cfg)) {
			fail(&L, WN_ECORRUPT, "a malformed layer", name);
			goto out;
		}
		if (!(nd->name = strdup(name))) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
		L.m->n++;
		if (json_is_array(inbound) && json_array_size(inbound)) {
			json_t *conn = json_array_get(inbound, 0), *c;
			size_t ci;

			if (json_array_size(inbound) > 1) {
				fail(&L, WN_EFORMAT, "a layer used more than once (shared layers):", name);
				goto out;
			}
			json_array_foreach(conn, ci, c) {
				const char *from = json_string_value(json_array_get(c, 0));
				int idx = from ? node_index(L.m, from) : -1;

				if (idx < 0 || idx == L.m->n - 1 || nd->ninputs == NN_MAX_INPUTS) {
					fail(&L, WN_ECORRUPT, "an input that is not an earlier layer in", name);
					goto out;
				}
				nd->inputs[nd->ninputs++] = idx;
				L.m->nodes[idx].consumers++;
			}
		} else if (strcmp(cls, "InputLayer")) {
			/* Sequential: the layer before; a first layer brings
			 * its own input shape */
			if (L.m->n == 1) {
				fail(&L, WN_EFORMAT, "a model without an InputLayer:", name);
				goto out;
			}
			nd->inputs[nd->ninputs++] = L.m->n - 2;
			L.m->nodes[L.m->n - 2].consumers++;
		}
		if (build(&L, nd, cls, cfg))
			goto out;
	}
	if (L.m->nodes[0].op != NN_INPUT) {
		fail(&L, WN_EFORMAT, "the first layer is not an InputLayer", NULL);
		goto out;
	}
	L.m->output = L.m->n - 1;
	for (int i = 0; i < L.m->n; i++) {
		if (L.m->nodes[i].op == NN_DENSE)
			break;
		if (L.m->nodes[i].op == NN_FLATTEN || L.m->nodes[i].op == NN_GLOBALAVG)
			L.m->embedding = i;
	}
	if (L.m->nodes[L.m->output].h != 1 || L.m->nodes[L.m->output].w != 1 ||
	    L.m->nodes[L.m->output].c > NN_MAX_CLASSES) {
		fail(&L, WN_EFORMAT, "the last layer is not a vector of class scores", NULL);
		goto out;
	}
	if (fold_batchnorms(L.m, err) || read_classes(&L))
		goto out;
	fuse_activations(L.m);
	fold_paddings(L.m);
	*out = L.m;
	L.m = NULL;
	ret = 0;
out:
	json_decref(root);
	free(text);
	free(L.w);
	free(L.blob);
	nn_model_free(L.m);
	return ret;
}

void nn_model_free(struct nn_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++) {
		free(m->nodes[i].name);
		free(m->nodes[i].weight);
		free(m->nodes[i].bias);
	}
	for (int i = 0; i < m->nclass_names; i++)
		free(m->class_names[i]);
	free(m->class_names);
	free(m->nodes);
	free(m);
}

int nn_input_height(const struct nn_model *m) { return m->nodes[0].h; }
int nn_input_width(const struct nn_model *m) { return m->nodes[0].w; }
int nn_input_channels(const struct nn_model *m) { return m->nodes[0].c; }
int nn_classes(const struct nn_model *m) { return m->nodes[m->output].c; }
int nn_layer_count(const struct nn_model *m) { return m->n; }
double nn_flops(const struct nn_model *m) { return m->flops; }

int nn_embedding_size(const struct nn_model *m)
{
	return m->embedding < 0 ? 0 : m->nodes[m->embedding].c;
}

const char *nn_layer_name(const struct nn_model *m, int layer)
{
	return m->nodes[layer].name;
}

int nn_layer_find(const struct nn_model *m, const char *name)
{
	return node_index(m, name);
}

void nn_layer_shape(const struct nn_model *m, int layer, int *h, int *w, int *c)
{
	*h = m->nodes[layer].h;
	*w = m->nodes[layer].w;
	*c = m->nodes[layer].c;
}

int nn_layer_folded(const struct nn_model *m, int layer)
{
	return m->nodes[layer].folded_into - 1;
}

int nn_pooled_layer(const struct nn_model *m)
{
	const struct nn_node *nd, *in;
	int i = m->embedding;

	if (i < 0)
		return -1;
	while (m->nodes[i].op == NN_FLATTEN || m->nodes[i].op == NN_IDENTITY)
		i = m->nodes[i].inputs[0];
	nd = &m->nodes[i];
	if (nd->op != NN_GLOBALAVG && nd->op != NN_AVGPOOL)
		return -1;
	in = &m->nodes[nd->inputs[0]];
	if (nd->op == NN_AVGPOOL && (nd->h != 1 || nd->w != 1 || nd->kh != in->h ||
				     nd->kw != in->w || nd->pad_t || nd->pad_l))
		return -1;
	return in->folded_into ? -1 : nd->inputs[0];
}

const char *nn_class_name(const struct nn_model *m, int i)
{
	static __thread char buf[32];

	if (i >= 0 && i < m->nclass_names)
		return m->class_names[i];
	snprintf(buf, sizeof(buf), "class%d", i);
	return buf;
}
