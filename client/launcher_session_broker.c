/* The session's broker queries and what each answer leads to: the
 * lookup and the login (entering QUERYING), the refresh behind the login
 * screen (no state change), and the next state for every reply and every
 * failure. */
#include "launcher_session_internal.h"

#include "launcher_diag.h"
#include "log.h"

void launcher_session_broker_discover(LauncherSession *s)
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

/* The station cannot work as configured (no broker address, insecure URL
 * not allowed, CA missing): say so, and look again now and then, as the
 * file may be fixed on a mounted medium. */
static void session_config_error(LauncherSession *s, const char *what)
{
	launcher_diag_error("configuration: %s", what);
	launcher_session_message(s, LAUNCHER_SCREEN_CONFIG, what,
				 s->cfg->config ? s->cfg->config : "config file", -1,
				 "settings not usable");
}

void launcher_session_broker_query(LauncherSession *s, SessionPurpose purpose, const char *reason)
{
	g_autoptr(GError) error = NULL;

	/* A login is asked as a connect: its answer is handled alike. */
	s->purpose = purpose == PURPOSE_LOGIN ? PURPOSE_CONNECT : purpose;
	s->silent = FALSE;
	/* The network may have come up (or changed) since last time. */
	launcher_session_broker_discover(s);
	if (purpose != PURPOSE_LOGIN && !launcher_broker_check(s->broker, &error)) {
		session_config_error(s, error->message);
		return;
	}
	launcher_session_enter(s, SESSION_QUERYING, reason, &(SessionEntry){.purpose = purpose});
}

void launcher_session_broker_refresh(LauncherSession *s)
{
	g_autoptr(GError) error = NULL;

	g_clear_handle_id(&s->refresh, g_source_remove);
	s->purpose = PURPOSE_SHOW;
	s->silent = TRUE;
	launcher_session_broker_discover(s);
	if (!launcher_broker_check(s->broker, &error)) {
		session_config_error(s, error->message);
		return;
	}
	s->request = g_cancellable_new();
	launcher_broker_lookup_async(s->broker, &s->id, s->request, launcher_session_broker_done,
				     s);
}

void launcher_session_broker_set_policy(LauncherSession *s, const struct broker_reply *r)
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

static void session_retry_same(LauncherSession *s)
{
	launcher_session_broker_query(s, s->purpose, "retry");
}

static void session_retry_show(LauncherSession *s)
{
	launcher_session_broker_query(s, PURPOSE_SHOW, "retry");
}

static void session_retry_connect(LauncherSession *s)
{
	launcher_session_broker_query(s, PURPOSE_CONNECT, "retry");
}

static void session_back_to_login(LauncherSession *s)
{
	launcher_session_enter(s, SESSION_IDLE, "back to the login screen", NULL);
}

void launcher_session_broker_autoconnect(LauncherSession *s)
{
	launcher_session_broker_query(s, PURPOSE_CONNECT, "auto-connect");
}

/* The desktop is still starting: a login is sent again, else the same
 * lookup. */
void launcher_session_broker_poll(LauncherSession *s)
{
	if (!s->cred.pending_password) {
		session_retry_same(s);
		return;
	}
	if (!launcher_cred_has_pending(&s->cred)) {
		launcher_session_enter(s, SESSION_IDLE, "login lost", NULL);
		return;
	}
	launcher_session_broker_query(s, PURPOSE_LOGIN, "desktop still starting");
}

SessionStep launcher_session_broker_then(LauncherThen then)
{
	switch (then) {
	case LAUNCHER_THEN_RETRY_SAME:
		return session_retry_same;
	case LAUNCHER_THEN_RETRY_SHOW:
		return session_retry_show;
	case LAUNCHER_THEN_RETRY_CONNECT:
		return session_retry_connect;
	case LAUNCHER_THEN_LOGIN:
		return session_back_to_login;
	case LAUNCHER_THEN_NOTHING:
	default:
		return NULL;
	}
}

static gboolean session_refresh_due(gpointer user_data)
{
	LauncherSession *s = user_data;

	s->refresh = 0;
	/* Never pull the screen away from someone typing. */
	if (launcher_ui_is_typing(s->ui) || launcher_ui_admin_visible(s->ui)) {
		launcher_session_broker_arm_refresh(s);
		return G_SOURCE_REMOVE;
	}
	launcher_session_broker_refresh(s);
	return G_SOURCE_REMOVE;
}

void launcher_session_broker_arm_refresh(LauncherSession *s)
{
	if (s->cfg->refresh > 0 && !s->refresh)
		s->refresh = g_timeout_add_seconds((guint)s->cfg->refresh, session_refresh_due, s);
}

/* ---- answers ---- */

