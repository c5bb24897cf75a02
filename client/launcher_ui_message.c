/* The message page: see launcher_ui_message.h. */
#include "launcher_ui_message.h"

#include "launcher_ui_page.h"

struct LauncherUiMessage {
	GtkWidget *root, *title, *body, *identity_large, *identity_small, *next;
	GtkWidget *retry, *back;
	char *kind_class;
};

LauncherUiMessage *launcher_ui_message_new(GCallback retry, GCallback back, gpointer user_data)
{
	LauncherUiMessage *p = g_new0(LauncherUiMessage, 1);
	GtkWidget *box = launcher_ui_page_box("vdi-message");
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);

	p->title = launcher_ui_page_label("vdi-title", TRUE);
	p->body = launcher_ui_page_label("vdi-body", TRUE);
	p->identity_large = launcher_ui_page_label("vdi-identity-large", FALSE);
	p->identity_small = launcher_ui_page_label("vdi-identity-small", TRUE);
	p->next = launcher_ui_page_label("vdi-next", TRUE);
	gtk_label_set_selectable(GTK_LABEL(p->identity_large), FALSE);
	p->retry = gtk_button_new_with_label("Try now");
	p->back = gtk_button_new_with_label("Back");
	gtk_widget_set_no_show_all(p->retry, TRUE);
	gtk_widget_set_no_show_all(p->back, TRUE);
	g_signal_connect_swapped(p->retry, "clicked", retry, user_data);
	g_signal_connect_swapped(p->back, "clicked", back, user_data);
	gtk_widget_set_halign(buttons, GTK_ALIGN_CENTER);
	gtk_box_pack_start(GTK_BOX(buttons), p->retry, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), p->back, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->body, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->identity_large, FALSE, FALSE, 16);
	gtk_box_pack_start(GTK_BOX(box), p->next, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), buttons, FALSE, FALSE, 12);
	gtk_box_pack_start(GTK_BOX(box), p->identity_small, FALSE, FALSE, 12);
	p->root = g_object_ref_sink(box);
	gtk_widget_show_all(p->root);
	return p;
}

void launcher_ui_message_free(LauncherUiMessage *p)
{
	if (!p)
		return;
	g_object_unref(p->root);
	g_free(p->kind_class);
	g_free(p);
}

GtkWidget *launcher_ui_message_widget(LauncherUiMessage *p)
{
	return p->root;
}

void launcher_ui_message_update(LauncherUiMessage *p, const LauncherMessageView *v)
{
	GtkStyleContext *sc = gtk_widget_get_style_context(p->root);
	g_autofree char *ident = NULL;

	/* One style class per kind (vdi-kind-maintenance, ...), for the CSS. */
	if (p->kind_class)
		gtk_style_context_remove_class(sc, p->kind_class);
	g_free(p->kind_class);
	p->kind_class = g_strdup_printf("vdi-kind-%s", v->kind ? v->kind : "other");
	gtk_style_context_add_class(sc, p->kind_class);

	launcher_ui_page_set_text(p->title, v->title);
	launcher_ui_page_set_text(p->body, v->body);
	ident = g_strdup_printf("MAC %s\nIP %s\nName %s", v->mac && *v->mac ? v->mac : "unknown",
				v->ip && *v->ip ? v->ip : "none",
				v->hostname && *v->hostname ? v->hostname : "(none)");
	if (v->identity_large) {
		launcher_ui_page_set_text(p->identity_large, ident);
		launcher_ui_page_set_text(p->identity_small, NULL);
	} else {
		g_autofree char *line = g_strdup_printf(
		    "MAC %s  ·  IP %s  ·  %s", v->mac && *v->mac ? v->mac : "unknown",
		    v->ip && *v->ip ? v->ip : "none",
		    v->hostname && *v->hostname ? v->hostname : "(no host name)");
		launcher_ui_page_set_text(p->identity_large, NULL);
		launcher_ui_page_set_text(p->identity_small, line);
	}
	launcher_ui_page_set_text(p->next, NULL);
	gtk_widget_set_visible(p->retry, v->can_retry);
	gtk_widget_set_visible(p->back, v->can_back);
}

void launcher_ui_message_set_next(LauncherUiMessage *p, const char *text)
{
	launcher_ui_page_set_text(p->next, text);
}

void launcher_ui_message_focus(LauncherUiMessage *p)
{
	if (gtk_widget_get_visible(p->retry))
		gtk_widget_grab_focus(p->retry);
	else if (gtk_widget_get_visible(p->back))
		gtk_widget_grab_focus(p->back);
}
