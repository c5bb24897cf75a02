/* Broker replies as the launcher parses them: every status, and a table of
 * malformed and hostile inputs that must be refused with a reason. */
#include <glib.h>
#include <json-c/json.h>
#include <string.h>

#include "broker_reply_parse.h"
#include "usb_filter.h"

#define READY_HEAD                                                                                 \
	"{\"status\":\"ready\",\"message\":\"m\",\"station\":{\"mac\":\"52:54:00:12:34:56\","      \
	"\"ip\":\"10.1.2.3\",\"name\":\"desk\",\"match\":\"52:54:00:12:34:56\"},"                  \
	"\"policy\":{\"login\":\"none\",\"autoconnect\":false,\"usb\":{\"auto_redirect\":"         \
	"\"0x08,-1,-1,-1,1|-1,-1,-1,-1,0\",\"deny\":\"0x03,-1,-1,-1,0|-1,-1,-1,-1,1\"}},"
#define EP(x) READY_HEAD "\"endpoints\":[" x "]}"

static void test_ready(void)
{
	const char *json =
	    EP("{\"protocol\":\"spice\",\"host\":\"vdi1.example.org\",\"port\":5900,"
	       "\"tls_port\":5901,\"password\":\"s3cret\",\"host_subject\":\"CN=vdi1\","
	       "\"proxy\":\"http://proxy:3128\"},"
	       "{\"protocol\":\"rdp\",\"host\":\"fd00::5\",\"port\":3389},"
	       "{\"protocol\":\"x-new\",\"host\":\"10.0.0.9\",\"port\":1}");
	struct broker_reply r;
	char err[160];

	g_assert_cmpint(broker_reply_parse(json, strlen(json), &r, err, sizeof(err)), ==, 0);
	g_assert_cmpint(r.status, ==, BROKER_STATUS_READY);
	g_assert_cmpstr(r.station.name, ==, "desk");
	g_assert_cmpstr(r.station.ip, ==, "10.1.2.3");
	g_assert_true(r.has_policy);
	g_assert_cmpint(r.policy.login, ==, BROKER_LOGIN_NONE);
	g_assert_cmpstr(r.policy.usb_deny, ==, "0x03,-1,-1,-1,0|-1,-1,-1,-1,1");
	g_assert_cmpuint(r.n_endpoints, ==, 3);
	g_assert_cmpint(r.endpoints[0].protocol, ==, BROKER_PROTO_SPICE);
	g_assert_cmpuint(r.endpoints[0].port, ==, 5900);
	g_assert_cmpuint(r.endpoints[0].tls_port, ==, 5901);
	g_assert_cmpstr(r.endpoints[0].password, ==, "s3cret");
	g_assert_cmpstr(r.endpoints[0].host_subject, ==, "CN=vdi1");
	g_assert_cmpstr(r.endpoints[0].proxy, ==, "http://proxy:3128");
	g_assert_cmpint(r.endpoints[1].protocol, ==, BROKER_PROTO_RDP);
	g_assert_cmpstr(r.endpoints[1].host, ==, "fd00::5");
	/* A protocol this launcher does not know is kept, to be skipped. */
	g_assert_cmpint(r.endpoints[2].protocol, ==, BROKER_PROTO_OTHER);
	g_assert_cmpstr(r.endpoints[2].protocol_name, ==, "x-new");
	g_assert_cmpint(r.retry_after, ==, -1);

	{
		struct broker_endpoint copy;
		g_assert_cmpint(broker_endpoint_copy(&r.endpoints[0], &copy), ==, 0);
		g_assert_cmpstr(copy.password, ==, "s3cret");
		broker_endpoint_clear(&copy);
		g_assert_null(copy.password);
	}
	broker_reply_clear(&r);
	g_assert_null(r.endpoints);
	g_assert_cmpuint(r.n_endpoints, ==, 0);
	broker_reply_clear(&r); /* twice is fine */
}

/* Parses case i of a table of replies that must all be accepted. */
static void parse_case(size_t i, const char *json, struct broker_reply *r)
{
	char err[160];

	if (broker_reply_parse(json, strlen(json), r, err, sizeof(err)) != 0)
		g_error("case %zu: %s", i, err);
}

