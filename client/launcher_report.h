/* Session reports to the broker (start and end), sent in order, one at a
 * time, and kept and retried while the broker cannot be reached: a session
 * that ended because the network went down is still reported once it is
 * back. */
#ifndef LAUNCHER_REPORT_H
#define LAUNCHER_REPORT_H

#include "launcher_broker.h"

#define LAUNCHER_REPORT_QUEUE_MAX 32
#define LAUNCHER_REPORT_RETRY_S	  10

typedef struct LauncherReport LauncherReport;

LauncherReport *launcher_report_new(LauncherBroker *broker);
void launcher_report_free(LauncherReport *r);

/* Queues a report (event "start" or "end") and sends it as soon as those
 * before it are through. session is the token of the ready reply that
 * handed out this desktop (NULL: none); the broker refuses a report without
 * it. Each report keeps its own copy, wiped when the report is done. */
void launcher_report_push(LauncherReport *r, const LauncherIdentity *id, const char *event,
			  const char *protocol, const char *host, unsigned port, const char *user,
			  const char *reason, const char *session);

/* Calls done once the queue is empty, or after timeout_ms, whichever is
 * first (for a clean stop). */
void launcher_report_flush(LauncherReport *r, guint timeout_ms, GSourceFunc done,
			   gpointer user_data);

guint launcher_report_pending(LauncherReport *r);

/* While a session is open the station also reports that it is still there
 * (event "alive") with its X idle time, every LAUNCHER_REPORT_ALIVE_S
 * seconds or as the broker's answer says (retry_after): the broker shows
 * the idle time (stationctl sessions), and its answer tells the station
 * when the broker has ended the session (disconnected by an administrator,
 * or opened at another station). Such an answer, to an alive report or to
 * the end report, calls ended with its code ("session_moved",
 * "session_disconnected") and the sentence to show. */
#define LAUNCHER_REPORT_ALIVE_S 3
typedef void (*LauncherReportEnded)(gpointer user_data, const char *code, const char *message);
void launcher_report_set_ended(LauncherReport *r, LauncherReportEnded ended, gpointer user_data);
/* session: the desktop's token (copied, wiped at stop). */
void launcher_report_alive_start(LauncherReport *r, const LauncherIdentity *id,
				 const char *session);
void launcher_report_alive_stop(LauncherReport *r);

#endif
