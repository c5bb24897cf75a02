/* What the diagnostics screen shows: the recent errors (a small ring kept
 * for the whole run), the network state and the versions of the parts. */
#ifndef LAUNCHER_DIAG_H
#define LAUNCHER_DIAG_H

#include <glib.h>

#define LAUNCHER_DIAG_ERRORS 12

/* Records an error (time-stamped) for the diagnostics screen. */
void launcher_diag_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* The recorded errors, newest first, one per line; "none" when empty. */
char *launcher_diag_errors_text(void);
void launcher_diag_reset(void);

/* Interfaces with MAC, carrier, state and addresses, one per line. */
char *launcher_diag_network_text(const char *root);
/* Launcher, GTK, spice-gtk, libcurl, json-c and kernel versions. */
char *launcher_diag_versions_text(void);

#endif
