/* Station API handlers: see broker_api.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "broker_api.h"
#include "broker_fetch.h"
#include "broker_json.h"
#include "broker_proxy.h"
#include "broker_reply.h"
#include "broker_request.h"
#include "broker_sessions.h"
#include "broker_time.h"
#include "broker_token.h"
#include "broker_user.h"
#include "log.h"
#include "stations_user.h"

#define MSG_NO_CONFIG		"The broker has no valid station list yet. The station will retry."
#define MSG_NO_LOGIN		"Logins are not available on the broker right now. The station will retry."
#define RETRY_LOGIN_UNAVAILABLE 60
#define MSG_LIBVIRT		"Your desktop could not be started. The station will retry."
#define MSG_PERSONAL_LOGIN	"This desktop needs a login."
#define MSG_BUSY		"The broker is busy. The station will retry."
#define MSG_NO_DESKTOP		"No desktop is assigned to you."
#define MSG_UNKNOWN_DESKTOP	"That desktop is not one of yours."
/* How long a one-time graphics password lets a viewer in: the station
 * connects within a second or two of the answer. */
#define LIBVIRT_PASSWORD_VALID_S 60

static void api_bad_request(const struct broker_http_request *req,
			    struct broker_http_response *resp, const char *msg)
{
	char ip[IP_STR_LEN] = "-";
	struct ipaddr peer;

	/* A station that sends nonsense is a bug to find, not an event to
	 * flood the log with: debug level only. */
	if (log_get_level() <= LOG_DEBUG) {
		if (req->peer && ip_from_sockaddr(req->peer, &peer) == 0)
			ip_format(&peer, ip);
		log_event(LOG_DEBUG, "bad_request", "path", req->path, "peer", ip, "error", msg,
			  NULL);
	}
	broker_http_error(resp, 400, "bad_request", msg);
}

/* The address the station asks from: the TCP peer, or what a trusted proxy
 * says in X-Forwarded-For. */
static int api_client_ip(const struct broker *b, const struct broker_http_request *req,
			 struct ipaddr *ip, char *err, size_t errlen)
{
	const char *xff[8];
	struct ipaddr peer;
	size_t n;

	if (!req->peer || ip_from_sockaddr(req->peer, &peer) < 0) {
		snprintf(err, errlen, "peer address unknown");
		return -1;
	}
	*ip = peer;
	if (b->opts->n_trusted == 0 ||
	    !broker_proxy_trusted(b->opts->trusted, b->opts->n_trusted, &peer))
		return 0;
	n = broker_http_header_values(req, "X-Forwarded-For", xff, 8);
	if (n > 8) {
		snprintf(err, errlen, "X-Forwarded-For: too many header lines");
		return -1;
	}
	return broker_proxy_client(&peer, xff, n, b->opts->trusted, b->opts->n_trusted, ip, err,
				   errlen);
}

/* The status word of a reply body, for the debug log. */
static const char *api_status(const struct broker_http_response *resp)
{
	static const char *const words[] = {"ready", "starting", "maintenance", "error"};
	char pat[32];

	for (size_t i = 0; resp->body && i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(pat, sizeof(pat), "\"status\":\"%s\"", words[i]);
		if (strstr(resp->body, pat))
			return words[i];
	}
	return "?";
}

static void api_log_debug(const char *what, const struct broker_ident *id, const char *ip,
			  const char *status, const struct st_entry *e)
{
	if (log_get_level() > LOG_DEBUG)
		return;
	log_event(LOG_DEBUG, what, "mac", id->mac_str, "ip", ip, "hostname",
		  id->hostname[0] ? id->hostname : NULL, "status", status, "match",
		  e ? e->target.text : NULL, NULL);
}

/* An unknown station: remembered for the admin's "unknown" list, logged the
 * first time, and told so with its identity so that its screen can show
 * what the admin needs to add it. */
static void api_answer_unknown(struct broker *b, const struct broker_ident *id,
			       const struct ipaddr *ip, const char *ip_str,
			       struct broker_http_response *resp)
{
	struct broker_reply_ident rid = {id->mac_str, ip_str, id->hostname};

	if (broker_state_unknown(b->state, id->mac, ip, id->hostname, broker_time_now()))
		log_event(LOG_INFO, "unknown_station", "mac", id->mac_str, "ip", ip_str, "hostname",
			  id->hostname[0] ? id->hostname : NULL, NULL);
	resp->body = broker_reply_unknown(&rid, &resp->len);
}

/* wait_ready mappings: the desktop counts as starting until its primary
 * endpoint accepts a TCP connection. */
static bool api_desktop_starting(struct broker *b, const struct st_entry *e)
{
	const struct st_endpoint *ep;

	/* A connection file names its desktop only when it is read. */
	if (!e->wait_ready || e->maintenance || e->n_endpoints == 0 || e->connection_file ||
	    e->connection_url)
		return false;
	ep = &e->endpoints[0];
	return !broker_probe_up(b->probe, ep->host, ep->port ? ep->port : ep->tls_port);
}

