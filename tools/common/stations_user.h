/* Desktops chosen by the user: which desktops a user who logs in at a
 * station gets, and why.
 *
 * A station with desktop_from = user (a hot desk) gives the user who logs
 * in the desktops of its [user:NAME] section first, then those of each
 * [usergroup:NAME] section the user is in (the login back-end names the
 * groups), in file order, each desktop once. With none, the station's own
 * desktop if it has one; else nothing ("No desktop is assigned to you.").
 * A station with desktop_from = station (a kiosk, the default) keeps its
 * own desktop whoever logs in. The broker and `stationctl explain` both
 * ask here, so what the admin is told is what the broker does. */
#ifndef VDI_STATIONS_USER_H
#define VDI_STATIONS_USER_H

#include <stdbool.h>
#include <stddef.h>

#include "stations.h"

/* At most this many desktops for one user (a user section and groups may
 * each name ST_DESKTOPS_MAX). */
#define ST_USER_DESKTOPS_MAX 64
#define ST_USER_GROUPS_MAX   1024 /* groups of one login that are looked at */

enum st_user_source {
	ST_USER_FROM_STATION, /* desktop_from = station: the station's own */
	ST_USER_FROM_USER,    /* the user's desktops (n > 0) */
	ST_USER_FALLBACK,     /* desktop_from = user, none of the user's: the station's own */
	ST_USER_NONE,	      /* desktop_from = user, none at all */
};

/* One desktop of the user and the section (and line) that gave it. */
struct st_user_desktop {
	const struct st_entry *desktop; /* a [desktop:NAME] entry */
	const struct st_entry *from;	/* the [user:NAME] or [usergroup:NAME] entry */
	unsigned line;			/* of its desktops key */
};

struct st_user_desktops {
	enum st_user_source source;
	size_t n;
	struct st_user_desktop v[ST_USER_DESKTOPS_MAX];
	/* The station's desktop_from and where it came from. */
	struct st_origin decided_by;
};

/* What user (as logged in; compared without case) with these directory
 * groups gets at station (a station entry from st_config_match). groups
 * may be NULL when n_groups is 0. Never fails. */
void st_user_desktops(const struct st_config *cfg, const struct st_entry *station, const char *user,
		      const char *const *groups, size_t n_groups, struct st_user_desktops *out);

/* The user's desktop with this id (its [desktop:NAME] name), or NULL: an id
 * that is not one of the user's is not found, whoever else has it. */
const struct st_user_desktop *st_user_desktops_find(const struct st_user_desktops *r,
						    const char *id);

/* The desktop's id: NAME of [desktop:NAME]. */
const char *st_user_desktop_id(const struct st_entry *desktop);

/* The station's answer entry with desktop's desktop in it: out is station
 * with what says what the desktop is (endpoints, host, ports, password, ca,
 * connection file or URL, domain, pool, wait_ready, maintenance) taken from
 * desktop, and the other keys the desktop section sets itself (usb
 * filters, sso, message, session limits) overriding the station's. The
 * station's match, login and autoconnect stay. out points into both
 * entries: it lives as long as the config. */
void st_user_desktop_entry(const struct st_entry *station, const struct st_entry *desktop,
			   struct st_entry *out);

#endif
