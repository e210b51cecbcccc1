/* Augmentation pipeline files: the operation table and its parser. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aug/pipe.h"
#include "base/base.h"

enum kind {
	K_NUM,     /* a number */
	K_INT,     /* a whole number */
	K_BOOL,    /* True/False, true/false, 1/0 */
	K_CHOICE,  /* one word of `choices` */
	K_PAIR     /* a number, or [lo, hi] / (lo, hi) */
};

struct param {
	const char *name;
	enum kind kind;
	double min, max;   /* inclusive */
	double def;        /* used when not given and not required */
	int required;
	const char *const *choices;
};

struct op {
	const char *name;
	enum aug_family family;
	double def_probability;
	int keras;  /* written as `name=value`; its one parameter is "value" */
	struct param p[AUG_MAX_PARAMS];
};

static const char *const corners[] = { "bell", "ul", "ur", "dl", "dr", NULL };
static const char *const methods[] = { "in", "out", NULL };

#define PROB(x) { "probability", K_NUM, 0, 1, x, 0, NULL }
#define FACTORS(lo, hi) { "min_factor", K_NUM, lo, hi, 0, 1, NULL }, \
			{ "max_factor", K_NUM, lo, hi, 0, 1, NULL }
#define AREA { "percentage_area", K_NUM, 0.1, 1, 0, 1, NULL }, \
	     { "randomise_percentage_area", K_BOOL, 0, 1, 0, 0, NULL }
#define SKEW { "magnitude", K_NUM, 0, 1, 1, 0, NULL }
#define GRID { "grid_width", K_INT, 1, AUG_MAX_GRID, 0, 1, NULL }, \
	     { "grid_height", K_INT, 1, AUG_MAX_GRID, 0, 1, NULL }, \
	     { "magnitude", K_INT, 1, 100, 0, 1, NULL }
#define KERAS(name, fam, kind, lo, hi) \
	{ name, fam, 1, 1, { PROB(1), { "value", kind, lo, hi, 0, 1, NULL } } }