/* The broker could not be asked, or refused. */
static void session_broker_failed(LauncherSession *s, const GError *error,
				  const struct broker_reply *reply)
{
	const char *url = launcher_broker_url(s->broker);
	int retry_after = reply ? reply->retry_after : -1;

	launcher_diag_error("broker: %s", error->message);
	log_event(LOG_WARN, "broker_error", "url", url, "error", error->message, NULL);
	if (error->domain != LAUNCHER_BROKER_ERROR) {
		launcher_session_message(s, LAUNCHER_SCREEN_BROKER_UNEXPECTED, error->message, NULL,
					 -1, "broker: unexpected answer");
		return;
	}
	switch ((LauncherBrokerError)error->code) {
	case LAUNCHER_BROKER_ERROR_CONFIG:
		session_config_error(s, error->message);
		return;
	case LAUNCHER_BROKER_ERROR_UNREACHABLE:
		launcher_session_message(s, LAUNCHER_SCREEN_UNREACHABLE, url, error->message, -1,
					 "broker: unreachable");
		return;
	case LAUNCHER_BROKER_ERROR_TLS:
		launcher_session_message(s, LAUNCHER_SCREEN_TLS, url, error->message, -1,
					 "broker: not trusted");
		return;
	case LAUNCHER_BROKER_ERROR_LOGIN:
		launcher_session_message(s, LAUNCHER_SCREEN_LOGIN_REFUSED, NULL, NULL, -1,
					 "broker: login refused");
		return;
	case LAUNCHER_BROKER_ERROR_RATE_LIMITED:
		launcher_session_message(s, LAUNCHER_SCREEN_RATE_LIMITED, NULL, NULL, retry_after,
					 "broker: rate limited");
		return;
	case LAUNCHER_BROKER_ERROR_ACCOUNT_LOCKED:
		launcher_session_message(s, LAUNCHER_SCREEN_ACCOUNT_LOCKED,
					 reply ? reply->message : NULL, NULL, -1,
					 "broker: account locked");
		return;
	case LAUNCHER_BROKER_ERROR_PROTOCOL:
	case LAUNCHER_BROKER_ERROR_REFUSED:
	case LAUNCHER_BROKER_ERROR_SERVER:
	default:
		launcher_session_message(s, LAUNCHER_SCREEN_BROKER_PROBLEM,
					 reply && reply->message ? reply->message : error->message,
					 NULL, retry_after, "broker: error");
		return;
	}
}

static void session_broker_reply(LauncherSession *s, struct broker_reply *r)
{
	switch (r->status) {
	case BROKER_STATUS_READY:
		launcher_session_broker_set_policy(s, r);
		launcher_backoff_reset(&s->broker_backoff);
		if (s->purpose == PURPOSE_CONNECT && s->login && r->n_endpoints == 0) {
			/* A lookup for a mapping with a login: the endpoints
			 * come with the login. */
			launcher_session_enter(s, SESSION_IDLE, "broker: ready, log in first",
					       NULL);
			return;
		}
		if (s->purpose == PURPOSE_CONNECT || (s->autoconnect && !s->login && !s->silent)) {
			launcher_session_desktop_start(s, r);
			return;
		}
		launcher_session_enter(s, SESSION_IDLE, "broker: ready", NULL);
		return;
	case BROKER_STATUS_STARTING:
		launcher_session_enter(s, SESSION_STARTING, "broker: starting",
				       &(SessionEntry){.reply = r});
		return;
	case BROKER_STATUS_CHOOSE:
		if (r->has_policy)
			launcher_session_broker_set_policy(s, r);
		launcher_backoff_reset(&s->broker_backoff);
		/* A list to pick from answers a login only: the pick is sent
		 * with the login kept for it. */
		if (!launcher_cred_has_pending(&s->cred)) {
			launcher_session_message(s, LAUNCHER_SCREEN_BROKER_UNEXPECTED,
						 "a list of desktops came without a login", NULL,
						 -1, "broker: choose without a login");
			return;
		}
		launcher_session_enter(s, SESSION_CHOOSING, "broker: choose a desktop",
				       &(SessionEntry){.reply = r});
		return;
	case BROKER_STATUS_MAINTENANCE:
		launcher_session_message(s, LAUNCHER_SCREEN_MAINTENANCE, r->message, NULL,
					 r->retry_after, "broker: maintenance");
		return;
	case BROKER_STATUS_UNKNOWN:
		launcher_session_message(s, LAUNCHER_SCREEN_UNKNOWN, NULL, NULL, r->retry_after,
					 "broker: unknown station");
		return;
	case BROKER_STATUS_ERROR:
	case BROKER_STATUS_OK:
	default:
		launcher_session_message(s, LAUNCHER_SCREEN_BROKER_ERROR, r->message, NULL,
					 r->retry_after, "broker: error");
		return;
	}
}

void launcher_session_broker_done(GObject *src, GAsyncResult *res, gpointer user_data)
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
	launcher_cred_forget_sso(&s->cred);
	if (ok && reply.status == BROKER_STATUS_READY && s->cred.pending_password)
		/* The broker accepted the login: the desktop may take it too
		 * (RDP single sign-on). */
		launcher_cred_accept(&s->cred);
	/* A login is sent again only while the desktop is starting, or with
	 * the desktop the user picks from the broker's list. */
	if (!ok || (reply.status != BROKER_STATUS_STARTING && reply.status != BROKER_STATUS_CHOOSE))
		launcher_cred_forget_pending(&s->cred);
	if (s->silent && !ok) {
		/* A refresh behind the login screen that failed: keep the
		 * screen (Connect will show the problem), try again later. */
		launcher_diag_error("broker: %s", error->message);
		log_event(LOG_WARN, "refresh_failed", "error", error->message, NULL);
		s->silent = FALSE;
		launcher_session_broker_arm_refresh(s);
	} else if (!ok) {
		session_broker_failed(s, error, &reply);
	} else {
		session_broker_reply(s, &reply);
	}
	s->silent = FALSE;
	broker_reply_clear(&reply);
}
