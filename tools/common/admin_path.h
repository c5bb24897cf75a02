/* Where the broker's admin socket is when nobody names it (vdi-broker
 * without --admin-socket, stationctl without --socket or
 * $VDI_ADMIN_SOCKET). The broker, which makes the socket, and stationctl,
 * which looks for it, walk the same folders in the same order:
 *
 *   1. /run/vdi-broker            the systemd unit's runtime folder; a
 *                                 broker run by hand as root makes it
 *   2. $XDG_RUNTIME_DIR/vdi-broker a user who cannot write /run (only when
 *                                 XDG_RUNTIME_DIR is an absolute path)
 *   3. /tmp/vdi-broker-UID        no XDG_RUNTIME_DIR: a folder of the
 *                                 user's own, mode 0700
 *
 * each holding admin.sock. docs/operations.md documents the list. */
#ifndef VDI_ADMIN_PATH_H
#define VDI_ADMIN_PATH_H

#include <stddef.h>

#define ADMIN_PATH_DIR	   "/run/vdi-broker"
#define ADMIN_PATH_NAME	   "admin.sock"
#define ADMIN_PATH_DEFAULT ADMIN_PATH_DIR "/" ADMIN_PATH_NAME
/* A unix socket path, NUL included (sizeof sockaddr_un.sun_path). */
#define ADMIN_PATH_MAX	108
#define ADMIN_PATH_DIRS 3

/* The folders above for this process (its environment and user id), in
 * order; a folder whose socket path would not fit is left out. Returns how
 * many were written. */
size_t admin_path_dirs(char dirs[][ADMIN_PATH_MAX], size_t max);

/* For the broker: makes (mode 0700) or checks the first of dirs it can
 * use and writes that folder's socket path. Returns the index of the folder
 * used; when it is not 0, why says what was wrong with the ones before.
 * Returns -1 with why set when a folder exists but is unsafe (the search
 * stops there: a tampered folder must be looked at, not worked around) or
 * when none can be made. */
int admin_path_make(const char dirs[][ADMIN_PATH_MAX], size_t n, char *path, size_t len, char *why,
		    size_t whylen);

/* For a path given with --admin-socket: the default folder is made as
 * above, any other folder must exist already. 0, or -1 with err. */
int admin_path_check_given(const char *path, char *err, size_t errlen);

/* For clients: the socket path in the first of dirs that holds a socket
 * this process may connect to (any folder after the first only when it is
 * this user's own and not writable by others); when none does, the first
 * folder's (so that the error names the usual place). */
void admin_path_find(const char dirs[][ADMIN_PATH_MAX], size_t n, char *path, size_t len);

#endif
