/* The session's parts, shared by the files that make it up:
 *
 *   launcher_session.c          the state machine: entering a state, timers
 *   launcher_session_broker.c   broker queries and what each answer leads to
 *   launcher_session_desktop.c  connecting, the session, its end
 *   launcher_session_ui.c       what the user does
 *   launcher_connect_file.c     --connect: one desktop, no broker
 *   launcher_admin.c            the admin diagnostics overlay
 *
 * with launcher_failover.c (endpoint order), launcher_cred.c (credential
 * life cycle), launcher_errors.c (what the station says) and
 * launcher_viewer.h (SPICE, RDP, VNC). Not for other files. */
#ifndef LAUNCHER_SESSION_INTERNAL_H
#define LAUNCHER_SESSION_INTERNAL_H

#include "launcher_backoff.h"
#include "launcher_broker.h"
#include "launcher_cred.h"
#include "launcher_errors.h"
#include "launcher_failover.h"
#include "launcher_identity.h"
#include "launcher_limits.h"
#include "launcher_netwatch.h"
#include "launcher_report.h"
#include "launcher_session.h"
#include "launcher_status.h"
#include "launcher_ui.h"
#include "launcher_ui_notice.h"
#include "launcher_viewer.h"

/* The session's states; docs/launcher.md has the diagram. */
typedef enum {
	SESSION_STARTUP,    /* before launcher_session_start */
	SESSION_IDLE,	    /* the login screen (a refresh may be out behind it) */
	SESSION_QUERYING,   /* a request to the broker is out */
	SESSION_CHOOSING,   /* the user picks one of their desktops */
	SESSION_STARTING,   /* the broker is starting the desktop: poll */
	SESSION_CONNECTING, /* trying one endpoint of the desktop */
	SESSION_CONNECTED,  /* the desktop session */
	SESSION_MESSAGE,    /* a message screen, usually with a countdown */
	SESSION_STOPPED,    /* launcher_session_stop: nothing happens any more */
} SessionState;

typedef enum {
	PURPOSE_SHOW,	 /* find out what the login screen should show */
	PURPOSE_CONNECT, /* the user (or auto-connect) wants the desktop */
	PURPOSE_LOGIN,	 /* a login goes to the broker (then as CONNECT) */
} SessionPurpose;

typedef void (*SessionStep)(LauncherSession *s);

/* A message screen: its row of the table, and what the caller adds. */
typedef struct {
	LauncherScreen screen;
	const char *body; /* the whole body */
	int seconds;	  /* countdown, 0: none */
} SessionMessage;

/* What entering a state needs to know, by state. */
typedef struct {
	gboolean after_session;		  /* IDLE: a session just ended */
	SessionPurpose purpose;		  /* QUERYING */
	const struct broker_reply *reply; /* STARTING, CHOOSING */
	const SessionMessage *message;	  /* MESSAGE */
} SessionEntry;

struct LauncherSession {
	const LauncherConfig *cfg;
	char *cmdline;
	LauncherIdentity id;
	LauncherStatus *status;
	LauncherBroker *broker;
	LauncherReport *report;
	LauncherUi *ui;
	LauncherViewer *viewer; /* the viewer in use: CONNECTING, CONNECTED */
	LauncherNetwatch *netwatch;

	SessionState state;

	/* The mapping, from the last ready reply. */
	gboolean have_policy;
	char *station_name, *screen_text, *usb_redirect, *usb_deny;
	gboolean login, autoconnect, sso;

	LauncherFailover failover;
	LauncherCred cred;
	gint64 connected_at;
	/* Session limits: the mapping's, from its last ready reply; while
	 * CONNECTED, their watch and the warning over the desktop. */
	LauncherLimitsPolicy limits_policy;
	LauncherLimits *limits;
	LauncherUiNotice *limits_notice;

	GCancellable *request;
	SessionPurpose purpose; /* of the last query: SHOW or CONNECT */
	gboolean silent;	/* a refresh behind the login screen */

