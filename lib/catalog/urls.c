/* The urls table. */
#include <string.h>

#include "catalog/internal.h"
#include "catalog/urls.h"

static const char *const status_names[] = { "pending", "done", "failed", "skipped" };

struct url_state {
	enum url_status *status;
	int *transient;
};

static int read_state(sqlite3_stmt *st, void *data)
{
	const struct url_state *u = data;
	const char *s = (const char *)sqlite3_column_text(st, 0);

	*u->status = URL_PENDING;
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, status_names[i]))
			*u->status = (enum url_status)i;
	*u->transient = sqlite3_column_int(st, 1);
	return SQLITE_OK;
}

int urls_state(struct catalog *cat, const char *url, enum url_status *status, int *transient,
	       struct wn_err *err)
{
	static const char sql[] = "SELECT status, transient FROM urls WHERE url = ?1";
	struct url_state u = { status, transient };

	return catalog_find(cat, STMT_URL_STATE, sql, url, "cannot read a URL row", read_state, &u,
			    err);
}

int urls_record(struct catalog *cat, const struct url_result *r, struct wn_err *err)
{
	static const char sql[] =
		"INSERT INTO urls (url, class, status, http_code, error_kind, error, transient,"
		"  bytes, final_url, content_type, attempts, first_ms, last_ms, image_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)"
		" ON CONFLICT(url) DO UPDATE SET class = excluded.class, status = excluded.status,"
		"  http_code = excluded.http_code, error_kind = excluded.error_kind,"
		"  error = excluded.error, transient = excluded.transient, bytes = excluded.bytes,"
		"  final_url = excluded.final_url, content_type = excluded.content_type,"
		"  attempts = urls.attempts + excluded.attempts, last_ms = excluded.last_ms,"
		"  image_id = excluded.image_id";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_URL_RECORD, sql, err);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, r->url, -1, SQLITE_STATIC);
	catalog_bind_text(st, 2, r->class_name);
	sqlite3_bind_text(st, 3, status_names[r->status], -1, SQLITE_STATIC);
	catalog_bind_nonzero(st, 4, r->http_code);
	catalog_bind_text(st, 5, r->error_kind);
	catalog_bind_text(st, 6, r->error);
	sqlite3_bind_int(st, 7, r->transient);
	sqlite3_bind_int64(st, 8, r->bytes);
	catalog_bind_text(st, 9, r->final_url);
	catalog_bind_text(st, 10, r->content_type);
	sqlite3_bind_int(st, 11, r->attempts);
	sqlite3_bind_int64(st, 12, catalog_now_ms());
	catalog_bind_nonzero(st, 13, r->image_id);
	return catalog_write(cat, st, "cannot record a URL", err);
}
