/* The idle/login page: see launcher_ui_login.h. */
#include "launcher_ui_login.h"

#include "launcher_branding.h"
#include "launcher_ui_page.h"

struct LauncherUiLogin {
	GtkWidget *root;
	GtkWidget *clock, *date, *name, *text, *warning, *next, *identity;
	GtkWidget *fields, *username, *password, *connect;
	gboolean login;
	LauncherUiLoginConnect on_connect;
	gpointer user_data;
};

static void login_activate(LauncherUiLogin *p)
{
	const char *user = NULL, *pass = NULL;

	if (p->login) {
		user = gtk_entry_get_text(GTK_ENTRY(p->username));
		pass = gtk_entry_get_text(GTK_ENTRY(p->password));
		/* Enter in an empty field moves on instead of sending an
		 * attempt that can only fail. */
		if (!*user) {
			gtk_widget_grab_focus(p->username);
			return;
		}
		if (!*pass) {
			gtk_widget_grab_focus(p->password);
			return;
		}
	}
	p->on_connect(p->user_data, user, pass);
}

static void login_clicked(GtkButton *button, gpointer user_data)
{
	login_activate(user_data);
}

static void login_entry_activate(GtkEntry *entry, gpointer user_data)
{
	login_activate(user_data);
}

LauncherUiLogin *launcher_ui_login_new(const char *branding, LauncherUiLoginConnect connect,
				       gpointer user_data)
{
	LauncherUiLogin *p = g_new0(LauncherUiLogin, 1);
	GtkWidget *box = launcher_ui_page_box("vdi-login");
	GtkWidget *logo = launcher_branding_logo(branding, 96);
	GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);

	p->on_connect = connect;
	p->user_data = user_data;
	if (logo)
		gtk_box_pack_start(GTK_BOX(box), logo, FALSE, FALSE, 0);
	p->clock = launcher_ui_page_label("vdi-clock", FALSE);
	p->date = launcher_ui_page_label("vdi-date", FALSE);
	p->name = launcher_ui_page_label("vdi-station-name", TRUE);
	p->text = launcher_ui_page_label("vdi-body", TRUE);
	p->warning = launcher_ui_page_label("vdi-warning", TRUE);
	p->next = launcher_ui_page_label("vdi-next", TRUE);
	p->identity = launcher_ui_page_label("vdi-identity-small", TRUE);
	gtk_box_pack_start(GTK_BOX(box), p->clock, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->date, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->name, FALSE, FALSE, 12);
	gtk_box_pack_start(GTK_BOX(box), p->text, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), p->warning, FALSE, FALSE, 0);

	p->fields = gtk_grid_new();
	gtk_grid_set_row_spacing(GTK_GRID(p->fields), 8);
	gtk_widget_set_halign(p->fields, GTK_ALIGN_CENTER);
	p->username = gtk_entry_new();
	p->password = gtk_entry_new();
	gtk_entry_set_placeholder_text(GTK_ENTRY(p->username), "User name");
	gtk_entry_set_placeholder_text(GTK_ENTRY(p->password), "Password");
	gtk_entry_set_visibility(GTK_ENTRY(p->password), FALSE);
	gtk_entry_set_input_purpose(GTK_ENTRY(p->password), GTK_INPUT_PURPOSE_PASSWORD);
	gtk_entry_set_max_length(GTK_ENTRY(p->username), 64);
	gtk_entry_set_max_length(GTK_ENTRY(p->password), 255);
	gtk_entry_set_width_chars(GTK_ENTRY(p->username), 28);
	gtk_entry_set_width_chars(GTK_ENTRY(p->password), 28);
	gtk_widget_set_name(p->username, "vdi-username");
	gtk_widget_set_name(p->password, "vdi-password");
	g_signal_connect(p->username, "activate", G_CALLBACK(login_entry_activate), p);
	g_signal_connect(p->password, "activate", G_CALLBACK(login_entry_activate), p);
	gtk_grid_attach(GTK_GRID(p->fields), p->username, 0, 0, 1, 1);
	gtk_grid_attach(GTK_GRID(p->fields), p->password, 0, 1, 1, 1);
	gtk_widget_set_no_show_all(p->fields, TRUE);
	gtk_widget_show(p->username);
	gtk_widget_show(p->password);
	gtk_box_pack_start(GTK_BOX(box), p->fields, FALSE, FALSE, 8);

	p->connect = gtk_button_new_with_label("Connect");
	gtk_widget_set_name(p->connect, "vdi-connect");
	gtk_widget_set_halign(p->connect, GTK_ALIGN_CENTER);
	gtk_style_context_add_class(gtk_widget_get_style_context(p->connect), "suggested-action");
	gtk_style_context_add_class(gtk_widget_get_style_context(p->connect), "vdi-connect");
	gtk_widget_set_can_default(p->connect, TRUE);
	g_signal_connect(p->connect, "clicked", G_CALLBACK(login_clicked), p);
	gtk_box_pack_start(GTK_BOX(box), p->connect, FALSE, FALSE, 8);
	gtk_box_pack_start(GTK_BOX(box), p->next, FALSE, FALSE, 0);

	gtk_box_pack_start(GTK_BOX(outer), box, TRUE, TRUE, 0);
	gtk_widget_set_valign(p->identity, GTK_ALIGN_END);
	gtk_box_pack_end(GTK_BOX(outer), p->identity, FALSE, FALSE, 12);
	p->root = g_object_ref_sink(outer);
	launcher_ui_login_tick(p);
	gtk_widget_show_all(p->root);
	return p;
}

