/* The pool VMs' life cycle (reconcile, create, make ready, end, destroy)
 * and the manager thread that drives it (see broker_pool.h). */
#include "broker_pool_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "broker_libvirt.h"
#include "broker_pool_vm.h"
#include "broker_time.h"
#include "fileio.h"
#include "log.h"

void broker_pool_life_wake(struct broker_pool *p)
{
	p->wake = true;
	pthread_cond_signal(&p->cond);
}

/* Locked. A VM's session is over: written as ending (so no restart ever
 * takes it for live), then destroyed by the manager. */
void broker_pool_life_end(struct broker_pool *p, struct broker_pool_vm *vm, const char *why)
{
	if (vm->state == BROKER_POOL_ENDING)
		return;
	vm->state = BROKER_POOL_ENDING;
	/* The manager writes it before it destroys the domain. */
	broker_pool_store_changed(p);
	log_event(LOG_INFO, "pool_vm_end", "pool", vm->pool, "vm", vm->name, "reason", why, NULL);
	broker_pool_life_wake(p);
}

/* Not locked: takes the lock, which guards fails and next_try_ms. */
static void pool_rt_failed(struct broker_pool *p, struct pool_rt *r, const char *what,
			   const char *err)
{
	pthread_mutex_lock(&p->lock);
	long long d = POOL_BACKOFF_MIN << (r->fails < 6 ? r->fails : 6);

	r->fails++;
	r->next_try_ms = broker_time_mono_ms() +
			 (d > BROKER_POOL_BACKOFF_MAX_MS ? BROKER_POOL_BACKOFF_MAX_MS : d);
	pthread_mutex_unlock(&p->lock);
	log_event(LOG_WARN, "pool", "pool", r->name, "step", what, "error", err, NULL);
}

/* The pools of the current stations file into the runtime table. false
 * while no stations file has ever loaded: then nothing may be judged
 * "removed from the file". */
static bool pool_sync_config(struct broker_pool *p)
{
	struct broker_snapshot *s = broker_config_acquire(p->config);
	struct pool_rt *r;

	pthread_mutex_lock(&p->lock);
	for (r = p->rts; r; r = r->next)
		r->present = false;
	for (size_t i = 0; s && i < st_config_count(s->cfg); i++) {
		const struct st_entry *e = st_config_entry(s->cfg, i);
		const struct st_pool *sp = e->pool;

		if (e->target.kind != ST_POOL || !sp ||
		    !(r = broker_pool_rt_get(p, sp->name, true)))
			continue;
		r->present = true;
		snprintf(r->uri, sizeof(r->uri), "%s", sp->libvirt_uri);
		snprintf(r->template_xml, sizeof(r->template_xml), "%s", sp->template_xml);
		snprintf(r->base_image, sizeof(r->base_image), "%s", sp->base_image);
		snprintf(r->overlay_dir, sizeof(r->overlay_dir), "%s", sp->overlay_dir);
		r->size = sp->size;
		r->max = sp->max;
		r->idle_timeout = sp->idle_timeout;
		r->reconnect_grace = sp->reconnect_grace;
		r->protocol = sp->protocol;
		r->maintenance = sp->maintenance;
		r->personal = sp->personal;
	}
	pthread_mutex_unlock(&p->lock);
	broker_config_release(s);
	return s != NULL;
}

/* Start-up reconciliation of one pool (see broker_pool_state_reconcile):
 * listings outside the lock, decisions on the table, domains and files
 * removed, and only then entries forgotten. 0 or -1. */
