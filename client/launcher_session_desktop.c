/* The session's desktop: the endpoints tried in order (CONNECTING, one
 * entry per endpoint), the open session (CONNECTED), what the viewer
 * reports, and the end of the session. */
#include "launcher_session_internal.h"

#include "launcher_diag.h"
#include "launcher_secret.h"
#include "log.h"

/* How long an unsupported endpoint's notice stays before the next one. */
#define UNSUPPORTED_PAUSE_MS 2000
/* A session shorter than this counts as a failed one for auto-connect. */
#define SHORT_SESSION_US (60 * G_USEC_PER_SEC)

static const LauncherViewerCallbacks session_desktop_viewer_cb;

/* ---- connecting ---- */

static void session_desktop_all_failed(LauncherSession *s)
{
	g_autofree char *failures = g_strdup(launcher_failover_failures(&s->failover));

	launcher_session_clear_credentials(s);
	if (s->direct) {
		g_autofree char *text =
		    launcher_errors_body(LAUNCHER_SCREEN_DIRECT_UNREACHABLE, failures, NULL);
		g_strchomp(text);
		launcher_connect_file_finish(s, LAUNCHER_EXIT_UNREACHABLE,
					     LAUNCHER_SCREEN_DIRECT_UNREACHABLE, text);
		return;
	}
	/* With a login, the desktop passwords came with it: a new attempt
	 * needs the user again. */
	launcher_session_message(s,
				 s->login ? LAUNCHER_SCREEN_DESKTOP_UNREACHABLE_LOGIN
					  : LAUNCHER_SCREEN_DESKTOP_UNREACHABLE,
				 failures, NULL, -1, "every endpoint failed");
}

/* The next endpoint, or the end of the list. */
static void session_desktop_next(LauncherSession *s, const char *reason)
{
	if (!launcher_failover_endpoint(&s->failover)) {
		session_desktop_all_failed(s);
		return;
	}
	launcher_session_enter(s, SESSION_CONNECTING, reason, NULL);
}

void launcher_session_desktop_start(LauncherSession *s, struct broker_reply *r)
{
	s->limits_policy = (LauncherLimitsPolicy){
	    .max_seconds = r->policy.max_seconds,
	    .idle_seconds = r->policy.idle_seconds,
	    .warning_seconds = r->policy.warning_seconds ? r->policy.warning_seconds
							 : LAUNCHER_LIMITS_WARNING_DEFAULT,
	};
	launcher_cred_take_reply(&s->cred, r);
	launcher_failover_take(&s->failover, r);
	if (!launcher_failover_endpoint(&s->failover)) {
		launcher_session_message(s, LAUNCHER_SCREEN_NO_DESKTOP, NULL, NULL, -1,
					 "broker: ready without endpoints");
		return;
	}
	session_desktop_next(s, "broker: ready");
}

static void session_desktop_failed_endpoint(LauncherSession *s, const char *why)
{
	launcher_failover_failed(&s->failover, why);
	session_desktop_next(s, "endpoint failed");
}

static gboolean session_desktop_unsupported_done(gpointer user_data)
{
	LauncherSession *s = user_data;

	s->pause = 0;
	launcher_failover_unsupported(&s->failover);
	session_desktop_next(s, "endpoint not supported");
	return G_SOURCE_REMOVE;
}

static LauncherViewerOptions session_desktop_options(LauncherSession *s)
{
	LauncherViewerOptions o = {
	    .connect_timeout = s->cfg->connect_timeout,
	    .audio = s->cfg->audio,
	    .usb = s->cfg->usb,
	    .usb_redirect = s->usb_redirect,
	    .usb_deny = s->usb_deny,
	    .share_cd = s->cfg->share_cd,
	    .sysroot = s->cfg->sysroot,
	};

	launcher_ui_first_monitor_size(s->ui, &o.width, &o.height);
	/* The login typed on the station goes on to the desktop only for
	 * mappings that log in through the broker and allow it. */
	if (s->login && s->sso && s->cred.sso_user && s->cred.sso_password) {
		o.username = s->cred.sso_user;
		o.password = s->cred.sso_password;
	}
	return o;
}

