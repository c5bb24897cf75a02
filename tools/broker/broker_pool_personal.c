/* Personal desktops: pools with personal = yes (see broker_pool.h). Each
 * user who logs in at a station of such a pool gets a domain of their
 * own, named by broker_pool_user_name, on an overlay of the pool's base
 * image that is kept across sessions: a persistent (defined) domain,
 * unlike the pool's one-time transient VMs. The hand-out (any thread)
 * only reads and marks the table; the manager thread does every libvirt
 * call and file operation here, one step per desktop per round, with the
 * intent on disk before it acts, as for one-time VMs. */
#include "broker_pool_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "broker_json.h"
#include "broker_libvirt.h"
#include "broker_pool_vm.h"
#include "broker_time.h"
#include "fileio.h"
#include "log.h"

/* How long a guest has to act on the ACPI shutdown before it is
 * destroyed: a guest that ignores ACPI (or has no OS) must not keep its
 * memory forever. */
#define PERSONAL_STOP_BOUND_S 60

static unsigned personal_stop_bound(void)
{
	const char *s = getenv(BROKER_POOL_PERSONAL_STOP_ENV);
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v > 0 && v <= 3600 ? (unsigned)v : PERSONAL_STOP_BOUND_S;
}

/* What the manager needs of the pool, copied under the lock. */
struct personal_pool {
	bool present;
	char template_xml[BROKER_POOL_PATH_MAX];
	char base_image[BROKER_POOL_PATH_MAX];
	unsigned idle_timeout;
};

static void personal_fill(struct broker_pool_desktop *d, const struct broker_pool_personal *e)
{
	snprintf(d->vm, sizeof(d->vm), "%s", e->name);
	d->protocol = e->protocol;
	snprintf(d->host, sizeof(d->host), "%s", e->host);
	d->port = e->port;
	d->tls_port = e->tls_port;
	snprintf(d->password, sizeof(d->password), "%s", e->password);
}

enum broker_pool_result broker_pool_personal_handout(struct broker_pool *p,
						     const struct st_pool *pool, const char *user,
						     struct broker_pool_desktop *d, char *err,
						     size_t errlen)
{
	enum broker_pool_result res = BROKER_POOL_QUEUED;
	char name[BROKER_POOL_VM_NAME_MAX];
	struct broker_pool_personal *e;
	time_t now = broker_time_now();
	long k;

	memset(d, 0, sizeof(*d));
	if (broker_pool_user_name(pool->name, user, name, sizeof(name)) < 0) {
		snprintf(err, errlen, "the user name cannot name a desktop");
		return BROKER_POOL_FAILED;
	}
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_personal_find(&p->st, pool->name, user);
	if (k < 0) {
		char overlay[BROKER_POOL_PATH_MAX];

		if (snprintf(overlay, sizeof(overlay), "%s/%s.qcow2", pool->overlay_dir, name) >=
			(int)sizeof(overlay) ||
		    !(e = broker_pool_state_personal_add(&p->st))) {
			snprintf(err, errlen, "overlay path too long, or out of memory");
			res = BROKER_POOL_FAILED;
			goto out;
		}
		snprintf(e->pool, sizeof(e->pool), "%s", pool->name);
		snprintf(e->user, sizeof(e->user), "%s", user);
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->uri, sizeof(e->uri), "%s", pool->libvirt_uri);
		snprintf(e->overlay, sizeof(e->overlay), "%s", overlay);
		e->state = BROKER_PERSONAL_NEW;
		e->protocol = pool->protocol;
		e->created = e->last_used = e->idle_since = now;
		e->checked = e->want_start = true;
		if (broker_libvirt_xml_password_new(pool->protocol, e->password, err, errlen) < 0 ||
		    broker_pool_store_save(p) < 0) {
			/* Only the manager removes entries, and it waits for
			 * the lock: the new one is still the last. */
			broker_pool_state_personal_remove(&p->st, p->st.pn - 1);
			broker_pool_store_changed(p);
			snprintf(err, errlen, "the pool state cannot be saved");
			res = BROKER_POOL_FAILED;
			goto out;
		}
		log_event(LOG_INFO, "personal_new", "pool", pool->name, "user", user, "vm", name,
			  NULL);
		broker_pool_life_wake(p);
		goto out;
	}
	e = &p->st.pv[k];
	if (e->state == BROKER_PERSONAL_RUNNING && e->checked) {
		personal_fill(d, e);
		e->last_used = now;
		/* The idle time starts again: the station connects next. */
		if (!e->viewer)
			e->idle_since = now;
		broker_pool_store_changed(p);
		res = BROKER_POOL_GOT;
		goto out;
	}
	if (e->state != BROKER_PERSONAL_REMOVING && e->state != BROKER_PERSONAL_RESETTING &&
	    !e->want_start) {
		e->want_start = true;
		broker_pool_life_wake(p);
	}
