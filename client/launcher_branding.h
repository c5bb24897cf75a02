/* Branding: the launcher's CSS and logo, read at start-up from a folder so
 * that an image build can replace them without recompiling. A built-in
 * style is always loaded underneath, so that a missing or broken branding
 * folder still gives a readable screen. */
#ifndef LAUNCHER_BRANDING_H
#define LAUNCHER_BRANDING_H

#include <gtk/gtk.h>

/* Loads the built-in style and dir/launcher.css (if present) for screen.
 * Problems are logged, never fatal. */
void launcher_branding_apply(GdkScreen *screen, const char *dir);

/* The logo (dir/logo.png, else dir/logo.svg) scaled to height pixels, or
 * NULL when there is none. */
GtkWidget *launcher_branding_logo(const char *dir, int height);

#endif
