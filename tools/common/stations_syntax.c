/* The small grammars of the stations file: section headers (MATCH), keys and
 * their values. Everything here is pure and fuzzed through st_doc_parse. */
#include "stations_internal.h"
#include "stations_keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *st_key_name(enum st_key key)
{
	const struct st_keydef *k = st_keydef(key);

	return k ? k->name : "?";
}

int st_key_lookup(const char *name)
{
	for (int i = 0; i < ST_KEY__COUNT; i++)
		if (strcasecmp(name, st_keydef((enum st_key)i)->name) == 0)
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
	case ST_DESKTOP:
		return "desktop";
	case ST_USER:
		return "user";
	case ST_USERGROUP:
		return "usergroup";
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

bool st_group_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ST_GROUP_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

bool st_user_name_valid(const char *s, bool group)
{
	size_t n = strlen(s);

	if (n == 0 || n > ST_GROUP_NAME_MAX || s[0] == '-' || s[0] == '.' || s[0] == ' ' ||
	    s[n - 1] == ' ')
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_@", *p) && !(group && *p == ' '))
			return false;
	return true;
}

/* desktop:NAME, user:NAME, usergroup:NAME. User and group names are
 * lower-cased: a directory compares them without case, and so does the
 * lookup of a login's sections. 1 when s is none of them. */
static int st_target_parse_user(const char *s, struct st_target *t, char *err, size_t errlen)
{
	if (strncmp(s, "desktop:", 8) == 0) {
		if (!st_group_name_valid(s + 8) || s[8] == '.') {
			snprintf(err, errlen,
				 "'%.80s' is not a valid desktop name (1-%d of A-Z a-z 0-9 . _ -, "
				 "not starting with '.')",
				 s + 8, ST_GROUP_NAME_MAX);
			return -1;
		}
		t->kind = ST_DESKTOP;
		snprintf(t->text, sizeof(t->text), "desktop:%s", s + 8);
		return 0;
	}
	bool user = strncmp(s, "user:", 5) == 0, ugrp = strncmp(s, "usergroup:", 10) == 0;
	if (!user && !ugrp)
		return 1;
	const char *name = s + (user ? 5 : 10);
	if (!st_user_name_valid(name, ugrp)) {
		snprintf(err, errlen,
			 user ? "'%.80s' is not a valid user name (1-%d of A-Z a-z 0-9 . _ @ -, "
				"not starting with '-' or '.')"
			      : "'%.80s' is not a valid user group name (1-%d of A-Z a-z 0-9 . _ "
				"@ - and blanks inside, not starting with '-' or '.')",
			 name, ST_GROUP_NAME_MAX);
		return -1;
	}
	t->kind = user ? ST_USER : ST_USERGROUP;
	snprintf(t->text, sizeof(t->text), "%s:%s", user ? "user" : "usergroup", name);
	for (char *p = t->text; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

int st_target_parse(const char *s, struct st_target *t, char *err, size_t errlen)
{
	int r;

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
				 "'%.80s' is not a valid group name (1-%d of A-Z a-z 0-9 . _ -)",
				 s + 6, ST_GROUP_NAME_MAX);
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
				 "'%.80s' is not a valid pool name (1-%d of A-Z a-z 0-9 . _ -, "
				 "not starting with '.')",
				 s + 5, ST_GROUP_NAME_MAX);
			return -1;
		}
		t->kind = ST_POOL;
		snprintf(t->text, sizeof(t->text), "pool:%s", s + 5);
		return 0;
	}
	if ((r = st_target_parse_user(s, t, err, errlen)) <= 0)
		return r;
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
			 "'group:NAME', 'pool:NAME', 'desktop:NAME', 'user:NAME' or "
			 "'usergroup:NAME'",
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

int st_port_parse(const char *s, unsigned *port)
{
	if (!*s || strlen(s) > 5)
		return -1;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < ST_PORT_MIN || v > ST_PORT_MAX)
		return -1;
	*port = v;
	return 0;
}

bool st_host_valid(const char *s)
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

