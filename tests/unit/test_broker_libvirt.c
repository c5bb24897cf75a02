/* The pure half of the libvirt backend (tools/broker/broker_libvirt_xml.c):
 * live domain XML of several shapes in, the graphics device or a clear
 * error out; the password element; the password itself; the host rule. */
#include <glib.h>
#include <string.h>

#include "broker_libvirt_xml.h"

#define DOMAIN(devices)                                                                            \
	"<domain type='kvm' id='3'><name>d</name><devices>" devices "</devices></domain>"

struct gfx_case {
	const char *name;
	const char *xml;
	enum st_protocol want;
	int ret;
	const char *listen;
	unsigned port, tls_port;
	const char *err; /* substring of the error, when ret is -1 */
};

static const struct gfx_case gfx_cases[] = {
    {"spice with port, tlsPort and listen",
     DOMAIN("<graphics type='spice' port='5901' tlsPort='5902' autoport='yes' listen='10.0.0.5'>"
	    "<listen type='address' address='10.0.0.5'/></graphics>"),
     ST_PROTO_SPICE, 0, "10.0.0.5", 5901, 5902, NULL},
    {"spice listen from the old attribute only",
     DOMAIN("<graphics type='spice' port='5900' listen='::1'/>"), ST_PROTO_SPICE, 0, "::1", 5900, 0,
     NULL},
    {"spice on a network listen, address resolved in the live XML",
     DOMAIN("<graphics type='spice' port='5905'><listen type='network' address='192.168.1.4' "
	    "network='lan'/></graphics>"),
     ST_PROTO_SPICE, 0, "192.168.1.4", 5905, 0, NULL},
    {"autoport not assigned yet", DOMAIN("<graphics type='spice' port='-1' autoport='yes'/>"),
     ST_PROTO_SPICE, 0, "", 0, 0, NULL},
    {"tls only", DOMAIN("<graphics type='spice' port='-1' tlsPort='5901'/>"), ST_PROTO_SPICE, 0, "",
     0, 5901, NULL},
    {"vnc picked over an earlier spice",
     DOMAIN("<graphics type='spice' port='5900'/><graphics type='vnc' port='5910'>"
	    "<listen type='address' address='0.0.0.0'/></graphics>"),
     ST_PROTO_VNC, 0, "0.0.0.0", 5910, 0, NULL},
    {"vnc has no tls port read", DOMAIN("<graphics type='vnc' port='5910' tlsPort='5999'/>"),
     ST_PROTO_VNC, 0, "", 5910, 0, NULL},
    {"vnc on a unix socket (attribute)", DOMAIN("<graphics type='vnc' socket='/run/vnc.sock'/>"),
     ST_PROTO_VNC, -1, NULL, 0, 0, "unix socket"},
    {"vnc on a unix socket (listen element)",
     DOMAIN("<graphics type='vnc'><listen type='socket' socket='/run/v.sock'/></graphics>"),
     ST_PROTO_VNC, -1, NULL, 0, 0, "listen type 'socket'"},
    {"spice without any listener",
     DOMAIN("<graphics type='spice'><listen type='none'/></graphics>"), ST_PROTO_SPICE, -1, NULL, 0,
     0, "listen type 'none'"},
    {"no graphics at all", DOMAIN("<disk type='file'/>"), ST_PROTO_SPICE, -1, NULL, 0, 0,
     "no <graphics type='spice'>"},
    {"only vnc when spice is wanted", DOMAIN("<graphics type='vnc' port='5900'/>"), ST_PROTO_SPICE,
     -1, NULL, 0, 0, "no <graphics type='spice'>"},
    {"no devices", "<domain><name>d</name></domain>", ST_PROTO_SPICE, -1, NULL, 0, 0,
     "no <graphics"},
    {"port out of range", DOMAIN("<graphics type='spice' port='65536'/>"), ST_PROTO_SPICE, -1, NULL,
     0, 0, "is not a port"},
    {"port with junk", DOMAIN("<graphics type='spice' port='59x1'/>"), ST_PROTO_SPICE, -1, NULL, 0,
     0, "is not a port"},
    {"listen address that is no address",
     DOMAIN("<graphics type='spice' port='5900'><listen type='address' address='a b'/>"
	    "</graphics>"),
     ST_PROTO_SPICE, -1, NULL, 0, 0, "not an address"},
    {"not well-formed", "<domain><devices><graphics type='spice'></devices></domain>",
     ST_PROTO_SPICE, -1, NULL, 0, 0, "malformed XML"},
    {"a DOCTYPE is refused",
     "<!DOCTYPE domain [<!ENTITY x 'y'>]><domain><devices><graphics type='spice' "
     "port='5900'/></devices></domain>",
     ST_PROTO_SPICE, -1, NULL, 0, 0, "DOCTYPE"},
    {"another root element", "<network><name>n</name></network>", ST_PROTO_SPICE, -1, NULL, 0, 0,
     "not <domain>"},
    {"rdp is no libvirt display", DOMAIN("<graphics type='rdp' port='3389'/>"), ST_PROTO_RDP, -1,
     NULL, 0, 0, "spice or vnc"},
};

static void test_graphics(gconstpointer data)
{
	const struct gfx_case *c = data;
	struct broker_libvirt_gfx g;
	char err[256] = "";
	int ret =
	    broker_libvirt_xml_graphics(c->xml, strlen(c->xml), c->want, &g, err, sizeof(err));

	g_assert_cmpint(ret, ==, c->ret);
	if (ret < 0) {
		g_assert_nonnull(strstr(err, c->err));
		return;
	}
	g_assert_cmpint(g.protocol, ==, c->want);
	g_assert_cmpstr(g.listen, ==, c->listen);
	g_assert_cmpuint(g.port, ==, c->port);
	g_assert_cmpuint(g.tls_port, ==, c->tls_port);
	g_assert_true(g_str_has_prefix(g.elem, "<graphics"));
}

