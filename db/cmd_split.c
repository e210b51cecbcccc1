/* db split: train/val/test manifests, stratified by class, where no group
 * of copies straddles two splits (so no test image has a copy in train).
 * Groups are found here from the catalog's hashes: equal XXH3-128, or the
 * near, mirrored and rotated pairs dedup finds (dupes_pairs()), and crops
 * where the catalog holds crop features, joined transitively. The
 * assignment is learn's (learn/split.h), and so is the split written as
 * class folders or WebDataset shards (learn/layout.h); the CSV manifests
 * are written here. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cmds.h"
#include "hash/hash.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "dupes/dupes.h"
#include "learn/learn.h"

static const char usage[] =
	"usage: db split --out DIR [--val F] [--test F] [--seed S] [--path DIR]\n"
	"                [--layout csv|folders|webdataset] [--link hard|sym|copy]\n"
	"                [--shard-size N] [--exclude-issues KIND,...] [options]\n"
	"\n"
	"Splits every catalogued image with a class into train, val and test,\n"
	"stratified so each class is split in the proportions asked, and with\n"
	"every group of copies kept in one split, so no validation or test image\n"
	"has a copy in train. Groups are found from the catalog's hashes (the\n"
	"same XXH3-128, or near, mirrored or rotated copies as dedup finds them\n"
	"with its defaults, and crops where the catalog holds crop features: see\n"
	"--crops) and joined transitively; 'group' is 0 for an image\n"
	"alone, else a number shared by its group. The assignment is\n"
	"repeatable: the same seed gives the same split.\n"
	"\n"
	"Layouts:\n"
	"  csv         DIR/train.csv, DIR/val.csv and DIR/test.csv (columns path,\n"
	"              class, group, width, height); DIR is made when missing\n"
	"  folders     DIR/{train,val,test}/<class>/<file>, as Keras\n"
	"              flow_from_directory and torchvision ImageFolder read them;\n"
	"              each split written has every class's folder (empty if need\n"
	"              be), so class indices agree; a name taken twice in a folder\n"
	"              becomes NAME~2.EXT, NAME~3.EXT, ... in path order\n"
	"  webdataset  DIR/<split>/<split>-000000.tar, -000001.tar, ...: ustar\n"
	"              shards of --shard-size samples in an order the seed mixes;\n"
	"              sample KEY (its index in the split, nine digits) is KEY.jpg\n"
	"              (.png, .gif, .webp: the file's bytes), KEY.cls (its class's\n"
	"              line in DIR/classes.txt, from 0) and KEY.json (path, class,\n"
	"              group, width, height, size)\n"
	"Only splits that have images are written. folders and webdataset write\n"
	"DIR/classes.txt (the classes by name) and DIR/.winnow-split, build the\n"
	"split beside DIR and swap it in whole: DIR holds one run's split or the\n"
	"one before, never a mix. A DIR that is not empty and has no\n"
	".winnow-split is refused.\n"
	"\n"
	"Options:\n"
	"  --out DIR         where the split goes\n"
	"  --val F           the share for validation, 0..1 (default 0.1)\n"
	"  --test F          the share for test, 0..1 (default 0.1)\n"
	"  --seed S          the seed of the assignment (default 0)\n"
	"  --path DIR        only images under DIR (default: the whole catalog)\n"
	"  --layout L        csv (default), folders or webdataset\n"
	"  --link K          folders: hard links (default; copies where the file\n"
	"                    system refuses them, with a note), sym (absolute\n"
	"                    symbolic links) or copy\n"
	"  --shard-size N    webdataset: samples a shard (default 1000)\n"
	"  -q, --quiet       no progress line\n"
	"  --crops           compute the crop features images lack first (as\n"
	"                    dedup --crops does; reads those files once), and\n"
	"                    record the crop search (a search dedup or a split\n"
	"                    recorded for the same images is reused)\n"
	"  --exclude-issues KIND,...  leave out the images db issues finds with\n"
	"                    these issues at its default thresholds (blurry, dark,\n"
	"                    light, low_information, grayscale, odd_aspect_ratio,\n"
	"                    odd_size, outlier: by mobilenet_v2's embeddings)\n"
	"  --db FILE         the catalog\n"
	"\n"
	"Examples:\n"
	"  db scan train && db split --out splits --seed 1\n"
	"  db split --out splits --val 0.15 --test 0.15 --path data\n"
	"  db split --out sets --layout folders    # flow_from_directory('sets/train')\n"
	"  db split --out sets --layout folders --link copy\n"
	"  db split --out splits --exclude-issues blurry,low_information,odd_size\n"
	"  db split --out shards --layout webdataset --shard-size 5000\n"
	"      # wds.WebDataset('shards/train/train-{000000..000009}.tar')\n"
	"\n"
	"Exit status: 0 done; 2 bad usage, or DIR not a split to replace; 3 fatal,\n"
	"or some images could not be read (each named; DIR is left as it was).\n";

struct img_entry {
	int64_t id;
	char *path, *class_name;
	uint8_t xxh3[16];
	int has_fp;
	uint64_t dhash;
	uint8_t thumb[THUMB_BYTES];
	int width, height;
	size_t parent;            /* union-find */
	int cls;
};

