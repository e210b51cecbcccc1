/* The scraper's URL rows: what was asked for, what came of it. */
#ifndef WINNOW_URLS_H
#define WINNOW_URLS_H

#include <stdint.h>

#include "catalog/db.h"

enum url_status { URL_PENDING, URL_DONE, URL_FAILED, URL_SKIPPED };

struct url_result {
	const char *url;
	const char *class_name;
	enum url_status status;
	long http_code;           /* 0: none */
	const char *error_kind;   /* NULL when done */
	const char *error;
	int transient;            /* a later --retry-failed tries it again */
	int64_t bytes;
	const char *final_url;
	const char *content_type;
	int attempts;
	int64_t image_id;         /* 0: none */
};

/*
 * urls_state() : what the catalog knows of url: its status and whether a
 * failure was transient. @return 1 known, 0 new, -1 error.
 */
int urls_state(struct catalog *cat, const char *url, enum url_status *status, int *transient,
	       struct wn_err *err);

/* urls_record() : inserts or updates the row of r->url (times kept). */
int urls_record(struct catalog *cat, const struct url_result *r, struct wn_err *err);

#endif
