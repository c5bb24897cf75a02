/* Trusted proxies and X-Forwarded-For (tools/broker/broker_proxy.c): peer
 * and header values → the client address the broker uses. */
#include <glib.h>
#include <string.h>

#include "broker_proxy.h"

struct xff_case {
	const char *name;
	const char *peer;
	const char *xff[3]; /* header lines, NULL-terminated */
	const char *want;   /* NULL: refused */
};

/* Trusted: 10.0.0.1 and 192.168.0.0/16 and fd00::/8. */
static const char *const trusted_text[] = {"10.0.0.1", "192.168.0.0/16", "fd00::/8"};

static const struct xff_case xff_cases[] = {
    {"untrusted peer, no header", "203.0.113.9", {NULL}, "203.0.113.9"},
    {"untrusted peer, header ignored", "203.0.113.9", {"198.51.100.1"}, "203.0.113.9"},
    {"untrusted peer, garbage ignored", "203.0.113.9", {"garbage"}, "203.0.113.9"},
    {"trusted peer, no header", "10.0.0.1", {NULL}, "10.0.0.1"},
    {"trusted peer, one client", "10.0.0.1", {"198.51.100.1"}, "198.51.100.1"},
    {"spaces trimmed", "10.0.0.1", {"  198.51.100.1  "}, "198.51.100.1"},
    {"chain of proxies", "10.0.0.1", {"198.51.100.1, 192.168.1.1, 192.168.2.2"}, "198.51.100.1"},
    {"forged left part", "10.0.0.1", {"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
    {"several header lines", "10.0.0.1", {"1.2.3.4", "198.51.100.7, 192.168.9.9"}, "198.51.100.7"},
    {"all trusted: leftmost", "10.0.0.1", {"192.168.1.1, 10.0.0.1"}, "192.168.1.1"},
    {"ipv6 client", "fd00::1", {"2001:db8::5"}, "2001:db8::5"},
    {"ipv4-mapped peer", "::ffff:10.0.0.1", {"198.51.100.1"}, "198.51.100.1"},
    {"garbage from trusted", "10.0.0.1", {"not-an-ip"}, NULL},
    {"port appended", "10.0.0.1", {"198.51.100.1:4444"}, NULL},
    {"empty element", "10.0.0.1", {"198.51.100.1,,192.168.0.1"}, NULL},
    {"empty header", "10.0.0.1", {""}, "10.0.0.1"},
    {"garbage left of client ignored", "10.0.0.1", {"!!, 198.51.100.1"}, "198.51.100.1"},
};

static void test_xff(gconstpointer data)
{
	const struct xff_case *c = data;
	struct broker_cidr trusted[3];
	struct ipaddr peer, out;
	char err[160] = "", text[IP_STR_LEN];
	size_t i, n = 0;
	int rc;

	for (i = 0; i < 3; i++)
		g_assert_cmpint(
		    broker_proxy_parse_cidr(trusted_text[i], &trusted[i], err, sizeof(err)), ==, 0);
	g_assert_cmpint(ip_parse(c->peer, &peer), ==, 0);
	while (n < 3 && c->xff[n])
		n++;
	rc = broker_proxy_client(&peer, c->xff, n, trusted, 3, &out, err, sizeof(err));
	if (!c->want) {
		g_assert_cmpint(rc, ==, -1);
		g_assert_cmpstr(err, ==, "X-Forwarded-For: not an IP address");
		return;
	}
	g_assert_cmpint(rc, ==, 0);
	ip_format(&out, text);
	g_assert_cmpstr(text, ==, c->want);
}

static void test_too_long(void)
{
	struct broker_cidr t;
	struct ipaddr peer, out;
	char err[160];
	GString *s = g_string_new("1.2.3.4");
	const char *v[1];

	while (s->len <= BROKER_XFF_MAX_LEN)
		g_string_append(s, ", 10.0.0.1");
	v[0] = s->str;
	g_assert_cmpint(broker_proxy_parse_cidr("10.0.0.1", &t, err, sizeof(err)), ==, 0);
	g_assert_cmpint(ip_parse("10.0.0.1", &peer), ==, 0);
	g_assert_cmpint(broker_proxy_client(&peer, v, 1, &t, 1, &out, err, sizeof(err)), ==, -1);
	g_assert_cmpstr(err, ==, "X-Forwarded-For: longer than 2048 bytes");
	g_string_free(s, TRUE);
}

struct cidr_case {
	const char *cidr;
	const char *ip;
	bool inside;
};

static const struct cidr_case cidr_cases[] = {
    {"10.0.0.0/8", "10.255.1.1", true},
    {"10.0.0.0/8", "11.0.0.1", false},
    {"10.1.2.3", "10.1.2.3", true},
    {"10.1.2.3", "10.1.2.4", false},
    {"0.0.0.0/0", "203.0.113.1", true},
    {"0.0.0.0/0", "2001:db8::1", false},
    {"fd00::/8", "fd12::1", true},
    {"fd00::/8", "fe80::1", false},
    {"::1", "::1", true},
    {"192.168.4.0/22", "192.168.7.255", true},
    {"192.168.4.0/22", "192.168.8.0", false},
};

static void test_cidr(void)
{
	struct broker_cidr c;
	struct ipaddr ip;
	char err[160];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cidr_cases); i++) {
		g_assert_cmpint(broker_proxy_parse_cidr(cidr_cases[i].cidr, &c, err, sizeof(err)),
				==, 0);
		g_assert_cmpint(ip_parse(cidr_cases[i].ip, &ip), ==, 0);
		if (broker_proxy_cidr_contains(&c, &ip) != cidr_cases[i].inside)
			g_test_fail_printf("%s in %s: want %d", cidr_cases[i].ip,
					   cidr_cases[i].cidr, cidr_cases[i].inside);
	}
	g_assert_cmpint(broker_proxy_parse_cidr("10.0.0.1/8", &c, err, sizeof(err)), ==, -1);
	g_assert_cmpint(broker_proxy_parse_cidr("nope", &c, err, sizeof(err)), ==, -1);
	g_assert_cmpint(broker_proxy_parse_cidr("", &c, err, sizeof(err)), ==, -1);
}

int main(int argc, char **argv)
{
	size_t i;
	char *path;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	for (i = 0; i < G_N_ELEMENTS(xff_cases); i++) {
		path = g_strdup_printf("/broker/proxy/xff/%s", xff_cases[i].name);
		g_test_add_data_func(path, &xff_cases[i], test_xff);
		g_free(path);
	}
	g_test_add_func("/broker/proxy/xff/too-long", test_too_long);
	g_test_add_func("/broker/proxy/cidr", test_cidr);
	return g_test_run();
}
