/* Station replies (tools/broker/broker_reply.c): a stations file and an
 * identity in, the exact reply text out; every reply also parses as JSON. */
#include <glib.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "broker_reply.h"
#include "stations.h"

/* The stations file of the lookup cases in tests/data/lookup/identity, whose
 * replies tests/broker/test-lookup-cases.sh checks through HTTP: here the
 * exact text of the same replies, without HTTP. Found through VDI_ROOT (set
 * by tests/run.sh), or from the checkout's top. */
#define CONF_PATH "tests/data/lookup/identity/stations.conf"

#define USB_DEFAULTS                                                                               \
	"\"usb\":{\"auto_redirect\":\"0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|0x0e,-1,-1," \
	"-1,"                                                                                      \
	"1|-1,-1,-1,-1,0\",\"deny\":\"0x03,-1,-1,-1,0|-1,-1,-1,-1,1\"}"

struct reply_case {
	const char *name;
	const char *mac;
	const char *ip;
	const char *hostname;
	const char *user;
	const char *want;
};

static const struct reply_case reply_cases[] = {
    {"ready with fallback", "52:54:00:00:00:01", "10.1.2.3", "st-01", NULL,
     "{\"status\":\"ready\",\"message\":\"Your desktop is ready.\",\"station\":{\"name\":"
     "\"teacher \\\"T\\\"\",\"match\":\"52:54:00:00:00:01\",\"mac\":\"52:54:00:00:00:01\","
     "\"ip\":\"10.1.2.3\",\"hostname\":\"st-01\"},\"policy\":{\"login\":\"none\","
     "\"autoconnect\":true,\"sso\":false," USB_DEFAULTS
     ",\"screen_text\":\"Hi\\nthere\"},\"endpoints\":[{"
     "\"protocol\":\"spice\",\"host\":\"10.0.0.5\",\"port\":5910,\"tls_port\":5901,"
     "\"password\":\"p\\\\w\"},{\"protocol\":\"vnc\",\"host\":\"10.0.0.5\",\"port\":5911}]}"},
    {"user ignored without login", "52:54:00:00:00:01", "10.1.2.3", "", "ann",
     "{\"status\":\"ready\",\"message\":\"Your desktop is ready.\",\"station\":{\"name\":"
     "\"teacher \\\"T\\\"\",\"match\":\"52:54:00:00:00:01\",\"mac\":\"52:54:00:00:00:01\","
     "\"ip\":\"10.1.2.3\"},\"policy\":{\"login\":\"none\","
     "\"autoconnect\":true,\"sso\":false," USB_DEFAULTS
     ",\"screen_text\":\"Hi\\nthere\"},\"endpoints\":[{"
     "\"protocol\":\"spice\",\"host\":\"10.0.0.5\",\"port\":5910,\"tls_port\":5901,"
     "\"password\":\"p\\\\w\"},{\"protocol\":\"vnc\",\"host\":\"10.0.0.5\",\"port\":5911}]}"},
    {"login station, lookup", "52:54:00:00:00:02", "fd00::9", "", NULL,
     "{\"status\":\"ready\",\"message\":\"Your desktop is ready.\",\"station\":{\"match\":"
     "\"52:54:00:00:00:02\",\"mac\":\"52:54:00:00:00:02\",\"ip\":\"fd00::9\"},\"policy\":{"
     "\"login\":\"broker\",\"autoconnect\":false,\"sso\":true,\"usb\":{\"auto_redirect\":\"-1,-1,-"
     "1,-1,0\","
     "\"deny\":\"0x03,-1,-1,-1,0|-1,-1,-1,-1,1\"}},\"endpoints\":[]}"},
    {"login station, logged in", "52:54:00:00:00:02", "fd00::9", "k-1", "ann.b@x",
     "{\"status\":\"ready\",\"message\":\"Your desktop is ready.\",\"station\":{\"match\":"
     "\"52:54:00:00:00:02\",\"mac\":\"52:54:00:00:00:02\",\"ip\":\"fd00::9\",\"hostname\":"
     "\"k-1\"},\"policy\":{\"login\":\"broker\",\"autoconnect\":false,\"sso\":true,\"usb\":{"
     "\"auto_redirect\":\"-1,-1,-1,-1,0\",\"deny\":\"0x03,-1,-1,-1,0|-1,-1,-1,-1,1\"}},"
     "\"endpoints\":[{\"protocol\":\"rdp\",\"host\":\"rds.example.org\",\"port\":3389}],"
     "\"user\":\"ann.b@x\"}"},
    {"maintenance with message", "52:54:00:00:00:03", "10.1.2.3", "", "ann",
     "{\"status\":\"maintenance\",\"message\":\"Back at 10\",\"station\":{\"match\":"
     "\"52:54:00:00:00:03\",\"mac\":\"52:54:00:00:00:03\",\"ip\":\"10.1.2.3\"},"
     "\"retry_after\":60}"},
    {"maintenance by default", "52:54:00:00:00:99", "10.1.2.3", "x", NULL,
     "{\"status\":\"maintenance\",\"message\":\"This station is in maintenance. Please try "
     "again later.\",\"station\":{\"match\":\"default\",\"mac\":\"52:54:00:00:00:99\",\"ip\":"
     "\"10.1.2.3\",\"hostname\":\"x\"},\"retry_after\":60}"},
};

