/* The stations file: parsing, validation messages, match precedence,
 * inheritance, and edits that keep every untouched line. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stations.h"

static const char *const sample = "# lab stations\n"
				  "[group:lab]\n"
				  "protocol = spice\n"
				  "host = 10.0.0.5\n"
				  "message = \"  Welcome\\nto the lab \"\n"
				  "fallback = vnc://10.0.0.5:5901\n"
				  "\n"
				  "; the teacher's desk\n"
				  "[52:54:00:12:34:56]\n"
				  "name = teacher\n"
				  "group = lab\n"
				  "port = 5900\n"
				  "\n"
				  "[10.1.2.3]\n"
				  "host = desk-3.example\n"
				  "protocol = rdp\n"
				  "\n"
				  "[10.1.0.0/16]\n"
				  "group = lab\n"
				  "port = 5910\n"
				  "\n"
				  "[10.1.2.0/24]\n"
				  "group = lab\n"
				  "port = 5924\n"
				  "\n"
				  "[st-*]\n"
				  "host = 10.0.0.9\n"
				  "port = 5950\n"
				  "\n"
				  "[st-1?]\n"
				  "host = 10.0.0.9\n"
				  "port = 5951\n"
				  "\n"
				  "[default]\n"
				  "maintenance = yes\n"
				  "message = Not set up yet\n";

static struct st_config *build(const char *text, struct st_diags *d)
{
	struct st_doc *doc = st_doc_parse(text, strlen(text), "stations.conf", d);
	g_assert_nonnull(doc);
	struct st_config *cfg = st_config_build(doc, NULL, d);
	st_doc_free(doc);
	return cfg;
}

static const struct st_entry *match(const struct st_config *cfg, const char *mac, const char *ip,
				    const char *host)
{
	uint8_t m[6];
	struct ipaddr a;
	if (mac)
		g_assert_cmpint(mac_parse(mac, m), ==, 0);
	if (ip)
		g_assert_cmpint(ip_parse(ip, &a), ==, 0);
	return st_config_match(cfg, mac ? m : NULL, ip ? &a : NULL, host);
}

static void test_precedence(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(sample, &d);
	if (!cfg)
		st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);

	static const struct {
		const char *mac, *ip, *host;
		const char *want; /* section text; NULL means unknown */
	} cases[] = {
	    /* MAC beats everything */
	    {"52:54:00:12:34:56", "10.1.2.3", "st-12", "52:54:00:12:34:56"},
	    /* exact IP beats CIDR and glob */
	    {"52:54:00:00:00:01", "10.1.2.3", "st-12", "10.1.2.3"},
	    /* longest prefix wins */
	    {"52:54:00:00:00:01", "10.1.2.4", "st-12", "10.1.2.0/24"},
	    {"52:54:00:00:00:01", "10.1.3.4", "st-12", "10.1.0.0/16"},
	    /* most literal glob wins; case-insensitive */
	    {"52:54:00:00:00:01", "192.168.1.1", "ST-12", "st-1?"},
	    {"52:54:00:00:00:01", "192.168.1.1", "st-2", "st-*"},
	    /* nothing else: default */
	    {"52:54:00:00:00:01", "192.168.1.1", "pc-1", "default"},
	    {NULL, NULL, NULL, "default"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct st_entry *e = match(cfg, cases[i].mac, cases[i].ip, cases[i].host);
		g_assert_nonnull(e);
		g_assert_cmpstr(e->target.text, ==, cases[i].want);
	}
	st_config_free(cfg);
	st_diags_free(&d);

	/* Without a default section, an unmatched station is unknown. */
	cfg = build("[st-*]\nhost = h\nport = 1\n", &d);
	g_assert_nonnull(cfg);
	g_assert_null(match(cfg, "52:54:00:00:00:01", "10.9.9.9", "pc-1"));
	g_assert_nonnull(match(cfg, NULL, NULL, "st-x"));
	st_config_free(cfg);
	st_diags_free(&d);
}

