/* Station replies and precomputed fragments: see broker_reply.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "broker_json.h"
#include "broker_lru.h"
#include "broker_reply.h"
#include "stations_keys.h"

#define MSG_READY	"Your desktop is ready."
#define MSG_MAINTENANCE "This station is in maintenance. Please try again later."
#define MSG_STARTING	"Your desktop is starting. This can take a minute."
#define MSG_CHOOSE	"Choose a desktop."

/* The fragments' text is packed into an arena, byte after byte: a
 * fragment is mostly unique to its section (its name, match and host), and
 * one malloc'd buffer each, with its unused capacity, cost more than the
 * text itself at 100,000 mappings. */
struct broker_frags {
	struct broker_frag *v;
	size_t n;
	struct arena text; /* every distinct string; the fragments point into it */
	size_t bytes;
	/* Build-time dedup index over the strings (open addressing). */
	const char **slots; /* NULL = empty */
	uint64_t *slot_hash;
	size_t n_slots, n_strings;
};

static int frags_grow_index(struct broker_frags *f)
{
	size_t n = f->n_slots ? f->n_slots * 2 : 64;
	const char **slots = calloc(n, sizeof(*slots));
	uint64_t *hashes = calloc(n, sizeof(*hashes));
	size_t i, j;

	if (!slots || !hashes) {
		free(slots);
		free(hashes);
		return -1;
	}
	for (i = 0; i < f->n_slots; i++) {
		if (!f->slots[i])
			continue;
		for (j = f->slot_hash[i] & (n - 1); slots[j]; j = (j + 1) & (n - 1))
			;
		slots[j] = f->slots[i];
		hashes[j] = f->slot_hash[i];
	}
	free(f->slots);
	free(f->slot_hash);
	f->slots = slots;
	f->slot_hash = hashes;
	f->n_slots = n;
	return 0;
}

/* Takes ownership of s (from broker_json_take), frees it, and returns the
 * arena's copy of the same text, shared with every fragment that has it.
 * NULL on out of memory. */
static const char *frags_intern(struct broker_frags *f, char *s, size_t len)
{
	const char *copy = NULL;
	uint64_t h;
	size_t j;

	if (!s)
		return NULL;
	if ((f->n_strings + 1) * 2 > f->n_slots && frags_grow_index(f) < 0)
		goto done;
	h = broker_lru_hash(s, len, 0);
	for (j = h & (f->n_slots - 1); f->slots[j]; j = (j + 1) & (f->n_slots - 1)) {
		if (f->slot_hash[j] == h && strcmp(f->slots[j], s) == 0) {
			copy = f->slots[j];
			goto done;
		}
	}
	copy = arena_strdup(&f->text, s);
	if (!copy)
		goto done;
	f->slots[j] = copy;
	f->slot_hash[j] = h;
	f->n_strings++;
	f->bytes += len + 1;
done:
	free(s);
	return copy;
}

static void frag_endpoint(struct broker_json *j, const struct st_endpoint *e)
{
	broker_json_open(j);
	broker_json_kv_str(j, "protocol", st_protocol_name(e->protocol));
	broker_json_kv_str(j, "host", e->host);
	if (e->port)
		broker_json_kv_uint(j, "port", e->port);
	if (e->tls_port)
		broker_json_kv_uint(j, "tls_port", e->tls_port);
	broker_json_kv_str_opt(j, "password", e->password);
	broker_json_kv_str_opt(j, "ca", e->ca_pem);
	broker_json_kv_str_opt(j, "host_subject", e->host_subject);
	broker_json_kv_str_opt(j, "proxy", e->proxy);
	broker_json_close(j);
}

/* The key table's row with this policy position, or -1. */
static int frag_policy_key(unsigned pos)
{
	for (int k = 0; k < ST_KEY__COUNT; k++)
		if (st_keydef((enum st_key)k)->policy_pos == pos)
			return k;
	return -1;
}

/* The "policy" object: every key whose row names a policy field, in the
 * rows' policy order, with its effective value: booleans as true/false,
 * durations as numbers, the others as strings, an unset one left out (and
 * an object with nothing set in it). A field path "usb.deny" goes into the
 * object "usb", which stays open while the next field is in it too. */
