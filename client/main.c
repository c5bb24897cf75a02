/* vdi-launcher: the station's one program. Settings, hardening, GTK, then
 * the session state machine (launcher_session.c) does the rest. */
#include <curl/curl.h>
#include <gtk/gtk.h>
#include <stdio.h>

#include "launcher_config.h"
#include "launcher_kiosk.h"
#include "launcher_session.h"
#include "log.h"

#ifndef VDI_VERSION
#define VDI_VERSION "dev"
#endif

static gboolean main_stopped(gpointer user_data)
{
	gtk_main_quit();
	return G_SOURCE_REMOVE;
}

static gboolean main_stop(gpointer user_data)
{
	static gboolean once;

	if (!once) {
		once = TRUE;
		log_event(LOG_INFO, "stop", NULL);
		launcher_session_stop(user_data, main_stopped, NULL);
	}
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autoptr(LauncherConfig) cfg = launcher_config_new();
	g_autoptr(GError) error = NULL;
	LauncherSession *session;

	log_init("vdi-launcher", LOG_INFO);
	/* Settings first, GTK second: whether this is a kiosk decides which
	 * environment GTK gets to see (GTK_DEBUG=interactive opens the
	 * inspector), so GTK must not look at it before. */
	if (!launcher_config_load(cfg, &argc, &argv, NULL, &error)) {
		fprintf(stderr, "vdi-launcher: %s\nTry --help.\n", error->message);
		return 2;
	}
	if (cfg->version) {
		printf("vdi-launcher %s\n", VDI_VERSION);
		return 0;
	}
	log_init("vdi-launcher", (enum log_level)log_level_parse(cfg->log_level));
	launcher_kiosk_prepare_env(cfg->kiosk);
	/* GDK probes GLX when it opens the display, and with Mesa that loads
	 * the software renderer and LLVM: some 50 MB of a station's RAM for
	 * GL that the launcher never uses (SPICE displays draw with cairo).
	 * Indirect GLX answers the probe without loading a driver. */
	g_setenv("LIBGL_ALWAYS_INDIRECT", "1", FALSE);
	/* GTK takes its own options (--display ...); anything left is ours
	 * to refuse. */
	if (!gtk_parse_args(&argc, &argv) || argc > 1) {
		fprintf(stderr, "vdi-launcher: unknown option or argument '%s'\nTry --help.\n",
			argc > 1 ? argv[1] : "?");
		return 2;
	}
	if (!gtk_init_check(&argc, &argv)) {
		log_event(LOG_ERROR, "start", "error", "cannot open the display", NULL);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	log_event(LOG_INFO, "start", "version", VDI_VERSION, "kiosk", cfg->kiosk ? "yes" : "no",
		  "broker", cfg->broker, "config", cfg->config, NULL);

	session = launcher_session_new(cfg);
	launcher_kiosk_setup(cfg->kiosk, main_stop, session);
	launcher_session_start(session);
	gtk_main();
	launcher_session_free(session);
	curl_global_cleanup();
	return 0;
}
