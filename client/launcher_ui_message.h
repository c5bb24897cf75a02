/* The message page: what went wrong in plain words, the station's identity
 * (across-the-room large for an unknown station), what happens next, and the
 * buttons to make it happen now. */
#ifndef LAUNCHER_UI_MESSAGE_H
#define LAUNCHER_UI_MESSAGE_H

#include "launcher_ui.h"

typedef struct LauncherUiMessage LauncherUiMessage;

LauncherUiMessage *launcher_ui_message_new(GCallback retry, GCallback back, gpointer user_data);
void launcher_ui_message_free(LauncherUiMessage *p);
GtkWidget *launcher_ui_message_widget(LauncherUiMessage *p);
void launcher_ui_message_update(LauncherUiMessage *p, const LauncherMessageView *view);
void launcher_ui_message_set_next(LauncherUiMessage *p, const char *text);
void launcher_ui_message_focus(LauncherUiMessage *p);

#endif
