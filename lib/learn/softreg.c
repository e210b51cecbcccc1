/* Softmax regression by L-BFGS (Nocedal and Wright, algorithm 7.4, with
 * a backtracking Armijo line search). Parameters are kept in doubles;
 * the data products are float sgemm calls. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/softreg.h"

#define HISTORY 10

struct problem {
	const float *x;      /* standardised, n x dim */
	const int *y;
	size_t n;
	int dim, k;
	double l2;
	float *wf, *logits;  /* scratch: weights as floats, n x k */
	float *gf;           /* dim x k */
};

/* Loss and gradient at theta = (W dim x k, b k). */
static double evaluate(struct problem *p, const double *theta, double *grad)
{
	const int k = p->k, d = p->dim;
	const size_t nw = (size_t)d * (size_t)k;
	double loss = 0, reg = 0;

	for (size_t i = 0; i < nw; i++)
		p->wf[i] = (float)theta[i];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p->n, k, d, 1.0f, p->x, d,
		    p->wf, k, 0.0f, p->logits, k);
	memset(grad + nw, 0, (size_t)k * sizeof(double));
	for (size_t i = 0; i < p->n; i++) {
		float *z = p->logits + i * (size_t)k;
		double mx = -INFINITY, sum = 0;

		for (int c = 0; c < k; c++) {
			double v = z[c] + theta[nw + (size_t)c];

			mx = v > mx ? v : mx;
		}
		for (int c = 0; c < k; c++)
			sum += exp(z[c] + theta[nw + (size_t)c] - mx);
		loss += log(sum) + mx - (z[p->y[i]] + theta[nw + (size_t)p->y[i]]);
		/* dL/dz = softmax - onehot, over n */
		for (int c = 0; c < k; c++) {
			double g = exp(z[c] + theta[nw + (size_t)c] - mx) / sum - (c == p->y[i]);

			z[c] = (float)(g / (double)p->n);
			grad[nw + (size_t)c] += g / (double)p->n;
		}
	}
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, k, (int)p->n, 1.0f, p->x, d,
		    p->logits, k, 0.0f, p->gf, k);
	for (size_t i = 0; i < nw; i++) {
		grad[i] = p->gf[i] + p->l2 * theta[i];
		reg += theta[i] * theta[i];
	}
	return loss / (double)p->n + 0.5 * p->l2 * reg;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* Minimises from theta = 0; theta holds the result. Returns iterations. */
static int lbfgs(struct problem *p, double *theta, size_t np, int max_iter, double *loss_out,
		 double *work)
{
	double *g = work, *d = g + np, *tn = d + np, *gn = tn + np;
	double *s = gn + np, *yv = s + HISTORY * np, rho[HISTORY], alpha[HISTORY];
	double f = evaluate(p, theta, g);
	int m = 0, head = 0, it;

	for (it = 0; it < max_iter; it++) {
		double gnorm = sqrt(dot(g, g, np)), step = 1, fn = 0, gd;
		int idx;

		if (gnorm < 1e-6)
			break;
		/* two-loop recursion: d = -H g */
		for (size_t i = 0; i < np; i++)
			d[i] = -g[i];
		for (int j = 0; j < m; j++) {
			idx = (head - 1 - j + HISTORY) % HISTORY;
			alpha[idx] = rho[idx] * dot(s + (size_t)idx * np, d, np);
			for (size_t i = 0; i < np; i++)
				d[i] -= alpha[idx] * yv[(size_t)idx * np + i];
		}
		if (m) {
			idx = (head - 1 + HISTORY) % HISTORY;
			double gamma = dot(s + (size_t)idx * np, yv + (size_t)idx * np, np) /
				       dot(yv + (size_t)idx * np, yv + (size_t)idx * np, np);

			for (size_t i = 0; i < np; i++)
				d[i] *= gamma;
		} else {
			for (size_t i = 0; i < np; i++)
				d[i] /= gnorm;  /* a first step of unit length */
		}
		for (int j = m - 1; j >= 0; j--) {
			idx = (head - 1 - j + HISTORY) % HISTORY;
			double beta = rho[idx] * dot(yv + (size_t)idx * np, d, np);

			for (size_t i = 0; i < np; i++)
				d[i] += (alpha[idx] - beta) * s[(size_t)idx * np + i];
		}
		gd = dot(g, d, np);
		if (gd >= 0) {  /* not a descent direction: restart on the gradient */
			for (size_t i = 0; i < np; i++)
				d[i] = -g[i] / gnorm;
			gd = -gnorm;
			m = 0;
		}
		for (int tries = 0; tries < 40; tries++, step *= 0.5) {
			for (size_t i = 0; i < np; i++)
				tn[i] = theta[i] + step * d[i];
			fn = evaluate(p, tn, gn);
			if (fn <= f + 1e-4 * step * gd)
				break;
		}
		if (!(fn < f) && fabs(fn - f) < 1e-12)
			break;
		idx = head;
		for (size_t i = 0; i < np; i++) {
			s[(size_t)idx * np + i] = tn[i] - theta[i];
			yv[(size_t)idx * np + i] = gn[i] - g[i];
		}
		{
			double sy = dot(s + (size_t)idx * np, yv + (size_t)idx * np, np);

			if (sy > 1e-12) {
				rho[idx] = 1 / sy;
				head = (head + 1) % HISTORY;
				m = m < HISTORY ? m + 1 : HISTORY;
			}
		}
		memcpy(theta, tn, np * sizeof(double));
		memcpy(g, gn, np * sizeof(double));
		if (f - fn < 1e-10 * (fabs(f) + 1e-10)) {
			f = fn;
			it++;
			break;
		}
		f = fn;
	}
	*loss_out = f;
	return it;
}

