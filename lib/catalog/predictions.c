/* The predictions table. */
#include <stdlib.h>
#include <string.h>

#include "catalog/internal.h"
#include "catalog/predictions.h"

/* Floats as little-endian bytes, whatever the host. */
static void *pack(const float *v, int n)
{
	uint8_t *b = malloc((size_t)(n > 0 ? n : 1) * 4);

	if (!b)
		return NULL;
	for (int i = 0; i < n; i++) {
		uint32_t u;

		memcpy(&u, &v[i], 4);
		b[4 * i] = (uint8_t)u;
		b[4 * i + 1] = (uint8_t)(u >> 8);
		b[4 * i + 2] = (uint8_t)(u >> 16);
		b[4 * i + 3] = (uint8_t)(u >> 24);
	}
	return b;
}

static void unpack(const uint8_t *b, size_t n, float *v)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
			     (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;

		memcpy(&v[i], &u, 4);
	}
}

int predictions_set(struct catalog *cat, const struct prediction *p, struct wn_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO predictions (image_id, model, prep, xxh3, classes, probs,"
		"  embedding, made_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_PRED_SET, sql, err);
	void *probs = NULL, *emb = NULL;
	int rc;

	if (!st)
		return -1;
	probs = pack(p->probs, p->nprobs);
	emb = p->embedding ? pack(p->embedding, p->nembedding) : NULL;
	if (!probs || (p->embedding && !emb)) {
		free(probs);
		free(emb);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	sqlite3_bind_int64(st, 1, p->image_id);
	sqlite3_bind_text(st, 2, p->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->prep, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, p->xxh3, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->classes, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, probs, p->nprobs * 4, SQLITE_STATIC);
	if (emb)
		sqlite3_bind_blob(st, 7, emb, p->nembedding * 4, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, catalog_now_ms());
	rc = catalog_write(cat, st, "cannot record a prediction", err);
	free(probs);
	free(emb);
	return rc;
}

int predictions_get(struct catalog *cat, int64_t image_id, const char *model, const char *prep,
		    const uint8_t *xxh3, float *probs, int max, int *n, struct wn_err *err)
{
	static const char sql[] = "SELECT xxh3, probs FROM predictions"
				  " WHERE image_id = ?1 AND model = ?2 AND prep = ?3";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_PRED_GET, sql, err);
	int rc, found = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, image_id);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, prep, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(st, 0);
		int hl = sqlite3_column_bytes(st, 0), pl = sqlite3_column_bytes(st, 1);

		if ((!xxh3 || (hl == 16 && !memcmp(h, xxh3, 16))) && pl % 4 == 0 && pl / 4 <= max) {
			found = 1;
			*n = pl / 4;
			unpack(sqlite3_column_blob(st, 1), (size_t)*n, probs);
		}
	}
	return catalog_lookup_end(cat, st, rc, "cannot read a prediction", err) ? -1 : found;
}

/* predictions_foreach()'s walk: the query's parameters, the caller's
 * callback and the buffer the rows' floats are unpacked into. */
struct prediction_query {
	const char *model, *prep, *path_prefix;
	prediction_fn fn;
	void *data;
	float *buf;
	size_t cap;
	struct wn_err *err;
};

static int bind_model(sqlite3_stmt *st, void *data)
{
	struct prediction_query *q = data;
	int rc = sqlite3_bind_text(st, 1, q->model, -1, SQLITE_STATIC);

	if (!rc)
		rc = sqlite3_bind_text(st, 2, q->prep, -1, SQLITE_STATIC);
	return rc ? rc : catalog_bind_text(st, 3, q->path_prefix);
}

static int prediction_found(sqlite3_stmt *st, void *data)
{
	struct prediction_query *q = data;
	struct prediction_row row;
	int pl = sqlite3_column_bytes(st, 3), el = sqlite3_column_bytes(st, 4);
	size_t need = (size_t)(pl + el) / 4 + 1;

	if (need > q->cap) {
		float *grown = realloc(q->buf, need * sizeof(float));

		if (!grown)
			return wn_fail(q->err, WN_ENOMEM, "out of memory");
		q->buf = grown;
		q->cap = need;
	}
	memset(&row, 0, sizeof(row));
	row.image_id = sqlite3_column_int64(st, 0);
	row.path = (const char *)sqlite3_column_text(st, 1);
	row.class_name = (const char *)sqlite3_column_text(st, 2);
	row.nprobs = pl / 4;
	unpack(sqlite3_column_blob(st, 3), (size_t)row.nprobs, q->buf);
	row.probs = q->buf;
	row.nembedding = el / 4;
	if (row.nembedding) {
		unpack(sqlite3_column_blob(st, 4), (size_t)row.nembedding, q->buf + row.nprobs);
		row.embedding = q->buf + row.nprobs;
	}
	row.classes = (const char *)sqlite3_column_text(st, 5);
	row.xxh3 = sqlite3_column_blob(st, 6);
	return q->fn(&row, q->data);
}

