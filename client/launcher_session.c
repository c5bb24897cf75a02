/* The launcher's state machine: see launcher_session.h.
 *
 *   start ──► querying ──ready──► idle (login screen) ──Connect──► querying
 *                │                  ▲                                 │
 *                ├─starting─► poll ─┘                        ready+endpoints
 *                ├─maintenance/unknown/errors─► message ─retry─► querying
 *                ▼                                                   ▼
 *            connecting ◄── next endpoint on failure ───────── connecting
 *                │ all failed ─► message (retry or back to login)
 *                ▼
 *            connected ──ended──► report, clear, idle
 */
#include "launcher_session.h"

#include <string.h>

#include "launcher_backoff.h"
#include "launcher_broker.h"
#include "launcher_cmdline.h"
#include "launcher_diag.h"
#include "launcher_file.h"
#include "launcher_identity.h"
#include "launcher_kiosk.h"
#include "launcher_netwatch.h"
#include "launcher_report.h"
#include "launcher_secret.h"
#include "launcher_status.h"
#include "launcher_ui.h"
#include "launcher_viewer.h"
#include "log.h"

#ifndef VDI_VERSION
#define VDI_VERSION "dev"
#endif

/* How long an unsupported endpoint's notice stays before the next one. */
#define UNSUPPORTED_PAUSE_MS 2000
/* A message that leads back to the login screen waits this long. */
#define BACK_TO_LOGIN_S 8
/* How long a --connect run shows how it ended before it exits. */
#define DIRECT_LINGER_MS 1500
/* A session shorter than this counts as a failed one for auto-connect. */
#define SHORT_SESSION_US (60 * G_USEC_PER_SEC)

typedef enum {
	PURPOSE_SHOW,	 /* find out what the login screen should show */
	PURPOSE_CONNECT, /* the user (or auto-connect) wants the desktop */
} Purpose;

typedef void (*SessionStep)(LauncherSession *s);

struct LauncherSession {
	const LauncherConfig *cfg;
	char *cmdline;
	LauncherIdentity id;
	LauncherStatus *status;
	LauncherBroker *broker;
	LauncherReport *report;
	LauncherUi *ui;
	LauncherViewer *viewer; /* the viewer in use, while connecting or connected */
	LauncherNetwatch *netwatch;

	/* The mapping, from the last ready reply. */
	gboolean have_policy;
	char *station_name, *screen_text, *usb_redirect, *usb_deny;
	gboolean login, autoconnect, sso;

	/* The current connection attempt. */
	struct broker_endpoint *eps;
	size_t n_eps, ep_index;
	struct broker_endpoint current;
	GString *failures;
	char *user; /* who logged in through the broker, for the reports */
	/* The ready reply's session token, which the start and end reports
	 * of this desktop carry: wiped with the other credentials. */
	char *session_token;
	/* A login the broker accepted while the desktop was still starting:
	 * sent again when it says to ask again, wiped on any other answer. */
	char *pending_user, *pending_password;
	/* The same login once accepted, for RDP single sign-on: wiped when
	 * the session is open or every endpoint failed. */
	char *sso_user, *sso_password;
	gint64 connected_at;

	GCancellable *request;
	Purpose purpose;
	gboolean silent; /* a refresh behind the login screen */

	guint tick;
	int remaining;
	const char *next_fmt; /* "Trying again in" */
	SessionStep on_zero;
	guint refresh;
	guint pause;

	LauncherBackoff broker_backoff, desktop_backoff, auto_backoff;
	gboolean stopping;

	/* --connect: one desktop from a connection file, no broker. */
	gboolean direct;
	LauncherSessionFinished finished;
	gpointer finished_data;
	int exit_status;
	char *exit_message;
};

static void session_query(LauncherSession *s, Purpose purpose, gboolean silent);
static void session_enter_idle(LauncherSession *s, gboolean after_session);
static void session_try_endpoint(LauncherSession *s);
static void session_end(LauncherSession *s, const char *reason);

/* ---- small helpers ---- */

static void session_stop_timers(LauncherSession *s)
{
	g_clear_handle_id(&s->tick, g_source_remove);
	g_clear_handle_id(&s->refresh, g_source_remove);
	g_clear_handle_id(&s->pause, g_source_remove);
	s->on_zero = NULL;
}

static void session_cancel_request(LauncherSession *s)
{
	if (s->request) {
		g_cancellable_cancel(s->request);
		g_clear_object(&s->request);
	}
}

static void session_clear_endpoints(LauncherSession *s)
{
	for (size_t i = 0; i < s->n_eps; i++)
		broker_endpoint_clear(&s->eps[i]);
	g_clear_pointer(&s->eps, g_free);
	s->n_eps = 0;
	s->ep_index = 0;
}

/* Everything the previous user left: typed credentials, desktop passwords
 * from the broker, the user name. */
static void session_forget_pending(LauncherSession *s)
{
	g_clear_pointer(&s->pending_user, g_free);
	launcher_secret_clear(&s->pending_password);
}

static void session_forget_sso(LauncherSession *s)
{
	g_clear_pointer(&s->sso_user, g_free);
	launcher_secret_clear(&s->sso_password);
}

static void session_clear_credentials(LauncherSession *s)
{
	session_forget_pending(s);
	session_forget_sso(s);
	launcher_ui_clear_login(s->ui);
	session_clear_endpoints(s);
	broker_endpoint_clear(&s->current);
	g_clear_pointer(&s->user, g_free);
	launcher_secret_clear(&s->session_token);
}

