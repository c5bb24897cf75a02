#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int file_open_regular(const char *path, int flags)
{
	struct stat st;
	int fd;

	/* A look before the open keeps us from opening a device at all (an
	 * open can have side effects there); the fstat after it is the check
	 * that counts, as the path may have been swapped in between. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : FILE_ENOTREG;
		return -1;
	}
	/* O_NONBLOCK: opening a FIFO for reading waits for a writer, forever
	 * if none comes; with it, the open returns and fstat refuses it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | flags);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : FILE_ENOTREG;
		return -1;
	}
	return fd;
}

int file_check_regular(const char *path)
{
	int fd = file_open_regular(path, 0);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

const char *file_strerror(int err)
{
	if (err == FILE_ENOTREG)
		return "not a regular file (a FIFO, socket or device)";
	if (err == ELOOP)
		return "is a symbolic link";
	return strerror(err);
}

/* Frees a buffer that may hold a secret (vv files carry passwords). */
static void fileio_free_wiped(char *buf, size_t n)
{
	if (buf) {
		explicit_bzero(buf, n);
		free(buf);
	}
}

int file_read_fd_capped(int fd, size_t max, size_t size_hint, char **out, size_t *len)
{
	int ret = -1;
	char *buf = NULL;
	/* The size may change while we read; read up to max+1 to notice. */
	size_t cap = (size_hint < max ? size_hint : max) + 1, n = 0;

	buf = malloc(cap + 1);
	if (!buf)
		goto cleanup;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto cleanup;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = malloc(ncap + 1);
			if (!nb)
				goto cleanup;
			memcpy(nb, buf, n);
			fileio_free_wiped(buf, n);
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		errno = EFBIG;
		goto cleanup;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 0;
cleanup:
	if (buf) {
		int e = errno;

		fileio_free_wiped(buf, n);
		errno = e;
	}
	return ret;
}

int file_read_capped_flags(const char *path, int flags, size_t max, char **out, size_t *len)
{
	struct stat st;
	int fd, ret, e;

	fd = file_open_regular(path, flags);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		ret = -1;
		goto cleanup;
	}
	if ((unsigned long long)st.st_size > max) {
		errno = EFBIG;
		ret = -1;
		goto cleanup;
	}
	ret = file_read_fd_capped(fd, max, (size_t)st.st_size, out, len);
cleanup:
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

int file_read_capped(const char *path, size_t max, char **out, size_t *len)
{
	return file_read_capped_flags(path, 0, max, out, len);
}

static int fileio_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fileio_fsync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

int file_replace_atomic(const char *path, const char *data, size_t len, unsigned mode,
			int keep_prev)
{
	int ret = -1, fd = -1, e;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	char *prev = malloc(plen + 16);
	char *prevtmp = malloc(plen + 24);
	if (!tmp || !prev || !prevtmp)
		goto cleanup;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	snprintf(prev, plen + 16, "%s.prev", path);
	snprintf(prevtmp, plen + 24, "%s.tmp.prevXXXXXX", path);

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		tmp[0] = '\0';
		goto cleanup;
	}
	/* The new version keeps the owner and group of the one it replaces,
	 * so a root edit does not lock the broker's user out of its file.
	 * Only root may chown; anyone else already owns what they write. */
	struct stat old;
	if (stat(path, &old) == 0 && geteuid() == 0 && fchown(fd, old.st_uid, old.st_gid) < 0)
		goto cleanup;
	if (fchmod(fd, mode) < 0 || fileio_write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto cleanup;
	if (close(fd) < 0) {
		fd = -1;
		goto cleanup;
	}
	fd = -1;

	if (keep_prev) {
		/* A hard link to the current version, renamed over .prev, keeps
		 * the old bytes without copying and without a window in which
		 * .prev is missing or partial. */
		int pfd = mkostemp(prevtmp, O_CLOEXEC);
		if (pfd < 0)
			goto cleanup;
		close(pfd);
		unlink(prevtmp);
		if (link(path, prevtmp) == 0) {
			if (rename(prevtmp, prev) < 0) {
				unlink(prevtmp);
				goto cleanup;
			}
		} else if (errno != ENOENT) {
			goto cleanup;
		}
	}
	if (rename(tmp, path) < 0)
		goto cleanup;
	tmp[0] = '\0';
	if (fileio_fsync_dir(path) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (tmp && tmp[0])
		unlink(tmp);
	free(tmp);
	free(prev);
	free(prevtmp);
	errno = e;
	return ret;
}

void file_remove_stale_temps(const char *path)
{
	char *dcopy = strdup(path), *bcopy = strdup(path);
	if (!dcopy || !bcopy)
		goto cleanup;
	const char *dir = dirname(dcopy);
	const char *base = basename(bcopy);
	size_t blen = strlen(base);
	DIR *d = opendir(dir);
	if (!d)
		goto cleanup;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) == 0 &&
		    strncmp(de->d_name + blen, ".tmp.", 5) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
cleanup:
	free(dcopy);
	free(bcopy);
}

int file_lock(const char *path, int timeout_ms)
{
	size_t plen = strlen(path);
	char *lp = malloc(plen + 6);
	if (!lp)
		return -1;
	snprintf(lp, plen + 6, "%s.lock", path);
	/* Group-writable (umask permitting) so that admins sharing the
	 * file's group can all take the lock, whoever created it first. */
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	free(lp);
	if (fd < 0)
		return -1;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= timeout_ms) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		/* Edits take milliseconds; a short sleep keeps waiters fair
		 * enough without a busy loop. */
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

void file_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

char *file_dir_absolute(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *abs;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return NULL;
	abs = realpath(dir, NULL);
	if (!abs)
		return dir;
	free(dir);
	return abs;
}