/* The rows of model and prep, with embeddings (column 4) or not. */
#define PREDICTIONS_OF(embedding) \
	"SELECT i.id, i.path, i.class, p.probs, " embedding ", p.classes, p.xxh3" \
	" FROM predictions p JOIN images i ON i.id = p.image_id" \
	" WHERE p.model = ?1 AND p.prep = ?2 AND i.status = 'ok' AND i.xxh3 = p.xxh3" \
	"  AND (?3 IS NULL OR substr(i.path, 1, length(?3)) = ?3)" \
	" ORDER BY i.path"

static int read_predictions(struct catalog *cat, const char *sql, const char *model,
			    const char *prep, const char *path_prefix, prediction_fn fn,
			    void *data, struct wn_err *err)
{
	struct prediction_query q = { model, prep, path_prefix, fn, data, NULL, 0, err };
	int ret = catalog_foreach(cat, sql, "cannot read predictions", bind_model,
				  prediction_found, &q, err);

	free(q.buf);
	return ret;
}

int predictions_foreach(struct catalog *cat, const char *model, const char *prep,
			const char *path_prefix, prediction_fn fn, void *data, struct wn_err *err)
{
	return read_predictions(cat, PREDICTIONS_OF("p.embedding"), model, prep, path_prefix,
				fn, data, err);
}

int predictions_probs_foreach(struct catalog *cat, const char *model, const char *prep,
			      const char *path_prefix, prediction_fn fn, void *data,
			      struct wn_err *err)
{
	/* from the index predictions_probs alone: no row of predictions read */
	return read_predictions(cat, PREDICTIONS_OF("NULL"), model, prep, path_prefix, fn, data,
				err);
}

int heads_delete(struct catalog *cat, const char *name, struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db, "DELETE FROM heads WHERE name = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return catalog_fail(cat, err, "cannot remove the head");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return catalog_exec(cat, st, "cannot remove the head", err);
}

void head_row_sizes(const struct head_row *h, int64_t *weights, int64_t *biases)
{
	int64_t in = h->dim;

	*weights = *biases = 0;
	for (int l = 0; l <= h->nhidden; l++) {
		int64_t out = l < h->nhidden ? h->hidden[l] : h->classes_n;

		*weights += in * out;
		*biases += out;
		in = out;
	}
}

/* The hidden widths as the heads table keeps them: "256,128", "" for none. */
static int hidden_text(const struct head_row *h, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = 0;
	for (int l = 0; l < h->nhidden; l++) {
		int n = snprintf(buf + at, size - at, "%s%d", l ? "," : "", h->hidden[l]);

		if (n < 0 || (size_t)n >= size - at)
			return -1;
		at += (size_t)n;
	}
	return 0;
}

int heads_set(struct catalog *cat, const struct head_row *h, struct wn_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO heads (name, prep, classes, dim, mean, scale, weights, bias,"
		"  folds, l2, images, accuracy, made_ms, hidden)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
	int64_t nw, nb;
	void *mean = NULL, *scale = NULL, *w = NULL, *b = NULL;
	sqlite3_stmt *st = NULL;
	char hidden[HEADS_MAX_HIDDEN * 12];
	int ret = -1;

	if (h->nhidden < 0 || h->nhidden > HEADS_MAX_HIDDEN || hidden_text(h, hidden, sizeof(hidden)))
		return wn_fail(err, WN_EINVAL, "a head of %d hidden layers: %d at most", h->nhidden,
			       HEADS_MAX_HIDDEN);
	head_row_sizes(h, &nw, &nb);
	if (nw * 4 > INT32_MAX)
		return wn_fail(err, WN_ELIMIT, "the head '%s' is too large to keep (%lld weights)",
			       h->name, (long long)nw);
	mean = pack(h->mean, h->dim);
	scale = pack(h->scale, h->dim);
	w = pack(h->weights, (int)nw);
	b = pack(h->bias, (int)nb);
	if (!mean || !scale || !w || !b) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK) {
		catalog_fail(cat, err, "cannot save the head");
		goto out;
	}
	sqlite3_bind_text(st, 1, h->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, h->prep, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, h->classes, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, h->dim);
	sqlite3_bind_blob(st, 5, mean, h->dim * 4, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, scale, h->dim * 4, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, w, (int)nw * 4, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, b, (int)nb * 4, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, h->folds);
	sqlite3_bind_double(st, 10, h->l2);
	sqlite3_bind_int64(st, 11, h->images);
	sqlite3_bind_double(st, 12, h->accuracy);
	sqlite3_bind_int64(st, 13, catalog_now_ms());
	sqlite3_bind_text(st, 14, hidden, -1, SQLITE_STATIC);
	ret = catalog_exec(cat, st, "cannot save the head", err);
out:
	free(mean);
	free(scale);
	free(w);
	free(b);
	return ret;
}