static void frag_policy(struct broker_json *j, const struct st_entry *e)
{
	char nested[32] = ""; /* the object open inside policy, "" for none */
	int k;

	broker_json_open(j);
	for (unsigned pos = 1; (k = frag_policy_key(pos)) >= 0; pos++) {
		const struct st_keydef *kd = st_keydef((enum st_key)k);
		const char *field = kd->policy, *dot = strchr(field, '.');
		size_t plen = dot ? (size_t)(dot - field) : 0;
		const char *v = e->values[k];

		if (nested[0] && (plen != strlen(nested) || strncmp(field, nested, plen) != 0)) {
			broker_json_close(j);
			nested[0] = '\0';
		}
		/* Unset: left out, and an object with nothing set in it too. */
		if (!v && kd->type != ST_TYPE_BOOL)
			continue;
		if (dot && !nested[0] && plen < sizeof(nested)) {
			memcpy(nested, field, plen);
			nested[plen] = '\0';
			broker_json_key(j, nested);
			broker_json_open(j);
		}
		if (dot)
			field = dot + 1;
		if (kd->type == ST_TYPE_BOOL) {
			broker_json_kv_bool(j, field, st_value_bool(v));
		} else if (kd->type == ST_TYPE_DURATION && v) {
			/* Checked digits within the row's range: a JSON number. */
			broker_json_kv_uint(j, field, (unsigned)strtoul(v, NULL, 10));
		} else {
			broker_json_kv_str_opt(j, field, v);
		}
	}
	if (nested[0])
		broker_json_close(j);
	broker_json_close(j);
}

/* "},"policy":{...},"endpoints":[...]" and, when close, the final "}".
 * first, when set, comes before the entry's own endpoints. policy_len, when
 * set, gets the length up to and with "endpoints":[. */
static char *frag_ready_tail(const struct st_entry *e, bool endpoints, bool close,
			     const struct st_endpoint *first, size_t *len, size_t *policy_len)
{
	struct broker_json j;
	size_t i;

	broker_json_init(&j, 512);
	broker_json_raw(&j, "}", 1); /* end of "station" */
	broker_json_resume(&j);	     /* inside the reply object */
	broker_json_key(&j, "policy");
	frag_policy(&j, e);
	broker_json_key(&j, "endpoints");
	broker_json_open_array(&j);
	if (policy_len)
		*policy_len = j.len;
	if (endpoints && first)
		frag_endpoint(&j, first);
	for (i = 0; endpoints && i < e->n_endpoints; i++)
		frag_endpoint(&j, &e->endpoints[i]);
	broker_json_close_array(&j);
	if (close)
		broker_json_raw(&j, "}", 1);
	return broker_json_take(&j, len);
}

static char *frag_head(const struct st_entry *e, size_t *len)
{
	struct broker_json j;

	broker_json_init(&j, 256);
	broker_json_open(&j);
	if (e->maintenance) {
		broker_json_kv_str(&j, "status", "maintenance");
		broker_json_kv_str(&j, "message", e->message ? e->message : MSG_MAINTENANCE);
	} else {
		broker_json_kv_str(&j, "status", "ready");
		broker_json_kv_str(&j, "message", MSG_READY);
	}
	broker_json_key(&j, "station");
	broker_json_open(&j);
	broker_json_kv_str_opt(&j, "name", e->name);
	/* Always present, so the identity spliced after it starts with ','. */
	broker_json_kv_str(&j, "match", e->target.text);
	return broker_json_take(&j, len);
}

/* Splits a ready tail (s, from frag_ready_tail) where its endpoints
 * begin. The policy part is the same for most sections (a group's members,
 * every station on the defaults) and is stored once; only the endpoints
 * are each section's own. Takes ownership of s. 0 or -1. */
static int frag_split(struct broker_frags *f, char *s, size_t len, size_t policy_len,
		      const char **policy, size_t *plen, const char **rest, size_t *rlen)
{
	char *a = s ? strndup(s, policy_len) : NULL;
	char *b = s ? strdup(s + policy_len) : NULL;

	free(s);
	*policy = frags_intern(f, a, policy_len);
	*plen = policy_len;
	*rest = frags_intern(f, b, len - policy_len);
	*rlen = len - policy_len;
	return *policy && *rest ? 0 : -1;
}

