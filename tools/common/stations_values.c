/* The value checks the key table's rows name (stations_keys.c), one per
 * kind of value. st_value_check has already refused an empty value, one
 * that is not UTF-8 or has control characters, and one longer than the
 * row's max; these say what else a value of the kind must be. */
#include "stations_internal.h"
#include "stations_keys.h"
#include "usb_filter.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int st_check_clean_text(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	/* A name reaches admins' terminals and station screens: no C1
	 * control (U+009B is a terminal's CSI) and no U+2028/2029 either. */
	if (!utf8_text_clean(v, strlen(v))) {
		snprintf(err, errlen, "%s: value has control characters", k->name);
		return -1;
	}
	return 0;
}

int st_check_group_name(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if (st_group_name_valid(v))
		return 0;
	snprintf(err, errlen, "%s: '%.80s' is not a valid group name (1-%d of A-Z a-z 0-9 . _ -)",
		 k->name, v, ST_GROUP_NAME_MAX);
	return -1;
}

int st_check_pool_name(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if (st_group_name_valid(v) && v[0] != '.')
		return 0;
	snprintf(err, errlen, "%s: '%.80s' is not a valid pool name (1-%d of A-Z a-z 0-9 . _ -)",
		 k->name, v, ST_GROUP_NAME_MAX);
	return -1;
}

/* libvirt allows more in a name; stations files stay with what is safe in
 * every log, shell and URL that shows it. */
int st_check_domain_name(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	for (const char *p = v; *p; p++) {
		if (isalnum((unsigned char)*p) || strchr("._+-", *p))
			continue;
		snprintf(err, errlen, "%s: '%.80s' is not a domain name (A-Z a-z 0-9 . _ + -)",
			 k->name, v);
		return -1;
	}
	return 0;
}

int st_check_enum(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	size_t n = 0, o;

	for (n = 0; k->choices[n]; n++)
		if (strcmp(v, k->choices[n]) == 0)
			return 0;
	/* "protocol: 'ica' is not spice, rdp or vnc" */
	o = (size_t)snprintf(err, errlen, "%s: '%.40s' is not ", k->name, v);
	for (size_t i = 0; i < n && o < errlen; i++)
		o += (size_t)snprintf(err + o, errlen - o, "%s%s",
				      i == 0	   ? ""
				      : i + 1 == n ? " or "
						   : ", ",
				      k->choices[i]);
	return -1;
}

int st_check_bool(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	bool b;

	if (st_bool_parse(v, &b) == 0)
		return 0;
	snprintf(err, errlen, "%s: '%.40s' is not yes or no", k->name, v);
	return -1;
}

/* INT and DURATION: decimal digits only (no sign, no blanks, no 0x), within
 * the row's range. */
int st_check_number(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (isdigit((unsigned char)v[0]) && !*end && !errno && n >= (unsigned long)k->min &&
	    n <= (unsigned long)k->max)
		return 0;
	snprintf(err, errlen, "%s: '%.20s' is not a number from %ld to %ld%s", k->name, v, k->min,
		 k->max, k->type == ST_TYPE_DURATION ? " (seconds)" : "");
	return -1;
}

int st_check_port(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	unsigned port;

	if (st_port_parse(v, &port) == 0 && port >= (unsigned)k->min && port <= (unsigned)k->max)
		return 0;
	snprintf(err, errlen, "%s: '%.20s' is not a port (%ld-%ld)", k->name, v, k->min, k->max);
	return -1;
}

int st_check_host(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if (st_host_valid(v))
		return 0;
	snprintf(err, errlen, "%s: '%.80s' is not a host name or IP address", k->name, v);
	return -1;
}

int st_check_proxy(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if ((strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) && !strchr(v, ' ') &&
	    strstr(v, "://")[3] != '\0')
		return 0;
	snprintf(err, errlen, "%s: '%.80s' is not an http:// or https:// URL", k->name, v);
	return -1;
}

/* connection_url: https://HOST[:PORT][/PATH], or http:// to this machine
 * only (a ticket must not cross a network in clear). No user:password@:
 * credentials go in the connection_auth file, never in a URL that ends up
 * in logs. */
