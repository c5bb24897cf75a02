/* Domain XML for the libvirt backend: see broker_libvirt_xml.h. */
#include "broker_libvirt_xml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include "netaddr.h"

/* NONET: never fetch anything. Without NOENT and DTDLOAD no entity is
 * substituted and no external subset is read; a DOCTYPE is refused anyway.
 * NOERROR: libxml2 must not write to the broker's stderr; the error is
 * taken from the parser context instead. */
#define BROKER_LIBVIRT_XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

bool broker_libvirt_xml_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

xmlNode *broker_libvirt_xml_child(xmlNode *parent, const char *name)
{
	for (xmlNode *c = parent->children; c; c = c->next)
		if (broker_libvirt_xml_is(c, name))
			return c;
	return NULL;
}

/* Parses a document with the options above; err gets libxml2's first error
 * (without its trailing newline). */
static xmlDoc *broker_libvirt_xml_read(const char *xml, size_t len, char *err, size_t errlen)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc = NULL;

	if (!ctxt) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, BROKER_LIBVIRT_XML_OPTS);
	if (!doc || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		const char *msg = e && e->message ? e->message : "not well-formed";
		int n = (int)strcspn(msg, "\n");

		snprintf(err, errlen, "malformed XML (line %d): %.*s", e ? e->line : 0,
			 n > 200 ? 200 : n, msg);
		xmlFreeDoc(doc);
		doc = NULL;
		goto cleanup;
	}
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, errlen, "a DOCTYPE is not allowed in domain XML");
		xmlFreeDoc(doc);
		doc = NULL;
	}
cleanup:
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* A port attribute: absent or -1 (autoport not assigned yet) gives 0. */
static int broker_libvirt_xml_port(xmlNode *n, const char *attr, unsigned *port, char *err,
				   size_t errlen)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	const char *s = (const char *)v;
	unsigned long p = 0;
	char *end;
	int ret = -1;

	*port = 0;
	if (!v || strcmp(s, "-1") == 0 || strcmp(s, "0") == 0) {
		ret = 0;
		goto cleanup;
	}
	errno = 0;
	if (strlen(s) <= 5 && s[0] >= '0' && s[0] <= '9')
		p = strtoul(s, &end, 10);
	if (p == 0 || p > 65535 || errno || *end) {
		snprintf(err, errlen, "graphics %s '%.20s' is not a port", attr, s);
		goto cleanup;
	}
	*port = (unsigned)p;
	ret = 0;
cleanup:
	xmlFree(v);
	return ret;
}

static bool broker_libvirt_xml_addr_valid(const char *s)
{
	struct ipaddr ip;

	return ip_parse(s, &ip) == 0 || hostname_valid(s);
}

/* The listen address: the first <listen> child, else the old listen
 * attribute. Displays a station cannot reach over TCP are errors. */
static int broker_libvirt_xml_listen(xmlNode *gfx, struct broker_libvirt_gfx *g, char *err,
				     size_t errlen)
{
	xmlNode *l = broker_libvirt_xml_child(gfx, "listen");
	xmlChar *type = NULL, *addr = NULL, *sock = xmlGetProp(gfx, (const xmlChar *)"socket");
	int ret = -1;

	if (sock) {
		snprintf(err, errlen, "the %s display listens on a unix socket only",
			 st_protocol_name(g->protocol));
		goto cleanup;
	}
	if (l) {
		type = xmlGetProp(l, (const xmlChar *)"type");
		if (type && (strcmp((const char *)type, "socket") == 0 ||
			     strcmp((const char *)type, "none") == 0)) {
			snprintf(err, errlen, "the %s display has listen type '%s', not a TCP port",
				 st_protocol_name(g->protocol), (const char *)type);
			goto cleanup;
		}
		addr = xmlGetProp(l, (const xmlChar *)"address");
	} else {
		addr = xmlGetProp(gfx, (const xmlChar *)"listen");
	}
	g->listen[0] = '\0';
	if (addr) {
		const char *a = (const char *)addr;

		if (strlen(a) >= sizeof(g->listen) || !broker_libvirt_xml_addr_valid(a)) {
			snprintf(err, errlen, "graphics listen address '%.80s' is not an address",
				 a);
			goto cleanup;
		}
		snprintf(g->listen, sizeof(g->listen), "%s", a);
	}
	ret = 0;
cleanup:
	xmlFree(sock);
	xmlFree(type);
	xmlFree(addr);
	return ret;
}

