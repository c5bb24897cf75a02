/* Pools of one-time desktops ([pool:NAME] in the stations file).
 *
 * A manager thread keeps, for every pool, `size` clean VMs running (at most
 * `max` in all, assigned ones included), makes new ones after each one is
 * destroyed, and backs off (1 s doubling to 60 s) while libvirt or qemu-img
 * fail. A lookup of a `pool = NAME` mapping takes one ready VM for the
 * station (or gives the one it already holds) without any libvirt call. A
 * VM ends, and is destroyed with its overlay, when its station reports the
 * session's end, when libvirt reports that its viewer disconnected, or when
 * no viewer connected within idle_timeout seconds of the hand-out; it is
 * never handed out again.
 *
 * State: STATE_DIR/pools.json (mode 0600: it holds the VMs' graphics
 * passwords), replaced atomically (write, fsync, rename) after changes.
 * Changes are made in memory under the pool lock; the file is written with
 * the lock dropped, one write at a time, each holding everything changed
 * so far (a group commit): whoever must wait for its change to be on disk
 * (a hand-out, a session end, the manager before it acts on a change)
 * waits without the lock, and hand-outs that arrive during one write share
 * the next. Nobody is told of a change before it is on disk. The order of
 * writes is what makes a SIGKILL at any moment harmless:
 *  - a VM's name and overlay path are written (state "creating") BEFORE the
 *    overlay or the domain exists, so whatever a crash leaves half-made is
 *    known by name and destroyed at the next start;
 *  - an assignment is written BEFORE the station is answered, so a station
 *    that got an answer always finds its VM assigned to it after a restart,
 *    and no VM can be answered to two stations;
 *  - "ending" is written BEFORE the domain is destroyed, so a VM whose
 *    session ended is never taken for a live one after a restart;
 *  - an entry is dropped only AFTER its domain and overlay are gone.
 * At start-up each pool is reconciled with what libvirt runs and what the
 * overlay folder holds (broker_pool_state_reconcile). */
#ifndef BROKER_POOL_H
#define BROKER_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker_config.h"
#include "broker_pool_state.h"

#define BROKER_POOL_STATE_FILE	   "pools.json"
#define BROKER_POOL_BACKOFF_MAX_MS 60000
/* A queued station that has not asked again for this long has given up. */
#define BROKER_POOL_QUEUE_FORGET_MS 20000

struct broker_pool;

/* Test hook: milliseconds every write of pools.json waits before it
 * starts, as on a slow disk (0..10000; tests/broker/test-pool-sync.sh). */
#define BROKER_POOL_WRITE_DELAY_ENV "VDI_BROKER_POOL_WRITE_DELAY_MS"

/* Starts the manager thread; pools come from the current snapshot of
 * config at every round. sync_each: every change written on its own, with
 * the lock held (the behaviour before group commits, for benchmarks).
 * NULL on out of memory. */
struct broker_pool *broker_pool_new(struct broker_config *config, const char *state_dir,
				    bool sync_each);
/* Stops the thread. VMs keep running: the next start adopts them. */
void broker_pool_free(struct broker_pool *p);

enum broker_pool_result {
	BROKER_POOL_FAILED = -1, /* the assignment could not be saved */
	BROKER_POOL_QUEUED = 0,	 /* no ready VM: wait, at *queue_position */
	BROKER_POOL_GOT = 1,
};

struct broker_pool_desktop {
	char vm[BROKER_POOL_VM_NAME_MAX];
	enum st_protocol protocol;
	char host[HOSTNAME_MAX + 1];
	unsigned port, tls_port;
	char password[BROKER_LIBVIRT_PASSWORD_MAX];
};

/* The station's VM of this pool: the one it holds, or a ready one assigned
 * to it now (on disk before this returns; BROKER_POOL_FAILED, the VM
 * still ready, when the write fails). Stations that find no ready VM
 * queue up, first come first served: queue_position 1 is next. user: who
 * logged in (NULL: nobody); a VM handed out after a login is that user's
 * only, and one held after its viewer left (reconnect_grace) goes back to
 * them at any station of the pool; without a login it is the station's. */
enum broker_pool_result broker_pool_handout(struct broker_pool *p, const struct st_pool *pool,
					    const uint8_t station[6], const char *user,
					    struct broker_pool_desktop *d, unsigned *queue_position,
					    char *err, size_t errlen);

/* The station reports a session start (its viewer connected) or end (its
 * VM, if it holds one, is destroyed). */
void broker_pool_session(struct broker_pool *p, const uint8_t station[6], bool start);

/* Personal desktops (a pool with personal = yes; broker_pool_personal.c):
 * the user's own domain, made at their first login (on disk before any
 * file or domain exists), started when they log in, shut down (ACPI, then
 * destroyed after BROKER_POOL_PERSONAL_STOP_ENV's bound, 60 s) after the
 * pool's idle_timeout with no viewer, and kept, overlay and definition,
 * until an admin removes it. BROKER_POOL_GOT with d filled when it runs;
 * BROKER_POOL_QUEUED (answer "starting") while it is made or starts;
 * BROKER_POOL_FAILED with err. */
enum broker_pool_result broker_pool_personal_handout(struct broker_pool *p,
						     const struct st_pool *pool, const char *user,
						     struct broker_pool_desktop *d, char *err,
						     size_t errlen);
/* Test hook: seconds a guest has to act on the ACPI shutdown (1..3600). */
#define BROKER_POOL_PERSONAL_STOP_ENV "VDI_BROKER_PERSONAL_STOP_SECS"
/* Reset (destroy, a new overlay from the base image; the definition
 * stays) or remove (destroy, undefine, delete the overlay) the user's
 * desktop of the pool; done by the manager right after, and finished by
 * the next start after a crash. 0, -1 when there is none (err), -2 when
 * the request could not be saved. */
int broker_pool_personal_request(struct broker_pool *p, const char *pool, const char *user,
				 bool remove, char *err, size_t errlen);
/* {"personal":[{pool,user,domain,overlay,state,viewer,created,last_used}]}
 * for GET /v1/admin/personal. Caller frees. */
char *broker_pool_personal_admin_json(struct broker_pool *p, size_t *len);

/* {"pools":[...],"state_file":{...},"vms":[...]} for GET
 * /v1/admin/pools; state_file counts the file's writes and the hand-outs
 * since start. Caller frees. */
char *broker_pool_admin_json(struct broker_pool *p, size_t *len);

#endif
