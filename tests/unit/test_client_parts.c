/* Smaller launcher parts: retry back-off, request bodies, the status file,
 * the display layout over monitors, the effective USB filter. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "launcher_backoff.h"
#include "launcher_request.h"
#include "launcher_status.h"
#include "launcher_ui_desktop.h"
#include "launcher_spice_usb.h"
#include "log.h"

static void test_backoff(void)
{
	LauncherBackoff b;
	static const int want[] = {2, 4, 8}; /* then >= 16, capped */

	launcher_backoff_init(&b, 2, 60);
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpint(launcher_backoff_next(&b), ==, want[i]);
	for (int i = 0; i < 20; i++) {
		int d = launcher_backoff_next(&b);
		g_assert_cmpint(d, >=, 16);
		g_assert_cmpint(d, <=, 60);
	}
	g_assert_cmpint(launcher_backoff_next(&b), >=, 54); /* at the cap, jitter or not */
	launcher_backoff_reset(&b);
	g_assert_cmpint(launcher_backoff_next(&b), ==, 2);
	/* The broker's retry_after, kept within [1, max]. */
	g_assert_cmpint(launcher_backoff_after(&b, 30), ==, 30);
	g_assert_cmpint(launcher_backoff_after(&b, 600), ==, 60);
	g_assert_cmpint(launcher_backoff_after(&b, 0), ==, 1);
	g_assert_cmpint(launcher_backoff_after(&b, -1), ==, 4); /* none: back-off */
	/* Nonsense settings still give sane delays. */
	launcher_backoff_init(&b, 0, -5);
	g_assert_cmpint(launcher_backoff_next(&b), ==, 1);
	g_assert_cmpint(launcher_backoff_next(&b), ==, 1);
}

static json_object *parse_body(const char *body, gsize len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, body, (int)len);
	g_assert_nonnull(o);
	g_assert_cmpint(json_tokener_get_parse_end(tok), ==, len);
	json_tokener_free(tok);
	return o;
}

