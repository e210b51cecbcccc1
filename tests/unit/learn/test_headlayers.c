/* A kept head read back as dense layers: the folded layer gives the
 * probabilities the standardised head gives; a missing head names the
 * others; a damaged one is refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/headlayers.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

enum { D = 5, K = 3 };

static struct catalog *cat;
static char db_path[256];
static float mean[D], scale[D], weights[D * K], bias[K];

/* The head as label train keeps it: softmax(((x - mean) * scale) W + b). */
static void reference(const float *x, double *p)
{
	double top = -INFINITY, sum = 0;

	for (int c = 0; c < K; c++) {
		p[c] = bias[c];
		for (int i = 0; i < D; i++)
			p[c] += ((double)x[i] - mean[i]) * scale[i] * weights[i * K + c];
		top = fmax(top, p[c]);
	}
	for (int c = 0; c < K; c++)
		sum += (p[c] = exp(p[c] - top));
	for (int c = 0; c < K; c++)
		p[c] /= sum;
}

static void folded(const struct head_layer *l, const float *x, double *p)
{
	double top = -INFINITY, sum = 0;

	for (int c = 0; c < l->out; c++) {
		p[c] = l->bias[c];
		for (int i = 0; i < l->in; i++)
			p[c] += (double)x[i] * l->weight[i * l->out + c];
		top = fmax(top, p[c]);
	}
	for (int c = 0; c < l->out; c++)
		sum += (p[c] = exp(p[c] - top));
	for (int c = 0; c < l->out; c++)
		p[c] /= sum;
}

UNIT_TEST(test_the_folded_layer_gives_the_heads_probabilities)
{
	struct head_layers h = { 0 };
	struct wn_err err;
	float x[D];
	double want[K], got[K];

	assert_int_equal(head_layers_load(cat, "m1", &h, NULL, &err), 1);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.dim, D);
	assert_int_equal(h.k, K);
	assert_string_equal(h.classes[0], "cats");
	assert_string_equal(h.classes[2], "owls");
	assert_string_equal(h.prep, "nsfwjs");
	assert_string_equal(h.layers[0].activation, "softmax");
	assert_int_equal(h.layers[0].in, D);
	assert_int_equal(h.layers[0].out, K);
	for (int t = 0; t < 20; t++) {
		for (int i = 0; i < D; i++)
			x[i] = (float)(sin(t * 7.0 + i) * 40.0 + 50.0);
		reference(x, want);
		folded(&h.layers[0], x, got);
		for (int c = 0; c < K; c++)
			assert_true(fabs(want[c] - got[c]) < 1e-5);
	}
	head_layers_release(&h);
}

UNIT_TEST(test_no_head_names_the_others)
{
	struct head_layers h = { 0 };
	struct strbuf others = STRBUF_INIT;
	struct wn_err err;

	assert_int_equal(head_layers_load(cat, "nosuch", &h, &others, &err), 0);
	assert_string_equal(others.buf, "m1, m2");
	assert_int_equal(head_layers_load(cat, "m2", &h, &others, &err), 1);
	assert_string_equal(others.buf, "m1");
	head_layers_release(&h);
	strbuf_release(&others);
}

UNIT_TEST(test_a_damaged_head_is_refused)
{
	struct head_layers h = { 0 };
	struct wn_err err;

	unit_sql_exec(db_path, "UPDATE heads SET bias = x'0000803f' WHERE name = 'm2'");
	assert_int_equal(head_layers_load(cat, "m1", &h, NULL, &err), -1);
	assert_int_equal(err.code, WN_ECORRUPT);
	assert_non_null(strstr(err.msg, "the head 'm2' is damaged"));
	head_layers_release(&h);
}

static void keep(const char *name, const char *prep, const char *classes)
{
	struct head_row r = { name, prep, classes, D, mean, scale, weights, bias, K, 5, 0.01,
			      100, 0.9 };
	struct wn_err err;

	if (heads_set(cat, &r, &err))
		fail_msg("%s", err.msg);
}

static int setup(void **state)
{
	struct wn_err err;

	fx_dir_setup(state);
	snprintf(db_path, sizeof(db_path), "%s/winnow.db", fx_dir);
	if (catalog_open(db_path, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	for (int i = 0; i < D; i++) {
		mean[i] = (float)(50 + 3 * i);
		scale[i] = (float)(0.02 + 0.01 * i);
	}
	for (int j = 0; j < D * K; j++)
		weights[j] = (float)cos(j * 1.3) * 2.0f;
	for (int c = 0; c < K; c++)
		bias[c] = (float)(c - 1) * 0.5f;
	keep("m1", "nsfwjs", "[\"cats\",\"dogs\",\"owls\"]");
	keep("m2", "default", "[\"a\",\"b\",\"c\"]");
	return 0;
}

static int teardown(void **state)
{
	catalog_close(cat);
	return fx_dir_teardown(state);
}

UNIT_GROUP(setup, teardown)
