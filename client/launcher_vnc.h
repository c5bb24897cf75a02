/* One VNC connection: gtk-vnc's VncDisplay in the launcher's window, with
 * password authentication. VNC is the fallback and the out-of-band console
 * (QEMU's own VNC server), so it has one display, scaled to the first
 * monitor with its aspect kept, and no USB or audio.
 *
 * Callbacks run from an idle handler, never from inside a gtk-vnc signal,
 * so the receiver may tear the connection down right away. */
#ifndef LAUNCHER_VNC_H
#define LAUNCHER_VNC_H

#include <gtk/gtk.h>

#include "broker_reply_parse.h"

typedef struct LauncherVnc LauncherVnc;

typedef struct {
	void (*opened)(gpointer user_data);
	/* Before opened: kind is connect, auth or timeout. */
	void (*failed)(gpointer user_data, const char *kind, const char *message);
	/* After opened: server_closed or connection_lost. */
	void (*ended)(gpointer user_data, const char *reason);
	void (*display_added)(gpointer user_data, GtkWidget *display, guint order);
} LauncherVncCallbacks;

LauncherVnc *launcher_vnc_new(const LauncherVncCallbacks *cb, gpointer user_data);
void launcher_vnc_free(LauncherVnc *v);

/* Starts connecting to ep (a vnc endpoint; its password, if any, answers
 * the server's password request). */
gboolean launcher_vnc_connect(LauncherVnc *v, const struct broker_endpoint *ep, int connect_timeout,
			      GError **error);
void launcher_vnc_disconnect(LauncherVnc *v);
gboolean launcher_vnc_is_open(LauncherVnc *v);

#endif
