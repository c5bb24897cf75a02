/* The launcher window: see launcher_ui.h. */
#include "launcher_ui.h"

#include <string.h>

#include "launcher_branding.h"
#include "launcher_ui_admin.h"
#include "launcher_ui_chooser.h"
#include "launcher_ui_desktop.h"
#include "launcher_ui_login.h"
#include "launcher_ui_message.h"
#include "launcher_ui_notice.h"
#include "launcher_ui_page.h"
#include "launcher_ui_progress.h"
#include "log.h"

#define NOTICE_SECONDS 8

struct LauncherUi {
	LauncherUiCallbacks cb;
	gpointer user_data;
	gboolean windowed;
	GtkWidget *window, *overlay, *stack;
	LauncherUiNotice *notice;
	LauncherUiLogin *login;
	LauncherUiProgress *progress;
	LauncherUiMessage *message;
	LauncherUiChooser *chooser;
	LauncherUiDesktop *desktop;
	LauncherUiAdmin *admin;
	guint clock_timer;
	char *paint_page; /* the page whose first frame is still to be logged */
	gulong paint_handler;
	GdkRectangle bounds; /* all monitors, in screen coordinates */
};

/* The admin chord: Ctrl+Alt+Shift+D ("diagnostics"). */
#define ADMIN_KEY  GDK_KEY_d
#define ADMIN_MODS (GDK_CONTROL_MASK | GDK_MOD1_MASK | GDK_SHIFT_MASK)

static const char *ui_current_page(LauncherUi *ui)
{
	const char *name = gtk_stack_get_visible_child_name(GTK_STACK(ui->stack));
	return name ? name : "";
}

static gboolean ui_key_press(GtkWidget *w, GdkEventKey *ev, gpointer user_data)
{
	LauncherUi *ui = user_data;
	GdkModifierType mods = ev->state & gtk_accelerator_get_default_mod_mask();
	guint key = gdk_keyval_to_lower(ev->keyval);
	gboolean in_desktop = strcmp(ui_current_page(ui), "desktop") == 0;

	/* In a session every key belongs to the desktop, chords included:
	 * Alt+F4 closes a window there, not this one. */
	if (in_desktop && !launcher_ui_admin_visible(ui))
		return FALSE;
	if (key == ADMIN_KEY && mods == ADMIN_MODS) {
		if (launcher_ui_admin_visible(ui)) {
			launcher_ui_hide_admin(ui);
			ui->cb.admin_closed(ui->user_data);
		} else {
			ui->cb.admin_opened(ui->user_data);
		}
		return TRUE;
	}
	if (launcher_ui_admin_visible(ui) && key == GDK_KEY_Escape) {
		launcher_ui_hide_admin(ui);
		ui->cb.admin_closed(ui->user_data);
		return TRUE;
	}
	/* Escape on the chooser is its Log out. */
	if (key == GDK_KEY_Escape && !mods && strcmp(ui_current_page(ui), "chooser") == 0) {
		ui->cb.cancel(ui->user_data);
		return TRUE;
	}
	/* Nothing closes or hides the launcher: these would, with a window
	 * manager, or in some GTK versions. */
	if ((key == GDK_KEY_F4 && (mods & GDK_MOD1_MASK)) ||
	    ((key == GDK_KEY_q || key == GDK_KEY_w) && (mods & GDK_CONTROL_MASK)) ||
	    key == GDK_KEY_F10)
		return TRUE;
	return FALSE;
}

static gboolean ui_delete_event(GtkWidget *w, GdkEvent *ev, gpointer user_data)
{
	return TRUE; /* never closes */
}

static gboolean ui_window_state(GtkWidget *w, GdkEventWindowState *ev, gpointer user_data)
{
	if (ev->new_window_state & GDK_WINDOW_STATE_ICONIFIED)
		gtk_window_deiconify(GTK_WINDOW(w));
	return FALSE;
}

/* The union of all monitors; the window is placed and sized to it by hand,
 * as there is no window manager to do it. */
