/* From a domain template to the definition of one populated domain. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "stationctl_populate.h"

static bool stationctl_populate_xml_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static xmlNode *stationctl_populate_xml_child(xmlNode *parent, const char *name)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (stationctl_populate_xml_is(c, name))
			return c;
	return NULL;
}

/* Removes every child element called name. */
static void stationctl_populate_xml_drop(xmlNode *parent, const char *name)
{
	xmlNode *c = parent->children;

	while (c) {
		xmlNode *next = c->next;

		if (stationctl_populate_xml_is(c, name)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		c = next;
	}
}

/* A disk without a device attribute is a disk (libvirt's default). */
static bool stationctl_populate_xml_is_disk(xmlNode *n)
{
	xmlChar *dev;
	bool yes;

	if (!stationctl_populate_xml_is(n, "disk"))
		return false;
	dev = xmlGetProp(n, (const xmlChar *)"device");
	yes = !dev || xmlStrcmp(dev, (const xmlChar *)"disk") == 0;
	xmlFree(dev);
	return yes;
}

static int stationctl_populate_xml_count_disks(xmlNode *devices, xmlNode **first)
{
	int n = 0;

	*first = NULL;
	for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
		if (!stationctl_populate_xml_is_disk(c))
			continue;
		if (!*first)
			*first = c;
		n++;
	}
	return n;
}

xmlDoc *stationctl_populate_xml_load(const char *text, size_t len, char *err, size_t errlen)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
	xmlDoc *doc = NULL;
	xmlNode *root, *disk;
	int disks;

	if (len > STATIONCTL_POPULATE_TEMPLATE_MAX) {
		snprintf(err, errlen, "larger than %u bytes", STATIONCTL_POPULATE_TEMPLATE_MAX);
		return NULL;
	}
	doc = xmlReadMemory(text, (int)len, NULL, NULL, opts);
	if (!doc) {
		const xmlError *e = xmlGetLastError();

		snprintf(err, errlen, "not well-formed XML%s%s (line %d)", e ? ": " : "",
			 e && e->message ? e->message : "", e ? e->line : 0);
		/* libxml2's messages end with a newline. */
		err[strcspn(err, "\n")] = '\0';
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !stationctl_populate_xml_is(root, "domain")) {
		snprintf(err, errlen, "the root element is not <domain>");
		goto fail;
	}
	disks = stationctl_populate_xml_count_disks(stationctl_populate_xml_child(root, "devices"),
						    &disk);
	/* Two writable disks would need two overlays and a rule for which
	 * image each comes from; one system disk is what a desktop pool has. */
	if (disks != 1) {
		snprintf(err, errlen,
			 "expected exactly one <disk device='disk'> in <devices> (it gets each "
			 "domain's overlay), found %d",
			 disks);
		goto fail;
	}
	return doc;
fail:
	xmlFreeDoc(doc);
	return NULL;
}

size_t stationctl_populate_xml_interfaces(xmlDoc *tmpl)
{
	xmlNode *devices = stationctl_populate_xml_child(xmlDocGetRootElement(tmpl), "devices");
	size_t n = 0;

	for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next)
		if (stationctl_populate_xml_is(c, "interface"))
			n++;
	return n;
}

/* The disk becomes a plain qcow2 file: whatever source the template gave
 * (a file, a volume, a block device) and any backing chain it described
 * belong to the initial image, not to this domain. */
static int stationctl_populate_xml_set_disk(xmlNode *disk, const char *overlay)
{
	xmlNode *driver, *source;

	if (!xmlSetProp(disk, (const xmlChar *)"type", (const xmlChar *)"file"))
		return -1;
	stationctl_populate_xml_drop(disk, "source");
	stationctl_populate_xml_drop(disk, "backingStore");
	driver = stationctl_populate_xml_child(disk, "driver");
	if (!driver) {
		driver = xmlNewChild(disk, NULL, (const xmlChar *)"driver", NULL);
		if (!driver ||
		    !xmlSetProp(driver, (const xmlChar *)"name", (const xmlChar *)"qemu"))
			return -1;
	}
	if (!xmlSetProp(driver, (const xmlChar *)"type", (const xmlChar *)"qcow2"))
		return -1;
	source = xmlNewChild(disk, NULL, (const xmlChar *)"source", NULL);
	if (!source || !xmlSetProp(source, (const xmlChar *)"file", (const xmlChar *)overlay))
		return -1;
	return 0;
}

char *stationctl_populate_xml_domain(xmlDoc *tmpl, const char *name, const char *overlay,
				     char (*macs)[18], size_t n_macs, char *err, size_t errlen)
{
	xmlDoc *doc = xmlCopyDoc(tmpl, 1);
	xmlNode *root, *devices, *disk, *node;
	xmlChar *out = NULL;
	size_t nic = 0;
	int len = 0;

	if (!doc)
		goto oom;
	root = xmlDocGetRootElement(doc);
	node = stationctl_populate_xml_child(root, "name");
	if (node)
		xmlNodeSetContent(node, NULL);
	else if (!(node = xmlNewChild(root, NULL, (const xmlChar *)"name", NULL)))
		goto oom;
	/* xmlNodeAddContent escapes, so any name is stored as text. */
	xmlNodeAddContent(node, (const xmlChar *)name);
	stationctl_populate_xml_drop(root, "uuid");

	devices = stationctl_populate_xml_child(root, "devices");
	stationctl_populate_xml_count_disks(devices, &disk);
	if (!disk || stationctl_populate_xml_set_disk(disk, overlay) < 0)
		goto oom;
	for (xmlNode *c = devices->children; c; c = c->next) {
		xmlNode *mac;

		if (!stationctl_populate_xml_is(c, "interface"))
			continue;
		if (nic >= n_macs) {
			snprintf(err, errlen, "more interfaces than MAC addresses");
			goto fail;
		}
		stationctl_populate_xml_drop(c, "mac");
		mac = xmlNewChild(c, NULL, (const xmlChar *)"mac", NULL);
		if (!mac ||
		    !xmlSetProp(mac, (const xmlChar *)"address", (const xmlChar *)macs[nic]))
			goto oom;
		nic++;
	}
	xmlDocDumpMemory(doc, &out, &len);
	if (!out)
		goto oom;
	xmlFreeDoc(doc);
	return (char *)out;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	xmlFreeDoc(doc);
	return NULL;
}