/* Every key gets these checks; the row's own check says the rest. */
int st_value_check(enum st_key key, const char *v, char *err, size_t errlen)
{
	const struct st_keydef *k = st_keydef(key);
	size_t len = strlen(v);
	bool numeric;

	if (!k) {
		snprintf(err, errlen, "unknown key");
		return -1;
	}
	if (len == 0) {
		snprintf(err, errlen, "%s: empty value", k->name);
		return -1;
	}
	if (!st_utf8_valid(v, k->multiline)) {
		snprintf(err, errlen, "%s: value has control characters or is not UTF-8", k->name);
		return -1;
	}
	/* For numbers, max is the largest value, not a length. */
	numeric = k->type == ST_TYPE_INT || k->type == ST_TYPE_DURATION || k->type == ST_TYPE_PORT;
	if (!numeric && k->max && len > (size_t)k->max) {
		snprintf(err, errlen, "%s: value is too long (%zu bytes; at most %ld)", k->name,
			 len, k->max);
		return -1;
	}
	return k->check ? k->check(k, v, err, errlen) : 0;
}

static unsigned st_kind_scope(enum st_kind kind)
{
	switch (kind) {
	case ST_POOL:
		return ST_SCOPE_POOL;
	case ST_GROUP:
		return ST_SCOPE_GROUP;
	case ST_DESKTOP:
		return ST_SCOPE_DESKTOP;
	case ST_USER:
	case ST_USERGROUP:
		return ST_SCOPE_USER;
	default:
		return ST_SCOPE_STATION;
	}
}

/* The keys a section of this scope takes, for a message: "a, b and c". */
static void st_scope_keys(unsigned scope, char *out, size_t len)
{
	size_t o = 0, n = 0, total = 0;

	for (int i = 0; i < ST_KEY__COUNT; i++)
		total += (st_keydef((enum st_key)i)->scopes & scope) != 0;
	out[0] = '\0';
	for (int i = 0; i < ST_KEY__COUNT && o < len; i++) {
		const struct st_keydef *k = st_keydef((enum st_key)i);
		int w;

		if (!(k->scopes & scope))
			continue;
		n++;
		w = snprintf(out + o, len - o, "%s%s",
			     n == 1	  ? ""
			     : n == total ? " and "
					  : ", ",
			     k->name);
		if (w > 0)
			o += (size_t)w;
	}
}

int st_key_allowed(enum st_kind kind, enum st_key key, char *err, size_t errlen)
{
	const struct st_keydef *k = st_keydef(key);
	unsigned scope = st_kind_scope(kind);
	char keys[400];

	if (!k) {
		snprintf(err, errlen, "unknown key");
		return -1;
	}
	if (k->scopes & scope)
		return 0;
	if (scope == ST_SCOPE_USER) {
		snprintf(err, errlen,
			 "'%s' cannot be set in a [%s:NAME] section (it takes desktops = NAME, "
			 "..., each a [desktop:NAME] section)",
			 k->name, st_kind_name(kind));
	} else if (k->scopes == ST_SCOPE_USER) {
		snprintf(err, errlen,
			 "'%s' belongs in a [user:NAME] or [usergroup:NAME] section (a station "
			 "takes 'desktop_from = user')",
			 k->name);
	} else if (scope == ST_SCOPE_DESKTOP) {
		snprintf(err, errlen,
			 "'%s' cannot be set in a [desktop:NAME] section: the station decides it",
			 k->name);
	} else if (scope == ST_SCOPE_POOL) {
		st_scope_keys(ST_SCOPE_POOL, keys, sizeof(keys));
		snprintf(err, errlen, "'%s' cannot be set in a [pool:NAME] section (it takes %s)",
			 k->name, keys);
	} else if (k->scopes == ST_SCOPE_POOL) {
		snprintf(err, errlen,
			 "'%s' belongs in a [pool:NAME] section (a mapping takes 'pool = NAME')",
			 k->name);
	} else if (key == ST_KEY_GROUP) {
		snprintf(err, errlen, "a group cannot itself be in a group");
	} else {
		snprintf(err, errlen, "'%s' cannot be set in a [%s] section", k->name,
			 scope == ST_SCOPE_GROUP ? "group:NAME" : "MATCH");
	}
	return -1;
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