static struct st_config *cfg;
static struct broker_frags *frags;

static void check_json(const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	g_assert_nonnull(o);
	g_assert_cmpint(json_tokener_get_error(tok), ==, json_tokener_success);
	g_assert_cmpuint(json_tokener_get_parse_end(tok), ==, len);
	g_assert_true(json_object_is_type(o, json_type_object));
	json_object_put(o);
	json_tokener_free(tok);
}

#define TOKEN "00112233445566778899aabbccddeeff"

static void test_reply(gconstpointer data)
{
	const struct reply_case *c = data;
	const struct st_entry *e;
	const struct broker_frag *f;
	struct broker_reply_ident id = {c->mac, c->ip, c->hostname};
	struct ipaddr ip;
	uint8_t mac[6];
	char *s;
	size_t len;

	g_assert_cmpint(mac_parse(c->mac, mac), ==, 0);
	g_assert_cmpint(ip_parse(c->ip, &ip), ==, 0);
	e = st_config_match(cfg, mac, &ip, c->hostname);
	g_assert_nonnull(e);
	f = broker_reply_frag(frags, e->index);
	g_assert_nonnull(f);
	s = broker_reply_station(f, &id, c->user, &len);
	g_assert_cmpstr(s, ==, c->want);
	g_assert_cmpuint(len, ==, strlen(s));
	check_json(s, len);
	free(s);

	/* With a session token: added as the last member of an answer that
	 * hands out the desktop (ready with endpoints), and nowhere else. */
	s = broker_reply_station_session(f, &id, c->user, TOKEN, &len);
	if (strstr(c->want, "\"status\":\"ready\"") && !strstr(c->want, "\"endpoints\":[]")) {
		g_autofree char *want = g_strdup_printf("%.*s,\"session\":\"" TOKEN "\"}",
							(int)strlen(c->want) - 1, c->want);

		g_assert_cmpstr(s, ==, want);
	} else {
		g_assert_cmpstr(s, ==, c->want);
	}
	g_assert_cmpuint(len, ==, strlen(s));
	check_json(s, len);
	free(s);
}

static void test_groups_have_no_fragment(void)
{
	size_t i;

	for (i = 0; i < st_config_count(cfg); i++) {
		const struct st_entry *e = st_config_entry(cfg, i);

		if (e->target.kind == ST_GROUP)
			g_assert_null(broker_reply_frag(frags, i));
		else
			g_assert_nonnull(broker_reply_frag(frags, i));
	}
	g_assert_null(broker_reply_frag(frags, 1000));
}