/* A ready answer. Mappings with connection_file or connection_url get the
 * file, read now, whenever the answer carries the desktop (not in
 * maintenance, not a lookup that still waits for a login); a file that
 * cannot be had makes the answer an error the station shows. true when the
 * answer hands out the desktop. */
static bool api_station_reply(const struct st_entry *e, const struct broker_frag *frag,
			      const struct broker_reply_ident *rid, const char *user,
			      const char *session, struct broker_http_response *resp)
{
	char err[400], msg[480], *vv;
	size_t vv_len;
	bool desktop = !frag->maintenance && (!frag->login || user);

	if ((!e->connection_file && !e->connection_url) || !desktop) {
		resp->body = broker_reply_station_session(frag, rid, user, session, &resp->len);
		return desktop;
	}
	vv = broker_fetch_connection(e, &vv_len, err, sizeof(err));
	if (!vv) {
		snprintf(msg, sizeof(msg), "The desktop's connection details are not available: %s",
			 err);
		resp->body = broker_reply_trouble(msg, BROKER_RETRY_ERROR, &resp->len);
		return false;
	}
	resp->body = broker_reply_station_vv(frag, rid, user, session, vv, &resp->len);
	explicit_bzero(vv, vv_len);
	free(vv);
	return true;
}

/* ready for a desktop found at lookup time (a libvirt domain or a pool VM):
 * its live address and password first, the mapping's fallbacks after. The
 * admin's display_host, when set, replaces the address libvirt reports. */
static char *api_reply_live(const struct st_entry *e, const struct broker_reply_ident *rid,
			    const char *user, const char *session, const char *display_host,
			    enum st_protocol protocol, const char *host, unsigned port,
			    unsigned tls_port, const char *password, size_t *len)
{
	const struct st_endpoint ep = {
	    .protocol = protocol,
	    .host = display_host ? display_host : host,
	    .port = port,
	    .tls_port = tls_port,
	    .password = password[0] ? password : NULL,
	    .ca_pem = e->domain_ca_pem,
	    .host_subject = e->values[ST_KEY_HOST_SUBJECT],
	    .proxy = e->values[ST_KEY_PROXY],
	};

	return broker_reply_ready_with(e, rid, user, session, &ep, len);
}

/* A libvirt domain desktop: started if off, then its live address, port and
 * a new one-time password. The libvirt error itself goes to the log; the
 * station only learns that it should ask again. */
static bool api_answer_domain(struct broker *b, const struct st_entry *e,
			      const struct broker_reply_ident *rid, const char *user,
			      const char *session, struct broker_http_response *resp)
{
	bool ready = false;
	enum st_protocol proto =
	    strcmp(e->values[ST_KEY_PROTOCOL], "vnc") == 0 ? ST_PROTO_VNC : ST_PROTO_SPICE;
	struct broker_libvirt_desktop d;
	char err[BROKER_ERR_MAX];

	switch (broker_libvirt_desktop(b->libvirt, e->libvirt_uri, e->domain, proto,
				       e->domain_one_time, LIBVIRT_PASSWORD_VALID_S, &d, err,
				       sizeof(err))) {
	case BROKER_LIBVIRT_ERROR:
		resp->body = broker_reply_trouble(MSG_LIBVIRT, BROKER_RETRY_LIBVIRT, &resp->len);
		break;
	case BROKER_LIBVIRT_STARTING:
		resp->body = broker_reply_starting(e, rid, &resp->len);
		break;
	case BROKER_LIBVIRT_READY:
		resp->body = api_reply_live(e, rid, user, session, e->display_host, d.protocol,
					    d.host, d.port, d.tls_port, d.password, &resp->len);
		ready = true;
		break;
	}
	explicit_bzero(&d, sizeof(d));
	return ready;
}

/* A pool mapping: the station's one-time VM, taken now (and saved as its
 * own before this answer leaves) or the one it already holds; no ready VM
 * means "starting" with the station's place in the queue. */
static bool api_answer_pool(struct broker *b, const struct st_entry *e,
			    const struct broker_reply_ident *rid, const char *user,
			    const char *session, const uint8_t mac[6],
			    char vm[BROKER_POOL_VM_NAME_MAX], struct broker_http_response *resp)
{
	struct broker_pool_desktop d;
	char err[BROKER_ERR_MAX];
	unsigned place = 0;
	bool ready = false;

	enum broker_pool_result r;

	/* A personal desktop is the user's: without a login there is none
	 * (docs/configuration.md, Personal desktops). */
	if (e->pool->personal && !user) {
		resp->status = 403;
		resp->body =
		    broker_reply_client_error("login_needed", MSG_PERSONAL_LOGIN, 0, &resp->len);
		return false;
	}
	r = e->pool->personal
		? broker_pool_personal_handout(b->pool, e->pool, user, &d, err, sizeof(err))
		: broker_pool_handout(b->pool, e->pool, mac, user, &d, &place, err, sizeof(err));
	switch (r) {
	case BROKER_POOL_FAILED:
		log_event(LOG_ERROR, "pool_handout", "pool", e->pool->name, "mac", rid->mac,
			  "error", err, NULL);
		resp->body = broker_reply_trouble(MSG_LIBVIRT, BROKER_RETRY_LIBVIRT, &resp->len);
		break;
	case BROKER_POOL_QUEUED:
		resp->body = broker_reply_starting_queued(e, rid, place, &resp->len);
		break;
	case BROKER_POOL_GOT:
		snprintf(vm, BROKER_POOL_VM_NAME_MAX, "%s", d.vm);
		resp->body =
		    api_reply_live(e, rid, user, session, e->pool->display_host, d.protocol, d.host,
				   d.port, d.tls_port, d.password, &resp->len);
		ready = true;
		break;
	}
	explicit_bzero(&d, sizeof(d));
	return ready;
}

