/* A pool VM's domain XML from the admin's template
 * (tools/broker/broker_pool_vm.c): name, fresh UUID and MAC, the disk on
 * the overlay, graphics with autoport and the VM's password; bad
 * templates refused. */
#include <glib.h>
#include <string.h>

#include "broker_pool_vm.h"

static const char tmpl[] =
    "<domain type='kvm'>\n"
    "  <name>template</name>\n"
    "  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
    "  <memory unit='MiB'>64</memory>\n"
    "  <devices>\n"
    "    <disk type='file' device='cdrom'><source file='/iso/x.iso'/><target dev='sda'/></disk>\n"
    "    <disk type='block' device='disk'><driver name='qemu' type='raw'/>"
    "<source dev='/dev/sdz'/><backingStore/><target dev='vda'/></disk>\n"
    "    <interface type='network'><mac address='52:54:00:aa:bb:cc'/>"
    "<source network='default'/></interface>\n"
    "    <interface type='network'><source network='default'/></interface>\n"
    "    <graphics type='spice' port='5901' tlsPort='5902' autoport='no' passwd='old' "
    "passwdValidTo='2000-01-01T00:00:00'><listen type='address' address='127.0.0.1'/>"
    "</graphics>\n"
    "    <graphics type='vnc' port='5903' autoport='no'/>\n"
    "  </devices>\n"
    "</domain>\n";

static char *make(const char *t, enum st_protocol p, char *err, size_t errlen)
{
	return broker_pool_vm_xml(t, strlen(t), "lab-7", "/ov/lab-7.qcow2", p, "s3cret", err,
				  errlen);
}

static void test_xml(void)
{
	char err[300] = "", *x, *y;

	x = make(tmpl, ST_PROTO_SPICE, err, sizeof(err));
	g_assert_nonnull(x);
	g_assert_nonnull(strstr(x, "<name>lab-7</name>"));
	g_assert_null(strstr(x, "template"));
	g_assert_null(strstr(x, "11111111-2222"));
	g_assert_nonnull(strstr(x, "<uuid>"));
	g_assert_null(strstr(x, "52:54:00:aa:bb:cc"));
	/* Both interfaces get a MAC of their own. */
	g_assert_nonnull(strstr(strstr(x, "<mac address=\"52:54:00:"), "</interface>"));
	g_assert_nonnull(
	    strstr(strstr(strstr(x, "<mac address") + 1, "<mac address"), "52:54:00:"));
	/* The first real disk is now the overlay; the cdrom is untouched. */
	g_assert_nonnull(strstr(x, "<source file=\"/iso/x.iso\"/>"));
	g_assert_nonnull(strstr(x, "<source file=\"/ov/lab-7.qcow2\"/>"));
	g_assert_nonnull(strstr(x, "type=\"qcow2\""));
	g_assert_null(strstr(x, "/dev/sdz"));
	g_assert_null(strstr(x, "backingStore"));
	/* A fixed port is kept (drivers without autoport); the password is
	 * the VM's, without the old expiry. */
	g_assert_nonnull(strstr(x, "passwd=\"s3cret\""));
	g_assert_null(strstr(x, "passwdValidTo"));
	g_assert_null(strstr(x, "'old'"));
	/* The vnc display is not the pool's protocol: left as it was. */
	g_assert_nonnull(strstr(x, "<graphics type=\"vnc\" port=\"5903\" autoport=\"no\"/>"));
	y = make(tmpl, ST_PROTO_SPICE, err, sizeof(err));
	/* Fresh identities each time. */
	g_assert_cmpstr(strstr(x, "<uuid>"), !=, strstr(y, "<uuid>"));
	g_free(x);
	g_free(y);

	/* autoport wherever the template does not pin a port. */
	x = make("<domain><devices><graphics type='spice' port='-1' autoport='yes' tlsPort='7'/>"
		 "</devices></domain>",
		 ST_PROTO_SPICE, err, sizeof(err));
	g_assert_nonnull(x);
	g_assert_nonnull(strstr(x, "autoport=\"yes\""));
	g_assert_null(strstr(x, "port=\"-1\""));
	g_assert_null(strstr(x, "tlsPort"));
	/* No disk in the template: one is added. */
	g_assert_nonnull(strstr(x, "<source file=\"/ov/lab-7.qcow2\"/>"));
	g_assert_nonnull(strstr(x, "<target dev=\"vda\" bus=\"virtio\"/>"));
	g_free(x);
}

static void test_bad(void)
{
	static const struct {
		const char *t;
		enum st_protocol p;
		const char *msg;
	} cases[] = {
	    {"<domain>", ST_PROTO_SPICE, "malformed XML"},
	    {"<vm/>", ST_PROTO_SPICE, "not a <domain>"},
	    {"<!DOCTYPE domain [<!ENTITY x 'y'>]><domain/>", ST_PROTO_SPICE, "DOCTYPE"},
	    {"<domain><devices><graphics type='vnc'/></devices></domain>", ST_PROTO_SPICE,
	     "no <graphics type='spice'>"},
	    {"<domain/>", ST_PROTO_VNC, "no <graphics type='vnc'>"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char err[300] = "";

		g_assert_null(make(cases[i].t, cases[i].p, err, sizeof(err)));
		if (!strstr(err, cases[i].msg))
			g_printerr("case %zu: '%s' lacks '%s'\n", i, err, cases[i].msg);
		g_assert_nonnull(strstr(err, cases[i].msg));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/broker_pool_vm/xml", test_xml);
	g_test_add_func("/broker_pool_vm/bad", test_bad);
	return g_test_run();
}
