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
 * and its short options hold "p:", "j:", "q" and "h" for the ones it takes.
 * It reads its options with cli_getopt(), which keeps the common ones and
 * hands back the command's own:
 *
 *	cli_options_init(&co, usage);
 *	while ((c = cli_getopt(&co, argc, argv, "j:h", opts)) >= 0)
 *		... its own codes ...
 *	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, 0))
 *		return co.status;
 *
 * (or hands every code it does not handle to cli_options_parse()). */
#ifndef WINNOW_CLI_OPTIONS_H
#define WINNOW_CLI_OPTIONS_H

#include <getopt.h>

#include "cli.h"
#include "img/img.h"
#include "learn/learn.h"
#include "nn/nn.h"

/* The codes getopt_long returns for the common options. The short forms'
 * letters serve their long forms too; the others are 1000 and up, clear
 * of a command's own letters and of its codes from 256. A command must not
 * use 'p', 'j', 'q' or 'h' for anything else. */
enum {
	CLI_OPT_PATH = 'p',
	CLI_OPT_JOBS = 'j',
	CLI_OPT_QUIET = 'q',
	CLI_OPT_HELP = 'h',
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
	CLI_OPT_FORMAT,
};

/* The table: one getopt_long entry a common option. */
#define CLI_OPTION_PATH       { "path",       required_argument, NULL, CLI_OPT_PATH }
#define CLI_OPTION_JOBS       { "jobs",       required_argument, NULL, CLI_OPT_JOBS }
#define CLI_OPTION_QUIET      { "quiet",      no_argument,       NULL, CLI_OPT_QUIET }
#define CLI_OPTION_DB         { "db",         required_argument, NULL, CLI_OPT_DB }
#define CLI_OPTION_FORMAT     { "format",     required_argument, NULL, CLI_OPT_FORMAT }
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

/* The folder a command writes. */
#define CLI_OPTION_OUT        { "out",        required_argument, NULL, CLI_OPT_OUT }
/* What a run over a folder's images takes after its own options, in
 * this order (resize, augment). */
#define CLI_OPTIONS_IMAGE_RUN CLI_OPTION_JOBS, CLI_OPTION_MAX_BYTES, CLI_OPTION_MAX_PIXELS, \
	CLI_OPTION_QUIET, CLI_OPTION_DB, CLI_OPTION_HELP, CLI_OPTION_VERSION
/* The model whose predictions a command makes or reads. */
#define CLI_OPTIONS_MODEL CLI_OPTION_MODEL, CLI_OPTION_NSFWJS_COMPAT
/* The suspects ranking's choices (label suspects, label review). */
#define CLI_OPTIONS_SUSPECTS \
	CLI_OPTION_TOP, CLI_OPTIONS_MODEL, CLI_OPTION_PRETRAINED, CLI_OPTION_MAP

#define CLI_MAX_MAPS 64

/* The common options' values; a command reads those it takes. */
struct cli_options {
	const char *usage;         /* what --help prints; kept, not copied */
	const char *path;          /* --path DIR (argv's string), or NULL */
	int jobs;                  /* -j N, 1..1024; 0 when not given */
	int quiet;                 /* -q: no progress line */
	const char *db;            /* --db FILE (argv's string), or NULL: see cli_db_path() */
	const char *out;           /* --out DIR (argv's string), or NULL */
	enum out_format format;    /* --format F; FMT_TEXT unless the command sets
				      another default before parsing */
	struct img_limits limits;  /* --max-bytes, --max-pixels; IMG_DEFAULT_MAX_* */
	int quality;               /* --quality Q, 1..100; 90 */
	const char *model;         /* --model NAME or folder; "mobilenet_v2" */
	enum nn_prep prep;         /* --nsfwjs-compat: NN_PREP_NSFWJS */
	/* --top N (1..1e8), --pretrained, --map FOLDER=Class (up to
	 * CLI_MAX_MAPS, kept in maps[]); model_key and prep are the
	 * command's to set */
	struct suspects_opts suspects;
	const char *maps[CLI_MAX_MAPS];
	int status;                /* the exit status when cli_getopt() stopped */
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

/* What cli_getopt() returns when the command stops with o->status. */
#define CLI_OPTIONS_STOP (-2)

/* cli_getopt() : getopt_long(argc, argv, shortopts, opts) that keeps the
 * common options in o as cli_options_parse() does.
 * @return the code of the next option that is the command's own (optarg
 * holds its value); -1 at the end of the options (optind at the first
 * operand); CLI_OPTIONS_STOP when the command stops with o->status:
 * EXIT_DONE after --help or --version, EXIT_USAGE after a usage error
 * printed on stderr. */
int cli_getopt(struct cli_options *o, int argc, char **argv, const char *shortopts,
	       const struct option *opts);

/* What cli_operands() takes in place of an option. */
enum {
	CLI_PATH_OPERAND = 1,  /* one operand gives the folder when --path does not */
	CLI_PATH_NEEDED = 2,   /* no folder is "which folder? give --path DIR" */
};

/* cli_operands() : the operands after cli_getopt()'s options (from optind):
 * none, or with CLI_PATH_OPERAND in flags the folder, kept in o->path.
 * @return 0, or -1 with o->status EXIT_USAGE after printing "unexpected
 * argument 'ARG'" or, with CLI_PATH_NEEDED, "which folder?" on stderr. */
int cli_operands(struct cli_options *o, int argc, char **argv, int flags);

/* cli_parse_options() : the whole command line of a command whose options
 * are all common ones: cli_getopt(), then cli_operands() with flags.
 * @return 0 to run, or -1 when the command stops with o->status. */
int cli_parse_options(struct cli_options *o, int argc, char **argv, const char *shortopts,
		      const struct option *opts, int flags);

/* cli_options_lead() : the options a command takes before its subcommand
 * (db --db FILE stats): -h and the long options of opts, common ones all,
 * kept in o, up to the first word that is not one of them: an operand, an
 * unknown option, an option without its value, "-" or "--", left for the
 * command to name. getopt is then set to start afresh for the subcommand.
 * @return 0 with *next the index of that word (argc when none is left);
 * as cli_options_parse(), CLI_OPTIONS_DONE after --help or --version or
 * EXIT_USAGE after a bad value. */
int cli_options_lead(struct cli_options *o, const struct option *opts, int argc, char **argv,
		     int *next);

/* cli_print_version() : "<cli_prog> (winnow) <version>" on stdout. */
void cli_print_version(void);

#endif