/* Indexed by enum aug_op; parameter 0 is always the probability. */
static const struct op ops[AUG_OP_COUNT] = {
	[AUG_ROTATE] = { "rotate", AUG_GEOMETRIC, 1, 0, { PROB(1),
		{ "max_left_rotation", K_INT, 0, 25, 0, 1, NULL },
		{ "max_right_rotation", K_INT, 0, 25, 0, 1, NULL } } },
	[AUG_ROTATE90] = { "rotate90", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_ROTATE180] = { "rotate180", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_ROTATE270] = { "rotate270", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_ROTATE_RANDOM_90] = { "rotate_random_90", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_FLIP_LEFT_RIGHT] = { "flip_left_right", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_FLIP_TOP_BOTTOM] = { "flip_top_bottom", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_FLIP_RANDOM] = { "flip_random", AUG_GEOMETRIC, 1, 0, { PROB(1) } },
	[AUG_ZOOM] = { "zoom", AUG_GEOMETRIC, 1, 0, { PROB(1), FACTORS(0.1, 10) } },
	[AUG_ZOOM_RANDOM] = { "zoom_random", AUG_GEOMETRIC, 1, 0, { PROB(1), AREA } },
	[AUG_CROP_RANDOM] = { "crop_random", AUG_GEOMETRIC, 1, 0, { PROB(1), AREA } },
	[AUG_CROP_CENTRE] = { "crop_centre", AUG_GEOMETRIC, 1, 0, { PROB(1), AREA } },
	[AUG_RANDOM_DISTORTION] = { "random_distortion", AUG_GRID, 1, 0, { PROB(1), GRID } },
	[AUG_GAUSSIAN_DISTORTION] = { "gaussian_distortion", AUG_GRID, 1, 0, { PROB(1), GRID,
		{ "corner", K_CHOICE, 0, 0, 0, 1, corners },
		{ "method", K_CHOICE, 0, 0, 0, 1, methods },
		{ "mex", K_NUM, 0, 1, 0.5, 0, NULL },
		{ "mey", K_NUM, 0, 1, 0.5, 0, NULL },
		{ "sdx", K_NUM, 0.001, 10, 0.05, 0, NULL },
		{ "sdy", K_NUM, 0.001, 10, 0.05, 0, NULL } } },
	[AUG_SKEW_LEFT_RIGHT] = { "skew_left_right", AUG_GEOMETRIC, 1, 0, { PROB(1), SKEW } },
	[AUG_SKEW_TOP_BOTTOM] = { "skew_top_bottom", AUG_GEOMETRIC, 1, 0, { PROB(1), SKEW } },
	[AUG_SKEW_TILT] = { "skew_tilt", AUG_GEOMETRIC, 1, 0, { PROB(1), SKEW } },
	[AUG_SKEW_CORNER] = { "skew_corner", AUG_GEOMETRIC, 1, 0, { PROB(1), SKEW } },
	[AUG_SKEW] = { "skew", AUG_GEOMETRIC, 1, 0, { PROB(1), SKEW } },
	[AUG_SHEAR] = { "shear", AUG_GEOMETRIC, 1, 0, { PROB(1),
		{ "max_shear_left", K_INT, 0, 25, 0, 1, NULL },
		{ "max_shear_right", K_INT, 0, 25, 0, 1, NULL } } },
	[AUG_RANDOM_BRIGHTNESS] = { "random_brightness", AUG_PHOTOMETRIC, 1, 0,
		{ PROB(1), FACTORS(0, 100) } },
	[AUG_RANDOM_COLOR] = { "random_color", AUG_PHOTOMETRIC, 1, 0, { PROB(1), FACTORS(0, 100) } },
	[AUG_RANDOM_CONTRAST] = { "random_contrast", AUG_PHOTOMETRIC, 1, 0,
		{ PROB(1), FACTORS(0, 100) } },
	[AUG_GREYSCALE] = { "greyscale", AUG_PHOTOMETRIC, 1, 0, { PROB(1) } },
	[AUG_INVERT] = { "invert", AUG_PHOTOMETRIC, 1, 0, { PROB(1) } },
	[AUG_BLACK_AND_WHITE] = { "black_and_white", AUG_PHOTOMETRIC, 1, 0, { PROB(1),
		{ "threshold", K_INT, 0, 255, 128, 0, NULL } } },
	[AUG_HISTOGRAM_EQUALISATION] = { "histogram_equalisation", AUG_REGION, 1, 0, { PROB(1) } },
	[AUG_RANDOM_ERASING] = { "random_erasing", AUG_REGION, 1, 0, { PROB(1),
		{ "rectangle_area", K_NUM, 0.1, 1, 0, 1, NULL } } },
	[AUG_K_ROTATION_RANGE] = KERAS("rotation_range", AUG_GEOMETRIC, K_NUM, 0, 180),
	[AUG_K_WIDTH_SHIFT_RANGE] = KERAS("width_shift_range", AUG_GEOMETRIC, K_NUM, 0, 100000),
	[AUG_K_HEIGHT_SHIFT_RANGE] = KERAS("height_shift_range", AUG_GEOMETRIC, K_NUM, 0, 100000),
	[AUG_K_SHEAR_RANGE] = KERAS("shear_range", AUG_GEOMETRIC, K_NUM, 0, 80),
	[AUG_K_ZOOM_RANGE] = KERAS("zoom_range", AUG_GEOMETRIC, K_PAIR, 0, 10),
	[AUG_K_CHANNEL_SHIFT_RANGE] = KERAS("channel_shift_range", AUG_PHOTOMETRIC, K_NUM, 0, 255),
	[AUG_K_BRIGHTNESS_RANGE] = KERAS("brightness_range", AUG_PHOTOMETRIC, K_PAIR, 0, 100),
	[AUG_K_HORIZONTAL_FLIP] = KERAS("horizontal_flip", AUG_GEOMETRIC, K_BOOL, 0, 1),
	[AUG_K_VERTICAL_FLIP] = KERAS("vertical_flip", AUG_GEOMETRIC, K_BOOL, 0, 1),
	[AUG_GAUSSIAN_BLUR] = { "gaussian_blur", AUG_REGION, 1, 0, { PROB(1),
		{ "sigma", K_PAIR, 0.1, 20, 0, 1, NULL } } },
	[AUG_GAUSSIAN_NOISE] = { "gaussian_noise", AUG_PHOTOMETRIC, 1, 0, { PROB(1),
		{ "sigma", K_PAIR, 0, 255, 0, 1, NULL } } },
	[AUG_JPEG_QUALITY] = { "jpeg_quality", AUG_ENCODE, 1, 0, { PROB(1),
		{ "quality", K_PAIR, 1, 100, 0, 1, NULL } } },
	[AUG_HUE_SHIFT] = { "hue_shift", AUG_PHOTOMETRIC, 1, 0, { PROB(1),
		{ "degrees", K_PAIR, 0, 180, 0, 1, NULL } } },
	[AUG_PCA_LIGHTING] = { "pca_lighting", AUG_PHOTOMETRIC, 1, 0, { PROB(1),
		{ "alpha_std", K_NUM, 0, 10, 0.1, 0, NULL } } },
};

