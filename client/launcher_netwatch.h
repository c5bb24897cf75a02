/* Watches the station's own network link, so that a session whose cable was
 * pulled ends at once instead of after TCP gives up: the interface's carrier
 * is polled once a second, and udev reports interfaces that disappear (a
 * USB network adapter unplugged). */
#ifndef LAUNCHER_NETWATCH_H
#define LAUNCHER_NETWATCH_H

#include <glib.h>

typedef struct LauncherNetwatch LauncherNetwatch;

/* Called when ifname loses its carrier or goes away. */
typedef void (*LauncherNetwatchLost)(gpointer user_data, const char *ifname, const char *why);

/* root: where /sys is (tests). NULL when ifname is empty or unknown: then
 * nothing is watched. */
LauncherNetwatch *launcher_netwatch_new(const char *root, const char *ifname,
					LauncherNetwatchLost lost, gpointer user_data);
void launcher_netwatch_free(LauncherNetwatch *w);

#endif
