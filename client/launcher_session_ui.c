/* What the user does on the session's screens: Connect (or Log in),
 * Cancel (or the chooser's Log out), a desktop picked on the chooser, Try
 * now, and the admin overlay's buttons (launcher_admin.c). */
#include "launcher_session_internal.h"

#include "log.h"

static void session_ui_connect(gpointer user_data, const char *username, const char *password)
{
	LauncherSession *s = user_data;

	if (!s->login || !username) {
		launcher_session_broker_query(s, PURPOSE_CONNECT, "Connect pressed");
		return;
	}
	/* Kept (wiped copies) only until the broker's answer: it may say the
	 * desktop is starting, and then the login is sent again. */
	launcher_cred_set_pending(&s->cred, username, password);
	launcher_session_broker_query(s, PURPOSE_LOGIN, "login submitted");
	/* The user name stays for a retry after a typo. */
	launcher_ui_clear_password(s->ui);
}

static void session_ui_cancel(gpointer user_data)
{
	LauncherSession *s = user_data;

	log_event(LOG_INFO, "cancel", NULL);
	launcher_session_close_viewer(s);
	launcher_session_clear_credentials(s);
	if (s->direct) {
		launcher_connect_file_finish(s, LAUNCHER_EXIT_OK, LAUNCHER_SCREEN_DIRECT_ENDED,
					     LAUNCHER_TEXT_CANCELLED);
		return;
	}
	if (!s->have_policy) {
		launcher_session_broker_query(s, PURPOSE_SHOW, "cancelled");
		return;
	}
	/* Back on the login screen without auto-connect: the user chose to
	 * stop (on the chooser: logged out). */
	launcher_session_enter(
	    s, SESSION_IDLE,
	    s->state == SESSION_CHOOSING ? "logged out from the chooser" : "cancelled", NULL);
}

/* A desktop picked on the chooser: the kept login goes to the broker
 * again, naming it. */
static void session_ui_choose(gpointer user_data, const char *desktop)
{
	LauncherSession *s = user_data;

	/* A second Enter while the first pick is out. */
	if (s->state != SESSION_CHOOSING)
		return;
	if (!launcher_cred_has_pending(&s->cred)) {
		launcher_session_clear_credentials(s);
		launcher_session_enter(s, SESSION_IDLE, "login lost", NULL);
		return;
	}
	log_event(LOG_INFO, "desktop_chosen", "desktop", desktop, NULL);
	launcher_cred_choose(&s->cred, desktop);
	launcher_session_broker_query(s, PURPOSE_LOGIN, "desktop chosen");
}

/* Try now: what the countdown would do at zero, now (it enters the next
 * state, which stops the countdown). */
static void session_ui_retry(gpointer user_data)
{
	LauncherSession *s = user_data;
	SessionStep step = s->on_zero;

	if (step)
		step(s);
}

const LauncherUiCallbacks launcher_session_ui_callbacks = {
    .connect = session_ui_connect,
    .cancel = session_ui_cancel,
    .retry_now = session_ui_retry,
    .admin_opened = launcher_admin_opened,
    .admin_closed = launcher_admin_closed,
    .admin_action = launcher_admin_action,
    .choose = session_ui_choose,
};
