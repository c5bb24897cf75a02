/* Shared between the broker_pool*.c files only: the pool manager's
 * runtime table (struct broker_pool) and the functions one file offers the
 * others. See broker_pool.h for what the pools do. */
#ifndef BROKER_POOL_INTERNAL_H
#define BROKER_POOL_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "broker_pool.h"

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
	unsigned size, max, idle_timeout, reconnect_grace;
	enum st_protocol protocol;
	bool maintenance;
	bool personal; /* no one-time VMs: each user's own (broker_pool_personal.c) */
	long long next_try_ms;
	unsigned fails;
	struct pool_waiter *queue;
	size_t n_queue, cap_queue;
	struct pool_rt *next;
};

struct broker_pool {
	pthread_mutex_t lock; /* everything below but conns */
	pthread_cond_t cond;
	/* Group commit of pools.json (broker_pool_store_sync): every change to st takes
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

/* broker_pool.c */
struct pool_rt *broker_pool_rt_get(struct broker_pool *p, const char *name, bool create);

/* broker_pool_store.c: pools.json, written as group commits */
int broker_pool_store_sync(struct broker_pool *p, uint64_t gen);
uint64_t broker_pool_store_changed(struct broker_pool *p);
int broker_pool_store_save(struct broker_pool *p);
void broker_pool_store_load(struct broker_pool *p);
int broker_pool_store_flush_locked(struct broker_pool *p);
void broker_pool_store_flush(struct broker_pool *p);

/* broker_pool_conn.c: libvirt connections (manager thread only) */
virConnectPtr broker_pool_conn_get(struct broker_pool *p, const char *uri);
void broker_pool_conn_close(struct pool_conn *c);
void broker_pool_conn_failed(struct pool_conn *c);
struct pool_conn *broker_pool_conn_find(struct broker_pool *p, const char *uri);

/* broker_pool_life.c: VM life cycle and the manager thread */
void broker_pool_life_wake(struct broker_pool *p);
void broker_pool_life_end(struct broker_pool *p, struct broker_pool_vm *vm, const char *why);
void *broker_pool_life_thread(void *arg);

/* broker_pool_personal.c: personal desktops. round: the manager's step
 * for each (manager thread, not locked). event: locked; a viewer of the
 * domain got in (connected) or left; false when it is no personal one. */
void broker_pool_personal_round(struct broker_pool *p);
bool broker_pool_personal_event(struct broker_pool *p, const char *name, bool connected);

#endif