static void test_inheritance(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(sample, &d);
	g_assert_nonnull(cfg);
	const struct st_entry *e = match(cfg, "52:54:00:12:34:56", NULL, NULL);
	g_assert_cmpstr(e->name, ==, "teacher");
	g_assert_cmpstr(e->values[ST_KEY_HOST], ==, "10.0.0.5");
	g_assert_cmpstr(st_entry_origin(e, ST_KEY_HOST).section, ==, "group:lab");
	g_assert_cmpuint(st_entry_origin(e, ST_KEY_HOST).line, ==, 4);
	g_assert_cmpstr(st_entry_origin(e, ST_KEY_PORT).section, ==, "52:54:00:12:34:56");
	g_assert_cmpuint(st_entry_origin(e, ST_KEY_PORT).line, ==, 12);
	g_assert_null(st_entry_origin(e, ST_KEY_LOGIN).section); /* built-in */
	g_assert_cmpstr(st_entry_origin(e, ST_KEY_GROUP).section, ==, "52:54:00:12:34:56");
	/* The group's fallback list, with the group's line for its first. */
	g_assert_cmpuint(e->n_fallbacks, ==, 1);
	g_assert_cmpstr(e->fallbacks[0], ==, "vnc://10.0.0.5:5901");
	g_assert_cmpstr(st_entry_origin(e, ST_KEY_FALLBACK).section, ==, "group:lab");
	g_assert_cmpuint(st_entry_origin(e, ST_KEY_FALLBACK).line, ==, 6);
	g_assert_cmpstr(e->message, ==, "  Welcome\nto the lab ");
	g_assert_cmpuint(e->n_endpoints, ==, 2);
	g_assert_cmpint(e->endpoints[0].protocol, ==, ST_PROTO_SPICE);
	g_assert_cmpuint(e->endpoints[0].port, ==, 5900);
	g_assert_cmpint(e->endpoints[1].protocol, ==, ST_PROTO_VNC);
	g_assert_cmpuint(e->endpoints[1].port, ==, 5901);
	g_assert_cmpstr(e->usb_redirect, ==, ST_USB_REDIRECT_DEFAULT);
	g_assert_false(e->login_broker);

	e = match(cfg, NULL, "10.1.2.3", NULL);
	g_assert_cmpuint(e->n_endpoints, ==, 1);
	g_assert_cmpint(e->endpoints[0].protocol, ==, ST_PROTO_RDP);
	g_assert_cmpuint(e->endpoints[0].port, ==, 3389); /* rdp default */

	e = match(cfg, NULL, NULL, NULL);
	g_assert_true(e->maintenance);
	g_assert_cmpuint(e->n_endpoints, ==, 0);
	st_config_free(cfg);
	st_diags_free(&d);
}

