/* The launcher's command line options, read into a layer of settings:
 * see launcher_config.h. */
#include <string.h>

#include <gio/gio.h>

#include "launcher_config.h"

/* Command line options: each one lands in the layer under its key name. */
static gboolean config_option(const char *name, const char *value, gpointer data, GError **error)
{
	LauncherConfigLayer *l = data;
	const char *key = name + strspn(name, "-");

	if (strcmp(key, "set") == 0 || strcmp(key, "o") == 0) {
		const char *eq = value ? strchr(value, '=') : NULL;
		if (!eq || eq == value) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--set takes KEY=VALUE, not '%s'", value ? value : "");
			return FALSE;
		}
		g_autofree char *k = g_strndup(value, (gsize)(eq - value));
		launcher_config_layer_add(l, k, eq + 1, NULL);
		return TRUE;
	}
	if (strcmp(key, "no-kiosk") == 0) {
		launcher_config_layer_add(l, "kiosk", "no", NULL);
		return TRUE;
	}
	/* Flags (no argument) mean "yes". */
	launcher_config_layer_add(l, key, value ? value : "yes", NULL);
	return TRUE;
}

#define OPT_ARG(long_name, short_name, desc, arg)                                                  \
	{                                                                                          \
		long_name, short_name, 0, G_OPTION_ARG_CALLBACK, (gpointer)config_option, desc,    \
		    arg                                                                            \
	}
#define OPT_FLAG(long_name, desc)                                                                  \
	{                                                                                          \
		long_name, 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,                         \
		    (gpointer)config_option, desc, NULL                                            \
	}

static const GOptionEntry config_options[] = {
    OPT_ARG("broker", 'b', "Broker URL (https://HOST[:PORT])", "URL"),
    OPT_ARG("ca", 0, "CA certificate (PEM) the broker's certificate must chain to", "FILE"),
    OPT_FLAG("insecure", "Allow a plain http:// broker (shows a warning)"),
    OPT_ARG("mac", 0, "Station MAC address (instead of the boot NIC's)", "MAC"),
    OPT_ARG("hostname", 0, "Station host name (instead of the system's)", "NAME"),
    OPT_ARG("status-file", 0, "Keep the current state in FILE (one line)", "FILE"),
    OPT_FLAG("windowed", "A normal window instead of covering every monitor"),
    OPT_FLAG("kiosk", "Kiosk mode: Ctrl+C and the like are ignored (default unless --windowed)"),
    OPT_FLAG("no-kiosk", "Not kiosk mode"),
    OPT_ARG("config", 'c', "Config file (default " LAUNCHER_CONFIG_DEFAULT_FILE ")", "FILE"),
    OPT_ARG("branding", 0, "Branding folder (default " LAUNCHER_CONFIG_DEFAULT_BRANDING ")", "DIR"),
    OPT_ARG("log-level", 0, "debug, info, warn or error", "LEVEL"),
    OPT_ARG("share-cd", 0, "Offer an ISO image to the desktop as a USB CD-ROM", "FILE"),
    OPT_ARG("set", 'o', "Any setting, as in the config file (repeatable)", "KEY=VALUE"),
    OPT_ARG("sysroot", 0, "Read /proc, /sys and /etc under DIR (tests)", "DIR"),
    OPT_ARG("connect", 0,
	    "Open the desktop of a virt-viewer connection file, without a broker, and exit when "
	    "it ends ('-' reads standard input)",
	    "FILE.vv"),
    {NULL},
};

LauncherConfigLayer *launcher_config_layer_from_args(int *argc, char ***argv, GOptionGroup *extra,
						     GError **error)
{
	g_autoptr(LauncherConfigLayer) l = launcher_config_layer_new("command line");
	gboolean version = FALSE;
	GOptionEntry version_entry[] = {
	    {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- VDI Station launcher");
	GOptionGroup *main_group =
	    g_option_group_new("launcher", "Launcher options", "Launcher options", l, NULL);

	g_option_group_add_entries(main_group, config_options);
	g_option_group_add_entries(main_group, version_entry);
	g_option_context_set_main_group(ctx, main_group);
	if (extra)
		g_option_context_add_group(ctx, extra);
	else
		/* GTK's own options (--display, ...) stay in argv for
		 * gtk_init; the caller refuses whatever is left after that. */
		g_option_context_set_ignore_unknown_options(ctx, TRUE);
	g_option_context_set_summary(
	    ctx, "Every setting can also be given as vdi.KEY=VALUE on the kernel command line\n"
		 "or as KEY = VALUE in the config file; the command line wins.\n"
		 "GTK's own options (--display DISPLAY, ...) are accepted too.");
	if (!g_option_context_parse(ctx, argc, argv, error))
		return NULL;
	if (version)
		launcher_config_layer_add(l, "version", "yes", NULL);
	return g_steal_pointer(&l);
}
