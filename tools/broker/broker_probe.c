/* Desktop readiness probe: see broker_probe.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker_probe.h"
#include "broker_time.h"

/* A few desktops start at once in practice; the table only has to hold the
 * ones that are being polled right now. */
#define PROBE_SLOTS    64
#define PROBE_HOST_MAX 256

struct probe_slot {
	char host[PROBE_HOST_MAX];
	unsigned port;
	long long checked_ms; /* 0: empty */
	bool up;
};

struct broker_probe {
	pthread_mutex_t lock;
	struct probe_slot slots[PROBE_SLOTS];
};

struct broker_probe *broker_probe_new(void)
{
	struct broker_probe *p = calloc(1, sizeof(*p));

	if (p && pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

void broker_probe_free(struct broker_probe *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static bool probe_addr(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd;
	int fd, err = 0, r;
	socklen_t len = sizeof(err);
	bool up = false;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return false;
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r == 0) {
		up = true;
		goto cleanup;
	}
	if (errno != EINPROGRESS)
		goto cleanup;
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		goto cleanup;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
		up = true;
cleanup:
	close(fd);
	return up;
}

static bool probe_connect(const char *host, unsigned port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	char service[12];
	bool up = false;

	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return false;
	for (ai = res; ai && !up; ai = ai->ai_next)
		up = probe_addr(ai, BROKER_PROBE_TIMEOUT_MS);
	freeaddrinfo(res);
	return up;
}

/* The slot that holds host:port, or NULL. Called locked. */
static struct probe_slot *probe_find(struct broker_probe *p, const char *host, unsigned port)
{
	for (size_t i = 0; i < PROBE_SLOTS; i++) {
		struct probe_slot *s = &p->slots[i];
		if (s->checked_ms && s->port == port && strcmp(s->host, host) == 0)
			return s;
	}
	return NULL;
}

/* An empty slot, or the one checked longest ago. Called locked. */
static struct probe_slot *probe_oldest(struct broker_probe *p)
{
	struct probe_slot *oldest = &p->slots[0];

	for (size_t i = 1; i < PROBE_SLOTS; i++)
		if (p->slots[i].checked_ms < oldest->checked_ms)
			oldest = &p->slots[i];
	return oldest;
}

bool broker_probe_up(struct broker_probe *p, const char *host, unsigned port)
{
	struct probe_slot *s;
	long long now = broker_time_mono_ms();
	bool up;

	if (!host || !port || strlen(host) >= PROBE_HOST_MAX)
		return false;
	pthread_mutex_lock(&p->lock);
	s = probe_find(p, host, port);
	if (s && now - s->checked_ms < BROKER_PROBE_CACHE_MS) {
		up = s->up;
		pthread_mutex_unlock(&p->lock);
		return up;
	}
	pthread_mutex_unlock(&p->lock);

	/* Unlocked: a slow desktop must not hold up probes of other ones. Two
	 * requests may probe the same desktop at once; that costs one extra
	 * connect, nothing more. */
	up = probe_connect(host, port);

	pthread_mutex_lock(&p->lock);
	s = probe_find(p, host, port);
	if (!s)
		s = probe_oldest(p);
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->port = port;
	/* 0 marks an empty slot. */
	s->checked_ms = broker_time_mono_ms() ?: 1;
	s->up = up;
	pthread_mutex_unlock(&p->lock);
	return up;
}
