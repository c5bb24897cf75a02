/* LDAP escaping (RFC 4515 filter values, RFC 4514 DN values) as a table of
 * cases, hostile station input first: a user name must never widen a
 * filter nor move a DN. */
#include <glib.h>
#include <string.h>

#include "ldap_escape.h"

struct escape_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *filter;
	const char *dn;
};

static const struct escape_case escape_cases[] = {
    {"alice", 0, "alice", "alice"},
    {"", 0, "", ""},
    /* Filter injection: every metacharacter becomes a hex pair. */
    {"*", 0, "\\2a", "*"},
    {"*)(uid=*", 0, "\\2a\\29\\28uid=\\2a", "*)(uid\\=*"},
    {"admin)(|(objectClass=*", 0, "admin\\29\\28|\\28objectClass=\\2a", "admin)(|(objectClass\\=*"},
    {"\\", 0, "\\5c", "\\\\"},
    {"a\\2a", 0, "a\\5c2a", "a\\\\2a"},
    /* NUL inside the value: it must not cut the value short. */
    {"ann\0*", 5, "ann\\00\\2a", "ann\\00*"},
    /* The DN specials. */
    {",+\"<>;=", 0, ",+\"<>;=", "\\,\\+\\\"\\<\\>\\;\\="},
    {"x,ou=admins", 0, "x,ou=admins", "x\\,ou\\=admins"},
    /* Leading # or space, trailing space (RFC 4514 section 2.4). */
    {"#ann", 0, "#ann", "\\#ann"},
    {"a#b", 0, "a#b", "a#b"},
    {" ann ", 0, " ann ", "\\ ann\\ "},
    {"a b", 0, "a b", "a b"},
    {" ", 0, " ", "\\ "},
    /* Control characters and UTF-8 as hex pairs. */
    {"a\nb\x7f", 0, "a\\0ab\\7f", "a\\0ab\\7f"},
    {"J\xc3\xb6rg", 0, "J\\c3\\b6rg", "J\\c3\\b6rg"},
};

static void test_table(void)
{
	char out[256];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(escape_cases); i++) {
		const struct escape_case *c = &escape_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);

		g_test_message("case %zu", i);
		g_assert_cmpint(ldap_escape_filter(c->in, len, out, sizeof(out)), ==,
				(int)strlen(c->filter));
		g_assert_cmpstr(out, ==, c->filter);
		g_assert_cmpint(ldap_escape_dn(c->in, len, out, sizeof(out)), ==,
				(int)strlen(c->dn));
		g_assert_cmpstr(out, ==, c->dn);
	}
}

/* The output is bounded: one byte too small is -1 and an empty string,
 * never a truncated (and so differently meaning) value. */
static void test_bounds(void)
{
	char out[16];

	memset(out, 'x', sizeof(out));
	g_assert_cmpint(ldap_escape_filter("*", 1, out, 4), ==, 3);
	g_assert_cmpstr(out, ==, "\\2a");
	g_assert_cmpint(ldap_escape_filter("*", 1, out, 3), ==, -1);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpint(ldap_escape_filter("ab", 2, out, 2), ==, -1);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpint(ldap_escape_dn(",", 1, out, 3), ==, 2);
	g_assert_cmpint(ldap_escape_dn(",", 1, out, 2), ==, -1);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpint(ldap_escape_dn("", 0, out, 1), ==, 0);
	g_assert_cmpint(ldap_escape_dn("", 0, out, 0), ==, -1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ldap_escape/table", test_table);
	g_test_add_func("/ldap_escape/bounds", test_bounds);
	return g_test_run();
}