static int pool_reconcile(struct broker_pool *p, struct pool_rt *r, virConnectPtr conn,
			  const char *uri, const char *dir)
{
	char **doms = NULL, **files = NULL, err[400];
	struct broker_pool_action *a = NULL;
	size_t nd = 0, nf = 0, na = 0, i;
	int ret = -1;

	if (broker_pool_vm_domains(conn, r->name, &doms, &nd, err, sizeof(err)) < 0 ||
	    broker_pool_vm_overlays(dir, r->name, &files, &nf, err, sizeof(err)) < 0) {
		pool_rt_failed(p, r, "reconcile", err);
		goto cleanup;
	}
	pthread_mutex_lock(&p->lock);
	i = (size_t)broker_pool_state_reconcile(&p->st, r->name, dir, (const char *const *)doms, nd,
						(const char *const *)files, nf, &a, &na);
	pthread_mutex_unlock(&p->lock);
	if (i != 0)
		goto cleanup;
	for (i = 0; i < na; i++) {
		if (a[i].kind == BROKER_POOL_DESTROY_DOMAIN) {
			if (broker_pool_vm_destroy(conn, a[i].arg, err, sizeof(err)) < 0) {
				pool_rt_failed(p, r, "reconcile", err);
				goto cleanup;
			}
			log_event(LOG_INFO, "pool_reconcile", "pool", r->name, "destroyed",
				  a[i].arg, NULL);
		} else if (a[i].kind == BROKER_POOL_REMOVE_OVERLAY) {
			if (unlink(a[i].arg) < 0 && errno != ENOENT) {
				pool_rt_failed(p, r, "reconcile", strerror(errno));
				goto cleanup;
			}
		}
	}
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < na; i++) {
		long k = broker_pool_state_find(&p->st, a[i].arg);

		if (a[i].kind == BROKER_POOL_ADOPT && k >= 0)
			p->st.v[k].verified = true;
		else if (a[i].kind == BROKER_POOL_KEEP && k >= 0)
			p->st.v[k].verified = true;
		else if (a[i].kind == BROKER_POOL_FORGET && k >= 0)
			broker_pool_state_remove(&p->st, (size_t)k);
	}
	ret = broker_pool_store_save(p);
	pthread_mutex_unlock(&p->lock);
	if (ret == 0) {
		char n[24];

		snprintf(n, sizeof(n), "%zu", nd);
		log_event(LOG_INFO, "pool_reconciled", "pool", r->name, "running", n, NULL);
	}
cleanup:
	free(a);
	broker_pool_vm_names_free(doms);
	broker_pool_vm_names_free(files);
	return ret;
}

/* Destroys one ending VM: domain, then overlay, then the entry. */
static void pool_destroy_one(struct broker_pool *p, const char *name, const char *uri,
			     const char *overlay)
{
	virConnectPtr conn = broker_pool_conn_get(p, uri);
	char err[400];
	long k;

	if (!conn)
		return;
	if (broker_pool_vm_destroy(conn, name, err, sizeof(err)) < 0) {
		log_event(LOG_WARN, "pool", "vm", name, "step", "destroy", "error", err, NULL);
		broker_pool_conn_failed(broker_pool_conn_find(p, uri));
		return;
	}
	if (unlink(overlay) < 0 && errno != ENOENT) {
		log_event(LOG_WARN, "pool", "vm", name, "step", "overlay", "error", strerror(errno),
			  NULL);
		return;
	}
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_find(&p->st, name);
	if (k >= 0) {
		broker_pool_state_remove(&p->st, (size_t)k);
		/* Nothing is left to lose: a restart that still finds the
		 * entry (ending) forgets it. */
		broker_pool_store_changed(p);
	}
	pthread_mutex_unlock(&p->lock);
	log_event(LOG_INFO, "pool_vm_destroyed", "vm", name, NULL);
}

/* Locked: ends what must end (idle time-outs, VMs of pools no longer in
 * the file, ready VMs beyond size) and picks one ending VM to destroy. */
