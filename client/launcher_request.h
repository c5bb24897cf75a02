/* JSON bodies of the requests to the broker. Built by hand into buffers of
 * exactly the right size: the login body holds a password, and a growing
 * buffer would leave copies of it behind in freed memory. */
#ifndef LAUNCHER_REQUEST_H
#define LAUNCHER_REQUEST_H

#include <glib.h>

#include "launcher_identity.h"

/* {"mac":...,"hostname":...,"version":...}; hostname left out when unset. */
char *launcher_request_lookup(const LauncherIdentity *id, const char *version, gsize *len);

/* {"mac","hostname","username","password"}. Free with
 * launcher_secret_free_len(body, len). */
char *launcher_request_login(const LauncherIdentity *id, const char *username, const char *password,
			     gsize *len);
/* The same, with "desktop" (the one the user chose) when desktop is not
 * NULL. */
char *launcher_request_login_desktop(const LauncherIdentity *id, const char *username,
				     const char *password, const char *desktop, gsize *len);

/* {"mac","hostname","event","protocol","host","port","user"?,"reason"?,
 * "session"?}; session is the ready reply's token (the body is wiped when
 * freed, like every request body). */
char *launcher_request_session(const LauncherIdentity *id, const char *event, const char *protocol,
			       const char *host, unsigned port, const char *user,
			       const char *reason, const char *session, gsize *len);

/* s as a JSON string (with quotes) appended at out; returns the bytes
 * written, or only counts them when out is NULL. */
gsize launcher_request_json_string(char *out, const char *s);

#endif