const char *aug_op_name(enum aug_op op)
{
	return op < AUG_OP_COUNT ? ops[op].name : "?";
}

enum aug_family aug_op_family(enum aug_op op)
{
	return ops[op].family;
}

int aug_param_index(enum aug_op op, const char *param)
{
	for (int i = 0; i < AUG_MAX_PARAMS && ops[op].p[i].name; i++)
		if (!strcmp(ops[op].p[i].name, param))
			return i;
	return -1;
}

/* A cursor over one line. */
struct line {
	const char *s, *end;
	const char *file;
	unsigned no;
	struct wn_err *err;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct line *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return wn_fail(l->err, WN_EINVAL, "%s:%u: %s", l->file, l->no, msg);
}

static void skip_space(struct line *l)
{
	while (l->s < l->end && isspace((unsigned char)*l->s))
		l->s++;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* Reads a value: up to a top-level separator (comma, closing parenthesis
 * of the call, or whitespace when `space_ends`). */
static void read_value(struct line *l, int space_ends, struct strbuf *v)
{
	int depth = 0;

	strbuf_reset(v);
	while (l->s < l->end) {
		char c = *l->s;

		if (!depth && (c == ',' || c == ')' || (space_ends && isspace((unsigned char)c))))
			break;
		if (c == '[' || c == '(')
			depth++;
		else if ((c == ']' || c == ')') && depth)
			depth--;
		strbuf_addch(v, c);
		l->s++;
	}
	while (v->len && isspace((unsigned char)v->buf[v->len - 1]))
		strbuf_setlen(v, v->len - 1);
}

static int parse_number(const char *s, double *out)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return errno || *end || *out != *out ? -1 : 0;
}

static int in_range(const struct param *p, double v)
{
	return v >= p->min && v <= p->max && (p->kind != K_INT || v == (double)(long)v);
}

