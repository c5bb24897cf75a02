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
 * vv_file before a station sees it. Blocks the calling thread. */
#ifndef BROKER_FETCH_H
#define BROKER_FETCH_H

#include <stddef.h>

#include "stations.h"

#define BROKER_FETCH_TIMEOUT_MS 5000
#define BROKER_FETCH_AUTH_MAX	4096

/* Once, before any thread runs (libcurl's global state). 0 or -1. */
int broker_fetch_init(void);
void broker_fetch_cleanup(void);

/* The connection file's text for e (NUL-terminated, *len bytes; the caller
 * wipes and frees it: it holds a password), or NULL with err saying what
 * went wrong in words fit for the station's screen. Logs failures. */
char *broker_fetch_connection(const struct st_entry *e, size_t *len, char *err, size_t errlen);

#endif
