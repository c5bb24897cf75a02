/* The pool manager: see broker_pool.h. */
#include "broker_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "broker_json.h"
#include "broker_libvirt.h"
#include "broker_pool_vm.h"
#include "broker_time.h"
#include "fileio.h"
#include "log.h"

#define POOL_TICK_MS	 1000
#define POOL_BACKOFF_MIN 1000
#define POOL_QUEUE_MAX	 4096

/* One libvirt connection per URI, with the graphics event callback. Only
 * the manager thread opens, uses and closes them. */
struct pool_conn {
	char uri[ST_LIBVIRT_URI_MAX + 1];
	virConnectPtr conn;
	int cb;
	long long next_try_ms; /* back-off after a failure */
	unsigned fails;
	struct pool_conn *next;
};

struct pool_waiter {
	uint8_t mac[6];
	long long last_ms;
};

/* What the manager knows about one pool: its settings as the current file
 * has them (copied: a snapshot may go away), and its queue. */
struct pool_rt {
	char name[BROKER_POOL_NAME_MAX];
	bool present; /* in the current stations file */
	bool reconciled;
	char uri[ST_LIBVIRT_URI_MAX + 1];
	char template_xml[BROKER_POOL_PATH_MAX];
	char base_image[BROKER_POOL_PATH_MAX];
	char overlay_dir[BROKER_POOL_PATH_MAX];
	unsigned size, max, idle_timeout;
	enum st_protocol protocol;
	bool maintenance;
	long long next_try_ms;
	unsigned fails;
	struct pool_waiter *queue;
	size_t n_queue, cap_queue;
	struct pool_rt *next;
};

struct broker_pool {
	pthread_mutex_t lock; /* everything below but conns */
	pthread_cond_t cond;
	/* Group commit of pools.json (pool_sync): every change to st takes
	 * the next generation; one thread at a time writes a snapshot, the
	 * lock dropped, and says on `saved` how far the file has got. */
	pthread_cond_t saved;
	uint64_t gen;	      /* the newest change made in memory */
	uint64_t durable_gen; /* the newest change known to be on disk */
	uint64_t failed_gen;  /* the newest change whose write failed */
	bool writing;
	bool sync_each;		 /* --pool-sync=each: write at once, under the lock */
	unsigned write_delay_ms; /* test hook: a slow disk (broker_pool.h) */
	unsigned long writes, write_errors, handouts;
	struct broker_config *config;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	struct broker_pool_state st;
	bool loaded;
	struct pool_rt *rts;
	struct pool_conn *conns;
	bool quit, wake;
	pthread_t thread;
	bool started;
};

static struct pool_rt *pool_rt_get(struct broker_pool *p, const char *name, bool create)
{
	struct pool_rt *r;

