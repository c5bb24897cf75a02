/* What the broker knows about the VMs of its pools (see broker_pool.h), as
 * data: the table, its JSON file, and the decisions of start-up
 * reconciliation. Pure: no threads, no libvirt, no files; the unit tests
 * drive it with tables of states and libvirt listings.
 *
 * A VM's life: creating (its name is written down before anything exists)
 * → ready (running, address and port known) → assigned (handed to one
 * station) → ending (the session is over; destroyed next) → gone. Nothing
 * ever goes back: a VM is never handed out twice. */
#ifndef BROKER_POOL_STATE_H
#define BROKER_POOL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "broker_libvirt_xml.h"
#include "broker_pool_user.h"
#include "netaddr.h"
#include "stations.h"

#define BROKER_POOL_STATE_VERSION 1
#define BROKER_POOL_FILE_MAX	  (16u * 1024 * 1024)
#define BROKER_POOL_NAME_MAX	  64   /* a pool's name, NUL included */
#define BROKER_POOL_VM_NAME_MAX	  192  /* "<pool>-<id>", "<pool>+<user>" */
#define BROKER_POOL_PATH_MAX	  1200 /* an overlay's path */

enum broker_pool_vm_state {
	BROKER_POOL_CREATING,
	BROKER_POOL_READY,
	BROKER_POOL_ASSIGNED,
	BROKER_POOL_ENDING,
};

struct broker_pool_vm {
	char pool[BROKER_POOL_NAME_MAX];
	char name[BROKER_POOL_VM_NAME_MAX];
	char uri[ST_LIBVIRT_URI_MAX + 1];
	char overlay[BROKER_POOL_PATH_MAX];
	enum broker_pool_vm_state state;
	/* ready and later: where the station connects, and the VM's own
	 * graphics password (set when it was made; see broker_pool_vm.h) */
	enum st_protocol protocol;
	char host[HOSTNAME_MAX + 1];
	unsigned port, tls_port;
	char password[BROKER_LIBVIRT_PASSWORD_MAX];
	/* assigned and later */
	uint8_t station[6];
	/* Who logged in at the station ("" without a login): with
	 * reconnect_grace, a VM whose viewer left is held for them, at any
	 * station, until held_until (0: not held). */
	char user[BROKER_POOL_USER_MAX + 1];
	time_t held_until;
	time_t created, assigned; /* wall clock, seconds */
	bool connected;		  /* a viewer has been connected since hand-out */
	/* A viewer got past the display's password (libvirt's graphics
	 * "initialize"): only then does a disconnect end the session, so
	 * that someone knocking at the port without the password cannot end
	 * another station's VM. */
	bool viewer_in;
	/* Not saved: a ready VM read from the file is handed out only once
	 * start-up reconciliation has seen it running in libvirt. */
	bool verified;
	bool started; /* not saved: creating, and its domain runs already */
	/* Not saved: the change (broker_pool.c's generation) that assigned
	 * it; its station is answered once that change is on disk. */
	uint64_t gen;
};

/* A personal desktop (a pool with personal = yes): one user's persistent
 * domain on an overlay of its own, kept across sessions. Its life: new
 * (written down before its overlay or domain exists) -> off (defined) <->
 * starting -> running -> stopping (ACPI shutdown sent) -> off; resetting
 * (its overlay made anew) and removing (undefined, overlay deleted, then
 * the entry dropped) are written before they are done, so a restart
 * finishes them. */
enum broker_pool_personal_state {
	BROKER_PERSONAL_NEW,
	BROKER_PERSONAL_OFF,
	BROKER_PERSONAL_STARTING,
	BROKER_PERSONAL_RUNNING,
	BROKER_PERSONAL_STOPPING,
	BROKER_PERSONAL_RESETTING,
	BROKER_PERSONAL_REMOVING,
};

