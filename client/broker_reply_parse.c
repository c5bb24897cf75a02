/* Broker replies: see broker_reply_parse.h. */
#include "broker_reply_parse.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "usb_filter.h"
#include "vv_file.h"

#define REPLY_DEPTH 8 /* the deepest reply is reply.endpoints[i].field: 4 */

enum {
	STR_REQUIRED = 1 << 0,
	STR_MULTILINE = 1 << 1, /* \n and \t allowed (texts for humans) */
	STR_SECRET = 1 << 2,	/* wipe json-c's copy after taking it */
	STR_RAW = 1 << 3,	/* any text: a parser of its own checks it */
};

/* Where a parse error is reported. */
struct reply_err {
	char *buf;
	size_t len;
};

static int reply_fail(struct reply_err *e, const char *where, const char *what)
{
	snprintf(e->buf, e->len, "%s: %s", where, what);
	return -1;
}

/* No control characters, except line breaks and tabs in texts for humans.
 * The tokener has already checked that the bytes are UTF-8. */
static bool reply_text_ok(const char *s, size_t len, bool multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\t') {
			if (!multiline)
				return false;
		} else if (c < 0x20 || c == 0x7f) {
			return false;
		}
	}
	return true;
}

static bool reply_host_ok(const char *s)
{
	struct ipaddr ip;
	return ip_parse(s, &ip) == 0 || hostname_valid(s);
}

static bool reply_mac_ok(const char *s)
{
	uint8_t mac[6];
	return mac_parse(s, mac) == 0;
}

static bool reply_ip_ok(const char *s)
{
	struct ipaddr ip;
	return ip_parse(s, &ip) == 0;
}

static bool reply_hostname_ok(const char *s)
{
	return hostname_valid(s);
}

/* An error code or a protocol name: [a-z0-9_.+-], 1..64. */
static bool reply_word_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.' || *p == '+' || *p == '-'))
			return false;
	return true;
}

static bool reply_pem_ok(const char *s)
{
	return strstr(s, "-----BEGIN CERTIFICATE-----") != NULL &&
	       strstr(s, "-----END CERTIFICATE-----") != NULL;
}

/* An HTTP proxy URI: http:// or https:// followed by printable, blank-free
 * ASCII. spice-gtk parses the rest. */
static bool reply_proxy_ok(const char *s)
{
	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return strlen(s) > 8;
}

/* Letters, digits, '-' and '_' (hex or base64url): a token goes back to
 * the broker inside JSON and is never shown, so nothing else is needed. */
static bool reply_session_ok(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
			return false;
	return true;
}

static bool reply_usb_filter_ok(const char *s)
{
	struct usb_filter f;
	char err[64];
	return usb_filter_parse(s, &f, err, sizeof(err)) == 0;
}

/* Takes member key of obj as a string. Absent (or JSON null) leaves *out NULL
 * unless STR_REQUIRED. check, when given, validates the form. */
static int reply_str(struct json_object *obj, const char *key, const char *where, size_t max,
		     int flags, bool (*check)(const char *), char **out, struct reply_err *e)
{
	struct json_object *v;
	const char *s;
	size_t len;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (flags & STR_REQUIRED)
			return reply_fail(e, where, "missing");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return reply_fail(e, where, "not a string");
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len > max)
		return reply_fail(e, where, "too long");
	if (strlen(s) != len)
		return reply_fail(e, where, "contains a NUL byte");
	if (!(flags & STR_RAW) && !reply_text_ok(s, len, flags & STR_MULTILINE))
		return reply_fail(e, where, "contains control characters");
	if (check && !check(s))
		return reply_fail(e, where, "malformed");
	*out = strdup(s);
	if (flags & STR_SECRET) {
		/* json-c frees its strings without clearing them; the copy we
		 * keep is wiped by broker_reply_clear, this one now. */
		explicit_bzero((char *)s, len);
	}
	if (!*out)
		return reply_fail(e, where, "out of memory");
	return 0;
}

/* An integer member in [min, max]; *out keeps def when absent. */
static int reply_int(struct json_object *obj, const char *key, const char *where, int64_t min,
		     int64_t max, int64_t *out, struct reply_err *e)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return reply_fail(e, where, "not an integer");
	n = json_object_get_int64(v);
	/* json-c saturates out-of-range numbers at INT64_MIN/MAX. */
	if (n < min || n > max)
		return reply_fail(e, where, "out of range");
	*out = n;
	return 0;
}

