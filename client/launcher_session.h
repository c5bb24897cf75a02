/* The launcher's session: a state machine (identity, broker queries, the
 * login screen, connecting to the desktop's endpoints in order, the session
 * itself, and what happens after each failure). It owns the window, the
 * broker client and the viewer in use, and keeps the status file current.
 * Its parts are listed in launcher_session_internal.h; the states are in
 * docs/launcher.md. */
#ifndef LAUNCHER_SESSION_H
#define LAUNCHER_SESSION_H

#include <glib.h>

#include "broker_reply_parse.h"
#include "launcher_config.h"

typedef struct LauncherSession LauncherSession;

/* cfg must outlive the session. */
LauncherSession *launcher_session_new(const LauncherConfig *cfg);
void launcher_session_free(LauncherSession *s);

/* Discovers the identity and asks the broker what to show. */
void launcher_session_start(LauncherSession *s);

/* Exit statuses of vdi-launcher --connect (docs/launcher.md, "Exit status"). */
enum {
	LAUNCHER_EXIT_OK = 0,	       /* the session ran and ended */
	LAUNCHER_EXIT_NO_DISPLAY = 1,  /* the display could not be opened */
	LAUNCHER_EXIT_USAGE = 2,       /* bad options */
	LAUNCHER_EXIT_BAD_FILE = 3,    /* the connection file is unreadable or invalid */
	LAUNCHER_EXIT_UNREACHABLE = 4, /* the desktop refused or did not answer */
};

/* How a --connect run ended: status is a LAUNCHER_EXIT_* value, message
 * what went wrong (NULL for LAUNCHER_EXIT_OK). */
typedef void (*LauncherSessionFinished)(gpointer user_data, int status, const char *message);

/* --connect: no broker. Connects to reply's endpoints in order (the reply
 * is taken over: its passwords move into the session), says on screen how
 * it ended, then calls finished once. */
void launcher_session_start_direct(LauncherSession *s, struct broker_reply *reply,
				   LauncherSessionFinished finished, gpointer user_data);

/* Ends a running desktop session (reporting its end to the broker, waiting
 * at most a moment for the report to go out), writes state=stopped, then
 * calls done. */
void launcher_session_stop(LauncherSession *s, GSourceFunc done, gpointer user_data);

#endif
