/* Station identities: MAC addresses, IP addresses, CIDR prefixes, host names.
 * Every parser here treats its input as hostile and rejects anything that is
 * not exactly of its form. */
#ifndef VDI_NETADDR_H
#define VDI_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define MAC_STR_LEN  18 /* "aa:bb:cc:dd:ee:ff" + NUL */
#define IP_STR_LEN   46 /* INET6_ADDRSTRLEN */
#define HOSTNAME_MAX 253

/* Accepts aa:bb:cc:dd:ee:ff and aa-bb-cc-dd-ee-ff, any case. 0 or -1. */
int mac_parse(const char *s, uint8_t mac[6]);
/* Lower case, colon separated. */
void mac_format(const uint8_t mac[6], char out[MAC_STR_LEN]);

/* IPv4 addresses are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that one
 * representation and one prefix arithmetic serve both families. */
struct ipaddr {
	uint8_t b[16];
};

int ip_parse(const char *s, struct ipaddr *out);
int ip_from_sockaddr(const struct sockaddr *sa, struct ipaddr *out);
bool ip_is_v4(const struct ipaddr *ip);
bool ip_is_loopback(const struct ipaddr *ip);
/* IPv4 prints dotted, IPv6 in RFC 5952 form. */
void ip_format(const struct ipaddr *ip, char out[IP_STR_LEN]);
/* Zeroes every bit after the first prefix bits (prefix in the 128-bit space). */
void ip_mask(struct ipaddr *ip, unsigned prefix);

/* "10.1.0.0/16" or "fd00::/8". *prefix is returned in the 128-bit space
 * (an IPv4 /16 gives 112). Host bits must be zero; err explains otherwise. */
int cidr_parse(const char *s, struct ipaddr *net, unsigned *prefix, char *err, size_t errlen);
/* Prints the CIDR the way the admin wrote it (IPv4 prefixes back in 0..32). */
void cidr_format(const struct ipaddr *net, unsigned prefix, char *out, size_t outlen);

/* RFC 1123 host name: labels of [A-Za-z0-9-], 1..63 long, total <= 253. */
bool hostname_valid(const char *s);
/* A host name pattern for fnmatch: host name characters plus * ? and [...]
 * classes, with at least one wildcard. */
bool hostglob_valid(const char *s);

#endif
