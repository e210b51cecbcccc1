/* resize: what its modules share. job.c turns one source file into one
 * output on a worker thread; main.c walks, batches, writes the catalog. */
#ifndef WINNOW_RESIZE_H
#define WINNOW_RESIZE_H

#include <stdint.h>

#include "hash/hash.h"
#include "base/base.h"
#include "img/img.h"

enum rs_outcome { RS_RESIZED, RS_COPIED, RS_FAILED };

struct rs_opts {
	struct img_transform tf;  /* size, format, quality, limits */
	int in_place;
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

/* rs_run_job() : reads, checks, resizes (or copies), encodes and writes
 * one image atomically; a pool job. Never leaves a partial output, and
 * never reads or writes through a symlink below IN or OUT. */
void rs_run_job(void *arg);

#endif
