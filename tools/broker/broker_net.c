/* Listening sockets: see broker_net.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker_net.h"

/* The kernel caps it at net.core.somaxconn anyway. */
#define NET_BACKLOG 4096

int broker_net_listen_tcp(const struct sockaddr *sa, socklen_t len, char *bound, size_t bound_len,
			  char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];
	int fd, one = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A restarted broker must not wait for old connections in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) < 0) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		goto fail;
	}
	if (listen(fd, NET_BACKLOG) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		goto fail;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
		snprintf(bound, bound_len, "[%s]:%u", ip, ntohs(a6->sin6_port));
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
		snprintf(bound, bound_len, "%s:%u", ip, ntohs(a4->sin_port));
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* 1: something answers at path, 0: nothing does, -1: cannot tell. */
static int net_unix_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return -1;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (r == 0)
		r = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		r = 0;
	else
		r = -1;
	close(fd);
	return r;
}

int broker_net_listen_unix(const char *path, dev_t *dev, ino_t *ino, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old_mask;
	int fd = -1, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		return -1;
	}
	strcpy(sun.sun_path, path);

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket", path);
			return -1;
		}
		r = net_unix_alive(&sun);
		if (r != 0) {
			snprintf(err, errlen, "%s: %s", path,
				 r > 0 ? "another broker is listening there"
				       : "cannot tell whether it is in use");
			return -1;
		}
		/* Left behind by a broker that did not stop cleanly. */
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot remove stale socket: %s", path,
				 strerror(errno));
			return -1;
		}
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The umask makes the socket 0600 from the moment it exists, so there
	 * is no window in which another user could connect. */
	old_mask = umask(0177);
	r = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (r < 0) {
		snprintf(err, errlen, "%s: bind: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, 0600) < 0 || lstat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	if (listen(fd, 64) < 0) {
		snprintf(err, errlen, "%s: listen: %s", path, strerror(errno));
		goto fail_unlink;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	return -1;
}

void broker_net_unlink_unix(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}
