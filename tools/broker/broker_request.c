/* Request body parsing: see broker_request.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "broker_request.h"
#include "utf8.h"

/* Station bodies are flat objects; anything deeper is not ours. Keeping the
 * depth small also bounds json-c's work on hostile nesting. */
#define REQUEST_JSON_DEPTH 8

static int req_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int req_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* json-c accepts NaN and Infinity even in strict mode; JSON has neither. */
static bool req_finite(json_object *v)
{
	struct json_object_iterator it, end;
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_double:
		return isfinite(json_object_get_double(v));
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (!req_finite(json_object_array_get_idx(v, i)))
				return false;
		}
		return true;
	case json_type_object:
		it = json_object_iter_begin(v);
		end = json_object_iter_end(v);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			if (!req_finite(json_object_iter_peek_value(&it)))
				return false;
		}
		return true;
	default:
		return true;
	}
}

/* Parses the body into a JSON object. *out is NULL on failure. */
static int req_parse_object(const char *body, size_t len, json_object **out, char *err,
			    size_t errlen)
{
	json_tokener *tok = NULL;
	json_object *obj = NULL;
	size_t end;
	int rc = -1;

	*out = NULL;
	if (len == 0) {
		req_fail(err, errlen, "body: empty");
		goto cleanup;
	}
	if (len > BROKER_BODY_MAX) {
		req_fail(err, errlen, "body: larger than %d bytes", BROKER_BODY_MAX);
		goto cleanup;
	}
	/* json-c stops at a NUL byte; a body with one is not JSON. Its UTF-8
	 * check lets overlong forms, surrogates and code points above
	 * U+10FFFF through, so the whole body is checked strictly first:
	 * JSON text is UTF-8, and these are not. */
	if (memchr(body, '\0', len) || !utf8_valid(body, len)) {
		req_fail(err, errlen, "body: not valid JSON");
		goto cleanup;
	}
	tok = json_tokener_new_ex(REQUEST_JSON_DEPTH);
	if (!tok) {
		req_fail(err, errlen, "body: out of memory");
		goto cleanup;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	/* A bare number only ends at a delimiter; give it one, so that "42"
	 * is refused for what it is (not an object), like any other value. */
	end = json_tokener_get_parse_end(tok);
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue) {
		obj = json_tokener_parse_ex(tok, " ", 1);
		end = len;
	}
	if (json_tokener_get_error(tok) != json_tokener_success) {
		req_fail(err, errlen, "body: not valid JSON");
		goto cleanup;
	}
	/* Trailing white space is fine, anything else is a second value. */
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", body[end])) {
			req_fail(err, errlen, "body: not valid JSON");
			goto cleanup;
		}
	}
	if (!req_finite(obj)) {
		req_fail(err, errlen, "body: not valid JSON");
		goto cleanup;
	}
	/* (A JSON null is a NULL object to json-c.) */
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		req_fail(err, errlen, "body: not a JSON object");
		goto cleanup;
	}
	*out = obj;
	obj = NULL;
	rc = 0;
cleanup:
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	return rc;
}

/* A string field. Returns 1 when present, 0 when absent (or null), -1 on a
 * type or length error. Strings with a NUL inside are refused: every later
 * consumer is C. */
static int req_string(json_object *obj, const char *key, const char **val, size_t *vlen, size_t max,
		      char *err, size_t errlen)
{
	json_object *f;
	const char *s;
	int n;

	*val = NULL;
	*vlen = 0;
	if (!json_object_object_get_ex(obj, key, &f) || json_object_is_type(f, json_type_null))
		return 0;
	if (!json_object_is_type(f, json_type_string))
		return req_fail(err, errlen, "%s: must be a string", key);
	s = json_object_get_string(f);
	n = json_object_get_string_len(f);
	if (n < 0 || strlen(s) != (size_t)n)
		return req_fail(err, errlen, "%s: contains a NUL character", key);
	if ((size_t)n > max)
		return req_fail(err, errlen, "%s: longer than %zu bytes", key, max);
	/* \u escapes are decoded by json-c after the body check: a lone
	 * surrogate ("\ud800") comes out as bytes that are not UTF-8. */
	if (!utf8_valid(s, (size_t)n))
		return req_fail(err, errlen, "%s: not valid UTF-8", key);
	*val = s;
	*vlen = (size_t)n;
	return 1;
}

