/* The desktop chooser: after a login whose user has several desktops, a
 * title, who is logged in, the desktops (each with its name and its state
 * in words) in a list, Connect and Log out. The last desktop used is
 * preselected and has the keyboard: the arrow keys move, Enter (or Connect)
 * opens the selected one, Escape (or Log out) goes back to the login
 * screen. */
#ifndef LAUNCHER_UI_CHOOSER_H
#define LAUNCHER_UI_CHOOSER_H

#include "launcher_ui.h"

/* The chooser's "what happens next" line, before "N s": a user who walks
 * away from the chooser is logged out (the session counts). */
#define LAUNCHER_UI_CHOOSER_TIMEOUT_TEXT "Logging out in"

typedef struct LauncherUiChooser LauncherUiChooser;

/* choose: the id of the desktop picked; back: Log out or Escape. */
typedef void (*LauncherUiChooserPick)(gpointer user_data, const char *desktop);

LauncherUiChooser *launcher_ui_chooser_new(LauncherUiChooserPick pick, GCallback back,
					   gpointer user_data);
void launcher_ui_chooser_free(LauncherUiChooser *p);
GtkWidget *launcher_ui_chooser_widget(LauncherUiChooser *p);
/* Fills the list (replacing what it held) and preselects view->last, else
 * the first desktop. */
void launcher_ui_chooser_update(LauncherUiChooser *p, const LauncherChooserView *view);
/* Empties the list: nothing of one user stays for the next. */
void launcher_ui_chooser_clear(LauncherUiChooser *p);
void launcher_ui_chooser_set_next(LauncherUiChooser *p, const char *text);
/* The keyboard goes to the selected desktop. */
void launcher_ui_chooser_focus(LauncherUiChooser *p);
/* The state of a desktop in words (Running, Off, Starting, Unknown). */
const char *launcher_ui_chooser_state_words(const char *state);

#endif
