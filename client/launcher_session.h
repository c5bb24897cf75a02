/* The launcher's state machine: identity, broker queries, the login screen,
 * connecting to the desktop's endpoints in order, the session itself, and
 * what happens after each failure. It owns the window, the broker client
 * and the SPICE connection, and keeps the status file current. */
#ifndef LAUNCHER_SESSION_H
#define LAUNCHER_SESSION_H

#include <glib.h>

#include "launcher_config.h"

typedef struct LauncherSession LauncherSession;

/* cfg must outlive the session. */
LauncherSession *launcher_session_new(const LauncherConfig *cfg);
void launcher_session_free(LauncherSession *s);

/* Discovers the identity and asks the broker what to show. */
void launcher_session_start(LauncherSession *s);

/* Ends a running desktop session (reporting its end to the broker, waiting
 * at most a moment for the report to go out), writes state=stopped, then
 * calls done. */
void launcher_session_stop(LauncherSession *s, GSourceFunc done, gpointer user_data);

#endif
