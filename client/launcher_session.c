/* The launcher's state machine: see launcher_session.h, and
 * docs/launcher.md ("The session's states") for the diagram.
 *
 * One field holds the state, and launcher_session_enter is the one way to
 * change it: it logs the transition with its reason, stops the timers,
 * cancels the broker request, closes the viewer (unless the session has
 * just opened), writes the status file and shows the page. What leads
 * from one state to the next is in launcher_session_broker.c (the broker's
 * answers) and launcher_session_desktop.c (the desktop's endpoints). */
#include "launcher_session_internal.h"

#include "launcher_cmdline.h"
#include "launcher_diag.h"
#include "launcher_file.h"
#include "launcher_ui_chooser.h"
#include "log.h"

/* How long the chooser waits for a pick before it logs the user out. */
#define SESSION_CHOOSER_TIMEOUT_S 120

#ifndef VDI_VERSION
#define VDI_VERSION "dev"
#endif

static const char *const session_state_names[] = {
    [SESSION_STARTUP] = "startup",     [SESSION_IDLE] = "idle",
    [SESSION_QUERYING] = "querying",   [SESSION_CHOOSING] = "choosing",
    [SESSION_STARTING] = "starting",   [SESSION_CONNECTING] = "connecting",
    [SESSION_CONNECTED] = "connected", [SESSION_MESSAGE] = "message",
    [SESSION_STOPPED] = "stopped",
};

/* ---- timers ---- */

static void session_stop_timers(LauncherSession *s)
{
	g_clear_handle_id(&s->tick, g_source_remove);
	g_clear_handle_id(&s->refresh, g_source_remove);
	g_clear_handle_id(&s->pause, g_source_remove);
	s->on_zero = NULL;
}

static gboolean session_tick(gpointer user_data)
{
	LauncherSession *s = user_data;
	SessionStep step;

	if (--s->remaining > 0) {
		g_autofree char *text = g_strdup_printf("%s %d s", s->next_fmt, s->remaining);
		launcher_ui_set_next(s->ui, text);
		return G_SOURCE_CONTINUE;
	}
	s->tick = 0;
	step = s->on_zero;
	s->on_zero = NULL;
	if (step)
		step(s);
	return G_SOURCE_REMOVE;
}

void launcher_session_countdown(LauncherSession *s, int seconds, const char *fmt, SessionStep step)
{
	g_autofree char *text = g_strdup_printf("%s %d s", fmt, seconds);

	g_clear_handle_id(&s->tick, g_source_remove);
	s->remaining = seconds;
	s->next_fmt = fmt;
	s->on_zero = step;
	launcher_ui_set_next(s->ui, text);
	/* Not g_timeout_add_seconds: that one may fire up to a second late,
	 * and "1 s" must mean one second. */
	s->tick = g_timeout_add(1000, session_tick, s);
}

/* ---- entering a state ---- */

void launcher_session_connected_status(LauncherSession *s)
{
	const struct broker_endpoint *ep = &s->failover.current;
	g_autofree char *hp = launcher_endpoint_hostport(ep);
	gboolean fallback = launcher_failover_is_fallback(&s->failover);
	char displays[8];

	g_snprintf(displays, sizeof(displays), "%u", launcher_ui_n_displays(s->ui));
	launcher_status_set(s->status, LAUNCHER_STATE_CONNECTED, "protocol", ep->protocol_name,
			    "endpoint", hp, "displays", displays, fallback ? "fallback" : NULL,
			    fallback ? "yes" : NULL, NULL);
}

static char *session_identity_line(LauncherSession *s)
{
	return g_strdup_printf("MAC %s  ·  IP %s  ·  %s  ·  version %s",
			       s->id.mac[0] ? s->id.mac : "unknown",
			       s->id.ip[0] ? s->id.ip : "none",
			       s->id.hostname[0] ? s->id.hostname : "(no host name)", VDI_VERSION);
}

