/* Running a loaded graph on one image. Each node's output is a buffer
 * freed as soon as its last reader has run; Dropout, folded
 * BatchNormalizations and Flatten share their input's buffer.
 * Convolutions are im2col (in row chunks, so the patch matrix stays a
 * few megabytes) and one sgemm; 1x1 convolutions are a bare sgemm, in
 * chunks of rows; each chunk's bias and clamp (kernels.c) follow its
 * sgemm while it is in cache. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

#define IM2COL_BYTES (4u << 20)

static int is_alias(const struct nn_node *nd)
{
	return nd->op == NN_IDENTITY || nd->op == NN_FLATTEN;
}

static void activate(const struct nn_node *nd, float *x, size_t n, int c)
{
	switch (nd->act) {
	case ACT_LINEAR:
		return;
	case ACT_RELU:
		for (size_t i = 0; i < n; i++)
			x[i] = x[i] > 0 ? x[i] : 0;
		return;
	case ACT_RELU6:
		for (size_t i = 0; i < n; i++)
			x[i] = x[i] > 0 ? (x[i] < 6 ? x[i] : 6) : 0;
		return;
	case ACT_RELU_GENERAL: {
		float mx = nd->relu_max, sl = nd->relu_slope, th = nd->relu_threshold;

		if (sl == 0 && th == 0) {
			/* the common case (ReLU6): two selects, vectorised */
			for (size_t i = 0; i < n; i++) {
				float v = x[i] > 0 ? x[i] : 0;

				x[i] = v < mx ? v : mx;
			}
			return;
		}
		for (size_t i = 0; i < n; i++) {
			float a = x[i], b = sl * (x[i] - th), v = a >= th ? a : b;

			x[i] = v < mx ? v : mx;
		}
		return;
	}
	case ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			x[i] = 1.0f / (1.0f + expf(-x[i]));
		return;
	case ACT_TANH:
		for (size_t i = 0; i < n; i++)
			x[i] = tanhf(x[i]);
		return;
	case ACT_SOFTMAX:
		/* over the channels of each position */
		for (size_t p = 0; p < n; p += (size_t)c) {
			float mx = x[p], sum = 0;

			for (int k = 1; k < c; k++)
				mx = x[p + (size_t)k] > mx ? x[p + (size_t)k] : mx;
			for (int k = 0; k < c; k++) {
				x[p + (size_t)k] = expf(x[p + (size_t)k] - mx);
				sum += x[p + (size_t)k];
			}
			for (int k = 0; k < c; k++)
				x[p + (size_t)k] /= sum;
		}
		return;
	}
}

static void add_bias(float *x, const float *b, size_t pixels, int c)
{
	if (!b)
		return;
	for (size_t p = 0; p < pixels; p++, x += c)
		for (int k = 0; k < c; k++)
			x[k] += b[k];
}

/* Output rows of a 1x1 convolution a sgemm call makes, so that its
 * output is still in cache for the epilogue. */
#define EPILOGUE_BYTES (256u << 10)

static int conv(const struct nn_node *nd, const struct nn_node *in, const float *src,
		float *dst)
{
	const int cin = in->c, cout = nd->c, K = nd->kh * nd->kw * cin;
	float *col;
	int rows;

	if (nd->kh == 1 && nd->kw == 1 && nd->sh == 1 && nd->sw == 1 && !nd->pad_t &&
	    !nd->pad_l && nd->h == in->h && nd->w == in->w) {
		int pixels = nd->h * nd->w, step = (int)(EPILOGUE_BYTES / ((size_t)cout * sizeof(float)));

		if (!nn_conv1x1(nd, cin, src, dst, (size_t)pixels))
			return 0;
		step = step < 16 ? 16 : step;
		for (int p0 = 0; p0 < pixels; p0 += step) {
			int np = pixels - p0 < step ? pixels - p0 : step;
			float *d = dst + (size_t)p0 * (size_t)cout;

			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, np, cout, cin, 1.0f,
				    src + (size_t)p0 * (size_t)cin, cin, nd->weight, cout, 0.0f, d, cout);
			nn_epilogue(nd, d, (size_t)np);
		}
		return 0;
	}
	rows = (int)(IM2COL_BYTES / ((size_t)nd->w * (size_t)K * sizeof(float)));
	rows = rows < 1 ? 1 : rows > nd->h ? nd->h : rows;
	col = malloc((size_t)rows * (size_t)nd->w * (size_t)K * sizeof(float));
	if (!col)
		return -1;
	for (int y0 = 0; y0 < nd->h; y0 += rows) {
		int ny = nd->h - y0 < rows ? nd->h - y0 : rows;
		float *a = col, *d = dst + (size_t)y0 * (size_t)nd->w * (size_t)cout;

		for (int y = y0; y < y0 + ny; y++)
			for (int x = 0; x < nd->w; x++)
				for (int ky = 0; ky < nd->kh; ky++) {
					int iy = y * nd->sh + ky - nd->pad_t;

					for (int kx = 0; kx < nd->kw; kx++, a += cin) {
						int ix = x * nd->sw + kx - nd->pad_l;

						if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w)
							memset(a, 0, (size_t)cin * sizeof(float));
						else
							memcpy(a, src + ((size_t)iy * (size_t)in->w +
									 (size_t)ix) * (size_t)cin,
							       (size_t)cin * sizeof(float));
					}
				}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ny * nd->w, cout, K, 1.0f, col,
			    K, nd->weight, cout, 0.0f, d, cout);
		nn_epilogue(nd, d, (size_t)ny * (size_t)nd->w);
	}
	free(col);
	return 0;
}