/* Each bad file must be refused with this message on this line. */
static void test_validation(void)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *msg;
	} cases[] = {
	    {"[52:54:00:12:34]\n", 1, "not a MAC address"},
	    {"[10.1.2.3/16]\n", 1, "did you mean 10.1.0.0/16"},
	    {"[st-01]\nhost=h\nport=1\n", 1, "plain host name"},
	    {"[default]\nhots = h\n", 2, "unknown key 'hots'"},
	    {"[default]\nhost = h\nport = 70000\n", 3, "not a port"},
	    {"[default]\nhost = h\nport = 1\nport = 2\n", 4, "set twice"},
	    {"[default]\ngroup = nope\n", 2, "group 'nope' is not defined"},
	    {"[default]\nport = 1\n", 1, "has no host"},
	    {"[default]\nhost = h\n", 1, "no port or tls_port"},
	    {"[default]\nhost = h\nport = 1\n[default]\nhost = h\nport = 1\n", 4, "appears twice"},
	    {"host = h\n", 1, "before the first"},
	    {"[default\n", 1, "alone on its line"},
	    {"[default]\nhost\n", 2, "expected 'key = value'"},
	    {"[default]\nmessage = \"abc\n", 2, "unterminated"},
	    {"[default]\nmessage = \"a\\qb\"\n", 2, "unknown escape"},
	    {"[default]\nprotocol = ica\n", 2, "not spice, rdp or vnc"},
	    {"[default]\nmaintenance = maybe\n", 2, "not yes or no"},
	    {"[default]\nusb_deny = 0x03,-1,-1\n", 2, "USB filter rule 1"},
	    {"[default]\nfallback = ftp://h:1\n", 2, "unknown protocol"},
	    {"[default]\nfallback = spice://h\n", 2, "needs a port"},
	    {"[default]\nhost = bad_host\n", 2, "not a host name"},
	    {"[default]\nname = a\x01b\n", 2, "control characters"},
	    {"[default]\nname = \xc3\x28\n", 2, "not UTF-8"},
	    {"[group:g]\ngroup = x\n", 2, "cannot itself be in a group"},
	    {"[default]\nmaintenance = yes\nca = /nonexistent/ca.pem\nhost=h\nport=1\n", 3,
	     "cannot read"},
	    {"[default]\nhost = h\nport = 1\nconnection_file = d.vv\n", 1,
	     "more than one of host, connection_file and connection_url"},
	    {"[group:g]\nconnection_url = https://pve.example.org/d.vv\n[default]\ngroup = g\n"
	     "connection_file = d.vv\n",
	     3, "more than one of"},
	    {"[default]\nconnection_url = http://pve.example.org/d.vv\n", 2, "not an https:// URL"},
	    {"[default]\nconnection_url = https://user:pw@pve.example.org/d.vv\n", 2, "no user@"},
	    {"[default]\nconnection_url = ftp://127.0.0.1/d.vv\n", 2, "not an https:// URL"},
	    {"[default]\nconnection_url = https://pve.example.org:99999/d.vv\n", 2,
	     "not an https:// URL"},
	    {"[default]\nconnection_url = https://h/x\nconnection_method = put\n", 3,
	     "not get or post"},
	    {"[default]\nconnection_file = d.vv\nconnection_auth = token\n", 1,
	     "but no connection_url"},
	    {"[default]\ndomain = d\nhost = h\n", 1, "both 'domain' and 'host'"},
	    {"[group:g]\nhost = h\n[default]\ngroup = g\ndomain = d\n", 3,
	     "both 'domain' and 'host' (from [group:g])"},
	    {"[default]\ndomain = d\nport = 5900\n", 1, "both 'domain' and 'port'"},
	    {"[default]\ndomain = d\npassword = p\n", 1, "password comes from the broker"},
	    {"[default]\ndomain = d\nprotocol = rdp\n", 1, "spice or vnc, not rdp"},
	    {"[default]\ndomain = a/b\n", 2, "not a domain name"},
	    {"[default]\ndomain = d\nlibvirt_uri = /var/run/sock\n", 3, "not a libvirt URI"},
	    {"[default]\ndomain = d\ndomain_password = always\n", 3, "not one-time or none"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct st_diags d = {0};
		struct st_config *cfg = build(cases[i].text, &d);
		if (cfg || d.n == 0 || d.v[0].line != cases[i].line ||
		    !strstr(d.v[0].msg, cases[i].msg)) {
			g_test_message("case %zu: %s", i, cases[i].text);
			st_diags_print(&d, stderr);
		}
		g_assert_null(cfg);
		g_assert_cmpuint(d.n, >, 0);
		g_assert_cmpuint(d.v[0].line, ==, cases[i].line);
		g_assert_nonnull(strstr(d.v[0].msg, cases[i].msg));
		st_diags_free(&d);
	}
}

/* connection_file and connection_url stand in for host: paths relative to
 * the stations file's folder, the method, the auth file, and the URL's CA
 * taken from ca; fallbacks still follow. */