/* The login this thread is answering, for api_answer_desktop: who logged
 * in (the back-end's name for them and their groups), the desktop the
 * request chose, and the config the station was matched in. Set by
 * api_login_result around the answer, so that the answer's path through
 * the login outcome needs no parameter for it. */
struct api_user_login {
	const struct broker_login_req *lr;
	const char *user; /* the back-end's spelling, else the typed one */
	const char *const *groups;
	size_t n_groups;
	const struct st_config *cfg;
	const char *station; /* the station's name in the stations file, or NULL */
};
static _Thread_local const struct api_user_login *api_user_login;

/* A desktop was handed out: what it is goes with the station's token (for
 * stationctl sessions and disconnect), and the user's open session of the
 * same desktop at another station moves here (roaming). */
static void api_session_handed(struct broker *b, const struct st_entry *e,
			       const struct broker_reply_ident *rid, const uint8_t mac[6],
			       const char *user, const char *vm)
{
	const struct api_user_login *ul = api_user_login;
	char desk[BROKER_STATE_DESK_MAX];
	const char *by;
	struct broker_state_desk d = {
	    .user = ul && ul->user && ul->user[0] ? ul->user : user,
	    .desktop = desk,
	};

	if (e->pool) {
		snprintf(desk, sizeof(desk), "pool %s vm %s", e->pool->name, vm);
		d.lv_uri = e->pool->libvirt_uri;
		d.lv_domain = vm;
		d.lv_protocol = (int)e->pool->protocol;
	} else if (e->domain) {
		snprintf(desk, sizeof(desk), "domain %s", e->domain);
		d.lv_uri = e->libvirt_uri;
		d.lv_domain = e->domain;
		d.lv_protocol =
		    strcmp(e->values[ST_KEY_PROTOCOL], "vnc") == 0 ? ST_PROTO_VNC : ST_PROTO_SPICE;
	} else if (e->n_endpoints) {
		broker_state_format_endpoint(
		    desk, st_protocol_name(e->endpoints[0].protocol), e->endpoints[0].host,
		    e->endpoints[0].port ? e->endpoints[0].port : e->endpoints[0].tls_port);
	} else {
		snprintf(desk, sizeof(desk), "%s",
			 e->connection_url ? "connection url" : "connection file");
	}
	broker_state_set_desk(b->state, mac, &d);
	by = ul && ul->station			 ? ul->station
	     : rid->hostname && rid->hostname[0] ? rid->hostname
						 : rid->mac;
	if (d.user)
		broker_sessions_roam(b, mac, by, &d);
}

/* The answer for a matched station that is to get its desktop now (no
 * login pending): maintenance, starting, or ready. A ready answer carries a
 * new session token, recorded for the station before the answer leaves, so
 * that its session reports can prove they come from whoever was given the
 * desktop. */
static void api_answer_entry(struct broker *b, const struct st_entry *e,
			     const struct broker_frag *frag, const struct broker_reply_ident *rid,
			     const char *user, struct broker_http_response *resp)
{
	uint8_t mac[6], tok[BROKER_TOKEN_LEN];
	char tok_str[BROKER_TOKEN_STR_LEN], vm[BROKER_POOL_VM_NAME_MAX] = "";
	bool ready = false;

	if (mac_parse(rid->mac, mac) < 0 || broker_token_new(tok) < 0) {
		resp->body = broker_reply_trouble(MSG_BUSY, BROKER_RETRY_ERROR, &resp->len);
		return;
	}
	broker_token_format(tok, tok_str);
	/* The back-end's spelling of the user, not the typed one: a directory
	 * matches names without case, and "ALICE" must get alice's personal
	 * desktop and held VM, not a second one of her own. */
	if (user && api_user_login && api_user_login->user && api_user_login->user[0])
		user = api_user_login->user;
	if (e->pool && !frag->maintenance)
		ready = api_answer_pool(b, e, rid, user, tok_str, mac, vm, resp);
	else if (e->domain && !frag->maintenance)
		ready = api_answer_domain(b, e, rid, user, tok_str, resp);
	else if (api_desktop_starting(b, e))
		resp->body = broker_reply_starting(e, rid, &resp->len);
	else
		ready = api_station_reply(e, frag, rid, user, tok_str, resp);
	if (ready && resp->body && broker_state_issue(b->state, mac, tok, broker_time_now()) < 0) {
		/* A desktop whose reports would all be refused is worse than
		 * a retry: a pool VM stays the station's for the next one. */
		log_event(LOG_WARN, "session_token", "mac", rid->mac, "error", "station table full",
			  NULL);
		explicit_bzero(resp->body, resp->len);
		free(resp->body);
		resp->body = broker_reply_trouble(MSG_BUSY, BROKER_RETRY_ERROR, &resp->len);
	} else if (ready && resp->body) {
		api_session_handed(b, e, rid, mac, user, vm);
	}
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(tok_str, sizeof(tok_str));
}

