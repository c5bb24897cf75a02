/* The KVM-VDI clients.xml reader behind `stationctl import-kvm-vdi`: what maps
 * to a section, what is reported and why, and what is refused outright. */
#include <glib.h>
#include <string.h>

#include <libxml/parser.h>

#include "stationctl_import.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<thin-clients>\n"
#define TAIL "</thin-clients>\n"

/* One client per case: the item it gives. */
static const struct {
	const char *name;
	const char *client;
	const char *target; /* NULL when not mappable */
	const char *kvs;    /* space separated, when mappable */
	const char *reason; /* substring, when not mappable */
} client_cases[] = {
    {"rdp",
     "<client ip=\"192.168.1.5\"><protocol>RDP</protocol>"
     "<machine-rdp-address>192.168.249.111</machine-rdp-address></client>",
     "192.168.1.5", "protocol=rdp host=192.168.249.111 port=3389", NULL},
    {"rdp lower case",
     "<client ip=\"10.0.0.1\"><protocol>rdp</protocol>"
     "<machine-rdp-address>ts1</machine-rdp-address></client>",
     "10.0.0.1", "protocol=rdp host=ts1 port=3389", NULL},
    {"rdp port",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address>ts1.example.org:3390</machine-rdp-address></client>",
     "10.0.0.1", "protocol=rdp host=ts1.example.org port=3390", NULL},
    {"rdp bracketed v6",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address>[fd00::1]:4000</machine-rdp-address></client>",
     "10.0.0.1", "protocol=rdp host=fd00::1 port=4000", NULL},
    {"rdp bare v6",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address>fd00::1</machine-rdp-address></client>",
     "10.0.0.1", "protocol=rdp host=fd00::1 port=3389", NULL},
    {"v6 client",
     "<client ip=\"FD00:0:0::20\"><protocol>RDP</protocol>"
     "<machine-rdp-address>ts1</machine-rdp-address></client>",
     "fd00::20", "protocol=rdp host=ts1 port=3389", NULL},
    {"whitespace",
     "<client ip=\" 10.0.0.1 \">\n\t<protocol>\n RDP \n</protocol>\n"
     "\t<machine-rdp-address>\n ts1 \n</machine-rdp-address>\n</client>",
     NULL, NULL, "ip attribute"},
    {"cdata",
     "<client ip=\"10.0.0.1\"><protocol><![CDATA[RDP]]></protocol>"
     "<machine-rdp-address>ts1</machine-rdp-address></client>",
     "10.0.0.1", "protocol=rdp host=ts1 port=3389", NULL},
    {"rdp bad port",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address>ts1:99999</machine-rdp-address></client>",
     NULL, NULL, "port"},
    {"rdp bad host",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address>ts 1</machine-rdp-address></client>",
     NULL, NULL, "machine-rdp-address \"ts 1\""},
    {"rdp bad brackets",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address>[fd00::1:4000</machine-rdp-address></client>",
     NULL, NULL, "not host[:port]"},
    {"rdp empty address",
     "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
     "<machine-rdp-address> </machine-rdp-address></client>",
     NULL, NULL, "without a usable <machine-rdp-address>"},
    {"rdp no address", "<client ip=\"10.0.0.1\"><protocol>RDP</protocol></client>", NULL, NULL,
     "without a usable <machine-rdp-address>"},
    {"spice",
     "<client ip=\"10.0.0.1\"><protocol>SPICE</protocol>"
     "<machine-name>PCa01</machine-name></client>",
     "10.0.0.1", "protocol=spice domain=PCa01 libvirt_uri=qemu:///system", NULL},
    {"spice name not a domain name",
     "<client ip=\"10.0.0.1\"><protocol>SPICE</protocol>"
     "<machine-name>PC a01</machine-name></client>",
     NULL, NULL, "SPICE machine \"PC a01\" cannot be a libvirt domain"},
    {"spice no machine-name", "<client ip=\"10.0.0.1\"><protocol>SPICE</protocol></client>", NULL,
     NULL, "SPICE client without a usable <machine-name>"},
    {"vmview", "<client ip=\"10.0.0.1\"><protocol>vmView</protocol><pool>Users</pool></client>",
     NULL, NULL, "vmView (VMware Horizon) pool \"Users\""},
    {"unknown protocol", "<client ip=\"10.0.0.1\"><protocol>X2Go</protocol></client>", NULL, NULL,
     "unknown protocol \"X2Go\""},
    {"no protocol", "<client ip=\"10.0.0.1\"><machine-name>PCa01</machine-name></client>", NULL,
     NULL, "no <protocol>"},
    {"no ip", "<client><protocol>RDP</protocol></client>", NULL, NULL, "without an ip attribute"},
    {"bad ip", "<client ip=\"10.0.0.256\"><protocol>RDP</protocol></client>", NULL, NULL,
     "ip attribute"},
    {"cidr ip", "<client ip=\"10.0.0.0/8\"><protocol>RDP</protocol></client>", NULL, NULL,
     "not a single IP address"},
    {"glob ip", "<client ip=\"lab-*\"><protocol>RDP</protocol></client>", NULL, NULL,
     "not a single IP address"},
    {"control characters",
     "<client ip=\"10.0.0.1\"><protocol>SPICE</protocol>"
     "<machine-name>a&#127;b&#9;c</machine-name></client>",
     NULL, NULL, "SPICE machine \"a\\x7fb\\tc\""},
    {"unexpected element", "<server ip=\"10.0.0.1\"/>", NULL, NULL, "unexpected element <server>"},
};

static char *join_kvs(const struct stationctl_import_item *it)
{
	GString *s = g_string_new(NULL);

	for (size_t k = 0; k < it->n_kvs; k++)
		g_string_append_printf(s, "%s%s", k ? " " : "", it->kvs[k]);
	return g_string_free(s, FALSE);
}

static void test_clients(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(client_cases); i++) {
		char *xml = g_strconcat(HEAD, "    ", client_cases[i].client, "\n", TAIL, NULL);
		struct stationctl_import imp;
		char err[256] = "";
		unsigned line;
		const struct stationctl_import_item *it;

		g_test_message("case %s", client_cases[i].name);
		g_assert_cmpint(stationctl_import_parse(xml, strlen(xml), "c.xml", NULL, NULL, &imp,
							&line, err, sizeof(err)),
				==, 0);
		g_assert_cmpuint(imp.n, ==, 1);
		it = &imp.items[0];
		g_assert_cmpuint(it->line, ==, 3);
		if (client_cases[i].target) {
			char *kvs = join_kvs(it);

			g_assert_true(it->mappable);
			g_assert_cmpstr(it->target.text, ==, client_cases[i].target);
			g_assert_cmpstr(kvs, ==, client_cases[i].kvs);
			g_assert_cmpstr(it->reason, ==, "");
			g_free(kvs);
		} else {
			g_assert_false(it->mappable);
			if (!strstr(it->reason, client_cases[i].reason))
				g_error("reason '%s' lacks '%s'", it->reason,
					client_cases[i].reason);
		}
		stationctl_import_free(&imp);
		g_free(xml);
	}
}