/* The element as text, for the password update. */
static int broker_libvirt_xml_dump(xmlDoc *doc, xmlNode *n, char *out, size_t outlen, char *err,
				   size_t errlen)
{
	xmlBuffer *buf = xmlBufferCreate();
	int ret = -1;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (xmlNodeDump(buf, doc, n, 0, 0) < 0 || (size_t)xmlBufferLength(buf) >= outlen) {
		snprintf(err, errlen, "the graphics element is larger than %zu bytes", outlen - 1);
		goto cleanup;
	}
	memcpy(out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	out[xmlBufferLength(buf)] = '\0';
	ret = 0;
cleanup:
	xmlBufferFree(buf);
	return ret;
}

int broker_libvirt_xml_graphics(const char *xml, size_t len, enum st_protocol want,
				struct broker_libvirt_gfx *g, char *err, size_t errlen)
{
	const char *want_name = st_protocol_name(want);
	xmlDoc *doc = NULL;
	xmlNode *root, *devices, *gfx = NULL;
	int ret = -1;

	memset(g, 0, sizeof(*g));
	g->protocol = want;
	if (want != ST_PROTO_SPICE && want != ST_PROTO_VNC) {
		snprintf(err, errlen, "a libvirt desktop is spice or vnc, not %s", want_name);
		return -1;
	}
	if (len > BROKER_LIBVIRT_XML_MAX) {
		snprintf(err, errlen, "domain XML is larger than %u bytes", BROKER_LIBVIRT_XML_MAX);
		return -1;
	}
	doc = broker_libvirt_xml_read(xml, len, err, errlen);
	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || !broker_libvirt_xml_is(root, "domain")) {
		snprintf(err, errlen, "the root element is <%.60s>, not <domain>",
			 root ? (const char *)root->name : "");
		goto cleanup;
	}
	devices = broker_libvirt_xml_child(root, "devices");
	for (xmlNode *c = devices ? devices->children : NULL; c && !gfx; c = c->next) {
		xmlChar *type;

		if (!broker_libvirt_xml_is(c, "graphics"))
			continue;
		type = xmlGetProp(c, (const xmlChar *)"type");
		if (type && strcmp((const char *)type, want_name) == 0)
			gfx = c;
		xmlFree(type);
	}
	if (!gfx) {
		snprintf(err, errlen, "the domain has no <graphics type='%s'>", want_name);
		goto cleanup;
	}
	if (broker_libvirt_xml_port(gfx, "port", &g->port, err, errlen) < 0 ||
	    (want == ST_PROTO_SPICE &&
	     broker_libvirt_xml_port(gfx, "tlsPort", &g->tls_port, err, errlen) < 0) ||
	    broker_libvirt_xml_listen(gfx, g, err, errlen) < 0 ||
	    broker_libvirt_xml_dump(doc, gfx, g->elem, sizeof(g->elem), err, errlen) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	xmlFreeDoc(doc);
	return ret;
}

char *broker_libvirt_xml_password(const struct broker_libvirt_gfx *g, const char *password,
				  time_t valid_to, char *err, size_t errlen)
{
	char when[32];
	struct tm tm;
	xmlDoc *doc = NULL;
	xmlNode *root;
	xmlBuffer *buf = NULL;
	char *out = NULL;

	if (!gmtime_r(&valid_to, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(err, errlen, "cannot format the password expiry time");
		return NULL;
	}
	doc = broker_libvirt_xml_read(g->elem, strlen(g->elem), err, errlen);
	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (!root || !broker_libvirt_xml_is(root, "graphics")) {
		snprintf(err, errlen, "not a <graphics> element");
		goto cleanup;
	}
	/* passwdValidTo is read by libvirt as UTC. */
	buf = xmlBufferCreate();
	if (!buf || !xmlSetProp(root, (const xmlChar *)"passwd", (const xmlChar *)password) ||
	    !xmlSetProp(root, (const xmlChar *)"passwdValidTo", (const xmlChar *)when) ||
	    xmlNodeDump(buf, doc, root, 0, 0) < 0) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	out = strdup((const char *)xmlBufferContent(buf));
	if (!out)
		snprintf(err, errlen, "out of memory");
cleanup:
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return out;
}

int broker_libvirt_xml_password_new(enum st_protocol p, char out[BROKER_LIBVIRT_PASSWORD_MAX],
				    char *err, size_t errlen)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = p == ST_PROTO_VNC ? BROKER_LIBVIRT_VNC_PW_LEN : BROKER_LIBVIRT_SPICE_PW_LEN;
	unsigned char raw[BROKER_LIBVIRT_PASSWORD_MAX];
	size_t got = 0;

	_Static_assert(sizeof(alphabet) - 1 == 64, "6 random bits per character");
	while (got < n) {
		ssize_t r = getrandom(raw + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[raw[i] & 63];
	out[n] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

static bool broker_libvirt_xml_wildcard(const char *listen)
{
	static const uint8_t zero[16];
	struct ipaddr ip;

	if (!listen[0])
		return true;
	if (ip_parse(listen, &ip) < 0)
		return false;
	/* :: or 0.0.0.0, which is kept as ::ffff:0.0.0.0 */
	return memcmp(ip.b, zero, 16) == 0 || (ip_is_v4(&ip) && memcmp(ip.b + 12, zero, 4) == 0);
}

int broker_libvirt_xml_host(const char *uri, const char *listen, char *out, size_t outlen,
			    char *err, size_t errlen)
{
	xmlURI *u;
	int ret = -1;

	if (!broker_libvirt_xml_wildcard(listen)) {
		snprintf(out, outlen, "%s", listen);
		return 0;
	}
	u = xmlParseURI(uri);
	if (!u) {
		snprintf(err, errlen, "libvirt URI '%.200s' does not parse", uri);
		return -1;
	}
	if (!u->server || !u->server[0]) {
		/* The hypervisor is on this machine. */
		snprintf(out, outlen, "127.0.0.1");
	} else if (broker_libvirt_xml_addr_valid(u->server) && strlen(u->server) < outlen) {
		snprintf(out, outlen, "%s", u->server);
	} else {
		snprintf(err, errlen, "libvirt URI host '%.100s' is not a host name or address",
			 u->server);
		goto cleanup;
	}
	ret = 0;
cleanup:
	xmlFreeURI(u);
	return ret;
}
