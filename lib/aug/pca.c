/* AlexNet's "fancy PCA" lighting (Krizhevsky, Sutskever and Hinton 2012,
 * section 4.1), over the image's own pixels: along each principal
 * component of its RGB values, a shift of alpha_i times that component's
 * variance. */
#include <math.h>
#include <string.h>

#include "aug/pixel.h"

/* Eigenvalues (descending) and unit eigenvectors (columns of v) of the
 * symmetric 3x3 matrix a, by cyclic Jacobi rotations. Each vector's
 * largest component is made positive so the result does not depend on
 * the order of rotations' signs. */
static void eigen3(double a[3][3], double lambda[3], double v[3][3])
{
	memset(v, 0, 9 * sizeof(double));
	for (int i = 0; i < 3; i++)
		v[i][i] = 1;
	for (int sweep = 0; sweep < 50; sweep++) {
		double off = fabs(a[0][1]) + fabs(a[0][2]) + fabs(a[1][2]);

		if (off < 1e-30)
			break;
		for (int p = 0; p < 2; p++)
			for (int q = p + 1; q < 3; q++) {
				double theta, t, c, s;

				if (fabs(a[p][q]) < 1e-300)
					continue;
				theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
				t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (int k = 0; k < 3; k++) {   /* a = J^T a J */
					double akp = a[k][p], akq = a[k][q];

					a[k][p] = c * akp - s * akq;
					a[k][q] = s * akp + c * akq;
				}
				for (int k = 0; k < 3; k++) {
					double apk = a[p][k], aqk = a[q][k];

					a[p][k] = c * apk - s * aqk;
					a[q][k] = s * apk + c * aqk;
				}
				for (int k = 0; k < 3; k++) {
					double vkp = v[k][p], vkq = v[k][q];

					v[k][p] = c * vkp - s * vkq;
					v[k][q] = s * vkp + c * vkq;
				}
			}
	}
	for (int i = 0; i < 3; i++)
		lambda[i] = a[i][i];
	for (int i = 0; i < 2; i++)      /* sort descending, columns with them */
		for (int j = i + 1; j < 3; j++)
			if (lambda[j] > lambda[i]) {
				double t = lambda[i];

				lambda[i] = lambda[j];
				lambda[j] = t;
				for (int k = 0; k < 3; k++) {
					t = v[k][i];
					v[k][i] = v[k][j];
					v[k][j] = t;
				}
			}
	for (int j = 0; j < 3; j++) {
		int big = 0;

		for (int k = 1; k < 3; k++)
			if (fabs(v[k][j]) > fabs(v[big][j]))
				big = k;
		if (v[big][j] < 0)
			for (int k = 0; k < 3; k++)
				v[k][j] = -v[k][j];
	}
}

/* The covariance of the RGB values as 0..1, with numpy's n - 1. */
static void covariance(const struct img *im, double cov[3][3])
{
	size_t n = (size_t)im->width * (size_t)im->height;
	double sum[3] = { 0 }, sq[3][3] = { { 0 } };

	for (int y = 0; y < im->height; y++) {
		const uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3)
			for (int i = 0; i < 3; i++) {
				sum[i] += p[i];
				for (int j = i; j < 3; j++)
					sq[i][j] += (double)p[i] * p[j];
			}
	}
	for (int i = 0; i < 3; i++)
		for (int j = i; j < 3; j++) {
			double c = n > 1 ? (sq[i][j] - sum[i] * sum[j] / (double)n) /
						   ((double)(n - 1) * 255.0 * 255.0)
					 : 0;

			cov[i][j] = cov[j][i] = c;
		}
}

void aug_pca_lighting(struct img *im, const double alpha[3])
{
	double cov[3][3], lambda[3], v[3][3], shift[3];
	uint8_t lut[3][256];

	covariance(im, cov);
	eigen3(cov, lambda, v);
	for (int c = 0; c < 3; c++) {
		shift[c] = 0;
		for (int i = 0; i < 3; i++)
			shift[c] += v[c][i] * alpha[i] * (lambda[i] > 0 ? lambda[i] : 0);
		for (int x = 0; x < 256; x++) {
			double o = floor(x + 255.0 * shift[c] + 0.5);

			lut[c][x] = (uint8_t)(o < 0 ? 0 : o > 255 ? 255 : o);
		}
	}
	for (int y = 0; y < im->height; y++) {
		uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3)
			for (int c = 0; c < 3; c++)
				p[c] = lut[c][p[c]];
	}
}
