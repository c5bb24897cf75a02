/* Request bodies: see launcher_request.h. */
#include "launcher_request.h"

#include <stdio.h>
#include <string.h>

gsize launcher_request_json_string(char *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	gsize n = 0;

#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (out)                                                                           \
			out[n] = (c);                                                              \
		n++;                                                                               \
	} while (0)
	PUT('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			PUT('\\');
			PUT((char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			PUT('\\');
			PUT('u');
			PUT('0');
			PUT('0');
			PUT(hex[*p >> 4]);
			PUT(hex[*p & 0xf]);
		} else {
			PUT((char)*p);
		}
	}
	PUT('"');
#undef PUT
	return n;
}

struct request_field {
	const char *key;
	const char *str; /* a string value, or NULL */
	long num;	 /* a number, when str is NULL and num >= 0 */
};

/* Writes {"k":v,...} of the fields that have a value at out, or only counts
 * the bytes when out is NULL. */
static gsize request_write(char *out, const struct request_field *f, size_t n)
{
	gsize pos = 0;
	gboolean first = TRUE;

	if (out)
		out[pos] = '{';
	pos++;
	for (size_t i = 0; i < n; i++) {
		char num[24];
		int k;

		if (!f[i].str && f[i].num < 0)
			continue;
		if (!first) {
			if (out)
				out[pos] = ',';
			pos++;
		}
		first = FALSE;
		pos += launcher_request_json_string(out ? out + pos : NULL, f[i].key);
		if (out)
			out[pos] = ':';
		pos++;
		if (f[i].str) {
			pos += launcher_request_json_string(out ? out + pos : NULL, f[i].str);
			continue;
		}
		k = snprintf(num, sizeof(num), "%ld", f[i].num);
		if (out)
			memcpy(out + pos, num, (size_t)k);
		pos += (gsize)k;
	}
	if (out)
		out[pos] = '}';
	return pos + 1;
}

/* The body in exactly one allocation of the right size. */
static char *request_build(const struct request_field *f, size_t n, gsize *len)
{
	gsize size = request_write(NULL, f, n);
	char *buf = g_malloc(size + 1);

	*len = request_write(buf, f, n);
	buf[*len] = '\0';
	return buf;
}

static const char *request_hostname(const LauncherIdentity *id)
{
	return id->hostname[0] ? id->hostname : NULL;
}

char *launcher_request_lookup(const LauncherIdentity *id, const char *version, gsize *len)
{
	const struct request_field f[] = {
	    {"mac", id->mac, -1},
	    {"hostname", request_hostname(id), -1},
	    {"version", version, -1},
	};
	return request_build(f, G_N_ELEMENTS(f), len);
}

char *launcher_request_login(const LauncherIdentity *id, const char *username, const char *password,
			     gsize *len)
{
	return launcher_request_login_desktop(id, username, password, NULL, len);
}

char *launcher_request_login_desktop(const LauncherIdentity *id, const char *username,
				     const char *password, const char *desktop, gsize *len)
{
	const struct request_field f[] = {
	    {"mac", id->mac, -1},	{"hostname", request_hostname(id), -1},
	    {"username", username, -1}, {"password", password, -1},
	    {"desktop", desktop, -1},
	};
	return request_build(f, G_N_ELEMENTS(f), len);
}

char *launcher_request_session(const LauncherIdentity *id, const char *event, const char *protocol,
			       const char *host, unsigned port, const char *user,
			       const char *reason, const char *session, gsize *len)
{
	const struct request_field f[] = {
	    {"mac", id->mac, -1},     {"hostname", request_hostname(id), -1},
	    {"event", event, -1},     {"protocol", protocol, -1},
	    {"host", host, -1},	      {"port", NULL, port ? (long)port : -1},
	    {"user", user, -1},	      {"reason", reason, -1},
	    {"session", session, -1},
	};
	return request_build(f, G_N_ELEMENTS(f), len);
}