static void session_enter_idle(LauncherSession *s, gboolean after_session)
{
	g_autofree char *ident = session_identity_line(s);
	LauncherLoginView v = {
	    .station_name =
		s->station_name ? s->station_name : (s->id.hostname[0] ? s->id.hostname : NULL),
	    .screen_text = s->screen_text,
	    .login = s->login,
	    .identity_line = ident,
	    .warning = launcher_broker_is_plain_http(s->broker) ? LAUNCHER_TEXT_INSECURE : NULL,
	};

	launcher_status_set(s->status, LAUNCHER_STATE_IDLE, "login", s->login ? "broker" : "none",
			    "mac", s->id.mac, NULL);
	launcher_ui_show_login(s->ui, &v);
	/* After a session, auto-connect waits a little (longer each time a
	 * session ends quickly), so that a desktop that keeps closing does
	 * not make the station spin. */
	if (after_session && s->autoconnect && !s->login)
		launcher_session_countdown(s, launcher_backoff_next(&s->auto_backoff),
					   LAUNCHER_TEXT_AUTOCONNECT,
					   launcher_session_broker_autoconnect);
	else
		launcher_session_broker_arm_refresh(s);
}

static void session_enter_querying(LauncherSession *s, SessionPurpose purpose)
{
	gboolean login = purpose == PURPOSE_LOGIN;

	launcher_status_set(s->status, LAUNCHER_STATE_QUERYING, "purpose",
			    login			 ? "login"
			    : purpose == PURPOSE_CONNECT ? "connect"
							 : "show",
			    "mac", s->id.mac, NULL);
	if (login)
		launcher_ui_show_progress(s->ui, LAUNCHER_TEXT_LOGGING_IN, NULL, FALSE);
	else
		launcher_ui_show_progress(s->ui, LAUNCHER_TEXT_CONTACTING,
					  launcher_broker_url(s->broker),
					  purpose == PURPOSE_CONNECT && s->have_policy);
	s->request = g_cancellable_new();
	if (login)
		/* The request body is wiped once sent. */
		launcher_broker_login_async(s->broker, &s->id, s->cred.pending_user,
					    s->cred.pending_password, s->cred.pending_desktop,
					    s->request, launcher_session_broker_done, s);
	else
		launcher_broker_lookup_async(s->broker, &s->id, s->request,
					     launcher_session_broker_done, s);
}

/* Nobody picked a desktop: the login kept for the choice must not wait
 * for the next person at the station. */
static void session_chooser_timed_out(LauncherSession *s)
{
	launcher_session_clear_credentials(s);
	launcher_session_enter(s, SESSION_IDLE, "no desktop chosen in time", NULL);
}

static void session_enter_choosing(LauncherSession *s, const struct broker_reply *r)
{
	g_autofree LauncherChooserItem *items = g_new0(LauncherChooserItem, r->n_desktops);
	LauncherChooserView v = {
	    .user = r->user ? r->user : s->cred.pending_user,
	    .desktops = items,
	    .n_desktops = r->n_desktops,
	    .last = r->last,
	};
	char n[16];

	for (size_t i = 0; i < r->n_desktops; i++) {
		items[i].id = r->desktops[i].id;
		items[i].name = r->desktops[i].name;
		items[i].state = broker_desktop_state_name(r->desktops[i].state);
	}
	g_snprintf(n, sizeof(n), "%zu", r->n_desktops);
	launcher_status_set(s->status, LAUNCHER_STATE_CHOOSING, "desktops", n, "mac", s->id.mac,
			    NULL);
	launcher_ui_show_chooser(s->ui, &v);
	launcher_session_countdown(s, SESSION_CHOOSER_TIMEOUT_S, LAUNCHER_UI_CHOOSER_TIMEOUT_TEXT,
				   session_chooser_timed_out);
}

static void session_enter_starting(LauncherSession *s, const struct broker_reply *r)
{
	int wait = launcher_backoff_after(&s->broker_backoff, r->retry_after);
	g_autofree char *detail = launcher_errors_starting_text(r);
	char secs[16], queue[16];

	g_snprintf(secs, sizeof(secs), "%d", wait);
	g_snprintf(queue, sizeof(queue), "%u", r->queue_position);
	launcher_status_set(s->status, LAUNCHER_STATE_STARTING, "retry", secs, "queue",
			    r->queue_position ? queue : NULL, "mac", s->id.mac, NULL);
	launcher_ui_show_progress(s->ui, LAUNCHER_TEXT_STARTING, detail, TRUE);
	launcher_session_countdown(s, wait, LAUNCHER_TEXT_CHECKING, launcher_session_broker_poll);
}

