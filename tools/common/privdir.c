/* Private folders: see privdir.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdir.h"

enum privdir_result privdir_ensure(const char *path, int flags, char *err, size_t errlen)
{
	struct stat st;
	int made = 0, r;

	if (mkdir(path, 0700) == 0) {
		made = 1;
	} else if (errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot create the folder: %s", path, strerror(e));
		/* Not ours to make (an unprivileged user and /run or /var/lib),
		 * or no parent: somewhere else may still do. */
		if (e == EACCES || e == EPERM || e == EROFS || e == ENOENT)
			return PRIVDIR_UNAVAILABLE;
		return PRIVDIR_REFUSED;
	}
	r = (flags & PRIVDIR_FOLLOW) ? stat(path, &st) : lstat(path, &st);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PRIVDIR_REFUSED;
	}
	if (S_ISLNK(st.st_mode)) {
		/* Whoever can change the link decides where the files go. */
		snprintf(err, errlen, "%s: is a symbolic link; refusing to use it", path);
		return PRIVDIR_REFUSED;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a folder", path);
		return PRIVDIR_REFUSED;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		/* Another user could replace what we put there. */
		snprintf(err, errlen,
			 "%s: writable by group or others (mode %04o); refusing to use it", path,
			 (unsigned)(st.st_mode & 07777));
		return PRIVDIR_REFUSED;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by this process's user (uid %u)",
			 path, (unsigned)st.st_uid, (unsigned)geteuid());
		/* Root's folder, seen by a user: not ours, and nothing of ours
		 * could land there, so another place is fine. A folder we could
		 * write in but do not own (root, and a running broker's folder)
		 * is another program's: stop, do not mix. */
		if (faccessat(AT_FDCWD, path, W_OK | X_OK, AT_EACCESS) < 0)
			return PRIVDIR_UNAVAILABLE;
		return PRIVDIR_REFUSED;
	}
	/* mkdir's mode went through the umask; ours is exactly 0700. */
	if (made && chmod(path, 0700) < 0) {
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
		return PRIVDIR_REFUSED;
	}
	return PRIVDIR_OK;
}
