/* The scraper's journal (see struct scrape_journal): which URL each file came
 * from, written before the file is linked in, because a file's name is
 * its content hash and says nothing of its URL. A write(2) survives the
 * process being killed at any moment; the catalog commit after it is what
 * makes the line unneeded. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "net/internal.h"

#define JOURNAL_DIR ".winnow-scraper"
#define JOURNAL_MAX (1u << 30)  /* a billion bytes: millions of lines */

static int is_journal(const char *name)
{
	return !strncmp(name, "journal-", 8);
}

static int by_url(const void *a, const void *b)
{
	return strcmp(((const struct scrape_jentry *)a)->url, ((const struct scrape_jentry *)b)->url);
}

/* Splits a journal's text into entries. A line cut short (no newline) or
 * without a tab is not one. */
static int add_entries(struct scrape_journal *j, char *text, size_t len)
{
	char *p = text, *end = text + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *tab;

		if (!nl)
			break;
		*nl = '\0';
		tab = strchr(p, '\t');
		if (tab && tab > p && tab[1]) {
			struct scrape_jentry *v = realloc(j->v, (j->n + 1) * sizeof(*v));

			if (!v)
				return -1;
			j->v = v;
			*tab = '\0';
			j->v[j->n].rel = p;
			j->v[j->n].url = tab + 1;
			j->n++;
		}
		p = nl + 1;
	}
	return 0;
}

static int load(struct scrape_journal *j, const char *path, struct wn_err *err)
{
	uint8_t *text;
	size_t len;
	char **texts;

	if (read_file_limited(path, JOURNAL_MAX, &text, &len, err))
		return -1;
	texts = realloc(j->texts, (j->ntexts + 1) * sizeof(*texts));
	if (!texts) {
		free(text);
		return wn_fail(err, WN_ENOMEM, "%s: out of memory", path);
	}
	j->texts = texts;
	j->texts[j->ntexts++] = (char *)text;
	if (add_entries(j, (char *)text, len))
		return wn_fail(err, WN_ENOMEM, "%s: out of memory", path);
	return 0;
}

static int load_all(struct scrape_journal *j, struct wn_err *err)
{
	DIR *d = opendir(j->dir);
	struct dirent *de;
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	if (!d)
		return wn_fail(err, WN_EIO, "%s: %s", j->dir, strerror(errno));
	while (!ret && (de = readdir(d))) {
		if (!is_journal(de->d_name))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", j->dir, de->d_name);
		ret = load(j, path.buf, err);
		if (ret && access(path.buf, F_OK) && errno == ENOENT)
			ret = 0;  /* another run removed it since: nothing to adopt */
	}
	closedir(d);
	strbuf_release(&path);
	if (!ret && j->n)
		qsort(j->v, j->n, sizeof(*j->v), by_url);
	return ret;
}

/* Opens and locks this run's file. A cleaner may remove a file between
 * our open and our lock (the pid of a dead run, reused), so the lock must
 * be on what the name still names. */
