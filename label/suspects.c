/* label suspects: confident learning on out-of-sample probabilities, most
 * likely mislabel first. The trained head's cross-validated probabilities
 * when there are some; else the pretrained model's, when every folder
 * maps onto one of its classes. Images with a copy in another class
 * folder (exact, or in a group of dedup's last run) come first. */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "learn/learn.h"
#include "catalog/catalog.h"
#include "label.h"

static const char usage[] =
	"usage: label suspects --path DIR [--top N] [--format F] [options]\n"
	"\n"
	"Lists the images most likely to sit in the wrong class folder, by confident\n"
	"learning (Northcutt et al. 2021: per-class thresholds, the confident joint,\n"
	"pruning by noise rate) on out-of-sample probabilities, most likely first\n"
	"(ranked by self-confidence). The probabilities are the trained head's\n"
	"(label train) when there are some, else the pretrained model's when every\n"
	"folder maps onto one of its classes: case-insensitively, singular or plural\n"
	"(drawings -> Drawing), or as --map says. Images with a copy in another\n"
	"class folder (the same bytes, or a near copy in a group of dedup's last\n"
	"run) are listed first.\n"
	"\n"
	"Columns: path, given (the folder), predicted (the likeliest class),\n"
	"confidence (its probability), score (how likely the folder is wrong, 0..1:\n"
	"1 - p of the folder's class).\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (DIR/<class>/<file>)\n"
	"  --top N           the N likeliest mislabels, flagged or not (default: the\n"
	"                    ones confident learning flags)\n"
	"  --model NAME      whose predictions (default mobilenet_v2); a head trained\n"
	"                    on NAME,NAME is read with the same --model\n"
	"  --nsfwjs-compat   those of 'label predict --nsfwjs-compat'\n"
	"  --pretrained      use the model's own classes even when a head exists\n"
	"  --map F=C         folder F is the model's class C (repeatable)\n"
	"  --format F        text (default), csv or jsonl\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label suspects --path train --format csv > suspects.csv\n"
	"  label suspects --path train --top 500\n"
	"  label suspects --path data --pretrained --map nsfw=Porn --map safe=Neutral\n"
	"\n"
	"Exit status: 0 done; 2 bad usage, no predictions, or folders that map onto\n"
	"no class; 3 fatal.\n";

struct suspects_opts label_suspects_opts(const struct cli_options *co)
{
	struct suspects_opts o = co->suspects;

	o.prep = co->prep;
	o.model_key = nn_model_key(co->model);
	return o;
}

static const char *const cols[] = { "path", "given", "predicted", "confidence", "score" };

int cmd_suspects(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		CLI_OPTIONS_SUSPECTS,
		CLI_OPTION_FORMAT,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct suspects_opts o = { 0 };
	struct suspect_list l = { 0 };
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT;
	struct cli_options co;
	const char *root;
	struct table t;
	int rc = EXIT_FATAL, found;

	cli_options_init(&co, usage);
	if (cli_parse_options(&co, argc, argv, "p:h", opts, CLI_PATH_NEEDED))
		return co.status;
	root = co.path;
	o = label_suspects_opts(&co);
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &cat, &err) ||
	    catalog_rel_prefix(cat, root, &prefix, &err))
		goto fail;
	found = suspects_find(cat, prefix.len ? prefix.buf : NULL, &o, &l, &err);
	if (found < 0)
		goto fail;
	if (found > 0) {
		cli_error("%s: %s", root, err.msg);
		rc = EXIT_USAGE;
		goto done;
	}
	table_begin(&t, co.format, stdout, cols, 5);
	for (size_t i = 0; i < l.n; i++) {
		char v[32];

		table_str(&t, l.s[i].path);
		table_str(&t, l.s[i].given);
		table_str(&t, l.s[i].predicted);
		snprintf(v, sizeof(v), "%.6f", l.s[i].confidence);
		table_str(&t, v);
		snprintf(v, sizeof(v), "%.6f", l.s[i].score);
		table_str(&t, v);
		table_end_row(&t);
	}
	if (table_end(&t)) {
		wn_fail(&err, WN_EIO, "cannot write the list");
		goto fail;
	}
	fprintf(stderr, "label suspects: %zu images (%s%s probabilities), %zu flagged by confident "
		"learning, %zu listed; %zu in two class folders\n", l.images,
		!strcmp(l.source, "head") ? "cv:" : "", o.model_key, l.flagged, l.n - l.nconflicts,
		l.nconflicts);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	suspects_free(&l);
	strbuf_release(&prefix);
	catalog_close(cat);
	return rc;
}
