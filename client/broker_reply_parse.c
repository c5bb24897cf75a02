/* Broker replies: see broker_reply_parse.h. This file holds the reply's
 * top level, its station and endpoints, and freeing a reply; the members
 * are read by broker_reply_json.c, the policy by broker_reply_policy.c and
 * a connection file is applied by broker_reply_vv.c. */
#include "broker_reply_parse.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_reply_desktops.h"
#include "broker_reply_json.h"
#include "broker_reply_policy.h"
#include "netaddr.h"
#include "vv_file.h"

#define REPLY_DEPTH 8 /* the deepest reply is reply.endpoints[i].field: 4 */

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
    {"choose", BROKER_STATUS_CHOOSE},
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
			  struct broker_reply_err *e)
{
	char where[64];
	int64_t port = 0, tls_port = 0;

#define EP_WHERE(field) (snprintf(where, sizeof(where), "endpoints[%zu].%s", i, field), where)
	if (!json_object_is_type(o, json_type_object))
		return broker_reply_json_fail(
		    e, (snprintf(where, sizeof(where), "endpoints[%zu]", i), where),
		    "not an object");
	if (broker_reply_json_str(o, "protocol", EP_WHERE("protocol"), 64, REPLY_STR_REQUIRED,
				  reply_word_ok, &ep->protocol_name, e) < 0)
		return -1;
	if (strcmp(ep->protocol_name, "spice") == 0)
		ep->protocol = BROKER_PROTO_SPICE;
	else if (strcmp(ep->protocol_name, "rdp") == 0)
		ep->protocol = BROKER_PROTO_RDP;
	else if (strcmp(ep->protocol_name, "vnc") == 0)
		ep->protocol = BROKER_PROTO_VNC;
	else
		ep->protocol = BROKER_PROTO_OTHER;
	if (broker_reply_json_str(o, "host", EP_WHERE("host"), HOSTNAME_MAX, REPLY_STR_REQUIRED,
				  reply_host_ok, &ep->host, e) < 0 ||
	    broker_reply_json_int(o, "port", EP_WHERE("port"), 1, 65535, &port, e) < 0 ||
	    broker_reply_json_int(o, "tls_port", EP_WHERE("tls_port"), 1, 65535, &tls_port, e) <
		0 ||
	    broker_reply_json_str(o, "password", EP_WHERE("password"), BROKER_REPLY_SECRET_MAX,
				  REPLY_STR_SECRET, NULL, &ep->password, e) < 0 ||
	    broker_reply_json_str(o, "ca", EP_WHERE("ca"), BROKER_REPLY_CA_MAX, REPLY_STR_MULTILINE,
				  reply_pem_ok, &ep->ca, e) < 0 ||
	    broker_reply_json_str(o, "host_subject", EP_WHERE("host_subject"), 1024, 0, NULL,
				  &ep->host_subject, e) < 0 ||
	    broker_reply_json_str(o, "proxy", EP_WHERE("proxy"), 1024, 0, reply_proxy_ok,
				  &ep->proxy, e) < 0)
		return -1;
	ep->port = (unsigned)port;
	ep->tls_port = (unsigned)tls_port;
	if (ep->protocol == BROKER_PROTO_SPICE && !ep->port && !ep->tls_port)
		return broker_reply_json_fail(e, EP_WHERE("port"), "spice needs port or tls_port");
#undef EP_WHERE
	return 0;
}

static int reply_endpoints(struct json_object *root, struct broker_reply *r,
			   struct broker_reply_err *e)
{
	struct json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "endpoints", &arr) ||
	    json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return broker_reply_json_fail(e, "endpoints", "not an array");
	n = json_object_array_length(arr);
	if (n > BROKER_REPLY_MAX_EP)
		return broker_reply_json_fail(e, "endpoints", "too many");
	if (n == 0)
		return 0;
	r->endpoints = calloc(n, sizeof(*r->endpoints));
	if (!r->endpoints)
		return broker_reply_json_fail(e, "endpoints", "out of memory");
	for (size_t i = 0; i < n; i++) {
		/* Counted before parsing, so a half-parsed endpoint is freed. */
		r->n_endpoints = i + 1;
		if (reply_endpoint(json_object_array_get_idx(arr, i), i, &r->endpoints[i], e) < 0)
			return -1;
	}
	return 0;
}

static int reply_station(struct json_object *root, struct broker_reply *r,
			 struct broker_reply_err *e)
{
	struct json_object *st;

	if (broker_reply_json_obj(root, "station", "station", &st, e) < 0)
		return -1;
	if (!st)
		return 0;
	if (broker_reply_json_str(st, "mac", "station.mac", MAC_STR_LEN, 0, reply_mac_ok,
				  &r->station.mac, e) < 0 ||
	    broker_reply_json_str(st, "ip", "station.ip", IP_STR_LEN, 0, reply_ip_ok,
				  &r->station.ip, e) < 0 ||
	    broker_reply_json_str(st, "hostname", "station.hostname", HOSTNAME_MAX, 0,
				  reply_hostname_ok, &r->station.hostname, e) < 0 ||
	    broker_reply_json_str(st, "name", "station.name", 255, 0, NULL, &r->station.name, e) <
		0 ||
	    broker_reply_json_str(st, "match", "station.match", 1024, 0, NULL, &r->station.match,
				  e) < 0)
		return -1;
	return 0;
}

