/* What the broker knows about stations at run time: the state of stations it
 * has seen (idle or connected, to what, since when, last seen) and the
 * stations that asked but are not in the stations file.
 *
 * Both tables are keyed by MAC and capped; when full, the station not heard
 * from the longest makes room, except that a station in a session is never
 * forgotten for another one. The station table is split into shards with a
 * lock each, so that lookups on many threads rarely wait for one another.
 * Nothing here survives a restart: stations report again within a minute. */
#ifndef BROKER_STATE_H
#define BROKER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "broker_token.h"
#include "netaddr.h"

#define BROKER_ENDPOINT_STR_MAX (16 + HOSTNAME_MAX + 8) /* "spice://[host]:port" */
#define BROKER_STATE_DESK_MAX	BROKER_ENDPOINT_STR_MAX
#define BROKER_STATE_URI_MAX	256

struct broker_state;
struct broker_station_info;

struct broker_state *broker_state_new(size_t max_stations, size_t max_unknown);
void broker_state_free(struct broker_state *s);

/* A known station asked (lookup, login or session report): refresh its
 * address, host name ("" keeps the old one) and last-seen time. */
void broker_state_seen(struct broker_state *s, const uint8_t mac[6], const struct ipaddr *ip,
		       const char *hostname, time_t now);

/* A ready answer that hands out a desktop carries tok: it becomes the
 * station's newest token, and the one it replaces stays valid as the
 * previous one. 0, or -1 when the station cannot be recorded (out of memory,
 * or its part of the table is full of stations in a session); the answer
 * must then not be sent, as its reports would all be refused. */
int broker_state_issue(struct broker_state *s, const uint8_t mac[6],
		       const uint8_t tok[BROKER_TOKEN_LEN], time_t now);

/* Session start (endpoint is "proto://host:port", user may be "") or end
 * (endpoint NULL), with the token the station's report carries. It is
 * applied, and counts as seen, only when tok is one of the station's: the
 * newest, the previous, or the one its current session started with (so
 * that a ready answer sent during a session, to anyone who names this MAC,
 * does not make the session's own end report fail). A start makes tok the
 * session's token; an end forgets it. true: applied; false: nothing
 * changed (no such station, or a wrong token). */
bool broker_state_session(struct broker_state *s, const uint8_t mac[6], const struct ipaddr *ip,
			  const char *hostname, const char *endpoint, const char *user,
			  const uint8_t tok[BROKER_TOKEN_LEN], time_t now);

/* What a ready answer handed out, recorded with its token (after
 * broker_state_issue) for `stationctl sessions`, disconnect and roaming:
 * who logged in (NULL: nobody), a short description ("domain tiny",
 * "pool lab vm lab-3", "spice://h:5900"), and for a libvirt desktop its
 * URI, domain and protocol, so that the broker can drop its viewer. */
struct broker_state_desk {
	const char *user;
	const char *desktop;
	const char *lv_uri, *lv_domain; /* NULL: not a libvirt desktop */
	int lv_protocol;
};
void broker_state_set_desk(struct broker_state *s, const uint8_t mac[6],
			   const struct broker_state_desk *d);

/* A station's periodic report during a session (event "alive"), with its
 * idle time (-1: unknown). With the session's token: the idle time is
 * kept, and when the broker has ended the session (disconnect, roaming)
 * the answer is BROKER_ALIVE_END with the reason and the station it moved
 * to (end_by, may be ""); the session is then over here at once, and the
 * next report is OK again. A station whose start report has not come yet
 * is OK: only an end the broker decided ends a session. */
enum broker_alive { BROKER_ALIVE_REFUSED, BROKER_ALIVE_OK, BROKER_ALIVE_END };
enum broker_alive broker_state_alive(struct broker_state *s, const uint8_t mac[6],
				     const struct ipaddr *ip, const char *hostname,
				     const uint8_t tok[BROKER_TOKEN_LEN], long idle_s, time_t now,
				     char reason[24], char end_by[BROKER_STATE_DESK_MAX]);

