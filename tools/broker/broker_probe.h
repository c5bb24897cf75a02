/* Is a desktop up? A TCP connect to its primary endpoint, for mappings with
 * wait_ready = yes: until the desktop's server accepts connections the broker
 * answers "starting" instead of sending the station to a port that would
 * refuse it.
 *
 * A lab of stations polling every two seconds must not turn into a connect
 * storm against a booting desktop, so results are kept for a short while
 * and shared by every request for the same host and port. */
#ifndef BROKER_PROBE_H
#define BROKER_PROBE_H

#include <stdbool.h>

#define BROKER_PROBE_TIMEOUT_MS 500
#define BROKER_PROBE_CACHE_MS	1000

struct broker_probe;

struct broker_probe *broker_probe_new(void);
void broker_probe_free(struct broker_probe *p);

/* True when host:port accepted a TCP connection (now, or within the last
 * BROKER_PROBE_CACHE_MS). Blocks for at most about BROKER_PROBE_TIMEOUT_MS per
 * address of host. Thread-safe. */
bool broker_probe_up(struct broker_probe *p, const char *host, unsigned port);

#endif