struct split {
	struct img_entry *e;
	size_t n, cap;
	char **classes;
	int k;
	int oom;
	struct split_item *place; /* n: each entry's class, group and part */
};

static int collect(const struct image_row *r, void *data)
{
	struct split *s = data;
	struct img_entry *e;

	if (!r->class_name || !r->has_xxh3)
		return 0;
	if (ARRAY_GROW(s->e, s->cap, s->n, 1024))
		return s->oom = 1;
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->id = r->id;
	e->path = strdup(r->path);
	e->class_name = strdup(r->class_name);
	memcpy(e->xxh3, r->xxh3, 16);
	e->has_fp = r->has_fingerprint;
	e->dhash = r->dhash;
	if (r->has_fingerprint)
		memcpy(e->thumb, r->thumb, THUMB_BYTES);
	e->width = r->width;
	e->height = r->height;
	e->parent = s->n;
	s->n++;
	return e->path && e->class_name ? 0 : (s->oom = 1);
}

static size_t find(struct img_entry *e, size_t i)
{
	while (e[i].parent != i) {
		e[i].parent = e[e[i].parent].parent;
		i = e[i].parent;
	}
	return i;
}

static void join(struct img_entry *e, size_t a, size_t b)
{
	a = find(e, a);
	b = find(e, b);
	if (a != b)
		e[a > b ? a : b].parent = a > b ? b : a;
}

static int cmp_xxh3(const void *a, const void *b, void *ctx)
{
	const struct img_entry *e = ctx;

	return memcmp(e[*(const size_t *)a].xxh3, e[*(const size_t *)b].xxh3, 16);
}

static void crop_problem(const char *path, const char *cause, void *data)
{
	(void)data;
	cli_file_error(path, cause);
}

/* The crop features of the candidates idx[0..n), as the catalog holds
 * them (computed first when compute): (*feats)[k] is idx[k]'s or NULL. */
static int crop_features(struct split *s, struct catalog *cat, const size_t *idx, size_t n,
			 int compute, struct dupes_crops **crops, const struct feat ***feats,
			 struct wn_err *err)
{
	struct dupes_crop_image *img = calloc(n + 1, sizeof(*img));

