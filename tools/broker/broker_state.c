/* Station state and unknown stations: see broker_state.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_bucket.h"
#include "broker_lru.h"
#include "broker_state.h"

/* A power of two; enough that 2 to 16 worker threads seldom share one. */
#define STATE_SHARDS 16
/* How many stations in a session a full shard skips over, looking for an
 * idle one to forget, before it gives up on recording a new station. */
#define STATE_EVICT_SCAN 64
/* Client addresses whose report rate and log lines are tracked. */
#define STATE_BUCKET_ADDRESSES 65536
/* Repeated log lines of one kind from one address: one a second, after a
 * burst of a few (a station's start and end may come close together). */
#define STATE_LOG_RATE	1.0
#define STATE_LOG_BURST 5.0

/* A station handed a desktop this recently is kept like one in a session:
 * its start report, with the token, is on its way. Flooding lookups with
 * made-up MACs must not make the broker forget that token first. */
#define STATE_FRESH_TOKEN_S 120

/* The session tokens a station record keeps (broker_state.h says why). */
enum { TOKEN_NEWEST, TOKEN_PREVIOUS, TOKEN_SESSION, STATE_TOKENS };

/* Host names, endpoints and users are short in practice; keeping them
 * out of line keeps a record small when 100,000 stations are known. */
struct station_rec {
	struct broker_lru_node node; /* first: the table hands us nodes */
	struct ipaddr ip;
	char *hostname;
	char *endpoint; /* NULL when idle */
	char *user;
	time_t since, last_seen;
	time_t issued; /* when the newest token was handed out; 0: never */
	/* The newest hand-out (broker_state_set_desk) and the session's
	 * idle time and pending end (broker_state_end). */
	char *desk, *desk_user, *lv_uri, *lv_domain;
	int lv_protocol;
	long idle_s;
	time_t idle_at;
	char *end_reason, *end_by;
	uint8_t tokens[STATE_TOKENS][BROKER_TOKEN_LEN];
	uint8_t tokens_set; /* bit i: tokens[i] holds a token */
};

struct unknown_rec {
	struct broker_lru_node node;
	struct ipaddr ip;
	char *hostname;
	time_t first_seen, last_seen;
	unsigned long count;
};

struct state_shard {
	pthread_mutex_t lock;
	struct broker_lru table;
};

struct broker_state {
	struct state_shard shards[STATE_SHARDS];
	/* Unknown stations are the rare path: one lock will do. */
	pthread_mutex_t unknown_lock;
	struct broker_lru unknown;
	/* Session reports and the log lines that strangers can cause, per
	 * client address. They live here because reports are what fill the
	 * station table. */
	struct broker_bucket *reports, *logs;
	/* Stations in a session now, for broker_state_alive_every. */
	long open_sessions;
};

static uint64_t state_key(const uint8_t mac[6])
{
	uint64_t k = 0;
	int i;

	for (i = 0; i < 6; i++)
		k = (k << 8) | mac[i];
	return k;
}

static void state_mac(uint64_t k, uint8_t mac[6])
{
	int i;

	for (i = 5; i >= 0; i--) {
		mac[i] = (uint8_t)(k & 0xff);
		k >>= 8;
	}
}

static struct state_shard *state_shard(struct broker_state *s, uint64_t key)
{
	/* The low bits of a MAC are the most varied ones. */
	return &s->shards[(key ^ (key >> 24)) & (STATE_SHARDS - 1)];
}

static void station_free(struct broker_lru_node *n)
{
	struct station_rec *r = (struct station_rec *)n;

	if (!r)
		return;
	free(r->hostname);
	free(r->endpoint);
	free(r->user);
	free(r->desk);
	free(r->desk_user);
	free(r->lv_uri);
	free(r->lv_domain);
	free(r->end_reason);
	free(r->end_by);
	explicit_bzero(r->tokens, sizeof(r->tokens));
	free(r);
}

static void unknown_free(struct broker_lru_node *n)
{
	struct unknown_rec *r = (struct unknown_rec *)n;

	if (!r)
		return;
	free(r->hostname);
	free(r);
}

