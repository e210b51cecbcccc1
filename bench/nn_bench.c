/* winnow's classifier alone, for bench/label_ort.sh: the engine on
 * prepared input tensors (nntool prep's raw float32 NHWC, one image after
 * another), so decoding and resizing are left out, as they are for ONNX
 * Runtime on the same file. As `label predict -j THREADS` runs: a pool of
 * THREADS workers, one image a job, nn_run() on each (batch 1, OpenBLAS
 * single-threaded inside, label's malloc settings). One warm-up image
 * per worker is not timed.
 *   nn_bench MODEL_DIR IN.f32 THREADS REPEAT [OUT.f32]
 *   nn_bench --core | --blas-core
 * Prints "<seconds> <images> <processor seconds>" for REPEAT passes over
 * the tensors (processor time: all threads, what a loaded machine's
 * other work does not add to); OUT
 * receives each image's class scores (float32), once. --core prints the
 * kernels OpenBLAS runs (its core name), --blas-core the ones label asks
 * for (nn_blas_core(); nothing when it takes OpenBLAS's pick), which the
 * script puts in OPENBLAS_CORETYPE as label does. */
#include <cblas.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/fileio.h"
#include "base/pool.h"
#include "bench/clock.h"
#include "nn/nn.h"

struct image {
	const struct nn_model *m;
	const float *in;
	float *out;
	int failed;
};

static void run_image(void *arg)
{
	struct image *im = arg;
	struct wn_err err;

	if (nn_run(im->m, im->in, im->out, NULL, &err)) {
		fprintf(stderr, "nn_bench: %s\n", err.msg);
		im->failed = 1;
	}
}

/* One pass: every image a job on the pool. */
static int pass(struct pool *p, struct image *ims, size_t n)
{
	int failed = 0;

	for (size_t k = 0; k < n; k++)
		pool_submit(p, run_image, &ims[k]);
	pool_wait(p);
	for (size_t k = 0; k < n; k++)
		failed |= ims[k].failed;
	return failed ? -1 : 0;
}

/* The process's processor time: on a shared machine, what the work cost
 * whatever else ran. */
static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_scores(const char *path, const struct image *ims, size_t n, int classes)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	for (size_t k = 0; k < n; k++)
		fwrite(ims[k].out, sizeof(float), (size_t)classes, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	struct nn_model *m = NULL;
	struct wn_err err;
	struct pool *p = NULL;
	struct image *ims = NULL;
	uint8_t *data = NULL;
	size_t len, per, n, nc;
	int threads, repeat, rc = 1;
	double t0, c0;

	if (argc == 2 && !strcmp(argv[1], "--core")) {
		printf("%s\n", openblas_get_corename());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--blas-core")) {
		printf("%s\n", nn_blas_core() ? nn_blas_core() : "");
		return 0;
	}
	if (argc < 5 || argc > 6 || (threads = atoi(argv[3])) < 1 || (repeat = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: nn_bench MODEL_DIR IN.f32 THREADS REPEAT [OUT.f32]\n");
		return 2;
	}
	/* label's own malloc settings (label/main.c): activations from the
	 * heap, reused, not fresh mappings faulted in for every image */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	if (nn_model_load(argv[1], &m, &err) ||
	    read_file_limited(argv[2], (size_t)1 << 31, &data, &len, &err)) {
		fprintf(stderr, "nn_bench: %s\n", err.msg);
		goto out;
	}
	per = (size_t)nn_input_height(m) * (size_t)nn_input_width(m) * (size_t)nn_input_channels(m);
	n = len / (per * sizeof(float));
	nc = (size_t)nn_classes(m);
	if (!n || len % (per * sizeof(float))) {
		fprintf(stderr, "nn_bench: %s: not a whole number of input tensors\n", argv[2]);
		goto out;
	}
	if (!(ims = calloc(n, sizeof(*ims))) || !(p = pool_create(threads)))
		goto out;
	for (size_t k = 0; k < n; k++) {
		ims[k].m = m;
		ims[k].in = (const float *)(const void *)(data + k * per * sizeof(float));
		if (!(ims[k].out = malloc(nc * sizeof(float))))
			goto out;
	}
	if (pass(p, ims, n < (size_t)threads ? n : (size_t)threads))
		goto out;
	t0 = bench_now();
	c0 = cpu_seconds();
	for (int r = 0; r < repeat; r++)
		if (pass(p, ims, n))
			goto out;
	printf("%.6f %zu %.6f\n", bench_now() - t0, n * (size_t)repeat, cpu_seconds() - c0);
	if (argc == 6 && write_scores(argv[5], ims, n, (int)nc)) {
		perror(argv[5]);
		goto out;
	}
	rc = 0;
out:
	pool_free(p);
	for (size_t k = 0; ims && k < n; k++)
		free(ims[k].out);
	free(ims);
	free(data);
	nn_model_free(m);
	return rc;
}