static void session_discover(LauncherSession *s)
{
	LauncherIdentitySources src = {
	    .root = s->cfg->sysroot,
	    .cmdline = s->cmdline,
	    .mac = s->cfg->mac,
	    .hostname = s->cfg->hostname,
	    .lookup_ip = TRUE,
	};

	launcher_identity_discover(&src, &s->id);
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

/* Shows "PHRASE N s" (N the seconds left) on the current page, and runs
 * step when the count reaches zero. */
static void session_countdown(LauncherSession *s, int seconds, const char *fmt, SessionStep step)
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

static char *session_identity_line(LauncherSession *s)
{
	return g_strdup_printf("MAC %s  ·  IP %s  ·  %s  ·  version %s",
			       s->id.mac[0] ? s->id.mac : "unknown",
			       s->id.ip[0] ? s->id.ip : "none",
			       s->id.hostname[0] ? s->id.hostname : "(no host name)", VDI_VERSION);
}

static void session_set_policy(LauncherSession *s, const struct broker_reply *r)
{
	g_free(s->station_name);
	g_free(s->screen_text);
	g_free(s->usb_redirect);
	g_free(s->usb_deny);
	s->station_name = g_strdup(r->station.name);
	s->screen_text = g_strdup(r->policy.screen_text);
	s->usb_redirect = g_strdup(r->policy.usb_auto_redirect);
	s->usb_deny = g_strdup(r->policy.usb_deny);
	s->login = r->policy.login == BROKER_LOGIN_BROKER;
	s->autoconnect = r->policy.autoconnect;
	s->sso = r->policy.sso;
	s->have_policy = TRUE;
}

static void session_take_endpoints(LauncherSession *s, struct broker_reply *r)
{
	session_clear_endpoints(s);
	/* Moved, not copied: the passwords exist once. */
	s->eps = r->endpoints;
	s->n_eps = r->n_endpoints;
	r->endpoints = NULL;
	r->n_endpoints = 0;
	if (r->user) {
		g_free(s->user);
		s->user = g_strdup(r->user);
	}
	/* The token goes with these endpoints: a reply without one (an
	 * older broker) leaves none from an earlier reply behind. */
	launcher_secret_clear(&s->session_token);
	s->session_token = launcher_secret_dup(r->session);
}

/* ---- message and error screens ---- */

typedef struct {
	const char *kind, *title, *body;
	gboolean identity_large;
	int seconds;	     /* countdown; 0: none */
	const char *next;    /* "Trying again in" (N s follows) */
	SessionStep then;    /* at zero, and for Try now */
	gboolean can_back;   /* Back to the login screen */
	gboolean retry_btn;  /* show Try now */
	const char *retry_s; /* for the status line */
	gboolean error;	     /* the station itself is wrong: state=error */
} SessionMessage;

static void session_show_message(LauncherSession *s, const SessionMessage *m)
{
	LauncherMessageView v = {
	    .kind = m->kind,
	    .title = m->title,
	    .body = m->body,
	    .identity_large = m->identity_large,
	    .mac = s->id.mac,
	    .ip = s->id.ip,
	    .hostname = s->id.hostname,
	    .can_retry = m->retry_btn,
	    .can_back = m->can_back,
	};
	char secs[16];

	session_stop_timers(s);
	g_snprintf(secs, sizeof(secs), "%d", m->seconds);
	launcher_status_set(s->status, m->error ? LAUNCHER_STATE_ERROR : LAUNCHER_STATE_MESSAGE,
			    "kind", m->kind, m->retry_s, m->seconds ? secs : NULL, "mac", s->id.mac,
			    NULL);
	launcher_ui_show_message(s->ui, &v);
	if (m->seconds > 0)
		session_countdown(s, m->seconds, m->next, m->then);
}

static void session_retry_show(LauncherSession *s)
{
	session_query(s, PURPOSE_SHOW, FALSE);
}

static void session_retry_connect(LauncherSession *s)
{
	session_query(s, PURPOSE_CONNECT, FALSE);
}

static void session_retry_same(LauncherSession *s)
{
	session_query(s, s->purpose, FALSE);
}

static void session_back_to_login(LauncherSession *s)
{
	session_enter_idle(s, FALSE);
}

/* The station cannot work as configured (no broker address, insecure URL
 * not allowed, CA missing): say so, and look again now and then, as the
 * file may be fixed on a mounted medium. */
static void session_enter_error(LauncherSession *s, const char *what)
{
	g_autofree char *body = g_strdup_printf(
	    "%s.\nAn administrator must fix the station's settings (kernel command line or "
	    "%s).",
	    what, s->cfg->config ? s->cfg->config : "config file");
	SessionMessage m = {
	    .kind = "config",
	    .title = "This station is not set up correctly",
	    .body = body,
	    .seconds = 60,
	    .next = "Checking again in",
	    .then = session_retry_show,
	    .retry_btn = TRUE,
	    .retry_s = "retry",
	    .error = TRUE,
	};

	launcher_diag_error("configuration: %s", what);
	session_show_message(s, &m);
}

static void session_broker_failed(LauncherSession *s, const GError *error,
				  const struct broker_reply *reply)
{
	g_autofree char *body = NULL;
	SessionMessage m = {
	    .next = "Trying again in",
	    .then = session_retry_same,
	    .retry_btn = TRUE,
	    .retry_s = "retry",
	    .can_back = s->have_policy,
	};

	launcher_diag_error("broker: %s", error->message);
	log_event(LOG_WARN, "broker_error", "url", launcher_broker_url(s->broker), "error",
		  error->message, NULL);
	if (error->domain != LAUNCHER_BROKER_ERROR) {
		m.kind = "broker_error";
		m.title = "The connection server gave an unexpected answer";
		body = g_strdup(error->message);
		m.seconds = launcher_backoff_next(&s->broker_backoff);
		m.body = body;
		session_show_message(s, &m);
		return;
	}
	switch ((LauncherBrokerError)error->code) {
	case LAUNCHER_BROKER_ERROR_CONFIG:
		session_enter_error(s, error->message);
		return;
	case LAUNCHER_BROKER_ERROR_UNREACHABLE:
		m.kind = "unreachable";
		m.title = "The connection server cannot be reached";
		body = g_strdup_printf("The station could not contact %s (%s).\nCheck that the "
				       "network cable is plugged in.",
				       launcher_broker_url(s->broker), error->message);
		m.seconds = launcher_backoff_next(&s->broker_backoff);
		break;
	case LAUNCHER_BROKER_ERROR_TLS:
		m.kind = "tls";
		m.title = "The connection server could not be verified";
		body = g_strdup_printf(
		    "The certificate of %s is not trusted by this station, so nothing was "
		    "sent to it.\nAn administrator must check the broker's certificate and "
		    "the station's CA file (%s).",
		    launcher_broker_url(s->broker), error->message);
		m.seconds = launcher_backoff_next(&s->broker_backoff);
		break;
	case LAUNCHER_BROKER_ERROR_LOGIN:
		m.kind = "login_refused";
		m.title = "Login failed";
		body = g_strdup("The user name or password is not correct.");
		m.seconds = BACK_TO_LOGIN_S;
		m.next = "Back to the login screen in";
		m.then = session_back_to_login;
		m.retry_btn = FALSE;
		m.can_back = TRUE;
		m.retry_s = "back";
		break;
	case LAUNCHER_BROKER_ERROR_RATE_LIMITED:
		m.kind = "rate_limited";
		m.title = "Too many login attempts";
		body = g_strdup("Please wait a moment before you try again.");
		m.seconds =
		    launcher_backoff_after(&s->broker_backoff, reply ? reply->retry_after : -1);
		m.next = "You can try again in";
		m.then = session_back_to_login;
		m.retry_btn = FALSE;
		m.can_back = FALSE;
		m.retry_s = "back";
		break;
	case LAUNCHER_BROKER_ERROR_PROTOCOL:
	case LAUNCHER_BROKER_ERROR_REFUSED:
	case LAUNCHER_BROKER_ERROR_SERVER:
	default:
		m.kind = "broker_error";
		m.title = "The connection server reported a problem";
		body = g_strdup(reply && reply->message ? reply->message : error->message);
		m.seconds =
		    launcher_backoff_after(&s->broker_backoff, reply ? reply->retry_after : -1);
		break;
	}
	m.body = body;
	session_show_message(s, &m);
}

/* ---- idle / login ---- */

static gboolean session_refresh_due(gpointer user_data)
{
	LauncherSession *s = user_data;

	s->refresh = 0;
	/* Never pull the screen away from someone typing. */
	if (launcher_ui_is_typing(s->ui) || launcher_ui_admin_visible(s->ui)) {
		s->refresh = g_timeout_add_seconds((guint)s->cfg->refresh, session_refresh_due, s);
		return G_SOURCE_REMOVE;
	}
	session_query(s, PURPOSE_SHOW, TRUE);
	return G_SOURCE_REMOVE;
}

static void session_autoconnect_now(LauncherSession *s)
{
	session_query(s, PURPOSE_CONNECT, FALSE);
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
	    .warning = launcher_broker_is_plain_http(s->broker)
			   ? "Warning: the connection server is contacted without "
			     "encryption (insecure mode)."
			   : NULL,
	};

	session_stop_timers(s);
	session_cancel_request(s);
	launcher_status_set(s->status, LAUNCHER_STATE_IDLE, "login", s->login ? "broker" : "none",
			    "mac", s->id.mac, NULL);
	launcher_ui_show_login(s->ui, &v);
	/* After a session, auto-connect waits a little (longer each time a
	 * session ends quickly), so that a desktop that keeps closing does
	 * not make the station spin. */
	if (after_session && s->autoconnect && !s->login) {
		session_countdown(s, launcher_backoff_next(&s->auto_backoff),
				  "Connecting automatically in", session_autoconnect_now);
		return;
	}
	if (s->cfg->refresh > 0)
		s->refresh = g_timeout_add_seconds((guint)s->cfg->refresh, session_refresh_due, s);
}

