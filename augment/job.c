/* One source to its samples, on a worker thread. The source is read and
 * decoded once; each sample is planned from (seed, content hash, sample
 * index) alone, resampled once (one matrix, or matrices and meshes in one
 * map), given its pixel steps, encoded and written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "augment.h"
#include "core/augpixel.h"
#include "core/augplan.h"
#include "core/fileio.h"
#include "core/progress.h"
#include "core/quote.h"
#include "core/strbuf.h"
#include "core/warp.h"

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
		return img_encode_jpeg(im, &jo, out, len, err);
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
	bad = strbuf_addstr(&sb, "{\"source\":") || quote_json(&sb, j->src_path) ||
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

static int make_sample(struct ag_job *j, const struct img *src, const uint8_t hash[16],
		       struct ag_out *s)
{
	const struct ag_opts *o = j->o;
	struct aug_plan plan = { 0 };
	struct img dst = { 0 };
	uint8_t fill_px[4], *data = NULL;
	size_t len = 0;
	struct stat st;
	int ret = -1;

	if (aug_plan_make(o->pipe, src->width, src->height, o->seed, hash, s->k, &plan, &s->err))
		return -1;
	if (img_alloc(&dst, plan.width, plan.height, 3, &s->err))
		goto out;
	memset(fill_px, (int)(o->pipe->cval + 0.5), sizeof(fill_px));
	if (plan.n_mesh) {
		if (warp_image_map(src, &dst, aug_plan_map_row, &plan, fill_of(o->pipe->fill),
				   fill_px, &s->err))
			goto out;
	} else if (plan.geometric) {
		if (warp_image(src, &dst, &plan.dst_to_src, fill_of(o->pipe->fill), fill_px,
			       &s->err))
			goto out;
	} else {
		for (int y = 0; y < dst.height; y++)
			memcpy(dst.pixels + (size_t)y * dst.stride,
			       src->pixels + (size_t)y * src->stride, (size_t)dst.width * 3);
	}
	if (aug_pixels_apply(&dst, &plan, o->pipe, &s->err) ||
	    encode(o, &plan, &dst, &data, &len, &s->err))
		goto out;
	if (lineage(j, &plan, hash, s->k, &s->lineage)) {
		wn_fail(&s->err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (make_parents(s->disk)) {
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
	s->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	s->done = 1;
	ret = 0;
out:
	free(data);
	img_release(&dst);
	aug_plan_release(&plan);
	return ret;
}

void ag_run_job(void *arg)
{
	struct ag_job *j = arg;
	struct img_decode_opts dopt;
	struct img src = { 0 };
	struct filehash h;
	uint8_t *buf = NULL;
	size_t len = 0;

	wn_err_clear(&j->err);
	img_decode_opts_init(&dopt);
	dopt.limits = j->o->limits;
	dopt.channels = 3;
	if (read_file_limited(j->src_disk, j->o->limits.max_bytes, &buf, &len, &j->err) ||
	    (filehash_buffer(buf, len, &h), img_decode(buf, len, &dopt, &src, NULL, &j->err))) {
		j->failed = 1;
		progress_add(j->prog, j->nout, j->nout);
		goto out;
	}
	for (size_t i = 0; i < j->nout; i++) {
		int bad = make_sample(j, &src, h.full, &j->out[i]);

		progress_add(j->prog, 1, bad ? 1 : 0);
	}
out:
	free(buf);
	img_release(&src);
}
