/* The text label review hands its page: valid UTF-8 (jansson refuses
 * anything else), and class names as the hex of their bytes, so a folder
 * name that is not UTF-8 still names its own folder when it comes back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review.h"

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
