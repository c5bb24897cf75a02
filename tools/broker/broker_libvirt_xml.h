/* The pure half of the libvirt backend (see broker_libvirt.h): reading the
 * graphics device out of a live domain XML, writing the element that sets a
 * one-time password, making that password, and choosing the address a
 * station connects to. No libvirt calls here, so the unit tests feed it XML
 * of every shape directly.
 *
 * The XML comes from libvirt, but the broker treats it like any input: size
 * capped, no network access, no DTD, entities never expanded, and every
 * value checked before it reaches a reply. */
#ifndef BROKER_LIBVIRT_XML_H
#define BROKER_LIBVIRT_XML_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "stations.h"

/* Element helpers, shared with the pool's template code: n is an element
 * called name; the first child element of parent called name, or NULL. */
bool broker_libvirt_xml_is(const xmlNode *n, const char *name);
xmlNode *broker_libvirt_xml_child(xmlNode *parent, const char *name);

#define BROKER_LIBVIRT_XML_MAX	    (1024u * 1024) /* live domain XML we accept */
#define BROKER_LIBVIRT_GFX_XML_MAX  4096	   /* one <graphics> element */
#define BROKER_LIBVIRT_LISTEN_MAX   64
#define BROKER_LIBVIRT_PASSWORD_MAX 32
#define BROKER_LIBVIRT_SPICE_PW_LEN 16
/* VNC authentication uses only the first 8 characters of a password. */
#define BROKER_LIBVIRT_VNC_PW_LEN 8

/* One graphics device of a live domain. */
struct broker_libvirt_gfx {
	enum st_protocol protocol;		/* spice or vnc */
	char listen[BROKER_LIBVIRT_LISTEN_MAX]; /* "" when none is given */
	unsigned port;				/* 0: none (yet) */
	unsigned tls_port;			/* 0: none */
	char elem[BROKER_LIBVIRT_GFX_XML_MAX];	/* the element, for the update */
};

/* Picks the first <graphics type='spice'|'vnc'> (as want says) of a domain
 * XML and reads its listen address and ports. An autoport that is not
 * assigned yet gives port 0. Errors: not well-formed, too large, no such
 * graphics, a socket-only or listen-less display. 0 or -1 with err. */
int broker_libvirt_xml_graphics(const char *xml, size_t len, enum st_protocol want,
				struct broker_libvirt_gfx *g, char *err, size_t errlen);

/* The <graphics> element for virDomainUpdateDeviceFlags: the live element
 * (so type, ports and listen addresses are unchanged, which libvirt
 * requires) with passwd and passwdValidTo (UTC) set. Caller frees; NULL
 * with err. */
char *broker_libvirt_xml_password(const struct broker_libvirt_gfx *g, const char *password,
				  time_t valid_to, char *err, size_t errlen);

/* A random password from getrandom(), base64url characters: 16 for SPICE,
 * 8 for VNC. 0 or -1 with err. */
int broker_libvirt_xml_password_new(enum st_protocol p, char out[BROKER_LIBVIRT_PASSWORD_MAX],
				    char *err, size_t errlen);

/* The address a station connects to: the listen address, unless it is a
 * wildcard (0.0.0.0, ::) or absent; then the host of the connection URI
 * (qemu+ssh://kvm1/system gives kvm1), and 127.0.0.1 for a URI without a
 * host (qemu:///system, test:///default). 0 or -1 with err. */
int broker_libvirt_xml_host(const char *uri, const char *listen, char *out, size_t outlen,
			    char *err, size_t errlen);

#endif
