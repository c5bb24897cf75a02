/* libvirt domains as desktops: see broker_libvirt.h. */
#include "broker_libvirt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "broker_time.h"
#include "log.h"

/* Domains being started or handed out at the same moment; more only costs a
 * refresh of the one least recently checked. */
#define LV_SLOTS      64
#define LV_URI_MAX    512
#define LV_DOMAIN_MAX 256
#define LV_ERR_MAX    300

struct lv_conn {
	char uri[LV_URI_MAX];
	virConnectPtr conn;
	struct lv_conn *next;
};

/* What one domain looked like when last checked. */
struct lv_slot {
	char uri[LV_URI_MAX];
	char domain[LV_DOMAIN_MAX];
	long long checked_ms; /* 0: never (or empty) */
	bool used;
	bool busy; /* a request is refreshing it right now */
	enum broker_libvirt_result result;
	struct broker_libvirt_gfx gfx; /* when READY */
	char err[LV_ERR_MAX];	       /* when ERROR */
};

struct broker_libvirt {
	pthread_mutex_t lock; /* conns and slots */
	struct lv_conn *conns;
	struct lv_slot slots[LV_SLOTS];
	pthread_t loop;
	bool loop_started;
	atomic_bool quit;
};

static pthread_once_t lv_once = PTHREAD_ONCE_INIT;
static int lv_once_ret = -1;

/* libvirt prints every error to stderr unless told otherwise; the broker
 * reports them itself, in its own log format. */
static void lv_silent(void *arg, virErrorPtr e)
{
}

static void lv_global_init(void)
{
	virSetErrorFunc(NULL, lv_silent);
	/* Before any connection is opened: keepalive needs an event loop. */
	if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
		return;
	lv_once_ret = 0;
}

static void lv_wake(int timer, void *arg)
{
	virEventRemoveTimeout(timer);
}

static void *lv_loop(void *arg)
{
	struct broker_libvirt *lv = arg;

	while (!atomic_load(&lv->quit))
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

struct broker_libvirt *broker_libvirt_new(void)
{
	struct broker_libvirt *lv;

	pthread_once(&lv_once, lv_global_init);
	if (lv_once_ret < 0)
		return NULL;
	lv = calloc(1, sizeof(*lv));
	if (!lv)
		return NULL;
	if (pthread_mutex_init(&lv->lock, NULL) != 0) {
		free(lv);
		return NULL;
	}
	lv->loop_started = pthread_create(&lv->loop, NULL, lv_loop, lv) == 0;
	if (!lv->loop_started)
		log_event(LOG_WARN, "libvirt", "error",
			  "no event loop thread: a hung libvirt daemon is not detected", NULL);
	return lv;
}

void broker_libvirt_free(struct broker_libvirt *lv)
{
	if (!lv)
		return;
	if (lv->loop_started) {
		atomic_store(&lv->quit, true);
		/* A timer due now makes the loop's poll return. */
		virEventAddTimeout(0, lv_wake, NULL, NULL);
		pthread_join(lv->loop, NULL);
	}
	while (lv->conns) {
		struct lv_conn *next = lv->conns->next;

		virConnectClose(lv->conns->conn);
		free(lv->conns);
		lv->conns = next;
	}
	pthread_mutex_destroy(&lv->lock);
	free(lv);
}

const char *broker_libvirt_last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

/* A connection to uri with a reference for the caller (virConnectClose it),
 * or NULL with err. A connection found dead is dropped and opened anew;
 * opening happens outside the lock so one slow URI does not hold up the
 * others. */
static virConnectPtr lv_conn_get(struct broker_libvirt *lv, const char *uri, char *err,
				 size_t errlen)
{
	struct lv_conn **pp, *c;
	virConnectPtr conn = NULL, fresh;

	pthread_mutex_lock(&lv->lock);
	for (pp = &lv->conns; *pp; pp = &(*pp)->next) {
		c = *pp;
		if (strcmp(c->uri, uri) != 0)
			continue;
		if (virConnectIsAlive(c->conn) == 1) {
			conn = c->conn;
			virConnectRef(conn);
		} else {
			/* Requests still using it hold their own references. */
			*pp = c->next;
			virConnectClose(c->conn);
			free(c);
		}
		break;
	}
	pthread_mutex_unlock(&lv->lock);
	if (conn)
		return conn;

	fresh = virConnectOpen(uri);
	if (!fresh) {
		snprintf(err, errlen, "cannot connect to libvirt at %.200s: %s", uri,
			 broker_libvirt_last_error());
		return NULL;
	}
	/* Fails for drivers without keepalive (test:///, local qemu:///
	 * opened in-process); those cannot hang on a remote daemon anyway. */
	virConnectSetKeepAlive(fresh, BROKER_LIBVIRT_KEEPALIVE_S, BROKER_LIBVIRT_KEEPALIVE_COUNT);
	c = calloc(1, sizeof(*c));
	pthread_mutex_lock(&lv->lock);
	for (struct lv_conn *o = lv->conns; o; o = o->next) {
		if (strcmp(o->uri, uri) == 0) {
			/* Another request opened one meanwhile: use that. */
			conn = o->conn;
			virConnectRef(conn);
			break;
		}
	}
	if (!conn && c) {
		snprintf(c->uri, sizeof(c->uri), "%s", uri);
		c->conn = fresh;
		c->next = lv->conns;
		lv->conns = c;
		c = NULL;
		conn = fresh;
		virConnectRef(conn);
		fresh = NULL;
	}
	pthread_mutex_unlock(&lv->lock);
	free(c);
	if (fresh)
		virConnectClose(fresh);
	if (!conn)
		snprintf(err, errlen, "out of memory");
	return conn;
}

static virDomainPtr lv_domain(virConnectPtr conn, const char *uri, const char *name, char *err,
			      size_t errlen)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);

	if (!dom)
		snprintf(err, errlen, "domain '%.100s' at %.200s: %s", name, uri,
			 broker_libvirt_last_error());
	return dom;
}

