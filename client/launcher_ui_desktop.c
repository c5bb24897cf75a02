/* The desktop page: see launcher_ui_desktop.h. */
#include "launcher_ui_desktop.h"

#include "launcher_ui_page.h"
#include "log.h"

/* A GtkOverlay whose overlay children are the displays: its
 * get-child-position signal lets each display have exactly its monitor's
 * rectangle. (A SpiceDisplay sets its own size request, so containers that
 * go by size requests, like GtkFixed, would not do.) */
struct LauncherUiDesktop {
	GtkWidget *root; /* GtkOverlay */
	GPtrArray *displays;
	GArray *monitors; /* GdkRectangle */
	gboolean first_frame_logged;
};

GdkRectangle launcher_ui_desktop_place(const GdkRectangle *monitors, guint n_monitors,
				       guint n_displays, guint i)
{
	GdkRectangle r = {0, 0, 0, 0};
	guint m, first, count, j;

	if (n_monitors == 0 || i >= n_displays)
		return r;
	m = MIN(i, n_monitors - 1);
	/* Displays from index n_monitors - 1 on share the last monitor. */
	first = m;
	count = (m == n_monitors - 1) ? n_displays - (n_monitors - 1) : 1;
	j = i - first;
	r = monitors[m];
	if (count > 1) {
		int w = monitors[m].width / (int)count;
		r.x = monitors[m].x + (int)j * w;
		r.width = (j == count - 1) ? monitors[m].width - (int)j * w : w;
	}
	return r;
}

static gboolean desktop_child_position(GtkOverlay *overlay, GtkWidget *child, GdkRectangle *alloc,
				       gpointer user_data)
{
	LauncherUiDesktop *p = user_data;
	GdkRectangle whole = {0, 0, gtk_widget_get_allocated_width(p->root),
			      gtk_widget_get_allocated_height(p->root)};
	const GdkRectangle *mons = p->monitors->len ? (GdkRectangle *)p->monitors->data : &whole;
	guint n_mons = p->monitors->len ? p->monitors->len : 1;
	guint i;
	GdkRectangle *last;

	if (!g_ptr_array_find(p->displays, child, &i))
		return FALSE;
	*alloc = launcher_ui_desktop_place(mons, n_mons, p->displays->len, i);
	/* Each new place of a display is logged once: where the desktop's
	 * heads went is what an admin checking a two-monitor desk asks. */
	last = g_object_get_data(G_OBJECT(child), "vdi-desktop-place");
	if (!last || !gdk_rectangle_equal(last, alloc)) {
		char geo[64], order[16];
		last = g_new(GdkRectangle, 1);
		*last = *alloc;
		g_object_set_data_full(G_OBJECT(child), "vdi-desktop-place", last, g_free);
		g_snprintf(geo, sizeof(geo), "%dx%d+%d+%d", alloc->width, alloc->height, alloc->x,
			   alloc->y);
		g_snprintf(
		    order, sizeof(order), "%u",
		    GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(child), "vdi-desktop-order")));
		log_event(LOG_INFO, "display_place", "order", order, "geometry", geo, NULL);
	}
	return TRUE;
}

LauncherUiDesktop *launcher_ui_desktop_new(void)
{
	LauncherUiDesktop *p = g_new0(LauncherUiDesktop, 1);
	GtkWidget *back = gtk_event_box_new();

	p->root = g_object_ref_sink(gtk_overlay_new());
	gtk_style_context_add_class(gtk_widget_get_style_context(back), "vdi-desktop");
	gtk_container_add(GTK_CONTAINER(p->root), back);
	p->displays = g_ptr_array_new();
	p->monitors = g_array_new(FALSE, TRUE, sizeof(GdkRectangle));
	g_signal_connect(p->root, "get-child-position", G_CALLBACK(desktop_child_position), p);
	gtk_widget_show_all(p->root);
	return p;
}

void launcher_ui_desktop_free(LauncherUiDesktop *p)
{
	if (!p)
		return;
	launcher_ui_desktop_clear(p);
	g_signal_handlers_disconnect_by_data(p->root, p);
	g_object_unref(p->root);
	g_ptr_array_unref(p->displays);
	g_array_unref(p->monitors);
	g_free(p);
}

GtkWidget *launcher_ui_desktop_widget(LauncherUiDesktop *p)
{
	return p->root;
}

void launcher_ui_desktop_set_monitors(LauncherUiDesktop *p, const GdkRectangle *rects, guint n)
{
	g_array_set_size(p->monitors, 0);
	g_array_append_vals(p->monitors, rects, n);
	gtk_widget_queue_resize(p->root);
}

/* The first display that has a picture: log when it is on screen. */
static void desktop_ready(GObject *display, GParamSpec *pspec, gpointer user_data)
{
	LauncherUiDesktop *p = user_data;
	gboolean ready = FALSE;

	/* SPICE displays say when they have a picture. The others (RDP's
	 * window, VNC's display) have one when the session opens, which
	 * launcher_ui_desktop_shown marks. */
	if (!g_object_class_find_property(G_OBJECT_GET_CLASS(display), "ready"))
		return;
	g_object_get(display, "ready", &ready, NULL);
	if (!ready || p->first_frame_logged)
		return;
	p->first_frame_logged = TRUE;
	launcher_ui_page_log_next_paint(GTK_WIDGET(display), "first_frame", "desktop");
}

void launcher_ui_desktop_add(LauncherUiDesktop *p, GtkWidget *display, guint order)
{
	guint at = 0;

	if (p->displays->len == 0)
		p->first_frame_logged = FALSE;
	g_object_set_data(G_OBJECT(display), "vdi-desktop-order", GUINT_TO_POINTER(order));
	while (at < p->displays->len &&
	       GPOINTER_TO_UINT(g_object_get_data(g_ptr_array_index(p->displays, at),
						  "vdi-desktop-order")) <= order)
		at++;
	g_ptr_array_insert(p->displays, (gint)at, display);
	gtk_overlay_add_overlay(GTK_OVERLAY(p->root), display);
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(display), "ready"))
		g_signal_connect(display, "notify::ready", G_CALLBACK(desktop_ready), p);
	gtk_widget_show(display);
	gtk_widget_queue_resize(p->root);
	desktop_ready(G_OBJECT(display), NULL, p);
}

void launcher_ui_desktop_shown(LauncherUiDesktop *p)
{
	GObject *first;

	if (p->first_frame_logged || p->displays->len == 0)
		return;
	first = g_ptr_array_index(p->displays, 0);
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(first), "ready"))
		return;
	p->first_frame_logged = TRUE;
	launcher_ui_page_log_next_paint(p->root, "first_frame", "desktop");
}

void launcher_ui_desktop_remove(LauncherUiDesktop *p, GtkWidget *display)
{
	if (!g_ptr_array_remove(p->displays, display))
		return;
	g_signal_handlers_disconnect_by_data(display, p);
	/* Destroying the widget drops its reference on the SPICE session. */
	gtk_widget_destroy(display);
	gtk_widget_queue_resize(p->root);
}

void launcher_ui_desktop_clear(LauncherUiDesktop *p)
{
	while (p->displays->len)
		launcher_ui_desktop_remove(p, g_ptr_array_index(p->displays, 0));
}

guint launcher_ui_desktop_count(LauncherUiDesktop *p)
{
	return p->displays->len;
}

void launcher_ui_desktop_focus(LauncherUiDesktop *p)
{
	if (p->displays->len)
		gtk_widget_grab_focus(g_ptr_array_index(p->displays, 0));
}