out:
	pthread_mutex_unlock(&p->lock);
	return res;
}

bool broker_pool_personal_event(struct broker_pool *p, const char *name, bool connected)
{
	long k = broker_pool_state_personal_find_name(&p->st, name);
	struct broker_pool_personal *e;

	if (k < 0)
		return false;
	e = &p->st.pv[k];
	/* A knock without the password is no viewer leaving. */
	if (!connected && !e->viewer)
		return true;
	e->viewer = connected;
	e->last_used = broker_time_now();
	if (!connected)
		e->idle_since = e->last_used;
	broker_pool_store_changed(p);
	return true;
}

int broker_pool_personal_request(struct broker_pool *p, const char *pool, const char *user,
				 bool remove, char *err, size_t errlen)
{
	struct broker_pool_personal *e;
	int ret = -1;
	long k;

	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_personal_find(&p->st, pool, user);
	if (k < 0) {
		snprintf(err, errlen, "no personal desktop of that user in that pool");
		goto out;
	}
	e = &p->st.pv[k];
	if (e->state == BROKER_PERSONAL_REMOVING) {
		ret = 0;
		goto out;
	}
	e->state = remove ? BROKER_PERSONAL_REMOVING : BROKER_PERSONAL_RESETTING;
	e->want_start = false;
	log_event(LOG_INFO, remove ? "personal_remove" : "personal_reset", "pool", pool, "user",
		  user, "vm", e->name, NULL);
	/* Written before anything is done: a restart finishes it. */
	if (broker_pool_store_save(p) < 0) {
		ret = -2;
		snprintf(err, errlen, "the pool state cannot be saved");
		goto out;
	}
	broker_pool_life_wake(p);
	ret = 0;
out:
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* 1 running, 0 defined but off, -1 not defined. */
static int personal_active(virConnectPtr conn, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);
	int r;

	if (!dom)
		return -1;
	r = virDomainIsActive(dom) == 1 ? 1 : 0;
	virDomainFree(dom);
	return r;
}

/* Locked: the entry's new state, saved with the next write. */
static void personal_set(struct broker_pool *p, const char *name,
			 enum broker_pool_personal_state st)
{
	long k = broker_pool_state_personal_find_name(&p->st, name);

	if (k < 0 || p->st.pv[k].state == st)
		return;
	p->st.pv[k].state = st;
	if (st == BROKER_PERSONAL_OFF || st == BROKER_PERSONAL_NEW)
		p->st.pv[k].viewer = false;
	broker_pool_store_changed(p);
	log_event(LOG_INFO, "personal_state", "vm", name, "state",
		  broker_pool_state_personal_name(st), NULL);
}

static void personal_failed(const char *name, const char *step, const char *err)
{
	log_event(LOG_WARN, "personal", "vm", name, "step", step, "error", err, NULL);
}

/* new: the overlay (unless it is there: it is the user's disk) and the
 * definition (unless libvirt has it), then off. */
