/* The session's parts that hold no GTK state: endpoint order and failover
 * (launcher_failover.c), the credential life cycle (launcher_cred.c) and
 * the table of message screens (launcher_errors.c). Endpoints come from a
 * real broker reply, parsed by the launcher's own parser. */
#include <glib.h>
#include <string.h>

#include "broker_reply_parse.h"
#include "launcher_cred.h"
#include "launcher_errors.h"
#include "launcher_failover.h"
#include "launcher_request.h"
#include "launcher_secret.h"
#include "launcher_ui_chooser.h"

static const char reply_text[] =
    "{\"status\":\"ready\",\"message\":\"Your desktop is ready.\","
    "\"station\":{\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.1.2.3\"},"
    "\"policy\":{\"login\":\"broker\",\"autoconnect\":false,\"sso\":true},"
    "\"endpoints\":[{\"protocol\":\"spice\",\"host\":\"10.0.0.5\",\"tls_port\":5901,"
    "\"password\":\"s3cret\"},{\"protocol\":\"rdp\",\"host\":\"rds.example.org\",\"port\":3389},"
    "{\"protocol\":\"vnc\",\"host\":\"fd00::5\",\"port\":5911}],"
    "\"user\":\"ann\",\"session\":\"00112233445566778899aabbccddeeff\"}";

static void parse_reply(struct broker_reply *r)
{
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	if (broker_reply_parse(reply_text, strlen(reply_text), r, err, sizeof(err)) != 0)
		g_error("the test's reply does not parse: %s", err);
	g_assert_cmpuint(r->n_endpoints, ==, 3);
}

/* The broker's order, one failure at a time, until none is left. */
static void test_failover_order(void)
{
	static const struct {
		const char *text, *attempt;
		gboolean fallback;
	} want[] = {
	    {"spice://10.0.0.5:5901", "1/3", FALSE},
	    {"rdp://rds.example.org:3389", "2/3", TRUE},
	    {"vnc://[fd00::5]:5911", "3/3", TRUE},
	};
	struct broker_reply r;
	LauncherFailover f;
	char attempt[16];

	parse_reply(&r);
	launcher_failover_init(&f);
	launcher_failover_take(&f, &r);
	g_assert_cmpuint(r.n_endpoints, ==, 0); /* moved: the passwords exist once */
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct broker_endpoint *ep = launcher_failover_endpoint(&f);
		g_autofree char *text = NULL;

		g_assert_nonnull(ep);
		text = launcher_endpoint_text(ep);
		g_assert_cmpstr(text, ==, want[i].text);
		g_assert_cmpint(launcher_failover_select(&f), ==, 0);
		g_assert_cmpint(launcher_failover_is_fallback(&f), ==, want[i].fallback);
		launcher_failover_attempt(&f, attempt, sizeof(attempt));
		g_assert_cmpstr(attempt, ==, want[i].attempt);
		launcher_failover_failed(&f, launcher_errors_endpoint_words("connect"));
	}
	g_assert_null(launcher_failover_endpoint(&f));
	/* The screen lists every endpoint tried, in order, with its reason. */
	const char *failures = launcher_failover_failures(&f);
	const char *a = strstr(failures, "spice://10.0.0.5:5901: ");
	const char *b = strstr(failures, "rdp://rds.example.org:3389: ");
	const char *c = strstr(failures, "vnc://[fd00::5]:5911: ");
	g_assert_true(a && b && c && a < b && b < c);
	/* The one being tried is kept for the reports after the list goes. */
	launcher_failover_drop_list(&f);
	g_assert_null(launcher_failover_endpoint(&f));
	g_assert_cmpstr(f.current.host, ==, "fd00::5");
	launcher_failover_free(&f);
	broker_reply_clear(&r);
}

static void test_failover_ports(void)
{
	struct broker_endpoint tls_only = {
	    .protocol = BROKER_PROTO_SPICE, .host = (char *)"10.0.0.5", .tls_port = 5901};
	struct broker_endpoint both = {.protocol = BROKER_PROTO_SPICE,
				       .host = (char *)"fd00::1",
				       .port = 5900,
				       .tls_port = 5901};
	g_autofree char *hp1 = launcher_endpoint_hostport(&tls_only);
	g_autofree char *hp2 = launcher_endpoint_hostport(&both);

	g_assert_cmpuint(launcher_endpoint_port(&tls_only), ==, 5901);
	g_assert_cmpuint(launcher_endpoint_port(&both), ==, 5900);
	g_assert_cmpstr(hp1, ==, "10.0.0.5:5901");
	g_assert_cmpstr(hp2, ==, "[fd00::1]:5900");
}

/* A login is kept only until the broker answers; once accepted it moves on
 * for single sign-on; a reply's user and token replace the last ones. */
static void test_cred_life_cycle(void)
{
	struct broker_reply r;
	LauncherCred c = {0};

	launcher_cred_set_pending(&c, "ann", "pw1");
	g_assert_true(launcher_cred_has_pending(&c));
	launcher_cred_forget_pending(&c);
	g_assert_false(launcher_cred_has_pending(&c));
	g_assert_null(c.pending_password);

	launcher_cred_set_pending(&c, "ann", "pw2");
	launcher_cred_accept(&c);
	g_assert_false(launcher_cred_has_pending(&c));
	g_assert_null(c.pending_password); /* moved, not copied */
	g_assert_cmpstr(c.sso_user, ==, "ann");
	g_assert_cmpstr(c.sso_password, ==, "pw2");

	parse_reply(&r);
	launcher_cred_take_reply(&c, &r);
	g_assert_cmpstr(c.user, ==, "ann");
	g_assert_cmpstr(c.session_token, ==, "00112233445566778899aabbccddeeff");
	broker_reply_clear(&r);

	launcher_cred_forget_sso(&c);
	g_assert_null(c.sso_password);
	launcher_cred_clear(&c);
	g_assert_null(c.user);
	g_assert_null(c.session_token);
}

