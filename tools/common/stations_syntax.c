/* The small grammars of the stations file: section headers (MATCH), keys and
 * their values. Everything here is pure and fuzzed through st_doc_parse. */
#include "stations_internal.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const st_key_names[ST_KEY__COUNT] = {
    [ST_KEY_NAME] = "name",
    [ST_KEY_GROUP] = "group",
    [ST_KEY_PROTOCOL] = "protocol",
    [ST_KEY_HOST] = "host",
    [ST_KEY_PORT] = "port",
    [ST_KEY_TLS_PORT] = "tls_port",
    [ST_KEY_PASSWORD] = "password",
    [ST_KEY_CA] = "ca",
    [ST_KEY_HOST_SUBJECT] = "host_subject",
    [ST_KEY_PROXY] = "proxy",
    [ST_KEY_FALLBACK] = "fallback",
    [ST_KEY_LOGIN] = "login",
    [ST_KEY_AUTOCONNECT] = "autoconnect",
    [ST_KEY_USB_REDIRECT] = "usb_redirect",
    [ST_KEY_USB_DENY] = "usb_deny",
    [ST_KEY_MAINTENANCE] = "maintenance",
    [ST_KEY_MESSAGE] = "message",
    [ST_KEY_WAIT_READY] = "wait_ready",
    [ST_KEY_SSO] = "sso",
    [ST_KEY_CONNECTION_FILE] = "connection_file",
    [ST_KEY_CONNECTION_URL] = "connection_url",
    [ST_KEY_CONNECTION_AUTH] = "connection_auth",
    [ST_KEY_CONNECTION_METHOD] = "connection_method",
    [ST_KEY_LIBVIRT_URI] = "libvirt_uri",
    [ST_KEY_DOMAIN] = "domain",
    [ST_KEY_DOMAIN_PASSWORD] = "domain_password",
    [ST_KEY_DISPLAY_HOST] = "display_host",
    [ST_KEY_POOL] = "pool",
    [ST_KEY_TEMPLATE] = "template",
    [ST_KEY_BASE_IMAGE] = "base_image",
    [ST_KEY_OVERLAY_DIR] = "overlay_dir",
    [ST_KEY_SIZE] = "size",
    [ST_KEY_MAX] = "max",
    [ST_KEY_IDLE_TIMEOUT] = "idle_timeout",
};

const char *st_key_name(enum st_key key)
{
	return (unsigned)key < ST_KEY__COUNT ? st_key_names[key] : "?";
}

int st_key_lookup(const char *name)
{
	for (int i = 0; i < ST_KEY__COUNT; i++)
		if (strcasecmp(name, st_key_names[i]) == 0)
			return i;
	return -1;
}

const char *st_kind_name(enum st_kind kind)
{
	switch (kind) {
	case ST_MAC:
		return "mac";
	case ST_IP:
		return "ip";
	case ST_CIDR:
		return "cidr";
	case ST_GLOB:
		return "hostname";
	case ST_DEFAULT:
		return "default";
	case ST_GROUP:
		return "group";
	case ST_POOL:
		return "pool";
	}
	return "?";
}

const char *st_protocol_name(enum st_protocol p)
{
	switch (p) {
	case ST_PROTO_SPICE:
		return "spice";
	case ST_PROTO_RDP:
		return "rdp";
	case ST_PROTO_VNC:
		return "vnc";
	}
	return "?";
}

unsigned st_default_port(enum st_protocol p)
{
	switch (p) {
	case ST_PROTO_RDP:
		return 3389;
	case ST_PROTO_VNC:
		return 5900;
	case ST_PROTO_SPICE:
		break;
	}
	return 0;
}

static int st_protocol_parse(const char *s, enum st_protocol *p)
{
	if (strcmp(s, "spice") == 0)
		*p = ST_PROTO_SPICE;
	else if (strcmp(s, "rdp") == 0)
		*p = ST_PROTO_RDP;
	else if (strcmp(s, "vnc") == 0)
		*p = ST_PROTO_VNC;
	else
		return -1;
	return 0;
}

