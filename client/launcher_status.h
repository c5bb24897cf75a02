/* The launcher's state for operators: one line in the status file, rewritten
 * atomically on every change, and one key=value log line on stderr. */
#ifndef LAUNCHER_STATUS_H
#define LAUNCHER_STATUS_H

#include <glib.h>

typedef enum {
	LAUNCHER_STATE_STARTING_UP, /* before the first state is known */
	LAUNCHER_STATE_IDLE,	    /* login screen */
	LAUNCHER_STATE_QUERYING,    /* asking the broker */
	LAUNCHER_STATE_STARTING,    /* the broker is starting the desktop */
	LAUNCHER_STATE_CONNECTING,  /* opening the desktop's endpoint */
	LAUNCHER_STATE_CONNECTED,
	LAUNCHER_STATE_MESSAGE, /* a message screen with a retry or a way back */
	LAUNCHER_STATE_ERROR,	/* the station itself is misconfigured */
	LAUNCHER_STATE_STOPPED,
	LAUNCHER_STATE_CHOOSING, /* the user picks one of their desktops */
} LauncherState;

typedef struct LauncherStatus LauncherStatus;

/* path NULL: log only. */
LauncherStatus *launcher_status_new(const char *path);
void launcher_status_free(LauncherStatus *st);

/* Enters state with extra key/value string pairs, NULL-terminated (at most
 * 8 pairs; a NULL value is left out). Writes the file when anything
 * changed, and logs. */
void launcher_status_set(LauncherStatus *st, LauncherState state, ...) G_GNUC_NULL_TERMINATED;

LauncherState launcher_status_get(const LauncherStatus *st);
/* The current line, without its newline. */
const char *launcher_status_line(const LauncherStatus *st);

const char *launcher_state_name(LauncherState state);

#endif