static void session_enter_connecting(LauncherSession *s)
{
	const struct broker_endpoint *ep = launcher_failover_endpoint(&s->failover);
	g_autofree char *hp = launcher_endpoint_hostport(ep), *detail = NULL;
	char attempt[24];

	launcher_failover_attempt(&s->failover, attempt, sizeof(attempt));
	launcher_status_set(s->status, LAUNCHER_STATE_CONNECTING, "protocol", ep->protocol_name,
			    "endpoint", hp, "attempt", attempt, NULL);
	if (launcher_viewer_supports(ep->protocol))
		detail = launcher_errors_trying_text(ep, hp,
						     launcher_failover_is_fallback(&s->failover));
	else
		detail = launcher_errors_unsupported_text(ep, hp);
	launcher_ui_show_progress(s->ui, LAUNCHER_TEXT_CONNECTING, detail, TRUE);
	launcher_session_desktop_try(s);
}

static void session_enter_message(LauncherSession *s, const SessionMessage *m)
{
	const LauncherScreenText *t = launcher_errors_screen(m->screen);
	LauncherMessageView v = {
	    .kind = t->kind,
	    .title = t->title,
	    .body = m->body,
	    .identity_large = t->identity_large,
	    .mac = s->id.mac,
	    .ip = s->id.ip,
	    .hostname = s->id.hostname,
	    .can_retry = t->retry_btn,
	    .can_back = t->back == LAUNCHER_BACK_YES ||
			(t->back == LAUNCHER_BACK_IF_MAPPED && s->have_policy),
	};
	char secs[16];

	g_snprintf(secs, sizeof(secs), "%d", m->seconds);
	/* A screen without a countdown key (--connect's last one) ends the
	 * list there. */
	launcher_status_set(s->status, t->error ? LAUNCHER_STATE_ERROR : LAUNCHER_STATE_MESSAGE,
			    "kind", t->kind, t->count_key, m->seconds ? secs : NULL, "mac",
			    s->id.mac, NULL);
	launcher_ui_show_message(s->ui, &v);
	if (m->seconds > 0)
		launcher_session_countdown(s, m->seconds, t->next,
					   launcher_session_broker_then(t->then));
}

void launcher_session_enter(LauncherSession *s, SessionState to, const char *reason,
			    const SessionEntry *e)
{
	static const SessionEntry none = {0};
	SessionState from = s->state;

	if (from == SESSION_STOPPED)
		return; /* the launcher is exiting: nothing starts any more */
	if (!e)
		e = &none;
	/* A refresh that shows the same login screen again is no news. */
	log_event(from == to && to == SESSION_IDLE ? LOG_DEBUG : LOG_INFO, "transition", "from",
		  session_state_names[from], "to", session_state_names[to], "reason", reason, NULL);
	s->state = to;
	session_stop_timers(s);
	if (s->request) {
		g_cancellable_cancel(s->request);
		g_clear_object(&s->request);
	}
	if (to != SESSION_CONNECTED)
		launcher_session_close_viewer(s);
	switch (to) {
	case SESSION_IDLE:
		session_enter_idle(s, e->after_session);
		break;
	case SESSION_QUERYING:
		session_enter_querying(s, e->purpose);
		break;
	case SESSION_CHOOSING:
		session_enter_choosing(s, e->reply);
		break;
	case SESSION_STARTING:
		session_enter_starting(s, e->reply);
		break;
	case SESSION_CONNECTING:
		session_enter_connecting(s);
		break;
	case SESSION_CONNECTED:
		launcher_session_connected_status(s);
		launcher_ui_show_desktop(s->ui);
		launcher_viewer_focus(s->viewer);
		launcher_session_desktop_opened(s);
		break;
	case SESSION_MESSAGE:
		session_enter_message(s, e->message);
		break;
	case SESSION_STOPPED:
		launcher_status_set(s->status, LAUNCHER_STATE_STOPPED, NULL);
		break;
	case SESSION_STARTUP:
	default:
		break;
	}
}

/* ---- helpers of the states ---- */

void launcher_session_close_viewer(LauncherSession *s)
{
	g_clear_pointer(&s->netwatch, launcher_netwatch_free);
	launcher_session_desktop_limits_stop(s);
	launcher_ui_clear_displays(s->ui);
	g_clear_pointer(&s->viewer, launcher_viewer_close);
}

