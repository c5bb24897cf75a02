/* Small files the launcher reads (kernel command line, sysfs attributes, its
 * config file), always with a size cap. */
#ifndef LAUNCHER_FILE_H
#define LAUNCHER_FILE_H

#include <glib.h>

/* Reads at most max bytes of path into a NUL-terminated string. A longer
 * file is cut at max bytes when truncate is set, and an error otherwise.
 * Works for /proc and /sys files, whose size is not known in advance. */
char *launcher_file_read(const char *path, gsize max, gboolean truncate, GError **error);

/* The first line of a small file (sysfs attribute), without its newline;
 * NULL when unreadable. */
char *launcher_file_read_line(const char *path);

/* g_build_filename(root, path) when root is set and not "/", else path. */
char *launcher_file_under(const char *root, const char *path);

#endif
