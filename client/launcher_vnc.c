/* VNC connections: see launcher_vnc.h. */
#include "launcher_vnc.h"

typedef struct LauncherVnc LauncherVnc;

#ifdef LAUNCHER_NO_VNC

/* The launcher of images without the VNC viewer (PROFILE=spice-only) is
 * linked without gtk-vnc. A VNC endpoint then fails at once, with words
 * an admin understands, and the session goes on to the next endpoint. */
struct LauncherVnc {
	LauncherViewerCallbacks cb;
};

static LauncherVnc *launcher_vnc_new(const LauncherViewerCallbacks *cb, gpointer user_data)
{
	LauncherVnc *v = g_new0(LauncherVnc, 1);

	v->cb = *cb;
	return v;
}

static void launcher_vnc_free(LauncherVnc *v)
{
	g_free(v);
}

static gboolean launcher_vnc_is_open(LauncherVnc *v)
{
	return FALSE;
}

static gboolean launcher_vnc_connect(LauncherVnc *v, const struct broker_endpoint *ep,
				     int connect_timeout, GError **error)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "this station's image has no VNC viewer");
	return FALSE;
}

static void launcher_vnc_focus(gpointer viewer)
{
}

#else

#include <string.h>
#include <vncdisplay.h>

#include "launcher_secret.h"
#include "log.h"

struct LauncherVnc {
	LauncherViewerCallbacks cb;
	gpointer user_data;
	GtkWidget *display;
	char *password;
	gboolean opened, done;
	guint timeout, pending;
	enum { LVNC_NONE, LVNC_OPENED, LVNC_FAILED, LVNC_ENDED } out;
	char *kind, *message;
};

static void launcher_vnc_disconnect(LauncherVnc *v);

static LauncherVnc *launcher_vnc_new(const LauncherViewerCallbacks *cb, gpointer user_data)
{
	LauncherVnc *v = g_new0(LauncherVnc, 1);

	v->cb = *cb;
	v->user_data = user_data;
	return v;
}

static void launcher_vnc_free(LauncherVnc *v)
{
	if (!v)
		return;
	launcher_vnc_disconnect(v);
	g_free(v);
}

static gboolean launcher_vnc_is_open(LauncherVnc *v)
{
	return v->display && v->opened && !v->done;
}

static gboolean launcher_vnc_deliver(gpointer user_data)
{
	LauncherVnc *v = user_data;
	int out = v->out;
	g_autofree char *kind = g_steal_pointer(&v->kind);
	g_autofree char *message = g_steal_pointer(&v->message);

	v->pending = 0;
	v->out = LVNC_NONE;
	switch (out) {
	case LVNC_OPENED:
		/* On screen only now, with a picture: the page never shows
		 * an empty widget. */
		v->cb.display_added(v->user_data, v->display, 0);
		v->cb.opened(v->user_data);
		break;
	case LVNC_FAILED:
		v->cb.failed(v->user_data, kind, message);
		break;
	case LVNC_ENDED:
		v->cb.ended(v->user_data, kind, NULL);
		break;
	default:
		break;
	}
	return G_SOURCE_REMOVE;
}

/* The first failure or end wins; what gtk-vnc says after it adds nothing. */
static void launcher_vnc_outcome(LauncherVnc *v, int out, const char *kind, const char *message)
{
	if (v->done)
		return;
	if (out != LVNC_OPENED)
		v->done = TRUE;
	g_clear_handle_id(&v->timeout, g_source_remove);
	v->out = out;
	g_free(v->kind);
	g_free(v->message);
	v->kind = g_strdup(kind);
	v->message = g_strdup(message);
	if (!v->pending)
		v->pending = g_idle_add_full(G_PRIORITY_HIGH_IDLE, launcher_vnc_deliver, v, NULL);
}

static void launcher_vnc_initialized(VncDisplay *d, gpointer user_data)
{
	LauncherVnc *v = user_data;

	v->opened = TRUE;
	launcher_secret_clear(&v->password);
	log_event(LOG_INFO, "vnc_initialized", NULL);
	launcher_vnc_outcome(v, LVNC_OPENED, NULL, NULL);
}

static void launcher_vnc_credential(VncDisplay *d, GValueArray *creds, gpointer user_data)
{
	LauncherVnc *v = user_data;

	G_GNUC_BEGIN_IGNORE_DEPRECATIONS
	for (guint i = 0; i < creds->n_values; i++) {
		int type = g_value_get_enum(g_value_array_get_nth(creds, i));

		if (type == VNC_DISPLAY_CREDENTIAL_PASSWORD && v->password) {
			vnc_display_set_credential(d, type, v->password);
		} else if (type == VNC_DISPLAY_CREDENTIAL_CLIENTNAME) {
			vnc_display_set_credential(d, type, "vdi-station");
		} else {
			/* Nobody can type it in: the station has no
			 * prompt for desktop passwords. */
			launcher_vnc_outcome(v, LVNC_FAILED, "auth",
					     type == VNC_DISPLAY_CREDENTIAL_PASSWORD
						 ? "the desktop wants a password and none was given"
						 : "the desktop wants a user name");
			return;
		}
	}
	G_GNUC_END_IGNORE_DEPRECATIONS
}

static void launcher_vnc_auth_failure(VncDisplay *d, const char *msg, gpointer user_data)
{
	LauncherVnc *v = user_data;

	launcher_vnc_outcome(v, LVNC_FAILED, "auth", msg && *msg ? msg : "wrong password");
}