static void test_statuses(void)
{
	static const struct {
		const char *json;
		enum broker_status status;
		int retry_after;
		const char *message;
	} cases[] = {
	    {"{\"status\":\"maintenance\",\"message\":\"Back at 2pm\",\"retry_after\":60,"
	     "\"station\":{\"mac\":\"52:54:00:12:34:56\",\"ip\":\"10.0.0.1\"}}",
	     BROKER_STATUS_MAINTENANCE, 60, "Back at 2pm"},
	    {"{\"status\":\"unknown\",\"message\":\"not registered\",\"retry_after\":30,"
	     "\"station\":{\"mac\":\"52:54:00:12:34:56\",\"ip\":\"::1\",\"hostname\":\"st-9\"}}",
	     BROKER_STATUS_UNKNOWN, 30, "not registered"},
	    {"{\"status\":\"starting\",\"message\":\"booting\",\"retry_after\":5}",
	     BROKER_STATUS_STARTING, 5, "booting"},
	    {"{\"status\":\"error\",\"error\":\"rate_limited\",\"message\":\"slow down\","
	     "\"retry_after\":12}",
	     BROKER_STATUS_ERROR, 12, "slow down"},
	    {"{\"status\":\"ok\"}", BROKER_STATUS_OK, -1, NULL},
	    /* Line breaks in texts for people are fine. */
	    {"{\"status\":\"maintenance\",\"message\":\"two\\nlines\"}", BROKER_STATUS_MAINTENANCE,
	     -1, "two\nlines"},
	    /* Unknown members are ignored: a newer broker may add some. */
	    {"{\"status\":\"ok\",\"future\":{\"x\":[1,2,3]}}  \n", BROKER_STATUS_OK, -1, NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_reply r;

		parse_case(i, cases[i].json, &r);
		g_assert_cmpint(r.status, ==, cases[i].status);
		g_assert_cmpint(r.retry_after, ==, cases[i].retry_after);
		g_assert_cmpstr(r.message, ==, cases[i].message);
		broker_reply_clear(&r);
	}
}

/* A pool's queue: the place is kept as sent, absent is 0. */
static void test_queue_position(void)
{
	static const struct {
		const char *json;
		unsigned queue_position;
	} cases[] = {
	    {"{\"status\":\"starting\",\"retry_after\":2,\"queue_position\":1}", 1},
	    {"{\"status\":\"starting\",\"retry_after\":2,\"queue_position\":3}", 3},
	    {"{\"status\":\"starting\",\"queue_position\":100000}", 100000},
	    {"{\"status\":\"starting\",\"retry_after\":2}", 0},
	    {"{\"status\":\"starting\",\"queue_position\":null}", 0},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_reply r;

		parse_case(i, cases[i].json, &r);
		g_assert_cmpint(r.status, ==, BROKER_STATUS_STARTING);
		g_assert_cmpuint(r.queue_position, ==, cases[i].queue_position);
		broker_reply_clear(&r);
		g_assert_cmpuint(r.queue_position, ==, 0);
	}
}

static void test_login_reply(void)
{
	const char *json = "{\"status\":\"ready\",\"message\":\"m\",\"station\":{\"mac\":"
			   "\"52:54:00:12:34:56\",\"ip\":\"10.0.0.1\"},\"policy\":{\"login\":"
			   "\"broker\",\"autoconnect\":true},\"endpoints\":[{\"protocol\":"
			   "\"spice\",\"host\":\"h\",\"tls_port\":5901}],\"user\":\"alice\","
			   "\"session\":\"00112233445566778899aabbccddeeff\"}";
	struct broker_reply r;
	char err[160];

	g_assert_cmpint(broker_reply_parse(json, strlen(json), &r, err, sizeof(err)), ==, 0);
	g_assert_cmpint(r.policy.login, ==, BROKER_LOGIN_BROKER);
	g_assert_true(r.policy.autoconnect);
	g_assert_false(r.policy.sso);		   /* no single sign-on unless allowed */
	g_assert_null(r.policy.usb_auto_redirect); /* the launcher's default */
	g_assert_cmpstr(r.user, ==, "alice");
	g_assert_cmpstr(r.session, ==, "00112233445566778899aabbccddeeff");
	g_assert_cmpuint(r.endpoints[0].port, ==, 0);
	g_assert_cmpuint(r.endpoints[0].tls_port, ==, 5901);
	broker_reply_clear(&r);
	json = "{\"status\":\"ok\",\"policy\":{\"login\":\"broker\",\"sso\":true}}";
	g_assert_cmpint(broker_reply_parse(json, strlen(json), &r, err, sizeof(err)), ==, 0);
	g_assert_true(r.policy.sso);
	broker_reply_clear(&r);
}

/* Each must be refused, and the reason must name the field. */
static void test_malformed(void)
{
	static const struct {
		const char *json;
		const char *why; /* a substring of the error */
	} cases[] = {
	    {"", "empty"},
	    {"not json", "reply"},
	    {"[]", "not a JSON object"},
	    {"\"ready\"", "not a JSON object"},
	    {"{}", "status: missing"},
	    {"{\"status\":5}", "status: not a string"},
	    {"{\"status\":\"READY\"}", "status: not a known status"},
	    {"{\"status\":\"ok\"", "truncated"},
	    {"{\"status\":\"ok\"} {}", "reply"},
	    {"{\"status\":\"ok\"}x", "reply"},
	    {"{\"status\":\"ok\",}", "reply"},
	    {"{'status':'ok'}", "reply"},
	    {"{\"status\":\"ok\",\"message\":7}", "message: not a string"},
	    {"{\"status\":\"ok\",\"message\":\"a\\u0000b\"}", "message: contains a NUL byte"},
	    {"{\"status\":\"ok\",\"message\":\"bell\\u0007\"}", "message: contains control"},
	    {"{\"status\":\"ok\",\"message\":\"\xff\xfe\"}", "reply"},
	    {"{\"status\":\"ok\",\"retry_after\":-1}", "retry_after: out of range"},
	    {"{\"status\":\"ok\",\"retry_after\":86401}", "retry_after: out of range"},
	    {"{\"status\":\"ok\",\"retry_after\":1.5}", "retry_after: not an integer"},
	    {"{\"status\":\"ok\",\"retry_after\":\"5\"}", "retry_after: not an integer"},
	    {"{\"status\":\"ok\",\"retry_after\":99999999999999999999999}", "retry_after"},
	    {"{\"status\":\"starting\",\"queue_position\":0}", "queue_position: out of range"},
	    {"{\"status\":\"starting\",\"queue_position\":-1}", "queue_position: out of range"},
	    {"{\"status\":\"starting\",\"queue_position\":100001}", "queue_position: out of range"},
	    {"{\"status\":\"starting\",\"queue_position\":99999999999999999999999}",
	     "queue_position"},
	    {"{\"status\":\"starting\",\"queue_position\":\"2\"}",
	     "queue_position: not an integer"},
	    {"{\"status\":\"starting\",\"queue_position\":2.0}", "queue_position: not an integer"},
	    {"{\"status\":\"ok\",\"error\":\"Bad Code\"}", "error: malformed"},
	    {"{\"status\":\"ok\",\"session\":\"a b\"}", "session: malformed"},
	    {"{\"status\":\"ok\",\"session\":\"\"}", "session: malformed"},
	    {"{\"status\":\"ok\",\"session\":\"a\\\"b\"}", "session: malformed"},
	    {"{\"status\":\"ok\",\"session\":7}", "session: not a string"},
	    {"{\"status\":\"ok\",\"station\":[]}", "station: not an object"},
	    {"{\"status\":\"ok\",\"station\":{\"mac\":\"52:54:00:12:34\"}}", "station.mac"},
	    {"{\"status\":\"ok\",\"station\":{\"ip\":\"10.0.0.256\"}}", "station.ip"},
	    {"{\"status\":\"ok\",\"station\":{\"hostname\":\"bad host\"}}", "station.hostname"},
	    {"{\"status\":\"ready\"}", "policy: missing"},
	    {"{\"status\":\"ok\",\"policy\":{\"login\":\"ldap\"}}", "policy.login"},
	    {"{\"status\":\"ok\",\"policy\":{\"autoconnect\":\"yes\"}}", "policy.autoconnect"},
	    {"{\"status\":\"ok\",\"policy\":{\"sso\":1}}", "policy.sso"},
	    {"{\"status\":\"ok\",\"policy\":{\"usb\":{\"deny\":\"0x03,-1,-1,-1\"}}}",
	     "policy.usb.deny"},
	    {"{\"status\":\"ok\",\"policy\":{\"usb\":{\"auto_redirect\":\"0x100,-1,-1,-1,1\"}}}",
	     "policy.usb.auto_redirect"},
	    {"{\"status\":\"ok\",\"policy\":{\"usb\":\"all\"}}", "policy.usb: not an object"},
	    {"{\"status\":\"ok\",\"endpoints\":{}}", "endpoints: not an array"},
	    {"{\"status\":\"ok\",\"endpoints\":[1]}", "endpoints[0]: not an object"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"host\":\"h\",\"port\":1}]}",
	     "endpoints[0].protocol: missing"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"SPICE!\",\"host\":\"h\"}]}",
	     "endpoints[0].protocol: malformed"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"port\":1}]}",
	     "endpoints[0].host: missing"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"a b\","
	     "\"port\":1}]}",
	     "endpoints[0].host: malformed"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":0}]}",
	     "endpoints[0].port: out of range"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":65536}]}",
	     "endpoints[0].port: out of range"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":\"5900\"}]}",
	     "endpoints[0].port: not an integer"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\"}]}",
	     "spice needs port or tls_port"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":1,\"ca\":\"not a certificate\"}]}",
	     "endpoints[0].ca: malformed"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":1,\"proxy\":\"ftp://p\"}]}",
	     "endpoints[0].proxy: malformed"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":1,\"password\":\"tab\\there\"}]}",
	     "endpoints[0].password: contains control"},
	    {"{\"status\":\"ok\",\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"h\","
	     "\"port\":1},{\"protocol\":\"vnc\",\"host\":\"\",\"port\":1}]}",
	     "endpoints[1].host"},
	    {"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}", "reply"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_reply r;
		char err[160];
		int rc =
		    broker_reply_parse(cases[i].json, strlen(cases[i].json), &r, err, sizeof(err));
		if (rc == 0)
			g_error("case %zu was accepted: %s", i, cases[i].json);
		if (!strstr(err, cases[i].why))
			g_error("case %zu: error '%s' does not mention '%s'", i, err, cases[i].why);
		/* A refused reply leaves nothing behind. */
		g_assert_null(r.message);
		g_assert_null(r.endpoints);
	}
}

/* The expected replies of the broker's lookup cases (tests/data/lookup, see
 * its README.md): the launcher must accept every reply the broker gives,
 * and read each field as the broker wrote it. The folder is found through
 * VDI_ROOT (set by tests/run.sh), or from the checkout's top. */
static const char *case_str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int case_int(json_object *o, const char *key, int absent)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return absent;
	return json_object_get_int(v);
}

static json_object *case_obj(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A choose reply's desktops: ids, labels and states as the broker wrote
 * them (the broker sends only the states the launcher knows). */
static void check_case_desktops(json_object *want, const struct broker_reply *r)
{
	json_object *list = case_obj(want, "desktops");

	if (r->status != BROKER_STATUS_CHOOSE) {
		g_assert_cmpuint(r->n_desktops, ==, 0);
		return;
	}
	g_assert_nonnull(list);
	g_assert_cmpuint(r->n_desktops, ==, json_object_array_length(list));
	for (size_t i = 0; i < r->n_desktops; i++) {
		json_object *d = json_object_array_get_idx(list, i);

		g_assert_cmpstr(r->desktops[i].id, ==, case_str(d, "id"));
		g_assert_cmpstr(r->desktops[i].name, ==,
				case_str(d, "name") ? case_str(d, "name") : case_str(d, "id"));
		g_assert_cmpstr(broker_desktop_state_name(r->desktops[i].state), ==,
				case_str(d, "state") ? case_str(d, "state") : "unknown");
	}
	g_assert_cmpstr(r->last, ==, case_str(want, "last"));
}

/* Every field the reply holds, compared with what the parser made of it. */
static void check_case_fields(json_object *want, const struct broker_reply *r)
{
	json_object *station = case_obj(want, "station");
	json_object *policy = case_obj(want, "policy");
	json_object *usb = case_obj(policy, "usb");
	json_object *eps = case_obj(want, "endpoints");

	g_assert_cmpstr(broker_status_name(r->status), ==, case_str(want, "status"));
	g_assert_cmpstr(r->message, ==, case_str(want, "message"));
	g_assert_cmpstr(r->error, ==, case_str(want, "error"));
	g_assert_cmpint(r->retry_after, ==, case_int(want, "retry_after", -1));
	g_assert_cmpuint(r->queue_position, ==, case_int(want, "queue_position", 0));
	g_assert_cmpstr(r->station.mac, ==, case_str(station, "mac"));
	g_assert_cmpstr(r->station.ip, ==, case_str(station, "ip"));
	g_assert_cmpstr(r->station.hostname, ==, case_str(station, "hostname"));
	g_assert_cmpstr(r->station.name, ==, case_str(station, "name"));
	g_assert_cmpstr(r->station.match, ==, case_str(station, "match"));
	g_assert_cmpint(r->has_policy, ==, policy != NULL);
	if (policy) {
		g_assert_cmpint(r->policy.login, ==,
				g_strcmp0(case_str(policy, "login"), "broker") == 0
				    ? BROKER_LOGIN_BROKER
				    : BROKER_LOGIN_NONE);
		g_assert_cmpint(r->policy.autoconnect, ==, case_int(policy, "autoconnect", 0));
		g_assert_cmpint(r->policy.sso, ==, case_int(policy, "sso", 0));
		g_assert_cmpstr(r->policy.usb_auto_redirect, ==, case_str(usb, "auto_redirect"));
		g_assert_cmpstr(r->policy.usb_deny, ==, case_str(usb, "deny"));
		g_assert_cmpstr(r->policy.screen_text, ==, case_str(policy, "screen_text"));
	}
	g_assert_cmpuint(r->n_endpoints, ==, eps ? json_object_array_length(eps) : 0);
	for (size_t i = 0; i < r->n_endpoints; i++) {
		json_object *ep = json_object_array_get_idx(eps, i);
		const struct broker_endpoint *e = &r->endpoints[i];

		g_assert_cmpstr(e->protocol_name, ==, case_str(ep, "protocol"));
		g_assert_cmpstr(broker_protocol_name(e->protocol), ==, case_str(ep, "protocol"));
		g_assert_cmpstr(e->host, ==, case_str(ep, "host"));
		g_assert_cmpuint(e->port, ==, case_int(ep, "port", 0));
		g_assert_cmpuint(e->tls_port, ==, case_int(ep, "tls_port", 0));
		g_assert_cmpstr(e->password, ==, case_str(ep, "password"));
		g_assert_cmpstr(e->ca, ==, case_str(ep, "ca"));
		g_assert_cmpstr(e->host_subject, ==, case_str(ep, "host_subject"));
		g_assert_cmpstr(e->proxy, ==, case_str(ep, "proxy"));
	}
	g_assert_cmpstr(r->user, ==, case_str(want, "user"));
	g_assert_cmpstr(r->session, ==, case_str(want, "session"));
	check_case_desktops(want, r);
}

static gint case_path_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The reply.json of every case under dir, sorted. */
static GPtrArray *case_files(const char *dir)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	GDir *sets = g_dir_open(dir, 0, &error);
	const char *set, *name;

	if (!sets)
		g_error("lookup cases: %s", error->message);
	while ((set = g_dir_read_name(sets))) {
		g_autofree char *set_path = g_build_filename(dir, set, NULL);
		GDir *cases = g_dir_open(set_path, 0, NULL);

		if (!cases)
			continue;
		while ((name = g_dir_read_name(cases))) {
			char *path = g_build_filename(set_path, name, "reply.json", NULL);

			if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
				g_ptr_array_add(out, path);
			else
				g_free(path);
		}
		g_dir_close(cases);
	}
	g_dir_close(sets);
	g_ptr_array_sort(out, case_path_cmp);
	return out;
}

static void test_lookup_cases(void)
{
	const char *root = g_getenv("VDI_ROOT");
	g_autofree char *dir = g_build_filename(root ? root : ".", "tests", "data", "lookup", NULL);
	g_autoptr(GPtrArray) files = case_files(dir);
	unsigned ready = 0;

	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		g_autofree char *text = NULL;
		g_autoptr(GError) error = NULL;
		struct broker_reply r;
		json_object *want;
		char err[160];
		gsize len;

		/* Names the case for a failed assertion below. */
		g_test_message("%s", path);
		if (!g_file_get_contents(path, &text, &len, &error))
			g_error("%s", error->message);
		if (broker_reply_parse(text, len, &r, err, sizeof(err)) != 0)
			g_error("%s: refused: %s", path, err);
		want = json_tokener_parse(text);
		g_assert_nonnull(want);
		check_case_fields(want, &r);
		ready += r.status == BROKER_STATUS_READY && r.n_endpoints > 0;
		json_object_put(want);
		broker_reply_clear(&r);
	}
	g_test_message("%u replies from %s, %u ready with endpoints", files->len, dir, ready);
	/* An empty or misplaced folder must not pass quietly. */
	g_assert_cmpuint(files->len, >=, 20);
	g_assert_cmpuint(ready, >=, 5);
}