struct broker_state *broker_state_new(size_t max_stations, size_t max_unknown)
{
	struct broker_state *s = calloc(1, sizeof(*s));
	size_t per, i;

	if (!s)
		return NULL;
	per = (max_stations + STATE_SHARDS - 1) / STATE_SHARDS;
	for (i = 0; i < STATE_SHARDS; i++) {
		pthread_mutex_init(&s->shards[i].lock, NULL);
		if (broker_lru_init(&s->shards[i].table, per ? per : 1) < 0)
			goto fail;
	}
	pthread_mutex_init(&s->unknown_lock, NULL);
	if (broker_lru_init(&s->unknown, max_unknown ? max_unknown : 1) < 0)
		goto fail;
	s->logs = broker_bucket_new(STATE_BUCKET_ADDRESSES, STATE_LOG_RATE, STATE_LOG_BURST);
	if (!s->logs)
		goto fail;
	return s;
fail:
	broker_state_free(s);
	return NULL;
}

void broker_state_free(struct broker_state *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < STATE_SHARDS; i++) {
		broker_lru_destroy(&s->shards[i].table, station_free);
		pthread_mutex_destroy(&s->shards[i].lock);
	}
	broker_lru_destroy(&s->unknown, unknown_free);
	pthread_mutex_destroy(&s->unknown_lock);
	broker_bucket_free(s->reports);
	broker_bucket_free(s->logs);
	free(s);
}

/* Replaces *field with a copy of val unless it already says that. On out of
 * memory the old value stays: stale beats missing. */
static void state_set_str(char **field, const char *val)
{
	char *copy;

	if (!val) {
		free(*field);
		*field = NULL;
		return;
	}
	if (*field && strcmp(*field, val) == 0)
		return;
	copy = strdup(val);
	if (!copy)
		return;
	free(*field);
	*field = copy;
}

/* Makes room in a full shard by forgetting the idle station heard from the
 * longest ago. A station in a session is never the one: forged reports with
 * made-up MACs must not push a real desktop out of `stationctl status`; nor
 * one handed a desktop in the last STATE_FRESH_TOKEN_S seconds, whose
 * session start is still to come. Those met on the way are moved to the new
 * end, so a table mostly in sessions costs a bounded scan. false when no
 * idle station was found. */
static bool station_make_room(struct state_shard *sh, time_t now)
{
	struct station_rec *r;
	int i;

	for (i = 0; i < STATE_EVICT_SCAN; i++) {
		r = (struct station_rec *)broker_lru_oldest(&sh->table);
		if (!r)
			return false;
		if (!r->endpoint && (!r->issued || now - r->issued > STATE_FRESH_TOKEN_S)) {
			broker_lru_remove(&sh->table, &r->node);
			station_free(&r->node);
			return true;
		}
		broker_lru_touch(&sh->table, &r->node);
	}
	return false;
}

/* The record for mac, created (idle since now) when absent. Called with the
 * shard lock held; NULL on out of memory, or when the shard is full of
 * stations in a session. */
static struct station_rec *station_get(struct state_shard *sh, uint64_t key, time_t now)
{
	struct station_rec *r;

	r = (struct station_rec *)broker_lru_find(&sh->table, key, NULL, NULL);
	if (r) {
		broker_lru_touch(&sh->table, &r->node);
		return r;
	}
	if (sh->table.count >= sh->table.cap && !station_make_room(sh, now))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->node.key = key;
	r->since = now;
	r->idle_s = -1;
	station_free(broker_lru_insert(&sh->table, &r->node));
	return r;
}

static void station_touch(struct station_rec *r, const struct ipaddr *ip, const char *hostname,
			  time_t now)
{
	if (ip)
		r->ip = *ip;
	if (hostname && hostname[0])
		state_set_str(&r->hostname, hostname);
	r->last_seen = now;
}