static void test_connection_keys(void)
{
	static const char text[] = "[52:54:00:00:00:01]\n"
				   "connection_file = vv/desk1.vv\n"
				   "fallback = vnc://10.0.0.9:5901\n"
				   "[52:54:00:00:00:02]\n"
				   "connection_url = https://pve.example.org:8006/desk2.vv?vm=102\n"
				   "connection_auth = /etc/vdi/pve-token\n"
				   "connection_method = post\n"
				   "[52:54:00:00:00:03]\n"
				   "connection_url = http://127.0.0.1:8080/d.vv\n"
				   "[52:54:00:00:00:04]\n"
				   "connection_url = http://[::1]/d.vv\n";
	struct st_diags d = {0};
	struct st_doc *doc = st_doc_parse(text, strlen(text), "stations.conf", &d);
	struct st_config *cfg;
	const struct st_entry *e;

	g_assert_nonnull(doc);
	cfg = st_config_build(doc, "/srv/vdi", &d);
	st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);
	e = match(cfg, "52:54:00:00:00:01", NULL, NULL);
	g_assert_cmpstr(e->connection_file, ==, "/srv/vdi/vv/desk1.vv");
	g_assert_null(e->connection_url);
	g_assert_cmpuint(e->n_endpoints, ==, 1); /* the fallback only */
	g_assert_cmpint(e->endpoints[0].protocol, ==, ST_PROTO_VNC);
	e = match(cfg, "52:54:00:00:00:02", NULL, NULL);
	g_assert_null(e->connection_file);
	g_assert_cmpstr(e->connection_url, ==, "https://pve.example.org:8006/desk2.vv?vm=102");
	g_assert_cmpstr(e->connection_auth, ==, "/etc/vdi/pve-token");
	g_assert_true(e->connection_post);
	g_assert_null(e->connection_ca_pem);
	g_assert_cmpuint(e->n_endpoints, ==, 0);
	e = match(cfg, "52:54:00:00:00:03", NULL, NULL);
	g_assert_false(e->connection_post); /* get by default */
	g_assert_cmpstr(e->values[ST_KEY_CONNECTION_METHOD], ==, "get");
	g_assert_null(e->connection_auth);
	st_config_free(cfg);
	st_doc_free(doc);
	st_diags_free(&d);
	g_assert_cmpint(st_key_lookup("connection_url"), ==, ST_KEY_CONNECTION_URL);
}

/* A libvirt domain desktop: typed fields, defaults, no static endpoint. */
static void test_domain(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build("[group:vms]\nlibvirt_uri = qemu+ssh://kvm1/system\n"
				      "[52:54:00:00:00:01]\ngroup = vms\ndomain = desk-1\n"
				      "fallback = vnc://10.0.0.9:5901\n"
				      "[52:54:00:00:00:02]\ndomain = desk-2\nprotocol = vnc\n"
				      "domain_password = none\n"
				      "[52:54:00:00:00:03]\nhost = h\nport = 1\n",
				      &d);
	const struct st_entry *e;

	st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);
	e = match(cfg, "52:54:00:00:00:01", NULL, NULL);
	g_assert_cmpstr(e->domain, ==, "desk-1");
	g_assert_cmpstr(e->libvirt_uri, ==, "qemu+ssh://kvm1/system");
	g_assert_true(e->domain_one_time);
	g_assert_cmpuint(e->n_endpoints, ==, 1); /* the fallback only */
	g_assert_cmpuint(e->endpoints[0].port, ==, 5901);
	e = match(cfg, "52:54:00:00:00:02", NULL, NULL);
	g_assert_cmpstr(e->libvirt_uri, ==, ST_LIBVIRT_URI_DEFAULT);
	g_assert_false(e->domain_one_time);
	g_assert_cmpuint(e->n_endpoints, ==, 0);
	e = match(cfg, "52:54:00:00:00:03", NULL, NULL);
	g_assert_null(e->domain);
	g_assert_null(e->libvirt_uri);
	st_config_free(cfg);
	st_diags_free(&d);
}

#define POOL_OK "[pool:lab]\ntemplate = t.xml\nbase_image = /img/base.qcow2\noverlay_dir = ov\n"