static void pool(const struct nn_node *nd, const struct nn_node *in, const float *src,
		 float *dst)
{
	const int c = nd->c, max = nd->op == NN_MAXPOOL;

	for (int y = 0; y < nd->h; y++)
		for (int x = 0; x < nd->w; x++) {
			float *o = dst + ((size_t)y * (size_t)nd->w + (size_t)x) * (size_t)c;
			int n = 0;

			for (int k = 0; k < c; k++)
				o[k] = max ? -INFINITY : 0;
			for (int ky = 0; ky < nd->kh; ky++) {
				int iy = y * nd->sh + ky - nd->pad_t;

				if (iy < 0 || iy >= in->h)
					continue;
				for (int kx = 0; kx < nd->kw; kx++) {
					int ix = x * nd->sw + kx - nd->pad_l;
					const float *s;

					if (ix < 0 || ix >= in->w)
						continue;
					s = src + ((size_t)iy * (size_t)in->w + (size_t)ix) * (size_t)c;
					n++;
					if (max)
						for (int k = 0; k < c; k++)
							o[k] = s[k] > o[k] ? s[k] : o[k];
					else
						for (int k = 0; k < c; k++)
							o[k] += s[k];
				}
			}
			/* TensorFlow's "same" average leaves the padding out */
			if (!max && n)
				for (int k = 0; k < c; k++)
					o[k] /= (float)n;
		}
}

static int run_node(const struct nn_model *m, const struct nn_node *nd, float *const *buf,
		    float *dst)
{
	const struct nn_node *in = nd->ninputs ? &m->nodes[nd->inputs[0]] : NULL;
	const float *src = nd->ninputs ? buf[nd->inputs[0]] : NULL;
	size_t pixels = (size_t)nd->h * (size_t)nd->w, n = pixels * (size_t)nd->c;

	switch (nd->op) {
	case NN_CONV:
		if (conv(nd, in, src, dst))
			return -1;
		if (nn_act_clamps(nd))
			return 0;  /* the epilogue did the bias and the activation */
		break;
	case NN_DEPTHWISE:
		nn_depthwise(nd, in, src, dst);
		if (nn_act_clamps(nd))
			return 0;
		break;
	case NN_SCALE_SHIFT:
		for (size_t p = 0; p < pixels; p++)
			for (int k = 0; k < nd->c; k++)
				dst[p * (size_t)nd->c + (size_t)k] =
					src[p * (size_t)nd->c + (size_t)k] * nd->weight[k] + nd->bias[k];
		break;
	case NN_ACT:
		memcpy(dst, src, n * sizeof(float));
		break;
	case NN_PAD:
		memset(dst, 0, n * sizeof(float));
		for (int y = 0; y < in->h; y++)
			memcpy(dst + ((size_t)(y + nd->pad_t) * (size_t)nd->w + (size_t)nd->pad_l) *
					     (size_t)nd->c,
			       src + (size_t)y * (size_t)in->w * (size_t)in->c,
			       (size_t)in->w * (size_t)in->c * sizeof(float));
		break;
	case NN_ADD: {
		const float *b = buf[nd->inputs[1]];

		for (size_t k = 0; k < n; k++)
			dst[k] = src[k] + b[k];
		for (int i = 2; i < nd->ninputs; i++) {
			const float *o = buf[nd->inputs[i]];

			for (size_t k = 0; k < n; k++)
				dst[k] += o[k];
		}
		break;
	}
	case NN_CONCAT: {
		int off = 0;

		for (int i = 0; i < nd->ninputs; i++) {
			const struct nn_node *o = &m->nodes[nd->inputs[i]];
			const float *s = buf[nd->inputs[i]];

			for (size_t p = 0; p < pixels; p++)
				memcpy(dst + p * (size_t)nd->c + (size_t)off, s + p * (size_t)o->c,
				       (size_t)o->c * sizeof(float));
			off += o->c;
		}
		break;
	}
	case NN_MAXPOOL:
	case NN_AVGPOOL:
		pool(nd, in, src, dst);
		break;
	case NN_GLOBALAVG: {
		size_t ip = (size_t)in->h * (size_t)in->w;

		memset(dst, 0, (size_t)nd->c * sizeof(float));
		for (size_t p = 0; p < ip; p++)
			for (int k = 0; k < nd->c; k++)
				dst[k] += src[p * (size_t)nd->c + (size_t)k];
		for (int k = 0; k < nd->c; k++)
			dst[k] /= (float)ip;
		break;
	}
	case NN_DENSE:
		cblas_sgemv(CblasRowMajor, CblasTrans, in->c, nd->c, 1.0f, nd->weight, nd->c, src, 1,
			    0.0f, dst, 1);
		add_bias(dst, nd->bias, 1, nd->c);
		break;
	default:
		break;
	}
	activate(nd, dst, n, nd->c);
	return 0;
}