/* ---- the connection ---- */

static const char *session_fail_words(const char *kind)
{
	if (strcmp(kind, "auth") == 0)
		return "the desktop refused the password";
	if (strcmp(kind, "tls") == 0)
		return "the desktop's certificate could not be verified";
	if (strcmp(kind, "link") == 0)
		return "the desktop refused the connection";
	if (strcmp(kind, "timeout") == 0)
		return "no answer from the desktop";
	return "the desktop could not be reached";
}

static char *session_endpoint_text(const struct broker_endpoint *ep)
{
	unsigned port = ep->port ? ep->port : ep->tls_port;

	if (strchr(ep->host, ':'))
		return g_strdup_printf("%s://[%s]:%u", ep->protocol_name, ep->host, port);
	return g_strdup_printf("%s://%s:%u", ep->protocol_name, ep->host, port);
}

static char *session_hostport(const struct broker_endpoint *ep)
{
	unsigned port = ep->port ? ep->port : ep->tls_port;

	if (strchr(ep->host, ':'))
		return g_strdup_printf("[%s]:%u", ep->host, port);
	return g_strdup_printf("%s:%u", ep->host, port);
}

static gboolean session_direct_exit(gpointer user_data)
{
	LauncherSession *s = user_data;
	LauncherSessionFinished finished = s->finished;

	s->pause = 0;
	s->finished = NULL;
	if (finished)
		finished(s->finished_data, s->exit_status, s->exit_message);
	return G_SOURCE_REMOVE;
}

