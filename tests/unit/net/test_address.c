/* net/address.c: which addresses the scraper refuses, at the edges of
 * every range, in IPv4, IPv6 and IPv4 carried in IPv6. */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "net/net.h"
#include "tests/unit/unit.h"

/* What scrape_address_refusal() says of the address s, "" for none. */
static const char *refusal(const struct scrape_opts *o, const char *s)
{
	static char text[64];
	struct sockaddr_storage ss;
	const char *why;

	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, s, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, s, &in->sin_addr), 1);
	}
	why = scrape_address_refusal(o, (struct sockaddr *)&ss, text, sizeof(text));
	if (why)
		assert_string_equal(text, s);  /* the message names the address */
	return why ? why : "";
}

/* Addresses at the edges of each range and what is refused of them. */
static const struct edge {
	const char *address, *refusal;
} edges[] = {
	{ "0.255.255.255", "an unspecified address" },
	{ "1.0.0.0", "" },
	{ "9.255.255.255", "" },
	{ "10.0.0.0", "a private address" },
	{ "10.255.255.255", "a private address" },
	{ "11.0.0.0", "" },
	{ "100.63.255.255", "" },
	{ "100.64.0.0", "a shared (carrier-grade NAT) address" },
	{ "100.127.255.255", "a shared (carrier-grade NAT) address" },
	{ "100.128.0.0", "" },
	{ "126.255.255.255", "" },
	{ "127.0.0.1", "a loopback address" },
	{ "127.255.255.254", "a loopback address" },
	{ "128.0.0.0", "" },
	{ "169.253.255.255", "" },
	{ "169.254.169.254", "a link-local address" },
	{ "169.255.0.0", "" },
	{ "172.15.255.255", "" },
	{ "172.16.0.0", "a private address" },
	{ "172.31.255.255", "a private address" },
	{ "172.32.0.0", "" },
	{ "192.167.255.255", "" },
	{ "192.168.0.1", "a private address" },
	{ "192.169.0.0", "" },
	{ "223.255.255.255", "" },
	{ "224.0.0.1", "a multicast address" },
	{ "239.255.255.255", "a multicast address" },
	{ "240.0.0.0", "a reserved address" },
	{ "255.255.255.255", "a reserved address" },
	{ "8.8.8.8", "" },
	{ "::", "an unspecified address" },
	{ "::1", "a loopback address" },
	{ "::2", "an unspecified address" }, /* ::0.0.0.2 */
	{ "fbff:ffff::", "" },
	{ "fc00::", "a unique-local address" },
	{ "fdff:ffff::1", "a unique-local address" },
	{ "fe7f::1", "" },
	{ "fe80::1", "a link-local address" },
	{ "febf::1", "a link-local address" },
	{ "fec0::1", "a site-local address" },
	{ "ff02::1", "a multicast address" },
	{ "2001:db8::1", "" },
	{ "2606:4700::1111", "" },
	/* IPv4 inside: mapped, compatible, NAT64 */
	{ "::ffff:127.0.0.1", "a loopback address" },
	{ "::ffff:10.1.2.3", "a private address" },
	{ "::ffff:8.8.8.8", "" },
	{ "::127.0.0.1", "a loopback address" },
	/* 169.254.169.254 and 8.8.8.8 */
	{ "64:ff9b::a9fe:a9fe", "a link-local address" },
	{ "64:ff9b::808:808", "" },
};

/* Checks the IPv4 (or IPv6) rows; returns how many there were. */
static int check_edges(int ipv6)
{
	struct scrape_opts o = { 0 };
	int n = 0;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge *e = &edges[i];
		const char *why;

		if ((strchr(e->address, ':') != NULL) != ipv6)
			continue;
		why = refusal(&o, e->address);
		if (strcmp(why, e->refusal) != 0)
			fail_msg("%s: \"%s\", wanted \"%s\"", e->address, why, e->refusal);
		n++;
	}
	return n;
}

UNIT_TEST(test_ipv4_edges)
{
	assert_int_equal(check_edges(0), 30);
}

UNIT_TEST(test_ipv6)
{
	assert_int_equal(check_edges(1), 19);
}

UNIT_TEST(test_allowed)
{
	struct scrape_opts o = { 0 };
	struct in6_addr a;

	assert_int_equal(scrape_address_parse("nonsense", &a), -1);
	assert_int_equal(scrape_address_parse("127.0.0.300", &a), -1);
	assert_int_equal(scrape_address_parse("127.0.0.1", &o.allowed[o.nallowed++]), 0);
	assert_int_equal(scrape_address_parse("fd00::5", &o.allowed[o.nallowed++]), 0);
	assert_string_equal(refusal(&o, "127.0.0.1"), "");
	assert_string_equal(refusal(&o, "::ffff:127.0.0.1"), "");  /* the same address */
	assert_string_equal(refusal(&o, "127.0.0.2"), "a loopback address");
	assert_string_equal(refusal(&o, "fd00::5"), "");
	assert_string_equal(refusal(&o, "fd00::6"), "a unique-local address");
	o.allow_private = 1;
	assert_string_equal(refusal(&o, "10.0.0.1"), "");
	assert_string_equal(refusal(&o, "::1"), "");
}
