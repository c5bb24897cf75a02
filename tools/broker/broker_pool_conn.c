/* The pool manager's libvirt connections, one per URI, and their graphics
 * events (see broker_pool.h). */
#include "broker_pool_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "broker_libvirt.h"
#include "broker_time.h"
#include "log.h"

/* libvirt's event loop thread: only notes what happened; the manager
 * thread does the libvirt calls. */
static void pool_graphics_event(virConnectPtr conn, virDomainPtr dom, int phase,
				const virDomainEventGraphicsAddress *local,
				const virDomainEventGraphicsAddress *remote, const char *scheme,
				const virDomainEventGraphicsSubject *subject, void *opaque)
{
	struct broker_pool *p = opaque;
	const char *name = virDomainGetName(dom);
	long i;

	if (!name)
		return;
	pthread_mutex_lock(&p->lock);
	i = broker_pool_state_find(&p->st, name);
	/* "connect" comes before the password is checked: it proves
	 * nothing, and is ignored. */
	if (i >= 0 && p->st.v[i].state == BROKER_POOL_ASSIGNED) {
		struct broker_pool_vm *vm = &p->st.v[i];

		struct pool_rt *r = broker_pool_rt_get(p, vm->pool, false);

		if (phase == VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE && !vm->viewer_in) {
			vm->viewer_in = vm->connected = true;
			vm->held_until = 0;
			/* Not waited for here, on libvirt's event thread. */
			broker_pool_store_changed(p);
			broker_pool_life_wake(p);
		} else if (phase == VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT && vm->viewer_in && r &&
			   r->present && r->reconnect_grace) {
			/* A viewer that crashed, a station that rebooted: the
			 * VM waits for its user (or station) for the grace. */
			vm->viewer_in = vm->connected = false;
			vm->held_until = broker_time_now() + (time_t)r->reconnect_grace;
			broker_pool_store_changed(p);
			log_event(LOG_INFO, "pool_vm_held", "pool", vm->pool, "vm", vm->name,
				  "user", vm->user, NULL);
			broker_pool_life_wake(p);
		} else if (phase == VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT && vm->viewer_in) {
			broker_pool_life_end(p, vm, "disconnect");
		}
	} else if (i < 0 && (phase == VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE ||
			     phase == VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT)) {
		/* A personal desktop outlives its viewers; the manager
		 * shuts it down once it has been without one for long. */
		broker_pool_personal_event(p, name, phase == VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE);
	}
	pthread_mutex_unlock(&p->lock);
}

void broker_pool_conn_close(struct pool_conn *c)
{
	if (!c->conn)
		return;
	if (c->cb >= 0)
		virConnectDomainEventDeregisterAny(c->conn, c->cb);
	virConnectClose(c->conn);
	c->conn = NULL;
	c->cb = -1;
}

void broker_pool_conn_failed(struct pool_conn *c)
{
	long long d = POOL_BACKOFF_MIN << (c->fails < 6 ? c->fails : 6);

	c->fails++;
	c->next_try_ms = broker_time_mono_ms() +
			 (d > BROKER_POOL_BACKOFF_MAX_MS ? BROKER_POOL_BACKOFF_MAX_MS : d);
	if (c->conn && virConnectIsAlive(c->conn) != 1)
		broker_pool_conn_close(c);
}

/* The live connection to uri (opened, with the event callback, when
 * needed), or NULL while it fails or backs off. Manager thread only. */
virConnectPtr broker_pool_conn_get(struct broker_pool *p, const char *uri)
{
	struct pool_conn *c;

	for (c = p->conns; c; c = c->next)
		if (strcmp(c->uri, uri) == 0)
			break;
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return NULL;
		snprintf(c->uri, sizeof(c->uri), "%s", uri);
		c->cb = -1;
		c->next = p->conns;
		p->conns = c;
	}
	if (c->conn && virConnectIsAlive(c->conn) == 1)
		return c->conn;
	broker_pool_conn_close(c);
	if (broker_time_mono_ms() < c->next_try_ms)
		return NULL;
	c->conn = virConnectOpen(uri);
	if (!c->conn) {
		log_event(LOG_WARN, "pool", "uri", uri, "error", broker_libvirt_last_error(), NULL);
		broker_pool_conn_failed(c);
		return NULL;
	}
	virConnectSetKeepAlive(c->conn, 5, 3);
	c->cb = virConnectDomainEventRegisterAny(c->conn, NULL, VIR_DOMAIN_EVENT_ID_GRAPHICS,
						 VIR_DOMAIN_EVENT_CALLBACK(pool_graphics_event), p,
						 NULL);
	if (c->cb < 0)
		log_event(LOG_WARN, "pool", "uri", uri, "error",
			  "no graphics events: VMs end by session report or idle time-out only",
			  NULL);
	c->fails = 0;
	return c->conn;
}

struct pool_conn *broker_pool_conn_find(struct broker_pool *p, const char *uri)
{
	for (struct pool_conn *c = p->conns; c; c = c->next)
		if (strcmp(c->uri, uri) == 0)
			return c;
	return NULL;
}
