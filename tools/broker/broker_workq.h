/* A small pool of threads with a bounded queue, for work that must not run
 * on the threads that answer stations: fetching a connection URL (which
 * may hang for its whole time-out) and checking passwords (tens of ms of
 * CPU each, which a flood of failed logins would otherwise pile onto
 * every lookup).
 *
 * The queue is bounded so that a flood is refused at once (the HTTP layer
 * answers with broker_workq_full_status) instead of growing memory and
 * latency without end. */
#ifndef BROKER_WORKQ_H
#define BROKER_WORKQ_H

#include <stdbool.h>

/* Runs a job. cancelled: the pool is stopping and the job was never
 * started; it must finish at once (answer "unavailable") and still
 * release what it holds. */
typedef void (*broker_workq_fn)(void *arg, bool cancelled);

struct broker_workq_params {
	const char *name; /* for logs and thread names: "fetch", "login" */
	unsigned threads;
	unsigned max_queued;  /* jobs waiting for a thread, beyond the running ones */
	int nice;	      /* added to the threads' scheduling niceness (Linux: per thread) */
	unsigned full_status; /* the HTTP status for "queue full": 429 or 503 */
};

struct broker_workq;

/* NULL on failure (out of memory, no threads). */
struct broker_workq *broker_workq_new(const struct broker_workq_params *p);
/* Queues fn(arg). 0, or -1 when the queue is full or the pool stopping:
 * fn is then never called. */
int broker_workq_submit(struct broker_workq *q, broker_workq_fn fn, void *arg);
/* Refuses new jobs, runs every queued one with cancelled set, waits for
 * the running ones and joins the threads. Safe on NULL; the pool is still
 * to be freed. */
void broker_workq_stop(struct broker_workq *q);
void broker_workq_free(struct broker_workq *q);

unsigned broker_workq_full_status(const struct broker_workq *q);
/* For the admin health view: jobs running and waiting, and refused since
 * start. */
void broker_workq_counts(struct broker_workq *q, unsigned *running, unsigned *queued,
			 unsigned long *refused);

#endif