static int set_param(struct line *l, const struct op *o, const struct param *p,
		     const char *text, double *lo, double *hi)
{
	char range[96], word[64];
	const char *t = text;
	size_t n = strlen(t);

	snprintf(range, sizeof(range), "%g to %g", p->min, p->max);
	if (n >= 2 && (t[0] == '"' || t[0] == '\'') && t[n - 1] == t[0]) {
		if (p->kind != K_CHOICE || n - 2 >= sizeof(word))
			return fail(l, "%s: %s takes no string", o->name, p->name);
		memcpy(word, t + 1, n - 2);
		word[n - 2] = '\0';
		t = word;
	}
	switch (p->kind) {
	case K_BOOL:
		if (!strcasecmp(t, "true") || !strcmp(t, "1") || !strcasecmp(t, "yes"))
			*lo = *hi = 1;
		else if (!strcasecmp(t, "false") || !strcmp(t, "0") || !strcasecmp(t, "no"))
			*lo = *hi = 0;
		else
			return fail(l, "%s: %s must be True or False", o->name, p->name);
		return 0;
	case K_CHOICE:
		for (int i = 0; p->choices[i]; i++)
			if (!strcmp(t, p->choices[i])) {
				*lo = *hi = i;
				return 0;
			}
		{
			char list[96] = "";

			for (int i = 0; p->choices[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "", p->choices[i]);
			return fail(l, "%s: unknown %s value '%.40s' (one of: %s)", o->name,
				    p->name, t, list);
		}
	case K_PAIR:
		if (t[0] == '[' || t[0] == '(') {
			char buf[128], *comma, *close;

			snprintf(buf, sizeof(buf), "%s", t + 1);
			close = strrchr(buf, t[0] == '[' ? ']' : ')');
			comma = strchr(buf, ',');
			if (!close || !comma || close[1] || comma > close)
				return fail(l, "%s: %s must be a number or a pair [lo, hi]",
					    o->name, p->name);
			*close = *comma = '\0';
			if (parse_number(buf, lo) || parse_number(comma + 1, hi))
				return fail(l, "%s: %s must be a number or a pair [lo, hi]",
					    o->name, p->name);
			if (*lo > *hi)
				return fail(l, "%s: %s: the first value is above the second",
					    o->name, p->name);
			break;
		}
		/* one number */
		/* fall through */
	case K_NUM:
	case K_INT:
		if (parse_number(t, lo))
			return fail(l, "%s: %s is not a number", o->name, p->name);
		*hi = *lo;
		if (p->kind == K_PAIR && o == &ops[AUG_K_ZOOM_RANGE]) {
			/* Keras: zoom_range=z means [1-z, 1+z] */
			if (*lo < 0 || *lo >= 1)
				return fail(l, "%s: a single value must be from 0 to below 1 "
					    "(it means [1-z, 1+z])", o->name);
			*hi = 1 + *lo;
			*lo = 1 - *lo;
		}
		break;
	}
	if (!in_range(p, *lo) || !in_range(p, *hi)) {
		char what[160];

		snprintf(what, sizeof(what), "%s must be %s%s", p->name,
			 p->kind == K_INT ? "a whole number from " : "", range);
		return fail(l, "%s: %s", o->name, what);
	}
	return 0;
}

/* Checks what one parameter alone cannot: min below max, ranges above 0. */
static int finish_step(struct line *l, const struct op *o, struct aug_step *st)
{
	int a = aug_param_index(st->op, "min_factor"), b = aug_param_index(st->op, "max_factor");

	if (a > 0 && st->lo[a] > st->lo[b])
		return fail(l, "%s: min_factor is above max_factor", o->name);
	if (st->op == AUG_ZOOM && st->lo[a] <= 0)
		return fail(l, "%s: min_factor must be above 0", o->name);
	if (st->op == AUG_K_ZOOM_RANGE && st->lo[1] <= 0)
		return fail(l, "%s: the range must be above 0", o->name);
	return 0;
}

static int find_op(const char *name, size_t len)
{
	for (int i = 0; i < AUG_OP_COUNT; i++)
		if (strlen(ops[i].name) == len && !memcmp(ops[i].name, name, len))
			return i;
	return -1;
}

/* Starts a step for the operation named [name, name+len). */
static int begin_step(struct line *l, struct aug_pipeline *p, const char *name, size_t len,
		      struct aug_step *st)
{
	char buf[64];
	int i = find_op(name, len);

	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 60 ? len : 60), name);
	if (i < 0)
		return fail(l, "unknown operation '%s'", buf);
	if (p->n >= AUG_MAX_STEPS)
		return fail(l, "more than %d operations", AUG_MAX_STEPS);
	memset(st, 0, sizeof(*st));
	st->op = (enum aug_op)i;
	st->line = l->no;
	return 0;
}

