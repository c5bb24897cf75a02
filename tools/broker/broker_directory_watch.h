/* A directory login's watchdog. libldap bounds the TCP connect
 * (LDAP_OPT_NETWORK_TIMEOUT) and waiting for results (ldap_result's
 * time-out), but not a TLS handshake that the server never answers (an
 * ldaps:// port that accepts and stays silent): that blocks in the call
 * that opens the connection. The watchdog shuts the connection's socket
 * down when a step has run for the time-out, which makes the blocked call
 * fail at once. It learns the socket from libldap's connect callback and
 * forgets it before libldap closes it, so that it never touches a
 * descriptor number that has been reused. */
#ifndef BROKER_DIRECTORY_WATCH_H
#define BROKER_DIRECTORY_WATCH_H

#include <ldap.h>
#include <pthread.h>
#include <stdbool.h>

struct broker_directory_watch;

/* A watchdog for one connection (its own thread); NULL on error. */
struct broker_directory_watch *broker_directory_watch_new(unsigned timeout);
void broker_directory_watch_free(struct broker_directory_watch *w);
/* The connect callbacks to hand libldap (LDAP_OPT_CONNECT_CB): how the
 * watchdog learns and forgets the socket. */
ldap_conncb *broker_directory_watch_cb(struct broker_directory_watch *w);
/* A step that may block starts: it has the time-out from now. */
void broker_directory_watch_arm(struct broker_directory_watch *w);
/* The step is over; true when the watchdog cut it short. */
bool broker_directory_watch_disarm(struct broker_directory_watch *w);

#endif