/* --connect is over: there is no broker to go back to, so the screen says
 * how it ended, and the program exits a moment later. */
static void session_direct_finish(LauncherSession *s, int status, const char *kind,
				  const char *title, const char *body)
{
	SessionMessage m = {
	    .kind = kind,
	    .title = title,
	    .body = body,
	    .error = status != LAUNCHER_EXIT_OK,
	};

	s->exit_status = status;
	g_free(s->exit_message);
	s->exit_message = status != LAUNCHER_EXIT_OK ? g_strdup(body) : NULL;
	log_event(status ? LOG_WARN : LOG_INFO, "direct_end", "kind", kind, NULL);
	session_show_message(s, &m);
	s->pause = g_timeout_add(DIRECT_LINGER_MS, session_direct_exit, s);
}

static void session_all_failed(LauncherSession *s)
{
	g_autofree char *body =
	    g_strdup_printf("Your desktop did not answer. What was tried:\n%s", s->failures->str);
	SessionMessage m = {
	    .kind = "desktop_unreachable",
	    .title = "Your desktop cannot be reached",
	    .body = body,
	    .retry_btn = TRUE,
	    .can_back = TRUE,
	    .retry_s = "retry",
	};

	session_clear_credentials(s);
	if (s->direct) {
		g_autofree char *text =
		    g_strdup_printf("the desktop cannot be reached:\n%s", s->failures->str);
		g_strchomp(text);
		session_direct_finish(s, LAUNCHER_EXIT_UNREACHABLE, "desktop_unreachable",
				      "Your desktop cannot be reached", text);
		return;
	}
	if (s->login) {
		/* The desktop passwords came with the login; a new attempt
		 * needs the user again. */
		m.seconds = BACK_TO_LOGIN_S;
		m.next = "Back to the login screen in";
		m.then = session_back_to_login;
		m.retry_btn = FALSE;
		m.retry_s = "back";
	} else {
		m.seconds = launcher_backoff_next(&s->desktop_backoff);
		m.next = "Trying again in";
		m.then = session_retry_connect;
	}
	session_show_message(s, &m);
}

static void session_endpoint_failed(LauncherSession *s, const char *why)
{
	g_autofree char *ep = session_endpoint_text(&s->eps[s->ep_index]);

	g_string_append_printf(s->failures, "%s: %s\n", ep, why);
	launcher_diag_error("desktop %s: %s", ep, why);
	s->ep_index++;
	session_try_endpoint(s);
}

static gboolean session_unsupported_done(gpointer user_data)
{
	LauncherSession *s = user_data;
	g_autofree char *ep = session_endpoint_text(&s->eps[s->ep_index]);

	s->pause = 0;
	g_string_append_printf(s->failures, "%s: not supported on this station\n", ep);
	s->ep_index++;
	session_try_endpoint(s);
	return G_SOURCE_REMOVE;
}

/* ---- the viewers: SPICE, RDP, VNC ---- */

static void session_viewer_disconnect(LauncherSession *s)
{
	launcher_ui_clear_displays(s->ui);
	g_clear_pointer(&s->viewer, launcher_viewer_close);
}

static gboolean session_viewer_is_open(LauncherSession *s)
{
	return launcher_viewer_is_open(s->viewer);
}

static LauncherViewerOptions session_viewer_options(LauncherSession *s)
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
	if (s->login && s->sso && s->sso_user && s->sso_password) {
		o.username = s->sso_user;
		o.password = s->sso_password;
	}
	return o;
}

static const LauncherViewerCallbacks session_viewer_cb;

static gboolean session_viewer_connect(LauncherSession *s, const struct broker_endpoint *ep,
				       GError **error)
{
	LauncherViewerOptions o = session_viewer_options(s);

	s->viewer = launcher_viewer_open(ep, &o, &session_viewer_cb, s, error);
	return s->viewer != NULL;
}