/* A chooser entry's state. Asked on a login thread, which may wait for
 * libvirt (a lookup thread never does): a domain's own state; a desktop in
 * maintenance is off; fixed endpoints, connection files and pools are
 * "unknown" (nothing is probed for a list). */
static const char *api_user_state(struct broker *b, const struct st_entry *d)
{
	if (d->maintenance)
		return "off";
	if (d->domain)
		return broker_libvirt_state_word(b->libvirt, d->libvirt_uri, d->domain);
	return "unknown";
}

/* choose: the user's desktops with their names and states, the one chosen
 * last preselected when it is still one of them. */
static void api_answer_choose(struct broker *b, const struct st_entry *e,
			      const struct st_user_desktops *r,
			      const struct broker_reply_ident *rid, const char *user,
			      const char *name, struct broker_http_response *resp)
{
	struct broker_reply_choice v[ST_USER_DESKTOPS_MAX];
	char last[BROKER_DESKTOP_ID_MAX + 1];
	bool have_last =
	    broker_user_last_get(name, last, sizeof(last)) && st_user_desktops_find(r, last);

	for (size_t i = 0; i < r->n; i++)
		v[i] = (struct broker_reply_choice){st_user_desktop_id(r->v[i].desktop),
						    r->v[i].desktop->name,
						    api_user_state(b, r->v[i].desktop)};
	resp->body =
	    broker_reply_choose(e, rid, user, v, r->n, have_last ? last : NULL, &resp->len);
}

/* The answer of one of the user's desktops at station e: e with the
 * desktop in it, answered as a station's own would be. */
static void api_answer_user_desktop(struct broker *b, const struct st_entry *e,
				    const struct st_user_desktop *d,
				    const struct broker_reply_ident *rid, const char *user,
				    const char *name, struct broker_http_response *resp)
{
	struct st_entry m;
	struct broker_frags *f;
	const char *id = st_user_desktop_id(d->desktop);
	char line[16];

	st_user_desktop_entry(e, d->desktop, &m);
	f = broker_reply_frags_one(&m);
	if (!f) {
		resp->body = broker_reply_trouble(MSG_BUSY, BROKER_RETRY_ERROR, &resp->len);
		return;
	}
	broker_user_last_set(name, id);
	snprintf(line, sizeof(line), "%u", d->line);
	log_event(LOG_INFO, "user_desktop", "user", name, "mac", rid->mac, "desktop", id, "from",
		  d->from->target.text, "line", line, NULL);
	api_answer_entry(b, &m, broker_reply_frag(f, 0), rid, user, resp);
	broker_reply_frags_free(f);
}

/* A login at a station with desktop_from = user (stations_user.h says
 * which desktops): the one asked for, the only one, a choice, the
 * station's own, or none. An id that is not one of the user's desktops is
 * refused the same way whether or not someone else has it. */
static void api_answer_user(struct broker *b, const struct st_entry *e,
			    const struct broker_frag *frag, const struct broker_reply_ident *rid,
			    const char *user, struct broker_http_response *resp)
{
	const struct api_user_login *ul = api_user_login;
	const char *name = ul->user && ul->user[0] ? ul->user : user;
	const char *want = ul->lr->desktop[0] ? ul->lr->desktop : NULL;
	const struct st_user_desktop *d = NULL;
	struct st_user_desktops *r = malloc(sizeof(*r));

	if (!r) {
		resp->body = broker_reply_trouble(MSG_BUSY, BROKER_RETRY_ERROR, &resp->len);
		return;
	}
	broker_user_last_open(b->opts->state_dir);
	st_user_desktops(ul->cfg, e, name, ul->groups, ul->n_groups, r);
	if (want && !(d = st_user_desktops_find(r, want))) {
		resp->status = 400;
		resp->body = broker_reply_client_error("unknown_desktop", MSG_UNKNOWN_DESKTOP, 0,
						       &resp->len);
	} else if (r->source == ST_USER_NONE) {
		log_event(LOG_INFO, "user_desktop", "user", name, "mac", rid->mac, "desktop", NULL,
			  NULL);
		resp->status = 403;
		resp->body = broker_reply_client_error("no_desktop", MSG_NO_DESKTOP, 0, &resp->len);
	} else if (r->source != ST_USER_FROM_USER) {
		api_answer_entry(b, e, frag, rid, user, resp);
	} else if (!d && r->n > 1) {
		api_answer_choose(b, e, r, rid, user, name, resp);
	} else {
		api_answer_user_desktop(b, e, d ? d : &r->v[0], rid, user, name, resp);
	}
	free(r);
}

