/* Desktops chosen by the user: the [desktop:NAME], [user:NAME] and
 * [usergroup:NAME] sections, desktop_from, and which desktops a user gets
 * at a station, in which order and from which section. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stations.h"
#include "stations_keys.h"
#include "stations_user.h"

static const char *const sample = "[desktop:alice-vm]\n"	  /* 1 */
				  "name = Alice's desktop\n"	  /* 2 */
				  "protocol = vnc\n"		  /* 3 */
				  "host = 10.0.0.1\n"		  /* 4 */
				  "port = 5901\n"		  /* 5 */
				  "usb_deny = -1,-1,-1,-1,0\n"	  /* 6 */
				  "\n"				  /* 7 */
				  "[desktop:lab-pc]\n"		  /* 8 */
				  "protocol = rdp\n"		  /* 9 */
				  "host = lab.example.org\n"	  /* 10 */
				  "\n"				  /* 11 */
				  "[desktop:cad]\n"		  /* 12 */
				  "domain = cad-1\n"		  /* 13 */
				  "\n"				  /* 14 */
				  "[user:Alice]\n"		  /* 15 */
				  "desktops = alice-vm, lab-pc\n" /* 16 */
				  "\n"				  /* 17 */
				  "[usergroup:Engineers]\n"	  /* 18 */
				  "desktops = cad, lab-pc\n"	  /* 19 */
				  "\n"				  /* 20 */
				  "[usergroup:Domain Users]\n"	  /* 21 */
				  "desktops = lab-pc,alice-vm\n"  /* 22 */
				  "\n"				  /* 23 */
				  "[group:hot]\n"		  /* 24 */
				  "login = broker\n"		  /* 25 */
				  "desktop_from = user\n"	  /* 26 */
				  "\n"				  /* 27 */
				  "[52:54:00:00:00:01]\n"	  /* 28 */
				  "group = hot\n"		  /* 29 */
				  "\n"				  /* 30 */
				  "[52:54:00:00:00:02]\n"	  /* 31 */
				  "login = broker\n"		  /* 32 */
				  "host = kiosk.example.org\n"	  /* 33 */
				  "protocol = rdp\n"		  /* 34 */
				  "\n"				  /* 35 */
				  "[52:54:00:00:00:03]\n"	  /* 36 */
				  "group = hot\n"		  /* 37 */
				  "host = own.example.org\n"	  /* 38 */
				  "protocol = rdp\n";		  /* 39 */

static struct st_config *build(const char *text, struct st_diags *d)
{
	struct st_doc *doc = st_doc_parse(text, strlen(text), "stations.conf", d);
	g_assert_nonnull(doc);
	struct st_config *cfg = st_config_build(doc, NULL, d);
	st_doc_free(doc);
	return cfg;
}

static const struct st_entry *find(const struct st_config *cfg, const char *match)
{
	struct st_target t;
	char err[200];

	g_assert_cmpint(st_target_parse(match, &t, err, sizeof(err)), ==, 0);
	return st_config_find(cfg, &t);
}

/* "id@section:line id@section:line ..." for a user at a station. */
static char *resolve(const struct st_config *cfg, const char *station, const char *user,
		     const char *const *groups, size_t n, enum st_user_source *src)
{
	struct st_user_desktops *r = g_new0(struct st_user_desktops, 1);
	GString *s = g_string_new("");

	st_user_desktops(cfg, find(cfg, station), user, groups, n, r);
	*src = r->source;
	for (size_t i = 0; i < r->n; i++)
		g_string_append_printf(s, "%s%s@%s:%u", i ? " " : "",
				       st_user_desktop_id(r->v[i].desktop),
				       r->v[i].from->target.text, r->v[i].line);
	g_free(r);
	return g_string_free(s, FALSE);
}

