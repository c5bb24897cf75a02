/* The directory settings file: see directory_conf.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory_conf.h"
#include "netaddr.h"

#define DIRECTORY_LINE_MAX 4096

struct conf_ctx {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
};

static int conf_fail(struct conf_ctx *x, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (x->line)
		snprintf(x->err, x->errlen, "%s:%u: %s", x->path, x->line, why);
	else
		snprintf(x->err, x->errlen, "%s: %s", x->path, why);
	return -1;
}

static char *conf_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int conf_bool(struct conf_ctx *x, const char *key, const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*out = false;
	else
		return conf_fail(x, "%s: expected yes or no, not '%s'", key, v);
	return 0;
}

static int conf_uint(struct conf_ctx *x, const char *key, const char *v, unsigned lo, unsigned hi,
		     unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end || errno || n < lo || n > hi)
		return conf_fail(x, "%s: expected a number %u..%u, not '%s'", key, lo, hi, v);
	*out = (unsigned)n;
	return 0;
}

static int conf_str(struct conf_ctx *x, const char *key, const char *v, char **out)
{
	if (*out)
		return conf_fail(x, "%s given twice", key);
	*out = strdup(v);
	if (!*out)
		return conf_fail(x, "out of memory");
	return 0;
}

bool directory_conf_uri_loopback(const char *uri)
{
	const char *h = strstr(uri, "://"), *e;
	char host[256];
	struct ipaddr ip;
	size_t n;

	if (!h)
		return false;
	h += 3;
	if (*h == '[') {
		h++;
		e = strchr(h, ']');
	} else {
		e = h + strcspn(h, ":/");
	}
	if (!e || (n = (size_t)(e - h)) == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcmp(host, "localhost") == 0)
		return true;
	return ip_parse(host, &ip) == 0 && ip_is_loopback(&ip);
}

static int conf_uris(struct conf_ctx *x, struct directory_conf *c, char *v)
{
	char *save = NULL, *u;

	for (u = strtok_r(v, " ,", &save); u; u = strtok_r(NULL, " ,", &save)) {
		if (strncmp(u, "ldaps://", 8) != 0 && strncmp(u, "ldap://", 7) != 0)
			return conf_fail(x, "uri %s: expected ldaps:// or ldap://", u);
		if (c->n_uris == DIRECTORY_MAX_URIS)
			return conf_fail(x, "uri: at most %d", DIRECTORY_MAX_URIS);
		c->uris[c->n_uris] = strdup(u);
		if (!c->uris[c->n_uris])
			return conf_fail(x, "out of memory");
		c->n_uris++;
	}
	return 0;
}

static int conf_backends(struct conf_ctx *x, struct directory_conf *c, char *v)
{
	char *save = NULL, *b;
	enum directory_backend k;
	size_t i;

	if (c->n_backends)
		return conf_fail(x, "backends given twice");
	for (b = strtok_r(v, " ,", &save); b; b = strtok_r(NULL, " ,", &save)) {
		if (strcmp(b, "directory") == 0)
			k = DIRECTORY_BACKEND_DIRECTORY;
		else if (strcmp(b, "local") == 0)
			k = DIRECTORY_BACKEND_LOCAL;
		else
			return conf_fail(x, "backends: '%s' is neither directory nor local", b);
		for (i = 0; i < c->n_backends; i++)
			if (c->backends[i] == k)
				return conf_fail(x, "backends: '%s' named twice", b);
		c->backends[c->n_backends++] = k;
	}
	if (!c->n_backends)
		return conf_fail(x, "backends: empty");
	return 0;
}

static int conf_key(struct conf_ctx *x, struct directory_conf *c, const char *k, char *v,
		    bool *seen_starttls, bool *seen_ppolicy)
{
	if (strcmp(k, "backends") == 0)
		return conf_backends(x, c, v);
	if (strcmp(k, "uri") == 0)
		return conf_uris(x, c, v);
	if (strcmp(k, "starttls") == 0) {
		*seen_starttls = true;
		return conf_bool(x, k, v, &c->starttls);
	}
	if (strcmp(k, "ppolicy") == 0) {
		*seen_ppolicy = true;
		return conf_bool(x, k, v, &c->ppolicy);
	}
	if (strcmp(k, "flavour") == 0 || strcmp(k, "flavor") == 0) {
		if (strcmp(v, "openldap") == 0)
			c->flavour = DIRECTORY_OPENLDAP;
		else if (strcmp(v, "ad") == 0)
			c->flavour = DIRECTORY_AD;
		else
			return conf_fail(x, "flavour: expected openldap or ad, not '%s'", v);
		return 0;
	}
	if (strcmp(k, "timeout") == 0)
		return conf_uint(x, k, v, 1, 300, &c->timeout);
	if (strcmp(k, "max_inflight") == 0)
		return conf_uint(x, k, v, 1, 1024, &c->max_inflight);
	if (strcmp(k, "ca") == 0)
		return conf_str(x, k, v, &c->ca);
	if (strcmp(k, "bind_dn") == 0)
		return conf_str(x, k, v, &c->bind_dn);
	if (strcmp(k, "bind_password_file") == 0)
		return conf_str(x, k, v, &c->bind_password_file);
	if (strcmp(k, "bind_password") == 0)
		return conf_fail(x, "bind_password: put the password in bind_password_file");
	if (strcmp(k, "base") == 0)
		return conf_str(x, k, v, &c->base);
	if (strcmp(k, "user_filter") == 0)
		return conf_str(x, k, v, &c->user_filter);
	if (strcmp(k, "user_dn") == 0)
		return conf_str(x, k, v, &c->user_dn);
	if (strcmp(k, "user_name_attr") == 0)
		return conf_str(x, k, v, &c->user_name_attr);
	if (strcmp(k, "group_attr") == 0)
		return conf_str(x, k, v, &c->group_attr);
	if (strcmp(k, "group_base") == 0)
		return conf_str(x, k, v, &c->group_base);
	if (strcmp(k, "group_filter") == 0)
		return conf_str(x, k, v, &c->group_filter);
	if (strcmp(k, "group_name_attr") == 0)
		return conf_str(x, k, v, &c->group_name_attr);
	return conf_fail(x, "unknown key '%s'", k);
}

static int conf_default(struct conf_ctx *x, char **field, const char *value)
{
	if (*field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : conf_fail(x, "out of memory");
}

/* Defaults by flavour, then the combinations that would weaken a check. */
static int conf_finish(struct conf_ctx *x, struct directory_conf *c, bool seen_ppolicy)
{
	bool ad = c->flavour == DIRECTORY_AD, tls = c->starttls;
	size_t i;

	x->line = 0;
	if (!c->n_backends) {
		c->backends[0] = DIRECTORY_BACKEND_DIRECTORY;
		c->backends[1] = DIRECTORY_BACKEND_LOCAL;
		c->n_backends = 2;
	}
	if (!c->n_uris)
		return conf_fail(x, "uri is required");
	for (i = 0; i < c->n_uris; i++) {
		bool ldaps = strncmp(c->uris[i], "ldaps://", 8) == 0;

		if (ldaps && c->starttls)
			return conf_fail(x, "uri %s: starttls is for ldap:// only", c->uris[i]);
		if (!ldaps && !c->starttls && !directory_conf_uri_loopback(c->uris[i]))
			return conf_fail(x,
					 "uri %s: plain ldap:// sends passwords in clear text; use "
					 "ldaps:// or starttls = yes (allowed only on loopback)",
					 c->uris[i]);
		tls = tls || ldaps;
	}
	if (tls && !c->ca)
		return conf_fail(x, "ca is required with TLS: the directory's CA is pinned");
	if (!c->bind_dn != !c->bind_password_file)
		return conf_fail(x, "bind_dn and bind_password_file go together");
	if (c->user_filter && c->user_dn)
		return conf_fail(x, "user_filter and user_dn exclude each other");
	if (!c->user_dn &&
	    conf_default(x, &c->user_filter,
			 ad ? "(&(objectClass=user)(|(sAMAccountName=%u)(userPrincipalName=%u)))"
			    : "(&(objectClass=*)(uid=%u))") < 0)
		return -1;
	if (c->user_filter && !strstr(c->user_filter, "%u"))
		return conf_fail(x, "user_filter must contain %%u");
	if (c->user_dn && !strstr(c->user_dn, "%u"))
		return conf_fail(x, "user_dn must contain %%u");
	if (c->user_filter && !c->base)
		return conf_fail(x, "base is required to search for users");
	if (conf_default(x, &c->user_name_attr, ad ? "sAMAccountName" : "uid") < 0 ||
	    conf_default(x, &c->group_name_attr, "cn") < 0)
		return -1;
	/* AD: memberOf lists direct groups only; the transitive matching rule
	 * finds nested ones, so AD searches unless told otherwise. */
	if (ad && !c->group_attr && !c->group_filter &&
	    conf_default(x, &c->group_filter,
			 "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=%d))") < 0)
		return -1;
	if (!c->group_filter && conf_default(x, &c->group_attr, "memberOf") < 0)
		return -1;
	if (c->group_filter && !strstr(c->group_filter, "%d") && !strstr(c->group_filter, "%u"))
		return conf_fail(x, "group_filter must contain %%d or %%u");
	if (c->group_filter && !c->group_base && c->base &&
	    conf_default(x, &c->group_base, c->base) < 0)
		return -1;
	if (c->group_filter && !c->group_base)
		return conf_fail(x, "group_filter needs group_base (or base)");
	if (!seen_ppolicy)
		c->ppolicy = !ad;
	if (!c->timeout)
		c->timeout = 5;
	if (!c->max_inflight)
		c->max_inflight = 16;
	return 0;
}