/* A station's answer after a login (user set) or without one: the user's
 * desktop at a hot desk, else the station's own. */
static void api_answer_desktop(struct broker *b, const struct st_entry *e,
			       const struct broker_frag *frag, const struct broker_reply_ident *rid,
			       const char *user, struct broker_http_response *resp)
{
	if (user && e->desktop_from_user && api_user_login)
		api_answer_user(b, e, frag, rid, user, resp);
	else
		api_answer_entry(b, e, frag, rid, user, resp);
}

/* Whether the answer for e fetches its connection URL, which may hang for
 * the fetch's whole time-out: then it is not made on a thread that
 * answers lookups (see api_station_reply for the same conditions). */
static bool api_needs_fetch(const struct st_entry *e, const struct broker_frag *frag,
			    const char *user)
{
	return e->connection_url && !e->pool && !e->domain && !frag->maintenance &&
	       !(frag->login && !user);
}

/* Hands the request to the fetch pool, unless the URL failed a moment ago:
 * that failure is answered at once. True when resp is now set either way. */
static bool api_offload_fetch(struct broker *b, const struct broker_http_request *req,
			      const struct st_entry *e, const struct broker_frag *frag,
			      const char *user, struct broker_http_response *resp)
{
	char err[400], msg[480];

	if (req->pooled || !api_needs_fetch(e, frag, user))
		return false;
	if (broker_fetch_failed_recently(e, err, sizeof(err))) {
		snprintf(msg, sizeof(msg), "The desktop's connection details are not available: %s",
			 err);
		resp->body = broker_reply_trouble(msg, BROKER_RETRY_ERROR, &resp->len);
		return true;
	}
	resp->offload = b->fetch_q;
	return true;
}

/* A pool mapping's desktop is handed out on the pool threads: a hand-out
 * waits for the disk (broker_pool.h). True when resp->offload is set. */
static bool api_offload_pool(struct broker *b, const struct broker_http_request *req,
			     const struct st_entry *e, const struct broker_frag *frag,
			     struct broker_http_response *resp)
{
	if (req->pooled || !e->pool || frag->maintenance || frag->login)
		return false;
	resp->offload = b->pool_q;
	return true;
}

static void api_lookup(void *app, const struct broker_http_request *req,
		       struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_lookup_req lr;
	struct broker_snapshot *s;
	const struct broker_frag *frag;
	const struct st_entry *e;
	struct broker_reply_ident rid;
	char err[BROKER_ERR_MAX], ip_str[IP_STR_LEN];
	struct ipaddr ip;

	if (broker_request_parse_lookup(req->body, req->body_len, &lr, err, sizeof(err)) < 0 ||
	    api_client_ip(b, req, &ip, err, sizeof(err)) < 0) {
		api_bad_request(req, resp, err);
		return;
	}
	ip_format(&ip, ip_str);
	s = broker_config_acquire(b->config);
	if (!s) {
		api_log_debug("lookup", &lr.id, ip_str, "error", NULL);
		resp->body = broker_reply_trouble(MSG_NO_CONFIG, BROKER_RETRY_ERROR, &resp->len);
		return;
	}
	e = broker_snapshot_match(s, lr.id.mac, &ip, lr.id.hostname, &frag);
	if (!e) {
		api_log_debug("lookup", &lr.id, ip_str, "unknown", NULL);
		api_answer_unknown(b, &lr.id, &ip, ip_str, resp);
	} else if (!api_offload_fetch(b, req, e, frag, NULL, resp) &&
		   !api_offload_pool(b, req, e, frag, resp)) {
		broker_state_seen(b->state, lr.id.mac, &ip, lr.id.hostname, broker_time_now());
		rid = (struct broker_reply_ident){lr.id.mac_str, ip_str, lr.id.hostname};
		/* A mapping with a login is probed (or its domain started) when
		 * the user has logged in: until then the station only shows its
		 * login form. */
		if (frag->login)
			resp->body = broker_reply_station(frag, &rid, NULL, &resp->len);
		else
			api_answer_desktop(b, e, frag, &rid, NULL, resp);
		if (log_get_level() <= LOG_DEBUG)
			api_log_debug("lookup", &lr.id, ip_str, api_status(resp), e);
	}
	broker_config_release(s);
}