static int end_step(struct line *l, struct aug_pipeline *p, struct aug_step *st,
		    unsigned given)
{
	const struct op *o = &ops[st->op];

	for (int i = 0; i < AUG_MAX_PARAMS && o->p[i].name; i++) {
		if (given & (1u << i))
			continue;
		if (o->p[i].required)
			return fail(l, "%s: %s is required", o->name, o->p[i].name);
		st->lo[i] = st->hi[i] = o->p[i].def;
	}
	if (finish_step(l, o, st))
		return -1;
	st->probability = st->lo[0];
	p->steps[p->n++] = *st;
	return 0;
}

/* Keras keywords that set how the generator fills, not an operation. */
static int keras_setting(struct line *l, struct aug_pipeline *p, const char *name, size_t len,
			 const char *value)
{
	static const char *const fills[] = { "nearest", "constant", "reflect", "wrap", NULL };
	static const struct param fill = { "fill_mode", K_CHOICE, 0, 0, 0, 1, fills };
	static const struct param cval = { "cval", K_NUM, 0, 255, 0, 1, NULL };
	static const struct op keras = { "ImageDataGenerator", AUG_GEOMETRIC, 1, 1, { PROB(1) } };
	double lo, hi;

	if (len == 7 && !memcmp(name, "rescale", 7)) {
		p->ignored_rescale = l->no;
		return 1;
	}
	if (len == 9 && !memcmp(name, "fill_mode", 9)) {
		if (set_param(l, &keras, &fill, value, &lo, &hi))
			return -1;
		p->fill = (enum aug_fill)lo;
		return 1;
	}
	if (len == 4 && !memcmp(name, "cval", 4)) {
		if (set_param(l, &keras, &cval, value, &lo, &hi))
			return -1;
		p->cval = lo;
		return 1;
	}
	return 0;
}

