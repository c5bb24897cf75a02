/* The one interface of the desktop viewers (SPICE, RDP, VNC): a table of
 * operations each viewer implements, and the callbacks through which a
 * viewer tells the session what happened. The session looks the table up
 * by the endpoint's protocol (launcher_viewer_open), creates the viewer
 * when it tries that endpoint and destroys it when the attempt fails or
 * the session ends: only the viewer in use exists.
 *
 * Every callback runs from the main loop (an idle handler or a child's
 * exit), never from inside a toolkit signal of the viewer, so the session
 * may close the viewer from within any callback. */
#ifndef LAUNCHER_VIEWER_H
#define LAUNCHER_VIEWER_H

#include <gtk/gtk.h>

#include "broker_reply_parse.h"

/* The USB policy when the broker sends no filter: storage, still-image
 * (scanners, cameras) and video classes; never HID. SPICE and RDP apply
 * it (VNC has no USB). */
#define LAUNCHER_USB_DEFAULT_REDIRECT                                                              \
	"0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|0x0e,-1,-1,-1,1|-1,-1,-1,-1,0"
#define LAUNCHER_USB_DEFAULT_DENY "0x03,-1,-1,-1,0|-1,-1,-1,-1,1"

typedef struct {
	/* The session has started (SPICE: main channel open; RDP: the
	 * child's window is mapped; VNC: initialised). */
	void (*opened)(gpointer user_data);
	/* The endpoint could not be used (before opened): kind is connect,
	 * auth, account, tls, link, license, server or timeout. */
	void (*failed)(gpointer user_data, const char *kind, const char *message);
	/* A started session ended: reason for the broker (server_closed,
	 * connection_lost, RDP's logoff, idle_timeout, ...), message for the
	 * user, NULL when the user or the server ended it on purpose. */
	void (*ended)(gpointer user_data, const char *reason, const char *message);
	/* A display for a monitor of the desktop, to be put on screen; order
	 * sorts them (by channel, then monitor). */
	void (*display_added)(gpointer user_data, GtkWidget *display, guint order);
	/* A short notice for the user during the session (USB failures). */
	void (*notice)(gpointer user_data, const char *text);
} LauncherViewerCallbacks;

/* What the session tells a viewer about a connection; each viewer uses
 * what applies to it. */
typedef struct {
	int connect_timeout; /* seconds until the session must be open */
	int width, height;   /* the first monitor (RDP sizes its desktop so) */
	gboolean audio;
	gboolean usb;
	const char *usb_redirect; /* NULL: LAUNCHER_USB_DEFAULT_REDIRECT */
	const char *usb_deny;	  /* NULL: LAUNCHER_USB_DEFAULT_DENY */
	const char *share_cd;	  /* SPICE: an ISO image offered as a USB CD */
	const char *sysroot;
	/* Single sign-on (RDP): the user's login, or NULL. */
	const char *username;
	const char *password;
} LauncherViewerOptions;

typedef struct {
	const char *name; /* the protocol, as the broker names it */
	/* Its failure messages are whole sentences for the user (RDP's exit
	 * status table), not details to put after the session's words. */
	gboolean sentences;
	/* Creates a viewer and starts connecting to ep. NULL with error when
	 * it cannot start; otherwise the outcome arrives through opened or
	 * failed. cb and user_data are kept. */
	gpointer (*open)(const struct broker_endpoint *ep, const LauncherViewerOptions *opt,
			 const LauncherViewerCallbacks *cb, gpointer user_data, GError **error);
	/* Ends the connection without calling back and frees the viewer. */
	void (*close)(gpointer viewer);
	/* Gives the keyboard to the desktop. */
	void (*focus)(gpointer viewer);
	gboolean (*is_open)(gpointer viewer);
} LauncherViewerOps;

/* The viewers, each in its own file. */
extern const LauncherViewerOps launcher_spice_viewer;
extern const LauncherViewerOps launcher_rdp_viewer;
extern const LauncherViewerOps launcher_vnc_viewer;

typedef struct LauncherViewer LauncherViewer;

/* The viewer for ep's protocol, connecting. NULL with error when this
 * station has no viewer for the protocol (G_IO_ERROR_NOT_SUPPORTED) or the
 * viewer cannot start. */
LauncherViewer *launcher_viewer_open(const struct broker_endpoint *ep,
				     const LauncherViewerOptions *opt,
				     const LauncherViewerCallbacks *cb, gpointer user_data,
				     GError **error);
/* Whether this station has a viewer for protocol. */
gboolean launcher_viewer_supports(enum broker_protocol protocol);
/* Closes (no more callbacks) and frees; NULL is fine. */
void launcher_viewer_close(LauncherViewer *v);
void launcher_viewer_focus(LauncherViewer *v);
/* FALSE for NULL. */
gboolean launcher_viewer_is_open(const LauncherViewer *v);
gboolean launcher_viewer_sentences(const LauncherViewer *v);

#endif
