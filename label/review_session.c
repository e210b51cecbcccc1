/* label review's session: its queues by name, the text it hands the page
 * (valid UTF-8, class names as hex of their bytes), its classes, and
 * loading and releasing it all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review.h"

static const char *const queue_names[RQ_COUNT] = { "suspects", "conflicts", "groups", "issues" };

const char *review_queue_name(enum review_queue k)
{
	return (unsigned)k < RQ_COUNT ? queue_names[k] : NULL;
}

int review_queue_parse(const char *s)
{
	for (int k = 0; s && k < RQ_COUNT; k++)
		if (!strcmp(queue_names[k], s))
			return k;
	return -1;
}

const struct item *review_find_image(const struct session *s, int64_t id)
{
	for (int k = 0; k < RQ_COUNT; k++)
		for (size_t i = 0; i < s->q[k].n; i++)
			if (s->q[k].it[i].id == id)
				return &s->q[k].it[i];
	return NULL;
}

struct queue *review_find_queue(struct session *s, const char *name)
{
	for (int k = 0; name && k < RQ_COUNT; k++)
		if (!strcmp(s->q[k].name, name))
			return &s->q[k];
	return NULL;
}

/* A copy that is valid UTF-8 (each stray byte becomes U+FFFD), for the
 * page: jansson refuses other strings, and a refused one would silently
 * drop its item. Files are still addressed by id, never by this. */
char *review_text(const char *s)
{
	struct strbuf o = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return NULL;
	while (*p) {
		int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
			(*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0;

		for (int i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (ok && n == 2 && *p < 0xc2)
			ok = 0;  /* overlong */
		if (ok) {
			strbuf_add(&o, p, (size_t)n);
			p += n;
		} else {
			strbuf_addstr(&o, "\xef\xbf\xbd");
			p++;
		}
	}
	if (!o.len)
		strbuf_addstr(&o, "");
	return strbuf_detach(&o);
}

/* Class names travel to the page and back as hex of their bytes, so a
 * folder name that is not UTF-8 is still named exactly. */
char *review_to_hex(const char *bytes)
{
	size_t n = strlen(bytes);
	char *h = malloc(2 * n + 1);

	for (size_t i = 0; h && i < n; i++)
		snprintf(h + 2 * i, 3, "%02x", (unsigned char)bytes[i]);
	if (h)
		h[2 * n] = '\0';
	return h;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The bytes hex names (malloc'd), or NULL when it is not even-length hex
 * of non-NUL bytes. */
char *review_from_hex(const char *hex)
{
	size_t n = strlen(hex);
	char *b = n % 2 ? NULL : malloc(n / 2 + 1);

	for (size_t i = 0; b && i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(b);
			return NULL;
		}
		b[i] = (char)(hi << 4 | lo);
	}
	if (b)
		b[n / 2] = '\0';
	return b;
}

int review_is_class(const struct session *s, const char *c)
{
	for (int i = 0; c && i < s->nclasses; i++)
		if (!strcmp(s->classes[i], c))
			return 1;
	return 0;
}

long review_item_index(const struct queue *q, int64_t id)
{
	for (size_t i = 0; i < q->n; i++) {
		size_t index = i;

		if (q->it[i].id != id)
			continue;
		if (q->ngroups)
			for (index = 0; q->gfirst[index + 1] <= i; index++)
				;
		return (long)index;
	}
	return -1;
}

static int add_class(const char *name, void *data)
{
	struct session *s = data;
	char **g;

	if (!name || review_is_class(s, name))
		return 0;
	g = realloc(s->classes, (size_t)(s->nclasses + 1) * sizeof(*g));
	if (!g)
		return -1;
	s->classes = g;
	s->classes[s->nclasses] = strdup(name);
	return s->classes[s->nclasses++] ? 0 : -1;
}

static int cmp_cls(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void review_session_release(struct session *s)
{
	review_queues_release(s);
	for (size_t i = 0; i < s->nthumbs; i++)
		free(s->thumbs[i].data);
	free(s->thumbs);
	for (int i = 0; i < s->nclasses; i++)
		free(s->classes[i]);
	free(s->classes);
}

int review_session_load(struct session *s, const struct suspects_opts *o, struct wn_err *err)
{
	const char *prefix = s->prefix.len ? s->prefix.buf : NULL;

	if (review_queues_build(s, prefix, o, err) ||
	    images_classes(s->cat, prefix, add_class, s, err))
		return -1;
	if (s->nclasses)
		qsort(s->classes, (size_t)s->nclasses, sizeof(char *), cmp_cls);
	return 0;
}