static const char *member(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void test_requests(void)
{
	LauncherIdentity id = {.mac = "52:54:00:12:34:56", .hostname = "st-01"};
	const char *hostile = "a\"b\\c\nd\x01"
			      "e\x7f";
	gsize len;
	char *body;
	json_object *o;

	body = launcher_request_lookup(&id, "1.0", &len);
	g_assert_cmpuint(strlen(body), ==, len);
	g_assert_cmpstr(body, ==,
			"{\"mac\":\"52:54:00:12:34:56\",\"hostname\":\"st-01\","
			"\"version\":\"1.0\"}");
	g_free(body);

	/* Whatever a user types arrives unchanged and cannot break out. */
	body = launcher_request_login(&id, "alice", hostile, &len);
	o = parse_body(body, len);
	g_assert_cmpstr(member(o, "username"), ==, "alice");
	g_assert_cmpstr(member(o, "password"), ==, hostile);
	json_object_put(o);
	g_free(body);

	id.hostname[0] = '\0';
	body = launcher_request_session(&id, "end", "spice", "10.0.0.5", 5900, NULL,
					"server_closed", "0a1b2c", &len);
	g_assert_cmpstr(body, ==,
			"{\"mac\":\"52:54:00:12:34:56\",\"event\":\"end\","
			"\"protocol\":\"spice\",\"host\":\"10.0.0.5\",\"port\":5900,"
			"\"reason\":\"server_closed\",\"session\":\"0a1b2c\"}");
	g_free(body);
	body = launcher_request_session(&id, "start", "spice", "h", 0, "bob", NULL, NULL, &len);
	o = parse_body(body, len);
	g_assert_null(member(o, "port"));
	g_assert_null(member(o, "session"));
	g_assert_cmpstr(member(o, "user"), ==, "bob");
	json_object_put(o);
	g_free(body);
}

static char *slurp(const char *path)
{
	char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static void test_status_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("vdi-status-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "status", NULL);
	LauncherStatus *st = launcher_status_new(path);
	g_autofree char *a = NULL, *b = NULL, *c = NULL;

	g_assert_cmpint(launcher_status_get(st), ==, LAUNCHER_STATE_STARTING_UP);
	launcher_status_set(st, LAUNCHER_STATE_CONNECTED, "protocol", "spice", "endpoint",
			    "10.0.0.5:5900", "user", NULL, "odd", "a b=c\"d", NULL);
	a = slurp(path);
	/* One line, values without blanks, quotes or '=' (scripts split on
	 * them), a NULL value left out. */
	g_assert_true(g_regex_match_simple("^state=connected protocol=spice "
					   "endpoint=10\\.0\\.0\\.5:5900 odd=a_b_c_d "
					   "since=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n$",
					   a, 0, 0));
	g_assert_cmpint(launcher_status_get(st), ==, LAUNCHER_STATE_CONNECTED);
	/* The same state again changes nothing, not even since=. */
	g_usleep(1100 * 1000);
	launcher_status_set(st, LAUNCHER_STATE_CONNECTED, "protocol", "spice", "endpoint",
			    "10.0.0.5:5900", "user", NULL, "odd", "a b=c\"d", NULL);
	b = slurp(path);
	g_assert_cmpstr(a, ==, b);
	launcher_status_set(st, LAUNCHER_STATE_IDLE, NULL);
	c = slurp(path);
	g_assert_true(g_str_has_prefix(c, "state=idle since="));
	g_assert_cmpstr(launcher_state_name(LAUNCHER_STATE_MESSAGE), ==, "message");
	launcher_status_free(st);
	g_remove(path);
	g_rmdir(dir);
}

static void test_status_unwritable(void)
{
	/* A status file that cannot be written is logged, not fatal. */
	LauncherStatus *st = launcher_status_new("/nonexistent/dir/status");

	launcher_status_set(st, LAUNCHER_STATE_IDLE, NULL);
	launcher_status_set(st, LAUNCHER_STATE_QUERYING, NULL);
	g_assert_true(g_str_has_prefix(launcher_status_line(st), "state=querying"));
	launcher_status_free(st);
}

static void test_place(void)
{
	const GdkRectangle two[] = {{0, 0, 1024, 768}, {1024, 0, 1280, 1024}};
	GdkRectangle r;

	/* One display per monitor. */
	r = launcher_ui_desktop_place(two, 2, 2, 0);
	g_assert_cmpint(r.x, ==, 0);
	g_assert_cmpint(r.width, ==, 1024);
	r = launcher_ui_desktop_place(two, 2, 2, 1);
	g_assert_cmpint(r.x, ==, 1024);
	g_assert_cmpint(r.width, ==, 1280);
	g_assert_cmpint(r.height, ==, 1024);
	/* Fewer displays than monitors: the first monitors. */
	r = launcher_ui_desktop_place(two, 2, 1, 0);
	g_assert_cmpint(r.width, ==, 1024);
	/* More displays than monitors: the extra ones share the last. */
	r = launcher_ui_desktop_place(two, 2, 4, 1);
	g_assert_cmpint(r.x, ==, 1024);
	g_assert_cmpint(r.width, ==, 426);
	r = launcher_ui_desktop_place(two, 2, 4, 3);
	g_assert_cmpint(r.x, ==, 1024 + 2 * 426);
	g_assert_cmpint(r.width, ==, 1280 - 2 * 426);
	r = launcher_ui_desktop_place(two, 1, 3, 2);
	g_assert_cmpint(r.x, ==, 682);
	g_assert_cmpint(r.width, ==, 342);
	/* Out of range: empty. */
	r = launcher_ui_desktop_place(two, 2, 2, 2);
	g_assert_cmpint(r.width, ==, 0);
	r = launcher_ui_desktop_place(two, 0, 2, 0);
	g_assert_cmpint(r.width, ==, 0);
}

static void test_usb_effective(void)
{
	g_autofree char *def = launcher_spice_usb_effective_filter(NULL, NULL);
	g_autofree char *mine = launcher_spice_usb_effective_filter(
	    "0x08,-1,-1,-1,1|-1,-1,-1,-1,0", "0x08,0x0781,-1,-1,0|-1,-1,-1,-1,1");
	g_autofree char *bad = launcher_spice_usb_effective_filter("0x08", NULL);

	/* The default never redirects HID, and redirects storage. */
	g_assert_cmpstr(def, ==,
			"0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|0x0e,-1,-1,-1,1|"
			"-1,-1,-1,-1,0");
	g_assert_cmpstr(mine, ==, "0x08,0x0781,-1,-1,0|0x08,-1,-1,-1,1|-1,-1,-1,-1,0");
	g_assert_null(bad);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* The status module logs each change; tests keep stderr quiet. */
	log_init("test", LOG_ERROR);
	g_test_add_func("/client/backoff", test_backoff);
	g_test_add_func("/client/requests", test_requests);
	g_test_add_func("/client/status/file", test_status_file);
	g_test_add_func("/client/status/unwritable", test_status_unwritable);
	g_test_add_func("/client/desktop/place", test_place);
	g_test_add_func("/client/usb/effective", test_usb_effective);
	return g_test_run();
}
