/* virt-viewer connection files: see vv_file.h. */
#include "vv_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "netaddr.h"

#define VV_GROUP	  "virt-viewer"
#define VV_GROUPS_MAX	  64
#define VV_GROUP_NAME_MAX 64

/* The [virt-viewer] keys this station uses. Everything else (fullscreen,
 * hot keys, smartcard, secure-channels, tls-ciphers, versions, ...) is
 * skipped: see docs/launcher.md for why each one does not apply. */
enum vv_key {
	VV_K_TYPE,
	VV_K_HOST,
	VV_K_PORT,
	VV_K_TLS_PORT,
	VV_K_PASSWORD,
	VV_K_CA,
	VV_K_HOST_SUBJECT,
	VV_K_PROXY,
	VV_K_TITLE,
	VV_K_USB_FILTER,
	VV_K_USBREDIR,
	VV_K_USB_AUTOSHARE,
	VV_K_DELETE,
	VV_K__COUNT
};

static const char *const vv_key_names[VV_K__COUNT] = {
    [VV_K_TYPE] = "type",
    [VV_K_HOST] = "host",
    [VV_K_PORT] = "port",
    [VV_K_TLS_PORT] = "tls-port",
    [VV_K_PASSWORD] = "password",
    [VV_K_CA] = "ca",
    [VV_K_HOST_SUBJECT] = "host-subject",
    [VV_K_PROXY] = "proxy",
    [VV_K_TITLE] = "title",
    [VV_K_USB_FILTER] = "usb-filter",
    [VV_K_USBREDIR] = "enable-usbredir",
    [VV_K_USB_AUTOSHARE] = "enable-usb-autoshare",
    [VV_K_DELETE] = "delete-this-file",
};

/* The parse in progress: the [virt-viewer] values, unescaped. */
struct vv_parse {
	char *val[VV_K__COUNT];
	unsigned line[VV_K__COUNT];
	char *err;
	size_t errlen;
};

static int vv_fail(struct vv_parse *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "vv file: ");

	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void vv_free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

const char *vv_type_name(enum vv_type t)
{
	return t == VV_TYPE_VNC ? "vnc" : "spice";
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not
 * valid UTF-8 (overlong forms, surrogates and values past U+10FFFF
 * included). */
static size_t vv_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t need;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* One raw line: UTF-8, no control characters but tabs. */
static int vv_line_check(struct vv_parse *p, const char *s, size_t n, unsigned lineno)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return vv_fail(p, "line %u: contains control characters", lineno);
		k = vv_utf8_len((const unsigned char *)s + i, n - i);
		if (!k)
			return vv_fail(p, "line %u: not valid UTF-8 text", lineno);
		i += k;
	}
	return 0;
}

static bool vv_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* GKeyFile's escapes: \s \n \t \r \\. Anything else after a backslash is an
 * error, as it is for GKeyFile. */
static char *vv_unescape(struct vv_parse *p, const char *s, size_t n, const char *key,
			 unsigned lineno)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out) {
		vv_fail(p, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i == n) {
			vv_fail(p, "line %u: %s: the value ends with a lone backslash", lineno,
				key);
			goto fail;
		}
		switch (s[i]) {
		case 's':
			out[o++] = ' ';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		default:
			vv_fail(
			    p,
			    "line %u: %s: unknown escape '\\%c' (\\s \\n \\t \\r \\\\ are known)",
			    lineno, key, (unsigned char)s[i] < 0x80 ? s[i] : '?');
			goto fail;
		}
	}
	out[o] = '\0';
	return out;
fail:
	explicit_bzero(out, n + 1);
	free(out);
	return NULL;
}

static int vv_key_find(const char *s, size_t n)
{
	for (int k = 0; k < VV_K__COUNT; k++)
		if (strlen(vv_key_names[k]) == n && memcmp(vv_key_names[k], s, n) == 0)
			return k;
	return -1;
}

/* Group headers: unique, sane names. Returns 1 when the group is
 * [virt-viewer], 0 for another one, -1 on error. */
static int vv_header(struct vv_parse *p, const char *s, size_t n, unsigned lineno,
		     const char **seen, size_t *seen_len, size_t *n_seen, bool *ovirt)
{
	const char *name;
	size_t len;

	while (n > 0 && vv_blank(s[n - 1]))
		n--;
	if (n < 2 || s[n - 1] != ']')
		return vv_fail(p, "line %u: a group header must end with ']'", lineno);
	name = s + 1;
	len = n - 2;
	if (len == 0 || len > VV_GROUP_NAME_MAX || memchr(name, '[', len) || memchr(name, ']', len))
		return vv_fail(p, "line %u: '%.*s' is not a valid group name", lineno,
			       (int)(len > 40 ? 40 : len), name);
	for (size_t i = 0; i < *n_seen; i++)
		if (seen_len[i] == len && memcmp(seen[i], name, len) == 0)
			return vv_fail(p, "line %u: group [%.*s] appears twice", lineno, (int)len,
				       name);
	if (*n_seen == VV_GROUPS_MAX)
		return vv_fail(p, "line %u: more than %d groups", lineno, VV_GROUPS_MAX);
	seen[*n_seen] = name;
	seen_len[(*n_seen)++] = len;
	if (len == 5 && memcmp(name, "ovirt", 5) == 0)
		*ovirt = true;
	return len == strlen(VV_GROUP) && memcmp(name, VV_GROUP, len) == 0;
}