static void session_try_endpoint(LauncherSession *s)
{
	const struct broker_endpoint *ep;
	g_autofree char *hp = NULL, *detail = NULL;
	g_autoptr(GError) error = NULL;
	char attempt[24];

	if (s->ep_index >= s->n_eps) {
		session_all_failed(s);
		return;
	}
	ep = &s->eps[s->ep_index];
	hp = session_hostport(ep);
	g_snprintf(attempt, sizeof(attempt), "%zu/%zu", s->ep_index + 1, s->n_eps);
	launcher_status_set(s->status, LAUNCHER_STATE_CONNECTING, "protocol", ep->protocol_name,
			    "endpoint", hp, "attempt", attempt, NULL);
	if (!launcher_viewer_supports(ep->protocol)) {
		/* A protocol a newer broker knows and this station does not:
		 * say so, then move on. */
		g_autofree char *name = g_ascii_strup(ep->protocol_name, -1);
		detail = g_strdup_printf("The %s desktop at %s is not supported on this station; "
					 "trying the next one.",
					 name, hp);
		log_event(LOG_WARN, "endpoint_unsupported", "protocol", ep->protocol_name,
			  "endpoint", hp, NULL);
		launcher_ui_show_progress(s->ui, "Connecting to your desktop…", detail, TRUE);
		s->pause = g_timeout_add(UNSUPPORTED_PAUSE_MS, session_unsupported_done, s);
		return;
	}
	if (s->ep_index > 0) {
		g_autofree char *name = g_ascii_strup(ep->protocol_name, -1);
		detail = g_strdup_printf("Trying the fallback: %s %s%s", name, hp,
					 ep->tls_port ? " (encrypted)" : "");
	} else {
		detail = g_strdup_printf("%s%s", hp, ep->tls_port ? " (encrypted)" : "");
	}
	launcher_ui_show_progress(s->ui, "Connecting to your desktop…", detail, TRUE);
	broker_endpoint_clear(&s->current);
	if (broker_endpoint_copy(ep, &s->current) < 0) {
		session_endpoint_failed(s, "out of memory");
		return;
	}
	if (!session_viewer_connect(s, ep, &error)) {
		session_viewer_disconnect(s);
		session_endpoint_failed(s, error->message);
	}
}

static void session_start_connect(LauncherSession *s, struct broker_reply *r)
{
	session_take_endpoints(s, r);
	g_string_truncate(s->failures, 0);
	if (s->n_eps == 0) {
		SessionMessage m = {
		    .kind = "no_desktop",
		    .title = "No desktop is assigned to this station",
		    .body = "The connection server knows this station but has no desktop "
			    "for it.",
		    .seconds = launcher_backoff_next(&s->desktop_backoff),
		    .next = "Trying again in",
		    .then = session_retry_connect,
		    .retry_btn = TRUE,
		    .can_back = TRUE,
		    .retry_s = "retry",
		};
		session_show_message(s, &m);
		return;
	}
	session_try_endpoint(s);
}

static void session_link_lost(gpointer user_data, const char *ifname, const char *why)
{
	LauncherSession *s = user_data;

	/* Reported from a timer, not from inside a viewer: safe to end. */
	if (session_viewer_is_open(s))
		session_end(s, "network_lost");
}

static void session_set_connected(LauncherSession *s)
{
	g_autofree char *hp = session_hostport(&s->current);
	char displays[8];

	g_snprintf(displays, sizeof(displays), "%u", launcher_ui_n_displays(s->ui));
	launcher_status_set(s->status, LAUNCHER_STATE_CONNECTED, "protocol",
			    s->current.protocol_name, "endpoint", hp, "displays", displays,
			    s->ep_index > 0 ? "fallback" : NULL, s->ep_index > 0 ? "yes" : NULL,
			    NULL);
}

/* The session is open, whatever the protocol. */
static void session_viewer_opened(gpointer user_data)
{
	LauncherSession *s = user_data;
	unsigned port = s->current.port ? s->current.port : s->current.tls_port;

	session_stop_timers(s);
	s->connected_at = g_get_monotonic_time();
	session_set_connected(s);
	launcher_ui_show_desktop(s->ui);
	launcher_viewer_focus(s->viewer);
	launcher_backoff_reset(&s->desktop_backoff);
	if (!s->direct)
		launcher_report_push(s->report, &s->id, "start", s->current.protocol_name,
				     s->current.host, port, s->user, NULL, s->session_token);
	if (s->ep_index > 0) {
		/* The user should know the usual way failed: a fallback may
		 * lack USB or sound, and the admin should hear of it. */
		g_autofree char *name = g_ascii_strup(s->current.protocol_name, -1);
		g_autofree char *text = g_strdup_printf(
		    "Your usual desktop connection failed; connected through the fallback (%s).",
		    name);
		log_event(LOG_WARN, "fallback", "protocol", s->current.protocol_name, NULL);
		launcher_ui_notice(s->ui, text);
	}
	/* The typed credentials and the desktop passwords of the other
	 * endpoints are no longer needed. */
	launcher_ui_clear_login(s->ui);
	session_clear_endpoints(s);
	session_forget_sso(s);
	launcher_secret_clear(&s->current.password);
	s->netwatch = launcher_netwatch_new(s->cfg->sysroot, s->id.ifname, session_link_lost, s);
}

static void session_viewer_failed(gpointer user_data, const char *kind, const char *message)
{
	LauncherSession *s = user_data;
	g_autofree char *why = NULL;

	/* Some viewers' messages are whole sentences (RDP's error table). */
	if (launcher_viewer_sentences(s->viewer))
		why = g_strdup(message);
	else
		why = g_strdup_printf("%s (%s)", session_fail_words(kind), message);
	log_event(LOG_WARN, "endpoint_failed", "kind", kind, "error", message, "protocol",
		  s->current.protocol_name, NULL);
	session_viewer_disconnect(s);
	session_endpoint_failed(s, why);
}

/* The session is over, for whatever reason: report, clear, back to the
 * login screen, all before the next frame. */
