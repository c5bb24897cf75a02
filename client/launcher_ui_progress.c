/* The progress page: see launcher_ui_progress.h. */
#include "launcher_ui_progress.h"

#include "launcher_ui_page.h"

struct LauncherUiProgress {
	GtkWidget *root, *spinner, *title, *detail, *next, *cancel;
};

LauncherUiProgress *launcher_ui_progress_new(GCallback cancel, gpointer user_data)
{
	LauncherUiProgress *p = g_new0(LauncherUiProgress, 1);
	GtkWidget *box = launcher_ui_page_box("vdi-progress");

	p->spinner = gtk_spinner_new();
	gtk_widget_set_size_request(p->spinner, 48, 48);
	p->title = launcher_ui_page_label("vdi-title", TRUE);
	p->detail = launcher_ui_page_label("vdi-body", TRUE);
	p->next = launcher_ui_page_label("vdi-next", TRUE);
	p->cancel = gtk_button_new_with_label("Cancel");
	gtk_widget_set_halign(p->cancel, GTK_ALIGN_CENTER);
	gtk_widget_set_no_show_all(p->cancel, TRUE);
	g_signal_connect_swapped(p->cancel, "clicked", cancel, user_data);
	gtk_box_pack_start(GTK_BOX(box), p->spinner, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->detail, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->next, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->cancel, FALSE, FALSE, 12);
	p->root = g_object_ref_sink(box);
	gtk_widget_show_all(p->root);
	return p;
}

void launcher_ui_progress_free(LauncherUiProgress *p)
{
	if (!p)
		return;
	g_object_unref(p->root);
	g_free(p);
}

GtkWidget *launcher_ui_progress_widget(LauncherUiProgress *p)
{
	return p->root;
}

void launcher_ui_progress_update(LauncherUiProgress *p, const char *title, const char *detail,
				 gboolean can_cancel)
{
	launcher_ui_page_set_text(p->title, title);
	launcher_ui_page_set_text(p->detail, detail);
	launcher_ui_page_set_text(p->next, NULL);
	gtk_widget_set_visible(p->cancel, can_cancel);
	gtk_spinner_start(GTK_SPINNER(p->spinner));
}

void launcher_ui_progress_set_next(LauncherUiProgress *p, const char *text)
{
	launcher_ui_page_set_text(p->next, text);
}

void launcher_ui_progress_focus(LauncherUiProgress *p)
{
	if (gtk_widget_get_visible(p->cancel))
		gtk_widget_grab_focus(p->cancel);
}