void st_match_from(struct st_match *m, const struct st_target *t, const char *text)
{
	memset(m, 0, sizeof(*m));
	m->text = text;
	m->ip = t->ip;
	m->kind = t->kind;
	m->prefix = (uint8_t)t->prefix;
	memcpy(m->mac, t->mac, sizeof(m->mac));
}

void st_match_target(const struct st_match *m, struct st_target *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = m->kind;
	memcpy(t->mac, m->mac, sizeof(t->mac));
	t->ip = m->ip;
	t->prefix = m->prefix;
	snprintf(t->text, sizeof(t->text), "%s", m->text);
}

void st_diag_add(struct st_diags *d, unsigned line, const char *fmt, ...)
{
	if (!d)
		return;
	/* Past the cap only the count grows. */
	if (d->n >= ST_DIAGS_KEPT) {
		d->n++;
		return;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		if (ncap > ST_DIAGS_KEPT)
			ncap = ST_DIAGS_KEPT;
		struct st_diag *nv = realloc(d->v, ncap * sizeof(*nv));
		if (!nv)
			return;
		d->v = nv;
		d->cap = ncap;
	}
	struct st_diag *g = &d->v[d->n++];
	g->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

void st_diags_free(struct st_diags *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

void st_diags_print(const struct st_diags *d, FILE *out)
{
	size_t kept = d->n < ST_DIAGS_KEPT ? d->n : ST_DIAGS_KEPT;

	for (size_t i = 0; i < kept; i++) {
		if (d->v[i].line)
			fprintf(out, "%s:%u: %s\n", d->file, d->v[i].line, d->v[i].msg);
		else
			fprintf(out, "%s: %s\n", d->file, d->v[i].msg);
	}
	if (d->n > kept)
		fprintf(out, "%s: and %zu more errors\n", d->file, d->n - kept);
}

static bool st_group_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

int st_target_parse(const char *s, struct st_target *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (!s || !*s) {
		snprintf(err, errlen, "empty MATCH");
		return -1;
	}
	size_t len = strlen(s);
	if (len >= ST_TARGET_MAX) {
		snprintf(err, errlen, "MATCH is too long (%zu characters)", len);
		return -1;
	}
	if (strncmp(s, "group:", 6) == 0) {
		if (!st_group_name_valid(s + 6)) {
			snprintf(err, errlen,
				 "'%.80s' is not a valid group name (1-63 of A-Z a-z 0-9 . _ -)",
				 s + 6);
			return -1;
		}
		t->kind = ST_GROUP;
		snprintf(t->text, sizeof(t->text), "group:%s", s + 6);
		return 0;
	}
	/* Pool names become parts of domain and file names: the group rule
	 * (letters, digits, . _ -) keeps them safe there too. */
	if (strncmp(s, "pool:", 5) == 0) {
		if (!st_group_name_valid(s + 5) || s[5] == '.') {
			snprintf(err, errlen,
				 "'%.80s' is not a valid pool name (1-63 of A-Z a-z 0-9 . _ -, "
				 "not starting with '.')",
				 s + 5);
			return -1;
		}
		t->kind = ST_POOL;
		snprintf(t->text, sizeof(t->text), "pool:%s", s + 5);
		return 0;
	}
	if (strcmp(s, "default") == 0) {
		t->kind = ST_DEFAULT;
		strcpy(t->text, "default");
		return 0;
	}
	if (mac_parse(s, t->mac) == 0) {
		t->kind = ST_MAC;
		mac_format(t->mac, t->text);
		return 0;
	}
	if (strchr(s, '/')) {
		if (cidr_parse(s, &t->ip, &t->prefix, err, errlen) < 0)
			return -1;
		t->kind = ST_CIDR;
		cidr_format(&t->ip, t->prefix, t->text, sizeof(t->text));
		return 0;
	}
	if (ip_parse(s, &t->ip) == 0) {
		t->kind = ST_IP;
		ip_format(&t->ip, t->text);
		return 0;
	}
	if (hostglob_valid(s)) {
		t->kind = ST_GLOB;
		for (size_t i = 0; i <= len; i++)
			t->text[i] = (char)tolower((unsigned char)s[i]);
		return 0;
	}
	/* Say what it looked like it was meant to be. */
	if (strchr(s, ':') || (len == 17 && s[2] == '-'))
		snprintf(err, errlen, "'%.80s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
	else if (isdigit((unsigned char)s[0]) && strchr(s, '.') && !strpbrk(s, "*?["))
		snprintf(err, errlen, "'%.80s' is not an IP address", s);
	else if (hostname_valid(s))
		snprintf(err, errlen,
			 "'%.80s' is a plain host name; a MATCH by name must be a glob "
			 "such as '%.80s*' (exact names: use the MAC or IP)",
			 s, s);
	else
		snprintf(err, errlen,
			 "'%.80s' is not a MAC, IP, CIDR, host name glob, 'default', "
			 "'group:NAME' or 'pool:NAME'",
			 s);
	return -1;
}

static bool st_utf8_valid(const char *s, bool allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && !(allow_newline && c == '\n')) || c == 0x7f)
				return false;
			p++;
			continue;
		}
		int n;
		unsigned cp;
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		/* Overlong forms, surrogates and out-of-range code points. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

static int st_port_parse(const char *s, unsigned *port)
{
	if (!*s || strlen(s) > 5)
		return -1;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static bool st_host_valid(const char *s)
{
	struct ipaddr ip;
	return hostname_valid(s) || ip_parse(s, &ip) == 0;
}

int st_bool_parse(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
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
		if (port == 0 || port > 65535)
			return false;
	}
	if (!tls)
		return strcasecmp(host, "localhost") == 0 ||
		       (ip_parse(host, &ip) == 0 && ip_is_loopback(&ip));
	return true;
}

int st_fallback_parse(const char *s, enum st_protocol *proto, char *host, size_t hostlen,
		      unsigned *port, char *err, size_t errlen)
{
	const char *sep = strstr(s, "://");
	char pname[8];
	if (!sep || sep - s >= (long)sizeof(pname)) {
		snprintf(err, errlen, "'%.80s' is not of the form protocol://host:port", s);
		return -1;
	}
	memcpy(pname, s, (size_t)(sep - s));
	pname[sep - s] = '\0';
	if (st_protocol_parse(pname, proto) < 0) {
		snprintf(err, errlen, "unknown protocol '%s' (spice, rdp or vnc)", pname);
		return -1;
	}
	const char *h = sep + 3, *hend, *pstr = NULL;
	char hbuf[HOSTNAME_MAX + 1];
	if (*h == '[') {
		/* IPv6 literal: [addr]:port */
		hend = strchr(h, ']');
		if (!hend) {
			snprintf(err, errlen, "'%.80s': unclosed '[' in the address", s);
			return -1;
		}
		h++;
		if (hend[1] == ':')
			pstr = hend + 2;
		else if (hend[1] != '\0')
			goto bad;
	} else {
		hend = strrchr(h, ':');
		if (hend)
			pstr = hend + 1;
		else
			hend = h + strlen(h);
	}
	if (hend - h <= 0 || (size_t)(hend - h) >= sizeof(hbuf))
		goto bad;
	memcpy(hbuf, h, (size_t)(hend - h));
	hbuf[hend - h] = '\0';
	if (!st_host_valid(hbuf)) {
		snprintf(err, errlen, "'%.80s' is not a host name or IP address", hbuf);
		return -1;
	}
	if (pstr) {
		if (st_port_parse(pstr, port) < 0) {
			snprintf(err, errlen, "'%.20s' is not a port (1-65535)", pstr);
			return -1;
		}
	} else {
		*port = st_default_port(*proto);
		if (!*port) {
			snprintf(err, errlen, "'%.80s': a spice fallback needs a port", s);
			return -1;
		}
	}
	if (host)
		snprintf(host, hostlen, "%s", hbuf);
	return 0;