static void api_login_answer(struct broker *b, const struct broker_login_req *lr,
			     const struct st_entry *e, const struct broker_frag *frag,
			     const struct broker_reply_ident *rid, const struct ipaddr *ip,
			     enum broker_login_result res, unsigned retry,
			     const struct broker_login_who *who, struct broker_http_response *resp)
{
	/* The directory could not be asked (down, hanging, TLS refused, too
	 * many logins in flight): the station tries again soon by itself. */
	static const char msg_directory[] =
	    "Cannot check your password right now. Trying again shortly.";
	const unsigned retry_directory = 15;
	const char *reason = who && who->reason[0] ? who->reason : NULL;
	char wait[16], text[384];

	snprintf(wait, sizeof(wait), "%u", retry);
	/* Never the password: user, station and outcome are what an admin
	 * needs to follow a lock-out. The directory's reason is sanitised
	 * (broker_directory_sanitise). */
	if (res == BROKER_LOGIN_LOCKED)
		log_event(LOG_WARN, "login", "user", lr->username, "mac", lr->id.mac_str, "ip",
			  rid->ip, "result", broker_login_result_name(res), "reason",
			  reason ? reason : "", NULL);
	else if (retry)
		log_event(LOG_WARN, "login", "user", lr->username, "mac", lr->id.mac_str, "ip",
			  rid->ip, "result", broker_login_result_name(res), "retry_after", wait,
			  NULL);
	else
		log_event(res == BROKER_LOGIN_OK ? LOG_INFO : LOG_WARN, "login", "user",
			  lr->username, "mac", lr->id.mac_str, "ip", rid->ip, "result",
			  broker_login_result_name(res), NULL);
	switch (res) {
	case BROKER_LOGIN_OK:
		broker_state_seen(b->state, lr->id.mac, ip, lr->id.hostname, broker_time_now());
		/* The station keeps the password while it waits, and logs in
		 * again after retry_after. */
		api_answer_desktop(b, e, frag, rid, lr->username, resp);
		break;
	case BROKER_LOGIN_FAILED:
		resp->status = 401;
		resp->body = broker_reply_client_error(
		    "login_failed", "Wrong user name or password.", 0, &resp->len);
		break;
	case BROKER_LOGIN_LIMITED:
		resp->status = 429;
		resp->retry_after = retry;
		resp->body = broker_reply_client_error(
		    "rate_limited", "Too many failed logins. Please wait and try again.", retry,
		    &resp->len);
		break;
	case BROKER_LOGIN_LOCKED:
		resp->status = 403;
		if (reason)
			snprintf(text, sizeof(text), "Your account is locked or expired: %s",
				 reason);
		else
			snprintf(text, sizeof(text), "Your account is locked or expired.");
		resp->body = broker_reply_client_error("account_locked", text, 0, &resp->len);
		break;
	case BROKER_LOGIN_UNAVAILABLE:
		if (who && who->backend == BROKER_LOGIN_BACKEND_DIRECTORY)
			resp->body =
			    broker_reply_trouble(msg_directory, retry_directory, &resp->len);
		else
			resp->body =
			    broker_reply_trouble(MSG_NO_LOGIN, RETRY_LOGIN_UNAVAILABLE, &resp->len);
		break;
	}
}

static void api_login_result(struct broker *b, const struct broker_login_req *lr,
			     const struct st_entry *e, const struct broker_frag *frag,
			     const struct broker_reply_ident *rid, const struct ipaddr *ip,
			     const struct st_config *cfg, struct broker_http_response *resp)
{
	unsigned retry = 0;
	struct broker_login_who who = {0};
	enum broker_login_result res =
	    broker_login_attempt(b->login, lr->id.mac_str, ip, lr->username, lr->password,
				 broker_time_mono(), &retry, &who);
	const struct api_user_login ul = {lr,		who.user, (const char *const *)who.groups,
					  who.n_groups, cfg,	  e->name};

	api_user_login = &ul;
	api_login_answer(b, lr, e, frag, rid, ip, res, retry, &who, resp);
	api_user_login = NULL;
	broker_login_who_clear(&who);
}

static void api_login(void *app, const struct broker_http_request *req,
		      struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_login_req lr;
	struct broker_snapshot *s = NULL;
	const struct broker_frag *frag;
	const struct st_entry *e;
	struct broker_reply_ident rid;
	char err[BROKER_ERR_MAX], ip_str[IP_STR_LEN];
	enum broker_login_result res;
	unsigned retry;
	struct ipaddr ip;

	if (broker_request_parse_login(req->body, req->body_len, &lr, err, sizeof(err)) < 0 ||
	    api_client_ip(b, req, &ip, err, sizeof(err)) < 0) {
		api_bad_request(req, resp, err);
		goto cleanup;
	}
	ip_format(&ip, ip_str);
	s = broker_config_acquire(b->config);
	if (!s) {
		resp->body = broker_reply_trouble(MSG_NO_CONFIG, BROKER_RETRY_ERROR, &resp->len);
		goto cleanup;
	}
	e = broker_snapshot_match(s, lr.id.mac, &ip, lr.id.hostname, &frag);
	if (!e) {
		api_answer_unknown(b, &lr.id, &ip, ip_str, resp);
		goto cleanup;
	}
	rid = (struct broker_reply_ident){lr.id.mac_str, ip_str, lr.id.hostname};
	if (!frag->login) {
		/* No login wanted (or in maintenance): the lookup answer. A
		 * password sent anyway is not checked, so it cannot be probed. */
		if (api_offload_fetch(b, req, e, frag, NULL, resp))
			goto cleanup;
		broker_state_seen(b->state, lr.id.mac, &ip, lr.id.hostname, broker_time_now());
		api_answer_desktop(b, e, frag, &rid, NULL, resp);
		goto cleanup;
	}
	/* A password check costs tens of ms of CPU: on the login pool, where
	 * a flood of them queues (and is refused when the queue is full)
	 * without slowing the threads that answer lookups. A mapping with a
	 * connection URL then fetches it there too. */
	if (!req->pooled) {
		res = broker_login_precheck(b->login, lr.id.mac_str, &ip, lr.username,
					    broker_time_mono(), &retry);
		if (res == BROKER_LOGIN_OK)
			resp->offload = b->login_q;
		else
			api_login_answer(b, &lr, e, frag, &rid, &ip, res, retry, NULL, resp);
		goto cleanup;
	}
	api_login_result(b, &lr, e, frag, &rid, &ip, s->cfg, resp);
cleanup:
	broker_config_release(s);
	broker_request_wipe_login(&lr);
}