static void test_sections(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(sample, &d);
	const struct st_entry *e;

	if (!cfg)
		st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);
	/* Header names: user and group names lower-cased, desktops as
	 * written. */
	e = find(cfg, "user:ALICE");
	g_assert_nonnull(e);
	g_assert_cmpstr(e->target.text, ==, "user:alice");
	g_assert_cmpint(e->target.kind, ==, ST_USER);
	g_assert_cmpuint(e->n_desktops, ==, 2);
	g_assert_cmpstr(e->desktops[0]->target.text, ==, "desktop:alice-vm");
	e = find(cfg, "usergroup:domain users");
	g_assert_nonnull(e);
	g_assert_cmpint(e->target.kind, ==, ST_USERGROUP);
	e = find(cfg, "desktop:alice-vm");
	g_assert_cmpint(e->target.kind, ==, ST_DESKTOP);
	g_assert_cmpuint(e->n_endpoints, ==, 1);
	g_assert_cmpstr(e->name, ==, "Alice's desktop");
	g_assert_cmpstr(e->endpoints[0].host, ==, "10.0.0.1");
	/* Desktop, user and group sections are never a station's match. */
	g_assert_null(
	    st_config_match(cfg, (const uint8_t *)"\x52\x54\x00\x00\x00\x09", NULL, "alice-vm"));
	/* desktop_from: from the group, default station. */
	g_assert_true(find(cfg, "52:54:00:00:00:01")->desktop_from_user);
	g_assert_cmpuint(st_entry_origin(find(cfg, "52:54:00:00:00:01"), ST_KEY_DESKTOP_FROM).line,
			 ==, 26);
	g_assert_false(find(cfg, "52:54:00:00:00:02")->desktop_from_user);
	st_config_free(cfg);
	st_diags_free(&d);
}

static void test_precedence(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(sample, &d);
	const char *const eng[] = {"Domain Users", "engineers"};
	const char *const du[] = {"domain users"};
	const char *const hostile[] = {
	    NULL, "", "*", "usergroup:engineers", "../engineers", "engineers\n", "x]\n[user:alice"};
	enum st_user_source src;
	char *s;

	g_assert_nonnull(cfg);
	/* The user's section first, then the groups in file order (not the
	 * login's order), each desktop once. */
	s = resolve(cfg, "52:54:00:00:00:01", "alice", eng, 2, &src);
	g_assert_cmpstr(s, ==,
			"alice-vm@user:alice:16 lab-pc@user:alice:16 cad@usergroup:engineers:19");
	g_assert_cmpint(src, ==, ST_USER_FROM_USER);
	g_free(s);
	/* Names compare without case. */
	s = resolve(cfg, "52:54:00:00:00:01", "ALICE", NULL, 0, &src);
	g_assert_cmpstr(s, ==, "alice-vm@user:alice:16 lab-pc@user:alice:16");
	g_free(s);
	/* Groups only: in file order, duplicates dropped. */
	s = resolve(cfg, "52:54:00:00:00:01", "bob", eng, 2, &src);
	g_assert_cmpstr(s, ==,
			"cad@usergroup:engineers:19 lab-pc@usergroup:engineers:19 "
			"alice-vm@usergroup:domain users:22");
	g_free(s);
	s = resolve(cfg, "52:54:00:00:00:01", "bob", du, 1, &src);
	g_assert_cmpstr(s, ==,
			"lab-pc@usergroup:domain users:22 alice-vm@usergroup:domain users:22");
	g_free(s);
	/* Nobody's: no desktop at a hot desk without one of its own... */
	s = resolve(cfg, "52:54:00:00:00:01", "carol", NULL, 0, &src);
	g_assert_cmpstr(s, ==, "");
	g_assert_cmpint(src, ==, ST_USER_NONE);
	g_free(s);
	/* ... the station's own where it has one... */
	s = resolve(cfg, "52:54:00:00:00:03", "carol", NULL, 0, &src);
	g_assert_cmpint(src, ==, ST_USER_FALLBACK);
	g_free(s);
	/* ... and a kiosk keeps its own whoever logs in. */
	s = resolve(cfg, "52:54:00:00:00:02", "alice", eng, 2, &src);
	g_assert_cmpstr(s, ==, "");
	g_assert_cmpint(src, ==, ST_USER_FROM_STATION);
	g_free(s);
	/* Hostile user and group names find nothing and break nothing. */
	s = resolve(cfg, "52:54:00:00:00:01", "x]\n[user:alice", hostile, 7, &src);
	g_assert_cmpstr(s, ==, "");
	g_assert_cmpint(src, ==, ST_USER_NONE);
	g_free(s);
	s = resolve(cfg, "52:54:00:00:00:01", "", NULL, 0, &src);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
	char *big = g_strnfill(100000, 'a');
	s = resolve(cfg, "52:54:00:00:00:01", big, (const char *const *)&big, 1, &src);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
	g_free(big);
	st_config_free(cfg);
	st_diags_free(&d);
}