static void ui_fit_monitors(LauncherUi *ui)
{
	GdkDisplay *dpy = gtk_widget_get_display(ui->window);
	int n = gdk_display_get_n_monitors(dpy);
	g_autoptr(GArray) rects = g_array_new(FALSE, TRUE, sizeof(GdkRectangle));
	GdkRectangle all = {0, 0, 0, 0};

	for (int i = 0; i < n; i++) {
		GdkRectangle r;
		gdk_monitor_get_geometry(gdk_display_get_monitor(dpy, i), &r);
		if (i == 0)
			all = r;
		else
			gdk_rectangle_union(&all, &r, &all);
		g_array_append_val(rects, r);
	}
	if (n == 0 || all.width <= 0 || all.height <= 0)
		return;
	ui->bounds = all;
	for (guint i = 0; i < rects->len; i++) {
		GdkRectangle *r = &g_array_index(rects, GdkRectangle, i);
		char geo[64], idx[8];
		r->x -= all.x;
		r->y -= all.y;
		g_snprintf(geo, sizeof(geo), "%dx%d+%d+%d", r->width, r->height, r->x, r->y);
		g_snprintf(idx, sizeof(idx), "%u", i);
		log_event(LOG_INFO, "monitor", "index", idx, "geometry", geo, NULL);
	}
	if (ui->windowed)
		return;
	launcher_ui_desktop_set_monitors(ui->desktop, (GdkRectangle *)rects->data, rects->len);
	gtk_widget_set_size_request(ui->window, all.width, all.height);
	gtk_window_move(GTK_WINDOW(ui->window), all.x, all.y);
	gtk_window_resize(GTK_WINDOW(ui->window), all.width, all.height);
}

static void ui_monitors_changed(GdkDisplay *dpy, GdkMonitor *m, gpointer user_data)
{
	ui_fit_monitors(user_data);
}

static void ui_screen_changed(GdkScreen *screen, gpointer user_data)
{
	ui_fit_monitors(user_data);
}

static gboolean ui_clock_tick(gpointer user_data)
{
	LauncherUi *ui = user_data;

	launcher_ui_login_tick(ui->login);
	return G_SOURCE_CONTINUE;
}

static void ui_connect_cb(gpointer user_data, const char *username, const char *password)
{
	LauncherUi *ui = user_data;
	ui->cb.connect(ui->user_data, username, password);
}

static void ui_cancel_cb(LauncherUi *ui)
{
	ui->cb.cancel(ui->user_data);
}

static void ui_retry_cb(LauncherUi *ui)
{
	ui->cb.retry_now(ui->user_data);
}

static void ui_choose_cb(gpointer user_data, const char *desktop)
{
	LauncherUi *ui = user_data;
	ui->cb.choose(ui->user_data, desktop);
}

static void ui_admin_close_cb(LauncherUi *ui)
{
	launcher_ui_hide_admin(ui);
	ui->cb.admin_closed(ui->user_data);
}

static void ui_admin_action_cb(gpointer user_data, const char *action)
{
	LauncherUi *ui = user_data;
	ui->cb.admin_action(ui->user_data, action);
}

static void ui_map(GtkWidget *w, gpointer user_data)
{
	/* Without a window manager nobody gives the window the keyboard. */
	gtk_window_present(GTK_WINDOW(w));
	gdk_window_focus(gtk_widget_get_window(w), GDK_CURRENT_TIME);
}

