/* The stations file as the broker serves it: immutable snapshots, swapped
 * atomically on reload.
 *
 * A snapshot holds the built st_config and the precomputed reply fragments.
 * Request handlers acquire the current snapshot, use it, and release it; a
 * reload builds a complete new snapshot off to the side and swaps the
 * pointer, so a request never sees half of a reload, and the old snapshot is
 * freed by whichever request drops the last reference. A file that does not
 * validate never replaces a good snapshot.
 *
 * Nor, unless the admin confirms it, does a valid file that would leave no
 * mappings or fewer than half of those served: an emptied file, or one cut
 * short by a writer that died half-way, parses fine. Such a reload is held:
 * the old snapshot keeps serving, broker_config_held describes the file, and
 * a confirmed reload (SIGHUP, or the admin reload with force) applies it. */
#ifndef BROKER_CONFIG_H
#define BROKER_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
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

/* What asked for a reload, as the log names it (trigger=...). SIGHUP and the
 * forced admin reload are the admin's confirmation; every other trigger is
 * checked against the mapping count. */
#define BROKER_TRIGGER_START  "start"
#define BROKER_TRIGGER_WATCH  "inotify"
#define BROKER_TRIGGER_SIGHUP "sighup"
#define BROKER_TRIGGER_ADMIN  "admin"
#define BROKER_TRIGGER_FORCE  "admin-force"

/* A valid file that was not applied because of its mapping count. */
struct broker_config_hold {
	size_t mappings; /* in the file held */
	size_t serving;	 /* in the snapshot that still serves */
	time_t since;	 /* when a file was first held (wall clock) */
	char trigger[16];
};

struct broker_config *broker_config_new(const char *path);
void broker_config_free(struct broker_config *c);
const char *broker_config_path(const struct broker_config *c);

/* Loads and validates the file; on success the new snapshot becomes current.
 * d (initialised here) lists the errors on failure, and is also logged as
 * event=reload lines; the caller frees it with st_diags_free. trigger (one
 * of BROKER_TRIGGER_*) names what asked for the reload, for the log, and
 * says whether the admin confirmed it. 0 or -1; a held file gives -1 with no
 * diagnostics and broker_config_held true. */
int broker_config_reload(struct broker_config *c, const char *trigger, struct st_diags *d);

/* Whether a file is held now; out (may be NULL) gets its figures. A reload
 * that applies a file or rejects it ends the hold. */
bool broker_config_held(struct broker_config *c, struct broker_config_hold *out);

/* The rule: a file is held when it has no mappings, or fewer than half of
 * the serving ones (3 -> 1 is held, 2 -> 1 and 4 -> 2 are not). */
bool broker_config_drops_too_many(size_t serving, size_t mappings);

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