struct broker_pool_personal {
	char pool[BROKER_POOL_NAME_MAX];
	char user[BROKER_POOL_USER_MAX + 1];
	char name[BROKER_POOL_VM_NAME_MAX]; /* broker_pool_user_name */
	char uri[ST_LIBVIRT_URI_MAX + 1];
	char overlay[BROKER_POOL_PATH_MAX];
	enum broker_pool_personal_state state;
	enum st_protocol protocol;
	char host[HOSTNAME_MAX + 1]; /* running: where the station connects */
	unsigned port, tls_port;
	char password[BROKER_LIBVIRT_PASSWORD_MAX]; /* in its definition */
	time_t created, last_used;		    /* wall clock, seconds */
	/* A viewer got past the password and has not left. Saved: a
	 * restart must not take a desktop in use for an idle one (the
	 * viewer that is still connected sends no new event). */
	bool viewer;
	/* Not saved. checked: start-up has compared it with libvirt (until
	 * then it is not handed out); want_start: a login waits for it;
	 * idle_since: no viewer since then; stop_sent: the ACPI shutdown. */
	bool checked, want_start;
	time_t idle_since, stop_sent;
};

struct broker_pool_state {
	struct broker_pool_vm *v;
	size_t n, cap;
	unsigned long next_id; /* VM names are never reused */
	struct broker_pool_personal *pv;
	size_t pn, pcap;
};

void broker_pool_state_init(struct broker_pool_state *s);
void broker_pool_state_free(struct broker_pool_state *s);
/* A new entry (zeroed, to fill in) or NULL on out of memory. Pointers into
 * the table are valid until the next add or remove. */
struct broker_pool_vm *broker_pool_state_add(struct broker_pool_state *s);
void broker_pool_state_remove(struct broker_pool_state *s, size_t i);
/* Index of the VM with this name, or -1. */
long broker_pool_state_find(const struct broker_pool_state *s, const char *name);

const char *broker_pool_state_name(enum broker_pool_vm_state st);

/* The personal desktops: as for VMs. Pointers valid until the next add or
 * remove. find: by pool and user; index or -1. find_name: by domain. */
struct broker_pool_personal *broker_pool_state_personal_add(struct broker_pool_state *s);
void broker_pool_state_personal_remove(struct broker_pool_state *s, size_t i);
long broker_pool_state_personal_find(const struct broker_pool_state *s, const char *pool,
				     const char *user);
long broker_pool_state_personal_find_name(const struct broker_pool_state *s, const char *name);
const char *broker_pool_state_personal_name(enum broker_pool_personal_state st);

/* The file: {"version":1,"next_id":N,"vms":[...],"personal":[...]}
 * ("personal" may be absent: files of brokers before it). serialize: NUL-terminated
 * text (caller frees; it holds passwords) or NULL on out of memory. parse:
 * 0, or -1 with err for anything malformed (s is then empty). */
char *broker_pool_state_serialize(const struct broker_pool_state *s, size_t *len);
int broker_pool_state_parse(const char *text, size_t len, struct broker_pool_state *s, char *err,
			    size_t errlen);

/* "<pool>-<id>" for VM id. 0, or -1 when it does not fit. */
int broker_pool_state_vm_name(const char *pool, unsigned long id, char *out, size_t outlen);
/* Whether name is "<pool>-<digits>" for exactly this pool ("lab-2-5"
 * belongs to pool "lab-2", not to "lab"). */
bool broker_pool_state_is_ours(const char *pool, const char *name);

/* Start-up reconciliation of one pool: what to do, given the table and
 * what exists (domains: names of the running transient domains of the
 * pool's URI; overlays: file names in its overlay folder). */
enum broker_pool_action_kind {
	BROKER_POOL_ADOPT,	    /* ready VM seen running: may be handed out */
	BROKER_POOL_KEEP,	    /* assigned VM seen running: its station keeps it */
	BROKER_POOL_DESTROY_DOMAIN, /* stop a domain that is not (or no longer) ours to keep */
	BROKER_POOL_REMOVE_OVERLAY, /* delete an overlay file (a full path) */
	BROKER_POOL_FORGET,	    /* drop the table entry */
};

struct broker_pool_action {
	enum broker_pool_action_kind kind;
	char arg[BROKER_POOL_PATH_MAX]; /* VM name, or the overlay's path */
};

/* Fills *out (caller frees) with the actions, in the order to run them:
 * every domain is destroyed before its overlay is deleted, and entries are
 * forgotten last. 0 or -1 (out of memory). */
int broker_pool_state_reconcile(const struct broker_pool_state *s, const char *pool,
				const char *overlay_dir, const char *const *domains,
				size_t n_domains, const char *const *overlays, size_t n_overlays,
				struct broker_pool_action **out, size_t *n_out);

#endif