LauncherUi *launcher_ui_new(const LauncherConfig *cfg, const LauncherUiCallbacks *cb,
			    gpointer user_data)
{
	LauncherUi *ui = g_new0(LauncherUi, 1);
	GdkDisplay *dpy;

	ui->cb = *cb;
	ui->user_data = user_data;
	ui->windowed = cfg->windowed;
	launcher_branding_apply(gdk_screen_get_default(), cfg->branding);

	ui->window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_widget_set_name(ui->window, "vdi-launcher");
	gtk_style_context_add_class(gtk_widget_get_style_context(ui->window), "vdi-launcher");
	gtk_window_set_title(GTK_WINDOW(ui->window), "VDI Station");
	gtk_window_set_deletable(GTK_WINDOW(ui->window), FALSE);
	if (!ui->windowed)
		gtk_window_set_decorated(GTK_WINDOW(ui->window), FALSE);
	else
		gtk_window_set_default_size(GTK_WINDOW(ui->window), 1024, 768);
	g_signal_connect(ui->window, "key-press-event", G_CALLBACK(ui_key_press), ui);
	g_signal_connect(ui->window, "delete-event", G_CALLBACK(ui_delete_event), ui);
	g_signal_connect(ui->window, "window-state-event", G_CALLBACK(ui_window_state), ui);
	g_signal_connect(ui->window, "map", G_CALLBACK(ui_map), ui);

	ui->login = launcher_ui_login_new(cfg->branding, ui_connect_cb, ui);
	ui->progress = launcher_ui_progress_new(G_CALLBACK(ui_cancel_cb), ui);
	ui->message =
	    launcher_ui_message_new(G_CALLBACK(ui_retry_cb), G_CALLBACK(ui_cancel_cb), ui);
	ui->chooser = launcher_ui_chooser_new(ui_choose_cb, G_CALLBACK(ui_cancel_cb), ui);
	ui->desktop = launcher_ui_desktop_new();
	ui->admin = launcher_ui_admin_new(G_CALLBACK(ui_admin_close_cb), ui_admin_action_cb, ui);

	ui->stack = gtk_stack_new();
	gtk_stack_set_transition_type(GTK_STACK(ui->stack), GTK_STACK_TRANSITION_TYPE_NONE);
	gtk_stack_add_named(GTK_STACK(ui->stack), launcher_ui_progress_widget(ui->progress),
			    "progress");
	gtk_stack_add_named(GTK_STACK(ui->stack), launcher_ui_login_widget(ui->login), "login");
	gtk_stack_add_named(GTK_STACK(ui->stack), launcher_ui_message_widget(ui->message),
			    "message");
	gtk_stack_add_named(GTK_STACK(ui->stack), launcher_ui_chooser_widget(ui->chooser),
			    "chooser");
	gtk_stack_add_named(GTK_STACK(ui->stack), launcher_ui_desktop_widget(ui->desktop),
			    "desktop");

	ui->overlay = gtk_overlay_new();
	gtk_container_add(GTK_CONTAINER(ui->overlay), ui->stack);
	gtk_overlay_add_overlay(GTK_OVERLAY(ui->overlay), launcher_ui_admin_widget(ui->admin));
	gtk_widget_set_no_show_all(launcher_ui_admin_widget(ui->admin), TRUE);

	gtk_container_add(GTK_CONTAINER(ui->window), ui->overlay);
	gtk_widget_show_all(ui->overlay);
	gtk_widget_hide(launcher_ui_admin_widget(ui->admin));
	gtk_stack_set_visible_child_name(GTK_STACK(ui->stack), "progress");
	ui->notice = launcher_ui_notice_new(ui->window);

	dpy = gtk_widget_get_display(ui->window);
	g_signal_connect(dpy, "monitor-added", G_CALLBACK(ui_monitors_changed), ui);
	g_signal_connect(dpy, "monitor-removed", G_CALLBACK(ui_monitors_changed), ui);
	g_signal_connect(gtk_widget_get_screen(ui->window), "size-changed",
			 G_CALLBACK(ui_screen_changed), ui);
	ui_fit_monitors(ui);
	ui->clock_timer = g_timeout_add_seconds(1, ui_clock_tick, ui);
	gtk_widget_show(ui->window);
	/* The first frame of all is logged too: a station's boot counts until
	 * its first screen is on, whichever screen that is. */
	launcher_ui_log_next_paint(ui, "progress");
	return ui;
}