static void session_end(LauncherSession *s, const char *reason)
{
	unsigned port = s->current.port ? s->current.port : s->current.tls_port;
	gint64 lasted = g_get_monotonic_time() - s->connected_at;
	g_autofree char *protocol = g_strdup(s->current.protocol_name);

	log_event(LOG_INFO, "session_end", "reason", reason, "protocol", protocol, NULL);
	g_clear_pointer(&s->netwatch, launcher_netwatch_free);
	session_viewer_disconnect(s);
	if (!s->direct)
		launcher_report_push(s->report, &s->id, "end", protocol ? protocol : "spice",
				     s->current.host, port, s->user, reason, s->session_token);
	session_clear_credentials(s);
	if (lasted >= SHORT_SESSION_US)
		launcher_backoff_reset(&s->auto_backoff);
	if (s->stopping)
		return;
	if (s->direct) {
		g_autofree char *body = g_strdup_printf("The desktop session ended (%s).", reason);
		session_direct_finish(s, LAUNCHER_EXIT_OK, "session_ended", "The session has ended",
				      body);
		return;
	}
	session_enter_idle(s, TRUE);
	/* The mapping may have changed meanwhile; the login screen is
	 * already up, this only refreshes it. */
	if (!s->autoconnect || s->login)
		session_query(s, PURPOSE_SHOW, TRUE);
}

static void session_viewer_ended(gpointer user_data, const char *reason, const char *message)
{
	LauncherSession *s = user_data;

	session_end(s, reason);
	/* Ends the user did not choose (idle time-out, a server error) are
	 * worth a word on the login screen. */
	if (message && !s->stopping) {
		launcher_diag_error("desktop: %s", message);
		launcher_ui_notice(s->ui, message);
	}
}

static void session_viewer_display(gpointer user_data, GtkWidget *display, guint order)
{
	LauncherSession *s = user_data;

	launcher_ui_add_display(s->ui, display, order);
	if (session_viewer_is_open(s))
		session_set_connected(s);
}

static void session_viewer_notice(gpointer user_data, const char *text)
{
	LauncherSession *s = user_data;

	launcher_diag_error("%s", text);
	launcher_ui_notice(s->ui, text);
}

static const LauncherViewerCallbacks session_viewer_cb = {
    .opened = session_viewer_opened,
    .failed = session_viewer_failed,
    .ended = session_viewer_ended,
    .display_added = session_viewer_display,
    .notice = session_viewer_notice,
};

/* ---- broker replies ---- */

static void session_send_login(LauncherSession *s, const char *username, const char *password);

static void session_retry_login(LauncherSession *s)
{
	if (!s->pending_user || !s->pending_password) {
		session_enter_idle(s, FALSE);
		return;
	}
	session_send_login(s, s->pending_user, s->pending_password);
}

/* The starting screen's text: a station waiting in a pool's queue learns
 * its place first, so that a long wait does not look like a hang. */
static char *session_starting_text(const struct broker_reply *r)
{
	const char *message = r->message ? r->message : "This can take a minute.";

	if (r->queue_position == 0)
		return g_strdup(message);
	if (r->queue_position == 1)
		return g_strdup_printf("Your desktop is next in line.\n%s", message);
	return g_strdup_printf("You are number %u in line for a desktop.\n%s", r->queue_position,
			       message);
}

static void session_poll_starting(LauncherSession *s, const struct broker_reply *r)
{
	int wait = launcher_backoff_after(&s->broker_backoff, r->retry_after);
	g_autofree char *detail = session_starting_text(r);
	char secs[16], queue[16];

	session_stop_timers(s);
	g_snprintf(secs, sizeof(secs), "%d", wait);
	g_snprintf(queue, sizeof(queue), "%u", r->queue_position);
	launcher_status_set(s->status, LAUNCHER_STATE_STARTING, "retry", secs, "queue",
			    r->queue_position ? queue : NULL, "mac", s->id.mac, NULL);
	launcher_ui_show_progress(s->ui, "Starting your desktop…", detail, TRUE);
	session_countdown(s, wait, "Checking again in",
			  s->pending_password ? session_retry_login : session_retry_same);
}

static void session_reply(LauncherSession *s, struct broker_reply *r)
{
	g_autofree char *body = NULL;
	SessionMessage m = {
	    .next = "Checking again in",
	    .then = session_retry_same,
	    .retry_btn = TRUE,
	    .retry_s = "retry",
	    .can_back = s->have_policy,
	};

	switch (r->status) {
	case BROKER_STATUS_READY:
		session_set_policy(s, r);
		launcher_backoff_reset(&s->broker_backoff);
		if (s->purpose == PURPOSE_CONNECT && s->login && r->n_endpoints == 0) {
			/* A lookup for a mapping with a login: the endpoints
			 * come with the login. */
			session_enter_idle(s, FALSE);
			return;
		}
		if (s->purpose == PURPOSE_CONNECT || (s->autoconnect && !s->login && !s->silent)) {
			session_start_connect(s, r);
			return;
		}
		session_enter_idle(s, FALSE);
		return;
	case BROKER_STATUS_STARTING:
		session_poll_starting(s, r);
		return;
	case BROKER_STATUS_MAINTENANCE:
		m.kind = "maintenance";
		m.title = "This station is in maintenance";
		m.body = r->message ? r->message : "Please try again later.";
		m.seconds = launcher_backoff_after(&s->broker_backoff, r->retry_after);
		m.can_back = FALSE;
		break;
	case BROKER_STATUS_UNKNOWN:
		m.kind = "unknown";
		m.title = "This station is not set up yet";
		m.body = "Please ask your administrator to add this station. They will need "
			 "the MAC address shown below.";
		m.identity_large = TRUE;
		m.seconds = launcher_backoff_after(&s->broker_backoff, r->retry_after);
		m.can_back = FALSE;
		break;
	case BROKER_STATUS_ERROR:
	case BROKER_STATUS_OK:
	default:
		m.kind = "broker_error";
		m.title = "The connection server reported a problem";
		m.body = r->message ? r->message : "No details were given.";
		m.next = "Trying again in";
		m.seconds = launcher_backoff_after(&s->broker_backoff, r->retry_after);
		break;
	}
	session_show_message(s, &m);
}

