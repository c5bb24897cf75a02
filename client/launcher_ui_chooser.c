/* The desktop chooser: see launcher_ui_chooser.h. */
#include "launcher_ui_chooser.h"

#include <string.h>

#include "launcher_ui_page.h"

#define CHOOSER_ID_KEY "vdi-desktop-id"

struct LauncherUiChooser {
	GtkWidget *root, *title, *user, *list, *next, *connect, *back;
	LauncherUiChooserPick pick;
	gpointer user_data;
};

/* The broker's states (broker_desktop_state_name) in the station's
 * words; the last row is for any other. */
static const struct {
	const char *state, *words;
} chooser_states[] = {
    {"running", "Running"},
    {"off", "Off"},
    {"starting", "Starting"},
    {NULL, "Unknown"},
};

const char *launcher_ui_chooser_state_words(const char *state)
{
	size_t i;

	for (i = 0; chooser_states[i].state; i++)
		if (state && strcmp(state, chooser_states[i].state) == 0)
			break;
	return chooser_states[i].words;
}

static void chooser_pick_row(LauncherUiChooser *p, GtkListBoxRow *row)
{
	const char *id = row ? g_object_get_data(G_OBJECT(row), CHOOSER_ID_KEY) : NULL;

	if (id)
		p->pick(p->user_data, id);
}

static void chooser_row_activated(GtkListBox *list, GtkListBoxRow *row, gpointer user_data)
{
	chooser_pick_row(user_data, row);
}

static void chooser_connect_clicked(GtkButton *button, gpointer user_data)
{
	LauncherUiChooser *p = user_data;

	chooser_pick_row(p, gtk_list_box_get_selected_row(GTK_LIST_BOX(p->list)));
}

static GtkWidget *chooser_row(const LauncherChooserItem *d)
{
	GtkWidget *row = gtk_list_box_row_new();
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 24);
	GtkWidget *name = gtk_label_new(d->name);
	GtkWidget *state = gtk_label_new(launcher_ui_chooser_state_words(d->state));
	g_autofree char *state_class = g_strdup_printf("vdi-desktop-%s", d->state);

	/* Plain text: gtk_label_new never reads markup. */
	gtk_label_set_ellipsize(GTK_LABEL(name), PANGO_ELLIPSIZE_END);
	gtk_label_set_max_width_chars(GTK_LABEL(name), 48);
	gtk_label_set_xalign(GTK_LABEL(name), 0.0f);
	gtk_style_context_add_class(gtk_widget_get_style_context(name), "vdi-body");
	gtk_style_context_add_class(gtk_widget_get_style_context(state), "vdi-desktop-state");
	gtk_style_context_add_class(gtk_widget_get_style_context(state), state_class);
	gtk_widget_set_margin_start(box, 16);
	gtk_widget_set_margin_end(box, 16);
	gtk_widget_set_margin_top(box, 10);
	gtk_widget_set_margin_bottom(box, 10);
	gtk_box_pack_start(GTK_BOX(box), name, TRUE, TRUE, 0);
	gtk_box_pack_end(GTK_BOX(box), state, FALSE, FALSE, 0);
	gtk_container_add(GTK_CONTAINER(row), box);
	g_object_set_data_full(G_OBJECT(row), CHOOSER_ID_KEY, g_strdup(d->id), g_free);
	gtk_widget_show_all(row);
	return row;
}

LauncherUiChooser *launcher_ui_chooser_new(LauncherUiChooserPick pick, GCallback back,
					   gpointer user_data)
{
	LauncherUiChooser *p = g_new0(LauncherUiChooser, 1);
	GtkWidget *box = launcher_ui_page_box("vdi-chooser");
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);

	p->pick = pick;
	p->user_data = user_data;
	p->title = launcher_ui_page_label("vdi-title", TRUE);
	launcher_ui_page_set_text(p->title, "Choose a desktop");
	p->user = launcher_ui_page_label("vdi-body", TRUE);
	p->next = launcher_ui_page_label("vdi-next", TRUE);
	p->list = gtk_list_box_new();
	gtk_widget_set_name(p->list, "vdi-desktops");
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(p->list), GTK_SELECTION_BROWSE);
	/* Enter or a double click opens; a single click only selects, so that
	 * a slip of the mouse does not start the wrong desktop. */
	gtk_list_box_set_activate_on_single_click(GTK_LIST_BOX(p->list), FALSE);
	gtk_widget_set_size_request(p->list, 520, -1);
	g_signal_connect(p->list, "row-activated", G_CALLBACK(chooser_row_activated), p);
	p->connect = gtk_button_new_with_label("Connect");
	gtk_widget_set_name(p->connect, "vdi-chooser-connect");
	gtk_style_context_add_class(gtk_widget_get_style_context(p->connect), "suggested-action");
	g_signal_connect(p->connect, "clicked", G_CALLBACK(chooser_connect_clicked), p);
	p->back = gtk_button_new_with_label("Log out");
	gtk_widget_set_name(p->back, "vdi-chooser-back");
	g_signal_connect_swapped(p->back, "clicked", back, user_data);
	gtk_widget_set_halign(buttons, GTK_ALIGN_CENTER);
	gtk_box_pack_start(GTK_BOX(buttons), p->connect, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), p->back, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->user, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->list, FALSE, FALSE, 12);
	gtk_box_pack_start(GTK_BOX(box), buttons, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->next, FALSE, FALSE, 0);
	p->root = g_object_ref_sink(box);
	gtk_widget_show_all(p->root);
	return p;
}

void launcher_ui_chooser_free(LauncherUiChooser *p)
{
	if (!p)
		return;
	g_object_unref(p->root);
	g_free(p);
}

GtkWidget *launcher_ui_chooser_widget(LauncherUiChooser *p)
{
	return p->root;
}

void launcher_ui_chooser_clear(LauncherUiChooser *p)
{
	GList *rows = gtk_container_get_children(GTK_CONTAINER(p->list));

	for (GList *l = rows; l; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(rows);
	launcher_ui_page_set_text(p->user, NULL);
}

void launcher_ui_chooser_update(LauncherUiChooser *p, const LauncherChooserView *v)
{
	g_autofree char *who = v->user ? g_strdup_printf("Logged in as %s", v->user) : NULL;
	GtkWidget *first = NULL, *last = NULL;

	launcher_ui_chooser_clear(p);
	launcher_ui_page_set_text(p->user, who);
	launcher_ui_page_set_text(p->next, NULL);
	for (size_t i = 0; i < v->n_desktops; i++) {
		GtkWidget *row = chooser_row(&v->desktops[i]);

		gtk_container_add(GTK_CONTAINER(p->list), row);
		if (!first)
			first = row;
		if (v->last && strcmp(v->last, v->desktops[i].id) == 0)
			last = row;
	}
	if (last || first)
		gtk_list_box_select_row(GTK_LIST_BOX(p->list),
					GTK_LIST_BOX_ROW(last ? last : first));
}

void launcher_ui_chooser_set_next(LauncherUiChooser *p, const char *text)
{
	launcher_ui_page_set_text(p->next, text);
}

void launcher_ui_chooser_focus(LauncherUiChooser *p)
{
	GtkListBoxRow *row = gtk_list_box_get_selected_row(GTK_LIST_BOX(p->list));
	GtkWidget *top = gtk_widget_get_toplevel(p->root);

	if (GTK_IS_WINDOW(top))
		gtk_window_set_default(GTK_WINDOW(top), NULL);
	if (row)
		gtk_widget_grab_focus(GTK_WIDGET(row));
	else
		gtk_widget_grab_focus(p->back);
}
