/* The RDP viewer (launcher_rdp_viewer, see launcher_viewer.h). One RDP
 * connection: FreeRDP 2's X11 client (xfreerdp) runs as a child
 * process whose window lives inside the launcher's own (/parent-window),
 * covering the first monitor. See docs/launcher.md, "RDP: how it is
 * embedded and why".
 *
 * The login (user name, domain, password) goes to the child through a pipe
 * on its standard input, never on its command line. The session is open once the child's window
 * is mapped in ours; it ends when the child exits, and its exit status says
 * why (launcher_rdp_error.h). Callbacks run from the main loop, never from
 * inside a GDK event filter. */
#ifndef LAUNCHER_RDP_H
#define LAUNCHER_RDP_H

#include "launcher_viewer.h"

/* The command line xfreerdp gets (without the program name), for tests and
 * the log: it never holds a password. Free with g_strfreev. */
char **launcher_rdp_arguments(const struct broker_endpoint *ep, const LauncherViewerOptions *opt,
			      unsigned long parent, const char *usb_ids, gboolean drives,
			      gboolean verify_ca);

#endif