static void session_query_done(GObject *src, GAsyncResult *res, gpointer user_data)
{
	LauncherSession *s = user_data;
	struct broker_reply reply;
	g_autoptr(GError) error = NULL;
	gboolean ok;

	/* Cancelled: s may be gone, and a newer request is in charge. */
	if (g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res))))
		return;
	g_clear_object(&s->request);
	ok = launcher_broker_finish(res, &reply, &error);
	session_forget_sso(s);
	if (ok && reply.status == BROKER_STATUS_READY && s->pending_password) {
		/* The broker accepted the login: the desktop may take it too
		 * (RDP single sign-on). Moved, so the password exists once. */
		s->sso_user = g_steal_pointer(&s->pending_user);
		s->sso_password = g_steal_pointer(&s->pending_password);
	}
	if (!ok || reply.status != BROKER_STATUS_STARTING)
		session_forget_pending(s);
	if (s->silent && !ok) {
		/* A refresh behind the login screen that failed: keep the
		 * screen (Connect will show the problem), try again later. */
		launcher_diag_error("broker: %s", error->message);
		log_event(LOG_WARN, "refresh_failed", "error", error->message, NULL);
		s->silent = FALSE;
		if (s->cfg->refresh > 0 && !s->refresh)
			s->refresh =
			    g_timeout_add_seconds((guint)s->cfg->refresh, session_refresh_due, s);
	} else if (!ok) {
		session_broker_failed(s, error, &reply);
	} else {
		session_reply(s, &reply);
	}
	s->silent = FALSE;
	broker_reply_clear(&reply);
}

static void session_query(LauncherSession *s, Purpose purpose, gboolean silent)
{
	g_autoptr(GError) error = NULL;

	session_cancel_request(s);
	g_clear_handle_id(&s->tick, g_source_remove);
	g_clear_handle_id(&s->refresh, g_source_remove);
	s->purpose = purpose;
	s->silent = silent;
	/* The network may have come up (or changed) since last time. */
	session_discover(s);
	if (!launcher_broker_check(s->broker, &error)) {
		session_enter_error(s, error->message);
		return;
	}
	if (!silent) {
		launcher_status_set(s->status, LAUNCHER_STATE_QUERYING, "purpose",
				    purpose == PURPOSE_CONNECT ? "connect" : "show", "mac",
				    s->id.mac, NULL);
		launcher_ui_show_progress(s->ui, "Contacting the connection server…",
					  launcher_broker_url(s->broker),
					  purpose == PURPOSE_CONNECT && s->have_policy);
	}
	s->request = g_cancellable_new();
	launcher_broker_lookup_async(s->broker, &s->id, s->request, session_query_done, s);
}

/* ---- what the user does ---- */

static void session_ui_connect(gpointer user_data, const char *username, const char *password)
{
	LauncherSession *s = user_data;

	if (!s->login || !username) {
		session_query(s, PURPOSE_CONNECT, FALSE);
		return;
	}
	/* Kept (wiped copies) only until the broker's answer: it may say the
	 * desktop is starting, and then the login is sent again. */
	session_forget_pending(s);
	s->pending_user = g_strdup(username);
	s->pending_password = launcher_secret_dup(password);
	session_send_login(s, username, password);
	/* The user name stays for a retry after a typo. */
	launcher_ui_clear_password(s->ui);
}

static void session_send_login(LauncherSession *s, const char *username, const char *password)
{
	session_stop_timers(s);
	session_cancel_request(s);
	s->purpose = PURPOSE_CONNECT;
	s->silent = FALSE;
	session_discover(s);
	launcher_status_set(s->status, LAUNCHER_STATE_QUERYING, "purpose", "login", "mac",
			    s->id.mac, NULL);
	launcher_ui_show_progress(s->ui, "Logging in…", NULL, FALSE);
	s->request = g_cancellable_new();
	/* The request body is wiped once sent. */
	launcher_broker_login_async(s->broker, &s->id, username, password, s->request,
				    session_query_done, s);
}

static void session_ui_cancel(gpointer user_data)
{
	LauncherSession *s = user_data;

	log_event(LOG_INFO, "cancel", NULL);
	session_cancel_request(s);
	session_viewer_disconnect(s);
	session_clear_credentials(s);
	if (s->direct) {
		session_direct_finish(s, LAUNCHER_EXIT_OK, "session_ended", "The session has ended",
				      "Connecting was cancelled.");
		return;
	}
	if (!s->have_policy) {
		session_query(s, PURPOSE_SHOW, FALSE);
		return;
	}
	/* Back on the login screen without auto-connect: the user chose to
	 * stop. */
	session_enter_idle(s, FALSE);
}

static void session_ui_retry(gpointer user_data)
{
	LauncherSession *s = user_data;
	SessionStep step = s->on_zero;

	session_stop_timers(s);
	if (step)
		step(s);
}

