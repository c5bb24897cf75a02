/* One SPICE connection: a fresh SpiceSession per connection, a SpiceDisplay
 * for each monitor the desktop offers, USB redirection and audio.
 *
 * Every callback runs from an idle handler, never from inside a spice-gtk
 * signal, so the receiver may tear the connection down right away. */
#ifndef LAUNCHER_SPICE_H
#define LAUNCHER_SPICE_H

#include <gtk/gtk.h>

#include "broker_reply_parse.h"

typedef struct LauncherSpice LauncherSpice;

typedef struct {
	/* The main channel is open: the session has started. */
	void (*opened)(gpointer user_data);
	/* The endpoint could not be used (before opened): kind is connect,
	 * auth, tls, link or timeout. */
	void (*failed)(gpointer user_data, const char *kind, const char *message);
	/* A started session ended: reason is server_closed or
	 * connection_lost. */
	void (*ended)(gpointer user_data, const char *reason);
	/* A display for a monitor of the desktop, to be put on screen; order
	 * sorts them (by channel, then monitor). */
	void (*display_added)(gpointer user_data, GtkWidget *display, guint order);
	/* Short notices for the user (USB failures). */
	void (*notice)(gpointer user_data, const char *text);
} LauncherSpiceCallbacks;

typedef struct {
	int connect_timeout; /* seconds until the main channel must be open */
	gboolean audio;
	gboolean usb;
	const char *usb_redirect; /* NULL: the defaults */
	const char *usb_deny;
	const char *share_cd;
} LauncherSpiceOptions;

LauncherSpice *launcher_spice_new(const LauncherSpiceCallbacks *cb, gpointer user_data);
/* Disconnects (no callbacks) and frees. */
void launcher_spice_free(LauncherSpice *s);

/* Starts connecting to ep (a spice endpoint). The outcome arrives through
 * opened or failed. */
gboolean launcher_spice_connect(LauncherSpice *s, const struct broker_endpoint *ep,
				const LauncherSpiceOptions *opt, GError **error);
/* Ends the current connection without calling back; its displays are
 * destroyed and its session freed. Safe when not connected. */
void launcher_spice_disconnect(LauncherSpice *s);
gboolean launcher_spice_is_open(LauncherSpice *s);

#endif
