/* The idle/login page: logo, clock, station name, the broker's text, user
 * name and password when the mapping asks for a login, and Connect. */
#ifndef LAUNCHER_UI_LOGIN_H
#define LAUNCHER_UI_LOGIN_H

#include "launcher_ui.h"

typedef struct LauncherUiLogin LauncherUiLogin;

typedef void (*LauncherUiLoginConnect)(gpointer user_data, const char *username,
				       const char *password);

LauncherUiLogin *launcher_ui_login_new(const char *branding, LauncherUiLoginConnect connect,
				       gpointer user_data);
void launcher_ui_login_free(LauncherUiLogin *p);
GtkWidget *launcher_ui_login_widget(LauncherUiLogin *p);
void launcher_ui_login_update(LauncherUiLogin *p, const LauncherLoginView *view);
void launcher_ui_login_set_next(LauncherUiLogin *p, const char *text);
void launcher_ui_login_clear(LauncherUiLogin *p);
void launcher_ui_login_clear_password(LauncherUiLogin *p);
gboolean launcher_ui_login_in_use(LauncherUiLogin *p);
/* Puts the keyboard focus where the user starts. */
void launcher_ui_login_focus(LauncherUiLogin *p);
/* Once a second: the clock. */
void launcher_ui_login_tick(LauncherUiLogin *p);

#endif
