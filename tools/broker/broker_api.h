/* The station API on the TCP listener: /v1/lookup, /v1/login, /v1/session
 * and /v1/health (docs/protocol.md). The admin routes are not here and so
 * cannot be reached over TCP. */
#ifndef BROKER_API_H
#define BROKER_API_H

#include <stddef.h>

#include "broker_http.h"

/* The route table; handlers expect a struct broker * as app. */
const struct broker_http_route *broker_api_routes(size_t *n);

#endif
