/* The kernel command line (/proc/cmdline): where pxelinux puts BOOTIF= and
 * where an admin puts vdi.* options for one station or a whole menu entry. */
#ifndef LAUNCHER_CMDLINE_H
#define LAUNCHER_CMDLINE_H

#include <glib.h>

/* Longer command lines are cut here (the kernel's own limit is 2 KiB on x86,
 * bootloaders on other machines allow more). */
#define LAUNCHER_CMDLINE_MAX 8192

typedef void (*LauncherCmdlineFunc)(const char *key, const char *value, gpointer user_data);

/* Calls fn for each word, in order, split as the kernel does: blanks
 * separate words unless inside double quotes, the first '=' separates key
 * and value, and the quotes themselves are dropped. value is NULL for a word
 * without '='. */
void launcher_cmdline_foreach(const char *cmdline, LauncherCmdlineFunc fn, gpointer user_data);

/* The value of the last word named key (later words override earlier ones,
 * as for the kernel's own parameters), or NULL. Free with g_free. */
char *launcher_cmdline_get(const char *cmdline, const char *key);

/* Reads path (normally /proc/cmdline), capped at LAUNCHER_CMDLINE_MAX. NULL
 * when it cannot be read. */
char *launcher_cmdline_read(const char *path);

#endif