void broker_state_seen(struct broker_state *s, const uint8_t mac[6], const struct ipaddr *ip,
		       const char *hostname, time_t now)
{
	uint64_t key = state_key(mac);
	struct state_shard *sh = state_shard(s, key);
	struct station_rec *r;

	pthread_mutex_lock(&sh->lock);
	r = station_get(sh, key, now);
	if (r)
		station_touch(r, ip, hostname, now);
	pthread_mutex_unlock(&sh->lock);
}

int broker_state_issue(struct broker_state *s, const uint8_t mac[6],
		       const uint8_t tok[BROKER_TOKEN_LEN], time_t now)
{
	uint64_t key = state_key(mac);
	struct state_shard *sh = state_shard(s, key);
	struct station_rec *r;

	pthread_mutex_lock(&sh->lock);
	r = station_get(sh, key, now);
	if (r) {
		memcpy(r->tokens[TOKEN_PREVIOUS], r->tokens[TOKEN_NEWEST], BROKER_TOKEN_LEN);
		memcpy(r->tokens[TOKEN_NEWEST], tok, BROKER_TOKEN_LEN);
		if (r->tokens_set & 1u << TOKEN_NEWEST)
			r->tokens_set |= 1u << TOKEN_PREVIOUS;
		r->tokens_set |= 1u << TOKEN_NEWEST;
		r->issued = now;
	}
	pthread_mutex_unlock(&sh->lock);
	return r ? 0 : -1;
}

/* Whether tok is one of r's tokens. Every slot is compared, set or not, so
 * the time taken says nothing about which one matched. */
static bool station_token_ok(const struct station_rec *r, const uint8_t tok[BROKER_TOKEN_LEN])
{
	bool ok = false;
	int i;

	for (i = 0; i < STATE_TOKENS; i++)
		ok |= broker_token_equal(r->tokens[i], tok) & ((r->tokens_set >> i) & 1u);
	return ok;
}

/* Keeps the count of open sessions as one goes from was to is. */
static void state_open_count(struct broker_state *s, bool was, bool is)
{
	if (was != is)
		__atomic_add_fetch(&s->open_sessions, is ? 1 : -1, __ATOMIC_RELAXED);
}

bool broker_state_session(struct broker_state *s, const uint8_t mac[6], const struct ipaddr *ip,
			  const char *hostname, const char *endpoint, const char *user,
			  const uint8_t tok[BROKER_TOKEN_LEN], time_t now)
{
	uint64_t key = state_key(mac);
	struct state_shard *sh = state_shard(s, key);
	struct station_rec *r;
	bool ok = false;

	pthread_mutex_lock(&sh->lock);
	/* Never created here: a station that was handed no desktop has no
	 * token, and a report must not make room for itself. */
	r = (struct station_rec *)broker_lru_find(&sh->table, key, NULL, NULL);
	if (!r || !station_token_ok(r, tok))
		goto out;
	broker_lru_touch(&sh->table, &r->node);
	station_touch(r, ip, hostname, now);
	state_open_count(s, r->endpoint != NULL, endpoint != NULL);
	state_set_str(&r->endpoint, endpoint);
	/* Who logged in, as the broker checked it, rather than the name
	 * the report claims. */
	if (endpoint && r->desk_user)
		user = r->desk_user;
	state_set_str(&r->user, endpoint && user && user[0] ? user : NULL);
	r->since = now;
	r->idle_s = -1;
	r->idle_at = 0;
	state_set_str(&r->end_reason, NULL);
	state_set_str(&r->end_by, NULL);
	if (endpoint) {
		memcpy(r->tokens[TOKEN_SESSION], tok, BROKER_TOKEN_LEN);
		r->tokens_set |= 1u << TOKEN_SESSION;
	} else {
		explicit_bzero(r->tokens[TOKEN_SESSION], BROKER_TOKEN_LEN);
		r->tokens_set &= (uint8_t) ~(1u << TOKEN_SESSION);
	}
	ok = true;
out:
	pthread_mutex_unlock(&sh->lock);
	return ok;
}

