/* Launcher settings: which source wins (command line > kernel command line >
 * config file > defaults), what each source may set, and what happens to
 * bad values in each. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher_cmdline.h"
#include "launcher_config.h"

static char *tmp_root;

static void write_file(const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(tmp_root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* Loads with argv (NULL-terminated, program name first) and --sysroot. */
static LauncherConfig *load(const char *const *args, GError **error)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	LauncherConfig *cfg = launcher_config_new();
	char **v;
	int argc;

	g_ptr_array_add(argv, g_strdup("vdi-launcher"));
	g_ptr_array_add(argv, g_strdup_printf("--sysroot=%s", tmp_root));
	for (size_t i = 0; args[i]; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	argc = (int)argv->len;
	g_ptr_array_add(argv, NULL);
	/* g_option_context_parse rearranges argv: hand it a shallow copy. */
	v = g_memdup2(argv->pdata, sizeof(char *) * argv->len);
	if (!launcher_config_load(cfg, &argc, &v, NULL, error)) {
		g_free(v);
		launcher_config_free(cfg);
		return NULL;
	}
	g_free(v);
	return cfg;
}

static void test_defaults(void)
{
	g_autoptr(LauncherConfig) cfg = launcher_config_new();

	g_assert_null(cfg->broker);
	g_assert_false(cfg->insecure);
	g_assert_true(cfg->kiosk);
	g_assert_cmpint(cfg->retry_base, ==, 2);
	g_assert_cmpint(cfg->retry_max, ==, 60);
	g_assert_cmpstr(cfg->branding, ==, LAUNCHER_CONFIG_DEFAULT_BRANDING);
	g_assert_cmpstr(launcher_config_source(cfg, "broker"), ==, "default");
}

