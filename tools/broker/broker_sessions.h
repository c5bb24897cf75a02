/* Sessions from the broker's side: ending one (stationctl disconnect) and
 * roaming (a user who logs in at another station takes their open desktop
 * along). The station table (broker_state.h) marks the session ended, so
 * that the station's next report is told why and by whom; for a libvirt
 * desktop the viewer is also dropped here and now, by libvirt's graphics
 * update with connected='disconnect' (docs/protocol.md, "Sessions ended by
 * the broker"). */
#ifndef BROKER_SESSIONS_H
#define BROKER_SESSIONS_H

#include <stddef.h>

#include "broker_state.h"

struct broker;

/* What became of the viewer of an ended session. */
enum broker_sessions_viewer {
	BROKER_VIEWER_DROPPED,	 /* libvirt disconnected it */
	BROKER_VIEWER_AT_REPORT, /* not a libvirt desktop: the station ends it */
	BROKER_VIEWER_FAILED,	 /* libvirt refused: the station ends it */
};

struct broker_sessions_ended {
	struct broker_station_info info;
	enum broker_sessions_viewer viewer;
	char error[200]; /* BROKER_VIEWER_FAILED: libvirt's word */
};

/* Drops every viewer of a running domain's SPICE or VNC display: a random
 * password with connected='disconnect', then its own password (and expiry)
 * back, so that what the next hand-out expects is unchanged. 0, or -1 with
 * err. VNC: libvirt can keep or fail clients only, so -1. */
int broker_sessions_drop_viewer(const char *uri, const char *domain, int protocol, char *err,
				size_t errlen);

/* Ends the open sessions that match who: a MAC, a station name (as the
 * stations file names it now), a host name or a user (without case).
 * reason "disconnected". out: each one and its viewer (caller frees).
 * 0 or -1 (out of memory). */
int broker_sessions_disconnect(struct broker *b, const char *who,
			       struct broker_sessions_ended **out, size_t *n);

/* A hand-out at station mac (named by) of desktop d to user: an open
 * session of the same user on the same desktop at another station ends
 * with reason "moved", naming by, and its viewer is dropped. After the
 * hand-out, since the drop keeps the password the hand-out set. The
 * number of sessions moved. */
size_t broker_sessions_roam(struct broker *b, const uint8_t mac[6], const char *by,
			    const struct broker_state_desk *d);

/* What a station whose session the broker ended is told: "session_moved"
 * or "session_disconnected", and the sentence its screen shows. */
const char *broker_sessions_code(const char *reason);
void broker_sessions_message(const char *reason, const char *by, char *out, size_t outlen);

#endif
