/* Augmentation pipeline files: the three spellings, the shipped examples,
 * and every kind of mistake reported with its line before anything runs. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aug/pipe.h"
#include "tests/unit/unit.h"

static int parse(const char *text, struct aug_pipeline *p, struct wn_err *err)
{
	return aug_pipeline_parse(text, strlen(text), "p.txt", p, err);
}

static double param(const struct aug_step *s, const char *name, int hi)
{
	int i = aug_param_index(s->op, name);

	assert_true(i >= 0);
	return hi ? s->hi[i] : s->lo[i];
}

UNIT_TEST(test_three_spellings_agree)
{
	static const char *const texts[] = {
		"rotate probability=0.2 max_left_rotation=20 max_right_rotation=10\n",
		"pipeline.rotate(probability=0.2, max_left_rotation=20, max_right_rotation=10)\n",
		"  p.rotate( max_right_rotation = 10 ,probability=0.2,max_left_rotation=20 ) ; # c\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		struct aug_pipeline p;
		struct wn_err err = { 0 };

		assert_int_equal(parse(texts[i], &p, &err), 0);
		assert_int_equal(p.n, 1);
		assert_int_equal(p.steps[0].op, AUG_ROTATE);
		assert_true(p.steps[0].probability == 0.2);
		assert_true(param(&p.steps[0], "max_left_rotation", 0) == 20);
		assert_true(param(&p.steps[0], "max_right_rotation", 1) == 10);
		assert_int_equal(p.steps[0].line, 1);
		aug_pipeline_release(&p);
	}
}

UNIT_TEST(test_defaults_and_pairs)
{
	struct aug_pipeline p;
	struct wn_err err = { 0 };

	assert_int_equal(parse("# comment only\n\nflip_random\n"
			       "black_and_white probability=0.5\n"
			       "skew_tilt\n"
			       "gaussian_distortion probability=1 grid_width=4 grid_height=4 "
			       "magnitude=8 corner=\"ul\" method=out\n"
			       "jpeg_quality quality=[40, 90]\n"
			       "gaussian_blur sigma=1.5 probability=0.25\n", &p, &err), 0);
	assert_int_equal(p.n, 6);
	assert_true(p.steps[0].probability == 1);
	assert_int_equal(p.steps[0].line, 3);
	assert_true(param(&p.steps[1], "threshold", 0) == 128);
	assert_true(param(&p.steps[2], "magnitude", 0) == 1);
	assert_true(param(&p.steps[3], "corner", 0) == 1);   /* ul */
	assert_true(param(&p.steps[3], "method", 0) == 1);   /* out */
	assert_true(param(&p.steps[3], "sdx", 0) == 0.05);
	assert_true(param(&p.steps[4], "quality", 0) == 40);
	assert_true(param(&p.steps[4], "quality", 1) == 90);
	assert_true(param(&p.steps[5], "sigma", 0) == 1.5 && param(&p.steps[5], "sigma", 1) == 1.5);
	assert_true(p.steps[5].probability == 0.25);
	assert_int_equal(aug_op_family(p.steps[3].op), AUG_GRID);
	aug_pipeline_release(&p);
}

UNIT_TEST(test_keras_keywords)
{
	struct aug_pipeline p;
	struct wn_err err = { 0 };

	assert_int_equal(parse("rescale=1./255,\nrotation_range=30, zoom_range=0.2,\n"
			       "brightness_range=(0.5, 1.5)\nhorizontal_flip=True\n"
			       "fill_mode='reflect', cval=10\nzoom_range=[0.8, 1.1]\n", &p, &err), 0);
	assert_int_equal(p.ignored_rescale, 1);
	assert_int_equal(p.fill, AUG_FILL_REFLECT);
	assert_true(p.cval == 10);
	assert_int_equal(p.n, 5);
	assert_int_equal(p.steps[0].op, AUG_K_ROTATION_RANGE);
	for (size_t i = 0; i < p.n; i++)  /* Keras applies its settings always */
		assert_true(p.steps[i].probability == 1);
	assert_true(param(&p.steps[0], "value", 0) == 30);
	/* zoom_range=z means [1-z, 1+z], as in Keras */
	assert_true(param(&p.steps[1], "value", 0) == 0.8);
	assert_true(param(&p.steps[1], "value", 1) == 1.2);
	assert_true(param(&p.steps[2], "value", 1) == 1.5);
	assert_true(param(&p.steps[3], "value", 0) == 1);
	assert_true(param(&p.steps[4], "value", 0) == 0.8 && param(&p.steps[4], "value", 1) == 1.1);
	aug_pipeline_release(&p);
}

