/* Kiosk hardening: see launcher_kiosk.h. */
#include "launcher_kiosk.h"

#include <glib-unix.h>
#include <gtk/gtk.h>
#include <signal.h>
#include <stdlib.h>

#include "log.h"

void launcher_kiosk_prepare_env(gboolean kiosk)
{
	/* GTK_DEBUG=interactive opens the inspector at start-up, and the
	 * module variables load arbitrary code into the process. */
	static const char *const vars[] = {"GTK_DEBUG", "GTK_MODULES", "GTK3_MODULES",
					   "GTK_INSPECTOR_DISPLAY"};

	if (!kiosk)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(vars); i++)
		if (g_getenv(vars[i])) {
			log_event(LOG_INFO, "kiosk", "ignored_env", vars[i], NULL);
			g_unsetenv(vars[i]);
		}
}

void launcher_kiosk_setup(gboolean kiosk, GSourceFunc on_stop, gpointer user_data)
{
	GtkWidgetClass *klass = g_type_class_ref(GTK_TYPE_WINDOW);
	GtkBindingSet *bs = gtk_binding_set_by_class(klass);
	const GdkModifierType mods = GDK_CONTROL_MASK | GDK_SHIFT_MASK;

	/* Ctrl+Shift+I and Ctrl+Shift+D open the inspector in any GTK
	 * window when the user's settings allow it. Removing the bindings
	 * also lets these chords reach the remote desktop. */
	gtk_binding_entry_remove(bs, GDK_KEY_i, mods);
	gtk_binding_entry_remove(bs, GDK_KEY_I, mods);
	gtk_binding_entry_remove(bs, GDK_KEY_d, mods);
	gtk_binding_entry_remove(bs, GDK_KEY_D, mods);
	g_type_class_unref(klass);
	gtk_window_set_interactive_debugging(FALSE);

	signal(SIGPIPE, SIG_IGN);
	if (kiosk) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTSTP, SIG_IGN);
	} else {
		g_unix_signal_add(SIGINT, on_stop, user_data);
	}
	g_unix_signal_add(SIGTERM, on_stop, user_data);
}

gboolean launcher_kiosk_run(const char *command, GError **error)
{
	g_auto(GStrv) argv = NULL;

	if (!g_shell_parse_argv(command, NULL, &argv, error))
		return FALSE;
	return g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, error);
}
