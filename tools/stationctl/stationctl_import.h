/* import-kvm-vdi: reading a KVM-VDI dashboard's clients.xml.
 *
 * The format (KVM-VDI functions/clients.xml):
 *
 *   <thin-clients>
 *     <client ip="192.168.1.5">
 *       <protocol>RDP</protocol>
 *       <machine-rdp-address>192.168.249.111</machine-rdp-address>
 *     </client>
 *     <client ip="..."><protocol>SPICE</protocol><machine-name>PCa01</machine-name></client>
 *     <client ip="..."><protocol>vmView</protocol><pool>Users</pool></client>
 *   </thin-clients>
 *
 * KVM-VDI matches a client by the exact peer address and, when an address is
 * listed twice, uses the last entry. Only RDP clients carry a desktop
 * address; SPICE clients name a VM whose address the dashboard looks up at
 * connect time (its libvirt domain: we map it to `domain`, and the broker
 * does the same look-up), and vmView clients name a VMware Horizon pool. */
#ifndef VDI_STATIONCTL_IMPORT_H
#define VDI_STATIONCTL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "stations.h"

#define STATIONCTL_IMPORT_FILE_MAX (16u * 1024 * 1024)
#define STATIONCTL_IMPORT_KVS_MAX  5

struct stationctl_import_item {
	unsigned line;	 /* of the <client> element */
	char ip[64];	 /* the ip attribute, printable, "" when absent */
	bool has_target; /* the ip attribute parsed into target */
	bool mappable;	 /* target and kvs are set */
	struct st_target target;
	char *kvs[STATIONCTL_IMPORT_KVS_MAX];
	size_t n_kvs;
	char reason[400]; /* why it is not imported; "" when it is */
	bool domain;	  /* a SPICE machine mapped to a libvirt domain */
};

/* What a SPICE machine's mapping assumes: the hypervisor it runs on, and
 * the address stations reach its display at (NULL: the broker takes it
 * from the running domain). */
struct stationctl_import_libvirt {
	const char *uri;
	const char *display_host;
};

struct stationctl_import {
	struct stationctl_import_item *items;
	size_t n, cap;
	size_t clients; /* <client> elements seen */
};

/* Parses the XML (no network, no DTD, no entity expansion) into items, one
 * per <client> plus one per unexpected element. group, when not NULL, is
 * added to every mappable item; lv says where SPICE machines are (NULL:
 * the stations file's default URI, no display_host). 0, or -1
 * with err and *err_line (0 when no line applies) when the document as a
 * whole cannot be used. */
int stationctl_import_parse(const char *xml, size_t len, const char *filename, const char *group,
			    const struct stationctl_import_libvirt *lv,
			    struct stationctl_import *out, unsigned *err_line, char *err,
			    size_t errlen);
void stationctl_import_free(struct stationctl_import *imp);

#endif
