/* Trusted proxies and X-Forwarded-For: see broker_proxy.h. */
#include <stdio.h>
#include <string.h>

#include "broker_proxy.h"

int broker_proxy_parse_cidr(const char *s, struct broker_cidr *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, '/'))
		return cidr_parse(s, &out->net, &out->prefix, err, errlen);
	if (ip_parse(s, &out->net) < 0) {
		snprintf(err, errlen, "not an IP address or CIDR: %.80s", s);
		return -1;
	}
	out->prefix = 128;
	return 0;
}

bool broker_proxy_cidr_contains(const struct broker_cidr *c, const struct ipaddr *ip)
{
	struct ipaddr masked = *ip;

	ip_mask(&masked, c->prefix);
	return memcmp(masked.b, c->net.b, sizeof(masked.b)) == 0;
}

bool broker_proxy_trusted(const struct broker_cidr *list, size_t n, const struct ipaddr *ip)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (broker_proxy_cidr_contains(&list[i], ip))
			return true;
	}
	return false;
}

/* One comma-separated element, trimmed, into out. */
static int proxy_element(const char *s, size_t n, struct ipaddr *out)
{
	char buf[IP_STR_LEN];

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ip_parse(buf, out);
}

int broker_proxy_client(const struct ipaddr *peer, const char *const *xff, size_t n_xff,
			const struct broker_cidr *trusted, size_t n_trusted, struct ipaddr *out,
			char *err, size_t errlen)
{
	struct ipaddr hop;
	size_t h, total = 0;
	const char *s, *end, *comma;

	*out = *peer;
	if (!broker_proxy_trusted(trusted, n_trusted, peer))
		return 0;
	for (h = 0; h < n_xff; h++)
		total += strlen(xff[h]);
	if (total > BROKER_XFF_MAX_LEN) {
		snprintf(err, errlen, "X-Forwarded-For: longer than %d bytes", BROKER_XFF_MAX_LEN);
		return -1;
	}
	/* Right to left over the headers, and within each header. */
	for (h = n_xff; h-- > 0;) {
		s = xff[h];
		end = s + strlen(s);
		while (end > s) {
			comma = end;
			while (comma > s && comma[-1] != ',')
				comma--;
			if (proxy_element(comma, (size_t)(end - comma), &hop) < 0) {
				snprintf(err, errlen, "X-Forwarded-For: not an IP address");
				return -1;
			}
			*out = hop;
			if (!broker_proxy_trusted(trusted, n_trusted, &hop))
				return 0;
			end = comma > s ? comma - 1 : s;
		}
	}
	/* Every hop was a trusted proxy: the leftmost one is the best we know
	 * (or the peer itself when there was no header). */
	return 0;
}