/* One "key = value" line inside a group. */
static int vv_key_line(struct vv_parse *p, const char *s, size_t n, unsigned lineno, bool ours)
{
	const char *eq = memchr(s, '=', n);
	size_t klen, vstart, vend;
	int k;

	if (!eq)
		return vv_fail(p, "line %u: expected key=value, a [group] or a # comment", lineno);
	klen = (size_t)(eq - s);
	while (klen > 0 && vv_blank(s[klen - 1]))
		klen--;
	if (klen == 0)
		return vv_fail(p, "line %u: a key is missing before '='", lineno);
	if (!ours)
		return 0;
	k = vv_key_find(s, klen);
	if (k < 0)
		return 0; /* unknown or unused key: ignored */
	if (p->val[k])
		return vv_fail(p, "line %u: %s is set twice in [%s] (first on line %u)", lineno,
			       vv_key_names[k], VV_GROUP, p->line[k]);
	vstart = (size_t)(eq - s) + 1;
	while (vstart < n && vv_blank(s[vstart]))
		vstart++;
	vend = n;
	while (vend > vstart && vv_blank(s[vend - 1]))
		vend--;
	p->val[k] = vv_unescape(p, s + vstart, vend - vstart, vv_key_names[k], lineno);
	if (!p->val[k])
		return -1;
	p->line[k] = lineno;
	return 0;
}

static int vv_lines(struct vv_parse *p, const char *data, size_t len, bool *found, bool *ovirt)
{
	const char *seen[VV_GROUPS_MAX];
	size_t seen_len[VV_GROUPS_MAX], n_seen = 0, pos = 0;
	unsigned lineno = 0;
	int group = -1; /* -1 none yet, 0 another group, 1 [virt-viewer] */

	/* A byte order mark, as Windows editors write it. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *s = data + pos;
		size_t n = end - pos;

		lineno++;
		pos = end + 1;
		if (n > 0 && s[n - 1] == '\r')
			n--; /* CRLF files */
		if (vv_line_check(p, s, n, lineno) < 0)
			return -1;
		while (n > 0 && vv_blank(*s)) {
			s++;
			n--;
		}
		if (n == 0 || s[0] == '#')
			continue;
		if (s[0] == '[') {
			group = vv_header(p, s, n, lineno, seen, seen_len, &n_seen, ovirt);
			if (group < 0)
				return -1;
			if (group == 1)
				*found = true;
			continue;
		}
		if (group < 0)
			return vv_fail(p, "line %u: a key before the first [group]", lineno);
		if (vv_key_line(p, s, n, lineno, group == 1) < 0)
			return -1;
	}
	return 0;
}

/* Printable text: no control characters at all, or (multiline) line breaks
 * and tabs only. */
static bool vv_text_ok(const char *s, bool multiline)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (multiline && (*c == '\n' || *c == '\r' || *c == '\t'))
			continue;
		if (*c < 0x20 || *c == 0x7f)
			return false;
	}
	return true;
}

/* A port: 1-65535; 0 and -1 mean "none" (oVirt writes port=-1 when the
 * desktop has only a TLS port). */
static int vv_port(struct vv_parse *p, int k, unsigned *out)
{
	const char *v = p->val[k];
	unsigned long n = 0;

	*out = 0;
	if (!v)
		return 0;
	if (strcmp(v, "-1") == 0)
		return 0;
	if (!*v || strlen(v) > 5 || strspn(v, "0123456789") != strlen(v))
		goto bad;
	n = strtoul(v, NULL, 10);
	if (n > 65535)
		goto bad;
	*out = (unsigned)n;
	return 0;
bad:
	return vv_fail(p, "%s: '%.20s' is not a port (1-65535)", vv_key_names[k], v);
}

/* The key file's integer flags (enable-usbredir=1): 0 is off, any other
 * integer on. -1 when absent. */
