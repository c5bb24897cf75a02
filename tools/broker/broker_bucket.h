/* Token buckets per client address (and kind of event), for what a stranger
 * can send as often as it likes: session reports, and the log lines they
 * cause.
 *
 * The table is capped like every table keyed by what strangers send: when it
 * is full, the address not heard from the longest is forgotten, which at
 * worst gives that address a fresh burst. Thread-safe. */
#ifndef BROKER_BUCKET_H
#define BROKER_BUCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct broker_bucket;

/* rate tokens per second, at most burst (>= 1) saved up; cap entries. A rate
 * of 0 means no limit: take always succeeds. NULL on out of memory. */
struct broker_bucket *broker_bucket_new(size_t cap, double rate, double burst);
void broker_bucket_free(struct broker_bucket *b);

/* Takes one token for (ip, kind) at now_ms (a monotonic clock in ms). kind
 * may be NULL. Returns true when there was one. When true and dropped is not
 * NULL, *dropped is how many takes failed since the last successful one (for
 * a "suppressed N" note), and the count starts again. */
bool broker_bucket_take(struct broker_bucket *b, const struct ipaddr *ip, const char *kind,
			uint64_t now_ms, unsigned long *dropped);

#endif