static bool st_connection_url_ok(const char *v)
{
	bool tls = strncmp(v, "https://", 8) == 0;
	const char *h, *end, *colon;
	char host[HOSTNAME_MAX + 1];
	struct ipaddr ip;
	size_t hlen;

	if (!tls && strncmp(v, "http://", 7) != 0)
		return false;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return false;
	h = v + (tls ? 8 : 7);
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)))
		return false;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));
		if (!close)
			return false;
		hlen = (size_t)(close - h - 1);
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return false;
		h++;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hlen = (size_t)((colon ? colon : end) - h);
	}
	if (hlen == 0 || hlen > HOSTNAME_MAX)
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (ip_parse(host, &ip) < 0 && !hostname_valid(host))
		return false;
	if (colon) {
		size_t plen = (size_t)(end - colon - 1);
		unsigned long port;
		if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") < plen)
			return false;
		port = strtoul(colon + 1, NULL, 10);
		if (port < ST_PORT_MIN || port > ST_PORT_MAX)
			return false;
	}
	if (!tls)
		return strcasecmp(host, "localhost") == 0 ||
		       (ip_parse(host, &ip) == 0 && ip_is_loopback(&ip));
	return true;
}

int st_check_connection_url(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if (st_connection_url_ok(v))
		return 0;
	snprintf(err, errlen,
		 "%s: '%.80s' is not an https:// URL (http:// only to 127.0.0.1, ::1 or "
		 "localhost; no user@ in it)",
		 k->name, v);
	return -1;
}

/* A libvirt connection URI: scheme://[host]/path, as in qemu:///system,
 * qemu+ssh://kvm1/system or test:///default. The broker hands it to libvirt
 * as it is; this only catches what cannot be one. */
static bool st_libvirt_uri_valid(const char *s)
{
	const char *sep = strstr(s, "://");

	if (!sep || sep == s || !isalpha((unsigned char)s[0]))
		return false;
	for (const char *p = s; p < sep; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return false;
	for (const char *p = sep; *p; p++)
		if (isspace((unsigned char)*p) || *p == '"' || *p == '\\')
			return false;
	return true;
}

int st_check_libvirt_uri(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if (st_libvirt_uri_valid(v))
		return 0;
	snprintf(err, errlen, "%s: '%.80s' is not a libvirt URI such as qemu:///system", k->name,
		 v);
	return -1;
}

int st_check_endpoint(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	enum st_protocol proto;
	unsigned port;
	char e2[200];

	if (st_fallback_parse(v, &proto, NULL, 0, &port, e2, sizeof(e2)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", k->name, e2);
	return -1;
}

/* Pool paths are handed to qemu-img and written into domain XML: no commas
 * (qemu-img option syntax) and nothing that needs quoting. */
int st_check_pool_path(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	if (!strpbrk(v, ",\"'<>&"))
		return 0;
	snprintf(err, errlen, "%s: '%.80s' has one of , \" ' < > &", k->name, v);
	return -1;
}

/* The station's own parser decides: whatever passes here, the station
 * reads the same way (a filter it refuses would keep it on the error
 * screen for good). */
int st_check_usb_filter(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	struct usb_filter f;
	char e2[200] = "";

	if (usb_filter_parse(v, &f, e2, sizeof(e2)) == 0)
		return 0;
	/* "usb_deny: USB filter rule 2: ..." */
	snprintf(err, errlen, "%s: USB filter%s%s", k->name,
		 strncmp(e2, "rule ", 5) == 0 ? " " : ": ", e2[0] ? e2 : "invalid");
	return -1;
}

bool st_desktop_list_next(const char **p, char *out, size_t outlen)
{
	const char *s = *p, *end;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	end = strchr(s, ',');
	if (!end)
		end = s + strlen(s);
	*p = *end ? end + 1 : end;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - s);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* Names only: whether each names a [desktop:NAME] section is known when
 * the config is built. A name twice is a mistake worth saying. */
int st_check_desktop_list(const struct st_keydef *k, const char *v, char *err, size_t errlen)
{
	char name[ST_GROUP_NAME_MAX + 2], seen[ST_DESKTOPS_MAX][ST_GROUP_NAME_MAX + 1];
	const char *p = v, *end;
	size_t n = 0, len;

	for (;; p = end + 1) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len) {
			snprintf(err, errlen, "%s: an empty name in the list", k->name);
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s",
			 (int)(len < sizeof(name) ? len : sizeof(name) - 1), p);
		if (len > ST_GROUP_NAME_MAX || !st_group_name_valid(name) || name[0] == '.') {
			snprintf(err, errlen,
				 "%s: '%.80s' is not a valid desktop name (1-%d of A-Z a-z 0-9 . _ "
				 "-, not starting with '.')",
				 k->name, name, ST_GROUP_NAME_MAX);
			return -1;
		}
		if (n == ST_DESKTOPS_MAX) {
			snprintf(err, errlen, "%s: more than %d desktops", k->name,
				 ST_DESKTOPS_MAX);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (strcmp(seen[i], name) == 0) {
				snprintf(err, errlen, "%s: '%s' is named twice", k->name, name);
				return -1;
			}
		}
		memcpy(seen[n++], name, len + 1); /* len <= ST_GROUP_NAME_MAX */
		if (!end)
			return 0;
	}
}