static void test_pool(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(POOL_OK "size = 3\nmax = 5\nidle_timeout = 90\n"
					      "libvirt_uri = qemu:///session\nprotocol = vnc\n"
					      "[pool:quiet]\ntemplate = /t.xml\nbase_image = b\n"
					      "overlay_dir = /ov\nmaintenance = yes\n"
					      "message = Updating\n"
					      "[group:g]\npool = lab\n"
					      "[52:54:00:00:00:01]\ngroup = g\nname = one\n"
					      "[52:54:00:00:00:02]\npool = quiet\n",
				      &d);
	const struct st_entry *e;
	struct st_target t;
	char err[200];

	st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);
	g_assert_cmpint(st_target_parse("pool:lab", &t, err, sizeof(err)), ==, 0);
	e = st_config_find(cfg, &t);
	g_assert_nonnull(e);
	g_assert_cmpint(e->target.kind, ==, ST_POOL);
	g_assert_cmpstr(st_kind_name(e->target.kind), ==, "pool");
	g_assert_cmpstr(e->pool->name, ==, "lab");
	/* Relative paths are taken from the stations file's folder (NULL
	 * here: as written), absolute ones as they are. */
	g_assert_cmpstr(e->pool->template_xml, ==, "t.xml");
	g_assert_cmpstr(e->pool->base_image, ==, "/img/base.qcow2");
	g_assert_cmpuint(e->pool->size, ==, 3);
	g_assert_cmpuint(e->pool->max, ==, 5);
	g_assert_cmpuint(e->pool->idle_timeout, ==, 90);
	g_assert_cmpint(e->pool->protocol, ==, ST_PROTO_VNC);
	g_assert_cmpstr(e->pool->libvirt_uri, ==, "qemu:///session");
	g_assert_false(e->pool->maintenance);

	e = match(cfg, "52:54:00:00:00:01", NULL, NULL);
	g_assert_nonnull(e->pool);
	g_assert_cmpstr(e->pool->name, ==, "lab");
	g_assert_false(e->maintenance);
	g_assert_cmpuint(e->n_endpoints, ==, 0);
	/* A pool's maintenance is its stations'. */
	e = match(cfg, "52:54:00:00:00:02", NULL, NULL);
	g_assert_cmpstr(e->pool->name, ==, "quiet");
	g_assert_true(e->maintenance);
	g_assert_cmpstr(e->message, ==, "Updating");
	g_assert_cmpuint(e->pool->size, ==, 1); /* defaults */
	g_assert_cmpuint(e->pool->max, ==, 1);
	g_assert_cmpuint(e->pool->idle_timeout, ==, ST_POOL_IDLE_DEFAULT);
	g_assert_cmpstr(e->pool->libvirt_uri, ==, ST_LIBVIRT_URI_DEFAULT);
	/* Pools are never a station's match. */
	g_assert_true(match(cfg, NULL, NULL, "lab") == NULL);
	st_config_free(cfg);
	st_diags_free(&d);

	cfg = build("[pool:p]\ntemplate = t\nbase_image = b\noverlay_dir = o\nsize = 0\n", &d);
	g_assert_nonnull(cfg);
	g_assert_cmpuint(st_config_entry(cfg, 0)->pool->size, ==, 0); /* drained */
	g_assert_cmpuint(st_config_entry(cfg, 0)->pool->max, ==, 1);
	st_config_free(cfg);
	st_diags_free(&d);
}