/* An optional object member: *out is NULL when absent. */
static int reply_obj(struct json_object *obj, const char *key, const char *where,
		     struct json_object **out, struct reply_err *e)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out) ||
	    json_object_is_type(*out, json_type_null)) {
		*out = NULL;
		return 0;
	}
	if (!json_object_is_type(*out, json_type_object))
		return reply_fail(e, where, "not an object");
	return 0;
}

static const struct {
	const char *name;
	enum broker_status status;
} reply_statuses[] = {
    {"ready", BROKER_STATUS_READY},
    {"starting", BROKER_STATUS_STARTING},
    {"maintenance", BROKER_STATUS_MAINTENANCE},
    {"unknown", BROKER_STATUS_UNKNOWN},
    {"error", BROKER_STATUS_ERROR},
    {"ok", BROKER_STATUS_OK},
};

const char *broker_status_name(enum broker_status s)
{
	for (size_t i = 0; i < sizeof(reply_statuses) / sizeof(reply_statuses[0]); i++)
		if (reply_statuses[i].status == s)
			return reply_statuses[i].name;
	return "?";
}

const char *broker_protocol_name(enum broker_protocol p)
{
	switch (p) {
	case BROKER_PROTO_SPICE:
		return "spice";
	case BROKER_PROTO_RDP:
		return "rdp";
	case BROKER_PROTO_VNC:
		return "vnc";
	case BROKER_PROTO_OTHER:
		break;
	}
	return "other";
}

static int reply_endpoint(struct json_object *o, size_t i, struct broker_endpoint *ep,
			  struct reply_err *e)
{
	char where[64];
	int64_t port = 0, tls_port = 0;

#define EP_WHERE(field) (snprintf(where, sizeof(where), "endpoints[%zu].%s", i, field), where)
	if (!json_object_is_type(o, json_type_object))
		return reply_fail(e, (snprintf(where, sizeof(where), "endpoints[%zu]", i), where),
				  "not an object");
	if (reply_str(o, "protocol", EP_WHERE("protocol"), 64, STR_REQUIRED, reply_word_ok,
		      &ep->protocol_name, e) < 0)
		return -1;
	if (strcmp(ep->protocol_name, "spice") == 0)
		ep->protocol = BROKER_PROTO_SPICE;
	else if (strcmp(ep->protocol_name, "rdp") == 0)
		ep->protocol = BROKER_PROTO_RDP;
	else if (strcmp(ep->protocol_name, "vnc") == 0)
		ep->protocol = BROKER_PROTO_VNC;
	else
		ep->protocol = BROKER_PROTO_OTHER;
	if (reply_str(o, "host", EP_WHERE("host"), HOSTNAME_MAX, STR_REQUIRED, reply_host_ok,
		      &ep->host, e) < 0 ||
	    reply_int(o, "port", EP_WHERE("port"), 1, 65535, &port, e) < 0 ||
	    reply_int(o, "tls_port", EP_WHERE("tls_port"), 1, 65535, &tls_port, e) < 0 ||
	    reply_str(o, "password", EP_WHERE("password"), BROKER_REPLY_SECRET_MAX, STR_SECRET,
		      NULL, &ep->password, e) < 0 ||
	    reply_str(o, "ca", EP_WHERE("ca"), BROKER_REPLY_CA_MAX, STR_MULTILINE, reply_pem_ok,
		      &ep->ca, e) < 0 ||
	    reply_str(o, "host_subject", EP_WHERE("host_subject"), 1024, 0, NULL, &ep->host_subject,
		      e) < 0 ||
	    reply_str(o, "proxy", EP_WHERE("proxy"), 1024, 0, reply_proxy_ok, &ep->proxy, e) < 0)
		return -1;
	ep->port = (unsigned)port;
	ep->tls_port = (unsigned)tls_port;
	if (ep->protocol == BROKER_PROTO_SPICE && !ep->port && !ep->tls_port)
		return reply_fail(e, EP_WHERE("port"), "spice needs port or tls_port");
#undef EP_WHERE
	return 0;
}