static void test_find_and_entry(void)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(sample, &d);
	struct st_user_desktops *r = g_new0(struct st_user_desktops, 1);
	const struct st_entry *st = find(cfg, "52:54:00:00:00:01");
	const struct st_user_desktop *u;
	struct st_entry m;

	st_user_desktops(cfg, st, "alice", NULL, 0, r);
	/* Only the user's own ids are found; cad is someone else's. */
	g_assert_nonnull(st_user_desktops_find(r, "lab-pc"));
	g_assert_null(st_user_desktops_find(r, "cad"));
	g_assert_null(st_user_desktops_find(r, "LAB-PC"));
	g_assert_null(st_user_desktops_find(r, ""));
	g_assert_null(st_user_desktops_find(r, NULL));
	u = st_user_desktops_find(r, "alice-vm");
	g_assert_nonnull(u);
	/* The station with the desktop in it: the desktop's endpoints and
	 * own settings, the station's match and login. */
	st_user_desktop_entry(st, u->desktop, &m);
	g_assert_cmpstr(m.target.text, ==, "52:54:00:00:00:01");
	g_assert_true(m.login_broker);
	g_assert_cmpuint(m.n_endpoints, ==, 1);
	g_assert_cmpstr(m.endpoints[0].host, ==, "10.0.0.1");
	g_assert_cmpstr(m.values[ST_KEY_HOST], ==, "10.0.0.1");
	g_assert_cmpstr(m.values[ST_KEY_PROTOCOL], ==, "vnc");
	g_assert_cmpstr(m.usb_deny, ==, "-1,-1,-1,-1,0");
	g_assert_cmpstr(m.usb_redirect, ==, ST_USB_REDIRECT_DEFAULT);
	/* A libvirt domain desktop: nothing of a station's host is left. */
	st_user_desktop_entry(find(cfg, "52:54:00:00:00:03"), find(cfg, "desktop:cad"), &m);
	g_assert_cmpstr(m.domain, ==, "cad-1");
	g_assert_null(m.values[ST_KEY_HOST]);
	g_assert_cmpuint(m.n_endpoints, ==, 0);
	g_free(r);
	st_config_free(cfg);
	st_diags_free(&d);
}

/* A desktop from a pool brings the pool's session limits unless the
 * station sets its own. */
static void test_pool_limits(void)
{
	static const char text[] = "[pool:kiosks]\n"
				   "template = /t.xml\n"
				   "base_image = /b.qcow2\n"
				   "overlay_dir = /o\n"
				   "max_session = 600\n"
				   "[desktop:one-time]\n"
				   "pool = kiosks\n"
				   "[user:ann]\n"
				   "desktops = one-time\n"
				   "[1.2.3.4]\n"
				   "login = broker\n"
				   "desktop_from = user\n"
				   "[1.2.3.5]\n"
				   "login = broker\n"
				   "desktop_from = user\n"
				   "max_session = 300\n";
	struct st_diags d = {0};
	struct st_config *cfg = build(text, &d);
	const struct st_entry *desk;
	struct st_entry m;

	if (!cfg)
		st_diags_print(&d, stderr);
	g_assert_nonnull(cfg);
	desk = find(cfg, "desktop:one-time");
	g_assert_nonnull(desk->pool);
	st_user_desktop_entry(find(cfg, "1.2.3.4"), desk, &m);
	g_assert_true(m.pool == desk->pool);
	g_assert_cmpstr(m.values[ST_KEY_MAX_SESSION], ==, "600");
	st_user_desktop_entry(find(cfg, "1.2.3.5"), desk, &m);
	g_assert_cmpstr(m.values[ST_KEY_MAX_SESSION], ==, "300");
	st_config_free(cfg);
	st_diags_free(&d);
}

