/* Session reports: see launcher_report.h. */
#include "launcher_report.h"

#include <X11/extensions/scrnsaver.h>
#include <gdk/gdkx.h>
#include <string.h>

#include "launcher_secret.h"
#include "log.h"

struct report {
	LauncherIdentity id;
	char *event, *protocol, *host, *user, *reason;
	char *session; /* the desktop's token: wiped like a password */
	unsigned port;
};

struct LauncherReport {
	LauncherBroker *broker;
	GQueue queue;
	gboolean in_flight;
	guint retry;
	GCancellable *cancel;
	GSourceFunc flush_done;
	gpointer flush_data;
	guint flush_timer;
	/* The alive reports of the open session (one out at a time). */
	LauncherReportEnded ended;
	gpointer ended_data;
	LauncherIdentity alive_id;
	char *alive_session; /* the desktop's token: wiped like a password */
	GCancellable *alive_cancel;
	guint alive_timer;
	gboolean alive_in_flight;
	XScreenSaverInfo *ssinfo;
};

static void report_free(struct report *rep)
{
	g_free(rep->event);
	g_free(rep->protocol);
	g_free(rep->host);
	g_free(rep->user);
	g_free(rep->reason);
	launcher_secret_clear(&rep->session);
	g_free(rep);
}

static void report_send(LauncherReport *r);

/* An answer that says the broker ended the session: tell the session. */
static gboolean report_ended_reply(LauncherReport *r, const struct broker_reply *reply)
{
	if (reply->status != BROKER_STATUS_ERROR || !reply->error ||
	    (strcmp(reply->error, "session_moved") != 0 &&
	     strcmp(reply->error, "session_disconnected") != 0))
		return FALSE;
	log_event(LOG_INFO, "session_ended_by_broker", "code", reply->error, "message",
		  reply->message, NULL);
	if (r->ended)
		r->ended(r->ended_data, reply->error, reply->message);
	return TRUE;
}

static void report_flush_check(LauncherReport *r)
{
	GSourceFunc done = r->flush_done;

	if (!done || (r->queue.length && r->flush_timer))
		return;
	r->flush_done = NULL;
	g_clear_handle_id(&r->flush_timer, g_source_remove);
	done(r->flush_data);
}

static gboolean report_retry(gpointer user_data)
{
	LauncherReport *r = user_data;

	r->retry = 0;
	report_send(r);
	return G_SOURCE_REMOVE;
}

static void report_done(GObject *src, GAsyncResult *res, gpointer user_data)
{
	LauncherReport *r = user_data;
	struct broker_reply reply;
	g_autoptr(GError) error = NULL;
	struct report *rep;

	/* Cancelled means r has been freed: touch nothing of it. The task
	 * keeps its cancellable alive for this check. */
	if (g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res))))
		return;
	launcher_broker_finish(res, &reply, &error);
	r->in_flight = FALSE;
	rep = g_queue_peek_head(&r->queue);
	/* The end of a session the broker ended (its viewer dropped first)
	 * learns why here. Called last: the session may push reports. */
	if (!error && strcmp(rep->event, "end") == 0 && reply.status == BROKER_STATUS_ERROR) {
		report_free(g_queue_pop_head(&r->queue));
		report_flush_check(r);
		report_send(r);
		report_ended_reply(r, &reply);
		broker_reply_clear(&reply);
		return;
	}
	broker_reply_clear(&reply);
	if (error &&
	    (g_error_matches(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_UNREACHABLE) ||
	     g_error_matches(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_SERVER) ||
	     g_error_matches(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_TLS))) {
		/* Worth another try later; the order of reports is kept. */
		log_event(LOG_WARN, "session_report", "event", rep->event, "result", "retry",
			  "error", error->message, NULL);
		r->retry = g_timeout_add_seconds(LAUNCHER_REPORT_RETRY_S, report_retry, r);
		report_flush_check(r);
		return;
	}
	if (error)
		log_event(LOG_WARN, "session_report", "event", rep->event, "result", "rejected",
			  "error", error->message, NULL);
	else
		log_event(LOG_INFO, "session_report", "event", rep->event, "result", "ok", NULL);
	report_free(g_queue_pop_head(&r->queue));
	report_flush_check(r);
	report_send(r);
}

static void report_send(LauncherReport *r)
{
	struct report *rep = g_queue_peek_head(&r->queue);

	if (!rep || r->in_flight || r->retry)
		return;
	r->in_flight = TRUE;
	launcher_broker_session_async(r->broker, &rep->id, rep->event, rep->protocol, rep->host,
				      rep->port, rep->user, rep->reason, rep->session, r->cancel,
				      report_done, r);
}

LauncherReport *launcher_report_new(LauncherBroker *broker)
{
	LauncherReport *r = g_new0(LauncherReport, 1);

	r->broker = broker;
	g_queue_init(&r->queue);
	r->cancel = g_cancellable_new();
	return r;
}

void launcher_report_free(LauncherReport *r)
{
	if (!r)
		return;
	launcher_report_alive_stop(r);
	if (r->ssinfo)
		XFree(r->ssinfo);
	g_cancellable_cancel(r->cancel);
	g_clear_object(&r->cancel);
	g_clear_handle_id(&r->retry, g_source_remove);
	g_clear_handle_id(&r->flush_timer, g_source_remove);
	g_queue_clear_full(&r->queue, (GDestroyNotify)report_free);
	g_free(r);
}

