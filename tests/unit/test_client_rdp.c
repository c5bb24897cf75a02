/* The RDP viewer's pure parts: xfreerdp's exit statuses as the station
 * explains them, and the command line xfreerdp gets (never a password). */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "launcher_rdp.h"
#include "launcher_rdp_error.h"
#include "launcher_rdp_login.h"

/* Table-driven: status, name, kind, broker reason, normal end. */
static const struct {
	int code;
	const char *name, *kind, *reason;
	gboolean normal;
} rdp_cases[] = {
    {0, "success", "server", "server_closed", TRUE},
    {1, "disconnect", "server", "disconnected", TRUE},
    {2, "logoff", "server", "logoff", TRUE},
    {3, "idle_timeout", "server", "idle_timeout", TRUE},
    {5, "replaced", "server", "replaced", TRUE},
    {9, "user_privileges", "auth", "denied", FALSE},
    {18, "license_none", "license", "license", FALSE},
    {32, "protocol_error", "server", "connection_lost", FALSE},
    {77, "protocol_error", "server", "connection_lost", FALSE}, /* 33-127 */
    {131, "connection_failed", "connect", "connection_lost", FALSE},
    {132, "auth_failure", "auth", "auth_failure", FALSE},
    {134, "logon_failure", "auth", "auth_failure", FALSE},
    {135, "account_locked", "account", "auth_failure", FALSE},
    {141, "connect_failed", "connect", "connect", FALSE},
    {143, "tls_failed", "tls", "connect", FALSE},
    {147, "transport_failed", "connect", "connection_lost", FALSE},
    {148, "password_expired", "account", "auth_failure", FALSE},
    {151, "account_disabled", "account", "auth_failure", FALSE},
    {154, "wrong_password", "auth", "auth_failure", FALSE},
    {157, "account_expired", "account", "auth_failure", FALSE},
    {159, "no_credentials", "auth", "auth_failure", FALSE},
    {12, "unknown", "connect", "connection_lost", FALSE}, /* a gap */
    {200, "unknown", "connect", "connection_lost", FALSE},
    {255, "unknown", "connect", "connection_lost", FALSE},
    {-3, "unknown", "connect", "connection_lost", FALSE},
};

static void test_rdp_error_table(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rdp_cases); i++) {
		const struct launcher_rdp_error *e = launcher_rdp_error_lookup(rdp_cases[i].code);

		g_assert_nonnull(e);
		g_assert_cmpstr(e->name, ==, rdp_cases[i].name);
		g_assert_cmpstr(e->kind, ==, rdp_cases[i].kind);
		g_assert_cmpstr(e->reason, ==, rdp_cases[i].reason);
		g_assert_cmpint(e->normal_end, ==, rdp_cases[i].normal);
	}
}

/* Every entry speaks to the user in a sentence, and every code from 0 to
 * 255 has an answer. */
static void test_rdp_error_texts(void)
{
	for (int code = -1; code <= 256; code++) {
		const struct launcher_rdp_error *e = launcher_rdp_error_lookup(code);

		g_assert_nonnull(e->text);
		g_assert_true(g_ascii_isupper(e->text[0]));
		g_assert_true(g_str_has_suffix(e->text, "."));
		g_assert_null(strstr(e->text, "ERRCONNECT"));
		g_assert_true(e->reason && *e->reason && !strchr(e->reason, ' '));
	}
	g_assert_false(launcher_rdp_error_signal()->normal_end);
	g_assert_cmpstr(launcher_rdp_error_signal()->kind, ==, "connect");
}