/* A session report without the right token: 403, and a log line (at most
 * one a second per address, with the count of those held back), since a
 * refused report is either a forgery or a station that outlived a broker
 * restart, and an admin should be able to tell which. */
static void api_session_refused(struct broker *b, const struct broker_session_req *sr,
				const struct ipaddr *ip, const char *ip_str, bool start,
				uint64_t now_ms, struct broker_http_response *resp)
{
	unsigned long suppressed;
	char num[24];

	if (broker_state_log_allowed(b->state, ip, "refused", now_ms, &suppressed)) {
		snprintf(num, sizeof(num), "%lu", suppressed);
		log_event(LOG_WARN, "session_refused", "mac", sr->id.mac_str, "ip", ip_str, "kind",
			  start ? "start" : "end", "why",
			  sr->session[0] ? "wrong session token" : "no session token",
			  suppressed ? "suppressed" : NULL, num, NULL);
	}
	broker_http_error(resp, 403, "session_refused",
			  "This report does not carry the session token of the station's "
			  "desktop.");
}

/* The answer to a report of a session the broker has ended (disconnect,
 * roaming): HTTP 200 with status error, the code and the sentence the
 * station shows (docs/protocol.md, "Sessions ended by the broker"). */
static void api_session_ended_reply(const char *reason, const char *by,
				    struct broker_http_response *resp)
{
	char msg[BROKER_STATE_DESK_MAX + 64];

	broker_sessions_message(reason, by, msg, sizeof(msg));
	resp->body = broker_reply_client_error(broker_sessions_code(reason), msg, 0, &resp->len);
}

/* event alive: the idle time kept, and the answer says when to report
 * again, or that the session is over. A report of a session that the
 * broker ended also ends the station's pool VM, as its end report would. */
static void api_session_alive(struct broker *b, const struct broker_session_req *sr,
			      const struct ipaddr *ip, const char *ip_str, const uint8_t *tok,
			      uint64_t now_ms, struct broker_http_response *resp)
{
	char reason[24], by[BROKER_STATE_DESK_MAX], *end;
	long idle = sr->reason[0] ? strtol(sr->reason, &end, 10) : -1;
	struct broker_json j;

	if (idle < 0 || (sr->reason[0] && *end))
		idle = -1;
	switch (broker_state_alive(b->state, sr->id.mac, ip, sr->id.hostname, tok, idle,
				   broker_time_now(), reason, by)) {
	case BROKER_ALIVE_REFUSED:
		/* Not logged: an alive report changes nothing, and after a
		 * broker restart every station in a session sends one (once:
		 * a refused station stops). */
		broker_http_error(resp, 403, "session_refused",
				  "This report does not carry the session token of the station's "
				  "desktop.");
		return;
	case BROKER_ALIVE_END:
		broker_pool_session(b->pool, sr->id.mac, false);
		log_event(LOG_INFO, "session", "mac", sr->id.mac_str, "ip", ip_str, "kind", "end",
			  "reason", reason, "by", by[0] ? by : NULL, NULL);
		api_session_ended_reply(reason, by, resp);
		return;
	case BROKER_ALIVE_OK:
		break;
	}
	broker_json_init(&j, 64);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", "ok");
	broker_json_kv_uint(&j, "retry_after", broker_state_alive_every(b->state));
	broker_json_close(&j);
	resp->body = broker_json_take(&j, &resp->len);
}