bad:
	snprintf(err, errlen, "'%.80s' is not of the form protocol://host:port", s);
	return -1;
}

/* One usbredir rule: class,vendor,product,version,allow with -1 as "any". */
static int st_usb_rule_check(const char *rule, size_t len)
{
	static const long max[4] = {0xff, 0xffff, 0xffff, 0xffff};
	const char *p = rule, *end = rule + len;
	for (int f = 0; f < 5; f++) {
		char buf[16];
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *fend = f < 4 ? comma : end;
		if (!fend || fend - p <= 0 || fend - p >= (long)sizeof(buf))
			return -1;
		if (f == 4 && comma)
			return -1;
		memcpy(buf, p, (size_t)(fend - p));
		buf[fend - p] = '\0';
		char *e;
		errno = 0;
		long v = strtol(buf, &e, 0);
		if (*e || errno)
			return -1;
		if (f < 4 && (v < -1 || v > max[f]))
			return -1;
		if (f == 4 && v != 0 && v != 1)
			return -1;
		p = fend + 1;
	}
	return 0;
}

static int st_usb_filter_check(const char *s, char *err, size_t errlen)
{
	if (strlen(s) > 1024) {
		snprintf(err, errlen, "USB filter is longer than 1024 characters");
		return -1;
	}
	const char *p = s;
	int n = 1;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (st_usb_rule_check(p, len) < 0) {
			snprintf(
			    err, errlen,
			    "USB filter rule %d '%.*s' is not class,vendor,product,version,allow "
			    "(numbers, -1 for any; allow 0 or 1)",
			    n, (int)(len > 60 ? 60 : len), p);
			return -1;
		}
		if (!bar)
			return 0;
		p = bar + 1;
		n++;
	}
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

