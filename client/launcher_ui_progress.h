/* The progress page: a spinner, what is happening ("Contacting the broker",
 * "Starting your desktop", "Connecting"), details, and Cancel. */
#ifndef LAUNCHER_UI_PROGRESS_H
#define LAUNCHER_UI_PROGRESS_H

#include <gtk/gtk.h>

typedef struct LauncherUiProgress LauncherUiProgress;

LauncherUiProgress *launcher_ui_progress_new(GCallback cancel, gpointer user_data);
void launcher_ui_progress_free(LauncherUiProgress *p);
GtkWidget *launcher_ui_progress_widget(LauncherUiProgress *p);
void launcher_ui_progress_update(LauncherUiProgress *p, const char *title, const char *detail,
				 gboolean can_cancel);
void launcher_ui_progress_set_next(LauncherUiProgress *p, const char *text);
void launcher_ui_progress_focus(LauncherUiProgress *p);

#endif
