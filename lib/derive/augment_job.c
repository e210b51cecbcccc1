/* One source to its samples, on a worker thread. The source is read and
 * decoded once; each sample is planned from (seed, content hash, sample
 * index) alone, resampled once (one matrix, or matrices and meshes in one
 * map), given its pixel steps, encoded and written atomically.
 *
 * A sample of a 4:2:0 JPEG written as JPEG is made from the JPEG's planes:
 * they are warped as they come out of the decoder (chroma at half
 * resolution, as it is stored and will be stored again), which halves
 * the resampled bytes. Pixel steps that are all pointwise colour steps
 * run on the warped planes (aug/yccpoint.c); a plan with any other pixel
 * step gets RGB made from them (aug/ycc.c, as libjpeg's decoder makes
 * it) for all of its steps, and turned back. A sample with no such step
 * never leaves YCbCr. Other sources are decoded to RGB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

const char *ag_extension(enum img_format f)
{
	return f == IMG_PNG ? "png" : "jpg";
}

void ag_recipe(const struct ag_opts *o, uint32_t k, char *buf, size_t len)
{
	snprintf(buf, len, "augment pipeline=%s seed=%llu sample=%u format=%s quality=%d",
		 o->pipeline_hash, (unsigned long long)o->seed, k, ag_extension(o->format),
		 o->quality);
}

static enum warp_fill fill_of(enum aug_fill f)
{
	switch (f) {
	case AUG_FILL_CONSTANT: return WARP_CONSTANT;
	case AUG_FILL_REFLECT: return WARP_REFLECT;
	case AUG_FILL_WRAP: return WARP_WRAP;
	default: return WARP_NEAREST;
	}
}

static int jpeg_step_fired(const struct aug_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->applied[i].op == AUG_JPEG_QUALITY)
			return 1;
	return 0;
}

/* RGB to JPEG through our own 4:2:0 conversion (aug/ycc.c), which is
 * cheaper than the encoder's (chroma within 1 of what it would make). */
static int encode_jpeg(const struct img *im, int quality, uint8_t **out, size_t *len,
		       struct wn_err *err)
{
	struct img planes[3];
	int ret;

	if (img_yuv420_alloc(planes, im->width, im->height, err))
		return -1;
	ycc420_from_rgb(im, planes);
	ret = img_jpeg_encode_yuv420(planes, quality, out, len, err);
	for (int i = 0; i < 3; i++)
		img_release(&planes[i]);
	return ret;
}

/* Encodes im as o asks; a jpeg_quality step that fired sets the JPEG
 * quality, or for PNG output round-trips through JPEG first. */
static int encode(const struct ag_opts *o, const struct aug_plan *plan, const struct img *im,
		  uint8_t **out, size_t *len, struct wn_err *err)
{
	struct img_jpeg_opts jo;
	struct img_decode_opts dopt;
	struct img back = { 0 };
	uint8_t *tmp = NULL;
	size_t tlen = 0;
	int ret;

	img_jpeg_opts_init(&jo);
	jo.quality = aug_plan_quality(plan, o->quality);
	if (o->format == IMG_JPEG)
		return encode_jpeg(im, jo.quality, out, len, err);
	if (!jpeg_step_fired(plan))
		return img_encode_png(im, out, len, err);
	img_decode_opts_init(&dopt);
	dopt.channels = 3;
	ret = img_encode_jpeg(im, &jo, &tmp, &tlen, err) ||
	      img_decode(tmp, tlen, &dopt, &back, NULL, err) ||
	      img_encode_png(&back, out, len, err) ? -1 : 0;
	free(tmp);
	img_release(&back);
	return ret;
}