/* libvirt allows more in a name; stations files stay with what is safe in
 * every log, shell and URL that shows it. */
static bool st_domain_name_valid(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-", *p))
			return false;
	return true;
}

int st_value_check(enum st_key key, const char *v, char *err, size_t errlen)
{
	unsigned port;
	bool b;
	enum st_protocol proto;
	size_t len = strlen(v);

	if (len == 0) {
		snprintf(err, errlen, "%s: empty value", st_key_name(key));
		return -1;
	}
	if (!st_utf8_valid(v, key == ST_KEY_MESSAGE)) {
		snprintf(err, errlen, "%s: value has control characters or is not UTF-8",
			 st_key_name(key));
		return -1;
	}
	switch (key) {
	case ST_KEY_NAME:
		if (len > 63)
			goto too_long;
		/* The name reaches admins' terminals and station screens: no
		 * C1 control (U+009B is a terminal's CSI) and no U+2028/2029
		 * either. */
		if (!utf8_text_clean(v, len)) {
			snprintf(err, errlen, "name: value has control characters");
			return -1;
		}
		return 0;
	case ST_KEY_GROUP:
		if (!st_group_name_valid(v)) {
			snprintf(
			    err, errlen,
			    "group: '%.80s' is not a valid group name (1-63 of A-Z a-z 0-9 . _ "
			    "-)",
			    v);
			return -1;
		}
		return 0;
	case ST_KEY_PROTOCOL:
		if (st_protocol_parse(v, &proto) < 0) {
			snprintf(err, errlen, "protocol: '%.40s' is not spice, rdp or vnc", v);
			return -1;
		}
		return 0;
	case ST_KEY_HOST:
	case ST_KEY_DISPLAY_HOST:
		if (!st_host_valid(v)) {
			snprintf(err, errlen, "%s: '%.80s' is not a host name or IP address",
				 st_key_name(key), v);
			return -1;
		}
		return 0;
	case ST_KEY_PORT:
	case ST_KEY_TLS_PORT:
		if (st_port_parse(v, &port) < 0) {
			snprintf(err, errlen, "%s: '%.20s' is not a port (1-65535)",
				 st_key_name(key), v);
			return -1;
		}
		return 0;
	case ST_KEY_PASSWORD:
		if (len > 255)
			goto too_long;
		return 0;
	case ST_KEY_CA:
		if (len > 4095)
			goto too_long;
		return 0;
	case ST_KEY_HOST_SUBJECT:
		if (len > 1024)
			goto too_long;
		return 0;
	case ST_KEY_PROXY:
		if (len > 512)
			goto too_long;
		if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
		    strchr(v, ' ') || strlen(strstr(v, "://") + 3) == 0) {
			snprintf(err, errlen, "proxy: '%.80s' is not an http:// or https:// URL",
				 v);
			return -1;
		}
		return 0;
	case ST_KEY_FALLBACK: {
		char e2[200];
		if (st_fallback_parse(v, &proto, NULL, 0, &port, e2, sizeof(e2)) < 0) {
			snprintf(err, errlen, "fallback: %s", e2);
			return -1;
		}
		return 0;
	}
	case ST_KEY_LOGIN:
		if (strcmp(v, "none") != 0 && strcmp(v, "broker") != 0) {
			snprintf(err, errlen, "login: '%.40s' is not none or broker", v);
			return -1;
		}
		return 0;
	case ST_KEY_AUTOCONNECT:
	case ST_KEY_MAINTENANCE:
	case ST_KEY_WAIT_READY:
	case ST_KEY_SSO:
		if (st_bool_parse(v, &b) < 0) {
			snprintf(err, errlen, "%s: '%.40s' is not yes or no", st_key_name(key), v);
			return -1;
		}
		return 0;
	case ST_KEY_USB_REDIRECT:
	case ST_KEY_USB_DENY: {
		char e2[200];
		if (st_usb_filter_check(v, e2, sizeof(e2)) < 0) {
			snprintf(err, errlen, "%s: %s", st_key_name(key), e2);
			return -1;
		}
		return 0;
	}
	case ST_KEY_MESSAGE:
		if (len > ST_MESSAGE_MAX)
			goto too_long;
		return 0;
	case ST_KEY_CONNECTION_FILE:
	case ST_KEY_CONNECTION_AUTH:
		if (len > 1024)
			goto too_long;
		return 0;
	case ST_KEY_CONNECTION_URL:
		if (len > ST_URL_MAX)
			goto too_long;
		if (!st_connection_url_ok(v)) {
			snprintf(err, errlen,
				 "connection_url: '%.80s' is not an https:// URL (http:// only "
				 "to 127.0.0.1, ::1 or localhost; no user@ in it)",
				 v);
			return -1;
		}
		return 0;
	case ST_KEY_CONNECTION_METHOD:
		if (strcmp(v, "get") != 0 && strcmp(v, "post") != 0) {
			snprintf(err, errlen, "connection_method: '%.40s' is not get or post", v);
			return -1;
		}
		return 0;
	case ST_KEY_LIBVIRT_URI:
		if (len > ST_LIBVIRT_URI_MAX)
			goto too_long;
		if (!st_libvirt_uri_valid(v)) {
			snprintf(err, errlen,
				 "libvirt_uri: '%.80s' is not a libvirt URI such as qemu:///system",
				 v);
			return -1;
		}
		return 0;
	case ST_KEY_DOMAIN:
		if (len > ST_DOMAIN_MAX)
			goto too_long;
		if (!st_domain_name_valid(v)) {
			snprintf(err, errlen,
				 "domain: '%.80s' is not a domain name (A-Z a-z 0-9 . _ + -)", v);
			return -1;
		}
		return 0;
	case ST_KEY_DOMAIN_PASSWORD:
		if (strcmp(v, "one-time") != 0 && strcmp(v, "none") != 0) {
			snprintf(err, errlen, "domain_password: '%.40s' is not one-time or none",
				 v);
			return -1;
		}
		return 0;
	case ST_KEY_POOL:
		if (!st_group_name_valid(v) || v[0] == '.') {
			snprintf(err, errlen,
				 "pool: '%.80s' is not a valid pool name (1-63 of A-Z a-z 0-9 . _ "
				 "-)",
				 v);
			return -1;
		}
		return 0;
	case ST_KEY_TEMPLATE:
	case ST_KEY_BASE_IMAGE:
	case ST_KEY_OVERLAY_DIR:
		if (len > 1024)
			goto too_long;
		/* Handed to qemu-img and written into domain XML: no commas
		 * (qemu-img option syntax) and nothing that needs quoting. */
		if (strpbrk(v, ",\"'<>&")) {
			snprintf(err, errlen, "%s: '%.80s' has one of , \" ' < > &",
				 st_key_name(key), v);
			return -1;
		}
		return 0;
	case ST_KEY_SIZE:
	case ST_KEY_MAX:
	case ST_KEY_IDLE_TIMEOUT: {
		unsigned long lo = key == ST_KEY_SIZE ? 0 : 1;
		unsigned long hi = key == ST_KEY_IDLE_TIMEOUT ? ST_POOL_IDLE_MAX : ST_POOL_MAX_VMS;
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)v[0]) || *end || errno || n < lo || n > hi) {
			snprintf(err, errlen, "%s: '%.20s' is not a number from %lu to %lu",
				 st_key_name(key), v, lo, hi);
			return -1;
		}
		return 0;
	}
	case ST_KEY__COUNT:
		break;
	}
	snprintf(err, errlen, "unknown key");
	return -1;