static void test_precedence(void)
{
	const char *const args[] = {"--broker", "https://cli.example:8443", "-o", "retry_base=3",
				    NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(LauncherConfig) cfg = NULL;

	write_file("etc/vdi-station/launcher.conf", "# station settings\n"
						    "broker = https://file.example\n"
						    "retry_base = 5\n"
						    "retry_max = 30\n"
						    "hostname = from-file\n"
						    "status_file = \"/run/vdi status\"\n");
	write_file("proc/cmdline", "BOOT_IMAGE=/vmlinuz quiet vdi.broker=https://kernel.example "
				   "vdi.retry_base=4 vdi.hostname=from-kernel vdi.insecure=1\n");
	cfg = load(args, &error);
	g_assert_no_error(error);
	/* Command line beats everything. */
	g_assert_cmpstr(cfg->broker, ==, "https://cli.example:8443");
	g_assert_cmpstr(launcher_config_source(cfg, "broker"), ==, "command line");
	g_assert_cmpint(cfg->retry_base, ==, 3);
	/* Kernel beats the file. */
	g_assert_cmpstr(cfg->hostname, ==, "from-kernel");
	g_assert_cmpstr(launcher_config_source(cfg, "hostname"), ==, "kernel command line");
	g_assert_true(cfg->insecure);
	/* The file beats the defaults, and says where. */
	g_assert_cmpint(cfg->retry_max, ==, 30);
	g_assert_true(g_str_has_suffix(launcher_config_source(cfg, "retry_max"),
				       "etc/vdi-station/launcher.conf:4"));
	g_assert_cmpstr(cfg->status_file, ==, "/run/vdi status");
	/* Untouched: default. */
	g_assert_cmpint(cfg->connect_timeout, ==, 10);
	g_assert_cmpstr(launcher_config_source(cfg, "connect_timeout"), ==, "default");
	g_assert_cmpuint(cfg->warnings->len, ==, 0);
}

static void test_kernel_names_file(void)
{
	g_autofree char *other = g_build_filename(tmp_root, "other.conf", NULL);
	g_autofree char *cmdline = g_strdup_printf("vdi.config=%s", other);
	const char *const args[] = {NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(LauncherConfig) cfg = NULL;

	write_file("other.conf", "broker = https://other.example\n");
	write_file("etc/vdi-station/launcher.conf", "broker = https://default-file.example\n");
	write_file("proc/cmdline", cmdline);
	cfg = load(args, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cfg->broker, ==, "https://other.example");
	g_assert_cmpstr(cfg->config, ==, other);
}

static void test_bad_values_fall_through(void)
{
	const char *const args[] = {NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(LauncherConfig) cfg = NULL;

	write_file("etc/vdi-station/launcher.conf", "broker = https://file.example\n"
						    "retry_max = lots\n"
						    "brokre = https://typo.example\n"
						    "sysroot = /elsewhere\n");
	/* The kernel's broker is malformed: the file's applies. */
	write_file("proc/cmdline", "vdi.broker=ftp://kernel.example vdi.mac=52:54:00:zz:34:56 "
				   "vdi.kiosk=0 vdi.sysroot=/x");
	cfg = load(args, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cfg->broker, ==, "https://file.example");
	g_assert_cmpint(cfg->retry_max, ==, 60);
	g_assert_null(cfg->mac);
	g_assert_false(cfg->kiosk);
	/* Only the command line may point elsewhere for /proc and /sys. */
	g_assert_cmpstr(cfg->sysroot, ==, tmp_root);
	/* Six settings ignored (three in each source), each noted. */
	g_assert_cmpuint(cfg->warnings->len, ==, 6);
}

static void test_command_line_strict(void)
{
	static const char *const bad[][3] = {
	    {"--set", "no_such_key=1", NULL},
	    {"--set", "retry_base=zero", NULL},
	    {"--set", "=1", NULL},
	    {"--broker", "gopher://x", NULL},
	    {"--mac", "52:54:00:12:34", NULL},
	    {"--log-level", "loud", NULL},
	};

	write_file("etc/vdi-station/launcher.conf", "");
	write_file("proc/cmdline", "");
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		LauncherConfig *cfg = load(bad[i], &error);
		g_assert_null(cfg);
		g_assert_nonnull(error);
	}
}

static void test_unknown_option_left(void)
{
	g_autoptr(LauncherConfig) cfg = launcher_config_new();
	g_autoptr(GError) error = NULL;
	char *args[] = {"vdi-launcher", "--display", ":5", "--broker", "https://b", "--nope", NULL};
	char **argv = args;
	int argc = 6;

	write_file("etc/vdi-station/launcher.conf", "");
	write_file("proc/cmdline", "");
	/* Unknown options stay for gtk_init (which takes --display) and the
	 * launcher refuses what remains after that. */
	g_assert_true(launcher_config_load(cfg, &argc, &argv, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(cfg->broker, ==, "https://b");
	g_assert_cmpint(argc, ==, 4);
	g_assert_cmpstr(argv[1], ==, "--display");
	g_assert_cmpstr(argv[3], ==, "--nope");
}

static void test_windowed_kiosk(void)
{
	const char *const windowed[] = {"--windowed", NULL};
	const char *const both[] = {"--windowed", "--kiosk", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(LauncherConfig) a = NULL, b = NULL;

	write_file("etc/vdi-station/launcher.conf", "");
	write_file("proc/cmdline", "");
	a = load(windowed, &error);
	g_assert_no_error(error);
	g_assert_true(a->windowed);
	g_assert_false(a->kiosk); /* follows --windowed */
	b = load(both, &error);
	g_assert_no_error(error);
	g_assert_true(b->kiosk); /* unless set */
}

static void test_file_syntax(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LauncherConfigLayer) l = launcher_config_layer_from_text(
	    "a = 1\n  b=2  \n\n; comment\nc = \"x \\\" y\"\nd =\n", "f", &error);

	g_assert_no_error(error);
	g_assert_cmpstr(launcher_config_layer_get(l, "a"), ==, "1");
	g_assert_cmpstr(launcher_config_layer_get(l, "b"), ==, "2");
	g_assert_cmpstr(launcher_config_layer_get(l, "c"), ==, "x \" y");
	g_assert_cmpstr(launcher_config_layer_get(l, "d"), ==, "");

	g_assert_null(launcher_config_layer_from_text("ok = 1\nno equals sign\n", "f", &error));
	g_assert_error(error, LAUNCHER_CONFIG_ERROR, LAUNCHER_CONFIG_ERROR_SYNTAX);
	g_assert_nonnull(strstr(error->message, "f:2"));
	g_clear_error(&error);
	g_assert_null(launcher_config_layer_from_text("x = \"open\n", "f", &error));
	g_assert_error(error, LAUNCHER_CONFIG_ERROR, LAUNCHER_CONFIG_ERROR_SYNTAX);
}

static void test_broken_file_still_starts(void)
{
	const char *const args[] = {"--broker", "https://cli.example", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(LauncherConfig) cfg = NULL;

	write_file("etc/vdi-station/launcher.conf", "retry_base = 9\nthis line is broken\n");
	write_file("proc/cmdline", "vdi.retry_max=20");
	cfg = load(args, &error);
	g_assert_no_error(error);
	/* Nothing of a broken file applies; the rest does; it is noted. */
	g_assert_cmpint(cfg->retry_base, ==, 2);
	g_assert_cmpint(cfg->retry_max, ==, 20);
	g_assert_cmpuint(cfg->warnings->len, ==, 1);
}

static void cmdline_count(const char *key, const char *value, gpointer user_data)
{
	GString *s = user_data;
	g_string_append_printf(s, "[%s=%s]", key, value ? value : "(none)");
}

static void test_cmdline_words(void)
{
	GString *s = g_string_new(NULL);
	g_autofree char *v = NULL;

	launcher_cmdline_foreach("  ro quiet  vdi.message=\"two words\" \"vdi.x=a b\" BOOTIF=01-aa"
				 "\tlast=",
				 cmdline_count, s);
	g_assert_cmpstr(s->str, ==,
			"[ro=(none)][quiet=(none)][vdi.message=two words][vdi.x=a b]"
			"[BOOTIF=01-aa][last=]");
	g_string_free(s, TRUE);
	/* The last one wins, as for the kernel's own parameters. */
	v = launcher_cmdline_get("vdi.broker=a vdi.broker=b", "vdi.broker");
	g_assert_cmpstr(v, ==, "b");
	g_assert_null(launcher_cmdline_get("vdi.brokerx=1", "vdi.broker"));
	g_assert_null(launcher_cmdline_get(NULL, "x"));
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_root = g_dir_make_tmp("vdi-config-XXXXXX", NULL);
	g_assert_nonnull(tmp_root);
	g_test_add_func("/client/config/defaults", test_defaults);
	g_test_add_func("/client/config/precedence", test_precedence);
	g_test_add_func("/client/config/kernel-names-file", test_kernel_names_file);
	g_test_add_func("/client/config/bad-values", test_bad_values_fall_through);
	g_test_add_func("/client/config/command-line-strict", test_command_line_strict);
	g_test_add_func("/client/config/unknown-option-left", test_unknown_option_left);
	g_test_add_func("/client/config/windowed-kiosk", test_windowed_kiosk);
	g_test_add_func("/client/config/file-syntax", test_file_syntax);
	g_test_add_func("/client/config/broken-file", test_broken_file_still_starts);
	g_test_add_func("/client/config/cmdline-words", test_cmdline_words);
	rc = g_test_run();
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp_root);
		g_assert_cmpint(system(cmd), ==, 0);
	}
	g_free(tmp_root);
	return rc;
}
