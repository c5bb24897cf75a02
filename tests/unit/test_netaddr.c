/* Address parsing: what must be accepted, what must be refused. */
#include <glib.h>
#include <string.h>

#include "netaddr.h"

static void test_mac(void)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: must be refused */
	} cases[] = {
	    {"52:54:00:12:34:56", "52:54:00:12:34:56"},
	    {"52-54-00-AB-cd-EF", "52:54:00:ab:cd:ef"},
	    {"52:54:00:12:34", NULL},
	    {"52:54:00:12:34:5", NULL},
	    {"52:54:00:12:34:567", NULL},
	    {"52:54-00:12:34:56", NULL},
	    {"5g:54:00:12:34:56", NULL},
	    {"", NULL},
	    {"525400123456", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		uint8_t mac[6];
		int r = mac_parse(cases[i].in, mac);
		if (!cases[i].out) {
			g_assert_cmpint(r, ==, -1);
			continue;
		}
		g_assert_cmpint(r, ==, 0);
		char s[MAC_STR_LEN];
		mac_format(mac, s);
		g_assert_cmpstr(s, ==, cases[i].out);
	}
}

static void test_ip_cidr(void)
{
	struct ipaddr ip, net;
	char s[IP_STR_LEN], err[200];
	unsigned prefix;

	g_assert_cmpint(ip_parse("10.1.2.3", &ip), ==, 0);
	g_assert_true(ip_is_v4(&ip));
	ip_format(&ip, s);
	g_assert_cmpstr(s, ==, "10.1.2.3");
	g_assert_cmpint(ip_parse("010.1.2.3", &ip), ==, -1);
	g_assert_cmpint(ip_parse("10.1.2", &ip), ==, -1);
	g_assert_cmpint(ip_parse("fd00::1", &ip), ==, 0);
	g_assert_false(ip_is_v4(&ip));
	g_assert_cmpint(ip_parse("127.0.0.5", &ip), ==, 0);
	g_assert_true(ip_is_loopback(&ip));

	g_assert_cmpint(cidr_parse("10.1.0.0/16", &net, &prefix, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(prefix, ==, 112);
	cidr_format(&net, prefix, s, sizeof(s));
	g_assert_cmpstr(s, ==, "10.1.0.0/16");
	g_assert_cmpint(cidr_parse("10.1.2.3/16", &net, &prefix, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "did you mean 10.1.0.0/16"));
	g_assert_cmpint(cidr_parse("10.1.0.0/33", &net, &prefix, err, sizeof(err)), ==, -1);
	g_assert_cmpint(cidr_parse("10.1.0.0/", &net, &prefix, err, sizeof(err)), ==, -1);
	g_assert_cmpint(cidr_parse("10.1.0.0/1a", &net, &prefix, err, sizeof(err)), ==, -1);
	g_assert_cmpint(cidr_parse("fd00::/8", &net, &prefix, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(prefix, ==, 8);

	ip_parse("10.1.2.3", &ip);
	ip_mask(&ip, 96 + 20);
	ip_format(&ip, s);
	g_assert_cmpstr(s, ==, "10.1.0.0");
}

static void test_hostnames(void)
{
	g_assert_true(hostname_valid("st-01"));
	g_assert_true(hostname_valid("st-01.lab.example"));
	g_assert_false(hostname_valid("-st"));
	g_assert_false(hostname_valid("st-"));
	g_assert_false(hostname_valid("st..lab"));
	g_assert_false(hostname_valid("st_01"));
	g_assert_false(hostname_valid(""));
	g_assert_true(hostglob_valid("st-*"));
	g_assert_true(hostglob_valid("kiosk-[0-9]?.lab"));
	g_assert_false(hostglob_valid("st-01"));
	g_assert_false(hostglob_valid("st-[]"));
	g_assert_false(hostglob_valid("st-[0-9"));
	g_assert_false(hostglob_valid("st /*"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/netaddr/mac", test_mac);
	g_test_add_func("/netaddr/ip-cidr", test_ip_cidr);
	g_test_add_func("/netaddr/hostnames", test_hostnames);
	return g_test_run();
}