static void test_other_replies(void)
{
	struct broker_reply_ident id = {"52:54:00:00:00:99", "10.1.2.3", "st-9"};
	struct broker_reply_ident id2 = {"52:54:00:00:00:99", "::1", ""};
	char *s;
	size_t len;

	s = broker_reply_unknown(&id, &len);
	g_assert_cmpstr(s, ==,
			"{\"status\":\"unknown\",\"message\":\"This station is not registered with "
			"the broker. Ask your administrator to add it (MAC 52:54:00:00:00:99, "
			"address 10.1.2.3).\",\"retry_after\":30,\"station\":{\"mac\":"
			"\"52:54:00:00:00:99\",\"ip\":\"10.1.2.3\",\"hostname\":\"st-9\"}}");
	check_json(s, len);
	free(s);
	s = broker_reply_unknown(&id2, &len);
	g_assert_nonnull(strstr(s, "\"station\":{\"mac\":\"52:54:00:00:00:99\",\"ip\":\"::1\"}}"));
	free(s);

	s = broker_reply_trouble("No \"list\".", 30, &len);
	g_assert_cmpstr(
	    s, ==, "{\"status\":\"error\",\"message\":\"No \\\"list\\\".\",\"retry_after\":30}");
	free(s);
	s = broker_reply_client_error("bad_request", "mac: not a MAC address", 0, &len);
	g_assert_cmpstr(
	    s, ==,
	    "{\"status\":\"error\",\"error\":\"bad_request\",\"message\":\"mac: not a MAC "
	    "address\"}");
	free(s);
	s = broker_reply_client_error("rate_limited", "Wait.", 120, &len);
	g_assert_cmpstr(s, ==,
			"{\"status\":\"error\",\"error\":\"rate_limited\",\"message\":\"Wait.\","
			"\"retry_after\":120}");
	free(s);
	s = broker_reply_ok(&len);
	g_assert_cmpstr(s, ==, "{\"status\":\"ok\"}");
	g_assert_cmpuint(len, ==, 15);
	free(s);
}

/* Members of a group that differ only in name share one tail: memory stays
 * proportional to what is really different. */
static void test_dedup(void)
{
	GString *text = g_string_new("[group:g]\nhost = 10.0.0.1\nport = 5900\n");
	struct st_diags d = {0};
	struct st_doc *doc;
	struct st_config *c;
	struct broker_frags *f;
	const struct broker_frag *a, *b;
	int i;

	for (i = 0; i < 2000; i++)
		g_string_append_printf(text, "[52:54:00:00:%02x:%02x]\ngroup = g\nname = n%d\n",
				       i / 256, i % 256, i);
	doc = st_doc_parse(text->str, text->len, "dedup.conf", &d);
	c = st_config_build(doc, ".", &d);
	g_assert_nonnull(c);
	f = broker_reply_frags_build(c);
	g_assert_nonnull(f);
	a = broker_reply_frag(f, 1);
	b = broker_reply_frag(f, 2000);
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	g_assert_true(a->tail == b->tail);
	g_assert_true(a->head != b->head);
	/* 2000 heads of ~120 bytes, one shared tail: well under 1 KiB each. */
	g_assert_cmpuint(broker_reply_frags_bytes(f), <, 2000 * 400);
	broker_reply_frags_free(f);
	st_config_free(c);
	st_doc_free(doc);
	st_diags_free(&d);
	g_string_free(text, TRUE);
}

int main(int argc, char **argv)
{
	const char *root = g_getenv("VDI_ROOT");
	g_autofree char *conf_path = NULL, *conf = NULL;
	g_autoptr(GError) error = NULL;
	struct st_diags d = {0};
	struct st_doc *doc;
	gsize conf_len;
	size_t i;
	char *path;
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	conf_path = g_build_filename(root ? root : ".", CONF_PATH, NULL);
	if (!g_file_get_contents(conf_path, &conf, &conf_len, &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	doc = st_doc_parse(conf, conf_len, conf_path, &d);
	cfg = doc ? st_config_build(doc, ".", &d) : NULL;
	if (!cfg) {
		st_diags_print(&d, stderr);
		return 1;
	}
	frags = broker_reply_frags_build(cfg);
	for (i = 0; i < G_N_ELEMENTS(reply_cases); i++) {
		path = g_strdup_printf("/broker/reply/station/%s", reply_cases[i].name);
		g_test_add_data_func(path, &reply_cases[i], test_reply);
		g_free(path);
	}
	g_test_add_func("/broker/reply/groups", test_groups_have_no_fragment);
	g_test_add_func("/broker/reply/other", test_other_replies);
	g_test_add_func("/broker/reply/dedup", test_dedup);
	rc = g_test_run();
	broker_reply_frags_free(frags);
	st_config_free(cfg);
	st_doc_free(doc);
	st_diags_free(&d);
	return rc;
}