int directory_conf_load(const char *path, struct directory_conf *c, char *err, size_t errlen)
{
	struct conf_ctx x = {path, 0, err, errlen};
	bool seen_starttls = false, seen_ppolicy = false;
	char line[DIRECTORY_LINE_MAX], *s, *eq, *k, *v;
	FILE *f;
	int r = -1;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "re");
	if (!f)
		return conf_fail(&x, "%s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		x.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			conf_fail(&x, "line too long");
			goto out;
		}
		s = conf_trim(line);
		if (!*s || *s == '#')
			continue;
		for (k = s; *k; k++)
			if ((unsigned char)*k < 0x20 && *k != '\t') {
				conf_fail(&x, "control character");
				goto out;
			}
		eq = strchr(s, '=');
		if (!eq) {
			conf_fail(&x, "expected key = value");
			goto out;
		}
		*eq = '\0';
		k = conf_trim(s);
		v = conf_trim(eq + 1);
		if (!*v) {
			conf_fail(&x, "%s: empty value", k);
			goto out;
		}
		if (conf_key(&x, c, k, v, &seen_starttls, &seen_ppolicy) < 0)
			goto out;
	}
	if (ferror(f)) {
		x.line = 0;
		conf_fail(&x, "read error");
		goto out;
	}
	r = conf_finish(&x, c, seen_ppolicy);
