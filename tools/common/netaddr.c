#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int netaddr_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return -1;
	char sep = s[2];
	if (sep != ':' && sep != '-')
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		int hi = netaddr_hex((unsigned char)p[0]);
		int lo = netaddr_hex((unsigned char)p[1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (i < 5 && p[2] != sep)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void mac_format(const uint8_t mac[6], char out[MAC_STR_LEN])
{
	snprintf(out, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

static const uint8_t netaddr_v4prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int ip_parse(const char *s, struct ipaddr *out)
{
	if (!s || strlen(s) >= IP_STR_LEN)
		return -1;
	struct in_addr a4;
	/* inet_pton's IPv4 form is strictly dotted-quad: no octal, no short forms. */
	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out->b, netaddr_v4prefix, 12);
		memcpy(out->b + 12, &a4, 4);
		return 0;
	}
	struct in6_addr a6;
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out->b, &a6, 16);
		return 0;
	}
	return -1;
}

int ip_from_sockaddr(const struct sockaddr *sa, struct ipaddr *out)
{
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		memcpy(out->b, netaddr_v4prefix, 12);
		memcpy(out->b + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		memcpy(out->b, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

bool ip_is_v4(const struct ipaddr *ip)
{
	return memcmp(ip->b, netaddr_v4prefix, 12) == 0;
}

bool ip_is_loopback(const struct ipaddr *ip)
{
	if (ip_is_v4(ip))
		return ip->b[12] == 127;
	static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	return memcmp(ip->b, lo6, 16) == 0;
}

void ip_format(const struct ipaddr *ip, char out[IP_STR_LEN])
{
	if (ip_is_v4(ip))
		inet_ntop(AF_INET, ip->b + 12, out, IP_STR_LEN);
	else
		inet_ntop(AF_INET6, ip->b, out, IP_STR_LEN);
}

void ip_mask(struct ipaddr *ip, unsigned prefix)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;
		if (bit >= prefix)
			ip->b[i] = 0;
		else if (prefix - bit < 8)
			ip->b[i] &= (uint8_t)(0xff << (8 - (prefix - bit)));
	}
}

int cidr_parse(const char *s, struct ipaddr *net, unsigned *prefix, char *err, size_t errlen)
{
	char buf[IP_STR_LEN + 8];
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash || (size_t)(slash - s) >= IP_STR_LEN) {
		snprintf(err, errlen, "'%.60s' is not a CIDR (address/prefix)", s ? s : "");
		return -1;
	}
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (ip_parse(buf, net) < 0) {
		snprintf(err, errlen, "'%.60s' is not an IP address", buf);
		return -1;
	}
	const char *p = slash + 1;
	unsigned len = 0;
	if (!*p || strlen(p) > 3) {
		snprintf(err, errlen, "'%.60s' has no valid prefix length", s);
		return -1;
	}
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			snprintf(err, errlen, "'%.60s' has no valid prefix length", s);
			return -1;
		}
		len = len * 10 + (unsigned)(*p - '0');
	}
	unsigned max = ip_is_v4(net) ? 32 : 128;
	if (len > max) {
		snprintf(err, errlen, "prefix /%u is longer than /%u", len, max);
		return -1;
	}
	unsigned full = ip_is_v4(net) ? len + 96 : len;
	struct ipaddr masked = *net;
	ip_mask(&masked, full);
	if (memcmp(&masked, net, sizeof(masked)) != 0) {
		char fixed[IP_STR_LEN];
		ip_format(&masked, fixed);
		snprintf(err, errlen, "'%.60s' has host bits set; did you mean %s/%u?", s, fixed,
			 len);
		return -1;
	}
	*prefix = full;
	return 0;
}

void cidr_format(const struct ipaddr *net, unsigned prefix, char *out, size_t outlen)
{
	char a[IP_STR_LEN];
	ip_format(net, a);
	snprintf(out, outlen, "%s/%u", a, ip_is_v4(net) ? prefix - 96 : prefix);
}

static bool netaddr_hostchar(int c)
{
	return isalnum(c) || c == '-';
}

bool hostname_valid(const char *s)
{
	size_t total = strlen(s);
	if (total == 0 || total > HOSTNAME_MAX)
		return false;
	size_t label = 0;
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return false;
			if (c == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!netaddr_hostchar(c) || c > 0x7f)
			return false;
		if (label == 0 && c == '-')
			return false;
		label++;
	}
}

bool hostglob_valid(const char *s)
{
	size_t total = strlen(s);
	bool wild = false;
	if (total == 0 || total > HOSTNAME_MAX)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '*' || c == '?') {
			wild = true;
		} else if (c == '[') {
			const char *close = strchr(p + 1, ']');
			if (!close || close == p + 1)
				return false;
			for (const char *q = p + 1; q < close; q++)
				if (!netaddr_hostchar((unsigned char)*q) && *q != '!' && *q != '.')
					return false;
			wild = true;
			p = close;
		} else if (!netaddr_hostchar(c) && c != '.') {
			return false;
		}
	}
	return wild;
}