static int reply_status(struct json_object *root, struct broker_reply *r,
			struct broker_reply_err *e)
{
	char *status = NULL;
	size_t i;

	if (broker_reply_json_str(root, "status", "status", 32, REPLY_STR_REQUIRED, NULL, &status,
				  e) < 0)
		return -1;
	for (i = 0; i < sizeof(reply_statuses) / sizeof(reply_statuses[0]); i++)
		if (strcmp(status, reply_statuses[i].name) == 0)
			break;
	free(status);
	if (i == sizeof(reply_statuses) / sizeof(reply_statuses[0]))
		return broker_reply_json_fail(e, "status", "not a known status");
	r->status = reply_statuses[i].status;
	return 0;
}

/* "connection_file": a virt-viewer file whose desktop goes first. */
static int reply_connection_file(struct json_object *root, struct broker_reply *r,
				 struct broker_reply_err *e)
{
	char *text = NULL, why[VV_FILE_ERR_MAX];
	size_t len;
	int ret;

	if (broker_reply_json_str(root, "connection_file", "connection_file", BROKER_REPLY_VV_MAX,
				  REPLY_STR_RAW | REPLY_STR_SECRET, NULL, &text, e) < 0)
		return -1;
	if (!text)
		return 0;
	len = strlen(text);
	ret = broker_reply_add_vv(r, text, len, NULL, why, sizeof(why));
	explicit_bzero(text, len);
	free(text);
	if (ret < 0)
		return broker_reply_json_fail(e, "connection_file", why);
	return 0;
}

static int reply_parse_root(struct json_object *root, struct broker_reply *r,
			    struct broker_reply_err *e)
{
	int64_t retry = -1, queue = 0;

	if (!json_object_is_type(root, json_type_object))
		return broker_reply_json_fail(e, "reply", "not a JSON object");
	if (reply_status(root, r, e) < 0 ||
	    broker_reply_json_str(root, "message", "message", BROKER_REPLY_TEXT_MAX,
				  REPLY_STR_MULTILINE, NULL, &r->message, e) < 0 ||
	    broker_reply_json_str(root, "error", "error", 64, 0, reply_word_ok, &r->error, e) < 0 ||
	    broker_reply_json_int(root, "retry_after", "retry_after", 0, BROKER_REPLY_RETRY_MAX,
				  &retry, e) < 0 ||
	    broker_reply_json_int(root, "queue_position", "queue_position", 1,
				  BROKER_REPLY_QUEUE_MAX, &queue, e) < 0 ||
	    reply_station(root, r, e) < 0 || broker_reply_policy_parse(root, r, e) < 0 ||
	    reply_endpoints(root, r, e) < 0 || reply_connection_file(root, r, e) < 0 ||
	    broker_reply_json_str(root, "user", "user", 64, 0, NULL, &r->user, e) < 0 ||
	    broker_reply_json_str(root, "session", "session", BROKER_REPLY_SESSION_MAX,
				  REPLY_STR_SECRET, reply_session_ok, &r->session, e) < 0 ||
	    broker_reply_desktops_parse(root, r, e) < 0)
		return -1;
	r->retry_after = (int)retry;
	r->queue_position = (unsigned)queue;
	/* A ready reply must say how the station behaves. */
	if (r->status == BROKER_STATUS_READY && !r->has_policy)
		return broker_reply_json_fail(e, "policy", "missing from a ready reply");
	return 0;
}

int broker_reply_parse(const char *data, size_t len, struct broker_reply *out, char *err,
		       size_t errlen)
{
	struct broker_reply_err e = {err, errlen};
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	if (errlen)
		err[0] = '\0';
	if (len == 0) {
		broker_reply_json_fail(&e, "reply", "empty");
		goto cleanup;
	}
	if (len > BROKER_REPLY_MAX) {
		broker_reply_json_fail(&e, "reply", "too large");
		goto cleanup;
	}
	if (memchr(data, '\0', len)) {
		broker_reply_json_fail(&e, "reply", "contains a NUL byte");
		goto cleanup;
	}
	tok = json_tokener_new_ex(REPLY_DEPTH);
	if (!tok) {
		broker_reply_json_fail(&e, "reply", "out of memory");
		goto cleanup;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, data, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		broker_reply_json_fail(&e, "reply",
				       je == json_tokener_continue ? "truncated JSON"
								   : json_tokener_error_desc(je));
		goto cleanup;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (data[i] != ' ' && data[i] != '\n' && data[i] != '\r' && data[i] != '\t') {
			broker_reply_json_fail(&e, "reply", "trailing data after the JSON object");
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
	broker_reply_desktops_clear(r);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}