/* Ends, from the broker's side, every open session for which match(...)
 * is true: each is marked so that the station's next report is told
 * (reason, by). out (caller frees) gets a copy of each as it was. 0 or -1
 * (out of memory). */
typedef bool (*broker_state_match_fn)(const struct broker_station_info *info, void *arg);
int broker_state_end(struct broker_state *s, broker_state_match_fn match, void *arg,
		     const char *reason, const char *by, struct broker_station_info **out,
		     size_t *n);

/* Open sessions at the current rate of stations: how often (seconds) a
 * station in a session should report, so that a fleet of 10,000 sends at
 * most a few hundred reports a second (docs/protocol.md). */
unsigned broker_state_alive_every(struct broker_state *s);

/* An unknown station asked. Returns true the first time the table hears of
 * this MAC (worth an info log line), false for a repeat. */
bool broker_state_unknown(struct broker_state *s, const uint8_t mac[6], const struct ipaddr *ip,
			  const char *hostname, time_t now);

/* After a reload: drops unknown stations for which known(...) is now true. */
size_t broker_state_prune_unknown(struct broker_state *s,
				  bool (*known)(const uint8_t mac[6], const struct ipaddr *ip,
						const char *hostname, void *arg),
				  void *arg);

/* Copies for the admin views; sorted by MAC. Caller frees with the matching
 * free function. */
struct broker_station_info {
	uint8_t mac[6];
	struct ipaddr ip;
	char hostname[HOSTNAME_MAX + 1];
	bool connected;
	char endpoint[BROKER_ENDPOINT_STR_MAX]; /* "" when idle */
	char user[72];				/* "" when not known */
	time_t since;				/* of the current state */
	time_t last_seen;
	/* The open session (connected only): what was handed out, the idle
	 * time the station last reported (-1: none yet) and when, and an end
	 * the broker decided that the station has not heard of yet. */
	char desktop[BROKER_STATE_DESK_MAX];
	char lv_uri[BROKER_STATE_URI_MAX]; /* "" when not a libvirt desktop */
	char lv_domain[BROKER_STATE_DESK_MAX];
	int lv_protocol; /* enum st_protocol */
	long idle_s;
	time_t idle_at;
	char end_reason[24]; /* "" when none is pending */
	char end_by[BROKER_STATE_DESK_MAX];
};

struct broker_unknown_info {
	uint8_t mac[6];
	struct ipaddr ip;
	char hostname[HOSTNAME_MAX + 1];
	time_t first_seen, last_seen;
	unsigned long count;
};

/* 0 or -1 (out of memory). */
int broker_state_list(struct broker_state *s, struct broker_station_info **out, size_t *n);
int broker_state_list_unknown(struct broker_state *s, struct broker_unknown_info **out, size_t *n);
size_t broker_state_unknown_count(struct broker_state *s);

/* Session reports per client address: per_second (0: no limit), in bursts
 * of up to burst_s seconds' worth. Call before the API serves; 0 or -1. */
int broker_state_set_report_rate(struct broker_state *s, unsigned per_second, unsigned burst_s);
/* Takes one report from ip at now_ms (monotonic); false: over the limit. */
bool broker_state_report_allowed(struct broker_state *s, const struct ipaddr *ip, uint64_t now_ms);
/* Whether a log line of this kind (a short word) from ip may be written
 * now: one a second after a short burst. When true, *suppressed is how
 * many were held back since the last one, for the line to say so. */
bool broker_state_log_allowed(struct broker_state *s, const struct ipaddr *ip, const char *kind,
			      uint64_t now_ms, unsigned long *suppressed);

/* "spice://host:port", with brackets around IPv6 literals. */
void broker_state_format_endpoint(char out[BROKER_ENDPOINT_STR_MAX], const char *protocol,
				  const char *host, unsigned port);

#endif
