/* Admin interface handlers: see broker_admin.h. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "broker_admin.h"
#include "broker_json.h"
#include "broker_sessions.h"
#include "broker_time.h"
#include "log.h"

static void admin_time(struct broker_json *j, const char *key, time_t t)
{
	char s[BROKER_TIME_STR_LEN];

	broker_time_format(t, s);
	broker_json_kv_str(j, key, s);
}

static void admin_oom(struct broker_http_response *resp)
{
	broker_http_error(resp, 500, "internal", "out of memory");
}

static void admin_stations(void *app, const struct broker_http_request *req,
			   struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_station_info *v = NULL;
	struct broker_snapshot *s;
	const struct broker_frag *frag;
	const struct st_entry *e;
	char mac[MAC_STR_LEN], ip[IP_STR_LEN];
	struct broker_json j;
	size_t n = 0, i;

	if (broker_state_list(b->state, &v, &n) < 0) {
		admin_oom(resp);
		return;
	}
	s = broker_config_acquire(b->config);
	broker_json_init(&j, 256 + n * 256);
	broker_json_open(&j);
	broker_json_key(&j, "stations");
	broker_json_open_array(&j);
	for (i = 0; i < n; i++) {
		/* Name and match come from the file as it is now, so that an
		 * edit shows at once. */
		e = s ? broker_snapshot_match(s, v[i].mac, &v[i].ip, v[i].hostname, &frag) : NULL;
		mac_format(v[i].mac, mac);
		ip_format(&v[i].ip, ip);
		broker_json_open(&j);
		broker_json_kv_str(&j, "mac", mac);
		broker_json_kv_str(&j, "ip", ip);
		if (v[i].hostname[0])
			broker_json_kv_str(&j, "hostname", v[i].hostname);
		if (e) {
			broker_json_kv_str_opt(&j, "name", e->name);
			broker_json_kv_str(&j, "match", e->target.text);
		}
		broker_json_kv_str(&j, "state", v[i].connected ? "connected" : "idle");
		if (v[i].connected)
			broker_json_kv_str(&j, "endpoint", v[i].endpoint);
		if (v[i].user[0])
			broker_json_kv_str(&j, "user", v[i].user);
		admin_time(&j, "since", v[i].since);
		admin_time(&j, "last_seen", v[i].last_seen);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	broker_config_release(s);
	free(v);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

