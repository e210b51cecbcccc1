/* The catalog: one SQLite file per dataset that remembers every image,
 * every run and every destructive action. WAL mode with a busy timeout, so
 * two commands can work on one dataset at once. Paths inside are relative
 * to the folder holding the catalog, '/'-separated, so a dataset and its
 * catalog move together. */
#ifndef WINNOW_CATALOG_DB_H
#define WINNOW_CATALOG_DB_H

#include <stdint.h>

#include "base/base.h"

struct catalog;

#define CATALOG_DEFAULT_NAME "winnow.db"
#define CATALOG_BUSY_TIMEOUT_MS 10000

enum catalog_mode {
	CATALOG_CREATE,    /* create when missing, migrate to the newest schema */
	CATALOG_EXISTING,  /* must exist; migrated to the newest schema */
	CATALOG_READONLY,  /* must exist and be at the newest schema; no writes */
};

/*
 * catalog_open() : opens (or creates) the catalog at path.
 * @return 0 with *out to be closed by catalog_close(), or -1 with err set
 * (WN_EDB: not a catalog, newer than this build, locked too long;
 * WN_EIO: missing with CATALOG_EXISTING / READONLY).
 */
int catalog_open(const char *path, enum catalog_mode mode, struct catalog **out,
		 struct wn_err *err);

/* catalog_close() : accepts NULL. Rolls back an open transaction. */
void catalog_close(struct catalog *cat);

/* catalog_version() : the schema version (PRAGMA user_version). */
int catalog_version(struct catalog *cat);

/* CATALOG_SCHEMA_VERSION : the version this build migrates to. */
extern const int CATALOG_SCHEMA_VERSION;

/* catalog_on_disk() : whether path (relative to the catalog, as stored)
 * is a regular file on disk now; 1 when that cannot be told. */
int catalog_on_disk(const struct catalog *cat, const char *path);

/*
 * catalog_listing_new() : for catalog_on_disk() over many paths in few
 * folders: catalog_listing_has() answers from one listing of each folder,
 * read when a path in it is first asked about and kept until
 * catalog_listing_free(), instead of an lstat a path. cat must outlive
 * the listing; one thread.
 * @return the listing, or NULL out of memory.
 */
struct catalog_listing *catalog_listing_new(const struct catalog *cat);

/* catalog_listing_has() : what catalog_on_disk(cat, path) answered when
 * path's folder was listed: whether path is a regular file (not a symlink)
 * there; 0 in a folder that is not there. A folder that cannot be read,
 * and a failed allocation, fall back to catalog_on_disk(). */
int catalog_listing_has(struct catalog_listing *l, const char *path);

/* catalog_listing_free() : accepts NULL. */
void catalog_listing_free(struct catalog_listing *l);

/* catalog_dir() : the absolute, symlink-free folder holding the catalog. */
const char *catalog_dir(const struct catalog *cat);

/* catalog_file() : the catalog's own path, as opened. */
const char *catalog_file(const struct catalog *cat);

/*
 * catalog_rel_dir() : dir (absolute or relative to the working directory)
 * relative to the catalog's folder: "" for the folder itself, "train",
 * "../other". Resolves symlinks in dir. Appends to out.
 * @return 0, or -1 with err set (the folder does not exist).
 */
int catalog_rel_dir(const struct catalog *cat, const char *dir, struct strbuf *out,
		    struct wn_err *err);

/* catalog_rel_prefix() : catalog_rel_dir() with a '/' after it (nothing
 * for the catalog's own folder): what catalog paths under dir start
 * with. Same returns. */
int catalog_rel_prefix(const struct catalog *cat, const char *dir, struct strbuf *out,
		       struct wn_err *err);

/*
 * catalog_rel_path() : the catalog path of real_dir/rel, where real_dir is
 * an absolute, symlink-free folder (realpath) and rel a relative name
 * without "." or ".." components (as walk_tree() gives). Needs no system
 * call, so it is cheap per file. Appends to out; 0 or -1 out of memory.
 */
int catalog_rel_path(const struct catalog *cat, const char *real_dir, const char *rel,
		     struct strbuf *out);

/* catalog_abs_path() : the absolute path of a catalog path (its leading
 * ".." components resolved against the catalog's folder). Appends to out. */
int catalog_abs_path(const struct catalog *cat, const char *path, struct strbuf *out);

/* catalog_disk_path() : the on-disk path of a catalog path (relative to the
 * working directory when it can be, else absolute). Appends to out. */
int catalog_disk_path(const struct catalog *cat, const char *rel, struct strbuf *out);

struct walk_opts;
/* catalog_walk_opts() : sets wo's skip fields so a walk passes over the
 * catalog and its -wal, -shm and -journal files. */
void catalog_walk_opts(const struct catalog *cat, struct walk_opts *wo);

/* Transactions: writes in between are one atomic, durable step. Each
 * returns 0 or -1 with err set. Not nested. */
int catalog_begin(struct catalog *cat, struct wn_err *err);
int catalog_commit(struct catalog *cat, struct wn_err *err);
void catalog_rollback(struct catalog *cat);

/* catalog_now_ms() : wall-clock milliseconds since the epoch, the unit of
 * every time stored in the catalog. */
int64_t catalog_now_ms(void);

#endif