	*feats = calloc(n + 1, sizeof(**feats));
	if (!img || !*feats) {
		free(img);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < n; k++)
		img[k] = (struct dupes_crop_image){ s->e[idx[k]].id, s->e[idx[k]].xxh3,
						    s->e[idx[k]].path };
	if (dupes_crops_load(cat, img, n, compute, 0, crop_problem, NULL, crops, err)) {
		free(img);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		(*feats)[k] = dupes_crops_get(*crops, k);
	free(img);
	return 0;
}

/* The crop pairs among the candidates idx[0..n) with features, as a
 * recorded search found them (dedup's, or an earlier split's, of the same
 * images), or searched now and, when write, recorded; joined. */
static int join_crops(struct split *s, struct catalog *cat, const size_t *idx,
		      const struct dupes_pairs_in *in, int write, int *searched,
		      struct wn_err *err)
{
	int64_t *ids = malloc((in->n + 1) * sizeof(*ids));
	uint8_t *xxh3 = malloc((in->n + 1) * 16);
	struct dupes_pair *p = NULL;
	size_t np = 0;
	int rc = -1;

	if (!ids || !xxh3) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < in->n; k++) {
		ids[k] = s->e[idx[k]].id;
		memcpy(xxh3 + 16 * k, s->e[idx[k]].xxh3, 16);
	}
	if (dupes_crop_pairs_recorded(cat, in, ids, xxh3, write, &p, &np, searched, err))
		goto out;
	for (size_t k = 0; k < np; k++)
		join(s->e, idx[p[k].a], idx[p[k].b]);
	rc = 0;
out:
	free(p);
	free(ids);
	free(xxh3);
	return rc;
}

/* Joins every pair of visual copies, as dedup finds them with its
 * defaults (near, mirrored or rotated, confirmed on the thumbnails) and
 * crops where there are crop features (computed first when compute,
 * which also records a crop search it makes). *searched: 1 when it
 * searched for crops. */
static int join_visual(struct split *s, struct catalog *cat, int compute, int *searched,
		       struct wn_err *err)
{
	struct dupes_crops *crops = NULL;
	const struct feat **feats = NULL;
	size_t *idx = malloc((s->n + 1) * sizeof(*idx)), n = 0, np = 0;
	uint64_t *hash = malloc((s->n + 1) * sizeof(*hash));
	uint8_t *thumbs = malloc((s->n + 1) * THUMB_BYTES);
	struct dupes_pair *p = NULL;
	int ret = -1;

	*searched = 0;
	if (!idx || !hash || !thumbs) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].has_fp && !thumb_is_flat(s->e[i].thumb)) {
			hash[n] = s->e[i].dhash;
			memcpy(thumbs + n * THUMB_BYTES, s->e[i].thumb, THUMB_BYTES);
			idx[n++] = i;
		}
	struct dupes_pairs_in in = {
		n, hash, thumbs, NULL,
		DUPES_MATCH_NEAR | DUPES_MATCH_MIRROR | DUPES_MATCH_ROTATE | DUPES_MATCH_CROP,
		DUPES_DEFAULT_THRESHOLD, DUPES_DEFAULT_SIMILARITY, 0, NULL, 0,  /* all cores */
	};
	if (crop_features(s, cat, idx, n, compute, &crops, &feats, err))
		goto out;
	in.crops = feats;
	if (join_crops(s, cat, idx, &in, compute, searched, err))
		goto out;
	in.crops = NULL;   /* found above */
	if (dupes_pairs(&in, &p, &np, err))
		goto out;
	for (size_t k = 0; k < np; k++)
		join(s->e, idx[p[k].a], idx[p[k].b]);
	ret = 0;
out:
	free(p);
	free(feats);
	dupes_crops_free(crops);
	free(idx);
	free(hash);
	free(thumbs);
	return ret;
}

/* The entries' places: groups are the union-find's roots. */
static int assign(struct split *s, double val, double test, uint64_t seed, struct wn_err *err)
{
	s->place = calloc(s->n ? s->n : 1, sizeof(*s->place));
	if (!s->place)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++) {
		s->place[i].cls = s->e[i].cls;
		s->place[i].group = find(s->e, i);
		memcpy(s->place[i].xxh3, s->e[i].xxh3, 16);
	}
	return split_assign(s->place, s->n, s->k, val, test, seed, err);
}

static int write_manifests(const struct split *s, const char *out, size_t counts[3],
			   struct wn_err *err)
{
	static const char *const names[] = { "train", "val", "test" };
	static const char *const cols[] = { "path", "class", "group", "width", "height" };

