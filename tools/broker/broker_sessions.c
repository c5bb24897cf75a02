/* Sessions ended from the broker's side: see broker_sessions.h. */
#include <libvirt/libvirt.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "broker.h"
#include "broker_libvirt_xml.h"
#include "broker_sessions.h"
#include "broker_time.h"
#include "log.h"

/* The live <graphics> element with passwd (and passwdValidTo, when
 * valid_to is not NULL; removed when it is) and connected set. Caller
 * frees; NULL with err. */
static char *sessions_gfx_xml(const char *elem, const char *passwd, const char *valid_to,
			      const char *connected, char *err, size_t errlen)
{
	xmlDoc *doc = xmlReadMemory(elem, (int)strlen(elem), "graphics.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlBuffer *buf = NULL;
	char *out = NULL;

	if (!root || xmlStrcmp(root->name, (const xmlChar *)"graphics") != 0) {
		snprintf(err, errlen, "not a <graphics> element");
		goto cleanup;
	}
	if (passwd)
		xmlSetProp(root, (const xmlChar *)"passwd", (const xmlChar *)passwd);
	else
		xmlUnsetProp(root, (const xmlChar *)"passwd");
	if (valid_to)
		xmlSetProp(root, (const xmlChar *)"passwdValidTo", (const xmlChar *)valid_to);
	else
		xmlUnsetProp(root, (const xmlChar *)"passwdValidTo");
	xmlSetProp(root, (const xmlChar *)"connected", (const xmlChar *)connected);
	buf = xmlBufferCreate();
	if (!buf || xmlNodeDump(buf, doc, root, 0, 0) < 0 ||
	    !(out = strdup((const char *)xmlBufferContent(buf))))
		snprintf(err, errlen, "out of memory");
cleanup:
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return out;
}

static char *sessions_prop(const char *elem, const char *name)
{
	xmlDoc *doc = xmlReadMemory(elem, (int)strlen(elem), "graphics.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *v = root ? xmlGetProp(root, (const xmlChar *)name) : NULL;
	char *out = v ? strdup((const char *)v) : NULL;

	if (v) {
		explicit_bzero(v, strlen((const char *)v));
		xmlFree(v);
	}
	xmlFreeDoc(doc);
	return out;
}

static void sessions_free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int sessions_update(virDomainPtr dom, char *xml, const char *name, char *err, size_t errlen)
{
	int r = xml ? virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) : -1;

	if (xml && r < 0)
		snprintf(err, errlen, "domain '%.100s': graphics update: %s", name,
			 broker_libvirt_last_error());
	sessions_free_secret(xml);
	return r < 0 ? -1 : 0;
}

int broker_sessions_drop_viewer(const char *uri, const char *domain, int protocol, char *err,
				size_t errlen)
{
	struct broker_libvirt_gfx g;
	char pw[BROKER_LIBVIRT_PASSWORD_MAX] = "";
	char *xml = NULL, *old_pw = NULL, *old_to = NULL;
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	int rc = -1;

	if (protocol == ST_PROTO_VNC) {
		/* libvirt takes connected='keep' only for VNC. */
		snprintf(err, errlen, "libvirt cannot drop a VNC viewer");
		return -1;
	}
	conn = virConnectOpen(uri);
	if (!conn) {
		snprintf(err, errlen, "%.200s: %s", uri, broker_libvirt_last_error());
		return -1;
	}
	dom = virDomainLookupByName(conn, domain);
	xml = dom ? virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE) : NULL;
	if (!xml) {
		snprintf(err, errlen, "domain '%.100s': %s", domain, broker_libvirt_last_error());
		goto cleanup;
	}
	if (broker_libvirt_xml_graphics(xml, strlen(xml), ST_PROTO_SPICE, &g, err, errlen) < 0)
		goto cleanup;
	old_pw = sessions_prop(g.elem, "passwd");
	old_to = sessions_prop(g.elem, "passwdValidTo");
	/* A password nobody knows, with the clients dropped: the change of
	 * password is what makes libvirt send QEMU the update at all. */
	if (broker_libvirt_xml_password_new(ST_PROTO_SPICE, pw, err, errlen) < 0 ||
	    sessions_update(dom, sessions_gfx_xml(g.elem, pw, old_to, "disconnect", err, errlen),
			    domain, err, errlen) < 0)
		goto cleanup;
	/* Then the password the domain had: the next hand-out (or the one
	 * just made, when a user roams) finds what it set. */
	if (old_pw &&
	    sessions_update(dom, sessions_gfx_xml(g.elem, old_pw, old_to, "keep", err, errlen),
			    domain, err, errlen) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(&g, sizeof(g));
	sessions_free_secret(xml);
	sessions_free_secret(old_pw);
	free(old_to);
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

static void sessions_drop(struct broker_sessions_ended *x)
{
	char err[200] = "";

	x->viewer = BROKER_VIEWER_AT_REPORT;
	if (!x->info.lv_uri[0])
		return;
	if (broker_sessions_drop_viewer(x->info.lv_uri, x->info.lv_domain, x->info.lv_protocol, err,
					sizeof(err)) == 0) {
		x->viewer = BROKER_VIEWER_DROPPED;
		return;
	}
	x->viewer = BROKER_VIEWER_FAILED;
	snprintf(x->error, sizeof(x->error), "%s", err);
	log_event(LOG_WARN, "session_drop", "uri", x->info.lv_uri, "domain", x->info.lv_domain,
		  "error", err, NULL);
}

/* Turns state copies into results, dropping libvirt viewers (outside the
 * state's locks: libvirt may take a while). */
static int sessions_finish(struct broker_station_info *v, size_t n, const char *reason,
			   struct broker_sessions_ended **out)
{
	struct broker_sessions_ended *x = calloc(n + 1, sizeof(*x));
	char mac[MAC_STR_LEN];

	if (!x)
		return -1;
	for (size_t i = 0; i < n; i++) {
		x[i].info = v[i];
		sessions_drop(&x[i]);
		mac_format(v[i].mac, mac);
		log_event(LOG_INFO, "session_ended_by_broker", "mac", mac, "user",
			  v[i].user[0] ? v[i].user : NULL, "desktop",
			  v[i].desktop[0] ? v[i].desktop : NULL, "reason", reason, "viewer",
			  x[i].viewer == BROKER_VIEWER_DROPPED ? "dropped" : "at_next_report",
			  NULL);
	}
	*out = x;
	return 0;
}

struct sessions_who {
	const char *who;
	uint8_t mac[6];
	bool is_mac;
	struct broker_snapshot *snap;
};

static bool sessions_match_who(const struct broker_station_info *info, void *arg)
{
	struct sessions_who *w = arg;
	const struct broker_frag *frag;
	const struct st_entry *e;

	if (w->is_mac)
		return memcmp(info->mac, w->mac, 6) == 0;
	if (strcasecmp(info->user, w->who) == 0 || strcasecmp(info->hostname, w->who) == 0)
		return true;
	e = w->snap ? broker_snapshot_match(w->snap, info->mac, &info->ip, info->hostname, &frag)
		    : NULL;
	return e && e->name && strcasecmp(e->name, w->who) == 0;
}

int broker_sessions_disconnect(struct broker *b, const char *who,
			       struct broker_sessions_ended **out, size_t *n)
{
	struct sessions_who w = {.who = who};
	struct broker_station_info *v = NULL;
	int rc;

	w.is_mac = mac_parse(who, w.mac) == 0;
	w.snap = broker_config_acquire(b->config);
	rc = broker_state_end(b->state, sessions_match_who, &w, "disconnected", NULL, &v, n);
	broker_config_release(w.snap);
	if (rc == 0)
		rc = sessions_finish(v, *n, "disconnected", out);
	free(v);
	return rc;
}

struct sessions_roam {
	const uint8_t *mac;
	const struct broker_state_desk *d;
};

static bool sessions_match_roam(const struct broker_station_info *info, void *arg)
{
	const struct sessions_roam *r = arg;

	if (memcmp(info->mac, r->mac, 6) == 0 || !info->user[0] ||
	    strcasecmp(info->user, r->d->user) != 0 || info->end_reason[0])
		return false;
	/* The same desktop: the same domain, else the same description. */
	if (r->d->lv_uri)
		return strcmp(info->lv_uri, r->d->lv_uri) == 0 &&
		       strcmp(info->lv_domain, r->d->lv_domain) == 0;
	return !info->lv_uri[0] && strcmp(info->desktop, r->d->desktop) == 0;
}

size_t broker_sessions_roam(struct broker *b, const uint8_t mac[6], const char *by,
			    const struct broker_state_desk *d)
{
	struct sessions_roam r = {mac, d};
	struct broker_station_info *v = NULL;
	struct broker_sessions_ended *x = NULL;
	size_t n = 0;

	if (!d->user || !d->user[0] || !d->desktop)
		return 0;
	if (broker_state_end(b->state, sessions_match_roam, &r, "moved", by, &v, &n) == 0 && n)
		sessions_finish(v, n, "moved", &x);
	free(v);
	free(x);
	return n;
}

const char *broker_sessions_code(const char *reason)
{
	return strcmp(reason, "moved") == 0 ? "session_moved" : "session_disconnected";
}

void broker_sessions_message(const char *reason, const char *by, char *out, size_t outlen)
{
	if (strcmp(reason, "moved") == 0 && by && by[0])
		snprintf(out, outlen, "Your session was opened at another station (%s).", by);
	else if (strcmp(reason, "moved") == 0)
		snprintf(out, outlen, "Your session was opened at another station.");
	else
		snprintf(out, outlen, "Your session was ended by an administrator.");
}
