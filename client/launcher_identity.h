/* Who this station is: the boot NIC's MAC, its IP address and the host name,
 * as the broker matches them. */
#ifndef LAUNCHER_IDENTITY_H
#define LAUNCHER_IDENTITY_H

#include <glib.h>
#include <net/if.h>

#include "netaddr.h"

typedef struct {
	char mac[MAC_STR_LEN];	      /* "" when none was found */
	const char *mac_source;	      /* "option", "BOOTIF", "interface" or "none" */
	char ifname[IF_NAMESIZE + 1]; /* the interface the MAC belongs to, or "" */
	gboolean carrier;
	char ip[IP_STR_LEN];		 /* "" when the interface has no address yet */
	char hostname[HOSTNAME_MAX + 1]; /* "" when unset */
	const char *hostname_source;	 /* "option", "system" or "none" */
} LauncherIdentity;

typedef struct {
	const char *root;     /* where /sys and /proc are; NULL for "/" */
	const char *cmdline;  /* the kernel command line's text, or NULL */
	const char *mac;      /* --mac, or NULL */
	const char *hostname; /* --hostname, or NULL */
	gboolean lookup_ip;   /* ask the kernel for addresses (not with a fake root) */
} LauncherIdentitySources;

/* One network interface, for the diagnostics screen. */
typedef struct {
	char name[IF_NAMESIZE + 1];
	char mac[MAC_STR_LEN];
	int ifindex;
	gboolean loopback;
	gboolean physical; /* backed by a device (not a bridge, veth, tunnel) */
	gboolean carrier;
	char operstate[16];
} LauncherInterface;

/* Fills out. The MAC comes from, in order: src->mac; BOOTIF= on the kernel
 * command line (pxelinux's "01-aa-bb-cc-dd-ee-ff" form, or a plain MAC); the
 * first non-loopback interface with a carrier, physical ones first, in
 * interface index order (then the first without a carrier, so that a
 * station with its cable out still shows a MAC). FALSE when no MAC was
 * found at all. */
gboolean launcher_identity_discover(const LauncherIdentitySources *src, LauncherIdentity *out);

/* BOOTIF's value as a MAC in the canonical form; FALSE when malformed. */
gboolean launcher_identity_parse_bootif(const char *bootif, char out[MAC_STR_LEN]);

/* The interfaces under ROOT/sys/class/net, in index order. */
GArray *launcher_identity_interfaces(const char *root);

/* The first IPv4 address of ifname, else its first global IPv6 address.
 * FALSE when it has none. */
gboolean launcher_identity_ip_of(const char *ifname, char out[IP_STR_LEN]);

/* All addresses of ifname, comma separated ("" when none). */
char *launcher_identity_addresses_of(const char *ifname);

/* TRUE when ROOT/sys/class/net/IFNAME/carrier says 1. */
gboolean launcher_identity_has_carrier(const char *root, const char *ifname);

#endif
