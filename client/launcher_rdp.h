/* One RDP connection: FreeRDP 2's X11 client (xfreerdp) runs as a child
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

#include <gtk/gtk.h>

#include "broker_reply_parse.h"

typedef struct LauncherRdp LauncherRdp;

typedef struct {
	void (*opened)(gpointer user_data);
	/* Before opened: kind is connect, auth, account, tls, license,
	 * server or timeout; message is for the user. */
	void (*failed)(gpointer user_data, const char *kind, const char *message);
	/* After opened: reason for the broker, message for the user (NULL
	 * when the user or the server ended it on purpose). */
	void (*ended)(gpointer user_data, const char *reason, const char *message);
	/* The widget the desktop appears in, for the desktop page. */
	void (*display_added)(gpointer user_data, GtkWidget *display, guint order);
} LauncherRdpCallbacks;

typedef struct {
	int connect_timeout; /* seconds until the desktop's window must be up */
	int width, height;   /* the desktop's size: the first monitor */
	gboolean audio;
	gboolean usb;
	const char *usb_redirect, *usb_deny;
	const char *sysroot;
	/* Single sign-on: the user's login, or NULL. */
	const char *username;
	const char *password;
} LauncherRdpOptions;

LauncherRdp *launcher_rdp_new(const LauncherRdpCallbacks *cb, gpointer user_data);
void launcher_rdp_free(LauncherRdp *r);

/* Starts xfreerdp for ep (an rdp endpoint). FALSE with error when it cannot
 * be started; otherwise the outcome arrives through opened or failed. */
gboolean launcher_rdp_connect(LauncherRdp *r, const struct broker_endpoint *ep,
			      const LauncherRdpOptions *opt, GError **error);
/* Stops the child (no callbacks). Safe when not connected. */
void launcher_rdp_disconnect(LauncherRdp *r);
gboolean launcher_rdp_is_open(LauncherRdp *r);

/* The command line xfreerdp gets (without the program name), for tests and
 * the log: it never holds a password. Free with g_strfreev. */
char **launcher_rdp_arguments(const struct broker_endpoint *ep, const LauncherRdpOptions *opt,
			      unsigned long parent, const char *usb_ids, gboolean drives,
			      gboolean verify_ca);

#endif