static void session_ui_admin_opened(gpointer user_data)
{
	LauncherSession *s = user_data;
	g_autofree char *identity = NULL, *broker = NULL, *errors = NULL, *network = NULL;
	g_autofree char *versions = NULL, *config = NULL;
	LauncherAdminView v;

	session_discover(s);
	identity = g_strdup_printf(
	    "MAC %s (from %s), interface %s, link %s\nIP %s\nHost name %s "
	    "(%s)\nMapping: %s",
	    s->id.mac[0] ? s->id.mac : "unknown", s->id.mac_source,
	    s->id.ifname[0] ? s->id.ifname : "none", s->id.carrier ? "up" : "down",
	    s->id.ip[0] ? s->id.ip : "none", s->id.hostname[0] ? s->id.hostname : "(none)",
	    s->id.hostname_source,
	    s->have_policy ? (s->station_name ? s->station_name : "(unnamed)") : "not known yet");
	broker = g_strdup_printf("%s\nCA %s%s\nSession reports waiting: %u",
				 launcher_broker_url(s->broker) ? launcher_broker_url(s->broker)
								: "(none)",
				 s->cfg->ca ? s->cfg->ca : "(system store)",
				 s->cfg->insecure ? "\nInsecure mode: plain http:// allowed" : "",
				 launcher_report_pending(s->report));
	errors = launcher_diag_errors_text();
	network = launcher_diag_network_text(s->cfg->sysroot);
	versions = launcher_diag_versions_text();
	config = launcher_config_describe(s->cfg);
	v.identity = identity;
	v.broker = broker;
	v.state = launcher_status_line(s->status);
	v.errors = errors;
	v.network = network;
	v.versions = versions;
	v.config = config;
	log_event(LOG_INFO, "admin", "action", "open", NULL);
	launcher_ui_show_admin(s->ui, &v);
}

static void session_ui_admin_closed(gpointer user_data)
{
	log_event(LOG_INFO, "admin", "action", "close", NULL);
}

static void session_ui_admin_action(gpointer user_data, const char *action)
{
	LauncherSession *s = user_data;
	const char *cmd = strcmp(action, "reboot") == 0 ? s->cfg->reboot_cmd : s->cfg->poweroff_cmd;
	g_autoptr(GError) error = NULL;

	log_event(LOG_INFO, "admin", "action", action, "command", cmd, NULL);
	if (!cmd || !launcher_kiosk_run(cmd, &error)) {
		g_autofree char *text =
		    g_strdup_printf("%s failed: %s", action, error ? error->message : "no command");
		launcher_diag_error("%s", text);
		launcher_ui_notice(s->ui, text);
	}
}

/* ---- life cycle ---- */

LauncherSession *launcher_session_new(const LauncherConfig *cfg)
{
	static const LauncherUiCallbacks ui_cb = {
	    .connect = session_ui_connect,
	    .cancel = session_ui_cancel,
	    .retry_now = session_ui_retry,
	    .admin_opened = session_ui_admin_opened,
	    .admin_closed = session_ui_admin_closed,
	    .admin_action = session_ui_admin_action,
	};
	LauncherSession *s = g_new0(LauncherSession, 1);
	g_autofree char *cmdline_path = launcher_file_under(cfg->sysroot, "/proc/cmdline");

	s->cfg = cfg;
	s->cmdline = launcher_cmdline_read(cmdline_path);
	s->status = launcher_status_new(cfg->status_file);
	s->broker = launcher_broker_new(cfg->broker, cfg->ca, cfg->insecure, 10);
	s->report = launcher_report_new(s->broker);
	s->failures = g_string_new(NULL);
	launcher_backoff_init(&s->broker_backoff, cfg->retry_base, cfg->retry_max);
	launcher_backoff_init(&s->desktop_backoff, cfg->retry_base, cfg->retry_max);
	launcher_backoff_init(&s->auto_backoff, cfg->retry_base, cfg->retry_max);
	s->ui = launcher_ui_new(cfg, &ui_cb, s);
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
	session_stop_timers(s);
	session_cancel_request(s);
	g_clear_pointer(&s->netwatch, launcher_netwatch_free);
	session_viewer_disconnect(s);
	session_clear_credentials(s);
	launcher_ui_free(s->ui);
	launcher_report_free(s->report);
	launcher_broker_free(s->broker);
	launcher_status_free(s->status);
	g_string_free(s->failures, TRUE);
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
	session_discover(s);
	log_event(LOG_INFO, "identity", "mac", s->id.mac, "mac_source", s->id.mac_source,
		  "interface", s->id.ifname, "ip", s->id.ip, "hostname", s->id.hostname, NULL);
	session_query(s, PURPOSE_SHOW, FALSE);
}

void launcher_session_start_direct(LauncherSession *s, struct broker_reply *reply,
				   LauncherSessionFinished finished, gpointer user_data)
{
	s->direct = TRUE;
	s->finished = finished;
	s->finished_data = user_data;
	session_discover(s);
	log_event(LOG_INFO, "direct", "endpoints", reply->n_endpoints ? "yes" : "none", NULL);
	session_set_policy(s, reply);
	s->purpose = PURPOSE_CONNECT;
	session_start_connect(s, reply);
}

void launcher_session_stop(LauncherSession *s, GSourceFunc done, gpointer user_data)
{
	s->stopping = TRUE;
	session_stop_timers(s);
	session_cancel_request(s);
	if (session_viewer_is_open(s))
		session_end(s, "stopped");
	else
		session_viewer_disconnect(s);
	session_clear_credentials(s);
	launcher_status_set(s->status, LAUNCHER_STATE_STOPPED, NULL);
	/* A session end still in the queue gets a moment to go out. */
	launcher_report_flush(s->report, 2000, done, user_data);
}