bool broker_state_unknown(struct broker_state *s, const uint8_t mac[6], const struct ipaddr *ip,
			  const char *hostname, time_t now)
{
	uint64_t key = state_key(mac);
	struct unknown_rec *r;
	bool first = false;

	pthread_mutex_lock(&s->unknown_lock);
	r = (struct unknown_rec *)broker_lru_find(&s->unknown, key, NULL, NULL);
	if (r) {
		broker_lru_touch(&s->unknown, &r->node);
	} else {
		r = calloc(1, sizeof(*r));
		if (!r)
			goto out;
		r->node.key = key;
		r->first_seen = now;
		unknown_free(broker_lru_insert(&s->unknown, &r->node));
		first = true;
	}
	r->ip = *ip;
	if (hostname && hostname[0])
		state_set_str(&r->hostname, hostname);
	r->last_seen = now;
	r->count++;
out:
	pthread_mutex_unlock(&s->unknown_lock);
	return first;
}

size_t broker_state_prune_unknown(struct broker_state *s,
				  bool (*known)(const uint8_t mac[6], const struct ipaddr *ip,
						const char *hostname, void *arg),
				  void *arg)
{
	struct broker_lru_node *n, *next;
	struct unknown_rec *r;
	uint8_t mac[6];
	size_t pruned = 0;

	pthread_mutex_lock(&s->unknown_lock);
	for (n = broker_lru_first(&s->unknown); n; n = next) {
		next = broker_lru_next(&s->unknown, n);
		r = (struct unknown_rec *)n;
		state_mac(n->key, mac);
		if (known(mac, &r->ip, r->hostname, arg)) {
			broker_lru_remove(&s->unknown, n);
			unknown_free(n);
			pruned++;
		}
	}
	pthread_mutex_unlock(&s->unknown_lock);
	return pruned;
}

static void state_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int station_info_cmp(const void *a, const void *b)
{
	return memcmp(((const struct broker_station_info *)a)->mac,
		      ((const struct broker_station_info *)b)->mac, 6);
}

static int unknown_info_cmp(const void *a, const void *b)
{
	return memcmp(((const struct broker_unknown_info *)a)->mac,
		      ((const struct broker_unknown_info *)b)->mac, 6);
}

/* The session's part of an admin copy. */
static void station_info_session(const struct station_rec *r, struct broker_station_info *info)
{
	state_copy(info->desktop, sizeof(info->desktop), r->desk);
	state_copy(info->lv_uri, sizeof(info->lv_uri), r->lv_uri);
	state_copy(info->lv_domain, sizeof(info->lv_domain), r->lv_domain);
	info->lv_protocol = r->lv_protocol;
	info->idle_s = r->idle_s;
	info->idle_at = r->idle_at;
	state_copy(info->end_reason, sizeof(info->end_reason), r->end_reason);
	state_copy(info->end_by, sizeof(info->end_by), r->end_by);
}

int broker_state_list(struct broker_state *s, struct broker_station_info **out, size_t *n)
{
	struct broker_station_info *v = NULL, *bigger;
	struct broker_lru_node *node;
	struct station_rec *r;
	size_t i, len = 0, cap = 0;
	int rc = -1;

	for (i = 0; i < STATE_SHARDS; i++) {
		struct state_shard *sh = &s->shards[i];

		pthread_mutex_lock(&sh->lock);
		if (len + sh->table.count > cap) {
			cap = len + sh->table.count + 16;
			bigger = realloc(v, cap * sizeof(*v));
			if (!bigger) {
				pthread_mutex_unlock(&sh->lock);
				goto cleanup;
			}
			v = bigger;
		}
		for (node = broker_lru_first(&sh->table); node;
		     node = broker_lru_next(&sh->table, node)) {
			struct broker_station_info *info = &v[len++];

			r = (struct station_rec *)node;
			memset(info, 0, sizeof(*info));
			state_mac(node->key, info->mac);
			info->ip = r->ip;
			state_copy(info->hostname, sizeof(info->hostname), r->hostname);
			info->connected = r->endpoint != NULL;
			state_copy(info->endpoint, sizeof(info->endpoint), r->endpoint);
			state_copy(info->user, sizeof(info->user), r->user);
			info->since = r->since;
			info->last_seen = r->last_seen;
			station_info_session(r, info);
		}
		pthread_mutex_unlock(&sh->lock);
	}
	if (len)
		qsort(v, len, sizeof(*v), station_info_cmp);
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
cleanup:
	free(v);
	return rc;
}