/* The desktop picked on the chooser goes with the kept login, and again
 * with it while that desktop starts; it goes when the login goes (wiped,
 * accepted, or replaced by the next person's login), so one user's pick is
 * never sent with another's login. */
static void test_cred_choose(void)
{
	LauncherIdentity id = {.mac = "52:54:00:12:34:56", .hostname = "st-01"};
	LauncherCred c = {0};
	char *body;
	gsize len;

	launcher_cred_set_pending(&c, "ann", "pw1");
	g_assert_null(c.pending_desktop);
	launcher_cred_choose(&c, "lab-2");
	g_assert_true(launcher_cred_has_pending(&c));
	g_assert_cmpstr(c.pending_desktop, ==, "lab-2");
	body = launcher_request_login_desktop(&id, c.pending_user, c.pending_password,
					      c.pending_desktop, &len);
	g_assert_cmpstr(body, ==,
			"{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st-01\",\"username\":"
			"\"ann\",\"password\":\"pw1\",\"desktop\":\"lab-2\"}");
	g_assert_cmpuint(len, ==, strlen(body));
	launcher_secret_free_len(body, len);
	/* Without a pick the body is the plain login. */
	body = launcher_request_login_desktop(&id, "ann", "pw1", NULL, &len);
	g_assert_null(strstr(body, "desktop"));
	launcher_secret_free_len(body, len);
	/* A text that reached here anyway stays one JSON string. */
	body = launcher_request_login_desktop(&id, "ann", "pw1", "a\",\"x\":\"", &len);
	g_assert_nonnull(strstr(body, "\"desktop\":\"a\\\",\\\"x\\\":\\\"\"}"));
	launcher_secret_free_len(body, len);

	launcher_cred_forget_pending(&c);
	g_assert_null(c.pending_desktop);

	launcher_cred_set_pending(&c, "ann", "pw1");
	launcher_cred_choose(&c, "lab-2");
	launcher_cred_set_pending(&c, "bob", "pw2");
	g_assert_null(c.pending_desktop);

	launcher_cred_choose(&c, "win");
	launcher_cred_accept(&c);
	g_assert_null(c.pending_desktop);
	g_assert_cmpstr(c.sso_user, ==, "bob");

	launcher_cred_set_pending(&c, "bob", "pw2");
	launcher_cred_choose(&c, "win");
	launcher_cred_clear(&c);
	g_assert_null(c.pending_desktop);
	g_assert_null(c.pending_password);
}

/* The chooser's words for the broker's states; any other is Unknown. */
static void test_chooser_states(void)
{
	g_assert_cmpstr(launcher_ui_chooser_state_words("running"), ==, "Running");
	g_assert_cmpstr(launcher_ui_chooser_state_words("off"), ==, "Off");
	g_assert_cmpstr(launcher_ui_chooser_state_words("starting"), ==, "Starting");
	g_assert_cmpstr(launcher_ui_chooser_state_words("unknown"), ==, "Unknown");
	g_assert_cmpstr(launcher_ui_chooser_state_words("hibernating"), ==, "Unknown");
	g_assert_cmpstr(launcher_ui_chooser_state_words(NULL), ==, "Unknown");
	/* Every state the parser makes has its own words. */
	for (int s = BROKER_DESKTOP_RUNNING; s <= BROKER_DESKTOP_STARTING; s++)
		g_assert_cmpstr(launcher_ui_chooser_state_words(
				    broker_desktop_state_name((enum broker_desktop_state)s)),
				!=, "Unknown");
}

/* Every screen is a complete row: the station never shows an empty title,
 * a raw format or a countdown that leads nowhere. */
static void test_error_screens(void)
{
	for (int i = 0; i < LAUNCHER_SCREEN_COUNT; i++) {
		const LauncherScreenText *t = launcher_errors_screen((LauncherScreen)i);
		g_autofree char *body = launcher_errors_body((LauncherScreen)i, "A", "B");

		g_assert_nonnull(t);
		g_assert_nonnull(t->kind);
		g_assert_nonnull(t->title);
		g_assert_cmpuint(strlen(t->title), >, 0);
		if (t->wait == LAUNCHER_WAIT_FIXED)
			g_assert_cmpint(t->seconds, >, 0);
		if (t->then != LAUNCHER_THEN_NOTHING)
			g_assert_nonnull(t->next);
		if (t->then != LAUNCHER_THEN_NOTHING)
			g_assert_nonnull(t->count_key);
		if (body) {
			g_assert_null(strstr(body, "%"));
			g_assert_null(strstr(body, "(null)"));
		}
	}
	/* Every failure kind a viewer reports has words; an unknown one too. */
	static const char *const kinds[] = {"connect", "auth",	  "tls",
					    "link",    "timeout", "no-such-kind"};
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		const char *w = launcher_errors_endpoint_words(kinds[i]);

		g_assert_nonnull(w);
		g_assert_cmpuint(strlen(w), >, 0);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/session_parts/failover/order", test_failover_order);
	g_test_add_func("/session_parts/failover/ports", test_failover_ports);
	g_test_add_func("/session_parts/cred/life_cycle", test_cred_life_cycle);
	g_test_add_func("/session_parts/cred/choose", test_cred_choose);
	g_test_add_func("/session_parts/chooser/states", test_chooser_states);
	g_test_add_func("/session_parts/errors/screens", test_error_screens);
	return g_test_run();
}
