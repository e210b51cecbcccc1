/* Text encodings for the pages commands write: HTML escaping and base64
 * (for images inlined as data: URLs). */
#ifndef WINNOW_ENCODE_H
#define WINNOW_ENCODE_H

#include <stddef.h>

#include "base/strbuf.h"

/* strbuf_add_html() : appends s with <, >, & and " escaped as entities;
 * s may be NULL (nothing is added). @return 0, or -1 when out of memory. */
int strbuf_add_html(struct strbuf *sb, const char *s);

/* strbuf_add_base64() : appends the n bytes at p in base64 (RFC 4648, with
 * padding). @return 0, or -1 when out of memory. */
int strbuf_add_base64(struct strbuf *sb, const void *p, size_t n);

#endif
