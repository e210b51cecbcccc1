/* A growable byte string, for paths built while walking and for output
 * lines. After strbuf_init(), `buf` is never NULL and is NUL-terminated;
 * `len` excludes the NUL. Bytes may include anything but the final NUL, so
 * non-UTF-8 file names pass through untouched. */
#ifndef WINNOW_STRBUF_H
#define WINNOW_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;  /* 0 while buf points at the shared empty string */
};

#define STRBUF_INIT { strbuf_empty, 0, 0 }
extern char strbuf_empty[];

void strbuf_init(struct strbuf *sb);
/* strbuf_release() : frees the storage and leaves sb as after init. */
void strbuf_release(struct strbuf *sb);
/* strbuf_detach() : hands the (malloc'd, never NULL) string to the caller. */
char *strbuf_detach(struct strbuf *sb);

/* Appending functions return 0, or -1 when memory ran out (sb unchanged). */
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb) { strbuf_setlen(sb, 0); }

#endif