int broker_state_list_unknown(struct broker_state *s, struct broker_unknown_info **out, size_t *n)
{
	struct broker_unknown_info *v = NULL;
	struct broker_lru_node *node;
	struct unknown_rec *r;
	size_t len = 0;
	int rc = -1;

	pthread_mutex_lock(&s->unknown_lock);
	v = calloc(s->unknown.count + 1, sizeof(*v));
	if (!v)
		goto cleanup;
	for (node = broker_lru_first(&s->unknown); node;
	     node = broker_lru_next(&s->unknown, node)) {
		struct broker_unknown_info *info = &v[len++];

		r = (struct unknown_rec *)node;
		state_mac(node->key, info->mac);
		info->ip = r->ip;
		state_copy(info->hostname, sizeof(info->hostname), r->hostname);
		info->first_seen = r->first_seen;
		info->last_seen = r->last_seen;
		info->count = r->count;
	}
	if (len)
		qsort(v, len, sizeof(*v), unknown_info_cmp);
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
cleanup:
	pthread_mutex_unlock(&s->unknown_lock);
	free(v);
	return rc;
}

size_t broker_state_unknown_count(struct broker_state *s)
{
	size_t n;

	pthread_mutex_lock(&s->unknown_lock);
	n = s->unknown.count;
	pthread_mutex_unlock(&s->unknown_lock);
	return n;
}

void broker_state_format_endpoint(char out[BROKER_ENDPOINT_STR_MAX], const char *protocol,
				  const char *host, unsigned port)
{
	if (strchr(host, ':'))
		snprintf(out, BROKER_ENDPOINT_STR_MAX, "%s://[%s]:%u", protocol, host, port);
	else
		snprintf(out, BROKER_ENDPOINT_STR_MAX, "%s://%s:%u", protocol, host, port);
}

int broker_state_set_report_rate(struct broker_state *s, unsigned per_second, unsigned burst_s)
{
	struct broker_bucket *b = NULL;

	if (per_second) {
		b = broker_bucket_new(STATE_BUCKET_ADDRESSES, per_second,
				      (double)per_second * (burst_s ? burst_s : 1));
		if (!b)
			return -1;
	}
	broker_bucket_free(s->reports);
	s->reports = b;
	return 0;
}

bool broker_state_report_allowed(struct broker_state *s, const struct ipaddr *ip, uint64_t now_ms)
{
	return !s->reports || broker_bucket_take(s->reports, ip, NULL, now_ms, NULL);
}

bool broker_state_log_allowed(struct broker_state *s, const struct ipaddr *ip, const char *kind,
			      uint64_t now_ms, unsigned long *suppressed)
{
	return broker_bucket_take(s->logs, ip, kind, now_ms, suppressed);
}

void broker_state_set_desk(struct broker_state *s, const uint8_t mac[6],
			   const struct broker_state_desk *d)
{
	uint64_t key = state_key(mac);
	struct state_shard *sh = state_shard(s, key);
	struct station_rec *r;

	pthread_mutex_lock(&sh->lock);
	r = (struct station_rec *)broker_lru_find(&sh->table, key, NULL, NULL);
	/* A station in a session keeps what it has: a lookup that names its
	 * MAC meanwhile must not change what the admin sees or disconnects. */
	if (r && !r->endpoint) {
		state_set_str(&r->desk, d->desktop);
		state_set_str(&r->desk_user, d->user && d->user[0] ? d->user : NULL);
		state_set_str(&r->lv_uri, d->lv_uri);
		state_set_str(&r->lv_domain, d->lv_uri ? d->lv_domain : NULL);
		r->lv_protocol = d->lv_protocol;
	}
	pthread_mutex_unlock(&sh->lock);
}