static bool pool_next_ending(struct broker_pool *p, char *name, char *uri, char *overlay)
{
	time_t now = broker_time_now();

	for (size_t i = 0; i < p->st.n; i++) {
		struct broker_pool_vm *vm = &p->st.v[i];
		struct pool_rt *r = broker_pool_rt_get(p, vm->pool, false);

		if (!r || !r->present) {
			/* The pool was removed: its sessions run to their end,
			 * its spare VMs go now. */
			if (vm->state == BROKER_POOL_READY || vm->state == BROKER_POOL_CREATING)
				broker_pool_life_end(p, vm, "pool removed");
		} else if (vm->state == BROKER_POOL_ASSIGNED && vm->held_until) {
			/* Held after its viewer left (reconnect_grace). */
			if (now >= vm->held_until)
				broker_pool_life_end(p, vm, "grace over");
		} else if (vm->state == BROKER_POOL_ASSIGNED && !vm->connected &&
			   now - vm->assigned >= (time_t)r->idle_timeout) {
			broker_pool_life_end(p, vm, "idle");
		}
	}
	for (struct pool_rt *r = p->rts; r; r = r->next) {
		size_t ready = 0;

		if (!r->present || !r->reconciled)
			continue;
		for (size_t i = 0; i < p->st.n; i++)
			if (strcmp(p->st.v[i].pool, r->name) == 0 &&
			    p->st.v[i].state == BROKER_POOL_READY)
				ready++;
		for (size_t i = p->st.n; i-- > 0 && ready > r->size;) {
			struct broker_pool_vm *vm = &p->st.v[i];

			if (strcmp(vm->pool, r->name) == 0 && vm->state == BROKER_POOL_READY) {
				broker_pool_life_end(p, vm, "pool size");
				ready--;
			}
		}
	}
	for (size_t i = 0; i < p->st.n; i++) {
		struct broker_pool_vm *vm = &p->st.v[i];
		struct pool_conn *c = broker_pool_conn_find(p, vm->uri);

		if (vm->state != BROKER_POOL_ENDING ||
		    (c && broker_time_mono_ms() < c->next_try_ms))
			continue;
		snprintf(name, BROKER_POOL_VM_NAME_MAX, "%s", vm->name);
		snprintf(uri, ST_LIBVIRT_URI_MAX + 1, "%s", vm->uri);
		snprintf(overlay, BROKER_POOL_PATH_MAX, "%s", vm->overlay);
		return true;
	}
	return false;
}

/* A VM that runs: its address, then ready. Returns 1 (ready), 0 (no port
 * yet), -1. */
