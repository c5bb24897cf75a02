/* The admin diagnostics screen, an overlay over whatever page is current:
 * identity, broker, recent errors, network, versions, settings, and reboot
 * and power-off (each asks for a second press). */
#ifndef LAUNCHER_UI_ADMIN_H
#define LAUNCHER_UI_ADMIN_H

#include "launcher_ui.h"

typedef struct LauncherUiAdmin LauncherUiAdmin;

typedef void (*LauncherUiAdminAction)(gpointer user_data, const char *action);

LauncherUiAdmin *launcher_ui_admin_new(GCallback close, LauncherUiAdminAction action,
				       gpointer user_data);
void launcher_ui_admin_free(LauncherUiAdmin *p);
GtkWidget *launcher_ui_admin_widget(LauncherUiAdmin *p);
void launcher_ui_admin_update(LauncherUiAdmin *p, const LauncherAdminView *view);
void launcher_ui_admin_focus(LauncherUiAdmin *p);

#endif
