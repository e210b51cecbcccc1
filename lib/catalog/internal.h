/* What the db/ modules share about an open catalog; not for commands. */
#ifndef WINNOW_CATALOG_INTERNAL_H
#define WINNOW_CATALOG_INTERNAL_H

#include <sqlite3.h>

#include "catalog/db.h"
#include "catalog/journal.h"

enum catalog_stmt {
	STMT_IMAGE_UPSERT,
	STMT_IMAGE_LOOKUP,
	STMT_IMAGE_STATUS,
	STMT_DERIVED_SET,
	STMT_DERIVED_CURRENT,
	STMT_DERIVED_SOURCE,
	STMT_URL_STATE,
	STMT_URL_RECORD,
	STMT_RUN_BEGIN,
	STMT_RUN_FINISH,
	STMT_EVENT_ADD,
	STMT_PRED_GET,
	STMT_PRED_SET,
	STMT_JOURNAL_PLAN,
	STMT_JOURNAL_STATE,
	STMT_FEATURES_SET,
	STMT_COUNT,
};

/* The quality signals' columns of images (schema 14), in the order of
 * struct quality's fields. */
#define SIGNAL_COLUMNS "sharpness, luma_p5, luma_p99, entropy, chroma, colourfulness, skin"
/* An upsert's update of them: the signals it writes; or, when it writes
 * none and the content (xxh3) is the same, the row's own; else none. So a
 * row's signals are always of its xxh3. */
#define SIGNAL_KEPT(c) \
	c " = iif(excluded.sharpness IS NULL AND excluded.xxh3 IS images.xxh3, images." c \
	", excluded." c ")"
#define SIGNALS_KEPT \
	SIGNAL_KEPT("sharpness") ", " SIGNAL_KEPT("luma_p5") ", " SIGNAL_KEPT("luma_p99") ", " \
	SIGNAL_KEPT("entropy") ", " SIGNAL_KEPT("chroma") ", " SIGNAL_KEPT("colourfulness") ", " \
	SIGNAL_KEPT("skin")

struct catalog {
	sqlite3 *db;
	char *file;
	char *dir;          /* realpath of the folder holding the catalog */
	char *cwd_rel;      /* catalog dir relative to the cwd at open, or NULL */
	int in_tx;
	int readonly;
	int runs_fd;        /* the journal's sidecar (journal.c), or -1 */
	struct journal_recovery recovered;  /* what the open settled */
	sqlite3_stmt *stmts[STMT_COUNT];
};

/*
 * catalog_stmt() : the prepared statement for id (prepared on first use
 * from sql, then reset and reused). The caller binds, steps and resets.
 * @return the statement, or NULL with err set.
 */
sqlite3_stmt *catalog_stmt(struct catalog *cat, enum catalog_stmt id, const char *sql,
			   struct wn_err *err);

/* catalog_fail() : err from SQLite's last message, prefixed with what. */
int catalog_fail(struct catalog *cat, struct wn_err *err, const char *what);

/*
 * catalog_foreach() : runs one SQL statement and hands its rows, in order,
 * to row. The statement is prepared here and finalized before the return,
 * never cached: row may run other statements on cat, this query too, and
 * the call works inside a transaction or outside (it opens none).
 *
 * bind (NULL: no parameters) binds sql's parameters before the first step;
 * it returns SQLITE_OK, or an SQLite result code (a failed sqlite3_bind_*'s,
 * SQLITE_NOMEM for its own allocation) that ends the call before any step.
 * row (NULL: steps to the end, for a write) returns 0 to go on, or non-zero
 * to stop: that value is then returned, with err as row left it (set it
 * with a negative value). Column values are SQLite's memory, valid during
 * that row call only; the strings bound must live until the return.
 * data goes to both. what names the query in errors.
 *
 * Why raw statements and not a typed row: every caller is a catalog module
 * turning columns into its own typed row (struct image_row, review, ...)
 * for commands, which include no sqlite3.h and write no SQL.
 *
 * @return 0 after the last row; row's non-zero value; or -1 with err set,
 * WN_EDB "<catalog>: <what>: <SQLite's message>", when sql does not
 * prepare, bind fails or a step fails. Threads: cat's thread only.
 */
