/* The MLP head: plain loops over one row at a time (each layer an axpy
 * per input unit, which the compiler vectorises), rows in fixed chunks
 * on the pool, Adam on the chunk-ordered sum of their gradients. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/mlp.h"

#define CHUNK 8               /* rows a job: fixed, so sums do not depend on threads */
#define ROW(rows, i) ((rows) ? (rows)[i] : (i))

struct mlp_opts mlp_defaults(void)
{
	return (struct mlp_opts){ { 256, 128 }, 2, 1e-3, 0.3, 40, 32, 1e-3, 0, 0 };
}

static uint64_t mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A uniform draw in [0, 1) from a counter-based stream. */
static double draw(uint64_t *s)
{
	*s = mix(*s);
	return (double)(*s >> 11) / 9007199254740992.0;
}

static size_t nparams(const struct mlp *m)
{
	size_t p = 0;

	for (int l = 0; l < m->layers; l++)
		p += (size_t)m->width[l] * (size_t)m->width[l + 1] + (size_t)m->width[l + 1];
	return p;
}

/* The weights and biases as views into one block (params, grads and
 * Adam's moments share this layout). */
static void views(const struct mlp *m, float *block, float **w, float **b)
{
	for (int l = 0; l < m->layers; l++) {
		w[l] = block;
		block += (size_t)m->width[l] * (size_t)m->width[l + 1];
		b[l] = block;
		block += m->width[l + 1];
	}
}

/* Each feature's mean and 1 / standard deviation over the rows. */
static void standardise(struct mlp *m, const float *x, const size_t *rows, size_t n)
{
	const int d = m->width[0];

	for (int j = 0; j < d; j++) {
		double s = 0, ss = 0, mu;

		for (size_t i = 0; i < n; i++)
			s += x[ROW(rows, i) * (size_t)d + (size_t)j];
		mu = s / (double)n;
		for (size_t i = 0; i < n; i++) {
			double v = x[ROW(rows, i) * (size_t)d + (size_t)j] - mu;

			ss += v * v;
		}
		ss = sqrt(ss / (double)n);
		m->mean[j] = (float)mu;
		m->scale[j] = (float)(ss > 1e-6 ? 1 / ss : 0);
	}
}

/* One row forward: act[0] the standardised input, act[l] each hidden
 * layer's output (ReLU, then dropout when keep_seed is not 0: units
 * dropped with probability drop, the kept ones scaled by 1 / (1 - drop)),
 * p the class probabilities. */
static void forward(const struct mlp *m, float *const *w, float *const *b, const float *xi,
		    float **act, double drop, uint64_t keep_seed, float *p)
{
	const int L = m->layers;

	for (int j = 0; j < m->width[0]; j++)
		act[0][j] = (xi[j] - m->mean[j]) * m->scale[j];
	for (int l = 0; l < L; l++) {
		const int in = m->width[l], out = m->width[l + 1];
		float *a = l < L - 1 ? act[l + 1] : p;

		memcpy(a, b[l], (size_t)out * sizeof(float));
		for (int i = 0; i < in; i++) {
			const float v = act[l][i], *wi = w[l] + (size_t)i * (size_t)out;

			if (v != 0)
				for (int j = 0; j < out; j++)
					a[j] += v * wi[j];
		}
		if (l < L - 1) {
			for (int j = 0; j < out; j++) {
				a[j] = a[j] > 0 ? a[j] : 0;
				if (keep_seed)
					a[j] = draw(&keep_seed) < drop ? 0 : a[j] / (float)(1 - drop);
			}
		}
	}
	{
		const int k = m->width[L];
		float mx = p[0];
		double s = 0;

		for (int c = 1; c < k; c++)
			mx = p[c] > mx ? p[c] : mx;
		for (int c = 0; c < k; c++)
			s += (p[c] = expf(p[c] - mx));
		for (int c = 0; c < k; c++)
			p[c] = (float)(p[c] / s);
	}
}