void launcher_ui_free(LauncherUi *ui)
{
	if (!ui)
		return;
	g_clear_handle_id(&ui->clock_timer, g_source_remove);
	launcher_ui_notice_free(ui->notice);
	if (ui->paint_handler)
		g_signal_handler_disconnect(gtk_widget_get_frame_clock(ui->window),
					    ui->paint_handler);
	g_free(ui->paint_page);
	g_signal_handlers_disconnect_by_data(gtk_widget_get_display(ui->window), ui);
	g_signal_handlers_disconnect_by_data(gtk_widget_get_screen(ui->window), ui);
	launcher_ui_desktop_clear(ui->desktop);
	launcher_ui_login_clear(ui->login);
	gtk_widget_destroy(ui->window);
	launcher_ui_login_free(ui->login);
	launcher_ui_progress_free(ui->progress);
	launcher_ui_message_free(ui->message);
	launcher_ui_chooser_free(ui->chooser);
	launcher_ui_desktop_free(ui->desktop);
	launcher_ui_admin_free(ui->admin);
	g_free(ui);
}

GtkWindow *launcher_ui_window(LauncherUi *ui)
{
	return GTK_WINDOW(ui->window);
}

static void ui_show_page(LauncherUi *ui, const char *name)
{
	gboolean changed = strcmp(ui_current_page(ui), name) != 0;

	gtk_stack_set_visible_child_name(GTK_STACK(ui->stack), name);
	if (changed)
		launcher_ui_log_next_paint(ui, name);
}

static void ui_after_paint(GdkFrameClock *clock, gpointer user_data)
{
	LauncherUi *ui = user_data;
	g_autofree char *page = g_steal_pointer(&ui->paint_page);
	char t[32], mono[32];

	if (!page)
		return;
	g_snprintf(t, sizeof(t), "%" G_GINT64_FORMAT, g_get_real_time());
	g_snprintf(mono, sizeof(mono), "%" G_GINT64_FORMAT, g_get_monotonic_time());
	log_event(LOG_INFO, "painted", "page", page, "t_us", t, "mono_us", mono, NULL);
}

void launcher_ui_show_login(LauncherUi *ui, const LauncherLoginView *view)
{
	gboolean was_shown = strcmp(ui_current_page(ui), "login") == 0;

	launcher_ui_login_update(ui->login, view);
	launcher_ui_login_set_next(ui->login, NULL);
	ui_show_page(ui, "login");
	/* A refresh of a login screen already shown leaves the focus (and
	 * whatever the user is typing) alone. */
	if (!was_shown && !launcher_ui_admin_visible(ui))
		launcher_ui_login_focus(ui->login);
}

void launcher_ui_clear_login(LauncherUi *ui)
{
	launcher_ui_login_clear(ui->login);
}

void launcher_ui_clear_password(LauncherUi *ui)
{
	launcher_ui_login_clear_password(ui->login);
}

gboolean launcher_ui_is_typing(LauncherUi *ui)
{
	return launcher_ui_login_in_use(ui->login);
}

void launcher_ui_show_progress(LauncherUi *ui, const char *title, const char *detail,
			       gboolean can_cancel)
{
	launcher_ui_progress_update(ui->progress, title, detail, can_cancel);
	ui_show_page(ui, "progress");
	if (!launcher_ui_admin_visible(ui))
		launcher_ui_progress_focus(ui->progress);
}

void launcher_ui_show_message(LauncherUi *ui, const LauncherMessageView *view)
{
	launcher_ui_message_update(ui->message, view);
	ui_show_page(ui, "message");
	if (!launcher_ui_admin_visible(ui))
		launcher_ui_message_focus(ui->message);
}

void launcher_ui_show_chooser(LauncherUi *ui, const LauncherChooserView *view)
{
	launcher_ui_chooser_update(ui->chooser, view);
	ui_show_page(ui, "chooser");
	if (!launcher_ui_admin_visible(ui))
		launcher_ui_chooser_focus(ui->chooser);
}

void launcher_ui_clear_chooser(LauncherUi *ui)
{
	launcher_ui_chooser_clear(ui->chooser);
}