void launcher_session_message(LauncherSession *s, LauncherScreen screen, const char *a,
			      const char *b, int retry_after, const char *reason)
{
	const LauncherScreenText *t = launcher_errors_screen(screen);
	g_autofree char *body = launcher_errors_body(screen, a, b);
	SessionMessage m = {.screen = screen, .body = body};

	switch (t->wait) {
	case LAUNCHER_WAIT_FIXED:
		m.seconds = t->seconds;
		break;
	case LAUNCHER_WAIT_BROKER_BACKOFF:
		m.seconds = launcher_backoff_next(&s->broker_backoff);
		break;
	case LAUNCHER_WAIT_RETRY_AFTER:
		m.seconds = launcher_backoff_after(&s->broker_backoff, retry_after);
		break;
	case LAUNCHER_WAIT_DESKTOP_BACKOFF:
		m.seconds = launcher_backoff_next(&s->desktop_backoff);
		break;
	case LAUNCHER_WAIT_NONE:
	default:
		break;
	}
	launcher_session_enter(s, SESSION_MESSAGE, reason, &(SessionEntry){.message = &m});
}

void launcher_session_clear_credentials(LauncherSession *s)
{
	launcher_cred_clear(&s->cred);
	launcher_ui_clear_login(s->ui);
	launcher_ui_clear_chooser(s->ui);
	launcher_failover_clear(&s->failover);
}

/* ---- life cycle ---- */

LauncherSession *launcher_session_new(const LauncherConfig *cfg)
{
	LauncherSession *s = g_new0(LauncherSession, 1);
	g_autofree char *cmdline_path = launcher_file_under(cfg->sysroot, "/proc/cmdline");

	s->cfg = cfg;
	s->cmdline = launcher_cmdline_read(cmdline_path);
	s->status = launcher_status_new(cfg->status_file);
	s->broker = launcher_broker_new(cfg->broker, cfg->ca, cfg->insecure, 10);
	s->report = launcher_report_new(s->broker);
	launcher_failover_init(&s->failover);
	launcher_backoff_init(&s->broker_backoff, cfg->retry_base, cfg->retry_max);
	launcher_backoff_init(&s->desktop_backoff, cfg->retry_base, cfg->retry_max);
	launcher_backoff_init(&s->auto_backoff, cfg->retry_base, cfg->retry_max);
	s->ui = launcher_ui_new(cfg, &launcher_session_ui_callbacks, s);
	for (guint i = 0; i < cfg->warnings->len; i++) {
		const char *w = g_ptr_array_index(cfg->warnings, i);
		log_event(LOG_WARN, "config", "warning", w, NULL);
		launcher_diag_error("settings: %s", w);
	}
	return s;
}

void launcher_session_free(LauncherSession *s)
{
	if (!s)
		return;
	/* Torn down, not a state: the status file keeps its last line. */
	session_stop_timers(s);
	if (s->request) {
		g_cancellable_cancel(s->request);
		g_clear_object(&s->request);
	}
	launcher_session_close_viewer(s);
	launcher_session_clear_credentials(s);
	launcher_ui_free(s->ui);
	launcher_report_free(s->report);
	launcher_broker_free(s->broker);
	launcher_status_free(s->status);
	launcher_failover_free(&s->failover);
	g_free(s->station_name);
	g_free(s->screen_text);
	g_free(s->usb_redirect);
	g_free(s->usb_deny);
	g_free(s->cmdline);
	g_free(s->exit_message);
	g_free(s);
}

void launcher_session_start(LauncherSession *s)
{
	launcher_session_broker_discover(s);
	log_event(LOG_INFO, "identity", "mac", s->id.mac, "mac_source", s->id.mac_source,
		  "interface", s->id.ifname, "ip", s->id.ip, "hostname", s->id.hostname, NULL);
	launcher_session_broker_query(s, PURPOSE_SHOW, "start");
}

void launcher_session_start_direct(LauncherSession *s, struct broker_reply *reply,
				   LauncherSessionFinished finished, gpointer user_data)
{
	launcher_connect_file_start(s, reply, finished, user_data);
}

void launcher_session_stop(LauncherSession *s, GSourceFunc done, gpointer user_data)
{
	if (launcher_viewer_is_open(s->viewer))
		launcher_session_desktop_report_end(s, "stopped");
	launcher_session_enter(s, SESSION_STOPPED, "stop requested", NULL);
	launcher_session_clear_credentials(s);
	/* A session end still in the queue gets a moment to go out. */
	launcher_report_flush(s->report, 2000, done, user_data);
}