/* A job: a chunk of a batch's rows, its gradient summed into grad. */
struct chunk {
	const struct mlp *m;
	float *const *w, *const *b;   /* the parameters */
	const float *x;
	const int *y;
	const size_t *idx;            /* its rows */
	int count;
	double drop;
	uint64_t seed;                /* the run's and the epoch's */
	float *grad;                  /* nparams, this chunk's */
	float *scratch;               /* the activations, delta, its back-propagation */
	double loss;
};

/* Back-propagates one row's loss into the chunk's gradient. */
static void backward(struct chunk *ch, float **act, const float *p, int label, float **gw,
		     float **gb, float *delta, float *prev)
{
	const struct mlp *m = ch->m;
	const float up = (float)(1 / (1 - ch->drop));

	for (int c = 0; c < m->width[m->layers]; c++)
		delta[c] = p[c] - (c == label);
	for (int l = m->layers - 1; l >= 0; l--) {
		const int in = m->width[l], out = m->width[l + 1];

		for (int j = 0; j < out; j++)
			gb[l][j] += delta[j];
		for (int i = 0; i < in; i++) {
			const float v = act[l][i], *wi = ch->w[l] + (size_t)i * (size_t)out;
			float *gi = gw[l] + (size_t)i * (size_t)out, s = 0;

			if (v != 0)
				for (int j = 0; j < out; j++)
					gi[j] += v * delta[j];
			if (l > 0 && v > 0) {
				for (int j = 0; j < out; j++)
					s += wi[j] * delta[j];
				prev[i] = s * up;
			} else if (l > 0) {
				prev[i] = 0;
			}
		}
		if (l > 0)
			memcpy(delta, prev, (size_t)in * sizeof(float));
	}
}

static void chunk_job(void *arg)
{
	struct chunk *ch = arg;
	const struct mlp *m = ch->m;
	float *act[MLP_MAX_HIDDEN + 1], *gw[MLP_MAX_HIDDEN + 1], *gb[MLP_MAX_HIDDEN + 1];
	float *s = ch->scratch, *p, *delta, *prev;
	int widest = 0;

	for (int l = 0; l < m->layers; l++) {
		act[l] = s;
		s += m->width[l];
		widest = m->width[l] > widest ? m->width[l] : widest;
	}
	widest = m->width[m->layers] > widest ? m->width[m->layers] : widest;
	p = s;
	delta = p + widest;
	prev = delta + widest;
	memset(ch->grad, 0, nparams(m) * sizeof(float));
	views(m, ch->grad, gw, gb);
	ch->loss = 0;
	for (int r = 0; r < ch->count; r++) {
		size_t i = ch->idx[r];
		int label = ch->y[i];

		forward(m, ch->w, ch->b, ch->x + i * (size_t)m->width[0], act, ch->drop,
			mix(ch->seed ^ mix(i)) | 1, p);
		ch->loss -= log(p[label] > 1e-12f ? p[label] : 1e-12f);
		backward(ch, act, p, label, gw, gb, delta, prev);
	}
}

/* The run's state: the parameters, Adam's moments, the jobs. */
struct trainer {
	struct mlp *m;
	const struct mlp_opts *o;
	size_t np;
	float *theta, *g, *m1, *m2;
	float *w[MLP_MAX_HIDDEN + 1], *b[MLP_MAX_HIDDEN + 1];
	struct chunk *ch;
	int nch;
	struct pool *pool;
	size_t *order;
	long steps;
};

static int layout(struct mlp *m, int dim, int classes, const struct mlp_opts *o)
{
	m->layers = o->nhidden + 1;
	m->width[0] = dim;
	for (int l = 0; l < o->nhidden; l++)
		m->width[l + 1] = o->hidden[l];
	m->width[m->layers] = classes;
	m->mean = malloc((size_t)dim * sizeof(float));
	m->scale = malloc((size_t)dim * sizeof(float));
	m->w[0] = calloc(nparams(m), sizeof(float));
	if (!m->mean || !m->scale || !m->w[0])
		return -1;
	views(m, m->w[0], m->w, m->b);
	return 0;
}

