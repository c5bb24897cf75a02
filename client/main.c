/* vdi-launcher: the station's one program. Settings, hardening, GTK, then
 * the session state machine (launcher_session.c) does the rest. */
#include <curl/curl.h>
#include <errno.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launcher_config.h"
#include "launcher_curl_mem.h"
#include "launcher_kiosk.h"
#include "launcher_session.h"
#include "log.h"
#include "vv_file.h"

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

/* --connect FILE.vv: read and checked before any window opens, so that a
 * bad file is an error message and an exit status, nothing more. Like
 * remote-viewer, a file that says delete-this-file=1 is removed once it has
 * been read (it holds a one-time password). */
static gboolean main_read_connection(const char *path, struct broker_reply *r)
{
	char *text = NULL, err[VV_FILE_ERR_MAX];
	size_t len = 0;
	bool del = false;
	int ret;

	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
	r->status = BROKER_STATUS_READY;
	r->has_policy = true;
	r->policy.login = BROKER_LOGIN_NONE;
	if (vv_file_read(path, &text, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "vdi-launcher: %s\n", err);
		return FALSE;
	}
	ret = broker_reply_add_vv(r, text, len, &del, err, sizeof(err));
	explicit_bzero(text, len);
	free(text);
	if (ret < 0) {
		fprintf(stderr, "vdi-launcher: %s: %s\n", strcmp(path, "-") ? path : "stdin", err);
		broker_reply_clear(r);
		return FALSE;
	}
	if (del && strcmp(path, "-") != 0 && unlink(path) < 0)
		log_event(LOG_WARN, "connection_file", "path", path, "error",
			  "delete-this-file: cannot remove it", "reason", strerror(errno), NULL);
	log_event(LOG_INFO, "connection_file", "path", path, "protocol",
		  r->endpoints[0].protocol_name, "deleted", del ? "yes" : "no", NULL);
	return TRUE;
}

static void main_finished(gpointer user_data, int status, const char *message)
{
	int *exit_status = user_data;

	*exit_status = status;
	if (message)
		fprintf(stderr, "vdi-launcher: %s\n", message);
	gtk_main_quit();
}

int main(int argc, char **argv)
{
	g_autoptr(LauncherConfig) cfg = launcher_config_new();
	g_autoptr(GError) error = NULL;
	LauncherSession *session;
	struct broker_reply direct = {0};
	int exit_status = LAUNCHER_EXIT_OK;

	log_init("vdi-launcher", LOG_INFO);
	/* Settings first, GTK second: whether this is a kiosk decides which
	 * environment GTK gets to see (GTK_DEBUG=interactive opens the
	 * inspector), so GTK must not look at it before. */
	if (!launcher_config_load(cfg, &argc, &argv, NULL, &error)) {
		fprintf(stderr, "vdi-launcher: %s\nTry --help.\n", error->message);
		return LAUNCHER_EXIT_USAGE;
	}
	if (cfg->version) {
		printf("vdi-launcher %s\n", VDI_VERSION);
		return 0;
	}
	log_init("vdi-launcher", (enum log_level)log_level_parse(cfg->log_level));
	if (cfg->connect && !main_read_connection(cfg->connect, &direct))
		return LAUNCHER_EXIT_BAD_FILE;
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
		broker_reply_clear(&direct);
		return LAUNCHER_EXIT_USAGE;
	}
	if (!gtk_init_check(&argc, &argv)) {
		log_event(LOG_ERROR, "start", "error", "cannot open the display", NULL);
		broker_reply_clear(&direct);
		return LAUNCHER_EXIT_NO_DISPLAY;
	}
	launcher_curl_mem_init();
	log_event(LOG_INFO, "start", "version", VDI_VERSION, "kiosk", cfg->kiosk ? "yes" : "no",
		  "broker", cfg->broker, "config", cfg->config, NULL);

	session = launcher_session_new(cfg);
	launcher_kiosk_setup(cfg->kiosk, main_stop, session);
	if (cfg->connect)
		launcher_session_start_direct(session, &direct, main_finished, &exit_status);
	else
		launcher_session_start(session);
	gtk_main();
	launcher_session_free(session);
	broker_reply_clear(&direct);
	curl_global_cleanup();
	return exit_status;
}