static int frag_build(struct broker_frags *f, const struct st_entry *e, struct broker_frag *out)
{
	static const char maint_tail[] = "},\"retry_after\":60}";
	char *s;
	size_t len, policy_len = 0;

	_Static_assert(BROKER_RETRY_MAINTENANCE == 60, "maint_tail spells the retry time");
	out->maintenance = e->maintenance;
	out->login = e->login_broker && !e->maintenance;

	s = frag_head(e, &len);
	out->head = frags_intern(f, s, len);
	out->head_len = len;
	if (!out->head)
		return -1;

	if (e->maintenance) {
		out->policy = "";
		out->policy_len = 0;
		s = strdup(maint_tail);
		len = sizeof(maint_tail) - 1;
		out->tail = frags_intern(f, s, len);
		out->tail_len = len;
		out->tail_login = out->tail;
		out->tail_login_len = len;
		return out->tail ? 0 : -1;
	}

	s = frag_ready_tail(e, !out->login, true, NULL, &len, &policy_len);
	if (frag_split(f, s, len, policy_len, &out->policy, &out->policy_len, &out->tail,
		       &out->tail_len) < 0)
		return -1;
	if (!out->login) {
		out->tail_login = out->tail;
		out->tail_login_len = out->tail_len;
		return 0;
	}
	/* The login tail stays open: the reply appends "user" and closes.
	 * Its policy is the same text as the lookup tail's. */
	s = frag_ready_tail(e, true, false, NULL, &len, &policy_len);
	if (s && (policy_len != out->policy_len || memcmp(s, out->policy, policy_len) != 0)) {
		free(s);
		return -1;
	}
	out->tail_login = frags_intern(f, s ? strdup(s + policy_len) : NULL, len - policy_len);
	out->tail_login_len = len - policy_len;
	free(s);
	return out->tail_login ? 0 : -1;
}

struct broker_frags *broker_reply_frags_build(const struct st_config *cfg)
{
	struct broker_frags *f = calloc(1, sizeof(*f));
	const struct st_entry *e;
	size_t i;

	if (!f)
		return NULL;
	f->n = st_config_count(cfg);
	f->v = calloc(f->n ? f->n : 1, sizeof(*f->v));
	if (!f->v)
		goto fail;
	for (i = 0; i < f->n; i++) {
		e = st_config_entry(cfg, i);
		/* Groups and pools are never a station's match. */
		if (!e || e->target.kind == ST_GROUP || e->target.kind == ST_POOL)
			continue;
		if (frag_build(f, e, &f->v[i]) < 0)
			goto fail;
	}
	/* The dedup index is only needed while building. */
	free(f->slots);
	free(f->slot_hash);
	f->slots = NULL;
	f->slot_hash = NULL;
	f->n_slots = 0;
	f->bytes += f->n * sizeof(*f->v);
	return f;
fail:
	broker_reply_frags_free(f);
	return NULL;
}

void broker_reply_frags_free(struct broker_frags *f)
{
	if (!f)
		return;
	arena_free(&f->text);
	free(f->slots);
	free(f->slot_hash);
	free(f->v);
	free(f);
}

const struct broker_frag *broker_reply_frag(const struct broker_frags *f, size_t index)
{
	if (!f || index >= f->n || !f->v[index].head)
		return NULL;
	return &f->v[index];
}

size_t broker_reply_frags_bytes(const struct broker_frags *f)
{
	return f ? f->bytes : 0;
}