static void personal_define(struct broker_pool *p, const struct broker_pool_personal *e,
			    const struct personal_pool *pp, virConnectPtr conn)
{
	char err[400], tmp[BROKER_POOL_PATH_MAX + 8], *tmpl = NULL, *xml = NULL;
	size_t tlen = 0;
	virDomainPtr dom;

	if (!pp->present)
		return;
	/* An overlay that is there is the user's disk and is kept. A new one
	 * is made under another name and renamed into place, so that a crash
	 * during qemu-img leaves no half-made file to be taken for it. */
	if (access(e->overlay, F_OK) != 0) {
		snprintf(tmp, sizeof(tmp), "%s.new", e->overlay);
		unlink(tmp);
		int rc = broker_pool_vm_overlay(pp->base_image, tmp, err, sizeof(err));

		if (rc == 0 && rename(tmp, e->overlay) < 0) {
			snprintf(err, sizeof(err), "rename: %s", strerror(errno));
			rc = -1;
		}
		if (rc < 0) {
			unlink(tmp);
			personal_failed(e->name, "overlay", err);
			return;
		}
	}
	if (personal_active(conn, e->name) < 0) {
		if (file_read_capped(pp->template_xml, BROKER_POOL_TEMPLATE_MAX, &tmpl, &tlen) <
		    0) {
			snprintf(err, sizeof(err), "template %.200s: %s", pp->template_xml,
				 file_strerror(errno));
			personal_failed(e->name, "define", err);
			goto cleanup;
		}
		xml = broker_pool_vm_xml(tmpl, tlen, e->name, e->overlay, e->protocol, e->password,
					 err, sizeof(err));
		if (!xml) {
			personal_failed(e->name, "define", err);
			goto cleanup;
		}
		dom = virDomainDefineXML(conn, xml);
		if (!dom) {
			personal_failed(e->name, "define", broker_libvirt_last_error());
			goto cleanup;
		}
		virDomainFree(dom);
		log_event(LOG_INFO, "personal_defined", "pool", e->pool, "user", e->user, "vm",
			  e->name, NULL);
	}
	pthread_mutex_lock(&p->lock);
	personal_set(p, e->name, BROKER_PERSONAL_OFF);
	broker_pool_store_flush_locked(p);
	broker_pool_life_wake(p);
	pthread_mutex_unlock(&p->lock);
cleanup:
	if (xml) {
		explicit_bzero(xml, strlen(xml));
		free(xml);
	}
	free(tmpl);
}

static void personal_start(struct broker_pool *p, const struct broker_pool_personal *e,
			   virConnectPtr conn)
{
	virDomainPtr dom = virDomainLookupByName(conn, e->name);
	int r = dom ? virDomainIsActive(dom) : -1;

	if (r == 0 && virDomainCreate(dom) < 0)
		r = -1;
	else if (r == 0)
		r = 1;
	if (r < 0)
		personal_failed(e->name, "start", broker_libvirt_last_error());
	if (dom)
		virDomainFree(dom);
	pthread_mutex_lock(&p->lock);
	if (!dom) {
		/* Undefined behind the broker's back: defined again. */
		personal_set(p, e->name, BROKER_PERSONAL_NEW);
	} else if (r == 1) {
		long k = broker_pool_state_personal_find_name(&p->st, e->name);

		if (k >= 0) {
			p->st.pv[k].want_start = false;
			p->st.pv[k].idle_since = broker_time_now();
		}
		personal_set(p, e->name, BROKER_PERSONAL_STARTING);
		broker_pool_life_wake(p);
	}
	pthread_mutex_unlock(&p->lock);
}

static void personal_address(struct broker_pool *p, const struct broker_pool_personal *e,
			     virConnectPtr conn)
{
	char host[HOSTNAME_MAX + 1], err[400];
	unsigned port = 0, tls_port = 0;
	int r = broker_pool_vm_address(conn, e->uri, e->name, e->protocol, host, sizeof(host),
				       &port, &tls_port, err, sizeof(err));
	long k;

	if (r < 0 && personal_active(conn, e->name) != 1) {
		pthread_mutex_lock(&p->lock);
		personal_set(p, e->name, BROKER_PERSONAL_OFF);
		pthread_mutex_unlock(&p->lock);
		return;
	}
	if (r <= 0)
		return;
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_personal_find_name(&p->st, e->name);
	if (k >= 0 && p->st.pv[k].state == BROKER_PERSONAL_STARTING) {
		snprintf(p->st.pv[k].host, sizeof(p->st.pv[k].host), "%s", host);
		p->st.pv[k].port = port;
		p->st.pv[k].tls_port = tls_port;
		personal_set(p, e->name, BROKER_PERSONAL_RUNNING);
		/* The login waiting for it is answered from the file's view. */
		broker_pool_store_flush_locked(p);
	}
	pthread_mutex_unlock(&p->lock);
}

