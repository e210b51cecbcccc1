/* Which addresses a run connects to: none on this machine or its networks
 * unless its options allow them (allow_private, allowed). */
#ifndef WINNOW_NET_ADDRESS_H
#define WINNOW_NET_ADDRESS_H

#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/scrape.h"

/*
 * scrape_address_refusal() : why sa is not to be connected to under o (a
 * loopback, private, link-local, ... address, also in IPv4-mapped form),
 * as "a loopback address", with the address itself written to text;
 * NULL when it may be (a public one, or o allows it: allow_private, allowed).
 */
const char *scrape_address_refusal(const struct scrape_opts *o, const struct sockaddr *sa,
				   char *text, size_t size);
/* scrape_address_parse() : an IPv4 or IPv6 address into out (IPv4 mapped).
 * @return 0, or -1 when s is not one. */
int scrape_address_parse(const char *s, struct in6_addr *out);

#endif
