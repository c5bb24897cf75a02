/* The diagnostics overlay: see launcher_ui_admin.h. */
#include "launcher_ui_admin.h"

#include "launcher_ui_page.h"

#define ADMIN_CONFIRM_SECONDS 5

enum {
	ADMIN_IDENTITY,
	ADMIN_BROKER,
	ADMIN_STATE,
	ADMIN_ERRORS,
	ADMIN_NETWORK,
	ADMIN_VERSIONS,
	ADMIN_CONFIG,
	ADMIN_N
};

static const char *const admin_headings[ADMIN_N] = {
    "Station", "Broker", "State", "Recent errors", "Network", "Versions", "Settings",
};

struct LauncherUiAdmin {
	GtkWidget *root, *close, *reboot, *poweroff;
	GtkWidget *values[ADMIN_N];
	LauncherUiAdminAction action;
	gpointer user_data;
	const char *armed; /* the action waiting for its second press */
	guint disarm;
};

static void admin_set_labels(LauncherUiAdmin *p)
{
	gtk_button_set_label(GTK_BUTTON(p->reboot), g_strcmp0(p->armed, "reboot") == 0
							? "Press again to reboot"
							: "Reboot");
	gtk_button_set_label(GTK_BUTTON(p->poweroff), g_strcmp0(p->armed, "poweroff") == 0
							  ? "Press again to power off"
							  : "Power off");
}

static gboolean admin_disarm(gpointer user_data)
{
	LauncherUiAdmin *p = user_data;

	p->armed = NULL;
	p->disarm = 0;
	admin_set_labels(p);
	return G_SOURCE_REMOVE;
}

/* Reboot and power-off act on the second press within a few seconds, so
 * that a stray click does not take the station down. */
static void admin_press(LauncherUiAdmin *p, const char *action)
{
	if (g_strcmp0(p->armed, action) == 0) {
		g_clear_handle_id(&p->disarm, g_source_remove);
		p->armed = NULL;
		admin_set_labels(p);
		p->action(p->user_data, action);
		return;
	}
	p->armed = action;
	g_clear_handle_id(&p->disarm, g_source_remove);
	p->disarm = g_timeout_add_seconds(ADMIN_CONFIRM_SECONDS, admin_disarm, p);
	admin_set_labels(p);
}

static void admin_reboot(GtkButton *b, gpointer user_data)
{
	admin_press(user_data, "reboot");
}

static void admin_poweroff(GtkButton *b, gpointer user_data)
{
	admin_press(user_data, "poweroff");
}

LauncherUiAdmin *launcher_ui_admin_new(GCallback close, LauncherUiAdminAction action,
				       gpointer user_data)
{
	LauncherUiAdmin *p = g_new0(LauncherUiAdmin, 1);
	GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *title = launcher_ui_page_label("vdi-title", FALSE);
	GtkWidget *hint = launcher_ui_page_label("vdi-identity-small", TRUE);
	GtkWidget *scroll = gtk_scrolled_window_new(NULL, NULL);
	GtkWidget *grid = gtk_grid_new();
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);

	p->action = action;
	p->user_data = user_data;
	gtk_style_context_add_class(gtk_widget_get_style_context(outer), "vdi-admin");
	gtk_widget_set_name(outer, "vdi-admin");
	launcher_ui_page_set_text(title, "Station diagnostics");
	launcher_ui_page_set_text(hint, "Esc or Ctrl+Alt+Shift+D closes this screen.");
	gtk_grid_set_row_spacing(GTK_GRID(grid), 10);
	gtk_grid_set_column_spacing(GTK_GRID(grid), 24);
	gtk_widget_set_margin_start(grid, 32);
	gtk_widget_set_margin_end(grid, 32);
	for (int i = 0; i < ADMIN_N; i++) {
		GtkWidget *h = gtk_label_new(admin_headings[i]);
		GtkWidget *v = gtk_label_new(NULL);

		gtk_style_context_add_class(gtk_widget_get_style_context(h), "vdi-admin-heading");
		gtk_style_context_add_class(gtk_widget_get_style_context(v), "vdi-admin-value");
		gtk_widget_set_halign(h, GTK_ALIGN_END);
		gtk_widget_set_valign(h, GTK_ALIGN_START);
		gtk_widget_set_halign(v, GTK_ALIGN_START);
		gtk_label_set_xalign(GTK_LABEL(v), 0);
		gtk_label_set_line_wrap(GTK_LABEL(v), TRUE);
		gtk_label_set_line_wrap_mode(GTK_LABEL(v), PANGO_WRAP_WORD_CHAR);
		gtk_label_set_max_width_chars(GTK_LABEL(v), 110);
		gtk_grid_attach(GTK_GRID(grid), h, 0, i, 1, 1);
		gtk_grid_attach(GTK_GRID(grid), v, 1, i, 1, 1);
		p->values[i] = v;
	}
	gtk_container_add(GTK_CONTAINER(scroll), grid);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER,
				       GTK_POLICY_AUTOMATIC);

	p->reboot = gtk_button_new_with_label("Reboot");
	p->poweroff = gtk_button_new_with_label("Power off");
	p->close = gtk_button_new_with_label("Close");
	gtk_widget_set_name(p->reboot, "vdi-admin-reboot");
	gtk_widget_set_name(p->poweroff, "vdi-admin-poweroff");
	gtk_style_context_add_class(gtk_widget_get_style_context(p->reboot), "destructive-action");
	gtk_style_context_add_class(gtk_widget_get_style_context(p->poweroff),
				    "destructive-action");
	g_signal_connect(p->reboot, "clicked", G_CALLBACK(admin_reboot), p);
	g_signal_connect(p->poweroff, "clicked", G_CALLBACK(admin_poweroff), p);
	g_signal_connect_swapped(p->close, "clicked", close, user_data);
	gtk_widget_set_halign(buttons, GTK_ALIGN_CENTER);
	gtk_box_pack_start(GTK_BOX(buttons), p->reboot, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), p->poweroff, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), p->close, FALSE, FALSE, 0);

	gtk_box_pack_start(GTK_BOX(outer), title, FALSE, FALSE, 16);
	gtk_box_pack_start(GTK_BOX(outer), scroll, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(outer), buttons, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(outer), hint, FALSE, FALSE, 12);
	p->root = g_object_ref_sink(outer);
	gtk_widget_show_all(p->root);
	return p;
}

void launcher_ui_admin_free(LauncherUiAdmin *p)
{
	if (!p)
		return;
	g_clear_handle_id(&p->disarm, g_source_remove);
	g_object_unref(p->root);
	g_free(p);
}

GtkWidget *launcher_ui_admin_widget(LauncherUiAdmin *p)
{
	return p->root;
}

void launcher_ui_admin_update(LauncherUiAdmin *p, const LauncherAdminView *v)
{
	const char *texts[ADMIN_N] = {v->identity, v->broker,	v->state, v->errors,
				      v->network,  v->versions, v->config};

	for (int i = 0; i < ADMIN_N; i++)
		gtk_label_set_text(GTK_LABEL(p->values[i]), texts[i] ? texts[i] : "");
	p->armed = NULL;
	g_clear_handle_id(&p->disarm, g_source_remove);
	admin_set_labels(p);
}

void launcher_ui_admin_focus(LauncherUiAdmin *p)
{
	gtk_widget_grab_focus(p->close);
}