/* heads_foreach()'s and heads_get()'s walk: the caller's callback, the
 * name asked for (NULL: every head) and whether it was found. */
struct head_query {
	head_fn fn;
	void *data;
	struct catalog *cat;
	struct wn_err *err;
	const char *name;
	int found;
};

static int bind_head_name(sqlite3_stmt *st, void *data)
{
	return sqlite3_bind_text(st, 1, ((struct head_query *)data)->name, -1, SQLITE_STATIC);
}

/* The hidden widths of a row ("256,128", "" for none) into h.
 * @return 0, or -1 when the text is not that. */
static int parse_hidden(const char *text, struct head_row *h)
{
	const char *p = text ? text : "";

	h->nhidden = 0;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (h->nhidden == HEADS_MAX_HIDDEN || end == p || v < 1 || v > (1 << 16) ||
		    (*end && *end != ','))
			return -1;
		h->hidden[h->nhidden++] = (int)v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -1;
	}
	return 0;
}

/* A row's sizes against its blobs (in 64 bits: the products of a hostile
 * row must not wrap). @return 0 when they agree, with h->classes_n set. */
static int head_sizes_agree(sqlite3_stmt *st, struct head_row *h, int64_t *nw, int64_t *nb)
{
	int64_t dim = sqlite3_column_int(st, 3), bias = sqlite3_column_bytes(st, 7) / 4, hid = 0;

	if (parse_hidden((const char *)sqlite3_column_text(st, 12), h))
		return -1;
	for (int l = 0; l < h->nhidden; l++)
		hid += h->hidden[l];
	if (dim < 1 || dim > (1 << 20) || bias - hid < 1 || bias - hid > (1 << 16))
		return -1;
	h->dim = (int)dim;
	h->classes_n = (int)(bias - hid);
	head_row_sizes(h, nw, nb);
	return sqlite3_column_bytes(st, 4) != dim * 4 || sqlite3_column_bytes(st, 5) != dim * 4 ||
	       sqlite3_column_bytes(st, 6) != *nw * 4 || sqlite3_column_bytes(st, 7) != *nb * 4;
}

static int head_found(sqlite3_stmt *st, void *data)
{
	struct head_query *q = data;
	struct head_row h;
	int64_t nw, nb;
	size_t dim;
	float *buf;
	int ret;

	memset(&h, 0, sizeof(h));
	h.name = (const char *)sqlite3_column_text(st, 0);
	h.prep = (const char *)sqlite3_column_text(st, 1);
	h.classes = (const char *)sqlite3_column_text(st, 2);
	if (head_sizes_agree(st, &h, &nw, &nb))
		return wn_fail(q->err, WN_ECORRUPT, "%s: the head '%s' is damaged (its sizes disagree)",
			       q->cat->file, h.name ? h.name : "");
	dim = (size_t)h.dim;
	buf = malloc((2 * dim + (size_t)nw + (size_t)nb) * sizeof(float));
	if (!buf)
		return wn_fail(q->err, WN_ENOMEM, "out of memory");
	unpack(sqlite3_column_blob(st, 4), dim, buf);
	unpack(sqlite3_column_blob(st, 5), dim, buf + dim);
	unpack(sqlite3_column_blob(st, 6), (size_t)nw, buf + 2 * dim);
	unpack(sqlite3_column_blob(st, 7), (size_t)nb, buf + 2 * dim + (size_t)nw);
	h.mean = buf;
	h.scale = buf + dim;
	h.weights = buf + 2 * dim;
	h.bias = buf + 2 * dim + (size_t)nw;
	h.folds = sqlite3_column_int(st, 8);
	h.l2 = sqlite3_column_double(st, 9);
	h.images = sqlite3_column_int64(st, 10);
	h.accuracy = sqlite3_column_double(st, 11);
	q->found = 1;
	ret = q->fn(&h, q->data);
	free(buf);
	/* heads_get(): fn's failure fails the call, else one row is all */
	return q->name ? (ret ? -1 : 1) : ret;
}

#define HEAD_COLUMNS "SELECT name, prep, classes, dim, mean, scale, weights, bias, folds, l2," \
	" images, accuracy, hidden FROM heads"

int heads_foreach(struct catalog *cat, head_fn fn, void *data, struct wn_err *err)
{
	struct head_query q = { fn, data, cat, err, NULL, 0 };

	return catalog_foreach(cat, HEAD_COLUMNS " ORDER BY name", "cannot read the heads", NULL,
			       head_found, &q, err);
}

int heads_get(struct catalog *cat, const char *name, head_fn fn, void *data, struct wn_err *err)
{
	struct head_query q = { fn, data, cat, err, name, 0 };

	return catalog_foreach(cat, HEAD_COLUMNS " WHERE name = ?1", "cannot read the head",
			       bind_head_name, head_found, &q, err) < 0 ? -1 : q.found;
}
