/* Kiosk hardening: no GTK inspector, no modules injected through the
 * environment, no Ctrl+C from a terminal; SIGTERM still stops the launcher
 * cleanly (the supervisor's way). */
#ifndef LAUNCHER_KIOSK_H
#define LAUNCHER_KIOSK_H

#include <glib.h>

/* Before gtk_init: drops environment variables that would open the
 * inspector or load code into the launcher. */
void launcher_kiosk_prepare_env(gboolean kiosk);

/* After gtk_init: removes the inspector's key bindings and, in kiosk mode,
 * ignores SIGINT, SIGQUIT and SIGTSTP. on_stop runs on SIGTERM (and on
 * SIGINT when not in kiosk mode). */
void launcher_kiosk_setup(gboolean kiosk, GSourceFunc on_stop, gpointer user_data);

/* Runs an admin command line (reboot, power-off) without a shell. */
gboolean launcher_kiosk_run(const char *command, GError **error);

#endif