static int parse_line(struct line *l, struct aug_pipeline *p, struct strbuf *v)
{
	const char *name, *dot;
	size_t len;
	struct aug_step st;
	unsigned given = 0;
	int call, space_args, r;

	skip_space(l);
	if (l->s == l->end)
		return 0;
	/* A dotted name (pipeline.rotate, p.rotate): the last part counts. */
	name = l->s;
	while (l->s < l->end && (is_ident((unsigned char)*l->s) || *l->s == '.'))
		l->s++;
	len = (size_t)(l->s - name);
	if (!len)
		return fail(l, "expected an operation name");
	dot = memrchr(name, '.', len);
	if (dot) {
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	skip_space(l);
	if (l->s < l->end && *l->s == '=') {
		/* Keras keywords: name=value[, name=value ...][,] */
		for (;;) {
			l->s++;
			skip_space(l);
			read_value(l, 0, v);
			r = keras_setting(l, p, name, len, v->buf);
			if (r < 0)
				return -1;
			if (!r) {
				if (begin_step(l, p, name, len, &st))
					return -1;
				if (!ops[st.op].keras)
					return fail(l, "%s is an Augmentor operation: write "
						    "'%s probability=P ...'", ops[st.op].name,
						    ops[st.op].name);
				if (set_param(l, &ops[st.op], &ops[st.op].p[1], v->buf,
					      &st.lo[1], &st.hi[1]) ||
				    end_step(l, p, &st, 1u << 1))
					return -1;
			}
			if (l->s < l->end && *l->s == ',')
				l->s++;
			skip_space(l);
			if (l->s == l->end)
				return 0;
			name = l->s;
			while (l->s < l->end && is_ident((unsigned char)*l->s))
				l->s++;
			len = (size_t)(l->s - name);
			skip_space(l);
			if (!len || l->s == l->end || *l->s != '=')
				return fail(l, "expected name=value");
		}
	}
	if (begin_step(l, p, name, len, &st))
		return -1;
	if (ops[st.op].keras)
		return fail(l, "%s is a Keras setting: write '%s=VALUE'", ops[st.op].name,
			    ops[st.op].name);
	call = l->s < l->end && *l->s == '(';
	if (call)
		l->s++;
	space_args = !call;
	for (;;) {
		const char *key;
		size_t klen;
		char kbuf[64];
		int i;

		skip_space(l);
		if (l->s < l->end && *l->s == ',')
			l->s++;
		skip_space(l);
		if (call && l->s < l->end && *l->s == ')') {
			l->s++;
			skip_space(l);
			if (l->s < l->end && *l->s == ';')
				l->s++;
			skip_space(l);
			if (l->s != l->end)
				return fail(l, "unexpected text after ')'");
			break;
		}
		if (l->s == l->end) {
			if (call)
				return fail(l, "missing ')'");
			break;
		}
		key = l->s;
		while (l->s < l->end && is_ident((unsigned char)*l->s))
			l->s++;
		klen = (size_t)(l->s - key);
		skip_space(l);
		snprintf(kbuf, sizeof(kbuf), "%.*s", (int)(klen < 60 ? klen : 60), key);
		if (!klen || l->s == l->end || *l->s != '=')
			return fail(l, "%s: expected key=value, not '%s'", ops[st.op].name,
				    klen ? kbuf : "?");
		l->s++;
		skip_space(l);
		i = aug_param_index(st.op, kbuf);
		if (i < 0)
			return fail(l, "%s has no parameter '%s'", ops[st.op].name, kbuf);
		if (given & (1u << i))
			return fail(l, "%s: %s given twice", ops[st.op].name, kbuf);
		read_value(l, space_args, v);
		if (set_param(l, &ops[st.op], &ops[st.op].p[i], v->buf, &st.lo[i], &st.hi[i]))
			return -1;
		given |= 1u << i;
	}
	return end_step(l, p, &st, given);
}

int aug_pipeline_parse(const char *text, size_t len, const char *name,
		       struct aug_pipeline *p, struct wn_err *err)
{
	struct strbuf v = STRBUF_INIT;
	const char *s = text, *end = text + len;
	unsigned no = 0;

	memset(p, 0, sizeof(*p));
	p->steps = calloc(AUG_MAX_STEPS, sizeof(*p->steps));
	if (!p->steps)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *hash;
		struct line l = { s, e, name, ++no, err };

		hash = memchr(s, '#', (size_t)(e - s));
		if (hash)
			l.end = hash;
		if (memchr(s, '\0', (size_t)(e - s))) {
			fail(&l, "a NUL byte: not a text file");
			goto fail;
		}
		if (parse_line(&l, p, &v))
			goto fail;
		s = nl ? nl + 1 : end;
	}
	strbuf_release(&v);
	if (!p->n) {
		aug_pipeline_release(p);
		return wn_fail(err, WN_EINVAL, "%s: no operation in the pipeline", name);
	}
	return 0;
fail:
	strbuf_release(&v);
	aug_pipeline_release(p);
	return -1;
}

int aug_pipeline_load(const char *path, struct aug_pipeline *p, struct wn_err *err)
{
	uint8_t *data;
	size_t len;
	int ret;

	if (read_file_limited(path, AUG_MAX_FILE_BYTES, &data, &len, err))
		return -1;
	ret = aug_pipeline_parse((const char *)data, len, path, p, err);
	free(data);
	return ret;
}

void aug_pipeline_release(struct aug_pipeline *p)
{
	free(p->steps);
	memset(p, 0, sizeof(*p));
}