/* One Adam step on the batch's rows idx[0..count-1]. */
static double step(struct trainer *tr, const float *x, const int *y, const size_t *idx,
		   int count, uint64_t seed)
{
	const struct mlp_opts *o = tr->o;
	const size_t nw0 = (size_t)tr->m->width[0] * (size_t)tr->m->width[1];
	const double c1 = 1 - pow(0.9, (double)++tr->steps), c2 = 1 - pow(0.999, (double)tr->steps);
	int used = 0;
	double loss = 0;

	for (int c = 0; c < tr->nch && c * CHUNK < count; c++, used++) {
		struct chunk *ch = &tr->ch[c];

		ch->x = x;
		ch->y = y;
		ch->idx = idx + c * CHUNK;
		ch->count = count - c * CHUNK < CHUNK ? count - c * CHUNK : CHUNK;
		ch->seed = seed;
		pool_submit(tr->pool, chunk_job, ch);
	}
	pool_wait(tr->pool);
	memset(tr->g, 0, tr->np * sizeof(float));
	for (int c = 0; c < used; c++) {
		for (size_t i = 0; i < tr->np; i++)
			tr->g[i] += tr->ch[c].grad[i];
		loss += tr->ch[c].loss;
	}
	for (size_t i = 0; i < tr->np; i++) {
		double g = tr->g[i] / count + (i < nw0 ? o->l2 * tr->theta[i] : 0);

		tr->m1[i] = (float)(0.9 * tr->m1[i] + 0.1 * g);
		tr->m2[i] = (float)(0.999 * tr->m2[i] + 0.001 * g * g);
		tr->theta[i] -= (float)(o->rate * (tr->m1[i] / c1) / (sqrt(tr->m2[i] / c2) + 1e-8));
	}
	return loss;
}

/* He-uniform starting weights from the seed; biases 0. */
static void init_weights(struct mlp *m, uint64_t seed)
{
	uint64_t s = mix(seed ^ 0x5EEDull);

	for (int l = 0; l < m->layers; l++) {
		const size_t nw = (size_t)m->width[l] * (size_t)m->width[l + 1];
		const double lim = sqrt(6.0 / m->width[l]);

		for (size_t i = 0; i < nw; i++)
			m->w[l][i] = (float)((2 * draw(&s) - 1) * lim);
	}
}

static int check(size_t n, int dim, int classes, const struct mlp_opts *o, struct wn_err *err)
{
	if (n < 2 || classes < 2 || dim < 1)
		return wn_fail(err, WN_EINVAL, "an MLP head needs 2 or more rows and classes");
	if (o->nhidden < 1 || o->nhidden > MLP_MAX_HIDDEN || o->epochs < 1 || o->batch < 1 ||
	    !(o->dropout >= 0 && o->dropout <= 0.9) || !(o->rate > 0) || !(o->l2 >= 0))
		return wn_fail(err, WN_EINVAL, "MLP options out of range");
	for (int l = 0; l < o->nhidden; l++)
		if (o->hidden[l] < 1 || o->hidden[l] > 4096)
			return wn_fail(err, WN_EINVAL, "a hidden layer of %d units: 1 to 4096",
				       o->hidden[l]);
	return 0;
}

