/* The short notice at the bottom of the screen ("connected through the
 * fallback", "this USB device is not allowed"), shown for a few seconds over
 * whatever page or desktop is up. */
#ifndef LAUNCHER_UI_NOTICE_H
#define LAUNCHER_UI_NOTICE_H

#include <gtk/gtk.h>

typedef struct LauncherUiNotice LauncherUiNotice;

/* A notice placed over the launcher window over (not shown yet). */
LauncherUiNotice *launcher_ui_notice_new(GtkWidget *over);
void launcher_ui_notice_free(LauncherUiNotice *n);
/* Shows text for the given seconds, replacing a notice already up. */
void launcher_ui_notice_show(LauncherUiNotice *n, const char *text, guint seconds);
void launcher_ui_notice_hide(LauncherUiNotice *n);
/* Larger, bold text: a notice that must not be missed (the session limits'
 * warning, read from across a desk). */
void launcher_ui_notice_set_large(LauncherUiNotice *n);

#endif
