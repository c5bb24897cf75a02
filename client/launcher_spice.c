/* SPICE connections: see launcher_spice.h. */
#include "launcher_spice.h"

typedef struct LauncherSpice LauncherSpice;

#include <spice-client-gtk.h>
#include <spice-client.h>

#include "launcher_spice_usb.h"
#include "log.h"

struct LauncherSpice {
	LauncherViewerCallbacks cb;
	gpointer user_data;
	SpiceSession *session;
	SpiceMainChannel *main;
	LauncherSpiceUsb *usb;
	GHashTable *displays; /* (channel_id << 8 | monitor_id) -> SpiceDisplay */
	GPtrArray *display_channels;
	gboolean opened;
	gboolean done; /* failed or ended reported: ignore the rest */
	guint timeout;
	guint pending; /* idle handler delivering the outcome */
	char *pending_kind, *pending_message;
	enum {
		LSPICE_OUT_NONE,
		LSPICE_OUT_OPENED,
		LSPICE_OUT_FAILED,
		LSPICE_OUT_ENDED
	} pending_out;
	GPtrArray *added; /* displays created, not yet handed out */
};

static gboolean launcher_spice_deliver(gpointer user_data);
static void launcher_spice_disconnect(LauncherSpice *s);

static LauncherSpice *launcher_spice_new(const LauncherViewerCallbacks *cb, gpointer user_data)
{
	LauncherSpice *s = g_new0(LauncherSpice, 1);

	s->cb = *cb;
	s->user_data = user_data;
	return s;
}

static void launcher_spice_free(LauncherSpice *s)
{
	if (!s)
		return;
	launcher_spice_disconnect(s);
	g_free(s);
}

static gboolean launcher_spice_is_open(LauncherSpice *s)
{
	return s->session && s->opened && !s->done;
}

/* Records the outcome and delivers it from an idle handler. The first
 * failure or end wins; later channel errors of the same connection add
 * nothing. */
static void launcher_spice_outcome(LauncherSpice *s, int out, const char *kind, const char *message)
{
	if (s->done)
		return;
	if (out == LSPICE_OUT_FAILED || out == LSPICE_OUT_ENDED)
		s->done = TRUE;
	if (s->pending_out != LSPICE_OUT_NONE && out == LSPICE_OUT_OPENED)
		return;
	s->pending_out = out;
	g_free(s->pending_kind);
	g_free(s->pending_message);
	s->pending_kind = g_strdup(kind);
	s->pending_message = g_strdup(message);
	if (!s->pending)
		s->pending = g_idle_add_full(G_PRIORITY_HIGH_IDLE, launcher_spice_deliver, s, NULL);
}

static gboolean launcher_spice_deliver(gpointer user_data)
{
	LauncherSpice *s = user_data;
	int out = s->pending_out;
	g_autofree char *kind = g_steal_pointer(&s->pending_kind);
	g_autofree char *message = g_steal_pointer(&s->pending_message);

	s->pending = 0;
	s->pending_out = LSPICE_OUT_NONE;
	/* Hand out displays first, so that opened finds them in place. */
	while (s->added && s->added->len && !s->done) {
		GtkWidget *d = g_ptr_array_steal_index(s->added, 0);
		s->cb.display_added(s->user_data, d,
				    GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(d), "vdi-order")));
	}
	switch (out) {
	case LSPICE_OUT_OPENED:
		s->cb.opened(s->user_data);
		break;
	case LSPICE_OUT_FAILED:
		s->cb.failed(s->user_data, kind, message);
		break;
	case LSPICE_OUT_ENDED:
		s->cb.ended(s->user_data, kind, NULL);
		break;
	default:
		break;
	}
	return G_SOURCE_REMOVE;
}

static const char *launcher_spice_event_kind(SpiceChannelEvent ev)
{
	switch (ev) {
	case SPICE_CHANNEL_ERROR_AUTH:
		return "auth";
	case SPICE_CHANNEL_ERROR_TLS:
		return "tls";
	case SPICE_CHANNEL_ERROR_LINK:
		return "link";
	default:
		return "connect";
	}
}