static void launcher_vnc_auth_unsupported(VncDisplay *d, guint type, gpointer user_data)
{
	launcher_vnc_outcome(user_data, LVNC_FAILED, "auth",
			     "the desktop asks for a login this station does not support");
}

static void launcher_vnc_error(VncDisplay *d, const char *msg, gpointer user_data)
{
	LauncherVnc *v = user_data;

	log_event(LOG_WARN, "vnc_error", "error", msg, NULL);
	if (v->opened)
		launcher_vnc_outcome(v, LVNC_ENDED, "connection_lost", msg);
	else
		/* gtk-vnc reports a refused password here first, before its
		 * vnc-auth-failure signal; its message is the only tell. */
		launcher_vnc_outcome(v, LVNC_FAILED,
				     msg && strstr(msg, "uthentication") ? "auth" : "connect",
				     msg && *msg ? msg : "failed");
}

static void launcher_vnc_disconnected(VncDisplay *d, gpointer user_data)
{
	LauncherVnc *v = user_data;

	if (v->opened)
		launcher_vnc_outcome(v, LVNC_ENDED, "server_closed", NULL);
	else
		launcher_vnc_outcome(v, LVNC_FAILED, "connect",
				     "the desktop closed the connection");
}

static gboolean launcher_vnc_timed_out(gpointer user_data)
{
	LauncherVnc *v = user_data;

	v->timeout = 0;
	if (!v->opened)
		launcher_vnc_outcome(v, LVNC_FAILED, "timeout", "no answer from the desktop");
	return G_SOURCE_REMOVE;
}

static gboolean launcher_vnc_connect(LauncherVnc *v, const struct broker_endpoint *ep,
				     int connect_timeout, GError **error)
{
	VncDisplay *d;
	char port[8];

	launcher_vnc_disconnect(v);
	v->opened = FALSE;
	v->done = FALSE;
	v->password = ep->password ? launcher_secret_dup(ep->password) : NULL;
	v->display = g_object_ref_sink(vnc_display_new());
	d = VNC_DISPLAY(v->display);
	gtk_widget_set_name(v->display, "vdi-display");
	/* Scaled to the monitor with its aspect kept; every key (Ctrl+Alt+Del
	 * included) and the pointer go to the desktop; the desktop is shared
	 * (QEMU's console may have an admin on it too); nothing is copied out
	 * of it. */
	vnc_display_set_scaling(d, TRUE);
	vnc_display_set_keep_aspect_ratio(d, TRUE);
	vnc_display_set_keyboard_grab(d, TRUE);
	vnc_display_set_pointer_grab(d, TRUE);
	vnc_display_set_shared_flag(d, TRUE);
	g_signal_connect(d, "vnc-initialized", G_CALLBACK(launcher_vnc_initialized), v);
	g_signal_connect(d, "vnc-auth-credential", G_CALLBACK(launcher_vnc_credential), v);
	g_signal_connect(d, "vnc-auth-failure", G_CALLBACK(launcher_vnc_auth_failure), v);
	g_signal_connect(d, "vnc-auth-unsupported", G_CALLBACK(launcher_vnc_auth_unsupported), v);
	g_signal_connect(d, "vnc-error", G_CALLBACK(launcher_vnc_error), v);
	g_signal_connect(d, "vnc-disconnected", G_CALLBACK(launcher_vnc_disconnected), v);
	g_snprintf(port, sizeof(port), "%u", ep->port ? ep->port : 5900);
	if (!vnc_display_open_host(d, ep->host, port)) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "the VNC connection could not start");
		launcher_vnc_disconnect(v);
		return FALSE;
	}
	v->timeout =
	    g_timeout_add_seconds((guint)MAX(connect_timeout, 1), launcher_vnc_timed_out, v);
	return TRUE;
}

static void launcher_vnc_disconnect(LauncherVnc *v)
{
	g_clear_handle_id(&v->timeout, g_source_remove);
	g_clear_handle_id(&v->pending, g_source_remove);
	g_clear_pointer(&v->kind, g_free);
	g_clear_pointer(&v->message, g_free);
	v->out = LVNC_NONE;
	launcher_secret_clear(&v->password);
	if (v->display) {
		g_signal_handlers_disconnect_by_data(v->display, v);
		vnc_display_close(VNC_DISPLAY(v->display));
		gtk_widget_destroy(v->display);
		g_clear_object(&v->display);
	}
	v->opened = FALSE;
	v->done = FALSE;
}

static void launcher_vnc_focus(gpointer viewer)
{
	LauncherVnc *v = viewer;

	if (v->display && gtk_widget_get_mapped(v->display))
		gtk_widget_grab_focus(v->display);
}

#endif

/* ---- the viewer interface ---- */

static gpointer launcher_vnc_open(const struct broker_endpoint *ep,
				  const LauncherViewerOptions *opt,
				  const LauncherViewerCallbacks *cb, gpointer user_data,
				  GError **error)
{
	LauncherVnc *v = launcher_vnc_new(cb, user_data);

	if (!launcher_vnc_connect(v, ep, opt->connect_timeout, error)) {
		launcher_vnc_free(v);
		return NULL;
	}
	return v;
}

static void launcher_vnc_close(gpointer viewer)
{
	launcher_vnc_free(viewer);
}

static gboolean launcher_vnc_viewer_is_open(gpointer viewer)
{
	return launcher_vnc_is_open(viewer);
}

const LauncherViewerOps launcher_vnc_viewer = {
    .name = "vnc",
    .open = launcher_vnc_open,
    .close = launcher_vnc_close,
    .focus = launcher_vnc_focus,
    .is_open = launcher_vnc_viewer_is_open,
};
