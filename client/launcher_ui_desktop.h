/* The desktop page: the remote desktop's displays laid out over the local
 * monitors, one display per monitor in order; when the desktop has more
 * displays than there are monitors, the extra ones share the last monitor
 * side by side. */
#ifndef LAUNCHER_UI_DESKTOP_H
#define LAUNCHER_UI_DESKTOP_H

#include <gtk/gtk.h>

typedef struct LauncherUiDesktop LauncherUiDesktop;

LauncherUiDesktop *launcher_ui_desktop_new(void);
void launcher_ui_desktop_free(LauncherUiDesktop *p);
GtkWidget *launcher_ui_desktop_widget(LauncherUiDesktop *p);

/* The local monitors, in window coordinates. n == 0: the whole page is one
 * monitor (a --windowed launcher). */
void launcher_ui_desktop_set_monitors(LauncherUiDesktop *p, const GdkRectangle *rects, guint n);

/* Displays go on the monitors by order, lowest first. */
void launcher_ui_desktop_add(LauncherUiDesktop *p, GtkWidget *display, guint order);
/* The page is on screen with an open session: for displays that do not
 * say when they have a picture (RDP, VNC), the next paint is the first
 * frame, and it is logged as such. */
void launcher_ui_desktop_shown(LauncherUiDesktop *p);
void launcher_ui_desktop_remove(LauncherUiDesktop *p, GtkWidget *display);
void launcher_ui_desktop_clear(LauncherUiDesktop *p);
guint launcher_ui_desktop_count(LauncherUiDesktop *p);
/* Gives the keyboard to the first display. */
void launcher_ui_desktop_focus(LauncherUiDesktop *p);

/* Where display i goes, given n_displays and the monitors (pure, for the
 * unit tests). */
GdkRectangle launcher_ui_desktop_place(const GdkRectangle *monitors, guint n_monitors,
				       guint n_displays, guint i);

#endif
