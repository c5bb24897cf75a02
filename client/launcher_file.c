/* Capped file reads: see launcher_file.h. */
#include "launcher_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

char *launcher_file_read(const char *path, gsize max, gboolean truncate, GError **error)
{
	char *buf = NULL;
	gsize n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", path,
			    g_strerror(e));
		return NULL;
	}
	/* One byte more than allowed tells a file that is too long. */
	buf = g_malloc(max + 2);
	while (n < max + 1) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", path,
				    g_strerror(e));
			goto fail;
		}
		if (r == 0)
			break;
		n += (gsize)r;
	}
	if (n > max) {
		if (!truncate) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "%s: larger than %" G_GSIZE_FORMAT " bytes", path, max);
			goto fail;
		}
		n = max;
	}
	buf[n] = '\0';
	close(fd);
	return buf;
fail:
	close(fd);
	g_free(buf);
	return NULL;
}

char *launcher_file_read_line(const char *path)
{
	char *s = launcher_file_read(path, 4096, TRUE, NULL);

	if (s)
		s[strcspn(s, "\r\n")] = '\0';
	return s;
}

char *launcher_file_under(const char *root, const char *path)
{
	if (!root || !*root || strcmp(root, "/") == 0)
		return g_strdup(path);
	return g_build_filename(root, path, NULL);
}