	for (r = p->rts; r; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	if (!create || !(r = calloc(1, sizeof(*r))))
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->next = p->rts;
	p->rts = r;
	return r;
}

/* Locked. Writes the table as it is now (write, fsync, rename: see
 * file_replace_atomic). Serializing is cheap and done under the lock; the
 * disk work is done with the lock dropped, so that lookups, hand-outs and
 * libvirt's events go on meanwhile and what they change goes into the next
 * write. With --pool-sync=each the lock stays held, as before. */
static int pool_write(struct broker_pool *p)
{
	uint64_t snap = p->gen;
	size_t len = 0;
	char *text = broker_pool_state_serialize(&p->st, &len);
	int ret = -1, e = ENOMEM;
	const char *what = "file";

	if (text) {
		if (!p->sync_each) {
			p->writing = true;
			pthread_mutex_unlock(&p->lock);
		}
		if (p->write_delay_ms)
			usleep(p->write_delay_ms * 1000u);
		if (mkdir(p->dir, 0700) < 0 && errno != EEXIST) {
			e = errno;
			what = "dir";
		} else if ((ret = file_replace_atomic(p->path, text, len, 0600, 0)) < 0) {
			e = errno;
		}
		explicit_bzero(text, len);
		free(text);
		if (!p->sync_each) {
			pthread_mutex_lock(&p->lock);
			p->writing = false;
		}
		p->writes++;
	}
	if (ret == 0) {
		if (snap > p->durable_gen)
			p->durable_gen = snap;
	} else {
		p->write_errors++;
		if (snap > p->failed_gen)
			p->failed_gen = snap;
		log_event(LOG_ERROR, "pool_state", what, what[0] == 'd' ? p->dir : p->path, "error",
			  strerror(e), NULL);
	}
	pthread_cond_broadcast(&p->saved);
	return ret;
}

/* Locked, and may drop the lock while it waits or writes: returns 0 once
 * change `gen` is on disk, -1 when the write that held it failed. If no
 * write is under way, this thread writes; otherwise it waits, without the
 * lock, for the one under way, and after it one of the threads still
 * waiting writes everything changed meanwhile: hand-outs that arrive
 * together share one fsync. Pointers into p->st are stale afterwards. */
static int pool_sync(struct broker_pool *p, uint64_t gen)
{
	for (;;) {
		if (p->durable_gen >= gen)
			return 0;
		if (p->failed_gen >= gen)
			return -1;
		if (!p->writing)
			break;
		pthread_cond_wait(&p->saved, &p->lock);
	}
	return pool_write(p) < 0 && p->durable_gen < gen ? -1 : 0;
}

/* Locked: a change to the table that nobody waits for. It reaches the
 * disk with the next write (the manager writes at the end of each round
 * and before it destroys anything). */
static uint64_t pool_changed(struct broker_pool *p)
{
	uint64_t gen = ++p->gen;

	if (p->sync_each)
		pool_sync(p, gen);
	return gen;
}

/* Locked: a change that must be on disk before anyone learns of it. May
 * drop the lock (pool_sync). 0 or -1. */
static int pool_save(struct broker_pool *p)
{
	return pool_sync(p, ++p->gen);
}

/* The table as the file has it. A file that cannot be read is set aside
 * (.bad), not overwritten: the admin may want it; the pools then start
 * empty, and reconciliation destroys the VMs nobody knows any more. */
static void pool_load(struct broker_pool *p)
{
	char *text = NULL, err[300], bad[PATH_MAX + 8];
	size_t len = 0;

	p->loaded = true;
	file_remove_stale_temps(p->path);
	/* The broker writes this file itself (atomically, never through a
	 * link), so a symbolic link here was put by someone else. */
	if (file_read_capped_flags(p->path, O_NOFOLLOW, BROKER_POOL_FILE_MAX, &text, &len) < 0) {
		if (errno != ENOENT)
			log_event(LOG_ERROR, "pool_state", "file", p->path, "error",
				  file_strerror(errno), NULL);
		return;
	}
	if (broker_pool_state_parse(text, len, &p->st, err, sizeof(err)) < 0) {
		snprintf(bad, sizeof(bad), "%s.bad", p->path);
		rename(p->path, bad);
		log_event(LOG_ERROR, "pool_state", "file", p->path, "error", err, "moved_to", bad,
			  NULL);
	} else {
		char n[24];

		snprintf(n, sizeof(n), "%zu", p->st.n);
		log_event(LOG_INFO, "pool_state", "file", p->path, "vms", n, NULL);
	}
	explicit_bzero(text, len);
	free(text);
}

static void pool_wake(struct broker_pool *p)
{
	p->wake = true;
	pthread_cond_signal(&p->cond);
}

/* Locked. A VM's session is over: written as ending (so no restart ever
 * takes it for live), then destroyed by the manager. */
static void pool_end(struct broker_pool *p, struct broker_pool_vm *vm, const char *why)
{
	if (vm->state == BROKER_POOL_ENDING)
		return;
	vm->state = BROKER_POOL_ENDING;
	/* The manager writes it before it destroys the domain. */
	pool_changed(p);
	log_event(LOG_INFO, "pool_vm_end", "pool", vm->pool, "vm", vm->name, "reason", why, NULL);
	pool_wake(p);
}

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

		if (phase == VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE && !vm->viewer_in) {
			vm->viewer_in = vm->connected = true;
			/* Not waited for here, on libvirt's event thread. */
			pool_changed(p);
			pool_wake(p);
		} else if (phase == VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT && vm->viewer_in) {
			pool_end(p, vm, "disconnect");
		}
	}
	pthread_mutex_unlock(&p->lock);
}

