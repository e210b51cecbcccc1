/* Runs and events: the audit trail. */
#include <stdlib.h>
#include <unistd.h>

#include "catalog/internal.h"
#include "base/base.h"
#include "catalog/runs.h"

int run_begin(struct catalog *cat, const char *command, int argc, char *const *argv,
	      int64_t *run_id, struct wn_err *err)
{
	static const char sql[] =
		"INSERT INTO runs (command, argv, cwd, started_ms) VALUES (?1, ?2, ?3, ?4)";
	struct strbuf json = STRBUF_INIT;
	sqlite3_stmt *st = catalog_stmt(cat, STMT_RUN_BEGIN, sql, err);
	char *cwd = getcwd(NULL, 0);
	int rc = 0;

	if (!st) {
		free(cwd);
		return -1;
	}
	rc |= strbuf_addch(&json, '[');
	for (int i = 0; i < argc; i++)
		rc |= (i && strbuf_addch(&json, ',')) || quote_json(&json, argv[i]);
	rc |= strbuf_addch(&json, ']');
	if (rc) {
		free(cwd);
		strbuf_release(&json);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, json.buf, (int)json.len, SQLITE_STATIC);
	catalog_bind_text(st, 3, cwd);
	sqlite3_bind_int64(st, 4, catalog_now_ms());
	rc = catalog_write(cat, st, "cannot record the run", err);
	free(cwd);
	strbuf_release(&json);
	if (rc)
		return -1;
	*run_id = sqlite3_last_insert_rowid(cat->db);
	return 0;
}

int run_finish(struct catalog *cat, int64_t run_id, int exit_code, const char *counts_json,
	       struct wn_err *err)
{
	static const char sql[] =
		"UPDATE runs SET finished_ms = ?2, exit_code = ?3, counts = ?4 WHERE id = ?1";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_RUN_FINISH, sql, err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, catalog_now_ms());
	sqlite3_bind_int(st, 3, exit_code);
	catalog_bind_text(st, 4, counts_json);
	return catalog_write(cat, st, "cannot record the end of the run", err);
}

int event_add(struct catalog *cat, int64_t run_id, int64_t image_id, const char *action,
	      const char *path, const char *dest, const char *cause, struct wn_err *err)
{
	static const char sql[] =
		"INSERT INTO events (run_id, image_id, action, path, dest, cause, at_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_EVENT_ADD, sql, err);

	if (!st)
		return -1;
	catalog_bind_nonzero(st, 1, run_id);
	catalog_bind_nonzero(st, 2, image_id);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
	catalog_bind_text(st, 5, dest);
	sqlite3_bind_text(st, 6, cause, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, catalog_now_ms());
	return catalog_write(cat, st, "cannot record the event", err);
}