/* Asks libvirt what the domain looks like now, starting it when it is off.
 * Two or three calls: lookup, state, then create or the live XML. */
static enum broker_libvirt_result lv_refresh(struct broker_libvirt *lv, const char *uri,
					     const char *name, enum st_protocol protocol,
					     struct broker_libvirt_gfx *gfx, char *err,
					     size_t errlen)
{
	enum broker_libvirt_result res = BROKER_LIBVIRT_ERROR;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	char *xml = NULL;
	int state = 0, reason = 0;

	conn = lv_conn_get(lv, uri, err, errlen);
	if (!conn)
		return BROKER_LIBVIRT_ERROR;
	dom = lv_domain(conn, uri, name, err, errlen);
	if (!dom)
		goto cleanup;
	if (virDomainGetState(dom, &state, &reason, 0) < 0) {
		snprintf(err, errlen, "domain '%.100s': state: %s", name,
			 broker_libvirt_last_error());
		goto cleanup;
	}
	switch (state) {
	case VIR_DOMAIN_SHUTOFF:
	case VIR_DOMAIN_CRASHED:
		if (virDomainCreate(dom) < 0) {
			snprintf(err, errlen, "domain '%.100s': cannot start: %s", name,
				 broker_libvirt_last_error());
			goto cleanup;
		}
		log_event(LOG_INFO, "libvirt_start", "uri", uri, "domain", name, NULL);
		res = BROKER_LIBVIRT_STARTING;
		break;
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
	case VIR_DOMAIN_NOSTATE:
		/* Flags 0: the live definition, where autoport has become a
		 * real port. No secure info: the old password is not needed. */
		xml = virDomainGetXMLDesc(dom, 0);
		if (!xml) {
			snprintf(err, errlen, "domain '%.100s': XML: %s", name,
				 broker_libvirt_last_error());
			goto cleanup;
		}
		if (broker_libvirt_xml_graphics(xml, strlen(xml), protocol, gfx, err, errlen) < 0)
			goto cleanup;
		res = gfx->port || gfx->tls_port ? BROKER_LIBVIRT_READY : BROKER_LIBVIRT_STARTING;
		break;
	default:
		/* Paused, shutting down, suspended: not ours to force; the
		 * station waits until it runs (or is off, and then started). */
		res = BROKER_LIBVIRT_STARTING;
		break;
	}
cleanup:
	free(xml);
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return res;
}

/* The slot for uri+domain, or a free one, or the one checked longest ago
 * that nobody is refreshing. Called locked; NULL when all are busy. */
static struct lv_slot *lv_slot_get(struct broker_libvirt *lv, const char *uri, const char *name)
{
	struct lv_slot *victim = NULL;

	for (size_t i = 0; i < LV_SLOTS; i++) {
		struct lv_slot *s = &lv->slots[i];

		if (s->used && strcmp(s->uri, uri) == 0 && strcmp(s->domain, name) == 0)
			return s;
	}
	for (size_t i = 0; i < LV_SLOTS; i++) {
		struct lv_slot *s = &lv->slots[i];

		if (s->busy)
			continue;
		if (!victim || !s->used || (victim->used && s->checked_ms < victim->checked_ms))
			victim = s;
		if (!victim->used)
			break;
	}
	if (victim) {
		memset(victim, 0, sizeof(*victim));
		victim->used = true;
		snprintf(victim->uri, sizeof(victim->uri), "%s", uri);
		snprintf(victim->domain, sizeof(victim->domain), "%s", name);
		victim->result = BROKER_LIBVIRT_STARTING;
	}
	return victim;
}

/* The cached view of a domain, refreshed when older than the cache time by
 * exactly one request at a time. */
static enum broker_libvirt_result lv_state(struct broker_libvirt *lv, const char *uri,
					   const char *name, enum st_protocol protocol,
					   struct broker_libvirt_gfx *gfx, char *err, size_t errlen)
{
	enum broker_libvirt_result res;
	struct lv_slot *s;
	long long now = broker_time_mono_ms();
	bool refresh;