static int lineage(const struct ag_job *j, const struct aug_plan *plan,
		   const uint8_t hash[16], uint32_t k, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[FILEHASH_HEX_LEN + 1];
	int bad;

	filehash_hex(hash, hex);
	bad = strbuf_addstr(&sb, "{\"source\":") || quote_json(&sb, j->src.path) ||
	      strbuf_addf(&sb, ",\"source_xxh3\":\"%s\",\"seed\":%llu,\"sample\":%u,"
			  "\"pipeline\":", hex, (unsigned long long)j->o->seed, k) ||
	      quote_json(&sb, j->o->pipeline_path) ||
	      strbuf_addf(&sb, ",\"pipeline_xxh3\":\"%s\",\"width\":%d,\"height\":%d,\"steps\":",
			  j->o->pipeline_hash, plan->width, plan->height) ||
	      aug_plan_json(plan, j->o->pipe, &sb) || strbuf_addch(&sb, '}');
	if (bad) {
		strbuf_release(&sb);
		return -1;
	}
	*out = strbuf_detach(&sb);
	return 0;
}

/* make_parents() once per folder and thread: a class's outputs share
 * one, and each mkdir on the way costs a path lookup. */
static int ensure_parent(const char *path)
{
	static __thread char made[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n && n < sizeof(made) && made[n] == '\0' && !strncmp(made, path, n))
		return 0;
	if (make_parents(path))
		return -1;
	if (n < sizeof(made)) {
		memcpy(made, path, n);
		made[n] = '\0';
	}
	return 0;
}

/* A source, decoded the ways its samples need. */
struct source {
	const uint8_t *buf;
	size_t len;
	struct img rgb;
	int have_rgb;
	struct img yuv[3];   /* 4:2:0 planes, when the file has them */
	int have_yuv;
};

static int need_rgb(struct ag_job *j, struct source *src, struct wn_err *err)
{
	struct img_decode_opts dopt;

	if (src->have_rgb)
		return 0;
	img_decode_opts_init(&dopt);
	dopt.limits = j->o->limits;
	dopt.channels = 3;
	if (img_decode(src->buf, src->len, &dopt, &src->rgb, NULL, err))
		return -1;
	src->have_rgb = 1;
	return 0;
}

/* Whether a step of the plan works on RGB pixels. */
static int has_pixel_steps(const struct aug_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		enum aug_family f = aug_op_family(plan->applied[i].op);

		if (f == AUG_PHOTOMETRIC || f == AUG_REGION)
			return 1;
	}
	return 0;
}

/* Resamples the three planes: luma through the plan; chroma, at half the
 * resolution, through the same map seen from the chroma grid (2x2 luma
 * pixels a cell), or for a matrix m, S^-1 m S with S a scale by 2; both
 * chroma planes under one map, made once. */
static int warp_planes(const struct ag_opts *o, const struct aug_plan *plan,
		       const struct img src[3], struct img dst[3], struct wn_err *err)
{
	uint8_t grey[4], neutral[4] = { 128, 128, 128, 128 };
	struct mat3 m = plan->dst_to_src, up, down;
	enum warp_fill fill = fill_of(o->pipe->fill);

	memset(grey, (int)(o->pipe->cval + 0.5), 4);  /* grey: Y is the grey, Cb, Cr neutral */
	if (img_yuv420_alloc(dst, plan->width, plan->height, err))
		return -1;
	if (plan->n_mesh)
		return warp_image_map(&src[0], &dst[0], aug_plan_map_row, (void *)plan, fill, grey,
				      err) ||
		       warp_images_map(&src[1], &dst[1], 2, aug_plan_map_row_half, (void *)plan, fill,
				       neutral, err) ? -1 : 0;
	if (plan->geometric) {
		mat3_scale(&up, 2, 2);
		mat3_scale(&down, 0.5, 0.5);
		if (warp_image(&src[0], &dst[0], &m, fill, grey, err))
			return -1;
		mat3_mul(&m, &m, &up);
		mat3_mul(&m, &down, &m);
		return warp_images(&src[1], &dst[1], 2, &m, fill, neutral, err);
	}
	for (int i = 0; i < 3; i++)
		for (int y = 0; y < dst[i].height; y++)
			memcpy(dst[i].pixels + (size_t)y * dst[i].stride,
			       src[i].pixels + (size_t)y * src[i].stride, (size_t)dst[i].width);
	return 0;
}