static void test_pool_errors(void)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *msg;
	} cases[] = {
	    {"[pool:]\n", 1, "not a valid pool name"},
	    {"[pool:a b]\n", 1, "not a valid pool name"},
	    {"[pool:.x]\n", 1, "not a valid pool name"},
	    {POOL_OK "host = h\n", 5, "cannot be set in a [pool:NAME] section"},
	    {POOL_OK "pool = lab\n", 5, "cannot be set in a [pool:NAME] section"},
	    {POOL_OK "size = -1\n", 5, "size: '-1' is not a number from 0 to 1000"},
	    {POOL_OK "max = 0\n", 5, "max: '0' is not a number from 1 to 1000"},
	    {POOL_OK "max = 1001\n", 5, "not a number from 1 to 1000"},
	    {POOL_OK "idle_timeout = 5s\n", 5, "idle_timeout: '5s' is not a number"},
	    {POOL_OK "size = 4\nmax = 2\n", 1, "max (2) is smaller than size (4)"},
	    {POOL_OK "protocol = rdp\n", 1, "spice or vnc, not rdp"},
	    {POOL_OK "template = a,b\n", 5, "template: 'a,b' has one of"},
	    {"[pool:p]\ntemplate = t\nbase_image = b\n", 1, "[pool:p] has no 'overlay_dir'"},
	    {"[pool:p]\nbase_image = b\noverlay_dir = o\n", 1, "has no 'template'"},
	    {"[default]\nsize = 2\n", 2, "'size' belongs in a [pool:NAME] section"},
	    {"[group:g]\ntemplate = t\n", 2, "belongs in a [pool:NAME] section"},
	    {"[default]\npool = nope\n", 2, "pool 'nope' is not defined (no [pool:nope] section)"},
	    {"[group:g]\npool = nope\n[default]\ngroup = g\n", 2, "pool 'nope' is not defined"},
	    {"[default]\npool = bad/name\n", 2, "not a valid pool name"},
	    {POOL_OK "[default]\npool = lab\nhost = h\n", 5, "sets both 'pool' and 'host'"},
	    {POOL_OK "[default]\npool = lab\ndomain = d\n", 5, "sets both 'pool' and 'domain'"},
	    {POOL_OK "[group:g]\nprotocol = vnc\n[default]\ngroup = g\npool = lab\n", 7,
	     "sets both 'pool' and 'protocol' (from [group:g])"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct st_diags d = {0};
		struct st_config *cfg = build(cases[i].text, &d);
		bool found = false;

		for (size_t k = 0; k < d.n; k++)
			if (d.v[k].line == cases[i].line && strstr(d.v[k].msg, cases[i].msg))
				found = true;
		if (!found) {
			g_printerr("case %zu: want line %u '%s', got:\n", i, cases[i].line,
				   cases[i].msg);
			st_diags_print(&d, stderr);
		}
		g_assert_null(cfg);
		g_assert_true(found);
		st_diags_free(&d);
	}
}

/* stationctl edits go through the same per-section key rules. */
static void test_pool_edits(void)
{
	struct st_diags d = {0};
	struct st_doc *doc = st_doc_parse(POOL_OK, strlen(POOL_OK), "s", &d);
	struct st_target t;
	char err[300];
	char *ok_kv[] = {"size=4", "max=6"}, *bad_kv[] = {"host=h"}, *st_kv[] = {"pool=lab"};

	g_assert_nonnull(doc);
	g_assert_cmpint(st_target_parse("pool:lab", &t, err, sizeof(err)), ==, 0);
	g_assert_cmpint(st_doc_set(doc, &t, ok_kv, 2, err, sizeof(err)), ==, 0);
	g_assert_cmpint(st_doc_set(doc, &t, bad_kv, 1, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "cannot be set in a [pool:NAME] section"));
	g_assert_cmpint(st_target_parse("52:54:00:00:00:09", &t, err, sizeof(err)), ==, 0);
	g_assert_cmpint(st_doc_add(doc, &t, st_kv, 1, err, sizeof(err)), ==, 0);
	st_doc_free(doc);
	st_diags_free(&d);
}

/* Every error is reported, not just the first. */
static void test_all_errors(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build("[default]\nhots = 1\nport = x\n[bad mac]\n", &d);
	g_assert_null(cfg);
	g_assert_cmpuint(d.n, ==, 4); /* hots, port, header, and no host */
	st_diags_free(&d);
}

/* A file with more errors than are kept: every one counted, the first
 * ST_DIAGS_KEPT kept in order, and the rest printed as a count. */
