/* A split written as class folders or WebDataset shards (layout.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img/img.h"
#include "learn/layout.h"

static const char *const part_names[] = { "train", "val", "test" };

/* The run: what it writes, where from, and the scratch it writes with. */
struct writer {
	const struct layout_opts *o;
	const struct layout_image *images;
	size_t n;
	struct layout_result *res;
	struct stage stage;
	struct strbuf name, json;
};

/* A splitmix64 step: the seeded order of the shards' samples. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The image, opened under the root through dspath. @return the
 * descriptor, or -1 after handing the image to o->unreadable. */
static int open_image(struct writer *w, const struct layout_image *im, struct stat *st)
{
	struct wn_err err = { 0 };
	int fd = dspath_open_file(w->o->root, im->rel, st, &err);

	if (fd < 0) {
		w->res->unreadable++;
		if (w->o->unreadable)
			w->o->unreadable(im->path, wn_err_cause(&err, im->rel), w->o->ctx);
	}
	return fd;
}

/* The first of base, STEM~2.EXT, STEM~3.EXT, ... not taken in dir, in
 * w->name. @return 0, or -1 with errno set. */
static int free_name(struct writer *w, int dir, const char *base)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	struct stat st;

	strbuf_reset(&w->name);
	if (strbuf_addstr(&w->name, base))
		goto nomem;
	for (unsigned k = 2; !fstatat(dir, w->name.buf, &st, AT_SYMLINK_NOFOLLOW); k++) {
		strbuf_reset(&w->name);
		if (strbuf_add(&w->name, base, stem) ||
		    strbuf_addf(&w->name, "~%u%s", k, base + stem))
			goto nomem;
	}
	return errno == ENOENT ? 0 : -1;
nomem:
	errno = ENOMEM;
	return -1;
}

/* A hard link to the file open at fd, or a copy where the file system
 * refuses the link (another file system, links not permitted), counted. */
static int link_or_copy(struct writer *w, int fd, const char *path, int dir, const char *name,
			struct wn_err *err)
{
	if (!link_fd_at(fd, dir, name))
		return 0;
	if (errno != EXDEV && errno != EPERM && errno != EACCES && errno != EMLINK &&
	    errno != EOPNOTSUPP)
		return wn_fail(err, WN_EIO, "%s: cannot link it: %s", path, strerror(errno));
	if (!w->res->copied++)
		w->res->copy_why = errno;
	return copy_fd_at(fd, path, dir, name, NULL, 0, err);
}

static int place_symlink(struct writer *w, const struct layout_image *im, int dir,
			 struct wn_err *err)
{
	struct strbuf target = STRBUF_INIT;
	int ret = 0;

	if (strbuf_addf(&target, "%s/%s", w->o->root_real, im->rel))
		ret = wn_fail(err, WN_ENOMEM, "out of memory");
	else if (symlinkat(target.buf, dir, w->name.buf))
		ret = wn_fail(err, WN_EIO, "%s: cannot link to it: %s", im->path, strerror(errno));
	strbuf_release(&target);
	return ret;
}

/* The image put into the class folder dir as o->link says. @return 0
 * (an image that cannot be opened only counts), or -1 with err set. */
static int place_image(struct writer *w, const struct layout_image *im, int dir,
		       struct wn_err *err)
{
	const char *base = strrchr(im->rel, '/');
	struct stat st;
	int fd = open_image(w, im, &st), ret = -1;

	if (fd < 0)
		return 0;
	if (free_name(w, dir, base ? base + 1 : im->rel))
		wn_fail(err, WN_EIO, "%s: %s", im->path, strerror(errno));
	else if (w->o->link == LAYOUT_HARD)
		ret = link_or_copy(w, fd, im->path, dir, w->name.buf, err);
	else if (w->o->link == LAYOUT_COPY)
		ret = copy_fd_at(fd, im->path, dir, w->name.buf, NULL, 0, err);
	else
		ret = place_symlink(w, im, dir, err);
	close(fd);
	return ret;
}

static void acted(struct writer *w)
{
	progress_add(w->o->progress, 1, 0);
	if (w->o->after_act)
		w->o->after_act();
}

/* OUT/<part>/<class>/ for every class, opened into dirs[]; the classes
 * without an image of part t counted. */
static int make_class_folders(struct writer *w, int part, int t, int *dirs, struct wn_err *err)
{
	char *seen = calloc((size_t)w->o->k + 1, 1);

	if (!seen)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < w->n; i++)
		if ((int)w->images[i].part == t)
			seen[w->images[i].cls] = 1;
	for (int k = 0; k < w->o->k; k++) {
		const char *name = w->o->classes[k];

		w->res->empty_classes[t] += !seen[k];
		dirs[k] = mkdirat(part, name, 0755) ? -1
			: openat(part, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dirs[k] < 0) {
			free(seen);
			return wn_fail(err, WN_EIO, "%s/%s/%s: %s", w->o->out, part_names[t], name,
				       strerror(errno));
		}
	}
	free(seen);
	return 0;
}

