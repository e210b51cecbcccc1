/* A kept head read back as dense layers: the folded layer gives the
 * probabilities the standardised head gives, an MLP's layers the MLP's; a
 * missing head names the others; a damaged one is refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/headlayers.h"
#include "learn/mlp.h"
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

/* The layers forward, as label export's model runs them. */
static void run_layers(const struct head_layers *h, const float *x, double *p)
{
	double a[64], b[64], top = -INFINITY, sum = 0;

	for (int i = 0; i < h->dim; i++)
		a[i] = x[i];
	for (int l = 0; l < h->n; l++) {
		const struct head_layer *L = &h->layers[l];

		for (int c = 0; c < L->out; c++) {
			b[c] = L->bias[c];
			for (int i = 0; i < L->in; i++)
				b[c] += a[i] * L->weight[i * L->out + c];
			if (!strcmp(L->activation, "relu"))
				b[c] = fmax(b[c], 0);
		}
		memcpy(a, b, (size_t)L->out * sizeof(double));
	}
	for (int c = 0; c < h->k; c++)
		top = fmax(top, a[c]);
	for (int c = 0; c < h->k; c++)
		sum += (p[c] = exp(a[c] - top));
	for (int c = 0; c < h->k; c++)
		p[c] /= sum;
}

/* An MLP as label train keeps it: every layer's weights, then every bias. */
static void keep_mlp(const struct mlp *m)
{
	float w[D * 8 + 8 * 6 + 6 * K], b[8 + 6 + K], *pw = w, *pb = b;
	struct head_row r = { "mlp", "default", "[\"a\",\"b\",\"c\"]", D, m->mean, m->scale, w,
			      b, K, 5, 0.001, 40, 0.8, 2, { 8, 6 } };
	struct wn_err err;

	for (int l = 0; l < m->layers; l++) {
		memcpy(pw, m->w[l], (size_t)(m->width[l] * m->width[l + 1]) * sizeof(float));
		memcpy(pb, m->b[l], (size_t)m->width[l + 1] * sizeof(float));
		pw += m->width[l] * m->width[l + 1];
		pb += m->width[l + 1];
	}
	if (heads_set(cat, &r, &err))
		fail_msg("%s", err.msg);
}

UNIT_TEST(test_an_mlp_head_gives_the_mlps_probabilities)
{
	struct mlp_opts o = mlp_defaults();
	struct head_layers h = { 0 };
	struct mlp m = { 0 };
	struct wn_err err;
	float x[40 * D], probs[40 * K];
	int y[40];
	double got[K];

	for (int r = 0; r < 40; r++) {
		y[r] = r % K;
		for (int i = 0; i < D; i++)
			x[r * D + i] = (float)(sin(r * 3.1 + i) * 20.0 + 10.0 * y[r] + 5 * i);
	}
	o.hidden[0] = 8;
	o.hidden[1] = 6;
	o.threads = 1;
	assert_int_equal(mlp_fit(x, y, NULL, 40, D, K, &o, &m, &err), 0);
	assert_int_equal(mlp_predict(&m, x, NULL, 40, probs, &err), 0);
	keep_mlp(&m);
	assert_int_equal(head_layers_load(cat, "mlp", &h, NULL, &err), 1);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.layers[0].activation, "relu");
	assert_string_equal(h.layers[1].activation, "relu");
	assert_string_equal(h.layers[2].activation, "softmax");
	assert_int_equal(h.layers[0].out, 8);
	assert_int_equal(h.layers[1].in, 8);
	assert_int_equal(h.layers[2].in, 6);
	for (int r = 0; r < 40; r++) {
		run_layers(&h, x + r * D, got);
		for (int c = 0; c < K; c++)
			assert_true(fabs(got[c] - probs[r * K + c]) < 1e-5);
	}
	head_layers_release(&h);
	mlp_free(&m);
	/* hidden widths that disagree with the blobs, or are not widths */
	unit_sql_exec(db_path, "UPDATE heads SET hidden = '8' WHERE name = 'mlp'");
	assert_int_equal(head_layers_load(cat, "mlp", &h, NULL, &err), -1);
	assert_int_equal(err.code, WN_ECORRUPT);
	head_layers_release(&h);
	unit_sql_exec(db_path, "UPDATE heads SET hidden = '8,6,' WHERE name = 'mlp'");
	assert_int_equal(head_layers_load(cat, "mlp", &h, NULL, &err), -1);
	head_layers_release(&h);
	unit_sql_exec(db_path, "DELETE FROM heads WHERE name = 'mlp'");
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
			      100, 0.9, 0, { 0 } };
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
