/* The C side of the classifier parity test (tests/cli/t0700-nn.sh):
 *   nntool prep MODEL_DIR [--nsfwjs] OUT.f32 IMAGE...   input tensors
 *   nntool run MODEL_DIR IN.f32 OUT.f32                  outputs + embeddings
 *   nntool info MODEL_DIR                                 shapes and sizes
 *   nntool rgb IMAGE OUT.u8     the full decode as RGB bytes; prints W H
 * Tensors are raw little-endian float32, one image after another; run
 * writes, per image, the class scores and then the embedding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "nn/model.h"
#include "nn/prep.h"

static int die(const char *msg)
{
	fprintf(stderr, "nntool: %s\n", msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct nn_model *m = NULL;
	struct wn_err err = { 0 };
	size_t in_n;
	FILE *f;

	if (argc == 4 && !strcmp(argv[1], "rgb")) {
		struct img_decode_opts o;
		struct img im = { 0 };

		img_decode_opts_init(&o);
		o.channels = 3;
		if (img_load_file(argv[2], &o, &im, NULL, &err) || !(f = fopen(argv[3], "wb")))
			return die(err.msg);
		for (int y = 0; y < im.height; y++)
			fwrite(im.pixels + (size_t)y * im.stride, 3, (size_t)im.width, f);
		printf("%d %d\n", im.width, im.height);
		img_release(&im);
		return fclose(f) ? die("cannot write") : 0;
	}
	if (argc < 3)
		return die("usage: nntool prep|run|info MODEL_DIR ...");
	if (nn_model_load(argv[2], &m, &err))
		return die(err.msg);
	in_n = (size_t)nn_input_height(m) * (size_t)nn_input_width(m) * (size_t)nn_input_channels(m);
	if (!strcmp(argv[1], "info")) {
		printf("input %dx%dx%d classes %d embedding %d layers %d gflops %.3f\n",
		       nn_input_height(m), nn_input_width(m), nn_input_channels(m), nn_classes(m),
		       nn_embedding_size(m), nn_layer_count(m), nn_flops(m) / 1e9);
		for (int i = 0; i < nn_classes(m); i++)
			printf("class %d %s\n", i, nn_class_name(m, i));
	} else if (!strcmp(argv[1], "prep") && argc >= 5) {
		int compat = !strcmp(argv[3], "--nsfwjs"), first = 4 + compat;
		float *t = malloc(in_n * sizeof(float));

		if (!(f = fopen(argv[3 + compat], "wb")) || !t)
			return die("cannot write the tensors");
		for (int i = first; i < argc; i++) {
			uint8_t *buf;
			size_t len;

			if (read_file_limited(argv[i], 64u << 20, &buf, &len, &err) ||
			    nn_prepare(buf, len, nn_input_height(m), nn_input_width(m),
					compat ? NN_PREP_NSFWJS : NN_PREP_DEFAULT, NULL, t, &err))
				return die(err.msg);
			fwrite(t, sizeof(float), in_n, f);
			free(buf);
		}
		free(t);
		if (fclose(f))
			return die("cannot write the tensors");
	} else if (!strcmp(argv[1], "run") && argc == 5) {
		uint8_t *data;
		size_t len, per = (size_t)nn_classes(m) + (size_t)nn_embedding_size(m);
		float *o = malloc(per * sizeof(float)), *in;

		if (read_file_limited(argv[3], 1u << 30, &data, &len, &err))
			return die(err.msg);
		if (!o || len % (in_n * sizeof(float)))
			return die("the input is not a whole number of tensors");
		if (!(f = fopen(argv[4], "wb")))
			return die("cannot write the outputs");
		for (size_t k = 0; k < len / (in_n * sizeof(float)); k++) {
			in = (float *)(void *)(data + k * in_n * sizeof(float));
			if (nn_run(m, in, o, o + nn_classes(m), &err))
				return die(err.msg);
			fwrite(o, sizeof(float), per, f);
		}
		free(o);
		free(data);
		if (fclose(f))
			return die("cannot write the outputs");
	} else {
		return die("usage: nntool prep|run|info MODEL_DIR ...");
	}
	nn_model_free(m);
	return 0;
}
