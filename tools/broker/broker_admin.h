/* The admin interface: HTTP + JSON on a unix socket (docs/protocol.md).
 *
 * Access control is the socket file (mode 0600, in a directory only the
 * broker's user can enter) plus a SO_PEERCRED check that the connecting
 * process runs as root or as the broker's own user. There is no token to
 * leak and nothing reachable over the network. */
#ifndef BROKER_ADMIN_H
#define BROKER_ADMIN_H

#include <stddef.h>

#include "broker_http.h"

/* Routes: GET /v1/admin/stations, GET /v1/admin/unknown,
 * POST /v1/admin/reload, GET /v1/admin/health, GET /v1/admin/pools. app is
 * a struct broker *. */
const struct broker_http_route *broker_admin_routes(size_t *n);

#endif