/* Appends src (n bytes) at *p. */
static char *reply_put(char *p, const char *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

#define PUT_LIT(p, lit) ((p) = reply_put((p), (lit), sizeof(lit) - 1))

/* The identity members, all of them validated formats (a MAC, an IP, an
 * RFC 1123 host name, a broker user name) that need no escaping; so is the
 * session token (hex). The token is per answer, so it is added here, after
 * the shared tail: the tail's closing brace (the login tail has none) is
 * written after the members that follow it. */
char *broker_reply_station_session(const struct broker_frag *f, const struct broker_reply_ident *id,
				   const char *user, const char *session, size_t *len)
{
	bool login = user && f->login;
	const char *tail = login ? f->tail_login : f->tail;
	size_t tail_len = login ? f->tail_login_len : f->tail_len;
	size_t mac_len = strlen(id->mac), ip_len = strlen(id->ip);
	size_t host_len = id->hostname ? strlen(id->hostname) : 0;
	size_t user_len = login ? strlen(user) : 0;
	/* Only an answer with the desktop in it starts a session. */
	bool desktop = !f->maintenance && (!f->login || login);
	size_t session_len = desktop && session ? strlen(session) : 0;
	size_t total;
	char *buf, *p;

	total = f->head_len + f->policy_len + tail_len + mac_len + ip_len + host_len + user_len +
		session_len + 80;
	buf = malloc(total);
	if (!buf)
		return NULL;
	p = reply_put(buf, f->head, f->head_len);
	PUT_LIT(p, ",\"mac\":\"");
	p = reply_put(p, id->mac, mac_len);
	PUT_LIT(p, "\",\"ip\":\"");
	p = reply_put(p, id->ip, ip_len);
	if (host_len) {
		PUT_LIT(p, "\",\"hostname\":\"");
		p = reply_put(p, id->hostname, host_len);
	}
	PUT_LIT(p, "\"");
	p = reply_put(p, f->policy, f->policy_len);
	p = reply_put(p, tail, login ? tail_len : tail_len - 1);
	if (login) {
		PUT_LIT(p, ",\"user\":\"");
		p = reply_put(p, user, user_len);
		PUT_LIT(p, "\"");
	}
	if (session_len) {
		PUT_LIT(p, ",\"session\":\"");
		p = reply_put(p, session, session_len);
		PUT_LIT(p, "\"");
	}
	PUT_LIT(p, "}");
	*p = '\0';
	*len = (size_t)(p - buf);
	return buf;
}

char *broker_reply_station(const struct broker_frag *f, const struct broker_reply_ident *id,
			   const char *user, size_t *len)
{
	return broker_reply_station_session(f, id, user, NULL, len);
}

char *broker_reply_station_vv(const struct broker_frag *f, const struct broker_reply_ident *id,
			      const char *user, const char *session, const char *vv, size_t *len)
{
	struct broker_json j;
	size_t n;
	char *base = broker_reply_station_session(f, id, user, session, &n);

	if (!base)
		return NULL;
	/* The reply object is reopened before its closing brace. */
	broker_json_init(&j, n + strlen(vv) + 64);
	broker_json_raw(&j, base, n - 1);
	broker_json_resume(&j);
	broker_json_kv_str(&j, "connection_file", vv);
	broker_json_close(&j);
	explicit_bzero(base, n);
	free(base);
	return broker_json_take(&j, len);
}

static void reply_ident(struct broker_json *j, const struct broker_reply_ident *id)
{
	broker_json_key(j, "station");
	broker_json_open(j);
	broker_json_kv_str(j, "mac", id->mac);
	broker_json_kv_str(j, "ip", id->ip);
	if (id->hostname && id->hostname[0])
		broker_json_kv_str(j, "hostname", id->hostname);
	broker_json_close(j);
}

char *broker_reply_ready_with(const struct st_entry *e, const struct broker_reply_ident *id,
			      const char *user, const char *session,
			      const struct st_endpoint *first, size_t *len)
{
	struct broker_frag f = {.login = user != NULL, .policy = ""};
	char *head, *tail, *out = NULL;

	head = frag_head(e, &f.head_len);
	tail = frag_ready_tail(e, true, !user, first, &f.tail_len, NULL);
	if (head && tail) {
		f.head = head;
		f.tail = f.tail_login = tail;
		f.tail_login_len = f.tail_len;
		out = broker_reply_station_session(&f, id, user, session, len);
	}
	free(head);
	if (tail) {
		/* It holds the one-time password. */
		explicit_bzero(tail, f.tail_len);
		free(tail);
	}
	return out;
}

char *broker_reply_starting(const struct st_entry *e, const struct broker_reply_ident *id,
			    size_t *len)
{
	return broker_reply_starting_queued(e, id, 0, len);
}

char *broker_reply_starting_queued(const struct st_entry *e, const struct broker_reply_ident *id,
				   unsigned queue_position, size_t *len)
{
	struct broker_json j;

	broker_json_init(&j, 512);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", "starting");
	broker_json_kv_str(&j, "message", MSG_STARTING);
	broker_json_key(&j, "station");
	broker_json_open(&j);
	broker_json_kv_str_opt(&j, "name", e->name);
	broker_json_kv_str(&j, "match", e->target.text);
	broker_json_kv_str(&j, "mac", id->mac);
	broker_json_kv_str(&j, "ip", id->ip);
	if (id->hostname && id->hostname[0])
		broker_json_kv_str(&j, "hostname", id->hostname);
	broker_json_close(&j);
	broker_json_kv_uint(&j, "retry_after", BROKER_RETRY_STARTING);
	if (queue_position)
		broker_json_kv_uint(&j, "queue_position", queue_position);
	broker_json_close(&j);
	return broker_json_take(&j, len);
}

char *broker_reply_unknown(const struct broker_reply_ident *id, size_t *len)
{
	struct broker_json j;
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "This station is not registered with the broker. Ask your administrator "
		 "to add it (MAC %s, address %s).",
		 id->mac, id->ip);
	broker_json_init(&j, 512);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", "unknown");
	broker_json_kv_str(&j, "message", msg);
	broker_json_kv_uint(&j, "retry_after", BROKER_RETRY_UNKNOWN);
	reply_ident(&j, id);
	broker_json_close(&j);
	return broker_json_take(&j, len);
}