/* Printable ASCII only: versions and the like end up in logs and admin
 * views, where control characters have no business. */
static bool req_printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	}
	return true;
}

/* UTF-8 text without control characters: no C0 or DEL, no C1 (U+0085,
 * the 8-bit CSI U+009B) and no U+2028/2029, which some readers take as a
 * new line. */
static bool req_text(const char *s, size_t n)
{
	return utf8_text_clean(s, n);
}

static int req_ident(json_object *obj, struct broker_ident *id, char *err, size_t errlen)
{
	const char *s;
	size_t n;
	int r;

	r = req_string(obj, "mac", &s, &n, 64, err, errlen);
	if (r < 0)
		return -1;
	if (r == 0)
		return req_fail(err, errlen, "mac: missing");
	if (mac_parse(s, id->mac) < 0)
		return req_fail(err, errlen, "mac: not a MAC address");
	mac_format(id->mac, id->mac_str);

	/* An empty host name is what a station without one naturally sends. */
	id->hostname[0] = '\0';
	r = req_string(obj, "hostname", &s, &n, HOSTNAME_MAX, err, errlen);
	if (r < 0)
		return -1;
	if (r > 0 && n > 0) {
		if (!hostname_valid(s))
			return req_fail(err, errlen, "hostname: not a valid host name");
		memcpy(id->hostname, s, n + 1);
	}
	return 0;
}

int broker_request_parse_lookup(const char *body, size_t len, struct broker_lookup_req *out,
				char *err, size_t errlen)
{
	json_object *obj = NULL;
	const char *s;
	size_t n;
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	if (req_parse_object(body, len, &obj, err, errlen) < 0)
		goto cleanup;
	if (req_ident(obj, &out->id, err, errlen) < 0)
		goto cleanup;
	r = req_string(obj, "version", &s, &n, BROKER_VERSION_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r > 0) {
		if (!req_printable(s, n)) {
			req_fail(err, errlen, "version: must be printable ASCII");
			goto cleanup;
		}
		memcpy(out->version, s, n + 1);
	}
	rc = 0;
cleanup:
	json_object_put(obj);
	return rc;
}

int broker_request_parse_login(const char *body, size_t len, struct broker_login_req *out,
			       char *err, size_t errlen)
{
	json_object *obj = NULL;
	const char *s;
	size_t n;
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	if (req_parse_object(body, len, &obj, err, errlen) < 0)
		goto cleanup;
	if (req_ident(obj, &out->id, err, errlen) < 0)
		goto cleanup;

	r = req_string(obj, "username", &s, &n, USERNAME_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r == 0) {
		req_fail(err, errlen, "username: missing");
		goto cleanup;
	}
	if (!users_name_valid(s)) {
		req_fail(err, errlen, "username: not a valid user name");
		goto cleanup;
	}
	memcpy(out->username, s, n + 1);

	r = req_string(obj, "password", &s, &n, PASSWORD_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r == 0 || n == 0) {
		req_fail(err, errlen, "password: missing");
		goto cleanup;
	}
	memcpy(out->password, s, n + 1);

	r = req_string(obj, "desktop", &s, &n, BROKER_DESKTOP_ID_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r > 0) {
		/* The stations file's desktop names: A-Z a-z 0-9 . _ -. */
		if (n == 0 || s[0] == '.' ||
		    strspn(s,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
			n) {
			req_fail(err, errlen, "desktop: not a desktop name");
			goto cleanup;
		}
		memcpy(out->desktop, s, n + 1);
	}
	rc = 0;
cleanup:
	/* json-c's copy of the password is freed here; its memory is not
	 * ours to wipe, but ours is: failed parses leave nothing behind. */
	json_object_put(obj);
	if (rc < 0)
		broker_request_wipe_login(out);
	return rc;
}

void broker_request_wipe_login(struct broker_login_req *req)
{
	explicit_bzero(req->password, sizeof(req->password));
}

void broker_request_wipe_session(struct broker_session_req *req)
{
	explicit_bzero(req->session, sizeof(req->session));
}

bool broker_request_host_valid(const char *s)
{
	struct ipaddr ip;

	return hostname_valid(s) || ip_parse(s, &ip) == 0;
}

static int req_protocol(const char *s, enum st_protocol *p)
{
	static const enum st_protocol all[] = {ST_PROTO_SPICE, ST_PROTO_RDP, ST_PROTO_VNC};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, st_protocol_name(all[i])) == 0) {
			*p = all[i];
			return 0;
		}
	}
	return -1;
}

