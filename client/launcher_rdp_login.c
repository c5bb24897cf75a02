/* A one-shot connection file with the RDP user name: see launcher_rdp_login.h. */
#include "launcher_rdp_login.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

struct LauncherRdpLogin {
	char *dir;
	char *path;
	int inotify_fd;
	guint watch;
};

char *launcher_rdp_login_text(const char *username)
{
	const char *slash = strchr(username, '\\');
	const char *user = slash ? slash + 1 : username;
	int dlen = slash ? (int)(slash - username) : 0;

	/* A line break would start a setting of the user's choosing. */
	if (strpbrk(username, "\r\n"))
		return NULL;
	/* "user@domain" stays whole: servers take it as it is. */
	return g_strdup_printf("username:s:%s\ndomain:s:%.*s\n", user, dlen, username);
}

static void launcher_rdp_login_remove(LauncherRdpLogin *l)
{
	if (l->watch) {
		g_source_remove(l->watch);
		l->watch = 0;
	}
	if (l->inotify_fd >= 0) {
		close(l->inotify_fd);
		l->inotify_fd = -1;
	}
	if (l->path) {
		g_unlink(l->path);
		g_clear_pointer(&l->path, g_free);
	}
	if (l->dir) {
		g_rmdir(l->dir);
		g_clear_pointer(&l->dir, g_free);
	}
}

/* xfreerdp closed the file after reading it: it is not needed any more. */
static gboolean launcher_rdp_login_closed(gint fd, GIOCondition cond, gpointer data)
{
	LauncherRdpLogin *l = data;
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	l->watch = 0;
	launcher_rdp_login_remove(l);
	return G_SOURCE_REMOVE;
}

LauncherRdpLogin *launcher_rdp_login_new(const char *username, GError **error)
{
	LauncherRdpLogin *l = g_new0(LauncherRdpLogin, 1);
	g_autofree char *text = launcher_rdp_login_text(username);

	l->inotify_fd = -1;
	if (!text) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "the user name holds a line break and cannot be passed on");
		goto fail;
	}
	/* g_dir_make_tmp makes the folder 0700: nobody else can even look. */
	if (!(l->dir = g_dir_make_tmp("vdi-rdp-XXXXXX", error)))
		goto fail;
	l->path = g_build_filename(l->dir, "login.rdp", NULL);
	int fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot write the RDP login file: %s", g_strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	/* Watched before the child starts, so its read cannot be missed. */
	l->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->inotify_fd < 0 || inotify_add_watch(l->inotify_fd, l->path, IN_CLOSE_NOWRITE) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot watch the RDP login file: %s", g_strerror(errno));
		goto fail;
	}
	l->watch = g_unix_fd_add(l->inotify_fd, G_IO_IN, launcher_rdp_login_closed, l);
	return l;
fail:
	launcher_rdp_login_free(l);
	return NULL;
}

const char *launcher_rdp_login_path(LauncherRdpLogin *l)
{
	return l->path;
}

gboolean launcher_rdp_login_removed(LauncherRdpLogin *l)
{
	return l->path == NULL;
}

void launcher_rdp_login_free(LauncherRdpLogin *l)
{
	if (!l)
		return;
	launcher_rdp_login_remove(l);
	g_free(l);
}