char *broker_reply_trouble(const char *message, unsigned retry_after, size_t *len)
{
	struct broker_json j;

	broker_json_init(&j, 256);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", "error");
	broker_json_kv_str(&j, "message", message);
	broker_json_kv_uint(&j, "retry_after", retry_after);
	broker_json_close(&j);
	return broker_json_take(&j, len);
}

char *broker_reply_client_error(const char *code, const char *message, unsigned retry_after,
				size_t *len)
{
	struct broker_json j;

	broker_json_init(&j, 256);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", "error");
	broker_json_kv_str(&j, "error", code);
	broker_json_kv_str(&j, "message", message);
	if (retry_after)
		broker_json_kv_uint(&j, "retry_after", retry_after);
	broker_json_close(&j);
	return broker_json_take(&j, len);
}

char *broker_reply_ok(size_t *len)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	char *s = strdup(ok);

	*len = sizeof(ok) - 1;
	return s;
}

struct broker_frags *broker_reply_frags_one(const struct st_entry *e)
{
	struct broker_frags *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->n = 1;
	f->v = calloc(1, sizeof(*f->v));
	if (!f->v || frag_build(f, e, &f->v[0]) < 0) {
		broker_reply_frags_free(f);
		return NULL;
	}
	return f;
}

char *broker_reply_choose(const struct st_entry *e, const struct broker_reply_ident *id,
			  const char *user, const struct broker_reply_choice *v, size_t n,
			  const char *last, size_t *len)
{
	struct broker_json j;

	broker_json_init(&j, 512 + n * 128);
	broker_json_open(&j);
	broker_json_kv_str(&j, "status", "choose");
	broker_json_kv_str(&j, "message", MSG_CHOOSE);
	broker_json_key(&j, "station");
	broker_json_open(&j);
	broker_json_kv_str_opt(&j, "name", e->name);
	broker_json_kv_str(&j, "match", e->target.text);
	broker_json_kv_str(&j, "mac", id->mac);
	broker_json_kv_str(&j, "ip", id->ip);
	if (id->hostname && id->hostname[0])
		broker_json_kv_str(&j, "hostname", id->hostname);
	broker_json_close(&j);
	broker_json_key(&j, "policy");
	frag_policy(&j, e);
	broker_json_kv_str(&j, "user", user);
	broker_json_key(&j, "desktops");
	broker_json_open_array(&j);
	for (size_t i = 0; i < n; i++) {
		broker_json_open(&j);
		broker_json_kv_str(&j, "id", v[i].id);
		broker_json_kv_str(&j, "name", v[i].name ? v[i].name : v[i].id);
		broker_json_kv_str(&j, "state", v[i].state);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_kv_str_opt(&j, "last", last);
	broker_json_close(&j);
	return broker_json_take(&j, len);
}