static void test_diag_cap(void)
{
	const unsigned n = ST_DIAGS_KEPT + 500;
	GString *s = g_string_new("");
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, "junk %u\n", i);
	struct st_diags d = {0};
	g_assert_null(build(s->str, &d));
	g_assert_cmpuint(d.n, ==, n);
	g_assert_cmpuint(d.cap, <=, ST_DIAGS_KEPT);
	g_assert_cmpuint(d.v[0].line, ==, 1);
	g_assert_cmpuint(d.v[ST_DIAGS_KEPT - 1].line, ==, ST_DIAGS_KEPT);

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	g_assert_nonnull(f);
	st_diags_print(&d, f);
	fclose(f);
	unsigned lines = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	g_assert_cmpuint(lines, ==, ST_DIAGS_KEPT + 1);
	g_assert_nonnull(strstr(out, "stations.conf: and 500 more errors\n"));
	free(out);
	st_diags_free(&d);
	g_string_free(s, TRUE);
}

static char *edit_text(const char *text,
		       int (*fn)(struct st_doc *, const struct st_target *, char *const *, size_t,
				 char *, size_t),
		       const char *target, char **kvs, size_t n, int want)
{
	struct st_diags d = {0};
	struct st_doc *doc = st_doc_parse(text, strlen(text), "f", &d);
	g_assert_cmpuint(d.n, ==, 0);
	struct st_target t;
	char err[256];
	g_assert_cmpint(st_target_parse(target, &t, err, sizeof(err)), ==, 0);
	int r = fn ? fn(doc, &t, kvs, n, err, sizeof(err)) : st_doc_del(doc, &t, err, sizeof(err));
	if (r != want)
		g_test_message("edit: %s", err);
	g_assert_cmpint(r, ==, want);
	char *out = st_doc_serialize(doc, NULL);
	st_doc_free(doc);
	st_diags_free(&d);
	return out;
}

static void test_edits(void)
{
	const char *base = "# head\n"
			   "[group:lab]\n"
			   "host = 10.0.0.5   \n"
			   "\n"
			   "# about st-1\n"
			   "[52:54:00:00:00:01]\n"
			   "name = St one  # trailing text is part of the value\n"
			   "port = 5900\n"
			   "fallback = vnc://h:1\n"
			   "fallback = vnc://h:2\n"
			   "\n"
			   "# about st-2\n"
			   "[52:54:00:00:00:02]\n"
			   "port = 5901\n";
	char *kv1[] = {"port=5999", "group=lab"};
	char *out = edit_text(base, st_doc_set, "52-54-00-00-00-01", kv1, 2, 0);
	/* Only the port line changes; name is added after the last key. */
	g_assert_cmpstr(out, ==,
			"# head\n[group:lab]\nhost = 10.0.0.5   \n\n# about st-1\n"
			"[52:54:00:00:00:01]\nname = St one  # trailing text is part of the value\n"
			"port = 5999\nfallback = vnc://h:1\nfallback = vnc://h:2\ngroup = lab\n"
			"\n# about st-2\n[52:54:00:00:00:02]\nport = 5901\n");
	g_free(out);

	char *kv2[] = {"fallback=rdp://r", "port="};
	out = edit_text(base, st_doc_set, "52:54:00:00:00:01", kv2, 2, 0);
	g_assert_nonnull(strstr(out, "[52:54:00:00:00:01]\nname = St one  # trailing text is part "
				     "of the value\nfallback = rdp://r\n\n"));
	g_assert_null(strstr(out, "port = 5900"));
	g_free(out);

	out = edit_text(base, NULL, "52:54:00:00:00:01", NULL, 0, 0);
	g_assert_cmpstr(out, ==,
			"# head\n[group:lab]\nhost = 10.0.0.5   \n\n# about st-2\n"
			"[52:54:00:00:00:02]\nport = 5901\n");
	g_free(out);

	char *kv3[] = {"host=10.0.0.7", "port=5902", "message= two words "};
	out = edit_text(base, st_doc_add, "10.2.0.0/16", kv3, 3, 0);
	g_assert_true(g_str_has_suffix(out, "port = 5901\n\n[10.2.0.0/16]\nhost = 10.0.0.7\n"
					    "port = 5902\nmessage = \" two words \"\n"));
	g_free(out);

	/* Refused edits leave the text as it was. */
	char *bad[] = {"port=0"};
	out = edit_text(base, st_doc_set, "52:54:00:00:00:02", bad, 1, -1);
	g_assert_cmpstr(out, ==, base);
	g_free(out);
	char *bad2[] = {"colour=red"};
	out = edit_text(base, st_doc_add, "10.9.0.0/16", bad2, 1, -1);
	g_assert_cmpstr(out, ==, base);
	g_free(out);
	char *ok[] = {"port=1"};
	out = edit_text(base, st_doc_add, "52:54:00:00:00:02", ok, 1, -1);
	g_assert_cmpstr(out, ==, base);
	g_free(out);
	out = edit_text(base, st_doc_set, "52:54:00:00:00:03", ok, 1, -1);
	g_assert_cmpstr(out, ==, base);
	g_free(out);
}