typedef int (*catalog_bind_fn)(sqlite3_stmt *st, void *data);
typedef int (*catalog_row_fn)(sqlite3_stmt *st, void *data);
int catalog_foreach(struct catalog *cat, const char *sql, const char *what,
		    catalog_bind_fn bind, catalog_row_fn row, void *data, struct wn_err *err);

/* catalog_exec() : steps st (prepared by sqlite3_prepare_v2, bound) once
 * and finalizes it: for a write that returns no rows. @return 0, or -1
 * with err set ("<catalog>: <what>: <SQLite's message>"). st is freed
 * either way. */
int catalog_exec(struct catalog *cat, sqlite3_stmt *st, const char *what, struct wn_err *err);

/* catalog_write() : steps st, a statement of catalog_stmt()'s (kept for
 * the next call), once: a write that returns no rows; then resets it and
 * clears its bindings. @return 0, or -1 with err set ("<catalog>: <what>:
 * <SQLite's message>"). */
int catalog_write(struct catalog *cat, sqlite3_stmt *st, const char *what, struct wn_err *err);

/* catalog_lookup_end() : ends a lookup of catalog_stmt()'s statement st
 * whose last step returned rc: resets st. @return 0 when rc is SQLITE_ROW
 * or SQLITE_DONE, else -1 with err set as above. */
int catalog_lookup_end(struct catalog *cat, sqlite3_stmt *st, int rc, const char *what,
		       struct wn_err *err);

/* catalog_find() : the one row, or none, of catalog_stmt()'s statement id
 * (sql) with key bound to ?1, handed to row(st, data), which returns
 * SQLITE_OK or an SQLite error code that fails the call.
 * @return 1 after the row, 0 when there is none, or -1 with err set
 * ("<catalog>: <what>: <SQLite's message>"). */
int catalog_find(struct catalog *cat, enum catalog_stmt id, const char *sql, const char *key,
		 const char *what, catalog_row_fn row, void *data, struct wn_err *err);

/* catalog_exec_ids() : runs the write sql once for each non-zero id of
 * ids[0..n), bound as ?1, stopping at the first failure. Same returns. */
int catalog_exec_ids(struct catalog *cat, const char *sql, const char *what,
		     const int64_t *ids, size_t n, struct wn_err *err);

/* catalog_bind_text() : binds s to parameter i (SQLITE_STATIC: s must live
 * until the statement is done), or NULL when s is NULL. @return SQLite's
 * result code. catalog_bind_prefix() : the same, and NULL for "" too: a
 * path prefix that limits nothing. */
int catalog_bind_text(sqlite3_stmt *st, int i, const char *s);
/* catalog_bind_nonzero() : binds v to parameter i, or NULL when v is 0
 * (no row id, no HTTP code). @return SQLite's result code. */
int catalog_bind_nonzero(sqlite3_stmt *st, int i, int64_t v);
int catalog_bind_prefix(sqlite3_stmt *st, int i, const char *prefix);

/* catalog_rel_between() : appends the path leading from folder `from` to
 * `to`, both absolute and free of "." and ".." (realpath output): "" when
 * they are equal. @return 0, or -1 when out of memory. */
int catalog_rel_between(const char *from, const char *to, struct strbuf *out);

/* catalog_check_tables() : refuses a file that is not a winnow catalog:
 * tables at version 0, or a version without our tables. Reads only. */
int catalog_check_tables(struct catalog *cat, int version, struct wn_err *err);

/* catalog_migrate() : brings the schema to CATALOG_SCHEMA_VERSION. */
int catalog_migrate(struct catalog *cat, struct wn_err *err);

#endif
