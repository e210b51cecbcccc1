/* label: an embedded classifier and confident learning over a dataset. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
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
	"\n"
	"Options:\n"
	"  -h, --help   this help; 'label COMMAND --help' for one command\n"
	"  --version    print the version\n"
	"\n"
	"Examples:\n"
	"  label predict --path train\n"
	"  label train --path train\n"
	"  label suspects --path train --format csv > suspects.csv\n"
	"\n"
	"Exit status: 0 done; 1 done, but some images failed; 2 bad usage;\n"
	"3 fatal (catalog, model or I/O).\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "predict", cmd_predict },
	{ "train", cmd_train },
	{ "suspects", cmd_suspects },
};

int main(int argc, char **argv)
{
	cli_prog = "label";
	if (argc < 2)
		return cli_usage_error("which command? predict, train or suspects");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return EXIT_DONE;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("label (winnow) %s\n", WINNOW_VERSION);
		return EXIT_DONE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			static char prog[64];

			snprintf(prog, sizeof(prog), "label %s", commands[i].name);
			cli_prog = prog;
			return commands[i].fn(argc - 1, argv + 1);
		}
	return cli_usage_error("unknown command '%s'; see 'label --help'", argv[1]);
}