void launcher_session_desktop_try(LauncherSession *s)
{
	const struct broker_endpoint *ep = launcher_failover_endpoint(&s->failover);
	LauncherViewerOptions o;
	g_autoptr(GError) error = NULL;

	if (!launcher_viewer_supports(ep->protocol)) {
		/* A protocol a newer broker knows and this station does not:
		 * the page says so for a moment, then the next one. */
		g_autofree char *hp = launcher_endpoint_hostport(ep);
		log_event(LOG_WARN, "endpoint_unsupported", "protocol", ep->protocol_name,
			  "endpoint", hp, NULL);
		s->pause = g_timeout_add(UNSUPPORTED_PAUSE_MS, session_desktop_unsupported_done, s);
		return;
	}
	if (launcher_failover_select(&s->failover) < 0) {
		session_desktop_failed_endpoint(s, "out of memory");
		return;
	}
	o = session_desktop_options(s);
	s->viewer = launcher_viewer_open(ep, &o, &session_desktop_viewer_cb, s, &error);
	if (!s->viewer) {
		launcher_session_close_viewer(s);
		session_desktop_failed_endpoint(s, error->message);
	}
}

/* ---- the session ---- */

static void session_desktop_link_lost(gpointer user_data, const char *ifname, const char *why);
static void session_desktop_limits(gpointer user_data, const LauncherLimitsVerdict *v);
static void session_desktop_broker_ended(gpointer user_data, const char *code, const char *message);

void launcher_session_desktop_opened(LauncherSession *s)
{
	const struct broker_endpoint *ep = &s->failover.current;

	s->connected_at = g_get_monotonic_time();
	launcher_backoff_reset(&s->desktop_backoff);
	if (!s->direct)
		launcher_report_push(s->report, &s->id, "start", ep->protocol_name, ep->host,
				     launcher_endpoint_port(ep), s->cred.user, NULL,
				     s->cred.session_token);
	if (launcher_failover_is_fallback(&s->failover)) {
		g_autofree char *text = launcher_errors_fallback_text(ep->protocol_name);
		log_event(LOG_WARN, "fallback", "protocol", ep->protocol_name, NULL);
		launcher_ui_notice(s->ui, text);
	}
	/* The typed credentials and the desktop passwords of the other
	 * endpoints are no longer needed. */
	launcher_ui_clear_login(s->ui);
	launcher_failover_drop_list(&s->failover);
	launcher_cred_forget_sso(&s->cred);
	launcher_secret_clear(&s->failover.current.password);
	s->netwatch =
	    launcher_netwatch_new(s->cfg->sysroot, s->id.ifname, session_desktop_link_lost, s);
	if (!s->direct)
		s->limits = launcher_limits_new(&s->limits_policy, session_desktop_limits, s);
	/* Alive reports: the idle time for the broker, and its word when it
	 * ends the session (launcher_report.h). */
	if (!s->direct) {
		launcher_report_set_ended(s->report, session_desktop_broker_ended, s);
		launcher_report_alive_start(s->report, &s->id, s->cred.session_token);
	}
}

void launcher_session_desktop_report_end(LauncherSession *s, const char *reason)
{
	const struct broker_endpoint *ep = &s->failover.current;
	gint64 lasted = g_get_monotonic_time() - s->connected_at;
	g_autofree char *protocol = g_strdup(ep->protocol_name);

	log_event(LOG_INFO, "session_end", "reason", reason, "protocol", protocol, NULL);
	launcher_report_alive_stop(s->report);
	launcher_session_close_viewer(s);
	if (!s->direct)
		launcher_report_push(s->report, &s->id, "end", protocol ? protocol : "spice",
				     ep->host, launcher_endpoint_port(ep), s->cred.user, reason,
				     s->cred.session_token);
	launcher_session_clear_credentials(s);
	if (lasted >= SHORT_SESSION_US)
		launcher_backoff_reset(&s->auto_backoff);
}

/* The session is over, for whatever reason: report, clear, back to the
 * login screen, all before the next frame. */
static void session_desktop_end(LauncherSession *s, const char *reason)
{
	launcher_session_desktop_report_end(s, reason);
	if (s->direct) {
		g_autofree char *body = g_strdup_printf(LAUNCHER_TEXT_ENDED_FMT, reason);
		launcher_connect_file_finish(s, LAUNCHER_EXIT_OK, LAUNCHER_SCREEN_DIRECT_ENDED,
					     body);
		return;
	}
	launcher_session_enter(s, SESSION_IDLE, "session ended",
			       &(SessionEntry){.after_session = TRUE});
	/* The mapping may have changed meanwhile; the login screen is
	 * already up, this only refreshes it. */
	if (!s->autoconnect || s->login)
		launcher_session_broker_refresh(s);
}

static void session_desktop_link_lost(gpointer user_data, const char *ifname, const char *why)
{
	LauncherSession *s = user_data;

	/* Reported from a timer, not from inside a viewer: safe to end. */
	if (launcher_viewer_is_open(s->viewer))
		session_desktop_end(s, "network_lost");
}

/* The broker ended the session (an administrator, or the user opened it at
 * another station): while it is open, it ends as any other; then, or when
 * it has just ended because the broker dropped the viewer, the station
 * says why and goes back to the login screen. */