/* KVM-VDI takes the last entry for an address; spellings of one address
 * count as one. --group reaches every mappable item. */
static void test_duplicates_and_group(void)
{
	static const char xml[] =
	    HEAD "<client ip=\"10.0.0.1\"><protocol>RDP</protocol>"
		 "<machine-rdp-address>a</machine-rdp-address></client>\n"
		 "<!-- <client ip=\"10.0.0.9\"><protocol>RDP</protocol></client> -->\n"
		 "<client ip=\"10.0.0.2\"><protocol>RDP</protocol>"
		 "<machine-rdp-address>b</machine-rdp-address></client>\n"
		 "<client ip=\"10.0.0.01\"><protocol>RDP</protocol>"
		 "<machine-rdp-address>c</machine-rdp-address></client>\n"
		 "<client ip=\"10.0.0.1\"><protocol>SPICE</protocol>"
		 "<machine-name>d</machine-name></client>\n" TAIL;
	struct stationctl_import imp;
	static const struct stationctl_import_libvirt lv = {"qemu+ssh://kvm1/system", "10.1.2.3"};
	char err[256] = "";
	unsigned line;

	g_assert_cmpint(stationctl_import_parse(xml, strlen(xml), "c.xml", "lab", &lv, &imp, &line,
						err, sizeof(err)),
			==, 0);
	g_assert_cmpuint(imp.clients, ==, 4);
	g_assert_cmpuint(imp.n, ==, 4);
	g_assert_false(imp.items[0].mappable);
	g_assert_nonnull(strstr(imp.items[0].reason, "superseded by the entry for the same address "
						     "at line 7"));
	g_assert_true(imp.items[1].mappable);
	g_assert_cmpuint(imp.items[1].n_kvs, ==, 4);
	g_assert_cmpstr(imp.items[1].kvs[3], ==, "group=lab");
	/* 10.0.0.01 is not an IP address spelling the parser takes; it is
	 * reported, not merged. */
	g_assert_false(imp.items[2].mappable);
	/* The last entry for 10.0.0.1, a SPICE machine on the given hypervisor. */
	g_assert_true(imp.items[3].mappable);
	g_assert_cmpuint(imp.items[3].n_kvs, ==, 5);
	g_assert_cmpstr(imp.items[3].kvs[1], ==, "domain=d");
	g_assert_cmpstr(imp.items[3].kvs[2], ==, "libvirt_uri=qemu+ssh://kvm1/system");
	g_assert_cmpstr(imp.items[3].kvs[3], ==, "display_host=10.1.2.3");
	g_assert_cmpstr(imp.items[3].kvs[4], ==, "group=lab");
	stationctl_import_free(&imp);
}

