/* Opening and closing the catalog: finding its folder, the read-only
 * fallbacks, the schema migrations and the recovery of killed runs. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/internal.h"
#include "base/base.h"

static int find_dir(struct catalog *cat, const char *path, struct wn_err *err)
{
	struct strbuf d = STRBUF_INIT, rel = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	char *cwd = NULL;
	int ret = -1;

	if (!slash)
		strbuf_addstr(&d, ".");
	else if (slash == path)
		strbuf_addstr(&d, "/");
	else
		strbuf_add(&d, path, (size_t)(slash - path));
	cat->dir = realpath(d.buf, NULL);
	if (!cat->dir) {
		wn_fail(err, WN_EIO, "%s: %s", d.buf, strerror(errno));
		goto out;
	}
	/* Paths printed to the user are relative to where they stand. */
	cwd = getcwd(NULL, 0);
	if (cwd) {
		char *real_cwd = realpath(cwd, NULL);

		if (real_cwd && !catalog_rel_between(real_cwd, cat->dir, &rel))
			cat->cwd_rel = strbuf_detach(&rel);
		free(real_cwd);
	}
	ret = 0;
out:
	free(cwd);
	strbuf_release(&d);
	strbuf_release(&rel);
	return ret;
}

static int exec_sql(struct catalog *cat, const char *sql, struct wn_err *err)
{
	if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot set up the catalog");
	return 0;
}

/* The smallest SQLite file that holds anything is one 512-byte page. A
 * shorter file would be taken by SQLite as an empty database and quietly
 * made into a new catalog: it may be a damaged one, so it is refused. */
#define CATALOG_MIN_BYTES 512

/* Path as a URI that opens the file immutable: no -shm, no locks. */
static int immutable_uri(const char *path, struct strbuf *uri)
{
	if (strbuf_addstr(uri, "file:"))
		return -1;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (strchr("?#%", *p) || *p < 0x20 || *p >= 0x7f ? strbuf_addf(uri, "%%%02X", *p)
								 : strbuf_addch(uri, (char)*p))
			return -1;
	return strbuf_addstr(uri, "?immutable=1");
}

/*
 * A WAL catalog in a folder this user cannot write: SQLite cannot make
 * the -shm file every reader needs. When no -wal file is there (no write
 * is under way), a reader opens the file as immutable; anything else gets
 * the cause in words, not "not a catalog".
 * @return 1 reopened, 0 not this case, -1 with err set.
 */
static int open_unwritable(struct catalog *cat, struct wn_err *err)
{
	struct strbuf side = STRBUF_INIT;
	struct stat st;
	int code = sqlite3_errcode(cat->db) & 0xff, ret = 0;

	if ((code != SQLITE_READONLY && code != SQLITE_CANTOPEN) || !access(cat->dir, W_OK))
		return 0;
	if (!cat->readonly) {
		return wn_fail(err, WN_EIO, "%s: cannot write here: its folder %s is read-only "
			       "(the catalog needs to make %s-wal and -shm beside it)", cat->file,
			       cat->dir, cat->file);
	}
	if (strbuf_addf(&side, "%s-wal", cat->file))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	if (!stat(side.buf, &st) && st.st_size > 0) {
		ret = wn_fail(err, WN_EIO, "%s: cannot read: its folder is read-only and %s holds "
			      "changes not yet in the catalog", cat->file, side.buf);
		goto out;
	}
	strbuf_reset(&side);
	if (immutable_uri(cat->file, &side)) {
		ret = wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	sqlite3_close(cat->db);
	cat->db = NULL;
	if (sqlite3_open_v2(side.buf, &cat->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ret = cat->db ? catalog_fail(cat, err, "cannot open") :
			wn_fail(err, WN_ENOMEM, "%s: out of memory", cat->file);
		goto out;
	}
	ret = 1;
out:
	strbuf_release(&side);
	return ret;
}

/* The first read failed: say why in words. @return -1 with err set, or 0
 * when the catalog was reopened and can be read. */
static int explain_first_read(struct catalog *cat, struct wn_err *err)
{
	int r;

	if ((sqlite3_errcode(cat->db) & 0xff) == SQLITE_NOTADB)
		return catalog_fail(cat, err, "not a catalog");
	r = open_unwritable(cat, err);
	if (r < 0)
		return -1;
	if (r == 1 && catalog_version(cat) >= 0)
		return 0;
	return catalog_fail(cat, err, cat->readonly ? "cannot read" : "cannot open");
}

int catalog_open(const char *path, enum catalog_mode mode, struct catalog **out,
		 struct wn_err *err)
{
	struct catalog *cat;
	struct stat st;
	int flags, version;

	*out = NULL;
	if (stat(path, &st)) {
		if (mode != CATALOG_CREATE || errno != ENOENT)
			return wn_fail(err, WN_EIO, "%s: no catalog here (%s); `db init` makes one",
				       path, strerror(errno));
	} else if (S_ISREG(st.st_mode) && st.st_size < CATALOG_MIN_BYTES) {
		return wn_fail(err, WN_EDB, "%s: %lld bytes, too short to be a catalog (a damaged "
			       "one?); move it aside and `db init` makes a new one", path,
			       (long long)st.st_size);
	}
	cat = calloc(1, sizeof(*cat));
	if (!cat || !(cat->file = strdup(path))) {
		free(cat);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	cat->readonly = mode == CATALOG_READONLY;
	cat->runs_fd = -1;
	if (find_dir(cat, path, err))
		goto fail;
	flags = cat->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &cat->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (cat->db)
			catalog_fail(cat, err, "cannot open");
		else
			wn_fail(err, WN_ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	sqlite3_busy_timeout(cat->db, CATALOG_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(cat->db, 1);
	/* The first read tells a SQLite file from anything else. */
	version = catalog_version(cat);
	if (version < 0) {
		if (explain_first_read(cat, err))
			goto fail;
		version = catalog_version(cat);
	}
	if (version > CATALOG_SCHEMA_VERSION) {
		wn_fail(err, WN_EDB, "%s: catalog schema %d is newer than this winnow (%d)",
			path, version, CATALOG_SCHEMA_VERSION);
		goto fail;
	}
	/* Before any PRAGMA that writes: someone else's file stays untouched. */
	if (catalog_check_tables(cat, version, err))
		goto fail;
	/* A 64 MiB page cache: index inserts on random hashes otherwise miss
	 * SQLite's 2 MiB default on every row (64k vs 93k rows/s measured,
	 * bench/catalog.sh). */
	if (!cat->readonly &&
	    exec_sql(cat, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			  "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;", err))
		goto fail;
	if (cat->readonly && version < CATALOG_SCHEMA_VERSION) {
		wn_fail(err, WN_EDB, "%s: catalog schema %d needs upgrading; run `db init`",
			path, version);
		goto fail;
	}
	if (!cat->readonly && catalog_migrate(cat, err))
		goto fail;
	/* Every writer first settles what killed runs left (one place). */
	if (!cat->readonly && journal_recover(cat, &cat->recovered, err))
		goto fail;
	*out = cat;
	return 0;
fail:
	catalog_close(cat);
	return -1;
}

void catalog_close(struct catalog *cat)
{
	if (!cat)
		return;
	if (cat->in_tx)
		catalog_rollback(cat);
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(cat->stmts[i]);
	sqlite3_close(cat->db);
	if (cat->runs_fd >= 0)
		close(cat->runs_fd);  /* the run is no longer alive */
	free(cat->file);
	free(cat->dir);
	free(cat->cwd_rel);
	free(cat);
}

