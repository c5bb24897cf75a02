/* Branding: see launcher_branding.h. */
#include "launcher_branding.h"

#include "log.h"

/* Enough to read every screen on any theme; branding/launcher.css styles
 * the rest. */
static const char branding_builtin_css[] =
    "window.vdi-launcher { background-color: #1d2733; color: #f2f4f7; }\n"
    ".vdi-page { padding: 32px; }\n"
    ".vdi-clock { font-size: 48px; }\n"
    ".vdi-station-name { font-size: 32px; font-weight: bold; }\n"
    ".vdi-title { font-size: 30px; font-weight: bold; }\n"
    ".vdi-body { font-size: 18px; }\n"
    ".vdi-next { font-size: 18px; }\n"
    ".vdi-identity-large { font-size: 44px; font-family: monospace; font-weight: bold; }\n"
    ".vdi-identity-small { font-size: 12px; }\n"
    ".vdi-warning { color: #ffb020; font-weight: bold; }\n"
    ".vdi-notice { background-color: rgba(0,0,0,0.8); color: #ffffff; padding: 10px 18px;"
    " border-radius: 6px; }\n"
    ".vdi-admin { background-color: #0b0f14; }\n"
    ".vdi-desktop { background-color: #000000; }\n";

void launcher_branding_apply(GdkScreen *screen, const char *dir)
{
	g_autoptr(GtkCssProvider) builtin = gtk_css_provider_new();
	g_autoptr(GtkCssProvider) brand = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;

	gtk_css_provider_load_from_data(builtin, branding_builtin_css, -1, NULL);
	/* Above the theme, below the branding. */
	gtk_style_context_add_provider_for_screen(screen, GTK_STYLE_PROVIDER(builtin),
						  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION - 1);
	if (!dir)
		return;
	path = g_build_filename(dir, "launcher.css", NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		log_event(LOG_WARN, "branding", "path", path, "error", "missing", NULL);
		return;
	}
	brand = gtk_css_provider_new();
	if (!gtk_css_provider_load_from_path(brand, path, &error)) {
		log_event(LOG_WARN, "branding", "path", path, "error", error->message, NULL);
		return;
	}
	gtk_style_context_add_provider_for_screen(screen, GTK_STYLE_PROVIDER(brand),
						  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

GtkWidget *launcher_branding_logo(const char *dir, int height)
{
	/* The PNG first: the SVG loader pulls in librsvg, megabytes of RAM on a
	 * station for a picture of fixed size. */
	static const char *const names[] = {"logo.png", "logo.svg"};

	if (!dir)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_build_filename(dir, names[i], NULL);
		g_autoptr(GdkPixbuf) pb = NULL;

		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			continue;
		/* A loader that is missing (SVG) just means the next file. */
		pb = gdk_pixbuf_new_from_file_at_scale(path, -1, height, TRUE, NULL);
		if (pb) {
			GtkWidget *img = gtk_image_new_from_pixbuf(pb);
			gtk_style_context_add_class(gtk_widget_get_style_context(img), "vdi-logo");
			return img;
		}
	}
	return NULL;
}