void launcher_ui_login_free(LauncherUiLogin *p)
{
	if (!p)
		return;
	g_object_unref(p->root);
	g_free(p);
}

GtkWidget *launcher_ui_login_widget(LauncherUiLogin *p)
{
	return p->root;
}

void launcher_ui_login_update(LauncherUiLogin *p, const LauncherLoginView *v)
{
	p->login = v->login;
	launcher_ui_page_set_text(p->name, v->station_name);
	launcher_ui_page_set_text(p->text, v->screen_text);
	launcher_ui_page_set_text(p->warning, v->warning);
	launcher_ui_page_set_text(p->identity, v->identity_line);
	gtk_widget_set_visible(p->fields, v->login);
	gtk_button_set_label(GTK_BUTTON(p->connect), v->login ? "Log in" : "Connect");
}

void launcher_ui_login_set_next(LauncherUiLogin *p, const char *text)
{
	launcher_ui_page_set_text(p->next, text);
}

void launcher_ui_login_clear(LauncherUiLogin *p)
{
	/* GtkEntryBuffer overwrites the old text with zeros when it is
	 * replaced, so this also clears the password from memory. */
	gtk_entry_set_text(GTK_ENTRY(p->username), "");
	gtk_entry_set_text(GTK_ENTRY(p->password), "");
}

void launcher_ui_login_clear_password(LauncherUiLogin *p)
{
	gtk_entry_set_text(GTK_ENTRY(p->password), "");
}

gboolean launcher_ui_login_in_use(LauncherUiLogin *p)
{
	return p->login && (gtk_entry_get_text_length(GTK_ENTRY(p->username)) > 0 ||
			    gtk_entry_get_text_length(GTK_ENTRY(p->password)) > 0);
}

void launcher_ui_login_focus(LauncherUiLogin *p)
{
	GtkWidget *top = gtk_widget_get_toplevel(p->root);

	if (GTK_IS_WINDOW(top))
		gtk_window_set_default(GTK_WINDOW(top), p->connect);
	gtk_widget_grab_focus(p->login ? p->username : p->connect);
}

void launcher_ui_login_tick(LauncherUiLogin *p)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *clock = g_date_time_format(now, "%H:%M");
	g_autofree char *date = g_date_time_format(now, "%A %-d %B %Y");

	launcher_ui_page_set_text(p->clock, clock);
	launcher_ui_page_set_text(p->date, date);
}
