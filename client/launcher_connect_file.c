/* --connect: one desktop from a virt-viewer connection file, without a
 * broker. The session connects to the file's endpoints as to a broker's,
 * sends no session reports, and when the session is over (or connecting
 * failed, or was cancelled) it says how on screen and exits a moment
 * later with a status of docs/launcher.md, "Exit status". */
#include "launcher_session_internal.h"

#include "log.h"

/* How long a --connect run shows how it ended before it exits. */
#define DIRECT_LINGER_MS 1500

void launcher_connect_file_start(LauncherSession *s, struct broker_reply *reply,
				 LauncherSessionFinished finished, gpointer user_data)
{
	s->direct = TRUE;
	s->finished = finished;
	s->finished_data = user_data;
	launcher_session_broker_discover(s);
	log_event(LOG_INFO, "direct", "endpoints", reply->n_endpoints ? "yes" : "none", NULL);
	launcher_session_broker_set_policy(s, reply);
	s->purpose = PURPOSE_CONNECT;
	launcher_session_desktop_start(s, reply);
}

static gboolean launcher_connect_file_exit(gpointer user_data)
{
	LauncherSession *s = user_data;
	LauncherSessionFinished finished = s->finished;

	s->pause = 0;
	s->finished = NULL;
	if (finished)
		finished(s->finished_data, s->exit_status, s->exit_message);
	return G_SOURCE_REMOVE;
}

void launcher_connect_file_finish(LauncherSession *s, int status, LauncherScreen screen,
				  const char *body)
{
	SessionMessage m = {.screen = screen, .body = body};

	if (s->state == SESSION_STOPPED)
		return; /* exiting already */
	s->exit_status = status;
	g_free(s->exit_message);
	s->exit_message = status != LAUNCHER_EXIT_OK ? g_strdup(body) : NULL;
	log_event(status ? LOG_WARN : LOG_INFO, "direct_end", "kind",
		  launcher_errors_screen(screen)->kind, NULL);
	launcher_session_enter(s, SESSION_MESSAGE,
			       status ? "connection file: desktop unreachable"
				      : "connection file: session over",
			       &(SessionEntry){.message = &m});
	s->pause = g_timeout_add(DIRECT_LINGER_MS, launcher_connect_file_exit, s);
}