out:
	fclose(f);
	if (r < 0)
		directory_conf_free(c);
	return r;
}

void directory_conf_free(struct directory_conf *c)
{
	size_t i;

	for (i = 0; i < c->n_uris; i++)
		free(c->uris[i]);
	free(c->ca);
	free(c->bind_dn);
	free(c->bind_password_file);
	free(c->base);
	free(c->user_filter);
	free(c->user_dn);
	free(c->user_name_attr);
	free(c->group_attr);
	free(c->group_base);
	free(c->group_filter);
	free(c->group_name_attr);
	memset(c, 0, sizeof(*c));
}

int directory_conf_read_password(const struct directory_conf *c, char *out, size_t outlen,
				 char *err, size_t errlen)
{
	FILE *f;
	size_t n;
	int r = -1;

	out[0] = '\0';
	if (!c->bind_password_file)
		return 0;
	f = fopen(c->bind_password_file, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", c->bind_password_file, strerror(errno));
		return -1;
	}
	if (!fgets(out, (int)outlen, f)) {
		snprintf(err, errlen, "%s: empty", c->bind_password_file);
		goto out;
	}
	n = strcspn(out, "\r\n");
	if (n == strlen(out) && !feof(f) && fgetc(f) != EOF) {
		snprintf(err, errlen, "%s: longer than %zu bytes", c->bind_password_file,
			 outlen - 1);
		goto out;
	}
	out[n] = '\0';
	if (!n) {
		snprintf(err, errlen, "%s: empty", c->bind_password_file);
		goto out;
	}
	r = (int)n;
out:
	if (r < 0)
		explicit_bzero(out, outlen);
	fclose(f);
	return r;
}
