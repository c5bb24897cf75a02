/* Directory connections kept for the next login, as nslcd and sssd keep
 * theirs: a connection costs a TCP connect, a TLS handshake with a new TLS
 * context (the CA file read again) and the service account's bind, which
 * is most of a login's directory work.
 *
 * A pool holds idle connections of one kind only (broker_directory.c keeps
 * one pool bound as the service account for searches, one for users'
 * binds, so that a search never runs with a user's identity). It belongs
 * to one load of the settings: a reload makes a new pool, and the old one
 * is closed with the settings it was made with. A connection idle longer
 * than BROKER_DIRECTORY_POOL_IDLE seconds is closed instead of reused (a
 * directory or a firewall may have dropped it meanwhile). A connection
 * goes back only after steps that all succeeded; anything unexpected
 * closes it. tools/bench/directory.sh measures what this saves. */
#ifndef BROKER_DIRECTORY_POOL_H
#define BROKER_DIRECTORY_POOL_H

#include <ldap.h>
#include <stdbool.h>
#include <time.h>

#include "broker_directory_watch.h"

#define BROKER_DIRECTORY_POOL_IDLE 60

struct broker_directory_conn {
	LDAP *ld; /* NULL until the caller opens it */
	struct broker_directory_watch *w;
	bool reused;	   /* taken from a pool: it may have died while idle */
	time_t idle_since; /* monotonic seconds */
	struct broker_directory_conn *next;
};

struct broker_directory_pool;

/* A pool of at most max idle connections; NULL when out of memory. */
struct broker_directory_pool *broker_directory_pool_new(unsigned max);
/* Closes every idle connection. No connection may be out. */
void broker_directory_pool_free(struct broker_directory_pool *p);
/* The most recently used idle connection (reused set), or NULL: then the
 * caller makes a new one with broker_directory_conn_new. */
struct broker_directory_conn *broker_directory_pool_take(struct broker_directory_pool *p);
/* Gives c back for reuse, or closes it when the pool is full. */
void broker_directory_pool_put(struct broker_directory_pool *p, struct broker_directory_conn *c);
/* A new connection's state with its watchdog (timeout seconds), without
 * ld; NULL on error. */
struct broker_directory_conn *broker_directory_conn_new(unsigned timeout);
/* Unbinds (closes) c's connection and frees c; NULL is fine. */
void broker_directory_conn_close(struct broker_directory_conn *c);

#endif
