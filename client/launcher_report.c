/* Session reports: see launcher_report.h. */
#include "launcher_report.h"

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
	broker_reply_clear(&reply);
	r->in_flight = FALSE;
	rep = g_queue_peek_head(&r->queue);
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
