/* What the station says when something fails: one table row per message
 * screen (the status file's kind, the title, the body, what comes after
 * the countdown and how long it is), and the words for each way an
 * endpoint can fail. Every user-facing sentence of the session is here, so
 * that wording is changed in one place and a new failure is one row. */
#ifndef LAUNCHER_ERRORS_H
#define LAUNCHER_ERRORS_H

#include <glib.h>

#include "broker_reply_parse.h"

/* The message screens. */
typedef enum {
	LAUNCHER_SCREEN_CONFIG,			   /* the station's own settings are wrong */
	LAUNCHER_SCREEN_BROKER_UNEXPECTED,	   /* an answer that is not the protocol */
	LAUNCHER_SCREEN_UNREACHABLE,		   /* no connection to the broker */
	LAUNCHER_SCREEN_TLS,			   /* the broker's certificate */
	LAUNCHER_SCREEN_LOGIN_REFUSED,		   /* wrong user name or password */
	LAUNCHER_SCREEN_RATE_LIMITED,		   /* too many logins */
	LAUNCHER_SCREEN_ACCOUNT_LOCKED,		   /* locked, expired or disabled */
	LAUNCHER_SCREEN_BROKER_PROBLEM,		   /* the broker refused or failed */
	LAUNCHER_SCREEN_BROKER_ERROR,		   /* a reply with status error */
	LAUNCHER_SCREEN_MAINTENANCE,		   /* the mapping is in maintenance */
	LAUNCHER_SCREEN_UNKNOWN,		   /* no mapping for this station */
	LAUNCHER_SCREEN_DESKTOP_UNREACHABLE,	   /* every endpoint failed: retry */
	LAUNCHER_SCREEN_DESKTOP_UNREACHABLE_LOGIN, /* ... back to the login screen */
	LAUNCHER_SCREEN_NO_DESKTOP,		   /* a ready reply without endpoints */
	LAUNCHER_SCREEN_DIRECT_UNREACHABLE,	   /* --connect: the desktop failed */
	LAUNCHER_SCREEN_DIRECT_ENDED,		   /* --connect: the session is over */
	LAUNCHER_SCREEN_SESSION_ENDED,		   /* the broker ended it (moved, disconnect) */
	LAUNCHER_SCREEN_COUNT
} LauncherScreen;

/* What happens when the countdown reaches zero (and on Try now). */
typedef enum {
	LAUNCHER_THEN_NOTHING,
	LAUNCHER_THEN_RETRY_SAME,    /* ask the broker again, as last time */
	LAUNCHER_THEN_RETRY_SHOW,    /* ask what the login screen shows */
	LAUNCHER_THEN_RETRY_CONNECT, /* ask for the desktop */
	LAUNCHER_THEN_LOGIN,	     /* back to the login screen */
} LauncherThen;

/* How long the countdown is. */
typedef enum {
	LAUNCHER_WAIT_NONE,
	LAUNCHER_WAIT_FIXED,	      /* seconds */
	LAUNCHER_WAIT_BROKER_BACKOFF, /* the broker back-off's next step */
	LAUNCHER_WAIT_RETRY_AFTER,    /* the broker's retry_after, else back-off */
	LAUNCHER_WAIT_DESKTOP_BACKOFF,
} LauncherWait;

/* Whether the screen has a Back button. */
typedef enum {
	LAUNCHER_BACK_NO,
	LAUNCHER_BACK_YES,
	LAUNCHER_BACK_IF_MAPPED, /* when a login screen is known to go back to */
} LauncherBack;

typedef struct {
	const char *kind; /* the status file's kind= */
	const char *title;
	/* The body: a format whose %s take the caller's texts (see
	 * launcher_errors_body), or fixed text; NULL: the caller's text, or
	 * default_body when it has none (the broker sent no message). */
	const char *body;
	const char *default_body;
	const char *next; /* "Trying again in" (N s follows) */
	LauncherThen then;
	LauncherWait wait;
	int seconds;	       /* LAUNCHER_WAIT_FIXED */
	const char *count_key; /* status file: retry= or back= */
	LauncherBack back;
	gboolean retry_btn;	 /* Try now */
	gboolean identity_large; /* MAC, IP and host name across a room */
	gboolean error;		 /* state=error: the station itself is wrong */
} LauncherScreenText;

const LauncherScreenText *launcher_errors_screen(LauncherScreen screen);
/* The screen's body with the caller's texts a and b (either may be NULL
 * when the screen's format does not use it). Free with g_free. */
char *launcher_errors_body(LauncherScreen screen, const char *a, const char *b);

/* Why an endpoint failed, from a viewer's failure kind (connect, auth,
 * tls, link, timeout, ...): "the desktop refused the password". */
const char *launcher_errors_endpoint_words(const char *kind);

/* The other sentences of the session's screens. */
#define LAUNCHER_TEXT_CONTACTING  "Contacting the connection server…"
#define LAUNCHER_TEXT_LOGGING_IN  "Logging in…"
#define LAUNCHER_TEXT_STARTING	  "Starting your desktop…"
#define LAUNCHER_TEXT_CONNECTING  "Connecting to your desktop…"
#define LAUNCHER_TEXT_CHECKING	  "Checking again in"
#define LAUNCHER_TEXT_AUTOCONNECT "Connecting automatically in"
#define LAUNCHER_TEXT_INSECURE                                                                     \
	"Warning: the connection server is contacted without encryption (insecure mode)."
#define LAUNCHER_TEXT_CANCELLED "Connecting was cancelled."
#define LAUNCHER_TEXT_ENDED_FMT "The desktop session ended (%s)."

/* "Your desktop is next in line.\n..." for a ready reply still starting.
 * Free with g_free. */
char *launcher_errors_starting_text(const struct broker_reply *r);
/* Progress detail for endpoint ep at host:port hp (fallback: not the
 * first endpoint). Free with g_free. */
char *launcher_errors_trying_text(const struct broker_endpoint *ep, const char *hp,
				  gboolean fallback);
/* The endpoint's protocol is not known here. Free with g_free. */
char *launcher_errors_unsupported_text(const struct broker_endpoint *ep, const char *hp);
/* The notice of a session on a fallback. Free with g_free. */
char *launcher_errors_fallback_text(const char *protocol);

#endif