enum broker_alive broker_state_alive(struct broker_state *s, const uint8_t mac[6],
				     const struct ipaddr *ip, const char *hostname,
				     const uint8_t tok[BROKER_TOKEN_LEN], long idle_s, time_t now,
				     char reason[24], char end_by[BROKER_STATE_DESK_MAX])
{
	uint64_t key = state_key(mac);
	struct state_shard *sh = state_shard(s, key);
	struct station_rec *r;
	enum broker_alive res = BROKER_ALIVE_REFUSED;

	reason[0] = end_by[0] = '\0';
	pthread_mutex_lock(&sh->lock);
	r = (struct station_rec *)broker_lru_find(&sh->table, key, NULL, NULL);
	if (!r || !station_token_ok(r, tok))
		goto out;
	broker_lru_touch(&sh->table, &r->node);
	station_touch(r, ip, hostname, now);
	/* No end decided here: go on. That includes a session whose start
	 * report has not come yet (it is queued at the station while the
	 * broker was out of reach); nothing is kept for it. */
	if (!r->end_reason) {
		if (r->endpoint) {
			r->idle_s = idle_s;
			r->idle_at = now;
		}
		res = BROKER_ALIVE_OK;
		goto out;
	}
	/* Ended here: the station is told, and nothing of the session stays,
	 * its token included. */
	state_copy(reason, 24, r->end_reason);
	state_copy(end_by, BROKER_STATE_DESK_MAX, r->end_by);
	state_open_count(s, r->endpoint != NULL, false);
	state_set_str(&r->endpoint, NULL);
	state_set_str(&r->user, NULL);
	state_set_str(&r->end_reason, NULL);
	state_set_str(&r->end_by, NULL);
	r->since = now;
	r->idle_s = -1;
	explicit_bzero(r->tokens[TOKEN_SESSION], BROKER_TOKEN_LEN);
	r->tokens_set &= (uint8_t) ~(1u << TOKEN_SESSION);
	res = BROKER_ALIVE_END;
out:
	pthread_mutex_unlock(&sh->lock);
	return res;
}

int broker_state_end(struct broker_state *s, broker_state_match_fn match, void *arg,
		     const char *reason, const char *by, struct broker_station_info **out,
		     size_t *n)
{
	struct broker_station_info *v = NULL, *bigger, info;
	struct broker_lru_node *node;
	struct station_rec *r;
	size_t i, len = 0, cap = 0;
	int rc = -1;

	for (i = 0; i < STATE_SHARDS; i++) {
		struct state_shard *sh = &s->shards[i];

		pthread_mutex_lock(&sh->lock);
		for (node = broker_lru_first(&sh->table); node;
		     node = broker_lru_next(&sh->table, node)) {
			r = (struct station_rec *)node;
			if (!r->endpoint)
				continue;
			memset(&info, 0, sizeof(info));
			state_mac(node->key, info.mac);
			info.ip = r->ip;
			state_copy(info.hostname, sizeof(info.hostname), r->hostname);
			info.connected = true;
			state_copy(info.endpoint, sizeof(info.endpoint), r->endpoint);
			state_copy(info.user, sizeof(info.user), r->user);
			info.since = r->since;
			info.last_seen = r->last_seen;
			station_info_session(r, &info);
			if (!match(&info, arg))
				continue;
			if (len == cap) {
				cap = cap ? cap * 2 : 4;
				bigger = realloc(v, cap * sizeof(*v));
				if (!bigger) {
					pthread_mutex_unlock(&sh->lock);
					goto cleanup;
				}
				v = bigger;
			}
			v[len++] = info;
			state_set_str(&r->end_reason, reason);
			state_set_str(&r->end_by, by && by[0] ? by : NULL);
		}
		pthread_mutex_unlock(&sh->lock);
	}
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
cleanup:
	free(v);
	return rc;
}

unsigned broker_state_alive_every(struct broker_state *s)
{
	long open = __atomic_load_n(&s->open_sessions, __ATOMIC_RELAXED);
	/* 3 s up to 1,000 sessions; beyond, at most about 333 reports a
	 * second in all (10,000 sessions: every 30 s). */
	long every = open <= 1000 ? 3 : (open + 332) / 333;

	return every > 60 ? 60 : (unsigned)every;
}