static int vv_flag(struct vv_parse *p, int k, int *out)
{
	const char *v = p->val[k];
	const char *d;

	*out = -1;
	if (!v)
		return 0;
	d = v[0] == '-' ? v + 1 : v;
	if (!*d || strlen(d) > 9 || strspn(d, "0123456789") != strlen(d))
		return vv_fail(p, "%s: '%.20s' is not 0 or 1", vv_key_names[k], v);
	*out = strtol(v, NULL, 10) != 0;
	return 0;
}

/* HOST[:PORT] of a proxy URL, with an optional user@ and [IPv6]. */
static bool vv_proxy_authority_ok(const char *a, size_t n)
{
	const char *at = memchr(a, '@', n);
	char host[HOSTNAME_MAX + 1];
	const char *port = NULL;
	size_t hlen;
	struct ipaddr ip;

	if (at) {
		n -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close)
			return false;
		hlen = (size_t)(close - a - 1);
		if (hlen == 0 || hlen > HOSTNAME_MAX)
			return false;
		memcpy(host, a + 1, hlen);
		host[hlen] = '\0';
		if (ip_parse(host, &ip) < 0)
			return false;
		if (close + 1 < a + n) {
			if (close[1] != ':')
				return false;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(a, ':', n);
		hlen = colon ? (size_t)(colon - a) : n;
		if (hlen == 0 || hlen > HOSTNAME_MAX)
			return false;
		memcpy(host, a, hlen);
		host[hlen] = '\0';
		if (!hostname_valid(host) && ip_parse(host, &ip) < 0)
			return false;
		if (colon)
			port = colon + 1;
	}
	if (port) {
		size_t plen = (size_t)(a + n - port);
		unsigned long v;
		if (plen == 0 || plen > 5 || strspn(port, "0123456789") < plen)
			return false;
		v = strtoul(port, NULL, 10);
		if (v == 0 || v > 65535)
			return false;
	}
	return true;
}

