/* Listening sockets. The broker opens them itself (rather than letting the
 * HTTP library do it) to learn the real port when asked for port 0, to set
 * the backlog for a thousand stations booting at once, and to create the
 * admin socket with the right permissions before anyone can connect. */
#ifndef BROKER_NET_H
#define BROKER_NET_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A non-blocking TCP listener. bound gets "127.0.0.1:PORT" or "[::1]:PORT"
 * with the actual port. The fd, or -1 with err. */
int broker_net_listen_tcp(const struct sockaddr *sa, socklen_t len, char *bound, size_t bound_len,
			  char *err, size_t errlen);

/* A non-blocking unix stream listener at path, mode 0600. A stale socket
 * left by a dead broker is removed; a live one (another broker answering)
 * or a non-socket file at path is an error. ino/dev identify the socket
 * file for broker_net_unlink_unix. The fd, or -1 with err. */
int broker_net_listen_unix(const char *path, dev_t *dev, ino_t *ino, char *err, size_t errlen);
/* Removes path if it is still the socket we created. */
void broker_net_unlink_unix(const char *path, dev_t dev, ino_t ino);

#endif