static int reply_endpoints(struct json_object *root, struct broker_reply *r, struct reply_err *e)
{
	struct json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "endpoints", &arr) ||
	    json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return reply_fail(e, "endpoints", "not an array");
	n = json_object_array_length(arr);
	if (n > BROKER_REPLY_MAX_EP)
		return reply_fail(e, "endpoints", "too many");
	if (n == 0)
		return 0;
	r->endpoints = calloc(n, sizeof(*r->endpoints));
	if (!r->endpoints)
		return reply_fail(e, "endpoints", "out of memory");
	for (size_t i = 0; i < n; i++) {
		/* Counted before parsing, so a half-parsed endpoint is freed. */
		r->n_endpoints = i + 1;
		if (reply_endpoint(json_object_array_get_idx(arr, i), i, &r->endpoints[i], e) < 0)
			return -1;
	}
	return 0;
}

static int reply_policy(struct json_object *root, struct broker_reply *r, struct reply_err *e)
{
	struct json_object *pol, *usb, *v;
	char *login = NULL;
	int ret = -1;

	if (reply_obj(root, "policy", "policy", &pol, e) < 0)
		return -1;
	if (!pol)
		return 0;
	r->has_policy = true;
	if (reply_str(pol, "login", "policy.login", 16, 0, NULL, &login, e) < 0)
		goto cleanup;
	if (!login || strcmp(login, "none") == 0) {
		r->policy.login = BROKER_LOGIN_NONE;
	} else if (strcmp(login, "broker") == 0) {
		r->policy.login = BROKER_LOGIN_BROKER;
	} else {
		reply_fail(e, "policy.login", "neither none nor broker");
		goto cleanup;
	}
	if (json_object_object_get_ex(pol, "autoconnect", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			reply_fail(e, "policy.autoconnect", "not a boolean");
			goto cleanup;
		}
		r->policy.autoconnect = json_object_get_boolean(v);
	}
	/* Single sign-on: off unless the broker's mapping allows it (the
	 * login would otherwise reach any desktop server the mapping names).
	 * It only matters for logins through the broker. */
	r->policy.sso = false;
	if (json_object_object_get_ex(pol, "sso", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			reply_fail(e, "policy.sso", "not a boolean");
			goto cleanup;
		}
		r->policy.sso = json_object_get_boolean(v);
	}
	if (reply_obj(pol, "usb", "policy.usb", &usb, e) < 0)
		goto cleanup;
	if (usb && (reply_str(usb, "auto_redirect", "policy.usb.auto_redirect", USB_FILTER_MAX_LEN,
			      0, reply_usb_filter_ok, &r->policy.usb_auto_redirect, e) < 0 ||
		    reply_str(usb, "deny", "policy.usb.deny", USB_FILTER_MAX_LEN, 0,
			      reply_usb_filter_ok, &r->policy.usb_deny, e) < 0))
		goto cleanup;
	if (reply_str(pol, "screen_text", "policy.screen_text", BROKER_REPLY_TEXT_MAX,
		      STR_MULTILINE, NULL, &r->policy.screen_text, e) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(login);
	return ret;
}

static int reply_station(struct json_object *root, struct broker_reply *r, struct reply_err *e)
{
	struct json_object *st;

	if (reply_obj(root, "station", "station", &st, e) < 0)
		return -1;
	if (!st)
		return 0;
	if (reply_str(st, "mac", "station.mac", MAC_STR_LEN, 0, reply_mac_ok, &r->station.mac, e) <
		0 ||
	    reply_str(st, "ip", "station.ip", IP_STR_LEN, 0, reply_ip_ok, &r->station.ip, e) < 0 ||
	    reply_str(st, "hostname", "station.hostname", HOSTNAME_MAX, 0, reply_hostname_ok,
		      &r->station.hostname, e) < 0 ||
	    reply_str(st, "name", "station.name", 255, 0, NULL, &r->station.name, e) < 0 ||
	    reply_str(st, "match", "station.match", 1024, 0, NULL, &r->station.match, e) < 0)
		return -1;
	return 0;
}

static int reply_status(struct json_object *root, struct broker_reply *r, struct reply_err *e)
{
	char *status = NULL;
	size_t i;

	if (reply_str(root, "status", "status", 32, STR_REQUIRED, NULL, &status, e) < 0)
		return -1;
	for (i = 0; i < sizeof(reply_statuses) / sizeof(reply_statuses[0]); i++)
		if (strcmp(status, reply_statuses[i].name) == 0)
			break;
	free(status);
	if (i == sizeof(reply_statuses) / sizeof(reply_statuses[0]))
		return reply_fail(e, "status", "not a known status");
	r->status = reply_statuses[i].status;
	return 0;
}

/* "connection_file": a virt-viewer file whose desktop goes first. */
static int reply_connection_file(struct json_object *root, struct broker_reply *r,
				 struct reply_err *e)
{
	char *text = NULL, why[VV_FILE_ERR_MAX];
	size_t len;
	int ret;

	if (reply_str(root, "connection_file", "connection_file", BROKER_REPLY_VV_MAX,
		      STR_RAW | STR_SECRET, NULL, &text, e) < 0)
		return -1;
	if (!text)
		return 0;
	len = strlen(text);
	ret = broker_reply_add_vv(r, text, len, NULL, why, sizeof(why));
	explicit_bzero(text, len);
	free(text);
	if (ret < 0)
		return reply_fail(e, "connection_file", why);
	return 0;
}

static int reply_parse_root(struct json_object *root, struct broker_reply *r, struct reply_err *e)
{
	int64_t retry = -1, queue = 0;

	if (!json_object_is_type(root, json_type_object))
		return reply_fail(e, "reply", "not a JSON object");
	if (reply_status(root, r, e) < 0 ||
	    reply_str(root, "message", "message", BROKER_REPLY_TEXT_MAX, STR_MULTILINE, NULL,
		      &r->message, e) < 0 ||
	    reply_str(root, "error", "error", 64, 0, reply_word_ok, &r->error, e) < 0 ||
	    reply_int(root, "retry_after", "retry_after", 0, BROKER_REPLY_RETRY_MAX, &retry, e) <
		0 ||
	    reply_int(root, "queue_position", "queue_position", 1, BROKER_REPLY_QUEUE_MAX, &queue,
		      e) < 0 ||
	    reply_station(root, r, e) < 0 || reply_policy(root, r, e) < 0 ||
	    reply_endpoints(root, r, e) < 0 || reply_connection_file(root, r, e) < 0 ||
	    reply_str(root, "user", "user", 64, 0, NULL, &r->user, e) < 0 ||
	    reply_str(root, "session", "session", BROKER_REPLY_SESSION_MAX, STR_SECRET,
		      reply_session_ok, &r->session, e) < 0)
		return -1;
	r->retry_after = (int)retry;
	r->queue_position = (unsigned)queue;
	/* A ready reply must say how the station behaves. */
	if (r->status == BROKER_STATUS_READY && !r->has_policy)
		return reply_fail(e, "policy", "missing from a ready reply");
	return 0;
}

int broker_reply_parse(const char *data, size_t len, struct broker_reply *out, char *err,
		       size_t errlen)
{
	struct reply_err e = {err, errlen};
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	if (errlen)
		err[0] = '\0';
	if (len == 0) {
		reply_fail(&e, "reply", "empty");
		goto cleanup;
	}
	if (len > BROKER_REPLY_MAX) {
		reply_fail(&e, "reply", "too large");
		goto cleanup;
	}
	if (memchr(data, '\0', len)) {
		reply_fail(&e, "reply", "contains a NUL byte");
		goto cleanup;
	}
	tok = json_tokener_new_ex(REPLY_DEPTH);
	if (!tok) {
		reply_fail(&e, "reply", "out of memory");
		goto cleanup;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, data, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		reply_fail(&e, "reply",
			   je == json_tokener_continue ? "truncated JSON"
						       : json_tokener_error_desc(je));
		goto cleanup;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (data[i] != ' ' && data[i] != '\n' && data[i] != '\r' && data[i] != '\t') {
			reply_fail(&e, "reply", "trailing data after the JSON object");
			goto cleanup;
		}
	}
	if (reply_parse_root(root, out, &e) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (ret < 0)
		broker_reply_clear(out);
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	return ret;
}

/* Replaces *field with a copy of value. 0 or -1. */
static int reply_set(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

int broker_reply_add_vv(struct broker_reply *r, const char *text, size_t len,
			bool *delete_this_file, char *err, size_t errlen)
{
	struct vv_file vv;
	struct broker_endpoint ep = {0};
	struct broker_endpoint *eps;
	struct usb_filter filter;
	char why[96];
	int ret = -1;

	if (vv_file_parse(text, len, &vv, err, errlen) < 0)
		return -1;
	if (vv.usb_filter && usb_filter_parse(vv.usb_filter, &filter, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "vv file: usb-filter: %s", why);
		goto cleanup;
	}
	if (r->n_endpoints >= BROKER_REPLY_MAX_EP) {
		snprintf(err, errlen, "vv file: too many endpoints with the reply's own");
		goto cleanup;
	}
	ep.protocol = vv.type == VV_TYPE_VNC ? BROKER_PROTO_VNC : BROKER_PROTO_SPICE;
	ep.protocol_name = strdup(vv_type_name(vv.type));
	ep.port = vv.port;
	ep.tls_port = vv.tls_port;
	/* Moved, not copied: the password exists once. */
	ep.host = vv.host;
	ep.password = vv.password;
	ep.ca = vv.ca;
	ep.host_subject = vv.host_subject;
	ep.proxy = vv.proxy;
	vv.host = vv.password = vv.ca = vv.host_subject = vv.proxy = NULL;
	eps = ep.protocol_name ? calloc(r->n_endpoints + 1, sizeof(*eps)) : NULL;
	if (!eps) {
		snprintf(err, errlen, "vv file: out of memory");
		goto cleanup;
	}
	/* The policy first: nothing below may fail half-way. */
	if ((vv.usbredir == 0 || vv.usb_autoshare == 0) &&
	    reply_set(&r->policy.usb_auto_redirect, BROKER_REPLY_USB_NONE) < 0)
		goto oom;
	else if (vv.usbredir != 0 && vv.usb_autoshare != 0 && vv.usb_filter &&
		 reply_set(&r->policy.usb_auto_redirect, vv.usb_filter) < 0)
		goto oom;
	if (vv.usbredir == 0 && reply_set(&r->policy.usb_deny, BROKER_REPLY_USB_NONE) < 0)
		goto oom;
	if (vv.title && !r->station.name && reply_set(&r->station.name, vv.title) < 0)
		goto oom;
	eps[0] = ep;
	memset(&ep, 0, sizeof(ep));
	if (r->n_endpoints)
		memcpy(eps + 1, r->endpoints, r->n_endpoints * sizeof(*eps));
	free(r->endpoints);
	r->endpoints = eps;
	r->n_endpoints++;
	if (delete_this_file)
		*delete_this_file = vv.delete_this_file;
	ret = 0;
	goto cleanup;
oom:
	free(eps);
	snprintf(err, errlen, "vv file: out of memory");
cleanup:
	broker_endpoint_clear(&ep);
	vv_file_clear(&vv);
	return ret;
}

static void reply_free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void broker_endpoint_clear(struct broker_endpoint *ep)
{
	free(ep->protocol_name);
	free(ep->host);
	reply_free_secret(ep->password);
	free(ep->ca);
	free(ep->host_subject);
	free(ep->proxy);
	memset(ep, 0, sizeof(*ep));
}

static int reply_dup(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

int broker_endpoint_copy(const struct broker_endpoint *src, struct broker_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->protocol = src->protocol;
	out->port = src->port;
	out->tls_port = src->tls_port;
	if (reply_dup(src->protocol_name, &out->protocol_name) < 0 ||
	    reply_dup(src->host, &out->host) < 0 || reply_dup(src->password, &out->password) < 0 ||
	    reply_dup(src->ca, &out->ca) < 0 ||
	    reply_dup(src->host_subject, &out->host_subject) < 0 ||
	    reply_dup(src->proxy, &out->proxy) < 0) {
		broker_endpoint_clear(out);
		return -1;
	}
	return 0;
}

void broker_reply_clear(struct broker_reply *r)
{
	free(r->message);
	free(r->error);
	free(r->station.mac);
	free(r->station.ip);
	free(r->station.hostname);
	free(r->station.name);
	free(r->station.match);
	free(r->policy.usb_auto_redirect);
	free(r->policy.usb_deny);
	free(r->policy.screen_text);
	for (size_t i = 0; i < r->n_endpoints; i++)
		broker_endpoint_clear(&r->endpoints[i]);
	free(r->endpoints);
	free(r->user);
	reply_free_secret(r->session);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}
