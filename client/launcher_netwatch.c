/* Link watching: see launcher_netwatch.h. */
#include "launcher_netwatch.h"

#include <glib-unix.h>
#include <libudev.h>
#include <string.h>

#include "launcher_file.h"
#include "launcher_identity.h"
#include "log.h"

struct LauncherNetwatch {
	char *root, *ifname;
	LauncherNetwatchLost lost;
	gpointer user_data;
	guint poll;
	struct udev *udev;
	struct udev_monitor *mon;
	guint mon_watch;
	gboolean fired;
};

static void netwatch_fire(LauncherNetwatch *w, const char *why)
{
	if (w->fired)
		return;
	w->fired = TRUE;
	log_event(LOG_WARN, "link_lost", "interface", w->ifname, "why", why, NULL);
	w->lost(w->user_data, w->ifname, why);
}

static gboolean netwatch_poll(gpointer user_data)
{
	LauncherNetwatch *w = user_data;

	if (!launcher_identity_has_carrier(w->root, w->ifname))
		netwatch_fire(w, "carrier");
	return G_SOURCE_CONTINUE;
}

static gboolean netwatch_udev(int fd, GIOCondition cond, gpointer user_data)
{
	LauncherNetwatch *w = user_data;
	struct udev_device *dev = udev_monitor_receive_device(w->mon);

	if (dev) {
		const char *action = udev_device_get_action(dev);
		const char *name = udev_device_get_sysname(dev);
		if (action && name && strcmp(action, "remove") == 0 && strcmp(name, w->ifname) == 0)
			netwatch_fire(w, "removed");
		udev_device_unref(dev);
	}
	return G_SOURCE_CONTINUE;
}

LauncherNetwatch *launcher_netwatch_new(const char *root, const char *ifname,
					LauncherNetwatchLost lost, gpointer user_data)
{
	LauncherNetwatch *w;

	/* No known interface, or one without a carrier to begin with (a
	 * virtual one): nothing meaningful to watch. */
	if (!ifname || !*ifname || !launcher_identity_has_carrier(root, ifname))
		return NULL;
	w = g_new0(LauncherNetwatch, 1);
	w->root = g_strdup(root);
	w->ifname = g_strdup(ifname);
	w->lost = lost;
	w->user_data = user_data;
	w->poll = g_timeout_add(1000, netwatch_poll, w);
	/* udev is optional: without it (no netlink in a container) the
	 * carrier poll still works. */
	w->udev = udev_new();
	if (w->udev)
		w->mon = udev_monitor_new_from_netlink(w->udev, "kernel");
	if (w->mon && udev_monitor_filter_add_match_subsystem_devtype(w->mon, "net", NULL) >= 0 &&
	    udev_monitor_enable_receiving(w->mon) >= 0) {
		w->mon_watch =
		    g_unix_fd_add(udev_monitor_get_fd(w->mon), G_IO_IN, netwatch_udev, w);
	}
	return w;
}

void launcher_netwatch_free(LauncherNetwatch *w)
{
	if (!w)
		return;
	g_clear_handle_id(&w->poll, g_source_remove);
	g_clear_handle_id(&w->mon_watch, g_source_remove);
	if (w->mon)
		udev_monitor_unref(w->mon);
	if (w->udev)
		udev_unref(w->udev);
	g_free(w->root);
	g_free(w->ifname);
	g_free(w);
}