static bool vv_proxy_ok(const char *v)
{
	size_t skip, n;
	const char *a, *slash;

	if (strncmp(v, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(v, "https://", 8) == 0)
		skip = 8;
	else
		return false;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return false;
	a = v + skip;
	slash = strchr(a, '/');
	n = slash ? (size_t)(slash - a) : strlen(a);
	/* Nothing but an optional "/" after the authority. */
	if (slash && slash[1] != '\0')
		return false;
	return vv_proxy_authority_ok(a, n);
}

/* A host behind a SPICE proxy may be a ticket the proxy resolves (Proxmox
 * writes "pvespiceproxy:...:node::..."), so with a proxy the host only has to
 * be a harmless token; without one, a host name or an IP address. */
static bool vv_host_ok(const char *v, bool proxied)
{
	struct ipaddr ip;

	if (!*v || strlen(v) > 255)
		return false;
	if (proxied)
		return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789.-_:") == strlen(v);
	return hostname_valid(v) || ip_parse(v, &ip) == 0;
}

static bool vv_pem_ok(const char *v)
{
	const char *b = strstr(v, "-----BEGIN CERTIFICATE-----");
	return b && strstr(b, "-----END CERTIFICATE-----");
}

/* Takes a checked string value into *out (moving it out of p). */
static int vv_take_text(struct vv_parse *p, int k, size_t max, bool multiline, char **out)
{
	char *v = p->val[k];

	*out = NULL;
	if (!v)
		return 0;
	if (strlen(v) > max)
		return vv_fail(p, "%s: too long (%zu bytes, at most %zu)", vv_key_names[k],
			       strlen(v), max);
	if (!vv_text_ok(v, multiline))
		return vv_fail(p, "%s: contains control characters", vv_key_names[k]);
	*out = v;
	p->val[k] = NULL;
	return 0;
}

static int vv_build(struct vv_parse *p, struct vv_file *f)
{
	const char *type = p->val[VV_K_TYPE];
	int del;

	if (!type)
		return vv_fail(p, "type: missing from [%s]", VV_GROUP);
	if (strcmp(type, "spice") == 0) {
		f->type = VV_TYPE_SPICE;
	} else if (strcmp(type, "vnc") == 0) {
		f->type = VV_TYPE_VNC;
	} else if (strcmp(type, "ovirt") == 0) {
		return vv_fail(p, "type: 'ovirt' (oVirt REST mode) is not supported; ask the "
				  "manager for a SPICE connection file (type=spice)");
	} else {
		return vv_fail(p, "type: '%.20s' is not spice or vnc",
			       vv_text_ok(type, false) ? type : "?");
	}
	if (vv_take_text(p, VV_K_PROXY, VV_FILE_TEXT_MAX, false, &f->proxy) < 0)
		return -1;
	if (f->proxy && !vv_proxy_ok(f->proxy))
		return vv_fail(p, "proxy: '%.80s' is not http://HOST:PORT or https://HOST:PORT",
			       f->proxy);
	if (!p->val[VV_K_HOST])
		return vv_fail(p, "host: missing from [%s]", VV_GROUP);
	if (vv_take_text(p, VV_K_HOST, 255, false, &f->host) < 0)
		return -1;
	if (!vv_host_ok(f->host, f->proxy != NULL))
		return vv_fail(p, "host: '%.80s' is not a host name or IP address", f->host);
	if (vv_port(p, VV_K_PORT, &f->port) < 0 || vv_port(p, VV_K_TLS_PORT, &f->tls_port) < 0)
		return -1;
	if (!f->port && !f->tls_port)
		return vv_fail(p, "port: neither port nor tls-port is set");
	if (f->type == VV_TYPE_VNC && !f->port)
		return vv_fail(p, "port: a vnc connection needs port (tls-port is for spice)");
	if (vv_take_text(p, VV_K_PASSWORD, VV_FILE_SECRET_MAX, false, &f->password) < 0 ||
	    vv_take_text(p, VV_K_CA, VV_FILE_MAX, true, &f->ca) < 0 ||
	    vv_take_text(p, VV_K_HOST_SUBJECT, VV_FILE_TEXT_MAX, false, &f->host_subject) < 0 ||
	    vv_take_text(p, VV_K_TITLE, VV_FILE_TEXT_MAX, false, &f->title) < 0 ||
	    vv_take_text(p, VV_K_USB_FILTER, VV_FILE_FILTER_MAX, false, &f->usb_filter) < 0)
		return -1;
	if (f->ca && !vv_pem_ok(f->ca))
		return vv_fail(p, "ca: not a PEM certificate (no -----BEGIN CERTIFICATE----- ... "
				  "-----END CERTIFICATE-----; lines are joined with \\n)");
	if (f->host_subject && !strchr(f->host_subject, '='))
		return vv_fail(p,
			       "host-subject: '%.80s' is not a subject like "
			       "'O=Example,CN=host.example.org'",
			       f->host_subject);
	/* oVirt writes usb-filter=null for "no filter". */
	if (f->usb_filter && strcmp(f->usb_filter, "null") == 0) {
		free(f->usb_filter);
		f->usb_filter = NULL;
	}
	if (vv_flag(p, VV_K_USBREDIR, &f->usbredir) < 0 ||
	    vv_flag(p, VV_K_USB_AUTOSHARE, &f->usb_autoshare) < 0 ||
	    vv_flag(p, VV_K_DELETE, &del) < 0)
		return -1;
	f->delete_this_file = del == 1;
	return 0;
}

int vv_file_parse(const char *data, size_t len, struct vv_file *out, char *err, size_t errlen)
{
	struct vv_parse p = {.err = err, .errlen = errlen};
	bool found = false, ovirt = false;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->usbredir = out->usb_autoshare = -1;
	if (errlen)
		err[0] = '\0';
	if (len == 0) {
		vv_fail(&p, "empty");
		goto cleanup;
	}
	if (len > VV_FILE_MAX) {
		vv_fail(&p, "larger than %d KiB", VV_FILE_MAX / 1024);
		goto cleanup;
	}
	if (memchr(data, '\0', len)) {
		vv_fail(&p, "contains a NUL byte (binary data, not a connection file)");
		goto cleanup;
	}
	if (vv_lines(&p, data, len, &found, &ovirt) < 0)
		goto cleanup;
	if (!found) {
		vv_fail(&p, "no [%s] group (not a virt-viewer connection file)", VV_GROUP);
		goto cleanup;
	}
	out->ovirt_group = ovirt;
	if (vv_build(&p, out) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	for (int k = 0; k < VV_K__COUNT; k++)
		vv_free_secret(p.val[k]);
	if (ret < 0)
		vv_file_clear(out);
	return ret;
}

void vv_file_clear(struct vv_file *f)
{
	free(f->host);
	vv_free_secret(f->password);
	free(f->ca);
	free(f->host_subject);
	free(f->proxy);
	free(f->title);
	free(f->usb_filter);
	memset(f, 0, sizeof(*f));
	f->usbredir = f->usb_autoshare = -1;
}

int vv_file_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	int r;

	*text = NULL;
	*len = 0;
	/* Standard input is a pipe by design; a named file goes through the
	 * common reader, which refuses FIFOs and devices without blocking. */
	r = is_stdin ? file_read_fd_capped(STDIN_FILENO, VV_FILE_MAX, 4096, text, len)
		     : file_read_capped(path, VV_FILE_MAX, text, len);
	if (r == 0)
		return 0;
	if (errno == EFBIG)
		snprintf(err, errlen, "vv file: %.200s is larger than %d KiB", name,
			 VV_FILE_MAX / 1024);
	else
		snprintf(err, errlen, "vv file: cannot read %.200s: %s", name,
			 file_strerror(errno));
	return -1;
}
