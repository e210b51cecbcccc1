/* Softmax regression by L-BFGS (Nocedal and Wright, algorithm 7.4, with
 * a backtracking Armijo line search). Parameters are kept in doubles;
 * the loss and gradient come from learn/softgrad.c, one pass over the
 * rows a step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/softgrad.h"
#include "learn/softreg.h"

#define HISTORY 10
#define PAST 5        /* steps the convergence test looks back over */
#define STILL 1e-7    /* the relative gain a step must beat, on average */

struct problem {
	struct softgrad *sg;  /* the data term */
	int dim, k;
	double l2;
};

/* Loss and gradient at theta = (W dim x k, b k). */
static double evaluate(struct problem *p, const double *theta, double *grad)
{
	const size_t nw = (size_t)p->dim * (size_t)p->k;
	double loss = softgrad_eval(p->sg, theta, theta + nw, grad, grad + nw), reg = 0;

	for (size_t i = 0; i < nw; i++) {
		grad[i] += p->l2 * theta[i];
		reg += theta[i] * theta[i];
	}
	return loss + 0.5 * p->l2 * reg;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* Backtracking from step 1 until the Armijo condition holds, each next
 * step the minimum of the quadratic through f, its slope gd and the
 * rejected value, kept within 0.1 to 0.5 of the last. tn, gn and *fn
 * get the point found.
 * @return 0, or -1 when none of 20 steps lowers the loss. */
static int line_search(struct problem *p, const double *theta, const double *d, double f,
		       double gd, size_t np, double *tn, double *gn, double *fn, double *step)
{
	double t = 1;

	for (int tries = 0; tries < 20; tries++) {
		double q;

		for (size_t i = 0; i < np; i++)
			tn[i] = theta[i] + t * d[i];
		*fn = evaluate(p, tn, gn);
		*step = t;
		if (*fn <= f + 1e-4 * t * gd)
			return 0;
		q = -gd * t * t / (2 * (*fn - f - gd * t));
		t = q < 0.1 * t || !isfinite(q) ? 0.1 * t : q > 0.5 * t ? 0.5 * t : q;
	}
	return -1;
}

/* Minimises from theta (zeros, or a warm start); theta holds the result.
 * The convergence test is relative to the gradient at zero, so a warm
 * start stops where a cold one would. Returns iterations. */
static int lbfgs(struct problem *p, double *theta, size_t np, int max_iter, int warm,
		 double *loss_out, double *work)
{
	double *g = work, *d = g + np, *tn = d + np, *gn = tn + np;
	double *s = gn + np, *yv = s + HISTORY * np, rho[HISTORY], alpha[HISTORY], past[PAST];
	double f, g0;
	int m = 0, head = 0, it;

	if (warm) {
		memset(tn, 0, np * sizeof(double));
		evaluate(p, tn, g);
		g0 = sqrt(dot(g, g, np));
		f = evaluate(p, theta, g);
	} else {
		f = evaluate(p, theta, g);
		g0 = sqrt(dot(g, g, np));
	}

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
		if (line_search(p, theta, d, f, gd, np, tn, gn, &fn, &step))
			break;  /* no step lowers the loss: as low as float sums tell */
		idx = head;
		for (size_t i = 0; i < np; i++) {
			s[(size_t)idx * np + i] = tn[i] - theta[i];
			yv[(size_t)idx * np + i] = gn[i] - g[i];
		}
		{
			double sy = dot(s + (size_t)idx * np, yv + (size_t)idx * np, np);
			double yy = dot(yv + (size_t)idx * np, yv + (size_t)idx * np, np);

			/* Kept when the curvature is positive, relative to the
			 * step's own size: a tiny step along a steep penalty
			 * still teaches the scale of the other directions. */
			if (sy > 1e-10 * yy && sy > 0) {
				rho[idx] = 1 / sy;
				head = (head + 1) % HISTORY;
				m = m < HISTORY ? m + 1 : HISTORY;
			}
		}
		memcpy(theta, tn, np * sizeof(double));
		memcpy(g, gn, np * sizeof(double));
		past[it % PAST] = f;
		f = fn;
		/* Converged when the last PAST steps together gained less than
		 * the float sums can resolve (going on only moves in the noise)
		 * and the gradient is small: a slow crawl along a steep valley
		 * (a large penalty) is not the end. */
		if (it >= PAST - 1 && past[(it + 1) % PAST] - f < STILL * PAST * (fabs(f) + 1e-10) &&
		    sqrt(dot(g, g, np)) < 1e-3 * g0) {
			it++;
			break;
		}
	}
	*loss_out = f;
	return it;
}

#define ROW(rows, i) ((rows) ? (rows)[i] : (i))

/* Each feature's mean and 1 / standard deviation over the rows, in one
 * pass of double sums a row at a time (cache-friendly on wide rows). */
