/* libFuzzer target: the broker's request bodies (tools/broker/broker_request.c),
 * the X-Forwarded-For reader (broker_proxy.c) and the JSON writer that echoes
 * what stations send (broker_json.c, broker_reply.c).
 *
 * Each input is tried as a lookup, a login and a session body, and as an
 * X-Forwarded-For header. Beyond "no crash", it checks what the daemon
 * relies on: an accepted identity is canonical and valid, a refusal always
 * says why, and whatever the broker writes back parses as strict JSON. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "broker_json.h"
#include "broker_proxy.h"
#include "broker_reply.h"
#include "broker_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static void must_be_json(char *s, size_t len)
{
	json_tokener *tok;
	json_object *o;

	must(s != NULL);
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	must(o != NULL && json_tokener_get_error(tok) == json_tokener_success);
	json_object_put(o);
	json_tokener_free(tok);
	free(s);
}

static void check_ident(const struct broker_ident *id)
{
	uint8_t mac[6];

	must(strlen(id->mac_str) == MAC_STR_LEN - 1);
	must(mac_parse(id->mac_str, mac) == 0 && memcmp(mac, id->mac, 6) == 0);
	must(id->hostname[0] == '\0' || hostname_valid(id->hostname));
}

static void fuzz_bodies(const char *body, size_t size)
{
	struct broker_lookup_req lr;
	struct broker_login_req li;
	struct broker_session_req sr;
	struct broker_reply_ident rid;
	char err[BROKER_ERR_MAX];
	size_t len;

	err[0] = '\0';
	if (broker_request_parse_lookup(body, size, &lr, err, sizeof(err)) == 0) {
		check_ident(&lr.id);
		rid = (struct broker_reply_ident){lr.id.mac_str, "192.0.2.1", lr.id.hostname};
		must_be_json(broker_reply_unknown(&rid, &len), len);
	} else {
		must(err[0] != '\0');
		must_be_json(broker_reply_client_error("bad_request", err, 0, &len), len);
	}

	err[0] = '\0';
	if (broker_request_parse_login(body, size, &li, err, sizeof(err)) == 0) {
		check_ident(&li.id);
		must(users_name_valid(li.username));
		must(li.password[0] != '\0');
		broker_request_wipe_login(&li);
	} else {
		must(err[0] != '\0' && li.password[0] == '\0');
	}

	err[0] = '\0';
	if (broker_request_parse_session(body, size, &sr, err, sizeof(err)) == 0) {
		check_ident(&sr.id);
		must(sr.event != BROKER_SESSION_START || sr.has_endpoint);
		must(!sr.has_endpoint ||
		     (sr.port >= 1 && sr.port <= 65535 && broker_request_host_valid(sr.host)));
	} else {
		must(err[0] != '\0');
	}
}

static void fuzz_xff(const char *text)
{
	static const char *const trusted_text[] = {"10.0.0.0/8", "fd00::/8", "192.0.2.1"};
	struct broker_cidr trusted[3];
	struct ipaddr peer, out;
	const char *xff[2] = {text, text};
	char err[160];
	size_t i;

	for (i = 0; i < 3; i++)
		must(broker_proxy_parse_cidr(trusted_text[i], &trusted[i], err, sizeof(err)) == 0);
	must(ip_parse("192.0.2.1", &peer) == 0);
	if (broker_proxy_client(&peer, xff, 2, trusted, 3, &out, err, sizeof(err)) < 0)
		must(strncmp(err, "X-Forwarded-For: ", 17) == 0);
	broker_proxy_parse_cidr(text, &trusted[0], err, sizeof(err));
}

static void fuzz_writer(const char *s, size_t size)
{
	struct broker_json j;
	size_t len;

	broker_json_init(&j, 0);
	broker_json_open(&j);
	broker_json_key(&j, "k");
	broker_json_strn(&j, s, size);
	broker_json_close(&j);
	must_be_json(broker_json_take(&j, &len), len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 2 * BROKER_BODY_MAX)
		return 0;
	/* An exact-size copy, so that reading one byte past the body is caught. */
	text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	fuzz_bodies(text, size);
	fuzz_writer(text, size);
	free(text);

	/* Headers arrive NUL-terminated. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_xff(text);
	free(text);
	return 0;
}
