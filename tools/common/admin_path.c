/* The admin socket's place: see admin_path.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin_path.h"
#include "privdir.h"

/* Room for "/admin.sock" after the folder. */
static int admin_path_fits(const char *dir)
{
	return strlen(dir) + 1 + strlen(ADMIN_PATH_NAME) < ADMIN_PATH_MAX;
}

size_t admin_path_dirs(char dirs[][ADMIN_PATH_MAX], size_t max)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char d[ADMIN_PATH_MAX * 2];
	size_t n = 0;

	if (n < max)
		snprintf(dirs[n++], ADMIN_PATH_MAX, "%s", ADMIN_PATH_DIR);
	/* Relative values are invalid by the XDG rules; ignore them rather
	 * than put a socket somewhere that depends on the current folder. */
	if (xdg && xdg[0] == '/' && n < max) {
		snprintf(d, sizeof(d), "%s/vdi-broker", xdg);
		/* admin_path_fits() has checked the length (memcpy, not
		 * snprintf: GCC cannot see that check and warns). */
		if (admin_path_fits(d))
			memcpy(dirs[n++], d, strlen(d) + 1);
	}
	if (n < max)
		snprintf(dirs[n++], ADMIN_PATH_MAX, "/tmp/vdi-broker-%u", (unsigned)geteuid());
	return n;
}

int admin_path_make(const char dirs[][ADMIN_PATH_MAX], size_t n, char *path, size_t len, char *why,
		    size_t whylen)
{
	char err[ADMIN_PATH_MAX + 160];
	size_t used = 0;

	if (whylen)
		why[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		switch (privdir_ensure(dirs[i], 0, err, sizeof(err))) {
		case PRIVDIR_OK:
			snprintf(path, len, "%s/%s", dirs[i], ADMIN_PATH_NAME);
			return (int)i;
		case PRIVDIR_UNAVAILABLE:
			/* Keep every reason: the log line says why each place
			 * before the one used was passed over. */
			if (used < whylen) {
				snprintf(why + used, whylen - used, "%s%s", used ? "; " : "", err);
				used = strlen(why);
			}
			break;
		case PRIVDIR_REFUSED:
		default:
			snprintf(why, whylen, "%s", err);
			return -1;
		}
	}
	if (n == 0)
		snprintf(why, whylen, "no folder for the admin socket");
	return -1;
}

int admin_path_check_given(const char *path, char *err, size_t errlen)
{
	char dir[ADMIN_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t dlen;

	if (!slash)
		return 0; /* in the current folder, which exists */
	dlen = slash == path ? 1 : (size_t)(slash - path);
	if (dlen >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		return -1;
	}
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	if (strcmp(dir, ADMIN_PATH_DIR) == 0) {
		/* The systemd unit names the default on purpose: make it
		 * the same way, but never fall back elsewhere. */
		if (privdir_ensure(dir, 0, err, errlen) != PRIVDIR_OK)
			return -1;
		return 0;
	}
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: its folder %s: %s (create it, or choose another path)",
			 path, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a folder", path, dir);
		return -1;
	}
	return 0;
}

/* The per-user places are only believed when they are the user's own, as
 * the broker made them: someone else's /tmp/vdi-broker-UID must not get to
 * answer this user's stationctl. The first place sits in /run, which only
 * root can write, and belongs to the broker's user, not to the caller. */
static int admin_path_own_dir(const char *dir)
{
	struct stat st;

	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

void admin_path_find(const char dirs[][ADMIN_PATH_MAX], size_t n, char *path, size_t len)
{
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && !admin_path_own_dir(dirs[i]))
			continue;
		snprintf(path, len, "%s/%s", dirs[i], ADMIN_PATH_NAME);
		/* Connecting needs write permission on the socket: one that is
		 * there but not ours to use (root's broker, seen by a user) is
		 * also one the broker of this user passed over. */
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
			return;
	}
	snprintf(path, len, "%s/%s", n ? dirs[0] : ADMIN_PATH_DIR, ADMIN_PATH_NAME);
}