static int moments(const float *x, const size_t *rows, size_t n, int dim, struct softreg *r)
{
	double *s = calloc(2 * (size_t)dim, sizeof(double)), *ss = s + dim;

	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const float *xi = x + ROW(rows, i) * (size_t)dim;

		for (int j = 0; j < dim; j++)
			s[j] += xi[j];
	}
	for (int j = 0; j < dim; j++)
		s[j] /= (double)n;
	for (size_t i = 0; i < n; i++) {
		const float *xi = x + ROW(rows, i) * (size_t)dim;

		for (int j = 0; j < dim; j++) {
			double v = xi[j] - s[j];

			ss[j] += v * v;
		}
	}
	for (int j = 0; j < dim; j++) {
		double sd = sqrt(ss[j] / (double)n);

		r->mean[j] = (float)s[j];
		r->scale[j] = (float)(sd > 1e-6 ? 1 / sd : 0);  /* a constant feature drops out */
	}
	free(s);
	return 0;
}

int softreg_fit(const float *x, const int *y, const size_t *rows, size_t n, int dim,
		int classes, double l2, int max_iter, struct softreg *r, struct wn_err *err)
{
	return softreg_fit_from(x, y, rows, n, dim, classes, l2, max_iter, NULL, r, err);
}

int softreg_fit_from(const float *x, const int *y, const size_t *rows, size_t n, int dim,
		     int classes, double l2, int max_iter, const struct softreg *init,
		     struct softreg *r, struct wn_err *err)
{
	const size_t nw = (size_t)dim * (size_t)classes, np = nw + (size_t)classes;
	struct problem p = { 0 };
	double *theta = NULL, *work = NULL;
	int ret = -1;

	if (n < 2 || classes < 2 || dim < 1)
		return wn_fail(err, WN_EINVAL, "softmax regression needs 2 or more rows and classes");
	for (size_t i = 0; i < n; i++)
		if (y[ROW(rows, i)] < 0 || y[ROW(rows, i)] >= classes)
			return wn_fail(err, WN_EINVAL, "label %d out of range", y[ROW(rows, i)]);
	r->dim = dim;
	r->classes = classes;
	r->mean = calloc((size_t)dim, sizeof(float));
	r->scale = calloc((size_t)dim, sizeof(float));
	r->w = calloc(nw, sizeof(float));
	r->b = calloc((size_t)classes, sizeof(float));
	theta = calloc(np, sizeof(double));
	work = calloc(np * (4 + 2 * HISTORY), sizeof(double));
	if (!r->mean || !r->scale || !r->w || !r->b || !theta || !work ||
	    moments(x, rows, n, dim, r)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	p.sg = softgrad_new(x, y, rows, n, dim, classes, r->mean, r->scale, 0);
	if (!p.sg) {
		wn_fail(err, WN_ENOMEM, "out of memory or threads");
		goto out;
	}
	p.dim = dim;
	p.k = classes;
	p.l2 = l2;
	if (init && init->dim == dim && init->classes == classes) {
		for (size_t i = 0; i < nw; i++)
			theta[i] = init->w[i];
		for (int c = 0; c < classes; c++)
			theta[nw + (size_t)c] = init->b[c];
	}
	r->iterations = lbfgs(&p, theta, np, max_iter, init && init->dim == dim &&
			      init->classes == classes, &r->loss, work);
	for (size_t i = 0; i < nw; i++)
		r->w[i] = (float)theta[i];
	for (int c = 0; c < classes; c++)
		r->b[c] = (float)theta[nw + (size_t)c];
	ret = 0;
out:
	softgrad_free(p.sg);
	free(theta);
	free(work);
	if (ret)
		softreg_free(r);
	return ret;
}

int softreg_predict(const struct softreg *r, const float *x, const size_t *rows, size_t n,
		    float *probs, struct wn_err *err)
{
	const int d = r->dim, k = r->classes;
	float *w = malloc((size_t)d * (size_t)k * sizeof(float));
	double *b = malloc((size_t)k * sizeof(double)), *z = malloc((size_t)k * sizeof(double));

	if (!w || !b || !z) {
		free(w);
		free(b);
		free(z);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	/* the scale folded into the weights, the mean taken off each value */
	for (int c = 0; c < k; c++)
		b[c] = r->b[c];
	for (int j = 0; j < d; j++)
		for (int c = 0; c < k; c++)
			w[(size_t)c * (size_t)d + (size_t)j] =
				r->w[(size_t)j * (size_t)k + (size_t)c] * r->scale[j];
	for (size_t i = 0; i < n; i++) {
		const float *xi = x + ROW(rows, i) * (size_t)d;
		float *out = probs + i * (size_t)k;
		double mx = -INFINITY, sum = 0;

		for (int c = 0; c < k; c++) {
			const float *wc = w + (size_t)c * (size_t)d;
			double t = b[c];

			for (int j = 0; j < d; j++)
				t += ((double)xi[j] - r->mean[j]) * wc[j];
			z[c] = t;
			mx = t > mx ? t : mx;
		}
		for (int c = 0; c < k; c++)
			sum += exp(z[c] - mx);
		for (int c = 0; c < k; c++)
			out[c] = (float)(exp(z[c] - mx) / sum);
	}
	free(w);
	free(b);
	free(z);
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