/* running: off when the guest stopped; an ACPI shutdown after
 * idle_timeout seconds with no viewer. stopping: destroyed after the
 * bound. */
static void personal_idle(struct broker_pool *p, const struct broker_pool_personal *e,
			  const struct personal_pool *pp, virConnectPtr conn)
{
	time_t now = broker_time_now();
	int active = personal_active(conn, e->name);
	char err[400];

	if (active != 1) {
		pthread_mutex_lock(&p->lock);
		personal_set(p, e->name, active < 0 ? BROKER_PERSONAL_NEW : BROKER_PERSONAL_OFF);
		pthread_mutex_unlock(&p->lock);
		return;
	}
	if (e->state == BROKER_PERSONAL_RUNNING) {
		unsigned idle = pp->present ? pp->idle_timeout : ST_POOL_IDLE_DEFAULT;
		virDomainPtr dom;

		if (e->viewer || now - e->idle_since < (time_t)idle)
			return;
		dom = virDomainLookupByName(conn, e->name);
		if (dom && virDomainShutdown(dom) < 0)
			personal_failed(e->name, "shutdown", broker_libvirt_last_error());
		if (dom)
			virDomainFree(dom);
		pthread_mutex_lock(&p->lock);
		long k = broker_pool_state_personal_find_name(&p->st, e->name);
		if (k >= 0)
			p->st.pv[k].stop_sent = now;
		personal_set(p, e->name, BROKER_PERSONAL_STOPPING);
		pthread_mutex_unlock(&p->lock);
		log_event(LOG_INFO, "personal_idle", "vm", e->name, NULL);
		return;
	}
	if (now - e->stop_sent < (time_t)personal_stop_bound())
		return;
	if (broker_pool_vm_destroy(conn, e->name, err, sizeof(err)) < 0) {
		personal_failed(e->name, "destroy", err);
		return;
	}
	pthread_mutex_lock(&p->lock);
	personal_set(p, e->name, BROKER_PERSONAL_OFF);
	pthread_mutex_unlock(&p->lock);
}

/* resetting: stopped and its overlay deleted, then new (a fresh overlay
 * from the base image). removing: stopped, undefined, overlay deleted,
 * then the entry dropped. Returns true when the entry is gone. */
static bool personal_discard(struct broker_pool *p, const struct broker_pool_personal *e,
			     virConnectPtr conn)
{
	bool remove = e->state == BROKER_PERSONAL_REMOVING;
	char err[400];
	long k;

	if (broker_pool_vm_destroy(conn, e->name, err, sizeof(err)) < 0) {
		personal_failed(e->name, "destroy", err);
		return false;
	}
	if (remove) {
		virDomainPtr dom = virDomainLookupByName(conn, e->name);

		if (dom && virDomainUndefine(dom) < 0) {
			personal_failed(e->name, "undefine", broker_libvirt_last_error());
			virDomainFree(dom);
			return false;
		}
		if (dom)
			virDomainFree(dom);
	}
	if (unlink(e->overlay) < 0 && errno != ENOENT) {
		personal_failed(e->name, "overlay", strerror(errno));
		return false;
	}
	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_personal_find_name(&p->st, e->name);
	if (k >= 0 && remove) {
		broker_pool_state_personal_remove(&p->st, (size_t)k);
		broker_pool_store_changed(p);
	} else if (k >= 0) {
		personal_set(p, e->name, BROKER_PERSONAL_NEW);
	}
	broker_pool_store_flush_locked(p);
	broker_pool_life_wake(p);
	pthread_mutex_unlock(&p->lock);
	log_event(LOG_INFO, remove ? "personal_removed" : "personal_reset_done", "vm", e->name,
		  NULL);
	return remove && k >= 0;
}