static void launcher_spice_main_event(SpiceChannel *channel, SpiceChannelEvent ev,
				      gpointer user_data)
{
	LauncherSpice *s = user_data;
	const GError *err = spice_channel_get_error(channel);
	const char *msg = err ? err->message : NULL;
	char evtext[16];

	g_snprintf(evtext, sizeof(evtext), "%d", ev);
	log_event(LOG_DEBUG, "spice_main", "event", evtext, "error", msg, NULL);
	switch (ev) {
	case SPICE_CHANNEL_OPENED:
		s->opened = TRUE;
		g_clear_handle_id(&s->timeout, g_source_remove);
		launcher_spice_outcome(s, LSPICE_OUT_OPENED, NULL, NULL);
		break;
	case SPICE_CHANNEL_CLOSED:
		if (s->opened)
			launcher_spice_outcome(s, LSPICE_OUT_ENDED, "server_closed", msg);
		else
			launcher_spice_outcome(s, LSPICE_OUT_FAILED, "connect",
					       msg ? msg : "the server closed the connection");
		break;
	case SPICE_CHANNEL_ERROR_IO:
		if (s->opened)
			launcher_spice_outcome(s, LSPICE_OUT_ENDED, "connection_lost", msg);
		else
			launcher_spice_outcome(s, LSPICE_OUT_FAILED, "connect",
					       msg ? msg : "input/output error");
		break;
	case SPICE_CHANNEL_ERROR_CONNECT:
	case SPICE_CHANNEL_ERROR_TLS:
	case SPICE_CHANNEL_ERROR_LINK:
	case SPICE_CHANNEL_ERROR_AUTH:
		if (s->opened)
			launcher_spice_outcome(s, LSPICE_OUT_ENDED, "connection_lost", msg);
		else
			launcher_spice_outcome(s, LSPICE_OUT_FAILED, launcher_spice_event_kind(ev),
					       msg ? msg : "connection failed");
		break;
	default:
		break;
	}
}

static void launcher_spice_new_display(LauncherSpice *s, int channel_id, int monitor_id)
{
	guint key = (guint)channel_id << 8 | (guint)monitor_id;
	SpiceDisplay *d;
	char ch[16], mon[16];

	if (g_hash_table_contains(s->displays, GUINT_TO_POINTER(key)))
		return;
	d = spice_display_new_with_monitor(s->session, channel_id, monitor_id);
	/* Keyboard grab: Ctrl+Alt+Del and the like go to the desktop. The
	 * picture is scaled to the monitor; with a guest agent the desktop
	 * is resized to it instead. */
	g_object_set(d, "grab-keyboard", TRUE, "grab-mouse", TRUE, "scaling", TRUE, "resize-guest",
		     TRUE, NULL);
	gtk_widget_set_name(GTK_WIDGET(d), "vdi-display");
	g_object_ref_sink(d);
	g_object_set_data(G_OBJECT(d), "vdi-order", GUINT_TO_POINTER(key));
	g_hash_table_insert(s->displays, GUINT_TO_POINTER(key), d);
	g_snprintf(ch, sizeof(ch), "%d", channel_id);
	g_snprintf(mon, sizeof(mon), "%d", monitor_id);
	log_event(LOG_INFO, "display_added", "channel", ch, "monitor", mon, NULL);
	if (!s->added)
		s->added = g_ptr_array_new();
	g_ptr_array_add(s->added, d);
	if (!s->pending)
		s->pending = g_idle_add_full(G_PRIORITY_HIGH_IDLE, launcher_spice_deliver, s, NULL);
}

static void launcher_spice_monitors_changed(GObject *channel, GParamSpec *pspec, gpointer user_data)
{
	LauncherSpice *s = user_data;
	g_autoptr(GArray) monitors = NULL;
	int channel_id = 0;

	g_object_get(channel, "channel-id", &channel_id, "monitors", &monitors, NULL);
	if (!monitors)
		return;
	{
		char ch[16], n[16];
		g_snprintf(ch, sizeof(ch), "%d", channel_id);
		g_snprintf(n, sizeof(n), "%u", monitors->len);
		log_event(LOG_DEBUG, "spice_monitors", "channel", ch, "count", n, NULL);
	}
	/* New monitors get a display; displays of monitors that went away
	 * stay until the session ends (a guest reconfiguring its heads
	 * briefly reports fewer, and the widget shows nothing then). */
	for (guint i = 0; i < monitors->len; i++) {
		SpiceDisplayMonitorConfig *m =
		    &g_array_index(monitors, SpiceDisplayMonitorConfig, i);
		launcher_spice_new_display(s, channel_id, (int)m->id);
	}
}