static void test_graphics_size_cap(void)
{
	struct broker_libvirt_gfx g;
	char err[256];
	size_t n = BROKER_LIBVIRT_XML_MAX + 1;
	char *xml = g_malloc(n + 1);

	memset(xml, ' ', n);
	xml[n] = '\0';
	memcpy(xml, "<domain>", 8);
	g_assert_cmpint(broker_libvirt_xml_graphics(xml, n, ST_PROTO_SPICE, &g, err, sizeof(err)),
			==, -1);
	g_assert_nonnull(strstr(err, "larger than"));
	g_free(xml);
}

static void test_password_xml(void)
{
	static const char xml[] =
	    DOMAIN("<graphics type='spice' port='5901' autoport='yes' listen='127.0.0.1'>"
		   "<listen type='address' address='127.0.0.1'/></graphics>");
	struct broker_libvirt_gfx g;
	char err[256];
	char *out;

	g_assert_cmpint(
	    broker_libvirt_xml_graphics(xml, strlen(xml), ST_PROTO_SPICE, &g, err, sizeof(err)), ==,
	    0);
	/* 2030-01-02 03:04:05 UTC */
	out = broker_libvirt_xml_password(&g, "Ab-_9\"<&", 1893553445, err, sizeof(err));
	g_assert_nonnull(out);
	g_assert_cmpstr(
	    out, ==,
	    "<graphics type=\"spice\" port=\"5901\" autoport=\"yes\" listen=\"127.0.0.1\" "
	    "passwd=\"Ab-_9&quot;&lt;&amp;\" passwdValidTo=\"2030-01-02T03:04:05\">"
	    "<listen type=\"address\" address=\"127.0.0.1\"/></graphics>");
	g_free(out);

	/* An element that already had a password gets the new one. */
	snprintf(g.elem, sizeof(g.elem), "<graphics type='vnc' port='5900' passwd='old'/>");
	out = broker_libvirt_xml_password(&g, "new", 0, err, sizeof(err));
	g_assert_cmpstr(out, ==,
			"<graphics type=\"vnc\" port=\"5900\" passwd=\"new\" "
			"passwdValidTo=\"1970-01-01T00:00:00\"/>");
	g_free(out);
}

static void test_password_new(void)
{
	char a[BROKER_LIBVIRT_PASSWORD_MAX], b[BROKER_LIBVIRT_PASSWORD_MAX];
	char err[128];

	g_assert_cmpint(broker_libvirt_xml_password_new(ST_PROTO_SPICE, a, err, sizeof(err)), ==,
			0);
	g_assert_cmpint(broker_libvirt_xml_password_new(ST_PROTO_SPICE, b, err, sizeof(err)), ==,
			0);
	g_assert_cmpuint(strlen(a), ==, BROKER_LIBVIRT_SPICE_PW_LEN);
	g_assert_cmpuint(
	    strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), ==,
	    strlen(a));
	/* 96 random bits: equal means the generator is broken. */
	g_assert_cmpstr(a, !=, b);
	g_assert_cmpint(broker_libvirt_xml_password_new(ST_PROTO_VNC, a, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(strlen(a), ==, BROKER_LIBVIRT_VNC_PW_LEN);
}

struct host_case {
	const char *uri;
	const char *listen;
	const char *want; /* NULL: an error */
};

static const struct host_case host_cases[] = {
    {"qemu:///system", "10.0.0.5", "10.0.0.5"},
    {"qemu+ssh://kvm1.example.org/system", "10.0.0.5", "10.0.0.5"},
    {"qemu:///system", "0.0.0.0", "127.0.0.1"},
    {"qemu:///system", "::", "127.0.0.1"},
    {"qemu:///system", "", "127.0.0.1"},
    {"test:///default", "", "127.0.0.1"},
    {"qemu+ssh://root@kvm1.example.org:2222/system", "0.0.0.0", "kvm1.example.org"},
    {"qemu+tcp://192.0.2.7/system", "::", "192.0.2.7"},
    {"qemu+tls://kvm2/system?no_verify=1", "", "kvm2"},
    {"qemu+ssh://bad_host!/system", "0.0.0.0", NULL},
};

static void test_host(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(host_cases); i++) {
		const struct host_case *c = &host_cases[i];
		char out[256] = "", err[256] = "";
		int ret =
		    broker_libvirt_xml_host(c->uri, c->listen, out, sizeof(out), err, sizeof(err));

		if (!c->want) {
			g_assert_cmpint(ret, ==, -1);
			g_assert_cmpstr(err, !=, "");
			continue;
		}
		g_assert_cmpint(ret, ==, 0);
		g_assert_cmpstr(out, ==, c->want);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(gfx_cases); i++) {
		char *path = g_strdup_printf("/broker_libvirt/graphics/%zu", i);

		g_test_add_data_func(path, &gfx_cases[i], test_graphics);
		g_free(path);
	}
	g_test_add_func("/broker_libvirt/graphics/size_cap", test_graphics_size_cap);
	g_test_add_func("/broker_libvirt/password_xml", test_password_xml);
	g_test_add_func("/broker_libvirt/password_new", test_password_new);
	g_test_add_func("/broker_libvirt/host", test_host);
	return g_test_run();
}