/* Start-up: what libvirt has for a desktop read from the file. */
static void personal_check(struct broker_pool *p, const struct broker_pool_personal *e,
			   virConnectPtr conn)
{
	int active = personal_active(conn, e->name);
	long k;

	pthread_mutex_lock(&p->lock);
	k = broker_pool_state_personal_find_name(&p->st, e->name);
	if (k >= 0) {
		struct broker_pool_personal *x = &p->st.pv[k];

		x->checked = true;
		x->idle_since = broker_time_now();
		/* A viewer the file says is in stays in until libvirt says it
		 * left: better a desktop left running than one shut down
		 * under its user. One that is not running has none. */
		if (active != 1)
			x->viewer = false;
		if (x->state != BROKER_PERSONAL_REMOVING && x->state != BROKER_PERSONAL_RESETTING)
			/* A running one is read again for its address: the
			 * port may have changed while the broker was away. */
			personal_set(p, x->name,
				     active < 0	   ? BROKER_PERSONAL_NEW
				     : active == 1 ? BROKER_PERSONAL_STARTING
						   : BROKER_PERSONAL_OFF);
		broker_pool_life_wake(p);
	}
	pthread_mutex_unlock(&p->lock);
}

void broker_pool_personal_round(struct broker_pool *p)
{
	for (size_t i = 0;; i++) {
		struct broker_pool_personal e;
		struct personal_pool pp = {0};
		struct pool_rt *r;
		virConnectPtr conn;

		pthread_mutex_lock(&p->lock);
		if (i >= p->st.pn || p->quit) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		e = p->st.pv[i];
		r = broker_pool_rt_get(p, e.pool, false);
		if (r && r->present && r->personal) {
			pp.present = true;
			snprintf(pp.template_xml, sizeof(pp.template_xml), "%s", r->template_xml);
			snprintf(pp.base_image, sizeof(pp.base_image), "%s", r->base_image);
			pp.idle_timeout = r->idle_timeout;
		}
		pthread_mutex_unlock(&p->lock);
		conn = broker_pool_conn_get(p, e.uri);
		if (conn) {
			if (!e.checked)
				personal_check(p, &e, conn);
			else if (e.state == BROKER_PERSONAL_NEW)
				personal_define(p, &e, &pp, conn);
			else if (e.state == BROKER_PERSONAL_OFF && e.want_start && pp.present)
				personal_start(p, &e, conn);
			else if (e.state == BROKER_PERSONAL_STARTING)
				personal_address(p, &e, conn);
			else if (e.state == BROKER_PERSONAL_RUNNING ||
				 e.state == BROKER_PERSONAL_STOPPING)
				personal_idle(p, &e, &pp, conn);
			else if ((e.state == BROKER_PERSONAL_RESETTING ||
				  e.state == BROKER_PERSONAL_REMOVING) &&
				 personal_discard(p, &e, conn))
				i--; /* the next one moved to i */
		}
		explicit_bzero(e.password, sizeof(e.password));
	}
}

char *broker_pool_personal_admin_json(struct broker_pool *p, size_t *len)
{
	struct broker_json j;
	char when[BROKER_TIME_STR_LEN];

	pthread_mutex_lock(&p->lock);
	broker_json_init(&j, 256 + p->st.pn * 256);
	broker_json_open(&j);
	broker_json_key(&j, "personal");
	broker_json_open_array(&j);
	for (size_t i = 0; i < p->st.pn; i++) {
		const struct broker_pool_personal *e = &p->st.pv[i];

		broker_json_open(&j);
		broker_json_kv_str(&j, "pool", e->pool);
		broker_json_kv_str(&j, "user", e->user);
		broker_json_kv_str(&j, "domain", e->name);
		broker_json_kv_str(&j, "overlay", e->overlay);
		broker_json_kv_str(&j, "state", broker_pool_state_personal_name(e->state));
		broker_json_kv_bool(&j, "viewer", e->viewer);
		broker_time_format(e->created, when);
		broker_json_kv_str(&j, "created", when);
		broker_time_format(e->last_used, when);
		broker_json_kv_str(&j, "last_used", when);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	pthread_mutex_unlock(&p->lock);
	return broker_json_take(&j, len);
}
