/* File handling that never loses data: capped reads, atomic replacement
 * (temp file, fsync, rename, fsync of the directory) and an advisory lock
 * that serializes editors. */
#ifndef VDI_FILEIO_H
#define VDI_FILEIO_H

#include <stddef.h>

#include <errno.h>

/* errno for "a path that names a FIFO, a socket or a device where a file
 * belongs". Linux has no errno of its own for it; file_strerror() words
 * it. */
#define FILE_ENOTREG EINVAL

/* Every file the broker and stationctl read is opened here, and only here:
 * without blocking (a FIFO named as a file would otherwise hang the open
 * until a writer came, forever), close-on-exec, and refused unless fstat
 * says it is a regular file (errno FILE_ENOTREG, or EISDIR for a folder).
 * flags adds open flags, such as O_NOFOLLOW for files only the program
 * itself writes. Returns the fd or -1 (errno set). */
int file_open_regular(const char *path, int flags);
/* The same check without keeping the file open: 0 or -1 (errno set). */
int file_check_regular(const char *path);
/* strerror() that words FILE_ENOTREG and ELOOP (O_NOFOLLOW) for an admin. */
const char *file_strerror(int err);

/* Reads the whole file into a NUL-terminated buffer, through
 * file_open_regular(). Fails with errno EFBIG when the file is larger than
 * max bytes. 0 or -1 (errno set); a failed read's buffer is wiped. */
int file_read_capped(const char *path, size_t max, char **out, size_t *len);
int file_read_capped_flags(const char *path, int flags, size_t max, char **out, size_t *len);
/* Reads fd (a pipe such as standard input, or a file opened above) to its
 * end, at most max bytes; size_hint sizes the first buffer. */
int file_read_fd_capped(int fd, size_t max, size_t size_hint, char **out, size_t *len);

/* Replaces path with data atomically: writes path.tmp.XXXXXX in the same
 * directory with the given mode (and, when run as root, the replaced file's
 * owner and group), fsyncs it, renames it over path and fsyncs
 * the directory. When keep_prev is set, the version being replaced is kept as
 * path.prev (the same atomic way). 0 or -1 (errno set); on failure path is
 * untouched. */
int file_replace_atomic(const char *path, const char *data, size_t len, unsigned mode,
			int keep_prev);

/* Removes temp files left by an editor that was killed mid-write. Call it
 * while holding the lock. */
void file_remove_stale_temps(const char *path);

/* The folder of path (".", when it has none), made absolute when it
 * exists: paths relative to a config file go to programs (qemu-img,
 * libvirt's QEMU) that do not run in the caller's folder. A folder that
 * cannot be resolved is returned as written. Caller frees; NULL when out
 * of memory. */
char *file_dir_absolute(const char *path);

/* Takes an exclusive flock on path.lock (created 0660 less the umask if absent), waiting at
 * most timeout_ms. Returns the lock fd, or -1 (errno ETIMEDOUT on time-out). */
int file_lock(const char *path, int timeout_ms);
void file_unlock(int fd);

#endif
