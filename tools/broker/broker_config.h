/* The stations file as the broker serves it: immutable snapshots, swapped
 * atomically on reload.
 *
 * A snapshot holds the built st_config and the precomputed reply fragments.
 * Request handlers acquire the current snapshot, use it, and release it; a
 * reload builds a complete new snapshot off to the side and swaps the
 * pointer, so a request never sees half of a reload, and the old snapshot is
 * freed by whichever request drops the last reference. A file that does not
 * validate never replaces a good snapshot. */
#ifndef BROKER_CONFIG_H
#define BROKER_CONFIG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "broker_reply.h"
#include "stations.h"

struct broker_snapshot {
	struct st_config *cfg;
	struct broker_frags *frags;
	size_t mappings; /* station sections (groups not counted) */
	unsigned long generation;
	time_t loaded; /* wall clock */
	atomic_uint refs;
};

struct broker_config;

struct broker_config *broker_config_new(const char *path);
void broker_config_free(struct broker_config *c);
const char *broker_config_path(const struct broker_config *c);

/* Loads and validates the file; on success the new snapshot becomes current.
 * d (initialised here) lists the errors on failure, and is also logged as
 * event=reload lines; the caller frees it with st_diags_free. trigger names
 * what asked for the reload, for the log. 0 or -1. */
int broker_config_reload(struct broker_config *c, const char *trigger, struct st_diags *d);

/* The current snapshot with a reference taken, or NULL when no file has ever
 * loaded. Release it with broker_config_release. */
struct broker_snapshot *broker_config_acquire(struct broker_config *c);
void broker_config_release(struct broker_snapshot *s);

/* Diagnostic i as "file:line: msg" ("file: msg" for whole-file errors). */
void broker_config_diag_text(const struct st_diags *d, size_t i, char *out, size_t len);

/* Matches an identity; frag is set to its reply fragments. NULL: unknown. */
const struct st_entry *broker_snapshot_match(const struct broker_snapshot *s, const uint8_t mac[6],
					     const struct ipaddr *ip, const char *hostname,
					     const struct broker_frag **frag);

#endif
