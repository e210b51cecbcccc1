/* The images label review shows: only those of the session's queues, by
 * catalog id, read through the dataset root and only while the file is
 * the one catalogued; thumbnails made once and kept in memory. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "review.h"

#define REVIEW_THUMB 320
#define REVIEW_CAM_SIDE 420

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
#define THUMB_CACHE_BYTES (256u << 20)

/*
 * read_item() : the file of it, opened through the dataset root (never
 * through a symlink, nothing outside the root) and checked against its
 * catalog row: still a regular file of the size and mtime catalogued.
 * Read whole into *data (malloc'd) when data is not NULL.
 * @return 0, or the HTTP status to answer: 410 gone (or no longer a
 * regular file below the root), 409 changed, 404 unreadable.
 */
static unsigned read_item(struct session *s, const struct item *it, uint8_t **data, size_t *len)
{
	struct image_stamp stamp;
	struct stat st;
	struct wn_err err;
	unsigned status = 0;
	int fd, r;

	if (strncmp(it->raw, s->prefix.buf, s->prefix.len))
		return MHD_HTTP_GONE;
	fd = dspath_open_file(s->root, it->raw + s->prefix.len, &st, &err);
	if (fd < 0)
		return MHD_HTTP_GONE;
	pthread_mutex_lock(&s->lock);
	r = images_stamp(s->cat, it->raw, &stamp, &err);
	pthread_mutex_unlock(&s->lock);
	if (r != 1)
		status = MHD_HTTP_GONE;
	else if (st.st_size != stamp.size ||
		 (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != stamp.mtime_ns)
		status = MHD_HTTP_CONFLICT;
	else if (data && read_fd_limited(fd, it->path, s->limits.max_bytes, data, len, &err))
		status = MHD_HTTP_NOT_FOUND;
	else if (data && *len != (size_t)stamp.size)
		status = MHD_HTTP_CONFLICT;  /* changed while read */
	close(fd);
	if (status && data) {
		free(*data);
		*data = NULL;
	}
	return status;
}

/* Thumbnails: shrink-on-load, Lanczos3 to fit REVIEW_THUMB, JPEG; kept. */
static int make_thumb(struct session *s, const uint8_t *file, size_t file_len, uint8_t **out,
		      size_t *len)
{
	struct wn_err err;

	return img_thumbnail(file, file_len, &s->limits, REVIEW_THUMB, 85, out, len, &err);
}

/* A copy of the cached thumbnail of id (malloc'd), or NULL. */
static uint8_t *thumb_cached(struct session *s, int64_t id, size_t *len)
{
	uint8_t *data = NULL;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nthumbs; i++)
		if (s->thumbs[i].id == id) {
			data = malloc(s->thumbs[i].len);
			if (data) {
				memcpy(data, s->thumbs[i].data, s->thumbs[i].len);
				*len = s->thumbs[i].len;
			}
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return data;
}

/* Keeps a copy of a thumbnail while the cache has room. */
static void thumb_keep(struct session *s, int64_t id, const uint8_t *data, size_t len)
{
	uint8_t *t = malloc(len);

	pthread_mutex_lock(&s->lock);
	if (t && s->thumb_bytes + len <= THUMB_CACHE_BYTES) {
		if (s->nthumbs == s->cap_thumbs) {
			size_t cap = s->cap_thumbs ? 2 * s->cap_thumbs : 256;
			struct thumb *g = realloc(s->thumbs, cap * sizeof(*g));

			if (g) {
				s->thumbs = g;
				s->cap_thumbs = cap;
			}
		}
		if (s->nthumbs < s->cap_thumbs) {
			memcpy(t, data, len);
			s->thumbs[s->nthumbs++] = (struct thumb){ id, t, len };
			s->thumb_bytes += len;
			t = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	free(t);
}

static enum MHD_Result send_item_error(struct MHD_Connection *c, unsigned status)
{
	return review_send_error(c, status, status == MHD_HTTP_CONFLICT ?
			  "the file changed since it was catalogued" : status == MHD_HTTP_GONE ?
			  "the file is gone, or no longer a plain file of the dataset" :
			  "the file cannot be read");
}

/* /img/ID: the file (size=full) or its thumbnail, only while the file is
 * the one catalogued (the thumbnail cache included). */
enum MHD_Result review_serve_image(struct session *s, struct MHD_Connection *c,
				   const char *idstr, json_t *body)
{
	const char *size = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "size");
	int full = size && !strcmp(size, "full");
	char *end;
	long long id = strtoll(idstr, &end, 10);
	const struct item *it;
	uint8_t *data = NULL, *file = NULL;
	size_t len = 0, file_len = 0;
	unsigned status;

	(void)body;
	if (!*idstr || *end || id <= 0 || !(it = review_find_image(s, id)))
		return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such image in this session");
	if (!full)
		data = thumb_cached(s, id, &len);
	status = read_item(s, it, data ? NULL : &file, &file_len);
	if (status) {
		free(data);
		return send_item_error(c, status);
	}
	if (full) {
		const char *type;

		switch (img_sniff(file, file_len)) {
		case IMG_JPEG: type = "image/jpeg"; break;
		case IMG_PNG: type = "image/png"; break;
		case IMG_GIF: type = "image/gif"; break;
		case IMG_WEBP: type = "image/webp"; break;
		default: type = "application/octet-stream"; break;
		}
		return review_reply(c, MHD_HTTP_OK, type, file, file_len, 1, "private, max-age=3600");
	}
	if (!data) {
		int bad = make_thumb(s, file, file_len, &data, &len);

		free(file);
		if (bad)
			return review_send_error(c, MHD_HTTP_NOT_FOUND, "the image does not decode");
		thumb_keep(s, id, data, len);
	}
	return review_reply(c, MHD_HTTP_OK, "image/jpeg", data, len, 1, "private, max-age=3600");
}

/* /cam/ID.png[?class=NAME]: the image with the map of class NAME (the
 * card's predicted or folder class; none: the head's predicted class)
 * over it, as label cam --size 420 draws it, only while the file is the
 * one catalogued. The model and head load at the first ask. */
enum MHD_Result review_serve_cam(struct session *s, struct MHD_Connection *c, const char *idstr,
				 json_t *body)
{
	const char *cls = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "class");
	char *end;
	long long id = strtoll(idstr, &end, 10);
	const struct item *it;
	const struct cam_view *view;
	uint8_t *file = NULL, *png = NULL;
	size_t len = 0, png_len = 0;
	struct wn_err err = { 0 };
	unsigned status;
	int bad;

	(void)body;
	if (!*idstr || strcmp(end, ".png") || id <= 0 || !(it = review_find_image(s, id)))
		return review_send_error(c, MHD_HTTP_NOT_FOUND, "no such image in this session");
	pthread_mutex_lock(&s->lock);
	/* a failure is tried again after a while: a head trained meanwhile
	 * (label train) shows without restarting the session */
	if (!s->cam && (!s->cam_err.code || now_ms() - s->cam_tried_ms >= s->cam_retry_ms)) {
		memset(&s->cam_err, 0, sizeof(s->cam_err));
		if (cam_view_open(s->cat, s->model, s->prep, &s->cam, &s->cam_err))
			s->cam_tried_ms = now_ms();
	}
	view = s->cam;
	if (!view)
		memcpy(&err, &s->cam_err, sizeof(err));
	pthread_mutex_unlock(&s->lock);
	if (!view)
		return review_send_error(c, MHD_HTTP_NOT_FOUND, err.msg);
	status = read_item(s, it, &file, &len);
	if (status)
		return send_item_error(c, status);
	bad = cam_view_png(view, file, len, &s->limits, REVIEW_CAM_SIDE, cls, &png, &png_len,
			   &err);
	free(file);
	if (bad)
		return review_send_error(c, MHD_HTTP_NOT_FOUND, err.code == WN_EINVAL ? err.msg :
					 "the image does not decode");
	return review_reply(c, MHD_HTTP_OK, "image/png", png, png_len, 1, "private, max-age=3600");
}
