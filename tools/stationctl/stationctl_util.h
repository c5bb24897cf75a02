/* Small helpers every stationctl command uses: messages, help detection,
 * paths and safe display of text that came from files or the broker. */
#ifndef VDI_STATIONCTL_UTIL_H
#define VDI_STATIONCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "stations.h"

/* "stationctl: <message>" on stderr. */
void stationctl_util_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* At most this many diagnostics are printed, then a count of the rest: the
 * broker's log keeps to the same number per reload. */
#define STATIONCTL_UTIL_DIAGS_SHOWN 20

/* Prints the diagnostics, one "file:line: message" per line (escaped for the
 * terminal), on stderr; the first STATIONCTL_UTIL_DIAGS_SHOWN and a line
 * with how many more there were. */
void stationctl_util_print_diags(const struct st_diags *d);

/* The directory part of path (".", when it has none) into out, made
 * absolute when the folder exists. */
void stationctl_util_dirname(const char *path, char *out, size_t outlen);

/* Copies s into out for display on a terminal: control characters (C0,
 * DEL, C1, U+2028/2029) and bytes that are not UTF-8, which could move the
 * cursor or forge lines, are escaped (\n, \t, \xNN, \uNNNN). Always
 * NUL-terminates; truncates with "..." when too long. */
void stationctl_util_printable(const char *s, char *out, size_t outlen);
/* The same, with spaces escaped too (\x20): for a value in a column of a
 * table that scripts split on blanks. */
void stationctl_util_word(const char *s, char *out, size_t outlen);

/* Parses a MATCH argument; prints a clear message on failure. */
int stationctl_util_target(const char *arg, struct st_target *t);

/* Checks "key=value" arguments before they reach the document layer, so
 * every problem is reported with the argument as the admin typed it.
 * allow_empty permits "key=" (set uses it to remove a key). Returns 0, or
 * -1 after printing a message for each bad argument. */
int stationctl_util_check_kvs(char *const *kvs, size_t n, bool allow_empty);

/* Reads a stations file and builds its config. 0, or an exit code after
 * printing the reason (diagnostics included). */
int stationctl_util_load_config(const char *path, struct st_config **cfg);

/* "proto://host:port" (IPv6 hosts in brackets); the TLS port when there is
 * no plain one. */
void stationctl_util_endpoint(const struct st_endpoint *ep, char *out, size_t outlen);
/* The same from the raw values of a section that has no endpoint (a group):
 * whatever of protocol, host and port it sets, "" when none. */
void stationctl_util_endpoint_values(const struct st_entry *e, char *out, size_t outlen);

#endif