static void test_rdp_arguments(void)
{
	struct broker_endpoint ep = {
	    .protocol = BROKER_PROTO_RDP, .host = "10.1.2.3", .port = 3390};
	LauncherViewerOptions o = {
	    .connect_timeout = 5,
	    .width = 1280,
	    .height = 1024,
	    .audio = TRUE,
	    .username = "ann",
	    .password = "Sesame 0pen",
	};
	g_auto(GStrv) a = launcher_rdp_arguments(&ep, &o, 0x400007, "046d:c52b", TRUE, FALSE);
	g_autofree char *line = g_strjoinv(" ", a);

	g_assert_true(g_strv_contains((const char *const *)a, "/v:10.1.2.3:3390"));
	g_assert_true(g_strv_contains((const char *const *)a, "/parent-window:4194311"));
	g_assert_true(g_strv_contains((const char *const *)a, "/size:1280x1024"));
	/* The whole login goes through the pipe: not even the user name is
	 * on the command line. */
	g_assert_null(strstr(line, "/u:"));
	g_assert_null(strstr(line, "ann"));
	g_assert_true(g_strv_contains((const char *const *)a, "/from-stdin"));
	g_assert_true(g_strv_contains((const char *const *)a, "/sound"));
	g_assert_true(g_strv_contains((const char *const *)a, "/drive:hotplug,*"));
	g_assert_true(g_strv_contains((const char *const *)a, "/usb:id:046d:c52b"));
	g_assert_true(g_strv_contains((const char *const *)a, "-clipboard"));
	g_assert_true(g_strv_contains((const char *const *)a, "/cert:ignore"));
	g_assert_true(g_strv_contains((const char *const *)a, "/timeout:5000"));
	g_assert_null(strstr(line, "Sesame"));
	g_assert_null(strstr(line, "/p:"));
}

static void test_rdp_arguments_plain(void)
{
	struct broker_endpoint ep = {.protocol = BROKER_PROTO_RDP, .host = "fd00::5", .port = 0};
	LauncherViewerOptions o = {.connect_timeout = 0, .width = 10, .height = 10};
	g_auto(GStrv) a = launcher_rdp_arguments(&ep, &o, 1, NULL, FALSE, TRUE);
	g_autofree char *line = g_strjoinv(" ", a);

	/* IPv6 in brackets, the default port, a CA to verify against. */
	g_assert_true(g_strv_contains((const char *const *)a, "/v:[fd00::5]:3389"));
	g_assert_true(g_strv_contains((const char *const *)a, "/cert:deny"));
	g_assert_true(g_strv_contains((const char *const *)a, "/size:64x64"));
	g_assert_true(g_strv_contains((const char *const *)a, "/timeout:1000"));
	g_assert_null(strstr(line, "/u:"));
	g_assert_null(strstr(line, "/from-stdin"));
	g_assert_null(strstr(line, "/sound"));
	g_assert_null(strstr(line, "/drive"));
	g_assert_null(strstr(line, "/usb"));
}

static void test_rdp_login_text(void)
{
	static const struct {
		const char *name, *text;
	} cases[] = {
	    {"ann", "username:s:ann\ndomain:s:\n"},
	    {"CORP\\ann", "username:s:ann\ndomain:s:CORP\n"},
	    {"ann@corp.example", "username:s:ann@corp.example\ndomain:s:\n"},
	    {"ann\nfull address:s:evil", NULL},
	    {"ann\r", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t = launcher_rdp_login_text(cases[i].name);
		g_assert_cmpstr(t, ==, cases[i].text);
	}
}

/* The file is private, and gone once a reader has closed it. */
static void test_rdp_login_file(void)
{
	g_autoptr(GError) error = NULL;
	LauncherRdpLogin *l = launcher_rdp_login_new("CORP\\ann", &error);
	g_autofree char *path = NULL, *dir = NULL, *text = NULL;
	struct stat st;

	g_assert_no_error(error);
	path = g_strdup(launcher_rdp_login_path(l));
	dir = g_path_get_dirname(path);
	g_assert_true(g_str_has_suffix(path, ".rdp"));
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_assert_false(launcher_rdp_login_removed(l));
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "username:s:ann\ndomain:s:CORP\n");
	for (int i = 0; i < 200 && !launcher_rdp_login_removed(l); i++)
		g_main_context_iteration(NULL, i > 0);
	g_assert_true(launcher_rdp_login_removed(l));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	launcher_rdp_login_free(l);

	l = launcher_rdp_login_new("ann\nx", &error);
	g_assert_null(l);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/client/rdp/error-table", test_rdp_error_table);
	g_test_add_func("/client/rdp/error-texts", test_rdp_error_texts);
	g_test_add_func("/client/rdp/arguments", test_rdp_arguments);
	g_test_add_func("/client/rdp/arguments-plain", test_rdp_arguments_plain);
	g_test_add_func("/client/rdp/login-text", test_rdp_login_text);
	g_test_add_func("/client/rdp/login-file", test_rdp_login_file);
	return g_test_run();
}