/* The RGB way: warp, pixel steps, encode as o asks. */
static int render_rgb(struct ag_job *j, struct source *src, const struct aug_plan *plan,
		      uint8_t **data, size_t *len, struct wn_err *err)
{
	const struct ag_opts *o = j->o;
	struct img dst = { 0 };
	uint8_t fill_px[4];
	int ret = -1;

	if (need_rgb(j, src, err) || img_alloc(&dst, plan->width, plan->height, 3, err))
		goto out;
	memset(fill_px, (int)(o->pipe->cval + 0.5), sizeof(fill_px));
	if (plan->n_mesh) {
		if (warp_image_map(&src->rgb, &dst, aug_plan_map_row, (void *)plan,
				   fill_of(o->pipe->fill), fill_px, err))
			goto out;
	} else if (plan->geometric) {
		if (warp_image(&src->rgb, &dst, &plan->dst_to_src, fill_of(o->pipe->fill), fill_px,
			       err))
			goto out;
	} else {
		for (int y = 0; y < dst.height; y++)
			memcpy(dst.pixels + (size_t)y * dst.stride,
			       src->rgb.pixels + (size_t)y * src->rgb.stride, (size_t)dst.width * 3);
	}
	if (aug_pixels_apply(&dst, plan, o->pipe, err) || encode(o, plan, &dst, data, len, err))
		goto out;
	ret = 0;
out:
	img_release(&dst);
	return ret;
}

/* The YCbCr way: warp the planes; pixel steps, if any, on the planes
 * when they are all pointwise, else on RGB made from them (as libjpeg's
 * decoder would make it) and turned back. */
static int render_yuv(struct ag_job *j, struct source *src, const struct aug_plan *plan,
		      uint8_t **data, size_t *len, struct wn_err *err)
{
	struct img dst[3] = { { 0 } }, rgb = { 0 };
	int ret = -1;

	if (warp_planes(j->o, plan, src->yuv, dst, err))
		goto out;
	if (has_pixel_steps(plan) && !aug_pixels_try_ycc420(dst, plan)) {
		if (img_alloc(&rgb, plan->width, plan->height, 3, err))
			goto out;
		ycc420_to_rgb(dst, &rgb);
		if (aug_pixels_apply(&rgb, plan, j->o->pipe, err))
			goto out;
		ycc420_from_rgb(&rgb, dst);
	}
	ret = img_jpeg_encode_yuv420(dst, aug_plan_quality(plan, j->o->quality), data, len, err);
out:
	img_release(&rgb);
	for (int i = 0; i < 3; i++)
		img_release(&dst[i]);
	return ret;
}

/* Whether the sample is made from the JPEG's planes: every sample of a
 * 4:2:0 JPEG written as JPEG. */
static int yuv_way(const struct ag_opts *o, const struct source *src, const struct aug_plan *plan)
{
	(void)plan;
	return src->have_yuv && o->format == IMG_JPEG;
}

