/* Station identity: see launcher_identity.h. */
#include "launcher_identity.h"

#include <ifaddrs.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "launcher_cmdline.h"
#include "launcher_file.h"

#define ARPHRD_LOOPBACK_TYPE 772 /* linux/if_arp.h */

gboolean launcher_identity_parse_bootif(const char *bootif, char out[MAC_STR_LEN])
{
	uint8_t mac[6];

	/* pxelinux's IPAPPEND 2 prefixes the ARP hardware type: "01-" is
	 * Ethernet. */
	if (strlen(bootif) == 20 && bootif[2] == '-' && g_ascii_isxdigit(bootif[0]) &&
	    g_ascii_isxdigit(bootif[1]))
		bootif += 3;
	/* A NIC's own address is never a multicast one: such a value is a
	 * garbled BOOTIF (say, the "01-" prefix without its last octet). */
	if (mac_parse(bootif, mac) < 0 || (mac[0] & 1))
		return FALSE;
	mac_format(mac, out);
	return TRUE;
}

static char *identity_attr(const char *root, const char *ifname, const char *attr)
{
	g_autofree char *rel = g_strdup_printf("/sys/class/net/%s/%s", ifname, attr);
	g_autofree char *path = launcher_file_under(root, rel);

	return launcher_file_read_line(path);
}

gboolean launcher_identity_has_carrier(const char *root, const char *ifname)
{
	/* Reading carrier of an interface that is down fails (EINVAL): no
	 * carrier either way. */
	g_autofree char *c = identity_attr(root, ifname, "carrier");
	return c && strcmp(c, "1") == 0;
}

static gint identity_by_index(gconstpointer a, gconstpointer b)
{
	const LauncherInterface *x = a, *y = b;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return strcmp(x->name, y->name);
}

GArray *launcher_identity_interfaces(const char *root)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(LauncherInterface));
	g_autofree char *dir_path = launcher_file_under(root, "/sys/class/net");
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const char *name;

	if (!dir)
		return out;
	while ((name = g_dir_read_name(dir)) != NULL) {
		LauncherInterface it = {0};
		g_autofree char *type = NULL, *addr = NULL, *index = NULL, *oper = NULL;
		g_autofree char *dev_rel = NULL, *dev_path = NULL;
		uint8_t mac[6];

		if (strlen(name) > IF_NAMESIZE || strchr(name, '/'))
			continue;
		g_strlcpy(it.name, name, sizeof(it.name));
		type = identity_attr(root, name, "type");
		addr = identity_attr(root, name, "address");
		index = identity_attr(root, name, "ifindex");
		oper = identity_attr(root, name, "operstate");
		it.loopback =
		    strcmp(name, "lo") == 0 || (type && atoi(type) == ARPHRD_LOOPBACK_TYPE);
		if (addr && mac_parse(addr, mac) == 0)
			mac_format(mac, it.mac);
		it.ifindex = index ? atoi(index) : G_MAXINT;
		it.carrier = launcher_identity_has_carrier(root, name);
		g_strlcpy(it.operstate, oper ? oper : "unknown", sizeof(it.operstate));
		dev_rel = g_strdup_printf("/sys/class/net/%s/device", name);
		dev_path = launcher_file_under(root, dev_rel);
		it.physical = g_file_test(dev_path, G_FILE_TEST_EXISTS);
		g_array_append_val(out, it);
	}
	g_array_sort(out, identity_by_index);
	return out;
}

static gboolean identity_usable(const LauncherInterface *it)
{
	return !it->loopback && it->mac[0] && strcmp(it->mac, "00:00:00:00:00:00") != 0;
}

/* The boot NIC when nothing names it: see launcher_identity_discover. */
static const LauncherInterface *identity_pick(GArray *ifs)
{
	for (int pass = 0; pass < 3; pass++) {
		for (guint i = 0; i < ifs->len; i++) {
			const LauncherInterface *it = &g_array_index(ifs, LauncherInterface, i);
			if (!identity_usable(it))
				continue;
			if ((pass == 0 && it->carrier && it->physical) ||
			    (pass == 1 && it->carrier) || pass == 2)
				return it;
		}
	}
	return NULL;
}

