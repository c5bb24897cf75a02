/* Directory connections kept for reuse: see broker_directory_pool.h. */
#include <pthread.h>
#include <stdlib.h>

#include "broker_directory_pool.h"

struct broker_directory_pool {
	pthread_mutex_t lock;
	struct broker_directory_conn *idle; /* most recently used first */
	unsigned n_idle, max;
};

static time_t broker_directory_pool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct broker_directory_pool *broker_directory_pool_new(unsigned max)
{
	struct broker_directory_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	p->max = max;
	return p;
}

void broker_directory_pool_free(struct broker_directory_pool *p)
{
	struct broker_directory_conn *c;

	if (!p)
		return;
	while ((c = p->idle)) {
		p->idle = c->next;
		broker_directory_conn_close(c);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct broker_directory_conn *broker_directory_pool_take(struct broker_directory_pool *p)
{
	struct broker_directory_conn *c, *stale = NULL, **pp;
	time_t now = broker_directory_pool_now();

	pthread_mutex_lock(&p->lock);
	/* The most recently used first: the others age out, so that a
	 * burst's connections do not stay open when the load is gone. */
	for (pp = &p->idle; *pp;) {
		c = *pp;
		if (now - c->idle_since <= BROKER_DIRECTORY_POOL_IDLE) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		c->next = stale;
		stale = c;
		p->n_idle--;
	}
	c = p->idle;
	if (c) {
		p->idle = c->next;
		p->n_idle--;
		c->next = NULL;
		c->reused = true;
	}
	pthread_mutex_unlock(&p->lock);
	/* Closed outside the lock: an unbind writes to the socket. */
	while (stale) {
		struct broker_directory_conn *n = stale->next;

		broker_directory_conn_close(stale);
		stale = n;
	}
	return c;
}

void broker_directory_pool_put(struct broker_directory_pool *p, struct broker_directory_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&p->lock);
	if (c->ld && p->n_idle < p->max) {
		c->idle_since = broker_directory_pool_now();
		c->next = p->idle;
		p->idle = c;
		p->n_idle++;
		c = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	broker_directory_conn_close(c);
}

struct broker_directory_conn *broker_directory_conn_new(unsigned timeout)
{
	struct broker_directory_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->w = broker_directory_watch_new(timeout);
	if (!c->w) {
		free(c);
		return NULL;
	}
	return c;
}

void broker_directory_conn_close(struct broker_directory_conn *c)
{
	if (!c)
		return;
	/* The unbind runs the watchdog's close callback: the watchdog goes
	 * after it. */
	if (c->ld)
		ldap_unbind_ext(c->ld, NULL, NULL);
	broker_directory_watch_free(c->w);
	free(c);
}