static int pool_make_ready(struct broker_pool *p, virConnectPtr conn, const char *name,
			   const char *uri, enum st_protocol protocol, char *err, size_t errlen)
{
	char host[HOSTNAME_MAX + 1];
	unsigned port = 0, tls_port = 0;
	int r = broker_pool_vm_address(conn, uri, name, protocol, host, sizeof(host), &port,
				       &tls_port, err, errlen);
	long k;

	if (r <= 0)
		return r;
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_find(&p->st, name);
	if (k >= 0 && p->st.v[k].state == BROKER_POOL_CREATING) {
		struct broker_pool_vm *vm = &p->st.v[k];

		vm->state = BROKER_POOL_READY;
		vm->verified = true;
		snprintf(vm->host, sizeof(vm->host), "%s", host);
		vm->port = port;
		vm->tls_port = tls_port;
		if (broker_pool_store_save(p) < 0) {
			/* Only this thread adds or removes entries: k holds. */
			broker_pool_life_end(p, &p->st.v[k], "state not saved");
			r = -1;
			snprintf(err, errlen, "the pool state cannot be saved");
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (r == 1)
		log_event(LOG_INFO, "pool_vm_ready", "vm", name, NULL);
	return r;
}

/* Makes one VM for the pool. The order is the point: name and overlay path
 * are saved first, then the overlay is made, then the domain started. */
static void pool_create_one(struct broker_pool *p, struct pool_rt *r, virConnectPtr conn)
{
	char name[BROKER_POOL_VM_NAME_MAX], overlay[BROKER_POOL_PATH_MAX], err[400];
	char password[BROKER_LIBVIRT_PASSWORD_MAX], uri[sizeof(r->uri)], *tmpl = NULL, *xml = NULL;
	size_t tlen = 0;
	struct broker_pool_vm *vm;
	long k;

	pthread_mutex_lock(&p->lock);
	if (broker_pool_state_vm_name(r->name, p->st.next_id, name, sizeof(name)) < 0 ||
	    snprintf(overlay, sizeof(overlay), "%s/%s.qcow2", r->overlay_dir, name) >=
		(int)sizeof(overlay) ||
	    !(vm = broker_pool_state_add(&p->st))) {
		pthread_mutex_unlock(&p->lock);
		pool_rt_failed(p, r, "create", "name or path too long, or out of memory");
		return;
	}
	p->st.next_id++;
	snprintf(vm->pool, sizeof(vm->pool), "%s", r->name);
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	snprintf(vm->uri, sizeof(vm->uri), "%s", r->uri);
	snprintf(vm->overlay, sizeof(vm->overlay), "%s", overlay);
	snprintf(uri, sizeof(uri), "%s", r->uri);
	vm->state = BROKER_POOL_CREATING;
	vm->protocol = r->protocol;
	vm->created = broker_time_now();
	/* Intent first: from here on a crash leaves a name to clean up. */
	if (broker_pool_store_save(p) < 0) {
		/* Only this thread adds or removes entries, so the new one
		 * is still the last; a later write drops it from the file
		 * if another write took it there meanwhile. */
		broker_pool_state_remove(&p->st, p->st.n - 1);
		broker_pool_store_changed(p);
		pthread_mutex_unlock(&p->lock);
		pool_rt_failed(p, r, "create", "the pool state cannot be saved");
		return;
	}
	vm = &p->st.v[p->st.n - 1]; /* the save may have dropped the lock */
	if (broker_libvirt_xml_password_new(r->protocol, password, err, sizeof(err)) == 0)
		snprintf(vm->password, sizeof(vm->password), "%s", password);
	else
		password[0] = '\0';
	pthread_mutex_unlock(&p->lock);

	if (!password[0])
		goto fail;
	if (file_read_capped(r->template_xml, BROKER_POOL_TEMPLATE_MAX, &tmpl, &tlen) < 0) {
		snprintf(err, sizeof(err), "template %.200s: %s", r->template_xml,
			 file_strerror(errno));
		goto fail;
	}
	xml =
	    broker_pool_vm_xml(tmpl, tlen, name, overlay, r->protocol, password, err, sizeof(err));
	if (!xml || broker_pool_vm_overlay(r->base_image, overlay, err, sizeof(err)) < 0 ||
	    broker_pool_vm_start(conn, xml, err, sizeof(err)) < 0)
		goto fail;
	log_event(LOG_INFO, "pool_vm_created", "pool", r->name, "vm", name, NULL);
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_find(&p->st, name);
	if (k >= 0)
		p->st.v[k].started = true;
	pthread_mutex_unlock(&p->lock);
	if (pool_make_ready(p, conn, name, uri, r->protocol, err, sizeof(err)) < 0)
		goto fail;
	pthread_mutex_lock(&p->lock);
	r->fails = 0;
	pthread_mutex_unlock(&p->lock);
	goto cleanup;
fail:
	pool_rt_failed(p, r, "create", err);
	/* Whatever was made goes, the entry last; when libvirt cannot even
	 * destroy, the entry stays (as ending) for a later round. */
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_find(&p->st, name);
	if (k >= 0)
		broker_pool_life_end(p, &p->st.v[k], "creation failed");
	pthread_mutex_unlock(&p->lock);
cleanup:
	explicit_bzero(password, sizeof(password));
	if (xml) {
		explicit_bzero(xml, strlen(xml));
		free(xml);
	}
	free(tmpl);
}

/* Locked: whether the pool needs one more VM now. */
static bool pool_wants_vm(const struct broker_pool *p, const struct pool_rt *r)
{
	size_t clean = 0, total = 0;

	if (!r->present || !r->reconciled || r->maintenance || r->personal ||
	    broker_time_mono_ms() < r->next_try_ms)
		return false;
	for (size_t i = 0; i < p->st.n; i++) {
		const struct broker_pool_vm *vm = &p->st.v[i];

		if (strcmp(vm->pool, r->name) != 0)
			continue;
		total++;
		if (vm->state == BROKER_POOL_READY || vm->state == BROKER_POOL_CREATING)
			clean++;
	}
	return clean < r->size && total < r->max;
}

/* One round of the manager: the file's pools, connections and start-up
 * reconciliation, endings, VMs still waiting for a port, then refills. */
static void pool_round(struct broker_pool *p)
{
	char name[BROKER_POOL_VM_NAME_MAX], uri[ST_LIBVIRT_URI_MAX + 1],
	    overlay[BROKER_POOL_PATH_MAX], dir[BROKER_POOL_PATH_MAX], err[400];
	struct pool_rt *r, *head;
	virConnectPtr conn;
	int guard;

	if (!pool_sync_config(p))
		return;
	/* Runtime entries are only ever added at the head and freed at the
	 * end, so the list from this head on is stable without the lock. */
	pthread_mutex_lock(&p->lock);
	head = p->rts;
	pthread_mutex_unlock(&p->lock);
	for (r = head; r; r = r->next) {
		pthread_mutex_lock(&p->lock);
		bool todo = r->present && !r->reconciled && broker_time_mono_ms() >= r->next_try_ms;
		snprintf(uri, sizeof(uri), "%s", r->uri);
		snprintf(dir, sizeof(dir), "%s", r->overlay_dir);
		pthread_mutex_unlock(&p->lock);
		if (!todo || !(conn = broker_pool_conn_get(p, uri)))
			continue;
		if (pool_reconcile(p, r, conn, uri, dir) == 0) {
			pthread_mutex_lock(&p->lock);
			r->reconciled = true;
			r->fails = 0;
			pthread_mutex_unlock(&p->lock);
		}
	}
	/* Bounded, so that a failing destroy cannot spin. */
	for (guard = 0; guard < 64; guard++) {
		bool got;

		pthread_mutex_lock(&p->lock);
		got = pool_next_ending(p, name, uri, overlay);
		/* "ending" is on disk before the domain goes (broker_pool.h). */
		if (got && broker_pool_store_flush_locked(p) < 0)
			got = false;
		pthread_mutex_unlock(&p->lock);
		if (!got)
			break;
		pool_destroy_one(p, name, uri, overlay);
		/* A failure backs its connection off: the next pick skips it. */
	}
	/* VMs started earlier whose port libvirt had not assigned yet. */
	for (size_t i = 0;; i++) {
		enum st_protocol proto;

		pthread_mutex_lock(&p->lock);
		if (i >= p->st.n) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		bool check = p->st.v[i].state == BROKER_POOL_CREATING && p->st.v[i].started;
		snprintf(name, sizeof(name), "%s", p->st.v[i].name);
		snprintf(uri, sizeof(uri), "%s", p->st.v[i].uri);
		proto = p->st.v[i].protocol;
		pthread_mutex_unlock(&p->lock);
		if (check && (conn = broker_pool_conn_get(p, uri)) &&
		    pool_make_ready(p, conn, name, uri, proto, err, sizeof(err)) < 0) {
			pthread_mutex_lock(&p->lock);
			long k = broker_pool_state_find(&p->st, name);
			if (k >= 0)
				broker_pool_life_end(p, &p->st.v[k], "no address");
			pthread_mutex_unlock(&p->lock);
		}
	}
	broker_pool_personal_round(p);
	for (r = head; r; r = r->next) {
		for (guard = 0; guard < (int)ST_POOL_MAX_VMS && !p->quit; guard++) {
			bool want;

			pthread_mutex_lock(&p->lock);
			want = pool_wants_vm(p, r);
			snprintf(uri, sizeof(uri), "%s", r->uri);
			pthread_mutex_unlock(&p->lock);
			if (!want || !(conn = broker_pool_conn_get(p, uri)))
				break;
			pool_create_one(p, r, conn);
		}
	}
	broker_pool_store_flush(p);
}

void *broker_pool_life_thread(void *arg)
{
	struct broker_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	broker_pool_store_load(p);
	while (!p->quit) {
		struct timespec ts;

		pthread_mutex_unlock(&p->lock);
		pool_round(p);
		pthread_mutex_lock(&p->lock);
		if (p->quit)
			break;
		if (!p->wake) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += POOL_TICK_MS / 1000;
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
		}
		p->wake = false;
	}
	pthread_mutex_unlock(&p->lock);
	broker_pool_store_flush(p);
	return NULL;
}
