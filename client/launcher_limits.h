/* Session limits for self-service terminals: the longest a session may
 * last (max_session) and the log-out after a time without keyboard or mouse
 * input at the station (idle_logout), each with a warning and a countdown
 * before it ends the session (docs/launcher.md, "Session limits").
 *
 * Two parts. launcher_limits_check is the rule, pure: it is given the
 * session's age and the X server's idle time and says what to show or
 * whether to end (tests/unit/test_launcher_limits.c). LauncherLimits is the
 * thin part around it: while a session is open it asks the X server for
 * its idle time (the MIT-SCREEN-SAVER extension) once a second and hands the
 * verdict to its caller. Input cancels an idle warning by itself: it resets
 * the X server's idle time, and the next verdict is NONE. */
#ifndef LAUNCHER_LIMITS_H
#define LAUNCHER_LIMITS_H

#include <glib.h>

/* The default warning when the broker sends none (ST_LIMIT_WARNING_DEFAULT
 * on the broker's side). */
#define LAUNCHER_LIMITS_WARNING_DEFAULT 60

/* From the reply's policy.session; 0 turns a limit off. */
typedef struct {
	guint max_seconds;     /* the longest a session may last */
	guint idle_seconds;    /* log-out after this long without input */
	guint warning_seconds; /* the warning comes this long before */
} LauncherLimitsPolicy;

typedef enum {
	LAUNCHER_LIMITS_NONE,	   /* nothing to show */
	LAUNCHER_LIMITS_WARN_MAX,  /* the session is about to reach its length */
	LAUNCHER_LIMITS_WARN_IDLE, /* about to log out for lack of input */
	LAUNCHER_LIMITS_END_MAX,   /* end the session now: its length */
	LAUNCHER_LIMITS_END_IDLE,  /* end the session now: no input */
} LauncherLimitsKind;

typedef struct {
	LauncherLimitsKind kind;
	guint seconds_left; /* the warnings: whole seconds until the end, rounded up */
} LauncherLimitsVerdict;

/* TRUE when p limits anything. */
gboolean launcher_limits_active(const LauncherLimitsPolicy *p);

/* The verdict for a session open for age_ms with no input for idle_ms
 * (idle time before the session started does not count). The limit that ends the session first
 * wins; at a tie, the length (its warning cannot be cancelled). A warning longer than its limit
 * starts with the session. */
LauncherLimitsVerdict launcher_limits_check(const LauncherLimitsPolicy *p, guint64 age_ms,
					    guint64 idle_ms);

/* The countdown as the warning shows it: "0:58", "12:00", "1:00:00". */
char *launcher_limits_clock(guint seconds);

/* The warning's text for a verdict (NULL for NONE and the ends). */
char *launcher_limits_warning_text(const LauncherLimitsVerdict *v);

/* What the station says after a limit ended the session: "Your session
 * reached its time limit." / "You were logged out after 5 minutes without
 * input." */
char *launcher_limits_ended_text(const LauncherLimitsPolicy *p, LauncherLimitsKind end);

/* The reason the session's end report carries: "max_session" or
 * "idle_logout". */
const char *launcher_limits_reason(LauncherLimitsKind end);

typedef struct LauncherLimits LauncherLimits;
typedef void (*LauncherLimitsFn)(gpointer user_data, const LauncherLimitsVerdict *v);

/* Starts watching a session that opens now: fn gets a verdict once a
 * second (and may free the watch from inside). Without an X display that
 * has the MIT-SCREEN-SAVER extension the idle log-out is off, and said so
 * in the log. NULL when p limits nothing. */
LauncherLimits *launcher_limits_new(const LauncherLimitsPolicy *p, LauncherLimitsFn fn,
				    gpointer user_data);
void launcher_limits_free(LauncherLimits *l);

#endif
