/* The common options' values and checks (options.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

void cli_options_init(struct cli_options *o, const char *usage)
{
	o->usage = usage;
	o->path = NULL;
	o->jobs = 0;
	o->quiet = 0;
	o->db = NULL;
	o->out = NULL;
	o->format = FMT_TEXT;
	o->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	o->limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	o->quality = 90;
	o->model = "mobilenet_v2";
	o->prep = NN_PREP_DEFAULT;
	memset(&o->suspects, 0, sizeof(o->suspects));
	o->suspects.maps = o->maps;
	o->status = EXIT_DONE;
}

int cli_options_end(const struct cli_options *o, int argc, char **argv, const char *path_name)
{
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (path_name && !o->path)
		return cli_usage_error("which folder? give --path %s", path_name);
	return 0;
}

void cli_print_version(void)
{
	printf("%s (winnow) %s\n", cli_prog, WINNOW_VERSION);
}

int cli_options_parse(struct cli_options *o, int code, const char *arg)
{
	uint64_t v;

	switch (code) {
	case CLI_OPT_JOBS:
		return cli_parse_jobs(arg, &o->jobs) ? EXIT_USAGE : 0;
	case CLI_OPT_QUIET:
		o->quiet = 1;
		return 0;
	case CLI_OPT_PATH:
		o->path = arg;
		return 0;
	case CLI_OPT_DB:
		o->db = arg;
		return 0;
	case CLI_OPT_OUT:
		o->out = arg;
		return 0;
	case CLI_OPT_FORMAT:
		return cli_parse_format(arg, &o->format) ? EXIT_USAGE : 0;
	case CLI_OPT_MAX_BYTES:
		if (cli_parse_bytes("--max-bytes", arg, &v))
			return EXIT_USAGE;
		o->limits.max_bytes = (size_t)v;
		return 0;
	case CLI_OPT_MAX_PIXELS:
		if (cli_parse_uint("--max-pixels", arg, UINT64_MAX, &v))
			return EXIT_USAGE;
		o->limits.max_pixels = v;
		return 0;
	case CLI_OPT_QUALITY:
		return cli_parse_int("--quality", arg, 100, &o->quality) ? EXIT_USAGE : 0;
	case CLI_OPT_MODEL:
		o->model = arg;
		return 0;
	case CLI_OPT_NSFWJS_COMPAT:
		o->prep = NN_PREP_NSFWJS;
		return 0;
	case CLI_OPT_TOP:
		return cli_parse_uint("--top", arg, 100000000, &o->suspects.top) ? EXIT_USAGE : 0;
	case CLI_OPT_PRETRAINED:
		o->suspects.pretrained = 1;
		return 0;
	case CLI_OPT_MAP:
		if (!strchr(arg, '=') || o->suspects.nmaps == CLI_MAX_MAPS)
			return cli_usage_error("--map takes FOLDER=Class, not '%s'", arg);
		o->maps[o->suspects.nmaps++] = arg;
		return 0;
	case CLI_OPT_HELP:
		fputs(o->usage, stdout);
		return CLI_OPTIONS_DONE;
	case CLI_OPT_VERSION:
		cli_print_version();
		return CLI_OPTIONS_DONE;
	default:
		return cli_usage_error("see '%s --help'", cli_prog);
	}
}

/* A code cli_options_parse() takes: a common option's, or getopt's '?'. */
static int is_common(int code)
{
	return code == CLI_OPT_PATH || code == CLI_OPT_JOBS || code == CLI_OPT_QUIET ||
	       code == CLI_OPT_HELP || code == '?' || code >= CLI_OPT_DB;
}

int cli_getopt(struct cli_options *o, int argc, char **argv, const char *shortopts,
	       const struct option *opts)
{
	int code, rc;

	while ((code = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (!is_common(code))
			return code;
		rc = cli_options_parse(o, code, optarg);
		if (rc) {
			o->status = rc == CLI_OPTIONS_DONE ? EXIT_DONE : rc;
			return CLI_OPTIONS_STOP;
		}
	}
	return -1;
}

int cli_operands(struct cli_options *o, int argc, char **argv, int flags)
{
	if ((flags & CLI_PATH_OPERAND) && optind < argc && !o->path)
		o->path = argv[optind++];
	if (optind < argc)
		o->status = cli_usage_error("unexpected argument '%s'", argv[optind]);
	else if ((flags & CLI_PATH_NEEDED) && !o->path)
		o->status = cli_usage_error("which folder? give --path DIR");
	else
		return 0;
	return -1;
}

int cli_parse_options(struct cli_options *o, int argc, char **argv, const char *shortopts,
		      const struct option *opts, int flags)
{
	if (cli_getopt(o, argc, argv, shortopts, opts) == CLI_OPTIONS_STOP)
		return -1;
	return cli_operands(o, argc, argv, flags);
}

int cli_options_lead(struct cli_options *o, const struct option *opts, int argc, char **argv,
		     int *next)
{
	int word, code, rc = 0;

	/* "+": stop at the subcommand; no message: the command names the word */
	opterr = 0;
	do {
		word = optind;
		code = getopt_long(argc, argv, "+h", opts, NULL);
	} while (code != -1 && code != '?' && !(rc = cli_options_parse(o, code, optarg)));
	opterr = 1;
	optind = 0;
	*next = word;
	return rc;
}