too_long:
	snprintf(err, errlen, "%s: value is too long (%zu bytes)", st_key_name(key), len);
	return -1;
}

static bool st_key_pool_only(enum st_key key)
{
	return key == ST_KEY_TEMPLATE || key == ST_KEY_BASE_IMAGE || key == ST_KEY_OVERLAY_DIR ||
	       key == ST_KEY_SIZE || key == ST_KEY_MAX || key == ST_KEY_IDLE_TIMEOUT;
}

int st_key_allowed(enum st_kind kind, enum st_key key, char *err, size_t errlen)
{
	if (kind == ST_POOL) {
		if (st_key_pool_only(key) || key == ST_KEY_LIBVIRT_URI || key == ST_KEY_PROTOCOL ||
		    key == ST_KEY_DISPLAY_HOST || key == ST_KEY_MAINTENANCE ||
		    key == ST_KEY_MESSAGE)
			return 0;
		snprintf(err, errlen,
			 "'%s' cannot be set in a [pool:NAME] section (it takes libvirt_uri, "
			 "template, base_image, overlay_dir, size, max, idle_timeout, protocol, "
			 "display_host, maintenance and message)",
			 st_key_name(key));
		return -1;
	}
	if (st_key_pool_only(key)) {
		snprintf(err, errlen,
			 "'%s' belongs in a [pool:NAME] section (a mapping takes 'pool = NAME')",
			 st_key_name(key));
		return -1;
	}
	if (key == ST_KEY_GROUP && kind == ST_GROUP) {
		snprintf(err, errlen, "a group cannot itself be in a group");
		return -1;
	}
	return 0;
}