static void standardise(const struct softreg *r, const float *x, size_t n, float *out)
{
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < r->dim; j++)
			out[i * (size_t)r->dim + (size_t)j] =
				(x[i * (size_t)r->dim + (size_t)j] - r->mean[j]) * r->scale[j];
}

int softreg_fit(const float *x, const int *y, size_t n, int dim, int classes, double l2,
		int max_iter, struct softreg *r, struct wn_err *err)
{
	const size_t nw = (size_t)dim * (size_t)classes, np = nw + (size_t)classes;
	struct problem p = { 0 };
	double *theta = NULL, *work = NULL;
	float *xs = NULL;
	int ret = -1;

	if (n < 2 || classes < 2 || dim < 1)
		return wn_fail(err, WN_EINVAL, "softmax regression needs 2 or more rows and classes");
	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || y[i] >= classes)
			return wn_fail(err, WN_EINVAL, "label %d out of range", y[i]);
	r->dim = dim;
	r->classes = classes;
	r->mean = calloc((size_t)dim, sizeof(float));
	r->scale = calloc((size_t)dim, sizeof(float));
	r->w = calloc(nw, sizeof(float));
	r->b = calloc((size_t)classes, sizeof(float));
	xs = malloc(n * (size_t)dim * sizeof(float));
	theta = calloc(np, sizeof(double));
	work = calloc(np * (4 + 2 * HISTORY), sizeof(double));
	p.wf = malloc(nw * sizeof(float));
	p.gf = malloc(nw * sizeof(float));
	p.logits = malloc(n * (size_t)classes * sizeof(float));
	if (!r->mean || !r->scale || !r->w || !r->b || !xs || !theta || !work || !p.wf || !p.gf ||
	    !p.logits) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (int j = 0; j < dim; j++) {
		double s = 0, ss = 0;

		for (size_t i = 0; i < n; i++)
			s += x[i * (size_t)dim + (size_t)j];
		s /= (double)n;
		for (size_t i = 0; i < n; i++) {
			double v = x[i * (size_t)dim + (size_t)j] - s;

			ss += v * v;
		}
		ss = sqrt(ss / (double)n);
		r->mean[j] = (float)s;
		r->scale[j] = (float)(ss > 1e-6 ? 1 / ss : 0);  /* a constant feature drops out */
	}
	standardise(r, x, n, xs);
	p.x = xs;
	p.y = y;
	p.n = n;
	p.dim = dim;
	p.k = classes;
	p.l2 = l2;
	r->iterations = lbfgs(&p, theta, np, max_iter, &r->loss, work);
	for (size_t i = 0; i < nw; i++)
		r->w[i] = (float)theta[i];
	for (int c = 0; c < classes; c++)
		r->b[c] = (float)theta[nw + (size_t)c];
	ret = 0;
out:
	free(xs);
	free(theta);
	free(work);
	free(p.wf);
	free(p.gf);
	free(p.logits);
	if (ret)
		softreg_free(r);
	return ret;
}

int softreg_predict(const struct softreg *r, const float *x, size_t n, float *probs,
		    struct wn_err *err)
{
	float *xs = malloc((n ? n : 1) * (size_t)r->dim * sizeof(float));

	if (!xs)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	standardise(r, x, n, xs);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, r->classes, r->dim, 1.0f,
		    xs, r->dim, r->w, r->classes, 0.0f, probs, r->classes);
	for (size_t i = 0; i < n; i++) {
		float *z = probs + i * (size_t)r->classes;
		double mx = -INFINITY, sum = 0;

		for (int c = 0; c < r->classes; c++) {
			z[c] += r->b[c];
			mx = z[c] > mx ? z[c] : mx;
		}
		for (int c = 0; c < r->classes; c++)
			sum += exp(z[c] - mx);
		for (int c = 0; c < r->classes; c++)
			z[c] = (float)(exp(z[c] - mx) / sum);
	}
	free(xs);
	return 0;
}

void softreg_free(struct softreg *r)
{
	free(r->mean);
	free(r->scale);
	free(r->w);
	free(r->b);
	memset(r, 0, sizeof(*r));
}