static int make_sample(struct ag_job *j, struct source *src, const uint8_t hash[16],
		       const struct aug_plan *p, struct ag_out *s)
{
	const struct aug_plan plan = *p;
	uint8_t *data = NULL;
	size_t len = 0;
	struct stat st;
	int ret = -1;

	if (yuv_way(j->o, src, &plan) ? render_yuv(j, src, &plan, &data, &len, &s->err) :
					 render_rgb(j, src, &plan, &data, &len, &s->err))
		goto out;
	if (lineage(j, &plan, hash, s->k, &s->lineage)) {
		wn_fail(&s->err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (ensure_parent(s->disk)) {
		wn_fail(&s->err, WN_EIO, "%s: %s", s->disk, strerror(errno));
		goto out;
	}
	if (write_file_atomic(s->disk, data, len, 0, &s->err))
		goto out;
	if (stat(s->disk, &st)) {
		wn_fail(&s->err, WN_EIO, "%s: %s", s->disk, strerror(errno));
		goto out;
	}
	filehash_buffer(data, len, &s->hash);
	s->width = plan.width;
	s->height = plan.height;
	s->size = st.st_size;
	s->mtime_ns = derive_mtime_ns(&st);
	s->done = 1;
	ret = 0;
out:
	free(data);
	return ret;
}

/* Decodes src the ways the samples' plans (j->nout of them; a zero width
 * is a failed plan) need: the 4:2:0 planes of a JPEG that has them when
 * a sample can stay in YCbCr, RGB when one cannot. @return 0 or -1 with
 * j->err set. */
static int decode_source(struct ag_job *j, struct source *src, const struct aug_plan *plans,
			 enum img_format format)
{
	int want_yuv = 0, want_rgb = 0;

	src->have_yuv = 1;  /* what yuv_way() would say if the planes were there */
	for (size_t i = 0; i < j->nout; i++) {
		if (!plans[i].width)
			continue;
		if (yuv_way(j->o, src, &plans[i]))
			want_yuv = 1;
		else
			want_rgb = 1;
	}
	src->have_yuv = 0;
	if (want_yuv && format == IMG_JPEG) {
		int r = img_jpeg_decode_yuv420(src->buf, src->len, &j->o->limits, src->yuv, &j->err);

		if (r < 0)
			return -1;
		src->have_yuv = r == 0;
		want_rgb |= r > 0;
	} else {
		want_rgb = 1;
	}
	return want_rgb ? need_rgb(j, src, &j->err) : 0;
}

/* Plans every sample from the header's size (a plan needs nothing else),
 * then decodes the source the ways they need: the 4:2:0 planes when a
 * sample can stay in YCbCr, RGB when one cannot. */
void ag_run_job(void *arg)
{
	struct ag_job *j = arg;
	const struct ag_opts *o = j->o;
	struct source src = { 0 };
	struct aug_plan *plans = NULL;
	struct img_info info;
	struct filehash h;
	uint8_t *buf = NULL;
	size_t len = 0, nplans = 0;

	wn_err_clear(&j->err);
	if (read_file_limited(j->src.disk, o->limits.max_bytes, &buf, &len, &j->err) ||
	    img_read_info(buf, len, &o->limits, &info, &j->err))
		goto fail;
	filehash_buffer(buf, len, &h);
	src.buf = buf;
	src.len = len;
	plans = calloc(j->nout ? j->nout : 1, sizeof(*plans));
	if (!plans) {
		wn_fail(&j->err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	/* a sample whose plan fails (its steps shrink the image to nothing)
	 * fails alone, with a zero-width plan */
	for (; nplans < j->nout; nplans++)
		if (aug_plan_make(o->pipe, info.width, info.height, o->seed, h.full, j->out[nplans].k,
				  &plans[nplans], &j->out[nplans].err))
			memset(&plans[nplans], 0, sizeof(plans[nplans]));
	if (decode_source(j, &src, plans, info.format))
		goto fail;
	for (size_t i = 0; i < j->nout; i++) {
		int bad = !plans[i].width || make_sample(j, &src, h.full, &plans[i], &j->out[i]);

		progress_add(j->prog, 1, bad ? 1 : 0);
	}
	goto out;
fail:
	j->failed = 1;
	progress_add(j->prog, j->nout, j->nout);
out:
	for (size_t i = 0; i < nplans; i++)
		aug_plan_release(&plans[i]);
	free(plans);
	free(buf);
	img_release(&src.rgb);
	if (src.have_yuv)
		for (int i = 0; i < 3; i++)
			img_release(&src.yuv[i]);
}