	for (int t = 0; t < 3; t++) {
		struct strbuf path = STRBUF_INIT, body = STRBUF_INIT;
		FILE *mem;
		char *buf = NULL;
		size_t len = 0;
		struct table tb;
		int bad;

		mem = open_memstream(&buf, &len);
		if (!mem)
			return wn_fail(err, WN_ENOMEM, "out of memory");
		table_begin(&tb, FMT_CSV, mem, cols, 5);
		counts[t] = 0;
		for (size_t i = 0; i < s->n; i++) {
			if ((int)s->place[i].part != t)
				continue;
			table_str(&tb, s->e[i].path);
			table_str(&tb, s->e[i].class_name);
			table_int(&tb, (int64_t)s->place[i].group_no);
			table_int(&tb, s->e[i].width);
			table_int(&tb, s->e[i].height);
			table_end_row(&tb);
			counts[t]++;
		}
		bad = table_end(&tb) | fclose(mem);
		strbuf_addf(&path, "%s/%s.csv", out, names[t]);
		bad = bad || write_file_atomic(path.buf, buf, len, 0, err);
		free(buf);
		strbuf_release(&path);
		strbuf_release(&body);
		if (bad)
			return err->code ? -1 : wn_fail(err, WN_EIO, "%s: cannot write", out);
	}
	return 0;
}

static int cmp_issue_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct issue_image *)elem)->path);
}

/* --exclude-issues: the images found with any of the issues in bits (as
 * db issues judges them, at its defaults) taken out of s, with a note. */
static int exclude_issues(struct split *s, struct catalog *cat, const char *prefix,
			  unsigned bits, struct wn_err *err)
{
	struct issue_set r = { 0 };
	struct issue_opts o;
	size_t kept = 0, out[QI_COUNT] = { 0 };

	issue_opts_init(&o, "mobilenet_v2", nn_prep_name(NN_PREP_DEFAULT));
	o.wanted = bits;
	if (issues_judge(cat, prefix, &o, &r, err)) {
		issue_set_release(&r);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct issue_image *j = bsearch(s->e[i].path, r.v, r.n, sizeof(*r.v),
						      cmp_issue_path);

		if (!j || !j->found) {
			s->e[kept++] = s->e[i];
			continue;
		}
		for (int k = 0; k < QI_COUNT; k++)
			out[k] += !!(j->found & 1u << k);
		free(s->e[i].path);
		free(s->e[i].class_name);
	}
	fprintf(stderr, "db split: %zu images left out for their issues:", s->n - kept);
	for (int k = 0; k < QI_COUNT; k++)
		if (bits & 1u << k)
			fprintf(stderr, " %s %zu", quality_issue_name(k), out[k]);
	fputc('\n', stderr);
	if (r.missing)
		fprintf(stderr, "db split: %lld images have no quality signals yet (kept): run "
			"'db scan'\n", (long long)r.missing);
	if (bits & 1u << QI_OUTLIER && !r.embeddings)
		fprintf(stderr, "db split: no image embeddings for outlier: run 'label predict'\n");
	s->n = kept;
	issue_set_release(&r);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_share(const char *opt, const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !(*out >= 0 && *out < 1))
		return cli_usage_error("%s takes a share from 0 to 1, not '%s'", opt, s);
	return 0;
}

/* How the split is written: the CSV manifests (here), or a layout. */
struct split_out {
	int csv;
	struct layout_opts lo;
	int link_given;
	int quiet;
	double val, test;
};

/* The value of --layout or --link: the index of s among the three names,
 * or -1 after a usage error. */
static int pick(const char *opt, const char *s, const char *const *names)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i]))
			return i;
	cli_usage_error("%s takes %s, %s or %s, not '%s'", opt, names[0], names[1], names[2], s);
	return -1;
}

/* --layout, --link or --shard-size (getopt's code c) into so.
 * @return 0, or -1 after a usage error. */
