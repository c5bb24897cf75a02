/* The virt-viewer connection file of a mapping with connection_file or
 * connection_url, got at lookup time: such files carry one-shot tickets that
 * expire within seconds, so nothing is cached.
 *
 * A file is read (capped at VV_FILE_MAX); a URL is fetched with libcurl:
 * HTTPS (plain HTTP only to this machine, as the stations file allows),
 * redirects not followed, BROKER_FETCH_TIMEOUT_MS for the whole transfer,
 * the answer capped at VV_FILE_MAX, an optional Authorization header read
 * from the connection_auth file (Proxmox API tokens:
 * "PVEAPIToken=user@pve!id=uuid"). Either way the text must parse with
 * vv_file before a station sees it. Blocks the calling thread: the broker
 * calls it on its fetch pool, never on a thread that answers lookups.
 *
 * Stations asking for the same URL at the same time share one fetch (they
 * are stations of one mapping, so one desktop); a URL that failed is
 * answered with the same failure, without fetching, for
 * BROKER_FETCH_FAIL_MEMORY_MS. */
#ifndef BROKER_FETCH_H
#define BROKER_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "stations.h"

#define BROKER_FETCH_TIMEOUT_MS	    5000
#define BROKER_FETCH_AUTH_MAX	    4096
#define BROKER_FETCH_FAIL_MEMORY_MS 10000

/* Once, before any thread runs (libcurl's global state). 0 or -1. */
int broker_fetch_init(void);
void broker_fetch_cleanup(void);

/* The connection file's text for e (NUL-terminated, *len bytes; the caller
 * wipes and frees it: it holds a password), or NULL with err saying what
 * went wrong in words fit for the station's screen. Logs failures. */
char *broker_fetch_connection(const struct st_entry *e, size_t *len, char *err, size_t errlen);
/* Whether e's connection_url failed within BROKER_FETCH_FAIL_MEMORY_MS;
 * err then says how. Cheap: for the threads that answer lookups. */
bool broker_fetch_failed_recently(const struct st_entry *e, char *err, size_t errlen);

#endif
