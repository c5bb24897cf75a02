/* The notice: see launcher_ui_notice.h.
 *
 * It is a window of its own (override-redirect, never focused, clicks pass
 * through it), not a widget in the launcher window's overlay. An RDP desktop
 * is xfreerdp's X window inside ours: GTK stacks any overlay child above
 * such a native window by making the child native too, and paints it with
 * what GTK believes lies below, the black desktop page. The notice then
 * came as a black box about 600x150 over the remote desktop. Its own small
 * window above everything shows just the notice, on SPICE, VNC and RDP
 * alike. */
#include "launcher_ui_notice.h"

/* Space between the notice and the bottom of its monitor, in pixels. */
#define NOTICE_MARGIN 24
/* Long notices wrap at about this many characters. */
#define NOTICE_WIDTH_CHARS 70

struct LauncherUiNotice {
	GtkWidget *over;   /* the launcher window */
	GtkWidget *window; /* the notice's own */
	GtkWidget *label;
	guint timer;
};

static void notice_realize(GtkWidget *window, gpointer user_data)
{
	cairo_region_t *none = cairo_region_create();

	/* An empty input shape: a click on the notice reaches the desktop
	 * below, as if the notice were not there. */
	gdk_window_input_shape_combine_region(gtk_widget_get_window(window), none, 0, 0);
	cairo_region_destroy(none);
}

static gboolean notice_draw(GtkWidget *window, cairo_t *cr, gpointer user_data)
{
	/* Outside the rounded box: transparent where the screen composites,
	 * black otherwise (no leftovers of what was there before). */
	cairo_save(cr);
	cairo_set_source_rgba(cr, 0, 0, 0, 0);
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_paint(cr);
	cairo_restore(cr);
	return FALSE;
}

LauncherUiNotice *launcher_ui_notice_new(GtkWidget *over)
{
	LauncherUiNotice *n = g_new0(LauncherUiNotice, 1);
	GdkScreen *screen = gtk_widget_get_screen(over);
	GtkWidget *box;

	n->over = over;
	n->window = gtk_window_new(GTK_WINDOW_POPUP);
	gtk_widget_set_name(n->window, "vdi-notice");
	gtk_window_set_transient_for(GTK_WINDOW(n->window), GTK_WINDOW(over));
	gtk_window_set_type_hint(GTK_WINDOW(n->window), GDK_WINDOW_TYPE_HINT_NOTIFICATION);
	gtk_window_set_accept_focus(GTK_WINDOW(n->window), FALSE);
	gtk_window_set_focus_on_map(GTK_WINDOW(n->window), FALSE);
	gtk_window_set_resizable(GTK_WINDOW(n->window), FALSE);
	if (gdk_screen_is_composited(screen) && gdk_screen_get_rgba_visual(screen))
		gtk_widget_set_visual(n->window, gdk_screen_get_rgba_visual(screen));
	gtk_widget_set_app_paintable(n->window, TRUE);
	g_signal_connect(n->window, "realize", G_CALLBACK(notice_realize), n);
	g_signal_connect(n->window, "draw", G_CALLBACK(notice_draw), n);

	n->label = gtk_label_new(NULL);
	gtk_label_set_line_wrap(GTK_LABEL(n->label), TRUE);
	gtk_label_set_max_width_chars(GTK_LABEL(n->label), NOTICE_WIDTH_CHARS);
	gtk_label_set_justify(GTK_LABEL(n->label), GTK_JUSTIFY_CENTER);
	/* A box draws the style's background, border and padding (an event
	 * box ignores the padding). */
	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_container_add(GTK_CONTAINER(box), n->label);
	gtk_style_context_add_class(gtk_widget_get_style_context(box), "vdi-notice");
	gtk_container_add(GTK_CONTAINER(n->window), box);
	gtk_widget_show_all(box);
	return n;
}

void launcher_ui_notice_free(LauncherUiNotice *n)
{
	if (!n)
		return;
	g_clear_handle_id(&n->timer, g_source_remove);
	gtk_widget_destroy(n->window);
	g_free(n);
}

void launcher_ui_notice_set_large(LauncherUiNotice *n)
{
	PangoAttrList *attrs = pango_attr_list_new();

	pango_attr_list_insert(attrs, pango_attr_scale_new(1.75));
	pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
	gtk_label_set_attributes(GTK_LABEL(n->label), attrs);
	pango_attr_list_unref(attrs);
}

void launcher_ui_notice_hide(LauncherUiNotice *n)
{
	g_clear_handle_id(&n->timer, g_source_remove);
	gtk_widget_hide(n->window);
}

static gboolean notice_timeout(gpointer user_data)
{
	LauncherUiNotice *n = user_data;

	n->timer = 0;
	gtk_widget_hide(n->window);
	return G_SOURCE_REMOVE;
}

/* Centred at the bottom of the monitor the launcher window is on (the
 * first of them when it spans several), within the window itself when it
 * is smaller (--windowed). */
static void notice_place(LauncherUiNotice *n)
{
	GdkWindow *over = gtk_widget_get_window(n->over);
	GdkDisplay *dpy = gtk_widget_get_display(n->over);
	GdkRectangle area = {0, 0, 0, 0}, frame;
	GdkMonitor *mon = NULL;
	GtkRequisition size;

	if (over) {
		gdk_window_get_frame_extents(over, &frame);
		mon = gdk_display_get_monitor_at_point(dpy, frame.x, frame.y);
		if (mon)
			gdk_monitor_get_geometry(mon, &area);
		if (!mon || !gdk_rectangle_intersect(&area, &frame, &area))
			area = frame;
	}
	gtk_widget_get_preferred_size(n->window, NULL, &size);
	gtk_window_resize(GTK_WINDOW(n->window), size.width, size.height);
	gtk_window_move(GTK_WINDOW(n->window), area.x + (area.width - size.width) / 2,
			area.y + area.height - size.height - NOTICE_MARGIN);
}

void launcher_ui_notice_show(LauncherUiNotice *n, const char *text, guint seconds)
{
	gtk_label_set_text(GTK_LABEL(n->label), text);
	notice_place(n);
	gtk_widget_show(n->window);
	/* Above the launcher window, which may have been raised since. */
	if (gtk_widget_get_window(n->window))
		gdk_window_raise(gtk_widget_get_window(n->window));
	g_clear_handle_id(&n->timer, g_source_remove);
	n->timer = g_timeout_add_seconds(seconds, notice_timeout, n);
}
