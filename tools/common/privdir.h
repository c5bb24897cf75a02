/* A private folder for a daemon's own files (its admin socket, its state):
 * made mode 0700 when missing, and refused when someone else could tamper
 * with what is inside (not a folder, writable by group or others, owned by
 * another user). A folder that cannot be made here at all (no permission,
 * read-only file system, missing parent) is told apart, so that the caller
 * can try its next place instead of stopping. */
#ifndef VDI_PRIVDIR_H
#define VDI_PRIVDIR_H

#include <stddef.h>

enum privdir_result {
	PRIVDIR_OK = 0,
	PRIVDIR_UNAVAILABLE = -1, /* cannot be made here: another place may do */
	PRIVDIR_REFUSED = -2,	  /* exists but is unsafe, or another error */
};

enum privdir_flags {
	/* Accept a symlink to a safe folder: for state folders, which systemd
	 * (DynamicUser=) and admins (another disk) link elsewhere. Runtime
	 * folders never are links. */
	PRIVDIR_FOLLOW = 1,
};

/* Makes path (its last component only) mode 0700 if missing, then checks
 * it. On failure err says why, naming the path. */
enum privdir_result privdir_ensure(const char *path, int flags, char *err, size_t errlen);

#endif
