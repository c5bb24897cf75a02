/* Which address a request comes from, when reverse proxies are involved.
 *
 * The TCP peer is the truth unless the peer is a proxy the admin trusts
 * (--trusted-proxy). Only then is X-Forwarded-For read, from the right: each
 * trusted proxy appends the address it saw, so the first address from the
 * right that is not itself a trusted proxy is the client. Anything further
 * left was written by the client and proves nothing. */
#ifndef BROKER_PROXY_H
#define BROKER_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "netaddr.h"

#define BROKER_PROXY_MAX   32
#define BROKER_XFF_MAX_LEN 2048

struct broker_cidr {
	struct ipaddr net;
	unsigned prefix; /* in the 128-bit space, as netaddr.h keeps it */
};

/* An IP (a single-address prefix) or a CIDR. 0 or -1 with err. */
int broker_proxy_parse_cidr(const char *s, struct broker_cidr *out, char *err, size_t errlen);
bool broker_proxy_cidr_contains(const struct broker_cidr *c, const struct ipaddr *ip);
bool broker_proxy_trusted(const struct broker_cidr *list, size_t n, const struct ipaddr *ip);

/* The client address. xff holds the X-Forwarded-For header values in the
 * order they arrived (NULL or n_xff 0 when there are none); they are
 * ignored unless peer is trusted. 0, or -1 with err when a trusted proxy
 * passed an address that does not parse (the request is then refused, since
 * the broker cannot tell who is asking). */
int broker_proxy_client(const struct ipaddr *peer, const char *const *xff, size_t n_xff,
			const struct broker_cidr *trusted, size_t n_trusted, struct ipaddr *out,
			char *err, size_t errlen);

#endif