static void test_roundtrip_quoting(void)
{
	static const char *const values[] = {"plain", " lead",	      "trail ",	   "a\"b",
					     "\"q\"", "line1\nline2", "tab\there", "back\\slash"};
	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		char kv[64];
		snprintf(kv, sizeof(kv), "message=%s", values[i]);
		char *kvs[] = {kv, "maintenance=yes"};
		char *out = edit_text("", st_doc_add, "default", kvs, 2, 0);
		struct st_diags d = {0};
		struct st_config *cfg = build(out, &d);
		g_assert_nonnull(cfg);
		g_assert_cmpstr(match(cfg, NULL, NULL, NULL)->message, ==, values[i]);
		st_config_free(cfg);
		st_diags_free(&d);
		g_free(out);
	}
}

static void test_scale(void)
{
	/* 20,000 MACs plus CIDRs: every one is found, misses are unknown. */
	GString *s = g_string_new("");
	for (unsigned i = 0; i < 20000; i++)
		g_string_append_printf(s, "[52:54:00:%02x:%02x:%02x]\nhost = h\nport = %u\n\n",
				       i >> 16, (i >> 8) & 0xff, i & 0xff, 1 + i % 60000);
	for (unsigned i = 0; i < 200; i++)
		g_string_append_printf(s, "[10.%u.0.0/16]\nhost = h\nport = 1\n", i);
	struct st_diags d = {0};
	struct st_config *cfg = build(s->str, &d);
	g_assert_nonnull(cfg);
	for (unsigned i = 0; i < 20000; i += 97) {
		char mac[18];
		snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", i >> 16, (i >> 8) & 0xff,
			 i & 0xff);
		const struct st_entry *e = match(cfg, mac, NULL, NULL);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->endpoints[0].port, ==, 1 + i % 60000);
	}
	g_assert_null(match(cfg, "52:54:01:00:00:00", "10.250.0.1", NULL));
	g_assert_cmpstr(match(cfg, "52:54:01:00:00:00", "10.199.3.4", NULL)->target.text, ==,
			"10.199.0.0/16");
	st_config_free(cfg);
	st_diags_free(&d);
	g_string_free(s, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stations/precedence", test_precedence);
	g_test_add_func("/stations/inheritance", test_inheritance);
	g_test_add_func("/stations/validation", test_validation);
	g_test_add_func("/stations/all-errors", test_all_errors);
	g_test_add_func("/stations/diag-cap", test_diag_cap);
	g_test_add_func("/stations/connection-keys", test_connection_keys);
	g_test_add_func("/stations/domain", test_domain);
	g_test_add_func("/stations/pool", test_pool);
	g_test_add_func("/stations/pool-errors", test_pool_errors);
	g_test_add_func("/stations/pool-edits", test_pool_edits);
	g_test_add_func("/stations/edits", test_edits);
	g_test_add_func("/stations/quoting", test_roundtrip_quoting);
	g_test_add_func("/stations/scale", test_scale);
	return g_test_run();
}
