/* populate: many desktop domains from one template and one initial disk
 * image. The command (stationctl_populate.c) plans, creates the disk
 * overlays and defines the domains, and undoes its own work when a step
 * fails; the XML half (stationctl_populate_xml.c) turns the template into
 * each domain's definition, with no libvirt calls, so its rules can be
 * read and checked on their own. */
#ifndef VDI_STATIONCTL_POPULATE_H
#define VDI_STATIONCTL_POPULATE_H

#include <stddef.h>

#include <libxml/tree.h>

/* Longest domain name libvirt is given; the broker's `domain` key takes
 * names up to this length, so every populated domain can be mapped. */
#define STATIONCTL_POPULATE_NAME_MAX	 200
#define STATIONCTL_POPULATE_COUNT_MAX	 1000
#define STATIONCTL_POPULATE_TEMPLATE_MAX (256u * 1024)

/* Parses a domain template: a <domain> root with exactly one
 * <disk device='disk'> (the one that gets each domain's overlay). No
 * network access, no DTD, entities not expanded. The document, or NULL
 * with err. */
xmlDoc *stationctl_populate_xml_load(const char *text, size_t len, char *err, size_t errlen);

/* The definition of one domain: the template with <name> set, <uuid>
 * removed (libvirt makes a fresh one when it defines the domain), the disk
 * pointing at overlay as a qcow2 file, and each <interface> given mac
 * (one per interface, n_macs of them, "52:54:00:xx:xx:xx"). Caller frees
 * with xmlFree; NULL with err. */
char *stationctl_populate_xml_domain(xmlDoc *tmpl, const char *name, const char *overlay,
				     char (*macs)[18], size_t n_macs, char *err, size_t errlen);

/* How many <interface> elements the template's <devices> has. */
size_t stationctl_populate_xml_interfaces(xmlDoc *tmpl);

#endif