/* protocol, host and port: all three or none. */
static int req_endpoint(json_object *obj, struct broker_session_req *out, char *err, size_t errlen)
{
	json_object *f;
	const char *s;
	size_t n;
	int have = 0, r;
	int64_t port;

	r = req_string(obj, "protocol", &s, &n, 16, err, errlen);
	if (r < 0)
		return -1;
	if (r > 0) {
		if (req_protocol(s, &out->protocol) < 0)
			return req_fail(err, errlen, "protocol: must be spice, rdp or vnc");
		have++;
	}
	r = req_string(obj, "host", &s, &n, HOSTNAME_MAX, err, errlen);
	if (r < 0)
		return -1;
	if (r > 0) {
		if (!broker_request_host_valid(s))
			return req_fail(err, errlen, "host: not a host name or IP address");
		memcpy(out->host, s, n + 1);
		have++;
	}
	if (json_object_object_get_ex(obj, "port", &f) && !json_object_is_type(f, json_type_null)) {
		if (!json_object_is_type(f, json_type_int))
			return req_fail(err, errlen, "port: must be an integer 1..65535");
		port = json_object_get_int64(f);
		if (port < 1 || port > 65535)
			return req_fail(err, errlen, "port: must be an integer 1..65535");
		out->port = (unsigned)port;
		have++;
	}
	if (have != 0 && have != 3)
		return req_fail(err, errlen, "%s: missing (protocol, host and port go together)",
				!out->host[0]	 ? "host"
				: out->port == 0 ? "port"
						 : "protocol");
	out->has_endpoint = have == 3;
	return 0;
}

int broker_request_parse_session(const char *body, size_t len, struct broker_session_req *out,
				 char *err, size_t errlen)
{
	json_object *obj = NULL;
	const char *s;
	size_t n;
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	if (req_parse_object(body, len, &obj, err, errlen) < 0)
		goto cleanup;
	if (req_ident(obj, &out->id, err, errlen) < 0)
		goto cleanup;

	r = req_string(obj, "event", &s, &n, 16, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r == 0) {
		req_fail(err, errlen, "event: missing");
		goto cleanup;
	}
	if (strcmp(s, "start") == 0) {
		out->event = BROKER_SESSION_START;
	} else if (strcmp(s, "end") == 0) {
		out->event = BROKER_SESSION_END;
	} else if (strcmp(s, "alive") == 0) {
		out->event = BROKER_SESSION_ALIVE;
	} else {
		req_fail(err, errlen, "event: must be \"start\" or \"end\"");
		goto cleanup;
	}

	if (req_endpoint(obj, out, err, errlen) < 0)
		goto cleanup;
	if (out->event == BROKER_SESSION_START && !out->has_endpoint) {
		req_fail(err, errlen, "protocol: missing (a session start names its endpoint)");
		goto cleanup;
	}

	/* A desktop user name may be a domain account ("CORP\\ann"), so this
	 * is looser than a broker user name: printable ASCII. */
	r = req_string(obj, "user", &s, &n, USERNAME_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r > 0) {
		if (!req_printable(s, n)) {
			req_fail(err, errlen, "user: must be printable ASCII");
			goto cleanup;
		}
		memcpy(out->user, s, n + 1);
	}

	r = req_string(obj, "reason", &s, &n, BROKER_REASON_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r > 0) {
		if (!req_text(s, n)) {
			req_fail(err, errlen, "reason: contains control characters");
			goto cleanup;
		}
		memcpy(out->reason, s, n + 1);
	}

	/* Checked against the station's tokens by the caller: a missing or
	 * wrong one is refused there (403), not here. */
	r = req_string(obj, "session", &s, &n, BROKER_SESSION_MAX, err, errlen);
	if (r < 0)
		goto cleanup;
	if (r > 0)
		memcpy(out->session, s, n + 1);
	rc = 0;
cleanup:
	json_object_put(obj);
	if (rc < 0)
		broker_request_wipe_session(out);
	return rc;
}
