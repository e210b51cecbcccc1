/* Depth-first walk of ROOT/<class>/..., sorted, never through symlinks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/walk.h"

struct walker {
	const struct walk_opts *opts;
	walk_fn fn;
	void *data;
	struct strbuf path;   /* root + "/" + rel */
	size_t rel_start;     /* offset of rel inside path */
	char *class_name;
	int max_depth;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void report(struct walker *w, int errnum, const char *what)
{
	char cause[256];

	if (!w->opts->on_error)
		return;
	snprintf(cause, sizeof(cause), "%s%s", what, strerror(errnum));
	w->opts->on_error(w->path.buf, cause, w->data);
}

static int is_companion(const char *name, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(name, base, n))
		return 0;
	name += n;
	return !strcmp(name, "-wal") || !strcmp(name, "-shm") || !strcmp(name, "-journal");
}

/* Reads a folder's names (minus hidden ones) into a sorted array; *errnum
 * is set when the listing stopped early (the names read so far are kept). */
static char **read_names(DIR *dir, size_t *count, int *errnum)
{
	char **names = NULL, **grown;
	size_t n = 0, alloc = 0;
	struct dirent *de;

	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			*errnum = errno;
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			grown = realloc(names, alloc * sizeof(*names));
			if (!grown)
				goto fail;
			names = grown;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto fail;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*count = n;
	return names ? names : calloc(1, sizeof(*names));
fail:
	while (n)
		free(names[--n]);
	free(names);
	return NULL;
}

static int walk_dir(struct walker *w, int fd, int depth);

static int visit(struct walker *w, int dirfd, const char *name, int depth)
{
	struct walk_entry e;
	struct stat st;
	int fd, ret;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		report(w, errno, "");
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		for (int k = 0; k < w->opts->nskip_dirs; k++)
			if (st.st_dev == w->opts->skip_dirs[k].dev &&
			    st.st_ino == w->opts->skip_dirs[k].ino)
				return 0;
		if (depth >= w->max_depth) {
			report(w, ELOOP, "too deep: ");
			return 0;
		}
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			report(w, errno, "");
			return 0;
		}
		if (depth == 0) {
			free(w->class_name);
			w->class_name = strdup(name);
			if (!w->class_name) {
				close(fd);
				report(w, ENOMEM, "");
				return 0;
			}
		}
		ret = walk_dir(w, fd, depth + 1);  /* closes fd */
		if (depth == 0) {
			free(w->class_name);
			w->class_name = NULL;
		}
		return ret;
	}
	if (!S_ISREG(st.st_mode))
		return 0;  /* symlinks, sockets, devices: not dataset files */
	if (w->opts->skip_ino && st.st_ino == w->opts->skip_ino && st.st_dev == w->opts->skip_dev)
		return 0;
	if (w->opts->skip_base && is_companion(name, w->opts->skip_base))
		return 0;
	e.path = w->path.buf;
	e.rel = w->path.buf + w->rel_start;
	e.class_name = w->class_name;
	e.st = st;
	return w->fn(&e, w->data);
}

static int walk_dir(struct walker *w, int fd, int depth)
{
	DIR *dir = fdopendir(fd);
	size_t base = w->path.len, n = 0, i;
	char **names;
	int ret = 0, errnum = 0;

	if (!dir) {
		report(w, errno, "");
		close(fd);
		return 0;
	}
	names = read_names(dir, &n, &errnum);
	if (!names) {
		report(w, ENOMEM, "");
		closedir(dir);
		return 0;
	}
	if (errnum)
		report(w, errnum, "cannot list it all: ");
	/* On entry path is root + "/" (base == rel_start) or a folder's path
	 * without a trailing slash. */
	for (i = 0; i < n && !ret; i++) {
		strbuf_setlen(&w->path, base);
		if ((base > w->rel_start && strbuf_addch(&w->path, '/')) ||
		    strbuf_addstr(&w->path, names[i])) {
			report(w, ENOMEM, "");
			break;
		}
		ret = visit(w, dirfd(dir), names[i], depth);
	}
	strbuf_setlen(&w->path, base);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return ret;
}

int walk_tree(const char *root, const struct walk_opts *opts, walk_fn fn, void *data,
	      struct wn_err *err)
{
	struct walker w = { 0 };
	int fd, ret;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return wn_fail(err, WN_EIO, "%s: %s", root, strerror(errno));
	w.opts = opts;
	w.fn = fn;
	w.data = data;
	w.max_depth = opts->max_depth > 0 ? opts->max_depth : 64;
	strbuf_init(&w.path);
	/* "." walks print "cats/x.jpg", not "./cats/x.jpg". */
	if ((strcmp(root, ".") && strbuf_addstr(&w.path, root)) ||
	    (w.path.len && w.path.buf[w.path.len - 1] != '/' && strbuf_addch(&w.path, '/'))) {
		close(fd);
		strbuf_release(&w.path);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	w.rel_start = w.path.len;
	ret = walk_dir(&w, fd, 0);
	free(w.class_name);
	strbuf_release(&w.path);
	return ret;
}

int walk_skip_dir(struct walk_opts *opts, const char *dir)
{
	struct stat st;
	int n = (int)(sizeof(opts->skip_dirs) / sizeof(opts->skip_dirs[0]));

	if (opts->nskip_dirs >= n || stat(dir, &st))
		return -1;
	opts->skip_dirs[opts->nskip_dirs].dev = st.st_dev;
	opts->skip_dirs[opts->nskip_dirs].ino = st.st_ino;
	opts->nskip_dirs++;
	return 0;
}
