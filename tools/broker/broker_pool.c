/* The pool manager: see broker_pool.h. The public calls (start and stop,
 * hand-outs and their queue, session reports, the admin view) are here;
 * the state file is in broker_pool_store.c, the libvirt connections in
 * broker_pool_conn.c, the VMs' life cycle and the manager thread in
 * broker_pool_life.c. */
#include "broker_pool_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker_json.h"
#include "broker_time.h"
#include "log.h"

struct pool_rt *broker_pool_rt_get(struct broker_pool *p, const char *name, bool create)
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
	p->started = pthread_create(&p->thread, NULL, broker_pool_life_thread, p) == 0;
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
		broker_pool_conn_close(c);
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

/* Locked: whether vm, assigned, is the one to give back to this station
 * and user. A VM handed out after a login is its user's only (another
 * user at the same station gets another); its user gets it back at any
 * station while it is held after its viewer left. Without a login it is
 * the station's. */
static bool pool_is_theirs(const struct broker_pool_vm *vm, const uint8_t station[6],
			   const char *user)
{
	bool here = memcmp(vm->station, station, 6) == 0;

	if (!vm->user[0])
		return here;
	return user && strcmp(vm->user, user) == 0 && (here || vm->held_until);
}

enum broker_pool_result broker_pool_handout(struct broker_pool *p, const struct st_pool *pool,
					    const uint8_t station[6], const char *user,
					    struct broker_pool_desktop *d, unsigned *queue_position,
					    char *err, size_t errlen)
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
		    pool_is_theirs(vm, station, user)) {
			if (vm->held_until) {
				char mac[MAC_STR_LEN];

				/* Back from a lost viewer: this station's now,
				 * and on disk before it hears of it. */
				memcpy(vm->station, station, 6);
				vm->held_until = 0;
				vm->assigned = broker_time_now();
				vm->connected = vm->viewer_in = false;
				vm->gen = ++p->gen;
				mac_format(station, mac);
				log_event(LOG_INFO, "pool_vm_back", "pool", pool->name, "vm",
					  vm->name, "mac", mac, "user", vm->user, NULL);
			}
			pool_fill(d, vm);
			res = BROKER_POOL_GOT;
			/* Its first hand-out may still be on its way to disk. */
			if (broker_pool_store_sync(p, vm->gen) < 0) {
				memset(d, 0, sizeof(*d));
				snprintf(err, errlen, "the pool state cannot be saved");
				res = BROKER_POOL_FAILED;
			}
			goto out;
		}
	}
	r = broker_pool_rt_get(p, pool->name, true);
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
	snprintf(take->user, sizeof(take->user), "%s", user ? user : "");
	take->held_until = 0;
	take->assigned = broker_time_now();
	take->connected = false;
	take->gen = gen = ++p->gen;
	pool_fill(d, take);
	snprintf(name, sizeof(name), "%s", take->name);
	/* On disk before the station hears of it (see broker_pool.h): this
	 * waits, without the lock, for a write that holds the assignment,
	 * shared with the hand-outs that come meanwhile. */
	if (broker_pool_store_sync(p, gen) < 0) {
		k = broker_pool_state_find(&p->st, name);
		if (k >= 0 && p->st.v[k].state == BROKER_POOL_ASSIGNED && p->st.v[k].gen == gen) {
			p->st.v[k].state = BROKER_POOL_READY;
			memset(p->st.v[k].station, 0, 6);
			p->st.v[k].user[0] = '\0';
			p->st.v[k].gen = 0;
			broker_pool_store_changed(p);
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
	broker_pool_life_wake(p); /* refill */
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
			broker_pool_life_end(p, vm, "session end");
			ended = true;
		}
	}
	/* The station is answered once the end is on disk, as before. */
	if (ended)
		broker_pool_store_sync(p, p->gen);
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
			if (vm->user[0])
				broker_json_kv_str(&j, "user", vm->user);
			if (vm->held_until) {
				broker_time_format(vm->held_until, when);
				broker_json_kv_str(&j, "held_until", when);
			}
		}
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	pthread_mutex_unlock(&p->lock);
	return broker_json_take(&j, len);
}
