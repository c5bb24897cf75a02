/* Request body parsing (tools/broker/broker_request.c): every accepted and
 * refused form, as tables of body → outcome. */
#include <glib.h>
#include <string.h>

#include "broker_request.h"

struct lookup_case {
	const char *name;
	const char *body;
	int len;	 /* -1: strlen(body) */
	const char *err; /* NULL: must parse */
	const char *mac;
	const char *hostname;
	const char *version;
};

/* Rows that must be refused, with the exact message. */
#define BAD(n, b, e)                                                                               \
	{                                                                                          \
		.name = (n), .body = (b), .len = -1, .err = (e)                                    \
	}

static const struct lookup_case lookup_cases[] = {
    {"minimal", "{\"mac\":\"52:54:00:12:34:56\"}", -1, NULL, "52:54:00:12:34:56", "", ""},
    {"full", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st-01\",\"version\":\"0.1\"}", -1, NULL,
     "52:54:00:12:34:56", "st-01", "0.1"},
    {"dashes and upper case", "{\"mac\":\"52-54-00-AB-CD-EF\"}", -1, NULL, "52:54:00:ab:cd:ef", "",
     ""},
    {"white space around", " \n\t{ \"mac\" : \"52:54:00:12:34:56\" }\r\n ", -1, NULL,
     "52:54:00:12:34:56", "", ""},
    {"unknown fields ignored", "{\"x\":[1,{\"y\":null}],\"mac\":\"52:54:00:12:34:56\"}", -1, NULL,
     "52:54:00:12:34:56", "", ""},
    {"null host name", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":null}", -1, NULL,
     "52:54:00:12:34:56", "", ""},
    {"empty host name", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"\"}", -1, NULL,
     "52:54:00:12:34:56", "", ""},
    {"fqdn", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st-01.lab.example.org\"}", -1, NULL,
     "52:54:00:12:34:56", "st-01.lab.example.org", ""},
    {"utf-8 escape elsewhere", "{\"mac\":\"52:54:00:12:34:56\",\"note\":\"caf\\u00e9\"}", -1, NULL,
     "52:54:00:12:34:56", "", ""},

    BAD("empty", "", "body: empty"),
    BAD("not json", "mac=52:54:00:12:34:56", "body: not valid JSON"),
    BAD("truncated", "{\"mac\":\"52:54:00:12:34:56\"", "body: not valid JSON"),
    BAD("trailing value", "{\"mac\":\"52:54:00:12:34:56\"} {}", "body: not valid JSON"),
    BAD("trailing comma", "{\"mac\":\"52:54:00:12:34:56\",}", "body: not valid JSON"),
    BAD("single quotes", "{'mac':'52:54:00:12:34:56'}", "body: not valid JSON"),
    BAD("comment", "{/*x*/\"mac\":\"52:54:00:12:34:56\"}", "body: not valid JSON"),
    BAD("NaN", "{\"mac\":\"52:54:00:12:34:56\",\"n\":NaN}", "body: not valid JSON"),
    BAD("nested Infinity", "{\"mac\":\"52:54:00:12:34:56\",\"n\":[{\"x\":-Infinity}]}",
	"body: not valid JSON"),
    {.name = "raw NUL",
     .body = "{\"mac\":\"52:54:00:12:34:56\"}\0",
     .len = 28,
     .err = "body: not valid JSON"},
    BAD("invalid utf-8", "{\"mac\":\"52:54:00:12:34:56\",\"h\":\"\xff\"}", "body: not valid JSON"),
    BAD("too deep", "{\"a\":[[[[[[[[[[1]]]]]]]]]],\"mac\":\"52:54:00:12:34:56\"}",
	"body: not valid JSON"),
    BAD("array", "[\"52:54:00:12:34:56\"]", "body: not a JSON object"),
    BAD("number", "42", "body: not a JSON object"),
    BAD("null", "null", "body: not a JSON object"),
    BAD("no mac", "{\"hostname\":\"st-01\"}", "mac: missing"),
    BAD("null mac", "{\"mac\":null}", "mac: missing"),
    BAD("mac number", "{\"mac\":525400123456}", "mac: must be a string"),
    BAD("mac object", "{\"mac\":{}}", "mac: must be a string"),
    BAD("bad mac", "{\"mac\":\"52:54:00:12:34:5G\"}", "mac: not a MAC address"),
    BAD("short mac", "{\"mac\":\"52:54:00:12:34\"}", "mac: not a MAC address"),
    BAD("mixed separators", "{\"mac\":\"52:54-00:12:34:56\"}", "mac: not a MAC address"),
    BAD("mac with space", "{\"mac\":\" 52:54:00:12:34:56\"}", "mac: not a MAC address"),
    BAD("mac NUL escape", "{\"mac\":\"52:54:00:12:34:56\\u0000\"}",
	"mac: contains a NUL character"),
    BAD("long mac",
	"{\"mac\":\"5254001234565254001234565254001234565254001234565254001234565254\"}",
	"mac: not a MAC address"),
    BAD("too long mac",
	"{\"mac\":\"52540012345652540012345652540012345652540012345652540012345652540\"}",
	"mac: longer than 64 bytes"),
    BAD("bad host name", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st_01\"}",
	"hostname: not a valid host name"),
    BAD("host name dash", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st-\"}",
	"hostname: not a valid host name"),
    BAD("host name glob", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st-*\"}",
	"hostname: not a valid host name"),
    BAD("host name number", "{\"mac\":\"52:54:00:12:34:56\",\"hostname\":1}",
	"hostname: must be a string"),
    BAD("version control", "{\"mac\":\"52:54:00:12:34:56\",\"version\":\"1\\t2\"}",
	"version: must be printable ASCII"),
    BAD("version utf-8", "{\"mac\":\"52:54:00:12:34:56\",\"version\":\"v\\u00e9\"}",
	"version: must be printable ASCII"),
    BAD("version long",
	"{\"mac\":\"52:54:00:12:34:56\",\"version\":"
	"\"12345678901234567890123456789012345678901234567890123456789012345\"}",
	"version: longer than 64 bytes"),
};