static void pool_conn_close(struct pool_conn *c)
{
	if (!c->conn)
		return;
	if (c->cb >= 0)
		virConnectDomainEventDeregisterAny(c->conn, c->cb);
	virConnectClose(c->conn);
	c->conn = NULL;
	c->cb = -1;
}

static void pool_conn_failed(struct pool_conn *c)
{
	long long d = POOL_BACKOFF_MIN << (c->fails < 6 ? c->fails : 6);

	c->fails++;
	c->next_try_ms = broker_time_mono_ms() +
			 (d > BROKER_POOL_BACKOFF_MAX_MS ? BROKER_POOL_BACKOFF_MAX_MS : d);
	if (c->conn && virConnectIsAlive(c->conn) != 1)
		pool_conn_close(c);
}

/* The live connection to uri (opened, with the event callback, when
 * needed), or NULL while it fails or backs off. Manager thread only. */
static virConnectPtr pool_conn(struct broker_pool *p, const char *uri)
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
	pool_conn_close(c);
	if (broker_time_mono_ms() < c->next_try_ms)
		return NULL;
	c->conn = virConnectOpen(uri);
	if (!c->conn) {
		log_event(LOG_WARN, "pool", "uri", uri, "error", broker_libvirt_last_error(), NULL);
		pool_conn_failed(c);
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

static struct pool_conn *pool_conn_find(struct broker_pool *p, const char *uri)
{
	for (struct pool_conn *c = p->conns; c; c = c->next)
		if (strcmp(c->uri, uri) == 0)
			return c;
	return NULL;
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

		if (e->target.kind != ST_POOL || !sp || !(r = pool_rt_get(p, sp->name, true)))
			continue;
		r->present = true;
		snprintf(r->uri, sizeof(r->uri), "%s", sp->libvirt_uri);
		snprintf(r->template_xml, sizeof(r->template_xml), "%s", sp->template_xml);
		snprintf(r->base_image, sizeof(r->base_image), "%s", sp->base_image);
		snprintf(r->overlay_dir, sizeof(r->overlay_dir), "%s", sp->overlay_dir);
		r->size = sp->size;
		r->max = sp->max;
		r->idle_timeout = sp->idle_timeout;
		r->protocol = sp->protocol;
		r->maintenance = sp->maintenance;
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
	ret = pool_save(p);
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
	virConnectPtr conn = pool_conn(p, uri);
	char err[400];
	long k;

	if (!conn)
		return;
	if (broker_pool_vm_destroy(conn, name, err, sizeof(err)) < 0) {
		log_event(LOG_WARN, "pool", "vm", name, "step", "destroy", "error", err, NULL);
		pool_conn_failed(pool_conn_find(p, uri));
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
		pool_changed(p);
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
		struct pool_rt *r = pool_rt_get(p, vm->pool, false);

		if (!r || !r->present) {
			/* The pool was removed: its sessions run to their end,
			 * its spare VMs go now. */
			if (vm->state == BROKER_POOL_READY || vm->state == BROKER_POOL_CREATING)
				pool_end(p, vm, "pool removed");
		} else if (vm->state == BROKER_POOL_ASSIGNED && !vm->connected &&
			   now - vm->assigned >= (time_t)r->idle_timeout) {
			pool_end(p, vm, "idle");
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
				pool_end(p, vm, "pool size");
				ready--;
			}
		}
	}
	for (size_t i = 0; i < p->st.n; i++) {
		struct broker_pool_vm *vm = &p->st.v[i];
		struct pool_conn *c = pool_conn_find(p, vm->uri);

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
		if (pool_save(p) < 0) {
			/* Only this thread adds or removes entries: k holds. */
			pool_end(p, &p->st.v[k], "state not saved");
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
	if (pool_save(p) < 0) {
		/* Only this thread adds or removes entries, so the new one
		 * is still the last; a later write drops it from the file
		 * if another write took it there meanwhile. */
		broker_pool_state_remove(&p->st, p->st.n - 1);
		pool_changed(p);
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
		pool_end(p, &p->st.v[k], "creation failed");
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

	if (!r->present || !r->reconciled || r->maintenance ||
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

/* Locked: everything changed so far on disk, sharing a write under way;
 * after a failed write, tried once more. 0 or -1. */
static int pool_flush_locked(struct broker_pool *p)
{
	if (p->durable_gen >= p->gen || pool_sync(p, p->gen) == 0)
		return 0;
	return pool_save(p);
}

/* What changed without anyone waiting for it goes to disk now; after a
 * failure, again at the next round. */
static void pool_flush(struct broker_pool *p)
{
	pthread_mutex_lock(&p->lock);
	pool_flush_locked(p);
	pthread_mutex_unlock(&p->lock);
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
		if (!todo || !(conn = pool_conn(p, uri)))
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
		if (got && pool_flush_locked(p) < 0)
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
		if (check && (conn = pool_conn(p, uri)) &&
		    pool_make_ready(p, conn, name, uri, proto, err, sizeof(err)) < 0) {
			pthread_mutex_lock(&p->lock);
			long k = broker_pool_state_find(&p->st, name);
			if (k >= 0)
				pool_end(p, &p->st.v[k], "no address");
			pthread_mutex_unlock(&p->lock);
		}
	}
	for (r = head; r; r = r->next) {
		for (guard = 0; guard < (int)ST_POOL_MAX_VMS && !p->quit; guard++) {
			bool want;

			pthread_mutex_lock(&p->lock);
			want = pool_wants_vm(p, r);
			snprintf(uri, sizeof(uri), "%s", r->uri);
			pthread_mutex_unlock(&p->lock);
			if (!want || !(conn = pool_conn(p, uri)))
				break;
			pool_create_one(p, r, conn);
		}
	}
	pool_flush(p);
}

static void *pool_thread(void *arg)
{
	struct broker_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	pool_load(p);
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
	pool_flush(p);
	return NULL;
}

struct broker_pool *broker_pool_new(struct broker_config *config, const char *state_dir,
				    bool sync_each)
{
	struct broker_pool *p = calloc(1, sizeof(*p));
	const char *delay = getenv(BROKER_POOL_WRITE_DELAY_ENV);
	pthread_condattr_t ca;

	if (!p)
		return NULL;
	p->config = config;
	p->sync_each = sync_each;
	if (delay)
		p->write_delay_ms = (unsigned)strtoul(delay, NULL, 10) % 10001;
	broker_pool_state_init(&p->st);
	snprintf(p->dir, sizeof(p->dir), "%s", state_dir);
	snprintf(p->path, sizeof(p->path), "%s/%s", state_dir, BROKER_POOL_STATE_FILE);
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&p->saved, NULL);
	p->started = pthread_create(&p->thread, NULL, pool_thread, p) == 0;
	if (!p->started) {
		broker_pool_free(p);
		return NULL;
	}
	return p;
}

void broker_pool_free(struct broker_pool *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->quit = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	while (p->conns) {
		struct pool_conn *c = p->conns;

		p->conns = c->next;
		pool_conn_close(c);
		free(c);
	}
	while (p->rts) {
		struct pool_rt *r = p->rts;

		p->rts = r->next;
		free(r->queue);
		free(r);
	}
	broker_pool_state_free(&p->st);
	pthread_cond_destroy(&p->cond);
	pthread_cond_destroy(&p->saved);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void pool_fill(struct broker_pool_desktop *d, const struct broker_pool_vm *vm)
{
	snprintf(d->vm, sizeof(d->vm), "%s", vm->name);
	d->protocol = vm->protocol;
	snprintf(d->host, sizeof(d->host), "%s", vm->host);
	d->port = vm->port;
	d->tls_port = vm->tls_port;
	snprintf(d->password, sizeof(d->password), "%s", vm->password);
}

/* Locked: the station's place in the pool's queue (1 = next), added at
 * the end when it is not in it; 0 when the queue is full. */
static unsigned pool_queue_place(struct pool_rt *r, const uint8_t mac[6], long long now)
{
	size_t i, o = 0;

	for (i = 0; i < r->n_queue; i++)
		if (now - r->queue[i].last_ms < BROKER_POOL_QUEUE_FORGET_MS)
			r->queue[o++] = r->queue[i];
	r->n_queue = o;
	for (i = 0; i < r->n_queue; i++) {
		if (memcmp(r->queue[i].mac, mac, 6) == 0) {
			r->queue[i].last_ms = now;
			return (unsigned)i + 1;
		}
	}
	if (r->n_queue == POOL_QUEUE_MAX)
		return 0;
	if (r->n_queue == r->cap_queue) {
		size_t cap = r->cap_queue ? r->cap_queue * 2 : 16;
		struct pool_waiter *q = realloc(r->queue, cap * sizeof(*q));

		if (!q)
			return 0;
		r->queue = q;
		r->cap_queue = cap;
	}
	memcpy(r->queue[r->n_queue].mac, mac, 6);
	r->queue[r->n_queue].last_ms = now;
	return (unsigned)++r->n_queue;
}

static void pool_queue_drop(struct pool_rt *r, unsigned place)
{
	memmove(&r->queue[place - 1], &r->queue[place], (r->n_queue - place) * sizeof(r->queue[0]));
	r->n_queue--;
}

enum broker_pool_result broker_pool_handout(struct broker_pool *p, const struct st_pool *pool,
					    const uint8_t station[6], struct broker_pool_desktop *d,
					    unsigned *queue_position, char *err, size_t errlen)
{
	enum broker_pool_result res = BROKER_POOL_QUEUED;
	struct broker_pool_vm *take = NULL;
	char name[BROKER_POOL_VM_NAME_MAX];
	struct pool_rt *r;
	size_t ready = 0, i;
	unsigned place;
	uint64_t gen;
	long k;

	memset(d, 0, sizeof(*d));
	*queue_position = 0;
	pthread_mutex_lock(&p->lock);
	/* Asking again (a lost answer, a network blip): the same VM. */
	for (i = 0; i < p->st.n; i++) {
		struct broker_pool_vm *vm = &p->st.v[i];

		if (vm->state == BROKER_POOL_ASSIGNED && strcmp(vm->pool, pool->name) == 0 &&
		    memcmp(vm->station, station, 6) == 0) {
			pool_fill(d, vm);
			res = BROKER_POOL_GOT;
			/* Its first hand-out may still be on its way to disk. */
			if (pool_sync(p, vm->gen) < 0) {
				memset(d, 0, sizeof(*d));
				snprintf(err, errlen, "the pool state cannot be saved");
				res = BROKER_POOL_FAILED;
			}
			goto out;
		}
	}
	r = pool_rt_get(p, pool->name, true);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		res = BROKER_POOL_FAILED;
		goto out;
	}
	for (i = 0; i < p->st.n; i++) {
		struct broker_pool_vm *vm = &p->st.v[i];

		if (vm->state == BROKER_POOL_READY && vm->verified &&
		    strcmp(vm->pool, pool->name) == 0) {
			ready++;
			if (!take || vm->created < take->created)
				take = vm;
		}
	}
	/* First come, first served: a station gets a VM when there are as
	 * many ready as stations queued before it, itself included. */
	place = pool_queue_place(r, station, broker_time_mono_ms());
	if (!take || place == 0 || place > ready) {
		*queue_position = place ? place : (unsigned)r->n_queue + 1;
		goto out;
	}
	pool_queue_drop(r, place);
	take->state = BROKER_POOL_ASSIGNED;
	memcpy(take->station, station, 6);
	take->assigned = broker_time_now();
	take->connected = false;
	take->gen = gen = ++p->gen;
	pool_fill(d, take);
	snprintf(name, sizeof(name), "%s", take->name);
	/* On disk before the station hears of it (see broker_pool.h): this
	 * waits, without the lock, for a write that holds the assignment,
	 * shared with the hand-outs that come meanwhile. */
	if (pool_sync(p, gen) < 0) {
		k = broker_pool_state_find(&p->st, name);
		if (k >= 0 && p->st.v[k].state == BROKER_POOL_ASSIGNED && p->st.v[k].gen == gen) {
			p->st.v[k].state = BROKER_POOL_READY;
			memset(p->st.v[k].station, 0, 6);
			p->st.v[k].gen = 0;
			pool_changed(p);
		}
		memset(d, 0, sizeof(*d));
		snprintf(err, errlen, "the pool state cannot be saved");
		res = BROKER_POOL_FAILED;
		goto out;
	}
	res = BROKER_POOL_GOT;
	p->handouts++;
	{
		char mac[MAC_STR_LEN];

		mac_format(station, mac);
		log_event(LOG_INFO, "pool_handout", "pool", pool->name, "vm", name, "mac", mac,
			  NULL);
	}
	pool_wake(p); /* refill */
out:
	pthread_mutex_unlock(&p->lock);
	return res;
}

void broker_pool_session(struct broker_pool *p, const uint8_t station[6], bool start)
{
	bool ended = false;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->st.n; i++) {
		struct broker_pool_vm *vm = &p->st.v[i];

		if (vm->state != BROKER_POOL_ASSIGNED || memcmp(vm->station, station, 6) != 0)
			continue;
		if (start) {
			vm->connected = true;
		} else {
			pool_end(p, vm, "session end");
			ended = true;
		}
	}
	/* The station is answered once the end is on disk, as before. */
	if (ended)
		pool_sync(p, p->gen);
	pthread_mutex_unlock(&p->lock);
}

char *broker_pool_admin_json(struct broker_pool *p, size_t *len)
{
	struct broker_json j;
	char mac[MAC_STR_LEN], when[BROKER_TIME_STR_LEN];

	pthread_mutex_lock(&p->lock);
	broker_json_init(&j, 256 + p->st.n * 256);
	broker_json_open(&j);
	broker_json_key(&j, "pools");
	broker_json_open_array(&j);
	for (struct pool_rt *r = p->rts; r; r = r->next) {
		size_t ready = 0;

		if (!r->present)
			continue;
		broker_json_open(&j);
		broker_json_kv_str(&j, "name", r->name);
		broker_json_kv_str(&j, "libvirt_uri", r->uri);
		broker_json_kv_uint(&j, "size", r->size);
		broker_json_kv_uint(&j, "max", r->max);
		broker_json_kv_bool(&j, "maintenance", r->maintenance);
		broker_json_kv_bool(&j, "reconciled", r->reconciled);
		for (size_t i = 0; i < p->st.n; i++)
			if (strcmp(p->st.v[i].pool, r->name) == 0 &&
			    p->st.v[i].state == BROKER_POOL_READY)
				ready++;
		broker_json_kv_uint(&j, "ready", ready);
		broker_json_kv_uint(&j, "queue", r->n_queue);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	/* How pools.json is written: writes (each one write, fsync, rename)
	 * against hand-outs shows how many hand-outs share an fsync. */
	broker_json_key(&j, "state_file");
	broker_json_open(&j);
	broker_json_kv_str(&j, "sync", p->sync_each ? "each" : "group");
	broker_json_kv_uint(&j, "writes", p->writes);
	broker_json_kv_uint(&j, "write_errors", p->write_errors);
	broker_json_kv_uint(&j, "handouts", p->handouts);
	broker_json_kv_bool(&j, "pending", p->durable_gen < p->gen);
	broker_json_close(&j);
	broker_json_key(&j, "vms");
	broker_json_open_array(&j);
	for (size_t i = 0; i < p->st.n; i++) {
		const struct broker_pool_vm *vm = &p->st.v[i];

		broker_json_open(&j);
		broker_json_kv_str(&j, "pool", vm->pool);
		broker_json_kv_str(&j, "name", vm->name);
		broker_json_kv_str(&j, "state", broker_pool_state_name(vm->state));
		broker_time_format(vm->created, when);
		broker_json_kv_str(&j, "created", when);
		if (vm->state == BROKER_POOL_ASSIGNED || vm->state == BROKER_POOL_ENDING) {
			mac_format(vm->station, mac);
			broker_json_kv_str(&j, "station", mac);
			broker_time_format(vm->assigned, when);
			broker_json_kv_str(&j, "assigned", when);
			broker_json_kv_bool(&j, "connected", vm->connected);
			broker_json_kv_bool(&j, "viewer_in", vm->viewer_in);
		}
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	pthread_mutex_unlock(&p->lock);
	return broker_json_take(&j, len);
}
