/* HTML escaping and base64. */
#include <stdint.h>

#include "base/encode.h"

int strbuf_add_html(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" :
				*s == '"' ? "&quot;" : NULL;

		if (e ? strbuf_addstr(sb, e) : strbuf_addch(sb, *s))
			return -1;
	}
	return 0;
}

int strbuf_add_base64(struct strbuf *sb, const void *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *d = p;

	if (strbuf_grow(sb, (n + 2) / 3 * 4))
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) |
			     (i + 2 < n ? d[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
			      i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };

		strbuf_add(sb, q, 4);
	}
	return 0;
}