void launcher_ui_set_next(LauncherUi *ui, const char *text)
{
	const char *page = ui_current_page(ui);

	if (strcmp(page, "login") == 0)
		launcher_ui_login_set_next(ui->login, text);
	else if (strcmp(page, "progress") == 0)
		launcher_ui_progress_set_next(ui->progress, text);
	else if (strcmp(page, "message") == 0)
		launcher_ui_message_set_next(ui->message, text);
	else if (strcmp(page, "chooser") == 0)
		launcher_ui_chooser_set_next(ui->chooser, text);
}

void launcher_ui_show_desktop(LauncherUi *ui)
{
	ui_show_page(ui, "desktop");
	launcher_ui_desktop_focus(ui->desktop);
	launcher_ui_desktop_shown(ui->desktop);
}

void launcher_ui_add_display(LauncherUi *ui, GtkWidget *display, guint order)
{
	launcher_ui_desktop_add(ui->desktop, display, order);
	if (strcmp(ui_current_page(ui), "desktop") == 0 &&
	    launcher_ui_desktop_count(ui->desktop) == 1)
		launcher_ui_desktop_focus(ui->desktop);
}

void launcher_ui_remove_display(LauncherUi *ui, GtkWidget *display)
{
	launcher_ui_desktop_remove(ui->desktop, display);
}

void launcher_ui_clear_displays(LauncherUi *ui)
{
	launcher_ui_desktop_clear(ui->desktop);
}

guint launcher_ui_n_displays(LauncherUi *ui)
{
	return launcher_ui_desktop_count(ui->desktop);
}

void launcher_ui_first_monitor_size(LauncherUi *ui, int *width, int *height)
{
	GdkDisplay *dpy = gtk_widget_get_display(ui->window);
	GdkRectangle r = {0, 0, 1024, 768};

	if (ui->windowed)
		gtk_window_get_size(GTK_WINDOW(ui->window), &r.width, &r.height);
	else if (gdk_display_get_n_monitors(dpy) > 0)
		gdk_monitor_get_geometry(gdk_display_get_monitor(dpy, 0), &r);
	*width = r.width;
	*height = r.height;
}

void launcher_ui_notice(LauncherUi *ui, const char *text)
{
	launcher_ui_notice_show(ui->notice, text, NOTICE_SECONDS);
	log_event(LOG_INFO, "notice", "text", text, NULL);
}

void launcher_ui_show_admin(LauncherUi *ui, const LauncherAdminView *view)
{
	launcher_ui_admin_update(ui->admin, view);
	gtk_widget_show(launcher_ui_admin_widget(ui->admin));
	launcher_ui_admin_focus(ui->admin);
	launcher_ui_log_next_paint(ui, "admin");
}

gboolean launcher_ui_admin_visible(LauncherUi *ui)
{
	return gtk_widget_get_visible(launcher_ui_admin_widget(ui->admin));
}

void launcher_ui_hide_admin(LauncherUi *ui)
{
	const char *page = ui_current_page(ui);

	gtk_widget_hide(launcher_ui_admin_widget(ui->admin));
	/* Give the keyboard back to the page underneath. */
	if (strcmp(page, "login") == 0)
		launcher_ui_login_focus(ui->login);
	else if (strcmp(page, "message") == 0)
		launcher_ui_message_focus(ui->message);
	else if (strcmp(page, "progress") == 0)
		launcher_ui_progress_focus(ui->progress);
	else if (strcmp(page, "chooser") == 0)
		launcher_ui_chooser_focus(ui->chooser);
	launcher_ui_log_next_paint(ui, page);
}

void launcher_ui_log_next_paint(LauncherUi *ui, const char *page)
{
	GdkFrameClock *clock = gtk_widget_get_frame_clock(ui->window);

	/* Only the page that is on screen when the frame is drawn counts: two
	 * switches before one frame log the second page once. */
	g_free(ui->paint_page);
	ui->paint_page = g_strdup(page);
	if (clock && !ui->paint_handler)
		ui->paint_handler =
		    g_signal_connect(clock, "after-paint", G_CALLBACK(ui_after_paint), ui);
	gtk_widget_queue_draw(ui->window);
}