/* Whole documents that are refused, with the line where that applies. */
static void test_refused(void)
{
	static const struct {
		const char *xml;
		unsigned line;
		const char *err;
	} cases[] = {
	    {"", 1, "malformed XML"},
	    {"<thin-clients>\n<client ip=\"1.2.3.4\">\n</thin-clients>\n", 3, "malformed XML"},
	    {"<?xml version=\"1.0\"?>\n<clients/>\n", 2, "the root element is <clients>"},
	    {"<!DOCTYPE thin-clients [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	     "<thin-clients><client ip=\"1.2.3.4\"><protocol>&x;</protocol></client>"
	     "</thin-clients>\n",
	     0, "DOCTYPE"},
	    {"<!DOCTYPE thin-clients SYSTEM \"http://127.0.0.1:9/x.dtd\">\n<thin-clients/>\n", 0,
	     "DOCTYPE"},
	    {"<thin-clients><client ip=\"1.2.3.4\"><protocol>&undefined;</protocol></client>"
	     "</thin-clients>",
	     1, "malformed XML"},
	    {"<thin-clients>\0</thin-clients>", 1, "malformed XML"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct stationctl_import imp;
		char err[256] = "";
		unsigned line = 99;
		size_t len = i == G_N_ELEMENTS(cases) - 1 ? 30 : strlen(cases[i].xml);

		g_test_message("case %zu", i);
		g_assert_cmpint(stationctl_import_parse(cases[i].xml, len, "c.xml", NULL, NULL,
							&imp, &line, err, sizeof(err)),
				==, -1);
		if (!strstr(err, cases[i].err))
			g_error("case %zu: '%s' lacks '%s'", i, err, cases[i].err);
		g_assert_cmpuint(line, ==, cases[i].line);
		g_assert_cmpuint(imp.n, ==, 0);
	}
}

/* Many clients: every one gets its item and line. */
static void test_many(void)
{
	GString *xml = g_string_new(HEAD);
	struct stationctl_import imp;
	char err[256] = "";
	unsigned line;

	for (int i = 0; i < 5000; i++)
		g_string_append_printf(xml,
				       "<client ip=\"10.%d.%d.1\"><protocol>RDP</protocol>"
				       "<machine-rdp-address>ts%d</machine-rdp-address></client>\n",
				       i / 256, i % 256, i);
	g_string_append(xml, TAIL);
	g_assert_cmpint(stationctl_import_parse(xml->str, xml->len, "c.xml", NULL, NULL, &imp,
						&line, err, sizeof(err)),
			==, 0);
	g_assert_cmpuint(imp.n, ==, 5000);
	g_assert_cmpuint(imp.items[4999].line, ==, 5002);
	g_assert_cmpstr(imp.items[4999].target.text, ==, "10.19.135.1");
	for (size_t i = 0; i < imp.n; i++)
		g_assert_true(imp.items[i].mappable);
	stationctl_import_free(&imp);
	g_string_free(xml, TRUE);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	xmlInitParser();
	g_test_add_func("/stationctl/import/clients", test_clients);
	g_test_add_func("/stationctl/import/duplicates_and_group", test_duplicates_and_group);
	g_test_add_func("/stationctl/import/refused", test_refused);
	g_test_add_func("/stationctl/import/many", test_many);
	rc = g_test_run();
	xmlCleanupParser();
	return rc;
}
