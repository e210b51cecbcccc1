/* Whether catalog paths are regular files on disk, answered from one
 * listing of each folder instead of an lstat a path: a pass over every
 * image of a 100,000-image catalog (label suspects) spent a quarter of
 * its CPU time in lstat. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/db.h"

struct listed_dir {
	char *dir;        /* its catalog path: "" for the catalog's folder */
	char **names;     /* its regular files, sorted */
	size_t n;
	int unlisted;     /* could not be listed: ask path by path */
};

struct catalog_listing {
	const struct catalog *cat;
	struct listed_dir *dirs;  /* sorted by dir */
	size_t n, cap;
};

struct catalog_listing *catalog_listing_new(const struct catalog *cat)
{
	struct catalog_listing *l = calloc(1, sizeof(*l));

	if (l)
		l->cat = cat;
	return l;
}

static void release_dir(struct listed_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->dir);
}

void catalog_listing_free(struct catalog_listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		release_dir(&l->dirs[i]);
	free(l->dirs);
	free(l);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether entry e of the open folder is a regular file, as lstat says
 * (the entry's type when the file system gives it). */
static int regular_entry(DIR *dir, const struct dirent *e)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_REG;
	return !fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
}

static int add_name(struct listed_dir *d, size_t *cap, const char *name)
{
	if (d->n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		char **p = realloc(d->names, c * sizeof(*p));

		if (!p)
			return -1;
		d->names = p;
		*cap = c;
	}
	if (!(d->names[d->n] = strdup(name)))
		return -1;
	d->n++;
	return 0;
}

/* Reads folder d->dir's regular files into d. A folder that is not there
 * holds none (as lstat of a file in it finds none); one that cannot be
 * read otherwise is marked unlisted. @return 0, or -1 out of memory. */
static int list_dir(const struct catalog *cat, struct listed_dir *d)
{
	struct strbuf disk = STRBUF_INIT;
	struct dirent *e;
	size_t cap = 0;
	DIR *dir;
	int ret = -1;

	if (catalog_disk_path(cat, d->dir, &disk))
		goto out;
	dir = opendir(disk.len ? disk.buf : ".");
	if (!dir) {
		d->unlisted = errno != ENOENT && errno != ENOTDIR;
		ret = 0;
		goto out;
	}
	for (errno = 0; (e = readdir(dir)); errno = 0)
		if (regular_entry(dir, e) && add_name(d, &cap, e->d_name))
			break;
	if (e)
		goto close;  /* out of memory */
	d->unlisted = errno != 0;
	if (d->n)
		qsort(d->names, d->n, sizeof(*d->names), cmp_name);
	ret = 0;
close:
	closedir(dir);
out:
	strbuf_release(&disk);
	return ret;
}

/* strcmp(a, the first len bytes of key as a string) in sign. */
static int cmp_dir(const char *a, const char *key, size_t len)
{
	int c = strncmp(a, key, len);

	return c ? c : a[len] != '\0';
}

/* The folder dir (len bytes) as listed, found or read now; NULL out of
 * memory. */
static struct listed_dir *find_dir(struct catalog_listing *l, const char *dir, size_t len)
{
	size_t lo = 0, hi = l->n;
	struct listed_dir *d;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_dir(l->dirs[mid].dir, dir, len);

		if (!c)
			return &l->dirs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct listed_dir *p = realloc(l->dirs, cap * sizeof(*p));

		if (!p)
			return NULL;
		l->dirs = p;
		l->cap = cap;
	}
	d = &l->dirs[lo];
	memmove(d + 1, d, (l->n - lo) * sizeof(*d));
	memset(d, 0, sizeof(*d));
	l->n++;
	d->dir = strndup(dir, len);
	if (!d->dir || list_dir(l->cat, d)) {
		release_dir(d);
		memmove(d, d + 1, (l->n - lo - 1) * sizeof(*d));
		l->n--;
		return NULL;
	}
	return d;
}

int catalog_listing_has(struct catalog_listing *l, const char *path)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	struct listed_dir *d;

	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return catalog_on_disk(l->cat, path);
	d = find_dir(l, path, slash ? (size_t)(slash - path) : 0);
	if (!d || d->unlisted)
		return catalog_on_disk(l->cat, path);
	return d->n && bsearch(&name, d->names, d->n, sizeof(*d->names), cmp_name);
}