char *st_value_decode(const char *raw, char *err, size_t errlen)
{
	if (raw[0] != '"')
		return strdup(raw);
	size_t len = strlen(raw);
	char *out = malloc(len);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 1; i < len; i++) {
		char c = raw[i];
		if (c == '"') {
			if (i != len - 1) {
				snprintf(err, errlen, "text after the closing '\"'");
				goto fail;
			}
			out[o] = '\0';
			return out;
		}
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		c = raw[++i];
		switch (c) {
		case '"':
		case '\\':
			out[o++] = c;
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case '\0':
			goto unterminated;
		default:
			snprintf(err, errlen, "unknown escape '\\%c' (use \\\" \\\\ \\n \\t)",
				 isprint((unsigned char)c) ? c : '?');
			goto fail;
		}
	}
unterminated:
	snprintf(err, errlen, "unterminated quoted value");
fail:
	free(out);
	return NULL;
}

char *st_value_encode(const char *v)
{
	size_t len = strlen(v);
	bool quote = len == 0 || v[0] == '"' || isspace((unsigned char)v[0]) ||
		     isspace((unsigned char)v[len - 1]);
	for (const char *p = v; *p && !quote; p++)
		if (*p == '\n' || *p == '\t')
			quote = true;
	if (!quote)
		return strdup(v);
	char *out = malloc(len * 2 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '"';
	for (const char *p = v; *p; p++) {
		switch (*p) {
		case '"':
		case '\\':
			out[o++] = '\\';
			out[o++] = *p;
			break;
		case '\n':
			out[o++] = '\\';
			out[o++] = 'n';
			break;
		case '\t':
			out[o++] = '\\';
			out[o++] = 't';
			break;
		default:
			out[o++] = *p;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}