static void admin_unknown(void *app, const struct broker_http_request *req,
			  struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_unknown_info *v = NULL;
	struct broker_snapshot *s;
	const struct broker_frag *frag;
	char mac[MAC_STR_LEN], ip[IP_STR_LEN];
	struct broker_json j;
	size_t n = 0, i;

	if (broker_state_list_unknown(b->state, &v, &n) < 0) {
		admin_oom(resp);
		return;
	}
	s = broker_config_acquire(b->config);
	broker_json_init(&j, 256 + n * 200);
	broker_json_open(&j);
	broker_json_key(&j, "unknown");
	broker_json_open_array(&j);
	for (i = 0; i < n; i++) {
		/* Mapped since it last asked (without a reload, by a change
		 * of its address or name): not unknown any more. */
		if (s && broker_snapshot_match(s, v[i].mac, &v[i].ip, v[i].hostname, &frag))
			continue;
		mac_format(v[i].mac, mac);
		ip_format(&v[i].ip, ip);
		broker_json_open(&j);
		broker_json_kv_str(&j, "mac", mac);
		broker_json_kv_str(&j, "ip", ip);
		if (v[i].hostname[0])
			broker_json_kv_str(&j, "hostname", v[i].hostname);
		admin_time(&j, "first_seen", v[i].first_seen);
		admin_time(&j, "last_seen", v[i].last_seen);
		broker_json_kv_uint(&j, "count", v[i].count);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	broker_config_release(s);
	free(v);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

static void admin_hold_json(struct broker_json *j, const struct broker_config_hold *h)
{
	broker_json_key(j, "held");
	broker_json_open(j);
	broker_json_kv_uint(j, "mappings", h->mappings);
	broker_json_kv_uint(j, "serving", h->serving);
	admin_time(j, "since", h->since);
	broker_json_kv_str(j, "trigger", h->trigger);
	broker_json_close(j);
}

/* The body is empty, {} or {"force":true}. -1 when it is none of these. */
static int admin_reload_force(const struct broker_http_request *req, bool *force)
{
	json_tokener *tok;
	json_object *obj, *v;
	int rc = -1;

	*force = false;
	if (req->body_len == 0)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return -1;
	obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (obj && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(obj, json_type_object)) {
		if (!json_object_object_get_ex(obj, "force", &v)) {
			rc = 0;
		} else if (json_object_is_type(v, json_type_boolean)) {
			*force = json_object_get_boolean(v);
			rc = 0;
		}
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

static void admin_reload(void *app, const struct broker_http_request *req,
			 struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_snapshot *s;
	struct broker_config_hold h;
	struct st_diags d;
	struct broker_json j;
	char text[sizeof(d.file) + sizeof(d.v[0].msg) + 16];
	size_t i;
	bool force;

	if (req->body_len > 4096 || admin_reload_force(req, &force) < 0) {
		broker_http_error(resp, 400, "bad_request",
				  "the body must be empty, {} or {\"force\":true}");
		return;
	}
	broker_json_init(&j, 256);
	broker_json_open(&j);
	if (broker_reload(b, force ? BROKER_TRIGGER_FORCE : BROKER_TRIGGER_ADMIN, &d) == 0) {
		s = broker_config_acquire(b->config);
		broker_json_kv_str(&j, "status", "ok");
		broker_json_kv_uint(&j, "mappings", s ? s->mappings : 0);
		broker_json_kv_uint(&j, "generation", s ? s->generation : 0);
		broker_config_release(s);
	} else if (d.n == 0 && broker_config_held(b->config, &h)) {
		/* Valid, but it would take most mappings away: the old ones
		 * still serve until the admin confirms it. */
		resp->status = 409;
		broker_json_kv_str(&j, "status", "held");
		broker_json_kv_str(&j, "message",
				   "the file keeps too few mappings; the old ones keep serving; "
				   "reload with force (stationctl reload --force) or SIGHUP to "
				   "apply it");
		admin_hold_json(&j, &h);
	} else {
		/* The file was refused; the old mappings still serve. */
		resp->status = 422;
		broker_json_kv_str(&j, "status", "error");
		broker_json_key(&j, "errors");
		broker_json_open_array(&j);
		/* As many as the log shows: the count says the rest. */
		for (i = 0; i < d.n && i < 20; i++) {
			broker_config_diag_text(&d, i, text, sizeof(text));
			broker_json_str(&j, text);
		}
		if (d.n == 0)
			broker_json_str(&j, "out of memory");
		broker_json_close_array(&j);
		broker_json_kv_uint(&j, "error_count", d.n);
	}
	broker_json_close(&j);
	st_diags_free(&d);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

/* A pool's load: what runs, what waits, and what was refused since start. */
static void admin_workq_json(struct broker_json *j, const char *key, struct broker_workq *q)
{
	unsigned running, queued;
	unsigned long refused;

	if (!q)
		return;
	broker_workq_counts(q, &running, &queued, &refused);
	broker_json_key(j, key);
	broker_json_open(j);
	broker_json_kv_uint(j, "running", running);
	broker_json_kv_uint(j, "queued", queued);
	broker_json_kv_uint(j, "refused", refused);
	broker_json_close(j);
}

static void admin_health(void *app, const struct broker_http_request *req,
			 struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_snapshot *s = broker_config_acquire(b->config);
	struct broker_config_hold h;
	struct broker_json j;

	broker_json_init(&j, 256);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", s ? "ok" : "error");
	broker_json_kv_str(&j, "stations_file", broker_config_path(b->config));
	broker_json_kv_uint(&j, "mappings", s ? s->mappings : 0);
	broker_json_kv_uint(&j, "generation", s ? s->generation : 0);
	if (s)
		admin_time(&j, "loaded", s->loaded);
	if (broker_config_held(b->config, &h))
		admin_hold_json(&j, &h);
	broker_json_kv_uint(&j, "unknown", broker_state_unknown_count(b->state));
	broker_json_kv_uint(&j, "connections", broker_http_connections(b->api));
	broker_json_kv_uint(&j, "deadline_closed", broker_http_deadline_closed(b->api));
	admin_workq_json(&j, "fetches", b->fetch_q);
	admin_workq_json(&j, "logins", b->login_q);
	admin_workq_json(&j, "pool_handouts", b->pool_q);
	broker_json_close(&j);
	broker_config_release(s);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

/* The pools' VMs: their state and the station holding each. */
static void admin_pools(void *app, const struct broker_http_request *req,
			struct broker_http_response *resp)
{
	struct broker *b = app;

	resp->body = broker_pool_admin_json(b->pool, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

/* Personal desktops: the list, and reset or remove one. */
static void admin_personal(void *app, const struct broker_http_request *req,
			   struct broker_http_response *resp)
{
	struct broker *b = app;

	resp->body = broker_pool_personal_admin_json(b->pool, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

/* The body {"pool":"NAME","user":"NAME"}. 0, or -1 after the 400. */
static int admin_personal_body(const struct broker_http_request *req, char *pool, size_t plen,
			       char *user, size_t ulen, struct broker_http_response *resp)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL, *vp, *vu;
	int rc = -1;

	if (tok && req->body_len <= 4096)
		obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (obj && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, "pool", &vp) &&
	    json_object_object_get_ex(obj, "user", &vu) &&
	    json_object_is_type(vp, json_type_string) &&
	    json_object_is_type(vu, json_type_string) && json_object_get_string_len(vp) > 0 &&
	    (size_t)json_object_get_string_len(vp) < plen && json_object_get_string_len(vu) > 0 &&
	    (size_t)json_object_get_string_len(vu) < ulen) {
		snprintf(pool, plen, "%s", json_object_get_string(vp));
		snprintf(user, ulen, "%s", json_object_get_string(vu));
		rc = 0;
	}
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	if (rc < 0)
		broker_http_error(resp, 400, "bad_request",
				  "the body must be {\"pool\":\"NAME\",\"user\":\"NAME\"}");
	return rc;
}

static void admin_personal_change(struct broker *b, const struct broker_http_request *req,
				  struct broker_http_response *resp, bool remove)
{
	char pool[BROKER_POOL_NAME_MAX], user[BROKER_POOL_USER_MAX + 1], err[200];
	struct broker_json j;
	int r;

	if (admin_personal_body(req, pool, sizeof(pool), user, sizeof(user), resp) < 0)
		return;
	r = broker_pool_personal_request(b->pool, pool, user, remove, err, sizeof(err));
	if (r == -1) {
		broker_http_error(resp, 404, "not_found", err);
		return;
	}
	if (r < 0) {
		broker_http_error(resp, 500, "internal", err);
		return;
	}
	broker_json_init(&j, 64);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", remove ? "removing" : "resetting");
	broker_json_close(&j);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

static void admin_personal_reset(void *app, const struct broker_http_request *req,
				 struct broker_http_response *resp)
{
	admin_personal_change(app, req, resp, false);
}

static void admin_personal_remove(void *app, const struct broker_http_request *req,
				  struct broker_http_response *resp)
{
	admin_personal_change(app, req, resp, true);
}

/* ---- sessions: stationctl sessions and disconnect ---- */

/* One session's fields, as both commands print them. */
static void admin_session_json(struct broker_json *j, const struct broker_station_info *v,
			       struct broker_snapshot *s)
{
	const struct broker_frag *frag;
	const struct st_entry *e =
	    s ? broker_snapshot_match(s, v->mac, &v->ip, v->hostname, &frag) : NULL;
	char mac[MAC_STR_LEN], ip[IP_STR_LEN];

	mac_format(v->mac, mac);
	ip_format(&v->ip, ip);
	broker_json_kv_str(j, "mac", mac);
	broker_json_kv_str(j, "ip", ip);
	if (v->hostname[0])
		broker_json_kv_str(j, "hostname", v->hostname);
	if (e)
		broker_json_kv_str_opt(j, "name", e->name);
	if (v->user[0])
		broker_json_kv_str(j, "user", v->user);
	if (v->desktop[0])
		broker_json_kv_str(j, "desktop", v->desktop);
	broker_json_kv_str(j, "endpoint", v->endpoint);
	admin_time(j, "since", v->since);
	/* The idle time now: what the station said, plus the time since. */
	if (v->idle_s >= 0) {
		time_t now = broker_time_now();

		broker_json_kv_uint(j, "idle_s",
				    (uint64_t)v->idle_s +
					(uint64_t)(now > v->idle_at ? now - v->idle_at : 0));
	}
	if (v->end_reason[0])
		broker_json_kv_str(j, "ending", v->end_reason);
}

static void admin_sessions(void *app, const struct broker_http_request *req,
			   struct broker_http_response *resp)
{
	struct broker *b = app;
	struct broker_station_info *v = NULL;
	struct broker_snapshot *s;
	struct broker_json j;
	size_t n = 0, i;

	if (broker_state_list(b->state, &v, &n) < 0) {
		admin_oom(resp);
		return;
	}
	s = broker_config_acquire(b->config);
	broker_json_init(&j, 256 + n * 128);
	broker_json_open(&j);
	broker_json_key(&j, "sessions");
	broker_json_open_array(&j);
	for (i = 0; i < n; i++) {
		if (!v[i].connected)
			continue;
		broker_json_open(&j);
		admin_session_json(&j, &v[i], s);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	broker_config_release(s);
	free(v);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

/* The body {"who":"MAC|STATION|USER"}. 0, or -1 after the 400. */
static int admin_disconnect_body(const struct broker_http_request *req, char *who, size_t len,
				 struct broker_http_response *resp)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL, *vw;
	int rc = -1;

	if (tok && req->body_len <= 4096)
		obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (obj && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, "who", &vw) &&
	    json_object_is_type(vw, json_type_string) && json_object_get_string_len(vw) > 0 &&
	    (size_t)json_object_get_string_len(vw) < len) {
		snprintf(who, len, "%s", json_object_get_string(vw));
		rc = 0;
	}
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	if (rc < 0)
		broker_http_error(resp, 400, "bad_request", "the body must be {\"who\":\"NAME\"}");
	return rc;
}

static void admin_disconnect(void *app, const struct broker_http_request *req,
			     struct broker_http_response *resp)
{
	static const char *const viewer[] = {"dropped", "at_next_report", "failed"};
	struct broker *b = app;
	struct broker_sessions_ended *x = NULL;
	struct broker_snapshot *s;
	struct broker_json j;
	char who[256];
	size_t n = 0, i;

	if (admin_disconnect_body(req, who, sizeof(who), resp) < 0)
		return;
	if (broker_sessions_disconnect(b, who, &x, &n) < 0) {
		admin_oom(resp);
		return;
	}
	if (n == 0) {
		free(x);
		broker_http_error(resp, 404, "not_found", "no open session matches");
		return;
	}
	s = broker_config_acquire(b->config);
	broker_json_init(&j, 256 + n * 256);
	broker_json_open(&j);
	broker_json_key(&j, "ended");
	broker_json_open_array(&j);
	for (i = 0; i < n; i++) {
		broker_json_open(&j);
		admin_session_json(&j, &x[i].info, s);
		broker_json_kv_str(&j, "viewer", viewer[x[i].viewer]);
		if (x[i].error[0])
			broker_json_kv_str(&j, "error", x[i].error);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	broker_config_release(s);
	free(x);
	resp->body = broker_json_take(&j, &resp->len);
	if (!resp->body)
		admin_oom(resp);
}

static const struct broker_http_route admin_routes[] = {
    {"/v1/admin/stations", "GET", admin_stations},
    {"/v1/admin/unknown", "GET", admin_unknown},
    {"/v1/admin/reload", "POST", admin_reload},
    {"/v1/admin/health", "GET", admin_health},
    {"/v1/admin/pools", "GET", admin_pools},
    {"/v1/admin/personal", "GET", admin_personal},
    {"/v1/admin/personal/reset", "POST", admin_personal_reset},
    {"/v1/admin/personal/remove", "POST", admin_personal_remove},
    {"/v1/admin/sessions", "GET", admin_sessions},
    {"/v1/admin/disconnect", "POST", admin_disconnect},
};

const struct broker_http_route *broker_admin_routes(size_t *n)
{
	*n = sizeof(admin_routes) / sizeof(admin_routes[0]);
	return admin_routes;
}