static void test_lookup(gconstpointer data)
{
	const struct lookup_case *c = data;
	struct broker_lookup_req r;
	char err[BROKER_ERR_MAX] = "";
	size_t len = c->len < 0 ? strlen(c->body) : (size_t)c->len;
	int rc = broker_request_parse_lookup(c->body, len, &r, err, sizeof(err));

	if (c->err) {
		g_assert_cmpint(rc, ==, -1);
		g_assert_cmpstr(err, ==, c->err);
		return;
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpstr(r.id.mac_str, ==, c->mac);
	g_assert_cmpstr(r.id.hostname, ==, c->hostname);
	g_assert_cmpstr(r.version, ==, c->version);
}

static void test_lookup_size(void)
{
	struct broker_lookup_req r;
	char err[BROKER_ERR_MAX];
	GString *s = g_string_new("{\"mac\":\"52:54:00:12:34:56\"");

	while (s->len < BROKER_BODY_MAX - 1)
		g_string_append_c(s, ' ');
	g_string_append_c(s, '}');
	g_assert_cmpuint(s->len, ==, BROKER_BODY_MAX);
	g_assert_cmpint(broker_request_parse_lookup(s->str, s->len, &r, err, sizeof(err)), ==, 0);
	g_string_insert_c(s, 1, ' ');
	g_assert_cmpint(broker_request_parse_lookup(s->str, s->len, &r, err, sizeof(err)), ==, -1);
	g_assert_cmpstr(err, ==, "body: larger than 8192 bytes");
	g_string_free(s, TRUE);
}

struct login_case {
	const char *name;
	const char *body;
	const char *err;
	const char *user;
	const char *password;
};

static const struct login_case login_cases[] = {
    {"ok", "{\"mac\":\"52:54:00:12:34:56\",\"username\":\"ann\",\"password\":\"p w\"}", NULL, "ann",
     "p w"},
    {"unicode password",
     "{\"mac\":\"52:54:00:12:34:56\",\"username\":\"a.b@c-d\",\"password\":"
     "\"gr\\u00fc\\u00dfe\"}",
     NULL, "a.b@c-d",
     "gr\xc3\xbc\xc3\x9f"
     "e"},
    {.name = "no user",
     .body = "{\"mac\":\"52:54:00:12:34:56\",\"password\":\"x\"}",
     .err = "username: missing"},
    {.name = "bad user",
     .body = "{\"mac\":\"52:54:00:12:34:56\",\"username\":\"a b\",\"password\":\"x\"}",
     .err = "username: not a valid user name"},
    {.name = "dash user",
     .body = "{\"mac\":\"52:54:00:12:34:56\",\"username\":\"-a\",\"password\":\"x\"}",
     .err = "username: not a valid user name"},
    {.name = "user number",
     .body = "{\"mac\":\"52:54:00:12:34:56\",\"username\":7,\"password\":\"x\"}",
     .err = "username: must be a string"},
    {.name = "no password",
     .body = "{\"mac\":\"52:54:00:12:34:56\",\"username\":\"ann\"}",
     .err = "password: missing"},
    {.name = "empty password",
     .body = "{\"mac\":\"52:54:00:12:34:56\",\"username\":\"ann\",\"password\":\"\"}",
     .err = "password: missing"},
    {.name = "no mac", .body = "{\"username\":\"ann\",\"password\":\"x\"}", .err = "mac: missing"},
};

static void test_login(gconstpointer data)
{
	const struct login_case *c = data;
	struct broker_login_req r;
	char err[BROKER_ERR_MAX] = "";
	int rc = broker_request_parse_login(c->body, strlen(c->body), &r, err, sizeof(err));

	if (c->err) {
		g_assert_cmpint(rc, ==, -1);
		g_assert_cmpstr(err, ==, c->err);
		g_assert_cmpstr(r.password, ==, "");
		return;
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpstr(r.username, ==, c->user);
	g_assert_cmpstr(r.password, ==, c->password);
	broker_request_wipe_login(&r);
	g_assert_cmpstr(r.password, ==, "");
}

static void test_login_long_password(void)
{
	struct broker_login_req r;
	char err[BROKER_ERR_MAX];
	GString *s =
	    g_string_new("{\"mac\":\"52:54:00:12:34:56\",\"username\":\"ann\",\"password\":\"");
	guint i;

	for (i = 0; i < PASSWORD_MAX; i++)
		g_string_append_c(s, 'p');
	g_string_append(s, "\"}");
	g_assert_cmpint(broker_request_parse_login(s->str, s->len, &r, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(strlen(r.password), ==, PASSWORD_MAX);
	g_string_insert_c(s, s->len - 2, 'p');
	g_assert_cmpint(broker_request_parse_login(s->str, s->len, &r, err, sizeof(err)), ==, -1);
	g_assert_cmpstr(err, ==, "password: longer than 256 bytes");
	g_string_free(s, TRUE);
}

struct session_case {
	const char *name;
	const char *body;
	const char *err;
	enum broker_session_event event;
	bool has_endpoint;
	enum st_protocol protocol;
	const char *host;
	unsigned port;
	const char *user;
	const char *reason;
	const char *session; /* NULL: "" */
};

#define SM "{\"mac\":\"52:54:00:12:34:56\","

static const struct session_case session_cases[] = {
    {"start", SM "\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"10.0.0.5\",\"port\":5900}",
     NULL, BROKER_SESSION_START, true, ST_PROTO_SPICE, "10.0.0.5", 5900, "", "", NULL},
    {"start rdp user",
     SM "\"event\":\"start\",\"protocol\":\"rdp\",\"host\":\"rds.example.org\","
	"\"port\":3389,\"user\":\"CORP\\\\ann\"}",
     NULL, BROKER_SESSION_START, true, ST_PROTO_RDP, "rds.example.org", 3389, "CORP\\ann", "",
     NULL},
    {"start ipv6", SM "\"event\":\"start\",\"protocol\":\"vnc\",\"host\":\"fd00::5\",\"port\":1}",
     NULL, BROKER_SESSION_START, true, ST_PROTO_VNC, "fd00::5", 1, "", "", NULL},
    {"end bare", SM "\"event\":\"end\"}", NULL, BROKER_SESSION_END, false, ST_PROTO_SPICE, "", 0,
     "", "", NULL},
    {"end reason", SM "\"event\":\"end\",\"reason\":\"d\\u00e9connect\\u00e9\"}", NULL,
     BROKER_SESSION_END, false, ST_PROTO_SPICE, "", 0, "",
     "d\xc3\xa9"
     "connect\xc3\xa9",
     NULL},
    {"end with endpoint", SM "\"event\":\"end\",\"protocol\":\"vnc\",\"host\":\"h\",\"port\":5}",
     NULL, BROKER_SESSION_END, true, ST_PROTO_VNC, "h", 5, "", "", NULL},
    /* The token's form is checked against the station's tokens, later:
     * a wrong one is a 403 there, not a 400 here. */
    {"end with token", SM "\"event\":\"end\",\"session\":\"00112233445566778899aabbccddeeff\"}",
     NULL, BROKER_SESSION_END, false, ST_PROTO_SPICE, "", 0, "", "",
     "00112233445566778899aabbccddeeff"},
    {"end with a malformed token", SM "\"event\":\"end\",\"session\":\"nope\"}", NULL,
     BROKER_SESSION_END, false, ST_PROTO_SPICE, "", 0, "", "", "nope"},
    {.name = "token too long",
     .body = SM "\"event\":\"end\",\"session\":\"0123456789012345678901234567890123456789"
		"0123456789012345678901234\"}",
     .err = "session: longer than 64 bytes"},
    {.name = "token not a string",
     .body = SM "\"event\":\"end\",\"session\":12}",
     .err = "session: must be a string"},

    {.name = "no event", .body = SM "\"protocol\":\"spice\"}", .err = "event: missing"},
    {.name = "bad event",
     .body = SM "\"event\":\"Start\"}",
     .err = "event: must be \"start\" or \"end\""},
    {.name = "start bare",
     .body = SM "\"event\":\"start\"}",
     .err = "protocol: missing (a session start names its endpoint)"},
    {.name = "no port",
     .body = SM "\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"h\"}",
     .err = "port: missing (protocol, host and port go together)"},
    {.name = "no host",
     .body = SM "\"event\":\"start\",\"protocol\":\"spice\",\"port\":1}",
     .err = "host: missing (protocol, host and port go together)"},
    {.name = "no protocol",
     .body = SM "\"event\":\"end\",\"host\":\"h\",\"port\":1}",
     .err = "protocol: missing (protocol, host and port go together)"},
    {.name = "port zero",
     .body = SM "\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"h\",\"port\":0}",
     .err = "port: must be an integer 1..65535"},
    {.name = "port big",
     .body = SM "\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"h\",\"port\":65536}",
     .err = "port: must be an integer 1..65535"},
    {.name = "port float",
     .body = SM "\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"h\",\"port\":59.5}",
     .err = "port: must be an integer 1..65535"},
    {.name = "port huge",
     .body = SM "\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"h\","
		"\"port\":99999999999999999999999}",
     .err = "port: must be an integer 1..65535"},
    {.name = "bad protocol",
     .body = SM "\"event\":\"start\",\"protocol\":\"SPICE\",\"host\":\"h\",\"port\":1}",
     .err = "protocol: must be spice, rdp or vnc"},
    {.name = "bad host",
     .body = SM "\"event\":\"start\",\"protocol\":\"vnc\",\"host\":\"h/x\",\"port\":1}",
     .err = "host: not a host name or IP address"},
    {.name = "user control",
     .body = SM "\"event\":\"start\",\"protocol\":\"vnc\",\"host\":\"h\",\"port\":1,"
		"\"user\":\"a\\nb\"}",
     .err = "user: must be printable ASCII"},
    {.name = "reason control",
     .body = SM "\"event\":\"end\",\"reason\":\"a\\u001bb\"}",
     .err = "reason: contains control characters"},
};

static void test_session(gconstpointer data)
{
	const struct session_case *c = data;
	struct broker_session_req r;
	char err[BROKER_ERR_MAX] = "";
	int rc = broker_request_parse_session(c->body, strlen(c->body), &r, err, sizeof(err));

	if (c->err) {
		g_assert_cmpint(rc, ==, -1);
		g_assert_cmpstr(err, ==, c->err);
		return;
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpstr(r.id.mac_str, ==, "52:54:00:12:34:56");
	g_assert_cmpint(r.event, ==, c->event);
	g_assert_cmpint(r.has_endpoint, ==, c->has_endpoint);
	if (c->has_endpoint) {
		g_assert_cmpint(r.protocol, ==, c->protocol);
		g_assert_cmpstr(r.host, ==, c->host);
		g_assert_cmpuint(r.port, ==, c->port);
	}
	g_assert_cmpstr(r.user, ==, c->user);
	g_assert_cmpstr(r.reason, ==, c->reason);
	g_assert_cmpstr(r.session, ==, c->session ? c->session : "");
	broker_request_wipe_session(&r);
	g_assert_cmpstr(r.session, ==, "");
}

/* A short error buffer truncates the message but never overflows. */
static void test_small_err(void)
{
	struct broker_lookup_req r;
	char err[6];

	g_assert_cmpint(broker_request_parse_lookup("{}", 2, &r, err, sizeof(err)), ==, -1);
	g_assert_cmpstr(err, ==, "mac: ");
}

int main(int argc, char **argv)
{
	size_t i;
	char *path;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	for (i = 0; i < G_N_ELEMENTS(lookup_cases); i++) {
		path = g_strdup_printf("/broker/request/lookup/%s", lookup_cases[i].name);
		g_test_add_data_func(path, &lookup_cases[i], test_lookup);
		g_free(path);
	}
	g_test_add_func("/broker/request/lookup/size-limit", test_lookup_size);
	for (i = 0; i < G_N_ELEMENTS(login_cases); i++) {
		path = g_strdup_printf("/broker/request/login/%s", login_cases[i].name);
		g_test_add_data_func(path, &login_cases[i], test_login);
		g_free(path);
	}
	g_test_add_func("/broker/request/login/long-password", test_login_long_password);
	for (i = 0; i < G_N_ELEMENTS(session_cases); i++) {
		path = g_strdup_printf("/broker/request/session/%s", session_cases[i].name);
		g_test_add_data_func(path, &session_cases[i], test_session);
		g_free(path);
	}
	g_test_add_func("/broker/request/small-error-buffer", test_small_err);
	return g_test_run();
}
