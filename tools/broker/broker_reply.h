/* Reply bodies for stations.
 *
 * A lookup is the hot path, so everything that depends only on the stations
 * file is written once, when a config is loaded: for every station section a
 * "head" (status, message, the section's name and match) and a "tail"
 * (policy and endpoints, or retry_after in maintenance). A reply is then
 * head + the station's identity + policy + tail, four memcpy calls. Every
 * piece is stored once however many sections share its text (a policy is
 * usually the same for a whole group or file), so 100,000 mappings cost
 * little memory. */
#ifndef BROKER_REPLY_H
#define BROKER_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "stations.h"

#define BROKER_RETRY_UNKNOWN	 30
#define BROKER_RETRY_MAINTENANCE 60
#define BROKER_RETRY_ERROR	 30
#define BROKER_RETRY_STARTING	 2
/* libvirt trouble is often a daemon restart: ask again soon. */
#define BROKER_RETRY_LIBVIRT 10

struct broker_frag {
	const char *head;
	size_t head_len;
	/* "},"policy":{...},"endpoints":[, shared by every section with the
	 * same policy; "" in maintenance. The tails follow it. */
	const char *policy;
	size_t policy_len;
	const char *tail; /* lookup: endpoints empty when the section wants a login */
	size_t tail_len;
	const char *tail_login; /* login: endpoints, and open for "user" */
	size_t tail_login_len;
	bool maintenance;
	bool login;
};

struct broker_frags;

/* One fragment per config entry (st_config_entry index); groups and pools
 * get none.
 * NULL on out of memory. */
struct broker_frags *broker_reply_frags_build(const struct st_config *cfg);
void broker_reply_frags_free(struct broker_frags *f);
/* NULL for a group, a pool or an index out of range. */
const struct broker_frag *broker_reply_frag(const struct broker_frags *f, size_t index);
/* Bytes held by the fragments (for the load log line). */
size_t broker_reply_frags_bytes(const struct broker_frags *f);

/* The identity echoed back in "station": host name "" is left out. */
struct broker_reply_ident {
	const char *mac;
	const char *ip;
	const char *hostname;
};

/* ready or maintenance for a matched station. user is set for a successful
 * login (and then the login tail, with endpoints, is used). */
char *broker_reply_station(const struct broker_frag *f, const struct broker_reply_ident *id,
			   const char *user, size_t *len);
/* The same with the answer's session token (broker_token.h, as hex) as
 * "session" when the answer hands out the desktop (ready, not a login form
 * without endpoints); session may be NULL. Every answer below that takes a
 * session does the same. */
char *broker_reply_station_session(const struct broker_frag *f, const struct broker_reply_ident *id,
				   const char *user, const char *session, size_t *len);
/* The same with "connection_file": vv (a virt-viewer connection file's
 * text, already validated) as the last member, for mappings with
 * connection_file or connection_url. */
char *broker_reply_station_vv(const struct broker_frag *f, const struct broker_reply_ident *id,
			      const char *user, const char *session, const char *vv, size_t *len);
/* ready for a desktop found at lookup time (a libvirt domain): first is
 * the primary endpoint, the mapping's fallbacks follow. Built per request.
 * user as for broker_reply_station. */
char *broker_reply_ready_with(const struct st_entry *e, const struct broker_reply_ident *id,
			      const char *user, const char *session,
			      const struct st_endpoint *first, size_t *len);
/* starting: the mapping's desktop is not accepting connections yet. Built per
 * request: it is only sent while a wait_ready desktop is down. */
char *broker_reply_starting(const struct st_entry *e, const struct broker_reply_ident *id,
			    size_t *len);
/* The same for a station waiting for a pool VM, with "queue_position"
 * (1: the next VM is its own) when queue_position is not 0. */
char *broker_reply_starting_queued(const struct st_entry *e, const struct broker_reply_ident *id,
				   unsigned queue_position, size_t *len);
char *broker_reply_unknown(const struct broker_reply_ident *id, size_t *len);
/* {"status":"error","message":...,"retry_after":N}: broker-side trouble. */
char *broker_reply_trouble(const char *message, unsigned retry_after, size_t *len);
/* {"status":"error","error":code,"message":...[,"retry_after":N]}: 4xx. */
char *broker_reply_client_error(const char *code, const char *message, unsigned retry_after,
				size_t *len);
char *broker_reply_ok(size_t *len);

/* The fragments of one entry made at request time (an entry with a user's
 * desktop in it, stations_user.h): broker_reply_frag(f, 0). NULL on out
 * of memory; free with broker_reply_frags_free. */
struct broker_frags *broker_reply_frags_one(const struct st_entry *e);

/* One desktop offered to a user who has several. */
struct broker_reply_choice {
	const char *id;	   /* the stations file's desktop name */
	const char *name;  /* its label; NULL: the id */
	const char *state; /* running, off, starting or unknown */
};

/* choose: a user with several desktops logged in without naming one. The
 * station shows the list, "last" preselected (NULL: left out), and logs in
 * again with "desktop". Built per request. */
char *broker_reply_choose(const struct st_entry *e, const struct broker_reply_ident *id,
			  const char *user, const struct broker_reply_choice *v, size_t n,
			  const char *last, size_t *len);

#endif
