/* The directory login's watchdog: see broker_directory_watch.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "broker_directory_watch.h"

struct broker_directory_watch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running, stop, armed, fired;
	int fd;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	unsigned timeout;
	ldap_conncb cb;
};

static void *broker_directory_watch_main(void *arg)
{
	struct broker_directory_watch *w = arg;
	struct timespec now;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (!w->armed) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		if (pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline) != ETIMEDOUT)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (w->armed &&
		    (now.tv_sec > w->deadline.tv_sec ||
		     (now.tv_sec == w->deadline.tv_sec && now.tv_nsec >= w->deadline.tv_nsec))) {
			if (w->fd >= 0)
				shutdown(w->fd, SHUT_RDWR);
			w->fired = true;
			w->armed = false;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int broker_directory_watch_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv,
				      struct sockaddr *addr, struct ldap_conncb *ctx)
{
	struct broker_directory_watch *w = ctx->lc_arg;
	ber_socket_t fd = -1;

	ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
	pthread_mutex_lock(&w->lock);
	w->fd = fd;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static void broker_directory_watch_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	struct broker_directory_watch *w = ctx->lc_arg;

	pthread_mutex_lock(&w->lock);
	w->fd = -1;
	pthread_mutex_unlock(&w->lock);
}

struct broker_directory_watch *broker_directory_watch_new(unsigned timeout)
{
	struct broker_directory_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (!w)
		return NULL;
	w->fd = -1;
	w->timeout = timeout;
	w->cb = (ldap_conncb){broker_directory_watch_add, broker_directory_watch_del, w};
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->running = pthread_create(&w->thread, NULL, broker_directory_watch_main, w) == 0;
	if (!w->running) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void broker_directory_watch_free(struct broker_directory_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* A step that may block starts: it has the time-out from now. */
void broker_directory_watch_arm(struct broker_directory_watch *w)
{
	pthread_mutex_lock(&w->lock);
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += (time_t)w->timeout;
	w->armed = true;
	w->fired = false; /* a kept connection's steps each start afresh */
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* The step is over; true when the watchdog cut it short. */
bool broker_directory_watch_disarm(struct broker_directory_watch *w)
{
	bool fired;

	pthread_mutex_lock(&w->lock);
	w->armed = false;
	fired = w->fired;
	pthread_mutex_unlock(&w->lock);
	return fired;
}

ldap_conncb *broker_directory_watch_cb(struct broker_directory_watch *w)
{
	return &w->cb;
}
