/* Pieces shared by the launcher's pages (launcher_ui_*.c). */
#ifndef LAUNCHER_UI_PAGE_H
#define LAUNCHER_UI_PAGE_H

#include <gtk/gtk.h>

/* A label with a style class, centred, wrapping when wrap is set. */
GtkWidget *launcher_ui_page_label(const char *css_class, gboolean wrap);
/* Sets a label's text and hides it when text is NULL or empty. */
void launcher_ui_page_set_text(GtkWidget *label, const char *text);
/* A vertical box, centred in the page, with the page's style class. */
GtkWidget *launcher_ui_page_box(const char *css_class);

/* Logs event (with page=NAME, and t_us/mono_us time stamps) after the next
 * frame of widget's window has been painted. */
void launcher_ui_page_log_next_paint(GtkWidget *widget, const char *event, const char *page);
#endif