static void identity_hostname(const LauncherIdentitySources *src, LauncherIdentity *out)
{
	g_autofree char *path = NULL, *name = NULL;

	out->hostname[0] = '\0';
	out->hostname_source = "none";
	if (src->hostname && hostname_valid(src->hostname)) {
		g_strlcpy(out->hostname, src->hostname, sizeof(out->hostname));
		out->hostname_source = "option";
		return;
	}
	path = launcher_file_under(src->root, "/proc/sys/kernel/hostname");
	name = launcher_file_read_line(path);
	/* "(none)" is what the kernel says before anyone set a name. */
	if (name && hostname_valid(name) && strcmp(name, "localhost") != 0) {
		g_strlcpy(out->hostname, name, sizeof(out->hostname));
		out->hostname_source = "system";
	}
}

gboolean launcher_identity_discover(const LauncherIdentitySources *src, LauncherIdentity *out)
{
	g_autoptr(GArray) ifs = launcher_identity_interfaces(src->root);
	g_autofree char *bootif = launcher_cmdline_get(src->cmdline, "BOOTIF");
	const LauncherInterface *pick = NULL;
	uint8_t mac[6];

	memset(out, 0, sizeof(*out));
	out->mac_source = "none";
	if (src->mac && mac_parse(src->mac, mac) == 0) {
		mac_format(mac, out->mac);
		out->mac_source = "option";
	} else if (bootif && launcher_identity_parse_bootif(bootif, out->mac)) {
		out->mac_source = "BOOTIF";
	}
	if (out->mac[0]) {
		for (guint i = 0; i < ifs->len; i++) {
			const LauncherInterface *it = &g_array_index(ifs, LauncherInterface, i);
			if (strcmp(it->mac, out->mac) == 0) {
				pick = it;
				break;
			}
		}
	} else {
		pick = identity_pick(ifs);
		if (pick) {
			g_strlcpy(out->mac, pick->mac, sizeof(out->mac));
			out->mac_source = "interface";
		}
	}
	/* A MAC given as an option (tests, or a NIC that is not in this
	 * system) still needs an interface for the IP shown on screen. */
	if (!pick)
		pick = identity_pick(ifs);
	if (pick) {
		g_strlcpy(out->ifname, pick->name, sizeof(out->ifname));
		out->carrier = pick->carrier;
		if (src->lookup_ip)
			launcher_identity_ip_of(pick->name, out->ip);
	}
	identity_hostname(src, out);
	return out->mac[0] != '\0';
}

/* Calls fn for each address of ifname (all interfaces when NULL) that is
 * not loopback or IPv6 link-local. */
static void identity_foreach_addr(const char *ifname,
				  void (*fn)(const struct ipaddr *, int family, gpointer),
				  gpointer user_data)
{
	struct ifaddrs *list = NULL;

	if (getifaddrs(&list) < 0)
		return;
	for (struct ifaddrs *a = list; a; a = a->ifa_next) {
		struct ipaddr ip;

		if (!a->ifa_addr || (ifname && strcmp(a->ifa_name, ifname) != 0))
			continue;
		if (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6)
			continue;
		if (ip_from_sockaddr(a->ifa_addr, &ip) < 0 || ip_is_loopback(&ip))
			continue;
		/* fe80::/10 is useless to an admin looking for the station. */
		if (!ip_is_v4(&ip) && ip.b[0] == 0xfe && (ip.b[1] & 0xc0) == 0x80)
			continue;
		fn(&ip, a->ifa_addr->sa_family, user_data);
	}
	freeifaddrs(list);
}

struct identity_first {
	char *out;
	gboolean v4, any;
};

static void identity_first_addr(const struct ipaddr *ip, int family, gpointer user_data)
{
	struct identity_first *f = user_data;

	if (f->v4 || (f->any && family != AF_INET))
		return;
	ip_format(ip, f->out);
	f->any = TRUE;
	f->v4 = family == AF_INET;
}

gboolean launcher_identity_ip_of(const char *ifname, char out[IP_STR_LEN])
{
	struct identity_first f = {out, FALSE, FALSE};

	out[0] = '\0';
	identity_foreach_addr(ifname, identity_first_addr, &f);
	return f.any;
}

static void identity_append_addr(const struct ipaddr *ip, int family, gpointer user_data)
{
	GString *s = user_data;
	char text[IP_STR_LEN];

	ip_format(ip, text);
	if (s->len)
		g_string_append(s, ", ");
	g_string_append(s, text);
}

char *launcher_identity_addresses_of(const char *ifname)
{
	GString *s = g_string_new(NULL);

	identity_foreach_addr(ifname, identity_append_addr, s);
	return g_string_free(s, FALSE);
}