int nn_run_layer(const struct nn_model *m, const float *input, float *out, float *embedding,
		 int layer, float *acts, struct wn_err *err)
{
	float **buf = calloc((size_t)m->n, sizeof(*buf));
	int *store = malloc((size_t)m->n * sizeof(*store)), *refs = calloc((size_t)m->n, sizeof(*refs));
	int ret = -1;

	if (!buf || !store || !refs) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (acts && (layer < 0 || layer >= m->n || m->nodes[layer].folded_into)) {
		wn_fail(err, WN_EINVAL, "layer %d is not one whose output is kept", layer);
		goto out;
	}
	/* which buffer each node's output lives in, and how many readers
	 * each buffer has left (an alias's readers count for its storage) */
	for (int i = 0; i < m->n; i++)
		store[i] = is_alias(&m->nodes[i]) ? store[m->nodes[i].inputs[0]] : i;
	for (int i = 0; i < m->n; i++)
		if (!is_alias(&m->nodes[i]))
			for (int k = 0; k < m->nodes[i].ninputs; k++)
				refs[store[m->nodes[i].inputs[k]]]++;
	for (int i = 0; i < m->n; i++) {
		const struct nn_node *nd = &m->nodes[i];

		if (nd->op == NN_INPUT) {
			buf[i] = (float *)(uintptr_t)input;  /* borrowed, never written */
		} else if (is_alias(nd)) {
			buf[i] = buf[nd->inputs[0]];
		} else {
			buf[i] = malloc(((size_t)nd->h * (size_t)nd->w * (size_t)nd->c + 1) * sizeof(float));
			if (!buf[i] || run_node(m, nd, buf, buf[i])) {
				wn_fail(err, WN_ENOMEM, "out of memory");
				goto out;
			}
			for (int k = 0; k < nd->ninputs; k++) {
				int s = store[nd->inputs[k]];

				if (--refs[s] == 0 && m->nodes[s].op != NN_INPUT && s != store[m->output] &&
				    s != (m->embedding >= 0 ? store[m->embedding] : -1)) {
					free(buf[s]);
					buf[s] = NULL;
				}
			}
		}
		if (i == m->embedding && embedding)
			memcpy(embedding, buf[i], (size_t)nd->c * sizeof(float));
		if (i == layer && acts) {
			if (!buf[i]) {
				/* an alias nobody reads, its storage freed */
				wn_fail(err, WN_EINVAL, "layer '%s' is not kept", nd->name);
				goto out;
			}
			memcpy(acts, buf[i], (size_t)nd->h * (size_t)nd->w * (size_t)nd->c * sizeof(float));
		}
	}
	memcpy(out, buf[m->output], (size_t)m->nodes[m->output].c * sizeof(float));
	ret = 0;
out:
	if (buf && store)
		for (int i = 0; i < m->n; i++)
			if (store[i] == i && m->nodes[i].op != NN_INPUT)
				free(buf[i]);
	free(buf);
	free(store);
	free(refs);
	return ret;
}

int nn_run(const struct nn_model *m, const float *input, float *out, float *embedding,
	   struct wn_err *err)
{
	return nn_run_layer(m, input, out, embedding, -1, NULL, err);
}
