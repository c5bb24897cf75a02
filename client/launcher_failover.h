/* The endpoints of one desktop, tried in the broker's order (primary
 * first, then the fallbacks), and what went wrong with each: the list the
 * "Your desktop cannot be reached" screen shows. The endpoints are moved
 * out of the broker's reply, so their passwords exist once, and are wiped
 * when cleared. */
#ifndef LAUNCHER_FAILOVER_H
#define LAUNCHER_FAILOVER_H

#include <glib.h>

#include "broker_reply_parse.h"

typedef struct {
	struct broker_endpoint *eps;
	size_t n, index; /* index: the endpoint being tried */
	/* A copy of the endpoint being tried, kept for the session's reports
	 * after the list is dropped. */
	struct broker_endpoint current;
	GString *failures; /* "spice://host:port: why\n" for each one tried */
} LauncherFailover;

void launcher_failover_init(LauncherFailover *f);
/* Wipes and frees everything, the failures too. */
void launcher_failover_free(LauncherFailover *f);

/* Takes r's endpoints (r keeps none) and starts from the first. */
void launcher_failover_take(LauncherFailover *f, struct broker_reply *r);
/* Drops the list (and the other endpoints' passwords); current stays. */
void launcher_failover_drop_list(LauncherFailover *f);
/* Drops the list and current. */
void launcher_failover_clear(LauncherFailover *f);

/* The endpoint to try now, or NULL when every one has been tried. */
const struct broker_endpoint *launcher_failover_endpoint(const LauncherFailover *f);
/* Makes the endpoint to try now current. -1 when out of memory. */
int launcher_failover_select(LauncherFailover *f);
/* The endpoint to try now failed (why: for the user); moves to the next. */
void launcher_failover_failed(LauncherFailover *f, const char *why);
/* The endpoint to try now has a protocol this station does not know;
 * moves to the next. */
void launcher_failover_unsupported(LauncherFailover *f);
/* Not the first endpoint: a fallback. */
gboolean launcher_failover_is_fallback(const LauncherFailover *f);
/* "I/N" for the status file. */
void launcher_failover_attempt(const LauncherFailover *f, char *buf, size_t size);
/* What was tried, one line each. */
const char *launcher_failover_failures(const LauncherFailover *f);

/* The endpoint's port (the TLS port when it has no plain one). */
unsigned launcher_endpoint_port(const struct broker_endpoint *ep);
/* "HOST:PORT" ("[v6]:PORT"). Free with g_free. */
char *launcher_endpoint_hostport(const struct broker_endpoint *ep);
/* "PROTOCOL://HOST:PORT". Free with g_free. */
char *launcher_endpoint_text(const struct broker_endpoint *ep);

#endif