UNIT_TEST(test_shipped_examples)
{
	struct aug_pipeline p;
	struct wn_err err = { 0 };

	assert_int_equal(aug_pipeline_load(SRCDIR "/examples/augmentor-seed003.pipeline", &p, &err), 0);
	assert_int_equal(p.n, 9);
	assert_int_equal(p.steps[8].op, AUG_SKEW);
	assert_true(p.steps[2].probability == 0.8);
	aug_pipeline_release(&p);
	assert_int_equal(aug_pipeline_load(SRCDIR "/examples/keras-seed002.pipeline", &p, &err), 0);
	assert_int_equal(p.n, 7);
	assert_true(p.ignored_rescale > 0);
	aug_pipeline_release(&p);
}

UNIT_TEST(test_errors_name_the_line)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "flip_random\nsharpen probability=1\n", "p.txt:2: unknown operation 'sharpen'" },
		{ "rotate probability=0.2 max_left_rotation=20\n",
		  "p.txt:1: rotate: max_right_rotation is required" },
		{ "rotate probability=0.2 max_left_rotation=30 max_right_rotation=1\n",
		  "p.txt:1: rotate: max_left_rotation must be a whole number from 0 to 25" },
		{ "flip_random probability=1.5\n", "p.txt:1: flip_random: probability must be 0 to 1" },
		{ "flip_random probability=abc\n", "p.txt:1: flip_random: probability is not a number" },
		{ "flip_random colour=1\n", "p.txt:1: flip_random has no parameter 'colour'" },
		{ "flip_random probability=1 probability=1\n",
		  "p.txt:1: flip_random: probability given twice" },
		{ "zoom probability=1 min_factor=2 max_factor=1\n",
		  "p.txt:1: zoom: min_factor is above max_factor" },
		{ "p.zoom(probability=1, min_factor=1\n", "p.txt:1: missing ')'" },
		{ "gaussian_distortion grid_width=4 grid_height=4 magnitude=8 corner=top method=in\n",
		  "p.txt:1: gaussian_distortion: unknown corner value 'top' (one of: bell, ul, ur, dl, dr)" },
		{ "rotation_range 30\n", "p.txt:1: rotation_range is a Keras setting" },
		{ "rotate=30\n", "p.txt:1: rotate is an Augmentor operation" },
		{ "zoom_range=1.5\n", "p.txt:1: zoom_range: a single value must be from 0 to below 1" },
		{ "brightness_range=(1.5, 0.5)\n", "p.txt:1: brightness_range: value: the first" },
		{ "fill_mode=mirror\n", "p.txt:1: ImageDataGenerator: unknown fill_mode value" },
		{ "horizontal_flip=maybe\n", "p.txt:1: horizontal_flip: value must be True or False" },
		{ "# nothing\n", "p.txt: no operation in the pipeline" },
		{ "flip_random probability=1 extra\n", "p.txt:1: flip_random: expected key=value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct aug_pipeline p;
		struct wn_err err = { 0 };

		assert_int_equal(parse(bad[i].text, &p, &err), -1);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s\nwanted: %s\n   got: %s", bad[i].text, bad[i].msg, err.msg);
		assert_null(p.steps);
		assert_int_equal(p.n, 0);
	}
}
