/* resize: what its modules share. job.c turns one source file into one
 * output on a worker thread; main.c walks, batches, writes the catalog. */
#ifndef WINNOW_RESIZE_H
#define WINNOW_RESIZE_H

#include <stdint.h>

#include "core/dhash.h"
#include "core/err.h"
#include "core/filehash.h"
#include "core/geometry.h"
#include "core/img.h"
#include "core/progress.h"

enum rs_outcome { RS_RESIZED, RS_COPIED, RS_FAILED };

struct rs_opts {
	struct geometry geom;
	enum img_format format;   /* IMG_UNKNOWN: keep the source's format */
	int quality;              /* JPEG and WebP */
	int in_place;
	struct img_limits limits;
	/* IN and OUT opened (dspath_open_root(), by rs_run()): sources are
	 * read and outputs written from there one name at a time, never
	 * through a symlink (the same folder with --in-place) */
	int in_root, out_root;
};

struct rs_job {
	const struct rs_opts *o;
	struct progress *prog;
	/* in (owned by the batch) */
	char *src_disk, *src_path, *class_name, *rel;   /* rel: below IN */
	char *out_disk, *out_path, *out_rel;            /* out_rel: below OUT */
	int64_t src_size, src_mtime;
	/* out */
	enum rs_outcome outcome;
	struct wn_err err;
	int src_broken;           /* the source itself is at fault (not the writing) */
	int passthrough;          /* the output is the source's own bytes */
	int has_src_hash;
	struct filehash src_hash;
	enum img_format src_format, out_format;
	int out_w, out_h;
	struct filehash out_hash;
	struct fingerprint fp;
	int64_t out_size, out_mtime;
	/* the journal (run.c): the planned rewrite in place and quarantine
	 * move of this file, 0 when none */
	int replaces;             /* the output exists: it is rewritten */
	int64_t rewrite_event, quarantine_event;  /* the move goes to rel below
						   * the quarantine folder */
};

/*
 * rs_transform() : what o makes of an in-memory image whose header is info:
 * *out is buf itself when it is already within the size and format (not
 * decoded), else a new buffer the caller frees. *w, *h and *format say
 * what the output is.
 * @return 0, or -1 with err set (*broken: the source is at fault).
 */
int rs_transform(const struct rs_opts *o, const uint8_t *buf, size_t len,
		 const struct img_info *info, uint8_t **out, size_t *outlen, int *w, int *h,
		 enum img_format *format, int *broken, struct wn_err *err);

/* rs_run_job() : reads, checks, resizes (or copies), encodes and writes
 * one image atomically; a pool job. Never leaves a partial output, and
 * never reads or writes through a symlink below IN or OUT. */
void rs_run_job(void *arg);

/* rs_output_format() : what a source of format f becomes (GIF, which
 * winnow does not write, becomes PNG when kept). */
enum img_format rs_output_format(const struct rs_opts *o, enum img_format f);

/* rs_extension() : "jpg", "png", "webp". */
const char *rs_extension(enum img_format f);

#endif