/* OUT/<part>/ as class folders holding the part's images. */
static int write_folders(struct writer *w, int part, int t, struct wn_err *err)
{
	int *dirs = malloc((size_t)w->o->k * sizeof(*dirs) + 1), ret = -1;

	if (!dirs)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (int k = 0; k < w->o->k; k++)
		dirs[k] = -1;
	if (make_class_folders(w, part, t, dirs, err))
		goto out;
	for (size_t i = 0; i < w->n; i++) {
		if ((int)w->images[i].part != t)
			continue;
		if (place_image(w, &w->images[i], dirs[w->images[i].cls], err))
			goto out;
		acted(w);
	}
	ret = 0;
out:
	for (int k = 0; k < w->o->k; k++)
		if (dirs[k] >= 0)
			close(dirs[k]);
	free(dirs);
	return ret;
}

/* The shards of one part being written. */
struct shards {
	int part;                 /* OUT/<part>/ in the folder being built */
	int t;
	int fd;                   /* the shard being written, or -1 */
	struct tar tar;
	uint64_t samples;         /* in the shard being written */
	size_t shard_no;          /* shards begun */
	struct strbuf shown;      /* the shard's path, for messages */
};

static int shard_open(struct writer *w, struct shards *sh, struct wn_err *err)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%06zu.tar", part_names[sh->t], sh->shard_no++);
	strbuf_reset(&sh->shown);
	if (strbuf_addf(&sh->shown, "%s/%s/%s", w->o->out, part_names[sh->t], name))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	sh->fd = openat(sh->part, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (sh->fd < 0)
		return wn_fail(err, WN_EIO, "%s: %s", sh->shown.buf, strerror(errno));
	tar_init(&sh->tar, sh->fd, sh->shown.buf);
	sh->samples = 0;
	return 0;
}

static int shard_close(struct shards *sh, struct wn_err *err)
{
	int ret = tar_finish(&sh->tar, err);

	if (close(sh->fd) && !ret)
		ret = wn_fail(err, WN_EIO, "%s: %s", sh->shown.buf, strerror(errno));
	sh->fd = -1;
	return ret;
}

/* KEY.json: what the CSV manifest says of the image, and its bytes. */
static int sample_json(struct writer *w, const struct layout_image *im, int64_t size)
{
	strbuf_reset(&w->json);
	return strbuf_addstr(&w->json, "{\"path\":") || quote_json(&w->json, im->path) ||
	       strbuf_addstr(&w->json, ",\"class\":") || quote_json(&w->json, im->class_name) ||
	       strbuf_addf(&w->json, ",\"group\":%zu,\"width\":%d,\"height\":%d,\"size\":%" PRId64
			   "}", im->group_no, im->width, im->height, size);
}

/* The extension the image's first bytes call for, or NULL. */
static const char *sample_ext(int fd)
{
	static const char *const ext[] = {
		[IMG_JPEG] = "jpg", [IMG_PNG] = "png", [IMG_GIF] = "gif", [IMG_WEBP] = "webp",
	};
	uint8_t head[16];
	ssize_t got = pread(fd, head, sizeof(head), 0);
	enum img_format f = img_sniff(head, got > 0 ? (size_t)got : 0);

	return f == IMG_UNKNOWN ? NULL : ext[f];
}

/* Sample `key` of the shard being written: KEY.EXT, KEY.cls, KEY.json. */
static int write_sample(struct writer *w, struct shards *sh, size_t key,
			const struct layout_image *im, struct wn_err *err)
{
	char name[48], cls[16];
	const char *ext;
	struct stat st;
	int fd = open_image(w, im, &st), ret = -1;

	if (fd < 0)
		return 0;
	if (!(ext = sample_ext(fd))) {
		w->res->unreadable++;
		if (w->o->unreadable)
			w->o->unreadable(im->path, "not a JPEG, PNG, GIF or WebP file now", w->o->ctx);
		close(fd);
		return 0;
	}
	snprintf(cls, sizeof(cls), "%d", im->cls);
	snprintf(name, sizeof(name), "%09zu.%s", key, ext);
	if (tar_add_fd(&sh->tar, name, fd, (uint64_t)st.st_size, st.st_mtim.tv_sec, im->path, err))
		goto out;
	snprintf(name, sizeof(name), "%09zu.cls", key);
	if (tar_add(&sh->tar, name, cls, strlen(cls), st.st_mtim.tv_sec, err))
		goto out;
	snprintf(name, sizeof(name), "%09zu.json", key);
	if (sample_json(w, im, (int64_t)st.st_size)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	ret = tar_add(&sh->tar, name, w->json.buf, w->json.len, st.st_mtim.tv_sec, err);
out:
	close(fd);
	return ret;
}

struct ordered {
	uint64_t key;
	const struct layout_image *im;
};

static int cmp_ordered(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->im->path, y->im->path);
}