	guint tick;
	int remaining;
	const char *next_fmt; /* "Trying again in" */
	SessionStep on_zero;
	guint refresh;
	guint pause;

	LauncherBackoff broker_backoff, desktop_backoff, auto_backoff;

	/* --connect: one desktop from a connection file, no broker. */
	gboolean direct;
	LauncherSessionFinished finished;
	gpointer finished_data;
	int exit_status;
	char *exit_message;
};

/* launcher_session.c */
/* Enters state to (reason: why, for the log). The one place that stops the
 * timers, cancels the broker request, closes the viewer (but for
 * CONNECTED), writes the status file and shows the page; e may be NULL.
 * Once STOPPED, nothing is entered any more. */
void launcher_session_enter(LauncherSession *s, SessionState to, const char *reason,
			    const SessionEntry *e);
/* Enters MESSAGE with screen's row of the table, its body made with a and
 * b (launcher_errors_body), the countdown as the row says (retry_after:
 * the broker's, or -1). */
void launcher_session_message(LauncherSession *s, LauncherScreen screen, const char *a,
			      const char *b, int retry_after, const char *reason);
/* Shows "PHRASE N s" on the current page, runs step at zero. */
void launcher_session_countdown(LauncherSession *s, int seconds, const char *fmt, SessionStep step);
/* The status line of CONNECTED, again when a display is added. */
void launcher_session_connected_status(LauncherSession *s);
/* Everything of the user: typed login, desktop passwords, token. */
void launcher_session_clear_credentials(LauncherSession *s);
/* Closes the viewer, its displays and the link watch. */
void launcher_session_close_viewer(LauncherSession *s);

/* launcher_session_broker.c */
void launcher_session_broker_discover(LauncherSession *s);
/* Asks the broker, entering QUERYING (or a message screen when the
 * station's settings do not allow it). */
void launcher_session_broker_query(LauncherSession *s, SessionPurpose purpose, const char *reason);
/* A refresh behind the login screen: no state change. */
void launcher_session_broker_refresh(LauncherSession *s);
void launcher_session_broker_arm_refresh(LauncherSession *s);
void launcher_session_broker_set_policy(LauncherSession *s, const struct broker_reply *r);
/* What a countdown leads to. */
SessionStep launcher_session_broker_then(LauncherThen then);
void launcher_session_broker_poll(LauncherSession *s);
void launcher_session_broker_autoconnect(LauncherSession *s);
void launcher_session_broker_done(GObject *src, GAsyncResult *res, gpointer user_data);

/* launcher_session_desktop.c */
/* Takes r's endpoints and tries the first (or says there are none). */
void launcher_session_desktop_start(LauncherSession *s, struct broker_reply *r);
/* CONNECTING was entered: try the failover's endpoint. */
void launcher_session_desktop_try(LauncherSession *s);
/* CONNECTED was entered. */
void launcher_session_desktop_opened(LauncherSession *s);
/* Reports the end of an open session and clears it (no transition). */
void launcher_session_desktop_report_end(LauncherSession *s, const char *reason);
/* Stops the session limits' watch and takes their warning away. */
void launcher_session_desktop_limits_stop(LauncherSession *s);

/* launcher_session_ui.c: what the user does. */
extern const LauncherUiCallbacks launcher_session_ui_callbacks;

/* launcher_connect_file.c */
void launcher_connect_file_start(LauncherSession *s, struct broker_reply *reply,
				 LauncherSessionFinished finished, gpointer user_data);
/* --connect is over: say how on screen, exit a moment later. */
void launcher_connect_file_finish(LauncherSession *s, int status, LauncherScreen screen,
				  const char *body);

/* launcher_admin.c: the diagnostics overlay. */
void launcher_admin_opened(gpointer user_data);
void launcher_admin_closed(gpointer user_data);
void launcher_admin_action(gpointer user_data, const char *action);

#endif
