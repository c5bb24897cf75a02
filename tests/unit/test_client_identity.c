/* Station identity from fake /proc and /sys trees: BOOTIF, the first
 * interface with a carrier, overrides, host names. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher_identity.h"

static char *tmp_root;

static void put(const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(tmp_root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* An interface as the kernel shows it. carrier NULL: no carrier file (the
 * kernel refuses to read it while the link is down). */
static void iface(const char *name, int index, const char *mac, int type, const char *carrier,
		  gboolean physical)
{
	g_autofree char *base = g_strdup_printf("sys/class/net/%s", name);
	g_autofree char *p = NULL;
	char num[16];

	p = g_strdup_printf("%s/address", base);
	put(p, mac);
	g_free(p);
	p = g_strdup_printf("%s/ifindex", base);
	g_snprintf(num, sizeof(num), "%d\n", index);
	put(p, num);
	g_free(p);
	p = g_strdup_printf("%s/type", base);
	g_snprintf(num, sizeof(num), "%d\n", type);
	put(p, num);
	g_free(p);
	p = g_strdup_printf("%s/operstate", base);
	put(p, carrier && strcmp(carrier, "1\n") == 0 ? "up\n" : "down\n");
	g_free(p);
	p = g_strdup_printf("%s/carrier", base);
	if (carrier) {
		put(p, carrier);
	} else {
		g_autofree char *path = g_build_filename(tmp_root, p, NULL);
		g_remove(path);
	}
	if (physical) {
		g_free(p);
		p = g_strdup_printf("%s/device/vendor", base);
		put(p, "0x8086\n");
	}
}

static void fresh_root(void)
{
	g_autofree char *cmd = NULL;

	if (tmp_root) {
		cmd = g_strdup_printf("rm -rf '%s'", tmp_root);
		g_assert_cmpint(system(cmd), ==, 0);
		g_free(tmp_root);
	}
	tmp_root = g_dir_make_tmp("vdi-identity-XXXXXX", NULL);
	/* A station like most: loopback, a bridge, two NICs. */
	iface("lo", 1, "00:00:00:00:00:00\n", 772, "1\n", FALSE);
	iface("eth0", 2, "52:54:00:aa:00:01\n", 1, "0\n", TRUE);
	iface("eth1", 3, "52:54:00:aa:00:02\n", 1, "1\n", TRUE);
	iface("br0", 4, "52:54:00:aa:00:03\n", 1, "1\n", FALSE);
	put("proc/sys/kernel/hostname", "st-07\n");
}

static LauncherIdentity discover(const char *cmdline, const char *mac, const char *hostname)
{
	LauncherIdentitySources src = {tmp_root, cmdline, mac, hostname, FALSE};
	LauncherIdentity id;

	launcher_identity_discover(&src, &id);
	return id;
}

static void test_bootif(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"01-52-54-00-12-34-56", "52:54:00:12:34:56"},
	    {"01-52-54-00-AB-CD-EF", "52:54:00:ab:cd:ef"},
	    {"52:54:00:12:34:56", "52:54:00:12:34:56"},
	    {"52-54-00-12-34-56", "52:54:00:12:34:56"},
	    {"01-52-54-00-12-34", NULL},
	    {"zz-52-54-00-12-34-56", NULL},
	    {"01-52-54-00-12-34-56-78", NULL},
	    {"", NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char mac[MAC_STR_LEN] = "";
		gboolean ok = launcher_identity_parse_bootif(cases[i].in, mac);
		g_assert_cmpint(ok, ==, cases[i].out != NULL);
		if (ok)
			g_assert_cmpstr(mac, ==, cases[i].out);
	}
}

static void test_from_bootif(void)
{
	LauncherIdentity id;

	fresh_root();
	/* pxelinux's IPAPPEND 2 names the boot NIC, even without a carrier. */
	id = discover("initrd=x BOOTIF=01-52-54-00-aa-00-01 quiet", NULL, NULL);
	g_assert_cmpstr(id.mac, ==, "52:54:00:aa:00:01");
	g_assert_cmpstr(id.mac_source, ==, "BOOTIF");
	g_assert_cmpstr(id.ifname, ==, "eth0");
	g_assert_false(id.carrier);
	g_assert_cmpstr(id.hostname, ==, "st-07");
	g_assert_cmpstr(id.hostname_source, ==, "system");

	/* A BOOTIF of a NIC that is not there (yet): its MAC still counts. */
	id = discover("BOOTIF=01-52-54-00-12-34-56", NULL, NULL);
	g_assert_cmpstr(id.mac, ==, "52:54:00:12:34:56");
	g_assert_cmpstr(id.mac_source, ==, "BOOTIF");
	g_assert_cmpstr(id.ifname, ==, "eth1"); /* for the IP on screen */

	/* A garbled BOOTIF is ignored. */
	id = discover("BOOTIF=garbage", NULL, NULL);
	g_assert_cmpstr(id.mac_source, ==, "interface");
	g_assert_cmpstr(id.mac, ==, "52:54:00:aa:00:02");
}