/* A file that must be refused, with this text in one of its messages. */
static void refused(const char *text, const char *msg)
{
	struct st_diags d = {0};
	struct st_config *cfg = build(text, &d);
	bool found = false;

	g_test_message("%s", text);
	g_assert_null(cfg);
	for (size_t i = 0; i < d.n && i < ST_DIAGS_KEPT; i++) {
		g_test_message("  %u: %s", d.v[i].line, d.v[i].msg);
		found = found || strstr(d.v[i].msg, msg);
	}
	g_assert_true(found);
	st_diags_free(&d);
}

static void test_validation(void)
{
	refused("[user:a]\ndesktops = nope\n", "desktop 'nope' is not defined");
	refused("[group:g]\nhost = h\n[user:a]\ndesktops = g\n", "[group:NAME] is for stations");
	refused("[user:a]\n", "[user:a] has no desktops");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\n[user:a]\ndesktops = d, d\n",
		"'d' is named twice");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\n[user:a]\ndesktops = d,,d\n",
		"an empty name");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\n[user:a]\ndesktops = d,\n",
		"an empty name");
	refused("[user:a]\ndesktops = ../etc\n", "not a valid desktop name");
	refused("[user:a]\ndesktops = .hidden\n", "not a valid desktop name");
	/* Bad section names. */
	refused("[user:a b]\n", "not a valid user name");
	refused("[user:-a]\n", "not a valid user name");
	refused("[user:]\n", "not a valid user name");
	refused("[usergroup: lead]\n", "not a valid user group name");
	refused("[usergroup:a*]\n", "not a valid user group name");
	refused("[desktop:a/b]\n", "not a valid desktop name");
	refused("[desktop:.x]\n", "not a valid desktop name");
	/* desktop_from: its values and what it needs. */
	refused("[1.2.3.4]\nhost = h\nprotocol = rdp\ndesktop_from = users\n", "desktop_from");
	refused("[1.2.3.4]\nhost = h\nprotocol = rdp\ndesktop_from = user\n",
		"desktops need a login");
	/* What only a station decides is not a desktop's; a desktop needs
	 * a desktop; a desktop section is no station's group. */
	refused("[desktop:d]\nhost = h\nprotocol = rdp\nlogin = broker\n",
		"the station decides it");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\ndesktop_from = user\n",
		"the station decides it");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\ngroup = g\n[group:g]\n", "cannot be set");
	refused("[desktop:d]\nprotocol = rdp\n", "[desktop:d] has no host");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\n[1.2.3.4]\ngroup = desktop:d\n", "group");
	/* Desktops go in user sections only, and users take nothing else. */
	refused("[1.2.3.4]\nhost = h\nprotocol = rdp\ndesktops = d\n", "belongs in a [user:NAME]");
	refused("[desktop:d]\nhost = h\nprotocol = rdp\n[user:a]\ndesktops = d\nhost = x\n",
		"cannot be set in a [user:NAME] section");
	/* Section names are unique without case. */
	refused("[desktop:d]\nhost = h\nprotocol = rdp\n[user:a]\ndesktops = d\n[user:A]\n"
		"desktops = d\n",
		"appears twice");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stations-user/sections", test_sections);
	g_test_add_func("/stations-user/precedence", test_precedence);
	g_test_add_func("/stations-user/find-and-entry", test_find_and_entry);
	g_test_add_func("/stations-user/validation", test_validation);
	g_test_add_func("/stations-user/pool-limits", test_pool_limits);
	return g_test_run();
}
