/* One source file to one output, on a worker thread: read once, check,
 * shrink on load (DCT scaling while at least twice the target remains, as
 * libvips does), Lanczos3 to the exact size, encode, fingerprint the
 * output from its own bytes, write it atomically. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Writes the output below OUT: its folders are made (never through a
 * symlink: a symlinked folder, or a symlink at the name, is refused), the
 * file written relative to its folder's descriptor, and then looked at
 * there. */
static int write_output(struct rs_job *j, const uint8_t *data, size_t len)
{
	/* In place and byte for byte the source: the file already is it. */
	int keep = j->run->in_place && j->passthrough, ret = -1;
	struct dspath p = DSPATH_INIT;
	struct wn_err why;
	struct stat st;

	if (dspath_resolve(j->run->out_root, j->out_rel, keep ? 0 : DSPATH_MKDIRS, &p, &why))
		return wn_fail(&j->err, WN_EIO, "%s: %s", j->out_disk,
			       wn_err_cause(&why, j->out_rel));
	if (!keep && write_file_atomic_at(p.dir, p.name, j->out_disk, data, len, j->run->in_place,
					  &j->err))
		goto out;
	if (dspath_stat(&p, &st)) {
		wn_fail(&j->err, WN_EIO, "%s: %s", j->out_disk, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		wn_fail(&j->err, WN_EIO, "%s: not a regular file", j->out_disk);
		goto out;
	}
	j->out_size = st.st_size;
	j->out_mtime = derive_mtime_ns(&st);
	ret = 0;
out:
	dspath_release(&p);
	return ret;
}

/* Reads the source (rel below IN) through no symlink. */
static int read_source(struct rs_job *j, uint8_t **buf, size_t *len)
{
	struct wn_err why;
	struct stat st;
	int fd = dspath_open_file(j->run->in_root, j->src.rel, &st, &why), rc;

	if (fd < 0)
		return wn_fail(&j->err, WN_EIO, "%s: %s", j->src.disk,
			       wn_err_cause(&why, j->src.rel));
	rc = read_fd_limited(fd, j->src.disk, j->run->tf.limits.max_bytes, buf, len, &j->err);
	close(fd);
	return rc;
}

void rs_run_job(void *arg)
{
	struct rs_job *j = arg;
	struct img_info info;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int tw, th;

	j->outcome = RS_FAILED;
	wn_err_clear(&j->err);
	if (read_source(j, &buf, &len)) {
		j->src_broken = j->err.code == WN_ELIMIT;
		goto done;
	}
	filehash_buffer(buf, len, &j->src_hash);
	j->has_src_hash = 1;
	j->src_format = img_sniff(buf, len);
	if (img_read_info(buf, len, &j->run->tf.limits, &info, &j->err)) {
		j->src_broken = 1;
		goto done;
	}
	if (j->run->in_place && info.format == IMG_GIF) {
		/* winnow writes no GIF: a GIF would become PNG bytes under a
		 * .gif name, its animation lost. Left alone, and said so. */
		geometry_apply(&j->run->tf.geom, info.width, info.height, &tw, &th);
		if (tw != info.width || th != info.height || info.orientation != 1) {
			wn_fail(&j->err, WN_EINVAL, "GIF is not rewritten in place (winnow writes "
				"no GIF); use --out to convert it");
			goto done;
		}
	}
	if (img_transform_buffer(&j->run->tf, buf, len, &info, &out, &outlen, &tw, &th,
				 &j->out_format, &j->src_broken, &j->err))
		goto done;
	j->passthrough = out == buf;
	/* A copy's scans are still all checked by the fingerprint decode. */
	j->outcome = out == buf || (tw == info.width && th == info.height) ? RS_COPIED : RS_RESIZED;
	/* The fingerprint and quality signals come from the output's own
	 * bytes, exactly as db scan would compute them, so a later dedup or
	 * scan reads nothing again. */
	if (scan_decode(out, outlen, &j->run->tf.limits, &j->fp, &j->quality, NULL, &j->err)) {
		j->src_broken = out == buf;
		j->outcome = RS_FAILED;
		goto done;
	}
	filehash_buffer(out, outlen, &j->out_hash);
	j->out_w = tw;
	j->out_h = th;
	if (write_output(j, out, outlen))
		j->outcome = RS_FAILED;
	else if (j->run->after_act)
		j->run->after_act();
done:
	if (out != buf)
		free(out);
	free(buf);
	progress_add(j->run->prog, 1, j->outcome == RS_FAILED);
}