static void launcher_spice_channel_new(SpiceSession *session, SpiceChannel *channel,
				       gpointer user_data)
{
	LauncherSpice *s = user_data;
	int id = 0, type = 0;
	char idtext[16];

	g_object_get(channel, "channel-id", &id, "channel-type", &type, NULL);
	g_snprintf(idtext, sizeof(idtext), "%d", id);
	log_event(LOG_DEBUG, "spice_channel", "type", spice_channel_type_to_string(type), "id",
		  idtext, NULL);
	if (SPICE_IS_MAIN_CHANNEL(channel)) {
		s->main = SPICE_MAIN_CHANNEL(channel);
		g_signal_connect(channel, "channel-event", G_CALLBACK(launcher_spice_main_event),
				 s);
	} else if (SPICE_IS_DISPLAY_CHANNEL(channel)) {
		g_ptr_array_add(s->display_channels, g_object_ref(channel));
		g_signal_connect(channel, "notify::monitors",
				 G_CALLBACK(launcher_spice_monitors_changed), s);
		/* Every display channel has a head 0 (a desktop with two
		 * graphics cards has two channels); asking for it early shows
		 * the desktop as soon as its first frame arrives. */
		launcher_spice_new_display(s, id, 0);
		launcher_spice_monitors_changed(G_OBJECT(channel), NULL, s);
	} else if (SPICE_IS_PLAYBACK_CHANNEL(channel) || SPICE_IS_RECORD_CHANNEL(channel)) {
		log_event(LOG_DEBUG, "spice_audio_channel", NULL);
	}
}

static void launcher_spice_disconnected(SpiceSession *session, gpointer user_data)
{
	LauncherSpice *s = user_data;

	if (s->opened)
		launcher_spice_outcome(s, LSPICE_OUT_ENDED, "server_closed", NULL);
	else
		launcher_spice_outcome(s, LSPICE_OUT_FAILED, "connect", "disconnected");
}

static gboolean launcher_spice_timed_out(gpointer user_data)
{
	LauncherSpice *s = user_data;

	s->timeout = 0;
	if (!s->opened)
		launcher_spice_outcome(s, LSPICE_OUT_FAILED, "timeout",
				       "no answer from the desktop");
	return G_SOURCE_REMOVE;
}

static void launcher_spice_notice(gpointer user_data, const char *text)
{
	LauncherSpice *s = user_data;
	s->cb.notice(s->user_data, text);
}

static gboolean launcher_spice_connect(LauncherSpice *s, const struct broker_endpoint *ep,
				       const LauncherViewerOptions *opt, GError **error)
{
	char port[8], tls_port[8];

	launcher_spice_disconnect(s);
	s->session = spice_session_new();
	s->displays = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->display_channels = g_ptr_array_new_with_free_func(g_object_unref);
	s->opened = FALSE;
	s->done = FALSE;

	g_snprintf(port, sizeof(port), "%u", ep->port);
	g_snprintf(tls_port, sizeof(tls_port), "%u", ep->tls_port);
	g_object_set(s->session, "host", ep->host, "port", ep->port ? port : NULL, "tls-port",
		     ep->tls_port ? tls_port : NULL, "password", ep->password,
		     /* Nothing of this station goes to the desktop but what
		      * the policy says: no shared folders, no smartcards. */
		     "enable-smartcard", FALSE, "enable-audio", opt->audio, "enable-usbredir",
		     opt->usb, NULL);
	if (ep->ca) {
		GByteArray *ca = g_byte_array_new();
		/* spice-gtk wants the PEM text with its terminating NUL. */
		g_byte_array_append(ca, (const guint8 *)ep->ca, (guint)strlen(ep->ca) + 1);
		g_object_set(s->session, "ca", ca, NULL);
		g_byte_array_unref(ca);
	}
	if (ep->host_subject)
		g_object_set(s->session, "cert-subject", ep->host_subject, "verify",
			     SPICE_SESSION_VERIFY_SUBJECT, NULL);
	if (ep->proxy)
		g_object_set(s->session, "proxy", ep->proxy, NULL);

	/* The clipboard would otherwise carry what one user copied in the
	 * desktop over to the station, and from there to the next user. */
	g_object_set(spice_gtk_session_get(s->session), "auto-clipboard", FALSE, NULL);

	g_signal_connect(s->session, "channel-new", G_CALLBACK(launcher_spice_channel_new), s);
	g_signal_connect(s->session, "disconnected", G_CALLBACK(launcher_spice_disconnected), s);
	if (opt->audio && !spice_audio_get(s->session, NULL))
		log_event(LOG_INFO, "spice_audio", "status", "unavailable", NULL);
	if (opt->usb) {
		g_autoptr(GError) usb_error = NULL;
		s->usb =
		    launcher_spice_usb_new(s->session, opt->usb_redirect, opt->usb_deny,
					   opt->share_cd, launcher_spice_notice, s, &usb_error);
		if (!s->usb)
			log_event(LOG_WARN, "usb_unavailable", "error", usb_error->message, NULL);
	}
	if (!spice_session_connect(s->session)) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "the SPICE session could not start");
		launcher_spice_disconnect(s);
		return FALSE;
	}
	s->timeout =
	    g_timeout_add_seconds((guint)MAX(opt->connect_timeout, 1), launcher_spice_timed_out, s);
	return TRUE;
}