void launcher_report_push(LauncherReport *r, const LauncherIdentity *id, const char *event,
			  const char *protocol, const char *host, unsigned port, const char *user,
			  const char *reason, const char *session)
{
	struct report *rep = g_new0(struct report, 1);

	rep->id = *id;
	rep->event = g_strdup(event);
	rep->protocol = g_strdup(protocol);
	rep->host = g_strdup(host);
	rep->port = port;
	rep->user = g_strdup(user);
	rep->reason = g_strdup(reason);
	rep->session = launcher_secret_dup(session);
	/* A station that stays offline for long keeps only the newest. */
	while (r->queue.length >= LAUNCHER_REPORT_QUEUE_MAX && !r->in_flight)
		report_free(g_queue_pop_head(&r->queue));
	g_queue_push_tail(&r->queue, rep);
	/* A new report is a good moment to retry the old ones now. */
	if (r->retry && !r->in_flight)
		g_clear_handle_id(&r->retry, g_source_remove);
	report_send(r);
}

static gboolean report_flush_timeout(gpointer user_data)
{
	LauncherReport *r = user_data;

	r->flush_timer = 0;
	report_flush_check(r);
	return G_SOURCE_REMOVE;
}

void launcher_report_flush(LauncherReport *r, guint timeout_ms, GSourceFunc done,
			   gpointer user_data)
{
	r->flush_done = done;
	r->flush_data = user_data;
	r->flush_timer = g_timeout_add(timeout_ms, report_flush_timeout, r);
	report_flush_check(r);
}

guint launcher_report_pending(LauncherReport *r)
{
	return r->queue.length;
}

void launcher_report_set_ended(LauncherReport *r, LauncherReportEnded ended, gpointer user_data)
{
	r->ended = ended;
	r->ended_data = user_data;
}

/* The X server's idle time in whole seconds, or -1 when it cannot say. */
static long report_idle_s(LauncherReport *r)
{
	GdkDisplay *display = gdk_display_get_default();
	int ev, err;

	if (!display || !GDK_IS_X11_DISPLAY(display))
		return -1;
	if (!r->ssinfo) {
		if (!XScreenSaverQueryExtension(GDK_DISPLAY_XDISPLAY(display), &ev, &err) ||
		    !(r->ssinfo = XScreenSaverAllocInfo()))
			return -1;
	}
	if (!XScreenSaverQueryInfo(GDK_DISPLAY_XDISPLAY(display),
				   DefaultRootWindow(GDK_DISPLAY_XDISPLAY(display)), r->ssinfo))
		return -1;
	return (long)(r->ssinfo->idle / 1000);
}

static gboolean report_alive_tick(gpointer user_data);

static void report_alive_arm(LauncherReport *r, int seconds)
{
	g_clear_handle_id(&r->alive_timer, g_source_remove);
	r->alive_timer = g_timeout_add_seconds(
	    seconds > 0 ? (guint)seconds : LAUNCHER_REPORT_ALIVE_S, report_alive_tick, r);
}

static void report_alive_done(GObject *src, GAsyncResult *res, gpointer user_data)
{
	LauncherReport *r = user_data;
	struct broker_reply reply;
	g_autoptr(GError) error = NULL;

	/* Cancelled: stopped, or r freed. */
	if (g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res))))
		return;
	r->alive_in_flight = FALSE;
	if (launcher_broker_finish(res, &reply, &error) && report_ended_reply(r, &reply)) {
		broker_reply_clear(&reply);
		return;
	}
	/* Anything else changes nothing: the session goes on. A broker
	 * that refuses the token (it restarted) will not know this session
	 * again: no more reports; an unreachable one is asked again. */
	if (error)
		log_event(LOG_DEBUG, "session_alive", "error", error->message, NULL);
	if (g_error_matches(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_REFUSED)) {
		log_event(LOG_INFO, "session_alive", "result", "refused", NULL);
		launcher_secret_clear(&r->alive_session);
	}
	if (r->alive_session)
		report_alive_arm(r, error ? LAUNCHER_REPORT_ALIVE_S : reply.retry_after);
	broker_reply_clear(&reply);
}

static gboolean report_alive_tick(gpointer user_data)
{
	LauncherReport *r = user_data;
	char idle[24] = "";
	long s = report_idle_s(r);

	r->alive_timer = 0;
	if (r->alive_in_flight || !r->alive_session)
		return G_SOURCE_REMOVE;
	if (s >= 0)
		g_snprintf(idle, sizeof(idle), "%ld", s);
	r->alive_in_flight = TRUE;
	/* The idle time rides in reason (docs/protocol.md). */
	launcher_broker_session_async(r->broker, &r->alive_id, "alive", NULL, NULL, 0, NULL,
				      idle[0] ? idle : NULL, r->alive_session, r->alive_cancel,
				      report_alive_done, r);
	return G_SOURCE_REMOVE;
}

void launcher_report_alive_start(LauncherReport *r, const LauncherIdentity *id, const char *session)
{
	launcher_report_alive_stop(r);
	if (!session)
		return;
	r->alive_id = *id;
	r->alive_session = launcher_secret_dup(session);
	r->alive_cancel = g_cancellable_new();
	report_alive_arm(r, LAUNCHER_REPORT_ALIVE_S);
}

void launcher_report_alive_stop(LauncherReport *r)
{
	g_clear_handle_id(&r->alive_timer, g_source_remove);
	if (r->alive_cancel)
		g_cancellable_cancel(r->alive_cancel);
	g_clear_object(&r->alive_cancel);
	r->alive_in_flight = FALSE;
	launcher_secret_clear(&r->alive_session);
}