	if (strlen(uri) >= LV_URI_MAX || strlen(name) >= LV_DOMAIN_MAX) {
		snprintf(err, errlen, "libvirt URI or domain name too long");
		return BROKER_LIBVIRT_ERROR;
	}
	pthread_mutex_lock(&lv->lock);
	s = lv_slot_get(lv, uri, name);
	if (!s) {
		pthread_mutex_unlock(&lv->lock);
		return BROKER_LIBVIRT_STARTING;
	}
	refresh = !s->busy && (!s->checked_ms || now - s->checked_ms >= BROKER_LIBVIRT_CACHE_MS ||
			       s->gfx.protocol != protocol);
	if (!refresh) {
		/* Fresh, or being refreshed by another request: the last
		 * answer (a slot never checked says starting). */
		res = s->result;
		*gfx = s->gfx;
		snprintf(err, errlen, "%s", s->err);
		pthread_mutex_unlock(&lv->lock);
		return res;
	}
	s->busy = true;
	pthread_mutex_unlock(&lv->lock);

	err[0] = '\0';
	res = lv_refresh(lv, uri, name, protocol, gfx, err, errlen);
	if (res == BROKER_LIBVIRT_ERROR)
		log_event(LOG_WARN, "libvirt", "uri", uri, "domain", name, "error", err, NULL);

	pthread_mutex_lock(&lv->lock);
	/* The slot is ours while busy: nobody reuses a busy slot. */
	s->result = res;
	s->gfx = *gfx;
	s->gfx.protocol = protocol;
	snprintf(s->err, sizeof(s->err), "%s", res == BROKER_LIBVIRT_ERROR ? err : "");
	s->checked_ms = broker_time_mono_ms() ?: 1;
	s->busy = false;
	pthread_mutex_unlock(&lv->lock);
	return res;
}

const char *broker_libvirt_state_word(struct broker_libvirt *lv, const char *uri, const char *name)
{
	const char *word = "unknown";
	virConnectPtr conn;
	virDomainPtr dom;
	int state = 0, reason = 0;
	char err[256];

	conn = lv_conn_get(lv, uri, err, sizeof(err));
	if (!conn)
		return word;
	dom = virDomainLookupByName(conn, name);
	if (dom && virDomainGetState(dom, &state, &reason, 0) == 0) {
		switch (state) {
		case VIR_DOMAIN_RUNNING:
		case VIR_DOMAIN_BLOCKED:
			word = "running";
			break;
		case VIR_DOMAIN_SHUTOFF:
		case VIR_DOMAIN_CRASHED:
			word = "off";
			break;
		default:
			break;
		}
	}
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return word;
}

/* A new password on the running domain's display. */
static int lv_set_password(struct broker_libvirt *lv, const char *uri, const char *name,
			   const struct broker_libvirt_gfx *gfx, unsigned valid_s, char *password,
			   char *err, size_t errlen)
{
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	char *xml = NULL;
	int ret = -1;

	if (broker_libvirt_xml_password_new(gfx->protocol, password, err, errlen) < 0)
		return -1;
	xml = broker_libvirt_xml_password(gfx, password, broker_time_now() + (time_t)valid_s, err,
					  errlen);
	if (!xml)
		goto wipe;
	conn = lv_conn_get(lv, uri, err, errlen);
	if (!conn)
		goto wipe;
	dom = lv_domain(conn, uri, name, err, errlen);
	if (dom && virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
		snprintf(err, errlen, "domain '%.100s': cannot set the graphics password: %s", name,
			 broker_libvirt_last_error());
	else if (dom)
		ret = 0;
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
wipe:
	if (xml) {
		explicit_bzero(xml, strlen(xml));
		free(xml);
	}
	if (ret < 0) {
		explicit_bzero(password, BROKER_LIBVIRT_PASSWORD_MAX);
		log_event(LOG_WARN, "libvirt", "uri", uri, "domain", name, "error", err, NULL);
	}
	return ret;
}

enum broker_libvirt_result broker_libvirt_desktop(struct broker_libvirt *lv, const char *uri,
						  const char *domain, enum st_protocol protocol,
						  bool one_time, unsigned valid_s,
						  struct broker_libvirt_desktop *d, char *err,
						  size_t errlen)
{
	struct broker_libvirt_gfx gfx;
	enum broker_libvirt_result res;

	memset(d, 0, sizeof(*d));
	res = lv_state(lv, uri, domain, protocol, &gfx, err, errlen);
	if (res != BROKER_LIBVIRT_READY)
		return res;
	d->protocol = protocol;
	d->port = gfx.port;
	d->tls_port = gfx.tls_port;
	if (broker_libvirt_xml_host(uri, gfx.listen, d->host, sizeof(d->host), err, errlen) < 0)
		return BROKER_LIBVIRT_ERROR;
	if (one_time &&
	    lv_set_password(lv, uri, domain, &gfx, valid_s, d->password, err, errlen) < 0)
		return BROKER_LIBVIRT_ERROR;
	return BROKER_LIBVIRT_READY;
}