#define CHOOSE_HEAD "{\"status\":\"choose\",\"user\":\"alice\","

/* A user with several desktops: the list, the states in words the
 * launcher knows (others are unknown), the label defaulting to the id,
 * and the last one only when it is listed. */
static void test_choose(void)
{
	const char *json =
	    CHOOSE_HEAD "\"station\":{\"name\":\"desk\"},\"policy\":{\"login\":\"broker\"},"
			"\"desktops\":[{\"id\":\"win-11\",\"name\":\"Windows 11 (office)\","
			"\"state\":\"running\"},{\"id\":\"lab.B_2\",\"name\":\"Lab \u00e9\","
			"\"state\":\"off\"},{\"id\":\"c\",\"state\":\"starting\"},"
			"{\"id\":\"d\",\"name\":\"\",\"state\":\"hibernating\"},{\"id\":\"e\"}],"
			"\"last\":\"lab.B_2\"}";
	const char *stale = CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
					"\"last\":\"gone\"}";
	const char *other = "{\"status\":\"error\",\"desktops\":[{\"id\":\"a\"}]}";
	struct broker_reply r;
	char err[160];

	g_assert_cmpint(broker_reply_parse(json, strlen(json), &r, err, sizeof(err)), ==, 0);
	g_assert_cmpint(r.status, ==, BROKER_STATUS_CHOOSE);
	g_assert_cmpstr(broker_status_name(r.status), ==, "choose");
	g_assert_cmpstr(r.user, ==, "alice");
	g_assert_true(r.has_policy);
	g_assert_cmpuint(r.n_desktops, ==, 5);
	g_assert_cmpstr(r.desktops[0].id, ==, "win-11");
	g_assert_cmpstr(r.desktops[0].name, ==, "Windows 11 (office)");
	g_assert_cmpint(r.desktops[0].state, ==, BROKER_DESKTOP_RUNNING);
	g_assert_cmpstr(r.desktops[1].name, ==, "Lab \u00e9");
	g_assert_cmpint(r.desktops[1].state, ==, BROKER_DESKTOP_OFF);
	g_assert_cmpstr(r.desktops[2].name, ==, "c");
	g_assert_cmpint(r.desktops[2].state, ==, BROKER_DESKTOP_STARTING);
	g_assert_cmpstr(r.desktops[3].name, ==, "d");
	g_assert_cmpint(r.desktops[3].state, ==, BROKER_DESKTOP_UNKNOWN);
	g_assert_cmpint(r.desktops[4].state, ==, BROKER_DESKTOP_UNKNOWN);
	g_assert_cmpstr(r.last, ==, "lab.B_2");
	broker_reply_clear(&r);
	g_assert_null(r.desktops);
	g_assert_cmpuint(r.n_desktops, ==, 0);
	broker_reply_clear(&r);

	g_assert_cmpint(broker_reply_parse(stale, strlen(stale), &r, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(r.n_desktops, ==, 2);
	g_assert_null(r.last);
	broker_reply_clear(&r);

	/* Only a choose reply carries a list. */
	g_assert_cmpint(broker_reply_parse(other, strlen(other), &r, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(r.n_desktops, ==, 0);
	g_assert_null(r.desktops);
	broker_reply_clear(&r);
}

/* Hostile and broken desktop lists: each refused with the member named,
 * nothing left behind. */
static void test_choose_malformed(void)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
	    {"{\"status\":\"choose\"}", "desktops: missing"},
	    {CHOOSE_HEAD "\"desktops\":null}", "desktops: missing"},
	    {CHOOSE_HEAD "\"desktops\":{}}", "desktops: not an array"},
	    {CHOOSE_HEAD "\"desktops\":\"a,b\"}", "desktops: not an array"},
	    {CHOOSE_HEAD "\"desktops\":[]}", "desktops: empty"},
	    {CHOOSE_HEAD "\"desktops\":[1]}", "desktops[0]: not an object"},
	    {CHOOSE_HEAD "\"desktops\":[{\"name\":\"x\"}]}", "desktops[0].id: missing"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"\"}]}", "desktops[0].id: malformed"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":7}]}", "desktops[0].id: not a string"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a b\"}]}", "desktops[0].id: malformed"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\\\"b\"}]}", "desktops[0].id: malformed"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a/../b\"}]}", "desktops[0].id: malformed"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"\u00e9\"}]}", "desktops[0].id: malformed"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\\u0000b\"}]}",
	     "desktops[0].id: contains a NUL byte"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\"},{\"id\":\"a\"}]}",
	     "desktops[1].id: listed twice"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\",\"name\":\"two\\nlines\"}]}",
	     "desktops[0].name: contains control"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\",\"name\":\"\\u001b[2J\"}]}",
	     "desktops[0].name: contains control"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\",\"name\":[]}]}",
	     "desktops[0].name: not a string"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\",\"state\":1}]}",
	     "desktops[0].state: not a string"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\"}],\"last\":\"a b\"}", "last: malformed"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\"}],\"last\":{}}", "last: not a string"},
	    {CHOOSE_HEAD "\"desktops\":[{\"id\":\"a\"},{\"id\":\"b\"},[{\"deep\":{\"x\":[]}}]]}",
	     "desktops[2]: not an object"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_reply r;
		char err[160];
		int rc =
		    broker_reply_parse(cases[i].json, strlen(cases[i].json), &r, err, sizeof(err));
		if (rc == 0)
			g_error("case %zu was accepted: %s", i, cases[i].json);
		if (!strstr(err, cases[i].why))
			g_error("case %zu: error '%s' does not mention '%s'", i, err, cases[i].why);
		g_assert_null(r.desktops);
		g_assert_null(r.user);
	}
}

/* The caps: 32 desktops pass, 33 do not; ids and labels at their length
 * limits pass, one byte more does not. */
static void test_choose_limits(void)
{
	struct broker_reply r;
	char err[160];
	g_autofree char *id64 = g_strnfill(BROKER_REPLY_DESKTOP_ID_MAX, 'i');
	g_autofree char *id65 = g_strnfill(BROKER_REPLY_DESKTOP_ID_MAX + 1, 'i');
	g_autofree char *name255 = g_strnfill(BROKER_REPLY_DESKTOP_NAME_MAX, 'n');
	g_autofree char *name256 = g_strnfill(BROKER_REPLY_DESKTOP_NAME_MAX + 1, 'n');

	for (int n = BROKER_REPLY_MAX_DESKTOPS; n <= BROKER_REPLY_MAX_DESKTOPS + 1; n++) {
		GString *s = g_string_new(CHOOSE_HEAD "\"desktops\":[");
		int rc;

		for (int i = 0; i < n; i++)
			g_string_append_printf(s, "%s{\"id\":\"d%d\",\"state\":\"off\"}",
					       i ? "," : "", i);
		g_string_append(s, "],\"last\":\"d9\"}");
		rc = broker_reply_parse(s->str, s->len, &r, err, sizeof(err));
		if (n == BROKER_REPLY_MAX_DESKTOPS) {
			g_assert_cmpint(rc, ==, 0);
			g_assert_cmpuint(r.n_desktops, ==, n);
			g_assert_cmpstr(r.last, ==, "d9");
		} else {
			g_assert_cmpint(rc, ==, -1);
			g_assert_nonnull(strstr(err, "desktops: too many"));
		}
		broker_reply_clear(&r);
		g_string_free(s, TRUE);
	}
	for (int i = 0; i < 4; i++) {
		const char *id = i == 0 ? id64 : i == 1 ? id65 : "a";
		const char *name = i == 2 ? name255 : i == 3 ? name256 : "x";
		g_autofree char *json = g_strdup_printf(
		    CHOOSE_HEAD "\"desktops\":[{\"id\":\"%s\",\"name\":\"%s\"}]}", id, name);
		int rc = broker_reply_parse(json, strlen(json), &r, err, sizeof(err));

		g_assert_cmpint(rc, ==, i % 2 ? -1 : 0);
		if (rc < 0)
			g_assert_nonnull(strstr(err, "too long"));
		broker_reply_clear(&r);
	}
}

static void test_limits(void)
{
	struct broker_reply r;
	char err[160];
	GString *s = g_string_new("{\"status\":\"ok\",\"endpoints\":[");

	/* 17 endpoints: one more than allowed. */
	for (int i = 0; i < BROKER_REPLY_MAX_EP + 1; i++)
		g_string_append_printf(s, "%s{\"protocol\":\"vnc\",\"host\":\"h%d\",\"port\":1}",
				       i ? "," : "", i);
	g_string_append(s, "]}");
	g_assert_cmpint(broker_reply_parse(s->str, s->len, &r, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "endpoints: too many"));
	g_string_free(s, TRUE);

	/* A message of 4097 bytes. */
	s = g_string_new("{\"status\":\"ok\",\"message\":\"");
	for (int i = 0; i < BROKER_REPLY_TEXT_MAX + 1; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\"}");
	g_assert_cmpint(broker_reply_parse(s->str, s->len, &r, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "message: too long"));
	g_string_free(s, TRUE);

	/* A whole reply over the cap is refused before parsing. */
	s = g_string_sized_new(BROKER_REPLY_MAX + 16);
	g_string_append(s, "{\"status\":\"ok\",\"pad\":\"");
	while (s->len < BROKER_REPLY_MAX)
		g_string_append_c(s, 'y');
	g_string_append(s, "\"}");
	g_assert_cmpint(broker_reply_parse(s->str, s->len, &r, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "too large"));
	g_string_free(s, TRUE);

	/* A NUL byte inside the body. */
	g_assert_cmpint(broker_reply_parse("{\"status\":\"ok\"}\0x", 17, &r, err, sizeof(err)), ==,
			-1);
	g_assert_nonnull(strstr(err, "NUL"));
}

/* policy.session: the session limits as whole seconds; anything else
 * fails the reply with the field's name. */
#define SESSION_REPLY(x)                                                                           \
	"{\"status\":\"ready\",\"message\":\"m\",\"station\":{\"mac\":\"52:54:00:12:34:56\"},"     \
	"\"policy\":{\"login\":\"none\",\"session\":" x "},\"endpoints\":[]}"

static void test_session_limits(void)
{
	static const struct {
		const char *json;
		const char *err; /* NULL: parses */
		unsigned max, idle, warning;
	} cases[] = {
	    {SESSION_REPLY("{\"max_seconds\":3600,\"idle_seconds\":600,\"warning_seconds\":30}"),
	     NULL, 3600, 600, 30},
	    {SESSION_REPLY("{\"idle_seconds\":20}"), NULL, 0, 20, 0},
	    {SESSION_REPLY("{}"), NULL, 0, 0, 0},
	    {SESSION_REPLY("{\"max_seconds\":2592000}"), NULL, 2592000, 0, 0},
	    {SESSION_REPLY("{\"max_seconds\":2592001}"), "policy.session.max_seconds", 0, 0, 0},
	    {SESSION_REPLY("{\"idle_seconds\":-1}"), "policy.session.idle_seconds", 0, 0, 0},
	    {SESSION_REPLY("{\"idle_seconds\":\"600\"}"), "policy.session.idle_seconds", 0, 0, 0},
	    {SESSION_REPLY("{\"warning_seconds\":1.5}"), "policy.session.warning_seconds", 0, 0, 0},
	    {SESSION_REPLY("600"), "policy.session", 0, 0, 0},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_reply r;
		char err[160];
		int rc =
		    broker_reply_parse(cases[i].json, strlen(cases[i].json), &r, err, sizeof(err));

		g_test_message("%s", cases[i].json);
		if (cases[i].err) {
			g_assert_cmpint(rc, ==, -1);
			g_assert_true(g_str_has_prefix(err, cases[i].err));
			continue;
		}
		g_assert_cmpint(rc, ==, 0);
		g_assert_cmpuint(r.policy.max_seconds, ==, cases[i].max);
		g_assert_cmpuint(r.policy.idle_seconds, ==, cases[i].idle);
		g_assert_cmpuint(r.policy.warning_seconds, ==, cases[i].warning);
		broker_reply_clear(&r);
	}
}

static void test_usb_filter(void)
{
	static const struct {
		const char *in;
		const char *canonical; /* NULL: refused */
	} cases[] = {
	    {"", ""},
	    {"0x08,-1,-1,-1,1", "0x08,-1,-1,-1,1"},
	    {"8,1234,0x5678,-1,0|-1,-1,-1,-1,1", "0x08,0x04d2,0x5678,-1,0|-1,-1,-1,-1,1"},
	    {"0X0e,0XABCD,-1,-1,1", "0x0e,0xabcd,-1,-1,1"},
	    {"0x08,-1,-1,-1", NULL},
	    {"0x08,-1,-1,-1,1,1", NULL},
	    {"0x08,-1,-1,-1,2", NULL},
	    {"0x08,-1,-1,-1,-1", NULL},
	    {"0x100,-1,-1,-1,1", NULL},
	    {"0x08,0x10000,-1,-1,1", NULL},
	    {"0x08,-2,-1,-1,1", NULL},
	    {"0x08, -1,-1,-1,1", NULL},
	    {"0x,-1,-1,-1,1", NULL},
	    {"0x08,-1,-1,-1,1|", NULL},
	    {"|0x08,-1,-1,-1,1", NULL},
	    {"8,,,,1", NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct usb_filter f;
		char err[96], out[USB_FILTER_MAX_LEN + 1];
		int rc = usb_filter_parse(cases[i].in, &f, err, sizeof(err));
		if (!cases[i].canonical) {
			if (rc == 0)
				g_error("filter case %zu accepted: %s", i, cases[i].in);
			continue;
		}
		if (rc != 0)
			g_error("filter case %zu: %s", i, err);
		g_assert_cmpint(usb_filter_format(&f, out, sizeof(out)), ==, 0);
		g_assert_cmpstr(out, ==, cases[i].canonical);
	}
}

static void test_usb_combine(void)
{
	struct usb_filter redirect, deny, both;
	char err[96], out[USB_FILTER_MAX_LEN + 1];

	/* The default policy: HID never, storage/still image/video yes. */
	g_assert_cmpint(usb_filter_parse("0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|"
					 "0x0e,-1,-1,-1,1|-1,-1,-1,-1,0",
					 &redirect, err, sizeof(err)),
			==, 0);
	/* The admin denies one storage device (vendor 0x0781) and allows the
	 * rest: the exception must win over the redirect rule for storage. */
	g_assert_cmpint(
	    usb_filter_parse("0x08,0x0781,-1,-1,0|-1,-1,-1,-1,1", &deny, err, sizeof(err)), ==, 0);
	g_assert_cmpint(usb_filter_combine(&deny, &redirect, &both), ==, 0);
	g_assert_cmpint(usb_filter_format(&both, out, sizeof(out)), ==, 0);
	g_assert_cmpstr(out, ==,
			"0x08,0x0781,-1,-1,0|0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|"
			"0x0e,-1,-1,-1,1|-1,-1,-1,-1,0");
	g_assert_false(usb_filter_check(&both, 0x08, 0x0781, 0x5581, 0x100, FALSE));
	g_assert_true(usb_filter_check(&both, 0x08, 0x0951, 0x1666, 0x100, FALSE));
	g_assert_false(usb_filter_check(&both, 0x03, 0x046d, 0xc077, 0x100, TRUE));
	g_assert_true(usb_filter_check(&both, 0x0e, 0x046d, 0x0825, 0x100, FALSE));
	g_assert_false(usb_filter_check(&both, 0x09, 0x1d6b, 0x0002, 0x100, TRUE));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/client/reply/ready", test_ready);
	g_test_add_func("/client/reply/statuses", test_statuses);
	g_test_add_func("/client/reply/queue_position", test_queue_position);
	g_test_add_func("/client/reply/login", test_login_reply);
	g_test_add_func("/client/reply/malformed", test_malformed);
	g_test_add_func("/client/reply/limits", test_limits);
	g_test_add_func("/client/reply/choose", test_choose);
	g_test_add_func("/client/reply/choose_malformed", test_choose_malformed);
	g_test_add_func("/client/reply/choose_limits", test_choose_limits);
	g_test_add_func("/client/reply/lookup_cases", test_lookup_cases);
	g_test_add_func("/client/reply/session_limits", test_session_limits);
	g_test_add_func("/client/usb/filter", test_usb_filter);
	g_test_add_func("/client/usb/combine", test_usb_combine);
	return g_test_run();
}
