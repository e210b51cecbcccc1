/* JSON, CSV and C-style quoting of arbitrary bytes. */
#include <string.h>

#include "base/quote.h"

int utf8_valid_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

int quote_json(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (strbuf_addch(out, '"'))
		return -1;
	while (*p) {
		int n = utf8_valid_len(p);
		int rc;

		if (n == 0)
			rc = strbuf_addf(out, "\\udc%02x", *p++);
		else if (*p == '"' || *p == '\\')
			rc = strbuf_addch(out, '\\') || strbuf_addch(out, (char)*p++);
		else if (*p == '\n')
			p++, rc = strbuf_addstr(out, "\\n");
		else if (*p == '\t')
			p++, rc = strbuf_addstr(out, "\\t");
		else if (*p == '\r')
			p++, rc = strbuf_addstr(out, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			rc = strbuf_addf(out, "\\u%04x", *p++);
		else {
			rc = strbuf_add(out, p, (size_t)n);
			p += n;
		}
		if (rc)
			return -1;
	}
	return strbuf_addch(out, '"');
}

int quote_csv(struct strbuf *out, const char *s)
{
	size_t n = strlen(s);

	if (!strpbrk(s, ",\"\r\n") && !(n && (s[0] == ' ' || s[n - 1] == ' ')))
		return strbuf_add(out, s, n);
	if (strbuf_addch(out, '"'))
		return -1;
	for (; *s; s++)
		if ((*s == '"' && strbuf_addch(out, '"')) || strbuf_addch(out, *s))
			return -1;
	return strbuf_addch(out, '"');
}

static int c_plain(const unsigned char *p)
{
	while (*p) {
		int n = utf8_valid_len(p);

		if (!n || *p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return 0;
		p += n;
	}
	return 1;
}

int quote_c(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (c_plain(p))
		return strbuf_addstr(out, s);
	if (strbuf_addch(out, '"'))
		return -1;
	while (*p) {
		int n = utf8_valid_len(p), rc;

		if (*p == '\n')
			rc = strbuf_addstr(out, "\\n");
		else if (*p == '\t')
			rc = strbuf_addstr(out, "\\t");
		else if (*p == '"' || *p == '\\')
			rc = strbuf_addch(out, '\\') || strbuf_addch(out, (char)*p);
		else if (!n || *p < 0x20 || *p == 0x7f)
			rc = strbuf_addf(out, "\\%03o", *p);
		else {
			rc = strbuf_add(out, p, (size_t)n);
			p += n;
			if (rc)
				return -1;
			continue;
		}
		if (rc)
			return -1;
		p++;
	}
	return strbuf_addch(out, '"');
}