static void api_session(void *app, const struct broker_http_request *req,
			struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_session_req sr;
	char err[BROKER_ERR_MAX], ip_str[IP_STR_LEN], endpoint[BROKER_ENDPOINT_STR_MAX];
	char num[24], ended_reason[24], ended_by[BROKER_STATE_DESK_MAX];
	uint8_t tok[BROKER_TOKEN_LEN];
	struct ipaddr ip;
	unsigned long suppressed;
	uint64_t now_ms;
	bool start;

	if (broker_request_parse_session(req->body, req->body_len, &sr, err, sizeof(err)) < 0 ||
	    api_client_ip(b, req, &ip, err, sizeof(err)) < 0) {
		api_bad_request(req, resp, err);
		broker_request_wipe_session(&sr);
		return;
	}
	ip_format(&ip, ip_str);
	now_ms = (uint64_t)broker_time_mono_ms();
	/* One address sending thousands of reports is a flood, not
	 * stations: refuse beyond the rate before anything else (the token
	 * check below included), and log that once a second at most. */
	if (!broker_state_report_allowed(b->state, &ip, now_ms)) {
		if (broker_state_log_allowed(b->state, &ip, "report_limited", now_ms,
					     &suppressed)) {
			snprintf(num, sizeof(num), "%lu", suppressed);
			/* The key last, so that a NULL key ends the list when
			 * nothing was held back. */
			log_event(LOG_WARN, "session_rate_limited", "ip", ip_str,
				  suppressed ? "suppressed" : NULL, num, NULL);
		}
		broker_http_error(resp, 429, "rate_limited",
				  "Too many session reports from this address.");
		resp->retry_after = 1;
		broker_request_wipe_session(&sr);
		return;
	}
	if (sr.event == BROKER_SESSION_ALIVE) {
		if (broker_token_parse(sr.session, tok) < 0)
			broker_http_error(resp, 403, "session_refused", "no session token");
		else
			api_session_alive(b, &sr, &ip, ip_str, tok, now_ms, resp);
		goto cleanup;
	}
	start = sr.event == BROKER_SESSION_START;
	endpoint[0] = '\0';
	if (sr.has_endpoint)
		broker_state_format_endpoint(endpoint, st_protocol_name(sr.protocol), sr.host,
					     sr.port);
	/* Only whoever was handed the desktop knows its token: a report
	 * without it changes nothing, so that nobody can end (and so destroy)
	 * another station's desktop, or show it connected elsewhere, by
	 * naming its MAC. A token that is missing or not even well-formed is
	 * refused at once: its shape is no secret. */
	ended_reason[0] = '\0';
	if (broker_token_parse(sr.session, tok) < 0) {
		api_session_refused(b, &sr, &ip, ip_str, start, now_ms, resp);
		goto cleanup;
	}
	/* An end the broker decided is taken (and told) first. */
	if (!start &&
	    broker_state_alive(b->state, sr.id.mac, &ip, sr.id.hostname, tok, -1, broker_time_now(),
			       ended_reason, ended_by) != BROKER_ALIVE_END)
		ended_reason[0] = '\0';
	if (!broker_state_session(b->state, sr.id.mac, &ip, sr.id.hostname, start ? endpoint : NULL,
				  sr.user, tok, broker_time_now()) &&
	    !ended_reason[0]) {
		api_session_refused(b, &sr, &ip, ip_str, start, now_ms, resp);
		goto cleanup;
	}
	/* The end of a session is the end of the station's pool VM, if it
	 * holds one: destroyed, never handed out again. */
	broker_pool_session(b->pool, sr.id.mac, start);
	if (broker_state_log_allowed(b->state, &ip, start ? "start" : "end", now_ms, &suppressed)) {
		snprintf(num, sizeof(num), "%lu", suppressed);
		log_event(LOG_INFO, "session", "mac", sr.id.mac_str, "ip", ip_str, "kind",
			  start ? "start" : "end", "endpoint", endpoint[0] ? endpoint : NULL,
			  "user", sr.user[0] ? sr.user : NULL, "reason",
			  sr.reason[0] ? sr.reason : NULL, suppressed ? "suppressed" : NULL, num,
			  NULL);
	}
	/* An end the broker decided (the viewer it dropped may have ended
	 * the session first): the station learns why from this answer. */
	if (ended_reason[0])
		api_session_ended_reply(ended_reason, ended_by, resp);
	else
		resp->body = broker_reply_ok(&resp->len);
cleanup:
	explicit_bzero(tok, sizeof(tok));
	broker_request_wipe_session(&sr);
}

static void api_health(void *app, const struct broker_http_request *req,
		       struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_snapshot *s = broker_config_acquire(b->config);
	char when[BROKER_TIME_STR_LEN];
	struct broker_json j;

	broker_json_init(&j, 128);
	broker_json_open(&j);
	if (s) {
		broker_time_format(s->loaded, when);
		broker_json_kv_str(&j, "status", "ok");
		broker_json_kv_uint(&j, "mappings", s->mappings);
		broker_json_kv_uint(&j, "generation", s->generation);
		broker_json_kv_str(&j, "loaded", when);
	} else {
		/* Monitoring should see a broker that answers nothing useful. */
		resp->status = 503;
		broker_json_kv_str(&j, "status", "error");
		broker_json_kv_str(&j, "message", "no valid stations file loaded");
		broker_json_kv_uint(&j, "mappings", 0);
		broker_json_kv_uint(&j, "generation", 0);
	}
	broker_json_close(&j);
	resp->body = broker_json_take(&j, &resp->len);
	broker_config_release(s);
}

static const struct broker_http_route api_routes[] = {
    {"/v1/lookup", "POST", api_lookup},
    {"/v1/login", "POST", api_login},
    {"/v1/session", "POST", api_session},
    {"/v1/health", "GET", api_health},
};

const struct broker_http_route *broker_api_routes(size_t *n)
{
	*n = sizeof(api_routes) / sizeof(api_routes[0]);
	return api_routes;
}