static void session_desktop_broker_ended(gpointer user_data, const char *code, const char *message)
{
	LauncherSession *s = user_data;
	gboolean moved = g_strcmp0(code, "session_moved") == 0;

	if (s->state == SESSION_CONNECTED)
		launcher_session_desktop_report_end(s, moved ? "moved" : "disconnected");
	else if (s->state != SESSION_IDLE)
		return;
	launcher_session_message(s, LAUNCHER_SCREEN_SESSION_ENDED, message, NULL, -1,
				 moved ? "session opened at another station"
				       : "session ended by the broker");
}

/* ---- the session limits ---- */

/* How long a warning stays up if no new verdict comes (it comes every
 * second while the session is open). */
#define LIMITS_NOTICE_SECONDS 3

void launcher_session_desktop_limits_stop(LauncherSession *s)
{
	g_clear_pointer(&s->limits, launcher_limits_free);
	g_clear_pointer(&s->limits_notice, launcher_ui_notice_free);
}

static void session_desktop_limits(gpointer user_data, const LauncherLimitsVerdict *v)
{
	LauncherSession *s = user_data;
	g_autofree char *text = NULL;
	LauncherLimitsPolicy p = s->limits_policy;

	switch (v->kind) {
	case LAUNCHER_LIMITS_NONE:
		/* Input came: the idle warning goes. */
		if (s->limits_notice)
			launcher_ui_notice_hide(s->limits_notice);
		return;
	case LAUNCHER_LIMITS_WARN_MAX:
	case LAUNCHER_LIMITS_WARN_IDLE:
		/* A window of its own, apart from the short notices (a USB
		 * device plugged in meanwhile must not hide the countdown). */
		if (!s->limits_notice) {
			s->limits_notice =
			    launcher_ui_notice_new(GTK_WIDGET(launcher_ui_window(s->ui)));
			launcher_ui_notice_set_large(s->limits_notice);
		}
		text = launcher_limits_warning_text(v);
		launcher_ui_notice_show(s->limits_notice, text, LIMITS_NOTICE_SECONDS);
		return;
	case LAUNCHER_LIMITS_END_MAX:
	case LAUNCHER_LIMITS_END_IDLE:
	default:
		/* The same end as the user's own: report, close, login
		 * screen. This frees the watch that called us. */
		text = launcher_limits_ended_text(&p, v->kind);
		session_desktop_end(s, launcher_limits_reason(v->kind));
		if (s->state != SESSION_STOPPED)
			launcher_ui_notice(s->ui, text);
		return;
	}
}

/* ---- what the viewer reports ---- */

static void session_desktop_viewer_opened(gpointer user_data)
{
	launcher_session_enter(user_data, SESSION_CONNECTED, "desktop opened", NULL);
}

static void session_desktop_viewer_failed(gpointer user_data, const char *kind, const char *message)
{
	LauncherSession *s = user_data;
	g_autofree char *why = NULL;

	/* Some viewers' messages are whole sentences (RDP's exit statuses). */
	if (launcher_viewer_sentences(s->viewer))
		why = g_strdup(message);
	else
		why = g_strdup_printf("%s (%s)", launcher_errors_endpoint_words(kind), message);
	log_event(LOG_WARN, "endpoint_failed", "kind", kind, "error", message, "protocol",
		  s->failover.current.protocol_name, NULL);
	launcher_session_close_viewer(s);
	session_desktop_failed_endpoint(s, why);
}

static void session_desktop_viewer_ended(gpointer user_data, const char *reason,
					 const char *message)
{
	LauncherSession *s = user_data;

	session_desktop_end(s, reason);
	/* Ends the user did not choose (idle time-out, a server error) are
	 * worth a word on the login screen. */
	if (message && s->state != SESSION_STOPPED) {
		launcher_diag_error("desktop: %s", message);
		launcher_ui_notice(s->ui, message);
	}
}

static void session_desktop_viewer_display(gpointer user_data, GtkWidget *display, guint order)
{
	LauncherSession *s = user_data;

	launcher_ui_add_display(s->ui, display, order);
	if (launcher_viewer_is_open(s->viewer))
		launcher_session_connected_status(s);
}

static void session_desktop_viewer_notice(gpointer user_data, const char *text)
{
	LauncherSession *s = user_data;

	launcher_diag_error("%s", text);
	launcher_ui_notice(s->ui, text);
}

static const LauncherViewerCallbacks session_desktop_viewer_cb = {
    .opened = session_desktop_viewer_opened,
    .failed = session_desktop_viewer_failed,
    .ended = session_desktop_viewer_ended,
    .display_added = session_desktop_viewer_display,
    .notice = session_desktop_viewer_notice,
};
