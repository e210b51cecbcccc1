/* Which addresses the scraper connects to: none on this machine or its
 * networks unless asked (--allow-private, --allow-address), checked on the
 * resolved address of every connection, so a listed name or a redirect
 * cannot reach 127.0.0.1, the cloud metadata service or the intranet. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "net/internal.h"

/* A range of IPv4 addresses and what it is (RFC 6890, RFC 6598). */
static const struct v4_range {
	uint32_t net, mask;
	const char *what;
} v4_ranges[] = {
	{ 0x00000000, 0xff000000, "an unspecified address" },        /* 0.0.0.0/8 */
	{ 0x7f000000, 0xff000000, "a loopback address" },            /* 127/8 */
	{ 0x0a000000, 0xff000000, "a private address" },             /* 10/8 */
	{ 0xac100000, 0xfff00000, "a private address" },             /* 172.16/12 */
	{ 0xc0a80000, 0xffff0000, "a private address" },             /* 192.168/16 */
	{ 0x64400000, 0xffc00000, "a shared (carrier-grade NAT) address" }, /* 100.64/10 */
	{ 0xa9fe0000, 0xffff0000, "a link-local address" },          /* 169.254/16 */
	{ 0xe0000000, 0xf0000000, "a multicast address" },           /* 224/4 */
	{ 0xf0000000, 0xf0000000, "a reserved address" },            /* 240/4, broadcast */
};

static const char *v4_refusal(uint32_t a)
{
	for (size_t i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++)
		if ((a & v4_ranges[i].mask) == v4_ranges[i].net)
			return v4_ranges[i].what;
	return NULL;
}

static uint32_t v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* IPv6, and IPv4 carried in it: mapped (::ffff:0:0/96), compatible
 * (::/96, deprecated) and NAT64 (64:ff9b::/96), whose gateway connects to
 * the IPv4 address inside. */
static const char *v6_refusal(const uint8_t *b)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff },
		nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (!memcmp(b, zero, 16))
		return "an unspecified address";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return "a loopback address";
	if (!memcmp(b, mapped, 12) || !memcmp(b, zero, 12) || !memcmp(b, nat64, 12))
		return v4_refusal(v4_at(b + 12));
	if ((b[0] & 0xfe) == 0xfc)
		return "a unique-local address";     /* fc00::/7 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";       /* fe80::/10 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "a site-local address";       /* fec0::/10, deprecated */
	if (b[0] == 0xff)
		return "a multicast address";
	return NULL;
}

static int allowed(const struct scrape_opts *o, const uint8_t v6[16])
{
	for (int i = 0; i < o->nallowed; i++)
		if (!memcmp(o->allowed[i].s6_addr, v6, 16))
			return 1;
	return 0;
}

const char *scrape_address_refusal(const struct scrape_opts *o, const struct sockaddr *sa,
				   char *text, size_t size)
{
	uint8_t v6[16] = { [10] = 0xff, [11] = 0xff };
	const char *why;

	if (o->allow_private)
		return NULL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		memcpy(v6 + 12, &in->sin_addr, 4);
		why = v4_refusal(v4_at(v6 + 12));
		inet_ntop(AF_INET, &in->sin_addr, text, (socklen_t)size);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		memcpy(v6, &in6->sin6_addr, 16);
		why = v6_refusal(v6);
		inet_ntop(AF_INET6, &in6->sin6_addr, text, (socklen_t)size);
	} else {
		snprintf(text, size, "address family %d", sa->sa_family);
		return "not an internet address";
	}
	return why && !allowed(o, v6) ? why : NULL;
}

int scrape_address_parse(const char *s, struct in6_addr *out)
{
	struct in_addr v4;

	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	if (inet_pton(AF_INET, s, &v4) != 1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	memcpy(out->s6_addr + 12, &v4, 4);
	return 0;
}
