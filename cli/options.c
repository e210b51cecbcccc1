/* The common options' values and checks (options.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

void cli_options_init(struct cli_options *o, const char *usage)
{
	o->usage = usage;
	o->jobs = 0;
	o->quiet = 0;
	o->db = NULL;
	o->path = NULL;
	o->out = NULL;
	o->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	o->limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	o->quality = 90;
	o->model = "mobilenet_v2";
	o->prep = NN_PREP_DEFAULT;
	memset(&o->suspects, 0, sizeof(o->suspects));
	o->suspects.maps = o->maps;
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
	case CLI_OPT_DB:
		o->db = arg;
		return 0;
	case CLI_OPT_PATH: o->path = arg; return 0;
	case CLI_OPT_OUT: o->out = arg; return 0;
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
		if (cli_parse_uint("--quality", arg, 100, &v))
			return EXIT_USAGE;
		o->quality = (int)v;
		return 0;
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
