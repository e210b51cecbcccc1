/* The state of one resize run (main.c fills the settings). */
#ifndef WINNOW_RESIZE_RUN_H
#define WINNOW_RESIZE_RUN_H

#include <stdio.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "resize.h"

struct rs_run {
	/* settings */
	struct rs_opts o;
	const char *in_dir, *out_dir;     /* as given */
	char *in_real, *out_real;         /* realpath of each */
	const char *quarantine;
	char *quarantine_real;            /* its realpath, made by rs_run() */
	int quarantine_fd;                /* it opened by rs_run(), or -1 */
	struct shard shard;               /* --shard K/N */
	const char *recipe;
	int threads;
	FILE *progress;
	struct catalog *cat;
	int64_t run_id;

	/* state */
	struct progress *prog;

	/* counts */
	uint64_t files, resized, copied, unchanged, failed, quarantined;
	uint64_t bytes_in, bytes_out;
};

/* rs_run() : the whole run. @return 0 (per-file failures are counted), or
 * -1 with err set when the catalog or the walk failed. */
int rs_run(struct rs_run *r, struct wn_err *err);

#endif
