/* The options most commands share: -j/--jobs, -q/--quiet, --db,
 * --max-bytes, --max-pixels, --quality, -h/--help and --version, spelled,
 * checked and stored in one place.
 *
 * A command's getopt_long table names the common options it takes, each
 * where the command wants it (glibc lists an abbreviation's possibilities,
 * "option '--q' is ambiguous; possibilities: ...", in table order):
 *
 *	static const struct option opts[] = {
 *		{ "path", required_argument, NULL, 'p' },
 *		CLI_OPTION_JOBS,
 *		CLI_OPTION_DB,
 *		CLI_OPTION_HELP,
 *		{ NULL, 0, NULL, 0 },
 *	};
 *
 * and its short options hold "j:", "q" and "h" for the ones it takes.
 * Its switch handles its own codes and hands every other one to
 * cli_options_parse(), which also reports getopt's '?'. */
#ifndef WINNOW_CLI_OPTIONS_H
#define WINNOW_CLI_OPTIONS_H

#include <getopt.h>

#include "img/img.h"
#include "learn/learn.h"
#include "nn/nn.h"

/* The codes getopt_long returns for the common options. The short forms'
 * letters serve their long forms too; the others are 1000 and up, clear
 * of a command's own letters and of its codes from 256. A command must not
 * use 'j', 'q' or 'h' for anything else. */
enum {
	CLI_OPT_JOBS = 'j',
	CLI_OPT_QUIET = 'q',
	CLI_OPT_HELP = 'h',
	CLI_OPT_PATH = 'p',
	CLI_OPT_DB = 1000,
	CLI_OPT_MAX_BYTES,
	CLI_OPT_MAX_PIXELS,
	CLI_OPT_QUALITY,
	CLI_OPT_VERSION,
	CLI_OPT_MODEL,
	CLI_OPT_NSFWJS_COMPAT,
	CLI_OPT_TOP,
	CLI_OPT_PRETRAINED,
	CLI_OPT_MAP,
	CLI_OPT_OUT,
};

/* The table: one getopt_long entry a common option. */
#define CLI_OPTION_JOBS       { "jobs",       required_argument, NULL, CLI_OPT_JOBS }
#define CLI_OPTION_QUIET      { "quiet",      no_argument,       NULL, CLI_OPT_QUIET }
#define CLI_OPTION_DB         { "db",         required_argument, NULL, CLI_OPT_DB }
#define CLI_OPTION_MAX_BYTES  { "max-bytes",  required_argument, NULL, CLI_OPT_MAX_BYTES }
#define CLI_OPTION_MAX_PIXELS { "max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS }
#define CLI_OPTION_QUALITY    { "quality",    required_argument, NULL, CLI_OPT_QUALITY }
#define CLI_OPTION_HELP       { "help",       no_argument,       NULL, CLI_OPT_HELP }
#define CLI_OPTION_VERSION    { "version",    no_argument,       NULL, CLI_OPT_VERSION }
/* The classifier's: which model's predictions, and suspects' choices. */
#define CLI_OPTION_MODEL      { "model",      required_argument, NULL, CLI_OPT_MODEL }
#define CLI_OPTION_NSFWJS_COMPAT { "nsfwjs-compat", no_argument,  NULL, CLI_OPT_NSFWJS_COMPAT }
#define CLI_OPTION_TOP        { "top",        required_argument, NULL, CLI_OPT_TOP }
#define CLI_OPTION_PRETRAINED { "pretrained", no_argument,       NULL, CLI_OPT_PRETRAINED }
#define CLI_OPTION_MAP        { "map",        required_argument, NULL, CLI_OPT_MAP }

/* The folder a command reads (--path, -p), and the one it writes. */
#define CLI_OPTION_PATH       { "path",       required_argument, NULL, CLI_OPT_PATH }
#define CLI_OPTION_OUT        { "out",        required_argument, NULL, CLI_OPT_OUT }
/* What a run over a folder's images takes after its own options, in
 * this order (resize, augment). */
#define CLI_OPTIONS_IMAGE_RUN CLI_OPTION_JOBS, CLI_OPTION_MAX_BYTES, CLI_OPTION_MAX_PIXELS, \
	CLI_OPTION_QUIET, CLI_OPTION_DB, CLI_OPTION_HELP, CLI_OPTION_VERSION

#define CLI_MAX_MAPS 64

/* The common options' values; a command reads those it takes. */
struct cli_options {
	const char *usage;         /* what --help prints; kept, not copied */
	int jobs;                  /* -j N, 1..1024; 0 when not given */
	int quiet;                 /* -q: no progress line */
	const char *db;            /* --db FILE (argv's string), or NULL: see cli_db_path() */
	const char *path, *out;    /* --path DIR, --out DIR (argv's strings), or NULL */
	struct img_limits limits;  /* --max-bytes, --max-pixels; IMG_DEFAULT_MAX_* */
	int quality;               /* --quality Q, 1..100; 90 */
	const char *model;         /* --model NAME or folder; "mobilenet_v2" */
	enum nn_prep prep;         /* --nsfwjs-compat: NN_PREP_NSFWJS */
	/* --top N (1..1e8), --pretrained, --map FOLDER=Class (up to
	 * CLI_MAX_MAPS, kept in maps[]); model_key and prep are the
	 * command's to set */
	struct suspects_opts suspects;
	const char *maps[CLI_MAX_MAPS];
};

/* cli_options_init() : the defaults above; --help will print usage.
 * o must not be copied afterwards (suspects.maps points into it). */
void cli_options_init(struct cli_options *o, const char *usage);

/* What cli_options_parse() returns after --help or --version. */
#define CLI_OPTIONS_DONE (-1)

/* cli_options_parse() : takes the code getopt_long returned (with optarg)
 * for an option the command does not handle itself.
 * @return 0 when code is a common option and its value is good (stored in o);
 * CLI_OPTIONS_DONE after -h or --version printed the usage or the version
 * on stdout: the command stops with EXIT_DONE;
 * EXIT_USAGE after printing the error on stderr: a bad value, or getopt's
 * '?' (an unknown option or a missing value, which getopt has reported). */
int cli_options_parse(struct cli_options *o, int code, const char *arg);

/* cli_options_end() : after the getopt_long loop: refuses an argument
 * that is not an option, then, when path_name is not NULL, a missing
 * --path ("which folder? give --path <path_name>").
 * @return 0, or EXIT_USAGE after printing the error. */
int cli_options_end(const struct cli_options *o, int argc, char **argv, const char *path_name);

/* cli_print_version() : "<cli_prog> (winnow) <version>" on stdout. */
void cli_print_version(void);

#endif