static int open_own(struct scrape_journal *j, struct wn_err *err)
{
	for (int tries = 0; tries < 10; tries++) {
		struct stat a, b;
		int fd = open(j->own, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0 && errno == ENOENT && !mkdir(j->dir, 0755))
			continue;  /* another run removed the empty folder */
		if (fd < 0)
			return wn_fail(err, WN_EIO, "%s: %s", j->own, strerror(errno));
		if (flock(fd, LOCK_EX)) {
			close(fd);
			return wn_fail(err, WN_EIO, "%s: cannot lock: %s", j->own, strerror(errno));
		}
		if (!fstat(fd, &a) && !stat(j->own, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			char last = '\n';

			/* a dead run of the same pid may have been cut mid-line:
			 * end that line, so ours are read whole */
			if (a.st_size > 0 && pread(fd, &last, 1, a.st_size - 1) == 1 && last != '\n' &&
			    write(fd, "\n", 1) != 1) {
				close(fd);
				return wn_fail(err, WN_EIO, "%s: %s", j->own, strerror(errno));
			}
			j->fd = fd;
			return 0;
		}
		close(fd);
	}
	return wn_fail(err, WN_EIO, "%s: keeps being removed", j->own);
}

int scrape_journal_open(struct scrape_journal *j, const char *out_dir, struct wn_err *err)
{
	char host[64] = "";
	struct strbuf s = STRBUF_INIT;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	gethostname(host, sizeof(host) - 1);
	for (char *p = host; *p; p++)
		if (*p == '/')
			*p = '_';
	if (strbuf_addf(&s, "%s/" JOURNAL_DIR, out_dir))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	j->dir = strbuf_detach(&s);
	if (mkdir(j->dir, 0755) && errno != EEXIST)
		return wn_fail(err, WN_EIO, "%s: %s", j->dir, strerror(errno));
	if (strbuf_addf(&s, "%s/journal-%s-%ld", j->dir, host, (long)getpid()))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	j->own = strbuf_detach(&s);
	if (load_all(j, err))
		return -1;
	return open_own(j, err);
}

size_t scrape_journal_find(const struct scrape_journal *j, const char *url,
			   const struct scrape_jentry **first)
{
	struct scrape_jentry key = { url, NULL };
	const struct scrape_jentry *e, *end = j->v + j->n;

	if (!j->n || !(e = bsearch(&key, j->v, j->n, sizeof(*j->v), by_url)))
		return 0;
	while (e > j->v && !strcmp(e[-1].url, url))
		e--;
	*first = e;
	for (end = e; end < j->v + j->n && !strcmp(end->url, url); end++)
		;
	return (size_t)(end - e);
}

int scrape_journal_add(struct scrape_journal *j, const char *rel, const char *url,
		       struct wn_err *err)
{
	struct strbuf line = STRBUF_INIT;
	ssize_t n;

	if (strbuf_addf(&line, "%s\t%s\n", rel, url))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	n = write(j->fd, line.buf, line.len);
	if (n != (ssize_t)line.len) {
		int e = n < 0 ? errno : ENOSPC;

		/* a part of a line is no line (see add_entries); end it so the
		 * next one starts clean */
		if (n > 0 && write(j->fd, "\n", 1) < 0)
			e = errno;
		strbuf_release(&line);
		return wn_fail(err, WN_EIO, "%s: %s", j->own, strerror(e));
	}
	strbuf_release(&line);
	return 0;
}

/* Whether every URL of the journal at path is settled. */
static int all_settled(const char *path, int (*settled)(const char *, void *), void *arg)
{
	struct scrape_journal one = { .fd = -1 };
	struct wn_err err;
	int ok = !load(&one, path, &err);

	for (size_t i = 0; ok && i < one.n; i++)
		ok = settled(one.v[i].url, arg);
	for (size_t i = 0; i < one.ntexts; i++)
		free(one.texts[i]);
	free(one.texts);
	free(one.v);
	return ok;
}

/* Removes path if no live run holds it and all its URLs are settled. */
static void tidy(const char *path, int fd, int (*settled)(const char *, void *), void *arg)
{
	int own = fd >= 0;

	if (!own && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if ((own || !flock(fd, LOCK_EX | LOCK_NB)) && all_settled(path, settled, arg))
		unlink(path);
	if (!own)
		close(fd);
}

void scrape_journal_close(struct scrape_journal *j,
			  int (*settled)(const char *url, void *arg), void *arg)
{
	DIR *d = settled && j->dir ? opendir(j->dir) : NULL;
	struct dirent *de;
	struct stat st;
	struct strbuf path = STRBUF_INIT;

	while (d && (de = readdir(d))) {
		if (!is_journal(de->d_name))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", j->dir, de->d_name);
		tidy(path.buf, !strcmp(path.buf, j->own) ? j->fd : -1, settled, arg);
	}
	if (!settled && j->fd >= 0 && !fstat(j->fd, &st) && st.st_size == 0)
		unlink(j->own);  /* a run that failed before writing anything */
	if (d)
		closedir(d);
	if (j->dir)
		rmdir(j->dir);  /* when empty */
	strbuf_release(&path);
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->ntexts; i++)
		free(j->texts[i]);
	free(j->texts);
	free(j->v);
	free(j->dir);
	free(j->own);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}
