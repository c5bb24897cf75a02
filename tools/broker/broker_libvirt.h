/* Desktops that are libvirt domains: a mapping with `domain = NAME` (and
 * `libvirt_uri`) instead of host and port. On a lookup the broker starts the
 * domain when it is off, answers "starting" until it runs and its graphics
 * have a port, then answers "ready" with the listen address and port read
 * from the live domain XML and, unless the mapping says otherwise, a fresh
 * one-time graphics password that expires after a short while.
 *
 * Cost per lookup: a lab polling a booting desktop every two seconds must
 * not turn into a storm of libvirt calls, so what a domain looks like
 * (state, graphics) is kept for BROKER_LIBVIRT_CACHE_MS and shared by every
 * request for the same URI and domain; only one request refreshes it at a
 * time while the others answer from the old value (or "starting"). A ready
 * answer costs one more call, the password update.
 *
 * Threads: libvirt connections may be shared by threads (the library
 * serialises calls on one connection itself; its error state is per
 * thread), which is what this module relies on. One connection per URI is
 * kept and reopened once it is found dead. A background thread runs
 * libvirt's default event loop so that keepalive messages detect a hung or
 * vanished daemon: calls on such a connection then fail instead of blocking
 * a broker thread forever. */
#ifndef BROKER_LIBVIRT_H
#define BROKER_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "broker_libvirt_xml.h"
#include "stations.h"

#define BROKER_LIBVIRT_CACHE_MS 1000
/* Keepalive: a probe every 5 s, the connection is dead after 3 unanswered. */
#define BROKER_LIBVIRT_KEEPALIVE_S     5
#define BROKER_LIBVIRT_KEEPALIVE_COUNT 3

struct broker_libvirt;

/* libvirt's message for the last failed call on this thread, never NULL. */
const char *broker_libvirt_last_error(void);

/* NULL on out of memory or when libvirt cannot be initialised. */
struct broker_libvirt *broker_libvirt_new(void);
void broker_libvirt_free(struct broker_libvirt *lv);

enum broker_libvirt_result {
	BROKER_LIBVIRT_ERROR = -1,
	BROKER_LIBVIRT_STARTING = 0, /* started now, or running without a port yet */
	BROKER_LIBVIRT_READY = 1,
};

struct broker_libvirt_desktop {
	enum st_protocol protocol;
	char host[HOSTNAME_MAX + 1];
	unsigned port;
	unsigned tls_port;
	char password[BROKER_LIBVIRT_PASSWORD_MAX]; /* "" without one */
};

/* The lookup: starts the domain when it is shut off; when it runs with a
 * graphics port, fills d, with a new password valid for valid_s seconds
 * when one_time is set. Thread-safe. */
enum broker_libvirt_result broker_libvirt_desktop(struct broker_libvirt *lv, const char *uri,
						  const char *domain, enum st_protocol protocol,
						  bool one_time, unsigned valid_s,
						  struct broker_libvirt_desktop *d, char *err,
						  size_t errlen);

/* The domain's state as a chooser shows it: "running", "off" or
 * "unknown" (paused, shutting down, not found, libvirt unreachable). Asks
 * libvirt now, without starting anything: for the login threads, which
 * may wait on it, never for a lookup. */
const char *broker_libvirt_state_word(struct broker_libvirt *lv, const char *uri, const char *name);

#endif
