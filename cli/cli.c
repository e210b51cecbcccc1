/* Shared command-line helpers: messages, option values, the catalog. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/base.h"
#include "catalog/catalog.h"

const char *cli_prog = "winnow";

static void vreport(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cli_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

void cli_file_error(const char *path, const char *cause)
{
	struct strbuf q = STRBUF_INIT;

	if (quote_c(&q, path))
		fprintf(stderr, "%s: %s: %s\n", cli_prog, path, cause);
	else
		fprintf(stderr, "%s: %s: %s\n", cli_prog, q.buf, cause);
	strbuf_release(&q);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", cli_prog);
	return EXIT_USAGE;
}

int cli_fatal(const struct wn_err *err)
{
	cli_error("%s", err->msg);
	return EXIT_FATAL;
}

int cli_subcommand(const struct cli_subcommand *cmds, size_t n, int argc, char **argv)
{
	static char prog[64];

	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[0], cmds[i].name)) {
			snprintf(prog, sizeof(prog), "%s %s", cli_prog, cmds[i].name);
			cli_prog = prog;
			return cmds[i].fn(argc, argv);
		}
	return -1;
}

void cli_test_kill_point(void)
{
	static atomic_long acts;
	const char *s = getenv("WINNOW_TEST_KILL_AFTER");
	long after = s ? strtol(s, NULL, 10) : 0;

	if (after > 0 && atomic_fetch_add(&acts, 1) + 1 == after)
		raise(SIGKILL);
}

static const char *db_default;

void cli_set_db_default(const char *path)
{
	db_default = path;
}

const char *cli_db_path(const char *opt)
{
	const char *env = getenv("WINNOW_DB");

	if (opt && *opt)
		return opt;
	if (db_default && *db_default)
		return db_default;
	return env && *env ? env : "winnow.db";
}

int cli_open_catalog(const char *opt, enum catalog_mode mode, struct catalog **cat)
{
	struct wn_err err;

	if (catalog_open(cli_db_path(opt), mode, cat, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FATAL;
	}
	cli_note_recovery(*cat);
	return 0;
}

void cli_note_recovery(const struct catalog *cat)
{
	const struct journal_recovery *r = catalog_recovered(cat);

	if (!r->done && !r->dropped && !r->leftovers)
		return;
	fprintf(stderr, "%s: settled what a killed run left: %" PRIu64 " actions done, %" PRIu64
		" not done, %" PRIu64 " temporary files removed\n", cli_prog, r->done, r->dropped,
		r->leftovers);
}

int cli_parse_format(const char *s, enum out_format *out)
{
	if (!strcmp(s, "text"))
		*out = FMT_TEXT;
	else if (!strcmp(s, "csv"))
		*out = FMT_CSV;
	else if (!strcmp(s, "jsonl"))
		*out = FMT_JSONL;
	else {
		cli_usage_error("--format takes text, csv or jsonl, not '%s'", s);
		return -1;
	}
	return 0;
}

int cli_parse_uint(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v == 0 || v > max) {
		cli_usage_error("%s takes a whole number from 1 to %" PRIu64 ", not '%s'", opt,
				max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_int(const char *opt, const char *s, int max, int *out)
{
	uint64_t v;

	if (cli_parse_uint(opt, s, (uint64_t)max, &v))
		return -1;
	*out = (int)v;
	return 0;
}

int cli_parse_jobs(const char *s, int *out)
{
	return cli_parse_int("-j", s, 1024, out);
}

int cli_parse_bytes(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (!isdigit((unsigned char)*s) || *end || errno || v == 0 || v > (UINT64_MAX >> 30)) {
		cli_usage_error("%s takes a size such as 64M, 500k or 1048576, not '%s'", opt, s);
		return -1;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

void cli_human_bytes(uint64_t n, char *buf, size_t len)
{
	human_bytes(n, buf, len);
}