static void test_first_with_carrier(void)
{
	LauncherIdentity id;

	fresh_root();
	/* eth0 has no carrier, eth1 has: eth1, not the bridge (not physical)
	 * and not lo. */
	id = discover("quiet", NULL, NULL);
	g_assert_cmpstr(id.mac, ==, "52:54:00:aa:00:02");
	g_assert_cmpstr(id.ifname, ==, "eth1");
	g_assert_true(id.carrier);
	g_assert_cmpstr(id.mac_source, ==, "interface");

	/* No physical NIC with a carrier: a virtual one with a carrier. */
	iface("eth1", 3, "52:54:00:aa:00:02\n", 1, "0\n", TRUE);
	id = discover(NULL, NULL, NULL);
	g_assert_cmpstr(id.ifname, ==, "br0");

	/* No carrier anywhere: the first usable interface, by index. */
	iface("br0", 4, "52:54:00:aa:00:03\n", 1, NULL, FALSE);
	id = discover(NULL, NULL, NULL);
	g_assert_cmpstr(id.ifname, ==, "eth0");
	g_assert_false(id.carrier);

	/* The index order counts, not the name. */
	iface("eth9", 1, "52:54:00:aa:00:09\n", 1, "1\n", TRUE);
	iface("lo", 5, "00:00:00:00:00:00\n", 772, "1\n", FALSE);
	id = discover(NULL, NULL, NULL);
	g_assert_cmpstr(id.ifname, ==, "eth9");
}

static void test_overrides(void)
{
	LauncherIdentity id;

	fresh_root();
	id = discover("BOOTIF=01-52-54-00-aa-00-01", "52-54-00-AA-00-02", "desk-12");
	g_assert_cmpstr(id.mac, ==, "52:54:00:aa:00:02");
	g_assert_cmpstr(id.mac_source, ==, "option");
	g_assert_cmpstr(id.ifname, ==, "eth1");
	g_assert_cmpstr(id.hostname, ==, "desk-12");
	g_assert_cmpstr(id.hostname_source, ==, "option");
	/* A malformed override is not used. */
	id = discover(NULL, "52:54", "bad host name");
	g_assert_cmpstr(id.mac_source, ==, "interface");
	g_assert_cmpstr(id.hostname, ==, "st-07");
}

static void test_hostname_unset(void)
{
	LauncherIdentity id;

	fresh_root();
	put("proc/sys/kernel/hostname", "(none)\n");
	id = discover(NULL, NULL, NULL);
	g_assert_cmpstr(id.hostname, ==, "");
	g_assert_cmpstr(id.hostname_source, ==, "none");
}

static void test_nothing(void)
{
	LauncherIdentity id;
	LauncherIdentitySources src = {"/nonexistent/root", NULL, NULL, NULL, FALSE};

	g_assert_false(launcher_identity_discover(&src, &id));
	g_assert_cmpstr(id.mac, ==, "");
	g_assert_cmpstr(id.mac_source, ==, "none");
	g_assert_cmpstr(id.ifname, ==, "");
}

static void test_interfaces(void)
{
	g_autoptr(GArray) ifs = NULL;

	fresh_root();
	ifs = launcher_identity_interfaces(tmp_root);
	g_assert_cmpuint(ifs->len, ==, 4);
	g_assert_cmpstr(g_array_index(ifs, LauncherInterface, 0).name, ==, "lo");
	g_assert_true(g_array_index(ifs, LauncherInterface, 0).loopback);
	g_assert_cmpstr(g_array_index(ifs, LauncherInterface, 2).name, ==, "eth1");
	g_assert_true(g_array_index(ifs, LauncherInterface, 2).physical);
	g_assert_cmpstr(g_array_index(ifs, LauncherInterface, 2).operstate, ==, "up");
	g_assert_false(g_array_index(ifs, LauncherInterface, 3).physical);
	g_assert_true(launcher_identity_has_carrier(tmp_root, "eth1"));
	g_assert_false(launcher_identity_has_carrier(tmp_root, "eth0"));
	g_assert_false(launcher_identity_has_carrier(tmp_root, "nope"));
}

static void test_real_ip(void)
{
	char ip[IP_STR_LEN];

	/* Loopback addresses are never shown as the station's address. */
	g_assert_false(launcher_identity_ip_of("lo", ip));
	g_assert_cmpstr(ip, ==, "");
	g_assert_false(launcher_identity_ip_of("no-such-interface", ip));
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/client/identity/bootif", test_bootif);
	g_test_add_func("/client/identity/from-bootif", test_from_bootif);
	g_test_add_func("/client/identity/first-with-carrier", test_first_with_carrier);
	g_test_add_func("/client/identity/overrides", test_overrides);
	g_test_add_func("/client/identity/hostname-unset", test_hostname_unset);
	g_test_add_func("/client/identity/nothing", test_nothing);
	g_test_add_func("/client/identity/interfaces", test_interfaces);
	g_test_add_func("/client/identity/real-ip", test_real_ip);
	rc = g_test_run();
	if (tmp_root) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp_root);
		g_assert_cmpint(system(cmd), ==, 0);
		g_free(tmp_root);
	}
	return rc;
}
