/* The credentials a session holds, and when each is wiped:
 *
 * - the login typed on the station (pending), kept only until the broker
 *   answers: sent again while the desktop is starting, or with the desktop
 *   the user picks when the broker lists several ("choose"), wiped on any
 *   other answer, and when the user logs out of the chooser;
 * - the same login once the broker accepted it (sso), for RDP single
 *   sign-on: wiped when the session is open or every endpoint failed;
 * - the user name the broker names and the session token of the ready
 *   reply, which the start and end reports carry: wiped with the rest
 *   when the session ends.
 *
 * Secrets are wiped (explicit_bzero) before they are freed. */
#ifndef LAUNCHER_CRED_H
#define LAUNCHER_CRED_H

#include <glib.h>

#include "broker_reply_parse.h"

typedef struct {
	char *user; /* who logged in through the broker, for the reports */
	char *session_token;
	char *pending_user, *pending_password;
	char *pending_desktop; /* picked from a "choose" reply, sent with the login */
	char *sso_user, *sso_password;
} LauncherCred;

/* Keeps wiped-on-free copies of a login being sent to the broker. */
void launcher_cred_set_pending(LauncherCred *c, const char *user, const char *password);
gboolean launcher_cred_has_pending(const LauncherCred *c);
/* The desktop the user picked goes with the pending login from now on
 * (and with it, when the login is sent again while it starts). */
void launcher_cred_choose(LauncherCred *c, const char *desktop);
void launcher_cred_forget_pending(LauncherCred *c);
/* The broker accepted the pending login: it moves on for single sign-on
 * (moved, so the password exists once). */
void launcher_cred_accept(LauncherCred *c);
void launcher_cred_forget_sso(LauncherCred *c);
/* The ready reply's user and session token (a reply without a token, from
 * an older broker, leaves none from an earlier reply behind). */
void launcher_cred_take_reply(LauncherCred *c, const struct broker_reply *r);
/* Wipes everything. */
void launcher_cred_clear(LauncherCred *c);

#endif