static int parse_split_out(struct split_out *so, int c, const char *arg)
{
	static const char *const layouts[] = { "csv", "folders", "webdataset" };
	static const char *const links[] = { "hard", "sym", "copy" };
	int v;

	if (c == 'z')
		return cli_parse_uint("--shard-size", arg, 100000000, &so->lo.shard_size);
	if (c == 'l') {
		v = pick("--layout", arg, layouts);
		so->csv = v == 0;
		so->lo.kind = v == 2 ? LAYOUT_WEBDATASET : LAYOUT_FOLDERS;
	} else {
		v = pick("--link", arg, links);
		so->lo.link = (enum layout_link)v;
		so->link_given = 1;
	}
	return v < 0 ? -1 : 0;
}

/* The options agree with each other and with what is at out.
 * @return 0, or -1 after a usage error. */
static int check_split_out(struct split_out *so, const char *out)
{
	if (so->link_given && (so->csv || so->lo.kind != LAYOUT_FOLDERS))
		return cli_usage_error("--link goes with --layout folders");
	if (so->lo.shard_size && (so->csv || so->lo.kind != LAYOUT_WEBDATASET))
		return cli_usage_error("--shard-size goes with --layout webdataset");
	if (!so->lo.shard_size)
		so->lo.shard_size = 1000;
	/* the manifests would sit beside another layout's split */
	if (so->csv && stage_holds_marker(out, LAYOUT_MARKER))
		return cli_usage_error("%s holds a split in another layout: give another --out, "
				       "or that --layout", out);
	return 0;
}

/* The run, as the marker file keeps it. */
static int layout_note(const struct split_out *so, const size_t counts[3], struct strbuf *note)
{
	const struct layout_opts *lo = &so->lo;
	static const char *const links[] = { "hard", "sym", "copy" };
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (lo->kind == LAYOUT_FOLDERS
	    ? strbuf_addf(note, "db split --layout folders --link %s", links[lo->link])
	    : strbuf_addf(note, "db split --layout webdataset --shard-size %" PRIu64,
			  lo->shard_size))
		return -1;
	return strbuf_addf(note, " --val %g --test %g --seed %" PRIu64 "\n"
			   "images: %zu train, %zu val, %zu test\nmade %s by pid %ld\n",
			   so->val, so->test, lo->seed, counts[0], counts[1], counts[2], when,
			   (long)getpid());
}

static void print_unreadable(const char *path, const char *cause, void *ctx)
{
	(void)ctx;
	cli_file_error(path, cause);
}

/* The notes and the summary of a layout written at out. */
static void print_layout_done(const struct split *s, const struct split_out *so,
			      const struct layout_result *res, const char *out)
{
	static const char *const parts[] = { "train", "val", "test" };
	static const char *const as[] = { "class folders of hard links",
					  "class folders of symbolic links",
					  "class folders of copies" };

	if (res->copied)
		fprintf(stderr, "%s: note: %zu images copied, not hard-linked: %s%s (%s)\n",
			cli_prog, res->copied, res->copy_why == EXDEV ? out : "",
			res->copy_why == EXDEV ? " is on another file system than the dataset"
					       : "links to them are not permitted",
			strerror(res->copy_why));
	for (int t = 0; t < 3; t++)
		if (res->empty_classes[t])
			fprintf(stderr, "%s: note: %s/%s has no image of %d of the %d classes; their "
				"folders are empty\n", cli_prog, out, parts[t], res->empty_classes[t],
				s->k);
	fprintf(stderr, "%s: %zu images in %d classes: %zu train, %zu val, %zu test (seed %" PRIu64
		"); duplicate groups kept whole; in %s/ as %s\n", cli_prog, s->n, s->k,
		res->counts[0], res->counts[1], res->counts[2], so->lo.seed, out,
		so->lo.kind == LAYOUT_WEBDATASET ? "WebDataset shards" : as[so->lo.link]);
}