/* The images of part t in the seeded order the shards take them in, so
 * every shard mixes the classes. @return the array (n of them; the
 * caller frees it), or NULL out of memory. */
static struct ordered *part_order(const struct writer *w, int t, size_t *n)
{
	struct ordered *o = malloc((w->res->counts[t] ? w->res->counts[t] : 1) * sizeof(*o));
	uint64_t h;

	*n = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < w->n; i++) {
		if ((int)w->images[i].part != t)
			continue;
		memcpy(&h, w->images[i].xxh3, sizeof(h));
		o[*n].key = mix64(w->o->seed ^ mix64(h));
		o[(*n)++].im = &w->images[i];
	}
	qsort(o, *n, sizeof(*o), cmp_ordered);
	return o;
}

/* OUT/<part>/<part>-NNNNNN.tar, o->shard_size samples each. */
static int write_shards(struct writer *w, int part, int t, struct wn_err *err)
{
	struct shards sh = { part, t, -1, { 0 }, 0, 0, STRBUF_INIT };
	size_t n;
	struct ordered *o = part_order(w, t, &n);
	int ret = -1;

	if (!o)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	/* an image that cannot be read leaves a gap: the split is then not
	 * published, so keys need not be dense */
	for (size_t key = 0; key < n; key++) {
		if (sh.fd < 0 && shard_open(w, &sh, err))
			goto out;
		if (write_sample(w, &sh, key, o[key].im, err))
			goto out;
		if (++sh.samples == w->o->shard_size && shard_close(&sh, err))
			goto out;
		acted(w);
	}
	ret = sh.fd >= 0 ? shard_close(&sh, err) : 0;
out:
	if (sh.fd >= 0)
		close(sh.fd);
	strbuf_release(&sh.shown);
	free(o);
	return ret;
}

/* OUT/classes.txt: the classes, one a line; a sample's .cls is its
 * class's line from 0, the index Keras and torchvision give the class
 * folders too (they sort the names the same way: UTF-8 sorts by code
 * point as bytes). */
static int write_classes(struct writer *w, struct wn_err *err)
{
	struct strbuf text = STRBUF_INIT;
	int ret = 0;

	for (int k = 0; k < w->o->k && !ret; k++)
		ret = strbuf_addstr(&text, w->o->classes[k]) || strbuf_addch(&text, '\n');
	if (ret)
		ret = wn_fail(err, WN_ENOMEM, "out of memory");
	else
		ret = write_file_atomic_at(w->stage.dir, "classes.txt", NULL, text.buf, text.len, 0,
					   err);
	strbuf_release(&text);
	return ret;
}

/* Every part that has images, written into the folder being built. */
static int write_parts(struct writer *w, struct wn_err *err)
{
	for (int t = 0; t < 3; t++) {
		int part, ret;

		if (!w->res->counts[t])
			continue;
		if (mkdirat(w->stage.dir, part_names[t], 0755) ||
		    (part = openat(w->stage.dir, part_names[t],
				   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return wn_fail(err, WN_EIO, "%s/%s: %s", w->o->out, part_names[t],
				       strerror(errno));
		ret = w->o->kind == LAYOUT_FOLDERS ? write_folders(w, part, t, err)
						   : write_shards(w, part, t, err);
		close(part);
		if (ret)
			return -1;
	}
	return write_classes(w, err);
}

/* Class names become folder names and lines of classes.txt. */
static int check_classes(const struct layout_opts *o, struct wn_err *err)
{
	for (int k = 0; k < o->k; k++)
		if (!dspath_name_ok(o->classes[k], strlen(o->classes[k])) ||
		    strchr(o->classes[k], '\n'))
			return wn_fail(err, WN_EINVAL, "%s: a class whose name cannot be a folder's",
				       o->classes[k]);
	return 0;
}

int layout_write(const struct layout_opts *o, const struct layout_image *images, size_t n,
		 struct layout_result *res, struct wn_err *err)
{
	struct writer w = { o, images, n, res, STAGE_INIT, STRBUF_INIT, STRBUF_INIT };
	int ret = -1;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n; i++)
		res->counts[images[i].part]++;
	if (check_classes(o, err))
		return -1;
	if (stage_begin(&w.stage, o->out, LAYOUT_MARKER, o->note, err)) {
		res->refused = err && err->code == WN_EINVAL;
		return -1;
	}
	if (write_parts(&w, err))
		goto out;
	if (res->unreadable) {
		ret = 1;
		goto out;
	}
	ret = stage_commit(&w.stage, err);
out:
	stage_abort(&w.stage);
	strbuf_release(&w.name);
	strbuf_release(&w.json);
	return ret;
}
