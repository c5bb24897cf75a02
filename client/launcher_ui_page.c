/* Shared page pieces: see launcher_ui_page.h. */
#include "launcher_ui_page.h"

#include "log.h"

GtkWidget *launcher_ui_page_label(const char *css_class, gboolean wrap)
{
	GtkWidget *l = gtk_label_new(NULL);

	gtk_label_set_justify(GTK_LABEL(l), GTK_JUSTIFY_CENTER);
	gtk_label_set_line_wrap(GTK_LABEL(l), wrap);
	if (wrap) {
		gtk_label_set_line_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
		gtk_label_set_max_width_chars(GTK_LABEL(l), 70);
	}
	if (css_class)
		gtk_style_context_add_class(gtk_widget_get_style_context(l), css_class);
	gtk_widget_set_no_show_all(l, TRUE);
	return l;
}

void launcher_ui_page_set_text(GtkWidget *label, const char *text)
{
	/* Plain text always: nothing from the broker is markup. */
	gtk_label_set_text(GTK_LABEL(label), text ? text : "");
	gtk_widget_set_visible(label, text && *text);
}

GtkWidget *launcher_ui_page_box(const char *css_class)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);

	gtk_widget_set_halign(box, GTK_ALIGN_CENTER);
	gtk_widget_set_valign(box, GTK_ALIGN_CENTER);
	gtk_style_context_add_class(gtk_widget_get_style_context(box), "vdi-page");
	if (css_class)
		gtk_style_context_add_class(gtk_widget_get_style_context(box), css_class);
	return box;
}

struct page_paint {
	GdkFrameClock *clock;
	gulong handler;
	char *event, *page;
};

static void page_after_paint(GdkFrameClock *clock, gpointer user_data)
{
	struct page_paint *pp = user_data;
	char t[32], mono[32];

	g_snprintf(t, sizeof(t), "%" G_GINT64_FORMAT, g_get_real_time());
	g_snprintf(mono, sizeof(mono), "%" G_GINT64_FORMAT, g_get_monotonic_time());
	log_event(LOG_INFO, pp->event, "page", pp->page, "t_us", t, "mono_us", mono, NULL);
	g_signal_handler_disconnect(clock, pp->handler);
}

static void page_paint_free(gpointer data, GClosure *closure)
{
	struct page_paint *pp = data;

	g_free(pp->event);
	g_free(pp->page);
	g_free(pp);
}

void launcher_ui_page_log_next_paint(GtkWidget *widget, const char *event, const char *page)
{
	GdkFrameClock *clock = gtk_widget_get_frame_clock(widget);
	struct page_paint *pp;

	/* A widget not realized yet (a page about to be shown) has no clock
	 * of its own: its window's is the one that will paint it. */
	if (!clock) {
		widget = gtk_widget_get_toplevel(widget);
		clock = gtk_widget_get_frame_clock(widget);
	}
	if (!clock)
		return;
	pp = g_new0(struct page_paint, 1);
	pp->clock = clock;
	pp->event = g_strdup(event);
	pp->page = g_strdup(page);
	pp->handler = g_signal_connect_data(clock, "after-paint", G_CALLBACK(page_after_paint), pp,
					    page_paint_free, 0);
	/* Make sure there is a next frame even if nothing else changes. */
	gtk_widget_queue_draw(widget);
}
