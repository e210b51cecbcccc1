/* Checking and writing a downloaded body, on a worker thread: an image by
 * its magic bytes and a header that decodes (Content-Type is not
 * trusted), big enough not to be a placeholder, named by its content hash
 * with the extension of its format, noted in the journal, then written
 * atomically. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "net/internal.h"

const char *scrape_extension(enum img_format f)
{
	switch (f) {
	case IMG_PNG: return "png";
	case IMG_GIF: return "gif";
	case IMG_WEBP: return "webp";
	default: return "jpg";
	}
}

static void set_error(struct transfer *t, const char *why)
{
	size_t n = strlen(why);

	if (n >= sizeof(t->error))
		n = sizeof(t->error) - 1;
	memcpy(t->error, why, n);
	t->error[n] = '\0';
}

static void reject(struct transfer *t, const char *kind, const char *why)
{
	t->ok = 0;
	t->transient = 0;
	t->kind = kind;
	set_error(t, why);
}

/* Whether the body ends as its format must: a download cut short (when
 * the server sent no length) fails here without decoding anything.
 * JPEG ends with EOI (FF D9, possibly followed by a little padding), PNG
 * with its IEND chunk, GIF with its trailer, WebP where RIFF says. */
int scrape_body_complete(const uint8_t *b, size_t len, enum img_format f)
{
	static const uint8_t iend[8] = { 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	size_t from = len > 64 ? len - 64 : 0;

	switch (f) {
	case IMG_JPEG:
		for (size_t i = len - 1; i > from; i--)
			if (b[i - 1] == 0xff && b[i] == 0xd9)
				return 1;
		return 0;
	case IMG_PNG:
		return len >= 12 && !memcmp(b + len - 8, iend, 8);
	case IMG_GIF:
		return b[len - 1] == 0x3b;
	case IMG_WEBP:
		return len >= 12 && (size_t)(b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24) + 8 <= len;
	default:
		return 0;
	}
}

/* Notes the file in the journal, then writes it unless it is there
 * already (the same image from another URL). The journal line comes
 * first: a run killed between the two leaves a line without a file, never
 * a file the next run cannot tell the URL of. */
static int write_out(struct transfer *t, const char *path, const uint8_t *buf, size_t len)
{
	struct scrape *run = t->run;
	const char *rel = path + strlen(run->o.out_dir) + 1;
	struct wn_err err = { 0 };
	struct stat st;

	if (scrape_journal_add(&run->journal, rel, t->e->url, &err))
		goto fail;
	if (lstat(path, &st) || (uint64_t)st.st_size != len) {
		if (make_parents(path)) {
			int e = errno;

			snprintf(t->error, sizeof(t->error), "%.*s: cannot make the folder: %s",
				 (int)(strrchr(path, '/') - path), path, strerror(e));
			goto fail_set;
		}
		if (write_file_atomic(path, buf, len, 0, &err) || stat(path, &st)) {
			if (!err.msg[0])
				wn_fail(&err, WN_EIO, "%s: %s", path, strerror(errno));
			goto fail;
		}
	}
	t->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
fail:
	set_error(t, err.msg);
fail_set:
	t->ok = 0;
	t->transient = 1;
	t->kind = "write";
	return -1;
}

static void check_and_write(struct transfer *t)
{
	const struct scrape_opts *o = &t->run->o;
	const uint8_t *buf = (const uint8_t *)t->body.buf;
	size_t len = t->body.len;
	struct strbuf path = STRBUF_INIT;
	struct wn_err err = { 0 };
	char hex[FILEHASH_HEX_LEN + 1], why[160];

	if (len == 0)
		return reject(t, "empty", "empty body");
	if (img_sniff(buf, len) == IMG_UNKNOWN) {
		img_describe_unknown(buf, len, why, sizeof(why));
		return reject(t, "not-image", why);
	}
	if (len < o->min_bytes) {
		snprintf(why, sizeof(why), "%zu bytes is under --min-bytes %zu", len, o->min_bytes);
		return reject(t, "too-small", why);
	}
	/* The header must decode and the body must end as its format does;
	 * pixels are decoded later, by whatever needs them (dedup, resize). */
	if (img_read_info(buf, len, &o->limits, &t->info, &err))
		return reject(t, err.code == WN_ELIMIT ? "too-large" : "corrupt", err.msg);
	if (!scrape_body_complete(buf, len, t->info.format))
		return reject(t, "corrupt", "cut short: the body does not end as its format must");
	/* --resize: made right here with resize's code, so full-size files
	 * never touch the disk. */
	if (o->resize) {
		uint8_t *made;
		size_t made_len;
		int w, h, broken;
		enum img_format f;

		if (img_transform_buffer(&o->rs, buf, len, &t->info, &made, &made_len, &w, &h, &f, &broken,
				 &err))
			return reject(t, "corrupt", err.msg);
		if (made != buf) {
			t->made = made;  /* freed by scrape_store() */
			buf = made;
			len = made_len;
		}
		t->info.width = w;
		t->info.height = h;
		t->info.format = f;
	}
	if (t->info.width < o->min_size || t->info.height < o->min_size) {
		snprintf(why, sizeof(why), "%dx%d is under --min-size %d", t->info.width,
			 t->info.height, o->min_size);
		return reject(t, "placeholder", why);
	}
	filehash_buffer(buf, len, &t->hash);
	filehash_hex(t->hash.full, hex);
	/* The name comes from the content, so identical images collapse and
	 * no URL can choose a path. */
	if (t->e->class_name)
		strbuf_addf(&path, "%s/%s/%.16s.%s", o->out_dir, t->e->class_name, hex,
			    scrape_extension(t->info.format));
	else
		strbuf_addf(&path, "%s/%.16s.%s", o->out_dir, hex, scrape_extension(t->info.format));
	if (write_out(t, path.buf, buf, len)) {
		strbuf_release(&path);
		return;
	}
	t->out_path = strbuf_detach(&path);
	t->ok = 1;
}

void scrape_store(void *arg)
{
	struct transfer *t = arg;
	struct scrape *run = t->run;

	check_and_write(t);
	strbuf_release(&t->body);
	free(t->made);
	t->made = NULL;
	pthread_mutex_lock(&run->lock);
	t->next = run->done;
	run->done = t;
	pthread_mutex_unlock(&run->lock);
}
