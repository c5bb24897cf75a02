/* Session limits from the stations file to the reply (max_session,
 * idle_logout, limit_warning): each key's precedence (the station's
 * section, its group's, the pool its mapping takes a desktop from, off) and
 * the reply's policy.session, as JSON numbers, absent when nothing is set.
 * A case table over one stations file. */
#include <glib.h>
#include <json-c/json.h>
#include <string.h>

#include "broker_reply.h"
#include "stations.h"

static const char conf[] = "[pool:lab]\n"
			   "libvirt_uri = test:///default\n"
			   "template = /t.xml\n"
			   "base_image = /b.qcow2\n"
			   "overlay_dir = /o\n"
			   "idle_logout = 600\n"
			   "limit_warning = 30\n"
			   "\n"
			   "[pool:plain]\n"
			   "libvirt_uri = test:///default\n"
			   "template = /t.xml\n"
			   "base_image = /b.qcow2\n"
			   "overlay_dir = /o\n"
			   "\n"
			   "[group:kiosks]\n"
			   "pool = lab\n"
			   "max_session = 3600\n"
			   "\n"
			   "[52:54:00:00:00:01]\n" /* the pool's */
			   "pool = lab\n"
			   "\n"
			   "[52:54:00:00:00:02]\n" /* its own over the pool's */
			   "pool = lab\n"
			   "idle_logout = 120\n"
			   "limit_warning = 15\n"
			   "\n"
			   "[52:54:00:00:00:03]\n" /* 0 turns the pool's off */
			   "pool = lab\n"
			   "idle_logout = 0\n"
			   "\n"
			   "[52:54:00:00:00:04]\n" /* the group's, then the pool's */
			   "group = kiosks\n"
			   "\n"
			   "[52:54:00:00:00:05]\n" /* a pool without limits */
			   "pool = plain\n"
			   "\n"
			   "[52:54:00:00:00:06]\n" /* no pool: its own only */
			   "host = 10.0.0.5\n"
			   "port = 5900\n"
			   "max_session = 900\n"
			   "\n"
			   "[52:54:00:00:00:07]\n" /* nothing */
			   "host = 10.0.0.5\n"
			   "port = 5900\n";

/* -1: not in the reply. */
struct limits_case {
	const char *mac;
	long max, idle, warning;
};

static const struct limits_case limits_cases[] = {
    {"52:54:00:00:00:01", -1, 600, 30}, {"52:54:00:00:00:02", -1, 120, 15},
    {"52:54:00:00:00:03", -1, 0, 30},	{"52:54:00:00:00:04", 3600, 600, 30},
    {"52:54:00:00:00:05", -1, -1, -1},	{"52:54:00:00:00:06", 900, -1, -1},
    {"52:54:00:00:00:07", -1, -1, -1},
};

static struct st_config *cfg;
static struct broker_frags *frags;

/* policy.session.FIELD of a reply, -1 when absent; fails on a non-integer. */
static long session_field(json_object *session, const char *field)
{
	json_object *v;

	if (!session || !json_object_object_get_ex(session, field, &v))
		return -1;
	g_assert_true(json_object_is_type(v, json_type_int));
	return (long)json_object_get_int64(v);
}

static void test_limits(gconstpointer data)
{
	const struct limits_case *c = data;
	struct broker_reply_ident id = {c->mac, "10.1.2.3", NULL};
	json_object *root, *policy, *session = NULL;
	const struct st_entry *e;
	struct ipaddr ip;
	uint8_t mac[6];
	size_t len;
	char *s;

	g_assert_cmpint(mac_parse(c->mac, mac), ==, 0);
	g_assert_cmpint(ip_parse(id.ip, &ip), ==, 0);
	e = st_config_match(cfg, mac, &ip, NULL);
	g_assert_nonnull(e);
	s = broker_reply_station(broker_reply_frag(frags, e->index), &id, NULL, &len);
	g_test_message("%s", s);
	root = json_tokener_parse(s);
	g_assert_nonnull(root);
	g_assert_true(json_object_object_get_ex(root, "policy", &policy));
	if (c->max < 0 && c->idle < 0 && c->warning < 0)
		/* Nothing set: no object at all, the reply as before. */
		g_assert_false(json_object_object_get_ex(policy, "session", &session));
	else
		g_assert_true(json_object_object_get_ex(policy, "session", &session));
	g_assert_cmpint(session_field(session, "max_seconds"), ==, c->max);
	g_assert_cmpint(session_field(session, "idle_seconds"), ==, c->idle);
	g_assert_cmpint(session_field(session, "warning_seconds"), ==, c->warning);
	json_object_put(root);
	free(s);
}

/* stationctl show names where each limit came from: the group's, the
 * pool's, the station's own. */
static void test_origin(void)
{
	static const struct {
		enum st_key key;
		const char *section;
	} want[] = {
	    {ST_KEY_MAX_SESSION, "group:kiosks"},
	    {ST_KEY_IDLE_LOGOUT, "pool:lab"},
	    {ST_KEY_LIMIT_WARNING, "pool:lab"},
	};
	struct ipaddr ip;
	uint8_t mac[6];
	const struct st_entry *e;

	g_assert_cmpint(mac_parse("52:54:00:00:00:04", mac), ==, 0);
	g_assert_cmpint(ip_parse("10.1.2.3", &ip), ==, 0);
	e = st_config_match(cfg, mac, &ip, NULL);
	g_assert_nonnull(e);
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(st_entry_origin(e, want[i].key).section, ==, want[i].section);
	/* The pool's value a station overrides is the station's. */
	g_assert_cmpint(mac_parse("52:54:00:00:00:02", mac), ==, 0);
	e = st_config_match(cfg, mac, &ip, NULL);
	g_assert_cmpstr(st_entry_origin(e, ST_KEY_IDLE_LOGOUT).section, ==, "52:54:00:00:00:02");
}

int main(int argc, char **argv)
{
	struct st_diags d = {0};
	struct st_doc *doc;
	int rc;

	g_test_init(&argc, &argv, NULL);
	doc = st_doc_parse(conf, strlen(conf), "limits.conf", &d);
	g_assert_nonnull(doc);
	cfg = st_config_build(doc, "/", &d);
	if (!cfg)
		st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);
	frags = broker_reply_frags_build(cfg);
	g_assert_nonnull(frags);
	for (size_t i = 0; i < G_N_ELEMENTS(limits_cases); i++) {
		char *path = g_strdup_printf("/stations-limits/%s", limits_cases[i].mac);
		g_test_add_data_func(path, &limits_cases[i], test_limits);
		g_free(path);
	}
	g_test_add_func("/stations-limits/origin", test_origin);
	rc = g_test_run();
	broker_reply_frags_free(frags);
	st_config_free(cfg);
	st_doc_free(doc);
	st_diags_free(&d);
	return rc;
}