static int trainer_new(struct trainer *tr, struct mlp *m, const struct mlp_opts *o, size_t n)
{
	int widest = 0;
	size_t acts = 0;

	tr->m = m;
	tr->o = o;
	tr->np = nparams(m);
	tr->theta = m->w[0];
	tr->nch = (o->batch + CHUNK - 1) / CHUNK;
	tr->g = malloc(tr->np * sizeof(float));
	tr->m1 = calloc(tr->np, sizeof(float));
	tr->m2 = calloc(tr->np, sizeof(float));
	tr->order = malloc(n * sizeof(size_t));
	tr->ch = calloc((size_t)tr->nch, sizeof(*tr->ch));
	tr->pool = pool_create(o->threads);
	if (!tr->g || !tr->m1 || !tr->m2 || !tr->order || !tr->ch || !tr->pool)
		return -1;
	for (int l = 0; l <= m->layers; l++) {
		widest = m->width[l] > widest ? m->width[l] : widest;
		acts += l < m->layers ? (size_t)m->width[l] : 0;
	}
	for (int c = 0; c < tr->nch; c++) {
		struct chunk *ch = &tr->ch[c];

		ch->m = m;
		ch->w = m->w;
		ch->b = m->b;
		ch->drop = o->dropout;
		ch->grad = malloc(tr->np * sizeof(float));
		ch->scratch = malloc((acts + 3 * (size_t)widest) * sizeof(float));
		if (!ch->grad || !ch->scratch)
			return -1;
	}
	return 0;
}

static void trainer_free(struct trainer *tr)
{
	pool_free(tr->pool);
	for (int c = 0; tr->ch && c < tr->nch; c++) {
		free(tr->ch[c].grad);
		free(tr->ch[c].scratch);
	}
	free(tr->ch);
	free(tr->g);
	free(tr->m1);
	free(tr->m2);
	free(tr->order);
}

int mlp_fit(const float *x, const int *y, const size_t *rows, size_t n, int dim, int classes,
	    const struct mlp_opts *o, struct mlp *m, struct wn_err *err)
{
	struct trainer tr = { 0 };
	int ret = -1;

	if (check(n, dim, classes, o, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (y[ROW(rows, i)] < 0 || y[ROW(rows, i)] >= classes)
			return wn_fail(err, WN_EINVAL, "label %d out of range", y[ROW(rows, i)]);
	if (layout(m, dim, classes, o) || trainer_new(&tr, m, o, n)) {
		wn_fail(err, WN_ENOMEM, "out of memory or threads");
		goto out;
	}
	standardise(m, x, rows, n);
	init_weights(m, o->seed);
	for (size_t i = 0; i < n; i++)
		tr.order[i] = ROW(rows, i);
	for (int e = 0; e < o->epochs; e++) {
		uint64_t s = mix(o->seed + 0x1000 + (uint64_t)e);
		double loss = 0;

		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)(draw(&s) * (double)(i + 1)), t = tr.order[i];

			tr.order[i] = tr.order[j];
			tr.order[j] = t;
		}
		for (size_t b0 = 0; b0 < n; b0 += (size_t)o->batch)
			loss += step(&tr, x, y, tr.order + b0,
				     (int)(n - b0 < (size_t)o->batch ? n - b0 : (size_t)o->batch),
				     mix(o->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(e + 1))));
		m->loss = loss / (double)n;
	}
	ret = 0;
out:
	trainer_free(&tr);
	if (ret)
		mlp_free(m);
	return ret;
}

int mlp_predict(const struct mlp *m, const float *x, const size_t *rows, size_t n,
		float *probs, struct wn_err *err)
{
	float *act[MLP_MAX_HIDDEN + 1], *buf;
	size_t acts = 0;

	for (int l = 0; l < m->layers; l++)
		acts += (size_t)m->width[l];
	buf = malloc(acts * sizeof(float));
	if (!buf)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	acts = 0;
	for (int l = 0; l < m->layers; l++) {
		act[l] = buf + acts;
		acts += (size_t)m->width[l];
	}
	for (size_t i = 0; i < n; i++)
		forward(m, m->w, m->b, x + ROW(rows, i) * (size_t)m->width[0], act, 0, 0,
			probs + i * (size_t)m->width[m->layers]);
	free(buf);
	return 0;
}

void mlp_free(struct mlp *m)
{
	free(m->mean);
	free(m->scale);
	free(m->w[0]);  /* the block every layer's weights and biases are in */
	memset(m, 0, sizeof(*m));
}
