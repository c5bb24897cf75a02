/* LDAP filter and DN value escaping: see ldap_escape.h. */
#include <stdbool.h>

#include "ldap_escape.h"

static const char ldap_escape_hex[] = "0123456789abcdef";

struct ldap_escape_out {
	char *p;
	size_t used, cap; /* cap counts the NUL */
	bool full;
};

static void ldap_escape_put(struct ldap_escape_out *o, char c)
{
	if (o->used + 1 >= o->cap) {
		o->full = true;
		return;
	}
	o->p[o->used++] = c;
}

static void ldap_escape_hexpair(struct ldap_escape_out *o, unsigned char c)
{
	ldap_escape_put(o, '\\');
	ldap_escape_put(o, ldap_escape_hex[c >> 4]);
	ldap_escape_put(o, ldap_escape_hex[c & 15]);
}

static bool ldap_escape_printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

static int ldap_escape_end(struct ldap_escape_out *o)
{
	if (o->cap == 0)
		return -1;
	if (o->full) {
		o->p[0] = '\0';
		return -1;
	}
	o->p[o->used] = '\0';
	return (int)o->used;
}

int ldap_escape_filter(const char *in, size_t len, char *out, size_t outlen)
{
	struct ldap_escape_out o = {out, 0, outlen, false};
	size_t i;

	for (i = 0; i < len && !o.full; i++) {
		unsigned char c = (unsigned char)in[i];

		if (!ldap_escape_printable(c) || c == '*' || c == '(' || c == ')' || c == '\\')
			ldap_escape_hexpair(&o, c);
		else
			ldap_escape_put(&o, (char)c);
	}
	return ldap_escape_end(&o);
}

int ldap_escape_dn(const char *in, size_t len, char *out, size_t outlen)
{
	struct ldap_escape_out o = {out, 0, outlen, false};
	size_t i;

	for (i = 0; i < len && !o.full; i++) {
		unsigned char c = (unsigned char)in[i];

		if (!ldap_escape_printable(c)) {
			ldap_escape_hexpair(&o, c);
		} else if (c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' ||
			   c == '\\' || c == '=' || (i == 0 && (c == ' ' || c == '#')) ||
			   (i == len - 1 && c == ' ')) {
			ldap_escape_put(&o, '\\');
			ldap_escape_put(&o, (char)c);
		} else {
			ldap_escape_put(&o, (char)c);
		}
	}
	return ldap_escape_end(&o);
}
