/* The loaded graph, shared by load.c (which builds it), run.c and
 * kernels.c (which run it). Not for use outside lib/nn/. */
#ifndef WINNOW_NN_INTERNAL_H
#define WINNOW_NN_INTERNAL_H

#include "nn/model.h"

enum nn_op {
	NN_INPUT, NN_CONV, NN_DEPTHWISE, NN_SCALE_SHIFT /* an unfolded BN */, NN_ACT,
	NN_PAD, NN_ADD, NN_CONCAT, NN_MAXPOOL, NN_AVGPOOL, NN_GLOBALAVG, NN_FLATTEN,
	NN_DENSE, NN_IDENTITY /* Dropout, and a BN folded away */
};

enum nn_act { ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_SOFTMAX, ACT_SIGMOID, ACT_TANH,
	      ACT_RELU_GENERAL /* ReLU with max_value, negative_slope, threshold */ };

#define NN_MAX_INPUTS 8

/* model.json's weightsManifest, read (load.c): the tensors in manifest
 * order, each pointing into blob (all the shards, concatenated). */
enum nn_wdtype { W_F32, W_I32, W_U8, W_U16 };

struct nn_weight {
	const char *name;         /* the manifest's strings: valid while it is */
	struct json_t *spec;      /* its manifest entry */
	size_t count, bytes;      /* values, and their bytes in blob */
	const uint8_t *data;
	enum nn_wdtype dtype;     /* as stored (the quantized type when quant) */
	int quant;
	double qmin, qscale;
	int shape[4], rank;
};

struct nn_weights {
	struct nn_weight *w;
	size_t n;
	uint8_t *blob;
};

/* nn_weights_read() : the shards manifest names (in dir) and its
 * tensors, checked against each other as nn_model_load() checks them.
 * @return 0 with out to release with nn_weights_release(), or -1 with err
 * set (messages start with dir/model.json). */
int nn_weights_read(const char *dir, struct json_t *manifest, struct nn_weights *out,
		    struct wn_err *err);
void nn_weights_release(struct nn_weights *ws);

/* nn_topology_layers() : the layer array of model.json's modelTopology
 * (with or without its model_config wrapper), or NULL; *cls gets the
 * model's class ("Model", "Sequential") or NULL. */
struct json_t *nn_topology_layers(struct json_t *topo, const char **cls);

struct nn_node {
	enum nn_op op;
	char *name;
	int inputs[NN_MAX_INPUTS], ninputs;
	int consumers;            /* nodes reading this one's output */
	int folded_into;          /* 0: its buffer holds this layer's own output;
				   * else 1 + the layer whose output it holds now
				   * (a BN or activation folded into this
				   * convolution) or that absorbed it (a padding) */
	/* output shape */
	int h, w, c;
	/* convolution, pooling, padding */
	int kh, kw, sh, sw;
	int pad_t, pad_b, pad_l, pad_r;  /* "same" resolved, or ZeroPadding2D */
	/* weights, owned: conv [kh][kw][cin][cout], depthwise [kh][kw][c],
	 * dense [in][out]; bias [cout]; scale/shift for NN_SCALE_SHIFT */
	float *weight, *bias;
	/* activation applied after the op */
	enum nn_act act;
	float relu_max, relu_slope, relu_threshold;
};

struct nn_model {
	struct nn_node *nodes;
	int n;
	int output;               /* node index */
	int embedding;            /* node index, -1 if none */
	char **class_names;
	int nclass_names;
	double flops;
};

/* kernels.c: nn_act_clamps() says whether nd's activation is none or a
 * clamp (ReLU, ReLU6, ReLU with max_value only), which nn_depthwise() and
 * nn_epilogue() apply themselves; any other is left for the caller.
 * nn_depthwise() writes nd's whole output (bias included) from src, in's
 * output; nn_epilogue() adds nd's bias to `pixels` pixels of a
 * convolution's output x, in place, then clamps. */
int nn_act_clamps(const struct nn_node *nd);
void nn_depthwise(const struct nn_node *nd, const struct nn_node *in, const float *src,
		  float *dst);
void nn_epilogue(const struct nn_node *nd, float *x, size_t pixels);
/* nn_conv1x1() : nd's 1x1 convolution (stride 1, no padding) of `pixels`
 * pixels of cin channels from src into dst, bias and clamp included, with
 * the CPU's widest vectors. @return 0, or -1 (nothing done) when the CPU
 * has no kernel here: the caller takes sgemm. */
int nn_conv1x1(const struct nn_node *nd, int cin, const float *src, float *dst, size_t pixels);

#endif