static void launcher_spice_disconnect(LauncherSpice *s)
{
	GHashTableIter it;
	gpointer value;

	g_clear_handle_id(&s->timeout, g_source_remove);
	g_clear_handle_id(&s->pending, g_source_remove);
	g_clear_pointer(&s->pending_kind, g_free);
	g_clear_pointer(&s->pending_message, g_free);
	s->pending_out = LSPICE_OUT_NONE;
	if (!s->session)
		return;
	g_signal_handlers_disconnect_by_data(s->session, s);
	if (s->main)
		g_signal_handlers_disconnect_by_data(s->main, s);
	for (guint i = 0; i < s->display_channels->len; i++)
		g_signal_handlers_disconnect_by_data(g_ptr_array_index(s->display_channels, i), s);
	g_clear_pointer(&s->usb, launcher_spice_usb_free);
	/* Displays hold references on the session: destroy them first. The
	 * owner has already removed the ones it was given from its window. */
	g_hash_table_iter_init(&it, s->displays);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		gtk_widget_destroy(value);
		g_object_unref(value);
	}
	g_clear_pointer(&s->displays, g_hash_table_unref);
	g_clear_pointer(&s->added, g_ptr_array_unref);
	g_clear_pointer(&s->display_channels, g_ptr_array_unref);
	s->main = NULL;
	spice_session_disconnect(s->session);
	g_clear_object(&s->session);
	s->opened = FALSE;
	s->done = FALSE;
}

/* ---- the viewer interface ---- */

static gpointer launcher_spice_open(const struct broker_endpoint *ep,
				    const LauncherViewerOptions *opt,
				    const LauncherViewerCallbacks *cb, gpointer user_data,
				    GError **error)
{
	LauncherSpice *s = launcher_spice_new(cb, user_data);

	if (!launcher_spice_connect(s, ep, opt, error)) {
		launcher_spice_free(s);
		return NULL;
	}
	return s;
}

static void launcher_spice_close(gpointer viewer)
{
	launcher_spice_free(viewer);
}

/* The keyboard goes to the first display (lowest order), as on the
 * desktop page: spice-gtk grabs it from there. */
static void launcher_spice_focus(gpointer viewer)
{
	LauncherSpice *s = viewer;
	GtkWidget *first = NULL;
	guint best = G_MAXUINT;
	GHashTableIter it;
	gpointer value;

	if (!s->displays)
		return;
	g_hash_table_iter_init(&it, s->displays);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		guint order = GPOINTER_TO_UINT(g_object_get_data(value, "vdi-order"));
		if (gtk_widget_get_mapped(value) && order < best) {
			best = order;
			first = value;
		}
	}
	if (first)
		gtk_widget_grab_focus(first);
}

static gboolean launcher_spice_viewer_is_open(gpointer viewer)
{
	return launcher_spice_is_open(viewer);
}

const LauncherViewerOps launcher_spice_viewer = {
    .name = "spice",
    .open = launcher_spice_open,
    .close = launcher_spice_close,
    .focus = launcher_spice_focus,
    .is_open = launcher_spice_viewer_is_open,
};
