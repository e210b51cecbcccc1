/* label: an embedded classifier and confident learning over a dataset. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "label.h"

static const char usage[] =
	"usage: label <command> [options]\n"
	"\n"
	"Finds the images most likely to sit in the wrong class folder. A\n"
	"classifier (the nsfwjs models, run by winnow's own engine) describes\n"
	"every image; a softmax head learns the folder classes from those\n"
	"descriptions with cross-validation; confident learning ranks the images\n"
	"whose folder disagrees with the out-of-sample predictions.\n"
	"\n"
	"Commands:\n"
	"  predict    class probabilities and embeddings for every image\n"
	"  train      fit a head on the folder classes, cross-validated\n"
	"  suspects   the likely mislabels, most likely first\n"
	"  review     a review session in the browser (keyboard first)\n"
	"  apply      carry out the review's decisions (moves, deletions)\n"
	"  export     the model with the trained head on top, for nsfwjs\n"
	"  cam        class activation maps: where in a picture a class comes from\n"
	"\n"
	"Options:\n"
	"  -h, --help   this help; 'label COMMAND --help' for one command\n"
	"  --version    print the version\n"
	"\n"
	"Examples:\n"
	"  label predict --path train\n"
	"  label train --path train\n"
	"  label suspects --path train --format csv > suspects.csv\n"
	"  label review --path train\n"
	"  label apply --dry-run\n"
	"  label export --out web/model\n"
	"  label cam --path train/cats/c1.jpg --out maps\n"
	"\n"
	"Exit status: 0 done; 1 done, but some images failed; 2 bad usage;\n"
	"3 fatal (catalog, model or I/O).\n";

static const struct cli_subcommand commands[] = {
	{ "predict", cmd_predict },
	{ "train", cmd_train },
	{ "suspects", cmd_suspects },
	{ "review", cmd_review },
	{ "apply", cmd_apply },
	{ "export", cmd_export_model },
	{ "cam", cmd_cam },
};

/* OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS only when it
 * loads. Debian's does not always pick its fastest kernels for the CPU
 * (nn_blas_core()); and it starts a thread pool that label, running one
 * image per thread, never uses. So the program starts itself again,
 * once, with both said. */
static void openblas_settings(char **argv)
{
	const char *core;

	if (getenv("OPENBLAS_NUM_THREADS") || getenv("OPENBLAS_CORETYPE"))
		return;
	setenv("OPENBLAS_NUM_THREADS", "1", 1);
	if ((core = nn_blas_core()))
		setenv("OPENBLAS_CORETYPE", core, 1);
	execv("/proc/self/exe", argv);
	/* no exec: carry on as loaded */
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_HELP,
		CLI_OPTION_VERSION,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options co;
	int i, rc;

	openblas_settings(argv);
	/* The network's activations are a few megabytes each, allocated and
	 * freed for every image: from the heap, reused, rather than fresh
	 * mappings whose pages fault in every time. */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	cli_prog = "label";
	cli_options_init(&co, usage);
	rc = cli_options_lead(&co, opts, argc, argv, &i);
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	if (i == argc)
		return cli_usage_error("which command? predict, train or suspects");
	rc = cli_subcommand(commands, sizeof(commands) / sizeof(commands[0]), argc - i, argv + i);
	if (rc >= 0)
		return rc;
	return cli_usage_error("unknown command '%s'; see 'label --help'", argv[i]);
}