/* The split written at out in so's layout, its images read under root
 * (--path, or the catalog's folder). @return the exit status, after
 * printing what happened. */
static int write_layout(const struct split *s, struct split_out *so, const char *out,
			const char *root, size_t prefix_len, struct catalog *cat)
{
	struct layout_image *im = calloc(s->n + 1, sizeof(*im));
	struct strbuf note = STRBUF_INIT;
	struct layout_result res;
	struct wn_err err = { 0 };
	size_t counts[3] = { 0 };
	char *real = NULL;
	int rc = EXIT_FATAL, r;

	for (size_t i = 0; im && i < s->n; i++) {
		const struct img_entry *e = &s->e[i];

		im[i] = (struct layout_image){ e->path, e->path + prefix_len, e->class_name, e->cls,
					       s->place[i].part, s->place[i].group_no, e->width,
					       e->height, { 0 } };
		memcpy(im[i].xxh3, e->xxh3, 16);
		counts[s->place[i].part]++;
	}
	root = root ? root : catalog_dir(cat);
	so->lo.out = out;
	so->lo.classes = (const char *const *)s->classes;
	so->lo.k = s->k;
	so->lo.unreadable = print_unreadable;
	so->lo.after_act = cli_test_kill_point;
	if (!im || layout_note(so, counts, &note)) {
		wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	so->lo.note = note.buf;
	if ((so->lo.root = dspath_open_root(root, 0, &err)) < 0)
		goto fail;
	if (!(real = realpath(root, NULL))) {
		wn_fail(&err, WN_EIO, "%s: %s", root, strerror(errno));
		goto fail;
	}
	so->lo.root_real = real;
	so->lo.progress = progress_start(so->quiet ? NULL : progress_stream_for(), "split", s->n);
	r = layout_write(&so->lo, im, s->n, &res, &err);
	progress_finish(so->lo.progress);
	if (r < 0) {
		rc = cli_fatal(&err);
		rc = res.refused ? EXIT_USAGE : rc;
	} else if (r > 0) {
		cli_error("%zu images could not be read: %s left as it was", res.unreadable, out);
	} else {
		print_layout_done(s, so, &res, out);
		rc = EXIT_DONE;
	}
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	if (so->lo.root >= 0)
		close(so->lo.root);
	free(real);
	free(im);
	strbuf_release(&note);
	return rc;
}

int cmd_split(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "val", required_argument, NULL, 'v' },
		{ "test", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "crops", no_argument, NULL, 'c' },
		CLI_OPTION_PATH,
		{ "layout", required_argument, NULL, 'l' },
		{ "link", required_argument, NULL, 'k' },
		{ "shard-size", required_argument, NULL, 'z' },
		{ "exclude-issues", required_argument, NULL, 'x' },
		CLI_OPTION_QUIET,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct split s = { 0 };
	int crops = 0, searched = 0;
	unsigned exclude = 0;
	struct catalog *cat = NULL;
	struct wn_err err = { 0 };
	struct strbuf prefix = STRBUF_INIT;
	struct image_filter filter = { NULL, IMAGE_OK, NULL };
	struct cli_options co;
	const char *out = NULL, *root;
	double val = 0.1, test = 0.1;
	uint64_t seed = 0;
	struct split_out so = { 1, { .root = -1 }, 0, 0, 0, 0 };
	size_t counts[3];
	int rc = EXIT_FATAL, c;

	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "qh", opts)) >= 0) {
		switch (c) {
		case 'l': case 'k': case 'z':
			if (parse_split_out(&so, c, optarg))
				return EXIT_USAGE;
			break;
		case 'o': out = optarg; break;
		case 'c': crops = 1; break;
		case 'x':
			if (quality_issues_parse(optarg, &exclude, &err))
				return cli_usage_error("--exclude-issues: %s", err.msg);
			break;
		case 'v': if (parse_share("--val", optarg, &val)) return EXIT_USAGE; break;
		case 't': if (parse_share("--test", optarg, &test)) return EXIT_USAGE; break;
		case 's':
			if (strcmp(optarg, "0") && cli_parse_uint("--seed", optarg, UINT64_MAX, &seed))
				return EXIT_USAGE;
			break;
		}
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, 0))
		return co.status;
	root = co.path;
	if (!out)
		return cli_usage_error("where to? give --out DIR");
	if (val + test >= 1)
		return cli_usage_error("--val and --test leave nothing for train");
	if (check_split_out(&so, out))
		return EXIT_USAGE;
	so.quiet = co.quiet;
	so.val = val;
	so.test = test;
	so.lo.seed = seed;
	if (cli_open_catalog(co.db, crops ? CATALOG_EXISTING : CATALOG_READONLY, &cat))
		return EXIT_FATAL;
	if (root) {
		if (catalog_rel_prefix(cat, root, &prefix, &err))
			goto fail;
		filter.path_prefix = prefix.len ? prefix.buf : NULL;
	}
	if (images_foreach(cat, &filter, collect, &s, &err) || s.oom) {
		if (s.oom)
			wn_fail(&err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	if (exclude && exclude_issues(&s, cat, filter.path_prefix, exclude, &err))
		goto fail;
	/* classes, sorted */
	for (size_t i = 0; i < s.n; i++) {
		int found = 0;

		for (int k = 0; k < s.k && !found; k++)
			found = !strcmp(s.classes[k], s.e[i].class_name);
		if (!found) {
			char **g = realloc(s.classes, (size_t)(s.k + 1) * sizeof(char *));

			if (!g) {
				wn_fail(&err, WN_ENOMEM, "out of memory");
				goto fail;
			}
			s.classes = g;
			s.classes[s.k++] = s.e[i].class_name;
		}
	}
	if (s.k)
		qsort(s.classes, (size_t)s.k, sizeof(char *), cmp_str);
	for (size_t i = 0; i < s.n; i++)
		for (int k = 0; k < s.k; k++)
			if (!strcmp(s.classes[k], s.e[i].class_name))
				s.e[i].cls = k;
	/* exact copies: equal hashes, sorted together */
	{
		size_t *ord = malloc((s.n ? s.n : 1) * sizeof(*ord));

		if (!ord) {
			wn_fail(&err, WN_ENOMEM, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < s.n; i++)
			ord[i] = i;
		qsort_r(ord, s.n, sizeof(*ord), cmp_xxh3, s.e);
		for (size_t i = 1; i < s.n; i++)
			if (!memcmp(s.e[ord[i]].xxh3, s.e[ord[i - 1]].xxh3, 16))
				join(s.e, ord[i], ord[i - 1]);
		free(ord);
	}
	/* visual copies */
	if (join_visual(&s, cat, crops, &searched, &err))
		goto fail;
	if (searched && !co.quiet)
		fprintf(stderr, "db split: searched the crop features for crops%s\n",
			crops ? " (recorded for an unchanged re-run)"
			      : " (not recorded: without --crops the catalog is read only)");
	if (assign(&s, val, test, seed, &err))
		goto fail;
	if (!so.csv) {
		rc = write_layout(&s, &so, out, root, prefix.len, cat);
		goto done;
	}
	if (mkdir(out, 0755) && errno != EEXIST) {
		wn_fail(&err, WN_EIO, "%s: %s", out, strerror(errno));
		goto fail;
	}
	if (write_manifests(&s, out, counts, &err))
		goto fail;
	fprintf(stderr, "db split: %zu images in %d classes: %zu train, %zu val, %zu test "
		"(seed %" PRIu64 "); duplicate groups kept whole; in %s/\n", s.n, s.k, counts[0],
		counts[1], counts[2], seed, out);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	for (size_t i = 0; i < s.n; i++) {
		free(s.e[i].path);
		free(s.e[i].class_name);
	}
	free(s.e);
	free(s.classes);
	free(s.place);
	strbuf_release(&prefix);
	catalog_close(cat);
	return rc;
}
