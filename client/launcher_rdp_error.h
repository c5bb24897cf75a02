/* What an exit status of FreeRDP 2's X11 client (xfreerdp) means for the
 * station: a failure kind for the endpoint list, a session-end reason for
 * the broker, and a sentence for the user.
 *
 * The numbers are xfreerdp's exit codes (client/X11/xfreerdp.h of FreeRDP 2:
 * 0-11 disconnect reasons the server gave, 16-26 licensing, 32-127 RDP
 * protocol errors, 128-159 connection errors, 255 unknown). They are part of
 * xfreerdp's interface, not of a library the launcher links, so they are
 * written out here.
 *
 * Pure C, no GLib: the table is data, tested on its own. */
#ifndef LAUNCHER_RDP_ERROR_H
#define LAUNCHER_RDP_ERROR_H

#include <stdbool.h>

struct launcher_rdp_error {
	int code;	    /* xfreerdp's exit status */
	const char *name;   /* short name for logs: logoff, auth_failure, ... */
	const char *kind;   /* connect, auth, account, tls, license, server */
	const char *reason; /* session-end reason for the broker */
	const char *text;   /* for the user: what happened, in plain words */
	bool normal_end;    /* the user or the server ended the session on purpose */
};

/* The entry for an exit status; 33-127 share 32's entry, and a status not in
 * the table gets the generic entry of 255. Never NULL. */
const struct launcher_rdp_error *launcher_rdp_error_lookup(int code);

/* The entry for a viewer killed by a signal (a crash, or the system's OOM
 * killer): never a normal end. */
const struct launcher_rdp_error *launcher_rdp_error_signal(void);

#endif
